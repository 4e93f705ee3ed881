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
 * The descriptor column of each attribute, matched by name and type.  With
 * strict, a mismatch is a bug in the install script, reported as such;
 * without, an attribute that matches nothing gets a column with no name
 * (the caller fills it in, or leaves it NULL).
 */
RasColumn *
ras_list_map_columns(const RasEntity *e, TupleDesc tupdesc, bool strict)
{
	RasColumn  *map = palloc0(sizeof(RasColumn) * Max(tupdesc->natts, 1));

	for (int a = 0; a < tupdesc->natts; a++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, a);
		const RasColumn *col = NULL;

		if (att->attisdropped)
			continue;
		for (int c = 0; c < e->ncolumns; c++)
			if (strcmp(e->columns[c].name, NameStr(att->attname)) == 0)
				col = &e->columns[c];
		if (col != NULL && column_type_oid(col->type) == att->atttypid)
			map[a] = *col;
		else if (strict && !(ras_scope_column(e) &&
							 strcmp(NameStr(att->attname), ras_scope_column(e)) == 0))
			elog(ERROR, "result column \"%s\" of ras.%s does not match its descriptor",
				 NameStr(att->attname), e->sql_name);
	}
	return map;
}

/* The SQL type of a column type. */
Oid
ras_col_type_oid(RasColType type)
{
	return column_type_oid(type);
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

/* A listing of e with no filter yet. */
RasListCall *
ras_list_call_new(const RasEntity *e)
{
	RasListCall *call = palloc0(sizeof(RasListCall));

	call->entity = e;
	call->filters = palloc0(sizeof(RasFilterValues) * Max(e->nfilters, 1));
	return call;
}

/* A filter of the listing, to be filled in; then ras_list_call_done(). */
RasFilterValues *
ras_list_call_add(RasListCall *call, const RasFilter *f)
{
	RasFilterValues *fv = &call->filters[call->nfilters++];

	memset(fv, 0, sizeof(*fv));
	fv->filter = f;
	fv->nchunks = 1;
	return fv;
}

/*
 * Checks the values of every filter against what the API takes and splits
 * those longer than one call allows.
 */
void
ras_list_call_done(RasListCall *call)
{
	for (int i = 0; i < call->nfilters; i++)
	{
		RasFilterValues *fv = &call->filters[i];
		const RasFilter *f = fv->filter;

		if (f->kind == RAS_FILTER_BOOL_INCLUDE || f->kind == RAS_FILTER_SCALAR ||
			f->kind == RAS_FILTER_OBJECT || f->kind == RAS_FILTER_QUERY_PARAM)
			continue;
		for (int v = 0; f->valid && v < fv->nvalues; v++)
			check_valid(f, f->arg, ras_text_cstring(fv->values[v]), f->valid);
		if (fv->nvalues == 0)
			call->empty = true;
		if (f->kind == RAS_FILTER_QUERY_TERM)
		{
			if (fv->match == NULL)
				fv->match = "EXACT_MATCH";
			check_valid(f, f->match_arg, fv->match, query_term_matches);
		}
		fv->chunk = 0;
		fv->nchunks = 1;
		if (f->max_per_call > 0 && fv->nvalues > f->max_per_call)
		{
			fv->nvalues = dedupe_values(fv->values, fv->nvalues);
			fv->nchunks = (fv->nvalues + f->max_per_call - 1) / f->max_per_call;
		}
	}
}

static RasListCall *
read_filters(FunctionCallInfo fcinfo, const RasEntity *e)
{
	RasListCall *call = ras_list_call_new(e);

	for (int i = 0; i < e->nfilters; i++)
	{
		const RasFilter *f = &e->filters[i];
		int			pos = required_arg(fcinfo, e, f->arg);
		RasFilterValues *fv;

		if (PG_ARGISNULL(pos))
		{
			if (f->required)
				ereport(ERROR,
						(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
						 errmsg("argument \"%s\" of ras.%s must not be NULL",
								f->arg, e->sql_name)));
			continue;
		}
		fv = ras_list_call_add(call, f);
		if (f->kind == RAS_FILTER_BOOL_INCLUDE)
		{
			fv->flag = PG_GETARG_BOOL(pos);
			continue;
		}
		if (f->kind == RAS_FILTER_SCALAR || f->kind == RAS_FILTER_OBJECT ||
			f->kind == RAS_FILTER_QUERY_PARAM)
		{
			fv->match = text_arg(fcinfo, pos);
			continue;
		}
		if (f->kind == RAS_FILTER_INCLUDE_JSON)
			json_object_values(PG_GETARG_DATUM(pos), f->arg, &fv->values, &fv->nvalues);
		else
			ras_text_array(PG_GETARG_DATUM(pos), &fv->values, &fv->nvalues);
		if (f->kind == RAS_FILTER_QUERY_TERM)
			fv->match = text_arg(fcinfo, required_arg(fcinfo, e, f->match_arg));
	}
	ras_list_call_done(call);
	return call;
}

/* Advances the chunk "odometer"; false once every combination was sent. */
static bool
next_combination(RasListCall *call)
{
	for (int i = 0; i < call->nfilters; i++)
	{
		RasFilterValues *fv = &call->filters[i];

		if (++fv->chunk < fv->nchunks)
			return true;
		fv->chunk = 0;
	}
	return false;
}

static void
write_filter(RasBody *b, const RasFilterValues *fv)
{
	const RasFilter *f = fv->filter;
	int			first = 0;
	int			count = fv->nvalues;

	if (f->kind == RAS_FILTER_QUERY_PARAM)
		return;					/* in the URL (ras_list_path) */

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
		case RAS_FILTER_QUERY_PARAM:
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

/*
 * The path of a listing's request: the entity's; for a GET listing with its
 * paging and parameters in the query string, percent-encoded.
 */
char *
ras_list_path(const RasListCall *call, int page_size, const char *next_token)
{
	const RasEntity *e = call->entity;
	StringInfoData buf;
	char		sep = '?';

	if (e->paging != RAS_PAGING_QUERY)
		return (char *) e->list_path;
	initStringInfo(&buf);
	appendStringInfoString(&buf, e->list_path);
	for (int i = 0; i < call->nfilters; i++)
		if (call->filters[i].filter->kind == RAS_FILTER_QUERY_PARAM && call->filters[i].match)
		{
			appendStringInfo(&buf, "%c%s=", sep, call->filters[i].filter->key);
			ras_form_escape(&buf, call->filters[i].match);
			sep = '&';
		}
	appendStringInfo(&buf, "%cmaxResults=%d", sep, page_size);
	if (next_token)
	{
		appendStringInfoString(&buf, "&nextToken=");
		ras_form_escape(&buf, next_token);
	}
	return buf.data;
}

char *
ras_list_body(const RasListCall *call, int page_size, int page_index, const char *next_token)
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

/* A listing being read: its filter combinations, each combination's pages. */
struct RasListCursor
{
	RasConn    *conn;
	RasListCall *call;
	const char *scope_id;
	RasRowSink *sink;
	char	   *what;			/* "list campaigns" */
	MemoryContext ctx;			/* the cursor's own state */
	MemoryContext page_ctx;		/* the current page; reset for the next */
	RasPage		page;
	bool		have_page;
	bool		more;			/* the combination has pages after this one */
	bool		finished;
	int			page_index;
	int			page_size;		/* of the current page */
	char	   *next_token;		/* in the cursor's context */
	int			empty_pages;
	HTAB	   *tokens;			/* nextTokens followed in this combination */
	RasListStats stats;
};

/* Starts the current filter combination from its first page. */
static void
start_combination(RasListCursor *c)
{
	MemoryContext old = MemoryContextSwitchTo(c->ctx);

	c->have_page = false;
	c->more = true;
	c->page_index = 0;
	c->empty_pages = 0;
	if (c->next_token)
		pfree(c->next_token);
	c->next_token = NULL;
	if (c->tokens)
		hash_destroy(c->tokens);
	c->tokens = token_set();
	MemoryContextSwitchTo(old);
}

RasListCursor *
ras_list_open(RasConn *conn, RasListCall *call, const char *scope_id, RasRowSink *sink)
{
	RasListCursor *c = palloc0(sizeof(RasListCursor));

	c->conn = conn;
	c->call = call;
	c->scope_id = scope_id;
	c->sink = sink;
	c->what = psprintf("list %s", call->entity->sql_name);
	c->ctx = CurrentMemoryContext;
	c->page_ctx = AllocSetContextCreate(CurrentMemoryContext, "ras page",
										ALLOCSET_DEFAULT_SIZES);
	c->finished = call->empty;
	/* a new listing (another scope of a foreign scan) starts with no ids seen */
	if (sink->seen_ids)
		hash_destroy(sink->seen_ids);
	if (sink->seen_prev)
		hash_destroy(sink->seen_prev);
	sink->seen_ids = sink->seen_prev = NULL;
	sink->dedupe_all = false;
	/* split filters' calls can overlap anywhere: remember every id then */
	for (int i = 0; i < call->nfilters; i++)
		if (call->filters[i].nchunks > 1)
			sink->dedupe_all = true;
	start_combination(c);
	return c;
}

/* Back to the first page of the first combination (a rescan). */
void
ras_list_rewind(RasListCursor *c)
{
	for (int i = 0; i < c->call->nfilters; i++)
		c->call->filters[i].chunk = 0;
	MemoryContextReset(c->page_ctx);
	c->finished = c->call->empty;
	c->sink->nrows = 0;
	if (c->sink->seen_ids)
		hash_destroy(c->sink->seen_ids);
	if (c->sink->seen_prev)
		hash_destroy(c->sink->seen_prev);
	c->sink->seen_ids = c->sink->seen_prev = NULL;
	start_combination(c);
}

const RasListStats *
ras_list_stats(const RasListCursor *c)
{
	return &c->stats;
}

/*
 * Requests the next page of the current combination into page_ctx.  False
 * when the combination has no more (a result cap reached).
 */
static bool
fetch_page(RasListCursor *c)
{
	const RasEntity *e = c->call->entity;
	RasRowSink *sink = c->sink;
	int			page_size = e->page_size;
	RasCall		rc = {0};
	RasHttpResponse resp;
	MemoryContext old;

	/*
	 * A short last page saves transfer, but index paging places pages at
	 * pageIndex * pageSize: there only the first page may be shortened.
	 */
	if (sink->max_rows > 0 && sink->max_rows - sink->nrows < page_size &&
		(e->paging != RAS_PAGING_INDEX || c->page_index == 0))
		page_size = Max((int) (sink->max_rows - sink->nrows), e->page_min);
	if (e->result_cap > 0 && c->page_index * page_size >= e->result_cap)
		return false;
	if (c->page_index >= ras_max_pages)
		ereport(ERROR,
				(errcode(RAS_SQLSTATE_REMOTE),
				 errmsg("could not %s: the listing has more than ras.max_pages (%d) pages",
						c->what, ras_max_pages),
				 errhint("Narrow the listing with filters, or raise ras.max_pages.")));

	MemoryContextReset(c->page_ctx);
	old = MemoryContextSwitchTo(c->page_ctx);
	rc.method = e->list_method;
	rc.path = ras_list_path(c->call, page_size, c->next_token);
	rc.body = strcmp(e->list_method, "GET") == 0 ? NULL :
		ras_list_body(c->call, page_size, c->page_index, c->next_token);
	rc.content_type = e->content_type;
	rc.accept = e->accept;
	rc.family = e->family;
	rc.profile_id = e->scope == RAS_SCOPE_PROFILE ? c->scope_id : NULL;
	rc.account_id = e->scope == RAS_SCOPE_ACCOUNT ? c->scope_id : NULL;
	rc.idempotent = true;
	rc.what = c->what;
	ras_api_call(c->conn, &rc, &resp);
	c->stats.requests++;
	c->stats.retries += resp.attempts - 1;
	ras_rows_open(resp.body, resp.body_len, e->body_key, &c->page);
	MemoryContextSwitchTo(c->ctx);
	ras_rows_new_page(c->sink);
	c->stats.pages++;
	c->stats.rows_received += c->page.nitems;

	if (c->page.next_token && token_seen(c->tokens, c->page.next_token))
		unending_listing(c->what, "a nextToken came back that was already followed");
	c->empty_pages = c->page.nitems == 0 ? c->empty_pages + 1 : 0;
	if (c->page.next_token && c->empty_pages >= RAS_MAX_EMPTY_PAGES)
		unending_listing(c->what, "empty pages kept coming with a nextToken");
	if (c->next_token)
		pfree(c->next_token);
	c->next_token = c->page.next_token ? pstrdup(c->page.next_token) : NULL;

	if (e->paging == RAS_PAGING_TOKEN || e->paging == RAS_PAGING_QUERY)
		c->more = c->next_token != NULL;
	else if (e->paging == RAS_PAGING_INDEX)
		c->more = c->page.nitems >= page_size;
	else
		c->more = false;
	c->page_index++;
	c->have_page = true;
	MemoryContextSwitchTo(old);
	return true;
}

/*
 * The next row of the listing into values/nulls (formed in the current
 * memory context, valid until the next call); false at the end.  A page is
 * requested only when the rows before it have all been taken.
 */
bool
ras_list_next(RasListCursor *c, Datum *values, bool *nulls)
{
	RasRowSink *sink = c->sink;

	for (;;)
	{
		if (c->finished || (sink->max_rows > 0 && sink->nrows >= sink->max_rows))
			return false;
		if (c->have_page && ras_rows_next(&c->page, sink, values, nulls))
		{
			sink->nrows++;
			return true;
		}
		if (c->have_page && !c->more)
		{
			/* this combination is done: the next, if any */
			if (!next_combination(c->call))
			{
				c->finished = true;
				return false;
			}
			start_combination(c);
		}
		CHECK_FOR_INTERRUPTS();
		if (!fetch_page(c))
		{
			c->have_page = true;
			c->more = false;
			c->page.it = NULL;
		}
	}
}

/* "campaignIdFilter, stateFilter": the filters a listing sends, for EXPLAIN. */
char *
ras_list_describe(const RasListCall *call)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; i < call->nfilters; i++)
		appendStringInfo(&buf, "%s%s", buf.len ? ", " : "", call->filters[i].filter->key);
	return buf.data;
}

/*
 * The scopes of a call: profile_ids (account_ids) when given, else the one
 * of profile_id (account_id) or the setting; NIL for an unscoped entity.
 */
static List *
read_scopes(FunctionCallInfo fcinfo, const RasEntity *e)
{
	const char *many = e->scope == RAS_SCOPE_PROFILE ? "profile_ids" : "account_ids";
	const char *one = e->scope == RAS_SCOPE_PROFILE ? "profile_id" : "account_id";
	int			pos;
	List	   *scopes = NIL;

	if (e->scope == RAS_SCOPE_NONE)
		return NIL;
	pos = ras_call_arg(fcinfo, many);
	if (pos >= 0 && !PG_ARGISNULL(pos))
	{
		Datum	   *values;
		int			n;

		ras_text_array(PG_GETARG_DATUM(pos), &values, &n);
		if (n == 0)
			ereport(ERROR,
					(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
					 errmsg("%s is an empty array", many),
					 errhint("An aggregate over no rows is NULL, an empty array names no scope.")));
		if (ras_call_arg(fcinfo, one) >= 0 && !PG_ARGISNULL(ras_call_arg(fcinfo, one)))
			ereport(ERROR,
					(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
					 errmsg("pass %s or %s, not both", one, many)));
		n = dedupe_values(values, n);
		for (int i = 0; i < n; i++)
		{
			char	   *id = ras_text_cstring(values[i]);

			scopes = lappend(scopes, (void *) (e->scope == RAS_SCOPE_PROFILE ?
											   ras_profile_resolve(id) : ras_account_resolve(id)));
		}
		return scopes;
	}
	return list_make1((void *) (e->scope == RAS_SCOPE_PROFILE ?
								ras_profile_resolve(text_arg(fcinfo, ras_call_arg(fcinfo, one))) :
								ras_account_resolve(text_arg(fcinfo, ras_call_arg(fcinfo, one)))));
}

PG_FUNCTION_INFO_V1(ras_list);

Datum
ras_list(PG_FUNCTION_ARGS)
{
	const RasEntity **cached = (const RasEntity **) ras_call_cache(fcinfo);
	const RasEntity *e;
	RasRowSink	sink = {0};
	RasListCall *call;
	RasConn    *conn;
	const char *scope_id = NULL;
	int			max_rows_pos;
	Tuplestorestate *ts;
	RasListCursor *cursor;
	Datum	   *values;
	bool	   *nulls;
	MemoryContext row_ctx;
	List	   *scopes;
	int			scope_attno = -1;
	int			skip_pos;
	int			ncombos = 1;

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

	ts = ras_srf_begin(fcinfo, &sink.tupdesc);
	sink.natts = sink.tupdesc->natts;
	sink.columns = ras_list_map_columns(e, sink.tupdesc, true);
	sink.what = e->sql_name;
	/* each id once: a page may repeat rows of the one before, split calls overlap */
	sink.id_field = e->id_field;
	ras_rows_prepare(&sink);
	if (call->empty)
		return (Datum) 0;

	conn = ras_conn_resolve(text_arg(fcinfo, ras_call_arg(fcinfo, "server")));
	scopes = read_scopes(fcinfo, e);
	scope_id = scopes ? linitial(scopes) : NULL;
	for (int a = 0; a < sink.natts; a++)
		if (ras_scope_column(e) &&
			strcmp(NameStr(TupleDescAttr(sink.tupdesc, a)->attname), ras_scope_column(e)) == 0)
			scope_attno = a;
	skip_pos = ras_call_arg(fcinfo, "skip_failed");
	for (int i = 0; i < call->nfilters; i++)
		ncombos *= call->filters[i].nchunks;

	/* several scopes or split calls: concurrently */
	if (list_length(scopes) > 1 || ncombos > 1)
	{
		ras_dispatch_listings(conn, call, scopes ? scopes : list_make1(NULL), &sink, ts,
							  scope_attno,
							  skip_pos >= 0 && !PG_ARGISNULL(skip_pos) && PG_GETARG_BOOL(skip_pos),
							  NULL);
		return (Datum) 0;
	}


	values = palloc(sizeof(Datum) * Max(sink.natts, 1));
	nulls = palloc(sizeof(bool) * Max(sink.natts, 1));
	row_ctx = AllocSetContextCreate(CurrentMemoryContext, "ras row", ALLOCSET_DEFAULT_SIZES);
	cursor = ras_list_open(conn, call, scope_id, &sink);
	for (;;)
	{
		MemoryContext old = MemoryContextSwitchTo(row_ctx);
		bool		got = ras_list_next(cursor, values, nulls);

		if (got && scope_attno >= 0)
		{
			nulls[scope_attno] = scope_id == NULL;
			if (scope_id)
				values[scope_attno] = ras_text_datum(scope_id, strlen(scope_id));
		}
		if (got)
			tuplestore_putvalues(ts, sink.tupdesc, values, nulls);
		MemoryContextSwitchTo(old);
		MemoryContextReset(row_ctx);
		if (!got)
			break;
	}
	return (Datum) 0;
}
