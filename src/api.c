/*
 * api.c
 *     One authenticated call to the Amazon Ads API, and the mapping of every
 *     failure to a SQLSTATE, a message, a detail and a hint.
 *
 * Nothing written here ever contains a secret: messages that come back from
 * the remote side are scrubbed of the credentials and the access token
 * before they reach an error report.
 */
#include "postgres.h"

#include "mb/pg_wchar.h"

#include "ras.h"

/* Replaces every occurrence of secret in text with "***". */
static char *
scrub(char *text, const char *secret)
{
	StringInfoData buf;
	char	   *hit;
	char	   *from = text;
	size_t		slen;

	if (text == NULL || secret == NULL || (slen = strlen(secret)) < 4 ||
		strstr(text, secret) == NULL)
		return text;
	initStringInfo(&buf);
	while ((hit = strstr(from, secret)) != NULL)
	{
		appendBinaryStringInfo(&buf, from, hit - from);
		appendStringInfoString(&buf, "***");
		from = hit + slen;
	}
	appendStringInfoString(&buf, from);
	return buf.data;
}

/*
 * text with the credentials and the access token masked, as they are and
 * percent-encoded (as a token request's form carries them).
 */
char *
ras_scrub_secrets(RasConn *conn, const char *token, char *text)
{
	const char *secrets[] = {conn->client_secret, conn->refresh_token, token};

	for (int i = 0; i < lengthof(secrets); i++)
	{
		StringInfoData encoded;

		if (secrets[i] == NULL)
			continue;
		text = scrub(text, secrets[i]);
		initStringInfo(&encoded);
		ras_form_escape(&encoded, secrets[i]);
		text = scrub(text, encoded.data);
		pfree(encoded.data);
	}
	return text;
}

static void
failure_from_response(const RasCall *call, const RasHttpResponse *resp,
					  RasFailure *f)
{
	char	   *code = NULL;
	char	   *message = NULL;
	StringInfoData detail;

	memset(f, 0, sizeof(*f));
	f->status = resp->status;
	/* safe to resend is not the same as not applied: a lost answer may follow a change */
	f->maybe_applied = resp->maybe_processed;
	initStringInfo(&detail);

	if (resp->outcome != RAS_OK)
	{
		f->sqlstate = RAS_SQLSTATE_TRANSPORT;
		f->message = psprintf("could not %s: %s", call->what, resp->error_text);
		appendStringInfo(&detail, "No answer after %d attempt(s).", resp->attempts);
		if (f->maybe_applied)
			appendStringInfoString(&detail, " The request may have been applied.");
		f->hint = pstrdup(resp->outcome == RAS_TRANSPORT_REFUSED ?
						  "The request cannot be made as configured: check the server's api_url and the API host's certificate." :
						  "Check the network path to the API, or raise ras.request_timeout.");
		f->detail = detail.data;
		return;
	}

	ras_json_error_info(resp->body, resp->body_len, &code, &message);
	f->message = psprintf("could not %s: HTTP %ld%s%s", call->what, resp->status,
						  code ? " " : "", code ? code : "");
	if (message && message[0])
		appendStringInfo(&detail, "%s", message);
	else
		appendStringInfo(&detail, "The API gave no message");
	if (resp->attempts > 1)
		appendStringInfo(&detail, " (after %d attempts)", resp->attempts);
	if (resp->request_id[0])
		appendStringInfo(&detail, "; request id %s", resp->request_id);
	appendStringInfoChar(&detail, '.');
	f->detail = detail.data;

	switch (resp->status)
	{
		case 401:
			f->sqlstate = RAS_SQLSTATE_AUTH;
			f->hint = pstrdup("The access token was refused even after a refresh: check that the Login with Amazon app is approved for the Amazon Ads API.");
			break;
		case 403:
			f->sqlstate = RAS_SQLSTATE_PERMISSION;
			f->hint = pstrdup("Check that the profile (ras.profile_id) belongs to the account of this user mapping: see ras.profiles().");
			break;
		case 404:
			f->sqlstate = RAS_SQLSTATE_NOT_FOUND;
			break;
		case 429:
			f->sqlstate = RAS_SQLSTATE_THROTTLED;
			f->hint = pstrdup("Try again later, or allow more with ras.max_retries and ras.retry_max_wait.");
			break;
		default:
			if (resp->status >= 500)
				f->sqlstate = RAS_SQLSTATE_REMOTE;
			else
				f->sqlstate = RAS_SQLSTATE_BAD_ARGUMENT;
			break;
	}
}

bool
ras_api_try(RasConn *conn, const RasCall *call, RasHttpResponse *resp, RasFailure *failure)
{
	char	   *url = psprintf("%s%s", conn->api_url, call->path);
	char	   *client_header = psprintf("Amazon-Advertising-API-ClientId: %s", conn->client_id);
	char	   *content_type = psprintf("Content-Type: %s",
										call->content_type ? call->content_type : "application/json");
	char	   *accept = psprintf("Accept: %s", call->accept ? call->accept : "application/json");
	char	   *scope = call->profile_id ?
		psprintf("Amazon-Advertising-API-Scope: %s", call->profile_id) : NULL;
	const char *token = NULL;
	/* the API speaks UTF-8, whatever the database's encoding */
	const char *body = call->body ?
		pg_server_to_any(call->body, strlen(call->body), PG_UTF8) : NULL;

	for (int auth_attempt = 0; auth_attempt < 2; auth_attempt++)
	{
		const char *headers[8];
		int			n = 0;
		char	   *auth_header;
		RasHttpRequest req = {0};

		token = ras_access_token(conn, auth_attempt > 0);
		auth_header = psprintf("Authorization: Bearer %s", token);
		headers[n++] = auth_header;
		headers[n++] = client_header;
		if (scope)
			headers[n++] = scope;
		headers[n++] = accept;
		if (call->body)
			headers[n++] = content_type;
		if (call->extra_header)
			headers[n++] = call->extra_header;
		headers[n] = NULL;

		req.method = call->method;
		req.url = url;
		req.body = body;
		req.body_len = body ? strlen(body) : 0;
		req.headers = headers;
		req.idempotent = call->idempotent;

		ras_http_execute(&req, resp);
		explicit_bzero(auth_header, strlen(auth_header));
		pfree(auth_header);

		/* a token can be revoked or expire early: refresh once, then retry */
		if (!(resp->outcome == RAS_OK && resp->status == 401))
			break;
	}

	if (resp->outcome == RAS_OK && resp->status >= 200 && resp->status < 300)
		return true;

	failure_from_response(call, resp, failure);
	failure->message = ras_scrub_secrets(conn, token, failure->message);
	failure->detail = ras_scrub_secrets(conn, token, failure->detail);
	return false;
}

void
ras_api_call(RasConn *conn, const RasCall *call, RasHttpResponse *resp)
{
	RasFailure	failure;

	if (!ras_api_try(conn, call, resp, &failure))
		ras_raise_failure(&failure);
}

void
ras_raise_failure(const RasFailure *f)
{
	ereport(ERROR,
			(errcode(f->sqlstate),
			 errmsg_internal("%s", f->message),
			 f->detail ? errdetail_internal("%s", f->detail) : 0,
			 f->hint ? errhint("%s", f->hint) : 0));
}
