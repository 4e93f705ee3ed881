/*
 * mutate.c
 *     The one mutation engine: create, update and delete for every entity.
 *
 * Items are split into batches of the entity's limit and sent in order.
 * Each input item yields exactly one row (idx, ok, id, result), in input
 * order.  A per-item failure is a row.  A whole batch that fails is an
 * ERROR only when nothing at all was applied before it; otherwise the call
 * returns what was applied and marks the rest "not applied" or "outcome
 * unknown", so that nothing applied goes unreported.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/fmgroids.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/resowner.h"

#include "ras.h"

typedef enum MutateOp
{
	OP_CREATE,
	OP_UPDATE,
	OP_DELETE
} MutateOp;

typedef struct MutateCall
{
	const RasEntity *entity;
	MutateOp	op;
	int			nitems;
	char	  **items;			/* JSON text of each item (create, update) */
	char	  **ids;			/* id of each item, when the input names it */
} MutateCall;

/* The outcome of one input item, as the 207 answer reports it. */
typedef struct ItemResult
{
	bool		seen;
	bool		ok;
	char	   *id;
	Jsonb	   *result;
} ItemResult;

static const char *const op_names[] = {"create", "update", "delete"};

static void
parse_name(const char *fname, MutateCall *call)
{
	for (int op = OP_CREATE; op <= OP_DELETE; op++)
	{
		size_t		plen = strlen(op_names[op]);

		if (strncmp(fname, op_names[op], plen) == 0 && fname[plen] == '_')
		{
			call->op = (MutateOp) op;
			call->entity = ras_entity_by_name(fname + plen + 1);
			if (call->entity && call->entity->create_path)
				return;
		}
	}
	elog(ERROR, "ras_mutate called through unknown function \"%s\"", fname);
}

/* The item's own id field, when it is a string or a number. */
static char *
item_id(JsonbContainer *item, const char *id_field)
{
	JsonbValue	v;

	if (!getKeyJsonValueFromContainer(item, id_field, strlen(id_field), &v))
		return NULL;
	if (v.type == jbvString)
		return pnstrdup(v.val.string.val, v.val.string.len);
	if (v.type == jbvNumeric)
		return OidOutputFunctionCall(F_NUMERIC_OUT, NumericGetDatum(v.val.numeric));
	return NULL;
}

static void
read_items(Jsonb *items, MutateCall *call)
{
	const char *what = op_names[call->op];
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	int			n = 0;
	int			cap;

	if (JB_ROOT_IS_SCALAR(items) || !(JB_ROOT_IS_ARRAY(items) || JB_ROOT_IS_OBJECT(items)))
		ereport(ERROR,
				(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
				 errmsg("items must be a JSON array of objects"),
				 errhint("Pass e.g. '[{\"%s\": \"...\"}]'::jsonb, or jsonb_agg(...) over your rows.",
						 call->entity->id_field)));
	if (JB_ROOT_IS_OBJECT(items))
	{
		/* one object is one item */
		call->nitems = 1;
		call->items = palloc(sizeof(char *));
		call->ids = palloc(sizeof(char *));
		call->items[0] = JsonbToCString(NULL, &items->root, VARSIZE(items));
		call->ids[0] = item_id(&items->root, call->entity->id_field);
		return;
	}

	cap = Max(JB_ROOT_COUNT(items), 1);
	call->items = palloc(sizeof(char *) * cap);
	call->ids = palloc(sizeof(char *) * cap);
	it = JsonbIteratorInit(&items->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok != WJB_ELEM)
			continue;
		if (v.type != jbvBinary || !JsonContainerIsObject(v.val.binary.data))
			ereport(ERROR,
					(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
					 errmsg("item %d of items is not a JSON object", n),
					 errdetail("Every item to %s is an object in the API's shape.", what)));
		call->items[n] = JsonbToCString(NULL, v.val.binary.data, v.val.binary.len);
		call->ids[n] = item_id(v.val.binary.data, call->entity->id_field);
		n++;
	}
	if (n == 0)
		ereport(ERROR,
				(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
				 errmsg("items is an empty array: nothing to %s", what)));
	call->nitems = n;
}

static void
read_ids(Datum array, MutateCall *call)
{
	Datum	   *values;
	int			n;

	ras_text_array(array, &values, &n);
	if (n == 0)
		ereport(ERROR,
				(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
				 errmsg("ids is an empty array: nothing to delete")));
	call->nitems = n;
	call->ids = palloc(sizeof(char *) * n);
	for (int i = 0; i < n; i++)
		call->ids[i] = ras_text_cstring(values[i]);
}

static char *
batch_body(const MutateCall *call, int first, int count)
{
	const RasEntity *e = call->entity;
	RasBody		b;

	ras_body_begin(&b);
	if (call->op == OP_DELETE)
	{
		ras_body_key(&b, e->delete_key);
		if (e->delete_style == RAS_DELETE_ID_FILTER)
		{
			ras_body_open(&b, '{');
			ras_body_key(&b, "include");
		}
		ras_body_open(&b, '[');
		for (int i = first; i < first + count; i++)
			ras_body_string(&b, call->ids[i]);
		ras_body_close(&b, ']');
		if (e->delete_style == RAS_DELETE_ID_FILTER)
			ras_body_close(&b, '}');
	}
	else
	{
		ras_body_key(&b, e->body_key);
		ras_body_open(&b, '[');
		for (int i = first; i < first + count; i++)
			ras_body_raw(&b, call->items[i]);
		ras_body_close(&b, ']');
	}
	return ras_body_end(&b);
}

/*
 * {"status": ..., "error": ..., "detail": ...} for an item with no outcome.
 * Built directly: the strings are already in the server's encoding.
 */
static Jsonb *
unapplied_result(const char *status, const char *error, const char *detail)
{
	const char *keys[] = {"status", "error", "detail"};
	const char *values[] = {status, error, detail};
	JsonbParseState *st = NULL;

	pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
	for (int i = 0; i < lengthof(keys); i++)
	{
		JsonbValue	k;
		JsonbValue	v;

		if (values[i] == NULL)
			continue;
		k.type = jbvString;
		k.val.string.val = (char *) keys[i];
		k.val.string.len = strlen(keys[i]);
		v.type = jbvString;
		v.val.string.val = (char *) values[i];
		v.val.string.len = strlen(values[i]);
		pushJsonbValue(&st, WJB_KEY, &k);
		pushJsonbValue(&st, WJB_VALUE, &v);
	}
	return JsonbValueToJsonb(pushJsonbValue(&st, WJB_END_OBJECT, NULL));
}

static bool
member(JsonbContainer *obj, const char *key, JsonbValue *out)
{
	return getKeyJsonValueFromContainer(obj, key, strlen(key), out) != NULL;
}

static char *
scalar_text(JsonbValue *v)
{
	if (v->type == jbvString)
		return pnstrdup(v->val.string.val, v->val.string.len);
	if (v->type == jbvNumeric)
		return OidOutputFunctionCall(F_NUMERIC_OUT, NumericGetDatum(v->val.numeric));
	return NULL;
}

/*
 * Reads one outcome list ("success", "partialSuccess" or "error") into the
 * results by the index each item carries; the entity (or the error list) is
 * copied out of the answer as it stands.
 */
static void
read_outcome_list(JsonbContainer *outcomes, const char *list_key, const RasEntity *e,
				  bool ok, ItemResult *results, int nitems)
{
	JsonbValue	list;
	JsonbIterator *it;
	JsonbValue	item;
	JsonbIteratorToken tok;

	if (!member(outcomes, list_key, &list) || list.type != jbvBinary ||
		!JsonContainerIsArray(list.val.binary.data))
		return;
	it = JsonbIteratorInit(list.val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &item, true)) != WJB_DONE)
	{
		JsonbContainer *c;
		JsonbValue	v;
		JsonbValue	entity;
		bool		has_entity;
		int			idx;
		ItemResult *r;

		if (tok != WJB_ELEM || item.type != jbvBinary ||
			!JsonContainerIsObject(item.val.binary.data))
			continue;
		c = item.val.binary.data;
		if (!member(c, "index", &v) || v.type != jbvNumeric)
			continue;
		idx = DatumGetInt32(OidFunctionCall1(F_INT4_NUMERIC, NumericGetDatum(v.val.numeric)));
		if (idx < 0 || idx >= nitems)
			continue;
		r = &results[idx];
		r->seen = true;
		r->ok = ok;
		has_entity = member(c, e->singular, &entity) && entity.type == jbvBinary &&
			JsonContainerIsObject(entity.val.binary.data);
		if (member(c, e->id_field, &v) ||
			(has_entity && member(entity.val.binary.data, e->id_field, &v)))
			r->id = scalar_text(&v);
		if (ok)
			r->result = JsonbValueToJsonb(has_entity ? &entity : &item);
		else if (member(c, "errors", &v))
			r->result = JsonbValueToJsonb(&v);
		else
			r->result = JsonbValueToJsonb(&item);
	}
}

static void
read_outcomes(const RasHttpResponse *resp, const RasEntity *e, ItemResult *results,
			  int nitems)
{
	Jsonb	   *doc = ras_json_to_jsonb(resp->body, resp->body_len);
	JsonbContainer *outcomes = &doc->root;
	JsonbValue	wrapped;

	if (e->wrapped_outcomes)
		outcomes = (JB_ROOT_IS_OBJECT(doc) && member(&doc->root, e->body_key, &wrapped) &&
					wrapped.type == jbvBinary) ? wrapped.val.binary.data : NULL;
	if (outcomes == NULL || !JsonContainerIsObject(outcomes) || JB_ROOT_IS_SCALAR(doc))
		ereport(ERROR,
				(errcode(RAS_SQLSTATE_REMOTE),
				 errmsg("unexpected answer from the Amazon Ads API: no \"%s\" outcomes",
						e->body_key)));
	read_outcome_list(outcomes, "success", e, true, results, nitems);
	read_outcome_list(outcomes, "partialSuccess", e, true, results, nitems);
	read_outcome_list(outcomes, "error", e, false, results, nitems);
}

/* What one call carries from batch to batch. */
typedef struct MutateRun
{
	MutateCall *call;
	RasConn    *conn;
	const char *profile_id;
	const char *what;
	const char *prefer;
	Tuplestorestate *ts;
	TupleDesc	tupdesc;
	ResourceOwner ts_owner;		/* owns the tuplestore's temp files */
	int			applied;		/* items that may exist at Amazon now */
} MutateRun;

static void
put_row(MutateRun *run, int idx, bool ok, const char *id, Jsonb *result)
{
	Datum		values[4];
	bool		nulls[4] = {false, false, id == NULL, result == NULL};
	ResourceOwner save = CurrentResourceOwner;

	values[0] = Int32GetDatum(idx);
	values[1] = BoolGetDatum(ok);
	values[2] = id ? ras_text_datum(id, strlen(id)) : (Datum) 0;
	values[3] = result ? JsonbPGetDatum(result) : (Datum) 0;
	/* a spilled tuplestore's file must outlive a batch's subtransaction */
	CurrentResourceOwner = run->ts_owner;
	tuplestore_putvalues(run->ts, run->tupdesc, values, nulls);
	CurrentResourceOwner = save;
}

/*
 * Sends the items first .. first + count - 1 and puts their rows.  False,
 * with *failure, when the batch as a whole failed (nothing was put).
 */
static bool
send_batch(MutateRun *run, int first, int count, RasFailure *failure)
{
	MutateCall *call = run->call;
	const RasEntity *e = call->entity;
	RasCall		rc = {0};
	RasHttpResponse resp;
	ItemResult *results;

	rc.method = call->op == OP_UPDATE ? e->update_method : "POST";
	rc.path = call->op == OP_CREATE ? e->create_path :
		call->op == OP_UPDATE ? e->update_path : e->delete_path;
	rc.body = batch_body(call, first, count);
	rc.profile_id = run->profile_id;
	rc.extra_header = run->prefer;
	/* a repeated create could create twice; updates and deletes cannot */
	rc.idempotent = call->op != OP_CREATE;
	rc.what = run->what;

	if (!ras_api_try(run->conn, &rc, &resp, failure))
		return false;

	results = palloc0(sizeof(ItemResult) * count);
	read_outcomes(&resp, e, results, count);
	for (int i = 0; i < count; i++)
	{
		ItemResult *r = &results[i];

		if (!r->seen)
			r->result = unapplied_result("outcome unknown",
										 "the API reported no outcome for this item", NULL);
		/* an item without an outcome may exist all the same */
		if (r->ok || !r->seen)
			run->applied++;
		put_row(run, first + i, r->ok, r->id ? r->id : call->ids[first + i], r->result);
	}
	return true;
}

/*
 * send_batch once earlier items may exist at Amazon: whatever goes wrong,
 * the call must still return their rows.  An error becomes a failed batch
 * (its outcome unknown), in a subtransaction so the backend stays sound; a
 * cancel still cancels, after a WARNING saying how much was applied.
 */
static bool
send_batch_guarded(MutateRun *run, int first, int count, RasFailure *failure)
{
	MemoryContext ctx = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	volatile bool ok = false;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(ctx);
	PG_TRY();
	{
		ok = send_batch(run, first, count, failure);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(ctx);
		CurrentResourceOwner = owner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(ctx);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(ctx);
		CurrentResourceOwner = owner;
		if (edata->sqlerrcode == ERRCODE_QUERY_CANCELED ||
			edata->sqlerrcode == ERRCODE_ADMIN_SHUTDOWN)
		{
			ereport(WARNING,
					(errmsg("%s was interrupted after %d item(s) had been applied",
							run->what, run->applied),
					 errdetail("Items 0 to %d were sent; list the entities to see what exists now.",
							   first - 1)));
			ReThrowError(edata);
		}
		memset(failure, 0, sizeof(*failure));
		failure->sqlstate = edata->sqlerrcode;
		failure->message = edata->message;
		failure->detail = edata->detail;
		failure->maybe_applied = true;
		ok = false;
	}
	PG_END_TRY();
	return ok;
}

/* Rows for the failed batch at first and every item after it, and a WARNING. */
static void
report_unapplied(MutateRun *run, int first, int count, const RasFailure *failure)
{
	const char *status = failure->maybe_applied ? "outcome unknown" : "not applied";
	Jsonb	   *failed = unapplied_result(status, failure->message, failure->detail);
	Jsonb	   *skipped = unapplied_result("not applied", "an earlier batch of this call failed",
										   NULL);

	for (int i = first; i < run->call->nitems; i++)
		put_row(run, i, false, run->call->ids[i], i < first + count ? failed : skipped);
	ereport(WARNING,
			(errcode(failure->sqlstate),
			 errmsg("%s: the batch of items %d to %d failed after earlier items were applied",
					run->what, first, first + count - 1),
			 errdetail_internal("%s. Items %d to %d are returned with ok = false, status \"%s\"; the rest, \"not applied\".",
								failure->message, first, first + count - 1, status)));
}

PG_FUNCTION_INFO_V1(ras_mutate);

Datum
ras_mutate(PG_FUNCTION_ARGS)
{
	MutateCall	call = {0};
	MutateRun	run = {0};
	const RasEntity *e;
	MemoryContext batch_ctx;
	int			server_pos;
	int			profile_pos;

	parse_name(get_func_name(fcinfo->flinfo->fn_oid), &call);
	e = call.entity;
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be NULL", call.op == OP_DELETE ? "ids" : "items"),
				 errhint("An aggregate over no rows is NULL: check the query that builds the argument.")));
	if (call.op == OP_DELETE)
		read_ids(PG_GETARG_DATUM(0), &call);
	else
		read_items(PG_GETARG_JSONB_P(0), &call);

	server_pos = ras_call_arg(fcinfo, "server");
	profile_pos = ras_call_arg(fcinfo, "profile_id");
	run.call = &call;
	run.conn = ras_conn_resolve(server_pos >= 0 && !PG_ARGISNULL(server_pos) ?
								ras_text_cstring(PG_GETARG_DATUM(server_pos)) : NULL);
	run.profile_id = ras_profile_resolve(profile_pos >= 0 && !PG_ARGISNULL(profile_pos) ?
										 ras_text_cstring(PG_GETARG_DATUM(profile_pos)) : NULL);
	run.ts = ras_srf_begin(fcinfo, &run.tupdesc);
	run.ts_owner = CurrentResourceOwner;
	run.what = psprintf("%s %s", op_names[call.op], e->sql_name);
	if (e->prefer_representation && call.op != OP_DELETE)
		run.prefer = "Prefer: return=representation";

	/* everything a batch allocates goes when its rows are in the tuplestore */
	batch_ctx = AllocSetContextCreate(CurrentMemoryContext, "ras batch",
									  ALLOCSET_DEFAULT_SIZES);
	for (int first = 0; first < call.nitems; first += e->batch_limit)
	{
		int			count = Min(e->batch_limit, call.nitems - first);
		RasFailure	failure;
		MemoryContext old = MemoryContextSwitchTo(batch_ctx);

		if (run.applied == 0)
		{
			/* nothing exists at Amazon yet: a failure is a plain ERROR */
			if (!send_batch(&run, first, count, &failure))
				ras_raise_failure(&failure);
		}
		else if (!send_batch_guarded(&run, first, count, &failure))
		{
			report_unapplied(&run, first, count, &failure);
			MemoryContextSwitchTo(old);
			return (Datum) 0;
		}
		MemoryContextSwitchTo(old);
		MemoryContextReset(batch_ctx);
	}
	return (Datum) 0;
}
