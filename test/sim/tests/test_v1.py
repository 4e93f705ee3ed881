"""The Amazon Ads API v1 family (/adsApi/v1/...) of the simulator, over HTTP.

Run: cd test/sim && python3 -m unittest discover -s tests -v
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_sim import CLIENT_ID, PROFILE, SimTestCase, call  # noqa: E402

SP, SB, DSP = "SPONSORED_PRODUCTS", "SPONSORED_BRANDS", "AMAZON_DSP"
DSP_ACCOUNT, DSP_ACCOUNT_2 = "ENTITY1ABC", "ENTITY2DEF"
V1 = "/adsApi/v1"


def budget(value=10.0, recurrence="DAILY", currency=None):
    money = {"value": value}
    if currency:
        money["currencyCode"] = currency
    return {"budgetType": "MONETARY", "recurrenceTimePeriod": recurrence,
            "budgetValue": {"monetaryBudgetValue": {"monetaryBudget": money}}}


def sp_campaign(name, auto=False, **extra):
    item = {"adProduct": SP, "name": name, "state": "ENABLED",
            "marketplaceScope": "SINGLE_MARKETPLACE", "startDateTime": "2025-01-01T00:00:00Z",
            "autoCreationSettings": {"autoCreateTargets": auto}, "budgets": [budget()]}
    item.update(extra)
    return item


def sb_campaign(name, **extra):
    item = {"adProduct": SB, "name": name, "state": "ENABLED", "brandId": "BRAND1",
            "costType": "CPC", "marketplaceScope": "SINGLE_MARKETPLACE",
            "startDateTime": "2025-01-01T00:00:00Z", "budgets": [budget(50.0, "LIFETIME")],
            "optimizations": {"goalSettings": {"kpi": "CLICKS"}}}
    item.update(extra)
    return item


def dsp_campaign(name, **extra):
    item = {"adProduct": DSP, "name": name, "state": "PAUSED", "countries": ["US"],
            "flights": [{"startDateTime": "2030-01-01T00:00:00Z",
                         "endDateTime": "2030-02-01T00:00:00Z",
                         "budget": {"budgetType": "MONETARY", "budgetValue": {
                             "monetaryBudgetValue": {"monetaryBudget": {"value": 1000}}}}}],
            "optimizations": {"bidSettings": {"bidStrategy": "SPEND_BUDGET_IN_FULL"},
                              "goalSettings": {"kpi": "REACH"}}}
    item.update(extra)
    return item


def dsp_ad_group(campaign_id, name="DSP group", **extra):
    item = {"adProduct": DSP, "campaignId": campaign_id, "name": name, "state": "PAUSED",
            "bid": {"baseBid": 2.5, "maxAverageBid": 5.0},
            "advertisedProductCategoryIds": ["1001"], "creativeRotationType": "RANDOM",
            "inventoryType": "DISPLAY", "optimization": {"bidStrategy": "SPEND_BUDGET_IN_FULL"},
            "pacing": {"deliveryProfile": "EVEN"}, "startDateTime": "2030-01-01T00:00:00Z",
            "endDateTime": "2030-02-01T00:00:00Z",
            "targetingSettings": {"amazonViewability": {"includeUnmeasurableImpressions": True,
                                                        "viewabilityTier": "ALL_TIERS"},
                                  "timeZoneType": "VIEWER", "userLocationSignal": "CURRENT"}}
    item.update(extra)
    return item


def sp_ad(ad_group_id, asin="B000000001", **extra):
    item = {"adProduct": SP, "adGroupId": ad_group_id, "adType": "PRODUCT_AD",
            "state": "ENABLED", "creative": {"productCreative": {"productCreativeSettings": {
                "advertisedProduct": {"productId": asin, "productIdType": "ASIN"}}}}}
    item.update(extra)
    return item


def keyword(product, text, match="EXACT", ad_group_id=None, campaign_id=None, negative=False,
            **extra):
    item = {"adProduct": product, "state": "ENABLED", "negative": negative,
            "targetType": "KEYWORD",
            "targetDetails": {"keywordTarget": {"keyword": text, "matchType": match}}}
    if ad_group_id:
        item["adGroupId"] = ad_group_id
    if campaign_id:
        item["campaignId"] = campaign_id
    item.update(extra)
    return item


class V1TestCase(SimTestCase):
    def v1_headers(self, scope=PROFILE, account=None, client=CLIENT_ID):
        headers = {"Authorization": "Bearer " + self.access_token}
        if client:
            headers["Amazon-Ads-ClientId"] = client
        if scope:
            headers["Amazon-Advertising-API-Scope"] = scope
        if account:
            headers["Amazon-Ads-AccountId"] = account
        return headers

    def v1(self, verb, key, body, expect=None, **kw):
        answer = call(self.port, "POST", "%s/%s/%s" % (V1, verb, key), body,
                      self.v1_headers(**kw))
        if expect is not None:
            self.assertEqual(answer.status, expect, answer.raw[:1000])
        return answer

    def write(self, verb, key, items, ok=True, **kw):
        body = {key: items} if verb != "delete" else {key[:-1] + "Ids": items}
        answer = self.v1(verb, key, body, expect=207, **kw).json
        if ok:
            self.assertEqual(answer["error"], [], answer)
        return answer

    def query(self, key, product=SP, expect=200, **body):
        if product:
            body["adProductFilter"] = {"include": [product]}
        kw = {"account": DSP_ACCOUNT, "scope": None} if product == DSP else {}
        return self.v1("query", key, body, expect=expect, **kw).json

    def ids(self, answer, singular, id_field):
        return [s[singular][id_field] for s in answer["success"]]

    def sp_tree(self):
        campaign_id = self.ids(self.write("create", "campaigns", [sp_campaign("C")]),
                               "campaign", "campaignId")[0]
        ad_group_id = self.ids(self.write("create", "adGroups", [
            {"adProduct": SP, "campaignId": campaign_id, "name": "G", "state": "ENABLED",
             "bid": {"defaultBid": 0.75}}]), "adGroup", "adGroupId")[0]
        return campaign_id, ad_group_id

    def dsp(self, verb, key, items, ok=True, account=DSP_ACCOUNT):
        return self.write(verb, key, items, ok=ok, scope=None, account=account)


class HeaderTests(V1TestCase):
    def test_client_id_header_required(self):
        answer = self.v1("query", "campaigns", {"adProductFilter": {"include": [SP]}},
                         client=None)
        self.assertEqual(answer.status, 401)
        self.assertEqual(answer.json["code"], "UNAUTHORIZED")
        self.assertIn("Amazon-Ads-ClientId", answer.json["message"])
        # The RAS header name is not the v1 one.
        headers = self.v1_headers(client=None)
        headers["Amazon-Advertising-API-ClientId"] = CLIENT_ID
        answer = call(self.port, "POST", V1 + "/query/campaigns",
                      {"adProductFilter": {"include": [SP]}}, headers)
        self.assertEqual(answer.status, 401)

    def test_scope_rules(self):
        body = {"adProductFilter": {"include": [SP]}}
        answer = self.v1("query", "campaigns", body, scope=None)
        self.assertEqual((answer.status, answer.json["code"]), (403, "FORBIDDEN"))
        answer = self.v1("query", "campaigns", body, scope="999")
        self.assertEqual((answer.status, answer.json["code"]), (403, "FORBIDDEN"))
        dsp = {"adProductFilter": {"include": [DSP]}}
        answer = self.v1("query", "campaigns", dsp)          # Scope only: no account
        self.assertEqual((answer.status, answer.json["code"]), (403, "FORBIDDEN"))
        self.assertIn("Amazon-Ads-AccountId", answer.json["message"])
        answer = self.v1("query", "campaigns", dsp, scope=None, account="NOPE")
        self.assertEqual(answer.status, 403)
        self.v1("query", "campaigns", dsp, scope=None, account=DSP_ACCOUNT, expect=200)
        self.v1("query", "campaigns", dsp, scope=None, account=DSP_ACCOUNT_2, expect=200)
        answer = self.v1("query", "adAssociations", {})      # DSP only
        self.assertEqual(answer.status, 403)
        answer = self.v1("delete", "campaigns", {"campaignIds": ["1"]}, scope=None)
        self.assertEqual(answer.status, 403)
        self.assertEqual(self.v1("create", "campaigns", {"campaigns": [dsp_campaign("x")]})
                         .status, 403)

    def test_accounts_are_separate(self):
        self.dsp("create", "campaigns", [dsp_campaign("One")])
        self.assertEqual(len(self.query("campaigns", DSP)["campaigns"]), 1)
        answer = self.v1("query", "campaigns", {"adProductFilter": {"include": [DSP]}},
                         scope=None, account=DSP_ACCOUNT_2, expect=200).json
        self.assertEqual(answer["campaigns"], [])
        self.assertEqual(self.query("campaigns", SP)["campaigns"], [])

    def test_faults_apply(self):
        self.faults({"kind": "status", "status": 429, "retry_after": 2,
                     "path": V1 + "/query/"})
        answer = self.v1("query", "campaigns", {"adProductFilter": {"include": [SP]}})
        self.assertEqual(answer.status, 429)
        self.assertEqual(answer.json["code"], "TOO_MANY_REQUESTS")
        self.assertEqual(answer.headers["retry-after"], "2")
        self.faults({"kind": "status", "status": 503, "path": V1})
        self.assertEqual(self.v1("create", "campaigns", {"campaigns": [sp_campaign("x")]})
                         .status, 503)
        self.assertEqual(self.query("campaigns")["campaigns"], [])   # not carried out
        stats = self.admin("GET", "/_sim/stats").json
        self.assertEqual(stats["by_route"]["POST %s/query/campaigns" % V1], 2)
        logged = self.admin("GET", "/_sim/requests?since=0").json["requests"]
        logged = [r for r in logged if r["path"].startswith(V1)]
        self.assertEqual([r["status"] for r in logged], [429, 503, 200])
        self.assertEqual(logged[0]["headers"]["Amazon-Ads-ClientId"], CLIENT_ID)

    def test_unknown_paths(self):
        self.assertEqual(self.v1("delete", "adExtensions", {"adExtensionIds": ["1"]}).status,
                         404)
        self.assertEqual(self.v1("retrieve", "campaigns", {}).status, 404)


class WriteTests(V1TestCase):
    def test_207_shapes_and_full_entities(self):
        answer = self.write("create", "campaigns", [sp_campaign("A"), sp_campaign("A"),
                                                    sp_campaign("B", budgets=[budget(0.5)])],
                            ok=False)
        self.assertEqual(set(answer), {"success", "partialSuccess", "error"})
        self.assertEqual([s["index"] for s in answer["success"]], [0])
        campaign = answer["success"][0]["campaign"]
        for member in ("campaignId", "creationDateTime", "lastUpdatedDateTime"):
            self.assertIn(member, campaign)
        self.assertEqual(campaign["status"], {"deliveryStatus": "DELIVERING",
                                              "deliveryReasons": []})
        money = campaign["budgets"][0]["budgetValue"]["monetaryBudgetValue"]["monetaryBudget"]
        self.assertEqual(money, {"value": 10.0, "currencyCode": "USD"})
        errors = {e["index"]: e["errors"] for e in answer["error"]}
        self.assertEqual(errors[1][0]["code"], "FIELD_VALUE_NOT_UNIQUE")
        self.assertEqual(errors[2], [{
            "code": "FIELD_VALUE_IS_BELOW_MINIMUM_LIMIT", "message": "budget must be at least 1",
            "fieldLocation": "budgets[0].budgetValue.monetaryBudgetValue.monetaryBudget.value"}])

    def test_required_fields_per_product(self):
        answer = self.write("create", "campaigns", [{"adProduct": SP, "name": "x",
                                                     "state": "ENABLED"}], ok=False)
        locations = {e["fieldLocation"] for e in answer["error"][0]["errors"]}
        self.assertEqual(locations, {"budgets", "marketplaceScope", "startDateTime",
                                     "autoCreationSettings"})
        self.assertTrue(all(e["code"] == "FIELD_VALUE_IS_NULL"
                            for e in answer["error"][0]["errors"]))
        answer = self.write("create", "campaigns", [{"adProduct": SB, "name": "x",
                                                     "state": "ENABLED"}], ok=False)
        locations = {e["fieldLocation"] for e in answer["error"][0]["errors"]}
        self.assertTrue({"brandId", "costType", "budgets", "optimizations"} <= locations)
        answer = self.write("create", "campaigns", [{"name": "x", "state": "ENABLED"},
                                                    dict(sp_campaign("y"), adProduct="NOPE"),
                                                    sp_campaign("z", currency="EUR")],
                            ok=False)
        self.assertEqual(answer["error"][0]["errors"][0]["fieldLocation"], "adProduct")
        self.assertEqual(answer["error"][1]["errors"][0]["code"], "FIELD_VALUE_IS_INVALID")
        self.write("create", "campaigns", [sb_campaign("SB")])
        answer = self.write("create", "campaigns", [
            sp_campaign("EUR", budgets=[budget(currency="EUR")])], ok=False)
        self.assertEqual(answer["error"][0]["errors"][0]["code"], "FIELD_VALUE_MISMATCH")

    def test_partial_success_on_repeated_tag(self):
        answer = self.write("create", "campaigns", [sp_campaign("T", tags=[
            {"key": "team", "value": "a"}, {"key": "team", "value": "b"}])])
        self.assertEqual(answer["success"], [])
        partial = answer["partialSuccess"][0]
        self.assertEqual(partial["index"], 0)
        self.assertEqual(partial["campaign"]["tags"], [{"key": "team", "value": "a"}])
        self.assertEqual(partial["errors"], [{
            "code": "DUPLICATE_FIELD_VALUE_FOUND", "fieldLocation": "tags[1].key",
            "message": "tag key 'team' repeated; only the first value was kept"}])
        campaign_id = partial["campaign"]["campaignId"]
        answer = self.write("update", "campaigns", [{"campaignId": campaign_id, "tags": [
            {"key": "x", "value": "1"}, {"key": "x", "value": "2"}]}])
        self.assertEqual(len(answer["partialSuccess"]), 1)
        self.assertEqual(self.query("campaigns")["campaigns"][0]["tags"],
                         [{"key": "x", "value": "1"}])

    def test_too_large_batch(self):
        answer = self.v1("create", "campaigns",
                         {"campaigns": [sp_campaign("c%d" % i) for i in range(11)]})
        self.assertEqual(answer.status, 413)
        self.assertEqual(answer.json["code"], "CONTENT_TOO_LARGE")
        self.assertEqual(self.query("campaigns")["campaigns"], [])   # nothing applied
        self.write("create", "campaigns", [sp_campaign("c%d" % i) for i in range(10)])
        # SP and SB count separately: 10 + 10 is fine.
        self.write("create", "campaigns", [sp_campaign("d%d" % i) for i in range(10)]
                   + [sb_campaign("e%d" % i) for i in range(10)])
        answer = self.v1("create", "campaigns", {"campaigns": [dsp_campaign(
            "d%d" % i) for i in range(6)]}, scope=None, account=DSP_ACCOUNT)
        self.assertEqual(answer.status, 413)
        self.dsp("create", "campaigns", [dsp_campaign("d%d" % i) for i in range(5)])
        ids = [c["campaignId"] for c in self.query("campaigns", maxResults=100)["campaigns"]]
        self.assertEqual(self.v1("delete", "campaigns", {"campaignIds": ids[:11]}).status, 413)
        self.assertEqual(self.v1("update", "campaigns", {"campaigns": [
            {"campaignId": i, "state": "PAUSED"} for i in ids[:11]]}).status, 413)
        self.write("delete", "campaigns", ids[:10])
        for body in ({"campaigns": []}, {}, {"campaigns": {}}, []):
            answer = self.v1("create", "campaigns", body)
            self.assertEqual((answer.status, answer.json["code"]), (400, "BAD_REQUEST"))
        answer = self.v1("create", "targets", {"targets": [
            keyword(SP, "k%d" % i, campaign_id="1", negative=True) for i in range(1001)]})
        self.assertEqual(answer.status, 400)
        answer = self.v1("create", "adAssociations", {"adAssociations": [
            {"adId": "1", "adGroupId": "2", "state": "ENABLED"}] * 21},
            scope=None, account=DSP_ACCOUNT)
        self.assertEqual(answer.status, 400)     # over the spec's maxItems 20

    def test_bids_and_parents(self):
        campaign_id, ad_group_id = self.sp_tree()
        answer = self.write("create", "adGroups", [
            {"adProduct": SP, "campaignId": campaign_id, "name": "low", "state": "ENABLED",
             "bid": {"defaultBid": 0.01}},
            {"adProduct": SP, "campaignId": "1", "name": "orphan", "state": "ENABLED",
             "bid": {"defaultBid": 1}},
            {"adProduct": SP, "campaignId": campaign_id, "name": "nobid", "state": "ENABLED"}],
            ok=False)
        errors = {e["index"]: e["errors"][0] for e in answer["error"]}
        self.assertEqual((errors[0]["code"], errors[0]["fieldLocation"]),
                         ("FIELD_VALUE_IS_BELOW_MINIMUM_LIMIT", "bid.defaultBid"))
        self.assertEqual((errors[1]["code"], errors[1]["fieldLocation"]),
                         ("RESOURCE_ID_NOT_FOUND", "campaignId"))
        self.assertEqual(errors[2]["fieldLocation"], "bid")
        answer = self.write("create", "targets", [
            keyword(SP, "low", ad_group_id=ad_group_id, bid={"bid": 0.01}),
            keyword(SP, "default", ad_group_id=ad_group_id),
            keyword(SP, "neg", campaign_id=campaign_id, negative=True),
            keyword(SP, "pos", campaign_id=campaign_id),
            keyword(SP, "negbid", ad_group_id=ad_group_id, negative=True, bid={"bid": 1})],
            ok=False)
        errors = {e["index"]: e["errors"][0] for e in answer["error"]}
        self.assertEqual((errors[0]["code"], errors[0]["fieldLocation"]),
                         ("FIELD_VALUE_IS_BELOW_MINIMUM_LIMIT", "bid.bid"))
        self.assertEqual(errors[3]["fieldLocation"], "adGroupId")
        self.assertEqual(errors[4]["code"], "FIELD_VALUE_MUST_BE_EMPTY_OR_NULL")
        targets = {s["index"]: s["target"] for s in answer["success"]}
        self.assertEqual(targets[1]["bid"], {"bid": 0.75, "currencyCode": "USD"})
        self.assertEqual(targets[1]["targetLevel"], "AD_GROUP")
        self.assertEqual(targets[1]["campaignId"], campaign_id)
        self.assertEqual(targets[2]["targetLevel"], "CAMPAIGN")
        self.assertNotIn("adGroupId", targets[2])
        self.assertNotIn("bid", targets[2])
        # Archived parents.
        self.write("delete", "adGroups", [ad_group_id])
        answer = self.write("create", "ads", [sp_ad(ad_group_id)], ok=False)
        self.assertEqual(answer["error"][0]["errors"][0]["code"],
                         "ARCHIVED_PARENT_CANNOT_CREATE")
        answer = self.write("update", "targets", [{"targetId": targets[1]["targetId"],
                                                   "state": "PAUSED"}], ok=False)
        self.assertEqual(answer["error"][0]["errors"][0]["code"], "ARCHIVED_PARENT_CANNOT_EDIT")

    def test_update_and_delete(self):
        campaign_id, ad_group_id = self.sp_tree()
        answer = self.write("update", "campaigns", [
            {"campaignId": campaign_id, "name": "Renamed", "state": "PAUSED",
             "budgets": [budget(25.0)]},
            {"campaignId": "1", "state": "PAUSED"},
            {"campaignId": campaign_id, "marketplaceScope": "GLOBAL"},
            {"campaignId": campaign_id, "state": "ARCHIVED"}], ok=False)
        campaign = answer["success"][0]["campaign"]
        self.assertEqual((campaign["name"], campaign["state"]), ("Renamed", "PAUSED"))
        self.assertEqual(campaign["status"]["deliveryReasons"], ["CAMPAIGN_PAUSED"])
        self.assertEqual(campaign["budgets"][0]["budgetValue"]["monetaryBudgetValue"]
                         ["monetaryBudget"]["value"], 25.0)
        errors = {e["index"]: e["errors"][0]["code"] for e in answer["error"]}
        self.assertEqual(errors, {1: "RESOURCE_ID_NOT_FOUND", 2: "FIELD_VALUE_CANNOT_EDIT",
                                  3: "FIELD_VALUE_IS_INVALID"})
        ad_group = self.query("adGroups")["adGroups"][0]
        self.assertEqual(ad_group["status"]["deliveryReasons"], ["CAMPAIGN_PAUSED"])
        answer = self.write("delete", "campaigns", [campaign_id, "1", campaign_id], ok=False)
        self.assertEqual([s["campaign"]["state"] for s in answer["success"]],
                         ["ARCHIVED", "ARCHIVED"])
        self.assertEqual(answer["error"][0], {"index": 1, "errors": [{
            "code": "RESOURCE_ID_NOT_FOUND", "message": "campaign 1 not found",
            "fieldLocation": "campaignIds[1]"}]})
        answer = self.write("update", "campaigns", [{"campaignId": campaign_id,
                                                     "name": "again"}], ok=False)
        self.assertEqual(answer["error"][0]["errors"][0]["code"],
                         "ARCHIVED_RESOURCE_CANNOT_EDIT")

    def test_sp_auto_campaign_gets_theme_targets(self):
        campaign_id = self.ids(self.write("create", "campaigns", [sp_campaign("Auto", True)]),
                               "campaign", "campaignId")[0]
        ad_group_id = self.ids(self.write("create", "adGroups", [
            {"adProduct": SP, "campaignId": campaign_id, "name": "G", "state": "ENABLED",
             "bid": {"defaultBid": 1.0}}]), "adGroup", "adGroupId")[0]
        targets = self.query("targets")["targets"]
        self.assertEqual([t["targetDetails"]["themeTarget"]["matchType"] for t in targets],
                         ["KEYWORDS_CLOSE_MATCH", "KEYWORDS_LOOSE_MATCH",
                          "PRODUCT_COMPLEMENTS", "PRODUCT_SUBSTITUTES"])
        self.assertEqual([t["bid"]["bid"] for t in targets], [1.0, 0.9, 0.7, 0.8])
        answer = self.write("create", "targets", [
            keyword(SP, "manual", ad_group_id=ad_group_id),
            keyword(SP, "neg", ad_group_id=ad_group_id, negative=True)], ok=False)
        self.assertEqual([e["index"] for e in answer["error"]], [0])

    def test_sb(self):
        campaign = self.write("create", "campaigns", [sb_campaign("SB")])["success"][0][
            "campaign"]
        self.assertEqual(campaign["optimizations"]["goalSettings"],
                         {"kpi": "CLICKS", "goal": "CONSIDERATION"})
        ad_group_id = self.ids(self.write("create", "adGroups", [
            {"adProduct": SB, "campaignId": campaign["campaignId"], "name": "G",
             "state": "ENABLED"}]), "adGroup", "adGroupId")[0]
        answer = self.write("create", "targets", [
            keyword(SB, "nobid", ad_group_id=ad_group_id),
            keyword(SB, "low", ad_group_id=ad_group_id, bid={"bid": 0.05}),
            keyword(SB, "ok", ad_group_id=ad_group_id, bid={"bid": 0.5})], ok=False)
        self.assertEqual([e["errors"][0]["fieldLocation"] for e in answer["error"]],
                         ["bid.bid", "bid.bid"])
        ad = self.write("create", "ads", [{
            "adProduct": SB, "adGroupId": ad_group_id, "adType": "COMPONENT", "name": "Ad",
            "state": "ENABLED", "creative": {"componentCreative": {}}}])["success"][0]["ad"]
        # An SP ad group cannot hold an SB ad.
        _, sp_group = self.sp_tree()
        answer = self.write("create", "ads", [{
            "adProduct": SB, "adGroupId": sp_group, "adType": "COMPONENT", "name": "Ad",
            "state": "ENABLED", "creative": {"componentCreative": {}}}], ok=False)
        self.assertEqual(answer["error"][0]["errors"][0]["code"], "FIELD_VALUE_MISMATCH")
        # Ad extensions: SB only, no delete.
        ext = {"adProduct": SB, "adExtensionType": "PROMPTS", "adId": ad["adId"],
               "adExtensionSettings": {"promptExtension": {"promptText": "Ask me"}},
               "marketplaceScope": "SINGLE_MARKETPLACE", "marketplaces": ["US"],
               "state": "ENABLED"}
        answer = self.write("create", "adExtensions", [ext, dict(ext, adProduct=SP)], ok=False)
        extension = answer["success"][0]["adExtension"]
        self.assertEqual(answer["error"][0]["errors"][0]["fieldLocation"], "adProduct")
        self.write("update", "adExtensions", [{"adExtensionId": extension["adExtensionId"],
                                               "state": "PAUSED"}])
        found = self.v1("query", "adExtensions", {"adExtensionTypeFilter": {
            "include": ["PROMPTS"]}, "stateFilter": {"include": ["PAUSED"]}}, expect=200).json
        self.assertEqual([e["adExtensionId"] for e in found["adExtensions"]],
                         [extension["adExtensionId"]])
        self.assertEqual(self.v1("create", "adExtensions", {"adExtensions": [ext] * 51}).status,
                         400)

    def test_dsp_paused_rule_and_associations(self):
        answer = self.dsp("create", "campaigns", [dsp_campaign("Live", state="ENABLED"),
                                                  dsp_campaign("Paused")], ok=False)
        self.assertEqual(answer["error"][0]["errors"], [{
            "code": "FIELD_VALUE_IS_INVALID", "fieldLocation": "state",
            "message": "AMAZON_DSP campaigns must be created PAUSED"}])
        campaign = answer["success"][0]["campaign"]
        self.assertEqual(campaign["status"]["deliveryReasons"],
                         ["CAMPAIGN_PAUSED", "CAMPAIGN_PENDING_START_DATE"])
        flight = campaign["flights"][0]
        self.assertIn("flightId", flight)
        self.assertEqual(flight["budget"]["budgetValue"]["monetaryBudgetValue"]
                         ["monetaryBudget"]["currencyCode"], "USD")
        answer = self.dsp("create", "adGroups", [
            dsp_ad_group(campaign["campaignId"], state="ENABLED"),
            dsp_ad_group(campaign["campaignId"]),
            dsp_ad_group(campaign["campaignId"], "low", bid={"baseBid": 0.01}),
            dsp_ad_group(campaign["campaignId"], "avg", bid={"baseBid": 3,
                                                            "maxAverageBid": 1})], ok=False)
        errors = {e["index"]: e["errors"][0] for e in answer["error"]}
        self.assertEqual(errors[0]["fieldLocation"], "state")
        self.assertEqual((errors[2]["code"], errors[2]["fieldLocation"]),
                         ("FIELD_VALUE_IS_BELOW_MINIMUM_LIMIT", "bid.baseBid"))
        self.assertEqual(errors[3]["fieldLocation"], "bid.maxAverageBid")
        ad_group = answer["success"][0]["adGroup"]
        self.assertEqual(ad_group["bid"], {"baseBid": 2.5, "maxAverageBid": 5.0,
                                           "currencyCode": "USD"})
        ad = self.dsp("create", "ads", [{"adProduct": DSP, "adType": "DISPLAY", "name": "Ad",
                                         "state": "ENABLED", "creative": {"displayCreative": {
                                             "standardDisplaySettings": {}}}}])
        ad = ad["success"][0]["ad"]
        self.assertNotIn("adGroupId", ad)
        self.assertIn("AD_NOT_ASSOCIATED_WITH_AD_GROUP", ad["status"]["deliveryReasons"])
        answer = self.dsp("create", "adAssociations", [
            {"adId": ad["adId"], "adGroupId": ad_group["adGroupId"], "state": "ENABLED",
             "weight": 50},
            {"adId": ad["adId"], "adGroupId": ad_group["adGroupId"], "state": "ENABLED"},
            {"adId": "1", "adGroupId": ad_group["adGroupId"], "state": "ENABLED"}], ok=False)
        self.assertEqual(set(answer), {"success", "error"})
        association = answer["success"][0]["adAssociation"]
        self.assertEqual(set(association), {"adAssociationId", "adId", "adGroupId", "state",
                                            "weight"})
        self.assertEqual([e["errors"][0]["code"] for e in answer["error"]],
                         ["FIELD_VALUE_NOT_UNIQUE", "RESOURCE_ID_NOT_FOUND"])
        ad = self.query("ads", DSP)["ads"][0]
        self.assertNotIn("AD_NOT_ASSOCIATED_WITH_AD_GROUP", ad["status"]["deliveryReasons"])
        found = self.v1("query", "adAssociations", {"adIdFilter": {"include": [ad["adId"]]}},
                        scope=None, account=DSP_ACCOUNT, expect=200).json
        self.assertEqual(len(found["adAssociations"]), 1)
        deleted = self.dsp("delete", "adAssociations", [association["adAssociationId"]])
        self.assertEqual(deleted["success"][0]["adAssociation"]["state"], "ARCHIVED")
        answer = self.dsp("create", "targets", [
            {"adProduct": DSP, "adGroupId": ad_group["adGroupId"], "state": "ENABLED",
             "negative": False, "targetType": "INVENTORY_SOURCE", "targetDetails": {
                 "inventorySourceTarget": {"inventorySourceType": "AMAZON",
                                           "inventorySourceId": {"defaultValue": "amz-1"}}}},
            {"adProduct": DSP, "adGroupId": ad_group["adGroupId"], "state": "ENABLED",
             "negative": False, "targetType": "AUDIENCE", "targetDetails": {
                 "domainTarget": {}}}], ok=False)
        self.assertEqual(answer["error"][0]["errors"][0]["fieldLocation"], "targetDetails")
        found = self.query("targets", DSP, inventorySourceIdFilter={
            "include": [{"defaultValue": "amz-1"}]}, inventorySourceTypeFilter={
            "include": ["AMAZON"]})
        self.assertEqual(found["totalResults"], 1)
        self.query("targets", DSP, expect=200, stateFilter={"include": ["ENABLED"]})


class QueryTests(V1TestCase):
    def setUp(self):
        super().setUp()
        self.campaign_id, self.ad_group_id = self.sp_tree()
        other = self.ids(self.write("create", "campaigns", [sp_campaign(
            "Summer Shoes", portfolioId="P1")]), "campaign", "campaignId")[0]
        self.other = other
        self.write("create", "campaigns", [sb_campaign("Brand Shoes")])
        self.write("create", "ads", [sp_ad(self.ad_group_id, "B00000000%d" % i,
                                           name="ad %d" % i) for i in range(3)])
        self.targets = self.ids(self.write("create", "targets", [
            keyword(SP, "running shoes", "BROAD", ad_group_id=self.ad_group_id),
            keyword(SP, "trail shoes", "EXACT", ad_group_id=self.ad_group_id),
            keyword(SP, "cheap", "PHRASE", campaign_id=self.campaign_id, negative=True),
            {"adProduct": SP, "adGroupId": self.ad_group_id, "state": "PAUSED",
             "negative": False, "targetType": "PRODUCT",
             "targetDetails": {"productTarget": {"product": {"productId": "B0PRODUCT1"},
                                                 "productIdType": "ASIN",
                                                 "matchType": "PRODUCT_EXACT"}}}]),
            "target", "targetId")

    def names(self, answer, key="campaigns", field="name"):
        return [e[field] for e in answer[key]]

    def test_ad_product_filter_required(self):
        for body in ({}, {"adProductFilter": {"include": []}},
                     {"adProductFilter": {"include": [SP, SB]}},
                     {"adProductFilter": {"include": ["NOPE"]}}, {"adProductFilter": {}}):
            answer = self.v1("query", "campaigns", body)
            self.assertEqual((answer.status, answer.json["code"]), (400, "BAD_REQUEST"), body)
        answer = self.v1("query", "campaigns", {"adProductFilter": {"include": [
            "SPONSORED_DISPLAY"]}})
        self.assertEqual(answer.status, 400)
        self.assertEqual(self.names(self.query("campaigns", SB)), ["Brand Shoes"])
        self.assertEqual(self.names(self.query("campaigns")), ["C", "Summer Shoes"])

    def test_campaign_filters(self):
        q = self.query
        self.assertEqual(self.names(q("campaigns", campaignIdFilter={
            "include": [self.other]})), ["Summer Shoes"])
        self.assertEqual(self.names(q("campaigns", portfolioIdFilter={"include": ["P1"]})),
                         ["Summer Shoes"])
        self.assertEqual(self.names(q("campaigns", nameFilter={
            "include": ["shoes summer"], "queryTermMatchType": "BROAD_MATCH"})),
            ["Summer Shoes"])
        self.assertEqual(self.names(q("campaigns", nameFilter={
            "include": ["summer"], "queryTermMatchType": "EXACT_MATCH"})), [])
        self.assertEqual(self.names(q("campaigns", nameFilter={
            "include": ["c"], "queryTermMatchType": "EXACT_MATCH"})), ["C"])
        self.assertEqual(self.names(q("campaigns", stateFilter={"include": ["ARCHIVED"]})), [])
        self.assertEqual(self.names(q("campaigns", SB, goalFilter={
            "include": ["CONSIDERATION"]})), ["Brand Shoes"])
        self.assertEqual(len(q("campaigns", marketplaceScopeFilter={
            "include": ["SINGLE_MARKETPLACE"]})["campaigns"]), 2)
        q("campaigns", expect=400, nameFilter={"include": ["x"]})          # no match type
        q("campaigns", expect=400, nameFilter={"include": ["x"],
                                               "queryTermMatchType": "FUZZY"})
        q("campaigns", expect=400, stateFilter={"include": ["ENABLED"] * 4})
        q("campaigns", expect=400, stateFilter={"include": []})
        q("campaigns", expect=400, goalFilter={"include": ["WIN"]})
        q("campaigns", expect=400, marketplaceScopeFilter={
            "include": ["GLOBAL", "SINGLE_MARKETPLACE"]})
        q("campaigns", expect=400, campaignIdFilter={"include": ["1"] * 1001})
        q("campaigns", expect=400, portfolioIdFilter={"include": ["1"] * 101})
        q("campaigns", expect=400, nameFilter={"include": ["a"] * 101,
                                               "queryTermMatchType": "EXACT_MATCH"})

    def test_ad_group_and_ad_filters(self):
        q = self.query
        self.assertEqual(len(q("adGroups", campaignIdFilter={
            "include": [self.campaign_id]})["adGroups"]), 1)
        self.assertEqual(len(q("adGroups", adGroupIdFilter={"include": ["1"]})["adGroups"]), 0)
        self.assertEqual(len(q("adGroups", nameFilter={"include": ["g"],
                                                       "queryTermMatchType": "EXACT_MATCH"})
                             ["adGroups"]), 1)
        q("adGroups", expect=400, adGroupIdFilter={"include": ["1"] * 1001})
        q("adGroups", expect=400, campaignIdFilter={"include": ["1"] * 101})
        ads = q("ads", nameFilter={"include": ["ad 1"], "queryTermMatchType": "EXACT_MATCH"})
        self.assertEqual(len(ads["ads"]), 1)
        ad_id = ads["ads"][0]["adId"]
        self.assertEqual(len(q("ads", adIdFilter={"include": [ad_id]})["ads"]), 1)
        self.assertEqual(len(q("ads", adGroupIdFilter={"include": [self.ad_group_id]})["ads"]),
                         3)
        self.assertEqual(len(q("ads", campaignIdFilter={"include": [self.campaign_id]},
                               stateFilter={"include": ["ENABLED"]})["ads"]), 3)
        q("ads", expect=400, nameFilter={"include": ["a"] * 11,
                                         "queryTermMatchType": "BROAD_MATCH"})
        q("ads", expect=400, adIdFilter={"include": ["1"] * 101})
        self.assertNotIn("totalResults", q("ads"))

    def test_target_filters(self):
        q = self.query

        def found(**body):
            answer = q("targets", **body)
            self.assertEqual(answer["totalResults"], len(answer["targets"]))
            return sorted(self.targets.index(t["targetId"]) for t in answer["targets"])

        self.assertEqual(found(), [0, 1, 2, 3])
        self.assertEqual(found(targetIdFilter={"include": [self.targets[1]]}), [1])
        self.assertEqual(found(campaignIdFilter={"include": [self.campaign_id]}), [0, 1, 2, 3])
        self.assertEqual(found(adGroupIdFilter={"include": [self.ad_group_id]}), [0, 1, 3])
        self.assertEqual(found(stateFilter={"include": ["PAUSED"]}), [3])
        self.assertEqual(found(keywordFilter={"include": ["shoes"],
                                              "queryTermMatchType": "BROAD_MATCH"}), [0, 1])
        self.assertEqual(found(keywordFilter={"include": ["TRAIL SHOES"],
                                              "queryTermMatchType": "EXACT_MATCH"}), [1])
        self.assertEqual(found(productIdFilter={"include": ["b0product1"],
                                                "queryTermMatchType": "EXACT_MATCH"}), [3])
        self.assertEqual(found(matchTypeFilter={"include": ["PHRASE", "PRODUCT_EXACT"]}),
                         [2, 3])
        self.assertEqual(found(targetTypeFilter={"include": ["PRODUCT"]}), [3])
        self.assertEqual(found(negativeFilter={"include": [True]}), [2])
        self.assertEqual(found(nativeLanguageLocaleFilter={"include": ["en_US"]}), [])
        self.assertEqual(found(marketplaceScopeFilter={"include": ["SINGLE_MARKETPLACE"]}),
                         [0, 1, 2, 3])
        for body in ({"targetIdFilter": {"include": ["1"] * 101}},
                     {"keywordFilter": {"include": ["a"] * 101,
                                        "queryTermMatchType": "BROAD_MATCH"}},
                     {"productIdFilter": {"include": ["a"] * 101,
                                          "queryTermMatchType": "BROAD_MATCH"}},
                     {"matchTypeFilter": {"include": ["BROAD"] * 11}},
                     {"matchTypeFilter": {"include": ["FUZZY"]}},
                     {"targetTypeFilter": {"include": ["KEYWORD"] * 18}},
                     {"negativeFilter": {"include": [True, False]}},
                     {"negativeFilter": {"include": ["yes"]}},
                     {"keywordFilter": {"include": ["a"]}}):
            q("targets", expect=400, **body)

    def test_paging_and_max_results(self):
        self.write("create", "campaigns", [sp_campaign("P%d" % i) for i in range(10)])
        seen, token, pages = [], None, 0
        while True:
            body = {"maxResults": 5}
            if token:
                body["nextToken"] = token
            answer = self.query("campaigns", **body)
            pages += 1
            seen += self.names(answer)
            token = answer.get("nextToken")
            if not token:
                break
        self.assertEqual((pages, len(seen), len(set(seen))), (3, 12, 12))
        self.assertEqual(len(self.query("campaigns")["campaigns"]), 12)
        self.query("campaigns", expect=400, maxResults=101)
        self.query("campaigns", expect=400, maxResults=0)
        self.query("campaigns", expect=400, maxResults="5")
        self.query("targets", maxResults=5000)
        self.query("targets", expect=400, maxResults=5001)
        self.query("campaigns", DSP, maxResults=100)
        self.query("campaigns", expect=400, nextToken="bogus")
        token = self.query("campaigns", maxResults=5)["nextToken"]
        self.query("campaigns", SB, expect=400, nextToken=token)   # bound to its filters
        self.query("campaigns", expect=400, nextToken=token,
                   stateFilter={"include": ["ENABLED"]})
        self.v1("query", "adAssociations", {"maxResults": 101}, scope=None,
                account=DSP_ACCOUNT, expect=400)
        self.v1("query", "adExtensions", {"maxResults": 1000}, expect=200)
        self.v1("query", "adExtensions", {"maxResults": 1001}, expect=400)


if __name__ == "__main__":
    unittest.main()
