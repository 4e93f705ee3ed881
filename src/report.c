/*
 * report.c
 *     Sponsored Products reports (reporting v3): the catalogue of report
 *     types, validation before anything is sent, requests with reuse of
 *     the same configuration, report jobs, waiting, cancelling and rows.
 *
 * What differs between report types is data (the catalogue below): their
 * groupBys, the columns each makes available, default columns, filters,
 * range and retention limits and grain keys.  One code path serves them all.
 *
 * Every report requested is a row of ras.report_jobs, keyed by Amazon's
 * report id and labelled with a hash of its configuration (server, profile
 * and request body), so that asking again for the same thing reuses the
 * pending or recent report instead of posting again.  A 425 answer names the
 * report already in progress for the same request: it is adopted.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "common/cryptohash.h"
#include "common/sha2.h"
#include "datatype/timestamp.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "ras.h"

/* ---------- the catalogue (reports.md) ---------- */

typedef enum ColumnType
{
	COL_TEXT,
	COL_INT8,
	COL_NUMERIC,
	COL_DATE
} ColumnType;

static const char *const column_type_names[] = {"text", "bigint", "numeric", "date"};

typedef struct ColumnTyping
{
	const char *name;
	ColumnType	type;
} ColumnTyping;

#define WINDOWS(f) f "1d", f "7d", f "14d", f "30d"
#define TYPED_WINDOWS(f, t) {f "1d", t}, {f "7d", t}, {f "14d", t}, {f "30d", t}
#define FAMILIES \
	WINDOWS("purchases"), WINDOWS("purchasesSameSku"), WINDOWS("unitsSoldClicks"), \
	WINDOWS("sales"), WINDOWS("attributedSalesSameSku"), WINDOWS("unitsSoldSameSku")

/* Every column that is not text; ids, names and statuses are text. */
static const ColumnTyping column_types[] = {
	{"date", COL_DATE}, {"startDate", COL_DATE}, {"endDate", COL_DATE},
	{"impressions", COL_INT8}, {"clicks", COL_INT8}, {"addToList", COL_INT8},
	{"qualifiedBorrows", COL_INT8}, {"royaltyQualifiedBorrows", COL_INT8},
	TYPED_WINDOWS("purchases", COL_INT8), TYPED_WINDOWS("purchasesSameSku", COL_INT8),
	TYPED_WINDOWS("unitsSoldClicks", COL_INT8), TYPED_WINDOWS("unitsSoldSameSku", COL_INT8),
	TYPED_WINDOWS("sales", COL_NUMERIC), TYPED_WINDOWS("attributedSalesSameSku", COL_NUMERIC),
	{"kindleEditionNormalizedPagesRead14d", COL_INT8},
	{"kindleEditionNormalizedPagesRoyalties14d", COL_NUMERIC},
	{"unitsSoldOtherSku7d", COL_INT8}, {"salesOtherSku7d", COL_NUMERIC},
	{"grossImpressions", COL_INT8}, {"grossClickThroughs", COL_INT8},
	{"invalidImpressions", COL_INT8}, {"invalidClickThroughs", COL_INT8},
	{"invalidImpressionRate", COL_NUMERIC}, {"invalidClickThroughRate", COL_NUMERIC},
	{"cost", COL_NUMERIC}, {"spend", COL_NUMERIC}, {"costPerClick", COL_NUMERIC},
	{"clickThroughRate", COL_NUMERIC}, {"topOfSearchImpressionShare", COL_NUMERIC},
	{"acosClicks7d", COL_NUMERIC}, {"acosClicks14d", COL_NUMERIC},
	{"roasClicks7d", COL_NUMERIC}, {"roasClicks14d", COL_NUMERIC},
	{"campaignBudgetAmount", COL_NUMERIC}, {"campaignRuleBasedBudgetAmount", COL_NUMERIC},
	{"keywordBid", COL_NUMERIC},
};

typedef struct ReportGroup
{
	const char *name;			/* the groupBy value */
	const char *const *columns; /* columns it makes available */
	const char *const *key;		/* grain key besides the date */
	const char *const *defaults;	/* descriptive columns asked for by default */
	const char *conflicts;		/* a groupBy it cannot be combined with */
} ReportGroup;

typedef struct ReportFilter
{
	const char *field;
	const char *const *values;	/* allowed values; NULL: any */
	const char *only_group;		/* allowed only with this groupBy alone */
} ReportFilter;

typedef struct ReportType
{
	const char *id;
	int			max_days;		/* longest range of one report */
	int			retention_days; /* how far back a report may start */
	const char *const *base;	/* columns every groupBy has */
	const ReportGroup *groups;	/* the first is the default */
	int			ngroups;
	const char *const *metrics; /* metric columns asked for by default */
	const ReportFilter *filters;
	int			nfilters;
} ReportType;

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

static const ReportType report_types[] = {
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

/* Media types of the reporting v3 operations (OfflineReport spec). */
#define CREATE_REQUEST_TYPE		"application/vnd.createasyncreportrequest.v3+json"
#define CREATE_RESPONSE_TYPE	"application/vnd.createasyncreportresponse.v3+json"
#define STATUS_RESPONSE_TYPE	"application/vnd.getasyncreportresponse.v3+json"
#define DELETE_RESPONSE_TYPE	"application/vnd.deleteasyncreportresponse.v3+json"

#define POLL_FIRST_MS		1000
#define POLL_MAX_MS			60000
#define URL_CACHE_SIZE		16
#define URL_CACHE_MAX_AGE_MS (50 * 60 * 1000)	/* URLs live about an hour */
#define DOWNLOAD_TRIES		3

/* ---------- catalogue lookups ---------- */

static bool
in_list(const char *const *list, const char *name)
{
	for (; list && *list; list++)
		if (strcmp(*list, name) == 0)
			return true;
	return false;
}

static char *
join_list(const char *const *list)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (; list && *list; list++)
		appendStringInfo(&buf, "%s%s", buf.len ? ", " : "", *list);
	return buf.data;
}

static ColumnType
column_type(const char *name)
{
	for (int i = 0; i < lengthof(column_types); i++)
		if (strcmp(column_types[i].name, name) == 0)
			return column_types[i].type;
	return COL_TEXT;
}

/* keywordId -> keyword_id, purchasesSameSku14d -> purchases_same_sku14d */
static char *
snake_case(const char *name)
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

static const ReportType *
find_type(const char *id)
{
	StringInfoData names;

	for (int i = 0; i < lengthof(report_types); i++)
		if (strcmp(report_types[i].id, id) == 0)
			return &report_types[i];
	initStringInfo(&names);
	for (int i = 0; i < lengthof(report_types); i++)
		appendStringInfo(&names, "%s%s", i ? ", " : "", report_types[i].id);
	ereport(ERROR,
			(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
			 errmsg("unknown report type \"%s\"", id),
			 errhint("Report types are %s.", names.data)));
	pg_unreachable();
}

static const ReportGroup *
find_group(const ReportType *t, const char *name)
{
	StringInfoData names;

	for (int i = 0; i < t->ngroups; i++)
		if (strcmp(t->groups[i].name, name) == 0)
			return &t->groups[i];
	initStringInfo(&names);
	for (int i = 0; i < t->ngroups; i++)
		appendStringInfo(&names, "%s%s", i ? ", " : "", t->groups[i].name);
	ereport(ERROR,
			(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
			 errmsg("group_by \"%s\" is not available for %s", name, t->id),
			 errhint("%s groups by %s.", t->id, names.data)));
	pg_unreachable();
}

/* ---------- a request, validated ---------- */

typedef struct SpecFilter
{
	const char *field;
	List	   *values;			/* char * */
} SpecFilter;

typedef struct ReportSpec
{
	const ReportType *type;
	const ReportGroup *groups[8];
	int			ngroups;
	bool		daily;
	List	   *columns;		/* char *, in request order */
	List	   *filters;		/* SpecFilter * */
} ReportSpec;

static bool
column_available(const ReportSpec *s, const char *name)
{
	if (in_list(s->type->base, name))
		return true;
	for (int g = 0; g < s->ngroups; g++)
		if (in_list(s->groups[g]->columns, name))
			return true;
	return false;
}

static bool
list_has(List *list, const char *name)
{
	ListCell   *lc;

	foreach(lc, list)
		if (strcmp((char *) lfirst(lc), name) == 0)
		return true;
	return false;
}

static List *
append_new(List *list, const char *const *names)
{
	for (; names && *names; names++)
		if (!list_has(list, *names))
			list = lappend(list, (char *) *names);
	return list;
}

/* The grain key of the spec's groupBys, the date first (DAILY only). */
static List *
grain_key(const ReportSpec *s)
{
	List	   *key = list_make1((char *) "date");

	for (int g = 0; g < s->ngroups; g++)
		key = append_new(key, s->groups[g]->key);
	return key;
}

static void
read_groups(ReportSpec *s, Datum *values, int n)
{
	if (n == 0)
	{
		s->groups[s->ngroups++] = &s->type->groups[0];
		return;
	}
	if (n > lengthof(s->groups))
		ereport(ERROR,
				(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
				 errmsg("too many group_by values")));
	for (int i = 0; i < n; i++)
	{
		const ReportGroup *g = find_group(s->type, ras_text_cstring(values[i]));

		for (int j = 0; j < s->ngroups; j++)
		{
			if (s->groups[j] == g)
				ereport(ERROR,
						(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
						 errmsg("group_by \"%s\" is repeated", g->name)));
			if (g->conflicts && strcmp(g->conflicts, s->groups[j]->name) == 0)
				ereport(ERROR,
						(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
						 errmsg("group_by \"%s\" cannot be combined with \"%s\"",
								g->name, s->groups[j]->name)));
		}
		s->groups[s->ngroups++] = g;
	}
}

static void
check_time_column(const ReportSpec *s, const char *name)
{
	if (s->daily && (strcmp(name, "startDate") == 0 || strcmp(name, "endDate") == 0))
		ereport(ERROR,
				(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
				 errmsg("column \"%s\" needs time_unit SUMMARY", name),
				 errhint("DAILY reports carry the column \"date\".")));
	if (!s->daily && strcmp(name, "date") == 0)
		ereport(ERROR,
				(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
				 errmsg("column \"date\" needs time_unit DAILY"),
				 errhint("SUMMARY reports carry the columns \"startDate\" and \"endDate\".")));
}

static void
read_columns(ReportSpec *s, Datum *values, int n, bool with_key)
{
	StringInfoData bad;
	int			nbad = 0;

	if (n == 0)
	{
		s->columns = s->daily ? list_make1((char *) "date")
			: list_make2((char *) "startDate", (char *) "endDate");
		for (int g = 0; g < s->ngroups; g++)
			s->columns = append_new(s->columns, s->groups[g]->defaults);
		s->columns = append_new(s->columns, s->type->metrics);
	}
	initStringInfo(&bad);
	for (int i = 0; i < n; i++)
	{
		char	   *name = ras_text_cstring(values[i]);

		if (!column_available(s, name))
		{
			appendStringInfo(&bad, "%s%s", nbad++ ? ", " : "", name);
			continue;
		}
		check_time_column(s, name);
		if (list_has(s->columns, name))
			ereport(ERROR,
					(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
					 errmsg("column \"%s\" is repeated", name)));
		s->columns = lappend(s->columns, name);
	}
	if (nbad > 0)
	{
		StringInfoData groups;

		initStringInfo(&groups);
		for (int g = 0; g < s->ngroups; g++)
			appendStringInfo(&groups, "%s%s", g ? ", " : "", s->groups[g]->name);
		ereport(ERROR,
				(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
				 errmsg("%s grouped by %s has no column%s %s",
						s->type->id, groups.data, nbad > 1 ? "s" : "", bad.data),
				 errdetail("Amazon rejects a whole report for one unknown column; nothing was sent."),
				 errhint("ras.report_types() lists the columns of each report type and group_by.")));
	}
	if (with_key)
	{
		List	   *key = grain_key(s);
		ListCell   *lc;

		if (!s->daily)
			ereport(ERROR,
					(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
					 errmsg("loading needs time_unit DAILY"),
					 errhint("The grain of a loaded table includes the date.")));
		foreach(lc, key)
			if (!list_has(s->columns, lfirst(lc)))
			s->columns = lappend(s->columns, lfirst(lc));
	}
}

static const ReportFilter *
find_filter(const ReportType *t, const char *field)
{
	StringInfoData names;

	for (int i = 0; i < t->nfilters; i++)
		if (strcmp(t->filters[i].field, field) == 0)
			return &t->filters[i];
	initStringInfo(&names);
	for (int i = 0; i < t->nfilters; i++)
		appendStringInfo(&names, "%s%s", i ? ", " : "", t->filters[i].field);
	ereport(ERROR,
			(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
			 errmsg("filter \"%s\" is not available for %s", field, t->id),
			 errhint("%s filters on %s.", t->id, names.data)));
	pg_unreachable();
}

static void
check_filter_value(const ReportFilter *f, const char *value)
{
	if (f->values != NULL && !in_list(f->values, value))
		ereport(ERROR,
				(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
				 errmsg("invalid value \"%s\" for filter \"%s\"", value, f->field),
				 errhint("Valid values are %s.", join_list(f->values))));
}

static char *
jsonb_string(const JsonbValue *v)
{
	if (v->type != jbvString)
		return NULL;
	return pnstrdup(v->val.string.val, v->val.string.len);
}

/* filters => '{"keywordType": ["BROAD", "EXACT"], "adKeywordStatus": "ENABLED"}' */
static void
read_filters(ReportSpec *s, Jsonb *filters)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	SpecFilter *current = NULL;
	const ReportFilter *rf = NULL;
	int			depth = 0;

	if (!JB_ROOT_IS_OBJECT(filters) || JB_ROOT_IS_SCALAR(filters))
		ereport(ERROR,
				(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
				 errmsg("filters must be a JSON object"),
				 errhint("For example '{\"keywordType\": [\"BROAD\", \"EXACT\"]}'.")));
	it = JsonbIteratorInit(&filters->root);
	while ((tok = JsonbIteratorNext(&it, &v, false)) != WJB_DONE)
	{
		char	   *str;

		switch (tok)
		{
			case WJB_BEGIN_OBJECT:
			case WJB_BEGIN_ARRAY:
				if (++depth > 2 || (tok == WJB_BEGIN_OBJECT && depth > 1))
					ereport(ERROR,
							(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
							 errmsg("the value of a filter must be a string or an array of strings")));
				break;
			case WJB_END_OBJECT:
			case WJB_END_ARRAY:
				depth--;
				break;
			case WJB_KEY:
				rf = find_filter(s->type, jsonb_string(&v));
				if (rf->only_group && (s->ngroups != 1 || strcmp(s->groups[0]->name, rf->only_group) != 0))
					ereport(ERROR,
							(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
							 errmsg("filter \"%s\" needs group_by %s alone", rf->field, rf->only_group)));
				current = palloc0(sizeof(SpecFilter));
				current->field = rf->field;
				s->filters = lappend(s->filters, current);
				break;
			case WJB_VALUE:
			case WJB_ELEM:
				str = jsonb_string(&v);
				if (str == NULL)
					ereport(ERROR,
							(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
							 errmsg("the value of a filter must be a string or an array of strings")));
				check_filter_value(rf, str);
				current->values = lappend(current->values, str);
				break;
			default:
				break;
		}
	}
	{
		ListCell   *lc;

		foreach(lc, s->filters)
			if (((SpecFilter *) lfirst(lc))->values == NIL)
			ereport(ERROR,
					(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
					 errmsg("filter \"%s\" has no values", ((SpecFilter *) lfirst(lc))->field)));
	}
}

/* ---------- SQL arguments ---------- */

static char *
arg_text(FunctionCallInfo fcinfo, const char *name)
{
	int			pos = ras_call_arg(fcinfo, name);

	return (pos < 0 || PG_ARGISNULL(pos)) ? NULL : ras_text_cstring(PG_GETARG_DATUM(pos));
}

static void
arg_text_array(FunctionCallInfo fcinfo, const char *name, Datum **values, int *n)
{
	int			pos = ras_call_arg(fcinfo, name);

	*values = NULL;
	*n = 0;
	if (pos >= 0 && !PG_ARGISNULL(pos))
		ras_text_array(PG_GETARG_DATUM(pos), values, n);
}

static long
interval_ms(const Interval *iv, const char *name)
{
	double		ms = iv->time / 1000.0 +
		((double) iv->day + (double) iv->month * DAYS_PER_MONTH) * (USECS_PER_DAY / 1000);

	if (ms < 0)
		ereport(ERROR,
				(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
				 errmsg("%s must not be negative", name)));
	/* ten years is "for ever" here, and keeps every later sum in range */
	return ms > 3650.0 * (USECS_PER_DAY / 1000) ? 3650L * (USECS_PER_DAY / 1000) : (long) ms;
}

static const char *
require_text(FunctionCallInfo fcinfo, const char *name)
{
	char	   *v = arg_text(fcinfo, name);

	if (v == NULL)
		ereport(ERROR,
				(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
				 errmsg("%s must not be NULL", name)));
	return v;
}

/* The spec of a call to ras.report(), ras.report_request() or ras.report_columns(). */
static ReportSpec *
spec_from_args(FunctionCallInfo fcinfo, bool with_key)
{
	ReportSpec *s = palloc0(sizeof(ReportSpec));
	char	   *time_unit = arg_text(fcinfo, "time_unit");
	int			filters_pos = ras_call_arg(fcinfo, "filters");
	Datum	   *values;
	int			n;

	s->type = find_type(require_text(fcinfo, "report_type"));
	if (time_unit == NULL || strcmp(time_unit, "DAILY") == 0)
		s->daily = true;
	else if (strcmp(time_unit, "SUMMARY") != 0)
		ereport(ERROR,
				(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
				 errmsg("invalid time_unit \"%s\"", time_unit),
				 errhint("Valid values are DAILY and SUMMARY.")));
	arg_text_array(fcinfo, "group_by", &values, &n);
	read_groups(s, values, n);
	arg_text_array(fcinfo, "columns", &values, &n);
	read_columns(s, values, n, with_key);
	if (filters_pos >= 0 && !PG_ARGISNULL(filters_pos))
		read_filters(s, PG_GETARG_JSONB_P(filters_pos));
	return s;
}

/* ---------- dates and bodies ---------- */

static char *
iso_date(DateADT d)
{
	int			y,
				m,
				day;

	j2date(d + POSTGRES_EPOCH_JDATE, &y, &m, &day);
	return psprintf("%04d-%02d-%02d", y, m, day);
}

typedef struct Piece
{
	DateADT		start;
	DateADT		end;
	char	   *configuration;	/* JSON */
	char	   *body;			/* JSON */
	char	   *hash;
	char	   *report_id;
	char	   *status;
} Piece;

/* Checks the range and cuts it into pieces the report type allows. */
static List *
split_range(const ReportType *t, DateADT start, DateADT end)
{
	DateADT		today = GetSQLCurrentDate();
	List	   *pieces = NIL;

	if (start > end)
		ereport(ERROR,
				(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
				 errmsg("start_date is after end_date")));
	if (start < today - t->retention_days)
		ereport(ERROR,
				(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
				 errmsg("start_date is older than the %d-day retention of %s",
						t->retention_days, t->id),
				 errdetail("The earliest start date today is %s.",
						   iso_date(today - t->retention_days))));
	if (end > today + 1)
		ereport(ERROR,
				(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
				 errmsg("end_date is in the future")));
	for (DateADT from = start; from <= end; from += t->max_days)
	{
		Piece	   *p = palloc0(sizeof(Piece));

		p->start = from;
		p->end = Min(end, from + t->max_days - 1);
		pieces = lappend(pieces, p);
	}
	return pieces;
}

static void
body_strings(RasBody *b, List *strings)
{
	ListCell   *lc;

	ras_body_open(b, '[');
	foreach(lc, strings)
		ras_body_string(b, lfirst(lc));
	ras_body_close(b, ']');
}

static char *
configuration_json(const ReportSpec *s)
{
	RasBody		b;
	ListCell   *lc;

	ras_body_begin(&b);
	ras_body_key(&b, "adProduct");
	ras_body_string(&b, "SPONSORED_PRODUCTS");
	ras_body_key(&b, "reportTypeId");
	ras_body_string(&b, s->type->id);
	ras_body_key(&b, "groupBy");
	ras_body_open(&b, '[');
	for (int g = 0; g < s->ngroups; g++)
		ras_body_string(&b, s->groups[g]->name);
	ras_body_close(&b, ']');
	ras_body_key(&b, "columns");
	body_strings(&b, s->columns);
	ras_body_key(&b, "timeUnit");
	ras_body_string(&b, s->daily ? "DAILY" : "SUMMARY");
	ras_body_key(&b, "format");
	ras_body_string(&b, "GZIP_JSON");
	if (s->filters != NIL)
	{
		ras_body_key(&b, "filters");
		ras_body_open(&b, '[');
		foreach(lc, s->filters)
		{
			SpecFilter *f = lfirst(lc);

			ras_body_open(&b, '{');
			ras_body_key(&b, "field");
			ras_body_string(&b, f->field);
			ras_body_key(&b, "values");
			body_strings(&b, f->values);
			ras_body_close(&b, '}');
		}
		ras_body_close(&b, ']');
	}
	return ras_body_end(&b);
}

static char *
request_body(Piece *p)
{
	RasBody		b;

	ras_body_begin(&b);
	ras_body_key(&b, "startDate");
	ras_body_string(&b, iso_date(p->start));
	ras_body_key(&b, "endDate");
	ras_body_string(&b, iso_date(p->end));
	ras_body_key(&b, "configuration");
	ras_body_raw(&b, p->configuration);
	return ras_body_end(&b);
}

/* The configuration hash: same server, profile and request, same report. */
static char *
config_hash(const char *server, const char *profile_id, const char *body)
{
	pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_SHA256);
	uint8		digest[PG_SHA256_DIGEST_LENGTH];
	char	   *hex = palloc(PG_SHA256_DIGEST_LENGTH * 2 + 1);

	if (ctx == NULL || pg_cryptohash_init(ctx) < 0 ||
		pg_cryptohash_update(ctx, (const uint8 *) server, strlen(server) + 1) < 0 ||
		pg_cryptohash_update(ctx, (const uint8 *) profile_id, strlen(profile_id) + 1) < 0 ||
		pg_cryptohash_update(ctx, (const uint8 *) body, strlen(body)) < 0 ||
		pg_cryptohash_final(ctx, digest, sizeof(digest)) < 0)
	{
		pg_cryptohash_free(ctx);
		elog(ERROR, "could not compute a SHA-256 hash");
	}
	pg_cryptohash_free(ctx);
	for (int i = 0; i < PG_SHA256_DIGEST_LENGTH; i++)
		sprintf(hex + 2 * i, "%02x", digest[i]);
	return hex;
}

/* ---------- ras.report_jobs ---------- */

static bool
is_finished(const char *status)
{
	return status != NULL && strcmp(status, "PENDING") != 0 && strcmp(status, "PROCESSING") != 0;
}

/* Runs one statement on ras.report_jobs with text parameters (NULL: SQL NULL). */
static void
job_sql(const char *sql, int nargs, const char **args, int expected)
{
	Oid			types[16];
	Datum		values[16];
	char		nulls[16];
	int			rc;

	Assert(nargs <= lengthof(types));
	for (int i = 0; i < nargs; i++)
	{
		types[i] = TEXTOID;
		values[i] = args[i] ? CStringGetTextDatum(args[i]) : (Datum) 0;
		nulls[i] = args[i] ? ' ' : 'n';
	}
	rc = SPI_execute_with_args(sql, nargs, types, values, nulls, false, 0);
	if (rc != expected)
		elog(ERROR, "could not update ras.report_jobs: %s", SPI_result_code_string(rc));
}

/* Column col of the first row of the last SPI result, copied to cxt; or NULL. */
static char *
spi_value(MemoryContext cxt, int col)
{
	char	   *v;

	if (SPI_processed == 0)
		return NULL;
	v = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, col);
	return v ? MemoryContextStrdup(cxt, v) : NULL;
}

static void
job_insert(const Piece *p, const ReportSpec *s, const char *server, const char *profile_id)
{
	const char *args[] = {
		p->report_id, p->hash, s->type->id, s->daily ? "DAILY" : "SUMMARY",
		iso_date(p->start), iso_date(p->end), p->configuration, p->status, server, profile_id
	};

	SPI_connect();
	job_sql("INSERT INTO ras.report_jobs AS j (report_id, config_hash, report_type, time_unit,"
			" start_date, end_date, configuration, status, server, profile_id)"
			" VALUES ($1, $2, $3, $4, $5::date, $6::date, $7::jsonb, $8, $9, $10)"
			" ON CONFLICT (report_id) DO UPDATE SET config_hash = EXCLUDED.config_hash,"
			" updated_at = pg_catalog.now()",
			lengthof(args), args, SPI_OK_INSERT);
	SPI_finish();
}

/* The newest report of this configuration that may be reused, or NULL. */
static char *
job_reusable(const char *hash, long max_age_ms)
{
	const char *args[] = {hash, psprintf("%ld milliseconds", max_age_ms)};
	MemoryContext caller = CurrentMemoryContext;
	char	   *id;

	SPI_connect();
	job_sql("SELECT report_id FROM ras.report_jobs WHERE config_hash = $1"
			" AND (status IN ('PENDING', 'PROCESSING')"
			" OR (status = 'COMPLETED' AND requested_at > pg_catalog.now() - $2::interval))"
			" ORDER BY requested_at DESC LIMIT 1",
			lengthof(args), args, SPI_OK_SELECT);
	id = spi_value(caller, 1);
	SPI_finish();
	return id;
}

/* Server and profile a known report lives in; false when ras did not record it. */
static bool
job_location(const char *report_id, char **server, char **profile_id)
{
	const char *args[] = {report_id};
	MemoryContext caller = CurrentMemoryContext;
	bool		found;

	SPI_connect();
	job_sql("SELECT server, profile_id FROM ras.report_jobs WHERE report_id = $1",
			1, args, SPI_OK_SELECT);
	found = SPI_processed > 0;
	*server = spi_value(caller, 1);
	*profile_id = spi_value(caller, 2);
	SPI_finish();
	return found;
}

/* ---------- one report at Amazon ---------- */

/* Where a report lives and what is known of it. */
typedef struct ReportRef
{
	char	   *report_id;
	RasConn    *conn;
	const char *profile_id;
	bool		recorded;		/* ras.report_jobs has it */
	char	   *status;			/* NULL: not asked yet */
	char	   *failure_reason;
	char	   *url;
	char	   *file_size;
	char	   *report_type;
	char	   *start_date;
	char	   *end_date;
	Jsonb	   *configuration;
} ReportRef;

static char *
answer_string(Jsonb *answer, const char *key)
{
	JsonbValue	v;

	if (!JB_ROOT_IS_OBJECT(answer) ||
		!getKeyJsonValueFromContainer(&answer->root, key, strlen(key), &v))
		return NULL;
	if (v.type == jbvString)
		return pnstrdup(v.val.string.val, v.val.string.len);
	if (v.type == jbvNumeric)
		return DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v.val.numeric)));
	return NULL;
}

static Jsonb *
answer_object(Jsonb *answer, const char *key)
{
	JsonbValue	v;

	if (!JB_ROOT_IS_OBJECT(answer) ||
		!getKeyJsonValueFromContainer(&answer->root, key, strlen(key), &v) ||
		v.type != jbvBinary)
		return NULL;
	return JsonbValueToJsonb(&v);
}

pg_attribute_noreturn()
static void
unexpected_answer(const char *what)
{
	ereport(ERROR,
			(errcode(RAS_SQLSTATE_REMOTE),
			 errmsg("unexpected answer from the Amazon Ads API: %s", what)));
}

/* Records what a status answer says in ras.report_jobs. */
static void
save_status(ReportRef *r)
{
	char	   *configuration = r->configuration ?
		DatumGetCString(DirectFunctionCall1(jsonb_out, JsonbPGetDatum(r->configuration))) : NULL;
	const char *args[] = {
		r->report_id, r->report_type, r->start_date, r->end_date, configuration,
		r->status, r->failure_reason, r->file_size, r->conn->server_name, r->profile_id
	};

	SPI_connect();
	job_sql("INSERT INTO ras.report_jobs AS j (report_id, report_type, time_unit, start_date,"
			" end_date, configuration, status, failure_reason, file_size, server, profile_id,"
			" completed_at)"
			" VALUES ($1, $2, $5::jsonb ->> 'timeUnit', $3::date, $4::date, $5::jsonb, $6, $7,"
			" $8::numeric::bigint, $9, $10,"
			" CASE WHEN $6 NOT IN ('PENDING', 'PROCESSING') THEN pg_catalog.now() END)"
			" ON CONFLICT (report_id) DO UPDATE SET status = EXCLUDED.status,"
			" failure_reason = EXCLUDED.failure_reason, file_size = EXCLUDED.file_size,"
			" updated_at = pg_catalog.now(),"
			" completed_at = CASE WHEN EXCLUDED.status NOT IN ('PENDING', 'PROCESSING')"
			" THEN coalesce(j.completed_at, pg_catalog.now()) END",
			lengthof(args), args, SPI_OK_INSERT);
	SPI_finish();
}

/*
 * Records a final status ras decides itself.  A report ras cancelled stays
 * CANCELLED when Amazon later forgets it.
 */
static void
mark_status(ReportRef *r, const char *status)
{
	const char *args[] = {r->report_id, status};
	MemoryContext caller = CurrentMemoryContext;
	char	   *kept;

	SPI_connect();
	job_sql("UPDATE ras.report_jobs SET updated_at = pg_catalog.now(),"
			" status = CASE WHEN status = 'CANCELLED' AND $2 = 'NOT_FOUND' THEN status ELSE $2 END,"
			" completed_at = coalesce(completed_at, pg_catalog.now())"
			" WHERE report_id = $1 RETURNING status",
			lengthof(args), args, SPI_OK_UPDATE_RETURNING);
	kept = spi_value(caller, 1);
	SPI_finish();
	r->status = kept ? kept : pstrdup(status);
}

/* ----- the session's download URLs: reused until they fail or grow old ----- */

typedef struct CachedUrl
{
	char		report_id[64];
	char	   *url;			/* TopMemoryContext */
	TimestampTz stored;
} CachedUrl;

static CachedUrl url_cache[URL_CACHE_SIZE];

static CachedUrl *
cached_url(const char *report_id)
{
	for (int i = 0; i < URL_CACHE_SIZE; i++)
		if (url_cache[i].url && strcmp(url_cache[i].report_id, report_id) == 0)
			return &url_cache[i];
	return NULL;
}

static void
forget_url(const char *report_id)
{
	CachedUrl  *c = cached_url(report_id);

	if (c)
	{
		pfree(c->url);
		c->url = NULL;
	}
}

static void
remember_url(const char *report_id, const char *url)
{
	CachedUrl  *slot = &url_cache[0];

	if (strlen(report_id) >= sizeof(slot->report_id))
		return;
	forget_url(report_id);
	for (int i = 0; i < URL_CACHE_SIZE; i++)
	{
		if (url_cache[i].url == NULL)
		{
			slot = &url_cache[i];
			break;
		}
		if (url_cache[i].stored < slot->stored)
			slot = &url_cache[i];
	}
	if (slot->url)
		pfree(slot->url);
	strlcpy(slot->report_id, report_id, sizeof(slot->report_id));
	slot->url = MemoryContextStrdup(TopMemoryContext, url);
	slot->stored = GetCurrentTimestamp();
}

static const char *
usable_url(const char *report_id)
{
	CachedUrl  *c = cached_url(report_id);

	if (c == NULL)
		return NULL;
	if (TimestampDifferenceExceeds(c->stored, GetCurrentTimestamp(), URL_CACHE_MAX_AGE_MS))
	{
		forget_url(report_id);
		return NULL;
	}
	return c->url;
}

/*
 * Asks Amazon for the report's status and records it.  A report Amazon no
 * longer knows gets the status NOT_FOUND; other failures raise.
 */
static void
poll_report(ReportRef *r)
{
	RasCall		call = {0};
	RasHttpResponse resp;
	RasFailure	failure;
	Jsonb	   *answer;

	call.method = "GET";
	call.path = psprintf("/reporting/reports/%s", r->report_id);
	call.accept = STATUS_RESPONSE_TYPE;
	call.profile_id = r->profile_id;
	call.idempotent = true;
	call.what = "read the status of a report";
	if (!ras_api_try(r->conn, &call, &resp, &failure))
	{
		if (failure.status == 404)
		{
			mark_status(r, "NOT_FOUND");
			return;
		}
		ras_raise_failure(&failure);
	}
	answer = ras_json_to_jsonb(resp.body, resp.body_len);
	r->status = answer_string(answer, "status");
	if (r->status == NULL)
		unexpected_answer("a report status without \"status\"");
	r->failure_reason = answer_string(answer, "failureReason");
	r->url = answer_string(answer, "url");
	r->file_size = answer_string(answer, "fileSize");
	r->start_date = answer_string(answer, "startDate");
	r->end_date = answer_string(answer, "endDate");
	r->configuration = answer_object(answer, "configuration");
	r->report_type = r->configuration ? answer_string(r->configuration, "reportTypeId") : NULL;
	if (r->report_type == NULL || r->start_date == NULL || r->end_date == NULL)
		unexpected_answer("a report status without its configuration and dates");
	if (r->url)
		remember_url(r->report_id, r->url);
	save_status(r);
}

/* The report id a 425 answer names: "The Request is a duplicate of : <id>". */
static char *
duplicate_of(const RasHttpResponse *resp)
{
	char	   *code;
	char	   *message;
	char	   *colon;
	char	   *end;

	ras_json_error_info(resp->body, resp->body_len, &code, &message);
	if (message == NULL || (colon = strrchr(message, ':')) == NULL)
		return NULL;
	colon++;
	while (*colon == ' ')
		colon++;
	end = colon + strlen(colon);
	while (end > colon && (end[-1] == ' ' || end[-1] == '.'))
		*--end = '\0';
	return *colon ? colon : NULL;
}

/* Posts one piece; adopts the report a 425 names. */
static void
post_piece(RasConn *conn, const char *profile_id, Piece *p)
{
	RasCall		call = {0};
	RasHttpResponse resp;
	RasFailure	failure;
	Jsonb	   *answer;

	call.method = "POST";
	call.path = "/reporting/reports";
	call.body = p->body;
	call.content_type = CREATE_REQUEST_TYPE;
	call.accept = CREATE_RESPONSE_TYPE;
	call.profile_id = profile_id;
	call.idempotent = false;
	call.what = "request a report";
	if (!ras_api_try(conn, &call, &resp, &failure))
	{
		if (failure.status == 425 && (p->report_id = duplicate_of(&resp)) != NULL)
		{
			ereport(DEBUG1,
					(errmsg_internal("ras: adopting report %s, already in progress for this request",
									 p->report_id)));
			p->status = "PENDING";
			return;
		}
		ras_raise_failure(&failure);
	}
	answer = ras_json_to_jsonb(resp.body, resp.body_len);
	p->report_id = answer_string(answer, "reportId");
	p->status = answer_string(answer, "status");
	if (p->report_id == NULL)
		unexpected_answer("no reportId for a new report");
	if (p->status == NULL)
		p->status = "PENDING";
}

static ReportRef *
make_ref(const char *report_id, RasConn *conn, const char *profile_id)
{
	ReportRef  *r = palloc0(sizeof(ReportRef));

	r->report_id = pstrdup(report_id);
	r->conn = conn;
	r->profile_id = profile_id;
	return r;
}

/*
 * A reference to a report by id: where ras.report_jobs says it lives, else
 * in the server and profile of the call.
 */
static ReportRef *
ref_by_id(const char *report_id, const char *server_arg, const char *profile_arg)
{
	char	   *server;
	char	   *profile_id;
	ReportRef  *r;

	if (report_id == NULL || report_id[0] == '\0')
		ereport(ERROR,
				(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
				 errmsg("a report id must not be NULL or empty")));

	if (job_location(report_id, &server, &profile_id))
	{
		r = make_ref(report_id, ras_conn_resolve(server), profile_id);
		r->recorded = true;
		return r;
	}
	return make_ref(report_id, ras_conn_resolve(server_arg), ras_profile_resolve(profile_arg));
}

/* ---------- requesting and waiting ---------- */

/*
 * Requests every piece of the spec's range, reusing what can be reused.
 * A candidate for reuse is checked with Amazon first: one that failed or
 * vanished is replaced by a new request.
 */
static List *
request_pieces(ReportSpec *s, List *pieces, long max_age_ms, RasConn *conn,
			   const char *profile_id)
{
	List	   *refs = NIL;
	char	   *configuration = configuration_json(s);
	ListCell   *lc;

	foreach(lc, pieces)
	{
		Piece	   *p = lfirst(lc);
		char	   *reuse;
		ReportRef  *r = NULL;

		p->configuration = configuration;
		p->body = request_body(p);
		p->hash = config_hash(conn->server_name, profile_id, p->body);
		reuse = job_reusable(p->hash, max_age_ms);
		if (reuse != NULL)
		{
			r = make_ref(reuse, conn, profile_id);
			poll_report(r);
			if (strcmp(r->status, "FAILED") == 0 || strcmp(r->status, "NOT_FOUND") == 0)
				r = NULL;
		}
		if (r == NULL)
		{
			CHECK_FOR_INTERRUPTS();
			post_piece(conn, profile_id, p);
			job_insert(p, s, conn->server_name, profile_id);
			r = make_ref(p->report_id, conn, profile_id);
			r->status = NULL;	/* a new or adopted report is asked about when waiting */
		}
		refs = lappend(refs, r);
	}
	return refs;
}

/*
 * Polls until every report is finished or timeout_ms passes, with
 * backing-off, cancellable waits.  timeout 0 polls each unfinished report
 * once.
 */
static void
wait_reports(List *refs, long timeout_ms)
{
	TimestampTz deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), timeout_ms);
	long		delay = POLL_FIRST_MS;

	for (;;)
	{
		int			pending = 0;
		long		remaining;
		ListCell   *lc;

		foreach(lc, refs)
		{
			ReportRef  *r = lfirst(lc);

			if (is_finished(r->status))
				continue;
			CHECK_FOR_INTERRUPTS();
			poll_report(r);
			if (!is_finished(r->status))
				pending++;
		}
		remaining = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), deadline);
		if (pending == 0 || remaining <= 0)
			return;
		ras_sleep_ms(Min(delay, remaining));
		delay = Min(delay * 2, POLL_MAX_MS);
	}
}

/* Raises unless the report is COMPLETED. */
static void
require_completed(const ReportRef *r, const char *waited)
{
	if (strcmp(r->status, "COMPLETED") == 0)
		return;
	if (strcmp(r->status, "FAILED") == 0)
		ereport(ERROR,
				(errcode(RAS_SQLSTATE_REMOTE),
				 errmsg("the %s report failed at Amazon: %s",
						r->report_type ? r->report_type : "requested",
						r->failure_reason ? r->failure_reason : "no reason given"),
				 errdetail("Report %s.", r->report_id),
				 errhint("Ask again: a failed report is never reused.")));
	if (strcmp(r->status, "NOT_FOUND") == 0 || strcmp(r->status, "CANCELLED") == 0)
		ereport(ERROR,
				(errcode(RAS_SQLSTATE_NOT_FOUND),
				 errmsg("report %s is %s", r->report_id,
						r->status[0] == 'N' ? "unknown to Amazon" : "cancelled"),
				 errhint("Ask for the report again.")));
	ereport(ERROR,
			(errcode(RAS_SQLSTATE_NOT_READY),
			 errmsg("the %s report is not ready%s", r->report_type ? r->report_type : "requested",
					waited),
			 errdetail("Report %s is %s.", r->report_id, r->status),
			 errhint("Collect it later (ras.report_wait, ras.report_rows), or ask again: the same request reuses this report.")));
}

static Datum
ids_array(List *refs)
{
	Datum	   *ids = palloc(sizeof(Datum) * Max(list_length(refs), 1));
	int			n = 0;
	ListCell   *lc;

	foreach(lc, refs)
		ids[n++] = CStringGetTextDatum(((ReportRef *) lfirst(lc))->report_id);
	return PointerGetDatum(construct_array(ids, n, TEXTOID, -1, false, TYPALIGN_INT));
}

static long
interval_arg_ms(FunctionCallInfo fcinfo, const char *name, long dflt)
{
	int			pos = ras_call_arg(fcinfo, name);

	if (pos < 0 || PG_ARGISNULL(pos))
		return dflt;
	return interval_ms(PG_GETARG_INTERVAL_P(pos), name);
}

static DateADT
date_arg(FunctionCallInfo fcinfo, const char *name)
{
	int			pos = ras_call_arg(fcinfo, name);

	if (pos < 0 || PG_ARGISNULL(pos))
		ereport(ERROR,
				(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
				 errmsg("%s must not be NULL", name)));
	if (DATE_NOT_FINITE(PG_GETARG_DATEADT(pos)))
		ereport(ERROR,
				(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
				 errmsg("%s must be a finite date", name)));
	return PG_GETARG_DATEADT(pos);
}

/*
 * ras.report_request(...) -> text[]: requests the report (one id per piece
 * of the range) and returns at once.
 * ras.report(..., timeout) -> text[]: the same, then waits until every
 * piece is COMPLETED; a failed report or the timeout raises.
 */
PG_FUNCTION_INFO_V1(ras_report_request);

Datum
ras_report_request(PG_FUNCTION_ARGS)
{
	ReportSpec *s = spec_from_args(fcinfo, false);
	List	   *pieces = split_range(s->type, date_arg(fcinfo, "start_date"),
									 date_arg(fcinfo, "end_date"));
	long		max_age_ms = interval_arg_ms(fcinfo, "max_age", USECS_PER_DAY / 1000);
	bool		blocking = ras_call_arg(fcinfo, "timeout") >= 0;
	long		timeout_ms = interval_arg_ms(fcinfo, "timeout", 3600 * 1000L);
	RasConn    *conn;
	const char *profile_id;
	List	   *refs;

	conn = ras_conn_resolve(arg_text(fcinfo, "server"));
	profile_id = ras_profile_resolve(arg_text(fcinfo, "profile_id"));
	refs = request_pieces(s, pieces, max_age_ms, conn, profile_id);
	if (blocking)
	{
		ListCell   *lc;
		char	   *waited = psprintf(" after %ld s", (timeout_ms + 500) / 1000);

		wait_reports(refs, timeout_ms);
		foreach(lc, refs)
			require_completed(lfirst(lc), waited);
	}
	PG_RETURN_DATUM(ids_array(refs));
}

/* ---------- ras.report_jobs rows as results ---------- */

static List *
refs_from_array(FunctionCallInfo fcinfo)
{
	char	   *server = arg_text(fcinfo, "server");
	char	   *profile_id = arg_text(fcinfo, "profile_id");
	List	   *refs = NIL;
	int			pos = ras_call_arg(fcinfo, "report_ids");
	Datum	   *ids;
	int			n;

	if (pos < 0)
	{
		/* the single-id form */
		refs = list_make1(ref_by_id(arg_text(fcinfo, "report_id"), server, profile_id));
		return refs;
	}
	if (PG_ARGISNULL(pos))
		ereport(ERROR,
				(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
				 errmsg("report_ids must not be NULL")));
	ras_text_array(PG_GETARG_DATUM(pos), &ids, &n);
	for (int i = 0; i < n; i++)
		refs = lappend(refs, ref_by_id(ras_text_cstring(ids[i]), server, profile_id));
	return refs;
}

/* Puts the ras.report_jobs rows of refs, in their order, into the SRF's result. */
static void
return_jobs(FunctionCallInfo fcinfo, List *refs)
{
	TupleDesc	tupdesc;
	Tuplestorestate *ts = ras_srf_begin(fcinfo, &tupdesc);
	ListCell   *lc;

	foreach(lc, refs)
	{
		const char *args[] = {((ReportRef *) lfirst(lc))->report_id};

		SPI_connect();
		job_sql("SELECT * FROM ras.report_jobs WHERE report_id = $1", 1, args, SPI_OK_SELECT);
		if (SPI_processed > 0)
			tuplestore_puttuple(ts, SPI_tuptable->vals[0]);
		SPI_finish();
	}
}

/* ras.report_wait(report_ids, timeout) -> SETOF ras.report_jobs */
PG_FUNCTION_INFO_V1(ras_report_wait);

Datum
ras_report_wait(PG_FUNCTION_ARGS)
{
	List	   *refs = refs_from_array(fcinfo);

	wait_reports(refs, interval_arg_ms(fcinfo, "timeout", 0));
	return_jobs(fcinfo, refs);
	return (Datum) 0;
}

/* ras.report_status(report_id) -> ras.report_jobs */
PG_FUNCTION_INFO_V1(ras_report_status);

Datum
ras_report_status(PG_FUNCTION_ARGS)
{
	ReportRef  *r = linitial(refs_from_array(fcinfo));

	poll_report(r);
	if (strcmp(r->status, "NOT_FOUND") == 0)
		ereport(ERROR,
				(errcode(RAS_SQLSTATE_NOT_FOUND),
				 errmsg("report %s is unknown to Amazon", r->report_id),
				 errhint("Reports belong to a profile: check profile_id.")));
	return_jobs(fcinfo, list_make1(r));
	return (Datum) 0;
}

/* ras.report_cancel(report_id) -> ras.report_jobs */
PG_FUNCTION_INFO_V1(ras_report_cancel);

Datum
ras_report_cancel(PG_FUNCTION_ARGS)
{
	ReportRef  *r = linitial(refs_from_array(fcinfo));
	RasCall		call = {0};
	RasHttpResponse resp;
	RasFailure	failure;

	call.method = "DELETE";
	call.path = psprintf("/reporting/reports/%s", r->report_id);
	call.accept = DELETE_RESPONSE_TYPE;
	call.profile_id = r->profile_id;
	call.idempotent = true;
	call.what = "cancel a report";
	if (!r->recorded)
		poll_report(r);			/* records it in ras.report_jobs */
	if (!ras_api_try(r->conn, &call, &resp, &failure))
	{
		/* say why when Amazon refuses: the report has finished */
		if (failure.status == 400)
		{
			poll_report(r);
			if (is_finished(r->status))
				ereport(ERROR,
						(errcode(RAS_SQLSTATE_NOT_READY),
						 errmsg("report %s cannot be cancelled: it is %s", r->report_id, r->status),
						 errhint("Only PENDING and PROCESSING reports can be cancelled.")));
		}
		ras_raise_failure(&failure);
	}
	forget_url(r->report_id);
	mark_status(r, "CANCELLED");
	return_jobs(fcinfo, list_make1(r));
	return (Datum) 0;
}

/* ---------- rows ---------- */

/* Storage's own words for a refused download, from its XML error. */
static char *
storage_error(const RasHttpResponse *resp)
{
	const char *tags[] = {"Code", "Message"};
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; i < lengthof(tags); i++)
	{
		char	   *open = psprintf("<%s>", tags[i]);
		const char *from = resp->body_len ? strstr(resp->body, open) : NULL;
		const char *to;

		if (from == NULL)
			continue;
		from += strlen(open);
		to = strchr(from, '<');
		if (to == NULL || to - from > 200)
			continue;
		appendStringInfo(&buf, "%s%.*s", buf.len ? ": " : "", (int) (to - from), from);
	}
	return buf.len ? buf.data : pstrdup("no message");
}

/*
 * Reads one COMPLETED report into the result.  The download URL comes from
 * the session's cache or a status read; a URL storage refuses (expired) is
 * replaced by asking for the status again.
 */
static void
fetch_rows(ReportRef *r, Tuplestorestate *ts, TupleDesc tupdesc)
{
	RasHttpResponse resp;

	for (int attempt = 1;; attempt++)
	{
		const char *url = usable_url(r->report_id);
		int64		nrows;

		if (url == NULL)
		{
			poll_report(r);
			require_completed(r, "");
			url = r->url;
			if (url == NULL)
				unexpected_answer("a COMPLETED report without a url");
		}
		if (ras_report_fetch(url, ts, tupdesc, &nrows, &resp))
			return;
		forget_url(r->report_id);
		r->status = NULL;
		if (resp.status < 400 || resp.status >= 500 || attempt >= DOWNLOAD_TRIES)
			ereport(ERROR,
					(errcode(resp.status >= 500 ? RAS_SQLSTATE_REMOTE :
							 resp.status == 404 ? RAS_SQLSTATE_NOT_FOUND : RAS_SQLSTATE_PERMISSION),
					 errmsg("could not download the file of report %s: HTTP %ld",
							r->report_id, resp.status),
					 errdetail("Storage said: %s (after %d attempt(s)).", storage_error(&resp),
							   attempt)));
		CHECK_FOR_INTERRUPTS();
	}
}

/* ras.report_rows(report_ids text[] | report_id text) -> SETOF jsonb */
PG_FUNCTION_INFO_V1(ras_report_rows);

Datum
ras_report_rows(PG_FUNCTION_ARGS)
{
	List	   *refs = refs_from_array(fcinfo);
	TupleDesc	tupdesc;
	Tuplestorestate *ts = ras_srf_begin(fcinfo, &tupdesc);
	ListCell   *lc;

	foreach(lc, refs)
		fetch_rows(lfirst(lc), ts, tupdesc);
	return (Datum) 0;
}

/* ---------- the catalogue as SQL ---------- */

static Datum
text_array(List *names)
{
	Datum	   *d = palloc(sizeof(Datum) * Max(list_length(names), 1));
	int			n = 0;
	ListCell   *lc;

	foreach(lc, names)
		d[n++] = CStringGetTextDatum(lfirst(lc));
	return PointerGetDatum(construct_array(d, n, TEXTOID, -1, false, TYPALIGN_INT));
}

static List *
list_from(const char *const *names)
{
	return append_new(NIL, names);
}

static Datum
filters_jsonb(const ReportType *t, const ReportGroup *g)
{
	RasBody		b;

	ras_body_begin(&b);
	for (int i = 0; i < t->nfilters; i++)
	{
		const ReportFilter *f = &t->filters[i];

		if (f->only_group && strcmp(f->only_group, g->name) != 0)
			continue;
		ras_body_key(&b, f->field);
		if (f->values)
			body_strings(&b, list_from(f->values));
		else
			ras_body_raw(&b, "null");
	}
	return DirectFunctionCall1(jsonb_in, CStringGetDatum(ras_body_end(&b)));
}

/*
 * ras.report_types() -> one row per report type and groupBy: limits, grain
 * key, default and available columns, filters and their values.
 */
PG_FUNCTION_INFO_V1(ras_report_types);

Datum
ras_report_types(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Tuplestorestate *ts = ras_srf_begin(fcinfo, &tupdesc);

	for (int i = 0; i < lengthof(report_types); i++)
	{
		const ReportType *t = &report_types[i];

		for (int gi = 0; gi < t->ngroups; gi++)
		{
			const ReportGroup *g = &t->groups[gi];
			ReportSpec	s = {.type = t, .ngroups = 1, .daily = true};
			Datum		values[9];
			bool		nulls[9] = {0};
			List	   *available;

			s.groups[0] = g;
			read_columns(&s, NULL, 0, false);
			available = append_new(list_from(t->base), g->columns);
			values[0] = CStringGetTextDatum(t->id);
			values[1] = CStringGetTextDatum(g->name);
			values[2] = BoolGetDatum(gi == 0);
			values[3] = Int32GetDatum(t->max_days);
			values[4] = Int32GetDatum(t->retention_days);
			values[5] = text_array(grain_key(&s));
			values[6] = text_array(s.columns);
			values[7] = text_array(available);
			values[8] = filters_jsonb(t, g);
			tuplestore_putvalues(ts, tupdesc, values, nulls);
		}
	}
	return (Datum) 0;
}

/*
 * ras.report_columns(report_type, group_by, columns, time_unit, with_key)
 * -> the columns such a request asks for, validated as ras.report()
 * validates them, with their SQL names and types; with_key adds the grain
 * key (what the loader needs).
 */
PG_FUNCTION_INFO_V1(ras_report_columns);

Datum
ras_report_columns(PG_FUNCTION_ARGS)
{
	int			key_pos = ras_call_arg(fcinfo, "with_key");
	bool		with_key = key_pos >= 0 && !PG_ARGISNULL(key_pos) && PG_GETARG_BOOL(key_pos);
	ReportSpec *s = spec_from_args(fcinfo, with_key);
	List	   *key = s->daily ? grain_key(s) : NIL;
	TupleDesc	tupdesc;
	Tuplestorestate *ts = ras_srf_begin(fcinfo, &tupdesc);
	ListCell   *lc;

	foreach(lc, s->columns)
	{
		const char *name = lfirst(lc);
		Datum		values[4];
		bool		nulls[4] = {0};

		values[0] = CStringGetTextDatum(name);
		values[1] = CStringGetTextDatum(snake_case(name));
		values[2] = CStringGetTextDatum(column_type_names[column_type(name)]);
		values[3] = BoolGetDatum(list_has(key, name));
		tuplestore_putvalues(ts, tupdesc, values, nulls);
	}
	return (Datum) 0;
}
