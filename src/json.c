/*
 * json.c
 *     The json-c boundary: parses API answers and turns them into Datums,
 *     rows and per-item outcomes.
 *
 * This file includes json-c and therefore never includes utils/builtins.h
 * (its json_object() clashes with json-c's type).  json-c allocates with
 * malloc: every parsed tree is released with json_object_put on every path,
 * errors included (PG_FINALLY), and no json-c call runs after an ERROR.
 *
 * Each page is parsed once; the raw jsonb is built from the parsed tree with
 * pushJsonbValue and typed columns are formed as Datums, never as strings
 * pushed through input functions twice.
 */
#include "postgres.h"

#include <json-c/json.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "mb/pg_wchar.h"
#include "utils/fmgroids.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include "ras.h"

#define RAS_MAX_PATH_DEPTH 6

typedef struct json_object JsonC;

typedef struct ColumnPath
{
	int			nseg;
	char		seg[RAS_MAX_PATH_DEPTH][64];
} ColumnPath;

/* ---------- parsing ---------- */

static JsonC *
parse_or_null(const char *body, size_t len, char *errbuf, size_t errlen)
{
	struct json_tokener *tok = json_tokener_new();
	JsonC	   *root;
	enum json_tokener_error jerr;

	if (tok == NULL)
	{
		snprintf(errbuf, errlen, "out of memory");
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_VALIDATE_UTF8);
	root = json_tokener_parse_ex(tok, body, (int) len);
	jerr = json_tokener_get_error(tok);
	if (root != NULL && jerr == json_tokener_success &&
		json_tokener_get_parse_end(tok) < len)
	{
		/* trailing garbage after a complete value */
		size_t		end = json_tokener_get_parse_end(tok);

		while (end < len && (body[end] == ' ' || body[end] == '\n' ||
							 body[end] == '\r' || body[end] == '\t'))
			end++;
		if (end < len)
		{
			json_object_put(root);
			root = NULL;
			snprintf(errbuf, errlen, "unexpected data after the JSON value");
		}
	}
	else if (root == NULL || jerr != json_tokener_success)
	{
		snprintf(errbuf, errlen, "%s",
				 jerr == json_tokener_continue ? "the JSON text is incomplete"
				 : json_tokener_error_desc(jerr));
		if (root)
			json_object_put(root);
		root = NULL;
	}
	json_tokener_free(tok);
	return root;
}

/* Parses a whole answer or raises a clear error (after json-c cleanup). */
static JsonC *
parse_answer(const char *body, size_t len)
{
	char		errbuf[128];
	JsonC	   *root = parse_or_null(body, len, errbuf, sizeof(errbuf));

	if (root == NULL)
		ereport(ERROR,
				(errcode(RAS_SQLSTATE_REMOTE),
				 errmsg("could not parse the answer of the Amazon Ads API: %s", errbuf),
				 errdetail("The answer was %zu bytes long.", len)));
	return root;
}

/* ---------- scalar conversion ---------- */

/* A string from the API in the server's encoding (json-c validated UTF-8). */
static const char *
server_string(const char *s, int len, int *outlen)
{
	const char *converted;

	if (GetDatabaseEncoding() == PG_UTF8)
	{
		*outlen = len;
		return s;
	}
	converted = pg_any_to_server(s, len, PG_UTF8);
	*outlen = (converted == s) ? len : (int) strlen(converted);
	return converted;
}

static Datum
input_datum(Oid fnoid, Oid typioparam, const char *value)
{
	static FmgrInfo numeric_in_f;
	static FmgrInfo date_in_f;
	static FmgrInfo timestamptz_in_f;
	static bool initialized = false;
	FmgrInfo   *f;

	if (!initialized)
	{
		fmgr_info_cxt(F_NUMERIC_IN, &numeric_in_f, TopMemoryContext);
		fmgr_info_cxt(F_DATE_IN, &date_in_f, TopMemoryContext);
		fmgr_info_cxt(F_TIMESTAMPTZ_IN, &timestamptz_in_f, TopMemoryContext);
		initialized = true;
	}
	f = fnoid == F_NUMERIC_IN ? &numeric_in_f :
		fnoid == F_DATE_IN ? &date_in_f : &timestamptz_in_f;
	return InputFunctionCall(f, (char *) value, typioparam, -1);
}

static Numeric
number_numeric(JsonC *v)
{
	if (json_object_is_type(v, json_type_int))
		return int64_to_numeric(json_object_get_int64(v));
	/* json-c keeps the original text of a double: no binary round trip */
	return DatumGetNumeric(input_datum(F_NUMERIC_IN, NUMERICOID, json_object_get_string(v)));
}

/* ---------- json-c tree to jsonb ---------- */

static void
scalar_value(JsonC *v, JsonbValue *out)
{
	switch (v ? json_object_get_type(v) : json_type_null)
	{
		case json_type_null:
			out->type = jbvNull;
			break;
		case json_type_boolean:
			out->type = jbvBool;
			out->val.boolean = json_object_get_boolean(v);
			break;
		case json_type_int:
		case json_type_double:
			out->type = jbvNumeric;
			out->val.numeric = number_numeric(v);
			break;
		default:
			{
				int			len;
				const char *s = server_string(json_object_get_string(v),
											  json_object_get_string_len(v), &len);

				out->type = jbvString;
				out->val.string.val = (char *) s;
				out->val.string.len = len;
				break;
			}
	}
}

/* Pushes a subtree; returns what the last push returned (the container). */
static JsonbValue *
push_tree(JsonbParseState **st, JsonC *v, JsonbIteratorToken token)
{
	JsonbValue	jv;

	if (json_object_is_type(v, json_type_object))
	{
		struct json_object_iterator it = json_object_iter_begin(v);
		struct json_object_iterator end = json_object_iter_end(v);

		pushJsonbValue(st, WJB_BEGIN_OBJECT, NULL);
		while (!json_object_iter_equal(&it, &end))
		{
			const char *key = json_object_iter_peek_name(&it);
			int			klen;

			jv.type = jbvString;
			jv.val.string.val = (char *) server_string(key, (int) strlen(key), &klen);
			jv.val.string.len = klen;
			pushJsonbValue(st, WJB_KEY, &jv);
			push_tree(st, json_object_iter_peek_value(&it), WJB_VALUE);
			json_object_iter_next(&it);
		}
		return pushJsonbValue(st, WJB_END_OBJECT, NULL);
	}
	if (json_object_is_type(v, json_type_array))
	{
		size_t		n = json_object_array_length(v);

		pushJsonbValue(st, WJB_BEGIN_ARRAY, NULL);
		for (size_t i = 0; i < n; i++)
			push_tree(st, json_object_array_get_idx(v, i), WJB_ELEM);
		return pushJsonbValue(st, WJB_END_ARRAY, NULL);
	}
	scalar_value(v, &jv);
	return pushJsonbValue(st, token, &jv);
}

static Jsonb *
tree_to_jsonb(JsonC *v)
{
	JsonbParseState *st = NULL;
	JsonbValue	wrapper = {.type = jbvArray};

	if (json_object_is_type(v, json_type_object) || json_object_is_type(v, json_type_array))
		return JsonbValueToJsonb(push_tree(&st, v, WJB_VALUE));
	/* a scalar document is a one-element "raw scalar" array */
	wrapper.val.array.rawScalar = true;
	pushJsonbValue(&st, WJB_BEGIN_ARRAY, &wrapper);
	push_tree(&st, v, WJB_ELEM);
	return JsonbValueToJsonb(pushJsonbValue(&st, WJB_END_ARRAY, NULL));
}

/* ---------- rows ---------- */

static void
compile_path(const char *path, ColumnPath *cp)
{
	const char *p = path;

	cp->nseg = 0;
	while (p && *p)
	{
		const char *dot = strchr(p, '.');
		size_t		len = dot ? (size_t) (dot - p) : strlen(p);

		if (cp->nseg >= RAS_MAX_PATH_DEPTH || len >= sizeof(cp->seg[0]))
			elog(ERROR, "column path \"%s\" is too long", path);
		memcpy(cp->seg[cp->nseg], p, len);
		cp->seg[cp->nseg][len] = '\0';
		cp->nseg++;
		p = dot ? dot + 1 : NULL;
	}
}

static JsonC *
follow_path(JsonC *obj, const ColumnPath *cp)
{
	JsonC	   *cur = obj;

	for (int i = 0; i < cp->nseg && cur != NULL; i++)
	{
		JsonC	   *next = NULL;

		if (!json_object_is_type(cur, json_type_object))
			return NULL;
		if (cp->seg[i][0] == '*' && cp->seg[i][1] == '\0')
		{
			/* the only member of a one-of object, e.g. targetDetails.* */
			struct json_object_iterator it = json_object_iter_begin(cur);
			struct json_object_iterator end = json_object_iter_end(cur);

			if (!json_object_iter_equal(&it, &end))
				next = json_object_iter_peek_value(&it);
		}
		else
			(void) json_object_object_get_ex(cur, cp->seg[i], &next);
		cur = next;
	}
	return cur;
}

static Datum
column_datum(JsonC *v, RasColType type, bool *isnull)
{
	*isnull = false;
	if (type == RAS_COL_RAW || type == RAS_COL_JSONB)
	{
		if (v == NULL)
		{
			*isnull = true;
			return (Datum) 0;
		}
		return JsonbPGetDatum(tree_to_jsonb(v));
	}
	if (v == NULL || json_object_is_type(v, json_type_null))
	{
		*isnull = true;
		return (Datum) 0;
	}
	switch (type)
	{
		case RAS_COL_NUMERIC:
			if (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double))
				return NumericGetDatum(number_numeric(v));
			return input_datum(F_NUMERIC_IN, NUMERICOID, json_object_get_string(v));
		case RAS_COL_BOOL:
			if (json_object_is_type(v, json_type_boolean))
				return BoolGetDatum(json_object_get_boolean(v));
			return BoolGetDatum(pg_strcasecmp(json_object_get_string(v), "true") == 0);
		case RAS_COL_INT8:
			return Int64GetDatum(json_object_get_int64(v));
		case RAS_COL_DATE:
			return input_datum(F_DATE_IN, DATEOID, json_object_get_string(v));
		case RAS_COL_TIMESTAMPTZ:
			return input_datum(F_TIMESTAMPTZ_IN, TIMESTAMPTZOID, json_object_get_string(v));
		default:
			{
				int			len;
				const char *s;

				if (json_object_is_type(v, json_type_string))
					s = server_string(json_object_get_string(v),
									  json_object_get_string_len(v), &len);
				else
				{
					s = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
					s = server_string(s, (int) strlen(s), &len);
				}
				return ras_text_datum(s, len);
			}
	}
}

/* Adds the row unless an earlier split call already returned its id. */
static bool
first_sighting(RasRowSink *sink, JsonC *elem, const ColumnPath *paths)
{
	JsonC	   *idv;
	const char *id;
	char		key[NAMEDATALEN * 2];
	bool		found;

	if (sink->seen_ids == NULL || sink->id_attno < 0)
		return true;
	idv = follow_path(elem, &paths[sink->id_attno]);
	if (idv == NULL)
		return true;
	id = json_object_get_string(idv);
	memset(key, 0, sizeof(key));
	strlcpy(key, id, sizeof(key));
	hash_search(sink->seen_ids, key, HASH_ENTER, &found);
	return !found;
}

static void
emit_rows(JsonC *array, RasRowSink *sink, RasPageInfo *page)
{
	int			natts = sink->tupdesc->natts;
	Datum	   *values = palloc(sizeof(Datum) * natts);
	bool	   *nulls = palloc(sizeof(bool) * natts);
	ColumnPath *paths = palloc(sizeof(ColumnPath) * natts);
	MemoryContext row_ctx = AllocSetContextCreate(CurrentMemoryContext, "ras row",
												  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old;
	size_t		n = json_object_array_length(array);

	for (int a = 0; a < natts; a++)
		compile_path(sink->columns[a].path, &paths[a]);

	page->nitems = (int) n;
	for (size_t i = 0; i < n; i++)
	{
		JsonC	   *elem = json_object_array_get_idx(array, i);

		if (sink->max_rows > 0 && sink->nrows >= sink->max_rows)
			break;
		if (!json_object_is_type(elem, json_type_object))
			ereport(ERROR,
					(errcode(RAS_SQLSTATE_REMOTE),
					 errmsg("unexpected answer from the Amazon Ads API: list item %zu is not an object", i)));
		if (!first_sighting(sink, elem, paths))
			continue;

		old = MemoryContextSwitchTo(row_ctx);
		for (int a = 0; a < natts; a++)
		{
			JsonC	   *v = sink->columns[a].type == RAS_COL_RAW ? elem
				: follow_path(elem, &paths[a]);

			values[a] = column_datum(v, sink->columns[a].type, &nulls[a]);
		}
		MemoryContextSwitchTo(old);
		tuplestore_putvalues(sink->tupstore, sink->tupdesc, values, nulls);
		MemoryContextReset(row_ctx);
		sink->nrows++;
	}
	MemoryContextDelete(row_ctx);
}

void
ras_json_page_to_rows(const char *body, size_t len, const char *array_key,
					  RasRowSink *sink, RasPageInfo *page)
{
	JsonC	   *root = parse_answer(body, len);

	page->nitems = 0;
	page->next_token = NULL;
	PG_TRY();
	{
		JsonC	   *array = root;
		JsonC	   *next = NULL;

		if (array_key != NULL)
		{
			if (!json_object_is_type(root, json_type_object) ||
				!json_object_object_get_ex(root, array_key, &array))
				array = NULL;
			if (json_object_is_type(root, json_type_object) &&
				json_object_object_get_ex(root, "nextToken", &next) &&
				json_object_is_type(next, json_type_string) &&
				json_object_get_string_len(next) > 0)
				page->next_token = pstrdup(json_object_get_string(next));
		}
		if (array != NULL && json_object_is_type(array, json_type_null))
			array = NULL;		/* an empty page may omit its list */
		else if (array == NULL && array_key == NULL)
			ereport(ERROR,
					(errcode(RAS_SQLSTATE_REMOTE),
					 errmsg("unexpected answer from the Amazon Ads API: no list")));
		if (array != NULL && !json_object_is_type(array, json_type_array))
			ereport(ERROR,
					(errcode(RAS_SQLSTATE_REMOTE),
					 errmsg("unexpected answer from the Amazon Ads API: \"%s\" is not a list",
							array_key ? array_key : "answer")));
		if (array != NULL)
			emit_rows(array, sink, page);
	}
	PG_FINALLY();
	{
		json_object_put(root);
	}
	PG_END_TRY();
}

/* ---------- per-item outcomes of a write ---------- */

static char *
id_string(JsonC *v)
{
	if (v == NULL || json_object_is_type(v, json_type_null))
		return NULL;
	return pstrdup(json_object_get_string(v));
}

static int
item_index(JsonC *item)
{
	JsonC	   *idx = NULL;

	if (!json_object_object_get_ex(item, "index", &idx) ||
		!(json_object_is_type(idx, json_type_int) || json_object_is_type(idx, json_type_string)))
		return -1;
	return json_object_get_int(idx);
}

static void
collect_outcomes(JsonC *list, const RasEntity *e, bool ok, RasItemResult *results,
				 int nitems)
{
	size_t		n;

	if (list == NULL || !json_object_is_type(list, json_type_array))
		return;
	n = json_object_array_length(list);
	for (size_t i = 0; i < n; i++)
	{
		JsonC	   *item = json_object_array_get_idx(list, i);
		JsonC	   *entity = NULL;
		JsonC	   *id = NULL;
		JsonC	   *errors = NULL;
		int			idx;
		RasItemResult *r;

		if (!json_object_is_type(item, json_type_object) ||
			(idx = item_index(item)) < 0 || idx >= nitems)
			continue;
		r = &results[idx];
		r->seen = true;
		r->ok = ok;
		(void) json_object_object_get_ex(item, e->singular, &entity);
		(void) json_object_object_get_ex(item, e->id_field, &id);
		if (id == NULL && entity != NULL)
			(void) json_object_object_get_ex(entity, e->id_field, &id);
		r->id = id_string(id);
		if (ok)
			r->result = tree_to_jsonb(entity ? entity : item);
		else if (json_object_object_get_ex(item, "errors", &errors))
			r->result = tree_to_jsonb(errors);
		else
			r->result = tree_to_jsonb(item);
	}
}

void
ras_json_outcomes(const char *body, size_t len, const RasEntity *e,
				  RasItemResult *results, int nitems)
{
	JsonC	   *root = parse_answer(body, len);

	PG_TRY();
	{
		JsonC	   *outcomes = root;
		JsonC	   *list = NULL;

		if (e->wrapped_outcomes &&
			!(json_object_is_type(root, json_type_object) &&
			  json_object_object_get_ex(root, e->body_key, &outcomes)))
			outcomes = NULL;
		if (outcomes == NULL || !json_object_is_type(outcomes, json_type_object))
			ereport(ERROR,
					(errcode(RAS_SQLSTATE_REMOTE),
					 errmsg("unexpected answer from the Amazon Ads API: no \"%s\" outcomes",
							e->body_key)));
		if (json_object_object_get_ex(outcomes, "success", &list))
			collect_outcomes(list, e, true, results, nitems);
		if (json_object_object_get_ex(outcomes, "partialSuccess", &list))
			collect_outcomes(list, e, true, results, nitems);
		if (json_object_object_get_ex(outcomes, "error", &list))
			collect_outcomes(list, e, false, results, nitems);
	}
	PG_FINALLY();
	{
		json_object_put(root);
	}
	PG_END_TRY();
}

/* ---------- error bodies, tokens, whole documents ---------- */

static char *
member_string(JsonC *obj, const char *key)
{
	JsonC	   *v = NULL;
	int			len;
	const char *s;

	if (!json_object_object_get_ex(obj, key, &v) || v == NULL ||
		json_object_is_type(v, json_type_null))
		return NULL;
	if (json_object_is_type(v, json_type_string))
		s = json_object_get_string(v);
	else
		s = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
	s = server_string(s, (int) strlen(s), &len);
	return pnstrdup(s, len);
}

/*
 * Code and message of an error answer, whatever its family's shape:
 * {"code","message"}, Login with Amazon's {"error","error_description"},
 * reporting's {"code","detail"}.  A body that is not JSON yields a short,
 * printable excerpt as the message.
 */
void
ras_json_error_info(const char *body, size_t len, char **code, char **message)
{
	char		errbuf[128];
	JsonC	   *root = parse_or_null(body, len, errbuf, sizeof(errbuf));

	*code = NULL;
	*message = NULL;
	if (root != NULL && json_object_is_type(root, json_type_object))
	{
		*code = member_string(root, "code");
		if (*code == NULL)
			*code = member_string(root, "error");
		*message = member_string(root, "message");
		if (*message == NULL)
			*message = member_string(root, "error_description");
		if (*message == NULL)
			*message = member_string(root, "detail");
		if (*message == NULL)
			*message = member_string(root, "details");
	}
	if (root != NULL)
		json_object_put(root);
	if (root == NULL && len > 0)
	{
		StringInfoData buf;

		initStringInfo(&buf);
		for (size_t i = 0; i < len && buf.len < 200; i++)
			appendStringInfoChar(&buf, (body[i] >= 32 && body[i] < 127) ? body[i] : ' ');
		*message = buf.data;
	}
}

bool
ras_json_token(const char *body, size_t len, char **access_token, int *expires_in)
{
	char		errbuf[128];
	JsonC	   *root = parse_or_null(body, len, errbuf, sizeof(errbuf));
	JsonC	   *tok = NULL;
	JsonC	   *exp = NULL;
	bool		ok = false;

	if (root != NULL && json_object_is_type(root, json_type_object) &&
		json_object_object_get_ex(root, "access_token", &tok) &&
		json_object_is_type(tok, json_type_string) &&
		json_object_get_string_len(tok) > 0)
	{
		*access_token = pstrdup(json_object_get_string(tok));
		*expires_in = 3600;
		if (json_object_object_get_ex(root, "expires_in", &exp) &&
			json_object_get_int(exp) > 0)
			*expires_in = json_object_get_int(exp);
		ok = true;
	}
	if (root != NULL)
		json_object_put(root);
	return ok;
}

Jsonb *
ras_json_to_jsonb(const char *body, size_t len)
{
	JsonC	   *root = parse_answer(body, len);
	Jsonb	   *result = NULL;

	PG_TRY();
	{
		result = tree_to_jsonb(root);
	}
	PG_FINALLY();
	{
		json_object_put(root);
	}
	PG_END_TRY();
	return result;
}
