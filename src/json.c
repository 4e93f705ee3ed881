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

typedef struct json_object JsonC;

/* ---------- parsing ---------- */

static JsonC *
parse_or_null(const char *body, size_t len, char *errbuf, size_t errlen)
{
	struct json_tokener *tok;
	JsonC	   *root;
	enum json_tokener_error jerr;

	/* PostgreSQL's verifier has a fast path for ASCII; json-c's check has not */
	if (!pg_verify_mbstr(PG_UTF8, body, (int) len, true))
	{
		snprintf(errbuf, errlen, "the answer is not valid UTF-8");
		return NULL;
	}
	tok = json_tokener_new();
	if (tok == NULL)
	{
		snprintf(errbuf, errlen, "out of memory");
		return NULL;
	}
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

/* ---------- json-c tree to JsonbValue ---------- */

/* A string from the API in the server's encoding (the answer was checked UTF-8). */
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

/*
 * A JSON number as numeric, exactly as written.  Plain decimals of up to 18
 * digits (every id, bid and budget) are built directly; anything else goes
 * through numeric_in.  json-c keeps the original text of a double.
 */
static Numeric
number_numeric(JsonC *v)
{
	static FmgrInfo numeric_in_f;
	static bool initialized = false;
	const char *text;
	const char *p;
	int64		digits = 0;
	int			ndigits = 0;
	int			scale = -1;
	bool		negative = false;

	if (json_object_is_type(v, json_type_int))
		return int64_to_numeric(json_object_get_int64(v));
	text = json_object_get_string(v);
	p = text;
	if (*p == '-')
		negative = true, p++;
	for (; *p; p++)
	{
		if (*p >= '0' && *p <= '9' && ndigits < 18)
		{
			digits = digits * 10 + (*p - '0');
			ndigits++;
			if (scale >= 0)
				scale++;
		}
		else if (*p == '.' && scale < 0)
			scale = 0;
		else
			break;
	}
	if (*p == '\0' && ndigits > 0 && scale != 0)
		return int64_div_fast_to_numeric(negative ? -digits : digits, Max(scale, 0));

	if (!initialized)
	{
		fmgr_info_cxt(F_NUMERIC_IN, &numeric_in_f, TopMemoryContext);
		initialized = true;
	}
	return DatumGetNumeric(InputFunctionCall(&numeric_in_f, (char *) text, NUMERICOID, -1));
}

/* jsonb's key order: shorter keys first, then bytewise. */
static int
key_cmp(const JsonbPair *a, const JsonbPair *b)
{
	if (a->key.val.string.len != b->key.val.string.len)
		return a->key.val.string.len < b->key.val.string.len ? -1 : 1;
	return memcmp(a->key.val.string.val, b->key.val.string.val, a->key.val.string.len);
}

static void
sort_pairs(JsonbPair *pairs, int n)
{
	/* objects here have a dozen keys: insertion sort beats qsort */
	for (int i = 1; i < n; i++)
	{
		JsonbPair	cur = pairs[i];
		int			j = i - 1;

		while (j >= 0 && key_cmp(&pairs[j], &cur) > 0)
		{
			pairs[j + 1] = pairs[j];
			j--;
		}
		pairs[j + 1] = cur;
	}
}

/*
 * Builds the JsonbValue of a json-c node in the current memory context,
 * objects with their keys already in jsonb order, so that JsonbValueToJsonb
 * only has to lay it out.  Strings point into the json-c tree: the result is
 * valid while the tree lives.
 */
static void
jsonb_value(JsonC *v, JsonbValue *out)
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
		case json_type_string:
			{
				int			len;

				out->type = jbvString;
				out->val.string.val = (char *) server_string(json_object_get_string(v),
															 json_object_get_string_len(v),
															 &len);
				out->val.string.len = len;
				break;
			}
		case json_type_array:
			{
				int			n = (int) json_object_array_length(v);

				out->type = jbvArray;
				out->val.array.rawScalar = false;
				out->val.array.nElems = n;
				out->val.array.elems = palloc(sizeof(JsonbValue) * Max(n, 1));
				for (int i = 0; i < n; i++)
					jsonb_value(json_object_array_get_idx(v, i), &out->val.array.elems[i]);
				break;
			}
		case json_type_object:
			{
				int			n = json_object_object_length(v);
				JsonbPair  *pairs = palloc(sizeof(JsonbPair) * Max(n, 1));
				int			i = 0;
				int			klen;

				for (struct lh_entry *e = json_object_get_object(v)->head; e; e = e->next)
				{
					const char *key = (const char *) lh_entry_k(e);

					pairs[i].key.type = jbvString;
					pairs[i].key.val.string.val = (char *) server_string(key, (int) strlen(key),
																		 &klen);
					pairs[i].key.val.string.len = klen;
					pairs[i].order = i;
					jsonb_value((JsonC *) lh_entry_v(e), &pairs[i].value);
					i++;
				}
				/* json-c keeps one value per key, so sorting is all jsonb needs */
				sort_pairs(pairs, n);
				out->type = jbvObject;
				out->val.object.nPairs = n;
				out->val.object.pairs = pairs;
				break;
			}
	}
}

static Jsonb *
tree_to_jsonb(JsonC *v)
{
	JsonbValue	jv;

	jsonb_value(v, &jv);
	return JsonbValueToJsonb(&jv);
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
