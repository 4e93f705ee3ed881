"""Amazon Ads API v1 common model (/adsApi/v1/...): campaigns, adGroups, ads, targets for
SPONSORED_PRODUCTS, SPONSORED_BRANDS and AMAZON_DSP; adAssociations (DSP) and
adExtensions (SB).

The generic engine in entities.py serves this family too: ``V1Family`` says how v1
differs from RAS (verb-first paths, {code, message, fieldLocation} errors, unwrapped 207s
with partialSuccess, scoping by Amazon-Advertising-API-Scope or Amazon-Ads-AccountId),
and the table at the bottom holds one ``kinds.Kind`` per (entity, ad product) with its
input schema, filters and rules, plus LIMITS per (entity, ad product).
Every rule and the code it answers is listed in test/README.md, section "Amazon Ads API
v1"; keep the two in step.
"""

import datetime
import json

import entities
import filters as f
import paging
import validation as v
from kinds import Kind, _check_duplicate
from web import Response

PREFIX = "/adsApi/v1"
CLIENT_HEADER = "Amazon-Ads-ClientId"
SCOPE_HEADER = "Amazon-Advertising-API-Scope"
ACCOUNT_HEADER = "Amazon-Ads-AccountId"

SP, SB, DSP = "SPONSORED_PRODUCTS", "SPONSORED_BRANDS", "AMAZON_DSP"
SD, STV = "SPONSORED_DISPLAY", "SPONSORED_TELEVISION"
AD_PRODUCTS = [DSP, SB, SD, SP, STV]          # the spec's AdProduct enum
PROFILE_PRODUCTS = (SP, SB, SD, STV)          # scoped by a profile (Scope header)

# Seeded DSP advertiser accounts (Amazon-Ads-AccountId), seed-independent:
# (advertiserId, name, countryCode, currencyCode, timezone)
DSP_ACCOUNTS = [
    ("ENTITY1ABC", "Sim DSP Advertiser US", "US", "USD", "America/New_York"),
    ("ENTITY2DEF", "Sim DSP Advertiser UK", "GB", "GBP", "Europe/London"),
]

# (entity, ad product) -> (items per create/update/delete call, maxResults upper bound).
# Amazon's migration guides; keep them as data (v1.md section 2 lists the conflicts).
LIMITS = {
    ("campaigns", SP): (10, 100), ("campaigns", SB): (10, 100), ("campaigns", DSP): (5, 100),
    ("adGroups", SP): (10, 100), ("adGroups", SB): (10, 100), ("adGroups", DSP): (20, 100),
    ("ads", SP): (10, 100), ("ads", SB): (10, 100), ("ads", DSP): (10, 100),
    ("targets", SP): (1000, 5000), ("targets", SB): (1000, 5000),
    ("targets", DSP): (1000, 5000),
    ("adAssociations", DSP): (20, 100),
    ("adExtensions", SB): (50, 1000),
}
SCHEMA_MAX_ITEMS = 1000   # the spec's maxItems for campaign management bodies

STATES = ["ARCHIVED", "ENABLED", "PAUSED"]
CREATE_STATES = ["ENABLED", "PAUSED"]
MARKETPLACE_SCOPES = ["GLOBAL", "SINGLE_MARKETPLACE"]
MARKETPLACES = ["AE", "AU", "BE", "BR", "CA", "CL", "CO", "DE", "EG", "ES", "FR", "GB", "IE",
                "IN", "IT", "JP", "MX", "NG", "NL", "PL", "SA", "SE", "SG", "TR", "US", "ZA"]
GOALS = ["AWARENESS", "CONSIDERATION", "CONVERSIONS"]
KPI_GOAL = {  # the goal a KPI serves (GoalSettings needs both; create sends only kpi)
    "REACH": "AWARENESS", "FREQUENCY_AVERAGE": "AWARENESS",
    "VIDEO_COMPLETION_RATE": "AWARENESS", "COST_PER_VIDEO_COMPLETION": "AWARENESS",
    "TOP_OF_SEARCH_IMPRESSION_SHARE": "AWARENESS",
    "CLICKS": "CONSIDERATION", "CLICK_THROUGH_RATE": "CONSIDERATION",
    "COST_PER_CLICK": "CONSIDERATION", "PAGE_VIEWS": "CONSIDERATION",
    "DETAIL_PAGE_VIEW_RATE": "CONSIDERATION", "COST_PER_DETAIL_PAGE_VIEW": "CONSIDERATION",
}
KPIS = ["ADD_TO_CART", "APPLICATIONS", "CHECKOUTS", "CLICKS", "CLICK_THROUGH_RATE",
        "COMBINED_RETURN_ON_AD_SPEND", "CONTACTS", "COST_PER_ACTION", "COST_PER_CLICK",
        "COST_PER_CONVERSION_OFF_AMAZON", "COST_PER_DETAIL_PAGE_VIEW", "COST_PER_FIRST_APP_OPEN",
        "COST_PER_INSTALL", "COST_PER_SIGN_UP", "COST_PER_VIDEO_COMPLETION",
        "DETAIL_PAGE_VIEW_RATE", "FREQUENCY_AVERAGE", "LEADS", "OTHER", "PAGE_VIEWS",
        "PURCHASES", "REACH", "RETURN_ON_AD_SPEND", "ROAS", "ROAS_COMBINED", "ROAS_PROMOTED",
        "SEARCH", "SIGN_UP", "SUBSCRIBE", "TOP_OF_SEARCH_IMPRESSION_SHARE",
        "TOTAL_RETURN_ON_AD_SPEND", "VIDEO_COMPLETION_RATE"]
BID_STRATEGIES = ["MANUAL", "NEW_TO_BRAND", "PRIORITIZE_KPI_TARGET", "RULE_BASED",
                  "SALES_DOWN_ONLY", "SALES_UP_AND_DOWN", "SPEND_BUDGET_IN_FULL",
                  "USE_CAMPAIGN_STRATEGY"]
SP_BID_STRATEGIES = ["MANUAL", "RULE_BASED", "SALES_DOWN_ONLY", "SALES_UP_AND_DOWN"]
PLACEMENTS = ["HOME_PAGE", "PRODUCT_PAGE", "REST_OF_SEARCH", "SITE_AMAZON_BUSINESS",
              "TOP_OF_SEARCH"]
COST_TYPES = ["CPC", "CPM", "FIXED_PRICE", "VCPM"]
TARGET_TYPES = ["AD_INITIATION", "AD_PLAYER_SIZE", "APP", "AUDIENCE", "BRAND_SAFETY_CATEGORY",
                "BRAND_SAFETY_TIER", "CONTENT_CATEGORY", "CONTENT_GENRE",
                "CONTENT_INSTREAM_POSITION", "CONTENT_OUTSTREAM_POSITION", "CONTENT_RATING",
                "DAYPART", "DEVICE", "DOMAIN", "FOLD_POSITION", "INVENTORY_SOURCE", "KEYWORD",
                "LOCATION", "NATIVE_CONTENT_POSITION", "PLACEMENT_TYPE", "PRODUCT",
                "PRODUCT_AUDIENCE", "PRODUCT_CATEGORY", "THEME", "THIRD_PARTY",
                "VIDEO_AD_FORMAT", "VIDEO_CONTENT_DURATION"]
SA_TARGET_TYPES = ["KEYWORD", "PRODUCT", "PRODUCT_CATEGORY", "THEME"]
DSP_TARGET_TYPES = [t for t in TARGET_TYPES if t not in ("KEYWORD", "PRODUCT", "THEME")]
MATCH_TYPES = ["BROAD", "EXACT", "INTERESTED_AUDIENCE", "KEYWORDS_CLOSE_MATCH",
               "KEYWORDS_LOOSE_MATCH", "KEYWORDS_RELATED_TO_GIFTS",
               "KEYWORDS_RELATED_TO_PEER_BRANDS_PRODUCT_CATEGORY",
               "KEYWORDS_RELATED_TO_PRIME_DAY", "KEYWORDS_RELATED_TO_YOUR_BRAND",
               "KEYWORDS_RELATED_TO_YOUR_LANDING_PAGES",
               "KEYWORDS_RELATED_TO_YOUR_PRODUCT_CATEGORY", "PHRASE",
               "PRODUCTS_SIMILAR_TO_ADVERTISED_PRODUCTS", "PRODUCT_COMPLEMENTS", "PRODUCT_EXACT",
               "PRODUCT_REMARKETING", "PRODUCT_SIMILAR", "PRODUCT_SUBSTITUTES"]
INVENTORY_SOURCE_TYPES = ["AMAZON", "APD", "DEAL", "INVENTORY_GROUP", "THIRD_PARTY_EXCHANGE"]
SP_AUTO_THEMES = [("KEYWORDS_CLOSE_MATCH", 1.0), ("KEYWORDS_LOOSE_MATCH", 0.9),
                  ("PRODUCT_COMPLEMENTS", 0.7), ("PRODUCT_SUBSTITUTES", 0.8)]

# Value rules per product (US marketplace figures; the simulator applies them to every
# currency). Budgets: daily/lifetime monetary value; bids: ad group default / target bid.
BUDGET_RANGE = {SP: (1.0, 1000000.0), SB: (1.0, 1000000.0), DSP: (1.0, 100000000.0)}
BID_RANGE = {SP: (0.02, 1000.0), SB: (0.10, 49.0), DSP: (0.10, 1000.0)}
NAME_MAX = {"campaigns": 128, "adGroups": 255, "ads": 255}
KEYWORD_MAX_CHARS, KEYWORD_MAX_WORDS, NEGATIVE_KEYWORD_MAX_WORDS = 80, 10, 4


# ---------------------------------------------------------------------- errors

# The engine and validation.py speak in RAS (errorType, reason) terms; v1 answers the
# spec's ErrorCode. (errorType, reason) first, then errorType alone.
CODES = {
    ("missingValueError", "MISSING_VALUE"): "FIELD_VALUE_IS_NULL",
    ("malformedValueError", "PATTERN_NOT_MATCHED"): "FIELD_VALUE_IS_INVALID",
    ("malformedValueError", "BLANK"): "FIELD_VALUE_IS_EMPTY",
    ("malformedValueError", "LEADING_OR_TRAILING_WHITESPACE"):
        "FIELD_VALUE_CONTAINS_INVALID_CHARACTERS",
    ("malformedValueError", "TOO_LONG"): "FIELD_SIZE_IS_ABOVE_MAXIMUM_LIMIT",
    ("rangeError", "INVALID_ENUM_VALUE"): "FIELD_VALUE_IS_INVALID",
    ("rangeError", "TOO_LOW"): "FIELD_VALUE_IS_BELOW_MINIMUM_LIMIT",
    ("rangeError", "TOO_HIGH"): "FIELD_VALUE_IS_ABOVE_MAXIMUM_LIMIT",
    ("dateError", "INVALID_DATE"): "FIELD_VALUE_IS_INVALID",
    ("entityStateError", "PARENT_STATUS_FORBIDS_UPDATES_AND_CREATES"):
        "ARCHIVED_PARENT_CANNOT_CREATE",
    ("entityStateError", "ARCHIVED_ENTITY_CANNOT_BE_MODIFIED"): "ARCHIVED_RESOURCE_CANNOT_EDIT",
    ("entityStateError", "PARENT_ARCHIVED_FORBIDS_UPDATES"): "ARCHIVED_PARENT_CANNOT_EDIT",
    "parentEntityError": "RESOURCE_ID_NOT_FOUND",
    "entityNotFoundError": "RESOURCE_ID_NOT_FOUND",
    "duplicateValueError": "FIELD_VALUE_NOT_UNIQUE",
    "otherError": "FIELD_VALUE_CANNOT_EDIT",
}


class V1Errors(v.Errors):
    """Errors of one item as the spec's Error objects {code, message, fieldLocation?};
    ``fieldLocation`` is relative to the item (``bid.defaultBid``), or names the id for
    deletes (``campaignIds[2]``)."""

    def at(self, field):
        if not field:
            return self.base or None
        return self.base + "." + field if self.base else field

    def add(self, kind, reason, message, field=None, trigger=None, code=None, **extra):
        self.code(code or CODES.get((kind, reason)) or CODES.get(kind, "FIELD_VALUE_IS_INVALID"),
                  message, field)

    def code(self, code, message, field=None):
        item = {"code": code, "message": message}
        location = self.at(field)
        if location:
            item["fieldLocation"] = location
        self.items.append(item)


# Whole-request codes: the RAS-style code a shared module passes -> the v1 ErrorCode.
WHOLE_REQUEST_CODES = {"INVALID_ARGUMENT": "BAD_REQUEST", "ACCESS_DENIED": "FORBIDDEN",
                       "THROTTLED": "TOO_MANY_REQUESTS", "METHOD_NOT_ALLOWED": "BAD_REQUEST",
                       "UNPROCESSABLE_ENTITY": "BAD_REQUEST", "TOO_EARLY": "CONFLICT",
                       "UNSUPPORTED_MEDIA_TYPE": "BAD_REQUEST"}


def v1_error(status, code, message):
    """The v1 whole-request body {"code", "message"} (ErrorCode for 4xx)."""
    return Response(status, {"code": WHOLE_REQUEST_CODES.get(code, code), "message": message})


def bad_request(message):
    return v1_error(400, "BAD_REQUEST", message)


def forbidden(message):
    return v1_error(403, "FORBIDDEN", message)


# ---------------------------------------------------------------------- request context

class V1Context(entities.Context):
    """Per request: the profile (SP/SB) and/or DSP account the request acts for."""

    def __init__(self, req, profile, account):
        self.state = req.sim.state
        self.now = self.state.now_iso()
        self.moment = datetime.datetime.now(datetime.timezone.utc)
        self.profile = profile
        self.account = account
        self._identities = {}
        self.warnings = None
        self.scope_keys = []
        if profile is not None:
            self.scope_keys.append(str(profile["profileId"]))
        if account is not None:
            self.scope_keys.append("dsp:" + account["advertiserId"])

    def scope_of(self, product):
        if product == DSP:
            return "dsp:" + self.account["advertiserId"] if self.account else None
        return str(self.profile["profileId"]) if self.profile else None

    def currency(self, product):
        owner = self.account if product == DSP else self.profile
        return owner["currencyCode"] if owner else "USD"

    def store_of(self, kind):
        return self.state.store(self.scope_of(kind.product), "v1/" + kind.key)

    def store(self, kind_key):  # not used for v1 (stores depend on the ad product)
        raise NotImplementedError

    def lookup(self, kind_key, entity_id):
        if not isinstance(entity_id, str):
            return None
        for scope in self.scope_keys:
            found = self.state.store(scope, "v1/" + kind_key).get(entity_id)
            if found is not None:
                return found
        return None

    def changed(self):
        for scope in self.scope_keys:
            self.state.changed(scope)


# ---------------------------------------------------------------------- rendering

LEVELS = {"campaigns": "CAMPAIGN", "adGroups": "AD_GROUP", "ads": "AD", "targets": "TARGET",
          "adExtensions": "AD_EXTENSION"}


def delivery_status(ctx, kind, data):
    """status {deliveryStatus, deliveryReasons}: own state, parents' states, the campaign's
    dates, a DSP ad without an ad group association."""
    reasons = []
    level = LEVELS[kind.key]
    if data["state"] in ("ARCHIVED", "PAUSED"):
        reasons.append("%s_%s" % (level, data["state"]))
    campaign = data if kind.key == "campaigns" else None
    for field, parent_key in kind.parents:
        parent = ctx.lookup(parent_key, data.get(field))
        if parent is None:
            continue
        if parent_key == "campaigns":
            campaign = parent.data
        if parent.state in ("ARCHIVED", "PAUSED"):
            reasons.append("%s_%s" % (LEVELS[parent_key], parent.state))
    if campaign is None and data.get("campaignId"):
        found = ctx.lookup("campaigns", data["campaignId"])
        campaign = found.data if found is not None else None
    if campaign is not None:
        flights = campaign.get("flights") or [{}]   # DSP: the flights bound the campaign
        end = v.parse_date_time(campaign.get("endDateTime") or max(
            flight.get("endDateTime", "") for flight in flights))
        start = v.parse_date_time(campaign.get("startDateTime") or min(
            flight.get("startDateTime", "") for flight in flights))
        if end is not None and end < ctx.moment:
            reasons.append("CAMPAIGN_END_DATE_REACHED")
        elif start is not None and start > ctx.moment:
            reasons.append("CAMPAIGN_PENDING_START_DATE")
    if kind.key == "ads" and kind.product == DSP and not any(
            a.data["adId"] == data["adId"] and a.state != "ARCHIVED"
            for a in ctx.state.store(ctx.scope_of(DSP), "v1/adAssociations")):
        reasons.append("AD_NOT_ASSOCIATED_WITH_AD_GROUP")
    deduped = list(dict.fromkeys(reasons))
    return {"deliveryStatus": "NOT_DELIVERING" if deduped else "DELIVERING",
            "deliveryReasons": deduped}


def render(ctx, kind, entity):
    out = json.loads(json.dumps(entity.data))
    if kind.group.timestamps:
        out["creationDateTime"] = entity.created
        out["lastUpdatedDateTime"] = entity.updated
        out["status"] = delivery_status(ctx, kind, entity.data)
    return out


# ---------------------------------------------------------------------- the family

VERBS = {"create": "create", "update": "update", "delete": "delete", "list": "query"}


class V1Family:
    route_options = {"scope": False, "client_header": CLIENT_HEADER, "error": v1_error}

    def routes(self, group):
        return [("POST", "%s/%s/%s" % (PREFIX, VERBS[op], group.key), op, self.route_options)
                for op in group.operations]

    # -------------------------------------------------------------- scope

    def _named_products(self, req, group):
        if len(group.kinds) == 1:
            return set(group.kinds)
        body = req.json if isinstance(req.json, dict) else {}
        named = set()
        apf = body.get("adProductFilter")
        if isinstance(apf, dict) and isinstance(apf.get("include"), list):
            named.update(p for p in apf["include"] if p in AD_PRODUCTS)
        items = body.get(group.key)
        if isinstance(items, list):
            named.update(i.get("adProduct") for i in items
                         if isinstance(i, dict) and i.get("adProduct") in AD_PRODUCTS)
        return named

    def context(self, req, group):
        scope = (req.headers.get(SCOPE_HEADER) or "").strip()
        account_id = (req.headers.get(ACCOUNT_HEADER) or "").strip()
        named = self._named_products(req, group)
        needs_profile = any(p in PROFILE_PRODUCTS for p in named) or (not named and scope)
        needs_account = DSP in named or (not named and account_id)
        if not named and not scope and not account_id:
            return None, forbidden("%s (SPONSORED_PRODUCTS, SPONSORED_BRANDS) or %s "
                                   "(AMAZON_DSP) is required" % (SCOPE_HEADER, ACCOUNT_HEADER))
        profile = account = None
        if needs_profile:
            if not scope:
                return None, forbidden("%s is required for %s" % (
                    SCOPE_HEADER, ", ".join(sorted(p for p in named if p != DSP)) or group.key))
            profile = req.sim.state.profile(scope)
            if profile is None:
                return None, forbidden("Not authorized to access scope %s" % scope)
        if needs_account:
            if not account_id:
                return None, forbidden("%s is required for AMAZON_DSP" % ACCOUNT_HEADER)
            account = req.sim.state.dsp_accounts.get(account_id)
            if account is None:
                return None, forbidden("Not authorized to access advertiser account %s"
                                       % account_id)
        return V1Context(req, profile, account), None

    # -------------------------------------------------------------- writes

    def errors(self, group, op, index):
        return V1Errors("%s[%d]" % (group.ids_key, index) if op == "delete" else "")

    def _product_of(self, ctx, group, op, item):
        if len(group.kinds) == 1:
            return next(iter(group.kinds))
        if op == "create":
            return item.get("adProduct") if isinstance(item, dict) else None
        entity_id = item.get(group.id_field) if isinstance(item, dict) else item
        found = ctx.lookup(group.key, entity_id)
        if found is not None:
            return found.data["adProduct"]
        return item.get("adProduct") if isinstance(item, dict) else None

    def write_items(self, req, group, op, ctx):
        body = req.json
        key = group.ids_key if op == "delete" else group.key
        if not isinstance(body, dict):
            return None, bad_request("The request body must be a JSON object")
        items = body.get(key)
        if items is None:
            return None, bad_request("%s is required" % key)
        if not isinstance(items, list):
            return None, bad_request("%s must be an array" % key)
        if not items:
            return None, bad_request("%s must have at least 1 item" % key)
        if op == "delete" and not all(isinstance(i, str) and i for i in items):
            return None, bad_request("%s must be an array of ids (strings)" % key)
        if len(items) > group.schema_max:
            return None, bad_request("%s must have at most %d items" % (key, group.schema_max))
        counts = {}
        fallback = next((p for p in group.kinds if ctx.scope_of(p)), None)
        for item in items:
            product = self._product_of(ctx, group, op, item)
            product = product if product in group.kinds else fallback
            counts[product] = counts.get(product, 0) + 1
        for product, count in counts.items():
            limit = LIMITS[(group.key, product)][0] if product else None
            if limit is not None and count > limit:
                return None, v1_error(413, "CONTENT_TOO_LARGE",
                                      "Too many %s for %s in one request: %d (at most %d). "
                                      "Split the request." % (key, product, count, limit))
        return items, None

    def _kind_for_product(self, ctx, group, product, errs):
        if product not in AD_PRODUCTS:
            errs.code("FIELD_VALUE_IS_INVALID", "adProduct must be one of %s"
                      % ", ".join(AD_PRODUCTS), "adProduct")
            return None
        kind = group.kinds.get(product)
        if kind is None:
            errs.code("FIELD_VALUE_IS_INVALID", "%s does not support %s"
                      % (group.key, product), "adProduct")
            return None
        if ctx.scope_of(product) is None:
            errs.code("FORBIDDEN", "%s is required for %s" % (
                ACCOUNT_HEADER if product == DSP else SCOPE_HEADER, product), "adProduct")
            return None
        return kind

    def item_kind(self, ctx, group, raw, errs):
        if not isinstance(raw, dict):
            errs.code("FIELD_VALUE_IS_INVALID", "each item must be a JSON object")
            return None
        if len(group.kinds) == 1 and not group.product_field:
            return next(iter(group.kinds.values()))
        if raw.get("adProduct") is None:
            errs.code("FIELD_VALUE_IS_NULL", "adProduct is required", "adProduct")
            return None
        return self._kind_for_product(ctx, group, raw["adProduct"], errs)

    def locate(self, ctx, group, raw, errs):
        if not isinstance(raw, dict):
            errs.code("FIELD_VALUE_IS_INVALID", "each item must be a JSON object")
            return None, None
        entity_id = raw.get(group.id_field)
        if entity_id is None:
            errs.code("FIELD_VALUE_IS_NULL", "%s is required" % group.id_field, group.id_field)
            return None, None
        if not isinstance(entity_id, str) or not entity_id:
            errs.code("FIELD_VALUE_IS_INVALID", "%s must be a non-empty string"
                      % group.id_field, group.id_field)
            return None, None
        kind, entity = self.find(ctx, group, entity_id)
        if entity is None:
            errs.code("RESOURCE_ID_NOT_FOUND", "%s %s not found" % (group.singular, entity_id),
                      group.id_field)
            return None, None
        return kind, entity

    def find(self, ctx, group, entity_id):
        entity = ctx.lookup(group.key, entity_id)
        if entity is None:
            return group, None
        product = entity.data.get("adProduct", next(iter(group.kinds)))
        return group.kinds[product], entity

    def representation(self, req, op):
        return True

    def outcome(self, ctx, group, op, index, kind, entity, representation, warnings):
        out = {"index": index, group.singular: render(ctx, kind, entity)}
        if warnings:
            out["errors"] = list(warnings)
        return out

    def write_answer(self, req, group, success, partial, failures, representation):
        body = {"success": success, "error": failures}
        if group.partial:
            body["partialSuccess"] = partial
        return Response(207, body)

    # -------------------------------------------------------------- queries

    def parse_query(self, req, group, ctx):
        body = req.json if req.body else {}
        if not isinstance(body, dict):
            return None, bad_request("The request body must be a JSON object")
        errs = V1Errors("")
        product = None
        apf = body.get("adProductFilter")
        if apf is None:
            if group.product_required:
                return None, bad_request("adProductFilter is required")
            product = next(iter(group.kinds))
        else:
            wanted = ADPRODUCT_FILTER.parse(apf, errs)
            if errs:
                return None, bad_request(errs.items[0]["message"])
            product = wanted[0]
            if product not in group.kinds:
                return None, bad_request("%s does not support adProduct %s"
                                         % (group.key, product))
        kind = group.kinds[product]
        filters, raw_filters = {}, {}
        for name, spec in kind.filters.items():
            if body.get(name) is None:
                continue
            raw_filters[name] = body[name]
            wanted = spec.parse(body[name], errs)
            if wanted is not None:
                filters[name] = wanted
        if errs:
            return None, bad_request(errs.items[0]["message"])
        upper = LIMITS[(group.key, product)][1]
        max_results, problem = paging.parse_max_results(body.get("maxResults"), upper, upper)
        if problem:
            return None, bad_request("maxResults must be an integer from 1 to %d for %s %s"
                                     % (upper, product, group.key))
        offset = 0
        raw_filters["adProductFilter"] = [product]
        if body.get("nextToken") is not None:
            try:
                offset = paging.decode(body["nextToken"], raw_filters)
            except paging.BadToken as exc:
                return None, bad_request(str(exc))
        return entities.ListQuery(filters, raw_filters, max_results, offset, kind), None

    def fast_page(self, ctx, group, query):
        return None

    def query_answer(self, ctx, group, query, page, total, token):
        answer = {group.key: [render(ctx, query.kind, entity) for entity in page]}
        if group.total_results:
            answer["totalResults"] = total
        if token:
            answer["nextToken"] = token
        return Response(200, answer)


V1 = V1Family()


class Group:
    """One v1 entity: its routes, body keys and the kind of each ad product."""

    def __init__(self, key, singular, id_field, kinds, operations=("create", "update",
                 "delete", "list"), partial=True, timestamps=True, total_results=False,
                 product_required=True, product_field=True, schema_max=SCHEMA_MAX_ITEMS):
        self.family = V1
        self.key = key
        self.singular = singular
        self.id_field = id_field
        self.ids_key = singular + "Ids"
        self.entity_type = singular
        self.operations = operations
        self.partial = partial            # answers carry partialSuccess
        self.timestamps = timestamps      # creationDateTime, lastUpdatedDateTime, status
        self.total_results = total_results
        self.product_required = product_required   # adProductFilter required on query
        self.product_field = product_field         # items carry adProduct
        self.schema_max = schema_max
        self.kinds = {}
        for kind in kinds:
            kind.group = self
            self.kinds[kind.product] = kind


# ---------------------------------------------------------------------- value rules

def _stated(errs, code, message, field):
    errs.code(code, message, field)


def _check_range(errs, value, bounds, field, what):
    low, high = bounds
    if value < low:
        errs.code("FIELD_VALUE_IS_BELOW_MINIMUM_LIMIT", "%s must be at least %g" % (what, low),
                  field)
    elif value > high:
        errs.code("FIELD_VALUE_IS_ABOVE_MAXIMUM_LIMIT", "%s must be at most %g" % (what, high),
                  field)


def _check_budgets(ctx, product, budgets, errs, recurrences, exactly_one=False):
    if exactly_one and len(budgets) != 1:
        errs.code("FIELD_SIZE_IS_OUT_OF_RANGE", "%s campaigns take exactly one budget"
                  % product, "budgets")
        return
    for i, budget in enumerate(budgets):
        where = "budgets[%d]" % i
        if budget["recurrenceTimePeriod"] not in recurrences:
            errs.code("FIELD_VALUE_IS_INVALID", "%s budgets must be %s" % (
                product, " or ".join(recurrences)), where + ".recurrenceTimePeriod")
            continue
        monetary = budget["budgetValue"].get("monetaryBudgetValue")
        if budget["budgetType"] != "MONETARY" or monetary is None \
                or "monetaryBudget" not in monetary:
            if product != DSP:
                errs.code("FIELD_VALUE_IS_INVALID", "%s budgets must be MONETARY with "
                          "budgetValue.monetaryBudgetValue.monetaryBudget" % product,
                          where + ".budgetValue")
            continue
        money = monetary["monetaryBudget"]
        path = where + ".budgetValue.monetaryBudgetValue.monetaryBudget"
        currency = ctx.currency(product)
        if money.get("currencyCode", currency) != currency:
            errs.code("FIELD_VALUE_MISMATCH", "currencyCode must be the account's currency %s"
                      % currency, path + ".currencyCode")
            continue
        _check_range(errs, money["value"], BUDGET_RANGE[product], path + ".value", "budget")


def _fill_currency(ctx, product, data):
    """Budgets and flight budgets come back with currencyCode, as Amazon answers them."""
    containers = list(data.get("budgets", []))
    containers += [flight["budget"] for flight in data.get("flights", [])]
    for budget in containers:
        money = budget.get("budgetValue", {}).get("monetaryBudgetValue", {}).get("monetaryBudget")
        if money is not None:
            money.setdefault("currencyCode", ctx.currency(product))


def _check_dates(errs, start, end):
    s, e = v.parse_date_time(start), v.parse_date_time(end)
    if s is not None and e is not None and e <= s:
        errs.code("FIELD_VALUE_IS_INVALID", "endDateTime must be after startDateTime",
                  "endDateTime")


def _dedupe_tags(ctx, item):
    """A repeated tag key: the first one is kept and the item still succeeds, with a
    DUPLICATE_FIELD_VALUE_FOUND error in partialSuccess (the simulator's realistic
    partial success)."""
    tags = item.get("tags")
    if not tags:
        return
    seen, kept = set(), []
    for i, tag in enumerate(tags):
        if tag["key"] in seen:
            ctx.warnings.code("DUPLICATE_FIELD_VALUE_FOUND", "tag key %r repeated; only the "
                              "first value was kept" % tag["key"], "tags[%d].key" % i)
            continue
        seen.add(tag["key"])
        kept.append(tag)
    item["tags"] = kept


def _goal_settings(data):
    goal = data.get("optimizations", {}).get("goalSettings")
    if goal is not None and "kpi" in goal:
        goal["goal"] = KPI_GOAL.get(goal["kpi"], "CONVERSIONS")


def _check_dsp_paused(errs, item, what):
    if item["state"] != "PAUSED":
        errs.code("FIELD_VALUE_IS_INVALID", "AMAZON_DSP %s must be created PAUSED" % what,
                  "state")


def _check_parent_product(errs, product, parents, field):
    parent = parents.get(field)
    if parent is not None and parent.data.get("adProduct", product) != product:
        errs.code("FIELD_VALUE_MISMATCH", "%s %s is a %s %s" % (
            field[:-2], parent.data[field], parent.data["adProduct"], field[:-2]), field)


def v1_apply(data, changes):
    """Update: null removes a member, objects merge (creative and budgets replace)."""
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        elif isinstance(value, dict) and isinstance(data.get(name), dict) \
                and name not in ("creative", "targetDetails"):
            merged = data[name]
            v1_apply(merged, value)
        else:
            data[name] = value


def _copy(value):
    return json.loads(json.dumps(value))


# ---------------------------------------------------------------------- schemas

TAGS = v.Array(v.Object({"key": v.Str(required=True, trimmed=False),
                         "value": v.Str(required=True, trimmed=False)}), max_items=50)
MONEY = v.Object({"value": v.Number(required=True),
                  "currencyCode": v.Str(trimmed=True)}, required=True)
BUDGET = v.Object({
    "budgetType": v.Enum(["IMPRESSION", "MONETARY"], required=True),
    "recurrenceTimePeriod": v.Enum(["DAILY", "LIFETIME", "MONTHLY"], required=True),
    "budgetValue": v.Object({
        "monetaryBudgetValue": v.Object({"monetaryBudget": MONEY,
                                         "marketplaceSettings": v.Json("array")}),
        "impressionBudgetValue": v.Object({"impression": v.Number(required=True)}),
    }, required=True),
})
FLIGHT = v.Object({
    "startDateTime": v.DateTime(required=True), "endDateTime": v.DateTime(required=True),
    "name": v.Str(), "flightId": v.Str(),
    "budget": v.Object({"budgetType": v.Enum(["IMPRESSION", "MONETARY"], required=True),
                        "budgetValue": BUDGET.fields["budgetValue"]}, required=True),
})


def _optimizations(strategies, kpi_required):
    return v.Object({
        "bidSettings": v.Object({
            "bidStrategy": v.Enum(strategies, required=False),
            "bidAdjustments": v.Object({
                "placementBidAdjustments": v.Array(v.Object({
                    "placement": v.Enum(PLACEMENTS, required=True),
                    "percentage": v.Integer(0, 900, required=True)}), max_items=4),
                "audienceBidAdjustments": v.Json("array"),
                "creativeBidAdjustments": v.Json("array"),
                "shopperSegmentBidAdjustments": v.Json("array"),
            }),
        }),
        "budgetSettings": v.Json(),
        "goalSettings": v.Object({"kpi": v.Enum(KPIS, required=kpi_required),
                                  "kpiValue": v.Number()}),
        "primaryInventoryTypes": v.Json("array"),
    })


def _name(key, required):
    return v.Str(max_len=NAME_MAX.get(key), required=required)


COMMON_CREATE = {"adProduct": v.Enum(AD_PRODUCTS, required=True),
                 "state": v.Enum(CREATE_STATES, required=True), "tags": TAGS,
                 "marketplaceScope": v.Enum(MARKETPLACE_SCOPES),
                 "marketplaces": v.Array(v.Enum(MARKETPLACES), max_items=30)}
COMMON_UPDATE = {"adProduct": v.Enum(AD_PRODUCTS), "state": v.Enum(CREATE_STATES),
                 "tags": TAGS}


def _schema(*parts, **fields):
    out = {}
    for part in parts:
        out.update(part)
    out.update(fields)
    return out


CAMPAIGN_CREATE = {
    SP: _schema(COMMON_CREATE, name=_name("campaigns", True),
                budgets=v.Array(BUDGET, max_items=2, required=True),
                marketplaceScope=v.Enum(MARKETPLACE_SCOPES, required=True),
                startDateTime=v.DateTime(required=True), endDateTime=v.DateTime(),
                autoCreationSettings=v.Object({"autoCreateTargets": v.Bool(required=True),
                                               "autoManageCampaign": v.Bool()}, required=True),
                portfolioId=v.Id(), optimizations=_optimizations(SP_BID_STRATEGIES, False),
                countries=v.Json("array"), costType=v.Enum(["CPC"])),
    SB: _schema(COMMON_CREATE, name=_name("campaigns", True),
                brandId=v.Id(required=True), costType=v.Enum(["CPC", "VCPM"], required=True),
                budgets=v.Array(BUDGET, max_items=2, required=True),
                marketplaceScope=v.Enum(MARKETPLACE_SCOPES, required=True),
                startDateTime=v.DateTime(required=True), endDateTime=v.DateTime(),
                portfolioId=v.Id(),
                optimizations=v.Object(dict(_optimizations(BID_STRATEGIES, True).fields),
                                       required=True),
                countries=v.Json("array")),
    DSP: _schema(COMMON_CREATE, name=_name("campaigns", True),
                 flights=v.Array(FLIGHT, max_items=150, min_items=1, required=True),
                 budgets=v.Array(BUDGET, max_items=2), costType=v.Enum(COST_TYPES),
                 optimizations=v.Object(dict(_optimizations(BID_STRATEGIES, True).fields),
                                        required=True),
                 countries=v.Json("array"), frequencies=v.Json("array"),
                 fees=v.Json("array"), salesChannel=v.Enum(["AMAZON", "OFF_AMAZON"]),
                 startDateTime=v.DateTime(), endDateTime=v.DateTime(),
                 purchaseOrderNumber=v.Str()),
}


def _campaign_update(product):
    fields = {k: f for k, f in CAMPAIGN_CREATE[product].items()
              if k not in ("adProduct", "state", "marketplaceScope", "brandId",
                           "autoCreationSettings", "salesChannel")}
    fields = {k: _optional(f) for k, f in fields.items()}
    fields.update(COMMON_UPDATE)
    fields["campaignId"] = v.Id(required=True)
    fields["endDateTime"] = v.DateTime(nullable=True)
    fields["portfolioId"] = v.Id(nullable=True)
    return fields


def _optional(field):
    """The same field type, not required (update schemas)."""
    clone = object.__new__(type(field))
    clone.__dict__.update(field.__dict__)
    clone.required = False
    return clone


# ---------------------------------------------------------------------- campaign rules

def campaign_check_create(product):
    def check(ctx, item, errs, parents):
        _dedupe_tags(ctx, item)
        if product == DSP:
            _check_dsp_paused(errs, item, "campaigns")
            if item["optimizations"].get("bidSettings", {}).get("bidStrategy") is None:
                errs.code("FIELD_VALUE_IS_NULL", "bidStrategy is required",
                          "optimizations.bidSettings.bidStrategy")
            if not item.get("countries") and not item.get("marketplaces"):
                errs.code("FIELD_VALUE_IS_NULL", "countries or marketplaces is required",
                          "countries")
            for i, flight in enumerate(item["flights"]):
                start, end = flight["startDateTime"], flight["endDateTime"]
                if v.parse_date_time(end) <= v.parse_date_time(start):
                    errs.code("FIELD_VALUE_IS_INVALID", "a flight must end after it starts",
                              "flights[%d].endDateTime" % i)
        else:
            if item["marketplaceScope"] == "GLOBAL":
                errs.code("FIELD_VALUE_IS_INVALID", "GLOBAL campaigns need a global account "
                          "(Amazon-Ads-AccountId); this profile takes SINGLE_MARKETPLACE",
                          "marketplaceScope")
            _check_budgets(ctx, product, item["budgets"], errs,
                           ["DAILY"] if product == SP else ["DAILY", "LIFETIME"],
                           exactly_one=(product == SP))
        if "budgets" in item and product == DSP:
            _check_budgets(ctx, product, item["budgets"], errs, ["DAILY", "LIFETIME", "MONTHLY"])
        _check_dates(errs, item.get("startDateTime"), item.get("endDateTime"))
        if not errs:
            _check_duplicate(ctx, CAMPAIGNS[product], errs, item, None, "name")
    return check


def campaign_build(product):
    def build(ctx, item, parents):
        data = {"adProduct": product}
        data.update(_copy({k: val for k, val in item.items() if k != "adProduct"}))
        data.setdefault("marketplaceScope", "SINGLE_MARKETPLACE")
        if product == SP:
            data.setdefault("costType", "CPC")
        if product == DSP:
            for flight in data["flights"]:
                flight.setdefault("flightId", ctx.state.ids.next())
        _fill_currency(ctx, product, data)
        _goal_settings(data)
        return data
    return build


def campaign_check_update(product):
    def check(ctx, entity, changes, errs):
        _dedupe_tags(ctx, changes)
        if "budgets" in changes:
            _check_budgets(ctx, product, changes["budgets"], errs,
                           {SP: ["DAILY"], SB: ["DAILY", "LIFETIME"]}.get(
                               product, ["DAILY", "LIFETIME", "MONTHLY"]),
                           exactly_one=(product == SP))
            _fill_currency(ctx, product, changes)
        if "flights" in changes:
            for flight in changes["flights"]:
                flight.setdefault("flightId", ctx.state.ids.next())
            _fill_currency(ctx, product, changes)
        data = entity.data
        _check_dates(errs, changes.get("startDateTime", data.get("startDateTime")),
                     changes["endDateTime"] if "endDateTime" in changes
                     else data.get("endDateTime"))
        if "name" in changes:
            probe = dict(data, name=changes["name"])
            _check_duplicate(ctx, CAMPAIGNS[product], errs, probe, None, "name",
                             data["campaignId"])
        if "optimizations" in changes:
            goal = changes["optimizations"].get("goalSettings")
            if goal is not None and "kpi" in goal:
                goal["goal"] = KPI_GOAL.get(goal["kpi"], "CONVERSIONS")
    return check


# ---------------------------------------------------------------------- ad groups

AD_GROUP_CREATE = {
    SP: _schema(COMMON_CREATE, campaignId=v.Id(required=True), name=_name("adGroups", True),
                bid=v.Object({"defaultBid": v.Number(required=True)}, required=True)),
    SB: _schema(COMMON_CREATE, campaignId=v.Id(required=True), name=_name("adGroups", True)),
    DSP: _schema(COMMON_CREATE, campaignId=v.Id(required=True), name=_name("adGroups", True),
                 bid=v.Object({"baseBid": v.Number(required=True),
                               "maxAverageBid": v.Number()}, required=True),
                 advertisedProductCategoryIds=v.Array(v.Id(), max_items=500, required=True),
                 creativeRotationType=v.Enum(["RANDOM", "WEIGHTED"], required=True),
                 inventoryType=v.Enum(["AAP_MOBILE_APP", "AMAZON_MOBILE_DISPLAY", "AUDIO",
                                       "AUDIO_AMAZON_DEAL", "DISPLAY", "LIVE_EVENTS",
                                       "ONLINE_VIDEO", "PODCAST", "STANDARD_DISPLAY",
                                       "STREAMING_TV", "STREAMING_TV_AMAZON_DEAL", "VIDEO"],
                                      required=True),
                 optimization=v.Object({"bidStrategy": v.Enum(BID_STRATEGIES),
                                        "budgetSettings": v.Json(),
                                        "goalSettings": v.Json()}, required=True),
                 pacing=v.Object({"deliveryProfile": v.Enum(["ASAP", "EVEN", "PACE_AHEAD"],
                                                            required=True)}, required=True),
                 startDateTime=v.DateTime(required=True), endDateTime=v.DateTime(required=True),
                 targetingSettings=v.Object({
                     "amazonViewability": v.Object({
                         "includeUnmeasurableImpressions": v.Bool(required=True),
                         "viewabilityTier": v.Str(required=True)}, required=True),
                     "timeZoneType": v.Enum(["ADVERTISER_REGION", "VIEWER"], required=True),
                     "userLocationSignal": v.Enum(["CURRENT", "MULTIPLE_SIGNALS"],
                                                  required=True),
                     "defaultAudienceTargetingMatchType": v.Enum(["EXACT", "SIMILAR"]),
                     "enableLanguageTargeting": v.Bool(),
                 }, required=True),
                 frequencies=v.Json("array"), purchaseOrderNumber=v.Str()),
}


def _ad_group_update(product):
    fields = {k: _optional(f) for k, f in AD_GROUP_CREATE[product].items()
              if k not in ("adProduct", "state", "campaignId", "marketplaceScope")}
    fields.update(COMMON_UPDATE)
    fields["adGroupId"] = v.Id(required=True)
    if product == DSP:
        fields["bid"] = v.Object({"baseBid": v.Number(), "maxAverageBid": v.Number(nullable=True)})
    if product == SP:
        fields["bid"] = v.Object({"defaultBid": v.Number()})
    return fields


def _check_ad_group_bid(product, bid, errs):
    if product == SP and "defaultBid" in bid:
        _check_range(errs, bid["defaultBid"], BID_RANGE[SP], "bid.defaultBid", "defaultBid")
    if product == DSP:
        if "baseBid" in bid:
            _check_range(errs, bid["baseBid"], BID_RANGE[DSP], "bid.baseBid", "baseBid")
        if bid.get("maxAverageBid") is not None and "baseBid" in bid \
                and bid["maxAverageBid"] < bid["baseBid"]:
            errs.code("FIELD_VALUE_IS_BELOW_MINIMUM_LIMIT",
                      "maxAverageBid must not be below baseBid", "bid.maxAverageBid")


def ad_group_check_create(product):
    def check(ctx, item, errs, parents):
        _dedupe_tags(ctx, item)
        _check_parent_product(errs, product, parents, "campaignId")
        if product == DSP:
            _check_dsp_paused(errs, item, "ad groups")
            _check_dates(errs, item["startDateTime"], item["endDateTime"])
        _check_ad_group_bid(product, item.get("bid", {}), errs)
        if not errs:
            _check_duplicate(ctx, AD_GROUPS[product], errs, item, "campaignId", "name")
    return check


def ad_group_build(product):
    def build(ctx, item, parents):
        data = {"adProduct": product}
        data.update(_copy({k: val for k, val in item.items() if k != "adProduct"}))
        data.setdefault("marketplaceScope", "SINGLE_MARKETPLACE")
        if "bid" in data:
            data["bid"]["currencyCode"] = ctx.currency(product)
        return data
    return build


def ad_group_check_update(product):
    def check(ctx, entity, changes, errs):
        _dedupe_tags(ctx, changes)
        if "bid" in changes:
            merged = dict(entity.data.get("bid", {}), **changes["bid"])
            _check_ad_group_bid(product, merged, errs)
        if "name" in changes:
            probe = dict(entity.data, name=changes["name"])
            _check_duplicate(ctx, AD_GROUPS[product], errs, probe, "campaignId", "name",
                             entity.data["adGroupId"])
    return check


def ad_group_after_create(ctx, ad_group):
    """SP: an ad group of a campaign with autoCreateTargets gets four THEME targets."""
    campaign = ctx.lookup("campaigns", ad_group.data["campaignId"])
    if campaign is None or not campaign.data.get("autoCreationSettings", {}).get(
            "autoCreateTargets"):
        return
    store = ctx.store_of(TARGETS[SP])
    default_bid = ad_group.data["bid"]["defaultBid"]
    for match_type, share in SP_AUTO_THEMES:
        target_id = ctx.state.ids.next()
        data = {"targetId": target_id, "adProduct": SP,
                "campaignId": ad_group.data["campaignId"],
                "adGroupId": ad_group.data["adGroupId"], "state": "ENABLED", "negative": False,
                "targetLevel": "AD_GROUP", "targetType": "THEME",
                "targetDetails": {"themeTarget": {"matchType": match_type}},
                "bid": {"bid": max(BID_RANGE[SP][0], round(default_bid * share, 2)),
                        "currencyCode": ctx.currency(SP)},
                "marketplaceScope": "SINGLE_MARKETPLACE"}
        store.add(target_id, ctx.state.new_entity(data, ctx.now))


# ---------------------------------------------------------------------- ads

SP_CREATIVE = v.Object({"productCreative": v.Object({"productCreativeSettings": v.Object({
    "advertisedProduct": v.Object({"productId": v.Id(required=True),
                                   "productIdType": v.Enum(["ASIN", "SKU"], required=True)},
                                  required=True),
    "headline": v.Str()}, required=True)}, required=True)})
AD_TYPES = {SP: ["PRODUCT_AD"], SB: ["COMPONENT", "VIDEO"],
            DSP: ["AUDIO", "COMPONENT", "DISPLAY", "THIRD_PARTY", "VIDEO"]}
CREATIVE_KEYS = {SP: ["productCreative"], SB: ["componentCreative", "videoCreative"],
                 DSP: ["audioCreative", "componentCreative", "displayCreative",
                       "thirdPartyCreative", "videoCreative"]}

AD_CREATE = {
    SP: _schema(COMMON_CREATE, adGroupId=v.Id(required=True), adType=v.Enum(
        AD_TYPES[SP], required=True), creative=_optional(SP_CREATIVE), name=_name("ads", False)),
    SB: _schema(COMMON_CREATE, adGroupId=v.Id(required=True), adType=v.Enum(
        AD_TYPES[SB], required=True), creative=v.Json(), name=_name("ads", True)),
    DSP: _schema(COMMON_CREATE, adGroupId=v.Id(), adType=v.Enum(AD_TYPES[DSP], required=True),
                 creative=v.Json(), name=_name("ads", True)),
}
for _schema_fields in AD_CREATE.values():
    _schema_fields["creative"].required = True


def _ad_update(product):
    return {"adId": v.Id(required=True), "state": v.Enum(CREATE_STATES), "tags": TAGS,
            "name": _name("ads", False), "creative": _optional(AD_CREATE[product]["creative"]),
            "adProduct": v.Enum(AD_PRODUCTS)}


def _check_creative(product, creative, errs):
    keys = list(creative)
    if len(keys) != 1 or keys[0] not in CREATIVE_KEYS[product]:
        errs.code("FIELD_VALUE_IS_INVALID", "creative must hold exactly one of %s for %s"
                  % (", ".join(CREATIVE_KEYS[product]), product), "creative")


def _ad_identity(data):
    creative = data.get("creative", {}).get("productCreative")
    if creative is None:
        return ("ad", data.get("adId"))   # only SP product ads are unique per ad group
    product = creative["productCreativeSettings"]["advertisedProduct"]
    return (data["adProduct"], product["productIdType"], product["productId"])


def ad_check_create(product):
    def check(ctx, item, errs, parents):
        _dedupe_tags(ctx, item)
        _check_parent_product(errs, product, parents, "adGroupId")
        if product == DSP and "adGroupId" in item:
            errs.code("FIELD_VALUE_MUST_BE_EMPTY_OR_NULL", "AMAZON_DSP ads join ad groups "
                      "through adAssociations", "adGroupId")
        _check_creative(product, item["creative"], errs)
        if not errs and product == SP:
            _check_duplicate(ctx, ADS[product], errs, item, "adGroupId",
                             "creative.productCreative.productCreativeSettings.advertisedProduct")
    return check


def ad_build(product):
    def build(ctx, item, parents):
        data = {"adProduct": product}
        data.update(_copy({k: val for k, val in item.items() if k != "adProduct"}))
        if "adGroupId" in parents:
            data["campaignId"] = parents["adGroupId"].data["campaignId"]
        data.setdefault("marketplaceScope", "SINGLE_MARKETPLACE")
        return data
    return build


def ad_check_update(product):
    def check(ctx, entity, changes, errs):
        _dedupe_tags(ctx, changes)
        if "creative" in changes:
            _check_creative(product, changes["creative"], errs)
    return check


# ---------------------------------------------------------------------- targets

def detail_key(target_type):
    """KEYWORD -> keywordTarget, PRODUCT_CATEGORY -> productCategoryTarget, ..."""
    words = target_type.lower().split("_")
    return words[0] + "".join(w.capitalize() for w in words[1:]) + "Target"


SA_DETAILS = v.Object({
    "keywordTarget": v.Object({"keyword": v.Str(max_len=KEYWORD_MAX_CHARS, required=True),
                               "matchType": v.Enum(["BROAD", "EXACT", "PHRASE"], required=True),
                               "nativeLanguageKeyword": v.Str(),
                               "nativeLanguageLocale": v.Str()}),
    "productTarget": v.Object({"product": v.Object({"productId": v.Id(required=True)},
                                                   required=True),
                               "productIdType": v.Enum(["ASIN", "SKU"], required=True),
                               "matchType": v.Enum(["PRODUCT_EXACT", "PRODUCT_SIMILAR"],
                                                   required=True)}),
    "productCategoryTarget": v.Object({"productCategoryRefinement": v.Json(required=True),
                                       "productGenreRefinement": v.Json(),
                                       "matchType": v.Str()}),
    "themeTarget": v.Object({"matchType": v.Str(required=True)}),
}, required=True)


def _target_create(product):
    return _schema(COMMON_CREATE, campaignId=v.Id(), adGroupId=v.Id(),
                   negative=v.Bool(required=True),
                   targetType=v.Enum(DSP_TARGET_TYPES if product == DSP else SA_TARGET_TYPES,
                                     required=True),
                   targetDetails=v.Json(required=True) if product == DSP else SA_DETAILS,
                   bid=v.Object({"bid": v.Number(required=True)}))


TARGET_UPDATE = {"targetId": v.Id(required=True), "state": v.Enum(CREATE_STATES), "tags": TAGS,
                 "bid": v.Object({"bid": v.Number(nullable=True)}),
                 "adProduct": v.Enum(AD_PRODUCTS)}


def _target_identity(data):
    details = data["targetDetails"]
    member = next(iter(details))
    value = json.dumps(details[member], sort_keys=True).lower()
    return (data["adProduct"], data.get("adGroupId"), data["negative"], member, value)


def target_check_create(product):
    def check(ctx, item, errs, parents):
        _dedupe_tags(ctx, item)
        target_type = item["targetType"]
        member = detail_key(target_type)
        details = item["targetDetails"]
        if list(details) != [member]:
            errs.code("FIELD_VALUE_IS_INVALID", "targetDetails must hold exactly %s for "
                      "targetType %s" % (member, target_type), "targetDetails")
            return
        negative = item["negative"]
        ad_group = parents.get("adGroupId")
        if ad_group is None and (not negative or product == DSP):
            errs.code("FIELD_VALUE_IS_NULL", "adGroupId is required%s" % (
                "" if product == DSP else " unless the target is negative"), "adGroupId")
            return
        if ad_group is None and "campaignId" not in item:
            errs.code("FIELD_VALUE_IS_NULL", "campaignId is required for a campaign-level "
                      "negative target", "campaignId")
            return
        for field in ("campaignId", "adGroupId"):
            _check_parent_product(errs, product, parents, field)
        if errs:
            return
        if product == SP and target_type == "THEME" and not negative:
            errs.code("FIELD_VALUE_IS_INVALID", "THEME targets are created by Amazon for "
                      "campaigns with autoCreateTargets", "targetType")
            return
        campaign = parents.get("campaignId") or ctx.lookup(
            "campaigns", ad_group.data["campaignId"])
        if product == SP and not negative and target_type in ("KEYWORD", "PRODUCT") \
                and campaign.data.get("autoCreationSettings", {}).get("autoCreateTargets"):
            errs.code("FIELD_VALUE_IS_INVALID", "a campaign with autoCreateTargets takes only "
                      "negative %s targets" % target_type.lower(), "targetType")
            return
        if "bid" in item and (negative or product == DSP):
            errs.code("FIELD_VALUE_MUST_BE_EMPTY_OR_NULL", "%s targets have no bid" % (
                "negative" if negative else product), "bid")
            return
        if product == SB and not negative and "bid" not in item:
            errs.code("FIELD_VALUE_IS_NULL", "SPONSORED_BRANDS targets need bid.bid", "bid.bid")
            return
        if "bid" in item:
            _check_range(errs, item["bid"]["bid"], BID_RANGE[product], "bid.bid", "bid")
        if target_type == "KEYWORD":
            keyword = details[member]["keyword"]
            limit = NEGATIVE_KEYWORD_MAX_WORDS if negative else KEYWORD_MAX_WORDS
            if len(keyword.split()) > limit:
                errs.code("FIELD_SIZE_IS_ABOVE_MAXIMUM_LIMIT", "keyword must have at most %d "
                          "words" % limit, "targetDetails.keywordTarget.keyword")
        if not errs:
            probe = _target_data(ctx, product, item, parents)
            scope = "adGroupId" if ad_group is not None else "campaignId"
            _check_duplicate(ctx, TARGETS[product], errs, probe, scope, "targetDetails")
    return check


def _target_data(ctx, product, item, parents):
    data = {"adProduct": product}
    data.update(_copy({k: val for k, val in item.items() if k != "adProduct"}))
    ad_group = parents.get("adGroupId")
    if ad_group is not None:
        data["campaignId"] = ad_group.data["campaignId"]
    data["targetLevel"] = "AD_GROUP" if ad_group is not None else "CAMPAIGN"
    data.setdefault("marketplaceScope", "SINGLE_MARKETPLACE")
    if product != DSP and not item["negative"]:
        bid = item["bid"]["bid"] if "bid" in item else (
            ad_group.data.get("bid", {}).get("defaultBid") if ad_group is not None else None)
        if bid is not None:
            data["bid"] = {"bid": bid, "currencyCode": ctx.currency(product)}
    return data


def target_build(product):
    return lambda ctx, item, parents: _target_data(ctx, product, item, parents)


def target_check_update(product):
    def check(ctx, entity, changes, errs):
        _dedupe_tags(ctx, changes)
        bid = changes.get("bid", {}).get("bid")
        if "bid" in changes and (entity.data["negative"] or product == DSP):
            errs.code("FIELD_VALUE_MUST_BE_EMPTY_OR_NULL", "this target has no bid", "bid")
        elif bid is not None:
            _check_range(errs, bid, BID_RANGE[product], "bid.bid", "bid")
            changes["bid"] = {"bid": bid, "currencyCode": ctx.currency(product)}
        elif "bid" in changes:  # null: back to the ad group's default bid
            ad_group = ctx.lookup("adGroups", entity.data.get("adGroupId"))
            default = ad_group.data.get("bid", {}).get("defaultBid") if ad_group else None
            if default is None:
                changes.pop("bid")
            else:
                changes["bid"] = {"bid": default, "currencyCode": ctx.currency(product)}
    return check


def _detail(data):
    details = data.get("targetDetails") or {}
    return next(iter(details.values()), {}) if details else {}


# ---------------------------------------------------------------------- associations, extensions

ASSOCIATION_CREATE = {"adGroupId": v.Id(required=True), "adId": v.Id(required=True),
                      "state": v.Enum(CREATE_STATES, required=True), "weight": v.Integer(0, 100),
                      "startDateTime": v.DateTime(), "endDateTime": v.DateTime()}
ASSOCIATION_UPDATE = {"adAssociationId": v.Id(required=True), "state": v.Enum(CREATE_STATES),
                      "weight": v.Integer(0, 100), "startDateTime": v.DateTime(),
                      "endDateTime": v.DateTime()}


def association_check_create(ctx, item, errs, parents):
    for field in ("adGroupId", "adId"):
        _check_parent_product(errs, DSP, parents, field)
    _check_dates(errs, item.get("startDateTime"), item.get("endDateTime"))
    if not errs:
        _check_duplicate(ctx, AD_ASSOCIATIONS, errs, item, "adGroupId", "adId")


def association_build(ctx, item, parents):
    return _copy(item)


EXTENSION_CREATE = {
    "adProduct": v.Enum(AD_PRODUCTS, required=True),
    "adExtensionType": v.Enum(["PROMPTS", "VIDEO"], required=True),
    "adExtensionSettings": v.Object({
        "promptExtension": v.Object({"promptText": v.Str(max_len=200, required=True)}),
        "videoExtension": v.Json()}, required=True),
    "adExtensionStatus": v.Enum(["OPTED_OUT"]),
    "adGroupId": v.Id(), "adId": v.Id(),
    "marketplaceScope": v.Enum(MARKETPLACE_SCOPES, required=True),
    "marketplaces": v.Array(v.Enum(MARKETPLACES), min_items=1, max_items=30, required=True),
    "state": v.Enum(CREATE_STATES, required=True),
}
EXTENSION_UPDATE = {"adExtensionId": v.Id(required=True), "state": v.Enum(CREATE_STATES),
                    "marketplaces": v.Array(v.Enum(MARKETPLACES), min_items=1, max_items=30)}
EXTENSION_MEMBER = {"PROMPTS": "promptExtension", "VIDEO": "videoExtension"}


def extension_check_create(ctx, item, errs, parents):
    member = EXTENSION_MEMBER[item["adExtensionType"]]
    if list(item["adExtensionSettings"]) != [member]:
        errs.code("FIELD_VALUE_IS_INVALID", "adExtensionSettings must hold exactly %s for %s"
                  % (member, item["adExtensionType"]), "adExtensionSettings")
    if ("adGroupId" in item) == ("adId" in item):
        errs.code("FIELD_VALUE_IS_INVALID", "give exactly one of adGroupId and adId",
                  "adGroupId")
    for field in ("adGroupId", "adId"):
        _check_parent_product(errs, SB, parents, field)


def extension_build(ctx, item, parents):
    data = _copy(item)
    video = data["adExtensionSettings"].get("videoExtension")
    if video is not None:
        video.setdefault("videoType", "SPOTLIGHT")
    return data


# ---------------------------------------------------------------------- filters

def _v1_filter(name, value, max_items, **kw):
    kw.setdefault("min_items", 1)
    return f.Filter(name, value, max_items, **kw)


def _ids(name, data_field, max_items):
    return _v1_filter(name, f.field(data_field), max_items, hint=data_field)


def _state_filter():
    return _v1_filter("stateFilter", f.field("state"), 3, allowed=STATES)


def _terms(name, value, max_items):
    return _v1_filter(name, value, max_items, shape="terms")


def _scope_filter():
    return _v1_filter("marketplaceScopeFilter", f.field("marketplaceScope"), 1,
                      allowed=MARKETPLACE_SCOPES)


ADPRODUCT_FILTER = _v1_filter("adProductFilter", f.field("adProduct"), 1, allowed=AD_PRODUCTS)


def _goal(data):
    return data.get("optimizations", {}).get("goalSettings", {}).get("goal")


def _keyword(data):
    return data.get("targetDetails", {}).get("keywordTarget", {}).get("keyword")


def _product_id(data):
    return data.get("targetDetails", {}).get("productTarget", {}).get("product", {}).get(
        "productId")


def _inventory(field):
    def value(data):
        found = data.get("targetDetails", {}).get("inventorySourceTarget", {}).get(field)
        return found.get("defaultValue") if isinstance(found, dict) else found
    return value


CAMPAIGN_FILTERS = [ADPRODUCT_FILTER, _ids("campaignIdFilter", "campaignId", 1000),
                    _ids("portfolioIdFilter", "portfolioId", 100),
                    _terms("nameFilter", f.field("name"), 100), _state_filter(),
                    _v1_filter("goalFilter", _goal, 3, allowed=GOALS), _scope_filter()]
AD_GROUP_FILTERS = [ADPRODUCT_FILTER, _ids("adGroupIdFilter", "adGroupId", 1000),
                    _ids("campaignIdFilter", "campaignId", 100),
                    _terms("nameFilter", f.field("name"), 100), _state_filter(),
                    _scope_filter()]
AD_FILTERS = [ADPRODUCT_FILTER, _ids("adIdFilter", "adId", 100),
              _ids("adGroupIdFilter", "adGroupId", 100),
              _ids("campaignIdFilter", "campaignId", 100),
              _terms("nameFilter", f.field("name"), 10), _state_filter(), _scope_filter()]
SA_TARGET_FILTERS = [
    ADPRODUCT_FILTER, _ids("targetIdFilter", "targetId", 100),
    _ids("campaignIdFilter", "campaignId", 100), _ids("adGroupIdFilter", "adGroupId", 100),
    _state_filter(), _terms("keywordFilter", _keyword, 100),
    _terms("productIdFilter", _product_id, 100),
    _v1_filter("matchTypeFilter", lambda d: _detail(d).get("matchType"), 10,
               allowed=MATCH_TYPES),
    _v1_filter("targetTypeFilter", f.field("targetType"), 17, allowed=TARGET_TYPES),
    _v1_filter("negativeFilter", f.field("negative"), 1, allowed=[True, False]),
    _v1_filter("nativeLanguageLocaleFilter",
               lambda d: d.get("targetDetails", {}).get("keywordTarget", {}).get(
                   "nativeLanguageLocale"), 1),
    _scope_filter()]
DSP_TARGET_FILTERS = [  # Amazon's DSP target query: ad group, state, type, inventory
    ADPRODUCT_FILTER, _ids("adGroupIdFilter", "adGroupId", 100), _state_filter(),
    _v1_filter("targetTypeFilter", f.field("targetType"), 17, allowed=TARGET_TYPES),
    _v1_filter("inventorySourceTypeFilter", _inventory("inventorySourceType"), 1,
               allowed=INVENTORY_SOURCE_TYPES),
    _v1_filter("inventorySourceIdFilter", _inventory("inventorySourceId"), 10,
               valid=lambda o: isinstance(o, dict) and isinstance(o.get("defaultValue"), str),
               key=lambda o: o["defaultValue"]),
    _v1_filter("negativeFilter", f.field("negative"), 1, allowed=[True, False])]
ASSOCIATION_FILTERS = [_ids("adAssociationIdFilter", "adAssociationId", 100),
                       _ids("adGroupIdFilter", "adGroupId", 100), _ids("adIdFilter", "adId", 100)]
EXTENSION_FILTERS = [ADPRODUCT_FILTER, _ids("adExtensionIdFilter", "adExtensionId", 100),
                     _v1_filter("adExtensionStatusFilter", f.field("adExtensionStatus"), 1,
                                allowed=["OPTED_OUT"]),
                     _v1_filter("adExtensionTypeFilter", f.field("adExtensionType"), 1,
                                allowed=["PROMPTS", "VIDEO"]),
                     _ids("adGroupIdFilter", "adGroupId", 100), _ids("adIdFilter", "adId", 100),
                     _state_filter()]


# ---------------------------------------------------------------------- the table

CAMPAIGN_PARENT = ("campaignId", "campaigns")
AD_GROUP_PARENT = ("adGroupId", "adGroups")


def _kind(product, key, singular, id_field, parents, create, update, immutable, filters,
          **hooks):
    kind = Kind(key, singular, id_field, singular, parents, create, update, immutable,
                filters, LEVELS.get(key, "AD"), apply=v1_apply, **hooks)
    kind.product = product
    return kind


CAMPAIGNS = {p: _kind(p, "campaigns", "campaign", "campaignId", [], CAMPAIGN_CREATE[p],
                      _campaign_update(p), ["adProduct", "marketplaceScope", "brandId",
                                            "autoCreationSettings", "salesChannel"],
                      CAMPAIGN_FILTERS, check_create=campaign_check_create(p),
                      build=campaign_build(p), check_update=campaign_check_update(p),
                      identity=lambda d: (d.get("adProduct"), d["name"]))
             for p in (SP, SB, DSP)}
AD_GROUPS = {p: _kind(p, "adGroups", "adGroup", "adGroupId", [CAMPAIGN_PARENT],
                      AD_GROUP_CREATE[p], _ad_group_update(p), ["adProduct", "campaignId"],
                      AD_GROUP_FILTERS, check_create=ad_group_check_create(p),
                      build=ad_group_build(p), check_update=ad_group_check_update(p),
                      after_create=ad_group_after_create if p == SP else None,
                      identity=lambda d: (d.get("adProduct"), d["name"]))
             for p in (SP, SB, DSP)}
ADS = {p: _kind(p, "ads", "ad", "adId", [] if p == DSP else [AD_GROUP_PARENT],
                AD_CREATE[p], _ad_update(p), ["adProduct", "adGroupId", "adType"],
                AD_FILTERS, check_create=ad_check_create(p), build=ad_build(p),
                check_update=ad_check_update(p), identity=_ad_identity)
       for p in (SP, SB, DSP)}
TARGETS = {p: _kind(p, "targets", "target", "targetId", [CAMPAIGN_PARENT, AD_GROUP_PARENT],
                    _target_create(p), TARGET_UPDATE,
                    ["adProduct", "campaignId", "adGroupId", "negative", "targetType",
                     "targetDetails"],
                    DSP_TARGET_FILTERS if p == DSP else SA_TARGET_FILTERS,
                    check_create=target_check_create(p), build=target_build(p),
                    check_update=target_check_update(p), identity=_target_identity)
           for p in (SP, SB, DSP)}
AD_ASSOCIATIONS = _kind(DSP, "adAssociations", "adAssociation", "adAssociationId",
                        [AD_GROUP_PARENT, ("adId", "ads")], ASSOCIATION_CREATE,
                        ASSOCIATION_UPDATE, ["adId", "adGroupId"], ASSOCIATION_FILTERS,
                        check_create=association_check_create, build=association_build,
                        identity=lambda d: d["adId"])
AD_EXTENSIONS = _kind(SB, "adExtensions", "adExtension", "adExtensionId",
                      [AD_GROUP_PARENT, ("adId", "ads")], EXTENSION_CREATE, EXTENSION_UPDATE,
                      ["adProduct", "adExtensionType", "adGroupId", "adId"], EXTENSION_FILTERS,
                      check_create=extension_check_create, build=extension_build)

GROUPS = [
    Group("campaigns", "campaign", "campaignId", CAMPAIGNS.values()),
    Group("adGroups", "adGroup", "adGroupId", AD_GROUPS.values()),
    Group("ads", "ad", "adId", ADS.values()),
    Group("targets", "target", "targetId", TARGETS.values(), total_results=True),
    Group("adAssociations", "adAssociation", "adAssociationId", [AD_ASSOCIATIONS],
          partial=False, timestamps=False, product_required=False, product_field=False,
          schema_max=20),
    Group("adExtensions", "adExtension", "adExtensionId", [AD_EXTENSIONS],
          operations=("create", "update", "list"), product_required=False, schema_max=50),
]

ROUTES = entities.routes_for(GROUPS)


def init_state(state, rng):
    state.dsp_accounts = {
        advertiser_id: {"advertiserId": advertiser_id, "name": name, "countryCode": country,
                        "currencyCode": currency, "timezone": tz}
        for advertiser_id, name, country, currency, tz in DSP_ACCOUNTS}
