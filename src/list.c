/*
 * list.c
 *     The one list engine: SQL arguments -> filters -> pages -> rows.
 *
 * Every read function of the SQL surface (ras.profiles(), ras.retailers(),
 * ras.campaigns(), ...) is this C function.  Which entity it serves is the
 * SQL function's name; which argument is which filter is the argument's
 * name; which column is which JSON path is the column's name.  Filters
 * longer than the API takes in one call are split into several calls whose
 * rows are merged (and deduplicated by id).
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "utils/hsearch.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/hsearch.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "ras.h"

/* Empty pages in a row that still promise more: the API is stuck. */
#define RAS_MAX_EMPTY_PAGES 10

static const char *const query_term_matches[] = {"BROAD_MATCH", "EXACT_MATCH", NULL};

/* One filter's values for this call. */
typedef struct FilterValues
{
	const RasFilter *filter;
	Datum	   *values;			/* text datums (INCLUDE, ARRAY, QUERY_TERM) */
	int			nvalues;
	bool		flag;			/* BOOL_INCLUDE */
	char	   *match;			/* QUERY_TERM match type */
	int			chunk;			/* current chunk when split */
	int			nchunks;
} FilterValues;

typedef struct ListCall
{
	const RasEntity *entity;
	FilterValues *filters;
	int			nfilters;		/* only those given */
	bool		empty;			/* a filter with no values: nothing matches */
} ListCall;

static Oid
column_type_oid(RasColType type)
{
	switch (type)
	{
		case RAS_COL_TEXT:
			return TEXTOID;
		case RAS_COL_NUMERIC:
			return NUMERICOID;
		case RAS_COL_BOOL:
			return BOOLOID;
		case RAS_COL_INT8:
			return INT8OID;
		case RAS_COL_DATE:
			return DATEOID;
		case RAS_COL_TIMESTAMPTZ:
			return TIMESTAMPTZOID;
		case RAS_COL_JSONB:
		case RAS_COL_RAW:
			return JSONBOID;
	}
	return InvalidOid;
}

/*
 * The descriptor column of each result attribute, matched by name.  A
 * mismatch is a bug in the install script, reported as such.
 */
static RasColumn *
map_columns(const RasEntity *e, TupleDesc tupdesc)
{
	RasColumn  *map = palloc0(sizeof(RasColumn) * tupdesc->natts);

	for (int a = 0; a < tupdesc->natts; a++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, a);
		const RasColumn *col = NULL;

		for (int c = 0; c < e->ncolumns; c++)
			if (strcmp(e->columns[c].name, NameStr(att->attname)) == 0)
				col = &e->columns[c];
		if (col == NULL || column_type_oid(col->type) != att->atttypid)
			elog(ERROR, "result column \"%s\" of ras.%s does not match its descriptor",
				 NameStr(att->attname), e->sql_name);
		map[a] = *col;
	}
	return map;
}

static int
required_arg(FunctionCallInfo fcinfo, const RasEntity *e, const char *name)
{
	int			pos = ras_call_arg(fcinfo, name);

	if (pos < 0)
		elog(ERROR, "ras.%s has no argument \"%s\"", e->sql_name, name);
	return pos;
}

static char *
text_arg(FunctionCallInfo fcinfo, int pos)
{
	return (pos < 0 || PG_ARGISNULL(pos)) ? NULL : ras_text_cstring(PG_GETARG_DATUM(pos));
}

static void
check_valid(const RasFilter *f, const char *arg, const char *value,
			const char *const *valid)
{
	StringInfoData list;

	if (valid == NULL)
		return;
	for (const char *const *v = valid; *v; v++)
		if (strcmp(*v, value) == 0)
			return;
	initStringInfo(&list);
	for (const char *const *v = valid; *v; v++)
		appendStringInfo(&list, "%s%s", list.len ? ", " : "", *v);
	ereport(ERROR,
			(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
			 errmsg("invalid value \"%s\" in argument \"%s\"", value, arg),
			 errhint("Valid values are: %s.", list.data)));
}

static int
text_cmp(const void *a, const void *b)
{
	text	   *ta = DatumGetTextPP(*(const Datum *) a);
	text	   *tb = DatumGetTextPP(*(const Datum *) b);
	int			la = VARSIZE_ANY_EXHDR(ta);
	int			lb = VARSIZE_ANY_EXHDR(tb);
	int			cmp = memcmp(VARDATA_ANY(ta), VARDATA_ANY(tb), Min(la, lb));

	return cmp != 0 ? cmp : (la > lb) - (la < lb);
}

/*
 * Drops repeated values, so that split calls do not overlap.  The order of
 * a filter's values does not matter to the API, so sorting is fine.
 */
static int
dedupe_values(Datum *values, int n)
{
	int			out = 0;

	qsort(values, n, sizeof(Datum), text_cmp);
	for (int i = 0; i < n; i++)
		if (out == 0 || text_cmp(&values[out - 1], &values[i]) != 0)
			values[out++] = values[i];
	return out;
}

/* The objects of a jsonb array argument, each as its JSON text. */
static void
json_object_values(Datum arg, const char *name, Datum **values, int *n)
{
	Jsonb	   *array = DatumGetJsonbP(arg);
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	int			count = 0;

	if (!JB_ROOT_IS_ARRAY(array) || JB_ROOT_IS_SCALAR(array))
		ereport(ERROR,
				(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
				 errmsg("argument \"%s\" must be a JSON array of objects", name)));
	*values = palloc(sizeof(Datum) * Max(JB_ROOT_COUNT(array), 1));
	it = JsonbIteratorInit(&array->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		char	   *json;

		if (tok != WJB_ELEM)
			continue;
		if (v.type != jbvBinary || !JsonContainerIsObject(v.val.binary.data))
			ereport(ERROR,
					(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
					 errmsg("element %d of argument \"%s\" is not a JSON object", count, name)));
		json = JsonbToCString(NULL, v.val.binary.data, v.val.binary.len);
		(*values)[count++] = ras_text_datum(json, strlen(json));
	}
	*n = count;
}

static ListCall *
read_filters(FunctionCallInfo fcinfo, const RasEntity *e)
{
	ListCall   *call = palloc0(sizeof(ListCall));

	call->entity = e;
	call->filters = palloc0(sizeof(FilterValues) * Max(e->nfilters, 1));
	for (int i = 0; i < e->nfilters; i++)
	{
		const RasFilter *f = &e->filters[i];
		int			pos = required_arg(fcinfo, e, f->arg);
		FilterValues *fv;

		if (PG_ARGISNULL(pos))
		{
			if (f->required)
				ereport(ERROR,
						(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
						 errmsg("argument \"%s\" of ras.%s must not be NULL",
								f->arg, e->sql_name)));
			continue;
		}
		fv = &call->filters[call->nfilters++];
		fv->filter = f;
		fv->nchunks = 1;
		if (f->kind == RAS_FILTER_BOOL_INCLUDE)
		{
			fv->flag = PG_GETARG_BOOL(pos);
			continue;
		}
		if (f->kind == RAS_FILTER_SCALAR || f->kind == RAS_FILTER_OBJECT)
		{
			fv->match = text_arg(fcinfo, pos);
			continue;
		}
		if (f->kind == RAS_FILTER_INCLUDE_JSON)
			json_object_values(PG_GETARG_DATUM(pos), f->arg, &fv->values, &fv->nvalues);
		else
			ras_text_array(PG_GETARG_DATUM(pos), &fv->values, &fv->nvalues);
		for (int v = 0; f->valid && v < fv->nvalues; v++)
			check_valid(f, f->arg, ras_text_cstring(fv->values[v]), f->valid);
		if (fv->nvalues == 0)
			call->empty = true;
		if (f->kind == RAS_FILTER_QUERY_TERM)
		{
			int			mpos = required_arg(fcinfo, e, f->match_arg);

			fv->match = text_arg(fcinfo, mpos);
			if (fv->match == NULL)
				fv->match = "EXACT_MATCH";
			check_valid(f, f->match_arg, fv->match, query_term_matches);
		}
		if (f->max_per_call > 0 && fv->nvalues > f->max_per_call)
		{
			fv->nvalues = dedupe_values(fv->values, fv->nvalues);
			fv->nchunks = (fv->nvalues + f->max_per_call - 1) / f->max_per_call;
		}
	}
	return call;
}

/* Advances the chunk "odometer"; false once every combination was sent. */
static bool
next_combination(ListCall *call)
{
	for (int i = 0; i < call->nfilters; i++)
	{
		FilterValues *fv = &call->filters[i];

		if (++fv->chunk < fv->nchunks)
			return true;
		fv->chunk = 0;
	}
	return false;
}

static void
write_filter(RasBody *b, const FilterValues *fv)
{
	const RasFilter *f = fv->filter;
	int			first = 0;
	int			count = fv->nvalues;

	if (f->max_per_call > 0 && fv->nchunks > 1)
	{
		first = fv->chunk * f->max_per_call;
		count = Min(f->max_per_call, fv->nvalues - first);
	}
	ras_body_key(b, f->key);
	switch (f->kind)
	{
		case RAS_FILTER_ARRAY:
			ras_body_string_array(b, fv->values + first, NULL, count);
			break;
		case RAS_FILTER_BOOL_INCLUDE:
			ras_body_open(b, '{');
			ras_body_key(b, "include");
			ras_body_raw(b, fv->flag ? "[true]" : "[false]");
			ras_body_close(b, '}');
			break;
		case RAS_FILTER_SCALAR:
			ras_body_string(b, fv->match);
			break;
		case RAS_FILTER_OBJECT:
			ras_body_open(b, '{');
			if (f->fixed)
				ras_body_raw(b, f->fixed);
			ras_body_key(b, f->member);
			ras_body_string(b, fv->match);
			ras_body_close(b, '}');
			break;
		case RAS_FILTER_INCLUDE_JSON:
			ras_body_open(b, '{');
			ras_body_key(b, "include");
			ras_body_open(b, '[');
			for (int i = first; i < first + count; i++)
				ras_body_raw(b, ras_text_cstring(fv->values[i]));
			ras_body_close(b, ']');
			ras_body_close(b, '}');
			break;
		case RAS_FILTER_INCLUDE:
		case RAS_FILTER_QUERY_TERM:
			ras_body_open(b, '{');
			ras_body_key(b, "include");
			ras_body_string_array(b, fv->values + first, NULL, count);
			if (f->kind == RAS_FILTER_QUERY_TERM)
			{
				ras_body_key(b, "queryTermMatchType");
				ras_body_string(b, fv->match);
			}
			ras_body_close(b, '}');
			break;
	}
}

static char *
list_body(const ListCall *call, int page_size, int page_index, const char *next_token)
{
	const RasEntity *e = call->entity;
	RasBody		b;

	ras_body_begin(&b);
	if (e->fixed_body)
		ras_body_raw(&b, e->fixed_body);
	for (int i = 0; i < call->nfilters; i++)
		write_filter(&b, &call->filters[i]);
	if (e->paging == RAS_PAGING_TOKEN)
	{
		ras_body_key(&b, "maxResults");
		ras_body_int(&b, page_size);
		if (next_token)
		{
			ras_body_key(&b, "nextToken");
			ras_body_string(&b, next_token);
		}
	}
	else if (e->paging == RAS_PAGING_INDEX)
	{
		ras_body_key(&b, "pageIndex");
		ras_body_int(&b, page_index);
		ras_body_key(&b, "pageSize");
		ras_body_int(&b, page_size);
	}
	return ras_body_end(&b);
}

/* The set of nextTokens a listing followed, as 64-bit hashes. */
static HTAB *
token_set(void)
{
	HASHCTL		ctl;

	ctl.keysize = sizeof(uint64);
	ctl.entrysize = sizeof(uint64);
	ctl.hcxt = CurrentMemoryContext;
	return hash_create("ras paging tokens", 64, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

/* Records token; true when it was followed before (the paging cycles). */
static bool
token_seen(HTAB *tokens, const char *token)
{
	uint64		key = hash_bytes_extended((const unsigned char *) token, strlen(token), 0);
	bool		found;

	hash_search(tokens, &key, HASH_ENTER, &found);
	return found;
}

/* A listing would never end: the API is not moving forward. */
RAS_NORETURN static void
unending_listing(const char *what, const char *why)
{
	ereport(ERROR,
			(errcode(RAS_SQLSTATE_REMOTE),
			 errmsg("could not %s: the API's paging does not advance", what),
			 errdetail("%s.", why)));
	pg_unreachable();
}

/* Fetches every page of one filter combination into the sink. */
static void
fetch_pages(RasConn *conn, const ListCall *call, const char *scope_id, RasRowSink *sink,
			MemoryContext page_ctx)
{
	const RasEntity *e = call->entity;
	char	   *next_token = NULL;
	char	   *what = psprintf("list %s", e->sql_name);
	int			empty_pages = 0;
	HTAB	   *tokens = token_set();

	for (int page_index = 0;; page_index++)
	{
		MemoryContext old = MemoryContextSwitchTo(page_ctx);
		int			page_size = e->page_size;
		RasCall		rc = {0};
		RasHttpResponse resp;
		RasPageInfo page;
		bool		more;

		/*
		 * A short last page saves transfer, but index paging places pages at
		 * pageIndex * pageSize: there only the first page may be shortened.
		 */
		if (sink->max_rows > 0 && sink->max_rows - sink->nrows < page_size &&
			(e->paging != RAS_PAGING_INDEX || page_index == 0))
			page_size = Max((int) (sink->max_rows - sink->nrows), e->page_min);
		if (e->result_cap > 0 && page_index * page_size >= e->result_cap)
		{
			MemoryContextSwitchTo(old);
			break;
		}
		rc.method = e->list_method;
		rc.path = e->list_path;
		rc.body = strcmp(e->list_method, "GET") == 0 ? NULL :
			list_body(call, page_size, page_index, next_token);
		rc.content_type = e->content_type;
		rc.accept = e->accept;
		rc.family = e->family;
		rc.profile_id = e->scope == RAS_SCOPE_PROFILE ? scope_id : NULL;
		rc.account_id = e->scope == RAS_SCOPE_ACCOUNT ? scope_id : NULL;
		rc.idempotent = true;
		rc.what = what;

		ras_api_call(conn, &rc, &resp);
		ras_rows_page(resp.body, resp.body_len, e->body_key, sink, &page);

		MemoryContextSwitchTo(old);
		if (page.next_token && token_seen(tokens, page.next_token))
			unending_listing(what, "a nextToken came back that was already followed");
		if (page_index + 1 >= ras_max_pages && (page.next_token || e->paging == RAS_PAGING_INDEX) &&
			!(sink->max_rows > 0 && sink->nrows >= sink->max_rows) &&
			(e->paging == RAS_PAGING_TOKEN ? page.next_token != NULL : page.nitems >= page_size))
			ereport(ERROR,
					(errcode(RAS_SQLSTATE_REMOTE),
					 errmsg("could not %s: the listing has more than ras.max_pages (%d) pages",
							what, ras_max_pages),
					 errhint("Narrow the listing with filters, or raise ras.max_pages.")));
		empty_pages = page.nitems == 0 ? empty_pages + 1 : 0;
		if (page.next_token && empty_pages >= RAS_MAX_EMPTY_PAGES)
			unending_listing(what, "empty pages kept coming with a nextToken");
		if (next_token)
			pfree(next_token);
		next_token = page.next_token ? pstrdup(page.next_token) : NULL;
		MemoryContextReset(page_ctx);

		if (e->paging == RAS_PAGING_TOKEN)
			more = next_token != NULL;
		else if (e->paging == RAS_PAGING_INDEX)
			more = page.nitems >= page_size;
		else
			more = false;
		if (!more || (sink->max_rows > 0 && sink->nrows >= sink->max_rows))
			break;
		CHECK_FOR_INTERRUPTS();
	}
}

PG_FUNCTION_INFO_V1(ras_list);

Datum
ras_list(PG_FUNCTION_ARGS)
{
	const RasEntity **cached = (const RasEntity **) ras_call_cache(fcinfo);
	const RasEntity *e;
	RasRowSink	sink = {0};
	ListCall   *call;
	RasConn    *conn;
	const char *scope_id = NULL;
	int			max_rows_pos;
	MemoryContext page_ctx;

	/* the descriptor is resolved once per call site */
	if (*cached == NULL)
	{
		const char *fname = ras_call_name(fcinfo);

		e = ras_entity_by_name(fname);
		if (e == NULL || e->list_path == NULL)
			elog(ERROR, "ras_list called through unknown function \"%s\"", fname);
		*cached = e;
	}
	e = *cached;

	call = read_filters(fcinfo, e);
	max_rows_pos = ras_call_arg(fcinfo, "max_rows");
	if (max_rows_pos >= 0 && !PG_ARGISNULL(max_rows_pos))
	{
		sink.max_rows = PG_GETARG_INT64(max_rows_pos);
		if (sink.max_rows < 0)
			ereport(ERROR,
					(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
					 errmsg("max_rows must not be negative")));
		if (sink.max_rows == 0)
			call->empty = true;
	}

	sink.tupstore = ras_srf_begin(fcinfo, &sink.tupdesc);
	sink.columns = map_columns(e, sink.tupdesc);
	sink.what = e->sql_name;
	ras_rows_prepare(&sink);
	sink.id_attno = -1;
	if (call->empty)
		return (Datum) 0;

	conn = ras_conn_resolve(text_arg(fcinfo, ras_call_arg(fcinfo, "server")));
	if (e->scope == RAS_SCOPE_PROFILE)
		scope_id = ras_profile_resolve(text_arg(fcinfo, ras_call_arg(fcinfo, "profile_id")));
	else if (e->scope == RAS_SCOPE_ACCOUNT)
		scope_id = ras_account_resolve(text_arg(fcinfo, ras_call_arg(fcinfo, "account_id")));

	/*
	 * Each id once: a split filter's calls overlap, and a page may repeat
	 * rows of the one before.
	 */
	{
		sink.seen_ids = ras_rows_seen_set();
		for (int a = 0; a < sink.tupdesc->natts; a++)
			if (sink.columns[a].path && strcmp(sink.columns[a].path, e->id_field) == 0)
				sink.id_attno = a;
	}

	page_ctx = AllocSetContextCreate(CurrentMemoryContext, "ras page",
									 ALLOCSET_DEFAULT_SIZES);
	do
	{
		fetch_pages(conn, call, scope_id, &sink, page_ctx);
	} while ((sink.max_rows == 0 || sink.nrows < sink.max_rows) && next_combination(call));
	MemoryContextDelete(page_ctx);
	return (Datum) 0;
}
