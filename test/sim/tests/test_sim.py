"""End-to-end tests of the simulator: a real server process, spoken to over HTTP.

Run: cd test/sim && python3 -m unittest discover -s tests -v
"""

import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

SIM_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLIENT_ID = "amzn1.application-oa2-client.sim"
CLIENT_SECRET = "sim-client-secret"
REFRESH_TOKEN = "Atzr|sim-refresh-token"
PROFILE = "1234567890"
HAVE_PRODUCTS = os.path.exists(os.path.join(SIM_DIR, "products.py"))


class SimProcess:
    """A simulator subprocess on a free port (found through --port-file)."""

    def __init__(self, *extra):
        self.tmp = tempfile.TemporaryDirectory()
        port_file = os.path.join(self.tmp.name, "port")
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(SIM_DIR, "main.py"), "--port", "0",
             "--port-file", port_file, "--seed", "42"] + list(extra),
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while not os.path.exists(port_file):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("simulator did not start: %s"
                                   % self.proc.stderr.read().decode())
            time.sleep(0.02)
        self.startup = time.monotonic() - self.started
        with open(port_file) as fh:
            self.port = int(fh.read())

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stderr.close()
        self.tmp.cleanup()


class Answer:
    def __init__(self, response):
        self.status = response.status
        self.headers = {k.lower(): v for k, v in response.getheaders()}
        self.raw = response.read()
        try:
            self.json = json.loads(self.raw) if self.raw else None
        except ValueError:
            self.json = None


def call(port, method, path, body=None, headers=None, conn=None, timeout=10):
    """One request; on a fresh connection unless ``conn`` is given."""
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    data = body
    headers = dict(headers or {})
    if body is not None and not isinstance(body, (bytes, str)):
        data = json.dumps(body)
        headers.setdefault("Content-Type", "application/json")
    try:
        conn.request(method, path, body=data, headers=headers)
        return Answer(conn.getresponse())
    finally:
        if own:
            conn.close()


def token_form(**overrides):
    form = {"grant_type": "refresh_token", "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET, "refresh_token": REFRESH_TOKEN}
    form.update(overrides)
    return urllib.parse.urlencode({k: v for k, v in form.items() if v is not None})


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def campaign(name, targeting="MANUAL", budget=10, **extra):
    body = {"name": name, "state": "ENABLED", "targetingType": targeting,
            "budget": {"budget": budget, "budgetType": "DAILY"},
            "dynamicBidding": {"strategy": "MANUAL",
                               "placementBidding": [{"placement": "PLACEMENT_TOP",
                                                     "percentage": 50}]}}
    body.update(extra)
    return body


def error_of(outcome):
    """(errorType, reason) of the first error of a 207 error item."""
    first = outcome["errors"][0]
    kind = first["errorType"]
    return kind, first["errorValue"][kind]["reason"]


class SimTestCase(unittest.TestCase):
    """One simulator per test class; each test starts from /_sim/reset."""

    extra_args = ()

    @classmethod
    def setUpClass(cls):
        cls.sim = SimProcess(*cls.extra_args)
        cls.port = cls.sim.port

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()

    def setUp(self):
        self.assertEqual(self.admin("POST", "/_sim/reset").status, 200)
        self.access_token = self.grant().json["access_token"]

    # ------------------------------------------------------------------ helpers

    def admin(self, method, path, body=None):
        return call(self.port, method, path, body)

    def faults(self, *specs):
        answer = self.admin("POST", "/_sim/faults", {"faults": list(specs)})
        self.assertEqual(answer.status, 200, answer.raw)

    def grant(self, **overrides):
        return call(self.port, "POST", "/auth/o2/token", token_form(**overrides), FORM)

    def api_headers(self, scope=PROFILE, prefer=False):
        headers = {"Authorization": "Bearer " + self.access_token,
                   "Amazon-Advertising-API-ClientId": CLIENT_ID}
        if scope is not None:
            headers["Amazon-Advertising-API-Scope"] = scope
        if prefer:
            headers["Prefer"] = "return=representation"
        return headers

    def api(self, method, path, body=None, scope=PROFILE, prefer=False, conn=None,
            headers=None):
        all_headers = self.api_headers(scope, prefer)
        all_headers.update(headers or {})
        return call(self.port, method, path, body, all_headers, conn=conn)

    def create(self, key, items, prefer=False, expect_ok=True):
        answer = self.api("POST", "/ras/v1/" + key, {key: items}, prefer=prefer)
        self.assertEqual(answer.status, 207, answer.raw)
        outcomes = answer.json[key]
        if expect_ok:
            self.assertEqual(outcomes["error"], [], outcomes)
        return outcomes

    def list(self, key, body=None, scope=PROFILE):
        answer = self.api("POST", "/ras/v1/%s/list" % key, body or {}, scope=scope)
        self.assertEqual(answer.status, 200, answer.raw)
        return answer.json

    def new_campaign(self, name="Campaign", targeting="MANUAL", **extra):
        outcomes = self.create("campaigns", [campaign(name, targeting, **extra)])
        return outcomes["success"][0]["campaignId"]

    def new_ad_group(self, campaign_id, name="Ad group", bid=1.0, retailer="retailer-1"):
        outcomes = self.create("adGroups", [{"campaignId": campaign_id, "name": name,
                                             "state": "ENABLED", "defaultBid": bid,
                                             "retailerId": retailer}])
        return outcomes["success"][0]["adGroupId"]

    def keyword(self, campaign_id, ad_group_id, keyword, match="EXACT", negative=False,
                bid=None):
        item = {"campaignId": campaign_id, "state": "ENABLED", "negative": negative,
                "targetType": "KEYWORD",
                "targetDetails": {"keywordTarget": {"keyword": keyword, "matchType": match}}}
        if ad_group_id is not None:
            item["adGroupId"] = ad_group_id
        if bid is not None:
            item["bid"] = {"bid": bid}
        return item


# ====================================================================== auth

class AuthTests(SimTestCase):
    def test_token_grant(self):
        answer = self.grant()
        self.assertEqual(answer.status, 200)
        body = answer.json
        self.assertTrue(body["access_token"].startswith("Atza|"))
        self.assertEqual(body["token_type"], "bearer")
        self.assertEqual(body["expires_in"], 3600)
        self.assertEqual(body["refresh_token"], REFRESH_TOKEN)

    def test_token_errors(self):
        cases = [
            (dict(refresh_token="Atzr|other"), 400, "invalid_grant"),
            (dict(client_secret="wrong"), 401, "invalid_client"),
            (dict(client_id="amzn1.application-oa2-client.other"), 401, "invalid_client"),
            (dict(grant_type="authorization_code"), 400, "unsupported_grant_type"),
            (dict(grant_type=None), 400, "invalid_request"),
            (dict(refresh_token=None), 400, "invalid_request"),
        ]
        for overrides, status, code in cases:
            with self.subTest(overrides=overrides):
                answer = self.grant(**overrides)
                self.assertEqual(answer.status, status)
                self.assertEqual(answer.json["error"], code)
                self.assertIn("error_description", answer.json)

    def test_revoked_refresh_token(self):
        self.faults({"kind": "revoke_refresh"})
        answer = self.grant()
        self.assertEqual((answer.status, answer.json["error"]), (400, "invalid_grant"))
        self.admin("POST", "/_sim/reset")
        self.assertEqual(self.grant().status, 200)

    def test_api_header_checks(self):
        path = "/ras/v1/campaigns/list"
        no_token = call(self.port, "POST", path, {}, {"Amazon-Advertising-API-ClientId":
                                                      CLIENT_ID,
                                                      "Amazon-Advertising-API-Scope": PROFILE})
        self.assertEqual((no_token.status, no_token.json["code"]), (401, "UNAUTHORIZED"))
        bad_token = self.api("POST", path, {}, headers={"Authorization": "Bearer Atza|nope"})
        self.assertEqual((bad_token.status, bad_token.json["code"]), (401, "UNAUTHORIZED"))
        other_client = self.api("POST", path, {}, headers={
            "Amazon-Advertising-API-ClientId": "amzn1.application-oa2-client.other"})
        self.assertEqual(other_client.status, 401)
        no_scope = self.api("POST", path, {}, scope=None)
        self.assertEqual((no_scope.status, no_scope.json["code"]), (400, "INVALID_ARGUMENT"))
        bad_scope = self.api("POST", path, {}, scope="999")
        self.assertEqual((bad_scope.status, bad_scope.json["code"]), (403, "ACCESS_DENIED"))
        self.assertIn("message", bad_scope.json)

    def test_token_ttl_and_expiry(self):
        self.assertEqual(self.api("GET", "/v2/profiles", scope=None).status, 200)
        self.faults({"kind": "expire_tokens"})
        expired = self.api("GET", "/v2/profiles", scope=None)
        self.assertEqual((expired.status, expired.json["code"]), (401, "UNAUTHORIZED"))
        self.faults({"kind": "token_ttl", "seconds": 1})
        answer = self.grant()
        self.assertEqual(answer.json["expires_in"], 1)
        self.access_token = answer.json["access_token"]
        self.assertEqual(self.api("GET", "/v2/profiles", scope=None).status, 200)
        time.sleep(1.2)
        self.assertEqual(self.api("GET", "/v2/profiles", scope=None).status, 401)


# ====================================================================== profiles, retailers

class AccountTests(SimTestCase):
    def test_profiles(self):
        answer = self.api("GET", "/v2/profiles", scope=None)
        self.assertEqual(answer.status, 200)
        profiles = {p["profileId"]: p for p in answer.json}
        self.assertEqual(sorted(profiles), [1234567890, 2345678901, 3456789012])
        seller = profiles[1234567890]
        self.assertEqual((seller["countryCode"], seller["currencyCode"], seller["timezone"]),
                         ("US", "USD", "America/Los_Angeles"))
        self.assertEqual(seller["accountInfo"]["type"], "seller")
        self.assertEqual(seller["accountInfo"]["name"], "Sim Seller")
        self.assertEqual(profiles[2345678901]["accountInfo"]["type"], "vendor")
        self.assertEqual(profiles[3456789012]["currencyCode"], "CAD")
        vendors = self.api("GET", "/v2/profiles?profileTypeFilter=vendor", scope=None).json
        self.assertEqual([p["profileId"] for p in vendors], [2345678901])

    def test_profiles_errors_use_details(self):
        answer = call(self.port, "GET", "/v2/profiles", headers={
            "Amazon-Advertising-API-ClientId": CLIENT_ID})
        self.assertEqual(answer.status, 401)
        self.assertEqual(answer.json["code"], "UNAUTHORIZED")
        self.assertIn("details", answer.json)

    def test_retailers_paging(self):
        seen, token, pages = [], None, 0
        while True:
            body = {"maxResults": 200}
            if token:
                body["nextToken"] = token
            answer = self.api("POST", "/ras/v1/retailers/list", body)
            self.assertEqual(answer.status, 200, answer.raw)
            pages += 1
            self.assertEqual(answer.json["totalResults"], 450)
            seen += answer.json["retailers"]
            token = answer.json.get("nextToken")
            if not token:
                break
        self.assertEqual(pages, 3)
        self.assertEqual([r["retailerId"] for r in seen],
                         ["retailer-%d" % n for n in range(1, 451)])
        by_id = {r["retailerId"]: r for r in seen}
        self.assertEqual(by_id["retailer-7"], {"retailerId": "retailer-7", "name": "Retailer 7",
                                               "domain": "retailer7.example",
                                               "status": "ACTIVE"})
        self.assertEqual(by_id["retailer-10"]["status"], "INACTIVE")
        self.assertEqual(by_id["retailer-50"]["status"], "RETIRED")

    def test_retailers_defaults_and_errors(self):
        answer = self.api("POST", "/ras/v1/retailers/list", {})
        self.assertEqual(len(answer.json["retailers"]), 10)
        self.assertIn("nextToken", answer.json)
        answer = self.api("POST", "/ras/v1/retailers/list", {"maxResults": "5"})
        self.assertEqual(len(answer.json["retailers"]), 5)
        answer = self.api("POST", "/ras/v1/retailers/list",
                          {"retailerIdFilter": {"include": ["retailer-3", "nope"]}})
        self.assertEqual([r["retailerId"] for r in answer.json["retailers"]], ["retailer-3"])
        self.assertEqual(answer.json["totalResults"], 1)
        self.assertNotIn("nextToken", answer.json)
        for body in ({"maxResults": 0}, {"maxResults": 201}, {"nextToken": "garbage"},
                     {"retailerIdFilter": {"include": ["r"] * 101}}):
            with self.subTest(body=body):
                answer = self.api("POST", "/ras/v1/retailers/list", body)
                self.assertEqual((answer.status, answer.json["code"]),
                                 (400, "INVALID_ARGUMENT"))


# ====================================================================== entities

class CampaignTests(SimTestCase):
    def test_create_list_update_delete(self):
        outcomes = self.create("campaigns", [campaign("One"), campaign("Two", "AUTO", 25)],
                               prefer=True)
        self.assertEqual([s["index"] for s in outcomes["success"]], [0, 1])
        first = outcomes["success"][0]
        self.assertTrue(first["campaignId"].isdigit())
        entity = first["campaign"]
        self.assertEqual(entity["campaignId"], first["campaignId"])
        self.assertEqual(entity["budget"], {"budget": 10.0, "effectiveBudget": 10.0,
                                            "budgetType": "DAILY"})
        self.assertEqual(entity["targetingType"], "MANUAL")
        self.assertRegex(entity["startDate"], r"^\d{4}-\d{2}-\d{2}$")

        listed = self.list("campaigns")
        self.assertEqual(listed["totalResults"], 2)
        self.assertNotIn("nextToken", listed)
        ids = [c["campaignId"] for c in listed["campaigns"]]
        self.assertEqual(ids, sorted(ids, key=int))
        extended = listed["campaigns"][0]["extendedData"]
        self.assertEqual(extended["servingStatus"], "CAMPAIGN_STATUS_ENABLED")
        self.assertRegex(extended["creationDateTime"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d.\d{3}Z$")

        answer = self.api("PUT", "/ras/v1/campaigns", {"campaigns": [
            {"campaignId": ids[0], "name": "One renamed", "state": "PAUSED",
             "budget": {"budget": 42, "budgetType": "DAILY"}}]}, prefer=True)
        self.assertEqual(answer.status, 207)
        self.assertEqual(answer.headers.get("preference-applied"), "return=representation")
        updated = answer.json["campaigns"]["success"][0]["campaign"]
        self.assertEqual((updated["name"], updated["state"], updated["budget"]["budget"]),
                         ("One renamed", "PAUSED", 42.0))
        self.assertEqual(updated["extendedData"]["servingStatus"], "CAMPAIGN_PAUSED")

        answer = self.api("POST", "/ras/v1/campaigns/delete",
                          {"campaignIdFilter": {"include": [ids[0], "1"]}})
        self.assertEqual(answer.status, 207)
        outcome = answer.json["campaigns"]
        self.assertEqual(outcome["success"], [{"index": 0, "campaignId": ids[0]}])
        self.assertEqual(outcome["error"][0]["index"], 1)
        self.assertEqual(error_of(outcome["error"][0]), ("entityNotFoundError",
                                                         "ENTITY_NOT_FOUND"))
        archived = self.list("campaigns", {"campaignIdFilter": {"include": [ids[0]]}})
        self.assertEqual(archived["campaigns"][0]["state"], "ARCHIVED")
        self.assertEqual(archived["campaigns"][0]["extendedData"]["servingStatus"],
                         "CAMPAIGN_ARCHIVED")
        answer = self.api("PUT", "/ras/v1/campaigns",
                          {"campaigns": [{"campaignId": ids[0], "name": "Again"}]})
        self.assertEqual(error_of(answer.json["campaigns"]["error"][0]),
                         ("entityStateError", "ARCHIVED_ENTITY_CANNOT_BE_MODIFIED"))

    def test_representation_only_when_preferred(self):
        outcomes = self.create("campaigns", [campaign("Plain")])
        self.assertEqual(set(outcomes["success"][0]), {"index", "campaignId"})
        answer = self.api("POST", "/ras/v1/campaigns", {"campaigns": [campaign("Plain 2")]})
        self.assertNotIn("preference-applied", answer.headers)

    def test_partial_errors(self):
        items = [
            campaign("Good"),
            campaign("Low", budget=0.5),
            campaign("High", budget=2000000),
            campaign("Good"),
            campaign("x" * 129),
            {"name": "Missing"},
            campaign("Bad enum", targeting="SOMETIMES"),
            campaign("Dates", startDate="2099-02-01", endDate="2099-01-01"),
            campaign("Bad date", startDate="2099-13-01"),
            campaign("Old", endDate="2001-01-01"),
            campaign("Placement", dynamicBidding={"strategy": "MANUAL", "placementBidding": [
                {"placement": "PLACEMENT_TOP", "percentage": 901}]}),
            campaign("Archived", state="ARCHIVED"),
        ]
        outcomes = self.create("campaigns", items, expect_ok=False)
        self.assertEqual([s["index"] for s in outcomes["success"]], [0])
        errors = {e["index"]: error_of(e) for e in outcomes["error"]}
        self.assertEqual(errors, {
            1: ("budgetError", "BUDGET_TOO_LOW"),
            2: ("budgetError", "BUDGET_TOO_HIGH"),
            3: ("duplicateValueError", "DUPLICATE_VALUE"),
            4: ("malformedValueError", "TOO_LONG"),
            5: ("missingValueError", "MISSING_VALUE"),
            6: ("rangeError", "INVALID_ENUM_VALUE"),
            7: ("dateError", "START_DATE_AFTER_END_DATE"),
            8: ("dateError", "INVALID_DATE"),
            9: ("dateError", "END_DATE_EARLIER_THAN_TODAY"),
            10: ("rangeError", "TOO_HIGH"),
            11: ("rangeError", "INVALID_ENUM_VALUE"),
        })
        low = outcomes["error"][0]["errors"][0]["errorValue"]["budgetError"]
        self.assertEqual(low["cause"], {"location": "$.campaigns[1].budget.budget",
                                        "trigger": "0.5"})
        self.assertEqual(low["lowerLimit"], "1")

    def test_update_rules(self):
        cid = self.new_campaign("Rules")
        other = self.new_campaign("Other")
        answer = self.api("PUT", "/ras/v1/campaigns", {"campaigns": [
            {"campaignId": cid, "targetingType": "AUTO"},
            {"campaignId": cid, "targetingType": "MANUAL", "name": "Same type is fine"},
            {"campaignId": "1"},
            {"campaignId": other, "name": "Same type is fine"},
            {"name": "no id"},
        ]})
        outcome = answer.json["campaigns"]
        self.assertEqual([s["index"] for s in outcome["success"]], [1])
        errors = {e["index"]: error_of(e) for e in outcome["error"]}
        self.assertEqual(errors, {0: ("otherError", "OTHER_ERROR"),
                                  2: ("entityNotFoundError", "ENTITY_NOT_FOUND"),
                                  3: ("duplicateValueError", "DUPLICATE_VALUE"),
                                  4: ("missingValueError", "MISSING_VALUE")})
        not_found = outcome["error"][1]["errors"][0]["errorValue"]["entityNotFoundError"]
        self.assertEqual((not_found["entityId"], not_found["entityType"]), ("1", "CAMPAIGN"))

    def test_date_rules_on_update(self):
        future = self.new_campaign("Future", startDate="2099-01-01")
        started = self.new_campaign("Started")
        answer = self.api("PUT", "/ras/v1/campaigns", {"campaigns": [
            {"campaignId": future, "startDate": "2099-03-01", "endDate": "2099-04-01"},
            {"campaignId": started, "startDate": "2099-01-01"},
            {"campaignId": started, "endDate": "2001-01-01"},
            {"campaignId": future, "endDate": "2099-02-01"},
            {"campaignId": started, "endDate": "2099-12-31"},
            {"campaignId": started, "endDate": None}]}, prefer=True)
        outcome = answer.json["campaigns"]
        self.assertEqual([s["index"] for s in outcome["success"]], [0, 4, 5])
        errors = {e["index"]: error_of(e) for e in outcome["error"]}
        self.assertEqual(errors, {1: ("dateError", "UPDATING_READ_ONLY_START_DATE"),
                                  2: ("dateError", "END_DATE_EARLIER_THAN_TODAY"),
                                  3: ("dateError", "START_DATE_AFTER_END_DATE")})
        moved = outcome["success"][0]["campaign"]
        self.assertEqual((moved["startDate"], moved["endDate"]), ("2099-03-01", "2099-04-01"))
        self.assertEqual(moved["extendedData"]["servingStatus"], "PENDING_START_DATE")
        self.assertNotIn("endDate", outcome["success"][2]["campaign"])

    def test_batch_limit_and_malformed_bodies(self):
        answer = self.api("POST", "/ras/v1/campaigns",
                          {"campaigns": [campaign("c%d" % i) for i in range(1001)]})
        self.assertEqual((answer.status, answer.json["code"]), (400, "INVALID_ARGUMENT"))
        self.assertEqual(answer.json["errors"][0]["errorType"], "rangeError")
        answer = self.api("POST", "/ras/v1/campaigns", {"nothing": []})
        self.assertEqual(answer.status, 400)
        answer = self.api("POST", "/ras/v1/campaigns", b"{not json",
                          headers={"Content-Type": "application/json"})
        self.assertEqual(answer.status, 400)
        self.assertEqual(self.list("campaigns")["totalResults"], 0)

    def test_list_filters_and_paging(self):
        self.create("campaigns", [campaign("Summer shoes"), campaign("Winter boots"),
                                  campaign("Summer hats", "AUTO"), campaign("Spring"),
                                  campaign("Autumn")])
        everything = self.list("campaigns")["campaigns"]
        names = lambda body: [c["name"] for c in self.list("campaigns", body)["campaigns"]]
        self.assertEqual(names({"nameFilter": {"include": ["summer"],
                                               "queryTermMatchType": "BROAD_MATCH"}}),
                         ["Summer shoes", "Summer hats"])
        self.assertEqual(names({"nameFilter": {"include": ["spring"],
                                               "queryTermMatchType": "EXACT_MATCH"}}),
                         ["Spring"])
        self.api("POST", "/ras/v1/campaigns/delete",
                 {"campaignIdFilter": {"include": [everything[4]["campaignId"]]}})
        self.assertEqual(names({"stateFilter": {"include": ["ARCHIVED"]}}), ["Autumn"])
        self.assertEqual(names({"campaignIdFilter": {"include": [everything[1]["campaignId"]]}}),
                         ["Winter boots"])
        collected, token, pages = [], None, 0
        while True:
            body = {"maxResults": 2}
            if token:
                body["nextToken"] = token
            page = self.list("campaigns", body)
            self.assertEqual(page["totalResults"], 5)
            collected += page["campaigns"]
            pages += 1
            token = page.get("nextToken")
            if not token:
                break
        self.assertEqual(pages, 3)
        self.assertEqual([c["campaignId"] for c in collected],
                         [c["campaignId"] for c in everything])

    def test_list_errors(self):
        for body in ({"maxResults": 0}, {"maxResults": 1001}, {"nextToken": "bogus"},
                     {"campaignIdFilter": {"include": ["1"] * 1001}},
                     {"portfolioIdFilter": {"include": ["1"] * 101}},
                     {"stateFilter": {"include": ["SLEEPING"]}},
                     {"nameFilter": {"include": ["x"]}}):
            with self.subTest(body=body):
                answer = self.api("POST", "/ras/v1/campaigns/list", body)
                self.assertEqual((answer.status, answer.json["code"]),
                                 (400, "INVALID_ARGUMENT"))
                self.assertTrue(answer.json["errors"])
        page = self.list("campaigns", {"maxResults": 1})
        self.assertNotIn("nextToken", page)

    def test_token_bound_to_filters(self):
        self.create("campaigns", [campaign("a"), campaign("b"), campaign("c")])
        token = self.list("campaigns", {"maxResults": 1})["nextToken"]
        answer = self.api("POST", "/ras/v1/campaigns/list",
                          {"maxResults": 1, "nextToken": token,
                           "stateFilter": {"include": ["ENABLED"]}})
        self.assertEqual(answer.status, 400)

    def test_ids_deterministic_across_reset(self):
        first = self.new_campaign("Same")
        self.admin("POST", "/_sim/reset")
        self.access_token = self.grant().json["access_token"]
        self.assertEqual(self.new_campaign("Same"), first)


class AdGroupTests(SimTestCase):
    def test_auto_campaign_gets_four_auto_targets(self):
        cid = self.new_campaign("Auto", "AUTO")
        agid = self.new_ad_group(cid, bid=2.0)
        targets = self.list("targets", {"targetTypeFilter": ["AUTO"]})
        self.assertEqual(targets["totalResults"], 4)
        by_match = {t["targetDetails"]["autoTarget"]["matchType"]: t
                    for t in targets["targets"]}
        self.assertEqual(sorted(by_match), ["KEYWORDS_CLOSE_MATCH", "KEYWORDS_LOOSE_MATCH",
                                            "PRODUCT_COMPLEMENTS", "PRODUCT_SUBSTITUTES"])
        for target in targets["targets"]:
            self.assertEqual((target["campaignId"], target["adGroupId"], target["state"],
                              target["negative"], target["targetLevel"]),
                             (cid, agid, "ENABLED", False, "AD_GROUP"))
            self.assertEqual(target["bid"]["currencyCode"], "USD")
            self.assertEqual(target["extendedData"]["servingStatus"],
                             "TARGETING_CLAUSE_STATUS_LIVE")
        self.assertEqual(by_match["KEYWORDS_CLOSE_MATCH"]["bid"]["bid"], 2.0)
        self.assertEqual(by_match["KEYWORDS_LOOSE_MATCH"]["bid"]["bid"], 1.8)
        self.assertEqual(by_match["PRODUCT_SUBSTITUTES"]["bid"]["bid"], 1.6)
        self.assertEqual(by_match["PRODUCT_COMPLEMENTS"]["bid"]["bid"], 1.4)
        # The advertiser may change their bids.
        tid = by_match["PRODUCT_COMPLEMENTS"]["targetId"]
        answer = self.api("PUT", "/ras/v1/targets",
                          {"targets": [{"targetId": tid, "bid": {"bid": 0.55}}]}, prefer=True)
        self.assertEqual(answer.json["targets"]["success"][0]["target"]["bid"],
                         {"bid": 0.55, "currencyCode": "USD"})

    def test_manual_campaign_gets_no_auto_targets(self):
        cid = self.new_campaign("Manual")
        self.new_ad_group(cid)
        self.assertEqual(self.list("targets")["totalResults"], 0)

    def test_errors(self):
        cid = self.new_campaign("Parent", budget=5)
        archived = self.new_campaign("Archived parent")
        self.api("POST", "/ras/v1/campaigns/delete",
                 {"campaignIdFilter": {"include": [archived]}})
        base = {"campaignId": cid, "name": "ag", "state": "ENABLED", "defaultBid": 1.0,
                "retailerId": "retailer-1"}
        items = [
            dict(base, campaignId="1"),
            dict(base, defaultBid=0.01),
            dict(base, defaultBid=6.0),
            dict(base, retailerId="retailer-999"),
            dict(base, retailerId="retailer-10"),
            dict(base, campaignId=archived),
            dict(base, name="ok"),
            dict(base, name="ok"),
        ]
        outcomes = self.create("adGroups", items, expect_ok=False)
        self.assertEqual([s["index"] for s in outcomes["success"]], [6])
        errors = {e["index"]: error_of(e) for e in outcomes["error"]}
        self.assertEqual(errors, {
            0: ("parentEntityError", "PARENT_ENTITY_NOT_FOUND"),
            1: ("biddingError", "BID_OUT_OF_MARKET_PLACE_RANGE"),
            2: ("biddingError", "BID_GT_BUDGET"),
            3: ("rangeError", "NOT_IN_LIST"),
            4: ("otherError", "OTHER_ERROR"),
            5: ("entityStateError", "PARENT_STATUS_FORBIDS_UPDATES_AND_CREATES"),
            7: ("duplicateValueError", "DUPLICATE_VALUE"),
        })

    def test_update_and_list(self):
        cid = self.new_campaign("C")
        other = self.new_campaign("D")
        agid = self.new_ad_group(cid, "first")
        self.new_ad_group(other, "second")
        listed = self.list("adGroups", {"campaignIdFilter": {"include": [cid]}})
        self.assertEqual([a["adGroupId"] for a in listed["adGroups"]], [agid])
        answer = self.api("PUT", "/ras/v1/adGroups", {"adGroups": [
            {"adGroupId": agid, "name": "renamed", "defaultBid": 0.5, "state": "PAUSED"},
            {"adGroupId": agid, "campaignId": other}]}, prefer=True)
        outcome = answer.json["adGroups"]
        changed = outcome["success"][0]["adGroup"]
        self.assertEqual((changed["name"], changed["defaultBid"], changed["state"]),
                         ("renamed", 0.5, "PAUSED"))
        self.assertEqual(changed["extendedData"]["servingStatus"], "AD_GROUP_PAUSED")
        self.assertEqual(error_of(outcome["error"][0]), ("otherError", "OTHER_ERROR"))
        self.api("POST", "/ras/v1/campaigns/delete", {"campaignIdFilter": {"include": [cid]}})
        answer = self.api("PUT", "/ras/v1/adGroups",
                          {"adGroups": [{"adGroupId": agid, "name": "x"}]})
        self.assertEqual(error_of(answer.json["adGroups"]["error"][0]),
                         ("entityStateError", "PARENT_ARCHIVED_FORBIDS_UPDATES"))
        listed = self.list("adGroups", {"adGroupIdFilter": {"include": [agid]}})
        self.assertEqual(listed["adGroups"][0]["extendedData"]["servingStatus"],
                         "CAMPAIGN_ARCHIVED")


class ProductAdTests(SimTestCase):
    def test_create_update_delete(self):
        cid = self.new_campaign("C")
        agid = self.new_ad_group(cid)
        other_ag = self.new_ad_group(self.new_campaign("Other"))
        base = {"campaignId": cid, "adGroupId": agid, "state": "ENABLED",
                "retailerId": "retailer-1", "retailerOfferId": "R1-00001"}
        items = [base, dict(base), dict(base, retailerId="retailer-2"),
                 dict(base, adGroupId=other_ag), dict(base, adGroupId="1"),
                 dict(base, retailerOfferId="R1-00002")]
        if HAVE_PRODUCTS:
            items += [dict(base, retailerOfferId="R1-00010"),
                      dict(base, retailerOfferId="R1-99999")]
        outcomes = self.create("productAds", items, prefer=True, expect_ok=False)
        self.assertEqual([s["index"] for s in outcomes["success"]], [0, 5])
        errors = {e["index"]: error_of(e) for e in outcomes["error"]}
        expected = {1: ("duplicateValueError", "DUPLICATE_VALUE"),
                    2: ("rangeError", "NOT_IN_LIST"),
                    3: ("parentEntityError", "PARENT_ENTITY_NOT_FOUND"),
                    4: ("parentEntityError", "PARENT_ENTITY_NOT_FOUND")}
        if HAVE_PRODUCTS:
            expected[6] = expected[7] = ("adEligibilityError", "AD_INELIGIBLE")
        self.assertEqual(errors, expected)
        ad = outcomes["success"][0]["productAd"]
        self.assertEqual(ad, dict(base, productAdId=ad["productAdId"]))

        pid = ad["productAdId"]
        answer = self.api("PUT", "/ras/v1/productAds", {"productAds": [
            {"productAdId": pid, "state": "PAUSED"},
            {"productAdId": pid, "retailerOfferId": "R1-00003"}]}, prefer=True)
        outcome = answer.json["productAds"]
        self.assertEqual(outcome["success"][0]["productAd"]["extendedData"]["servingStatus"],
                         "AD_PAUSED")
        self.assertEqual(error_of(outcome["error"][0]), ("otherError", "OTHER_ERROR"))
        answer = self.api("POST", "/ras/v1/productAds/delete",
                          {"productAdIdFilter": {"include": [pid]}})
        self.assertEqual(answer.json["productAds"]["success"], [{"index": 0,
                                                                 "productAdId": pid}])
        listed = self.list("productAds", {"adGroupIdFilter": {"include": [agid]},
                                          "stateFilter": {"include": ["ARCHIVED"]}})
        self.assertEqual([a["productAdId"] for a in listed["productAds"]], [pid])


class TargetTests(SimTestCase):
    def setUp(self):
        super().setUp()
        self.manual = self.new_campaign("Manual", budget=100)
        self.manual_ag = self.new_ad_group(self.manual, bid=0.75)
        self.auto = self.new_campaign("Auto", "AUTO", budget=100)
        self.auto_ag = self.new_ad_group(self.auto)

    def test_keyword_targets(self):
        items = [
            self.keyword(self.manual, self.manual_ag, "running shoes", bid=1.25),
            self.keyword(self.manual, self.manual_ag, "trail shoes", "BROAD"),
            self.keyword(self.manual, None, "cheap", negative=True),
            self.keyword(self.auto, self.auto_ag, "free", "PHRASE", negative=True),
        ]
        outcomes = self.create("targets", items, prefer=True)
        made = [s["target"] for s in outcomes["success"]]
        self.assertEqual(made[0]["bid"], {"bid": 1.25, "currencyCode": "USD"})
        self.assertEqual(made[1]["bid"], {"bid": 0.75, "currencyCode": "USD"})
        self.assertEqual((made[2]["targetLevel"], made[2].get("adGroupId")), ("CAMPAIGN", None))
        self.assertNotIn("bid", made[2])
        self.assertEqual(made[3]["targetLevel"], "AD_GROUP")

        keywords = lambda body: sorted(
            t["targetDetails"]["keywordTarget"]["keyword"]
            for t in self.list("targets", body)["targets"])
        self.assertEqual(keywords({"targetTypeFilter": ["KEYWORD"]}),
                         ["cheap", "free", "running shoes", "trail shoes"])
        self.assertEqual(keywords({"keywordFilter": {"include": ["shoes"],
                                                     "queryTermMatchType": "BROAD_MATCH"}}),
                         ["running shoes", "trail shoes"])
        self.assertEqual(keywords({"matchTypeFilter": ["BROAD", "PHRASE"]}),
                         ["free", "trail shoes"])
        self.assertEqual(keywords({"negativeFilter": {"include": [True]}}), ["cheap", "free"])
        self.assertEqual(keywords({"targetLevelFilter": {"include": ["CAMPAIGN"]}}), ["cheap"])
        self.assertEqual(keywords({"adGroupIdFilter": {"include": [self.manual_ag]},
                                   "targetTypeFilter": ["KEYWORD"]}),
                         ["running shoes", "trail shoes"])
        everything = self.list("targets")
        self.assertEqual(everything["totalResults"], 8)  # 4 keywords + 4 auto targets

    def test_target_errors(self):
        items = [
            self.keyword(self.auto, self.auto_ag, "positive in auto"),
            self.keyword(self.manual, None, "positive at campaign level"),
            {"campaignId": self.manual, "adGroupId": self.manual_ag, "state": "ENABLED",
             "negative": False, "targetType": "AUTO",
             "targetDetails": {"autoTarget": {"matchType": "KEYWORDS_CLOSE_MATCH"}}},
            self.keyword(self.manual, self.manual_ag, "x" * 81),
            self.keyword(self.manual, self.manual_ag, " ".join(["w"] * 11)),
            self.keyword(self.manual, self.manual_ag, "one two three four five",
                         negative=True),
            self.keyword(self.manual, self.manual_ag, "low bid", bid=0.01),
            self.keyword(self.manual, self.manual_ag, "high bid", bid=1000.01),
            self.keyword(self.manual, self.auto_ag, "wrong campaign"),
            self.keyword(self.manual, self.manual_ag, "dup"),
            self.keyword(self.manual, self.manual_ag, "DUP"),
            self.keyword(self.manual, self.manual_ag, "dup", "PHRASE"),
            dict(self.keyword(self.manual, self.manual_ag, "bad type"), targetType="PRODUCT"),
            self.keyword(self.manual, self.manual_ag, "bad match", "FUZZY"),
        ]
        outcomes = self.create("targets", items, expect_ok=False)
        self.assertEqual([s["index"] for s in outcomes["success"]], [9, 11])
        errors = {e["index"]: error_of(e) for e in outcomes["error"]}
        self.assertEqual(errors, {
            0: ("targetingClauseSetupError",
                "TARGETING_TYPE_NOT_ALLOWED_FOR_AUTO_TARGETING_CAMPAIGN"),
            1: ("missingValueError", "MISSING_VALUE"),
            2: ("targetingClauseSetupError", "AUTO_TARGETING_CLAUSE_CANNOT_BE_CREATED_MANUALLY"),
            3: ("malformedValueError", "TOO_LONG"),
            4: ("malformedValueError", "TOO_LONG"),
            5: ("malformedValueError", "TOO_LONG"),
            6: ("rangeError", "TOO_LOW"),
            7: ("rangeError", "TOO_HIGH"),
            8: ("parentEntityError", "PARENT_ENTITY_NOT_FOUND"),
            10: ("duplicateValueError", "DUPLICATE_VALUE"),
            12: ("missingValueError", "MISSING_VALUE"),
            13: ("rangeError", "INVALID_ENUM_VALUE"),
        })
        missing = outcomes["error"][1]["errors"][0]["errorValue"]["missingValueError"]
        self.assertEqual(missing["cause"]["location"], "$.targets[1].adGroupId")

    def test_target_details_must_match_type(self):
        product = {"productTarget": {"matchType": "PRODUCT_EXACT", "productId": "R1-00003",
                                     "productIdType": "RETAILER_OFFER"}}
        base = {"campaignId": self.manual, "adGroupId": self.manual_ag, "state": "ENABLED",
                "negative": False}
        outcomes = self.create("targets", [
            dict(base, targetType="PRODUCT", targetDetails=product),
            dict(base, targetType="KEYWORD", targetDetails=product),
            dict(base, targetType="PRODUCT", targetDetails=dict(
                product, keywordTarget={"keyword": "x", "matchType": "EXACT"}))],
            prefer=True, expect_ok=False)
        made = outcomes["success"][0]["target"]
        self.assertEqual(made["targetDetails"]["productTarget"]["retailerId"], "retailer-1")
        errors = {e["index"]: error_of(e) for e in outcomes["error"]}
        self.assertEqual(errors, {1: ("missingValueError", "MISSING_VALUE"),
                                  2: ("targetingClauseSetupError",
                                      "TARGETING_EXPRESSION_INVALID_VALUE")})
        found = self.list("targets", {"productIdFilter": {"include": [
            {"retailerId": "retailer-1", "retailerOfferId": "R1-00003"}]}})
        self.assertEqual([t["targetId"] for t in found["targets"]],
                         [outcomes["success"][0]["targetId"]])

    def test_update_and_delete(self):
        outcomes = self.create("targets", [
            self.keyword(self.manual, self.manual_ag, "kw"),
            self.keyword(self.manual, self.manual_ag, "neg", negative=True)])
        kw, neg = [s["targetId"] for s in outcomes["success"]]
        answer = self.api("PUT", "/ras/v1/targets", {"targets": [
            {"targetId": kw, "state": "PAUSED", "bid": {"bid": 3}},
            {"targetId": neg, "bid": {"bid": 1}},
            {"targetId": "1", "state": "PAUSED"}]}, prefer=True)
        outcome = answer.json["targets"]
        target = outcome["success"][0]["target"]
        self.assertEqual((target["state"], target["bid"]["bid"]), ("PAUSED", 3.0))
        self.assertEqual(target["extendedData"]["servingStatus"], "TARGETING_CLAUSE_PAUSED")
        self.assertEqual(error_of(outcome["error"][0]), ("targetingClauseSetupError",
                                                         "TARGETING_EXPRESSION_INVALID_VALUE"))
        self.assertEqual(error_of(outcome["error"][1]), ("entityNotFoundError",
                                                         "ENTITY_NOT_FOUND"))
        answer = self.api("POST", "/ras/v1/targets/delete",
                          {"targetIdFilter": {"include": [kw, neg, kw]}})
        self.assertEqual([s["index"] for s in answer.json["targets"]["success"]], [0, 1, 2])
        states = {t["targetId"]: t["state"]
                  for t in self.list("targets", {"targetIdFilter": {"include": [kw, neg]}})[
                      "targets"]}
        self.assertEqual(states, {kw: "ARCHIVED", neg: "ARCHIVED"})
        # An archived keyword no longer blocks an identical new one.
        self.create("targets", [self.keyword(self.manual, self.manual_ag, "kw")])

    def test_delete_body_errors(self):
        for body in ({}, {"targetIdFilter": {}}, {"targetIdFilter": {"include": "1"}},
                     {"targetIdFilter": {"include": ["1"] * 1001}}):
            with self.subTest(body=body):
                answer = self.api("POST", "/ras/v1/targets/delete", body)
                self.assertEqual((answer.status, answer.json["code"]),
                                 (400, "INVALID_ARGUMENT"))

    def test_filter_limits(self):
        for body in ({"matchTypeFilter": ["BROAD", "EXACT", "PHRASE", "BROAD"]},
                     {"targetTypeFilter": ["AUTO", "KEYWORD", "PRODUCT"]},
                     {"adGroupIdFilter": {"include": ["1"] * 101}},
                     {"negativeFilter": {"include": ["yes"]}},
                     {"keywordFilter": {"include": ["x"], "queryTermMatchType": "FUZZY"}}):
            with self.subTest(body=body):
                answer = self.api("POST", "/ras/v1/targets/list", body)
                self.assertEqual(answer.status, 400)


# ====================================================================== HTTP, faults, admin

class ServerTests(SimTestCase):
    def test_response_headers(self):
        answer = self.api("POST", "/ras/v1/campaigns/list", {})
        self.assertEqual(answer.headers["content-type"], "application/json")
        self.assertEqual(int(answer.headers["content-length"]), len(answer.raw))
        self.assertRegex(answer.headers["x-amzn-requestid"], r"^sim-\d+$")

    def test_unknown_path_and_method(self):
        answer = self.api("POST", "/ras/v1/nothing", {})
        self.assertEqual((answer.status, answer.json["code"]), (404, "NOT_FOUND"))
        answer = self.api("GET", "/ras/v1/campaigns")
        self.assertEqual(answer.status, 405)
        self.assertIn("message", answer.json)

    def test_keep_alive_counts_one_connection(self):
        self.admin("POST", "/_sim/reset")
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            for _ in range(5):
                self.assertEqual(self.api("POST", "/ras/v1/campaigns/list", {},
                                          conn=conn).status, 200)
            self.assertEqual(self.api("GET", "/v2/profiles", scope=None, conn=conn).status,
                             200)
        finally:
            conn.close()
        stats = self.admin("GET", "/_sim/stats").json
        self.assertEqual(stats["connections"], 1)
        self.assertEqual(stats["requests"], 6)
        self.assertEqual(stats["by_route"], {"POST /ras/v1/campaigns/list": 5,
                                             "GET /v2/profiles": 1})

    def test_throttle_fault(self):
        self.faults({"kind": "status", "status": 429, "retry_after": 1, "count": 2,
                     "path": "/ras/v1/campaigns", "method": "POST"})
        other = self.api("POST", "/ras/v1/retailers/list", {})
        self.assertEqual(other.status, 200)
        for _ in range(2):
            answer = self.api("POST", "/ras/v1/campaigns/list", {})
            self.assertEqual((answer.status, answer.json["code"]), (429, "THROTTLED"))
            self.assertEqual(answer.headers["retry-after"], "1")
            self.assertIn("message", answer.json)
        self.assertEqual(self.api("POST", "/ras/v1/campaigns/list", {}).status, 200)

    def test_unavailable_fault(self):
        self.faults({"kind": "status", "status": 503})
        answer = self.api("GET", "/v2/profiles", scope=None)
        self.assertEqual(answer.status, 503)
        self.assertEqual(answer.json["code"], "SERVICE_UNAVAILABLE")
        self.assertEqual(self.api("GET", "/v2/profiles", scope=None).status, 200)

    def test_token_endpoint_fault_uses_lwa_shape(self):
        self.faults({"kind": "status", "status": 500, "path": "/auth/o2/token"})
        answer = self.grant()
        self.assertEqual((answer.status, answer.json["error"]), (500, "server_error"))

    def test_drop_fault(self):
        self.faults({"kind": "drop"})
        with self.assertRaises((http.client.RemoteDisconnected, ConnectionError)):
            self.api("POST", "/ras/v1/campaigns/list", {})
        self.assertEqual(self.api("POST", "/ras/v1/campaigns/list", {}).status, 200)

    def test_drop_after_processing(self):
        self.faults({"kind": "drop", "after": True, "path": "/ras/v1/campaigns"})
        with self.assertRaises((http.client.RemoteDisconnected, ConnectionError)):
            self.api("POST", "/ras/v1/campaigns", {"campaigns": [campaign("Ghost")]})
        self.assertEqual(self.list("campaigns")["totalResults"], 1)

    def test_delay_fault(self):
        self.faults({"kind": "delay", "seconds": 0.5})
        started = time.monotonic()
        self.assertEqual(self.api("POST", "/ras/v1/campaigns/list", {}).status, 200)
        self.assertGreaterEqual(time.monotonic() - started, 0.5)

    def test_stall_fault(self):
        self.faults({"kind": "stall", "seconds": 2})
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=0.5)
        try:
            conn.request("GET", "/v2/profiles", headers=self.api_headers(scope=None))
            response = conn.getresponse()
            self.assertEqual(response.status, 200)
            with self.assertRaises((socket.timeout, TimeoutError)):
                response.read()
        finally:
            conn.close()
        self.assertEqual(self.api("GET", "/v2/profiles", scope=None).status, 200)

    def test_fault_validation_and_clear(self):
        answer = self.admin("POST", "/_sim/faults", {"faults": [{"kind": "explode"}]})
        self.assertEqual(answer.status, 400)
        self.faults({"kind": "status", "status": 500, "count": 5})
        self.assertEqual(len(self.admin("GET", "/_sim/faults").json["pending"]), 1)
        self.admin("DELETE", "/_sim/faults")
        self.assertEqual(self.api("GET", "/v2/profiles", scope=None).status, 200)

    def test_request_log_redacts_secrets(self):
        self.admin("POST", "/_sim/reset")
        self.grant()
        self.api("GET", "/v2/profiles", scope=None)
        log = self.admin("GET", "/_sim/requests?since=0").json
        self.assertEqual([e["seq"] for e in log["requests"]], [1, 2])
        self.assertEqual(log["next"], 2)
        token_body = log["requests"][0]["body"]
        self.assertEqual(token_body["client_secret"], "***")
        self.assertEqual(token_body["refresh_token"], "***")
        self.assertEqual(token_body["client_id"], CLIENT_ID)
        headers = {k.lower(): v for k, v in log["requests"][1]["headers"].items()}
        self.assertEqual(headers["authorization"], "Bearer ***")
        self.assertNotIn(self.access_token, json.dumps(log))
        later = self.admin("GET", "/_sim/requests?since=2").json
        self.assertEqual(later["requests"], [])

    def test_reset_restores_seeded_state(self):
        self.new_campaign("Gone soon")
        self.faults({"kind": "status", "status": 500, "path": "/nowhere"})
        self.admin("POST", "/_sim/reset")
        self.assertEqual(self.admin("GET", "/_sim/faults").json["pending"], [])
        stats = self.admin("GET", "/_sim/stats").json
        self.assertEqual((stats["requests"], stats["connections"]), (0, 0))
        self.assertEqual(self.list("campaigns")["totalResults"], 0)

    def test_client_vanishing_mid_request(self):
        sock = socket.create_connection(("127.0.0.1", self.port))
        sock.sendall(b"POST /ras/v1/campaigns/list HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Length: 100\r\n\r\n{")
        sock.close()
        sock = socket.create_connection(("127.0.0.1", self.port))
        sock.sendall(b"GET /v2/pro")
        sock.close()
        self.assertEqual(self.api("GET", "/v2/profiles", scope=None).status, 200)

    def test_concurrent_creates(self):
        import threading
        errors = []

        def worker(n):
            try:
                outcomes = self.create("campaigns", [campaign("t%d-%d" % (n, i))
                                                     for i in range(20)])
                if len(outcomes["success"]) != 20:
                    errors.append(outcomes)
            except Exception as exc:  # surfaced below
                errors.append(exc)

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        listed = self.list("campaigns")
        self.assertEqual(listed["totalResults"], 160)
        self.assertEqual(len({c["campaignId"] for c in listed["campaigns"]}), 160)


class StartupTests(unittest.TestCase):
    def test_starts_quickly_even_with_a_million_bench_targets(self):
        sim = SimProcess("--bench-targets", "1000000")
        try:
            self.assertLess(sim.startup, 3.0)  # generous for loaded CI machines
        finally:
            sim.stop()


class BenchTests(SimTestCase):
    extra_args = ("--bench-targets", "25000")

    def test_unfiltered_pages(self):
        seen, token, pages = 0, None, 0
        first_page = None
        while True:
            body = {"maxResults": 1000}
            if token:
                body["nextToken"] = token
            page = self.list("targets", body)
            first_page = first_page or page
            pages += 1
            self.assertEqual(page["totalResults"], 25000)
            seen += len(page["targets"])
            token = page.get("nextToken")
            if not token:
                break
        self.assertEqual((pages, seen), (25, 25000))
        sample = first_page["targets"][:3]
        ids = [t["targetId"] for t in sample]
        slow = self.list("targets", {"targetIdFilter": {"include": ids}})["targets"]
        self.assertEqual(slow, sample)
        self.assertEqual(sample[0]["targetDetails"]["keywordTarget"]["keyword"],
                         "bench keyword 0")

    def test_cache_follows_changes(self):
        page = self.list("targets", {"maxResults": 5})
        tid = page["targets"][1]["targetId"]
        answer = self.api("PUT", "/ras/v1/targets",
                          {"targets": [{"targetId": tid, "bid": {"bid": 9.99}}]})
        self.assertEqual(answer.json["targets"]["success"][0]["targetId"], tid)
        again = self.list("targets", {"maxResults": 5})
        self.assertEqual(again["targets"][1]["bid"]["bid"], 9.99)
        # Targets created normally come after the bench ones.
        campaigns = self.list("campaigns")["campaigns"]
        ad_groups = self.list("adGroups")["adGroups"]
        self.create("targets", [self.keyword(campaigns[0]["campaignId"],
                                             ad_groups[0]["adGroupId"], "fresh keyword")])
        last = self.list("targets", {"maxResults": 1000,
                                     "nextToken": self._token_at(25000)})
        self.assertEqual(last["totalResults"], 25001)
        self.assertEqual(last["targets"][-1]["targetDetails"]["keywordTarget"]["keyword"],
                         "fresh keyword")

    def _token_at(self, offset):
        token = None
        for _ in range(offset // 1000):
            body = {"maxResults": 1000}
            if token:
                body["nextToken"] = token
            token = self.list("targets", body)["nextToken"]
        return token

    def test_other_profiles_unaffected(self):
        self.assertEqual(self.list("targets", scope="2345678901")["totalResults"], 0)


if __name__ == "__main__":
    unittest.main()
