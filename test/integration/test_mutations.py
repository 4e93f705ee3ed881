"""Writes whose later batches go wrong in ways pg_regress cannot stage (answers that
break the contract, lost answers, a cancel): whatever happens, the items already
applied are reported, and nothing is sent twice behind the caller's back.

The server used here talks to the simulator directly: these faults are not
answers Amazon's specs allow, so they must not pass the validating proxy.
"""
import time

import lib

DIRECT = "sim_direct"
SETUP = f"SET ras.server = '{DIRECT}'; SET ras.max_retries = 1;"


def campaigns(n, prefix):
    items = ", ".join(
        '{"name": "%s %d", "budget": {"budget": 10, "budgetType": "DAILY"}, '
        '"targetingType": "AUTO", "state": "ENABLED", "startDate": "2030-01-01", '
        '"dynamicBidding": {"strategy": "MANUAL"}}' % (prefix, i) for i in range(n))
    return "'[" + items + "]'"


def summary(prefix_sql):
    return ("SELECT ok, coalesce(result->>'status', 'applied'), count(*), min(idx), max(idx) "
            f"FROM {prefix_sql} GROUP BY 1, 2 ORDER BY 4")


class MutationFaultTest(lib.RasTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        lib.setup_ras(DIRECT, direct=True)

    def create_calls(self):
        return lib.sim_stats()["by_route"].get("POST /ras/v1/campaigns", 0)

    def test_malformed_answer_after_applied_batch(self):
        # batch 2 answers 207 with a body that is not JSON: batch 1's rows still come back
        lib.sim_faults({"kind": "status", "status": 207, "body": "<html>oops</html>",
                        "path": "/ras/v1/campaigns", "method": "POST", "skip": 1})
        rows = lib.query(SETUP + summary(f"ras.create_campaigns({campaigns(1500, 'Malformed')})"))
        self.assertEqual(rows, [("t", "applied", "1000", "0", "999"),
                                ("f", "outcome unknown", "500", "1000", "1499")])

    def test_lost_update_answer_is_outcome_unknown(self):
        # an update may have been applied before its answer was lost (504): it is
        # re-sent (idempotent), and if that fails too, it is "outcome unknown"
        names = lib.query(SETUP + f"SELECT id FROM ras.create_campaigns({campaigns(1500, 'Upd')})")
        ids = [r[0] for r in names]
        items = "'[" + ", ".join('{"campaignId": "%s", "state": "PAUSED"}' % i for i in ids) + "]'"
        lib.sim_faults({"kind": "status", "status": 504, "count": 5,
                        "path": "/ras/v1/campaigns", "method": "PUT", "skip": 1})
        rows = lib.query(SETUP + summary(f"ras.update_campaigns({items})"))
        self.assertEqual(rows, [("t", "applied", "1000", "0", "999"),
                                ("f", "outcome unknown", "500", "1000", "1499")])

    def test_create_is_never_resent(self):
        # the answer to a create is lost after the simulator carried it out: not
        # re-sent by ras (max_retries or not) nor by libcurl's own reconnect logic
        before = self.create_calls()
        lib.sim_faults({"kind": "drop", "after": True, "path": "/ras/v1/campaigns",
                        "method": "POST"})
        # The campaign may exist now: even in the first batch that is a row
        # "outcome unknown" and a WARNING, never a bare ERROR.
        rows = lib.query(f"SET ras.server = '{DIRECT}'; SET ras.max_retries = 5;"
                         f"SELECT ok, error, result->>'status' FROM ras.create_campaigns({campaigns(1, 'Once')})")
        self.assertEqual(len(rows), 1)
        ok, error, status = rows[0]
        self.assertEqual(ok, "f")
        self.assertEqual(status, "outcome unknown")
        self.assertTrue(error.startswith("outcome unknown: could not create campaigns"), error)
        self.assertNotIn("rewind", error)
        self.assertEqual(self.create_calls() - before, 1)

    def test_cancel_after_applied_batch_warns(self):
        lib.sim_faults({"kind": "delay", "seconds": 30, "path": "/ras/v1/campaigns",
                        "method": "POST", "skip": 1})
        bg = lib.Background(f"SELECT count(*) FROM ras.create_campaigns({campaigns(1500, 'Cancel')})",
                            setup=SETUP)
        bg.wait_active()
        deadline = time.monotonic() + 20
        while self.create_calls_since_start() < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.3)
        bg.cancel()
        _, _, err = bg.wait(timeout=30)
        self.assertIsNotNone(err)
        self.assertEqual(err.sqlstate, "57014")
        # the batch on the wire is counted too: it may have been applied
        self.assertIn("interrupted: 1000 item(s) acknowledged, 1000 applied; "
                      "items 1000 to 1499 were in flight and may have been applied", err.output)

    def create_calls_since_start(self):
        return sum(1 for r in lib.sim_requests()["requests"]
                   if r["method"] == "POST" and r["path"] == "/ras/v1/campaigns")


if __name__ == "__main__":
    lib.main()
