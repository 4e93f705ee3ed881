/*
 * auth.c
 *     Login with Amazon: the refresh-token grant, and a per-backend cache of
 *     access tokens keyed by user mapping.
 *
 * A token is refreshed about a minute before it expires, and once more when
 * the API answers 401 (api.c asks with force_refresh).  Cached entries are
 * dropped whenever any user mapping changes, so new credentials take effect
 * at once, and so do changes to any server.
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "ras.h"

#define RAS_TOKEN_EARLY_REFRESH_SECS 60

typedef struct TokenEntry
{
	Oid			umid;			/* hash key */
	char	   *access_token;	/* in TopMemoryContext */
	TimestampTz refresh_at;		/* a little before it expires */
} TokenEntry;

static HTAB *token_cache = NULL;

static void
forget_token(TokenEntry *entry)
{
	if (entry->access_token)
	{
		/* do not leave the secret lying in freed memory */
		explicit_bzero(entry->access_token, strlen(entry->access_token));
		pfree(entry->access_token);
		entry->access_token = NULL;
	}
}

static void
invalidate_tokens(Datum arg, int cacheid, uint32 hashvalue)
{
	HASH_SEQ_STATUS status;
	TokenEntry *entry;

	hash_seq_init(&status, token_cache);
	while ((entry = hash_seq_search(&status)) != NULL)
		forget_token(entry);
}

static TokenEntry *
token_entry(Oid umid)
{
	bool		found;
	TokenEntry *entry;

	if (token_cache == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(TokenEntry);
		token_cache = hash_create("ras access tokens", 8, &ctl, HASH_ELEM | HASH_BLOBS);
		CacheRegisterSyscacheCallback(USERMAPPINGOID, invalidate_tokens, (Datum) 0);
		/* a server pointed elsewhere (api_url, token_url, region) needs new tokens */
		CacheRegisterSyscacheCallback(FOREIGNSERVEROID, invalidate_tokens, (Datum) 0);
	}
	entry = hash_search(token_cache, &umid, HASH_ENTER, &found);
	if (!found)
	{
		entry->access_token = NULL;
		entry->refresh_at = 0;
	}
	return entry;
}

static void
append_form_value(StringInfo buf, const char *name, const char *value)
{
	if (buf->len > 0)
		appendStringInfoChar(buf, '&');
	appendStringInfo(buf, "%s=", name);
	ras_form_escape(buf, value);
}

static void
refresh_token(RasConn *conn, TokenEntry *entry)
{
	StringInfoData form;
	RasHttpRequest req = {0};
	RasHttpResponse resp;
	const char *headers[] = {
		"Content-Type: application/x-www-form-urlencoded;charset=UTF-8",
		"Accept: application/json",
		NULL
	};
	char	   *token = NULL;
	int			expires_in = 0;

	initStringInfo(&form);
	append_form_value(&form, "grant_type", "refresh_token");
	append_form_value(&form, "client_id", conn->client_id);
	append_form_value(&form, "client_secret", conn->client_secret);
	append_form_value(&form, "refresh_token", conn->refresh_token);

	req.method = "POST";
	req.url = conn->token_url;
	req.body = form.data;
	req.body_len = form.len;
	req.headers = headers;
	req.idempotent = true;

	PG_TRY();
	{
		ras_http_execute(&req, &resp);
	}
	PG_FINALLY();
	{
		/* the form holds the client secret and the refresh token */
		explicit_bzero(form.data, form.len);
	}
	PG_END_TRY();
	pfree(form.data);

	if (resp.outcome == RAS_OK && resp.status == 200 &&
		ras_json_token(resp.body, resp.body_len, &token, &expires_in))
	{
		ras_http_wipe_response();
		/* the token goes into a header of every request: no line breaks */
		if (!ras_header_value_ok(token))
		{
			explicit_bzero(token, strlen(token));
			ereport(ERROR,
					(errcode(RAS_SQLSTATE_REMOTE),
					 errmsg("could not refresh access token: Login with Amazon answered a token with control characters"),
					 errdetail("A token is sent in a request header, where control characters could add headers of their own."),
					 errhint("Check that the server's token_url is Login with Amazon's.")));
		}
		ras_secret_register(token);
		forget_token(entry);
		entry->access_token = MemoryContextStrdup(TopMemoryContext, token);
		explicit_bzero(token, strlen(token));
		/* a minute early; for short-lived tokens, halfway through */
		entry->refresh_at = TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
														(int64) 1000 *
														Max(expires_in - RAS_TOKEN_EARLY_REFRESH_SECS,
															expires_in / 2));
		return;
	}

	if (resp.outcome == RAS_OK && resp.status >= 400 && resp.status < 500 &&
		resp.status != 429)
	{
		char	   *code = NULL;
		char	   *message = NULL;

		ras_json_error_info(resp.body, resp.body_len, &code, &message);

		/*
		 * Only Login with Amazon's own JSON error is quoted: a proxy's page
		 * could echo the form, secrets included.  Code and message are both
		 * remote strings, masked and cut like every other.
		 */
		if (code == NULL)
			message = NULL;
		code = ras_remote_text(code, code ? strlen(code) : 0, RAS_CODE_MAX);
		message = ras_remote_text(message, message ? strlen(message) : 0, RAS_QUOTE_MAX);
		ereport(ERROR,
				(errcode(RAS_SQLSTATE_AUTH),
				 errmsg("could not refresh access token: Login with Amazon answered %s",
						code ? code : "an error"),
				 errdetail("HTTP status %ld%s%s.", resp.status,
						   message ? ": " : "", message ? message : ""),
				 code && strcmp(code, "invalid_client") == 0 ?
				 errhint("Check client_id and client_secret: ALTER USER MAPPING FOR CURRENT_USER SERVER %s OPTIONS (SET client_secret '...').",
						 conn->server_name) :
				 code && strcmp(code, "invalid_grant") == 0 ?
				 errhint("The refresh token was refused. Authorize the app again and store the new token: ALTER USER MAPPING FOR CURRENT_USER SERVER %s OPTIONS (SET refresh_token '...').",
						 conn->server_name) :
				 errhint("Check the server's token_url and the user mapping's credentials.")));
	}
	if (resp.outcome != RAS_OK)
		ereport(ERROR,
				(errcode(RAS_SQLSTATE_TRANSPORT),
				 errmsg("could not refresh access token: %s",
						ras_remote_text(resp.error_text, strlen(resp.error_text), RAS_QUOTE_MAX)),
				 errdetail("After %d attempt(s).", resp.attempts)));
	ereport(ERROR,
			(errcode(resp.status == 429 ? RAS_SQLSTATE_THROTTLED : RAS_SQLSTATE_REMOTE),
			 errmsg("could not refresh access token: Login with Amazon is unavailable"),
			 errdetail("HTTP status %ld after %d attempt(s).", resp.status, resp.attempts)));
}

const char *
ras_access_token(RasConn *conn, bool force_refresh)
{
	TokenEntry *entry = token_entry(conn->umid);

	if (force_refresh || entry->access_token == NULL ||
		entry->refresh_at <= GetCurrentTimestamp())
		refresh_token(conn, entry);
	return entry->access_token;
}
