/*
 * report_spec.c
 *     A report request validated against the catalogue (report_catalog.c)
 *     before anything is sent: a call's arguments are read once into a
 *     ReportArgs, become a validated spec, and the spec's date range is cut
 *     into the pieces its type allows, each with its request body.  Also the
 *     catalogue as SQL (ras.report_types, ras.report_columns), which shows
 *     what that validation makes of a request.
 */
#include "postgres.h"

#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/jsonb.h"

#include "report.h"

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
	if (ras_report_in_list(s->type->base, name))
		return true;
	for (int g = 0; g < s->ngroups; g++)
		if (ras_report_in_list(s->groups[g]->columns, name))
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
		const ReportGroup *g = ras_report_find_group(s->type, ras_text_cstring(values[i]));

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

static void
check_filter_value(const ReportFilter *f, const char *value)
{
	if (f->values != NULL && !ras_report_in_list(f->values, value))
		ereport(ERROR,
				(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
				 errmsg("invalid value \"%s\" for filter \"%s\"", value, f->field),
				 errhint("Valid values are %s.", ras_report_join_list(f->values))));
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
				rf = ras_report_find_filter(s->type, jsonb_string(&v));
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

static void
read_text_array(FunctionCallInfo fcinfo, const char *name, Datum **values, int *n)
{
	int			pos = ras_call_arg(fcinfo, name);

	*values = NULL;
	*n = 0;
	if (pos >= 0 && !PG_ARGISNULL(pos))
		ras_text_array(PG_GETARG_DATUM(pos), values, n);
}

static bool
read_date(FunctionCallInfo fcinfo, const char *name, DateADT *out)
{
	int			pos = ras_call_arg(fcinfo, name);

	if (pos < 0 || PG_ARGISNULL(pos))
		return false;
	*out = PG_GETARG_DATEADT(pos);
	return true;
}

/*
 * Every argument of a call to ras.report(), ras.report_request() or
 * ras.report_columns(), read once, at the entry point; validation works on
 * the struct.
 */
void
ras_report_read_args(FunctionCallInfo fcinfo, ReportArgs *a)
{
	int			pos;

	memset(a, 0, sizeof(*a));
	a->report_type = ras_arg_text(fcinfo, "report_type");
	a->time_unit = ras_arg_text(fcinfo, "time_unit");
	read_text_array(fcinfo, "group_by", &a->group_by, &a->ngroup_by);
	read_text_array(fcinfo, "columns", &a->columns, &a->ncolumns);
	pos = ras_call_arg(fcinfo, "filters");
	if (pos >= 0 && !PG_ARGISNULL(pos))
		a->filters = PG_GETARG_JSONB_P(pos);
	a->has_start = read_date(fcinfo, "start_date", &a->start_date);
	a->has_end = read_date(fcinfo, "end_date", &a->end_date);
	pos = ras_call_arg(fcinfo, "with_key");
	a->with_key = pos >= 0 && !PG_ARGISNULL(pos) && PG_GETARG_BOOL(pos);
}

static DateADT
require_date(bool given, DateADT d, const char *name)
{
	if (!given)
		ereport(ERROR,
				(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
				 errmsg("%s must not be NULL", name)));
	if (DATE_NOT_FINITE(d))
		ereport(ERROR,
				(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
				 errmsg("%s must be a finite date", name)));
	return d;
}

/* The validated spec of a report request's arguments. */
static ReportSpec *
spec_from_args(const ReportArgs *a, bool with_key)
{
	ReportSpec *s = palloc0(sizeof(ReportSpec));

	if (a->report_type == NULL)
		ereport(ERROR,
				(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
				 errmsg("report_type must not be NULL")));
	s->type = ras_report_find_type(a->report_type);
	if (a->time_unit == NULL || strcmp(a->time_unit, "DAILY") == 0)
		s->daily = true;
	else if (strcmp(a->time_unit, "SUMMARY") != 0)
		ereport(ERROR,
				(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
				 errmsg("invalid time_unit \"%s\"", a->time_unit),
				 errhint("Valid values are DAILY and SUMMARY.")));
	read_groups(s, a->group_by, a->ngroup_by);
	read_columns(s, a->columns, a->ncolumns, with_key);
	if (a->filters)
		read_filters(s, a->filters);
	return s;
}

/* ---------- dates and bodies ---------- */

static char *
date_text(DateADT d)
{
	int			y,
				m,
				day;

	j2date(d + POSTGRES_EPOCH_JDATE, &y, &m, &day);
	return psprintf("%04d-%02d-%02d", y, m, day);
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
request_body(const ReportPiece *p)
{
	RasBody		b;

	ras_body_begin(&b);
	ras_body_key(&b, "startDate");
	ras_body_string(&b, p->start_date);
	ras_body_key(&b, "endDate");
	ras_body_string(&b, p->end_date);
	ras_body_key(&b, "configuration");
	ras_body_raw(&b, p->configuration);
	return ras_body_end(&b);
}

/*
 * The request of a call to ras.report() or ras.report_request(), validated
 * against the catalogue and cut into pieces the report type's range allows:
 * one ReportPiece, with its request body, per report to ask for.
 */
List *
ras_report_pieces(const ReportArgs *a)
{
	ReportSpec *s = spec_from_args(a, false);
	const ReportType *t = s->type;
	DateADT		start = require_date(a->has_start, a->start_date, "start_date");
	DateADT		end = require_date(a->has_end, a->end_date, "end_date");
	DateADT		today = GetSQLCurrentDate();
	char	   *configuration;
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
						   date_text(today - t->retention_days))));
	if (end > today + 1)
		ereport(ERROR,
				(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
				 errmsg("end_date is in the future")));
	configuration = configuration_json(s);
	for (DateADT from = start; from <= end; from += t->max_days)
	{
		ReportPiece *p = palloc0(sizeof(ReportPiece));

		p->report_type = t->id;
		p->time_unit = s->daily ? "DAILY" : "SUMMARY";
		p->start_date = date_text(from);
		p->end_date = date_text(Min(end, from + t->max_days - 1));
		p->configuration = configuration;
		p->body = request_body(p);
		pieces = lappend(pieces, p);
	}
	return pieces;
}

/* ---------- the catalogue as SQL ---------- */

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

	for (int i = 0; i < ras_report_catalog_len; i++)
	{
		const ReportType *t = &ras_report_catalog[i];

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
			values[5] = ras_text_list_array(grain_key(&s));
			values[6] = ras_text_list_array(s.columns);
			values[7] = ras_text_list_array(available);
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
	ReportArgs	args;
	ReportSpec *s;
	List	   *key;
	TupleDesc	tupdesc;
	Tuplestorestate *ts;
	ListCell   *lc;

	ras_report_read_args(fcinfo, &args);
	s = spec_from_args(&args, args.with_key);
	key = s->daily ? grain_key(s) : NIL;
	ts = ras_srf_begin(fcinfo, &tupdesc);
	foreach(lc, s->columns)
	{
		const char *name = lfirst(lc);
		Datum		values[4];
		bool		nulls[4] = {0};

		values[0] = CStringGetTextDatum(name);
		values[1] = CStringGetTextDatum(ras_report_snake_case(name));
		values[2] = CStringGetTextDatum(ras_col_type_name(ras_report_column_type(name)));
		values[3] = BoolGetDatum(list_has(key, name));
		tuplestore_putvalues(ts, tupdesc, values, nulls);
	}
	return (Datum) 0;
}
