"""Smoke test: profiles through the whole chain (psql -> ras -> Prism -> simulator).

Also the example of the helpers in lib.py: queries, simulator stats and faults, and
cancelling a running statement.
"""
import lib


class SmokeTest(lib.RasTestCase):
    def test_profiles(self):
        rows = lib.query("SELECT profile_id, country_code, currency_code, account_type "
                         "FROM ras.profiles() ORDER BY profile_id")
        self.assertEqual(rows, [
            ("1234567890", "US", "USD", "seller"),
            ("2345678901", "US", "USD", "vendor"),
            ("3456789012", "CA", "CAD", "seller"),
        ])
        self.assertGreaterEqual(lib.sim_stats()["by_route"].get("GET /v2/profiles", 0), 1)

    def test_throttled_call_is_retried(self):
        # One 429 with Retry-After: 1; the extension must wait and retry, not fail.
        lib.sim_faults({"kind": "status", "status": 429, "retry_after": 1,
                        "path": "/v2/profiles"})
        self.assertEqual(lib.value("SELECT count(*) FROM ras.profiles()"), "3")
        self.assertGreaterEqual(lib.sim_stats()["by_route"].get("GET /v2/profiles", 0), 2)

    def test_cancel_slow_call(self):
        # The simulator sleeps 30 s; a cancel must end the statement within seconds.
        lib.sim_faults({"kind": "delay", "seconds": 30, "path": "/v2/profiles"})
        bg = lib.Background("SELECT count(*) FROM ras.profiles()")
        bg.wait_active()
        self.assertTrue(bg.cancel())
        rc, _, err = bg.wait(timeout=20)
        self.assertIsNotNone(err, "statement was not cancelled")
        self.assertEqual(err.sqlstate, "57014")  # query_canceled
        self.assertLess(bg.elapsed, 15)


if __name__ == "__main__":
    lib.main()
