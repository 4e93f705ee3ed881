"""The simulator's answers checked against Amazon's specs by the validating proxy.

Runs a campaign-management scenario through ``prism proxy --errors`` (test/contract/)
in front of a simulator, and fails on any request or response the proxy finds invalid.
Skipped when test/contract/node_modules has no prism. Only schema-valid requests go
through the proxy (it rejects the others itself, with 422); semantic errors (bid and
budget ranges, duplicates, unknown ids) are schema-valid and do reach the simulator.
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_sim import CLIENT_ID, PROFILE, SimProcess, call, campaign, token_form  # noqa: E402
from test_v1 import (DSP, DSP_ACCOUNT, SB, SP, budget, dsp_ad_group, dsp_campaign,  # noqa: E402
                     keyword, sb_campaign, sp_ad, sp_campaign)
from test_v1_betas import (DSP_UK, GLOBAL, VENDOR, address, allocation,  # noqa: E402
                           incremental_item, new_account, reach_item, streaming)

CONTRACT_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "contract")
PRISM = os.path.join(CONTRACT_DIR, "node_modules", ".bin", "prism")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@unittest.skipUnless(os.path.exists(PRISM), "prism is not installed in test/contract")
class ContractTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        spec = os.path.join(cls.tmp.name, "merged.json")
        subprocess.run([sys.executable, os.path.join(CONTRACT_DIR, "merge-specs.py"),
                        "--out", spec], check=True, stderr=subprocess.DEVNULL)
        cls.sim = SimProcess()
        cls.proxy_port = free_port()
        cls.log = open(os.path.join(cls.tmp.name, "prism.log"), "w")
        cls.prism = subprocess.Popen(
            [PRISM, "proxy", "--errors", "-h", "127.0.0.1", "-p", str(cls.proxy_port), spec,
             "http://127.0.0.1:%d" % cls.sim.port],
            stdout=cls.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", cls.proxy_port), timeout=1).close()
                break
            except OSError:
                if cls.prism.poll() is not None or time.monotonic() > deadline:
                    cls.tearDownClass()
                    raise RuntimeError("prism did not start")
                time.sleep(0.2)

    @classmethod
    def tearDownClass(cls):
        if cls.prism.poll() is None:
            cls.prism.terminate()
            try:
                cls.prism.wait(10)
            except subprocess.TimeoutExpired:
                cls.prism.kill()
                cls.prism.wait()
        cls.log.close()
        cls.sim.stop()
        cls.tmp.cleanup()

    def setUp(self):
        call(self.sim.port, "POST", "/_sim/reset")
        grant = call(self.sim.port, "POST", "/auth/o2/token", token_form(),
                     {"Content-Type": "application/x-www-form-urlencoded"})
        self.headers = {"Authorization": "Bearer " + grant.json["access_token"],
                        "Amazon-Advertising-API-ClientId": CLIENT_ID,
                        "Amazon-Advertising-API-Scope": PROFILE}

    def via(self, method, path, body=None, expect=200, prefer=False, **header_changes):
        headers = dict(self.headers, **header_changes)
        headers = {k: v for k, v in headers.items() if v is not None}
        if prefer:
            headers["Prefer"] = "return=representation"
        answer = call(self.proxy_port, method, path, body, headers, timeout=30)
        self.assertNotIn("sl-violations", answer.headers,
                         "%s %s: %s" % (method, path, answer.headers.get("sl-violations")))
        self.assertEqual(answer.status, expect, "%s %s: %s" % (method, path, answer.raw[:800]))
        return answer.json

    def v1(self, verb, key, body, expect=200, dsp=False):
        """A v1 call: Amazon-Ads-ClientId, and Scope (SP/SB) or Amazon-Ads-AccountId (DSP)."""
        changes = {"Amazon-Advertising-API-ClientId": None, "Amazon-Ads-ClientId": CLIENT_ID}
        if dsp:
            changes.update({"Amazon-Advertising-API-Scope": None,
                            "Amazon-Ads-AccountId": DSP_ACCOUNT})
        return self.via("POST", "/adsApi/v1/%s/%s" % (verb, key), body, expect=expect,
                        **changes)

    def prism_violations(self):
        """Violation / termination lines Prism logged so far (warnings included)."""
        self.log.flush()
        time.sleep(0.3)   # prism writes its log lines asynchronously
        with open(self.log.name, encoding="utf-8", errors="replace") as fh:
            return [line for line in fh if "Violation" in line
                    or "Request terminated with error" in line]

    def fault(self, **spec):
        answer = call(self.sim.port, "POST", "/_sim/faults", {"faults": [spec]})
        self.assertEqual(answer.status, 200)

    def test_accounts(self):
        self.via("GET", "/v2/profiles", **{"Amazon-Advertising-API-Scope": None})
        self.via("POST", "/ras/v1/retailers/list", {"maxResults": 200})
        self.via("POST", "/ras/v1/retailers/list",
                 {"retailerIdFilter": {"include": ["retailer-1", "retailer-50"]}})

    def test_campaign_management(self):
        created = self.via("POST", "/ras/v1/campaigns", {"campaigns": [
            campaign("Manual"), campaign("Auto", "AUTO", tags=[{"key": "k", "value": "v"}],
                                         startDate="2099-01-01", endDate="2099-02-01"),
            campaign("Manual"), campaign("Low", budget=0.5),
            campaign("Dates", startDate="2099-02-01", endDate="2099-01-01")]},
            expect=207, prefer=True)["campaigns"]
        manual, auto = [s["campaignId"] for s in created["success"]]
        self.via("POST", "/ras/v1/campaigns", {"campaigns": [campaign("Plain")]}, expect=207)
        self.via("POST", "/ras/v1/campaigns/list", {})
        self.via("POST", "/ras/v1/campaigns/list", {"maxResults": 1})
        self.via("POST", "/ras/v1/campaigns/list", {"nextToken": "bogus"}, expect=400)
        self.via("PUT", "/ras/v1/campaigns", {"campaigns": [
            {"campaignId": manual, "name": "Renamed", "endDate": None, "portfolioId": None},
            {"campaignId": "1", "state": "PAUSED"}]}, expect=207, prefer=True)

        groups = self.via("POST", "/ras/v1/adGroups", {"adGroups": [
            {"campaignId": manual, "name": "g", "state": "ENABLED", "defaultBid": 1,
             "retailerId": "retailer-1"},
            {"campaignId": auto, "name": "g", "state": "ENABLED", "defaultBid": 1,
             "retailerId": "retailer-1"},
            {"campaignId": "1", "name": "g", "state": "ENABLED", "defaultBid": 1,
             "retailerId": "retailer-1"},
            {"campaignId": manual, "name": "cheap", "state": "ENABLED", "defaultBid": 0.01,
             "retailerId": "retailer-1"}]}, expect=207, prefer=True)["adGroups"]
        manual_ag, auto_ag = [s["adGroupId"] for s in groups["success"]]
        self.via("POST", "/ras/v1/adGroups/list", {"campaignIdFilter": {"include": [manual]}})
        self.via("PUT", "/ras/v1/adGroups", {"adGroups": [
            {"adGroupId": manual_ag, "defaultBid": 2}, {"adGroupId": "1"}]},
            expect=207, prefer=True)

        ads = self.via("POST", "/ras/v1/productAds", {"productAds": [
            {"campaignId": manual, "adGroupId": manual_ag, "state": "ENABLED",
             "retailerId": "retailer-1", "retailerOfferId": offer}
            for offer in ("R1-00001", "R1-00010", "R1-00001")]}, expect=207,
            prefer=True)["productAds"]
        ad = ads["success"][0]["productAdId"]
        self.via("PUT", "/ras/v1/productAds",
                 {"productAds": [{"productAdId": ad, "state": "PAUSED"}]},
                 expect=207, prefer=True)
        self.via("POST", "/ras/v1/productAds/list", {})

        def keyword(campaign_id, ad_group_id, text, negative=False, **extra):
            item = {"campaignId": campaign_id, "state": "ENABLED", "negative": negative,
                    "targetType": "KEYWORD",
                    "targetDetails": {"keywordTarget": {"keyword": text,
                                                        "matchType": "EXACT"}}}
            if ad_group_id:
                item["adGroupId"] = ad_group_id
            item.update(extra)
            return item

        targets = self.via("POST", "/ras/v1/targets", {"targets": [
            keyword(manual, manual_ag, "shoes", bid={"bid": 1.5}),
            keyword(manual, None, "cheap", negative=True),
            keyword(auto, auto_ag, "positive in auto"),
            keyword(manual, manual_ag, "low", bid={"bid": 0.001}),
            {"campaignId": manual, "adGroupId": manual_ag, "state": "ENABLED",
             "negative": False, "targetType": "AUTO",
             "targetDetails": {"autoTarget": {"matchType": "KEYWORDS_CLOSE_MATCH"}}},
            {"campaignId": manual, "adGroupId": manual_ag, "state": "ENABLED",
             "negative": False, "targetType": "PRODUCT",
             "targetDetails": {"productTarget": {"matchType": "PRODUCT_EXACT",
                                                 "productId": "R1-00003",
                                                 "productIdType": "RETAILER_OFFER"}}}]},
            expect=207, prefer=True)["targets"]
        target = targets["success"][0]["targetId"]
        self.via("POST", "/ras/v1/targets/list", {"targetTypeFilter": ["AUTO"]})
        self.via("POST", "/ras/v1/targets/list", {
            "keywordFilter": {"include": ["shoes"], "queryTermMatchType": "BROAD_MATCH"},
            "matchTypeFilter": ["EXACT"], "negativeFilter": {"include": [False]},
            "targetLevelFilter": {"include": ["AD_GROUP"]}, "stateFilter": {"include":
                                                                            ["ENABLED"]}})
        self.via("PUT", "/ras/v1/targets", {"targets": [
            {"targetId": target, "bid": {"bid": 2}}, {"targetId": "1", "state": "PAUSED"}]},
            expect=207, prefer=True)

        for path, id_filter, ids in (("targets", "targetIdFilter", [target, "1"]),
                                     ("productAds", "productAdIdFilter", [ad]),
                                     ("adGroups", "adGroupIdFilter", [manual_ag]),
                                     ("campaigns", "campaignIdFilter", [manual, "1"])):
            self.via("POST", "/ras/v1/%s/delete" % path, {id_filter: {"include": ids}},
                     expect=207)
        self.via("POST", "/ras/v1/campaigns/list", {"stateFilter": {"include": ["ARCHIVED"]}})

    def test_v1_sponsored_products(self):
        before = len(self.prism_violations())
        created = self.v1("create", "campaigns", {"campaigns": [
            sp_campaign("V1 Manual"), sp_campaign("V1 Auto", True, endDateTime=
                                                  "2099-01-01T00:00:00Z"),
            sp_campaign("V1 Manual"), sp_campaign("Low", budgets=[budget(0.5)]),
            sp_campaign("Tagged", tags=[{"key": "k", "value": "1"},
                                        {"key": "k", "value": "2"}])]}, expect=207)
        self.assertEqual(len(created["error"]), 2)
        self.assertEqual(len(created["partialSuccess"]), 1)
        manual, auto = [s["campaign"]["campaignId"] for s in created["success"]]
        self.v1("create", "campaigns", {"campaigns": [sb_campaign("V1 Brand")]}, expect=207)
        groups = self.v1("create", "adGroups", {"adGroups": [
            {"adProduct": SP, "campaignId": cid, "name": "g", "state": "ENABLED",
             "bid": {"defaultBid": bid}}
            for cid, bid in ((manual, 1), (auto, 1), ("1", 1), (manual, 0.01))]},
            expect=207)
        manual_ag, auto_ag = [s["adGroup"]["adGroupId"] for s in groups["success"]]
        ads = self.v1("create", "ads", {"ads": [sp_ad(manual_ag), sp_ad(manual_ag),
                                                sp_ad("1")]}, expect=207)
        ad = ads["success"][0]["ad"]["adId"]
        targets = self.v1("create", "targets", {"targets": [
            keyword(SP, "shoes", ad_group_id=manual_ag, bid={"bid": 1.5}),
            keyword(SP, "cheap", campaign_id=manual, negative=True),
            keyword(SP, "positive in auto", ad_group_id=auto_ag),
            keyword(SP, "low", ad_group_id=manual_ag, bid={"bid": 0.001}),
            {"adProduct": SP, "adGroupId": manual_ag, "state": "ENABLED", "negative": False,
             "targetType": "PRODUCT", "targetDetails": {"productTarget": {
                 "product": {"productId": "B000000003"}, "productIdType": "ASIN",
                 "matchType": "PRODUCT_EXACT"}}}]}, expect=207)
        target = targets["success"][0]["target"]["targetId"]
        for key in ("campaigns", "adGroups", "ads", "targets"):
            self.v1("query", key, {"adProductFilter": {"include": [SP]}, "maxResults": 2})
        self.v1("query", "campaigns", {"adProductFilter": {"include": [SB]}})
        self.v1("query", "targets", {
            "adProductFilter": {"include": [SP]},
            "keywordFilter": {"include": ["shoes"], "queryTermMatchType": "BROAD_MATCH"},
            "matchTypeFilter": {"include": ["EXACT"]}, "negativeFilter": {"include": [False]},
            "stateFilter": {"include": ["ENABLED"]}, "targetTypeFilter": {"include": [
                "KEYWORD"]}})
        self.v1("query", "campaigns", {"adProductFilter": {"include": [SP]},
                                       "nameFilter": {"include": ["v1"],
                                                      "queryTermMatchType": "BROAD_MATCH"}})
        self.v1("query", "campaigns", {"adProductFilter": {"include": [SP]},
                                       "nextToken": "bogus"}, expect=400)
        self.v1("update", "campaigns", {"campaigns": [
            {"campaignId": manual, "name": "Renamed", "state": "PAUSED",
             "endDateTime": None}, {"campaignId": "1", "state": "PAUSED"}]}, expect=207)
        self.v1("update", "adGroups", {"adGroups": [
            {"adGroupId": manual_ag, "bid": {"defaultBid": 2}}, {"adGroupId": "1"}]},
            expect=207)
        self.v1("update", "ads", {"ads": [{"adId": ad, "state": "PAUSED"}]}, expect=207)
        self.v1("update", "targets", {"targets": [{"targetId": target, "bid": {"bid": 2}},
                                                  {"targetId": "1", "state": "PAUSED"}]},
                expect=207)
        for key, ids in (("targets", [target, "1"]), ("ads", [ad]),
                         ("adGroups", [manual_ag]), ("campaigns", [manual, "1"])):
            self.v1("delete", key, {key[:-1] + "Ids": ids}, expect=207)
        self.v1("query", "campaigns", {"adProductFilter": {"include": [SP]},
                                       "stateFilter": {"include": ["ARCHIVED"]}})
        self.v1("create", "campaigns", {"campaigns": [sp_campaign("c%d" % i)
                                                      for i in range(11)]}, expect=413)
        self.assertEqual(self.prism_violations()[before:], [])

    def test_v1_dsp(self):
        before = len(self.prism_violations())
        created = self.v1("create", "campaigns", {"campaigns": [
            dsp_campaign("DSP"), dsp_campaign("Live", state="ENABLED")]}, expect=207, dsp=True)
        campaign_id = created["success"][0]["campaign"]["campaignId"]
        groups = self.v1("create", "adGroups", {"adGroups": [
            dsp_ad_group(campaign_id), dsp_ad_group(campaign_id, "low",
                                                    bid={"baseBid": 0.01})]},
            expect=207, dsp=True)
        ad_group_id = groups["success"][0]["adGroup"]["adGroupId"]
        ads = self.v1("create", "ads", {"ads": [{
            "adProduct": DSP, "adType": "DISPLAY", "name": "Ad", "state": "ENABLED",
            "creative": {"displayCreative": {}}}]}, expect=207, dsp=True)
        ad_id = ads["success"][0]["ad"]["adId"]
        assoc = self.v1("create", "adAssociations", {"adAssociations": [
            {"adId": ad_id, "adGroupId": ad_group_id, "state": "ENABLED", "weight": 10},
            {"adId": "1", "adGroupId": ad_group_id, "state": "ENABLED"}]},
            expect=207, dsp=True)
        assoc_id = assoc["success"][0]["adAssociation"]["adAssociationId"]
        self.v1("create", "targets", {"targets": [
            {"adProduct": DSP, "adGroupId": ad_group_id, "state": "ENABLED", "negative": False,
             "targetType": "INVENTORY_SOURCE", "targetDetails": {"inventorySourceTarget": {
                 "inventorySourceType": "AMAZON",
                 "inventorySourceId": {"defaultValue": "amz"}}}}]}, expect=207, dsp=True)
        for key in ("campaigns", "adGroups", "ads", "targets"):
            self.v1("query", key, {"adProductFilter": {"include": [DSP]}}, dsp=True)
        self.v1("query", "adAssociations", {"adIdFilter": {"include": [ad_id]}}, dsp=True)
        self.v1("update", "campaigns", {"campaigns": [{"campaignId": campaign_id,
                                                       "state": "ENABLED"}]},
                expect=207, dsp=True)
        self.v1("update", "adAssociations", {"adAssociations": [
            {"adAssociationId": assoc_id, "weight": 20}]}, expect=207, dsp=True)
        self.v1("delete", "adAssociations", {"adAssociationIds": [assoc_id, "1"]},
                expect=207, dsp=True)
        self.v1("delete", "campaigns", {"campaignIds": [campaign_id]}, expect=207, dsp=True)
        self.v1("query", "campaigns", {"adProductFilter": {"include": [DSP]}}, expect=403)
        for status in (429, 500, 503):
            self.fault(kind="status", status=status, path="/adsApi/v1/")
            self.v1("query", "campaigns", {"adProductFilter": {"include": [DSP]}},
                    expect=status, dsp=True)
        self.assertEqual(self.prism_violations()[before:], [])

    # ------------------------------------------------------------------ v1 betas

    def beta(self, method, path, body=None, expect=200, scope=None, account=None):
        """A v1 beta call: Amazon-Ads-ClientId, plus Scope and/or Amazon-Ads-AccountId."""
        changes = {"Amazon-Advertising-API-ClientId": None, "Amazon-Ads-ClientId": CLIENT_ID,
                   "Amazon-Advertising-API-Scope": scope, "Amazon-Ads-AccountId": account}
        return self.via(method, "/adsApi/v1/" + path, body, expect=expect, **changes)

    def test_v1_beta_account_registration(self):
        before = len(self.prism_violations())
        created = self.beta("POST", "create/advertiserAccounts", {"advertiserAccounts": [
            new_account("Contract %d" % i) for i in range(10)] + [
            new_account("Sim Vendor"),
            new_account("Zip", businessDetails=[{"address": address(zipCode="1")}]),
            new_account("Linked", sellingAccountLinkRequests=[{"sellingAccountLinkDetails": {
                "sellingAccountLinkToken": "slt.sim.author.us",
                "sellingProgram": "AMAZON_AUTHOR"}}])]}, expect=207)
        self.assertEqual(len(created["success"]), 11)
        self.assertEqual(len(created["error"]), 2)
        new_id = created["success"][0]["advertiserAccount"]["advertiserAccountId"]
        page = self.beta("POST", "query/advertiserAccounts", {"maxResults": 10})
        self.beta("POST", "query/advertiserAccounts", {"maxResults": 10,
                                                       "nextToken": page["nextToken"]})
        self.beta("POST", "query/advertiserAccounts", {
            "advertiserAccountIdFilter": {"include": [GLOBAL, new_id]},
            "isGlobalAccountFilter": {"include": [True]}})
        self.beta("POST", "update/advertiserAccounts", {"advertiserAccounts": [
            {"advertiserAccountId": new_id, "displayName": "Renamed",
             "industryVertical": "Health"},
            {"advertiserAccountId": GLOBAL, "currencyCode": "EUR"},
            {"advertiserAccountId": "amzn1.ads-account.g.nope"}]}, expect=207)
        self.beta("POST", "query/sellingAccounts", {})
        self.beta("POST", "query/sellingAccounts", {
            "sellingProgramFilter": {"include": ["AMAZON_VENDOR"]},
            "sellingAccountLinkTokenFilter": {"include": ["slt.sim.vendor.us"]}})
        self.beta("POST", "query/managerAccounts", {"maxResults": 10})
        self.beta("POST", "query/managerAccounts", {"managerAccountIdFilter": {
            "include": ["amzn1.ads-account.m.simmanager1"]}})
        self.beta("POST", "query/advertiserAccounts", {"nextToken": "bogus"}, expect=400)
        self.assertEqual(self.prism_violations()[before:], [])

    def test_v1_beta_linked_accounts(self):
        before = len(self.prism_violations())
        created = self.beta("POST", "create/accountCombinationInvitations", {
            "accountCombinationInvitations": [
                {"advertiserAccountId": GLOBAL, "accountsToCombine": [
                    {"accountId": {"advertiserAccountId": DSP_UK},
                     "accountFunction": "BUSINESS_DETAILS_SOURCE"}]},
                {"advertiserAccountId": VENDOR, "accountsToCombine": [
                    {"accountId": {"advertiserAccountId": DSP_UK}}]}]}, expect=207)
        invitation = created["success"][0]["accountCombinationInvitation"]
        self.beta("POST", "update/accountCombinationInvitations", {
            "accountCombinationInvitations": [
                {"accountCombinationInvitationId": invitation["accountCombinationInvitationId"],
                 "status": "RESENT"},
                {"accountCombinationInvitationId": "8000000002", "status": "REJECTED"}]},
            expect=207)
        page = self.beta("POST", "query/accountCombinationInvitations", {"maxResults": 1})
        self.beta("POST", "query/accountCombinationInvitations",
                  {"maxResults": 1, "nextToken": page["nextToken"]})
        self.beta("POST", "query/accountCombinationInvitations", {})
        self.beta("POST", "create/advertiserProductGroupEligibilities", {
            "advertiserProductGroupEligibilities": [{"adProductGroup": "ADSP"}]},
            expect=207, account=VENDOR)
        self.beta("POST", "create/advertiserProductGroupEligibilities", {
            "advertiserProductGroupEligibilities": [{"adProductGroup": "ADSP"}]},
            expect=207, account=GLOBAL)
        self.beta("POST", "query/advertiserProductGroupEligibilities", {}, account=VENDOR)
        self.beta("POST", "query/advertiserProductGroupEligibilities", {
            "statusFilter": {"include": ["REJECTED"]}, "maxResults": 1}, account=VENDOR)
        self.beta("POST", "query/advertiserProductGroupEligibilities", {"maxResults": 0},
                  account=VENDOR)
        self.beta("POST", "query/advertiserProductGroupEligibilities", {}, expect=403,
                  account="nope")
        self.assertEqual(self.prism_violations()[before:], [])

    def test_v1_beta_brand_stores(self):
        before = len(self.prism_violations())
        page = self.beta("POST", "query/brandStores", {
            "storeNameFilter": {"include": ["acme"]}, "maxResults": 1}, scope=PROFILE)
        self.beta("POST", "query/brandStores", {"storeNameFilter": {"include": ["acme"]},
                                                "maxResults": 1,
                                                "nextToken": page["nextToken"]},
                  scope=PROFILE)
        self.beta("POST", "query/brandStores", {"storeNameFilter": {"include": ["e"]}},
                  account=GLOBAL)
        editions = self.beta("GET", "brandStoreEditions?brandStoreId=store-acme&maxResults=50",
                             scope=PROFILE)
        self.beta("GET", "brandStoreEditions?brandStoreId=store-acme&maxResults=50&"
                  "nextToken=" + editions["nextToken"], scope=PROFILE)
        self.beta("GET", "brandStoreEditions?brandStoreId=store-globex", scope=PROFILE)
        self.beta("GET", "brandStoreEditions?brandStoreId=nope", expect=404, scope=PROFILE)
        self.beta("GET", "brandStoreEditions?brandStoreId=store-acme&maxResults=51",
                  expect=400, scope=PROFILE)
        query = {"storeIdFilter": {"include": ["store-acme"]},
                 "editionIdFilter": {"include": ["edition-acme-001"]}}
        self.beta("POST", "query/brandStorePages", dict(
            query, pageIdFilter={"include": ["page-acme-home"]}), scope=PROFILE)
        self.beta("POST", "query/brandStorePages", dict(
            query, pageIdFilter={"include": ["page-acme-sale"]},
            storeEditionPublishIdFilter={"include": ["pub-acme-001-1"]}, maxResults=1),
            scope=PROFILE)
        self.beta("POST", "update/brandStorePages", {"brandStorePages": [{
            "pageId": "page-acme-home", "storeId": "store-acme",
            "content": {"title": "Home", "template": "PRODUCT_GRID"}}]},
            expect=207, scope=PROFILE)
        self.beta("POST", "update/brandStorePages", {"brandStorePages": [{
            "pageId": "page-acme-home", "editionId": "edition-acme-002"}]},
            expect=207, scope=PROFILE)
        versions = dict(query, publishStatusFilter={"include": ["DRAFT"]})
        page = self.beta("POST", "query/brandStoreEditionPublishVersions",
                         dict(versions, maxResults=2), scope=PROFILE)
        self.beta("POST", "query/brandStoreEditionPublishVersions",
                  dict(versions, maxResults=2, nextToken=page["nextToken"]), scope=PROFILE)
        for state in ("PUBLISH", "PUBLISH", "DRAFT"):
            self.beta("POST", "update/brandStoreEditionPublishVersions", {
                "brandStoreEditionPublishVersions": [{
                    "storeEditionPublishId": "pub-acme-001-1", "publishState": state}]},
                expect=207, scope=PROFILE)
        self.beta("POST", "query/brandStores", {"storeNameFilter": {"include": ["a"]}},
                  expect=403, scope="999")
        self.assertEqual(self.prism_violations()[before:], [])

    def test_v1_beta_forecasts(self):
        before = len(self.prism_violations())
        self.beta("POST", "query/linearTvDayparts", {})
        page = self.beta("POST", "query/linearTvDayparts", {
            "marketplaceFilter": {"include": ["US"]}, "maxResults": 3})
        self.beta("POST", "query/linearTvDayparts", {
            "marketplaceFilter": {"include": ["US"]}, "maxResults": 3,
            "nextToken": page["nextToken"]})
        self.beta("POST", "query/linearTvDayparts", {"nameFilter": {"include": ["ALL_DAY"]}})
        self.beta("POST", "create/linearTvReachForecasts", {"linearTvReachForecasts": [
            reach_item(), reach_item(allocation(100, "nope")),
            reach_item(allocation(50, "daypart-all-day", "CABLE"), reachUnit="INDIVIDUAL"),
            reach_item(marketplace="JP")]}, expect=207, account=DSP_ACCOUNT)
        self.beta("POST", "create/linearTvIncrementalReachForecasts", {
            "linearTvIncrementalReachForecasts": [
                incremental_item(), incremental_item(streaming(0)),
                incremental_item(streaming(1000000, "DAILY", "IMPRESSION"),
                                 linearTvReachPercentOverride=30),
                incremental_item(streaming(500, "MONTHLY"), linearTvInventoryAllocation=[])]},
            expect=207, account=DSP_ACCOUNT)
        self.beta("POST", "create/linearTvReachForecasts", {"linearTvReachForecasts": [
            reach_item()]}, expect=403, account="nope")
        self.assertEqual(self.prism_violations()[before:], [])

    def test_error_statuses(self):
        self.via("POST", "/ras/v1/campaigns/list", {}, expect=401, Authorization="Bearer no")
        self.via("POST", "/ras/v1/campaigns/list", {}, expect=403,
                 **{"Amazon-Advertising-API-Scope": "999"})
        self.via("GET", "/v2/profiles", expect=401, Authorization="Bearer no",
                 **{"Amazon-Advertising-API-Scope": None})
        self.via("POST", "/ras/v1/retailers/list", {}, expect=401, Authorization="Bearer no")
        for status in (429, 500, 502, 503, 504):
            for method, path, body in (("POST", "/ras/v1/targets/list", {}),
                                       ("POST", "/ras/v1/campaigns", {"campaigns": []}),
                                       ("POST", "/ras/v1/retailers/list", {}),
                                       ("GET", "/v2/profiles", None)):
                with self.subTest(status=status, path=path):
                    self.fault(kind="status", status=status, retry_after=1, path=path)
                    extra = {"Amazon-Advertising-API-Scope": None} if "profiles" in path else {}
                    self.via(method, path, body, expect=status, **extra)


if __name__ == "__main__":
    unittest.main()
