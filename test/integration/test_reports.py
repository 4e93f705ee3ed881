"""Reports behaviour pg_regress cannot show: a statement cancelled or timed out while it
waits for a report, or while it streams a stalled report file, stops within about a
second with SQLSTATE 57014; the report it left at Amazon is adopted (425) when the same
request is made again; a report another session cancels while this one is about to reuse
it is replaced by a new request; a large report file is streamed, not held whole.
"""
import time

import lib

PROFILE = "1234567890"
SETUP = f"SET ras.profile_id = '{PROFILE}';"
WAIT_FOR_REPORT = ("SELECT ras.report('spCampaigns', current_date - 3, current_date - 1, "
                   "timeout => '10 minutes')")


def sim_reports():
    return lib.sim("GET", "/_sim/reports")["reports"]


def report_delay(seconds):
    lib.sim("POST", "/_sim/reports/delay", {"seconds": seconds})


def until(condition, timeout=10):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


class ReportWaitTest(lib.RasTestCase):
    def tearDown(self):
        report_delay(None)
        super().tearDown()

    def assert_stopped_quickly(self, bg, limit=2.5):
        t0 = time.monotonic()
        _, _, err = bg.wait(timeout=30)
        waited = time.monotonic() - t0
        self.assertIsNotNone(err, "statement was not interrupted")
        self.assertEqual(err.sqlstate, "57014", err.output)
        self.assertLess(waited, limit, f"took {waited:.1f} s to stop")
        return err

    def test_cancel_while_waiting_then_adopt(self):
        report_delay(600)
        before = len(sim_reports())
        bg = lib.Background(WAIT_FOR_REPORT, setup=SETUP)
        bg.wait_active()
        time.sleep(1.5)  # between two status polls: in the backing-off sleep
        self.assertTrue(bg.cancel())
        err = self.assert_stopped_quickly(bg)
        self.assertIn("canceling statement due to user request", err.message)

        # The job row was rolled back with the statement, but the report exists at
        # Amazon: asking again gets 425, and the named report is adopted.
        reports = sim_reports()
        self.assertEqual(len(reports), before + 1)
        ids = lib.value(SETUP + "SELECT ras.report_request('spCampaigns', current_date - 3, "
                        "current_date - 1)")
        self.assertEqual(ids, "{%s}" % reports[-1]["reportId"])
        self.assertEqual(len(sim_reports()), before + 1)
        self.assertEqual(lib.value(f"SELECT status FROM ras.report_jobs "
                                   f"WHERE report_id = {lib.lit(reports[-1]['reportId'])}"),
                         "PENDING")

    def test_report_cancelled_meanwhile_is_not_reused(self):
        # Another session cancels the report this one is about to reuse: the candidate
        # polls as CANCELLED and a new report is requested instead of returning it.
        report_delay(600)
        request = (SETUP + "SELECT ras.report_request('spGrossAndInvalids', current_date - 3, "
                   "current_date - 1)")
        first = lib.value(request).strip("{}")
        before = len(sim_reports())
        # the canceller's transaction stays open (its row lock held) until `holder` ends
        holder = lib.Background("SELECT pg_advisory_lock(4711); SELECT pg_sleep(60);")
        until(lambda: lib.value("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                                "AND objid = 4711 AND granted") == "1")
        canceller = lib.Background(
            f"BEGIN; SELECT status FROM ras.report_cancel({lib.lit(first)}); "
            "SELECT pg_advisory_xact_lock(4711); COMMIT;", setup=SETUP)
        until(lambda: len(sim_reports()) == before - 1)  # deleted at Amazon
        asker = lib.Background(request, setup=SETUP)
        # it picked the PENDING row, found the report gone and waits for the row lock
        pid = asker.backend_pid()
        until(lambda: lib.value(f"SELECT wait_event_type = 'Lock' FROM pg_stat_activity "
                                f"WHERE pid = {pid}") == "t")
        self.assertTrue(holder.cancel())
        holder.wait(timeout=30)
        _, _, err = canceller.wait(timeout=30)
        self.assertIsNone(err)
        _, rows, err = asker.wait(timeout=30)
        self.assertIsNone(err)
        second = rows[0][0].strip("{}")
        self.assertNotEqual(second, first)
        self.assertEqual([r["reportId"] for r in sim_reports()][before - 1:], [second])
        self.assertEqual(lib.query(f"SELECT report_id, status FROM ras.report_jobs "
                                   f"WHERE report_id IN ({lib.lit(first)}, {lib.lit(second)}) "
                                   f"ORDER BY requested_at"),
                         [(first, "CANCELLED"), (second, "PENDING")])

    def test_statement_timeout_while_waiting(self):
        report_delay(600)
        bg = lib.Background(WAIT_FOR_REPORT.replace("spCampaigns", "spTargeting"),
                            setup=SETUP + "SET statement_timeout = '2s';")
        _, _, err = bg.wait(timeout=30)
        self.assertIsNotNone(err)
        self.assertEqual(err.sqlstate, "57014", err.output)
        self.assertIn("statement timeout", err.message)
        self.assertLess(bg.elapsed, 4.5)

    def test_own_timeout_argument(self):
        report_delay(600)
        t0 = time.monotonic()
        state = lib.sqlstate_of(SETUP + "SELECT ras.report('spSearchTerm', current_date - 3, "
                                "current_date - 1, timeout => '2 seconds')")
        self.assertEqual(state, "55000")
        self.assertLess(time.monotonic() - t0, 5)


class ReportDownloadTest(lib.RasTestCase):
    """Downloads go straight to the simulator (pre-signed URLs are not proxied)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        report_delay(0)
        # a manual campaign with 200 keywords
        lib.query(SETUP + lib.manual_campaign_sql(
            "Stream manual", "EXACT", "(SELECT 'shoe ' || i FROM generate_series(1, 200) i) t(k)"))

    @classmethod
    def tearDownClass(cls):
        report_delay(None)

    def test_large_report_streams(self):
        # 200 targets x 31 days x all 60 columns: a file of several MB once inflated
        rows = lib.query(SETUP + """
            SELECT ras.report('spTargeting', current_date - 31, current_date - 1,
                              columns => (SELECT array_remove(array_remove(columns, 'startDate'), 'endDate')
                                          FROM ras.report_types()
                                          WHERE report_type = 'spTargeting')
                                          ) AS ids \\gset
            SELECT count(*), count(DISTINCT (r->>'keywordId', r->>'date')),
                   sum(length(r::text)) FROM ras.report_rows(:'ids'::text[]) r;
        """)
        count, distinct, size = rows[0]
        self.assertEqual(int(count), 200 * 31)
        self.assertEqual(int(distinct), 200 * 31)
        self.assertGreater(int(size), 4 * 1024 * 1024)

    def test_download_retried_before_any_data(self):
        ids = lib.value(SETUP + "SELECT ras.report('spTargeting', current_date - 4, current_date - 1)")
        expected = lib.value(f"SELECT count(*) FROM ras.report_rows({lib.lit(ids)}::text[])")
        lib.sim_faults({"kind": "status", "status": 503, "count": 2, "path": "/_download/"})
        mark = lib.sim_requests()["next"]
        self.assertEqual(lib.value(f"SELECT count(*) FROM ras.report_rows({lib.lit(ids)}::text[])"),
                         expected)
        downloads = [r["status"] for r in lib.sim_requests(mark)["requests"]
                     if r["path"].startswith("/_download/")]
        self.assertEqual(downloads, [503, 503, 200])

    def test_cancel_stalled_download(self):
        ids = lib.value(SETUP + "SELECT ras.report('spTargeting', current_date - 3, current_date - 1)")
        lib.sim_faults({"kind": "stall", "seconds": 30, "path": "/_download/"})
        bg = lib.Background(f"SELECT count(*) FROM ras.report_rows({lib.lit(ids)}::text[])",
                            setup=SETUP)
        bg.wait_active()
        time.sleep(1.0)
        self.assertTrue(bg.cancel())
        t0 = time.monotonic()
        _, _, err = bg.wait(timeout=30)
        self.assertIsNotNone(err, "statement was not interrupted")
        self.assertEqual(err.sqlstate, "57014", err.output)
        self.assertLess(time.monotonic() - t0, 2.5)
        # the backend is fine afterwards, and the next download works
        lib.sim_clear_faults()
        self.assertEqual(lib.value(f"SELECT count(*) > 0 FROM ras.report_rows({lib.lit(ids)}::text[])"),
                         "t")


if __name__ == "__main__":
    lib.main()
