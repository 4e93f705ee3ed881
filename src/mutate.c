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
	bool		conflict;		/* the answer gave this index more than one outcome */
	bool		ok;
	char	   *id;
	char	   *error;			/* one readable line; NULL: went through cleanly */
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
			if (call->entity &&
				(op == OP_CREATE ? call->entity->create_path != NULL :
				 op == OP_UPDATE ? call->entity->update_path != NULL :
				 call->entity->delete_path != NULL))
				return;
		}
	}
	/* a create whose answer is a computed result is named after its entity */
	call->entity = ras_entity_by_name(fname);
	call->op = OP_CREATE;
	if (call->entity && call->entity->computes)
		return;
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

/*
 * An item's JSON text.  For an entity bound to one ad product (v1), an item
 * naming another product is refused before any request, and a create item
 * naming none is given the function's.
 */
static char *
item_text(const MutateCall *call, int n, JsonbContainer *item)
{
	const RasEntity *e = call->entity;
	JsonbValue	v;
	RasBody		b;

	if (!e->item_product)
		return ras_jsonb_text(item);
	if (getKeyJsonValueFromContainer(item, "adProduct", strlen("adProduct"), &v))
	{
		if (v.type != jbvString || strlen(e->ad_product) != v.val.string.len ||
			strncmp(e->ad_product, v.val.string.val, v.val.string.len) != 0)
			ereport(ERROR,
					(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
					 errmsg("item %d of items is for another ad product than ras.%s_%s", n,
							op_names[call->op], e->sql_name),
					 errdetail("Its adProduct is %s; this function writes %s only.",
							   ras_jsonb_scalar_text(&v) ? ras_jsonb_scalar_text(&v) : "null",
							   e->ad_product),
					 errhint("Leave adProduct out, or call the function of that ad product.")));
		return ras_jsonb_text(item);
	}
	if (call->op != OP_CREATE)
		return ras_jsonb_text(item);
	/* the product first, then the item's own members */
	ras_body_begin(&b);
	ras_body_key(&b, "adProduct");
	ras_body_string(&b, e->ad_product);
	ras_body_jsonb(&b, item, true);
	return ras_body_end(&b);
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
		call->items[0] = item_text(call, 0, &items->root);
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
		call->items[n] = item_text(call, n, v.val.binary.data);
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

/*
 * An outcome's index: a plain integer from 0 to nitems - 1, or -1.  A
 * fractional, negative, huge or non-numeric index names no item: it must
 * never move one item's outcome onto another.
 */
static int
outcome_index(JsonbContainer *c, int nitems)
{
	JsonbValue	v;
	char	   *s;
	size_t		n;

	if (!member(c, "index", &v) || v.type != jbvNumeric)
		return -1;
	s = ras_jsonb_scalar_text(&v);
	n = strlen(s);
	if (n == 0 || n > 9 || strspn(s, "0123456789") != n)
		return -1;
	return atoi(s) < nitems ? atoi(s) : -1;
}

/* "REASON: message (field)" for one error of either family's shape. */
static void
append_error(StringInfo buf, JsonbContainer *err)
{
	JsonbValue	v;
	JsonbContainer *detail = err;
	char	   *kind = ras_json_member_text(err, "errorType");
	char	   *code;
	char	   *message;
	char	   *field;

	/* RAS: {"errorType": k, "errorValue": {k: {"reason", "message", "cause": {"location"}}}} */
	if (kind && member(err, "errorValue", &v) && v.type == jbvBinary &&
		JsonContainerIsObject(v.val.binary.data))
	{
		JsonbValue	inner;

		if (getKeyJsonValueFromContainer(v.val.binary.data, kind, strlen(kind), &inner) &&
			inner.type == jbvBinary && JsonContainerIsObject(inner.val.binary.data))
			detail = inner.val.binary.data;
	}
	code = ras_json_member_text(detail, "reason");
	if (code == NULL)
		code = ras_json_member_text(detail, "code");
	if (code == NULL)
		code = kind;
	message = ras_json_member_text(detail, "message");
	field = ras_json_member_text(detail, "fieldLocation");
	if (field == NULL && member(detail, "cause", &v) && v.type == jbvBinary)
		field = ras_json_member_text(v.val.binary.data, "location");

	if (buf->len > 0)
		appendStringInfoString(buf, "; ");
	appendStringInfo(buf, "%s%s%s", code ? code : "ERROR", message ? ": " : "",
					 message ? message : "");
	if (field)
		appendStringInfo(buf, " (%s)", field);
}

/* The errors of an outcome item as one line a person can read, or NULL. */
static char *
error_line(JsonbContainer *item)
{
	JsonbValue	errors;
	JsonbIterator *it;
	JsonbValue	e;
	JsonbIteratorToken tok;
	StringInfoData buf;

	if (!member(item, "errors", &errors) || errors.type != jbvBinary ||
		!JsonContainerIsArray(errors.val.binary.data))
		return NULL;
	initStringInfo(&buf);
	it = JsonbIteratorInit(errors.val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &e, true)) != WJB_DONE)
		if (tok == WJB_ELEM && e.type == jbvBinary && JsonContainerIsObject(e.val.binary.data))
			append_error(&buf, e.val.binary.data);
	if (buf.len == 0)
		return NULL;
	/* remote text: bounded and scrubbed like every message */
	return ras_remote_text(buf.data, buf.len, 2000);
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
		if ((idx = outcome_index(c, nitems)) < 0)
			continue;
		r = &results[idx];
		if (r->seen)
		{
			r->conflict = true;
			continue;
		}
		r->seen = true;
		r->ok = ok;
		has_entity = member(c, e->singular, &entity) && entity.type == jbvBinary &&
			JsonContainerIsObject(entity.val.binary.data);
		if (member(c, e->id_field, &v) ||
			(has_entity && member(entity.val.binary.data, e->id_field, &v)))
			r->id = ras_jsonb_scalar_text(&v);
		r->error = error_line(c);
		if (!ok && r->error == NULL)
			r->error = pstrdup("the API gave no reason");
		if (ok)
			r->result = JsonbValueToJsonb(has_entity ? &entity : &item);
		else if (member(c, "errors", &v))
			r->result = JsonbValueToJsonb(&v);
		else
			r->result = JsonbValueToJsonb(&item);
	}
}

/*
 * Reads a 207 answer into results.  False, with *why, when the answer
 * cannot be read at all.
 */
static bool
read_outcomes(const RasHttpResponse *resp, const RasEntity *e, ItemResult *results,
			  int nitems, const char **why)
{
	Jsonb	   *doc = ras_json_parse(resp->body, resp->body_len, why);
	JsonbContainer *outcomes;
	JsonbValue	wrapped;

	if (doc == NULL)
		return false;
	outcomes = JB_ROOT_IS_OBJECT(doc) ? &doc->root : NULL;
	if (outcomes && e->wrapped_outcomes)
		outcomes = member(outcomes, e->body_key, &wrapped) && wrapped.type == jbvBinary &&
			JsonContainerIsObject(wrapped.val.binary.data) ? wrapped.val.binary.data : NULL;
	if (outcomes == NULL)
	{
		*why = psprintf("it holds no \"%s\" outcomes", e->body_key);
		return false;
	}
	read_outcome_list(outcomes, "success", e, true, results, nitems);
	read_outcome_list(outcomes, "partialSuccess", e, true, results, nitems);
	read_outcome_list(outcomes, "error", e, false, results, nitems);
	return true;
}

/* What one call carries from batch to batch. */
typedef struct MutateRun
{
	MutateCall *call;
	RasConn    *conn;
	const char *profile_id;
	const char *account_id;
	const char *what;
	const char *prefer;
	Tuplestorestate *ts;
	TupleDesc	tupdesc;
	ResourceOwner ts_owner;		/* owns the tuplestore's temp files */
	int			acknowledged;	/* items Amazon answered for, applied or not */
	Datum	   *values;			/* one output row */
	bool	   *nulls;
	RasRowSink	computed;		/* a computed result's typed columns; columns NULL: none */
	int			applied;		/* items that may exist at Amazon now */
	bool		sent;			/* the current batch was handed to the transport */
} MutateRun;

static void
put_row(MutateRun *run, int idx, bool ok, const char *id, const char *error, Jsonb *result)
{
	Datum	   *values = run->values;
	bool	   *nulls = run->nulls;
	ResourceOwner save = CurrentResourceOwner;

	if (run->computed.columns)
	{
		/* (idx, ok, error, the result's typed columns..., raw) */
		JsonbValue	item;

		memset(nulls, true, sizeof(bool) * run->computed.natts);
		if (ok && result && !JB_ROOT_IS_SCALAR(result) && JB_ROOT_IS_OBJECT(result))
		{
			item.type = jbvBinary;
			item.val.binary.data = &result->root;
			item.val.binary.len = VARSIZE(result) - VARHDRSZ;
			ras_rows_form(&run->computed, &item, values, nulls);
		}
		else if (result)
		{
			/* errors or an unknown outcome: raw shows them */
			values[run->computed.natts - 1] = JsonbPGetDatum(result);
			nulls[run->computed.natts - 1] = false;
		}
		values[0] = Int32GetDatum(idx);
		values[1] = BoolGetDatum(ok);
		nulls[0] = nulls[1] = false;
		nulls[2] = error == NULL;
		values[2] = error ? ras_text_datum(error, strlen(error)) : (Datum) 0;
	}
	else
	{
		values[0] = Int32GetDatum(idx);
		values[1] = BoolGetDatum(ok);
		values[2] = id ? ras_text_datum(id, strlen(id)) : (Datum) 0;
		values[3] = error ? ras_text_datum(error, strlen(error)) : (Datum) 0;
		values[4] = result ? JsonbPGetDatum(result) : (Datum) 0;
		nulls[0] = nulls[1] = false;
		nulls[2] = id == NULL;
		nulls[3] = error == NULL;
		nulls[4] = result == NULL;
	}
	/* a spilled tuplestore's file must outlive a batch's subtransaction */
	CurrentResourceOwner = run->ts_owner;
	tuplestore_putvalues(run->ts, run->tupdesc, values, nulls);
	CurrentResourceOwner = save;
}

/*
 * Sends the items first .. first + count - 1 and puts their rows.  False,
 * with *failure, when the batch as a whole failed (nothing was put);
 * failure->maybe_applied says whether Amazon may have carried it out.
 */
static bool
send_batch(MutateRun *run, int first, int count, RasFailure *failure)
{
	MutateCall *call = run->call;
	const RasEntity *e = call->entity;
	RasCall		rc = {0};
	RasHttpResponse resp;
	ItemResult *results;
	const char *why;
	int			unknown = 0;

	rc.method = call->op == OP_UPDATE ? e->update_method : "POST";
	rc.path = call->op == OP_CREATE ? e->create_path :
		call->op == OP_UPDATE ? e->update_path : e->delete_path;
	rc.body = batch_body(call, first, count);
	rc.family = e->family;
	rc.profile_id = run->profile_id;
	rc.account_id = run->account_id;
	rc.extra_header = run->prefer;
	/* a repeated create could create twice; updates and deletes cannot */
	rc.idempotent = call->op != OP_CREATE;
	rc.changes = true;
	rc.what = run->what;

	/* a token refused here fails the batch before anything is sent */
	(void) ras_access_token(run->conn, false);
	run->sent = true;
	if (!ras_api_try(run->conn, &rc, &resp, failure))
		return false;

	results = palloc0(sizeof(ItemResult) * count);
	if (!read_outcomes(&resp, e, results, count, &why))
	{
		memset(failure, 0, sizeof(*failure));
		failure->sqlstate = RAS_SQLSTATE_REMOTE;
		failure->status = resp.status;
		failure->maybe_applied = true;
		failure->message = psprintf("could not %s: the answer cannot be read", run->what);
		failure->detail = psprintf("HTTP status %ld, but %s.", resp.status,
								   ras_remote_text(why, strlen(why), RAS_QUOTE_MAX));
		return false;
	}
	for (int i = 0; i < count; i++)
	{
		ItemResult *r = &results[i];

		if (r->conflict || !r->seen)
			unknown++;
	}
	if (unknown > 0)
		ereport(WARNING,
				(errcode(ERRCODE_WARNING),
				 errmsg("%s: the answer gave %d item(s) of the batch of items %d to %d no single outcome",
						run->what, unknown, first, first + count - 1),
				 errdetail("They are returned with ok = false, \"outcome unknown\": they may exist at Amazon now."),
				 errhint("List the entities to see what exists before sending them again.")));
	for (int i = 0; i < count; i++)
	{
		ItemResult *r = &results[i];

		if (r->conflict || !r->seen)
		{
			/* an item without one clear outcome may exist all the same */
			r->ok = false;
			r->error = r->conflict ?
				"outcome unknown: the API reported more than one outcome for this item" :
				"outcome unknown: the API reported no outcome for this item";
			r->result = unapplied_result("outcome unknown", r->error + strlen("outcome unknown: "),
										 NULL);
			r->id = NULL;
		}
		if (r->ok || r->conflict || !r->seen)
			run->applied++;
		run->acknowledged++;
		put_row(run, first + i, r->ok, r->id ? r->id : call->ids[first + i], r->error,
				r->result);
	}
	return true;
}

/*
 * send_batch in a subtransaction: whatever goes wrong, the rows of earlier
 * batches must still be returned.  An error becomes a failed batch; a cancel
 * still cancels, after a WARNING that says what was acknowledged and what
 * was in flight and may have been applied.
 */
static bool
send_batch_guarded(MutateRun *run, int first, int count, RasFailure *failure)
{
	MemoryContext ctx = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	volatile bool ok = false;

	run->sent = false;
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
		if (ras_is_interrupt(edata))
		{
			if (run->sent)
				ereport(WARNING,
						(errcode(ERRCODE_WARNING),
						 errmsg("%s was interrupted: %d item(s) acknowledged, %d applied; items %d to %d were in flight and may have been applied",
								run->what, run->acknowledged, run->applied, first,
								first + count - 1),
						 errdetail("Items after %d were not sent. List the entities to see what exists now.",
								   first + count - 1)));
			else if (run->applied > 0)
				ereport(WARNING,
						(errcode(ERRCODE_WARNING),
						 errmsg("%s was interrupted: %d item(s) acknowledged, %d applied; items from %d on were not sent",
								run->what, run->acknowledged, run->applied, first)));
			ReThrowError(edata);
		}
		memset(failure, 0, sizeof(*failure));
		failure->sqlstate = edata->sqlerrcode;
		failure->message = edata->message;
		failure->detail = edata->detail;
		failure->hint = edata->hint;
		failure->maybe_applied = run->sent;
		ok = false;
	}
	PG_END_TRY();
	return ok;
}

/*
 * Amazon refused the batch as too large (413, or v1's CONTENT_TOO_LARGE):
 * nothing of it was applied, and smaller batches will go through.
 */
static bool
too_large(const RasFailure *failure)
{
	return !failure->maybe_applied &&
		(failure->status == 413 ||
		 (failure->status == 400 && failure->code != NULL &&
		  strcmp(failure->code, "CONTENT_TOO_LARGE") == 0));
}

/* Rows for the failed batch at first and every item after it, and a WARNING. */
static void
report_unapplied(MutateRun *run, int first, int count, const RasFailure *failure)
{
	const char *status = failure->maybe_applied ? "outcome unknown" : "not applied";
	char	   *line = psprintf("%s: %s", status, failure->message);
	Jsonb	   *failed = unapplied_result(status, failure->message, failure->detail);
	Jsonb	   *skipped = unapplied_result("not applied", "an earlier batch of this call failed",
										   NULL);

	for (int i = first; i < run->call->nitems; i++)
		put_row(run, i, false, run->call->ids[i],
				i < first + count ? line : "not applied: an earlier batch of this call failed",
				i < first + count ? failed : skipped);
	ereport(WARNING,
			(errcode(ERRCODE_WARNING),
			 errmsg("%s: the batch of items %d to %d failed%s", run->what, first,
					first + count - 1,
					failure->maybe_applied ? " and may have been applied" : ""),
			 errdetail_internal("%s. Items %d to %d are returned with ok = false, \"%s\"; those after them, \"not applied\"; %d item(s) before them were acknowledged.",
								failure->message, first, first + count - 1, status,
								run->acknowledged)));
}

PG_FUNCTION_INFO_V1(ras_mutate);

Datum
ras_mutate(PG_FUNCTION_ARGS)
{
	MutateCall	call = {0};
	MutateRun	run = {0};
	const RasEntity *e;
	MemoryContext batch_ctx;
	int			limit;

	{
		/* resolved once per call site */
		MutateCall **cached = (MutateCall **) ras_call_cache(fcinfo);

		if (*cached == NULL)
		{
			MutateCall *site = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt,
													   sizeof(MutateCall));

			parse_name(ras_call_name(fcinfo), site);
			*cached = site;
		}
		call.entity = (*cached)->entity;
		call.op = (*cached)->op;
	}
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

	run.call = &call;
	run.conn = ras_conn_resolve(ras_arg_text(fcinfo, "server"));
	if (e->scope == RAS_SCOPE_PROFILE)
		run.profile_id = ras_profile_resolve(ras_arg_text(fcinfo, "profile_id"));
	else if (e->scope == RAS_SCOPE_ACCOUNT)
		run.account_id = ras_account_resolve(ras_arg_text(fcinfo, "account_id"));
	run.ts = ras_srf_begin(fcinfo, &run.tupdesc);
	run.values = palloc0(sizeof(Datum) * run.tupdesc->natts);
	run.nulls = palloc0(sizeof(bool) * run.tupdesc->natts);
	if (e->computes)
	{
		/* idx, ok, error come first; the other columns are the result's */
		run.computed.tupdesc = run.tupdesc;
		run.computed.natts = run.tupdesc->natts;
		run.computed.columns = ras_list_map_columns(e, run.tupdesc, false);
		run.computed.what = e->sql_name;
		ras_rows_prepare(&run.computed);
	}
	run.ts_owner = CurrentResourceOwner;
	run.what = psprintf("%s %s", op_names[call.op], e->sql_name);
	if (e->prefer_representation && call.op != OP_DELETE)
		run.prefer = "Prefer: return=representation";

	/* everything a batch allocates goes when its rows are in the tuplestore */
	batch_ctx = AllocSetContextCreate(CurrentMemoryContext, "ras batch",
									  ALLOCSET_DEFAULT_SIZES);
	limit = e->batch_limit;
	for (int first = 0; first < call.nitems;)
	{
		int			count = Min(limit, call.nitems - first);
		RasFailure	failure;
		MemoryContext old = MemoryContextSwitchTo(batch_ctx);

		bool		sent = send_batch_guarded(&run, first, count, &failure);

		if (!sent && too_large(&failure) && count > 1)
		{
			/* refused whole, nothing applied: smaller batches from here on */
			limit = count / 2;
			ereport(DEBUG1,
					(errmsg_internal("ras: %s: a batch of %d was too large, sending %d at a time",
									 run.what, count, limit)));
			MemoryContextSwitchTo(old);
			MemoryContextReset(batch_ctx);
			continue;
		}
		/*
		 * One rule for every batch: a failure is a plain ERROR only while
		 * nothing can exist at Amazon; once something may, it is rows.
		 */
		if (!sent)
		{
			if (run.applied == 0 && !failure.maybe_applied)
				ras_raise_failure(&failure);
			report_unapplied(&run, first, count, &failure);
			MemoryContextSwitchTo(old);
			return (Datum) 0;
		}
		first += count;
		MemoryContextSwitchTo(old);
		MemoryContextReset(batch_ctx);
	}
	return (Datum) 0;
}
