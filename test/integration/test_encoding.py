"""A database that is not UTF-8: the API speaks UTF-8 both ways, so names go out
converted and come back converted, and a remote message with a character the
database cannot hold still reads as the API's error, not as an encoding error."""
import os

import lib

DB = "ras_latin1"


class EncodingTest(lib.RasTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        lib.query(f"DROP DATABASE IF EXISTS {DB}")
        lib.query(f"CREATE DATABASE {DB} ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0")
        cls.env = {"PGDATABASE": DB, "PGCLIENTENCODING": "UTF8"}
        lib.query(f"""
            CREATE EXTENSION ras;
            CREATE SERVER amazon_ads FOREIGN DATA WRAPPER ras OPTIONS (
                api_url {lib.lit(lib.env("RAS_API_URL"))}, token_url {lib.lit(lib.env("RAS_TOKEN_URL"))});
            CREATE USER MAPPING FOR CURRENT_USER SERVER amazon_ads OPTIONS (
                client_id {lib.lit(lib.CLIENT_ID)}, client_secret {lib.lit(lib.CLIENT_SECRET)},
                refresh_token {lib.lit(lib.REFRESH_TOKEN)});
            ALTER DATABASE {DB} SET ras.profile_id = '1234567890';
        """, extra_env=cls.env)

    @classmethod
    def tearDownClass(cls):
        lib.query(f"DROP DATABASE IF EXISTS {DB}")

    def test_names_round_trip(self):
        rows = lib.query("""
            SELECT ok, result->>'name' FROM ras.create_campaigns('{"name": "Café crème",
              "budget": {"budget": 10, "budgetType": "DAILY"}, "targetingType": "AUTO",
              "state": "ENABLED", "startDate": "2030-01-01", "dynamicBidding": {"strategy": "MANUAL"}}')
        """, extra_env=self.env)
        self.assertEqual(rows, [("t", "Café crème")])
        self.assertEqual(lib.value("SELECT name FROM ras.campaigns(names => '{Café crème}')",
                                   extra_env=self.env), "Café crème")

    def test_unconvertible_remote_message(self):
        # U+2019 has no LATIN1 form: the API's error still comes through, as 403
        lib.sim_faults({"kind": "status", "status": 403, "path": "/ras/v1/campaigns/list",
                        "body": {"code": "ACCESS_DENIED", "message": "You don\u2019t have access"}})
        with self.assertRaises(lib.SQLError) as cm:
            lib.query("SELECT * FROM ras.campaigns()", extra_env=self.env)
        self.assertEqual(cm.exception.sqlstate, "42501")
        self.assertIn("You don?t have access", cm.exception.output)


if __name__ == "__main__":
    lib.main()
