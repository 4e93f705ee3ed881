"""Unit tests for reports.py (reporting v3 + download URL + admin hooks), calling the
handlers directly with the core's Request/State.

Run: cd test/sim && python3 -m unittest discover -s tests -v
"""

import datetime
import gzip
import json
import os
import sys
import threading
import unittest
import urllib.parse

SIM_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if SIM_DIR not in sys.path:
    sys.path.insert(0, SIM_DIR)

import reports  # noqa: E402
import state as core_state  # noqa: E402
import web  # noqa: E402

PROFILE = "1234567890"
OTHER_PROFILE = "2345678901"
PUBLIC_URL = "http://sim.test:9999"


class FakeSim:
    """The attributes of the core's simulator object that handlers use."""

    def __init__(self, seed=42, report_delay=0):
        self.seed = seed
        self.public_url = PUBLIC_URL
        self.report_delay = report_delay
        self.lock = threading.RLock()
        self.state = core_state.State(seed, modules=[reports])


def _route(method, path, routes):
    import re
    for m, rx, handler, _opts in routes:
        if m == method:
            mt = re.fullmatch(rx, path)
            if mt:
                return handler, mt.groupdict()
    raise AssertionError("no route for %s %s" % (method, path))


class Resp:
    def __init__(self, r):
        self.status = r.status
        self.content_type = r.content_type
        self.raw = r.body
        try:
            self.json = json.loads(r.body)
        except ValueError:
            self.json = None


def call(sim, method, path, body=None, profile=PROFILE, content_type=None, admin=False):
    headers = [("Amazon-Advertising-API-ClientId", "amzn1.application-oa2-client.sim")]
    if profile is not None:
        headers.append(("Amazon-Advertising-API-Scope", profile))
    if content_type is None and method == "POST" and not admin:
        content_type = reports.CREATE_REQUEST_CT
    if content_type:
        headers.append(("Content-Type", content_type))
    data = json.dumps(body).encode() if body is not None else b""
    req = web.Request(sim, method, path, web.Headers(headers), data)
    handler, groups = _route(method, req.path,
                             reports.ADMIN_ROUTES if admin else reports.ROUTES)
    with sim.lock:
        return Resp(handler(req, **groups))


def today(sim):
    return sim.state.today(PROFILE)


def add_entities(sim, profile=PROFILE):
    """One manual campaign (2 keyword targets + 1 negative, 2 product ads) and one auto
    campaign (4 auto targets, 1 product ad, PAUSED)."""
    st = sim.state
    now = datetime.datetime.now(datetime.timezone.utc)

    def put(kind, key, data):
        st.store(profile, kind).add(data[key], core_state.Entity(data, now))

    put("campaigns", "campaignId", {
        "campaignId": "1001", "name": "Manual One", "state": "ENABLED",
        "targetingType": "MANUAL", "budget": {"budget": 25.0, "budgetType": "DAILY"},
        "dynamicBidding": {"strategy": "MANUAL"}, "portfolioId": "77"})
    put("campaigns", "campaignId", {
        "campaignId": "1002", "name": "Auto Two", "state": "PAUSED",
        "targetingType": "AUTO", "budget": {"budget": 10.0, "budgetType": "DAILY"},
        "dynamicBidding": {"strategy": "MANUAL"}})
    put("adGroups", "adGroupId", {"adGroupId": "2001", "campaignId": "1001", "name": "AG A",
                                  "state": "ENABLED", "defaultBid": 0.8,
                                  "retailerId": "retailer-1"})
    put("adGroups", "adGroupId", {"adGroupId": "2002", "campaignId": "1002", "name": "AG B",
                                  "state": "PAUSED", "defaultBid": 0.5,
                                  "retailerId": "retailer-2"})
    for ad_id, ag, c, offer in (("3001", "2001", "1001", "R1-00001"),
                                ("3002", "2001", "1001", "R1-00002"),
                                ("3003", "2002", "1002", "R2-00001")):
        put("productAds", "productAdId", {"productAdId": ad_id, "adGroupId": ag,
                                          "campaignId": c, "state": "ENABLED",
                                          "retailerId": "retailer-1", "retailerOfferId": offer})
    put("targets", "targetId", {
        "targetId": "4001", "campaignId": "1001", "adGroupId": "2001", "state": "ENABLED",
        "negative": False, "targetType": "KEYWORD", "bid": {"bid": 1.25},
        "targetDetails": {"keywordTarget": {"keyword": "running shoes", "matchType": "BROAD"}}})
    put("targets", "targetId", {
        "targetId": "4002", "campaignId": "1001", "adGroupId": "2001", "state": "PAUSED",
        "negative": False, "targetType": "KEYWORD",
        "targetDetails": {"keywordTarget": {"keyword": "trail shoes", "matchType": "EXACT"}}})
    put("targets", "targetId", {
        "targetId": "4003", "campaignId": "1001", "adGroupId": "2001", "state": "ENABLED",
        "negative": True, "targetType": "KEYWORD",
        "targetDetails": {"keywordTarget": {"keyword": "cheap", "matchType": "EXACT"}}})
    for i, mt in enumerate(reports.AUTO_TARGETING):
        put("targets", "targetId", {
            "targetId": "41%02d" % i, "campaignId": "1002", "adGroupId": "2002",
            "state": "ENABLED", "negative": False, "targetType": "AUTO", "bid": {"bid": 0.4},
            "targetDetails": {"autoTarget": {"matchType": mt}}})


def request(sim, rtype="spTargeting", days=3, time_unit="DAILY", columns=None,
            group_by=None, filters=None, name=None, end_offset=0):
    end = today(sim) - datetime.timedelta(days=end_offset)
    start = end - datetime.timedelta(days=days - 1)
    gb = group_by or {"spCampaigns": ["campaign"], "spTargeting": ["targeting"],
                      "spSearchTerm": ["searchTerm"], "spGrossAndInvalids": ["campaign"],
                      "spAdvertisedProduct": ["advertiser"]}[rtype]
    if columns is None:
        columns = ["date" if time_unit == "DAILY" else "startDate", "campaignId",
                   "adGroupId", "keywordId", "impressions", "clicks", "cost", "sales7d"]
    cfg = {"adProduct": "SPONSORED_PRODUCTS", "reportTypeId": rtype, "groupBy": gb,
           "columns": columns, "timeUnit": time_unit, "format": "GZIP_JSON"}
    if filters is not None:
        cfg["filters"] = filters
    body = {"startDate": start.isoformat(), "endDate": end.isoformat(), "configuration": cfg}
    if name is not None:
        body["name"] = name
    return body


def download(sim, url):
    assert url.startswith(PUBLIC_URL + "/_download/"), url
    path = urllib.parse.urlsplit(url).path
    r = call(sim, "GET", path, profile=None)
    return r


def run_report(test, sim, body):
    """create -> status -> download -> gunzip; answers (report json, rows)."""
    r = call(sim, "POST", "/reporting/reports", body)
    test.assertEqual(r.status, 200, r.json)
    rid = r.json["reportId"]
    g = call(sim, "GET", "/reporting/reports/" + rid)
    test.assertEqual(g.status, 200)
    test.assertEqual(g.json["status"], "COMPLETED", g.json)
    d = download(sim, g.json["url"])
    test.assertEqual(d.status, 200)
    test.assertEqual(d.content_type, "application/octet-stream")
    test.assertEqual(len(d.raw), g.json["fileSize"])
    return g.json, json.loads(gzip.decompress(d.raw))


# ------------------------------------------------------------------ a tiny schema check

# Amazon's spec, found like test/contract/merge-specs.py finds it; checks are skipped
# when it is not there.
SPEC = os.path.join(os.environ.get("RAS_SPECS_DIR") or
                    os.path.join(SIM_DIR, "..", "..", "..", "shared", "specs"),
                    "OfflineReport_prod_3p.json")


def check_schema(test, value, schema, spec, where="$"):
    """Minimal OpenAPI 3.0 check (type/required/enum/nullable/items/$ref)."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        return check_schema(test, value, spec["components"]["schemas"][name], spec, where)
    if value is None:
        test.assertTrue(schema.get("nullable"), "%s is null but not nullable" % where)
        return
    t = schema.get("type")
    types = {"object": dict, "array": list, "string": str, "boolean": bool,
             "integer": int, "number": (int, float)}
    if t:
        test.assertIsInstance(value, types[t], where)
    if "enum" in schema:
        test.assertIn(value, schema["enum"], where)
    if t == "object":
        for req in schema.get("required", []):
            test.assertIn(req, value, "%s.%s required" % (where, req))
        for k, sub in schema.get("properties", {}).items():
            if k in value:
                check_schema(test, value[k], sub, spec, where + "." + k)
    if t == "array":
        for i, v in enumerate(value):
            check_schema(test, v, schema.get("items", {}), spec, "%s[%d]" % (where, i))


def check_against_spec(test, resp, method, path_key):
    if not os.path.exists(SPEC):
        return
    with open(SPEC) as f:
        spec = json.load(f)
    op = spec["paths"][path_key][method.lower()]
    test.assertIn(str(resp.status), op["responses"], "status not in spec")
    content = op["responses"][str(resp.status)]["content"]
    test.assertIn(resp.content_type, content)
    check_schema(test, resp.json, content[resp.content_type]["schema"], spec)


# ------------------------------------------------------------------ tests

class ReportsTest(unittest.TestCase):
    def setUp(self):
        self.sim = FakeSim()
        add_entities(self.sim)

    def test_create_status_download_rows(self):
        body = request(self.sim, name="targets daily")
        r = call(self.sim, "POST", "/reporting/reports", body)
        self.assertEqual(r.status, 200)
        self.assertEqual(r.content_type, reports.CREATE_RESPONSE_CT)
        check_against_spec(self, r, "POST", "/reporting/reports")
        self.assertEqual(r.json["status"], "PENDING")
        self.assertEqual(r.json["name"], "targets daily")
        self.assertEqual(r.json["configuration"], body["configuration"])
        self.assertEqual((r.json["startDate"], r.json["endDate"]),
                         (body["startDate"], body["endDate"]))
        self.assertIsNone(r.json["url"])
        rid = r.json["reportId"]

        g = call(self.sim, "GET", "/reporting/reports/" + rid)
        self.assertEqual(g.status, 200)
        self.assertEqual(g.content_type, reports.GET_RESPONSE_CT)
        check_against_spec(self, g, "GET", "/reporting/reports/{reportId}")
        self.assertEqual(g.json["status"], "COMPLETED")
        for key in ("url", "urlExpiresAt", "fileSize", "generatedAt"):
            self.assertIsNotNone(g.json[key], key)
        expires = datetime.datetime.strptime(g.json["urlExpiresAt"], "%Y-%m-%dT%H:%M:%S.%fZ")
        created = datetime.datetime.strptime(g.json["createdAt"], "%Y-%m-%dT%H:%M:%S.%fZ")
        self.assertAlmostEqual((expires - created).total_seconds(), 3600, delta=5)

        d = download(self.sim, g.json["url"])
        self.assertEqual(d.status, 200)
        self.assertEqual(d.content_type, "application/octet-stream")
        rows = json.loads(gzip.decompress(d.raw))
        # 6 non-negative targets (2 keyword + 4 auto; the negative one has no row) x 3 days
        self.assertEqual(len(rows), 6 * 3)
        for row in rows:
            self.assertEqual(list(row), body["configuration"]["columns"])
            self.assertIsInstance(row["campaignId"], str)
            self.assertIsInstance(row["keywordId"], str)
            self.assertIsInstance(row["impressions"], int)
            self.assertIsInstance(row["clicks"], int)
            self.assertIsInstance(row["cost"], float)
            self.assertEqual(row["cost"], round(row["cost"], 2))
        self.assertNotIn("4003", {r["keywordId"] for r in rows})
        dates = sorted({r["date"] for r in rows})
        self.assertEqual(dates, [body["startDate"],
                                 (today(self.sim) - datetime.timedelta(days=1)).isoformat(),
                                 body["endDate"]])
        # Same report pulled again without restatement: identical rows.
        _, rows2 = run_report(self, self.sim, request(self.sim, name="again"))
        self.assertEqual(rows, rows2)

    def test_every_type_with_every_column(self):
        cases = [("spCampaigns", ["campaign"]), ("spCampaigns", ["adGroup"]),
                 ("spCampaigns", ["campaign", "adGroup"]),
                 ("spCampaigns", ["campaign", "campaignPlacement"]),
                 ("spTargeting", ["targeting"]), ("spSearchTerm", ["searchTerm"]),
                 ("spGrossAndInvalids", ["campaign"]), ("spAdvertisedProduct", ["advertiser"])]
        expected_units = {("spCampaigns", "campaign"): 2, ("spCampaigns", "adGroup"): 2,
                          ("spCampaigns", "campaign,adGroup"): 2,
                          ("spCampaigns", "campaign,campaignPlacement"): 6,
                          ("spTargeting", "targeting"): 6,
                          ("spGrossAndInvalids", "campaign"): 2,
                          ("spAdvertisedProduct", "advertiser"): 3}
        for rtype, gb in cases:
            for tu in ("DAILY", "SUMMARY"):
                cols = [c for c in reports.allowed_columns(rtype, gb)
                        if not (tu == "DAILY" and c in ("startDate", "endDate"))
                        and not (tu == "SUMMARY" and c == "date")]
                body = request(self.sim, rtype, days=2, time_unit=tu, columns=cols,
                               group_by=gb)
                rep, rows = run_report(self, self.sim, body)
                self.assertTrue(rows, (rtype, gb, tu))
                for row in rows:
                    self.assertEqual(list(row), cols)
                units = expected_units.get((rtype, ",".join(gb)))
                if units is not None:
                    self.assertEqual(len(rows), units * (2 if tu == "DAILY" else 1),
                                     (rtype, gb, tu))
                if rtype == "spSearchTerm":
                    self.assertTrue(all(r["clicks"] >= 1 for r in rows))
                if tu == "SUMMARY":
                    self.assertTrue(all(r["startDate"] == body["startDate"] and
                                        r["endDate"] == body["endDate"] for r in rows))

    def test_campaign_totals_match_advertised_products(self):
        body = request(self.sim, "spCampaigns", days=5, time_unit="SUMMARY",
                       columns=["campaignId", "impressions", "clicks", "cost", "sales14d"])
        _, camp = run_report(self, self.sim, body)
        body = request(self.sim, "spAdvertisedProduct", days=5, time_unit="SUMMARY",
                       columns=["campaignId", "adId", "impressions", "clicks", "cost",
                                "sales14d"])
        _, ads = run_report(self, self.sim, body)
        for c in camp:
            mine = [a for a in ads if a["campaignId"] == c["campaignId"]]
            self.assertEqual(c["impressions"], sum(a["impressions"] for a in mine))
            self.assertEqual(c["clicks"], sum(a["clicks"] for a in mine))
            self.assertAlmostEqual(c["cost"], sum(a["cost"] for a in mine), places=2)
        body = request(self.sim, "spCampaigns", days=5, time_unit="SUMMARY",
                       group_by=["campaign", "campaignPlacement"],
                       columns=["campaignId", "placementClassification", "impressions",
                                "cost"])
        _, pl = run_report(self, self.sim, body)
        for c in camp:
            mine = [p for p in pl if p["campaignId"] == c["campaignId"]]
            self.assertEqual(len(mine), 3)
            self.assertEqual(c["impressions"], sum(p["impressions"] for p in mine))
            self.assertAlmostEqual(c["cost"], sum(p["cost"] for p in mine), places=2)

    def test_filters(self):
        body = request(self.sim, "spTargeting", filters=[{"field": "keywordType",
                                                          "values": ["EXACT"]}],
                       columns=["keywordId", "keywordType", "matchType", "date"])
        _, rows = run_report(self, self.sim, body)
        self.assertEqual({r["keywordId"] for r in rows}, {"4002"})
        body = request(self.sim, "spCampaigns", columns=["campaignId", "date"],
                       filters=[{"field": "campaignStatus", "values": ["PAUSED"]}])
        _, rows = run_report(self, self.sim, body)
        self.assertEqual({r["campaignId"] for r in rows}, {"1002"})

    def test_bad_column_rejected(self):
        body = request(self.sim, columns=["date", "impressions", "cmpaignName", "clicks"])
        r = call(self.sim, "POST", "/reporting/reports", body)
        self.assertEqual(r.status, 400)
        self.assertEqual(r.content_type, "application/json")
        check_against_spec(self, r, "POST", "/reporting/reports")
        self.assertEqual(r.json["code"], "400")
        self.assertIn("cmpaignName", r.json["detail"])
        self.assertNotIn("(date", r.json["detail"])

    def test_validation(self):
        t = today(self.sim)
        bad = []
        b = request(self.sim, time_unit="SUMMARY", columns=["date", "clicks"])
        bad.append((b, "date"))
        b = request(self.sim, columns=["startDate", "clicks"])
        bad.append((b, "startDate"))
        bad.append((request(self.sim, days=32), "31"))
        b = request(self.sim, end_offset=90, days=10)
        bad.append((b, "retention"))
        b = request(self.sim)
        b["startDate"], b["endDate"] = b["endDate"], (t - datetime.timedelta(days=5)).isoformat()
        bad.append((b, "after"))
        b = request(self.sim)
        b["configuration"]["reportTypeId"] = "spPurchasedProduct"
        bad.append((b, "spPurchasedProduct"))
        b = request(self.sim)
        b["configuration"]["groupBy"] = ["campaign"]
        bad.append((b, "campaign"))
        b = request(self.sim, "spCampaigns", columns=["campaignId", "keywordId"])
        bad.append((b, "keywordId"))
        b = request(self.sim, "spCampaigns", group_by=["adGroup"], columns=["campaignId"])
        bad.append((b, "campaignId"))
        b = request(self.sim, "spAdvertisedProduct", columns=["adId", "date"],
                    filters=[{"field": "campaignStatus", "values": ["ENABLED"]}])
        bad.append((b, "campaignStatus"))
        b = request(self.sim, "spCampaigns", group_by=["campaign", "adGroup"],
                    columns=["campaignId", "date"],
                    filters=[{"field": "campaignStatus", "values": ["ENABLED"]}])
        bad.append((b, "campaignStatus"))
        b = request(self.sim, filters=[{"field": "keywordType", "values": ["FUZZY"]}])
        bad.append((b, "FUZZY"))
        b = request(self.sim)
        b["configuration"]["format"] = "CSV"
        bad.append((b, "format"))
        b = request(self.sim)
        b["configuration"]["timeUnit"] = "WEEKLY"
        bad.append((b, "timeUnit"))
        b = request(self.sim)
        b["configuration"]["adProduct"] = "SPONSORED_BRANDS"
        bad.append((b, "adProduct"))
        b = request(self.sim)
        b["startDate"] = "2024-1-01"
        bad.append((b, "startDate"))
        b = request(self.sim)
        del b["endDate"]
        bad.append((b, "endDate"))
        b = request(self.sim)
        b["configuration"]["columns"] = []
        bad.append((b, "columns"))
        b = request(self.sim)
        b["endDate"] = (t + datetime.timedelta(days=3)).isoformat()
        bad.append((b, "future"))
        for body, needle in bad:
            r = call(self.sim, "POST", "/reporting/reports", body)
            self.assertEqual(r.status, 400, (needle, r.json))
            self.assertEqual(r.json["code"], "400")
            self.assertIn(needle, r.json["detail"])
        # 365 days is fine for spGrossAndInvalids, 366 is not.
        cols = ["campaignName", "date", "impressions"]
        r = call(self.sim, "POST", "/reporting/reports",
                 request(self.sim, "spGrossAndInvalids", days=365, columns=cols))
        self.assertEqual(r.status, 200, r.json)
        r = call(self.sim, "POST", "/reporting/reports",
                 request(self.sim, "spGrossAndInvalids", days=366, columns=cols))
        self.assertEqual(r.status, 400)
        # Oldest allowed start: today - 95 days.
        r = call(self.sim, "POST", "/reporting/reports",
                 request(self.sim, days=1, end_offset=95))
        self.assertEqual(r.status, 200, r.json)
        r = call(self.sim, "POST", "/reporting/reports",
                 request(self.sim, days=1, end_offset=96))
        self.assertEqual(r.status, 400)

    def test_wrong_media_type(self):
        r = call(self.sim, "POST", "/reporting/reports", request(self.sim),
                 content_type="application/json")
        self.assertEqual(r.status, 415)

    def test_duplicate_425(self):
        sim = FakeSim(report_delay=60)
        add_entities(sim)
        body = request(sim)
        first = call(sim, "POST", "/reporting/reports", body)
        self.assertEqual(first.status, 200)
        rid = first.json["reportId"]
        dup = call(sim, "POST", "/reporting/reports", body)
        self.assertEqual(dup.status, 425)
        self.assertEqual(dup.content_type, "application/json")
        check_against_spec(self, dup, "POST", "/reporting/reports")
        self.assertEqual(dup.json, {"code": "425",
                                    "detail": "The Request is a duplicate of : %s" % rid})
        # Another profile, or another body, is not a duplicate.
        self.assertEqual(call(sim, "POST", "/reporting/reports", body,
                              profile=OTHER_PROFILE).status, 200)
        self.assertEqual(call(sim, "POST", "/reporting/reports",
                              request(sim, name="x")).status, 200)
        # Still a duplicate while PROCESSING; not once COMPLETED.
        call(sim, "POST", "/_sim/reports/advance", {"seconds": 31}, admin=True)
        self.assertEqual(call(sim, "GET", "/reporting/reports/" + rid).json["status"],
                         "PROCESSING")
        self.assertEqual(call(sim, "POST", "/reporting/reports", body).status, 425)
        call(sim, "POST", "/_sim/reports/advance", {"seconds": 30}, admin=True)
        again = call(sim, "POST", "/reporting/reports", body)
        self.assertEqual(again.status, 200)
        self.assertNotEqual(again.json["reportId"], rid)

    def test_lifecycle_timing(self):
        sim = FakeSim(report_delay=10)
        add_entities(sim)
        rid = call(sim, "POST", "/reporting/reports", request(sim)).json["reportId"]
        g = call(sim, "GET", "/reporting/reports/" + rid)
        self.assertEqual(g.json["status"], "PENDING")
        self.assertIsNone(g.json["url"])
        check_against_spec(self, g, "GET", "/reporting/reports/{reportId}")
        call(sim, "POST", "/_sim/reports/advance", {"seconds": 5}, admin=True)
        self.assertEqual(call(sim, "GET", "/reporting/reports/" + rid).json["status"],
                         "PROCESSING")
        call(sim, "POST", "/_sim/reports/advance", {"seconds": 5}, admin=True)
        g = call(sim, "GET", "/reporting/reports/" + rid)
        self.assertEqual(g.json["status"], "COMPLETED")
        self.assertEqual(download(sim, g.json["url"]).status, 200)

    def test_delay_override(self):
        r = call(self.sim, "POST", "/_sim/reports/delay", {"seconds": 100}, admin=True)
        self.assertEqual(r.status, 200)
        rid = call(self.sim, "POST", "/reporting/reports",
                   request(self.sim)).json["reportId"]
        self.assertEqual(call(self.sim, "GET", "/reporting/reports/" + rid).json["status"],
                         "PENDING")
        call(self.sim, "POST", "/_sim/reports/delay", {"seconds": None}, admin=True)
        rid = call(self.sim, "POST", "/reporting/reports",
                   request(self.sim, name="n")).json["reportId"]
        self.assertEqual(call(self.sim, "GET", "/reporting/reports/" + rid).json["status"],
                         "COMPLETED")

    def test_failed(self):
        r = call(self.sim, "POST", "/_sim/reports/fail_next", {}, admin=True)
        self.assertEqual(r.status, 200)
        rid = call(self.sim, "POST", "/reporting/reports", request(self.sim)).json["reportId"]
        g = call(self.sim, "GET", "/reporting/reports/" + rid)
        self.assertEqual(g.json["status"], "FAILED")
        self.assertEqual(g.json["failureReason"], reports.DEFAULT_FAILURE_REASON)
        self.assertIsNone(g.json["url"])
        check_against_spec(self, g, "GET", "/reporting/reports/{reportId}")
        # Only the next one fails; a custom reason is reported as given.
        call(self.sim, "POST", "/_sim/reports/fail_next", {"reason": "boom"}, admin=True)
        rid = call(self.sim, "POST", "/reporting/reports",
                   request(self.sim, name="b")).json["reportId"]
        self.assertEqual(call(self.sim, "GET", "/reporting/reports/" + rid).json
                         ["failureReason"], "boom")
        rid = call(self.sim, "POST", "/reporting/reports",
                   request(self.sim, name="c")).json["reportId"]
        self.assertEqual(call(self.sim, "GET", "/reporting/reports/" + rid).json["status"],
                         "COMPLETED")

    def test_cancel(self):
        sim = FakeSim(report_delay=60)
        add_entities(sim)
        body = request(sim)
        rid = call(sim, "POST", "/reporting/reports", body).json["reportId"]
        d = call(sim, "DELETE", "/reporting/reports/" + rid)
        self.assertEqual(d.status, 200)
        self.assertEqual(d.content_type, reports.DELETE_RESPONSE_CT)
        check_against_spec(self, d, "DELETE", "/reporting/reports/{reportId}")
        self.assertEqual(d.json, {"code": "200", "detail": "Report deleted", "reportId": rid})
        self.assertEqual(call(sim, "GET", "/reporting/reports/" + rid).status, 404)
        self.assertEqual(call(sim, "DELETE", "/reporting/reports/" + rid).status, 404)
        # A cancelled report is not a duplicate any more.
        self.assertEqual(call(sim, "POST", "/reporting/reports", body).status, 200)
        # A completed report cannot be cancelled.
        call(sim, "POST", "/_sim/reports/advance", {"seconds": 60}, admin=True)
        rid2 = call(sim, "GET", "/_sim/reports", admin=True).json["reports"][0]["reportId"]
        r = call(sim, "DELETE", "/reporting/reports/" + rid2)
        self.assertEqual(r.status, 400)
        check_against_spec(self, r, "DELETE", "/reporting/reports/{reportId}")
        self.assertIn("COMPLETED", r.json["detail"])

    def test_unknown_and_foreign_ids(self):
        g = call(self.sim, "GET", "/reporting/reports/nope")
        self.assertEqual(g.status, 404)
        self.assertEqual(g.json, {"code": "404", "detail": "Not Found"})
        check_against_spec(self, g, "GET", "/reporting/reports/{reportId}")
        rid = call(self.sim, "POST", "/reporting/reports", request(self.sim)).json["reportId"]
        self.assertEqual(call(self.sim, "GET", "/reporting/reports/" + rid,
                              profile=OTHER_PROFILE).status, 404)
        self.assertEqual(call(self.sim, "DELETE", "/reporting/reports/" + rid,
                              profile=OTHER_PROFILE).status, 404)

    def test_expired_url_then_fresh_url(self):
        rid = call(self.sim, "POST", "/reporting/reports", request(self.sim)).json["reportId"]
        g1 = call(self.sim, "GET", "/reporting/reports/" + rid).json
        first = download(self.sim, g1["url"])
        self.assertEqual(first.status, 200)
        # Polling again before expiry keeps the same URL.
        self.assertEqual(call(self.sim, "GET", "/reporting/reports/" + rid).json["url"],
                         g1["url"])
        r = call(self.sim, "POST", "/_sim/reports/expire_urls", {}, admin=True)
        self.assertEqual(r.json["expired"], 1)
        gone = download(self.sim, g1["url"])
        self.assertEqual(gone.status, 403)
        self.assertEqual(gone.content_type, "application/xml")
        self.assertIn(b"<Code>AccessDenied</Code>", gone.raw)
        self.assertIn(b"Request has expired", gone.raw)
        g2 = call(self.sim, "GET", "/reporting/reports/" + rid).json
        self.assertNotEqual(g2["url"], g1["url"])
        self.assertGreater(g2["urlExpiresAt"], g1["createdAt"])
        again = download(self.sim, g2["url"])
        self.assertEqual(again.status, 200)
        self.assertEqual(again.raw, first.raw)
        self.assertEqual(download(self.sim, g1["url"]).status, 403)

    def test_natural_expiry(self):
        call(self.sim, "POST", "/_sim/reports/url_ttl", {"seconds": 30}, admin=True)
        rid = call(self.sim, "POST", "/reporting/reports", request(self.sim)).json["reportId"]
        g1 = call(self.sim, "GET", "/reporting/reports/" + rid).json
        self.assertEqual(download(self.sim, g1["url"]).status, 200)
        call(self.sim, "POST", "/_sim/reports/advance", {"seconds": 31}, admin=True)
        self.assertEqual(download(self.sim, g1["url"]).status, 403)
        g2 = call(self.sim, "GET", "/reporting/reports/" + rid).json
        self.assertNotEqual(g1["url"], g2["url"])
        self.assertEqual(download(self.sim, g2["url"]).status, 200)

    def test_unknown_token(self):
        r = call(self.sim, "GET", "/_download/deadbeef", profile=None)
        self.assertEqual(r.status, 403)

    def test_restatement(self):
        cols = ["date", "keywordId", "impressions", "clicks", "cost"]
        body = request(self.sim, days=6, columns=cols)
        _, before = run_report(self, self.sim, body)
        _, same = run_report(self, self.sim, dict(body, name="same"))
        self.assertEqual(before, same)
        r = call(self.sim, "POST", "/_sim/reports/restate", {}, admin=True)
        self.assertEqual(r.json["generation"], 1)
        _, after = run_report(self, self.sim, dict(body, name="after"))
        key = lambda row: (row["date"], row["keywordId"])  # noqa: E731
        b = {key(x): x for x in before}
        a = {key(x): x for x in after}
        self.assertEqual(set(a), set(b))
        cutoff = (today(self.sim) - datetime.timedelta(days=2)).isoformat()
        old_same = [a[k] == b[k] for k in a if k[0] < cutoff]
        recent_changed = [a[k] != b[k] for k in a if k[0] >= cutoff]
        self.assertTrue(old_same and all(old_same))
        self.assertTrue(recent_changed and all(recent_changed))

    def test_reset_clears_reports(self):
        rid = call(self.sim, "POST", "/reporting/reports", request(self.sim)).json["reportId"]
        call(self.sim, "POST", "/_sim/reports/restate", {}, admin=True)
        self.sim.state.reset()
        self.assertEqual(call(self.sim, "GET", "/reporting/reports/" + rid).status, 404)
        self.assertEqual(self.sim.state.report_restatement, 0)

    def test_deterministic_ids(self):
        a, b = FakeSim(), FakeSim()
        ra = call(a, "POST", "/reporting/reports", request(a)).json["reportId"]
        rb = call(b, "POST", "/reporting/reports", request(b)).json["reportId"]
        self.assertEqual(ra, rb)

    def test_admin_list(self):
        call(self.sim, "POST", "/reporting/reports", request(self.sim))
        out = call(self.sim, "GET", "/_sim/reports", admin=True).json
        self.assertEqual(len(out["reports"]), 1)
        self.assertEqual(out["reports"][0]["profileId"], PROFILE)


class SyntheticFallbackTest(unittest.TestCase):
    """With a state that keeps no entity stores, reports use synthetic entities."""

    def test_rows_without_core_entities(self):
        class Bare:
            pass
        ents = reports.profile_entities(Bare(), PROFILE)
        self.assertIsNone(ents)
        ents = reports.synthetic_entities(42, PROFILE)
        rep = {"configuration": {"reportTypeId": "spTargeting", "groupBy": ["targeting"],
                                 "columns": ["date", "keywordId", "clicks"],
                                 "timeUnit": "DAILY", "format": "GZIP_JSON",
                                 "adProduct": "SPONSORED_PRODUCTS"},
               "startDate": "2024-01-01", "endDate": "2024-01-02", "profileId": PROFILE}
        rows = reports.build_rows(rep, ents, 42, 0, "USD", datetime.date(2024, 1, 10))
        self.assertEqual(len(rows), 6 * 2)


if __name__ == "__main__":
    unittest.main()


class ThroughCoreTest(unittest.TestCase):
    """The same flow through the core's Simulator (routing, auth, faults), no sockets."""

    def setUp(self):
        try:
            import app
        except ImportError as exc:  # the core is not there
            self.skipTest("core app.py not importable: %s" % exc)
        self.sim = app.Simulator(seed=42, public_url=PUBLIC_URL, report_delay=0)
        self.conn = type("Conn", (), {})()
        r = self.raw("POST", "/auth/o2/token",
                     b"grant_type=refresh_token&client_id=amzn1.application-oa2-client.sim"
                     b"&client_secret=sim-client-secret&refresh_token=Atzr%7Csim-refresh-token",
                     [("Content-Type", "application/x-www-form-urlencoded")], auth=False)
        self.assertEqual(r.status, 200, r.body)
        self.token = json.loads(r.body)["access_token"]

    def raw(self, method, path, body=b"", headers=(), auth=True):
        hs = list(headers)
        if auth:
            hs += [("Authorization", "Bearer " + self.token),
                   ("Amazon-Advertising-API-ClientId", "amzn1.application-oa2-client.sim"),
                   ("Amazon-Advertising-API-Scope", PROFILE)]
        req = web.Request(self.sim, method, path, web.Headers(hs), body)
        plan = self.sim.handle(req, self.conn)
        return plan.response

    def api(self, method, path, body=None, ct=reports.CREATE_REQUEST_CT):
        data = json.dumps(body).encode() if body is not None else b""
        return self.raw(method, path, data, [("Content-Type", ct)] if body is not None else [])

    def ras(self, kind, items):
        r = self.api("POST", "/ras/v1/" + kind, {kind: items}, ct="application/json")
        self.assertEqual(r.status, 207, r.body)
        out = json.loads(r.body)[kind]
        self.assertFalse(out.get("error"), out)
        return [s[kind[:-1] + "Id"] for s in out["success"]]

    def make_entities(self):
        """A manual and an auto campaign created through the RAS API."""
        manual, auto = self.ras("campaigns", [
            {"name": "Core Manual", "state": "ENABLED", "targetingType": "MANUAL",
             "budget": {"budget": 20, "budgetType": "DAILY"},
             "dynamicBidding": {"strategy": "MANUAL", "placementBidding": []}},
            {"name": "Core Auto", "state": "ENABLED", "targetingType": "AUTO",
             "budget": {"budget": 30, "budgetType": "DAILY"},
             "dynamicBidding": {"strategy": "MANUAL", "placementBidding": []}}])
        ag1, ag2 = self.ras("adGroups", [
            {"campaignId": manual, "name": "AG M", "state": "ENABLED", "defaultBid": 0.7,
             "retailerId": "retailer-1"},
            {"campaignId": auto, "name": "AG A", "state": "ENABLED", "defaultBid": 0.5,
             "retailerId": "retailer-1"}])
        ads = self.ras("productAds", [
            {"campaignId": manual, "adGroupId": ag1, "state": "ENABLED",
             "retailerId": "retailer-1", "retailerOfferId": "R1-00001"},
            {"campaignId": auto, "adGroupId": ag2, "state": "ENABLED",
             "retailerId": "retailer-1", "retailerOfferId": "R1-00002"}])
        kws = self.ras("targets", [
            {"campaignId": manual, "adGroupId": ag1, "state": "ENABLED", "negative": False,
             "targetType": "KEYWORD", "bid": {"bid": 1.1},
             "targetDetails": {"keywordTarget": {"keyword": "running shoes",
                                                 "matchType": "PHRASE"}}}])
        return manual, auto, ads, kws

    def test_flow(self):
        manual, auto, ads, kws = self.make_entities()
        body = request(self.sim, "spTargeting", columns=[
            "date", "campaignId", "adGroupId", "keywordId", "keyword", "keywordType",
            "matchType", "targeting", "keywordBid", "impressions", "cost"])
        r = self.api("POST", "/reporting/reports", body)
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.content_type, reports.CREATE_RESPONSE_CT)
        rid = json.loads(r.body)["reportId"]
        g = self.api("GET", "/reporting/reports/" + rid)
        self.assertEqual(g.status, 200)
        g = json.loads(g.body)
        self.assertEqual(g["status"], "COMPLETED")
        path = urllib.parse.urlsplit(g["url"]).path
        d = self.raw("GET", path, auth=False)
        self.assertEqual(d.status, 200)
        self.assertEqual(d.content_type, "application/octet-stream")
        rows = json.loads(gzip.decompress(d.body))
        by_kind = {}
        for row in rows:
            by_kind.setdefault(row["keywordType"], set()).add(row["keywordId"])
        # the keyword target, and the four auto targets the service created
        self.assertEqual(by_kind.get("PHRASE"), set(kws))
        self.assertEqual(len(by_kind.get("TARGETING_EXPRESSION_PREDEFINED", ())), 4)
        self.assertEqual(len(rows), 5 * 3)
        kw_row = [x for x in rows if x["keywordId"] == kws[0]][0]
        self.assertEqual((kw_row["campaignId"], kw_row["keyword"], kw_row["keywordBid"]),
                         (manual, "running shoes", 1.1))
        # advertised products: one row per product ad per day
        body = request(self.sim, "spAdvertisedProduct",
                       columns=["date", "adId", "advertisedAsin", "campaignBudgetAmount"])
        rid = json.loads(self.api("POST", "/reporting/reports", body).body)["reportId"]
        g = json.loads(self.api("GET", "/reporting/reports/" + rid).body)
        rows = json.loads(gzip.decompress(
            self.raw("GET", urllib.parse.urlsplit(g["url"]).path, auth=False).body))
        self.assertEqual({x["adId"] for x in rows}, set(ads))
        self.assertEqual(len(rows), 2 * 3)

    def test_product_metadata_through_core(self):
        r = self.raw("POST", "/product/metadata", json.dumps({
            "pageIndex": 0, "pageSize": 5, "checkItemDetails": True, "checkEligibility": True,
            "adType": "SP", "searchStr": "shoes",
            "retailerInfo": {"retailerType": "RMS", "retailerId": "retailer-1"}}).encode(),
            [("Content-Type", "application/vnd.productmetadatarequest.v1+json")])
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.content_type, "application/vnd.productmetadataresponse.v1+json")
        self.assertEqual(len(json.loads(r.body)["ProductMetadataList"]), 5)

    def test_errors_use_report_shape(self):
        r = self.raw("GET", "/reporting/reports/x", headers=[
            ("Authorization", "Bearer nope"),
            ("Amazon-Advertising-API-ClientId", "amzn1.application-oa2-client.sim"),
            ("Amazon-Advertising-API-Scope", PROFILE)], auth=False)
        self.assertEqual(r.status, 401)
        self.assertEqual(json.loads(r.body)["code"], "401")
        self.assertIn("detail", json.loads(r.body))
        self.sim.faults.add([{"kind": "status", "status": 429, "path": "/reporting/"}],
                            self.sim.tokens)
        r = self.api("GET", "/reporting/reports/x")
        self.assertEqual(r.status, 429)
        self.assertEqual(json.loads(r.body)["code"], "429")
        self.sim.faults.add([{"kind": "status", "status": 503, "path": "/_download/"}],
                            self.sim.tokens)
        r = self.raw("GET", "/_download/abc", auth=False)
        self.assertEqual(r.status, 503)
        self.assertEqual(r.content_type, "application/xml")

    def test_admin_routes_mounted(self):
        r = self.raw("POST", "/_sim/reports/restate", b"{}", auth=False)
        if r.status == 404:
            self.skipTest("core admin does not mount reports.ADMIN_ROUTES yet")
        self.assertEqual(r.status, 200)
        self.assertEqual(json.loads(r.body)["generation"], 1)
        self.raw("POST", "/_sim/reset", b"", auth=False)
        self.assertEqual(self.sim.state.report_restatement, 0)
