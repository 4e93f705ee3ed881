"""Report rows: which entities a report covers (grain, filters) and their row values.

A profile's entities come from the core's stores (``profile_entities``), or from a small
synthetic set when the core keeps none. Consistency: an spCampaigns ad-group row is the
sum of its product ads' spAdvertisedProduct rows, a campaign row the sum of its ad
groups, and campaignPlacement rows split the campaign row exactly. Targets (spTargeting)
and search terms (spSearchTerm) have their own numbers.
"""

import datetime
import hashlib

from report_catalog import AUTO_TARGETING, PLACEMENTS
from report_metrics import (add_counters, digest, format_row, leaf_metrics,
                            split_counters, zero_counters)


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


def profile_currency(state, profile_id):
    lookup = getattr(state, "profile", None)
    p = lookup(profile_id) if callable(lookup) else None
    if isinstance(p, dict) and p.get("currencyCode"):
        return p["currencyCode"]
    return "CAD" if str(profile_id) == "3456789012" else "USD"


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
        acc = zero_counters()
        for ad in ads_by_ag.get(str(ag.get("adGroupId")), []):
            add_counters(acc, ad_m(ad, day))
        return acc

    def camp_m(c, day):
        acc = zero_counters()
        for ag in ags_by_c.get(str(c.get("campaignId")), []):
            add_counters(acc, ag_m(ag, day))
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
                    w = [int(x) for x in digest(seed, pid, "pl", c.get("campaignId"))[:3]]
                    w = [5 + x for x in w]
                    for k, pl in enumerate(PLACEMENTS):
                        units.append((_merge(ctx, {"placementClassification": pl}),
                                      (lambda day, c=c, k=k, w=w: split_counters(camp_m(c, day), w)[k])))
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
                rows.append(format_row(cols, ctx, m, {"date": day.isoformat()}))
        else:
            acc = zero_counters()
            for day in days:
                add_counters(acc, fn(day))
            if only_clicked and acc["clicks"] < 1:
                continue
            rows.append(format_row(cols, ctx, acc, {"startDate": rep["startDate"],
                                              "endDate": rep["endDate"]}))
    return rows
