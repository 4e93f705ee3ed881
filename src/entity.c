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
	.list_method = "POST", .list_path = path "/list", .scope = RAS_SCOPE_PROFILE, \
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
	{"offer_ids", "retailerOfferIds", RAS_FILTER_ARRAY, 300, NULL, NULL,
	 .column = "retailer_offer_id"},
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


/* ---------------------------------------------------------------------------
 * Amazon Ads API v1 (/adsApi/v1): one descriptor per (entity, ad product).
 * A v1 call is bound to one ad product (adProductFilter, the items'
 * adProduct); limits are Amazon's per-product ones from the migration
 * guides (design/v1.md section 2).  SP and SB are scoped by profile, DSP by
 * advertiser account.
 * ------------------------------------------------------------------------- */

static const char *const v1_states[] = {"ENABLED", "PAUSED", "ARCHIVED", NULL};
static const char *const v1_goals[] = {"AWARENESS", "CONSIDERATION", "CONVERSIONS", NULL};
static const char *const v1_marketplace_scopes[] = {"GLOBAL", "SINGLE_MARKETPLACE", NULL};
static const char *const v1_match_types[] = {
	"BROAD", "EXACT", "PHRASE", "INTERESTED_AUDIENCE", "KEYWORDS_CLOSE_MATCH",
	"KEYWORDS_LOOSE_MATCH", "KEYWORDS_RELATED_TO_GIFTS",
	"KEYWORDS_RELATED_TO_PEER_BRANDS_PRODUCT_CATEGORY", "KEYWORDS_RELATED_TO_PRIME_DAY",
	"KEYWORDS_RELATED_TO_YOUR_BRAND", "KEYWORDS_RELATED_TO_YOUR_LANDING_PAGES",
	"KEYWORDS_RELATED_TO_YOUR_PRODUCT_CATEGORY", "PRODUCTS_SIMILAR_TO_ADVERTISED_PRODUCTS",
	"PRODUCT_COMPLEMENTS", "PRODUCT_EXACT", "PRODUCT_REMARKETING", "PRODUCT_SIMILAR",
	"PRODUCT_SUBSTITUTES", NULL
};
static const char *const v1_target_types[] = {
	"AD_INITIATION", "AD_PLAYER_SIZE", "APP", "AUDIENCE", "BRAND_SAFETY_CATEGORY",
	"BRAND_SAFETY_TIER", "CONTENT_CATEGORY", "CONTENT_GENRE", "CONTENT_INSTREAM_POSITION",
	"CONTENT_OUTSTREAM_POSITION", "CONTENT_RATING", "DAYPART", "DEVICE", "DOMAIN",
	"FOLD_POSITION", "INVENTORY_SOURCE", "KEYWORD", "LOCATION", "NATIVE_CONTENT_POSITION",
	"PLACEMENT_TYPE", "PRODUCT", "PRODUCT_AUDIENCE", "PRODUCT_CATEGORY", "THEME",
	"THIRD_PARTY", "VIDEO_AD_FORMAT", "VIDEO_CONTENT_DURATION", NULL
};
static const char *const v1_inventory_source_types[] = {
	"AMAZON", "APD", "DEAL", "INVENTORY_GROUP", "THIRD_PARTY_EXCHANGE", NULL
};
static const char *const v1_ad_extension_types[] = {"PROMPTS", "VIDEO", NULL};

#define V1_IDS(arg, key, max) {arg, key, RAS_FILTER_INCLUDE, max, NULL, NULL}
#define V1_STATES {"states", "stateFilter", RAS_FILTER_INCLUDE, 3, v1_states, NULL}
#define V1_NAMES(max) {"names", "nameFilter", RAS_FILTER_QUERY_TERM, max, NULL, "name_match"}
#define V1_MARKETPLACE_SCOPES \
	{"marketplace_scopes", "marketplaceScopeFilter", RAS_FILTER_INCLUDE, 1, v1_marketplace_scopes, NULL}

/* Columns every v1 campaign-management entity has. */
#define V1_COMMON_COLUMNS \
	{"ad_product", RAS_COL_TEXT, "adProduct"}, \
	{"state", RAS_COL_TEXT, "state"}, \
	{"delivery_status", RAS_COL_TEXT, "status.deliveryStatus"}, \
	{"delivery_reasons", RAS_COL_JSONB, "status.deliveryReasons"}, \
	{"tags", RAS_COL_JSONB, "tags"}, \
	{"created_at", RAS_COL_TIMESTAMPTZ, "creationDateTime"}, \
	{"updated_at", RAS_COL_TIMESTAMPTZ, "lastUpdatedDateTime"}, \
	{"raw", RAS_COL_RAW, NULL}

/* The monetary budget of budgets[]: daily or lifetime, whichever it has. */
#define V1_BUDGET "budgets[budgetType=MONETARY]"
#define V1_MONEY V1_BUDGET ".budgetValue.monetaryBudgetValue.monetaryBudget"

static const RasFilter v1_campaign_filters[] = {
	V1_IDS("campaign_ids", "campaignIdFilter", 1000),
	V1_IDS("portfolio_ids", "portfolioIdFilter", 100),
	V1_STATES,
	V1_NAMES(100),
	{"goals", "goalFilter", RAS_FILTER_INCLUDE, 3, v1_goals, NULL},
	V1_MARKETPLACE_SCOPES,
};
static const RasColumn v1_campaign_columns[] = {
	{"campaign_id", RAS_COL_TEXT, "campaignId"},
	{"name", RAS_COL_TEXT, "name"},
	{"budget", RAS_COL_NUMERIC, V1_MONEY ".value"},
	{"budget_period", RAS_COL_TEXT, V1_BUDGET ".recurrenceTimePeriod"},
	{"budget_currency", RAS_COL_TEXT, V1_MONEY ".currencyCode"},
	{"budgets", RAS_COL_JSONB, "budgets"},
	{"bid_strategy", RAS_COL_TEXT, "optimizations.bidSettings.bidStrategy"},
	{"goal", RAS_COL_TEXT, "optimizations.goalSettings.goal"},
	{"kpi", RAS_COL_TEXT, "optimizations.goalSettings.kpi"},
	{"optimizations", RAS_COL_JSONB, "optimizations"},
	{"start_date_time", RAS_COL_TIMESTAMPTZ, "startDateTime"},
	{"end_date_time", RAS_COL_TIMESTAMPTZ, "endDateTime"},
	{"portfolio_id", RAS_COL_TEXT, "portfolioId"},
	{"marketplace_scope", RAS_COL_TEXT, "marketplaceScope"},
	{"marketplaces", RAS_COL_JSONB, "marketplaces"},
	{"cost_type", RAS_COL_TEXT, "costType"},
	{"brand_id", RAS_COL_TEXT, "brandId"},
	{"auto_create_targets", RAS_COL_BOOL, "autoCreationSettings.autoCreateTargets"},
	{"flights", RAS_COL_JSONB, "flights"},
	V1_COMMON_COLUMNS,
};

static const RasFilter v1_ad_group_filters[] = {
	V1_IDS("ad_group_ids", "adGroupIdFilter", 1000),
	V1_IDS("campaign_ids", "campaignIdFilter", 100),
	V1_STATES,
	V1_NAMES(100),
	V1_MARKETPLACE_SCOPES,
};
#define V1_AD_GROUP_COLUMNS \
	{"ad_group_id", RAS_COL_TEXT, "adGroupId"}, \
	{"campaign_id", RAS_COL_TEXT, "campaignId"}, \
	{"name", RAS_COL_TEXT, "name"}, \
	{"bid_currency", RAS_COL_TEXT, "bid.currencyCode"}, \
	{"start_date_time", RAS_COL_TIMESTAMPTZ, "startDateTime"}, \
	{"end_date_time", RAS_COL_TIMESTAMPTZ, "endDateTime"}, \
	{"marketplace_scope", RAS_COL_TEXT, "marketplaceScope"}
static const RasColumn v1_ad_group_columns[] = {
	V1_AD_GROUP_COLUMNS,
	{"default_bid", RAS_COL_NUMERIC, "bid.defaultBid"},
	V1_COMMON_COLUMNS,
};
static const RasColumn v1_dsp_ad_group_columns[] = {
	V1_AD_GROUP_COLUMNS,
	{"base_bid", RAS_COL_NUMERIC, "bid.baseBid"},
	{"max_average_bid", RAS_COL_NUMERIC, "bid.maxAverageBid"},
	{"inventory_type", RAS_COL_TEXT, "inventoryType"},
	{"creative_rotation_type", RAS_COL_TEXT, "creativeRotationType"},
	{"bid_strategy", RAS_COL_TEXT, "optimization.bidStrategy"},
	{"pacing", RAS_COL_JSONB, "pacing"},
	{"targeting_settings", RAS_COL_JSONB, "targetingSettings"},
	V1_COMMON_COLUMNS,
};

static const RasFilter v1_ad_filters[] = {
	V1_IDS("ad_ids", "adIdFilter", 100),
	V1_IDS("ad_group_ids", "adGroupIdFilter", 100),
	V1_IDS("campaign_ids", "campaignIdFilter", 100),
	V1_STATES,
	V1_NAMES(10),
	V1_MARKETPLACE_SCOPES,
};
#define V1_ADVERTISED "creative.productCreative.productCreativeSettings.advertisedProduct"
static const RasColumn v1_ad_columns[] = {
	{"ad_id", RAS_COL_TEXT, "adId"},
	{"ad_group_id", RAS_COL_TEXT, "adGroupId"},
	{"campaign_id", RAS_COL_TEXT, "campaignId"},
	{"name", RAS_COL_TEXT, "name"},
	{"ad_type", RAS_COL_TEXT, "adType"},
	{"advertised_product_id", RAS_COL_TEXT, V1_ADVERTISED ".productId"},
	{"advertised_product_id_type", RAS_COL_TEXT, V1_ADVERTISED ".productIdType"},
	{"creative", RAS_COL_JSONB, "creative"},
	{"marketplace_scope", RAS_COL_TEXT, "marketplaceScope"},
	V1_COMMON_COLUMNS,
};

static const RasFilter v1_target_filters[] = {
	V1_IDS("target_ids", "targetIdFilter", 100),
	V1_IDS("campaign_ids", "campaignIdFilter", 100),
	V1_IDS("ad_group_ids", "adGroupIdFilter", 100),
	V1_STATES,
	{"keywords", "keywordFilter", RAS_FILTER_QUERY_TERM, 100, NULL, "keyword_match"},
	{"product_ids", "productIdFilter", RAS_FILTER_QUERY_TERM, 100, NULL, "product_id_match"},
	{"match_types", "matchTypeFilter", RAS_FILTER_INCLUDE, 10, v1_match_types, NULL},
	{"target_types", "targetTypeFilter", RAS_FILTER_INCLUDE, 17, v1_target_types, NULL},
	{"is_negative", "negativeFilter", RAS_FILTER_BOOL_INCLUDE, 0, NULL, NULL},
	V1_MARKETPLACE_SCOPES,
};
/* DSP's target query (per-product models): ad group, state, type, inventory. */
static const RasFilter v1_dsp_target_filters[] = {
	V1_IDS("ad_group_ids", "adGroupIdFilter", 100),
	V1_STATES,
	{"target_types", "targetTypeFilter", RAS_FILTER_INCLUDE, 17, v1_target_types, NULL},
	{"is_negative", "negativeFilter", RAS_FILTER_BOOL_INCLUDE, 0, NULL, NULL},
	V1_IDS("inventory_source_ids", "inventorySourceIdFilter", 10),
	{"inventory_source_types", "inventorySourceTypeFilter", RAS_FILTER_INCLUDE, 1,
	 v1_inventory_source_types, NULL},
};
static const RasColumn v1_target_columns[] = {
	{"target_id", RAS_COL_TEXT, "targetId"},
	{"campaign_id", RAS_COL_TEXT, "campaignId"},
	{"ad_group_id", RAS_COL_TEXT, "adGroupId"},
	{"negative", RAS_COL_BOOL, "negative"},
	{"target_level", RAS_COL_TEXT, "targetLevel"},
	{"target_type", RAS_COL_TEXT, "targetType"},
	{"match_type", RAS_COL_TEXT, "targetDetails.*.matchType"},
	{"keyword", RAS_COL_TEXT, "targetDetails.keywordTarget.keyword"},
	{"product_id", RAS_COL_TEXT, "targetDetails.productTarget.product.productId"},
	{"bid", RAS_COL_NUMERIC, "bid.bid"},
	{"bid_currency", RAS_COL_TEXT, "bid.currencyCode"},
	{"target_details", RAS_COL_JSONB, "targetDetails"},
	V1_COMMON_COLUMNS,
};

static const RasFilter v1_ad_extension_filters[] = {
	V1_IDS("ad_extension_ids", "adExtensionIdFilter", 100),
	V1_IDS("ad_group_ids", "adGroupIdFilter", 100),
	V1_IDS("ad_ids", "adIdFilter", 100),
	V1_STATES,
	{"ad_extension_types", "adExtensionTypeFilter", RAS_FILTER_INCLUDE, 1,
	 v1_ad_extension_types, NULL},
};
static const RasColumn v1_ad_extension_columns[] = {
	{"ad_extension_id", RAS_COL_TEXT, "adExtensionId"},
	{"ad_group_id", RAS_COL_TEXT, "adGroupId"},
	{"ad_id", RAS_COL_TEXT, "adId"},
	{"ad_extension_type", RAS_COL_TEXT, "adExtensionType"},
	{"settings", RAS_COL_JSONB, "adExtensionSettings"},
	{"marketplaces", RAS_COL_JSONB, "marketplaces"},
	V1_COMMON_COLUMNS,
};

static const RasFilter v1_ad_association_filters[] = {
	V1_IDS("ad_association_ids", "adAssociationIdFilter", 100),
	V1_IDS("ad_group_ids", "adGroupIdFilter", 100),
	V1_IDS("ad_ids", "adIdFilter", 100),
};
static const RasColumn v1_ad_association_columns[] = {
	{"ad_association_id", RAS_COL_TEXT, "adAssociationId"},
	{"ad_id", RAS_COL_TEXT, "adId"},
	{"ad_group_id", RAS_COL_TEXT, "adGroupId"},
	{"state", RAS_COL_TEXT, "state"},
	{"weight", RAS_COL_NUMERIC, "weight"},
	{"start_date_time", RAS_COL_TIMESTAMPTZ, "startDateTime"},
	{"end_date_time", RAS_COL_TIMESTAMPTZ, "endDateTime"},
	{"raw", RAS_COL_RAW, NULL},
};

/*
 * A v1 entity: POST /adsApi/v1/{query|create|update|delete}/<entity>, 207
 * outcomes unwrapped, deletes by an id array.  product is the AdProduct
 * (NULL: the entity has none, as DSP ad associations); fixed_body carries
 * the adProductFilter every query needs.
 */
#define V1_ENTITY(name, entity, one, id, scope_kind, deletable, page, batch) \
	.sql_name = name, .family = &ras_family_v1, .scope = scope_kind, \
	.body_key = entity, .singular = one, .id_field = id, \
	.list_method = "POST", .list_path = "/adsApi/v1/query/" entity, \
	.paging = RAS_PAGING_TOKEN, .page_size = page, \
	.create_path = "/adsApi/v1/create/" entity, \
	.update_method = "POST", .update_path = "/adsApi/v1/update/" entity, \
	.delete_path = deletable ? "/adsApi/v1/delete/" entity : NULL, .delete_key = one "Ids", \
	.delete_style = RAS_DELETE_ID_ARRAY, .batch_limit = batch

/* The ad product of every query (adProductFilter) and of every item. */
#define V1_PRODUCT(product) \
	.ad_product = product, .item_product = true, \
	.fixed_body = "\"adProductFilter\":{\"include\":[\"" product "\"]}"

#define SP "SPONSORED_PRODUCTS"
#define SB "SPONSORED_BRANDS"
#define DSP "AMAZON_DSP"


/* ---------------------------------------------------------------------------
 * Amazon Ads API v1 betas (design/v1.md section 3): account registration and
 * linked accounts (closed beta), Brand Stores and forecasts (open beta).
 * Amazon may change them; each function's COMMENT says which beta it is.
 * ------------------------------------------------------------------------- */

static const char *const selling_programs[] = {"AMAZON_AUTHOR", "AMAZON_SELLER", "AMAZON_VENDOR", NULL};
static const char *const eligibility_statuses[] = {"APPROVED", "PENDING", "REJECTED", NULL};
static const char *const publish_statuses[] = {"DRAFT", "REVIEW_IN_PROGRESS", NULL};
static const char *const daypart_names[] = {
	"ALL_DAY", "EARLY_FRINGE", "LATE_FRINGE", "PRIME_TIME", "WEEKDAY_DAYTIME",
	"WEEKDAY_MORNING", "WEEKEND_DAYTIME", NULL
};
static const char *const marketplaces[] = {
	"AE", "AU", "BE", "BR", "CA", "CL", "CO", "DE", "EG", "ES", "FR", "GB", "IE", "IN", "IT",
	"JP", "MX", "NG", "NL", "PL", "SA", "SE", "SG", "TR", "US", "ZA", NULL
};

static const RasFilter advertiser_account_filters[] = {
	V1_IDS("advertiser_account_ids", "advertiserAccountIdFilter", 100),
	{"is_global_account", "isGlobalAccountFilter", RAS_FILTER_BOOL_INCLUDE, 0, NULL, NULL,
	 .column = "is_global_account"},
};
static const RasColumn advertiser_account_columns[] = {
	{"advertiser_account_id", RAS_COL_TEXT, "advertiserAccountId"},
	{"name", RAS_COL_TEXT, "displayName"},
	{"display_name", RAS_COL_TEXT, "displayName"},
	{"status_code", RAS_COL_TEXT, "status.statusCode"},
	{"status_message", RAS_COL_TEXT, "status.statusMessage"},
	{"currency_code", RAS_COL_TEXT, "currencyCode"},
	{"time_zone", RAS_COL_TEXT, "timeZoneIana"},
	{"is_global_account", RAS_COL_BOOL, "isGlobalAccount"},
	{"is_test_account", RAS_COL_BOOL, "isTestAccount"},
	{"manager_account_id", RAS_COL_TEXT, "managerAccountId"},
	{"industry_vertical", RAS_COL_TEXT, "industryVertical"},
	{"alternate_ids", RAS_COL_JSONB, "alternateIds"},
	{"business_details", RAS_COL_JSONB, "businessDetails"},
	{"raw", RAS_COL_RAW, NULL},
};

static const RasFilter selling_account_filters[] = {
	V1_IDS("selling_account_link_tokens", "sellingAccountLinkTokenFilter", 1),
	{"selling_programs", "sellingProgramFilter", RAS_FILTER_INCLUDE, 1, selling_programs, NULL},
};
static const RasColumn selling_account_columns[] = {
	{"selling_account_link_token", RAS_COL_TEXT, "sellingAccountLinkToken"},
	{"name", RAS_COL_TEXT, "displayName"},
	{"display_name", RAS_COL_TEXT, "displayName"},
	{"selling_program", RAS_COL_TEXT, "sellingProgram"},
	{"country_codes", RAS_COL_JSONB, "countryCodes"},
	{"portals", RAS_COL_JSONB, "portals"},
	{"business", RAS_COL_JSONB, "business"},
	{"raw", RAS_COL_RAW, NULL},
};

/* ManagerAccount is an empty object in the spec: its id, and raw. */
static const RasFilter manager_account_filters[] = {
	V1_IDS("manager_account_ids", "managerAccountIdFilter", 100),
};
static const RasColumn manager_account_columns[] = {
	{"manager_account_id", RAS_COL_TEXT, "managerAccountId"},
	{"raw", RAS_COL_RAW, NULL},
};

static const RasColumn invitation_columns[] = {
	{"account_combination_invitation_id", RAS_COL_TEXT, "accountCombinationInvitationId"},
	{"advertiser_account_id", RAS_COL_TEXT, "advertiserAccountId"},
	{"status", RAS_COL_TEXT, "status"},
	{"status_message", RAS_COL_TEXT, "statusMessage"},
	{"accounts_to_combine", RAS_COL_JSONB, "accountsToCombine"},
	{"raw", RAS_COL_RAW, NULL},
};

static const RasFilter eligibility_filters[] = {
	{"statuses", "statusFilter", RAS_FILTER_INCLUDE, 1, eligibility_statuses, NULL},
};
static const RasColumn eligibility_columns[] = {
	{"advertiser_product_group_eligibility_id", RAS_COL_TEXT, "advertiserProductGroupEligibilityId"},
	{"advertiser_account_id", RAS_COL_TEXT, "advertiserAccountId"},
	{"ad_product_group", RAS_COL_TEXT, "adProductGroup"},
	{"status", RAS_COL_TEXT, "status"},
	{"rejected_reason_detail", RAS_COL_TEXT, "rejectedReasonDetail"},
	{"created_at", RAS_COL_TIMESTAMPTZ, "creationDateTime"},
	{"raw", RAS_COL_RAW, NULL},
};

static const RasFilter brand_store_filters[] = {
	{"store_names", "storeNameFilter", RAS_FILTER_INCLUDE, 1, NULL, NULL, .required = true,
	 .column = "store_name"},
};
static const RasColumn brand_store_columns[] = {
	{"store_id", RAS_COL_TEXT, "storeId"},
	{"name", RAS_COL_TEXT, "storeName"},
	{"store_name", RAS_COL_TEXT, "storeName"},
	{"page_infos", RAS_COL_JSONB, "pageInfos"},
	{"raw", RAS_COL_RAW, NULL},
};

static const RasFilter brand_store_edition_filters[] = {
	{"brand_store_id", "brandStoreId", RAS_FILTER_QUERY_PARAM, 0, NULL, NULL, .required = true,
	 .column = "store_id"},
};
static const RasColumn brand_store_edition_columns[] = {
	{"edition_id", RAS_COL_TEXT, "editionId"},
	{"store_id", RAS_COL_TEXT, "storeId"},
	{"name", RAS_COL_TEXT, "editionName"},
	{"edition_name", RAS_COL_TEXT, "editionName"},
	{"schedule", RAS_COL_JSONB, "storeEditionSchedule"},
	{"raw", RAS_COL_RAW, NULL},
};

static const RasFilter brand_store_page_filters[] = {
	{"store_ids", "storeIdFilter", RAS_FILTER_INCLUDE, 1, NULL, NULL, .required = true},
	{"edition_ids", "editionIdFilter", RAS_FILTER_INCLUDE, 1, NULL, NULL, .required = true},
	{"page_ids", "pageIdFilter", RAS_FILTER_INCLUDE, 1, NULL, NULL, .required = true},
	V1_IDS("store_edition_publish_ids", "storeEditionPublishIdFilter", 1),
};
static const RasColumn brand_store_page_columns[] = {
	{"page_id", RAS_COL_TEXT, "pageId"},
	{"store_id", RAS_COL_TEXT, "storeId"},
	{"edition_id", RAS_COL_TEXT, "editionId"},
	{"name", RAS_COL_TEXT, "name"},
	{"page_type", RAS_COL_TEXT, "pageType"},
	{"store_edition_publish_id", RAS_COL_TEXT, "storeEditionPublishId"},
	{"content", RAS_COL_JSONB, "content"},
	{"raw", RAS_COL_RAW, NULL},
};

static const RasFilter publish_version_filters[] = {
	{"store_ids", "storeIdFilter", RAS_FILTER_INCLUDE, 1, NULL, NULL, .required = true},
	{"edition_ids", "editionIdFilter", RAS_FILTER_INCLUDE, 1, NULL, NULL, .required = true},
	{"publish_statuses", "publishStatusFilter", RAS_FILTER_INCLUDE, 1, publish_statuses, NULL,
	 .required = true},
};
static const RasColumn publish_version_columns[] = {
	{"store_edition_publish_id", RAS_COL_TEXT, "storeEditionPublishId"},
	{"store_id", RAS_COL_TEXT, "storeId"},
	{"edition_id", RAS_COL_TEXT, "editionId"},
	{"publish_status", RAS_COL_TEXT, "publishStatus"},
	{"publish_state", RAS_COL_JSONB, "publishState"},
	{"pages", RAS_COL_JSONB, "pages"},
	{"raw", RAS_COL_RAW, NULL},
};

static const RasFilter daypart_filters[] = {
	{"marketplaces", "marketplaceFilter", RAS_FILTER_INCLUDE, 1, marketplaces, NULL,
	 .column = "marketplace"},
	{"names", "nameFilter", RAS_FILTER_INCLUDE, 20, daypart_names, NULL},
};
static const RasColumn daypart_columns[] = {
	{"linear_tv_daypart_id", RAS_COL_TEXT, "linearTvDaypartId"},
	{"name", RAS_COL_TEXT, "name"},
	{"daypart_type", RAS_COL_TEXT, "daypartType"},
	{"description", RAS_COL_TEXT, "description"},
	{"marketplace_definitions", RAS_COL_JSONB, "marketplaceDefinitions"},
	{"raw", RAS_COL_RAW, NULL},
};

#define FORECAST_COLUMNS \
	{"start_date", RAS_COL_TEXT, "startDate"}, \
	{"end_date", RAS_COL_TEXT, "endDate"}, \
	{"marketplace", RAS_COL_TEXT, "marketplace"}, \
	{"reach_unit", RAS_COL_TEXT, "reachUnit"}, \
	{"linear_tv_inventory_allocation", RAS_COL_JSONB, "linearTvInventoryAllocation"}, \
	{"created_at", RAS_COL_TIMESTAMPTZ, "creationDateTime"}, \
	{"raw", RAS_COL_RAW, NULL}
static const RasColumn reach_forecast_columns[] = {
	{"linear_tv_reach_forecast_id", RAS_COL_TEXT, "linearTvReachForecastId"},
	{"linear_tv_reach_percent", RAS_COL_NUMERIC, "linearTvReachPercent"},
	FORECAST_COLUMNS,
};
static const RasColumn incremental_forecast_columns[] = {
	{"linear_tv_incremental_reach_forecast_id", RAS_COL_TEXT, "linearTvIncrementalReachForecastId"},
	{"deduplicated_reach_percent", RAS_COL_NUMERIC, "deduplicatedReachPercent"},
	{"linear_tv_only_reach_percent", RAS_COL_NUMERIC, "linearTvOnlyReachPercent"},
	{"streaming_tv_only_reach_percent", RAS_COL_NUMERIC, "streamingTvOnlyReachPercent"},
	{"overlap_reach_percent", RAS_COL_NUMERIC, "overlapReachPercent"},
	{"streaming_tv_incremental_reach_rate", RAS_COL_NUMERIC, "streamingTvIncrementalReachRate"},
	{"streaming_tv_exclusive_reach_rate", RAS_COL_NUMERIC, "streamingTvExclusiveReachRate"},
	{"linear_tv_reach_percent_override", RAS_COL_NUMERIC, "linearTvReachPercentOverride"},
	{"streaming_tv_budget_allocation", RAS_COL_JSONB, "streamingTvBudgetAllocation"},
	FORECAST_COLUMNS,
};

/* A v1 beta resource: query (and create / update where the spec has them). */
#define V1_BETA_BASE(name, entity, one, id, scope_kind, page, min_page, creates, updates, batch, which) \
	.sql_name = name, .family = &ras_family_v1, .scope = scope_kind, .beta = which, \
	.body_key = entity, .singular = one, .id_field = id, \
	.page_size = page, .page_min = min_page, \
	.create_path = creates ? "/adsApi/v1/create/" entity : NULL, \
	.update_method = "POST", .update_path = updates ? "/adsApi/v1/update/" entity : NULL, \
	.batch_limit = batch
/* ... listed by POST /adsApi/v1/query/<entity>, paged by nextToken in the body */
#define V1_BETA(name, entity, ...) \
	V1_BETA_BASE(name, entity, __VA_ARGS__), \
	.list_method = "POST", .list_path = "/adsApi/v1/query/" entity, .paging = RAS_PAGING_TOKEN

#define COLUMNS(a) .columns = a, .ncolumns = lengthof(a)
#define FILTERS(a) .filters = a, .nfilters = lengthof(a)

static const RasEntity entities[] = {
	{
		.sql_name = "profiles", .body_key = NULL, .singular = "profile",
		.id_field = "profileId",
		.list_method = "GET", .list_path = "/v2/profiles", .scope = RAS_SCOPE_NONE,
		.paging = RAS_PAGING_NONE,
		COLUMNS(profile_columns),
	},
	{
		.sql_name = "retailers", .body_key = "retailers", .singular = "retailer",
		.id_field = "retailerId",
		.list_method = "POST", .list_path = "/ras/v1/retailers/list", .scope = RAS_SCOPE_PROFILE,
		.paging = RAS_PAGING_TOKEN, .page_size = 200,
		FILTERS(retailer_filters), COLUMNS(retailer_columns),
	},
	{
		.sql_name = "products", .body_key = "ProductMetadataList", .singular = "product",
		.id_field = "retailerOfferId",
		.list_method = "POST", .list_path = "/product/metadata", .scope = RAS_SCOPE_PROFILE,
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

	/* Amazon Ads API v1: Sponsored Products */
	{V1_ENTITY("sp_campaigns", "campaigns", "campaign", "campaignId", RAS_SCOPE_PROFILE, true, 100, 10), V1_PRODUCT(SP),
	 FILTERS(v1_campaign_filters), COLUMNS(v1_campaign_columns)},
	{V1_ENTITY("sp_ad_groups", "adGroups", "adGroup", "adGroupId", RAS_SCOPE_PROFILE, true, 100, 10), V1_PRODUCT(SP),
	 FILTERS(v1_ad_group_filters), COLUMNS(v1_ad_group_columns)},
	{V1_ENTITY("sp_ads", "ads", "ad", "adId", RAS_SCOPE_PROFILE, true, 100, 10), V1_PRODUCT(SP),
	 FILTERS(v1_ad_filters), COLUMNS(v1_ad_columns)},
	{V1_ENTITY("sp_targets", "targets", "target", "targetId", RAS_SCOPE_PROFILE, true, 5000, 1000), V1_PRODUCT(SP),
	 FILTERS(v1_target_filters), COLUMNS(v1_target_columns)},
	/* Sponsored Brands */
	{V1_ENTITY("sb_campaigns", "campaigns", "campaign", "campaignId", RAS_SCOPE_PROFILE, true, 100, 10), V1_PRODUCT(SB),
	 FILTERS(v1_campaign_filters), COLUMNS(v1_campaign_columns)},
	{V1_ENTITY("sb_ad_groups", "adGroups", "adGroup", "adGroupId", RAS_SCOPE_PROFILE, true, 100, 10), V1_PRODUCT(SB),
	 FILTERS(v1_ad_group_filters), COLUMNS(v1_ad_group_columns)},
	{V1_ENTITY("sb_ads", "ads", "ad", "adId", RAS_SCOPE_PROFILE, true, 100, 10), V1_PRODUCT(SB),
	 FILTERS(v1_ad_filters), COLUMNS(v1_ad_columns)},
	{V1_ENTITY("sb_targets", "targets", "target", "targetId", RAS_SCOPE_PROFILE, true, 5000, 1000), V1_PRODUCT(SB),
	 FILTERS(v1_target_filters), COLUMNS(v1_target_columns)},
	{V1_ENTITY("sb_ad_extensions", "adExtensions", "adExtension", "adExtensionId", RAS_SCOPE_PROFILE, false, 1000, 50), V1_PRODUCT(SB),
	 FILTERS(v1_ad_extension_filters), COLUMNS(v1_ad_extension_columns)},
	/* Amazon DSP */
	{V1_ENTITY("dsp_campaigns", "campaigns", "campaign", "campaignId", RAS_SCOPE_ACCOUNT, true, 100, 5), V1_PRODUCT(DSP),
	 FILTERS(v1_campaign_filters), COLUMNS(v1_campaign_columns)},
	{V1_ENTITY("dsp_ad_groups", "adGroups", "adGroup", "adGroupId", RAS_SCOPE_ACCOUNT, true, 100, 20), V1_PRODUCT(DSP),
	 FILTERS(v1_ad_group_filters), COLUMNS(v1_dsp_ad_group_columns)},
	{V1_ENTITY("dsp_ads", "ads", "ad", "adId", RAS_SCOPE_ACCOUNT, true, 100, 10), V1_PRODUCT(DSP),
	 FILTERS(v1_ad_filters), COLUMNS(v1_ad_columns)},
	{V1_ENTITY("dsp_targets", "targets", "target", "targetId", RAS_SCOPE_ACCOUNT, true, 5000, 1000), V1_PRODUCT(DSP),
	 FILTERS(v1_dsp_target_filters), COLUMNS(v1_target_columns)},
	{V1_ENTITY("dsp_ad_associations", "adAssociations", "adAssociation", "adAssociationId", RAS_SCOPE_ACCOUNT, true, 100, 20),
	 FILTERS(v1_ad_association_filters), COLUMNS(v1_ad_association_columns)},

	/* Amazon Ads API v1 betas */
	{V1_BETA("advertiser_accounts", "advertiserAccounts", "advertiserAccount", "advertiserAccountId",
			 RAS_SCOPE_NONE, 100, 10, true, true, 100, "account registration (closed beta)"),
	 FILTERS(advertiser_account_filters), COLUMNS(advertiser_account_columns)},
	{V1_BETA("selling_accounts", "sellingAccounts", "sellingAccount", "sellingAccountLinkToken",
			 RAS_SCOPE_NONE, 100, 10, false, false, 0, "account registration (closed beta)"),
	 FILTERS(selling_account_filters), COLUMNS(selling_account_columns)},
	{V1_BETA("manager_accounts", "managerAccounts", "managerAccount", "managerAccountId",
			 RAS_SCOPE_NONE, 100, 10, false, false, 0, "account registration (closed beta)"),
	 FILTERS(manager_account_filters), COLUMNS(manager_account_columns)},
	{V1_BETA("account_combination_invitations", "accountCombinationInvitations",
			 "accountCombinationInvitation", "accountCombinationInvitationId",
			 RAS_SCOPE_NONE, 100, 1, true, true, 50, "linked accounts (closed beta)"),
	 COLUMNS(invitation_columns)},
	{V1_BETA("advertiser_product_group_eligibilities", "advertiserProductGroupEligibilities",
			 "advertiserProductGroupEligibility", "advertiserProductGroupEligibilityId",
			 RAS_SCOPE_ACCOUNT, 10, 1, true, false, 1, "linked accounts (closed beta)"),
	 FILTERS(eligibility_filters), COLUMNS(eligibility_columns)},
	{V1_BETA("brand_stores", "brandStores", "brandStore", "storeId",
			 RAS_SCOPE_PROFILE, 30, 1, false, false, 0, "Brand Stores (open beta)"),
	 FILTERS(brand_store_filters), COLUMNS(brand_store_columns)},
	/* a GET listing: brandStoreId, maxResults and nextToken in the query string */
	{V1_BETA_BASE("brand_store_editions", "brandStoreEditions", "brandStoreEdition", "editionId",
				  RAS_SCOPE_PROFILE, 50, 11, false, false, 0, "Brand Stores (open beta)"),
	 .list_method = "GET", .list_path = "/adsApi/v1/brandStoreEditions", .paging = RAS_PAGING_QUERY,
	 FILTERS(brand_store_edition_filters), COLUMNS(brand_store_edition_columns)},
	{V1_BETA("brand_store_pages", "brandStorePages", "brandStorePage", "pageId",
			 RAS_SCOPE_PROFILE, 50, 1, false, true, 1, "Brand Stores (open beta)"),
	 FILTERS(brand_store_page_filters), COLUMNS(brand_store_page_columns)},
	{V1_BETA("brand_store_edition_publish_versions", "brandStoreEditionPublishVersions",
			 "brandStoreEditionPublishVersion", "storeEditionPublishId",
			 RAS_SCOPE_PROFILE, 50, 1, false, true, 1, "Brand Stores (open beta)"),
	 FILTERS(publish_version_filters), COLUMNS(publish_version_columns)},
	{V1_BETA("linear_tv_dayparts", "linearTvDayparts", "linearTvDaypart", "linearTvDaypartId",
			 RAS_SCOPE_NONE, 20, 1, false, false, 0, "forecasts (open beta)"),
	 FILTERS(daypart_filters), COLUMNS(daypart_columns)},
	{.sql_name = "linear_tv_reach_forecasts", .family = &ras_family_v1, .scope = RAS_SCOPE_ACCOUNT,
	 .beta = "forecasts (open beta)", .body_key = "linearTvReachForecasts",
	 .singular = "linearTvReachForecast", .id_field = "linearTvReachForecastId",
	 .create_path = "/adsApi/v1/create/linearTvReachForecasts", .batch_limit = 10,
	 .computes = true, COLUMNS(reach_forecast_columns)},
	{.sql_name = "linear_tv_incremental_reach_forecasts", .family = &ras_family_v1,
	 .scope = RAS_SCOPE_ACCOUNT, .beta = "forecasts (open beta)",
	 .body_key = "linearTvIncrementalReachForecasts",
	 .singular = "linearTvIncrementalReachForecast",
	 .id_field = "linearTvIncrementalReachForecastId",
	 .create_path = "/adsApi/v1/create/linearTvIncrementalReachForecasts", .batch_limit = 10,
	 .computes = true, COLUMNS(incremental_forecast_columns)},
};

const RasEntity *
ras_entity_by_name(const char *sql_name)
{
	for (int i = 0; i < lengthof(entities); i++)
		if (strcmp(entities[i].sql_name, sql_name) == 0)
			return &entities[i];
	return NULL;
}

/* Whether sql_name is an entity that can be listed (a foreign table's entity). */
bool
ras_entity_listable(const char *sql_name)
{
	const RasEntity *e = ras_entity_by_name(sql_name);

	return e != NULL && e->list_path != NULL;
}

/* "profiles, retailers, ...": every listable entity, for hints. */
char *
ras_entity_list(void)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; i < lengthof(entities); i++)
		if (entities[i].list_path)
			appendStringInfo(&buf, "%s%s", buf.len ? ", " : "", entities[i].sql_name);
	return buf.data;
}

/* The i-th entity (0-based), or NULL past the last: for IMPORT FOREIGN SCHEMA. */
const RasEntity *
ras_entity_at(int i)
{
	return i >= 0 && i < lengthof(entities) ? &entities[i] : NULL;
}

/*
 * The column a filter constrains by equality, by the naming rule of the SQL
 * surface: campaign_ids filters campaign_id, states state, is_negative
 * negative.  NULL for a filter that names no column (search, product_ids of
 * RAS, which are objects).
 */
const char *
ras_filter_column(const RasFilter *f)
{
	size_t		len = strlen(f->arg);

	if (f->column)
		return f->column;
	if (f->kind == RAS_FILTER_INCLUDE_JSON || f->kind == RAS_FILTER_SCALAR)
		return NULL;
	if (f->kind == RAS_FILTER_BOOL_INCLUDE)
		return strncmp(f->arg, "is_", 3) == 0 ? f->arg + 3 : f->arg;
	if (f->kind == RAS_FILTER_OBJECT)
		return f->arg;
	if (len > 1 && f->arg[len - 1] == 's')
		return pnstrdup(f->arg, len - 1);
	return f->arg;
}

/* The column that shows a row's scope: profile_id or account_id; NULL: none. */
const char *
ras_scope_column(const RasEntity *e)
{
	return e->scope == RAS_SCOPE_PROFILE ? "profile_id" :
		e->scope == RAS_SCOPE_ACCOUNT ? "account_id" : NULL;
}
