"""Unit tests for products.py (POST /product/metadata), calling the handler directly.

Run: cd test/sim && python3 -m unittest discover -s tests -v
"""

import json
import os
import sys
import threading
import unittest

SIM_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if SIM_DIR not in sys.path:
    sys.path.insert(0, SIM_DIR)

import products  # noqa: E402
import state as core_state  # noqa: E402
import web  # noqa: E402

PATH = "/product/metadata"


class FakeSim:
    """The attributes of the core's simulator object that handlers use."""

    def __init__(self, seed=42):
        self.seed = seed
        self.public_url = "http://sim.test"
        self.report_delay = 0
        self.lock = threading.RLock()
        self.state = core_state.State(seed, modules=[products])


def call(sim, body, content_type=products.REQUEST_CT, raw=None):
    headers = web.Headers([("Content-Type", content_type),
                           ("Amazon-Advertising-API-Scope", "1234567890")])
    data = raw if raw is not None else json.dumps(body).encode()
    req = web.Request(sim, "POST", PATH, headers, data)
    with sim.lock:
        resp = products.handle_metadata(req)
    return resp.status, resp.content_type, json.loads(resp.body)


def body(**kw):
    b = {"pageIndex": 0, "pageSize": 300, "adType": "SP", "checkEligibility": True,
         "checkItemDetails": True,
         "retailerInfo": {"retailerType": "RMS", "retailerId": "retailer-1"}}
    b.update(kw)
    return b


class ProductMetadataTest(unittest.TestCase):
    def setUp(self):
        self.sim = FakeSim()

    def test_route_is_registered(self):
        methods = [(m, r) for m, r, _h, _o in products.ROUTES]
        self.assertIn(("POST", r"/product/metadata"), methods)

    def test_search_pages(self):
        seen = []
        sizes = []
        for page in range(5):
            status, ct, out = call(self.sim, body(pageIndex=page, searchStr="shoes",
                                                  sortOrder="DESC"))
            self.assertEqual(status, 200)
            self.assertEqual(ct, products.RESPONSE_CT)
            self.assertEqual(out["retailerInfo"],
                             {"retailerType": "RMS", "retailerId": "retailer-1"})
            items = out["ProductMetadataList"]
            sizes.append(len(items))
            for it in items:
                self.assertIn("shoes", it["title"].lower())
            seen.extend(it["retailerOfferId"] for it in items)
        self.assertEqual(sizes, [300, 300, 300, 100, 0])
        self.assertEqual(len(seen), 1000)
        self.assertEqual(len(set(seen)), 1000)
        # DESC: newest (highest offer number) first.
        nums = [int(s.split("-")[1]) for s in seen]
        self.assertEqual(nums, sorted(nums, reverse=True))

    def test_search_ascending_and_case_insensitive(self):
        _, _, out = call(self.sim, body(pageSize=5, searchStr="SHOES", sortOrder="ASC"))
        ids = [it["retailerOfferId"] for it in out["ProductMetadataList"]]
        self.assertEqual(ids, ["R1-00001", "R1-00013", "R1-00025", "R1-00037", "R1-00049"])

    def test_item_shape(self):
        _, _, out = call(self.sim, body(pageSize=20, sortOrder="ASC"))
        items = out["ProductMetadataList"]
        self.assertEqual(len(items), 20)
        for it in items:
            for key in ("retailerOfferId", "title", "brand", "category", "availability",
                        "eligibilityStatus", "imageUrl", "createdDate", "priceToPay",
                        "basisPrice"):
                self.assertIn(key, it)
            self.assertIn(it["availability"], ("IN_STOCK", "IN_STOCK_SCARCE", "OUT_OF_STOCK"))
            self.assertIn(it["eligibilityStatus"], ("ELIGIBLE", "INELIGIBLE"))
            self.assertEqual(it["priceToPay"]["currency"], "USD")
            self.assertIsInstance(it["priceToPay"]["amount"], float)
            self.assertGreaterEqual(it["basisPrice"]["amount"], it["priceToPay"]["amount"])
        tenth = items[9]
        self.assertEqual(tenth["retailerOfferId"], "R1-00010")
        self.assertEqual(tenth["eligibilityStatus"], "INELIGIBLE")
        self.assertTrue(tenth["ineligibilityCodes"])
        self.assertEqual(items[19]["availability"], "OUT_OF_STOCK")

    def test_flags_off_trim_fields(self):
        _, _, out = call(self.sim, body(pageSize=3, checkItemDetails=False,
                                        checkEligibility=False))
        for it in out["ProductMetadataList"]:
            self.assertEqual(set(it), {"retailerOfferId", "availability"})

    def test_offer_id_lookup(self):
        ids = ["R1-00010", "R1-99999", "bogus", "R2-00001", "R1-00005", "R1-00010"]
        status, _, out = call(self.sim, body(retailerOfferIds=ids))
        self.assertEqual(status, 200)
        got = [it["retailerOfferId"] for it in out["ProductMetadataList"]]
        self.assertEqual(got, ["R1-00010", "R1-00005"])
        # Same offer, same data whichever way it is fetched.
        _, _, again = call(self.sim, body(pageSize=10, sortOrder="ASC"))
        self.assertEqual(again["ProductMetadataList"][4], out["ProductMetadataList"][1])

    def test_offer_ids_of_other_retailer(self):
        size = products.catalogue_size(7)
        _, _, out = call(self.sim, body(
            retailerInfo={"retailerType": "RMS", "retailerId": "retailer-7"},
            retailerOfferIds=["R7-00001", "R7-%05d" % size, "R7-%05d" % (size + 1)]))
        self.assertEqual([it["retailerOfferId"] for it in out["ProductMetadataList"]],
                         ["R7-00001", "R7-%05d" % size])

    def test_result_cap(self):
        # retailer-1 has 12,000 offers; only the first 10,000 are reachable.
        _, _, out = call(self.sim, body(pageIndex=33, pageSize=300))
        self.assertEqual(len(out["ProductMetadataList"]), 100)
        _, _, out = call(self.sim, body(pageIndex=34, pageSize=300))
        self.assertEqual(out["ProductMetadataList"], [])
        _, _, out = call(self.sim, body(pageIndex=99, pageSize=100))
        self.assertEqual(len(out["ProductMetadataList"]), 100)
        _, _, out = call(self.sim, body(pageIndex=100, pageSize=100))
        self.assertEqual(out["ProductMetadataList"], [])
        # Position 9,999 in DESC order is offer 12000 - 9999 = 2001.
        _, _, out = call(self.sim, body(pageIndex=9999, pageSize=1))
        self.assertEqual(out["ProductMetadataList"][0]["retailerOfferId"], "R1-02001")

    def test_small_retailer_browse(self):
        size = products.catalogue_size(3)
        _, _, out = call(self.sim, body(
            retailerInfo={"retailerType": "RMS", "retailerId": "retailer-3"}))
        self.assertEqual(len(out["ProductMetadataList"]), size)

    def test_validation_errors(self):
        cases = [
            body(pageSize=301),
            body(pageSize=0),
            body(pageIndex=-1),
            {k: v for k, v in body().items() if k != "pageIndex"},
            body(pageSize="10"),
            body(searchStr="x" * 201),
            body(searchStr="shoes", retailerOfferIds=["R1-00001"]),
            body(retailerOfferIds="R1-00001"),
            body(retailerOfferIds=["R1-%05d" % i for i in range(1, 302)]),
            body(adType="XX"),
            body(adType="SB"),
            body(sortOrder="UP"),
            body(retailerInfo={"retailerType": "AMAZON", "retailerId": "retailer-1"}),
            body(retailerInfo={"retailerType": "RMS"}),
            {k: v for k, v in body().items() if k != "retailerInfo"},
            body(asins=["B0018OFKJS"]),
            body(checkEligibility="yes"),
        ]
        for b in cases:
            status, ct, out = call(self.sim, b)
            self.assertEqual(status, 400, b)
            self.assertEqual(ct, "application/json")
            self.assertEqual(out["code"], "INVALID_ARGUMENT")
            self.assertIsInstance(out["details"], str)
        status, _, out = call(self.sim, None, raw=b"{not json")
        self.assertEqual(status, 400)

    def test_search_string_at_limit(self):
        status, _, out = call(self.sim, body(searchStr="x" * 200))
        self.assertEqual(status, 200)
        self.assertEqual(out["ProductMetadataList"], [])

    def test_unknown_retailer(self):
        for rid in ("retailer-451", "retailer-0", "nope"):
            status, _, out = call(self.sim, body(
                retailerInfo={"retailerType": "RMS", "retailerId": rid}))
            self.assertEqual(status, 404, rid)
            self.assertEqual(out["code"], "NOT_FOUND")

    def test_wrong_media_type(self):
        status, _, out = call(self.sim, body(), content_type="application/json")
        self.assertEqual(status, 415)

    def test_deterministic_per_seed(self):
        _, _, a = call(self.sim, body(pageSize=10))
        _, _, b = call(FakeSim(seed=42), body(pageSize=10))
        _, _, c = call(FakeSim(seed=7), body(pageSize=10))
        self.assertEqual(a, b)
        ids = lambda o: [it["retailerOfferId"] for it in o["ProductMetadataList"]]  # noqa
        self.assertEqual(ids(a), ids(c))
        self.assertNotEqual([it["title"] for it in a["ProductMetadataList"]],
                            [it["title"] for it in c["ProductMetadataList"]])

    def test_helpers_for_core(self):
        self.assertTrue(products.offer_exists("retailer-1", "R1-12000"))
        self.assertFalse(products.offer_exists("retailer-1", "R1-12001"))
        self.assertFalse(products.offer_exists("retailer-2", "R1-00001"))
        self.assertTrue(products.offer_eligible("retailer-1", "R1-00001"))
        self.assertFalse(products.offer_eligible("retailer-1", "R1-00010"))
        self.assertEqual(products.get_offer(42, "retailer-1", "R1-00003")["retailerOfferId"],
                         "R1-00003")


if __name__ == "__main__":
    unittest.main()
