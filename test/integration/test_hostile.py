"""The extension against a hostile answer server (test/hostile.py): a server `hostile`
whose api_url and token_url point at a forwarder in front of the simulator that mangles
answers on request. Each test proves one class of hardening:

  a. secrets echoed by an error answer (token endpoint, API page) never reach an error,
     a row or the server log, not even as an 8-character piece;
  b. an access token with control characters is refused before it goes into a header;
  c. a report download URL that is not http(s) is refused, and nothing is fetched;
  d. a write whose first answer is broken (5xx, truncated, empty, invalid UTF-8, bad or
     duplicated indexes) gives each item exactly one row, "outcome unknown" where it
     may have been applied, and a WARNING; ids never move between items;
  e. a cancel during a create's first batch names the items in flight;
  f. nextToken cycles and listings longer than ras.max_pages end with 58000;
  g. an answer larger than ras.max_response_size is refused and the session goes on;
  h. a download below the minimum speed is abandoned within seconds;
  i. values that do not fit their column: 58000 naming field and value, or NULL;
  j. ids repeated across pages come back once;
  k. ras.report_wait() of an unknown report id is an error.

The forwarder sends every request on to the simulator before mangling its answer, so
a create answered "500" was carried out: the simulator (listed through the regular
server `amazon_ads`) shows what really exists.
"""
import hashlib
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

import lib

HOSTILE = "hostile"
ON = f"SET ras.server = '{HOSTILE}'; SET ras.max_retries = 1; SET ras.retry_max_wait = '5s';"
HOSTILE_PY = os.path.join(os.path.dirname(lib.HERE), "hostile.py")

SECRETS = [lib.CLIENT_SECRET, lib.REFRESH_TOKEN]


# ----------------------------------------------------------------------------- helpers

def run(sql, timeout=120):
    """SQL in a new session: (rows, stderr, SQLError or None). Warnings are in stderr."""
    p = subprocess.run(lib.PSQL + ["-f", "-"], input=sql, capture_output=True, text=True,
                       timeout=timeout)
    err = None
    if p.returncode != 0:
        try:
            lib._raise_for(p.returncode, p.stdout, p.stderr)
        except lib.SQLError as e:
            err = e
    return lib._parse_rows(p.stdout), p.stderr, err


def variants(secret):
    """A secret as it is and as a form body carries it (upper- and lower-case hex)."""
    enc = urllib.parse.quote(secret, safe="-_.~")
    lower = re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), enc)
    plus = urllib.parse.quote_plus(secret)
    return {secret, enc, lower, plus}


def pieces(secret, n=8):
    out = set()
    for v in variants(secret):
        out.update(v[i:i + n] for i in range(len(v) - n + 1))
    return out


def leaked(text, secrets):
    """The 8-character pieces of any secret found in text."""
    found = set()
    for s in secrets:
        for p in pieces(s):
            if p in text:
                found.add(p)
    return sorted(found)


def server_log_path():
    out = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True).stdout
    port = os.environ.get("PGPORT")
    best = None
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 7 and f[1] == "regress":
            if port and f[2] == port:
                return f[6]
            best = best or f[6]
    return best


def log_records(path, offset):
    """The server log's lines after offset, STATEMENT records (SQL the tests wrote) left out."""
    start = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")
    lines, in_statement = [], False
    with open(path, errors="replace") as fh:
        fh.seek(offset)
        for line in fh:
            if start.match(line):
                in_statement = " STATEMENT:  " in line
            if not in_statement:
                lines.append(line)
    return "".join(lines)


def campaign_items(prefix, n):
    return [{"name": f"{prefix} {i}", "budget": {"budget": 10, "budgetType": "DAILY"},
             "targetingType": "AUTO", "state": "ENABLED", "startDate": "2030-01-01",
             "dynamicBidding": {"strategy": "MANUAL"}} for i in range(n)]


def sim_campaigns():
    """name -> [ids] of every campaign the simulator has in the default profile."""
    out = {}
    for cid, name in lib.query(f"SET ras.server = '{lib.SERVER}'; "
                               "SELECT campaign_id, name FROM ras.campaigns()"):
        out.setdefault(name, []).append(cid)
    return out


class Listener:
    """A TCP port that records whether anything connected (for 'nothing was fetched')."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop:
            try:
                c, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            c.close()

    def close(self):
        self.stop = True
        self.thread.join(2)
        self.sock.close()


# ----------------------------------------------------------------------------- the tests

class HostileTest(lib.RasTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tmp = tempfile.mkdtemp(prefix="ras-hostile-")
        port_file = os.path.join(cls.tmp, "port")
        cls.stderr = open(os.path.join(cls.tmp, "hostile.log"), "w")
        cls.proc = subprocess.Popen(
            [sys.executable, HOSTILE_PY, "--upstream", lib.env("RAS_SIM_URL"),
             "--port-file", port_file, "--max-seconds", "1500"],
            stdout=subprocess.DEVNULL, stderr=cls.stderr)
        deadline = time.monotonic() + 10
        while not os.path.exists(port_file):
            if time.monotonic() > deadline or cls.proc.poll() is not None:
                raise RuntimeError("hostile server did not start")
            time.sleep(0.05)
        with open(port_file) as fh:
            cls.url = "http://127.0.0.1:%d" % int(fh.read())
        lib.setup_ras(HOSTILE, server_options={"api_url": cls.url,
                                               "token_url": cls.url + "/auth/o2/token"})
        cls.log_path = server_log_path()
        # campaigns for the listings to mangle
        lib.query(f"SET ras.server = '{lib.SERVER}'; SELECT count(*) FROM ras.create_campaigns("
                  f"{lib.lit(json.dumps(campaign_items('Seed', 2)))}::jsonb)")

    @classmethod
    def tearDownClass(cls):
        if cls.proc.poll() is None:
            cls.proc.terminate()
            try:
                cls.proc.wait(10)
            except subprocess.TimeoutExpired:
                cls.proc.kill()
                cls.proc.wait()
        cls.stderr.close()

    def setUp(self):
        super().setUp()
        self.hostile("DELETE", "/_hostile/rules")
        self.log_since = self.hostile("GET", "/_hostile/log?since=0")["next"]
        self.log_offset = os.path.getsize(self.log_path) if self.log_path else 0

    def tearDown(self):
        self.hostile("DELETE", "/_hostile/rules")
        super().tearDown()

    # -- hostile admin
    def hostile(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read())

    def rules(self, *rules):
        self.hostile("DELETE", "/_hostile/rules")
        return self.hostile("POST", "/_hostile/rules", list(rules))

    def seen(self):
        """Requests the hostile server saw since this test began."""
        return self.hostile("GET", f"/_hostile/log?since={self.log_since}")["requests"]

    def access_tokens(self):
        toks = set()
        for r in self.seen():
            for k, v in r["headers"]:
                if k.lower() == "authorization" and v.startswith("Bearer "):
                    toks.add(v[len("Bearer "):])
        return toks

    def assert_no_secret(self, text, secrets, where):
        found = leaked(text, secrets)
        self.assertEqual(found, [], f"pieces of a secret in {where}:\n{text}")

    def assert_log_clean(self, secrets):
        self.assertTrue(self.log_path and os.path.exists(self.log_path),
                        f"server log not found (pg_lsclusters gave {self.log_path!r})")
        self.assert_no_secret(log_records(self.log_path, self.log_offset), secrets,
                              "the server log")

    # ------------------------------------------------------------------ a. secrets
    def test_a1_token_error_echoing_the_form(self):
        cases = [
            {"action": "token", "echo": "error", "status": 400},
            {"action": "token", "echo": "error", "status": 401},
            {"action": "token", "echo": "decoded_error", "status": 400},
            {"action": "token", "echo": "error_description", "status": 400},
            {"action": "token", "echo": "both", "status": 401},
            {"action": "status", "status": 400, "echo": True},
            {"action": "status", "status": 400, "echo": True, "echo_format": "json"},
            {"action": "status", "status": 500, "echo": True},
        ]
        for rule in cases:
            with self.subTest(rule=rule):
                self.log_since = self.hostile("GET", "/_hostile/log?since=0")["next"]
                self.rules(dict(rule, path="^/auth/o2/token$"))
                _, stderr, err = run(ON + "SELECT count(*) FROM ras.campaigns()")
                self.assertIsNotNone(err, "the listing went through a refused token")
                self.assertNotEqual(err.sqlstate, "XX000", err.output)
                self.assert_no_secret(err.output, SECRETS, "the error")
                # the form really was echoed: the test saw what ras saw
                self.assertTrue(any(r.get("rule") for r in self.seen()))
        self.assert_log_clean(SECRETS)

    def test_a2_api_error_echoing_the_access_token(self):
        cases = [
            ({"action": "status", "status": 500, "echo": True}, "list"),
            ({"action": "status", "status": 400, "echo": True, "echo_format": "json"}, "list"),
            ({"action": "status", "status": 403, "echo": True, "echo_format": "json"}, "list"),
            ({"action": "status", "status": 502, "echo": True, "echo_format": "json"}, "create"),
            ({"action": "status", "status": 400, "echo": True, "echo_format": "json"}, "create"),
        ]
        for n, (rule, call) in enumerate(cases):
            with self.subTest(rule=rule, call=call):
                if call == "list":
                    self.rules(dict(rule, path="^/ras/v1/campaigns/list$"))
                    sql = "SELECT count(*) FROM ras.campaigns()"
                else:
                    self.rules(dict(rule, path="^/ras/v1/campaigns$", method="POST"))
                    items = campaign_items(f"Echo {n}", 2)
                    sql = (f"SELECT idx, ok, error, result FROM ras.create_campaigns("
                           f"{lib.lit(json.dumps(items))}::jsonb)")
                rows, stderr, err = run(ON + sql)
                tokens = self.access_tokens()
                self.assertTrue(tokens, "no API request reached the hostile server")
                text = stderr + "\n" + "\n".join(" ".join(map(str, r)) for r in rows)
                if call == "list":
                    self.assertIsNotNone(err)
                self.assert_no_secret(text, tokens | set(SECRETS), "the error or rows")
        self.assert_log_clean(self.access_tokens() | set(SECRETS))

    # ------------------------------------------------------------------ b. header injection
    def test_b_access_token_with_control_characters(self):
        for token in ["Atza|hostile\r\nX-Injected: 1", "Atza|hostile\nX-Injected: 1",
                      "Atza|hostile\rX-Injected: 1", "Atza|hostile\u007fX-Injected: 1",
                      "\r\nX-Injected: 1"]:
            with self.subTest(token=token):
                self.rules({"path": "^/auth/o2/token$", "action": "token",
                            "access_token": token})
                _, _, err = run(ON + "SELECT count(*) FROM ras.campaigns()")
                self.assertIsNotNone(err, "a token with control characters was used")
                self.assertEqual(err.sqlstate, "58000", err.output)
                self.assertIn("control characters", err.output)
                for r in self.seen():
                    names = [k.lower() for k, _ in r["headers"]]
                    self.assertNotIn("x-injected", names, r)
                    self.assertEqual(r["path"], "/auth/o2/token", "an API call went out: %r" % r)

    # ------------------------------------------------------------------ c. download URL
    @staticmethod
    def report_expr(offset):
        return (f"ras.report('spCampaigns', current_date - {offset + 2}, "
                f"current_date - {offset}, max_age => '0'::interval, "
                f"timeout => '60 seconds')")

    def test_c_report_download_url_schemes(self):
        listener = Listener()
        try:
            where = f"127.0.0.1:{listener.port}"
            urls = ["file:///etc/passwd", "FILE:///etc/passwd", "file://localhost/etc/passwd",
                    f"ftp://{where}/report.json.gz", f"gopher://{where}/_GET%20/",
                    f"dict://{where}/info", f"scp://{where}/x", f"tftp://{where}/x",
                    f"ldap://{where}/x", "//" + where + "/x", "/_download/relative",
                    f"http://{where}/x\r\nX-Injected: 1", "javascript:alert(1)"]
            for n, url in enumerate(urls):
                with self.subTest(url=url):
                    self.rules({"path": "^/reporting/reports/[^/]+$", "method": "GET",
                                "action": "json_patch", "when": {"status": "COMPLETED"},
                                "ops": [{"op": "set", "path": "url", "value": url}]})
                    before = listener.connections
                    self.log_since = self.hostile("GET", "/_hostile/log?since=0")["next"]
                    _, _, err = run(ON + "SELECT count(*) FROM ras.report_rows("
                                    + self.report_expr(10 + n) + ")", timeout=120)
                    self.assertIsNotNone(err)
                    self.assertEqual(err.sqlstate, "58000", err.output)
                    self.assertIn("report download URL that ras does not fetch", err.output)
                    time.sleep(0.2)
                    self.assertEqual(listener.connections, before, "the URL was fetched")
                    self.assertFalse([r for r in self.seen() if "/_download/" in r["path"]])
        finally:
            listener.close()

    def test_c_report_file_size_absurd(self):
        for n, size in enumerate([1e30, -1, "12abc", 10 ** 40]):
            with self.subTest(size=size):
                self.rules({"path": "^/reporting/reports/[^/]+$", "method": "GET",
                            "action": "json_patch", "when": {"status": "COMPLETED"},
                            "ops": [{"op": "set", "path": "fileSize", "value": size}]})
                _, _, err = run(ON + "SELECT " + self.report_expr(60 + n))
                self.assertIsNotNone(err)
                self.assertEqual(err.sqlstate, "58000", err.output)

    # ------------------------------------------------------------------ d. writes
    def write_case(self, prefix, rule, n=3, applied=None):
        """Creates n campaigns through the hostile server with rule on the first batch;
        checks one row per item, ids that belong to their item, "outcome unknown" and a
        WARNING for the rest, and that the simulator never got the create twice."""
        self.log_since = self.hostile("GET", "/_hostile/log?since=0")["next"]
        self.rules(dict(rule, path="^/ras/v1/campaigns$", method="POST", times=1))
        items = campaign_items(prefix, n)
        rows, stderr, err = run(ON + "SELECT idx, ok, id, error FROM ras.create_campaigns("
                                f"{lib.lit(json.dumps(items))}::jsonb) ORDER BY idx")
        self.assertIsNone(err, err and err.output)
        self.assertEqual([int(r[0]) for r in rows], list(range(n)), rows)
        sent = [r for r in self.seen()
                if r["method"] == "POST" and r["path"] == "/ras/v1/campaigns"]
        self.assertEqual(len(sent), 1, "the create was sent more than once")
        existing = sim_campaigns()
        unknown = []
        for idx, ok, id_, error in rows:
            name = items[int(idx)]["name"]
            self.assertLessEqual(len(existing.get(name, [])), 1, f"{name} created twice")
            if ok == "t":
                self.assertEqual(existing.get(name), [id_],
                                 f"item {idx} got an id that is not its campaign's")
                self.assertIsNone(error)
            else:
                self.assertTrue(error and error.startswith("outcome unknown"), (idx, error))
                unknown.append(int(idx))
        if unknown:
            self.assertIn("WARNING:", stderr, f"no WARNING for items {unknown}: {rows}")
        if applied is not None:
            # the forwarder passed the request on: the simulator did carry it out
            self.assertEqual(sorted(n for n in existing if n.startswith(prefix + " ")),
                             sorted(i["name"] for i in items) if applied else [])
        return rows, unknown, stderr

    def test_d1_write_answered_5xx(self):
        for n, rule in enumerate([{"action": "status", "status": 500, "body": ""},
                                  {"action": "status", "status": 502, "echo": True},
                                  {"action": "status", "status": 504, "body": ""}]):
            with self.subTest(rule=rule):
                rows, unknown, stderr = self.write_case(f"W5xx{n}", rule, applied=True)
                self.assertEqual(unknown, [0, 1, 2])
                self.assertIn("may have been applied", stderr)

    def test_d2_write_answer_unreadable(self):
        cases = [
            {"action": "body", "truncate_fraction": 0.5},
            {"action": "body", "truncate": 1},
            {"action": "body", "body": ""},
            {"action": "body", "body": "<html>ok</html>", "content_type": "text/html"},
            {"action": "body", "body": "[]"},
            {"action": "body", "body": "{\"campaigns\": []}"},
            {"action": "body", "body": "null"},
            {"action": "body", "hex": "fffe7b7d"},
            # invalid UTF-8 inside the ids of an otherwise well-formed answer
            {"action": "body", "replace_hex": [["2263616d706169676e4964223a22",
                                                "2263616d706169676e4964223a22ff"]]},
            {"action": "body", "replace_hex": [["7d", "c37d"]]},
        ]
        for n, rule in enumerate(cases):
            with self.subTest(rule=rule):
                rows, unknown, stderr = self.write_case(f"Wbad{n}", rule, applied=True)
                self.assertEqual(unknown, [0, 1, 2], rows)

    def test_d3_write_bad_indexes(self):
        cases = [("1.5", None), (1.5, None), (-1, None), (99, None), (3, None), (None, None),
                 ("one", None), (True, None), (1e30, None), ("", None)]
        for n, (value, _) in enumerate(cases):
            with self.subTest(index=value):
                rule = {"action": "json_patch",
                        "ops": [{"op": "set", "path": "campaigns.success.1.index", "value": value}]}
                rows, unknown, _ = self.write_case(f"Widx{n}", rule, applied=True)
                self.assertIn(1, unknown, rows)

    def test_d4_write_duplicated_indexes(self):
        cases = [
            # item 1's outcome claims to be item 0's: both unknown, item 2 fine
            [{"op": "set", "path": "campaigns.success.1.index", "value": 0}],
            # a second success for item 0 with another id
            [{"op": "copy", "from": "campaigns.success.0", "to": "campaigns.success",
              "set": {"campaignId": "999999999999999"}}],
            # an error for item 2 besides its success
            [{"op": "copy", "from": "campaigns.success.2", "to": "campaigns.error",
              "set": {"errors": [{"errorType": "internalError", "errorValue": {}}]}}],
            # every success claims index 0
            [{"op": "set", "path": "campaigns.success.*.index", "value": 0}],
            # item 1's outcome given twice, once as an error
            [{"op": "copy", "from": "campaigns.success.1", "to": "campaigns.error",
              "set": {"errors": []}}],
        ]
        for n, ops in enumerate(cases):
            with self.subTest(ops=ops):
                rows, unknown, _ = self.write_case(f"Wdup{n}", {"action": "json_patch",
                                                                "ops": ops}, applied=True)
                self.assertTrue(unknown, rows)

    # ------------------------------------------------------------------ e. cancel
    def test_e_cancel_during_first_batch(self):
        for n, count, last in [(0, 3, 2), (1, 1500, 999)]:
            with self.subTest(items=count):
                lib.sim_faults({"kind": "delay", "seconds": 4, "path": "/ras/v1/campaigns",
                                "method": "POST"})
                items = campaign_items(f"Cancel{n}", count)
                bg = lib.Background("SELECT count(*) FROM ras.create_campaigns("
                                    f"{lib.lit(json.dumps(items))}::jsonb)", setup=ON)
                bg.wait_active()
                deadline = time.monotonic() + 20
                while not [r for r in self.seen() if r["path"] == "/ras/v1/campaigns"]:
                    self.assertLess(time.monotonic(), deadline, "the create never went out")
                    time.sleep(0.05)
                time.sleep(0.5)
                self.assertTrue(bg.cancel())
                _, _, err = bg.wait(timeout=30)
                self.assertIsNotNone(err)
                self.assertEqual(err.sqlstate, "57014", err.output)
                self.assertIn(f"0 item(s) acknowledged, 0 applied; items 0 to {last} were in "
                              "flight and may have been applied", err.output)
                # it was applied: the simulator carried the batch out after its delay
                time.sleep(5)
                have = [k for k in sim_campaigns() if k.startswith(f"Cancel{n} ")]
                self.assertEqual(len(have), last + 1)
                self.log_since = self.hostile("GET", "/_hostile/log?since=0")["next"]

    # ------------------------------------------------------------------ f. paging
    def test_f1_next_token_cycle(self):
        for values in (["A", "B"], ["A"], ["A", "B", "C"], ["x" * 300, "y"]):
            with self.subTest(values=values):
                self.rules({"path": "^/ras/v1/retailers/list$", "action": "json_patch",
                            "request_drop": ["nextToken"],
                            "ops": [{"op": "next_token", "values": values}]})
                _, _, err = run(ON + "SELECT count(*) FROM ras.retailers()")
                self.assertIsNotNone(err)
                self.assertEqual(err.sqlstate, "58000", err.output)
                self.assertIn("nextToken came back that was already followed", err.output)
                pages = [r for r in self.seen() if r["path"] == "/ras/v1/retailers/list"]
                self.assertEqual(len(pages), len(values) + 1)
                self.log_since = self.hostile("GET", "/_hostile/log?since=0")["next"]

    def test_f2_next_token_forever(self):
        self.rules({"path": "^/ras/v1/retailers/list$", "action": "json_patch",
                    "request_drop": ["nextToken"], "ops": [{"op": "next_token"}]})
        _, _, err = run(ON + "SET ras.max_pages = 5; SELECT count(*) FROM ras.retailers()")
        self.assertIsNotNone(err)
        self.assertEqual(err.sqlstate, "58000", err.output)
        self.assertIn("ras.max_pages", err.output)
        pages = [r for r in self.seen() if r["path"] == "/ras/v1/retailers/list"]
        self.assertEqual(len(pages), 5)
        # the same through a paged listing of another entity, with max_rows not reached
        self.rules({"path": "^/ras/v1/campaigns/list$", "action": "json_patch",
                    "request_drop": ["nextToken"], "ops": [{"op": "next_token"}]})
        _, _, err = run(ON + "SET ras.max_pages = 3; SELECT count(*) FROM ras.campaigns()")
        self.assertIsNotNone(err)
        self.assertEqual(err.sqlstate, "58000", err.output)

    # ------------------------------------------------------------------ g. size
    def test_g_response_size(self):
        cases = [({"action": "large", "mb": 3}, "^/ras/v1/retailers/list$"),
                 ({"action": "large", "mb": 1.5}, "^/ras/v1/retailers/list$"),
                 ({"action": "large", "mb": 3, "status": 400}, "^/ras/v1/retailers/list$"),
                 ({"action": "large", "mb": 3}, "^/reporting/reports/[^/]+$"),
                 ({"action": "large", "mb": 3}, "^/auth/o2/token$")]
        for n, (rule, path) in enumerate(cases):
            with self.subTest(rule=rule, path=path):
                self.rules(dict(rule, path=path, times=1))
                if "reporting" in path:
                    first = (f"SELECT ras.report('spCampaigns', current_date - {80 + n + 2}, "
                             f"current_date - {80 + n}, max_age => '0'::interval)")
                else:
                    first = "SELECT count(*) FROM ras.retailers()"
                rows, stderr, err = run(
                    ON + "SET ras.max_response_size = '1MB';\n\\set ON_ERROR_STOP off\n"
                    + first + ";\nSELECT count(*) FROM ras.retailers();")
                m = lib.ERROR_RE.search(stderr)
                self.assertIsNotNone(m, f"the {rule['mb']} MB answer was taken: {stderr}")
                if rule.get("status") is None:
                    self.assertEqual(m.group(2), "58000", stderr)
                    self.assertIn("larger than ras.max_response_size", m.group(3))
                self.assertLess(len(stderr), 5000)
                # the same session lists normally afterwards
                self.assertEqual(rows[-1], ("450",), stderr)

    # ------------------------------------------------------------------ h. download speed
    def test_h_slow_download_abandoned(self):
        self.rules({"path": "^/reporting/reports/[^/]+$", "method": "GET",
                    "action": "json_patch", "when": {"status": "COMPLETED"},
                    "ops": [{"op": "url_to_self"}]},
                   {"path": "^/_download/", "action": "drip", "delay": 0.05, "bytes": 1,
                    "inflate": True})
        ids = lib.value(ON + "SELECT ras.report('spCampaigns', current_date - 30, "
                        "current_date - 1, max_age => '0'::interval)")
        t0 = time.monotonic()
        _, _, err = run(ON + "SET ras.request_timeout = '2s';"
                        f"SELECT count(*) FROM ras.report_rows({lib.lit(ids)}::text[])",
                        timeout=120)
        took = time.monotonic() - t0
        self.assertIsNotNone(err, "the dripped file was read to its end")
        self.assertNotEqual(err.sqlstate, "XX000", err.output)
        self.assertLess(took, 10, f"took {took:.1f} s")
        self.assertTrue([r for r in self.seen() if r["path"].startswith("/_download/")],
                        "the download did not pass through the hostile server")

    # ------------------------------------------------------------------ i. bad values
    BAD_VALUES = [
        # (listing, patch path, column, raw path, values)
        ("ras.campaigns()", "campaigns.0.budget.budget", "budget", ["budget", "budget"],
         ["abc", "NaN", "", "12abc", "1,5", True, {"x": 1}]),
        ("ras.campaigns()", "campaigns.0.startDate", "start_date", ["startDate"],
         ["2024-13-45", "2024-02-30", "today", "yesterday", "20240101", 20240101]),
        ("ras.campaigns()", "campaigns.0.extendedData.creationDateTime", "created_at",
         ["extendedData", "creationDateTime"],
         ["today", "now", "2024-13-45T00:00:00Z", "epoch", "infinity", 1700000000]),
        ("ras.profiles()", "*.accountInfo.validPaymentMethod", "valid_payment_method",
         ["accountInfo", "validPaymentMethod"], ["yes", "1", 1, "t", "on", "TRUE "]),
    ]

    def test_i_bad_values(self):
        for listing, path, column, raw_path, values in self.BAD_VALUES:
            route = "^/v2/profiles$" if "profiles" in listing else "^/ras/v1/campaigns/list$"
            for value in values:
                with self.subTest(column=column, value=value):
                    self.rules({"path": route, "action": "json_patch",
                                "ops": [{"op": "set", "path": path, "value": value}]})
                    _, _, err = run(ON + f"SELECT {column} FROM {listing}")
                    self.assertIsNotNone(err, f"{value!r} was read as a {column}")
                    self.assertEqual(err.sqlstate, "58000", err.output)
                    field = path.split(".", 2)[-1] if not path.startswith("*") else \
                        "accountInfo.validPaymentMethod"
                    self.assertIn(field, err.message)
                    if isinstance(value, str) and value.strip():
                        self.assertIn(value.strip(), err.message)
                    elif not isinstance(value, (str, dict)):
                        self.assertIn(json.dumps(value), err.message)
                    rows, _, err = run(ON + "SET ras.on_bad_value = 'null';"
                                       f"SELECT {column} IS NULL, raw #> "
                                       f"{lib.lit('{' + ','.join(raw_path) + '}')} "
                                       f"FROM {listing}")
                    self.assertIsNone(err, err and err.output)
                    self.assertIn(("t", json.dumps(value)), rows)

    # ------------------------------------------------------------------ j. duplicates
    def test_j_duplicate_ids_across_pages(self):
        cases = [[{"op": "carry", "path": "retailers"}],
                 [{"op": "copy", "from": "retailers.0", "to": "retailers"}],
                 [{"op": "carry", "path": "retailers"},
                  {"op": "set", "path": "retailers.0.name", "value": "Changed name"}]]
        for ops in cases:
            with self.subTest(ops=ops):
                self.rules({"path": "^/ras/v1/retailers/list$", "action": "json_patch",
                            "ops": ops})
                rows = lib.query(ON + "SELECT count(*), count(DISTINCT retailer_id) "
                                 "FROM ras.retailers()")
                self.assertEqual(rows, [("450", "450")])

    # ------------------------------------------------------------------ l. strings
    def test_l_strings_injected_into_names(self):
        # kept exactly (text is text), or refused as 58000 when PostgreSQL cannot hold
        # it; never another item's value, never an internal error
        kept = ["Robert'); DROP TABLE ras.report_jobs; --", "line\r\nWARNING:  forged",
                "\u202e reversed", "tab\there", "x" * 100000, "caf\u00e9 \U0001F600"]
        refused = ["nul\u0000byte", "lone \ud800 surrogate"]
        for value in kept + refused:
            with self.subTest(value=value[:40]):
                self.rules({"path": "^/ras/v1/campaigns/list$", "action": "json_patch",
                            "ops": [{"op": "set", "path": "campaigns.0.name", "value": value}]})
                rows, _, err = run(ON + "SELECT md5(name), md5(raw->>'name'), length(name) "
                                   "FROM ras.campaigns() ORDER BY campaign_id LIMIT 1")
                if value in kept:
                    self.assertIsNone(err, err and err.output)
                    want = hashlib.md5(value.encode()).hexdigest()
                    self.assertEqual(rows, [(want, want, str(len(value)))])
                else:
                    self.assertIsNotNone(err, rows)
                    self.assertEqual(err.sqlstate, "58000", err.output)

    # ------------------------------------------------------------------ k. report_wait
    def test_k_report_wait_unknown_id(self):
        for server in (lib.SERVER, HOSTILE):
            with self.subTest(server=server):
                _, _, err = run(f"SELECT * FROM ras.report_wait("
                                f"'{{00000000-0000-4000-8000-000000000000}}', "
                                f"server => {lib.lit(server)})")
                self.assertIsNotNone(err, "an unknown report id gave rows (or none)")
                self.assertIn("unknown", err.message)


if __name__ == "__main__":
    lib.main()
