"""Transport behaviour that pg_regress cannot show: cancellation and timeouts during a
transfer and during a retry backoff, connection reuse, and concurrent sessions.

Transfers are slowed by the simulator's faults; the server used here talks to the
simulator directly (no proxy), so that a stall or a connection count is the
extension's own and not the proxy's.
"""
import threading
import time

import lib

DIRECT = "sim_direct"
ON_DIRECT = f"SET ras.server = '{DIRECT}';"


class TransportTest(lib.RasTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        lib.setup_ras(DIRECT, direct=True)

    def listing_with_fault(self, fault, setup=""):
        """ras.retailers() in the background, slowed by a simulator fault."""
        lib.sim_faults(dict(fault, path="/ras/v1/retailers/list"))
        return lib.Background("SELECT count(*) FROM ras.retailers()", setup=ON_DIRECT + setup)

    def cancel_after(self, bg, seconds):
        """Cancels once the statement has been waiting a while; returns its error,
        checked to be 57014 and to come within about a second of the cancel."""
        bg.wait_active()
        time.sleep(seconds)
        self.assertTrue(bg.cancel())
        t0 = time.monotonic()
        _, _, err = bg.wait(timeout=30)
        waited = time.monotonic() - t0
        self.assertIsNotNone(err, "statement was not interrupted")
        self.assertEqual(err.sqlstate, "57014", err.output)
        self.assertLess(waited, 2.5, f"took {waited:.1f} s to stop")
        return err

    def assert_timed_out(self, bg, limit):
        _, _, err = bg.wait(timeout=30)
        self.assertIsNotNone(err)
        self.assertEqual(err.sqlstate, "57014")
        self.assertIn("statement timeout", err.message)
        self.assertLess(bg.elapsed, limit)

    def test_cancel_during_slow_answer(self):
        bg = self.listing_with_fault({"kind": "delay", "seconds": 30})
        err = self.cancel_after(bg, 0.5)
        self.assertIn("canceling statement due to user request", err.message)

    def test_cancel_during_stalled_body(self):
        self.cancel_after(self.listing_with_fault({"kind": "stall", "seconds": 30}), 0.5)

    def test_cancel_during_backoff(self):
        # a 429 asking for a 60 s pause: the backend sleeps on its latch
        bg = self.listing_with_fault({"kind": "status", "status": 429, "retry_after": 60,
                                      "count": 3}, "SET ras.retry_max_wait = '10min';")
        self.cancel_after(bg, 1.0)

    def test_waiting_backend_shows_extension_wait(self):
        # a DBA looking at pg_stat_activity sees the backend waiting, not busy
        bg = self.listing_with_fault({"kind": "delay", "seconds": 30})
        pid = bg.wait_active()
        time.sleep(0.5)
        self.assertEqual(lib.value(f"SELECT wait_event_type FROM pg_stat_activity WHERE pid = {pid}"),
                         "Extension")
        bg.cancel()
        bg.wait(timeout=30)

    def test_statement_timeout_during_transfer(self):
        bg = self.listing_with_fault({"kind": "delay", "seconds": 30},
                                     "SET statement_timeout = '1s';")
        self.assert_timed_out(bg, 4)

    def test_statement_timeout_during_backoff(self):
        bg = self.listing_with_fault({"kind": "status", "status": 503, "retry_after": 60,
                                      "count": 3},
                                     "SET ras.retry_max_wait = '10min';"
                                     "SET statement_timeout = '1500ms';")
        self.assert_timed_out(bg, 4.5)

    def test_backoff_longer_than_the_cap_fails_fast(self):
        # Retry-After beyond ras.retry_max_wait: give up at once with 53400
        lib.sim_faults({"kind": "status", "status": 429, "retry_after": 120, "count": 2,
                        "path": "/ras/v1/retailers/list"})
        with self.assertRaises(lib.SQLError) as cm:
            lib.query(ON_DIRECT + "SET ras.retry_max_wait = '5s';"
                      "SELECT count(*) FROM ras.retailers()", timeout=20)
        self.assertEqual(cm.exception.sqlstate, "53400")

    def test_request_timeout(self):
        lib.sim_faults({"kind": "delay", "seconds": 5, "count": 5,
                        "path": "/ras/v1/retailers/list"})
        with self.assertRaises(lib.SQLError) as cm:
            lib.query(ON_DIRECT + "SET ras.request_timeout = '300ms'; SET ras.max_retries = 1;"
                      "SELECT count(*) FROM ras.retailers()", timeout=30)
        self.assertEqual(cm.exception.sqlstate, "08006")
        self.assertIn("timed out", cm.exception.message.lower())

    def test_backend_still_works_after_cancel(self):
        lib.sim_faults({"kind": "delay", "seconds": 30, "path": "/ras/v1/retailers/list"})
        bg = lib.Background("SELECT count(*) FROM ras.retailers();\n"
                            "SELECT count(*) FROM ras.retailers();",
                            setup=ON_DIRECT + "\\set ON_ERROR_STOP 0\n")
        bg.wait_active()
        time.sleep(0.5)
        bg.cancel()
        _, rows, _ = bg.wait(timeout=30)
        self.assertIn(("450",), rows, "the same session could not list after a cancel")

    def test_connection_reuse(self):
        before = lib.sim_stats()["connections"]
        # 20 calls in one session: token, then 20 x 3 pages, on one TCP connection
        lib.query(ON_DIRECT + "\n".join(["SELECT count(*) FROM ras.retailers();"] * 20))
        after = lib.sim_stats()["connections"]
        self.assertEqual(after - before, 1, "calls in one session should share a connection")

    def test_concurrent_sessions(self):
        results = []

        def run():
            results.append(lib.value(ON_DIRECT + "SELECT count(*) FROM ras.retailers()"))

        threads = [threading.Thread(target=run) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(results, ["450"] * 6)


if __name__ == "__main__":
    lib.main()
