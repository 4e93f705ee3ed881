/*
 * api.c
 *     One authenticated call to the Amazon Ads API, and the mapping of every
 *     failure to a SQLSTATE, a message, a detail and a hint.
 *
 * Nothing written here ever contains a secret: every string that comes back
 * from the remote side passes through ras_remote_text() (secrets.c) before
 * it reaches an error report.
 */
#include "postgres.h"

#include "mb/pg_wchar.h"

#include "ras.h"

const RasFamily ras_family_advertising = {"Amazon Ads API", "ras", "Amazon-Advertising-API-ClientId"};
const RasFamily ras_family_v1 = {"Amazon Ads API v1", "v1", "Amazon-Ads-ClientId"};

/* Words for an HTTP status when the answer names no error code. */
static const char *
http_status_words(long status)
{
	switch (status)
	{
		case 400:
			return "bad request";
		case 401:
			return "not authorized";
		case 403:
			return "access denied";
		case 404:
			return "not found";
		case 413:
			return "request too large";
		case 429:
			return "too many requests";
		case 500:
			return "internal server error";
		case 502:
			return "bad gateway";
		case 503:
			return "service unavailable";
		case 504:
			return "gateway timeout";
		default:
			return status >= 500 ? "server error" : "request refused";
	}
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
	f->maybe_applied = resp->maybe_processed && call->changes;
	initStringInfo(&detail);

	if (resp->outcome != RAS_OK)
	{
		f->sqlstate = RAS_SQLSTATE_TRANSPORT;
		f->message = psprintf("could not %s: %s", call->what,
							  ras_remote_text(resp->error_text, strlen(resp->error_text),
											  RAS_QUOTE_MAX));
		appendStringInfo(&detail, "No answer after %d attempt(s).", resp->attempts);
		if (f->maybe_applied && call->changes)
			appendStringInfoString(&detail, " The request may have been applied.");
		f->hint = pstrdup(resp->outcome == RAS_TRANSPORT_REFUSED ?
						  "The request cannot be made as configured: check the server's api_url and the API host's certificate." :
						  "Check the network path to the API, or raise ras.request_timeout.");
		f->detail = detail.data;
		return;
	}

	ras_json_error_info(resp->body, resp->body_len, &code, &message);
	code = ras_remote_text(code, code ? strlen(code) : 0, RAS_CODE_MAX);
	f->code = code;
	message = ras_remote_text(message, message ? strlen(message) : 0, RAS_QUOTE_MAX);
	/* the status belongs in the detail; the message says what went wrong */
	f->message = psprintf("could not %s: %s", call->what,
						  code && code[0] ? code : http_status_words(resp->status));
	appendStringInfo(&detail, "HTTP status %ld: %s", resp->status,
					 message && message[0] ? message : "the API gave no message");
	if (resp->attempts > 1)
		appendStringInfo(&detail, " (after %d attempts)", resp->attempts);
	if (resp->request_id[0])
		appendStringInfo(&detail, "; request id %s",
						 ras_remote_text(resp->request_id, strlen(resp->request_id), 128));
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
			f->hint = pstrdup(call->account_id ?
							  "Check that the advertiser account (ras.account_id) is one this user mapping may use." :
							  "Check that the profile (ras.profile_id) belongs to the account of this user mapping: see ras.profiles().");
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

/* "advertising-api.amazon.com": the host of an API URL, for the request budget. */
const char *
ras_api_host(const char *url)
{
	const char *p = strstr(url, "://");
	const char *end;

	p = p ? p + 3 : url;
	end = p + strcspn(p, "/");
	return pnstrdup(p, end - p);
}

/*
 * The HTTP request of a call, with the access token of the user mapping
 * (refreshed first when force_refresh): URL, headers, body in UTF-8, and
 * the request budget it draws on.  Everything is palloc'd; *auth_header is
 * the one string holding the token, to be wiped after the transfer.
 */
void
ras_api_request(RasConn *conn, const RasCall *call, bool force_refresh, RasHttpRequest *req,
				RasBudgetKey *budget, char **auth_header)
{
	const RasFamily *family = call->family ? call->family : &ras_family_advertising;
	const char **headers = palloc0(sizeof(char *) * 10);
	int			n = 0;

	*auth_header = psprintf("Authorization: Bearer %s", ras_access_token(conn, force_refresh));
	headers[n++] = *auth_header;
	headers[n++] = psprintf("%s: %s", family->client_header, conn->client_id);
	if (call->profile_id)
		headers[n++] = psprintf("Amazon-Advertising-API-Scope: %s", call->profile_id);
	if (call->account_id)
		headers[n++] = psprintf("Amazon-Ads-AccountId: %s", call->account_id);
	headers[n++] = psprintf("Accept: %s", call->accept ? call->accept : "application/json");
	if (call->body)
		headers[n++] = psprintf("Content-Type: %s",
								call->content_type ? call->content_type : "application/json");
	if (call->extra_header)
		headers[n++] = call->extra_header;
	headers[n] = NULL;

	memset(req, 0, sizeof(*req));
	req->method = call->method;
	req->url = psprintf("%s%s", conn->api_url, call->path);
	/* the API speaks UTF-8, whatever the database's encoding */
	req->body = call->body ? pg_server_to_any(call->body, strlen(call->body), PG_UTF8) : NULL;
	req->body_len = req->body ? strlen(req->body) : 0;
	req->headers = headers;
	req->idempotent = call->idempotent;

	budget->host = ras_api_host(conn->api_url);
	budget->scope = call->profile_id ? call->profile_id : call->account_id;
	budget->family = family->key;
	req->budget = budget;
}

/* The failure an answer (or the lack of one) means for a call. */
void
ras_api_failure(const RasCall *call, const RasHttpResponse *resp, RasFailure *failure)
{
	failure_from_response(call, resp, failure);
}

bool
ras_api_try(RasConn *conn, const RasCall *call, RasHttpResponse *resp, RasFailure *failure)
{
	for (int auth_attempt = 0; auth_attempt < 2; auth_attempt++)
	{
		RasHttpRequest req;
		RasBudgetKey budget;
		char	   *auth_header;

		ras_api_request(conn, call, auth_attempt > 0, &req, &budget, &auth_header);
		ras_http_execute(&req, resp);
		explicit_bzero(auth_header, strlen(auth_header));

		/* a token can be revoked or expire early: refresh once, then retry */
		if (!(resp->outcome == RAS_OK && resp->status == 401))
			break;
	}

	if (resp->outcome == RAS_OK && resp->status >= 200 && resp->status < 300)
		return true;

	failure_from_response(call, resp, failure);
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

/* An answer that is not what the API promises: the remote side's fault. */
void
ras_unexpected_answer(const char *what)
{
	ereport(ERROR,
			(errcode(RAS_SQLSTATE_REMOTE),
			 errmsg("unexpected answer from the Amazon Ads API: %s", what)));
	pg_unreachable();
}

/* The SQL type name of a column type. */
const char *
ras_col_type_name(RasColType type)
{
	switch (type)
	{
		case RAS_COL_NUMERIC:
			return "numeric";
		case RAS_COL_INT8:
			return "bigint";
		case RAS_COL_BOOL:
			return "boolean";
		case RAS_COL_DATE:
			return "date";
		case RAS_COL_TIMESTAMPTZ:
			return "timestamptz";
		case RAS_COL_JSONB:
		case RAS_COL_RAW:
			return "jsonb";
		case RAS_COL_TEXT:
			break;
	}
	return "text";
}

/* Whether an error is a cancel or a shutdown, which nothing may swallow. */
bool
ras_is_interrupt(const ErrorData *edata)
{
	return edata->sqlerrcode == ERRCODE_QUERY_CANCELED ||
		edata->sqlerrcode == ERRCODE_ADMIN_SHUTDOWN;
}
