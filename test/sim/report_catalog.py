"""The Reporting v3 report catalogue: report types, their groupBys, columns, filters and limits.

The report catalogue here has a twin in the extension (src/report_catalog.c). The two stay
independent on purpose: each is written from Amazon's documentation on its own, so a
mistake in one shows up as a disagreement in the tests instead of being copied into both.

Nothing here has behaviour beyond ``allowed_columns``: request validation
(report_validation.py) and row building (report_rows.py, report_metrics.py) read it.
"""

# ----------------------------------------------------------------------------- columns

_FAMILIES = ["purchases", "purchasesSameSku", "unitsSoldClicks", "sales",
             "attributedSalesSameSku", "unitsSoldSameSku"]
WINDOWS = ["1d", "7d", "14d", "30d"]
FAMILY_COLUMNS = [f + w for f in _FAMILIES for w in WINDOWS]

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
