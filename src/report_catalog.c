/*
 * report_catalog.c
 *     The catalogue of Sponsored Products report types (reporting v3), and
 *     its lookups.
 *
 * What differs between report types is data (the tables below): their
 * groupBys, the columns each makes available, default columns, filters,
 * range and retention limits and grain keys.  One code path serves them all
 * (report_spec.c): a call's arguments are validated against these tables.
 */
#include "postgres.h"

#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/jsonb.h"

#include "report.h"

/* ---------- the catalogue (reports.md) ----------
 *
 * The simulator holds a twin of this catalogue (test/sim/reports.py).  The
 * two stay independent on purpose: each is written from Amazon's
 * documentation on its own, so a mistake in one shows up as a disagreement
 * in the tests instead of being copied into both.
 */

/* A report column's type: one of the listings' column types (ras.h). */
typedef struct ColumnTyping
{
	const char *name;
	RasColType	type;
} ColumnTyping;

#define WINDOWS(f) f "1d", f "7d", f "14d", f "30d"
#define TYPED_WINDOWS(f, t) {f "1d", t}, {f "7d", t}, {f "14d", t}, {f "30d", t}
#define FAMILIES \
	WINDOWS("purchases"), WINDOWS("purchasesSameSku"), WINDOWS("unitsSoldClicks"), \
	WINDOWS("sales"), WINDOWS("attributedSalesSameSku"), WINDOWS("unitsSoldSameSku")

/* Every column that is not text; ids, names and statuses are text. */
static const ColumnTyping column_types[] = {
	{"date", RAS_COL_DATE}, {"startDate", RAS_COL_DATE}, {"endDate", RAS_COL_DATE},
	{"impressions", RAS_COL_INT8}, {"clicks", RAS_COL_INT8}, {"addToList", RAS_COL_INT8},
	{"qualifiedBorrows", RAS_COL_INT8}, {"royaltyQualifiedBorrows", RAS_COL_INT8},
	TYPED_WINDOWS("purchases", RAS_COL_INT8), TYPED_WINDOWS("purchasesSameSku", RAS_COL_INT8),
	TYPED_WINDOWS("unitsSoldClicks", RAS_COL_INT8), TYPED_WINDOWS("unitsSoldSameSku", RAS_COL_INT8),
	TYPED_WINDOWS("sales", RAS_COL_NUMERIC), TYPED_WINDOWS("attributedSalesSameSku", RAS_COL_NUMERIC),
	{"kindleEditionNormalizedPagesRead14d", RAS_COL_INT8},
	{"kindleEditionNormalizedPagesRoyalties14d", RAS_COL_NUMERIC},
	{"unitsSoldOtherSku7d", RAS_COL_INT8}, {"salesOtherSku7d", RAS_COL_NUMERIC},
	{"grossImpressions", RAS_COL_INT8}, {"grossClickThroughs", RAS_COL_INT8},
	{"invalidImpressions", RAS_COL_INT8}, {"invalidClickThroughs", RAS_COL_INT8},
	{"invalidImpressionRate", RAS_COL_NUMERIC}, {"invalidClickThroughRate", RAS_COL_NUMERIC},
	{"cost", RAS_COL_NUMERIC}, {"spend", RAS_COL_NUMERIC}, {"costPerClick", RAS_COL_NUMERIC},
	{"clickThroughRate", RAS_COL_NUMERIC}, {"topOfSearchImpressionShare", RAS_COL_NUMERIC},
	{"acosClicks7d", RAS_COL_NUMERIC}, {"acosClicks14d", RAS_COL_NUMERIC},
	{"roasClicks7d", RAS_COL_NUMERIC}, {"roasClicks14d", RAS_COL_NUMERIC},
	{"campaignBudgetAmount", RAS_COL_NUMERIC}, {"campaignRuleBasedBudgetAmount", RAS_COL_NUMERIC},
	{"keywordBid", RAS_COL_NUMERIC},
};


#define LIST(...) (const char *const[]) {__VA_ARGS__, NULL}

static const char *const statuses[] = {"ENABLED", "PAUSED", "ARCHIVED", NULL};
static const char *const keyword_types[] = {
	"BROAD", "PHRASE", "EXACT", "TARGETING_EXPRESSION", "TARGETING_EXPRESSION_PREDEFINED", NULL
};

#define CAMPAIGN_COLUMNS \
	"campaignName", "campaignId", "campaignStatus", "campaignBudgetAmount", \
	"campaignBudgetType", "campaignRuleBasedBudgetAmount", "campaignApplicableBudgetRuleId", \
	"campaignApplicableBudgetRuleName", "campaignBudgetCurrencyCode", \
	"topOfSearchImpressionShare"

#define TARGETING_COLUMNS \
	"impressions", "addToList", "qualifiedBorrows", "royaltyQualifiedBorrows", "clicks", \
	"costPerClick", "clickThroughRate", "cost", FAMILIES, \
	"kindleEditionNormalizedPagesRead14d", "kindleEditionNormalizedPagesRoyalties14d", \
	"salesOtherSku7d", "unitsSoldOtherSku7d", "acosClicks7d", "acosClicks14d", \
	"roasClicks7d", "roasClicks14d", "keywordId", "keyword", "campaignBudgetCurrencyCode", \
	"date", "startDate", "endDate", "portfolioId", "campaignName", "campaignId", \
	"campaignBudgetType", "campaignBudgetAmount", "campaignStatus", "keywordBid", \
	"adGroupName", "adGroupId", "keywordType", "matchType", "targeting", "adKeywordStatus"

#define TARGETING_DEFAULTS \
	"campaignId", "campaignName", "adGroupId", "adGroupName", "keywordId", "keyword", \
	"matchType", "keywordType", "targeting", "adKeywordStatus", "keywordBid", \
	"campaignBudgetCurrencyCode"

#define PERFORMANCE_METRICS \
	"impressions", "clicks", "cost", "costPerClick", "clickThroughRate", "purchases7d", \
	"purchases14d", "unitsSoldClicks14d", "sales7d", "sales14d"

static const ReportGroup campaign_groups[] = {
	{"campaign", LIST(CAMPAIGN_COLUMNS), LIST("campaignId"),
	 LIST("campaignId", "campaignName", "campaignStatus", "campaignBudgetCurrencyCode"), NULL},
	{"adGroup", LIST("adGroupName", "adGroupId", "adStatus"), LIST("adGroupId"),
	 LIST("adGroupId", "adGroupName", "adStatus"), "campaignPlacement"},
	{"campaignPlacement", LIST("placementClassification", CAMPAIGN_COLUMNS),
	 LIST("campaignId", "placementClassification"),
	 LIST("campaignId", "campaignName", "placementClassification",
		  "campaignBudgetCurrencyCode"), "adGroup"},
};
static const ReportFilter campaign_filters[] = {
	{"campaignStatus", statuses, "campaign"},
	{"adStatus", statuses, "adGroup"},
	{"campaignSite", NULL, "campaignPlacement"},
};

static const ReportGroup targeting_groups[] = {
	{"targeting", LIST(TARGETING_COLUMNS, "topOfSearchImpressionShare"),
	 LIST("campaignId", "adGroupId", "keywordId"), LIST(TARGETING_DEFAULTS), NULL},
};
static const ReportFilter targeting_filters[] = {
	{"adKeywordStatus", statuses, NULL},
	{"keywordType", keyword_types, NULL},
};

static const ReportGroup search_term_groups[] = {
	{"searchTerm", LIST(TARGETING_COLUMNS, "searchTerm"),
	 LIST("campaignId", "adGroupId", "keywordId", "searchTerm"),
	 LIST(TARGETING_DEFAULTS, "searchTerm"), NULL},
};
static const ReportFilter search_term_filters[] = {
	{"keywordType", keyword_types, NULL},
};

static const ReportGroup gross_groups[] = {
	{"campaign", LIST("campaignName", "campaignStatus", "clicks", "date", "endDate",
					  "grossClickThroughs", "grossImpressions", "impressions",
					  "invalidClickThroughRate", "invalidClickThroughs",
					  "invalidImpressionRate", "invalidImpressions", "startDate"),
	 LIST("campaignName"), LIST("campaignName", "campaignStatus"), NULL},
};
static const ReportFilter gross_filters[] = {
	{"campaignStatus", statuses, NULL},
};

static const ReportGroup advertised_groups[] = {
	{"advertiser", LIST("date", "startDate", "endDate", "campaignName", "campaignId",
						"adGroupName", "adGroupId", "adId", "addToList", "qualifiedBorrows",
						"royaltyQualifiedBorrows", "portfolioId", "impressions", "clicks",
						"costPerClick", "clickThroughRate", "cost", "spend",
						"campaignBudgetCurrencyCode", "campaignBudgetAmount",
						"campaignBudgetType", "campaignStatus", "advertisedAsin",
						"advertisedSku", FAMILIES, "salesOtherSku7d", "unitsSoldOtherSku7d",
						"kindleEditionNormalizedPagesRead14d",
						"kindleEditionNormalizedPagesRoyalties14d", "acosClicks7d",
						"acosClicks14d", "roasClicks7d", "roasClicks14d"),
	 LIST("campaignId", "adGroupId", "adId"),
	 LIST("campaignId", "campaignName", "adGroupId", "adGroupName", "adId", "advertisedAsin",
		  "advertisedSku", "campaignBudgetCurrencyCode"), NULL},
};
static const ReportFilter advertised_filters[] = {
	{"adCreativeStatus", statuses, NULL},
};

const ReportType ras_report_catalog[] = {
	{"spCampaigns", 31, 95,
	 LIST("impressions", "addToList", "qualifiedBorrows", "royaltyQualifiedBorrows", "clicks",
		  "cost", FAMILIES, "kindleEditionNormalizedPagesRead14d",
		  "kindleEditionNormalizedPagesRoyalties14d", "date", "startDate", "endDate",
		  "campaignBiddingStrategy", "costPerClick", "clickThroughRate", "spend"),
	 campaign_groups, lengthof(campaign_groups), LIST(PERFORMANCE_METRICS),
	 campaign_filters, lengthof(campaign_filters)},
	{"spTargeting", 31, 95, NULL, targeting_groups, lengthof(targeting_groups),
	 LIST(PERFORMANCE_METRICS, "acosClicks14d", "roasClicks14d"),
	 targeting_filters, lengthof(targeting_filters)},
	{"spSearchTerm", 31, 95, NULL, search_term_groups, lengthof(search_term_groups),
	 LIST(PERFORMANCE_METRICS, "acosClicks14d", "roasClicks14d"),
	 search_term_filters, lengthof(search_term_filters)},
	{"spGrossAndInvalids", 365, 365, NULL, gross_groups, lengthof(gross_groups),
	 LIST("impressions", "clicks", "grossImpressions", "grossClickThroughs",
		  "invalidImpressions", "invalidClickThroughs", "invalidImpressionRate",
		  "invalidClickThroughRate"),
	 gross_filters, lengthof(gross_filters)},
	{"spAdvertisedProduct", 31, 95, NULL, advertised_groups, lengthof(advertised_groups),
	 LIST(PERFORMANCE_METRICS, "acosClicks14d", "roasClicks14d"),
	 advertised_filters, lengthof(advertised_filters)},
};
const int	ras_report_catalog_len = lengthof(ras_report_catalog);

/* ---------- catalogue lookups ---------- */

bool
ras_report_in_list(const char *const *list, const char *name)
{
	for (; list && *list; list++)
		if (strcmp(*list, name) == 0)
			return true;
	return false;
}

char *
ras_report_join_list(const char *const *list)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (; list && *list; list++)
		appendStringInfo(&buf, "%s%s", buf.len ? ", " : "", *list);
	return buf.data;
}

RasColType
ras_report_column_type(const char *name)
{
	for (int i = 0; i < lengthof(column_types); i++)
		if (strcmp(column_types[i].name, name) == 0)
			return column_types[i].type;
	return RAS_COL_TEXT;
}

/* keywordId -> keyword_id, purchasesSameSku14d -> purchases_same_sku14d */
char *
ras_report_snake_case(const char *name)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (const char *p = name; *p; p++)
	{
		if (*p >= 'A' && *p <= 'Z')
		{
			appendStringInfoChar(&buf, '_');
			appendStringInfoChar(&buf, *p - 'A' + 'a');
		}
		else
			appendStringInfoChar(&buf, *p);
	}
	return buf.data;
}

/*
 * Report types, groupBys and filters each hold their name in their first
 * member: one lookup serves the three tables, and an unknown name is
 * refused with the list of known ones.
 */
StaticAssertDecl(offsetof(ReportType, id) == 0 && offsetof(ReportGroup, name) == 0 &&
				 offsetof(ReportFilter, field) == 0,
				 "catalogue entries start with their name");

static const char *
entry_name(const void *entries, size_t size, int i)
{
	return *(const char *const *) ((const char *) entries + i * size);
}

/* The index of the entry called name among n entries of size bytes, or -1. */
static int
entry_index(const void *entries, int n, size_t size, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(entry_name(entries, size, i), name) == 0)
			return i;
	return -1;
}

/* "a, b, c": the names of n entries of size bytes. */
static char *
entry_names(const void *entries, int n, size_t size)
{
	StringInfoData names;

	initStringInfo(&names);
	for (int i = 0; i < n; i++)
		appendStringInfo(&names, "%s%s", i ? ", " : "", entry_name(entries, size, i));
	return names.data;
}

const ReportType *
ras_report_find_type(const char *id)
{
	int			i = entry_index(ras_report_catalog, lengthof(ras_report_catalog), sizeof(ReportType), id);

	if (i < 0)
		ereport(ERROR,
				(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
				 errmsg("unknown report type \"%s\"", id),
				 errhint("Report types are %s.",
						 entry_names(ras_report_catalog, lengthof(ras_report_catalog), sizeof(ReportType)))));
	return &ras_report_catalog[i];
}

const ReportGroup *
ras_report_find_group(const ReportType *t, const char *name)
{
	int			i = entry_index(t->groups, t->ngroups, sizeof(ReportGroup), name);

	if (i < 0)
		ereport(ERROR,
				(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
				 errmsg("group_by \"%s\" is not available for %s", name, t->id),
				 errhint("%s groups by %s.", t->id,
						 entry_names(t->groups, t->ngroups, sizeof(ReportGroup)))));
	return &t->groups[i];
}

const ReportFilter *
ras_report_find_filter(const ReportType *t, const char *field)
{
	int			i = entry_index(t->filters, t->nfilters, sizeof(ReportFilter), field);

	if (i < 0)
		ereport(ERROR,
				(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
				 errmsg("filter \"%s\" is not available for %s", field, t->id),
				 errhint("%s filters on %s.", t->id,
						 entry_names(t->filters, t->nfilters, sizeof(ReportFilter)))));
	return &t->filters[i];
}
