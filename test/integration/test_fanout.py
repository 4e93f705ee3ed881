"""Many profiles at once: a fan-out over 20 profiles (rows and their scopes), one failing
profile with and without skip_failed, a cancel and a kill in the middle of a fan-out, and
the shared request budget seen from two sessions.

The test runs its own simulator (20 extra profiles, request latency, a rate limit when
asked), reached directly, so the suite's shared simulator and its profiles stay as they are.
"""
import os
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request
import json

import lib

SIM_MAIN = os.path.join(lib.HERE, "..", "sim", "main.py")
PROFILES = [str(5000000000 + n) for n in range(1, 21)]
SERVER = "fanout"


class FanoutTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="ras-fanout-")
        port_file = os.path.join(cls.dir, "port")
        cls.proc = subprocess.Popen(
            [sys.executable, SIM_MAIN, "--port", "0", "--port-file", port_file,
             "--extra-profiles", "20", "--report-delay", "0"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while not os.path.exists(port_file) and time.monotonic() < deadline:
            time.sleep(0.05)
        with open(port_file) as f:
            cls.url = "http://127.0.0.1:%s" % f.read().strip()
        lib.query(f"""
            CREATE EXTENSION IF NOT EXISTS ras;
            DROP SERVER IF EXISTS {SERVER} CASCADE;
            CREATE SERVER {SERVER} FOREIGN DATA WRAPPER ras
              OPTIONS (api_url {lib.lit(cls.url)}, token_url {lib.lit(cls.url + '/auth/o2/token')});
            CREATE USER MAPPING FOR CURRENT_USER SERVER {SERVER} OPTIONS (
              client_id {lib.lit(lib.CLIENT_ID)}, client_secret {lib.lit(lib.CLIENT_SECRET)},
              refresh_token {lib.lit(lib.REFRESH_TOKEN)});""")
        # one campaign per profile, named after it
        for p in PROFILES:
            lib.query(f"""SET ras.server = {SERVER};
                SELECT count(*) FROM ras.create_campaigns(jsonb_build_object(
                  'name', 'Client ' || {lib.lit(p)}, 'budget', '{{"budget": 20, "budgetType": "DAILY"}}'::jsonb,
                  'targetingType', 'AUTO', 'state', 'ENABLED',
                  'dynamicBidding', '{{"strategy": "MANUAL"}}'::jsonb), profile_id => {lib.lit(p)})""")

    @classmethod
    def tearDownClass(cls):
        lib.query(f"DROP SERVER IF EXISTS {SERVER} CASCADE")
        cls.proc.terminate()
        cls.proc.wait(timeout=10)

    def admin(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            raw = r.read()
        return json.loads(raw) if raw.strip() else None

    def setUp(self):
        self.admin("DELETE", "/_sim/latency")
        self.admin("DELETE", "/_sim/rate_limit")
        self.admin("DELETE", "/_sim/faults")

    def profiles_array(self, extra=()):
        return "ARRAY[%s]" % ", ".join(lib.lit(p) for p in list(PROFILES) + list(extra))

    def test_twenty_profiles_each_row_its_scope(self):
        self.admin("POST", "/_sim/latency", {"ms": 100})
        rows = lib.query(f"""SET ras.server = {SERVER}; SET ras.max_concurrency = 20;
            SELECT profile_id, name FROM ras.campaigns(profile_ids => {self.profiles_array()})""")
        self.assertEqual(len(rows), 20)
        for profile_id, name in rows:
            self.assertEqual(name, "Client " + profile_id)
        self.assertEqual(sorted(p for p, _ in rows), sorted(PROFILES))
        # retailers of two profiles: every profile sees them all, each row says whose
        rows = lib.query(f"""SET ras.server = {SERVER};
            SELECT profile_id, count(*) FROM ras.retailers(profile_ids => ARRAY['{PROFILES[0]}', '{PROFILES[1]}'])
            GROUP BY 1 ORDER BY 1""")
        self.assertEqual(rows, [(PROFILES[0], "450"), (PROFILES[1], "450")])

    def test_requests_overlap(self):
        # with 20 slots and 300 ms per request the 20 first pages are in flight together
        self.admin("POST", "/_sim/latency", {"ms": 300})
        before = self.admin("GET", "/_sim/stats")["requests"]
        bg = lib.Background(f"SELECT count(*) FROM ras.campaigns(profile_ids => {self.profiles_array()})",
                            setup=f"SET ras.server = {SERVER}; SET ras.max_concurrency = 20;")
        bg.wait_active()
        deadline = time.monotonic() + 10
        peak = 0
        while time.monotonic() < deadline and bg.proc.poll() is None:
            peak = max(peak, self.admin("GET", "/_sim/stats")["requests"] - before)
            time.sleep(0.05)
        rc, rows, err = bg.wait(timeout=30)
        self.assertIsNone(err)
        self.assertEqual(rows, [("20",)])
        # sequentially at most one would have arrived before the first answer
        self.assertGreaterEqual(peak, 10)

    def test_failing_profile(self):
        bad = "999"
        with self.assertRaises(lib.SQLError) as cm:
            lib.query(f"""SET ras.server = {SERVER};
                SELECT count(*) FROM ras.campaigns(profile_ids => {self.profiles_array([bad])})""")
        self.assertEqual(cm.exception.sqlstate, "42501")
        self.assertIn("profile 999", cm.exception.output)
        p = subprocess.run(lib.PSQL + ["-c", f"""SET ras.server = {SERVER};
            SELECT count(*) FROM ras.campaigns(profile_ids => {self.profiles_array([bad])}, skip_failed => true)"""],
            capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.replace("\x00", "").strip(), "20")
        self.assertIn("WARNING", p.stderr)
        self.assertIn("profile 999 skipped", p.stderr)
        self.assertIn("42501", p.stderr)

    def test_cancel_mid_fanout(self):
        self.admin("POST", "/_sim/latency", {"ms": 3000})
        bg = lib.Background(f"SELECT count(*) FROM ras.campaigns(profile_ids => {self.profiles_array()})",
                            setup=f"SET ras.server = {SERVER}; SET ras.max_concurrency = 20;")
        bg.wait_active()
        time.sleep(0.5)
        t0 = time.monotonic()
        bg.cancel()
        rc, rows, err = bg.wait(timeout=30)
        self.assertIsNotNone(err)
        self.assertEqual(err.sqlstate, "57014")
        self.assertLess(time.monotonic() - t0, 2.5)
        # the same kind of statement works again afterwards (no transfer left behind)
        self.admin("DELETE", "/_sim/latency")
        rows = lib.query(f"""SET ras.server = {SERVER};
            SELECT count(*) FROM ras.campaigns(profile_ids => {self.profiles_array()});
            SELECT count(*) FROM ras.campaigns(profile_ids => {self.profiles_array()})""")
        self.assertEqual(rows, [("20",), ("20",)])

    def test_repeated_cancels_in_one_session(self):
        # five cancelled fan-outs then a full one, all in one backend
        self.admin("POST", "/_sim/latency", {"ms": 500})
        sql = []
        for _ in range(5):
            sql.append(f"""SET statement_timeout = '200ms';
                SELECT count(*) FROM ras.campaigns(profile_ids => {self.profiles_array()});""")
        p = subprocess.run(lib.PSQL[:-2] + ["-v", "ON_ERROR_STOP=0", "-f", "-"],
                           input=f"SET ras.server = {SERVER};\n" + "\n".join(sql) +
                           f"\nRESET statement_timeout;\nSELECT count(*) FROM ras.campaigns(profile_ids => {self.profiles_array()});\n",
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(p.stderr.count("57014"), 5, p.stderr)
        self.assertEqual(p.stdout.replace("\x00", "\n").split()[-1], "20")

    def test_backend_killed_mid_fanout(self):
        self.admin("POST", "/_sim/latency", {"ms": 3000})
        bg = lib.Background(f"SELECT count(*) FROM ras.campaigns(profile_ids => {self.profiles_array()})",
                            setup=f"SET ras.server = {SERVER}; SET ras.max_concurrency = 20;")
        bg.wait_active()
        time.sleep(0.5)
        self.assertTrue(bg.terminate())
        rc, _, _ = bg.wait(timeout=30)
        self.assertNotEqual(rc, 0)
        self.admin("DELETE", "/_sim/latency")
        self.assertEqual(lib.value(f"""SET ras.server = {SERVER};
            SELECT count(*) FROM ras.campaigns(profile_ids => {self.profiles_array()})"""), "20")

    def test_shared_budget_from_two_sessions(self):
        shared = lib.value("SELECT current_setting('shared_preload_libraries') LIKE '%ras%'")
        host = self.url.split("://", 1)[1]
        profile = PROFILES[3]
        # a 429 seen by one session slows the bucket the other session draws on
        self.admin("POST", "/_sim/faults", {"faults": [
            {"kind": "status", "status": 429, "retry_after": 1, "path": "/ras/v1/campaigns/list"}]})
        lib.query(f"""SET ras.server = {SERVER};
            SELECT count(*) FROM ras.campaigns(profile_id => {lib.lit(profile)})""")
        rows = lib.query(f"""SELECT throttled, rate < 1000, shared FROM ras.rate_limits
            WHERE host = {lib.lit(host)} AND scope = {lib.lit(profile)}""")
        if shared == "t":
            self.assertEqual(rows, [("1", "t", "t")])
        else:
            # each backend keeps its own buckets: a new session sees none of them
            self.assertEqual(rows, [])


if __name__ == "__main__":
    unittest.main()
