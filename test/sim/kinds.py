"""The RAS entities as data: input schemas, list filters and the rules of each entity.

entities.py runs one generic engine over the KINDS table; what differs per entity lives
here, as schemas (validation.py types) and a few rule hooks.

Every rule and the error it answers (errorType / reason) is listed in test/README.md,
section "RAS campaign management"; keep the two in step.
"""

import datetime

import filters as f
import validation as v

try:
    import products
except ImportError:  # the catalogue plug-in is optional
    products = None

STATES = ["ENABLED", "PAUSED", "ARCHIVED"]
CREATE_STATES = ["ENABLED", "PAUSED"]
TARGETING_TYPES = ["AUTO", "MANUAL"]
TARGET_TYPES = ["AUTO", "KEYWORD", "PRODUCT"]
KEYWORD_MATCH_TYPES = ["BROAD", "EXACT", "PHRASE"]
AUTO_MATCH_TYPES = ["KEYWORDS_CLOSE_MATCH", "KEYWORDS_LOOSE_MATCH",
                    "PRODUCT_COMPLEMENTS", "PRODUCT_SUBSTITUTES"]
# Bids the service gives the auto targets, as a share of the ad group's defaultBid.
AUTO_BID_SHARE = {"KEYWORDS_CLOSE_MATCH": 1.0, "KEYWORDS_LOOSE_MATCH": 0.9,
                  "PRODUCT_COMPLEMENTS": 0.7, "PRODUCT_SUBSTITUTES": 0.8}
TARGET_LEVELS = ["AD_GROUP", "CAMPAIGN"]

MAX_BATCH = 1000
MAX_PAGE = 1000
BID_MIN, BID_MAX = 0.02, 1000.0
BUDGET_MIN, BUDGET_MAX = 1.0, 1000000.0
CAMPAIGN_NAME_MAX, AD_GROUP_NAME_MAX = 128, 255
KEYWORD_MAX_CHARS, KEYWORD_MAX_WORDS, NEGATIVE_KEYWORD_MAX_WORDS = 80, 10, 4
CURRENCY = "USD"
MARKETPLACE = "US"


# ---------------------------------------------------------------------- value rules

def check_budget(value, errs, path):
    if value < BUDGET_MIN:
        errs.add("budgetError", "BUDGET_TOO_LOW", "budget must be at least %g" % BUDGET_MIN,
                 path, value, lowerLimit="1", upperLimit="1000000")
    elif value > BUDGET_MAX:
        errs.add("budgetError", "BUDGET_TOO_HIGH", "budget must be at most %g" % BUDGET_MAX,
                 path, value, lowerLimit="1", upperLimit="1000000")


def check_default_bid(value, errs, path):
    if not BID_MIN <= value <= BID_MAX:
        errs.add("biddingError", "BID_OUT_OF_MARKET_PLACE_RANGE",
                 "bid must be between %g and %g" % (BID_MIN, BID_MAX), path, value,
                 lowerLimit="0.02", upperLimit="1000", marketplace=MARKETPLACE)


def check_target_bid(value, errs, path):
    if value < BID_MIN:
        errs.out_of_range(path, "TOO_LOW", "bid must be at least %g" % BID_MIN, value,
                          "0.02", "1000")
    elif value > BID_MAX:
        errs.out_of_range(path, "TOO_HIGH", "bid must be at most %g" % BID_MAX, value,
                          "0.02", "1000")


# ---------------------------------------------------------------------- input schemas

def _dynamic_bidding(strategy_required):
    return {
        "strategy": v.Enum(["MANUAL"], required=strategy_required),
        "placementBidding": v.Array(v.Object({
            "placement": v.Enum(["PLACEMENT_TOP"], required=True),
            "percentage": v.Integer(0, 900, required=True),
        }), max_items=5),
    }


def _budget(required):
    return v.Object({"budget": v.Number(required=True, check=check_budget),
                     "budgetType": v.Enum(["DAILY"], required=True)}, required=required)


TAGS = v.Array(v.Object({"key": v.Str(required=True, trimmed=False),
                         "value": v.Str(required=True, trimmed=False)}), max_items=50)

CAMPAIGN_CREATE = {
    "name": v.Str(max_len=CAMPAIGN_NAME_MAX, required=True),
    "state": v.Enum(CREATE_STATES, required=True),
    "budget": _budget(True),
    "targetingType": v.Enum(TARGETING_TYPES, required=True),
    "startDate": v.Date(),
    "endDate": v.Date(nullable=True),
    "dynamicBidding": v.Object(_dynamic_bidding(True), required=True),
    "portfolioId": v.Id(),
    "tags": TAGS,
}
CAMPAIGN_UPDATE = {
    "campaignId": v.Id(required=True),
    "name": v.Str(max_len=CAMPAIGN_NAME_MAX),
    "state": v.Enum(STATES),
    "budget": _budget(False),
    "startDate": v.Date(),
    "endDate": v.Date(nullable=True),
    "dynamicBidding": v.Object(_dynamic_bidding(False)),
    "portfolioId": v.Id(nullable=True),
    "tags": TAGS,
}
AD_GROUP_CREATE = {
    "campaignId": v.Id(required=True),
    "name": v.Str(max_len=AD_GROUP_NAME_MAX, required=True),
    "state": v.Enum(CREATE_STATES, required=True),
    "defaultBid": v.Number(required=True, check=check_default_bid),
    "retailerId": v.Id(required=True),
}
AD_GROUP_UPDATE = {
    "adGroupId": v.Id(required=True),
    "name": v.Str(max_len=AD_GROUP_NAME_MAX),
    "state": v.Enum(STATES),
    "defaultBid": v.Number(check=check_default_bid),
}
PRODUCT_AD_CREATE = {
    "campaignId": v.Id(required=True),
    "adGroupId": v.Id(required=True),
    "state": v.Enum(CREATE_STATES, required=True),
    "retailerId": v.Id(required=True),
    "retailerOfferId": v.Id(required=True),
}
PRODUCT_AD_UPDATE = {
    "productAdId": v.Id(required=True),
    "state": v.Enum(STATES),
}
TARGET_BID = v.Object({"bid": v.Number(required=True, check=check_target_bid)})
TARGET_CREATE = {
    "campaignId": v.Id(required=True),
    "adGroupId": v.Id(),
    "state": v.Enum(CREATE_STATES, required=True),
    "negative": v.Bool(required=True),
    "targetType": v.Enum(TARGET_TYPES, required=True),
    "targetDetails": v.Object({
        "keywordTarget": v.Object({
            "keyword": v.Str(max_len=KEYWORD_MAX_CHARS, required=True),
            "matchType": v.Enum(KEYWORD_MATCH_TYPES, required=True),
        }),
        "autoTarget": v.Object({"matchType": v.Enum(AUTO_MATCH_TYPES, required=True)}),
        "productTarget": v.Object({
            "matchType": v.Enum(["PRODUCT_EXACT"], required=True),
            "productId": v.Id(required=True),
            "productIdType": v.Enum(["RETAILER_OFFER"], required=True),
            "retailerId": v.Id(),
        }),
    }, required=True),
    "bid": TARGET_BID,
}
TARGET_UPDATE = {
    "targetId": v.Id(required=True),
    "state": v.Enum(STATES),
    "bid": TARGET_BID,
}


# ---------------------------------------------------------------------- descriptors

def apply_changes(data, changes):
    """Default update: the given fields replace the stored ones."""
    data.update(changes)


class Kind:
    """Everything the generic engine needs to know about one entity."""

    def __init__(self, key, singular, id_field, entity_type, parents, create, update,
                 immutable, filters, level, check_create=None, build=None,
                 check_update=None, apply=apply_changes, after_create=None, identity=None):
        self.key = key                    # body key and path segment
        self.singular = singular          # key of the entity in a success item
        self.id_field = id_field
        self.id_filter = id_field + "Filter"
        self.entity_type = entity_type    # for entityNotFoundError
        self.parents = parents            # [(field, kind key)], outermost first
        self.create_schema = create
        self.update_schema = update
        self.immutable = immutable        # fields an update may repeat but not change
        self.filters = {spec.name: spec for spec in filters}
        self.level = level                # serving status prefix, see serving_status()
        self.check_create = check_create  # (ctx, item, errs, parents) -> None
        self.build = build                # (ctx, item, parents) -> data fields after the id
        self.check_update = check_update  # (ctx, entity, changes, errs) -> None
        self.apply = apply                # (data, changes) -> None: the update itself
        self.after_create = after_create  # (ctx, entity) -> None
        self.identity = identity          # data -> duplicate key among siblings, or None


# ---------------------------------------------------------------------- campaign rules

def _date(text):
    return datetime.date.fromisoformat(text)


def _check_campaign_dates(ctx, errs, start, end, changed):
    """Dates as they will be after the change; ``changed`` names the fields the item sets."""
    earliest = ctx.today - datetime.timedelta(days=1)
    if "startDate" in changed and start is not None and _date(start) < earliest:
        errs.add("dateError", "START_DATE_EARLIER_THAN_TODAY",
                 "startDate must not be earlier than today", "startDate", start)
    if "endDate" in changed and end is not None and _date(end) < earliest:
        errs.add("dateError", "END_DATE_EARLIER_THAN_TODAY",
                 "endDate must not be earlier than today", "endDate", end)
    if start is not None and end is not None and _date(start) > _date(end):
        errs.add("dateError", "START_DATE_AFTER_END_DATE",
                 "startDate must not be after endDate", "startDate", start)


def _check_campaign_name(ctx, errs, name, own_id=None):
    names = ctx.identities(CAMPAIGNS, None, None)
    other = names.get(name)
    if other is not None and other != own_id:
        errs.add("duplicateValueError", "DUPLICATE_VALUE",
                 "a campaign named %r already exists" % name, "name", name)


def campaign_check_create(ctx, item, errs, parents):
    _check_campaign_name(ctx, errs, item["name"])
    start = item.get("startDate", ctx.today.isoformat())
    _check_campaign_dates(ctx, errs, start, item.get("endDate"), item)


def campaign_build(ctx, item, parents):
    budget = item["budget"]["budget"]
    data = {
        "name": item["name"],
        "budget": {"budget": budget, "effectiveBudget": budget, "budgetType": "DAILY"},
        "targetingType": item["targetingType"],
        "state": item["state"],
        "startDate": item.get("startDate") or ctx.today.isoformat(),
    }
    if item.get("endDate") is not None:
        data["endDate"] = item["endDate"]
    data["dynamicBidding"] = item["dynamicBidding"]
    for optional in ("portfolioId", "tags"):
        if optional in item:
            data[optional] = item[optional]
    return data


def campaign_check_update(ctx, entity, changes, errs):
    data = entity.data
    if "name" in changes:
        _check_campaign_name(ctx, errs, changes["name"], data["campaignId"])
    if "startDate" in changes and changes["startDate"] != data["startDate"] \
            and _date(data["startDate"]) <= ctx.today:
        errs.add("dateError", "UPDATING_READ_ONLY_START_DATE",
                 "the startDate of a campaign that has started cannot change",
                 "startDate", changes["startDate"])
        return
    start = changes.get("startDate", data["startDate"])
    end = changes["endDate"] if "endDate" in changes else data.get("endDate")
    _check_campaign_dates(ctx, errs, start, end, changes)


def campaign_apply(data, changes):
    for name, value in changes.items():
        if name == "budget":
            data["budget"] = {"budget": value["budget"], "effectiveBudget": value["budget"],
                              "budgetType": value["budgetType"]}
        elif name == "dynamicBidding":
            merged = dict(data["dynamicBidding"])
            merged.update(value)
            data["dynamicBidding"] = merged
        elif value is None:
            data.pop(name, None)
        else:
            data[name] = value


# ---------------------------------------------------------------------- ad group rules

def _check_retailer(ctx, errs, retailer_id):
    retailer = ctx.state.retailer(retailer_id)
    if retailer is None:
        errs.out_of_range("retailerId", "NOT_IN_LIST", "unknown retailer %s" % retailer_id,
                          retailer_id)
    elif retailer["status"] != "ACTIVE":
        errs.add("otherError", "OTHER_ERROR", "retailer %s is %s" % (retailer_id,
                 retailer["status"]), "retailerId", retailer_id)


def _check_bid_within_budget(errs, bid, campaign):
    budget = campaign.data["budget"]["budget"]
    if bid > budget:
        errs.add("biddingError", "BID_GT_BUDGET", "defaultBid must not exceed the campaign "
                 "budget %g" % budget, "defaultBid", bid, upperLimit=v.trigger_text(budget),
                 marketplace=MARKETPLACE)


def _check_duplicate(ctx, kind, errs, data, scope_field, field, own_id=None):
    other = ctx.identities(kind, scope_field, data.get(scope_field)).get(kind.identity(data))
    if other is not None and other != own_id:
        errs.add("duplicateValueError", "DUPLICATE_VALUE",
                 "an identical %s already exists (%s)" % (kind.singular, other), field)


def ad_group_check_create(ctx, item, errs, parents):
    _check_retailer(ctx, errs, item["retailerId"])
    _check_bid_within_budget(errs, item["defaultBid"], parents["campaignId"])
    _check_duplicate(ctx, AD_GROUPS, errs, item, "campaignId", "name")


def ad_group_build(ctx, item, parents):
    return {"name": item["name"], "campaignId": item["campaignId"],
            "defaultBid": item["defaultBid"], "state": item["state"],
            "retailerId": item["retailerId"]}


def ad_group_check_update(ctx, entity, changes, errs):
    campaign = ctx.lookup("campaigns", entity.data["campaignId"])
    if "defaultBid" in changes and campaign is not None:
        _check_bid_within_budget(errs, changes["defaultBid"], campaign)
    if "name" in changes:
        probe = dict(entity.data, name=changes["name"])
        _check_duplicate(ctx, AD_GROUPS, errs, probe, "campaignId", "name",
                         entity.data["adGroupId"])


def ad_group_after_create(ctx, ad_group):
    """In an AUTO campaign the service adds one auto target per auto match type."""
    campaign = ctx.lookup("campaigns", ad_group.data["campaignId"])
    if campaign is None or campaign.data["targetingType"] != "AUTO":
        return
    store = ctx.store("targets")
    default_bid = ad_group.data["defaultBid"]
    for match_type in AUTO_MATCH_TYPES:
        bid = max(BID_MIN, round(default_bid * AUTO_BID_SHARE[match_type], 2))
        target_id = ctx.state.ids.next()
        data = {"targetId": target_id, "campaignId": ad_group.data["campaignId"],
                "adGroupId": ad_group.data["adGroupId"], "state": "ENABLED",
                "negative": False, "targetLevel": "AD_GROUP", "targetType": "AUTO",
                "targetDetails": {"autoTarget": {"matchType": match_type}},
                "bid": {"bid": bid, "currencyCode": CURRENCY}}
        store.add(target_id, ctx.state.new_entity(data, ctx.now))


# ---------------------------------------------------------------------- product ad rules

def product_ad_check_create(ctx, item, errs, parents):
    ad_group = parents["adGroupId"]
    retailer_id = item["retailerId"]
    if retailer_id != ad_group.data["retailerId"]:
        errs.out_of_range("retailerId", "NOT_IN_LIST", "retailerId must be the ad group's "
                          "retailer %s" % ad_group.data["retailerId"], retailer_id)
        errs.items[-1]["errorValue"]["rangeError"]["allowed"] = [ad_group.data["retailerId"]]
        return
    offer = item["retailerOfferId"]
    if products is not None:
        if not products.offer_exists(retailer_id, offer):
            errs.add("adEligibilityError", "AD_INELIGIBLE", "offer %s is not in the catalogue "
                     "of %s" % (offer, retailer_id), "retailerOfferId", offer,
                     marketplace=MARKETPLACE)
            return
        if not products.offer_eligible(retailer_id, offer):
            errs.add("adEligibilityError", "AD_INELIGIBLE", "offer %s is not eligible for "
                     "advertising" % offer, "retailerOfferId", offer, marketplace=MARKETPLACE)
            return
    _check_duplicate(ctx, PRODUCT_ADS, errs, item, "adGroupId", "retailerOfferId")


def product_ad_build(ctx, item, parents):
    return {"campaignId": item["campaignId"], "adGroupId": item["adGroupId"],
            "state": item["state"], "retailerId": item["retailerId"],
            "retailerOfferId": item["retailerOfferId"]}


# ---------------------------------------------------------------------- target rules

DETAIL_FOR_TYPE = {"KEYWORD": "keywordTarget", "PRODUCT": "productTarget",
                   "AUTO": "autoTarget"}


def target_check_create(ctx, item, errs, parents):
    target_type = item["targetType"]
    if target_type == "AUTO":
        errs.add("targetingClauseSetupError", "AUTO_TARGETING_CLAUSE_CANNOT_BE_CREATED_MANUALLY",
                 "auto targets are created by the service", "targetType", target_type)
        return
    member = DETAIL_FOR_TYPE[target_type]
    details = item["targetDetails"]
    if member not in details:
        errs.missing("targetDetails." + member)
        return
    if len(details) != 1:
        errs.add("targetingClauseSetupError", "TARGETING_EXPRESSION_INVALID_VALUE",
                 "targetDetails must hold only %s for targetType %s" % (member, target_type),
                 "targetDetails")
        return
    negative = item["negative"]
    if not negative and "adGroupId" not in item:
        errs.add("missingValueError", "MISSING_VALUE",
                 "adGroupId is required unless the target is negative", "adGroupId")
        return
    campaign = parents["campaignId"]
    if not negative and campaign.data["targetingType"] == "AUTO":
        errs.add("targetingClauseSetupError",
                 "TARGETING_TYPE_NOT_ALLOWED_FOR_AUTO_TARGETING_CAMPAIGN",
                 "an AUTO campaign takes only negative %s targets" % target_type.lower(),
                 "targetType", target_type)
        return
    if target_type == "KEYWORD":
        keyword = details["keywordTarget"]["keyword"]
        limit = NEGATIVE_KEYWORD_MAX_WORDS if negative else KEYWORD_MAX_WORDS
        if len(keyword.split()) > limit:
            errs.malformed("targetDetails.keywordTarget.keyword", "TOO_LONG",
                           "keyword must have at most %d words" % limit, keyword)
            return
    scope = "adGroupId" if "adGroupId" in item else "campaignId"
    probe = _target_data(item, parents, "0")
    _check_duplicate(ctx, TARGETS, errs, probe, scope, "targetDetails")


def _target_data(item, parents, target_id):
    data = {"targetId": target_id, "campaignId": item["campaignId"]}
    if "adGroupId" in item:
        data["adGroupId"] = item["adGroupId"]
    data.update({"state": item["state"], "negative": item["negative"],
                 "targetLevel": "AD_GROUP" if "adGroupId" in item else "CAMPAIGN",
                 "targetType": item["targetType"], "targetDetails": item["targetDetails"]})
    product = data["targetDetails"].get("productTarget")
    if product is not None and "retailerId" not in product and "adGroupId" in parents:
        product["retailerId"] = parents["adGroupId"].data["retailerId"]
    if not item["negative"]:
        bid = item["bid"]["bid"] if "bid" in item else parents["adGroupId"].data["defaultBid"]
        data["bid"] = {"bid": bid, "currencyCode": CURRENCY}
    return data


def target_build(ctx, item, parents):
    data = _target_data(item, parents, None)
    del data["targetId"]
    return data


def target_identity(data):
    details = data["targetDetails"]
    kw = details.get("keywordTarget")
    if kw is not None:
        what = ("KEYWORD", kw["keyword"].lower(), kw["matchType"])
    elif "productTarget" in details:
        what = ("PRODUCT",) + _product_key(data)
    else:
        what = ("AUTO", details["autoTarget"]["matchType"])
    return (data.get("adGroupId"), data["negative"]) + what


def target_apply(data, changes):
    for name, value in changes.items():
        data[name] = {"bid": value["bid"], "currencyCode": CURRENCY} if name == "bid" else value


def target_check_update(ctx, entity, changes, errs):
    if "bid" in changes and entity.data["negative"]:
        errs.add("targetingClauseSetupError", "TARGETING_EXPRESSION_INVALID_VALUE",
                 "negative targets have no bid", "bid", changes["bid"]["bid"])


# ---------------------------------------------------------------------- target accessors

def _keyword(data):
    kw = data["targetDetails"].get("keywordTarget")
    return kw["keyword"] if kw else None


def _keyword_match_type(data):
    kw = data["targetDetails"].get("keywordTarget")
    return kw["matchType"] if kw else None


def _product_key(data):
    pt = data["targetDetails"].get("productTarget")
    return (pt.get("retailerId"), pt["productId"]) if pt else None


def _is_product_id(item):
    return (isinstance(item, dict) and isinstance(item.get("retailerId"), str)
            and isinstance(item.get("retailerOfferId"), str))


# ---------------------------------------------------------------------- the table

CAMPAIGN_PARENT = ("campaignId", "campaigns")
AD_GROUP_PARENT = ("adGroupId", "adGroups")

CAMPAIGNS = Kind(
    "campaigns", "campaign", "campaignId", "CAMPAIGN", [],
    CAMPAIGN_CREATE, CAMPAIGN_UPDATE, ["targetingType"],
    [f.id_filter("campaignIdFilter", "campaignId", 1000),
     f.id_filter("portfolioIdFilter", "portfolioId", 100), f.state_filter(STATES),
     f.name_filter()],
    "CAMPAIGN", check_create=campaign_check_create, build=campaign_build,
    check_update=campaign_check_update, apply=campaign_apply,
    identity=lambda data: data["name"])
AD_GROUPS = Kind(
    "adGroups", "adGroup", "adGroupId", "AD_GROUP", [CAMPAIGN_PARENT],
    AD_GROUP_CREATE, AD_GROUP_UPDATE, ["campaignId", "retailerId"],
    [f.id_filter("adGroupIdFilter", "adGroupId", 1000),
     f.id_filter("campaignIdFilter", "campaignId", 100), f.state_filter(STATES),
     f.name_filter()],
    "AD_GROUP", check_create=ad_group_check_create, build=ad_group_build,
    check_update=ad_group_check_update, after_create=ad_group_after_create,
    identity=lambda data: data["name"])
PRODUCT_ADS = Kind(
    "productAds", "productAd", "productAdId", "PRODUCT_AD", [CAMPAIGN_PARENT, AD_GROUP_PARENT],
    PRODUCT_AD_CREATE, PRODUCT_AD_UPDATE,
    ["campaignId", "adGroupId", "retailerId", "retailerOfferId"],
    [f.id_filter("productAdIdFilter", "productAdId", 1000),
     f.id_filter("campaignIdFilter", "campaignId", 100),
     f.id_filter("adGroupIdFilter", "adGroupId", 100), f.state_filter(STATES)],
    "AD", check_create=product_ad_check_create, build=product_ad_build,
    identity=lambda data: data["retailerOfferId"])
TARGETS = Kind(
    "targets", "target", "targetId", "TARGETING_CLAUSE", [CAMPAIGN_PARENT, AD_GROUP_PARENT],
    TARGET_CREATE, TARGET_UPDATE,
    ["campaignId", "adGroupId", "negative", "targetType", "targetDetails"],
    [f.id_filter("targetIdFilter", "targetId", 1000),
     f.id_filter("campaignIdFilter", "campaignId", 100),
     f.id_filter("adGroupIdFilter", "adGroupId", 100), f.state_filter(STATES),
     f.Filter("keywordFilter", _keyword, 100, shape="terms", include_required=False),
     f.Filter("matchTypeFilter", _keyword_match_type, 3, shape="array",
              allowed=KEYWORD_MATCH_TYPES),
     f.Filter("targetTypeFilter", f.field("targetType"), 2, shape="array",
              allowed=TARGET_TYPES),
     f.Filter("negativeFilter", f.field("negative"), 2, allowed=[True, False],
              include_required=False),
     f.Filter("targetLevelFilter", f.field("targetLevel"), 2, allowed=TARGET_LEVELS,
              include_required=False),
     f.Filter("productIdFilter", _product_key, 1000, valid=_is_product_id,
              key=lambda p: (p["retailerId"], p["retailerOfferId"]))],
    "TARGETING_CLAUSE", check_create=target_check_create, build=target_build,
    check_update=target_check_update, apply=target_apply, identity=target_identity)

KINDS = {kind.key: kind for kind in (CAMPAIGNS, AD_GROUPS, PRODUCT_ADS, TARGETS)}
