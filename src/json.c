/*
 * json.c
 *     Every answer of the API is read here into jsonb, by one parser: in a
 *     UTF-8 or SQL_ASCII database ras's own (json_fast.c), in any other
 *     PostgreSQL's (common/jsonapi.h) with each string converted.
 *
 * Nothing here raises an error on a bad answer: ras_json_parse returns NULL
 * and says why, and each caller decides what a bad answer means (a 58000 for
 * a page, "outcome unknown" for a write's 207, a quoted excerpt for an error
 * body).  No error is ever caught and carried on from.
 *
 * The API speaks UTF-8.  In a UTF-8 database strings are taken as they are;
 * in any other, each string is converted on its own and a character the
 * database encoding cannot hold becomes '?', so one foreign name never fails
 * a whole listing.  A \u0000 (which text cannot hold) and invalid UTF-8 make
 * the answer unreadable.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "common/jsonapi.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "ras.h"

typedef struct ParseState
{
	JsonbParseState *stack;
	JsonbValue *result;
	Oid			conversion;		/* UTF-8 to the database encoding; 0: none needed */
	const char *error;			/* set by an action; the rest is ignored */
} ParseState;

/*
 * The jsonb string value of s (UTF-8, NUL-terminated) in the database
 * encoding.  Unconvertible characters become '?'.  Never raises for a
 * conversion failure.
 */
static void
to_server(const ParseState *st, char *s, JsonbValue *v)
{
	StringInfoData buf;
	const unsigned char *p = (const unsigned char *) s;
	int			left = strlen(s);

	v->type = jbvString;
	if (!OidIsValid(st->conversion))
	{
		v->val.string.val = s;
		v->val.string.len = left;
		return;
	}
	initStringInfo(&buf);
	while (left > 0)
	{
		int			done;
		int			skip;

		enlargeStringInfo(&buf, left * MAX_CONVERSION_GROWTH + 1);
		done = pg_do_encoding_conversion_buf(st->conversion, PG_UTF8, GetDatabaseEncoding(),
											 (unsigned char *) p, left,
											 (unsigned char *) buf.data + buf.len,
											 buf.maxlen - buf.len, true);
		buf.len += strlen(buf.data + buf.len);
		p += done;
		left -= done;
		if (left <= 0)
			break;
		/* one character the database cannot hold */
		appendStringInfoChar(&buf, '?');
		skip = Min(pg_utf_mblen(p), left);
		p += skip;
		left -= skip;
	}
	v->val.string.val = buf.data;
	v->val.string.len = buf.len;
}

static void
push_string(ParseState *st, JsonbIteratorToken tok, char *s)
{
	JsonbValue	v;

	to_server(st, s, &v);
	st->result = pushJsonbValue(&st->stack, tok, &v);
}

static void
on_object_start(void *arg)
{
	ParseState *st = arg;

	if (!st->error)
		st->result = pushJsonbValue(&st->stack, WJB_BEGIN_OBJECT, NULL);
}

static void
on_object_end(void *arg)
{
	ParseState *st = arg;

	if (!st->error)
		st->result = pushJsonbValue(&st->stack, WJB_END_OBJECT, NULL);
}

static void
on_array_start(void *arg)
{
	ParseState *st = arg;

	if (!st->error)
		st->result = pushJsonbValue(&st->stack, WJB_BEGIN_ARRAY, NULL);
}

static void
on_array_end(void *arg)
{
	ParseState *st = arg;

	if (!st->error)
		st->result = pushJsonbValue(&st->stack, WJB_END_ARRAY, NULL);
}

static void
on_field(void *arg, char *fname, bool isnull)
{
	ParseState *st = arg;

	if (!st->error)
		push_string(st, WJB_KEY, fname);
}

/* A scalar v as the next element or the value of the current key. */
static void
push_value(ParseState *st, JsonbValue *v)
{
	if (st->stack == NULL)
	{
		/* a scalar document: jsonb keeps it as a one-element raw array */
		JsonbValue	va;

		va.type = jbvArray;
		va.val.array.rawScalar = true;
		va.val.array.nElems = 1;
		pushJsonbValue(&st->stack, WJB_BEGIN_ARRAY, &va);
		pushJsonbValue(&st->stack, WJB_ELEM, v);
		st->result = pushJsonbValue(&st->stack, WJB_END_ARRAY, NULL);
		return;
	}
	st->result = pushJsonbValue(&st->stack,
								st->stack->contVal.type == jbvArray ? WJB_ELEM : WJB_VALUE,
								v);
}

static void
on_scalar(void *arg, char *token, JsonTokenType type)
{
	ParseState *st = arg;
	JsonbValue	v;

	if (st->error)
		return;
	switch (type)
	{
		case JSON_TOKEN_STRING:
			to_server(st, token, &v);
			break;
		case JSON_TOKEN_NUMBER:
			v.type = jbvNumeric;
			v.val.numeric = ras_json_number(token);
			if (v.val.numeric == NULL)
			{
				st->error = "a number is out of range";
				return;
			}
			break;
		case JSON_TOKEN_TRUE:
		case JSON_TOKEN_FALSE:
			v.type = jbvBool;
			v.val.boolean = type == JSON_TOKEN_TRUE;
			break;
		default:
			v.type = jbvNull;
			break;
	}
	push_value(st, &v);
}

/*
 * In a database that is not UTF-8, the parser turns a \uXXXX escape into the
 * database encoding itself, and raises when it cannot.  The escapes of
 * non-ASCII characters are therefore decoded into plain UTF-8 first, so that
 * to_server() handles them as it handles every other character.
 */
static char *
unescape_non_ascii(const char *body, size_t len)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (size_t i = 0; i < len; i++)
	{
		unsigned int cp;
		char	   *end;
		char		hex[5];

		if (body[i] != '\\' || i + 1 >= len)
		{
			appendStringInfoChar(&buf, body[i]);
			continue;
		}
		if (body[i + 1] != 'u' || i + 5 >= len)
		{
			appendBinaryStringInfo(&buf, body + i, 2);
			i++;
			continue;
		}
		memcpy(hex, body + i + 2, 4);
		hex[4] = '\0';
		cp = (unsigned int) strtoul(hex, &end, 16);
		if (end != hex + 4 || cp < 0x80)
		{
			appendBinaryStringInfo(&buf, body + i, 2);
			i++;
			continue;
		}
		if (cp >= 0xD800 && cp <= 0xDBFF && i + 11 < len &&
			body[i + 6] == '\\' && body[i + 7] == 'u')
		{
			unsigned int lo;

			memcpy(hex, body + i + 8, 4);
			lo = (unsigned int) strtoul(hex, &end, 16);
			if (end == hex + 4 && lo >= 0xDC00 && lo <= 0xDFFF)
			{
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				i += 6;
			}
		}
		if (cp >= 0xD800 && cp <= 0xDFFF)
			cp = '?';			/* a lone surrogate */
		enlargeStringInfo(&buf, 4);
		unicode_to_utf8(cp, (unsigned char *) buf.data + buf.len);
		buf.len += pg_utf_mblen((unsigned char *) buf.data + buf.len);
		buf.data[buf.len] = '\0';
		i += 5;
	}
	return buf.data;
}

/*
 * The UTF-8 JSON text body as jsonb, or NULL with *error saying in words why
 * it cannot be read.  Raises only for running out of memory or a cancel.
 */
Jsonb *
ras_json_parse(const char *body, size_t len, const char **error)
{
	ParseState	st = {0};
	JsonSemAction sem = {0};
	JsonLexContext *lex;
	JsonParseErrorType rc;
	char	   *text;

	*error = NULL;
	if (len == 0)
	{
		*error = "the answer is empty";
		return NULL;
	}
	if (len > (size_t) PG_INT32_MAX / 2)
	{
		*error = "the answer is too large to parse";
		return NULL;
	}
	if (!pg_verify_mbstr(PG_UTF8, body, (int) len, true))
	{
		*error = "the answer is not valid UTF-8";
		return NULL;
	}
	if (GetDatabaseEncoding() == PG_UTF8 || GetDatabaseEncoding() == PG_SQL_ASCII)
	{
		JsonbValue *tree = ras_json_fast_parse(body, len, error);

		return tree ? JsonbValueToJsonb(tree) : NULL;
	}
	text = (char *) body;
	{
		st.conversion = FindDefaultConversionProc(PG_UTF8, GetDatabaseEncoding());
		text = unescape_non_ascii(body, len);
		len = strlen(text);
	}

	sem.semstate = &st;
	sem.object_start = on_object_start;
	sem.object_end = on_object_end;
	sem.array_start = on_array_start;
	sem.array_end = on_array_end;
	sem.object_field_start = on_field;
	sem.scalar = on_scalar;
	lex = makeJsonLexContextCstringLen(text, (int) len, PG_UTF8, true);
	rc = pg_parse_json(lex, &sem);
	if (rc != JSON_SUCCESS)
	{
		*error = rc == JSON_UNICODE_CODE_POINT_ZERO ?
			"it holds a \\u0000, which text cannot hold" :
			psprintf("%s", json_errdetail(rc, lex));
		return NULL;
	}
	if (st.error)
	{
		*error = st.error;
		return NULL;
	}
	return JsonbValueToJsonb(st.result);
}

/* The body as jsonb; a body that cannot be read is the remote side's fault. */
Jsonb *
ras_json_to_jsonb(const char *body, size_t len)
{
	const char *error;
	Jsonb	   *doc = ras_json_parse(body, len, &error);

	if (doc == NULL)
		ereport(ERROR,
				(errcode(RAS_SQLSTATE_REMOTE),
				 errmsg("could not parse the answer of the Amazon Ads API: %s", error),
				 errdetail("The answer was %zu bytes long.", len)));
	return doc;
}

/* A member of a JSON object as text: strings as they are, others as JSON. */
char *
ras_json_member_text(JsonbContainer *obj, const char *key)
{
	JsonbValue	v;

	if (obj == NULL || !JsonContainerIsObject(obj) ||
		!getKeyJsonValueFromContainer(obj, key, strlen(key), &v))
		return NULL;
	return ras_jsonb_scalar_text(&v);
}

/* A jsonb value as text: a string as it is, NULL for null, others as JSON. */
char *
ras_jsonb_scalar_text(JsonbValue *v)
{
	switch (v->type)
	{
		case jbvNull:
			return NULL;
		case jbvString:
			return pnstrdup(v->val.string.val, v->val.string.len);
		case jbvNumeric:
			return DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v->val.numeric)));
		case jbvBool:
			return pstrdup(v->val.boolean ? "true" : "false");
		case jbvBinary:
			return JsonbToCString(NULL, v->val.binary.data, v->val.binary.len);
		default:
			return NULL;
	}
}

/*
 * Code and message of an error answer, whatever its family's shape:
 * {"code","message"}, Login with Amazon's {"error","error_description"},
 * reporting's {"code","detail"}.  A body that is not JSON yields a short,
 * printable excerpt as the message (cut by the scrubber's rules, secrets.c).
 */
void
ras_json_error_info(const char *body, size_t len, char **code, char **message)
{
	const char *error;
	Jsonb	   *doc = ras_json_parse(body, len, &error);
	static const char *const code_keys[] = {"code", "error"};
	static const char *const message_keys[] = {"message", "error_description", "detail", "details"};

	*code = NULL;
	*message = NULL;
	if (doc != NULL && JB_ROOT_IS_OBJECT(doc))
	{
		for (int i = 0; i < lengthof(code_keys) && *code == NULL; i++)
			*code = ras_json_member_text(&doc->root, code_keys[i]);
		for (int i = 0; i < lengthof(message_keys) && *message == NULL; i++)
			*message = ras_json_member_text(&doc->root, message_keys[i]);
	}
	if (doc == NULL && len > 0)
		*message = ras_printable_excerpt(body, len);
}

bool
ras_json_token(const char *body, size_t len, char **access_token, int *expires_in)
{
	const char *error;
	Jsonb	   *doc = ras_json_parse(body, len, &error);
	JsonbValue	v;

	if (doc == NULL || !JB_ROOT_IS_OBJECT(doc) ||
		!getKeyJsonValueFromContainer(&doc->root, "access_token", strlen("access_token"), &v) ||
		v.type != jbvString || v.val.string.len == 0)
		return false;
	*access_token = pnstrdup(v.val.string.val, v.val.string.len);
	*expires_in = 3600;
	if (getKeyJsonValueFromContainer(&doc->root, "expires_in", strlen("expires_in"), &v) &&
		v.type == jbvNumeric)
	{
		char	   *s = ras_jsonb_scalar_text(&v);
		long		seconds = strtol(s, NULL, 10);

		if (seconds > 0 && seconds < 86400 * 365)
			*expires_in = (int) seconds;
	}
	/* the parsed copy held the token too */
	explicit_bzero(VARDATA(doc), VARSIZE(doc) - VARHDRSZ);
	return true;
}
