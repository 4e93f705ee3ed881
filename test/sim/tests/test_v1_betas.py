"""The Amazon Ads API v1 beta APIs of the simulator (v1betas.py), over HTTP: account
registration, linked accounts, Brand Stores, Linear TV forecasts.

Run: cd test/sim && python3 -m unittest discover -s tests -v
"""

import os
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_sim import PROFILE, call  # noqa: E402
from test_v1 import DSP_ACCOUNT, V1, V1TestCase  # noqa: E402

GLOBAL = "amzn1.ads-account.g.simglobal1"
VENDOR = "amzn1.ads-account.g.simvendor2"
DSP_UK = "amzn1.ads-account.g.simdspuk3"
PENDING = "amzn1.ads-account.g.simpending4"
VENDOR_PROFILE = "2345678901"


def address(**extra):
    item = {"addressLine1": "1 Main St", "businessName": "New Biz", "city": "Seattle",
            "countryCode": "US", "state": "WA", "zipCode": "98101"}
    item.update(extra)
    return item


def new_account(name, **extra):
    item = {"displayName": name, "businessDetails": [{"address": address(),
                                                      "website": "https://new.example"}],
            "currencyCode": "USD", "timeZoneIana": "America/Los_Angeles"}
    item.update(extra)
    return item


def allocation(grp, daypart="daypart-prime-time", inventory="BROADCAST"):
    return {"grossRatingPoint": grp, "inventoryType": inventory, "linearTvDaypartId": daypart}


def reach_item(*allocations, **extra):
    item = {"startDate": "2030-01-01", "endDate": "2030-01-28", "marketplace": "US",
            "reachUnit": "HOUSEHOLD",
            "linearTvInventoryAllocation": list(allocations) or [allocation(100)]}
    item.update(extra)
    return item


def streaming(value, recurrence="LIFETIME", kind="MONETARY"):
    if kind == "MONETARY":
        budget_value = {"monetaryBudgetValue": {"monetaryBudget": {"value": value}}}
    else:
        budget_value = {"impressionBudgetValue": {"impression": value}}
    return {"reachForecastId": "rf-1", "budget": {
        "budgetType": kind, "recurrenceTimePeriod": recurrence, "budgetValue": budget_value}}


def incremental_item(*budgets, **extra):
    item = {"startDate": "2030-01-01", "endDate": "2030-01-10", "marketplace": "US",
            "reachUnit": "HOUSEHOLD", "linearTvInventoryAllocation": [allocation(150)],
            "streamingTvBudgetAllocation": list(budgets) or [streaming(125000)]}
    item.update(extra)
    return item


class BetaTestCase(V1TestCase):
    def beta(self, verb, key, body, expect=None, scope=None, account=None, **kw):
        return self.v1(verb, key, body, expect=expect, scope=scope, account=account, **kw)

    def query_all(self, key, body, page_size, **headers):
        """Every item of a query, page by page; answers (items, pages)."""
        items, pages, token = [], 0, None
        while True:
            page_body = dict(body, maxResults=page_size)
            if token:
                page_body["nextToken"] = token
            answer = self.beta("query", key, page_body, expect=200, **headers).json
            self.assertLessEqual(len(answer[key]), page_size)
            items += answer[key]
            pages += 1
            token = answer.get("nextToken")
            if not token:
                return items, pages

    def get_editions(self, expect=200, scope=PROFILE, **params):
        path = "%s/brandStoreEditions?%s" % (V1, urllib.parse.urlencode(params))
        answer = call(self.port, "GET", path, None, self.v1_headers(scope=scope))
        self.assertEqual(answer.status, expect, answer.raw[:500])
        return answer.json

    def assert_code(self, answer, status, code):
        self.assertEqual(answer.status, status, answer.raw[:500])
        self.assertEqual(answer.json["code"], code, answer.json)

    def item_codes(self, answer):
        return {e["index"]: [(x["code"], x.get("fieldLocation")) for x in e["errors"]]
                for e in answer["error"]}


class AccountRegistrationTests(BetaTestCase):
    def test_query_seeded_accounts_and_filters(self):
        answer = self.beta("query", "advertiserAccounts", {}, expect=200).json
        ids = [a["advertiserAccountId"] for a in answer["advertiserAccounts"]]
        self.assertEqual(ids, [GLOBAL, VENDOR, DSP_UK, PENDING])
        self.assertNotIn("nextToken", answer)
        first = answer["advertiserAccounts"][0]
        self.assertEqual(first["status"], {"statusCode": "APPROVED",
                                           "statusMessage": "The account is registered."})
        self.assertIn({"dspAdvertiserId": "5860000000001", "entityId": "ENTITY1ABC",
                       "countryCode": "US", "region": "NA"}, first["alternateIds"])
        self.assertEqual(answer["advertiserAccounts"][3]["status"]["statusCode"],
                         "REGISTRATION_IN_PROGRESS")
        found = self.beta("query", "advertiserAccounts", {
            "advertiserAccountIdFilter": {"include": [VENDOR, "nope"]}}, expect=200).json
        self.assertEqual([a["displayName"] for a in found["advertiserAccounts"]],
                         ["Sim Vendor"])
        globals_ = self.beta("query", "advertiserAccounts", {
            "isGlobalAccountFilter": {"include": [True]}}, expect=200).json
        self.assertEqual([a["advertiserAccountId"] for a in globals_["advertiserAccounts"]],
                         [GLOBAL])

    def test_query_limits(self):
        for body in ({"maxResults": 9}, {"maxResults": 101}, {"maxResults": "10"},
                     {"advertiserAccountIdFilter": {"include": []}},
                     {"advertiserAccountIdFilter": {"include": ["x"] * 101}},
                     {"isGlobalAccountFilter": {"include": ["yes"]}},
                     {"nextToken": "bogus"}):
            with self.subTest(body=body):
                self.assert_code(self.beta("query", "advertiserAccounts", body), 400,
                                 "BAD_REQUEST")

    def test_create_paging_and_partial_failure(self):
        items = [new_account("Bulk %02d" % i) for i in range(12)]
        items += [new_account("Sim Vendor"),                          # name taken
                  new_account("Bad zip", businessDetails=[{"address": address(zipCode="1")}]),
                  new_account("Bad site", businessDetails=[{"address": address(),
                                                            "website": "ftp:/x"}]),
                  new_account("No city", businessDetails=[{"address": {
                      k: val for k, val in address().items() if k != "city"}}]),
                  new_account("Bad currency", currencyCode="XXX"),
                  new_account("Bad manager", managerAccountId="nope"),
                  new_account("Linked", sellingAccountLinkRequests=[{
                      "sellingAccountLinkDetails": {"sellingAccountLinkToken":
                                                    "slt.sim.seller.us"}}])]
        answer = self.beta("create", "advertiserAccounts", {"advertiserAccounts": items},
                           expect=207).json
        self.assertEqual([s["index"] for s in answer["success"]], list(range(12)))
        self.assertEqual(self.item_codes(answer), {
            12: [("ACCOUNT_ALREADY_EXISTS_FOR_ACCOUNT_NAME", "displayName")],
            13: [("INVALID_ZIP_CODE", "businessDetails[0].address.zipCode")],
            14: [("INVALID_WEBSITE_URL", "businessDetails[0].website")],
            15: [("MISSING_CITY", "businessDetails[0].address.city")],
            16: [("FIELD_VALUE_IS_INVALID", "currencyCode")],
            17: [("RESOURCE_ID_NOT_FOUND", "managerAccountId")],
            18: [("ACCOUNT_ALREADY_EXISTS_FOR_SELLING_ACCOUNT",
                  "sellingAccountLinkRequests[0].sellingAccountLinkDetails."
                  "sellingAccountLinkToken")]})
        created = answer["success"][0]["advertiserAccount"]
        self.assertTrue(created["advertiserAccountId"].startswith("amzn1.ads-account.g.sim"))
        self.assertEqual(created["status"]["statusCode"], "REGISTRATION_IN_PROGRESS")
        self.assertEqual(created["displayName"], "Bulk 00")
        accounts, pages = self.query_all("advertiserAccounts", {}, 10)
        self.assertEqual(len(accounts), 16)
        self.assertEqual(pages, 2)
        self.assertEqual(len({a["advertiserAccountId"] for a in accounts}), 16)

    def test_create_links_author_account(self):
        answer = self.beta("create", "advertiserAccounts", {"advertiserAccounts": [
            new_account("Author", sellingAccountLinkRequests=[{"sellingAccountLinkDetails": {
                "sellingAccountLinkToken": "slt.sim.author.us",
                "sellingProgram": "AMAZON_AUTHOR"}}]),
            new_account("Wrong program", sellingAccountLinkRequests=[{
                "sellingAccountLinkDetails": {"sellingAccountLinkToken": "slt.sim.author.us",
                                              "sellingProgram": "AMAZON_SELLER"}}])]},
            expect=207).json
        link = answer["success"][0]["advertiserAccount"]["sellingAccountLinkRequests"][0]
        self.assertEqual(link["sellingAccountLinkDetails"]["linkStatus"]["statusCode"],
                         "PENDING_APPROVAL")
        self.assertEqual(self.item_codes(answer)[1][0][0], "FIELD_VALUE_MISMATCH")

    def test_update(self):
        answer = self.beta("update", "advertiserAccounts", {"advertiserAccounts": [
            {"advertiserAccountId": VENDOR, "displayName": "Sim Vendor Renamed",
             "industryVertical": "Health"},
            {"advertiserAccountId": "amzn1.ads-account.g.nope", "displayName": "x"},
            {"advertiserAccountId": GLOBAL, "currencyCode": "EUR"},
            {"advertiserAccountId": DSP_UK, "displayName": "Sim Global Account"},
            {"displayName": "no id"}]}, expect=207).json
        updated = answer["success"][0]["advertiserAccount"]
        self.assertEqual((updated["displayName"], updated["industryVertical"]),
                         ("Sim Vendor Renamed", "Health"))
        self.assertEqual(self.item_codes(answer), {
            1: [("RESOURCE_ID_NOT_FOUND", "advertiserAccountId")],
            2: [("FIELD_VALUE_CANNOT_EDIT", "currencyCode")],
            3: [("ACCOUNT_ALREADY_EXISTS_FOR_ACCOUNT_NAME", "displayName")],
            4: [("FIELD_VALUE_IS_NULL", "advertiserAccountId")]})

    def test_write_limits(self):
        for body in ({"advertiserAccounts": [new_account("x%d" % i) for i in range(101)]},
                     {"advertiserAccounts": []}, {"advertiserAccounts": {}}, {}, []):
            with self.subTest(n=len(str(body))):
                self.assert_code(self.beta("create", "advertiserAccounts", body), 400,
                                 "BAD_REQUEST")

    def test_selling_and_manager_accounts(self):
        answer = self.beta("query", "sellingAccounts", {}, expect=200).json
        self.assertEqual([a["sellingAccountLinkToken"] for a in answer["sellingAccounts"]],
                         ["slt.sim.seller.us", "slt.sim.vendor.us", "slt.sim.author.us"])
        self.assertEqual(answer["sellingAccounts"][0]["portals"], ["SELLER_CENTRAL"])
        vendors = self.beta("query", "sellingAccounts", {"sellingProgramFilter": {
            "include": ["AMAZON_VENDOR"]}}, expect=200).json["sellingAccounts"]
        self.assertEqual([a["displayName"] for a in vendors], ["Sim Vendor"])
        self.assert_code(self.beta("query", "sellingAccounts", {"sellingProgramFilter": {
            "include": ["AMAZON_VENDOR", "AMAZON_SELLER"]}}), 400, "BAD_REQUEST")
        managers = self.beta("query", "managerAccounts", {}, expect=200).json
        self.assertEqual([(m["managerAccountId"], m["managerAccountName"])
                          for m in managers["managerAccounts"]],
                         [("amzn1.ads-account.m.simmanager1", "Sim Agency"),
                          ("amzn1.ads-account.m.simmanager2", "Sim Holding")])
        one = self.beta("query", "managerAccounts", {"managerAccountIdFilter": {
            "include": ["amzn1.ads-account.m.simmanager2"]}}, expect=200).json
        self.assertEqual(len(one["managerAccounts"]), 1)
        self.assert_code(self.beta("query", "managerAccounts", {"maxResults": 5}), 400,
                         "BAD_REQUEST")

    def test_client_header_only(self):
        # No Scope / AccountId needed; the RAS client header does not count.
        headers = self.v1_headers(scope=None, client=None)
        headers["Amazon-Advertising-API-ClientId"] = "amzn1.application-oa2-client.sim"
        answer = call(self.port, "POST", V1 + "/query/advertiserAccounts", {}, headers)
        self.assert_code(answer, 401, "UNAUTHORIZED")
        self.beta("query", "advertiserAccounts", {}, expect=200, scope=PROFILE)


class LinkedAccountTests(BetaTestCase):
    def test_invitations(self):
        seeded = self.beta("query", "accountCombinationInvitations", {}, expect=200).json
        self.assertEqual([(i["accountCombinationInvitationId"], i["status"])
                          for i in seeded["accountCombinationInvitations"]],
                         [("8000000001", "PENDING"), ("8000000002", "APPROVED")])
        created = self.beta("create", "accountCombinationInvitations", {
            "accountCombinationInvitations": [
                {"advertiserAccountId": GLOBAL, "accountsToCombine": [
                    {"accountId": {"advertiserAccountId": DSP_UK},
                     "accountFunction": "BUSINESS_DETAILS_SOURCE"}]},
                {"advertiserAccountId": VENDOR, "accountsToCombine": [
                    {"accountId": {"advertiserAccountId": DSP_UK}}]},
                {"advertiserAccountId": GLOBAL, "accountsToCombine": [
                    {"accountId": {"advertiserAccountId": "nope"}},
                    {"accountId": {"advertiserAccountId": DSP_UK}},
                    {"accountId": {"advertiserAccountId": DSP_UK}}]},
                {"advertiserAccountId": GLOBAL, "status": "APPROVED", "accountsToCombine": [
                    {"accountId": {"advertiserAccountId": DSP_UK}}]},
                {"advertiserAccountId": GLOBAL, "accountsToCombine": []}]},
            expect=207).json
        invitation = created["success"][0]["accountCombinationInvitation"]
        self.assertEqual((invitation["status"], invitation["statusMessage"]),
                         ("PENDING", "Waiting for the invited accounts to accept."))
        self.assertEqual(self.item_codes(created), {
            1: [("FIELD_VALUE_IS_INVALID", "advertiserAccountId")],
            2: [("RESOURCE_ID_NOT_FOUND", "accountsToCombine[0].accountId.advertiserAccountId"),
                ("DUPLICATE_RESOURCE_ID_FOUND",
                 "accountsToCombine[2].accountId.advertiserAccountId")],
            3: [("FIELD_VALUE_IS_INVALID", "status")],
            4: [("FIELD_SIZE_IS_BELOW_MINIMUM_LIMIT", "accountsToCombine")]})
        new_id = invitation["accountCombinationInvitationId"]
        updated = self.beta("update", "accountCombinationInvitations", {
            "accountCombinationInvitations": [
                {"accountCombinationInvitationId": new_id, "status": "APPROVED"},
                {"accountCombinationInvitationId": "8000000002", "status": "REJECTED"},
                {"accountCombinationInvitationId": "8000000001", "status": "PENDING"},
                {"accountCombinationInvitationId": "1", "status": "RESENT"}]},
            expect=207).json
        self.assertEqual(updated["success"][0]["accountCombinationInvitation"]["status"],
                         "APPROVED")
        self.assertEqual(self.item_codes(updated), {
            1: [("RESOURCE_IS_IN_TERMINAL_STATE", "status")],
            2: [("FIELD_VALUE_IS_INVALID", "status")],
            3: [("RESOURCE_ID_NOT_FOUND", "accountCombinationInvitationId")]})
        items, pages = self.query_all("accountCombinationInvitations", {}, 1)
        self.assertEqual((len(items), pages), (3, 3))
        default = self.beta("query", "accountCombinationInvitations", {}, expect=200).json
        self.assertEqual(len(default["accountCombinationInvitations"]), 3)   # default 10
        for size in (0, 101):
            self.assert_code(self.beta("query", "accountCombinationInvitations",
                                       {"maxResults": size}), 400, "BAD_REQUEST")
        too_many = [{"accountsToCombine": [{"accountId": {"advertiserAccountId": DSP_UK}}]}
                    ] * 51
        self.assert_code(self.beta("create", "accountCombinationInvitations",
                                   {"accountCombinationInvitations": too_many}),
                         400, "BAD_REQUEST")

    def test_eligibilities(self):
        answer = self.beta("query", "advertiserProductGroupEligibilities", {}, expect=200,
                           account=GLOBAL).json
        self.assertEqual([(e["advertiserProductGroupEligibilityId"], e["status"])
                          for e in answer["advertiserProductGroupEligibilities"]],
                         [("9000000001", "APPROVED")])
        # A DSP entity id names the advertiser account holding it as an alternate id.
        same = self.beta("query", "advertiserProductGroupEligibilities", {}, expect=200,
                         account=DSP_ACCOUNT).json
        self.assertEqual(same, answer)
        # Already approved: not again; vendor's was rejected: it may ask again.
        again = self.beta("create", "advertiserProductGroupEligibilities", {
            "advertiserProductGroupEligibilities": [{"adProductGroup": "ADSP"}]},
            expect=207, account=GLOBAL).json
        self.assertEqual(self.item_codes(again), {0: [("FIELD_VALUE_NOT_UNIQUE",
                                                       "adProductGroup")]})
        created = self.beta("create", "advertiserProductGroupEligibilities", {
            "advertiserProductGroupEligibilities": [{"adProductGroup": "ADSP"}]},
            expect=207, account=VENDOR).json
        record = created["success"][0]["advertiserProductGroupEligibility"]
        self.assertEqual((record["status"], record["advertiserAccountId"]), ("PENDING", VENDOR))
        pending = self.beta("query", "advertiserProductGroupEligibilities", {
            "statusFilter": {"include": ["PENDING"]}}, expect=200, account=VENDOR).json
        self.assertEqual([e["advertiserProductGroupEligibilityId"]
                          for e in pending["advertiserProductGroupEligibilities"]],
                         [record["advertiserProductGroupEligibilityId"]])
        items, pages = self.query_all("advertiserProductGroupEligibilities", {}, 1,
                                      account=VENDOR)
        self.assertEqual((len(items), pages), (2, 2))
        empty = self.beta("query", "advertiserProductGroupEligibilities", {"maxResults": 0},
                          expect=200, account=VENDOR).json
        self.assertEqual(empty["advertiserProductGroupEligibilities"], [])
        self.assertIn("nextToken", empty)
        not_ready = self.beta("create", "advertiserProductGroupEligibilities", {
            "advertiserProductGroupEligibilities": [{"adProductGroup": "ADSP"}]},
            expect=207, account=PENDING).json
        self.assertEqual(not_ready["error"][0]["errors"][0]["code"], "ACCOUNT_NOT_ELIGIBLE")
        bad = self.beta("create", "advertiserProductGroupEligibilities", {
            "advertiserProductGroupEligibilities": [{"adProductGroup": "SP"}]},
            expect=207, account=DSP_UK).json
        self.assertEqual(self.item_codes(bad), {0: [("FIELD_VALUE_IS_INVALID",
                                                     "adProductGroup")]})
        # One item per call; the account header is required.
        self.assert_code(self.beta("create", "advertiserProductGroupEligibilities", {
            "advertiserProductGroupEligibilities": [{"adProductGroup": "ADSP"}] * 2},
            account=DSP_UK), 400, "BAD_REQUEST")
        self.assert_code(self.beta("query", "advertiserProductGroupEligibilities", {}),
                         403, "FORBIDDEN")
        self.assert_code(self.beta("query", "advertiserProductGroupEligibilities", {},
                                   scope=PROFILE), 403, "FORBIDDEN")
        self.assert_code(self.beta("create", "advertiserProductGroupEligibilities", {
            "advertiserProductGroupEligibilities": [{"adProductGroup": "ADSP"}]},
            account="nope"), 403, "FORBIDDEN")
        self.assert_code(self.beta("query", "advertiserProductGroupEligibilities",
                                   {"maxResults": 11}, account=GLOBAL), 400, "BAD_REQUEST")


class BrandStoreTests(BetaTestCase):
    def test_query_brand_stores(self):
        answer = self.beta("query", "brandStores", {"storeNameFilter": {"include": ["acme"]}},
                           expect=200, scope=PROFILE).json
        self.assertEqual([(s["storeId"], s["storeName"]) for s in answer["brandStores"]],
                         [("store-acme", "Acme"), ("store-acme-outdoor", "Acme Outdoor")])
        self.assertEqual(answer["brandStores"][0]["pageInfos"],
                         [{"tag": "home", "title": "Acme"}, {"tag": "tents", "title": "Tents"},
                          {"tag": "sale", "title": "Spring Sale"}])
        items, pages = self.query_all("brandStores", {"storeNameFilter": {"include": ["Acme"]}},
                                      1, scope=PROFILE)
        self.assertEqual((len(items), pages), (2, 2))
        globex = self.beta("query", "brandStores", {"storeNameFilter": {"include": ["Globex"]}},
                           expect=200, scope=PROFILE).json["brandStores"]
        self.assertEqual([s["storeId"] for s in globex], ["store-globex"])
        # Stores belong to profiles: Initech is the vendor profile's.
        self.assertEqual(self.beta("query", "brandStores", {
            "storeNameFilter": {"include": ["Initech"]}}, expect=200,
            scope=PROFILE).json["brandStores"], [])
        self.assertEqual(len(self.beta("query", "brandStores", {
            "storeNameFilter": {"include": ["Initech"]}}, expect=200,
            scope=VENDOR_PROFILE).json["brandStores"]), 1)
        # An advertiser account sees the stores of its profiles (alternateIds).
        via_account = self.beta("query", "brandStores", {
            "storeNameFilter": {"include": ["E"]}}, expect=200, account=GLOBAL).json
        self.assertEqual(len(via_account["brandStores"]), 3)

    def test_brand_store_errors(self):
        for body in ({}, {"maxResults": 5}, {"storeNameFilter": {"include": []}},
                     {"storeNameFilter": {"include": ["a", "b"]}},
                     {"storeNameFilter": {"include": ["a"]}, "maxResults": 31},
                     {"storeNameFilter": {"include": ["a"]}, "maxResults": 0}):
            with self.subTest(body=body):
                self.assert_code(self.beta("query", "brandStores", body, scope=PROFILE),
                                 400, "BAD_REQUEST")
        self.assert_code(self.beta("query", "brandStores", {
            "storeNameFilter": {"include": ["a"]}}), 403, "FORBIDDEN")
        self.assert_code(self.beta("query", "brandStores", {
            "storeNameFilter": {"include": ["a"]}}, scope="999"), 403, "FORBIDDEN")
        self.assert_code(self.beta("query", "brandStores", {
            "storeNameFilter": {"include": ["a"]}}, account="nope"), 403, "FORBIDDEN")

    def test_editions_paged_in_the_query_string(self):
        editions, pages, token = [], 0, None
        while True:
            params = {"brandStoreId": "store-acme", "maxResults": 50}
            if token:
                params["nextToken"] = token
            answer = self.get_editions(**params)
            editions += answer["brandStoreEditions"]
            pages += 1
            token = answer.get("nextToken")
            if not token:
                break
        self.assertEqual((len(editions), pages), (120, 3))
        self.assertEqual(editions[0], {"storeId": "store-acme", "editionId":
                                       "edition-acme-001", "editionName": "Acme Edition 001"})
        self.assertEqual(editions[1]["storeEditionSchedule"],
                         {"startAt": "2025-01-06T00:00:00Z", "endAt": "2025-01-13T00:00:00Z"})
        self.assertEqual(editions[-1]["editionId"], "edition-acme-120")
        default = self.get_editions(brandStoreId="store-acme")
        self.assertEqual(len(default["brandStoreEditions"]), 50)
        small = self.get_editions(brandStoreId="store-acme", maxResults=11)
        self.assertEqual(len(small["brandStoreEditions"]), 11)
        self.assertEqual(len(self.get_editions(brandStoreId="store-globex")[
            "brandStoreEditions"]), 2)
        for params in ({"brandStoreId": "store-acme", "maxResults": 10},
                       {"brandStoreId": "store-acme", "maxResults": 51},
                       {"brandStoreId": "store-acme", "maxResults": "ten"},
                       {"brandStoreId": "store-acme", "nextToken": "bogus"},
                       {"brandStoreId": "store-globex", "nextToken": default["nextToken"]},
                       {"maxResults": 20}):
            with self.subTest(params=params):
                self.assertEqual(self.get_editions(expect=400, **params)["code"],
                                 "BAD_REQUEST")
        self.assertEqual(self.get_editions(expect=404, brandStoreId="nope")["code"],
                         "NOT_FOUND")
        self.assertEqual(self.get_editions(expect=404, brandStoreId="store-initech")["code"],
                         "NOT_FOUND")
        self.assertEqual(self.get_editions(expect=403, scope=None,
                                           brandStoreId="store-acme")["code"], "FORBIDDEN")

    def test_pages(self):
        query = {"storeIdFilter": {"include": ["store-acme"]},
                 "editionIdFilter": {"include": ["edition-acme-001"]},
                 "pageIdFilter": {"include": ["page-acme-home"]}}
        answer = self.beta("query", "brandStorePages", query, expect=200, scope=PROFILE).json
        page = answer["brandStorePages"][0]
        self.assertEqual((page["pageType"], page["content"]["template"],
                          page["storeEditionPublishId"]),
                         ("BRAND_STORE_PAGE", "MARQUEE", "pub-acme-001-1"))
        self.assertEqual(list(page["content"]["widgets"][0]), ["storeTextWidget"])
        self.assertEqual(self.beta("query", "brandStorePages", dict(
            query, storeEditionPublishIdFilter={"include": ["pub-acme-001-2"]}),
            expect=200, scope=PROFILE).json["brandStorePages"], [])
        for missing in ("storeIdFilter", "editionIdFilter", "pageIdFilter"):
            body = {k: val for k, val in query.items() if k != missing}
            self.assert_code(self.beta("query", "brandStorePages", body, scope=PROFILE),
                             400, "BAD_REQUEST")
        self.assert_code(self.beta("query", "brandStorePages", query, account=GLOBAL),
                         403, "FORBIDDEN")
        self.assertEqual(self.beta("query", "brandStorePages", query, expect=200,
                                   scope=VENDOR_PROFILE).json["brandStorePages"], [])

        updated = self.beta("update", "brandStorePages", {"brandStorePages": [{
            "pageId": "page-acme-home", "storeId": "store-acme",
            "content": {"title": "Acme Home", "widgets": []}}]}, expect=207,
            scope=PROFILE).json
        content = updated["success"][0]["brandStorePage"]["content"]
        self.assertEqual((content["title"], content["template"], content["widgets"]),
                         ("Acme Home", "MARQUEE", []))
        versions = self.beta("query", "brandStoreEditionPublishVersions", {
            "storeIdFilter": {"include": ["store-acme"]},
            "editionIdFilter": {"include": ["edition-acme-001"]},
            "publishStatusFilter": {"include": ["DRAFT"]}}, expect=200,
            scope=PROFILE).json["brandStoreEditionPublishVersions"]
        self.assertEqual(versions[0]["pages"][0], {"pageId": "page-acme-home", "version": 2})
        for item, code, where in (
                ({"pageId": "nope"}, "RESOURCE_ID_NOT_FOUND", "pageId"),
                ({"pageId": "page-acme-home", "editionId": "edition-acme-002"},
                 "RESOURCE_DOES_NOT_BELONG_TO_PARENT", "editionId"),
                ({"pageId": "page-acme-home", "content": {"template": "FANCY"}},
                 "FIELD_VALUE_IS_INVALID", "content.template"),
                ({"pageId": "page-acme-home", "content": {"widgets": [{"x": {}}]}},
                 "FIELD_VALUE_IS_INVALID", "content.widgets[0]"),
                ({"pageId": "page-globex-home", "content": {"title": "x"}},
                 "ACTION_NOT_SUPPORTED", "storeEditionPublishId")):
            with self.subTest(item=item):
                if item["pageId"] == "page-globex-home":   # its version is in review
                    self.beta("update", "brandStoreEditionPublishVersions", {
                        "brandStoreEditionPublishVersions": [{
                            "storeEditionPublishId": "pub-globex-001-1",
                            "publishState": "PUBLISH"}]}, expect=207, scope=PROFILE)
                answer = self.beta("update", "brandStorePages", {"brandStorePages": [item]},
                                   expect=207, scope=PROFILE).json
                self.assertEqual(self.item_codes(answer), {0: [(code, where)]})
        self.assert_code(self.beta("update", "brandStorePages", {"brandStorePages": [
            {"pageId": "page-acme-home"}, {"pageId": "page-acme-sale"}]}, scope=PROFILE),
            400, "BAD_REQUEST")
        self.assert_code(self.beta("update", "brandStorePages", {"brandStorePages": [
            {"pageId": "page-acme-home"}]}), 403, "FORBIDDEN")

    def test_publish_versions(self):
        query = {"storeIdFilter": {"include": ["store-acme"]},
                 "editionIdFilter": {"include": ["edition-acme-001"]},
                 "publishStatusFilter": {"include": ["DRAFT"]}}
        items, pages = self.query_all("brandStoreEditionPublishVersions", query, 2,
                                      scope=PROFILE)
        self.assertEqual([i["storeEditionPublishId"] for i in items],
                         ["pub-acme-001-1", "pub-acme-001-2", "pub-acme-001-3"])
        self.assertEqual(pages, 2)
        review = self.beta("query", "brandStoreEditionPublishVersions", dict(
            query, publishStatusFilter={"include": ["REVIEW_IN_PROGRESS"]}), expect=200,
            scope=PROFILE).json["brandStoreEditionPublishVersions"]
        self.assertEqual([(r["storeEditionPublishId"], r["publishState"]) for r in review],
                         [("pub-acme-001-4", "PUBLISH")])
        published = self.beta("update", "brandStoreEditionPublishVersions", {
            "brandStoreEditionPublishVersions": [{"storeEditionPublishId": "pub-acme-001-2",
                                                  "publishState": "PUBLISH"}]},
            expect=207, scope=PROFILE).json
        record = published["success"][0]["brandStoreEditionPublishVersion"]
        self.assertEqual((record["publishState"], record["publishStatus"]),
                         ("PUBLISH", "REVIEW_IN_PROGRESS"))
        again = self.beta("update", "brandStoreEditionPublishVersions", {
            "brandStoreEditionPublishVersions": [{"storeEditionPublishId": "pub-acme-001-2",
                                                  "publishState": "PUBLISH"}]},
            expect=207, scope=PROFILE).json
        self.assertEqual(self.item_codes(again), {0: [("ACTION_NOT_SUPPORTED",
                                                       "publishState")]})
        back = self.beta("update", "brandStoreEditionPublishVersions", {
            "brandStoreEditionPublishVersions": [{"storeEditionPublishId": "pub-acme-001-2",
                                                  "publishState": "DRAFT"}]},
            expect=207, scope=PROFILE).json
        self.assertEqual(back["success"][0]["brandStoreEditionPublishVersion"]
                         ["publishStatus"], "DRAFT")
        for item, code, where in (
                ({"storeEditionPublishId": "nope"}, "RESOURCE_ID_NOT_FOUND",
                 "storeEditionPublishId"),
                ({"storeEditionPublishId": "pub-acme-001-1", "storeId": "store-globex"},
                 "RESOURCE_DOES_NOT_BELONG_TO_PARENT", "storeId"),
                ({"storeEditionPublishId": "pub-acme-001-1", "publishState": "LIVE"},
                 "FIELD_VALUE_IS_INVALID", "publishState")):
            answer = self.beta("update", "brandStoreEditionPublishVersions", {
                "brandStoreEditionPublishVersions": [item]}, expect=207, scope=PROFILE).json
            self.assertEqual(self.item_codes(answer), {0: [(code, where)]})
        self.assert_code(self.beta("update", "brandStoreEditionPublishVersions", {
            "brandStoreEditionPublishVersions": [{"storeEditionPublishId": "pub-acme-001-1"},
                                                 {"storeEditionPublishId": "pub-acme-001-3"}]},
            scope=PROFILE), 400, "BAD_REQUEST")
        for missing in ("storeIdFilter", "editionIdFilter", "publishStatusFilter"):
            body = {k: val for k, val in query.items() if k != missing}
            self.assert_code(self.beta("query", "brandStoreEditionPublishVersions", body,
                                       scope=PROFILE), 400, "BAD_REQUEST")
        self.assert_code(self.beta("query", "brandStoreEditionPublishVersions", query),
                         403, "FORBIDDEN")
        self.assert_code(self.beta("query", "brandStoreEditionPublishVersions",
                                   dict(query, maxResults=51), scope=PROFILE),
                         400, "BAD_REQUEST")


class ForecastTests(BetaTestCase):
    def forecast(self, key, items, account=DSP_ACCOUNT, expect=207):
        return self.beta("create", key, {key: items}, expect=expect, account=account)

    def test_reach_forecast_formula(self):
        answer = self.forecast("linearTvReachForecasts", [
            reach_item(allocation(100)),
            reach_item(allocation(100), allocation(50, "daypart-all-day", "CABLE"),
                       reachUnit="INDIVIDUAL"),
            reach_item(allocation(150, inventory="SYNDICATION"), marketplace="GB")]).json
        figures = [s["linearTvReachForecast"]["linearTvReachPercent"]
                   for s in answer["success"]]
        # G = sum(grp * weight); reach = round(100 * u * G / (G + 150), 2)
        self.assertEqual(figures, [40.0, round(90 * 140 / 290, 2), round(100 * 90 / 240, 2)])
        first = answer["success"][0]["linearTvReachForecast"]
        self.assertTrue(first["linearTvReachForecastId"].isdigit())
        self.assertEqual((first["startDate"], first["marketplace"]), ("2030-01-01", "US"))
        self.assertIn("creationDateTime", first)

    def test_reach_forecast_errors(self):
        answer = self.forecast("linearTvReachForecasts", [
            reach_item(),
            reach_item(allocation(100, "nope")),
            reach_item(allocation(100, "daypart-early-fringe"), marketplace="GB"),
            reach_item(marketplace="JP"),
            reach_item(startDate="2020-01-01", endDate="2020-01-28"),
            reach_item(endDate="2029-12-01"),
            reach_item(allocation(0)),
            reach_item(allocation(100, inventory="SATELLITE")),
            {k: val for k, val in reach_item().items() if k != "reachUnit"},
            reach_item(linearTvInventoryAllocation=[])]).json
        self.assertEqual([s["index"] for s in answer["success"]], [0])
        self.assertEqual(self.item_codes(answer), {
            1: [("RESOURCE_ID_NOT_FOUND", "linearTvInventoryAllocation[0].linearTvDaypartId")],
            2: [("UNSUPPORTED_MARKETPLACE",
                 "linearTvInventoryAllocation[0].linearTvDaypartId")],
            3: [("UNSUPPORTED_MARKETPLACE", "marketplace"),
                ("UNSUPPORTED_MARKETPLACE",
                 "linearTvInventoryAllocation[0].linearTvDaypartId")],
            4: [("DATE_CANNOT_BE_IN_PAST", "startDate")],
            5: [("FIELD_VALUE_IS_INVALID", "endDate")],
            6: [("FIELD_VALUE_IS_BELOW_MINIMUM_LIMIT",
                 "linearTvInventoryAllocation[0].grossRatingPoint")],
            7: [("FIELD_VALUE_IS_INVALID", "linearTvInventoryAllocation[0].inventoryType")],
            8: [("FIELD_VALUE_IS_NULL", "reachUnit")],
            9: [("FIELD_SIZE_IS_BELOW_MINIMUM_LIMIT", "linearTvInventoryAllocation")]})
        self.assert_code(self.beta("create", "linearTvReachForecasts", {
            "linearTvReachForecasts": [reach_item()] * 11}, account=DSP_ACCOUNT),
            400, "BAD_REQUEST")
        for headers in ({}, {"scope": PROFILE}, {"account": "nope"}, {"account": VENDOR}):
            with self.subTest(headers=headers):
                self.assert_code(self.beta("create", "linearTvReachForecasts", {
                    "linearTvReachForecasts": [reach_item()]}, **headers), 403, "FORBIDDEN")
        # An advertiser account with a DSP alternate id is a DSP account too.
        self.forecast("linearTvReachForecasts", [reach_item()], account=GLOBAL)

    def test_incremental_forecast_formula(self):
        answer = self.forecast("linearTvIncrementalReachForecasts", [
            incremental_item(),
            incremental_item(streaming(12500, "DAILY")),
            incremental_item(streaming(5000000, kind="IMPRESSION"),
                             linearTvReachPercentOverride=30,
                             linearTvInventoryAllocation=[]),
            incremental_item(streaming(37500, "MONTHLY"), reachUnit="INDIVIDUAL")]).json
        self.assertEqual(answer["error"], [])
        figures = [s["linearTvIncrementalReachForecast"] for s in answer["success"]]
        # L = 100 * 150 / 300 = 50; I = 125000 / 25 * 1000 = 5,000,000 -> S = 50
        self.assertEqual({k: figures[0][k] for k in (
            "linearTvOnlyReachPercent", "streamingTvOnlyReachPercent", "overlapReachPercent",
            "deduplicatedReachPercent", "streamingTvIncrementalReachRate",
            "streamingTvExclusiveReachRate")},
            {"linearTvOnlyReachPercent": 25.0, "streamingTvOnlyReachPercent": 25.0,
             "overlapReachPercent": 25.0, "deduplicatedReachPercent": 75.0,
             "streamingTvIncrementalReachRate": 50.0,
             "streamingTvExclusiveReachRate": 33.33})
        # DAILY: 12,500 x 10 days = the same 125,000 spend.
        self.assertEqual(figures[1]["deduplicatedReachPercent"], 75.0)
        # Override L = 30; S = 50 -> overlap 15, deduplicated 65.
        self.assertEqual((figures[2]["overlapReachPercent"],
                          figures[2]["deduplicatedReachPercent"]), (15.0, 65.0))
        # MONTHLY: 37,500 x 10 / 30 = 12,500 -> I = 500,000; INDIVIDUAL (0.9):
        # L = 45, S = round(90 * 0.5 / 5.5, 2) = 8.18, overlap = round(45 * 8.18 / 100, 2)
        self.assertEqual(figures[3]["overlapReachPercent"], round(45 * 8.18 / 100, 2))
        budget = figures[0]["streamingTvBudgetAllocation"][0]["budget"]
        self.assertEqual(budget["budgetValue"]["monetaryBudgetValue"]["monetaryBudget"],
                         {"value": 125000.0, "currencyCode": "USD"})

    def test_incremental_forecast_errors(self):
        wrong_currency = streaming(100)
        wrong_currency["budget"]["budgetValue"]["monetaryBudgetValue"]["monetaryBudget"][
            "currencyCode"] = "EUR"
        answer = self.forecast("linearTvIncrementalReachForecasts", [
            incremental_item(),
            incremental_item(linearTvInventoryAllocation=[]),
            incremental_item(wrong_currency),
            incremental_item(streaming(0)),
            incremental_item(linearTvReachPercentOverride=120),
            incremental_item(streamingTvBudgetAllocation=[])]).json
        self.assertEqual([s["index"] for s in answer["success"]], [0])
        self.assertEqual(self.item_codes(answer), {
            1: [("FIELD_VALUE_IS_NULL", "linearTvInventoryAllocation")],
            2: [("FIELD_VALUE_MISMATCH", "streamingTvBudgetAllocation[0].budget.budgetValue."
                 "monetaryBudgetValue.monetaryBudget.currencyCode")],
            3: [("FIELD_VALUE_IS_BELOW_MINIMUM_LIMIT", "streamingTvBudgetAllocation[0].budget."
                 "budgetValue.monetaryBudgetValue.monetaryBudget.value")],
            4: [("FIELD_VALUE_IS_OUT_OF_RANGE", "linearTvReachPercentOverride")],
            5: [("FIELD_SIZE_IS_BELOW_MINIMUM_LIMIT", "streamingTvBudgetAllocation")]})
        # ENTITY2DEF is a GBP account: a budget in GBP passes, USD does not.
        gbp = self.forecast("linearTvIncrementalReachForecasts", [incremental_item()],
                            account="ENTITY2DEF").json
        money = gbp["success"][0]["linearTvIncrementalReachForecast"][
            "streamingTvBudgetAllocation"][0]["budget"]["budgetValue"]["monetaryBudgetValue"]
        self.assertEqual(money["monetaryBudget"]["currencyCode"], "GBP")
        self.assert_code(self.beta("create", "linearTvIncrementalReachForecasts", {
            "linearTvIncrementalReachForecasts": [incremental_item()] * 11},
            account=DSP_ACCOUNT), 400, "BAD_REQUEST")
        self.assert_code(self.beta("create", "linearTvIncrementalReachForecasts", {
            "linearTvIncrementalReachForecasts": [incremental_item()]}), 403, "FORBIDDEN")

    def test_dayparts(self):
        answer = self.beta("query", "linearTvDayparts", {}, expect=200).json
        names = [d["name"] for d in answer["linearTvDayparts"]]
        self.assertEqual(names, ["WEEKDAY_MORNING", "WEEKDAY_DAYTIME", "EARLY_FRINGE",
                                 "PRIME_TIME", "LATE_FRINGE", "WEEKEND_DAYTIME", "ALL_DAY"])
        prime = answer["linearTvDayparts"][3]
        self.assertEqual(prime["linearTvDaypartId"], "daypart-prime-time")
        self.assertEqual(prime["marketplaceDefinitions"][0], {
            "marketplace": "US", "startDayOfWeek": "MONDAY", "endDayOfWeek": "SUNDAY",
            "startHourOfDay": 20, "startMinuteOfDay": 0, "endHourOfDay": 22,
            "endMinuteOfDay": 59})
        gb = self.beta("query", "linearTvDayparts", {"marketplaceFilter": {"include": ["GB"]}},
                       expect=200).json["linearTvDayparts"]
        self.assertEqual([d["name"] for d in gb], ["PRIME_TIME", "ALL_DAY"])
        named = self.beta("query", "linearTvDayparts", {"nameFilter": {"include": [
            "ALL_DAY", "EARLY_FRINGE"]}}, expect=200).json["linearTvDayparts"]
        self.assertEqual([d["name"] for d in named], ["EARLY_FRINGE", "ALL_DAY"])
        items, pages = self.query_all("linearTvDayparts", {}, 3)
        self.assertEqual((len(items), pages), (7, 3))
        for body in ({"maxResults": 21}, {"nameFilter": {"include": ["NIGHT"]}},
                     {"marketplaceFilter": {"include": ["US", "CA"]}}):
            self.assert_code(self.beta("query", "linearTvDayparts", body), 400, "BAD_REQUEST")


class SharedBehaviourTests(BetaTestCase):
    def test_faults_log_and_unknown_paths(self):
        self.faults({"kind": "status", "status": 429, "path": V1 + "/query/brandStores"})
        answer = self.beta("query", "brandStores", {"storeNameFilter": {"include": ["a"]}},
                           scope=PROFILE)
        self.assert_code(answer, 429, "TOO_MANY_REQUESTS")
        self.beta("query", "linearTvDayparts", {"maxResults": 1}, expect=200)
        log = self.admin("GET", "/_sim/requests").json["requests"]
        self.assertEqual([(r["path"], r["status"]) for r in log[-2:]],
                         [(V1 + "/query/brandStores", 429),
                          (V1 + "/query/linearTvDayparts", 200)])
        self.assert_code(self.beta("delete", "advertiserAccounts", {}), 404, "NOT_FOUND")
        self.assert_code(self.beta("query", "accountLinks", {}), 404, "NOT_FOUND")
        self.assert_code(self.beta("create", "managerAccounts", {"managerAccounts": [{}]}),
                         404, "NOT_FOUND")

    def test_reset_restores_seeds(self):
        self.beta("update", "advertiserAccounts", {"advertiserAccounts": [
            {"advertiserAccountId": VENDOR, "displayName": "Changed"}]}, expect=207)
        self.assertEqual(self.admin("POST", "/_sim/reset").status, 200)
        answer = self.beta("query", "advertiserAccounts", {"advertiserAccountIdFilter": {
            "include": [VENDOR]}}, expect=200).json
        self.assertEqual(answer["advertiserAccounts"][0]["displayName"], "Sim Vendor")


if __name__ == "__main__":
    unittest.main()
