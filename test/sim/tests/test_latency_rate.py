"""Per-request latency and per-(scope, family) rate limits (traffic.py).

Run: cd test/sim && python3 -m unittest discover -s tests -v

The token-bucket arithmetic is tested on a Simulator driven directly with a fake clock;
the HTTP tests use small latencies and buckets of one or two tokens refilled so slowly
that timing cannot change the outcome.
"""

import http.client
import json
import os
import socket
import sys
import threading
import time
import unittest

SIM_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
if SIM_DIR not in sys.path:
    sys.path.insert(0, SIM_DIR)

import traffic  # noqa: E402
import web  # noqa: E402
from app import Simulator  # noqa: E402
from test_sim import CLIENT_ID, PROFILE, SimProcess, SimTestCase, call  # noqa: E402

OTHER_PROFILE = "2345678901"
DSP_ACCOUNT = "ENTITY1ABC"


class FakeConnection:
    def __init__(self, port):
        self.client_address = ("127.0.0.1", port)


def request(sim, method, path, scope=None, account=None, body=None):
    headers = []
    if scope:
        headers.append(("Amazon-Advertising-API-Scope", scope))
    if account:
        headers.append(("Amazon-Ads-AccountId", account))
    data = json.dumps(body).encode() if body is not None else b""
    return web.Request(sim, method, path, web.Headers(headers), data)


class TrafficUnitTest(unittest.TestCase):
    """The Simulator without sockets; time is a fake clock."""

    @classmethod
    def setUpClass(cls):
        cls.sim = Simulator(seed=42, report_delay=0)

    def setUp(self):
        self.sim.reset()
        self.sim.traffic.clear_rules()
        self.sim.traffic.clear_latency()
        self.now = 1000.0
        self.sim.traffic.clock = lambda: self.now
        self.conn = FakeConnection(40000)

    def status(self, path="/v2/profiles", method="GET", conn=None, **kw):
        plan = self.sim.handle(request(self.sim, method, path, **kw), conn or self.conn)
        return plan.response

    def test_no_rules_no_limit(self):
        for _ in range(50):
            self.assertNotEqual(self.status().status, 429)
        self.assertEqual(self.sim.traffic.stats_json()["throttled"], 0)

    def test_bucket_burst_refill_and_retry_after(self):
        self.sim.traffic.set_rule(0.5, 2)
        self.assertNotEqual(self.status().status, 429)
        self.assertNotEqual(self.status().status, 429)
        answer = self.status()
        self.assertEqual(answer.status, 429)
        self.assertEqual(answer.headers["Retry-After"], "2")   # 1 token / 0.5 per s
        self.assertEqual(json.loads(answer.body)["code"], "THROTTLED")  # profiles' SPError
        self.now += 1.5      # 0.75 tokens: still short by 0.25 -> 0.5 s -> 1 (rounded up)
        answer = self.status()
        self.assertEqual((answer.status, answer.headers["Retry-After"]), (429, "1"))
        self.now += 0.5      # a throttled request took no token: 1 token now
        self.assertNotEqual(self.status().status, 429)
        self.now += 3600     # never more than burst
        self.assertNotEqual(self.status().status, 429)
        self.assertNotEqual(self.status().status, 429)
        self.assertEqual(self.status().status, 429)

    def test_retry_after_at_least_one_second(self):
        self.sim.traffic.set_rule(100, 1)
        self.status()
        answer = self.status()
        self.assertEqual((answer.status, answer.headers["Retry-After"]), (429, "1"))

    def test_buckets_per_scope_and_family(self):
        self.sim.traffic.set_rule(0.001, 1)
        retailers = "/ras/v1/retailers/list"
        self.assertNotEqual(self.status(retailers, "POST", scope=PROFILE).status, 429)
        self.assertEqual(self.status(retailers, "POST", scope=PROFILE).status, 429)
        # same profile, other family; other profile, same family; an account
        self.assertNotEqual(self.status("/adsApi/v1/query/campaigns", "POST",
                                        scope=PROFILE).status, 429)
        self.assertNotEqual(self.status(retailers, "POST", scope=OTHER_PROFILE).status, 429)
        self.assertNotEqual(self.status("/adsApi/v1/query/campaigns", "POST",
                                        account=DSP_ACCOUNT).status, 429)
        answer = self.status("/adsApi/v1/query/campaigns", "POST", account=DSP_ACCOUNT)
        self.assertEqual(answer.status, 429)
        self.assertEqual(json.loads(answer.body)["code"], "TOO_MANY_REQUESTS")  # v1 body
        # the profile family without scope header, and paths outside both families
        self.assertNotEqual(self.status("/v2/profiles").status, 429)
        self.assertEqual(self.status("/v2/profiles").status, 429)
        for path in ("/auth/o2/token", "/_download/abc", "/nowhere"):
            self.assertNotEqual(self.status(path, "POST").status, 429)
            self.assertNotEqual(self.status(path, "POST").status, 429)
        stats = self.sim.traffic.stats_json()
        self.assertEqual(stats["throttled"], 3)
        self.assertEqual(stats["throttled_by_scope"],
                         {PROFILE: {"ras": 1}, DSP_ACCOUNT: {"v1": 1}, "-": {"ras": 1}})

    def test_most_specific_rule_wins(self):
        tr = self.sim.traffic
        tr.set_rule(0.001, 3)
        tr.set_rule(0.001, 1, family="v1")
        tr.set_rule(0.001, 2, scope=PROFILE)
        tr.set_rule(0.001, 4, scope=PROFILE, family="v1")

        def allowed(path, scope):
            n = 0
            while self.status(path, "POST", scope=scope).status != 429:
                n += 1
            return n
        self.assertEqual(allowed("/adsApi/v1/query/campaigns", PROFILE), 4)
        self.assertEqual(allowed("/ras/v1/campaigns/list", PROFILE), 2)
        self.assertEqual(allowed("/adsApi/v1/query/campaigns", OTHER_PROFILE), 1)
        self.assertEqual(allowed("/ras/v1/campaigns/list", OTHER_PROFILE), 3)
        self.assertEqual([(r["scope"], r["family"], r["burst"]) for r in tr.rules_json()["rules"]],
                         [(None, None, 3), (None, "v1", 1), (PROFILE, None, 2),
                          (PROFILE, "v1", 4)])
        tr.set_rule(None, scope=PROFILE, family="v1")  # removed: PROFILE's rule applies
        self.assertEqual(allowed("/adsApi/v1/query/campaigns", PROFILE), 2)

    def test_throttled_request_is_logged_not_carried_out_and_keeps_faults(self):
        self.sim.traffic.set_rule(0.001, 1)
        with self.sim.lock:
            self.sim.faults.add([{"kind": "status", "status": 503, "skip": 1}], self.sim.tokens)
        self.assertNotEqual(self.status().status, 429)   # skipped by the fault
        self.assertEqual(self.status().status, 429)      # throttled: fault untouched
        self.assertEqual(len(self.sim.faults.pending()), 1)
        self.assertEqual(self.sim.log[-1]["status"], 429)
        self.assertEqual(self.sim.stats.requests, 2)

    def test_counts_per_connection_and_reset(self):
        self.sim.traffic.set_rule(0.001, 1)
        a, b = FakeConnection(40001), FakeConnection(40002)
        self.status(conn=a)
        self.status(conn=a)
        self.status(conn=b)
        self.status(conn=b)
        self.status(conn=b)
        stats = self.sim.traffic.stats_json()
        self.assertEqual(stats["throttled"], 4)
        self.assertEqual(stats["throttled_by_connection"],
                         {"127.0.0.1:40001": 1, "127.0.0.1:40002": 3})
        self.sim.reset()
        stats = self.sim.traffic.stats_json()
        self.assertEqual((stats["throttled"], stats["throttled_by_connection"],
                          stats["throttled_by_scope"]), (0, {}, {}))
        self.assertEqual(len(self.sim.traffic.rules), 1)   # configuration kept
        self.assertNotEqual(self.status().status, 429)     # bucket full again

    def test_rule_change_refills_buckets(self):
        self.sim.traffic.set_rule(0.001, 1)
        self.status()
        self.assertEqual(self.status().status, 429)
        self.sim.traffic.set_rule(0.001, 1, family="v1")
        self.assertNotEqual(self.status().status, 429)

    def test_default_burst(self):
        tr = self.sim.traffic
        tr.set_rule(2.5)
        tr.set_rule(0.2, family="v1")
        self.assertEqual([r["burst"] for r in tr.rules_json()["rules"]], [3, 1])

    def test_latency_longest_prefix(self):
        tr = self.sim.traffic
        tr.set_latency(100, {"/ras/v1/": 20, "/ras/v1/campaigns": 5})
        self.assertEqual(tr.latency_for("/ras/v1/campaigns/list"), 0.005)
        self.assertEqual(tr.latency_for("/ras/v1/targets/list"), 0.02)
        self.assertEqual(tr.latency_for("/v2/profiles"), 0.1)
        tr.set_latency(paths={"/ras/v1/": None})
        self.assertEqual(tr.latency_json(), {"ms": 100, "paths": {"/ras/v1/campaigns": 5}})
        tr.clear_latency()
        self.assertEqual(tr.latency_for("/ras/v1/campaigns"), 0)

    def test_latency_applies_without_sockets(self):
        self.sim.traffic.set_latency(30)
        started = time.monotonic()
        self.assertEqual(self.status().status, 401)   # no token: answered after the wait
        self.assertGreaterEqual(time.monotonic() - started, 0.03)

    def test_bad_settings_change_nothing(self):
        tr = self.sim.traffic
        tr.set_latency(10, {"/a": 1})
        tr.set_rule(5, 5)
        for bad in (dict(ms=-1), dict(ms="5"), dict(ms=True), dict(paths=[]),
                    dict(ms=1, paths={"a": 1}), dict(ms=1, paths={"/b": -3})):
            with self.assertRaises(traffic.ConfigError, msg=bad):
                tr.set_latency(**bad)
        for bad in (dict(rps=0), dict(rps=-1), dict(rps="1"), dict(rps=1, burst=0.5),
                    dict(rps=1, family="v2"), dict(rps=1, scope=""), dict(rps=None, burst=2)):
            with self.assertRaises(traffic.ConfigError, msg=bad):
                tr.set_rule(**bad)
        self.assertEqual(tr.latency_json(), {"ms": 10, "paths": {"/a": 1}})
        self.assertEqual(tr.rules_json()["rules"],
                         [{"scope": None, "family": None, "rps": 5, "burst": 5}])


class TrafficHttpTest(SimTestCase):
    """The admin API, the 429s and the latency over real connections."""

    def setUp(self):
        super().setUp()
        self.assertEqual(self.admin("DELETE", "/_sim/rate_limit").status, 200)
        self.assertEqual(self.admin("DELETE", "/_sim/latency").status, 200)

    def tearDown(self):
        self.admin("DELETE", "/_sim/rate_limit")
        self.admin("DELETE", "/_sim/latency")

    def profiles(self, conn=None):
        return self.api("GET", "/v2/profiles", scope=None, conn=conn)

    def test_admin_shapes(self):
        answer = self.admin("POST", "/_sim/latency", {"ms": 5, "paths": {"/adsApi/v1/": 7}})
        self.assertEqual((answer.status, answer.json),
                         (200, {"ms": 5, "paths": {"/adsApi/v1/": 7}}))
        self.assertEqual(self.admin("GET", "/_sim/latency").json, answer.json)
        self.assertEqual(self.admin("DELETE", "/_sim/latency").json, {"ms": 0, "paths": {}})
        answer = self.admin("POST", "/_sim/rate_limit", {"rps": 10, "burst": 10})
        self.assertEqual((answer.status, answer.json), (200, {"rules": [
            {"scope": None, "family": None, "rps": 10, "burst": 10}]}))
        answer = self.admin("POST", "/_sim/rate_limit",
                            {"rps": 1, "scope": PROFILE, "family": "v1"})
        self.assertEqual(answer.json["rules"][1],
                         {"scope": PROFILE, "family": "v1", "rps": 1, "burst": 1})
        self.assertEqual(self.admin("GET", "/_sim/rate_limit").json, answer.json)
        self.assertEqual(self.admin("DELETE", "/_sim/rate_limit").json, {"rules": []})
        for path, body in (("/_sim/latency", {"ms": -1}), ("/_sim/latency", {"msec": 1}),
                           ("/_sim/latency", [1]), ("/_sim/rate_limit", {"burst": 2}),
                           ("/_sim/rate_limit", {"rps": 1, "family": "dsp"})):
            answer = self.admin("POST", path, body)
            self.assertEqual((answer.status, answer.json["code"]),
                             (400, "INVALID_ARGUMENT"), (path, body))
        stats = self.admin("GET", "/_sim/stats").json
        for key in ("throttled", "throttled_by_connection", "throttled_by_scope",
                    "latency_cut_short", "connections", "requests", "by_route"):
            self.assertIn(key, stats)

    def test_429_bodies_headers_and_stats_per_connection(self):
        self.admin("POST", "/_sim/rate_limit", {"rps": 0.1, "burst": 1})
        first = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        second = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            self.assertEqual(self.profiles(first).status, 200)
            answer = self.profiles(first)
            self.assertEqual(answer.status, 429)
            self.assertEqual(answer.json, {"code": "THROTTLED", "details":
                                           web.STATUS_MESSAGES[429]})
            self.assertEqual(answer.headers["retry-after"], "10")
            self.assertTrue(answer.headers["x-amzn-requestid"].startswith("sim-"))
            self.assertEqual(self.profiles(second).status, 429)
            self.assertEqual(self.profiles(second).status, 429)
            ports = [c.sock.getsockname()[1] for c in (first, second)]
            v1 = self.api("POST", "/adsApi/v1/query/campaigns", {}, scope=PROFILE,
                          headers={"Amazon-Ads-ClientId": CLIENT_ID})
            self.assertNotEqual(v1.status, 429)
            v1 = self.api("POST", "/adsApi/v1/query/campaigns", {}, scope=PROFILE,
                          headers={"Amazon-Ads-ClientId": CLIENT_ID})
            self.assertEqual((v1.status, v1.json["code"]), (429, "TOO_MANY_REQUESTS"))
            report = self.api("GET", "/reporting/reports/nope")
            self.assertNotEqual(report.status, 429)
            report = self.api("GET", "/reporting/reports/nope")
            self.assertEqual((report.status, report.json["code"]), (429, "429"))
        finally:
            first.close()
            second.close()
        stats = self.admin("GET", "/_sim/stats").json
        self.assertEqual(stats["throttled"], 5)
        by_conn = stats["throttled_by_connection"]
        self.assertEqual(by_conn["127.0.0.1:%d" % ports[0]], 1)
        self.assertEqual(by_conn["127.0.0.1:%d" % ports[1]], 2)
        self.assertEqual(sum(by_conn.values()), 5)
        self.assertEqual(stats["throttled_by_scope"], {"-": {"ras": 3},
                                                       PROFILE: {"ras": 1, "v1": 1}})
        self.assertEqual(self.admin("POST", "/_sim/reset").status, 200)
        stats = self.admin("GET", "/_sim/stats").json
        self.assertEqual((stats["throttled"], stats["throttled_by_connection"]), (0, {}))
        self.assertEqual(len(self.admin("GET", "/_sim/rate_limit").json["rules"]), 1)

    def test_latency_does_not_block_other_connections(self):
        self.admin("POST", "/_sim/latency", {"paths": {"/v2/profiles": 600}})
        slow = {}

        def slow_call():
            started = time.monotonic()
            slow["status"] = self.profiles().status
            slow["took"] = time.monotonic() - started
        thread = threading.Thread(target=slow_call)
        thread.start()
        time.sleep(0.05)
        started = time.monotonic()
        answer = self.api("POST", "/ras/v1/retailers/list", {})
        fast = time.monotonic() - started
        thread.join(10)
        self.assertEqual(answer.status, 200)
        self.assertLess(fast, 0.4)
        self.assertEqual(slow["status"], 200)
        self.assertGreaterEqual(slow["took"], 0.6)

    def test_latency_cut_short_when_client_leaves(self):
        self.admin("POST", "/_sim/latency", {"ms": 20000})
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        sock.sendall(b"GET /v2/profiles HTTP/1.1\r\nHost: sim\r\n\r\n")
        time.sleep(0.1)
        sock.close()
        deadline = time.monotonic() + 5
        while self.admin("GET", "/_sim/stats").json["latency_cut_short"] != 1:
            self.assertLess(time.monotonic(), deadline, "the wait was not cut short")
            time.sleep(0.02)
        logged = self.admin("GET", "/_sim/requests").json["requests"]
        self.assertEqual([(e["path"], e["status"]) for e in logged if e["path"] == "/v2/profiles"],
                         [("/v2/profiles", None)])


class TrafficCommandLineTest(unittest.TestCase):
    def test_options(self):
        sim = SimProcess("--latency", "5", "--latency-path", "/v2/profiles=150",
                         "--latency-path", "/ras/v1/campaigns=0",
                         "--rate-limit", "0.1", "--rate-burst", "2")
        try:
            self.assertEqual(call(sim.port, "GET", "/_sim/latency").json,
                             {"ms": 5, "paths": {"/ras/v1/campaigns": 0, "/v2/profiles": 150}})
            self.assertEqual(call(sim.port, "GET", "/_sim/rate_limit").json["rules"],
                             [{"scope": None, "family": None, "rps": 0.1, "burst": 2}])
            started = time.monotonic()
            statuses = [call(sim.port, "GET", "/v2/profiles").status for _ in range(3)]
            self.assertGreaterEqual(time.monotonic() - started, 0.45)
            self.assertEqual(statuses, [401, 401, 429])   # no token needed to be throttled
        finally:
            sim.stop()

    def test_bad_options_refused(self):
        import subprocess
        for args in (["--latency-path", "v2=3"], ["--rate-limit", "0"],
                     ["--rate-burst", "3"], ["--latency", "-2"]):
            done = subprocess.run([sys.executable, os.path.join(SIM_DIR, "main.py")] + args,
                                  capture_output=True, timeout=30)
            self.assertEqual(done.returncode, 2, args)


if __name__ == "__main__":
    unittest.main()
