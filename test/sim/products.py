"""Product metadata (Product Selector API, RAS flavour): POST /product/metadata.

Catalogue model (nothing is materialised at startup; an item is a pure function of
(seed, retailer number, index)):

- retailer-1 has 12,000 offers; every other retailer-N has 25 + (N * 37) % 276 offers.
- Offer ids are ``R<N>-<i>`` with i zero-padded to 5 digits, 1-based:
  ``R1-00001`` .. ``R1-12000``. These, the counts below, nouns, createdDate and the
  status rules are seed-independent; titles, brands and prices depend on ``--seed``.
- The product noun cycles with the index over 12 nouns, so exactly 1 in 12 titles of a
  retailer contains "Running Shoes" (retailer-1: searchStr "shoes" matches 1,000 offers =
  4 pages of 300), and a browse of retailer-1 (no searchStr, no ids) has 12,000 matches,
  which exceeds the 10,000 result cap.
- Offer i (1-based) is OUT_OF_STOCK when i % 20 == 0, INELIGIBLE when i % 10 == 0 (so
  every OUT_OF_STOCK offer is also INELIGIBLE), IN_STOCK_SCARCE when i % 7 == 0,
  otherwise IN_STOCK / ELIGIBLE.
- createdDate grows with the index (offer 1 is the oldest); the default sortOrder DESC
  lists newest first, ASC oldest first.
"""

import datetime
import hashlib
import re
import threading

from web import Response, sp_error

REQUEST_CT = "application/vnd.productmetadatarequest.v1+json"
RESPONSE_CT = "application/vnd.productmetadataresponse.v1+json"

RESULT_CAP = 10000
MAX_PAGE_SIZE = 300
MAX_SEARCH_LEN = 200
MAX_OFFER_IDS = 300
RETAILER_COUNT = 450

NOUNS = [
    ("Running Shoes", "Shoes"),
    ("T-Shirt", "Men's Shirts"),
    ("Jeans", "Men's Jeans"),
    ("Backpack", "Luggage"),
    ("Water Bottle", "Kitchen"),
    ("Headphones", "Electronics"),
    ("Coffee Maker", "Kitchen"),
    ("Desk Lamp", "Home"),
    ("Yoga Mat", "Sports"),
    ("Phone Case", "Electronics"),
    ("Sunglasses", "Accessories"),
    ("Wool Socks", "Clothing"),
]
BRANDS = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Wonka",
          "Tyrell", "Soylent", "Cyberdyne", "Vandelay", "Oceanic", "Gringotts", "Monarch",
          "Pied Piper"]
ADJECTIVES = ["Classic", "Premium", "Lightweight", "Everyday", "Deluxe", "Compact",
              "Ultra", "Essential", "Pro", "Vintage", "Eco", "Sport"]
COLORS = ["Red", "Blue", "Black", "White", "Green", "Grey", "Navy", "Orange", "Purple",
          "Teal", "Silver", "Gold"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
INELIGIBLE_CODES = ["OUT_OF_STOCK", "MISSING_IMAGE", "INELIGIBLE_CONDITION"]
INELIGIBLE_REASONS = {
    "OUT_OF_STOCK": "This product is out of stock",
    "MISSING_IMAGE": "This product is missing an image",
    "INELIGIBLE_CONDITION": "This product's condition is not eligible for advertising",
}

_BASE_DATE = datetime.date(2019, 1, 1)
_RETAILER_RE = re.compile(r"^retailer-([1-9][0-9]{0,8})$")
_OFFER_RE = re.compile(r"^R([1-9][0-9]{0,8})-([0-9]{5})$")


# --------------------------------------------------------------------------- catalogue

def catalogue_size(n):
    """Number of offers of retailer-n (seed-independent)."""
    if n == 1:
        return 12000
    return 25 + (n * 37) % 276


def offer_id(n, i):
    """Offer id of the 0-based index i of retailer-n."""
    return "R%d-%05d" % (n, i + 1)


def parse_offer_id(n, oid):
    """0-based index of offer ``oid`` in retailer-n's catalogue, or None."""
    if not isinstance(oid, str):
        return None
    m = _OFFER_RE.match(oid)
    if not m or int(m.group(1)) != n:
        return None
    i = int(m.group(2)) - 1
    if 0 <= i < catalogue_size(n):
        return i
    return None


def retailer_number(retailer_id):
    """retailer-N -> N for the seeded retailers (1..450), else None."""
    if not isinstance(retailer_id, str):
        return None
    m = _RETAILER_RE.match(retailer_id)
    if not m:
        return None
    n = int(m.group(1))
    return n if 1 <= n <= RETAILER_COUNT else None


def _h(seed, n, i, salt):
    d = hashlib.blake2b(("%s:%d:%d:%s" % (seed, n, i, salt)).encode(), digest_size=8).digest()
    return int.from_bytes(d, "big")


def _noun(i):
    return NOUNS[i % len(NOUNS)]


def _title(seed, n, i):
    h = _h(seed, n, i, "t")
    brand = BRANDS[h % len(BRANDS)]
    adj = ADJECTIVES[(h >> 8) % len(ADJECTIVES)]
    color = COLORS[(h >> 16) % len(COLORS)]
    return "%s %s %s %s" % (brand, adj, color, _noun(i)[0]), brand


def _created(n, i):
    # Offer 1 oldest; spread over ~5 years; strictly increasing in i.
    size = catalogue_size(n)
    days = (i * 1800) // max(size, 1)
    d = _BASE_DATE + datetime.timedelta(days=days)
    return "%s %d, %d" % (MONTHS[d.month - 1], d.day, d.year)


def _availability(i):
    k = i + 1
    if k % 20 == 0:
        return "OUT_OF_STOCK"
    if k % 7 == 0:
        return "IN_STOCK_SCARCE"
    return "IN_STOCK"


def _eligible(i):
    return (i + 1) % 10 != 0


def item(seed, n, i, details=True, eligibility=True):
    """The product metadata object for index i of retailer-n."""
    out = {"retailerOfferId": offer_id(n, i), "availability": _availability(i)}
    if details:
        title, brand = _title(seed, n, i)
        h = _h(seed, n, i, "p")
        price = round(4.99 + (h % 19500) / 100.0, 2)
        discount = (h >> 20) % 4  # 0: no discount
        basis = round(price * (1 + 0.1 * discount), 2)
        out.update({
            "title": title,
            "brand": brand,
            "category": _noun(i)[1],
            "imageUrl": "https://images.retailer%d.example/%s.jpg" % (n, offer_id(n, i)),
            "createdDate": _created(n, i),
            "priceToPay": {"amount": price, "currency": "USD"},
            "basisPrice": {"amount": basis, "currency": "USD"},
        })
    if eligibility:
        if _eligible(i):
            out["eligibilityStatus"] = "ELIGIBLE"
        else:
            code = "OUT_OF_STOCK" if _availability(i) == "OUT_OF_STOCK" else \
                INELIGIBLE_CODES[1 + (i // 10) % 2]
            out["eligibilityStatus"] = "INELIGIBLE"
            out["ineligibilityCodes"] = [code]
            out["ineligibilityReasons"] = [INELIGIBLE_REASONS[code]]
    return out


def get_offer(seed, retailer_id, oid):
    """Full metadata of one offer, or None (for the core: product-ad validation)."""
    n = retailer_number(retailer_id)
    if n is None:
        return None
    i = parse_offer_id(n, oid)
    if i is None:
        return None
    return item(seed, n, i)


def offer_exists(retailer_id, oid):
    n = retailer_number(retailer_id)
    return n is not None and parse_offer_id(n, oid) is not None


def offer_eligible(retailer_id, oid):
    n = retailer_number(retailer_id)
    i = parse_offer_id(n, oid) if n is not None else None
    return i is not None and _eligible(i)


# Lower-cased titles per (seed, retailer), computed on first search only.
_title_cache = {}
_title_lock = threading.Lock()


def _titles(seed, n):
    key = (seed, n)
    with _title_lock:
        t = _title_cache.get(key)
    if t is None:
        t = [_title(seed, n, i)[0].lower() for i in range(catalogue_size(n))]
        with _title_lock:
            if len(_title_cache) > 64:
                _title_cache.clear()
            _title_cache[key] = t
    return t


def search_indices(seed, n, needle):
    """Matching 0-based indices in ascending order (case-insensitive title substring)."""
    needle = needle.lower()
    return [i for i, t in enumerate(_titles(seed, n)) if needle in t]


# --------------------------------------------------------------------------- HTTP glue

def _resp(status, body, ct="application/json"):
    return Response(status, body, content_type=ct)


def _err(status, code, details):
    # Product Selector error schema: {code, details}
    return sp_error(status, code, details)


def _bad(details):
    return _err(400, "INVALID_ARGUMENT", details)


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _retailer_known(state, rid):
    """The core's retailer table when there is one, else the seeded naming rule."""
    lookup = getattr(state, "retailer", None)
    if callable(lookup):
        return lookup(rid) is not None
    return retailer_number(rid) is not None


def handle_metadata(req):
    ct = (req.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if ct != REQUEST_CT:
        return _err(415, "UNSUPPORTED_MEDIA_TYPE",
                    "Content-Type must be %s" % REQUEST_CT)
    body = getattr(req, "json", None)
    if not isinstance(body, dict):
        return _bad("Request body must be a JSON object")

    for f in ("pageIndex", "pageSize"):
        if f not in body:
            return _bad("%s is required" % f)
        if not _is_int(body[f]):
            return _bad("%s must be an integer" % f)
    page_index, page_size = body["pageIndex"], body["pageSize"]
    if page_index < 0:
        return _bad("pageIndex must be greater than or equal to 0")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        return _bad("pageSize must be between 1 and %d" % MAX_PAGE_SIZE)

    for f in ("checkEligibility", "checkItemDetails", "isGlobalStoreSelection"):
        if f in body and not isinstance(body[f], bool):
            return _bad("%s must be a boolean" % f)
    ad_type = body.get("adType")
    if ad_type is not None and ad_type not in ("SP", "SB", "SD"):
        return _bad("adType must be one of SB, SD, SP")
    sort_order = body.get("sortOrder", "DESC")
    if sort_order not in ("ASC", "DESC"):
        return _bad("sortOrder must be one of ASC, DESC")
    sort_by = body.get("sortBy")
    if sort_by is not None and sort_by not in ("CREATED_DATE", "SUGGESTED"):
        return _bad("sortBy must be one of CREATED_DATE, SUGGESTED")
    if sort_by == "SUGGESTED" and sort_order != "DESC":
        return _bad("sortOrder must be DESC for sortBy SUGGESTED")

    rinfo = body.get("retailerInfo")
    if rinfo is None:
        return _bad("retailerInfo is required")
    if not isinstance(rinfo, dict):
        return _bad("retailerInfo must be an object")
    if rinfo.get("retailerType") != "RMS":
        return _bad("retailerInfo.retailerType must be RMS")
    rid = rinfo.get("retailerId")
    if not isinstance(rid, str) or not rid:
        return _bad("retailerInfo.retailerId is required")
    if ad_type is not None and ad_type != "SP":
        return _bad("adType %s is not supported for retailerType RMS; use SP" % ad_type)
    if body.get("asins") is not None or body.get("skus") is not None:
        return _bad("asins and skus cannot be used with retailerInfo; use retailerOfferIds")

    ids = body.get("retailerOfferIds")
    search = body.get("searchStr")
    if ids is not None and search is not None:
        return _bad("retailerOfferIds and searchStr cannot be used together")
    if ids is not None:
        if not isinstance(ids, list) or not all(isinstance(x, str) for x in ids):
            return _bad("retailerOfferIds must be an array of strings")
        if len(ids) > MAX_OFFER_IDS:
            return _bad("retailerOfferIds must contain at most %d items" % MAX_OFFER_IDS)
    if search is not None:
        if not isinstance(search, str):
            return _bad("searchStr must be a string")
        if len(search) > MAX_SEARCH_LEN:
            return _bad("searchStr must be at most %d characters" % MAX_SEARCH_LEN)

    sim = getattr(req, "sim", None)
    state = getattr(sim, "state", None)
    if not _retailer_known(state, rid):
        return _err(404, "NOT_FOUND", "Retailer %s not found" % rid)
    n = retailer_number(rid)
    seed = getattr(sim, "seed", 42)
    details = bool(body.get("checkItemDetails", False))
    elig = bool(body.get("checkEligibility", False))

    items = []
    if n is not None:
        size = catalogue_size(n)
        start = page_index * page_size
        if ids is not None:
            seen, matched = set(), []
            for oid in ids:
                i = parse_offer_id(n, oid)
                if i is not None and i not in seen:
                    seen.add(i)
                    matched.append(i)
            sel = matched[start:start + page_size]
        else:
            if search is not None and search.strip():
                matched = search_indices(seed, n, search.strip())
                total = len(matched)
                pick = (lambda k: matched[k])
            else:
                total = size
                pick = (lambda k: k)
            capped = min(total, RESULT_CAP)
            end = min(start + page_size, capped)
            sel = []
            for k in range(start, end):
                # DESC lists newest (highest index) first; the cap applies to the
                # sorted list, so DESC position k is match number total-1-k.
                sel.append(pick(total - 1 - k) if sort_order == "DESC" else pick(k))
        items = [item(seed, n, i, details=details, eligibility=elig) for i in sel]

    return _resp(200, {"ProductMetadataList": items,
                       "retailerInfo": {"retailerType": "RMS", "retailerId": rid}},
                 RESPONSE_CT)


ROUTES = [
    ("POST", r"/product/metadata", handle_metadata, {"error": sp_error}),
]
