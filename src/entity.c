/*
 * entity.c
 *     The descriptors: one row of data per thing the API lists or changes.
 *
 * Everything that differs between campaigns, ad groups, product ads,
 * targets, retailers and profiles is here; list.c and mutate.c hold the one
 * code path that serves them all.  Adding an entity is a descriptor here
 * and its declaration in the SQL script (column names are matched by name).
 */
#include "postgres.h"

#include "ras.h"

static const char *const entity_states[] = {"ENABLED", "PAUSED", "ARCHIVED", NULL};
static const char *const target_types[] = {"AUTO", "KEYWORD", "PRODUCT", NULL};
static const char *const target_levels[] = {"AD_GROUP", "CAMPAIGN", NULL};
/* matchTypeFilter takes keyword match types only (RASv1KeywordMatchType) */
static const char *const match_types[] = {"BROAD", "EXACT", "PHRASE", NULL};

/* Columns every RAS entity shares: serving status and times. */
#define EXTENDED_DATA_COLUMNS \
	{"serving_status", RAS_COL_TEXT, "extendedData.servingStatus"}, \
	{"serving_status_details", RAS_COL_JSONB, "extendedData.servingStatusDetails"}, \
	{"created_at", RAS_COL_TIMESTAMPTZ, "extendedData.creationDateTime"}, \
	{"updated_at", RAS_COL_TIMESTAMPTZ, "extendedData.lastUpdateDateTime"}, \
	{"raw", RAS_COL_RAW, NULL}

#define STATE_FILTER \
	{"states", "stateFilter", RAS_FILTER_INCLUDE, 0, entity_states, NULL}
#define NAME_FILTER \
	{"names", "nameFilter", RAS_FILTER_QUERY_TERM, 100, NULL, "name_match"}

/* The writes of the RAS family: {key: [...]}, 207 wrapped in key, Prefer. */
#define RAS_WRITES(path, delete_filter) \
	.create_path = path, .update_method = "PUT", .update_path = path, \
	.delete_path = path "/delete", .delete_key = delete_filter, \
	.delete_style = RAS_DELETE_ID_FILTER, .wrapped_outcomes = true, \
	.prefer_representation = true, .batch_limit = 1000

#define RAS_LIST(path) \
	.list_method = "POST", .list_path = path "/list", .scoped = true, \
	.paging = RAS_PAGING_TOKEN, .page_size = 1000

static const RasColumn profile_columns[] = {
	{"profile_id", RAS_COL_TEXT, "profileId"},
	{"country_code", RAS_COL_TEXT, "countryCode"},
	{"currency_code", RAS_COL_TEXT, "currencyCode"},
	{"daily_budget", RAS_COL_NUMERIC, "dailyBudget"},
	{"timezone", RAS_COL_TEXT, "timezone"},
	{"marketplace_string_id", RAS_COL_TEXT, "accountInfo.marketplaceStringId"},
	{"account_id", RAS_COL_TEXT, "accountInfo.id"},
	{"account_type", RAS_COL_TEXT, "accountInfo.type"},
	{"account_name", RAS_COL_TEXT, "accountInfo.name"},
	{"valid_payment_method", RAS_COL_BOOL, "accountInfo.validPaymentMethod"},
	{"raw", RAS_COL_RAW, NULL},
};

static const RasFilter retailer_filters[] = {
	{"retailer_ids", "retailerIdFilter", RAS_FILTER_INCLUDE, 100, NULL, NULL},
};
static const RasColumn retailer_columns[] = {
	{"retailer_id", RAS_COL_TEXT, "retailerId"},
	{"name", RAS_COL_TEXT, "name"},
	{"domain", RAS_COL_TEXT, "domain"},
	{"status", RAS_COL_TEXT, "status"},
	{"raw", RAS_COL_RAW, NULL},
};

/*
 * Product metadata: the RAS flavour names the retailer in retailerInfo and
 * asks for details and eligibility on every call (the columns need them).
 */
static const RasFilter product_filters[] = {
	{"retailer_id", "retailerInfo", RAS_FILTER_OBJECT, 0, NULL, NULL,
	 .required = true, .member = "retailerId", .fixed = "\"retailerType\":\"RMS\""},
	{"search", "searchStr", RAS_FILTER_SCALAR, 0, NULL, NULL},
	{"offer_ids", "retailerOfferIds", RAS_FILTER_ARRAY, 300, NULL, NULL},
};
static const RasColumn product_columns[] = {
	{"retailer_offer_id", RAS_COL_TEXT, "retailerOfferId"},
	{"title", RAS_COL_TEXT, "title"},
	{"brand", RAS_COL_TEXT, "brand"},
	{"category", RAS_COL_TEXT, "category"},
	{"availability", RAS_COL_TEXT, "availability"},
	{"eligibility_status", RAS_COL_TEXT, "eligibilityStatus"},
	{"image_url", RAS_COL_TEXT, "imageUrl"},
	{"created_date", RAS_COL_DATE, "createdDate"},
	{"price", RAS_COL_NUMERIC, "priceToPay.amount"},
	{"price_currency", RAS_COL_TEXT, "priceToPay.currency"},
	{"basis_price", RAS_COL_NUMERIC, "basisPrice.amount"},
	{"basis_price_currency", RAS_COL_TEXT, "basisPrice.currency"},
	{"raw", RAS_COL_RAW, NULL},
};

static const RasFilter campaign_filters[] = {
	{"campaign_ids", "campaignIdFilter", RAS_FILTER_INCLUDE, 1000, NULL, NULL},
	{"portfolio_ids", "portfolioIdFilter", RAS_FILTER_INCLUDE, 100, NULL, NULL},
	STATE_FILTER,
	NAME_FILTER,
};
static const RasColumn campaign_columns[] = {
	{"campaign_id", RAS_COL_TEXT, "campaignId"},
	{"name", RAS_COL_TEXT, "name"},
	{"state", RAS_COL_TEXT, "state"},
	{"targeting_type", RAS_COL_TEXT, "targetingType"},
	{"budget", RAS_COL_NUMERIC, "budget.budget"},
	{"budget_type", RAS_COL_TEXT, "budget.budgetType"},
	{"effective_budget", RAS_COL_NUMERIC, "budget.effectiveBudget"},
	{"start_date", RAS_COL_DATE, "startDate"},
	{"end_date", RAS_COL_DATE, "endDate"},
	{"portfolio_id", RAS_COL_TEXT, "portfolioId"},
	{"bidding_strategy", RAS_COL_TEXT, "dynamicBidding.strategy"},
	{"placement_bidding", RAS_COL_JSONB, "dynamicBidding.placementBidding"},
	{"tags", RAS_COL_JSONB, "tags"},
	EXTENDED_DATA_COLUMNS,
};

static const RasFilter ad_group_filters[] = {
	{"ad_group_ids", "adGroupIdFilter", RAS_FILTER_INCLUDE, 1000, NULL, NULL},
	{"campaign_ids", "campaignIdFilter", RAS_FILTER_INCLUDE, 100, NULL, NULL},
	STATE_FILTER,
	NAME_FILTER,
};
static const RasColumn ad_group_columns[] = {
	{"ad_group_id", RAS_COL_TEXT, "adGroupId"},
	{"campaign_id", RAS_COL_TEXT, "campaignId"},
	{"name", RAS_COL_TEXT, "name"},
	{"state", RAS_COL_TEXT, "state"},
	{"default_bid", RAS_COL_NUMERIC, "defaultBid"},
	{"retailer_id", RAS_COL_TEXT, "retailerId"},
	EXTENDED_DATA_COLUMNS,
};

static const RasFilter product_ad_filters[] = {
	{"product_ad_ids", "productAdIdFilter", RAS_FILTER_INCLUDE, 1000, NULL, NULL},
	{"campaign_ids", "campaignIdFilter", RAS_FILTER_INCLUDE, 100, NULL, NULL},
	{"ad_group_ids", "adGroupIdFilter", RAS_FILTER_INCLUDE, 100, NULL, NULL},
	STATE_FILTER,
};
static const RasColumn product_ad_columns[] = {
	{"product_ad_id", RAS_COL_TEXT, "productAdId"},
	{"campaign_id", RAS_COL_TEXT, "campaignId"},
	{"ad_group_id", RAS_COL_TEXT, "adGroupId"},
	{"state", RAS_COL_TEXT, "state"},
	{"retailer_id", RAS_COL_TEXT, "retailerId"},
	{"retailer_offer_id", RAS_COL_TEXT, "retailerOfferId"},
	EXTENDED_DATA_COLUMNS,
};

static const RasFilter target_filters[] = {
	{"target_ids", "targetIdFilter", RAS_FILTER_INCLUDE, 1000, NULL, NULL},
	{"campaign_ids", "campaignIdFilter", RAS_FILTER_INCLUDE, 100, NULL, NULL},
	{"ad_group_ids", "adGroupIdFilter", RAS_FILTER_INCLUDE, 100, NULL, NULL},
	STATE_FILTER,
	{"keywords", "keywordFilter", RAS_FILTER_QUERY_TERM, 100, NULL, "keyword_match"},
	{"match_types", "matchTypeFilter", RAS_FILTER_ARRAY, 3, match_types, NULL},
	{"target_types", "targetTypeFilter", RAS_FILTER_ARRAY, 2, target_types, NULL},
	{"is_negative", "negativeFilter", RAS_FILTER_BOOL_INCLUDE, 0, NULL, NULL},
	{"target_levels", "targetLevelFilter", RAS_FILTER_INCLUDE, 0, target_levels, NULL},
	{"product_ids", "productIdFilter", RAS_FILTER_INCLUDE_JSON, 1000, NULL, NULL},
};
static const RasColumn target_columns[] = {
	{"target_id", RAS_COL_TEXT, "targetId"},
	{"campaign_id", RAS_COL_TEXT, "campaignId"},
	{"ad_group_id", RAS_COL_TEXT, "adGroupId"},
	{"state", RAS_COL_TEXT, "state"},
	{"negative", RAS_COL_BOOL, "negative"},
	{"target_level", RAS_COL_TEXT, "targetLevel"},
	{"target_type", RAS_COL_TEXT, "targetType"},
	{"match_type", RAS_COL_TEXT, "targetDetails.*.matchType"},
	{"keyword", RAS_COL_TEXT, "targetDetails.keywordTarget.keyword"},
	{"product_id", RAS_COL_TEXT, "targetDetails.productTarget.productId"},
	{"bid", RAS_COL_NUMERIC, "bid.bid"},
	{"currency_code", RAS_COL_TEXT, "bid.currencyCode"},
	EXTENDED_DATA_COLUMNS,
};

#define COLUMNS(a) .columns = a, .ncolumns = lengthof(a)
#define FILTERS(a) .filters = a, .nfilters = lengthof(a)

static const RasEntity entities[] = {
	{
		.sql_name = "profiles", .body_key = NULL, .singular = "profile",
		.id_field = "profileId",
		.list_method = "GET", .list_path = "/v2/profiles", .scoped = false,
		.paging = RAS_PAGING_NONE,
		COLUMNS(profile_columns),
	},
	{
		.sql_name = "retailers", .body_key = "retailers", .singular = "retailer",
		.id_field = "retailerId",
		.list_method = "POST", .list_path = "/ras/v1/retailers/list", .scoped = true,
		.paging = RAS_PAGING_TOKEN, .page_size = 200,
		FILTERS(retailer_filters), COLUMNS(retailer_columns),
	},
	{
		.sql_name = "products", .body_key = "ProductMetadataList", .singular = "product",
		.id_field = "retailerOfferId",
		.list_method = "POST", .list_path = "/product/metadata", .scoped = true,
		.content_type = "application/vnd.productmetadatarequest.v1+json",
		.accept = "application/vnd.productmetadataresponse.v1+json",
		.paging = RAS_PAGING_INDEX, .page_size = 300, .result_cap = 10000,
		.fixed_body = "\"adType\":\"SP\",\"checkEligibility\":true,\"checkItemDetails\":true",
		FILTERS(product_filters), COLUMNS(product_columns),
	},
	{
		.sql_name = "campaigns", .body_key = "campaigns", .singular = "campaign",
		.id_field = "campaignId",
		RAS_LIST("/ras/v1/campaigns"), RAS_WRITES("/ras/v1/campaigns", "campaignIdFilter"),
		FILTERS(campaign_filters), COLUMNS(campaign_columns),
	},
	{
		.sql_name = "ad_groups", .body_key = "adGroups", .singular = "adGroup",
		.id_field = "adGroupId",
		RAS_LIST("/ras/v1/adGroups"), RAS_WRITES("/ras/v1/adGroups", "adGroupIdFilter"),
		FILTERS(ad_group_filters), COLUMNS(ad_group_columns),
	},
	{
		.sql_name = "product_ads", .body_key = "productAds", .singular = "productAd",
		.id_field = "productAdId",
		RAS_LIST("/ras/v1/productAds"), RAS_WRITES("/ras/v1/productAds", "productAdIdFilter"),
		FILTERS(product_ad_filters), COLUMNS(product_ad_columns),
	},
	{
		.sql_name = "targets", .body_key = "targets", .singular = "target",
		.id_field = "targetId",
		RAS_LIST("/ras/v1/targets"), RAS_WRITES("/ras/v1/targets", "targetIdFilter"),
		FILTERS(target_filters), COLUMNS(target_columns),
	},
};

const RasEntity *
ras_entity_by_name(const char *sql_name)
{
	for (int i = 0; i < lengthof(entities); i++)
		if (strcmp(entities[i].sql_name, sql_name) == 0)
			return &entities[i];
	return NULL;
}
