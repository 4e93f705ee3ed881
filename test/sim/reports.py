"""Reporting v3 (Offline Report API): /reporting/reports and the pre-signed download URL.

The report catalogue here has a twin in the extension (src/report_catalog.c). The two stay
independent on purpose: each is written from Amazon's documentation on its own, so a
mistake in one shows up as a disagreement in the tests instead of being copied into both.

Lifecycle: a report is PENDING until report_delay/2 seconds after creation, PROCESSING
until report_delay seconds, then COMPLETED (or FAILED when a fail_next fault was armed
when it was created). A delay of 0 means COMPLETED at the first status read. The file is
built the first time a status read sees the report finished, from the entities that
exist in the profile at that moment.

Metrics are a pure function of (seed, profile, entity, date, restatement generation);
the generation only enters for the last 3 days (today, today-1, today-2, UTC), so a
second pull of recent days after POST /_sim/reports/restate returns different numbers
while older days stay identical. Consistency: an spCampaigns ad-group row is the sum of
its product ads' spAdvertisedProduct rows, a campaign row the sum of its ad groups, and
campaignPlacement rows split the campaign row exactly. Targets (spTargeting) and search
terms (spSearchTerm) have their own numbers.
"""

import contextlib
import datetime
import gzip
import hashlib
import json
import time
import uuid

from web import Response

CREATE_REQUEST_CT = "application/vnd.createasyncreportrequest.v3+json"
CREATE_RESPONSE_CT = "application/vnd.createasyncreportresponse.v3+json"
GET_RESPONSE_CT = "application/vnd.getasyncreportresponse.v3+json"
DELETE_RESPONSE_CT = "application/vnd.deleteasyncreportresponse.v3+json"

DEFAULT_URL_TTL = 3600
RESTATEMENT_DAYS = 3
DEFAULT_FAILURE_REASON = "Report generation failed due to an internal error. Please retry"

# ----------------------------------------------------------------------------- columns

_FAMILIES = ["purchases", "purchasesSameSku", "unitsSoldClicks", "sales",
             "attributedSalesSameSku", "unitsSoldSameSku"]
_WINDOWS = ["1d", "7d", "14d", "30d"]
FAMILY_COLUMNS = [f + w for f in _FAMILIES for w in _WINDOWS]

_CAMPAIGN_BASE = (["impressions", "addToList", "qualifiedBorrows", "royaltyQualifiedBorrows",
                   "clicks", "cost"] + FAMILY_COLUMNS +
                  ["kindleEditionNormalizedPagesRead14d",
                   "kindleEditionNormalizedPagesRoyalties14d", "date", "startDate", "endDate",
                   "campaignBiddingStrategy", "costPerClick", "clickThroughRate", "spend"])
_CAMPAIGN_GROUP = ["campaignName", "campaignId", "campaignStatus", "campaignBudgetAmount",
                   "campaignBudgetType", "campaignRuleBasedBudgetAmount",
                   "campaignApplicableBudgetRuleId", "campaignApplicableBudgetRuleName",
                   "campaignBudgetCurrencyCode", "topOfSearchImpressionShare"]
_ADGROUP_GROUP = ["adGroupName", "adGroupId", "adStatus"]
_PLACEMENT_GROUP = ["placementClassification"] + _CAMPAIGN_GROUP

_TARGETING = (["impressions", "addToList", "qualifiedBorrows", "royaltyQualifiedBorrows",
               "clicks", "costPerClick", "clickThroughRate", "cost"] + FAMILY_COLUMNS +
              ["kindleEditionNormalizedPagesRead14d", "kindleEditionNormalizedPagesRoyalties14d",
               "salesOtherSku7d", "unitsSoldOtherSku7d", "acosClicks7d", "acosClicks14d",
               "roasClicks7d", "roasClicks14d", "keywordId", "keyword",
               "campaignBudgetCurrencyCode", "date", "startDate", "endDate", "portfolioId",
               "campaignName", "campaignId", "campaignBudgetType", "campaignBudgetAmount",
               "campaignStatus", "keywordBid", "adGroupName", "adGroupId", "keywordType",
               "matchType", "targeting", "topOfSearchImpressionShare", "adKeywordStatus"])
_SEARCH_TERM = [c for c in _TARGETING if c != "topOfSearchImpressionShare"] + ["searchTerm"]
_GROSS = ["campaignName", "campaignStatus", "clicks", "date", "endDate", "grossClickThroughs",
          "grossImpressions", "impressions", "invalidClickThroughRate", "invalidClickThroughs",
          "invalidImpressionRate", "invalidImpressions", "startDate"]
_ADVERTISED = (["date", "startDate", "endDate", "campaignName", "campaignId", "adGroupName",
                "adGroupId", "adId", "addToList", "qualifiedBorrows", "royaltyQualifiedBorrows",
                "portfolioId", "impressions", "clicks", "costPerClick", "clickThroughRate",
                "cost", "spend", "campaignBudgetCurrencyCode", "campaignBudgetAmount",
                "campaignBudgetType", "campaignStatus", "advertisedAsin", "advertisedSku"] +
               FAMILY_COLUMNS +
               ["salesOtherSku7d", "unitsSoldOtherSku7d", "kindleEditionNormalizedPagesRead14d",
                "kindleEditionNormalizedPagesRoyalties14d", "acosClicks7d", "acosClicks14d",
                "roasClicks7d", "roasClicks14d"])

STATUS_VALUES = ["ENABLED", "PAUSED", "ARCHIVED"]
KEYWORD_TYPES = ["BROAD", "PHRASE", "EXACT", "TARGETING_EXPRESSION",
                 "TARGETING_EXPRESSION_PREDEFINED"]

# reportTypeId -> definition.
#   group_columns: groupBy value -> columns it makes available (added to base)
#   filters: filter field -> (allowed values or None for any, groupBy it needs or None)
REPORT_TYPES = {
    "spCampaigns": {
        "max_days": 31, "retention": 95, "base": _CAMPAIGN_BASE,
        "group_columns": {"campaign": _CAMPAIGN_GROUP, "adGroup": _ADGROUP_GROUP,
                          "campaignPlacement": _PLACEMENT_GROUP},
        "filters": {"campaignStatus": (STATUS_VALUES, "campaign"),
                    "adStatus": (STATUS_VALUES, "adGroup"),
                    "campaignSite": (None, "campaignPlacement")},
    },
    "spTargeting": {
        "max_days": 31, "retention": 95, "base": [],
        "group_columns": {"targeting": _TARGETING},
        "filters": {"adKeywordStatus": (STATUS_VALUES, None),
                    "keywordType": (KEYWORD_TYPES, None)},
    },
    "spSearchTerm": {
        "max_days": 31, "retention": 95, "base": [],
        "group_columns": {"searchTerm": _SEARCH_TERM},
        "filters": {"keywordType": (KEYWORD_TYPES, None)},
    },
    "spGrossAndInvalids": {
        "max_days": 365, "retention": 365, "base": [],
        "group_columns": {"campaign": _GROSS},
        "filters": {"campaignStatus": (STATUS_VALUES, None)},
    },
    "spAdvertisedProduct": {
        "max_days": 31, "retention": 95, "base": [],
        "group_columns": {"advertiser": _ADVERTISED},
        "filters": {"adCreativeStatus": (STATUS_VALUES, None)},
    },
}

PLACEMENTS = ["Top of Search on-Amazon", "Detail Page on-Amazon", "Other on-Amazon"]
AUTO_TARGETING = {"KEYWORDS_CLOSE_MATCH": "close-match", "KEYWORDS_LOOSE_MATCH": "loose-match",
                  "PRODUCT_COMPLEMENTS": "complements", "PRODUCT_SUBSTITUTES": "substitutes"}


def allowed_columns(report_type, group_by):
    d = REPORT_TYPES[report_type]
    cols = list(d["base"])
    for g in group_by:
        for c in d["group_columns"].get(g, []):
            if c not in cols:
                cols.append(c)
    return cols


# ----------------------------------------------------------------------------- state

def init_state(state, rng):
    state.reports = {}            # reportId -> report record (dict)
    state.report_tokens = {}      # token -> {"report_id", "expires_at"}
    state.report_dedup = {}       # (profile, canonical body) -> reportId
    state.report_faults = {"fail_next": []}   # list of failure reasons to consume
    state.report_restatement = 0
    state.report_url_ttl = DEFAULT_URL_TTL
    state.report_delay_override = None
    state.report_rng = rng


def _ensure_state(state):
    if not hasattr(state, "reports"):
        import random
        init_state(state, random.Random(0))


def _now(state):
    return time.time()


def _iso(ts):
    dt = datetime.datetime.fromtimestamp(ts, datetime.timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (dt.microsecond // 1000)


def _today(state=None, profile_id=None):
    """Today in the profile's time zone when the core knows it, else UTC."""
    fn = getattr(state, "today", None)
    if callable(fn):
        return fn(profile_id)
    return datetime.datetime.now(datetime.timezone.utc).date()


# ----------------------------------------------------------------------------- HTTP glue

def _resp(status, body, ct="application/json", headers=None):
    return Response(status, body, content_type=ct, headers=headers)


def _err(status, detail):
    """AsyncReportingError: {"code": "<HTTP status>", "detail": ...}."""
    return _resp(status, {"code": str(status), "detail": detail})


def route_error(status, code, message):
    """Error builder the core uses for auth failures and injected faults on our routes."""
    return _err(status, message)


def _profile(req):
    p = req.profile_id
    return None if p is None else str(p).strip()


def _locked(req):
    lk = getattr(getattr(req, "sim", None), "lock", None)
    return lk if lk is not None else contextlib.nullcontext()


# ----------------------------------------------------------------------------- validation

class _Invalid(Exception):
    pass


def _parse_date(v, field):
    if not isinstance(v, str):
        raise _Invalid("%s must be a string in YYYY-MM-DD format" % field)
    try:
        d = datetime.date.fromisoformat(v)
    except ValueError:
        d = None
    if d is None or len(v) != 10:
        raise _Invalid("%s '%s' is not a valid date in YYYY-MM-DD format" % (field, v))
    return d


def _str_list(v, field, allow_empty=False):
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise _Invalid("configuration.%s must be an array of strings" % field)
    if not v and not allow_empty:
        raise _Invalid("configuration.%s cannot be null or empty" % field)
    return v


def validate_create(body, today):
    """Raise _Invalid with Amazon-like text; return (type, start, end, config)."""
    if not isinstance(body, dict):
        raise _Invalid("Request body must be a JSON object")
    for f in ("startDate", "endDate", "configuration"):
        if body.get(f) is None:
            raise _Invalid("%s is required" % f)
    if "name" in body and body["name"] is not None and not isinstance(body["name"], str):
        raise _Invalid("name must be a string")
    cfg = body["configuration"]
    if not isinstance(cfg, dict):
        raise _Invalid("configuration must be an object")
    for f in ("adProduct", "reportTypeId", "groupBy", "columns", "timeUnit", "format"):
        if cfg.get(f) is None:
            raise _Invalid("configuration.%s is required" % f)
    if cfg["adProduct"] != "SPONSORED_PRODUCTS":
        raise _Invalid("configuration.adProduct %s is not supported for this account; "
                       "allowed values: (SPONSORED_PRODUCTS)" % json.dumps(cfg["adProduct"]))
    rtype = cfg["reportTypeId"]
    if rtype not in REPORT_TYPES:
        raise _Invalid("configuration.reportTypeId %s is invalid. Allowed values: (%s)"
                       % (json.dumps(rtype), ", ".join(REPORT_TYPES)))
    d = REPORT_TYPES[rtype]
    if cfg["format"] != "GZIP_JSON":
        raise _Invalid("configuration.format %s is invalid. Allowed values: (GZIP_JSON)"
                       % json.dumps(cfg["format"]))
    tu = cfg["timeUnit"]
    if tu not in ("DAILY", "SUMMARY"):
        raise _Invalid("configuration.timeUnit %s is invalid. Allowed values: (DAILY, SUMMARY)"
                       % json.dumps(tu))

    group_by = _str_list(cfg["groupBy"], "groupBy")
    bad = [g for g in group_by if g not in d["group_columns"]]
    if bad:
        raise _Invalid("configuration.groupBy includes invalid values: (%s). Allowed values "
                       "for %s: (%s)" % (", ".join(bad), rtype, ", ".join(d["group_columns"])))
    if len(set(group_by)) != len(group_by):
        raise _Invalid("configuration.groupBy contains duplicate values")
    if "adGroup" in group_by and "campaignPlacement" in group_by:
        raise _Invalid("configuration.groupBy: adGroup cannot be combined with "
                       "campaignPlacement")

    columns = _str_list(cfg["columns"], "columns")
    allowed = allowed_columns(rtype, group_by)
    bad = [c for c in columns if c not in allowed]
    if bad:
        raise _Invalid("configuration.columns includes invalid values: (%s). Allowed values "
                       "for %s with groupBy (%s): (%s)"
                       % (", ".join(bad), rtype, ", ".join(group_by), ", ".join(allowed)))
    if len(set(columns)) != len(columns):
        dup = sorted({c for c in columns if columns.count(c) > 1})
        raise _Invalid("configuration.columns contains duplicate values: (%s)" % ", ".join(dup))
    if tu == "SUMMARY" and "date" in columns:
        raise _Invalid("configuration.columns: column 'date' is only supported with timeUnit "
                       "DAILY; use startDate and endDate with SUMMARY")
    if tu == "DAILY":
        bad = [c for c in columns if c in ("startDate", "endDate")]
        if bad:
            raise _Invalid("configuration.columns: column(s) (%s) are only supported with "
                           "timeUnit SUMMARY; use date with DAILY" % ", ".join(bad))

    filters = cfg.get("filters")
    if filters is not None:
        if not isinstance(filters, list):
            raise _Invalid("configuration.filters must be an array")
        seen = set()
        for f in filters:
            if not isinstance(f, dict) or not isinstance(f.get("field"), str):
                raise _Invalid("configuration.filters items need a field and values")
            field = f["field"]
            if field not in d["filters"]:
                raise _Invalid("configuration.filters field '%s' is not supported for %s. "
                               "Allowed values: (%s)" % (field, rtype, ", ".join(d["filters"])))
            if field in seen:
                raise _Invalid("configuration.filters field '%s' is repeated" % field)
            seen.add(field)
            vals = f.get("values")
            if not isinstance(vals, list) or not vals or \
                    not all(isinstance(v, str) for v in vals):
                raise _Invalid("configuration.filters values for '%s' must be a non-empty "
                               "array of strings" % field)
            allowed_vals, needs_group = d["filters"][field]
            if allowed_vals is not None:
                bad = [v for v in vals if v not in allowed_vals]
                if bad:
                    raise _Invalid("configuration.filters values for '%s' include invalid "
                                   "values: (%s). Allowed values: (%s)"
                                   % (field, ", ".join(bad), ", ".join(allowed_vals)))
            if needs_group is not None and group_by != [needs_group]:
                raise _Invalid("configuration.filters field '%s' is only supported with the "
                               "single groupBy (%s)" % (field, needs_group))

    start = _parse_date(body["startDate"], "startDate")
    end = _parse_date(body["endDate"], "endDate")
    if start > end:
        raise _Invalid("startDate %s is after endDate %s" % (start, end))
    span = (end - start).days + 1
    if span > d["max_days"]:
        raise _Invalid("The date range of %d days exceeds the maximum of %d days for %s"
                       % (span, d["max_days"], rtype))
    oldest = today - datetime.timedelta(days=d["retention"])
    if start < oldest:
        raise _Invalid("startDate %s is older than the %d-day retention period of %s "
                       "(earliest allowed: %s)" % (start, d["retention"], rtype, oldest))
    if end > today + datetime.timedelta(days=1):
        raise _Invalid("endDate %s cannot be in the future" % end)
    return rtype, start, end, cfg


# ----------------------------------------------------------------------------- entities

ENTITY_KINDS = ("campaigns", "adGroups", "productAds", "targets")


def profile_entities(state, profile_id):
    """{kind: [entity API dicts]} of a profile from the core's stores, or None if the
    core keeps no entity stores (then reports use synthetic_entities)."""
    store = getattr(state, "store", None)
    if not callable(store):
        return None
    out = {}
    for kind in ENTITY_KINDS:
        out[kind] = [getattr(e, "data", e) for e in store(profile_id, kind)]
    return out


def _hid(seed, *parts):
    d = hashlib.blake2b(("|".join(str(p) for p in (seed,) + parts)).encode(),
                        digest_size=8).digest()
    return str(100000000000000 + int.from_bytes(d, "big") % 899999999999999)


def synthetic_entities(seed, profile_id):
    """Fallback when the core keeps no entity store: 2 campaigns (manual, auto)."""
    camps, ags, ads, tgts = [], [], [], []
    for ci, ttype in enumerate(["MANUAL", "AUTO"]):
        cid = _hid(seed, profile_id, "c", ci)
        camps.append({"campaignId": cid, "name": "Sim %s Campaign %d" % (ttype.title(), ci + 1),
                      "state": "ENABLED", "targetingType": ttype,
                      "budget": {"budget": 50.0 + 25 * ci, "budgetType": "DAILY"},
                      "dynamicBidding": {"strategy": "MANUAL"}})
        agid = _hid(seed, profile_id, "ag", ci)
        ags.append({"adGroupId": agid, "campaignId": cid, "name": "Ad Group %d" % (ci + 1),
                    "state": "ENABLED", "defaultBid": 0.75, "retailerId": "retailer-1"})
        for ai in range(2):
            ads.append({"productAdId": _hid(seed, profile_id, "ad", ci, ai), "campaignId": cid,
                        "adGroupId": agid, "state": "ENABLED", "retailerId": "retailer-1",
                        "retailerOfferId": "R1-%05d" % (1 + 12 * (2 * ci + ai))})
        if ttype == "MANUAL":
            for ti, (kw, mt) in enumerate([("running shoes", "BROAD"),
                                            ("trail shoes", "EXACT")]):
                tgts.append({"targetId": _hid(seed, profile_id, "t", ci, ti), "campaignId": cid,
                             "adGroupId": agid, "state": "ENABLED", "negative": False,
                             "targetType": "KEYWORD", "bid": {"bid": 0.9},
                             "targetDetails": {"keywordTarget": {"keyword": kw,
                                                                 "matchType": mt}}})
        else:
            for ti, mt in enumerate(AUTO_TARGETING):
                tgts.append({"targetId": _hid(seed, profile_id, "t", ci, ti), "campaignId": cid,
                             "adGroupId": agid, "state": "ENABLED", "negative": False,
                             "targetType": "AUTO", "bid": {"bid": 0.6},
                             "targetDetails": {"autoTarget": {"matchType": mt}}})
    return {"campaigns": camps, "adGroups": ags, "productAds": ads, "targets": tgts}


def _profile_currency(state, profile_id):
    lookup = getattr(state, "profile", None)
    p = lookup(profile_id) if callable(lookup) else None
    if isinstance(p, dict) and p.get("currencyCode"):
        return p["currencyCode"]
    return "CAD" if str(profile_id) == "3456789012" else "USD"


# ----------------------------------------------------------------------------- metrics

_COUNTERS = (["impressions", "clicks", "cost", "addToList", "topImpr", "grossImpressions",
              "grossClicks", "salesOtherSku7d", "unitsSoldOtherSku7d"] +
             FAMILY_COLUMNS)
_MONEY = {"cost", "salesOtherSku7d"} | {c for c in FAMILY_COLUMNS
                                        if c.startswith("sales") or c.startswith("attributed")}


def _digest(*parts):
    return hashlib.blake2b("|".join(str(p) for p in parts).encode(), digest_size=32).digest()


def leaf_metrics(seed, profile_id, key, day, generation, today, scale=1.0):
    """Counters (money in cents) for one leaf entity and one day."""
    gen = generation if (today - day).days < RESTATEMENT_DAYS else 0
    b = _digest(seed, profile_id, key, day.isoformat(), gen)
    h = [int.from_bytes(b[i:i + 2], "big") for i in range(0, 32, 2)]
    imp = int((20 + h[0] % 3000) * scale)
    clicks = imp * (5 + h[1] % 40) // 1000
    cost = clicks * (30 + h[2] % 220)
    p7 = clicks * (h[3] % 20) // 100
    p1 = p7 * (50 + h[4] % 51) // 100
    p14 = p7 + (h[5] % 2)
    p30 = p14 + (h[6] % 2)
    price = 999 + h[7] % 5000
    m = {"impressions": imp, "clicks": clicks, "cost": cost,
         "addToList": (h[8] % 3) if clicks else 0,
         "topImpr": imp * (h[9] % 60) // 100,
         "grossImpressions": imp + imp * (h[10] % 8) // 100,
         "grossClicks": clicks + ((h[11] % 3) if clicks else 0)}
    for w, p in zip(_WINDOWS, (p1, p7, p14, p30)):
        ps = p * 4 // 5
        m["purchases" + w] = p
        m["purchasesSameSku" + w] = ps
        m["unitsSoldClicks" + w] = p + p // 3
        m["unitsSoldSameSku" + w] = ps + ps // 3
        m["sales" + w] = p * price
        m["attributedSalesSameSku" + w] = ps * price
    m["salesOtherSku7d"] = m["sales7d"] - m["attributedSalesSameSku7d"]
    m["unitsSoldOtherSku7d"] = m["unitsSoldClicks7d"] - m["unitsSoldSameSku7d"]
    return m


def _zero():
    return {k: 0 for k in _COUNTERS}


def _add(acc, m):
    for k in _COUNTERS:
        acc[k] += m[k]
    return acc


def _split(m, weights):
    """Split counters exactly (largest remainder) according to integer weights."""
    total = sum(weights)
    parts = [_zero() for _ in weights]
    for k in _COUNTERS:
        v = m[k]
        shares = [v * w // total for w in weights]
        rem = v - sum(shares)
        order = sorted(range(len(weights)), key=lambda i: -((v * weights[i]) % total))
        for i in order[:rem]:
            shares[i] += 1
        for i, s in enumerate(shares):
            parts[i][k] = s
    return parts


def _money(cents):
    return round(cents / 100.0, 2)


def _ratio(a, b, digits=4):
    return round(a / b, digits) if b else None


# ----------------------------------------------------------------------------- rows

def _target_kind(t):
    det = t.get("targetDetails") or {}
    if "keywordTarget" in det:
        kw = det["keywordTarget"] or {}
        mt = kw.get("matchType", "BROAD")
        return mt, mt, kw.get("keyword", ""), kw.get("keyword", "")
    if "autoTarget" in det:
        mt = (det["autoTarget"] or {}).get("matchType", "")
        expr = AUTO_TARGETING.get(mt, mt.lower())
        return ("TARGETING_EXPRESSION_PREDEFINED", "TARGETING_EXPRESSION_PREDEFINED",
                expr, expr)
    if "productTarget" in det:
        pid = (det["productTarget"] or {}).get("productId", "")
        expr = 'asin="%s"' % pid
        return "TARGETING_EXPRESSION", "TARGETING_EXPRESSION", expr, expr
    return "TARGETING_EXPRESSION", "TARGETING_EXPRESSION", "", ""


def _search_terms(t):
    kt, _, kw, _ = _target_kind(t)
    if kt in ("BROAD", "PHRASE", "EXACT") and kw:
        if kt == "EXACT":
            return [kw]
        return [kw, kw + " for men", "best " + kw]
    return ["running shoes", "water bottle", "wireless headphones"]


def _money_or_none(v):
    try:
        return round(float(v), 2)
    except (TypeError, ValueError):
        return None


def _camp_cols(c, currency):
    budget = c.get("budget") or {}
    strat = ((c.get("dynamicBidding") or {}).get("strategy") or "MANUAL")
    pid = c.get("portfolioId")
    return {
        "campaignName": c.get("name"),
        "campaignId": str(c.get("campaignId")),
        "campaignStatus": c.get("state"),
        "campaignBudgetAmount": _money_or_none(budget.get("budget")),
        "campaignBudgetType": "DAILY_BUDGET",
        "campaignRuleBasedBudgetAmount": None,
        "campaignApplicableBudgetRuleId": None,
        "campaignApplicableBudgetRuleName": None,
        "campaignBudgetCurrencyCode": currency,
        "campaignBiddingStrategy": {"MANUAL": "manual"}.get(strat, strat.lower()),
        "portfolioId": None if pid in (None, "") else str(pid),
    }


def _merge(*ds):
    out = {}
    for d in ds:
        out.update(d)
    return out


_METRIC_COLUMNS = {
    "impressions": lambda m: m["impressions"],
    "clicks": lambda m: m["clicks"],
    "cost": lambda m: _money(m["cost"]),
    "spend": lambda m: _money(m["cost"]),
    "costPerClick": lambda m: _ratio(m["cost"] / 100.0, m["clicks"], 2),
    "clickThroughRate": lambda m: _ratio(m["clicks"], m["impressions"]),
    "addToList": lambda m: m["addToList"],
    "qualifiedBorrows": lambda m: 0,
    "royaltyQualifiedBorrows": lambda m: 0,
    "kindleEditionNormalizedPagesRead14d": lambda m: 0,
    "kindleEditionNormalizedPagesRoyalties14d": lambda m: 0.0,
    "topOfSearchImpressionShare": lambda m: _ratio(m["topImpr"], m["impressions"]),
    "salesOtherSku7d": lambda m: _money(m["salesOtherSku7d"]),
    "unitsSoldOtherSku7d": lambda m: m["unitsSoldOtherSku7d"],
    "acosClicks7d": lambda m: _ratio(m["cost"], m["sales7d"]),
    "acosClicks14d": lambda m: _ratio(m["cost"], m["sales14d"]),
    "roasClicks7d": lambda m: _ratio(m["sales7d"], m["cost"], 2),
    "roasClicks14d": lambda m: _ratio(m["sales14d"], m["cost"], 2),
    "grossImpressions": lambda m: m["grossImpressions"],
    "grossClickThroughs": lambda m: m["grossClicks"],
    "invalidImpressions": lambda m: m["grossImpressions"] - m["impressions"],
    "invalidClickThroughs": lambda m: m["grossClicks"] - m["clicks"],
    "invalidImpressionRate": lambda m: _ratio(m["grossImpressions"] - m["impressions"],
                                              m["grossImpressions"]),
    "invalidClickThroughRate": lambda m: _ratio(m["grossClicks"] - m["clicks"],
                                                m["grossClicks"]),
}
for _c in FAMILY_COLUMNS:
    _METRIC_COLUMNS[_c] = ((lambda m, c=_c: _money(m[c])) if _c in _MONEY
                           else (lambda m, c=_c: m[c]))


def _row(cols, ctx, m, extra):
    """One output row: exactly ``cols``, in order."""
    out = {}
    for c in cols:
        fn = _METRIC_COLUMNS.get(c)
        if fn is not None:
            out[c] = fn(m)
        elif c in extra:
            out[c] = extra[c]
        else:
            out[c] = ctx.get(c)
    return out


def _filter_ok(filters, field, value):
    for f in filters or []:
        if f.get("field") == field and value not in f.get("values", []):
            return False
    return True


def build_rows(rep, ents, seed, generation, currency, today):
    """The report's rows (list of dicts with exactly the requested columns)."""
    cfg = rep["configuration"]
    rtype, gb, cols = cfg["reportTypeId"], cfg["groupBy"], cfg["columns"]
    filters = cfg.get("filters") or []
    start = datetime.date.fromisoformat(rep["startDate"])
    end = datetime.date.fromisoformat(rep["endDate"])
    last = min(end, today)
    days = [start + datetime.timedelta(days=k) for k in range((last - start).days + 1)]
    daily = cfg["timeUnit"] == "DAILY"
    pid = rep["profileId"]

    camps = {str(c.get("campaignId")): c for c in ents["campaigns"]}
    ags = {str(a.get("adGroupId")): a for a in ents["adGroups"]}
    ads_by_ag = {}
    for ad in ents["productAds"]:
        ads_by_ag.setdefault(str(ad.get("adGroupId")), []).append(ad)
    ags_by_c = {}
    for a in ents["adGroups"]:
        ags_by_c.setdefault(str(a.get("campaignId")), []).append(a)

    def ad_m(ad, day):
        return leaf_metrics(seed, pid, "ad:%s" % ad.get("productAdId"), day, generation,
                            today)

    def ag_m(ag, day):
        acc = _zero()
        for ad in ads_by_ag.get(str(ag.get("adGroupId")), []):
            _add(acc, ad_m(ad, day))
        return acc

    def camp_m(c, day):
        acc = _zero()
        for ag in ags_by_c.get(str(c.get("campaignId")), []):
            _add(acc, ag_m(ag, day))
        return acc

    # (grain identity tuple, context dict, metric function(day) -> counters)
    units = []
    if rtype in ("spCampaigns", "spGrossAndInvalids"):
        if rtype == "spCampaigns" and "adGroup" in gb:
            for ag in ents["adGroups"]:
                if not _filter_ok(filters, "adStatus", ag.get("state")):
                    continue
                c = camps.get(str(ag.get("campaignId")), {})
                ctx = _merge(_camp_cols(c, currency), {"adGroupName": ag.get("name"),
                                                       "adGroupId": str(ag.get("adGroupId")),
                                                       "adStatus": ag.get("state")})
                units.append((ctx, (lambda day, ag=ag: ag_m(ag, day))))
        else:
            for c in ents["campaigns"]:
                if not _filter_ok(filters, "campaignStatus", c.get("state")):
                    continue
                ctx = _camp_cols(c, currency)
                if rtype == "spCampaigns" and "campaignPlacement" in gb:
                    w = [int(x) for x in _digest(seed, pid, "pl", c.get("campaignId"))[:3]]
                    w = [5 + x for x in w]
                    for k, pl in enumerate(PLACEMENTS):
                        units.append((_merge(ctx, {"placementClassification": pl}),
                                      (lambda day, c=c, k=k, w=w: _split(camp_m(c, day), w)[k])))
                else:
                    units.append((ctx, (lambda day, c=c: camp_m(c, day))))
    elif rtype in ("spTargeting", "spSearchTerm"):
        for t in ents["targets"]:
            if t.get("negative"):
                continue
            kt, mt, kw, expr = _target_kind(t)
            if not _filter_ok(filters, "keywordType", kt):
                continue
            if not _filter_ok(filters, "adKeywordStatus", t.get("state")):
                continue
            ag = ags.get(str(t.get("adGroupId")), {})
            c = camps.get(str(t.get("campaignId")), {})
            bid = (t.get("bid") or {}).get("bid")
            if bid is None:
                bid = ag.get("defaultBid")
            ctx = _merge(_camp_cols(c, currency), {
                "adGroupName": ag.get("name"), "adGroupId": str(t.get("adGroupId")),
                "keywordId": str(t.get("targetId")), "keyword": kw,
                "keywordBid": _money_or_none(bid), "keywordType": kt, "matchType": mt,
                "targeting": expr, "adKeywordStatus": t.get("state")})
            tid = t.get("targetId")
            if rtype == "spTargeting":
                units.append((ctx, (lambda day, tid=tid: leaf_metrics(
                    seed, pid, "t:%s" % tid, day, generation, today))))
            else:
                for term in _search_terms(t):
                    units.append((_merge(ctx, {"searchTerm": term}),
                                  (lambda day, tid=tid, term=term: leaf_metrics(
                                      seed, pid, "st:%s:%s" % (tid, term), day, generation,
                                      today, scale=0.3))))
    elif rtype == "spAdvertisedProduct":
        for ad in ents["productAds"]:
            if not _filter_ok(filters, "adCreativeStatus", ad.get("state")):
                continue
            ag = ags.get(str(ad.get("adGroupId")), {})
            c = camps.get(str(ad.get("campaignId")), {})
            ctx = _merge(_camp_cols(c, currency), {
                "adGroupName": ag.get("name"), "adGroupId": str(ad.get("adGroupId")),
                "adId": str(ad.get("productAdId")),
                "advertisedAsin": ad.get("retailerOfferId"), "advertisedSku": None})
            units.append((ctx, (lambda day, ad=ad: ad_m(ad, day))))

    only_clicked = rtype == "spSearchTerm"
    rows = []
    for ctx, fn in units:
        if daily:
            for day in days:
                m = fn(day)
                if only_clicked and m["clicks"] < 1:
                    continue
                rows.append(_row(cols, ctx, m, {"date": day.isoformat()}))
        else:
            acc = _zero()
            for day in days:
                _add(acc, fn(day))
            if only_clicked and acc["clicks"] < 1:
                continue
            rows.append(_row(cols, ctx, acc, {"startDate": rep["startDate"],
                                              "endDate": rep["endDate"]}))
    return rows


# ----------------------------------------------------------------------------- lifecycle

def _new_id(state):
    rng = getattr(state, "report_rng", None)
    if rng is None:
        return str(uuid.uuid4())
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _new_token(state):
    rng = getattr(state, "report_rng", None)
    bits = rng.getrandbits(160) if rng is not None else uuid.uuid4().int
    return "%040x" % bits


def _delay(req, state):
    if getattr(state, "report_delay_override", None) is not None:
        return float(state.report_delay_override)
    sim = getattr(req, "sim", None)
    return float(getattr(sim, "report_delay", 0) or 0)


def _phase(rep, now):
    """(status, time of the last transition)."""
    el = now - rep["_created"]
    d = rep["_delay"]
    if el >= d:
        return ("FAILED" if rep["_fail"] is not None else "COMPLETED"), rep["_created"] + d
    if el >= d / 2.0:
        return "PROCESSING", rep["_created"] + d / 2.0
    return "PENDING", rep["_created"]


def _materialize(req, state, rep, now):
    """Advance the record to its current phase; build the file on completion."""
    status, since = _phase(rep, now)
    if status == rep["status"]:
        return
    rep["status"] = status
    rep["_updated"] = since
    if status == "FAILED":
        rep["failureReason"] = rep["_fail"]
    elif status == "COMPLETED":
        sim = getattr(req, "sim", None)
        seed = getattr(sim, "seed", 42)
        ents = profile_entities(state, rep["profileId"])
        if ents is None:
            ents = synthetic_entities(seed, rep["profileId"])
        rows = build_rows(rep, ents, seed, state.report_restatement,
                          _profile_currency(state, rep["profileId"]),
                          _today(state, rep["profileId"]))
        data = json.dumps(rows, separators=(",", ":")).encode()
        rep["_file"] = gzip.compress(data, compresslevel=1, mtime=0)
        rep["_rows"] = len(rows)
        rep["_generatedAt"] = since


def _public_url(req):
    sim = getattr(req, "sim", None)
    url = getattr(sim, "public_url", None)
    if not url:
        host = req.headers.get("Host") or "127.0.0.1"
        url = "http://" + host
    return url.rstrip("/")


def _ensure_url(req, state, rep, now):
    tok = rep.get("_token")
    rec = state.report_tokens.get(tok) if tok else None
    if rec is None or now >= rec["expires_at"]:
        tok = _new_token(state)
        state.report_tokens[tok] = {"report_id": rep["reportId"],
                                    "expires_at": now + state.report_url_ttl,
                                    "ttl": state.report_url_ttl}
        rep["_token"] = tok
    return tok


def _view(req, state, rep, now, with_url):
    out = {
        "configuration": rep["configuration"],
        "createdAt": _iso(rep["_created"]),
        "endDate": rep["endDate"],
        "failureReason": rep.get("failureReason"),
        "fileSize": None,
        "generatedAt": None,
        "name": rep.get("name"),
        "reportId": rep["reportId"],
        "startDate": rep["startDate"],
        "status": rep["status"],
        "updatedAt": _iso(rep["_updated"]),
        "url": None,
        "urlExpiresAt": None,
    }
    if rep["status"] == "COMPLETED":
        out["fileSize"] = len(rep["_file"])
        out["generatedAt"] = _iso(rep["_generatedAt"])
        if with_url:
            tok = _ensure_url(req, state, rep, now)
            out["url"] = "%s/_download/%s" % (_public_url(req), tok)
            out["urlExpiresAt"] = _iso(state.report_tokens[tok]["expires_at"])
    return out


def _canonical(body):
    return json.dumps(body, sort_keys=True, separators=(",", ":"))


# ----------------------------------------------------------------------------- handlers

def handle_create(req):
    state = req.sim.state
    _ensure_state(state)
    ct = (req.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if ct != CREATE_REQUEST_CT:
        return _err(415, "Unsupported Media Type: Content-Type must be %s" % CREATE_REQUEST_CT)
    pid = _profile(req)
    if not pid:
        return _err(400, "Invalid Advertiser or Marketplace ID.")
    body = getattr(req, "json", None)
    try:
        rtype, start, end, cfg = validate_create(body, _today(state, pid))
    except _Invalid as e:
        return _err(400, str(e))
    with _locked(req):
        now = _now(state)
        key = (pid, _canonical(body))
        prev = state.report_dedup.get(key)
        if prev is not None and prev in state.reports:
            prep = state.reports[prev]
            st, _ = _phase(prep, now)
            if st in ("PENDING", "PROCESSING"):
                return _err(425, "The Request is a duplicate of : %s" % prev)
        rid = _new_id(state)
        faults = state.report_faults["fail_next"]
        fail = faults.pop(0) if faults else None
        rep = {
            "reportId": rid, "profileId": pid, "name": body.get("name"),
            "startDate": body["startDate"], "endDate": body["endDate"],
            "configuration": json.loads(json.dumps(cfg)),
            "status": "PENDING", "failureReason": None,
            "_created": now, "_updated": now, "_delay": _delay(req, state), "_fail": fail,
            "_key": key,
        }
        state.reports[rid] = rep
        state.report_dedup[key] = rid
        return _resp(200, _view(req, state, rep, now, with_url=False), CREATE_RESPONSE_CT)


def _find(req, state, report_id):
    rep = state.reports.get(report_id)
    if rep is None or rep["profileId"] != _profile(req):
        return None
    return rep


def handle_get(req, report_id):
    state = req.sim.state
    _ensure_state(state)
    with _locked(req):
        rep = _find(req, state, report_id)
        if rep is None:
            return _err(404, "Not Found")
        now = _now(state)
        _materialize(req, state, rep, now)
        return _resp(200, _view(req, state, rep, now, with_url=True), GET_RESPONSE_CT)


def handle_delete(req, report_id):
    state = req.sim.state
    _ensure_state(state)
    with _locked(req):
        rep = _find(req, state, report_id)
        if rep is None:
            return _err(404, "Not Found")
        now = _now(state)
        st, _ = _phase(rep, now)
        if st not in ("PENDING", "PROCESSING"):
            return _err(400, "Report %s cannot be cancelled: its status is %s; only PENDING or "
                             "PROCESSING reports can be cancelled" % (report_id, st))
        del state.reports[report_id]
        if state.report_dedup.get(rep["_key"]) == report_id:
            del state.report_dedup[rep["_key"]]
        return _resp(200, {"code": "200", "detail": "Report deleted", "reportId": report_id},
                     DELETE_RESPONSE_CT)


def _s3_error(code, message, extra="", status=403):
    rid = uuid.uuid4().hex[:16].upper()
    xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s</Code><Message>%s</Message>'
           '%s<RequestId>%s</RequestId><HostId>sim</HostId></Error>' % (code, message, extra, rid))
    return _resp(status, xml.encode(), "application/xml")


_S3_CODES = {429: "SlowDown", 500: "InternalError", 503: "SlowDown", 403: "AccessDenied",
             404: "NoSuchKey"}


def download_error(status, code, message):
    """Faults injected on /_download answer like S3 (XML), not like the Ads API."""
    return _s3_error(_S3_CODES.get(status, "InternalError"), message, status=status)


def handle_download(req, token):
    state = req.sim.state
    _ensure_state(state)
    with _locked(req):
        rec = state.report_tokens.get(token)
        rep = state.reports.get(rec["report_id"]) if rec else None
        if rec is None or rep is None or rep.get("_file") is None:
            return _s3_error("AccessDenied", "Access Denied")
        now = _now(state)
        if now >= rec["expires_at"]:
            return _s3_error("AccessDenied", "Request has expired",
                             "<X-Amz-Expires>%d</X-Amz-Expires><Expires>%s</Expires>"
                             "<ServerTime>%s</ServerTime>"
                             % (rec["ttl"], _iso(rec["expires_at"])[:19] + "Z",
                                _iso(now)[:19] + "Z"))
        data = rep["_file"]
    return _resp(200, data, "application/octet-stream")


ROUTES = [
    ("POST", r"/reporting/reports", handle_create, {"error": route_error}),
    ("GET", r"/reporting/reports/(?P<report_id>[^/]+)", handle_get, {"error": route_error}),
    ("DELETE", r"/reporting/reports/(?P<report_id>[^/]+)", handle_delete,
     {"error": route_error}),
    ("GET", r"/_download/(?P<token>[^/]+)", handle_download,
     {"auth": False, "error": download_error}),
]


# ----------------------------------------------------------------------------- admin

def _admin_body(req):
    b = getattr(req, "json", None)
    return b if isinstance(b, dict) else {}


def admin_fail_next(req):
    state = req.sim.state
    _ensure_state(state)
    b = _admin_body(req)
    count = b.get("count", 1)
    reason = b.get("reason") or DEFAULT_FAILURE_REASON
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        return _resp(400, {"error": "count must be a positive integer"})
    with _locked(req):
        state.report_faults["fail_next"].extend([reason] * count)
        return _resp(200, {"pending_failures": len(state.report_faults["fail_next"])})


def admin_expire_urls(req):
    state = req.sim.state
    _ensure_state(state)
    with _locked(req):
        now = _now(state)
        n = 0
        for rec in state.report_tokens.values():
            if rec["expires_at"] > now:
                rec["expires_at"] = now
                n += 1
        return _resp(200, {"expired": n})


def admin_restate(req):
    state = req.sim.state
    _ensure_state(state)
    with _locked(req):
        state.report_restatement += 1
        return _resp(200, {"generation": state.report_restatement})


def admin_url_ttl(req):
    state = req.sim.state
    _ensure_state(state)
    s = _admin_body(req).get("seconds")
    if not isinstance(s, (int, float)) or isinstance(s, bool) or s < 0:
        return _resp(400, {"error": "seconds must be a number >= 0"})
    with _locked(req):
        state.report_url_ttl = s
        return _resp(200, {"url_ttl": s})


def admin_delay(req):
    state = req.sim.state
    _ensure_state(state)
    s = _admin_body(req).get("seconds")
    if s is not None and (not isinstance(s, (int, float)) or isinstance(s, bool) or s < 0):
        return _resp(400, {"error": "seconds must be a number >= 0 or null"})
    with _locked(req):
        state.report_delay_override = s
        return _resp(200, {"report_delay": s if s is not None else
                           float(getattr(req.sim, "report_delay", 0) or 0)})


def admin_advance(req):
    """Age every report and issued URL by N seconds (fast-forwards the lifecycle)."""
    state = req.sim.state
    _ensure_state(state)
    s = _admin_body(req).get("seconds")
    if not isinstance(s, (int, float)) or isinstance(s, bool) or s < 0:
        return _resp(400, {"error": "seconds must be a number >= 0"})
    with _locked(req):
        for rep in state.reports.values():
            for k in ("_created", "_updated", "_generatedAt"):
                if rep.get(k) is not None:
                    rep[k] -= s
        for rec in state.report_tokens.values():
            rec["expires_at"] -= s
        return _resp(200, {"advanced": s, "reports": len(state.reports)})


def admin_list(req):
    state = req.sim.state
    _ensure_state(state)
    with _locked(req):
        now = _now(state)
        out = []
        for rep in state.reports.values():
            st, _ = _phase(rep, now)
            tok = rep.get("_token")
            out.append({"reportId": rep["reportId"], "profileId": rep["profileId"],
                        "status": st, "reportTypeId": rep["configuration"]["reportTypeId"],
                        "startDate": rep["startDate"], "endDate": rep["endDate"],
                        "rows": rep.get("_rows"), "token": tok,
                        "urlExpiresAt": _iso(state.report_tokens[tok]["expires_at"])
                        if tok else None})
        return _resp(200, {"generation": state.report_restatement,
                           "url_ttl": state.report_url_ttl,
                           "pending_failures": len(state.report_faults["fail_next"]),
                           "reports": out})


ADMIN_ROUTES = [
    ("POST", r"/_sim/reports/fail_next", admin_fail_next, {"auth": False}),
    ("POST", r"/_sim/reports/expire_urls", admin_expire_urls, {"auth": False}),
    ("POST", r"/_sim/reports/restate", admin_restate, {"auth": False}),
    ("POST", r"/_sim/reports/url_ttl", admin_url_ttl, {"auth": False}),
    ("POST", r"/_sim/reports/delay", admin_delay, {"auth": False}),
    ("POST", r"/_sim/reports/advance", admin_advance, {"auth": False}),
    ("GET", r"/_sim/reports", admin_list, {"auth": False}),
]
