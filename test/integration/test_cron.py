"""Scheduled loading with the real pg_cron: a job calls ras.sync_report every minute with
wait 0, so one run requests the report and a later run loads it into the table.

Needs the cluster started with shared_preload_libraries=pg_cron and cron.database_name
set to this database (test/run-all.sh does both). pg_cron 1.4 schedules by the minute,
so the test waits up to 150 s.
"""
import time

import lib

PROFILE = "1234567890"
JOB = "ras-test-sync"
TABLE = "public.cron_sp_targeting"
COMMAND = (f"CALL ras.sync_report({lib.lit(TABLE)}, 'spTargeting', lookback_days => 3, "
           f"profile_id => {lib.lit(PROFILE)}, server => {lib.lit(lib.SERVER)})")
DEADLINE_S = 150


class CronTest(lib.RasTestCase):
    @classmethod
    def setUpClass(cls):
        preload = lib.value("SHOW shared_preload_libraries")
        database = lib.value("SELECT current_setting('cron.database_name', true) = current_database()")
        if "pg_cron" not in preload or database != "t":
            raise lib.unittest.SkipTest("pg_cron is not preloaded for this database")
        super().setUpClass()
        lib.query(f"""
            CREATE EXTENSION IF NOT EXISTS pg_cron;
            SELECT cron.unschedule(jobid) FROM cron.job WHERE jobname = {lib.lit(JOB)};
            DROP TABLE IF EXISTS {TABLE};
            DELETE FROM ras.report_loads WHERE target = {lib.lit(TABLE)};
            SET ras.profile_id = {lib.lit(PROFILE)};
        """ + lib.manual_campaign_sql("Cron manual", "BROAD",
                                   "unnest('{running shoes,trail shoes}'::text[]) k"))
        # a report takes 5 s: the run that requests it cannot load it
        lib.sim("POST", "/_sim/reports/delay", {"seconds": 5})

    @classmethod
    def tearDownClass(cls):
        lib.query(f"SELECT cron.unschedule(jobid) FROM cron.job WHERE jobname = {lib.lit(JOB)}")
        lib.sim("POST", "/_sim/reports/delay", {"seconds": None})

    def test_scheduled_sync_loads_rows(self):
        jobid = lib.value(f"SELECT cron.schedule({lib.lit(JOB)}, '* * * * *', {lib.lit(COMMAND)})")
        deadline = time.monotonic() + DEADLINE_S
        loaded = None
        while time.monotonic() < deadline:
            loaded = lib.query(f"""
                SELECT rows_loaded, loaded_at > requested_at + interval '20 seconds'
                FROM ras.report_loads WHERE target = {lib.lit(TABLE)} AND loaded_at IS NOT NULL""")
            if loaded:
                break
            failed = lib.query(f"SELECT return_message FROM cron.job_run_details "
                               f"WHERE jobid = {jobid} AND status = 'failed'")
            self.assertEqual(failed, [], "a cron run failed")
            time.sleep(2)
        self.assertTrue(loaded, f"no cron run loaded the table within {DEADLINE_S} s")
        rows_loaded, later_run = loaded[0]
        # 2 keyword targets x 3 days, loaded by a run after the one that requested it
        self.assertEqual(int(rows_loaded), 6)
        self.assertEqual(later_run, "t")
        self.assertEqual(lib.value(f"SELECT count(*) FROM {TABLE}"), "6")
        self.assertEqual(lib.value(f"SELECT count(DISTINCT (date, keyword_id)) FROM {TABLE}"), "6")
        runs = lib.query(f"SELECT status FROM cron.job_run_details WHERE jobid = {jobid} "
                         f"AND status <> 'running' ORDER BY runid")
        self.assertGreaterEqual(len(runs), 2)
        self.assertTrue(all(r[0] == "succeeded" for r in runs), runs)


if __name__ == "__main__":
    lib.main()
