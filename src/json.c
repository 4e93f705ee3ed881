/*
 * json.c
 *     Parsing API answers.
 *
 * Whole answers that become data (list pages, 207 outcomes, report status)
 * are parsed once into jsonb by PostgreSQL's own parser.  The small answers
 * that only feed messages and the token cache (error bodies of every
 * family's shape, Login with Amazon's token answer) are read with json-c,
 * which copes with any shape without raising an error.
 *
 * This file includes json-c and therefore never includes the builtins header
 * (its json_object() clashes with json-c's type).  json-c allocates with
 * malloc: every parsed tree is released with json_object_put before anything
 * here can raise an error.
 */
#include "postgres.h"

#include <json-c/json.h>

#include "catalog/pg_type.h"
#include "mb/pg_wchar.h"
#include "utils/fmgroids.h"
#include "utils/memutils.h"

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

/* ---------- helpers ---------- */

/* s converted to the server's encoding, or NULL when it cannot be. */
static char *
try_to_server(const char *s, int len)
{
	MemoryContext ctx = CurrentMemoryContext;
	char	   *converted = NULL;

	PG_TRY();
	{
		converted = pg_any_to_server(s, len, PG_UTF8);
		if (converted == s)
			converted = pnstrdup(s, len);
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(ctx);
		FlushErrorState();
		converted = NULL;
	}
	PG_END_TRY();
	return converted;
}

/*
 * A UTF-8 string from the API in the server's encoding.  A character the
 * database encoding cannot hold becomes '?': this only ever feeds messages,
 * which must not turn into an encoding error of their own.
 */
static char *
message_in_server_encoding(char *s)
{
	StringInfoData buf;
	char	   *whole;

	if (s == NULL || GetDatabaseEncoding() == PG_UTF8)
		return s;
	if ((whole = try_to_server(s, (int) strlen(s))) != NULL)
		return whole;
	initStringInfo(&buf);
	for (const char *p = s; *p;)
	{
		int			len = pg_utf_mblen((const unsigned char *) p);
		char	   *one;

		if (strnlen(p, len) < (size_t) len)
			break;				/* truncated sequence at the end */
		one = try_to_server(p, len);
		appendStringInfoString(&buf, one ? one : "?");
		p += len;
	}
	return buf.data;
}

/* ---------- error bodies, tokens, whole documents ---------- */

static char *
member_string(JsonC *obj, const char *key)
{
	JsonC	   *v = NULL;
	const char *s;

	if (!json_object_object_get_ex(obj, key, &v) || v == NULL ||
		json_object_is_type(v, json_type_null))
		return NULL;
	if (json_object_is_type(v, json_type_string))
		s = json_object_get_string(v);
	else
		s = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
	/* raw bytes: converted once the tree is released */
	return pstrdup(s);
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
	*code = message_in_server_encoding(*code);
	*message = message_in_server_encoding(*message);
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

/*
 * A whole answer as jsonb, parsed by PostgreSQL's own JSON parser: for
 * pages and 207 outcomes this is faster than json-c plus building jsonb
 * from its tree, and allocates only in memory contexts.  The answer is
 * UTF-8: checked (and converted, for a database in another encoding) first.
 * A parse failure is the remote side's fault, reported as such.
 */
Jsonb *
ras_json_to_jsonb(const char *body, size_t len)
{
	static FmgrInfo jsonb_in_f;
	static bool initialized = false;
	MemoryContext ctx = CurrentMemoryContext;
	Jsonb	   *doc = NULL;
	char	   *text;

	if (!initialized)
	{
		fmgr_info_cxt(F_JSONB_IN, &jsonb_in_f, TopMemoryContext);
		initialized = true;
	}
	PG_TRY();
	{
		text = pg_any_to_server(body, (int) len, PG_UTF8);
		if (text == body)
			text = pnstrdup(body, len);	/* jsonb_in wants a terminated string */
		doc = DatumGetJsonbP(InputFunctionCall(&jsonb_in_f, text, JSONBOID, -1));
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(ctx);
		edata = CopyErrorData();
		if (edata->sqlerrcode == ERRCODE_QUERY_CANCELED ||
			edata->sqlerrcode == ERRCODE_ADMIN_SHUTDOWN)
			PG_RE_THROW();
		FlushErrorState();
		ereport(ERROR,
				(errcode(RAS_SQLSTATE_REMOTE),
				 errmsg("could not parse the answer of the Amazon Ads API: %s", edata->message),
				 errdetail("The answer was %zu bytes long.", len)));
	}
	PG_END_TRY();
	return doc;
}
