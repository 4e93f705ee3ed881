"""Amazon Ads API v1 beta APIs (/adsApi/v1/...): account registration, linked accounts,
Brand Stores and Linear TV forecasts.

Everything here is data: ``OPERATIONS`` at the bottom lists one ``Query``, ``Write`` or
``GetList`` per served operation, with its headers, filters, limits and schema; three
small generic handlers run them (body-paged queries, 207 writes, and a GET list paged in
the query string). Forecast creates are ``Write`` operations whose ``apply`` computes the
answer instead of storing anything.

Shared with the campaign-management family (v1.py): the route options (Amazon-Ads-ClientId,
v1 error bodies for auth failures and injected faults), whole-request errors
``{"code", "message"}``, per-item errors ``{"code", "message", "fieldLocation"}``
(``v1.V1Errors``), the field validators (validation.py), the include-filter parser
(filters.py) and nextToken encoding (paging.py). So faults, the request log and the
stats work on these paths as on any other.

Every rule, seeded id and formula is listed in test/README.md, section "Amazon Ads API v1
betas"; keep the two in step.
"""

import datetime
import json
import re

import filters as f
import paging
import validation as v
import v1
from v1 import ACCOUNT_HEADER, CLIENT_HEADER, MARKETPLACES, SCOPE_HEADER, V1Errors, \
    bad_request, forbidden, v1_error
from web import Response

PREFIX = v1.PREFIX
ROUTE_OPTIONS = {"scope": False, "client_header": CLIENT_HEADER, "error": v1_error}
MAX_ERRORS = 20   # Error items per ErrorsIndex (the spec's maxItems)


# ---------------------------------------------------------------------- enums (the spec's)

CURRENCIES = ["AED", "ARS", "AUD", "AZN", "BBD", "BGN", "BHD", "BMD", "BND", "BOB", "BRL",
              "BSD", "CAD", "CHF", "CLP", "CNY", "COP", "CRC", "CZK", "DKK", "DOP", "DZD",
              "EGP", "EUR", "GBP", "GHS", "GTQ", "HKD", "HNL", "HRK", "HUF", "IDR", "ILS",
              "INR", "JMD", "JOD", "JPY", "KES", "KRW", "KWD", "KYD", "KZT", "LBP", "LKR",
              "MAD", "MUR", "MXN", "MXP", "MYR", "NAD", "NGN", "NOK", "NZD", "PAB", "PEN",
              "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD", "RUB", "SAR", "SEK", "SGD",
              "THB", "TND", "TRY", "TTD", "TWD", "TZS", "UAH", "USD", "UYU", "VND", "XAF",
              "XCD", "XOF", "XPF", "ZAR"]
TIME_ZONES = ["America/Anchorage", "America/Caracas", "America/Chicago", "America/Denver",
              "America/Halifax", "America/Los_Angeles", "America/Mexico_City",
              "America/New_York", "America/Sao_Paulo", "America/St_Johns", "Asia/Almaty",
              "Asia/Baghdad", "Asia/Bangkok", "Asia/Dubai", "Asia/Hong_Kong", "Asia/Kabul",
              "Asia/Kathmandu", "Asia/Kolkata", "Asia/Magadan", "Asia/Riyadh",
              "Asia/Shanghai", "Asia/Singapore", "Asia/Tehran", "Asia/Tokyo",
              "Asia/Yekaterinburg", "Asia/Yerevan", "Atlantic/Azores",
              "Atlantic/South_Georgia", "Australia/Brisbane", "Australia/Darwin",
              "Australia/Sydney", "EET", "Europe/Amsterdam", "Europe/Istanbul",
              "Europe/London", "Europe/Paris", "Europe/Stockholm", "Indian/Cocos",
              "Pacific/Auckland", "Pacific/Fiji", "Pacific/Honolulu", "Pacific/Kwajalein",
              "Pacific/Midway"]
INDUSTRY_VERTICALS = ["AMS Keyword", "AMS Self Service", "Automotive", "Consumer Goods",
                      "Entertainment", "Financial Services", "Hardware & Electronics",
                      "Health", "House Ads", "Public Services", "Remnant Networks",
                      "Retail Goods & Services", "Software", "Telecommunications", "Travel",
                      "Twitch", "Twitch TV", "Web Media", "eCommerce"]
SELLING_PROGRAMS = ["AMAZON_AUTHOR", "AMAZON_SELLER", "AMAZON_VENDOR"]
INVITATION_STATUSES = ["APPROVED", "PENDING", "REJECTED", "RESENT"]
ELIGIBILITY_STATUSES = ["APPROVED", "PENDING", "REJECTED"]
REJECTED_REASONS = ["BUSINESS_VERIFICATION_FAILED", "SALES_VERIFICATION_FAILED"]
PAGE_TEMPLATES = ["BLANK", "HIGHLIGHT", "MARQUEE", "PRODUCT_COLLECTION", "PRODUCT_GRID"]
PUBLISH_STATES = ["DRAFT", "PUBLISH"]
PUBLISH_STATUSES = ["DRAFT", "REVIEW_IN_PROGRESS"]
WIDGETS = ["storeAWLSWidget", "storeBannerWidget", "storeCustomCodeWidget", "storeDealsWidget",
           "storeGalleryWidget", "storeHeroImageWidget", "storeImageWidget",
           "storeImageWithTextWidget", "storeLiveVideoWidget",
           "storeManuallyCuratedProductCarouselWidget", "storeProductCarouselWidget",
           "storeProductCollectionWidget", "storeProductGridWidget", "storeProductWidget",
           "storeShopTheLookWidget", "storeShoppableImageWidget", "storeTextWidget",
           "storeTileWidget", "storeVideoWidget"]
DAYPART_NAMES = ["ALL_DAY", "EARLY_FRINGE", "LATE_FRINGE", "PRIME_TIME", "WEEKDAY_DAYTIME",
                 "WEEKDAY_MORNING", "WEEKEND_DAYTIME"]
INVENTORY_TYPES = ["BROADCAST", "CABLE", "SYNDICATION"]
REACH_UNITS = ["HOUSEHOLD", "INDIVIDUAL"]


# ---------------------------------------------------------------------- seeded data
# Seed-independent (tests rely on these ids and names; README "Amazon Ads API v1 betas").

GLOBAL, VENDOR, DSP_UK, PENDING = ("amzn1.ads-account.g.simglobal1",
                                   "amzn1.ads-account.g.simvendor2",
                                   "amzn1.ads-account.g.simdspuk3",
                                   "amzn1.ads-account.g.simpending4")
MANAGER_1, MANAGER_2 = "amzn1.ads-account.m.simmanager1", "amzn1.ads-account.m.simmanager2"
SELLER_TOKEN, VENDOR_TOKEN, AUTHOR_TOKEN = ("slt.sim.seller.us", "slt.sim.vendor.us",
                                            "slt.sim.author.us")


def _address(name, line, city, state, zip_code, country="US"):
    return {"addressLine1": line, "businessName": name, "city": city, "state": state,
            "zipCode": zip_code, "countryCode": country}


def _account(account_id, name, status, message, alternates, created_with, **extra):
    business = {"address": _address(*created_with), "website": "https://%s.example"
                % name.lower().replace(" ", "-")}
    data = {"advertiserAccountId": account_id, "displayName": name,
            "businessDetails": [business], "status": {"statusCode": status,
                                                      "statusMessage": message},
            "alternateIds": alternates, "isGlobalAccount": False, "isTestAccount": False}
    data.update(extra)
    return data


def _link(token, program, status="APPROVED"):
    return {"sellingAccountLinkDetails": {
        "sellingAccountLinkToken": token, "sellingProgram": program,
        "linkStatus": {"statusCode": status, "statusMessage": LINK_MESSAGES[status]}}}


LINK_MESSAGES = {"APPROVED": "The selling account is linked.",
                 "IN_PROGRESS": "The link is being set up.",
                 "PENDING_APPROVAL": "Waiting for the selling account owner to approve.",
                 "REJECTED": "The selling account owner rejected the link."}
ACCOUNT_MESSAGES = {"APPROVED": "The account is registered.",
                    "REGISTRATION_IN_PROGRESS": "Registration is being reviewed.",
                    "ARCHIVED": "The account is archived.",
                    "REJECTED": "Registration was rejected."}


def seed_advertiser_accounts():
    return [
        _account(GLOBAL, "Sim Global Account", "APPROVED", ACCOUNT_MESSAGES["APPROVED"], [
            {"profileId": "1234567890", "countryCode": "US", "region": "NA"},
            {"profileId": "3456789012", "countryCode": "CA", "region": "NA"},
            {"dspAdvertiserId": "5860000000001", "entityId": "ENTITY1ABC",
             "countryCode": "US", "region": "NA"}],
            ("Sim Seller LLC", "410 Terry Ave N", "Seattle", "WA", "98109"),
            isGlobalAccount=True, currencyCode="USD", timeZoneIana="America/Los_Angeles",
            industryVertical="Retail Goods & Services", managerAccountId=MANAGER_1,
            sellingAccountLinkRequests=[_link(SELLER_TOKEN, "AMAZON_SELLER")]),
        _account(VENDOR, "Sim Vendor", "APPROVED", ACCOUNT_MESSAGES["APPROVED"], [
            {"profileId": "2345678901", "countryCode": "US", "region": "NA"}],
            ("Sim Vendor Inc", "1 Vendor Way", "Austin", "TX", "73301"),
            currencyCode="USD", timeZoneIana="America/Chicago",
            industryVertical="Consumer Goods",
            sellingAccountLinkRequests=[_link(VENDOR_TOKEN, "AMAZON_VENDOR")]),
        _account(DSP_UK, "Sim DSP UK", "APPROVED", ACCOUNT_MESSAGES["APPROVED"], [
            {"dspAdvertiserId": "5860000000002", "entityId": "ENTITY2DEF",
             "countryCode": "GB", "region": "EU"}],
            ("Sim UK Ltd", "1 Principal Place", "London", "LDN", "E1 6QL", "GB"),
            currencyCode="GBP", timeZoneIana="Europe/London", industryVertical="Web Media",
            managerAccountId=MANAGER_1),
        _account(PENDING, "Sim Pending", "REGISTRATION_IN_PROGRESS",
                 ACCOUNT_MESSAGES["REGISTRATION_IN_PROGRESS"], [],
                 ("Sim Startup", "9 New St", "Denver", "CO", "80202"),
                 currencyCode="USD", timeZoneIana="America/Denver", isTestAccount=True),
    ]


def seed_selling_accounts():
    def account(token, program, portals, name, countries, address):
        return {"sellingAccountLinkToken": token, "sellingProgram": program,
                "portals": portals, "displayName": name, "countryCodes": countries,
                "business": {"addresses": [dict(address, addressToken="addr." + token)],
                             "website": "https://%s.example" % name.lower().replace(" ", "-")}}
    return [
        account(SELLER_TOKEN, "AMAZON_SELLER", ["SELLER_CENTRAL"], "Sim Seller", ["US", "CA"],
                _address("Sim Seller LLC", "410 Terry Ave N", "Seattle", "WA", "98109")),
        account(VENDOR_TOKEN, "AMAZON_VENDOR", ["VENDOR_CENTRAL"], "Sim Vendor", ["US"],
                _address("Sim Vendor Inc", "1 Vendor Way", "Austin", "TX", "73301")),
        account(AUTHOR_TOKEN, "AMAZON_AUTHOR", ["AUTHOR_CENTRAL", "KDP_CENTRAL"], "Sim Author",
                ["US", "GB"], _address("Sim Author", "5 Quill Rd", "Portland", "OR", "97201")),
    ]


def seed_manager_accounts():
    # ManagerAccount is an empty object schema in the spec: these members are the
    # simulator's choice (managerAccountId, managerAccountName, advertiserAccountIds).
    return [{"managerAccountId": MANAGER_1, "managerAccountName": "Sim Agency",
             "advertiserAccountIds": [GLOBAL, DSP_UK]},
            {"managerAccountId": MANAGER_2, "managerAccountName": "Sim Holding",
             "advertiserAccountIds": []}]


def seed_invitations():
    return [
        {"accountCombinationInvitationId": "8000000001", "advertiserAccountId": GLOBAL,
         "accountsToCombine": [{"accountId": {"advertiserAccountId": DSP_UK}}],
         "status": "PENDING", "statusMessage": INVITATION_MESSAGES["PENDING"]},
        {"accountCombinationInvitationId": "8000000002", "advertiserAccountId": GLOBAL,
         "accountsToCombine": [{"accountId": {"advertiserAccountId": VENDOR},
                                "accountFunction": "BUSINESS_DETAILS_SOURCE"}],
         "status": "APPROVED", "statusMessage": INVITATION_MESSAGES["APPROVED"]},
    ]


INVITATION_MESSAGES = {"PENDING": "Waiting for the invited accounts to accept.",
                       "RESENT": "The invitation was sent again.",
                       "APPROVED": "The accounts are combined.",
                       "REJECTED": "The invitation was rejected."}


def seed_eligibilities():
    return [
        {"advertiserProductGroupEligibilityId": "9000000001", "advertiserAccountId": GLOBAL,
         "adProductGroup": "ADSP", "status": "APPROVED",
         "creationDateTime": "2025-01-15T00:00:00Z"},
        {"advertiserProductGroupEligibilityId": "9000000002", "advertiserAccountId": VENDOR,
         "adProductGroup": "ADSP", "status": "REJECTED",
         "creationDateTime": "2025-02-01T00:00:00Z",
         "rejectedReasonDetail": [{"code": "SALES_VERIFICATION_FAILED",
                                   "description": "Sales history could not be verified."}]},
    ]


# Brand stores: (storeId, storeName, owning profile, editions, pages [(tag, title, type,
# template)], publish versions of edition 1 [(publishState, publishStatus)]).
STORES = [
    ("store-acme", "Acme", "1234567890", 120,
     [("home", "Acme", "BRAND_STORE_PAGE", "MARQUEE"),
      ("tents", "Tents", "BRAND_STORE_PAGE", "PRODUCT_GRID"),
      ("sale", "Spring Sale", "LANDING_PAGE", "HIGHLIGHT")],
     [("DRAFT", "DRAFT"), ("DRAFT", "DRAFT"), ("DRAFT", "DRAFT"),
      ("PUBLISH", "REVIEW_IN_PROGRESS")]),
    ("store-acme-outdoor", "Acme Outdoor", "1234567890", 3,
     [("home", "Acme Outdoor", "BRAND_STORE_PAGE", "MARQUEE")],
     [("DRAFT", "DRAFT")]),
    ("store-globex", "Globex", "1234567890", 2,
     [("home", "Globex", "BRAND_STORE_PAGE", "PRODUCT_COLLECTION"),
      ("about", "About Globex", "BRAND_STORE_PAGE", "BLANK")],
     [("DRAFT", "DRAFT"), ("PUBLISH", "REVIEW_IN_PROGRESS")]),
    ("store-initech", "Initech", "2345678901", 1,
     [("home", "Initech", "BRAND_STORE_PAGE", "BLANK")],
     [("DRAFT", "DRAFT")]),
]


def _text_widget(tag, text):
    return {"storeTextWidget": {
        "commonProperties": {"sectionType": "EDITORIAL_ROW", "widgetTag": tag,
                             "widgetType": "EDITORIAL_ROW"},
        "tiles": [{"commonProperties": {"size": "LARGE", "tag": tag + "-tile", "type": "TEXT"},
                   "content": {"bold": False, "text": text, "title": text,
                               "uppercase": False}}]}}


def edition_id(store_id, n):
    return "edition-%s-%03d" % (store_id[len("store-"):], n)


def seed_brand_stores():
    stores, editions, pages, versions = [], [], [], []
    start = datetime.datetime(2025, 1, 6, tzinfo=datetime.timezone.utc)
    for store_id, name, profile, edition_count, page_rows, publish_rows in STORES:
        short = store_id[len("store-"):]
        stores.append({"storeId": store_id, "storeName": name, "_profile": profile,
                       "pageInfos": [{"tag": tag, "title": title}
                                     for tag, title, _, _ in page_rows]})
        for n in range(1, edition_count + 1):
            edition = {"storeId": store_id, "editionId": edition_id(store_id, n),
                       "editionName": "%s Edition %03d" % (name, n), "_profile": profile}
            if n > 1:   # edition 1 is the evergreen one, the others run a week each
                begin = start + datetime.timedelta(days=7 * (n - 2))
                edition["storeEditionSchedule"] = {
                    "startAt": v1_time(begin),
                    "endAt": v1_time(begin + datetime.timedelta(days=7))}
            editions.append(edition)
        first = edition_id(store_id, 1)
        publish_ids = ["pub-%s-001-%d" % (short, i + 1) for i in range(len(publish_rows))]
        for tag, title, page_type, template in page_rows:
            content = {"template": template, "title": title,
                       "description": "%s page of %s" % (title, name),
                       "widgets": [_text_widget(tag + "-intro", "Welcome to " + title)]}
            pages.append({"pageId": "page-%s-%s" % (short, tag), "storeId": store_id,
                          "editionId": first, "pageType": page_type, "content": content,
                          "storeEditionPublishId": publish_ids[0], "_profile": profile})
        for i, (publish_state, publish_status) in enumerate(publish_rows):
            versions.append({"storeEditionPublishId": publish_ids[i], "storeId": store_id,
                             "editionId": first, "publishState": publish_state,
                             "publishStatus": publish_status, "_profile": profile,
                             "pages": [{"pageId": "page-%s-%s" % (short, tag),
                                        "version": i + 1} for tag, _, _, _ in page_rows]})
    return stores, editions, pages, versions


def v1_time(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# Linear TV dayparts: (id, name, description, [(marketplaces, start day, end day, start
# h:m, end h:m)]).
WEEKDAYS = ("MONDAY", "FRIDAY")
WEEK = ("MONDAY", "SUNDAY")
WEEKEND = ("SATURDAY", "SUNDAY")
NORTH_AMERICA = ("US", "CA")
DAYPARTS = [
    ("daypart-weekday-morning", "WEEKDAY_MORNING", "Weekdays 6:00-8:59",
     [(NORTH_AMERICA, WEEKDAYS, (6, 0), (8, 59))]),
    ("daypart-weekday-daytime", "WEEKDAY_DAYTIME", "Weekdays 9:00-15:59",
     [(NORTH_AMERICA, WEEKDAYS, (9, 0), (15, 59))]),
    ("daypart-early-fringe", "EARLY_FRINGE", "Weekdays 16:00-19:59",
     [(NORTH_AMERICA, WEEKDAYS, (16, 0), (19, 59))]),
    ("daypart-prime-time", "PRIME_TIME", "Every day 20:00-22:59",
     [(NORTH_AMERICA + ("GB",), WEEK, (20, 0), (22, 59))]),
    ("daypart-late-fringe", "LATE_FRINGE", "Every day 23:00-1:59",
     [(NORTH_AMERICA, WEEK, (23, 0), (1, 59))]),
    ("daypart-weekend-daytime", "WEEKEND_DAYTIME", "Weekends 6:00-19:59",
     [(NORTH_AMERICA, WEEKEND, (6, 0), (19, 59))]),
    ("daypart-all-day", "ALL_DAY", "Every day, all day",
     [(NORTH_AMERICA + ("GB",), WEEK, (0, 0), (23, 59))]),
]


def seed_dayparts():
    out = []
    for daypart_id, name, description, rows in DAYPARTS:
        definitions = []
        for marketplaces, (first_day, last_day), (sh, sm), (eh, em) in rows:
            for marketplace in marketplaces:
                definitions.append({"marketplace": marketplace, "startDayOfWeek": first_day,
                                    "endDayOfWeek": last_day, "startHourOfDay": sh,
                                    "startMinuteOfDay": sm, "endHourOfDay": eh,
                                    "endMinuteOfDay": em})
        out.append({"linearTvDaypartId": daypart_id, "name": name, "daypartType": "STANDARD",
                    "description": description, "marketplaceDefinitions": definitions})
    return out


class Table:
    """Records of one entity in insertion (= id) order, by id."""

    def __init__(self, id_field, rows=()):
        self.id_field = id_field
        self.rows = {}
        for row in rows:
            self.add(row)

    def add(self, row):
        self.rows[row[self.id_field]] = row

    def get(self, key):
        return self.rows.get(key) if isinstance(key, str) else None

    def __iter__(self):
        return iter(self.rows.values())


class BetaState:
    def __init__(self):
        stores, editions, pages, versions = seed_brand_stores()
        self.advertiserAccounts = Table("advertiserAccountId", seed_advertiser_accounts())
        self.sellingAccounts = Table("sellingAccountLinkToken", seed_selling_accounts())
        self.managerAccounts = Table("managerAccountId", seed_manager_accounts())
        self.accountCombinationInvitations = Table("accountCombinationInvitationId",
                                                   seed_invitations())
        self.advertiserProductGroupEligibilities = Table(
            "advertiserProductGroupEligibilityId", seed_eligibilities())
        self.brandStores = Table("storeId", stores)
        self.brandStoreEditions = Table("editionId", editions)
        self.brandStorePages = Table("pageId", pages)
        self.brandStoreEditionPublishVersions = Table("storeEditionPublishId", versions)
        self.linearTvDayparts = Table("linearTvDaypartId", seed_dayparts())


def init_state(state, rng):
    state.v1betas = BetaState()


# ---------------------------------------------------------------------- request context

class Ctx:
    """Who a request acts for: the profile (Scope) and/or the advertiser account or DSP
    account (Amazon-Ads-AccountId), as the operation's header rule resolved them."""

    def __init__(self, req):
        self.req = req
        self.state = req.sim.state
        self.data = self.state.v1betas
        self.now = self.state.now_iso()
        self.profile = None        # a seeded profile (Scope)
        self.account = None        # an advertiser account (AccountId or via alternateIds)
        self.dsp = None            # a seeded DSP account (AccountId)
        self.account_header = None

    @property
    def profile_ids(self):
        """The profiles whose brand stores the caller sees."""
        if self.profile is not None:
            return {str(self.profile["profileId"])}
        if self.account is not None:
            return {a["profileId"] for a in self.account.get("alternateIds", [])
                    if a.get("profileId")}
        return set()

    @property
    def scope_key(self):
        return "%s|%s" % (self.profile["profileId"] if self.profile else "",
                          self.account_header or "")

    def currency(self):
        if self.dsp is not None:
            return self.dsp["currencyCode"]
        if self.account is not None:
            return self.account.get("currencyCode", "USD")
        return "USD"


def find_advertiser(state, value):
    """The advertiser account an Amazon-Ads-AccountId names: its own id, or one of its
    alternate DSP ids (entityId, dspAdvertiserId)."""
    table = state.v1betas.advertiserAccounts
    found = table.get(value)
    if found is not None:
        return found
    for account in table:
        for alternate in account.get("alternateIds", []):
            if value in (alternate.get("entityId"), alternate.get("dspAdvertiserId")):
                return account
    return None


def find_dsp(state, account):
    """The seeded DSP account (v1.DSP_ACCOUNTS) behind an advertiser account, if any."""
    for alternate in account.get("alternateIds", []):
        found = state.dsp_accounts.get(alternate.get("entityId"))
        if found is not None:
            return found
    return None


# Header rules. NONE: Amazon-Ads-ClientId only (checked by app.py with the token).
NONE, SCOPE, SCOPE_OR_ACCOUNT, ADVERTISER, DSP_ACCOUNT = (
    "none", "scope", "scope_or_account", "advertiser", "dsp")


def context(req, rule):
    """(Ctx, None) or (None, 403 Response) for the operation's header rule."""
    ctx = Ctx(req)
    state = ctx.state
    scope = (req.headers.get(SCOPE_HEADER) or "").strip()
    account_id = (req.headers.get(ACCOUNT_HEADER) or "").strip()
    if rule == NONE:
        return ctx, None
    if rule in (SCOPE, SCOPE_OR_ACCOUNT) and scope:
        ctx.profile = state.profile(scope)
        if ctx.profile is None:
            return None, forbidden("Not authorized to access scope %s" % scope)
    if rule == SCOPE:
        if not scope:
            return None, forbidden("%s is required" % SCOPE_HEADER)
        return ctx, None
    if rule == SCOPE_OR_ACCOUNT:
        if not scope and not account_id:
            return None, forbidden("%s or %s is required" % (SCOPE_HEADER, ACCOUNT_HEADER))
        if scope:
            return ctx, None
    if not account_id:
        return None, forbidden("%s is required" % ACCOUNT_HEADER)
    ctx.account_header = account_id
    ctx.account = find_advertiser(state, account_id)
    if rule == DSP_ACCOUNT:
        ctx.dsp = state.dsp_accounts.get(account_id) or (
            find_dsp(state, ctx.account) if ctx.account is not None else None)
        if ctx.dsp is None and not any(a.get("dspAdvertiserId") for a in (
                ctx.account or {}).get("alternateIds", [])):
            return None, forbidden("Not authorized to access advertiser account %s"
                                   % account_id)
        return ctx, None
    if ctx.account is None:
        return None, forbidden("Not authorized to access advertiser account %s" % account_id)
    return ctx, None


# ---------------------------------------------------------------------- generic handlers

def _public(row):
    """A record as answered: a deep copy without the simulator's ``_`` members."""
    return json.loads(json.dumps({k: val for k, val in row.items() if not k.startswith("_")}))


def _max_results(value, bounds, from_query=False):
    """(maxResults, None) or (None, message)."""
    low, high, default = bounds
    if value is None:
        return default, None
    if from_query and isinstance(value, str) and re.fullmatch(r"[0-9]+", value.strip()):
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        return None, "maxResults must be an integer from %d to %d" % (low, high)
    return value, None


def _page(rows, offset, size, fingerprint):
    """(page, nextToken or None). maxResults 0 answers no items and, while items remain,
    a token for the same position."""
    page = rows[offset:offset + size]
    end = offset + len(page)
    return page, (paging.encode(end, fingerprint) if end < len(rows) else None)


class BetaFilter(f.Filter):
    """A v1 include filter (minItems 1); ``match(value, wanted)`` overrides equality."""

    def __init__(self, name, value, max_items, match=None, **kw):
        kw.setdefault("min_items", 1)
        super().__init__(name, value, max_items, **kw)
        self.match = match

    def matcher(self, wanted):
        if self.match is not None:
            return lambda data: self.match(self.value(data), wanted)
        return super().matcher(wanted)


def _flt(name, field, max_items, **kw):
    getter = field if callable(field) else f.field(field)
    return BetaFilter(name, getter, max_items, **kw)


class Query:
    """POST /adsApi/v1/query/{key}: filters (``required`` ones must be present), maxResults
    (low, high, default), nextToken in the body; rows(ctx) are the records visible."""

    verb = "query"
    method = "POST"

    def __init__(self, key, rows, filters=(), max_results=(1, 100, 100), required=(),
                 headers=NONE, body_required=False):
        self.key = key
        self.rows = rows
        self.filters = {spec.name: spec for spec in filters}
        self.max_results = max_results
        self.required = required
        self.headers = headers
        self.body_required = body_required

    @property
    def path(self):
        return "%s/query/%s" % (PREFIX, self.key)

    def handle(self, req):
        ctx, failed = context(req, self.headers)
        if failed:
            return failed
        body = req.json if req.body else None
        if body is None and (req.body or self.body_required):
            return bad_request("The request body must be a JSON object")
        body = body if body is not None else {}
        if not isinstance(body, dict):
            return bad_request("The request body must be a JSON object")
        for name in self.required:
            if body.get(name) is None:
                return bad_request("%s is required" % name)
        errs = V1Errors("")
        matchers, raw = [], {}
        for name, spec in self.filters.items():
            if body.get(name) is None:
                continue
            raw[name] = body[name]
            wanted = spec.parse(body[name], errs)
            if errs:
                return bad_request(errs.items[0]["message"])
            if wanted is not None:
                matchers.append(spec.matcher(wanted))
        size, problem = _max_results(body.get("maxResults"), self.max_results)
        if problem:
            return bad_request(problem)
        fingerprint = {"op": self.key, "scope": ctx.scope_key, "filters": raw}
        offset = 0
        if body.get("nextToken") is not None:
            try:
                offset = paging.decode(body["nextToken"], fingerprint)
            except paging.BadToken as exc:
                return bad_request(str(exc))
        rows = [row for row in self.rows(ctx) if all(m(row) for m in matchers)]
        page, token = _page(rows, offset, size, fingerprint)
        answer = {self.key: [_public(row) for row in page]}
        if token:
            answer["nextToken"] = token
        return Response(200, answer)


class GetList:
    """GET /adsApi/v1/{key}?{parent}=...&maxResults=&nextToken=: paging in the query
    string; ``parent`` (a required parameter) picks the records, ``missing`` answers
    the error for a parent the caller cannot see."""

    verb = "list"
    method = "GET"

    def __init__(self, key, parent, rows, max_results, headers, missing):
        self.key = key
        self.parent = parent
        self.rows = rows
        self.max_results = max_results
        self.headers = headers
        self.missing = missing

    @property
    def path(self):
        return "%s/%s" % (PREFIX, self.key)

    def handle(self, req):
        ctx, failed = context(req, self.headers)
        if failed:
            return failed
        parent = (req.query.get(self.parent) or "").strip()
        if not parent:
            return bad_request("%s is required" % self.parent)
        size, problem = _max_results(req.query.get("maxResults"), self.max_results,
                                     from_query=True)
        if problem:
            return bad_request(problem)
        rows = self.rows(ctx, parent)
        if rows is None:
            return self.missing(parent)
        fingerprint = {"op": self.key, "scope": ctx.scope_key, self.parent: parent}
        offset = 0
        if req.query.get("nextToken") is not None:
            try:
                offset = paging.decode(req.query["nextToken"], fingerprint)
            except paging.BadToken as exc:
                return bad_request(str(exc))
        page, token = _page(rows, offset, size, fingerprint)
        answer = {self.key: [_public(row) for row in page]}
        if token:
            answer["nextToken"] = token
        return Response(200, answer)


class Write:
    """POST /adsApi/v1/{verb}/{key} with {key: [1..max_items]}: 207 {"success": [{"index",
    singular: record}], "error": [{"index", "errors"}]}. Each item is cleaned against
    ``schema``, then ``apply(ctx, item, errs)`` checks the rules and, when it adds no
    error, carries the item out and answers the record (or adds errors and answers None).
    ``codes`` renames schema-level codes by field: {(code, field suffix): new code}."""

    method = "POST"

    def __init__(self, verb, key, singular, schema, max_items, apply, headers=NONE,
                 codes=None):
        self.verb = verb
        self.key = key
        self.singular = singular
        self.schema = schema
        self.max_items = max_items
        self.apply = apply
        self.headers = headers
        self.codes = codes or {}

    @property
    def path(self):
        return "%s/%s/%s" % (PREFIX, self.verb, self.key)

    def handle(self, req):
        ctx, failed = context(req, self.headers)
        if failed:
            return failed
        body = req.json
        if not isinstance(body, dict):
            return bad_request("The request body must be a JSON object")
        items = body.get(self.key)
        if items is None:
            return bad_request("%s is required" % self.key)
        if not isinstance(items, list):
            return bad_request("%s must be an array" % self.key)
        if not items:
            return bad_request("%s must have at least 1 item" % self.key)
        if len(items) > self.max_items:
            return bad_request("%s must have at most %d item%s" % (
                self.key, self.max_items, "" if self.max_items == 1 else "s"))
        success, error = [], []
        for index, raw in enumerate(items):
            errs = V1Errors("")
            record = None
            if not isinstance(raw, dict):
                errs.code("FIELD_VALUE_IS_INVALID", "each item must be a JSON object")
            else:
                item = v.clean_members(self.schema, raw, errs)
                self._rename(errs)
                if not errs:
                    record = self.apply(ctx, item, errs)
            if errs or record is None:
                if not errs:
                    errs.code("INTERNAL_ERROR", "the item was not carried out")
                error.append({"index": index, "errors": errs.items[:MAX_ERRORS]})
            else:
                success.append({"index": index, self.singular: _public(record)})
        return Response(207, {"success": success, "error": error})

    def _rename(self, errs):
        for error in errs.items:
            location = error.get("fieldLocation", "")
            for (code, suffix), new in self.codes.items():
                if error["code"] == code and location.endswith(suffix):
                    error["code"] = new
                    break


# ---------------------------------------------------------------------- account registration

def _str(required=False, **kw):
    return v.Str(required=required, trimmed=False, **kw)


CREATE_ADDRESS = v.Object({
    "addressLine1": _str(True), "addressLine2": _str(), "businessName": _str(True),
    "city": _str(True), "countryCode": _str(True), "phoneNumber": _str(), "state": _str(),
    "zipCode": _str()})
BUSINESS_DETAILS = v.Array(v.Object({
    "address": CREATE_ADDRESS, "addressToken": _str(),
    "businessRegistrationNumber": _str(), "website": _str()}), min_items=1, max_items=1)
LINK_REQUESTS = v.Array(v.Object({"sellingAccountLinkDetails": v.Object({
    "sellingAccountLinkToken": _str(True), "sellingProgram": v.Enum(SELLING_PROGRAMS)},
    required=True)}), max_items=1)
ACCOUNT_FIELDS = {
    "currencyCode": v.Enum(CURRENCIES), "displayName": v.Str(max_len=255),
    "industryVertical": v.Enum(INDUSTRY_VERTICALS), "isGlobalAccount": v.Bool(),
    "isTestAccount": v.Bool(), "managerAccountId": v.Id(),
    "sellingAccountLinkRequests": LINK_REQUESTS, "timeZoneIana": v.Enum(TIME_ZONES)}
ACCOUNT_CREATE = dict(ACCOUNT_FIELDS, businessDetails=v.Array(
    BUSINESS_DETAILS.item, min_items=1, max_items=1, required=True))
ACCOUNT_UPDATE = dict(ACCOUNT_FIELDS, advertiserAccountId=v.Id(required=True),
                      businessDetails=BUSINESS_DETAILS)
ACCOUNT_CODES = {
    ("FIELD_VALUE_IS_NULL", "address.addressLine1"): "MISSING_ADDRESS_LINE_ONE",
    ("FIELD_VALUE_IS_NULL", "address.businessName"): "MISSING_BUSINESS_NAME",
    ("FIELD_VALUE_IS_NULL", "address.city"): "MISSING_CITY",
    ("FIELD_VALUE_IS_NULL", "address.countryCode"): "MISSING_COUNTRY_CODE",
}
CREATE_ONLY_ACCOUNT_FIELDS = ("currencyCode", "isGlobalAccount", "isTestAccount")
BUSINESS_NAME_MAX = 100
US_ZIP = re.compile(r"[0-9]{5}(-[0-9]{4})?")
WEBSITE = re.compile(r"https?://[^\s/.]+(\.[^\s/.]+)+(/\S*)?")


def _check_business(errs, details):
    for i, detail in enumerate(details):
        where = "businessDetails[%d]" % i
        address = detail.get("address")
        if address is None and "addressToken" not in detail:
            errs.code("MISSING_ADDRESS_LINE_ONE", "give address or addressToken",
                      where + ".address")
            continue
        if address is not None:
            if len(address["businessName"]) > BUSINESS_NAME_MAX:
                errs.code("ADDRESS_BUSINESS_NAME_TOO_LONG", "businessName must be at most %d "
                          "characters" % BUSINESS_NAME_MAX, where + ".address.businessName")
            if not re.fullmatch(r"[A-Z]{2}", address["countryCode"]):
                errs.code("FIELD_VALUE_IS_INVALID", "countryCode must be an ISO 3166 alpha-2 "
                          "code", where + ".address.countryCode")
            elif address["countryCode"] == "US":
                if not US_ZIP.fullmatch(address.get("zipCode", "")):
                    errs.code("INVALID_ZIP_CODE", "a US zipCode is 5 digits (or ZIP+4)",
                              where + ".address.zipCode")
                if not re.fullmatch(r"[A-Z]{2}", address.get("state", "")):
                    errs.code("ADDRESS_INVALID_STATE", "a US state is a 2-letter code",
                              where + ".address.state")
        if "website" in detail and not WEBSITE.fullmatch(detail["website"]):
            errs.code("INVALID_WEBSITE_URL", "website must be an http(s) URL",
                      where + ".website")


def _check_links(ctx, errs, links, own_id=None):
    """The selling accounts to link: known, of the given program, not linked elsewhere.
    Answers the stored form (linkStatus PENDING_APPROVAL)."""
    out = []
    for i, link in enumerate(links):
        details = link["sellingAccountLinkDetails"]
        where = "sellingAccountLinkRequests[%d].sellingAccountLinkDetails" % i
        token = details["sellingAccountLinkToken"]
        selling = ctx.data.sellingAccounts.get(token)
        if selling is None:
            errs.code("FIELD_VALUE_NOT_FOUND", "unknown sellingAccountLinkToken",
                      where + ".sellingAccountLinkToken")
            continue
        program = details.get("sellingProgram", selling["sellingProgram"])
        if program != selling["sellingProgram"]:
            errs.code("FIELD_VALUE_MISMATCH", "the selling account is %s"
                      % selling["sellingProgram"], where + ".sellingProgram")
            continue
        for account in ctx.data.advertiserAccounts:
            if account["advertiserAccountId"] != own_id and any(
                    r["sellingAccountLinkDetails"]["sellingAccountLinkToken"] == token
                    for r in account.get("sellingAccountLinkRequests", [])):
                errs.code("ACCOUNT_ALREADY_EXISTS_FOR_SELLING_ACCOUNT",
                          "advertiser account %s is already linked to this selling account"
                          % account["advertiserAccountId"],
                          where + ".sellingAccountLinkToken")
                break
        else:
            out.append(_link(token, program, "PENDING_APPROVAL"))
    return out


def _check_display_name(ctx, errs, name, own_id=None):
    for account in ctx.data.advertiserAccounts:
        if account["advertiserAccountId"] != own_id \
                and account["status"]["statusCode"] != "ARCHIVED" \
                and account.get("displayName", "").lower() == name.lower():
            errs.code("ACCOUNT_ALREADY_EXISTS_FOR_ACCOUNT_NAME", "an advertiser account named "
                      "%r already exists" % name, "displayName")
            return


def _check_manager(ctx, errs, manager_id):
    if manager_id is not None and ctx.data.managerAccounts.get(manager_id) is None:
        errs.code("RESOURCE_ID_NOT_FOUND", "manager account %s not found" % manager_id,
                  "managerAccountId")


def create_account(ctx, item, errs):
    _check_business(errs, item["businessDetails"])
    name = item.get("displayName") or (item["businessDetails"][0].get("address") or {}).get(
        "businessName") or "Advertiser account"
    _check_display_name(ctx, errs, name)
    _check_manager(ctx, errs, item.get("managerAccountId"))
    links = _check_links(ctx, errs, item.get("sellingAccountLinkRequests", []))
    if errs:
        return None
    account = {"advertiserAccountId": "amzn1.ads-account.g.sim" + ctx.state.ids.next(),
               "displayName": name, "isGlobalAccount": False, "isTestAccount": False,
               "alternateIds": []}
    account.update(item)
    account["displayName"] = name
    if links:
        account["sellingAccountLinkRequests"] = links
    account["status"] = {"statusCode": "REGISTRATION_IN_PROGRESS",
                         "statusMessage": ACCOUNT_MESSAGES["REGISTRATION_IN_PROGRESS"]}
    ctx.data.advertiserAccounts.add(account)
    return account


def update_account(ctx, item, errs):
    account_id = item.pop("advertiserAccountId")
    account = ctx.data.advertiserAccounts.get(account_id)
    if account is None:
        errs.code("RESOURCE_ID_NOT_FOUND", "advertiser account %s not found" % account_id,
                  "advertiserAccountId")
        return None
    if account["status"]["statusCode"] == "ARCHIVED":
        errs.code("ARCHIVED_RESOURCE_CANNOT_EDIT", "the account is archived",
                  "advertiserAccountId")
        return None
    for field in CREATE_ONLY_ACCOUNT_FIELDS:
        if field in item and item[field] != account.get(field):
            errs.code("FIELD_VALUE_CANNOT_EDIT", "%s cannot be changed" % field, field)
    if "businessDetails" in item:
        _check_business(errs, item["businessDetails"])
    if "displayName" in item:
        _check_display_name(ctx, errs, item["displayName"], account_id)
    _check_manager(ctx, errs, item.get("managerAccountId"))
    if "sellingAccountLinkRequests" in item:
        known = {r["sellingAccountLinkDetails"]["sellingAccountLinkToken"]: r
                 for r in account.get("sellingAccountLinkRequests", [])}
        links = _check_links(ctx, errs, item["sellingAccountLinkRequests"], account_id)
        item["sellingAccountLinkRequests"] = [
            known.get(r["sellingAccountLinkDetails"]["sellingAccountLinkToken"], r)
            for r in links]
    if errs:
        return None
    account.update(item)
    return account


# ---------------------------------------------------------------------- linked accounts

ACCOUNT_TO_COMBINE = v.Object({
    "accountFunction": v.Enum(["BUSINESS_DETAILS_SOURCE"]),
    "accountId": v.Object({"advertiserAccountId": v.Id(required=True)}, required=True)})
INVITATION_CREATE = {
    "accountsToCombine": v.Array(ACCOUNT_TO_COMBINE, min_items=1, max_items=17,
                                 required=True),
    "advertiserAccountId": v.Id(), "status": v.Enum(INVITATION_STATUSES)}
INVITATION_UPDATE = dict(INVITATION_CREATE,
                         accountsToCombine=v.Array(ACCOUNT_TO_COMBINE, min_items=1,
                                                   max_items=17),
                         accountCombinationInvitationId=v.Id(required=True))
TERMINAL_INVITATION = ("APPROVED", "REJECTED")


def _check_combination(ctx, errs, inviter, accounts):
    if inviter is not None:
        account = ctx.data.advertiserAccounts.get(inviter)
        if account is None:
            errs.code("RESOURCE_ID_NOT_FOUND", "advertiser account %s not found" % inviter,
                      "advertiserAccountId")
        elif not account.get("isGlobalAccount"):
            errs.code("FIELD_VALUE_IS_INVALID", "the inviting account must be a global "
                      "account (isGlobalAccount)", "advertiserAccountId")
    seen, sources = set(), 0
    for i, entry in enumerate(accounts or []):
        where = "accountsToCombine[%d]" % i
        account_id = entry["accountId"]["advertiserAccountId"]
        if ctx.data.advertiserAccounts.get(account_id) is None:
            errs.code("RESOURCE_ID_NOT_FOUND", "advertiser account %s not found" % account_id,
                      where + ".accountId.advertiserAccountId")
        elif account_id == inviter:
            errs.code("FIELD_VALUE_IS_INVALID", "an account cannot be combined with itself",
                      where + ".accountId.advertiserAccountId")
        elif account_id in seen:
            errs.code("DUPLICATE_RESOURCE_ID_FOUND", "account %s is listed twice" % account_id,
                      where + ".accountId.advertiserAccountId")
        seen.add(account_id)
        if entry.get("accountFunction") == "BUSINESS_DETAILS_SOURCE":
            sources += 1
            if sources > 1:
                errs.code("FIELD_VALUE_NOT_UNIQUE", "only one account can be the "
                          "BUSINESS_DETAILS_SOURCE", where + ".accountFunction")


def create_invitation(ctx, item, errs):
    if item.get("status", "PENDING") != "PENDING":
        errs.code("FIELD_VALUE_IS_INVALID", "a new invitation is PENDING", "status")
    _check_combination(ctx, errs, item.get("advertiserAccountId"), item["accountsToCombine"])
    if errs:
        return None
    invitation = {"accountCombinationInvitationId": ctx.state.ids.next()}
    invitation.update(item)
    invitation["status"] = "PENDING"
    invitation["statusMessage"] = INVITATION_MESSAGES["PENDING"]
    ctx.data.accountCombinationInvitations.add(invitation)
    return invitation


def update_invitation(ctx, item, errs):
    invitation_id = item.pop("accountCombinationInvitationId")
    invitation = ctx.data.accountCombinationInvitations.get(invitation_id)
    if invitation is None:
        errs.code("RESOURCE_ID_NOT_FOUND", "invitation %s not found" % invitation_id,
                  "accountCombinationInvitationId")
        return None
    if invitation["status"] in TERMINAL_INVITATION:
        errs.code("RESOURCE_IS_IN_TERMINAL_STATE", "the invitation is already %s"
                  % invitation["status"], "status")
        return None
    if item.get("status") == "PENDING":
        errs.code("FIELD_VALUE_IS_INVALID", "status can be set to APPROVED, REJECTED or "
                  "RESENT", "status")
    if "advertiserAccountId" in item \
            and item["advertiserAccountId"] != invitation.get("advertiserAccountId"):
        errs.code("FIELD_VALUE_CANNOT_EDIT", "advertiserAccountId cannot be changed",
                  "advertiserAccountId")
    if "accountsToCombine" in item:
        _check_combination(ctx, errs, invitation.get("advertiserAccountId"),
                           item["accountsToCombine"])
    if errs:
        return None
    invitation.update(item)
    invitation["statusMessage"] = INVITATION_MESSAGES[invitation["status"]]
    return invitation


ELIGIBILITY_CREATE = {
    "adProductGroup": v.Enum(["ADSP"], required=True),
    "rejectedReasonDetail": v.Array(v.Object({
        "code": v.Enum(REJECTED_REASONS, required=True),
        "description": _str(True)}), max_items=2)}


def create_eligibility(ctx, item, errs):
    account = ctx.account
    if account["status"]["statusCode"] != "APPROVED":
        errs.code("ACCOUNT_NOT_ELIGIBLE", "advertiser account %s is %s" % (
            account["advertiserAccountId"], account["status"]["statusCode"]), None)
        return None
    for existing in ctx.data.advertiserProductGroupEligibilities:
        if existing["advertiserAccountId"] == account["advertiserAccountId"] \
                and existing["adProductGroup"] == item["adProductGroup"] \
                and existing["status"] in ("PENDING", "APPROVED"):
            errs.code("FIELD_VALUE_NOT_UNIQUE", "an %s eligibility request is already %s (%s)"
                      % (item["adProductGroup"], existing["status"],
                         existing["advertiserProductGroupEligibilityId"]), "adProductGroup")
            return None
    record = {"advertiserProductGroupEligibilityId": ctx.state.ids.next(),
              "advertiserAccountId": account["advertiserAccountId"],
              "adProductGroup": item["adProductGroup"], "status": "PENDING",
              "creationDateTime": ctx.now}
    if item.get("rejectedReasonDetail"):
        record["rejectedReasonDetail"] = item["rejectedReasonDetail"]
    ctx.data.advertiserProductGroupEligibilities.add(record)
    return record


# ---------------------------------------------------------------------- brand stores

def _stores(ctx):
    return [s for s in ctx.data.brandStores if s["_profile"] in ctx.profile_ids]


def _visible(ctx, table):
    return [row for row in table if row["_profile"] in ctx.profile_ids]


def _editions(ctx, store_id):
    store = ctx.data.brandStores.get(store_id)
    if store is None or store["_profile"] not in ctx.profile_ids:
        return None
    return [e for e in ctx.data.brandStoreEditions if e["storeId"] == store_id]


def _contains(value, wanted):
    """storeNameFilter: the name contains the given text, ignoring case."""
    return value is not None and any(w.lower() in value.lower() for w in wanted)


PAGE_CONTENT = v.Object({
    "description": _str(), "template": v.Enum(PAGE_TEMPLATES), "title": _str(),
    "widgets": v.Array(v.Json(), max_items=20)})
PAGE_UPDATE = {"pageId": v.Id(required=True), "storeId": v.Id(), "editionId": v.Id(),
               "storeEditionPublishId": v.Id(), "content": PAGE_CONTENT}
PUBLISH_UPDATE = {"storeEditionPublishId": v.Id(required=True), "storeId": v.Id(),
                  "editionId": v.Id(), "publishState": v.Enum(PUBLISH_STATES)}


def _check_parents(errs, record, item, id_field, fields):
    """The parents an update names must be the record's own."""
    for field in fields:
        if field in item and item[field] != record.get(field):
            errs.code("RESOURCE_DOES_NOT_BELONG_TO_PARENT", "%s %s does not belong to %s %s"
                      % (id_field, record[id_field], field, item[field]), field)


def update_page(ctx, item, errs):
    page = ctx.data.brandStorePages.get(item["pageId"])
    if page is None or page["_profile"] not in ctx.profile_ids:
        errs.code("RESOURCE_ID_NOT_FOUND", "page %s not found" % item["pageId"], "pageId")
        return None
    _check_parents(errs, page, item, "pageId", ("storeId", "editionId", "storeEditionPublishId"))
    for i, widget in enumerate(item.get("content", {}).get("widgets", [])):
        if len(widget) != 1 or next(iter(widget)) not in WIDGETS \
                or not isinstance(next(iter(widget.values())), dict):
            errs.code("FIELD_VALUE_IS_INVALID", "a widget is an object with exactly one of "
                      "%s" % ", ".join(WIDGETS), "content.widgets[%d]" % i)
    version = ctx.data.brandStoreEditionPublishVersions.get(page.get("storeEditionPublishId"))
    if not errs and version is not None and version["publishStatus"] == "REVIEW_IN_PROGRESS":
        errs.code("ACTION_NOT_SUPPORTED", "publish version %s is in review; set it back to "
                  "DRAFT first" % version["storeEditionPublishId"], "storeEditionPublishId")
    if errs:
        return None
    if "content" in item:
        page["content"].update(item["content"])
        if version is not None:
            for entry in version["pages"]:
                if entry["pageId"] == page["pageId"]:
                    entry["version"] += 1
    return page


def update_publish_version(ctx, item, errs):
    record = ctx.data.brandStoreEditionPublishVersions.get(item["storeEditionPublishId"])
    if record is None or record["_profile"] not in ctx.profile_ids:
        errs.code("RESOURCE_ID_NOT_FOUND", "publish version %s not found"
                  % item["storeEditionPublishId"], "storeEditionPublishId")
        return None
    _check_parents(errs, record, item, "storeEditionPublishId", ("storeId", "editionId"))
    wanted = item.get("publishState")
    if not errs and wanted == "PUBLISH" and record["publishStatus"] == "REVIEW_IN_PROGRESS":
        errs.code("ACTION_NOT_SUPPORTED", "publish version %s is already submitted for "
                  "moderation" % record["storeEditionPublishId"], "publishState")
    if errs:
        return None
    if wanted is not None:
        record["publishState"] = wanted
        record["publishStatus"] = "REVIEW_IN_PROGRESS" if wanted == "PUBLISH" else "DRAFT"
    return record


# ---------------------------------------------------------------------- forecasts

# Formula (README "Amazon Ads API v1 betas"): every figure is rounded to 2 decimals.
INVENTORY_WEIGHT = {"BROADCAST": 1.0, "CABLE": 0.8, "SYNDICATION": 0.6}
REACH_UNIT_FACTOR = {"HOUSEHOLD": 1.0, "INDIVIDUAL": 0.9}
LINEAR_HALF_REACH_GRP = 150.0          # weighted GRPs giving half the audience
STREAMING_CPM = 25.0                   # spend -> impressions (per 1,000)
STREAMING_HALF_REACH_IMPRESSIONS = 5000000.0
FORECAST_MAX_DAYS = 366
GRP_MAX = 10000.0

ALLOCATION = v.Object({"grossRatingPoint": v.Number(required=True),
                       "inventoryType": v.Enum(INVENTORY_TYPES, required=True),
                       "linearTvDaypartId": v.Id(required=True)})
FORECAST_COMMON = {"startDate": v.Date(required=True), "endDate": v.Date(required=True),
                   "marketplace": v.Enum(MARKETPLACES, required=True),
                   "reachUnit": v.Enum(REACH_UNITS, required=True)}
REACH_CREATE = dict(FORECAST_COMMON, linearTvInventoryAllocation=v.Array(
    ALLOCATION, min_items=1, max_items=20, required=True))
MONEY = v.Object({"value": v.Number(required=True), "currencyCode": v.Enum(CURRENCIES)},
                 required=True)
STREAMING_BUDGET = v.Object({
    "budget": v.Object({
        "budgetType": v.Enum(["IMPRESSION", "MONETARY"], required=True),
        "recurrenceTimePeriod": v.Enum(["DAILY", "LIFETIME", "MONTHLY"], required=True),
        "budgetValue": v.Object({
            "monetaryBudgetValue": v.Object({"monetaryBudget": MONEY,
                                             "marketplaceSettings": v.Json("array")}),
            "impressionBudgetValue": v.Object({"impression": v.Number(required=True)}),
        }, required=True)}, required=True),
    "reachForecastId": v.Id(required=True)})
INCREMENTAL_CREATE = dict(FORECAST_COMMON, linearTvInventoryAllocation=v.Array(
    ALLOCATION, max_items=20), linearTvReachPercentOverride=v.Number(),
    streamingTvBudgetAllocation=v.Array(STREAMING_BUDGET, min_items=1, max_items=100,
                                        required=True))


def _days(errs, item, today):
    start = datetime.date.fromisoformat(item["startDate"])
    end = datetime.date.fromisoformat(item["endDate"])
    if start < today:
        errs.code("DATE_CANNOT_BE_IN_PAST", "startDate must not be in the past", "startDate")
    if end < start:
        errs.code("FIELD_VALUE_IS_INVALID", "endDate must not be before startDate", "endDate")
        return None
    days = (end - start).days + 1
    if days > FORECAST_MAX_DAYS:
        errs.code("FIELD_VALUE_IS_OUT_OF_RANGE", "a forecast covers at most %d days"
                  % FORECAST_MAX_DAYS, "endDate")
    return days


def _linear_grp(ctx, errs, item):
    """Weighted GRPs of the allocation (checking dayparts and values)."""
    total = 0.0
    for i, allocation in enumerate(item.get("linearTvInventoryAllocation", [])):
        where = "linearTvInventoryAllocation[%d]" % i
        daypart = ctx.data.linearTvDayparts.get(allocation["linearTvDaypartId"])
        if daypart is None:
            errs.code("RESOURCE_ID_NOT_FOUND", "daypart %s not found"
                      % allocation["linearTvDaypartId"], where + ".linearTvDaypartId")
        elif not any(d["marketplace"] == item["marketplace"]
                     for d in daypart["marketplaceDefinitions"]):
            errs.code("UNSUPPORTED_MARKETPLACE", "daypart %s is not defined for %s" % (
                daypart["linearTvDaypartId"], item["marketplace"]),
                where + ".linearTvDaypartId")
        grp = allocation["grossRatingPoint"]
        if grp <= 0:
            errs.code("FIELD_VALUE_IS_BELOW_MINIMUM_LIMIT", "grossRatingPoint must be above 0",
                      where + ".grossRatingPoint")
        elif grp > GRP_MAX:
            errs.code("FIELD_VALUE_IS_ABOVE_MAXIMUM_LIMIT", "grossRatingPoint must be at most "
                      "%g" % GRP_MAX, where + ".grossRatingPoint")
        total += grp * INVENTORY_WEIGHT[allocation["inventoryType"]]
    return total


def _check_marketplace(ctx, errs, item):
    if not any(d["marketplace"] == item["marketplace"] for daypart in ctx.data.linearTvDayparts
               for d in daypart["marketplaceDefinitions"]):
        errs.code("UNSUPPORTED_MARKETPLACE", "Linear TV forecasts are not available in %s"
                  % item["marketplace"], "marketplace")


def linear_reach(grp, reach_unit):
    """linearTvReachPercent = round(100 * u * G / (G + 150), 2)."""
    return round(100.0 * REACH_UNIT_FACTOR[reach_unit] * grp / (grp + LINEAR_HALF_REACH_GRP), 2)


def _today():
    return datetime.datetime.now(datetime.timezone.utc).date()


def create_reach_forecast(ctx, item, errs):
    _check_marketplace(ctx, errs, item)
    _days(errs, item, _today())
    grp = _linear_grp(ctx, errs, item)
    if errs:
        return None
    forecast = {"linearTvReachForecastId": ctx.state.ids.next(), "creationDateTime": ctx.now}
    forecast.update(item)
    forecast["linearTvReachPercent"] = linear_reach(grp, item["reachUnit"])
    return forecast


def _streaming_impressions(ctx, errs, item, days):
    total = 0.0
    currency = ctx.currency()
    for i, allocation in enumerate(item["streamingTvBudgetAllocation"]):
        where = "streamingTvBudgetAllocation[%d].budget" % i
        budget = allocation["budget"]
        value = budget["budgetValue"]
        if budget["budgetType"] == "MONETARY":
            money = value.get("monetaryBudgetValue", {}).get("monetaryBudget")
            if money is None or "impressionBudgetValue" in value:
                errs.code("FIELD_VALUE_IS_INVALID", "a MONETARY budget takes "
                          "budgetValue.monetaryBudgetValue.monetaryBudget", where + ".budgetValue")
                continue
            for setting in value["monetaryBudgetValue"].get("marketplaceSettings", []):
                if isinstance(setting, dict) and isinstance(setting.get("monetaryBudget"), dict):
                    setting["monetaryBudget"].setdefault("currencyCode", currency)
            if money.setdefault("currencyCode", currency) != currency:
                errs.code("FIELD_VALUE_MISMATCH", "currencyCode must be the account's currency "
                          "%s" % currency,
                          where + ".budgetValue.monetaryBudgetValue.monetaryBudget.currencyCode")
                continue
            amount, field = money["value"], ".budgetValue.monetaryBudgetValue.monetaryBudget.value"
            impressions = amount / STREAMING_CPM * 1000.0
        else:
            impression = value.get("impressionBudgetValue")
            if impression is None or "monetaryBudgetValue" in value:
                errs.code("FIELD_VALUE_IS_INVALID", "an IMPRESSION budget takes "
                          "budgetValue.impressionBudgetValue", where + ".budgetValue")
                continue
            amount = impressions = impression["impression"]
            field = ".budgetValue.impressionBudgetValue.impression"
        if amount <= 0:
            errs.code("FIELD_VALUE_IS_BELOW_MINIMUM_LIMIT", "the budget must be above 0",
                      where + field)
            continue
        period = budget["recurrenceTimePeriod"]
        total += impressions * (days if period == "DAILY" else
                                days / 30.0 if period == "MONTHLY" else 1)
    return total


def create_incremental_forecast(ctx, item, errs):
    _check_marketplace(ctx, errs, item)
    days = _days(errs, item, _today())
    grp = _linear_grp(ctx, errs, item)
    override = item.get("linearTvReachPercentOverride")
    if override is None and not item.get("linearTvInventoryAllocation"):
        errs.code("FIELD_VALUE_IS_NULL", "give linearTvInventoryAllocation or "
                  "linearTvReachPercentOverride", "linearTvInventoryAllocation")
    elif override is not None and not 0 <= override <= 100:
        errs.code("FIELD_VALUE_IS_OUT_OF_RANGE", "linearTvReachPercentOverride is a "
                  "percentage (0..100)", "linearTvReachPercentOverride")
    impressions = _streaming_impressions(ctx, errs, item, days or 1)
    if errs:
        return None
    forecast = {"linearTvIncrementalReachForecastId": ctx.state.ids.next(),
                "creationDateTime": ctx.now}
    forecast.update(item)
    forecast.update(incremental_figures(
        round(override, 2) if override is not None else linear_reach(grp, item["reachUnit"]),
        impressions, item["reachUnit"]))
    return forecast


def incremental_figures(linear, impressions, reach_unit):
    """The incremental reach figures from the linear reach L (percent) and the streaming
    impressions I (README: the formula)."""
    unit = REACH_UNIT_FACTOR[reach_unit]
    streaming = round(100.0 * unit * impressions / (impressions
                                                    + STREAMING_HALF_REACH_IMPRESSIONS), 2)
    overlap = round(linear * streaming / 100.0, 2)
    deduplicated = round(linear + streaming - overlap, 2)
    streaming_only = round(streaming - overlap, 2)
    return {"linearTvOnlyReachPercent": round(linear - overlap, 2),
            "streamingTvOnlyReachPercent": streaming_only,
            "overlapReachPercent": overlap,
            "deduplicatedReachPercent": deduplicated,
            "streamingTvIncrementalReachRate":
                round(100.0 * streaming_only / linear, 2) if linear > 0 else 0.0,
            "streamingTvExclusiveReachRate":
                round(100.0 * streaming_only / deduplicated, 2) if deduplicated > 0 else 0.0}


# ---------------------------------------------------------------------- the table

def _all(attribute):
    return lambda ctx: list(getattr(ctx.data, attribute))


def _eligibilities(ctx):
    return [e for e in ctx.data.advertiserProductGroupEligibilities
            if e["advertiserAccountId"] == ctx.account["advertiserAccountId"]]


def _has_marketplace(definitions, wanted):
    return any(d["marketplace"] in wanted for d in definitions)


def _store_not_found(store_id):
    return v1_error(404, "NOT_FOUND", "brand store %s not found" % store_id)


OPERATIONS = [
    # Account registration (closed beta): Amazon-Ads-ClientId only.
    Query("advertiserAccounts", _all("advertiserAccounts"), [
        _flt("advertiserAccountIdFilter", "advertiserAccountId", 100),
        _flt("isGlobalAccountFilter", lambda d: bool(d.get("isGlobalAccount")), 1,
             allowed=[True, False])], max_results=(10, 100, 100)),
    Write("create", "advertiserAccounts", "advertiserAccount", ACCOUNT_CREATE, 100,
          create_account, codes=ACCOUNT_CODES),
    Write("update", "advertiserAccounts", "advertiserAccount", ACCOUNT_UPDATE, 100,
          update_account, codes=ACCOUNT_CODES),
    Query("sellingAccounts", _all("sellingAccounts"), [
        _flt("sellingAccountLinkTokenFilter", "sellingAccountLinkToken", 1),
        _flt("sellingProgramFilter", "sellingProgram", 1, allowed=SELLING_PROGRAMS)],
        max_results=(10, 100, 100)),
    Query("managerAccounts", _all("managerAccounts"), [
        _flt("managerAccountIdFilter", "managerAccountId", 100)], max_results=(10, 100, 100)),
    # Linked accounts (closed beta).
    Query("accountCombinationInvitations", _all("accountCombinationInvitations"),
          max_results=(1, 100, 10)),
    Write("create", "accountCombinationInvitations", "accountCombinationInvitation",
          INVITATION_CREATE, 50, create_invitation),
    Write("update", "accountCombinationInvitations", "accountCombinationInvitation",
          INVITATION_UPDATE, 50, update_invitation),
    Query("advertiserProductGroupEligibilities", _eligibilities, [
        _flt("statusFilter", "status", 1, allowed=ELIGIBILITY_STATUSES)],
        max_results=(0, 10, 10), headers=ADVERTISER),
    Write("create", "advertiserProductGroupEligibilities", "advertiserProductGroupEligibility",
          ELIGIBILITY_CREATE, 1, create_eligibility, headers=ADVERTISER),
    # Brand Stores (open beta).
    Query("brandStores", _stores, [
        _flt("storeNameFilter", "storeName", 1, match=_contains)],
        max_results=(1, 30, 30), required=("storeNameFilter",), headers=SCOPE_OR_ACCOUNT,
        body_required=True),
    GetList("brandStoreEditions", "brandStoreId", _editions, (11, 50, 50), SCOPE,
            _store_not_found),
    Query("brandStorePages", lambda ctx: _visible(ctx, ctx.data.brandStorePages), [
        _flt("storeIdFilter", "storeId", 1), _flt("editionIdFilter", "editionId", 1),
        _flt("pageIdFilter", "pageId", 1),
        _flt("storeEditionPublishIdFilter", "storeEditionPublishId", 1)],
        max_results=(1, 50, 50), required=("storeIdFilter", "editionIdFilter", "pageIdFilter"),
        headers=SCOPE, body_required=True),
    Write("update", "brandStorePages", "brandStorePage", PAGE_UPDATE, 1, update_page,
          headers=SCOPE),
    Query("brandStoreEditionPublishVersions",
          lambda ctx: _visible(ctx, ctx.data.brandStoreEditionPublishVersions), [
              _flt("storeIdFilter", "storeId", 1), _flt("editionIdFilter", "editionId", 1),
              _flt("publishStatusFilter", "publishStatus", 1, allowed=PUBLISH_STATUSES)],
          max_results=(1, 50, 50),
          required=("storeIdFilter", "editionIdFilter", "publishStatusFilter"),
          headers=SCOPE, body_required=True),
    Write("update", "brandStoreEditionPublishVersions", "brandStoreEditionPublishVersion",
          PUBLISH_UPDATE, 1, update_publish_version, headers=SCOPE),
    # Forecasts (open beta): the 207 success item is the computed forecast.
    Write("create", "linearTvReachForecasts", "linearTvReachForecast", REACH_CREATE, 10,
          create_reach_forecast, headers=DSP_ACCOUNT),
    Write("create", "linearTvIncrementalReachForecasts", "linearTvIncrementalReachForecast",
          INCREMENTAL_CREATE, 10, create_incremental_forecast, headers=DSP_ACCOUNT),
    Query("linearTvDayparts", _all("linearTvDayparts"), [
        _flt("marketplaceFilter", "marketplaceDefinitions", 1, allowed=MARKETPLACES,
             match=_has_marketplace),
        _flt("nameFilter", "name", 20, allowed=DAYPART_NAMES)], max_results=(0, 20, 20)),
]

ROUTES = [(op.method, re.escape(op.path), lambda req, op=op: op.handle(req), ROUTE_OPTIONS)
          for op in OPERATIONS]
