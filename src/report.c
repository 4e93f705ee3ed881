/*
 * report.c
 *     Sponsored Products reports (reporting v3): requesting them with reuse
 *     of the same configuration, waiting, reading their status, cancelling
 *     and downloading their rows; the SQL-callable functions of all that.
 *
 * What a request may ask for is the catalogue's business
 * (report_catalog.c, report_spec.c); what ras knows of each report lives in
 * ras.report_jobs (report_jobs.c).  Asking again for the same thing reuses
 * the pending or recent report instead of posting again, and a 425 answer
 * names the report already in progress for the same request: it is adopted.
 */
#include "postgres.h"

#include "datatype/timestamp.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"

#include "report.h"

/* Media types of the reporting v3 operations (OfflineReport spec). */
#define CREATE_REQUEST_TYPE		"application/vnd.createasyncreportrequest.v3+json"
#define CREATE_RESPONSE_TYPE	"application/vnd.createasyncreportresponse.v3+json"
#define STATUS_RESPONSE_TYPE	"application/vnd.getasyncreportresponse.v3+json"
#define DELETE_RESPONSE_TYPE	"application/vnd.deleteasyncreportresponse.v3+json"

#define POLL_FIRST_MS		1000
#define POLL_MAX_MS			60000
#define DOWNLOAD_TRIES		3

/* ---------- one report at Amazon ---------- */

static bool
is_finished(const char *status)
{
	return status != NULL && strcmp(status, "PENDING") != 0 && strcmp(status, "PROCESSING") != 0;
}

static char *
answer_string(Jsonb *answer, const char *key)
{
	JsonbValue	v;

	if (!JB_ROOT_IS_OBJECT(answer) ||
		!getKeyJsonValueFromContainer(&answer->root, key, strlen(key), &v))
		return NULL;
	if (v.type != jbvString && v.type != jbvNumeric)
		return NULL;
	return ras_jsonb_scalar_text(&v);
}

static Jsonb *
answer_object(Jsonb *answer, const char *key)
{
	JsonbValue	v;

	if (!JB_ROOT_IS_OBJECT(answer) ||
		!getKeyJsonValueFromContainer(&answer->root, key, strlen(key), &v) ||
		v.type != jbvBinary)
		return NULL;
	return JsonbValueToJsonb(&v);
}

/*
 * Whether a report id may go into a URL path as it is: 1 to
 * RAS_REPORT_ID_MAX letters, digits, '.', '_' and '-', the first a letter or
 * digit (so never "." or "..").  Amazon's ids are UUIDs.
 */
static bool
valid_report_id(const char *id)
{
	size_t		len = strlen(id);

	if (len == 0 || len > RAS_REPORT_ID_MAX || !isalnum((unsigned char) id[0]))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char) id[i]) && id[i] != '.' && id[i] != '_' && id[i] != '-')
			return false;
	return true;
}

static void
check_report_id(const char *id)
{
	if (id == NULL || id[0] == '\0')
		ereport(ERROR,
				(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
				 errmsg("a report id must not be NULL or empty")));
	if (!valid_report_id(id))
		ereport(ERROR,
				(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
				 errmsg("invalid report id \"%s\"",
						pnstrdup(id, pg_mbcliplen(id, strlen(id), RAS_REPORT_ID_MAX))),
				 errhint("Report ids are what ras.report() and ras.report_request() return, such as a UUID: "
						 "up to %d letters, digits, '.', '_' and '-', the first a letter or digit.",
						 RAS_REPORT_ID_MAX)));
}

/* A call about one report: reading its status or cancelling it. */
static RasCall
report_call(const ReportRef *r, const char *method, const char *accept, const char *what)
{
	RasCall		call = {0};

	check_report_id(r->report_id);	/* it becomes part of the path */
	call.method = method;
	call.path = psprintf("/reporting/reports/%s", r->report_id);
	call.accept = accept;
	call.profile_id = r->profile_id;
	call.idempotent = true;
	call.what = what;
	return call;
}

/*
 * Asks Amazon for the report's status and records it.  A report Amazon no
 * longer knows gets the status NOT_FOUND; other failures raise.
 */
static void take_status(ReportRef *r, bool ok, const RasHttpResponse *resp,
						const RasFailure *failure);

static void
poll_report(ReportRef *r)
{
	RasCall		call = report_call(r, "GET", STATUS_RESPONSE_TYPE, "read the status of a report");
	RasHttpResponse resp;
	RasFailure	failure;
	bool		ok = ras_api_try(r->conn, &call, &resp, &failure);

	take_status(r, ok, &resp, &failure);
}

/* Records what a status read answered (ok) or how it failed. */
static void
take_status(ReportRef *r, bool ok, const RasHttpResponse *resp, const RasFailure *failure_in)
{
	RasFailure	failure = *failure_in;
	Jsonb	   *answer;

	if (!ok)
	{
		if (failure.status == 404)
		{
			ras_job_mark_status(r, "NOT_FOUND");
			return;
		}
		ras_raise_failure(&failure);
	}
	answer = ras_json_to_jsonb(resp->body, resp->body_len);
	r->status = answer_string(answer, "status");
	if (r->status == NULL)
		ras_unexpected_answer("a report status without \"status\"");
	r->failure_reason = answer_string(answer, "failureReason");
	r->url = answer_string(answer, "url");
	if (r->url)
		ras_check_download_url(r->conn, r->url);
	r->failure_reason = ras_remote_text(r->failure_reason,
										r->failure_reason ? strlen(r->failure_reason) : 0,
										RAS_QUOTE_MAX);
	r->file_size = answer_string(answer, "fileSize");
	if (r->file_size && strspn(r->file_size, "0123456789") != strlen(r->file_size))
		ras_unexpected_answer(psprintf("a report status whose fileSize is not a byte count: %s",
								   ras_remote_text(r->file_size, strlen(r->file_size), 40)));
	if (r->file_size && strlen(r->file_size) > 18)
		ras_unexpected_answer("a report status whose fileSize is out of range");
	r->start_date = answer_string(answer, "startDate");
	r->end_date = answer_string(answer, "endDate");
	r->configuration = answer_object(answer, "configuration");
	r->report_type = r->configuration ? answer_string(r->configuration, "reportTypeId") : NULL;
	if (r->report_type == NULL || r->start_date == NULL || r->end_date == NULL)
		ras_unexpected_answer("a report status without its configuration and dates");
	if (r->url)
		ras_job_url_remember(r->conn->umid, r->report_id, r->url);
	ras_job_save_status(r);
}

/* The report id a 425 answer names: "The Request is a duplicate of : <id>". */
static char *
duplicate_of(const RasHttpResponse *resp)
{
	char	   *code;
	char	   *message;
	char	   *colon;
	char	   *end;

	ras_json_error_info(resp->body, resp->body_len, &code, &message);
	if (message == NULL || (colon = strrchr(message, ':')) == NULL)
		return NULL;
	colon++;
	while (*colon == ' ')
		colon++;
	end = colon + strlen(colon);
	while (end > colon && (end[-1] == ' ' || end[-1] == '.'))
		*--end = '\0';
	return valid_report_id(colon) ? colon : NULL;
}

/* Posts one piece; adopts the report a 425 names. */
static void
post_piece(RasConn *conn, const char *profile_id, ReportPiece *p)
{
	RasCall		call = {0};
	RasHttpResponse resp;
	RasFailure	failure;
	Jsonb	   *answer;

	call.method = "POST";
	call.path = "/reporting/reports";
	call.body = p->body;
	call.content_type = CREATE_REQUEST_TYPE;
	call.accept = CREATE_RESPONSE_TYPE;
	call.profile_id = profile_id;
	call.idempotent = false;
	call.changes = true;
	call.what = "request a report";
	if (!ras_api_try(conn, &call, &resp, &failure))
	{
		if (failure.status == 425 && (p->report_id = duplicate_of(&resp)) != NULL)
		{
			ereport(DEBUG1,
					(errmsg_internal("ras: adopting report %s, already in progress for this request",
									 p->report_id)));
			p->status = "PENDING";
			return;
		}
		ras_raise_failure(&failure);
	}
	answer = ras_json_to_jsonb(resp.body, resp.body_len);
	p->report_id = answer_string(answer, "reportId");
	p->status = answer_string(answer, "status");
	if (p->report_id == NULL || !valid_report_id(p->report_id))
		ras_unexpected_answer("no valid reportId for a new report");
	if (p->status == NULL)
		p->status = "PENDING";
}

static ReportRef *
make_ref(const char *report_id, RasConn *conn, const char *profile_id)
{
	ReportRef  *r = palloc0(sizeof(ReportRef));

	r->report_id = pstrdup(report_id);
	r->conn = conn;
	r->profile_id = profile_id;
	return r;
}

/*
 * A reference to a report by id: where ras.report_jobs says it lives, else
 * in the server and profile of the call.
 */
static ReportRef *
ref_by_id(const char *report_id, const char *server_arg, const char *profile_arg)
{
	char	   *server;
	char	   *profile_id;
	ReportRef  *r;

	check_report_id(report_id);
	if (ras_job_location(report_id, &server, &profile_id))
	{
		r = make_ref(report_id, ras_conn_resolve(server), profile_id);
		r->recorded = true;
		return r;
	}
	return make_ref(report_id, ras_conn_resolve(server_arg), ras_profile_resolve(profile_arg));
}

/* ---------- requesting and waiting ---------- */

/*
 * Requests every piece, reusing what can be reused.  A candidate for reuse
 * is checked with Amazon first: only one still PENDING, PROCESSING or
 * COMPLETED is kept; one that failed, was cancelled or vanished is replaced
 * by a new request.
 */
static List *
request_pieces(List *pieces, long max_age_ms, RasConn *conn, const char *profile_id)
{
	List	   *refs = NIL;
	ListCell   *lc;

	foreach(lc, pieces)
	{
		ReportPiece *p = lfirst(lc);
		char	   *reuse;
		ReportRef  *r = NULL;

		p->hash = ras_job_config_hash(conn->server_name, profile_id, p->body);
		reuse = ras_job_reusable(p->hash, max_age_ms);
		if (reuse != NULL)
		{
			r = make_ref(reuse, conn, profile_id);
			poll_report(r);
			if (is_finished(r->status) && strcmp(r->status, "COMPLETED") != 0)
				r = NULL;
		}
		if (r == NULL)
		{
			CHECK_FOR_INTERRUPTS();
			post_piece(conn, profile_id, p);
			ras_job_insert(p, conn->server_name, profile_id);
			r = make_ref(p->report_id, conn, profile_id);
			r->status = NULL;	/* a new or adopted report is asked about when waiting */
		}
		refs = lappend(refs, r);
	}
	return refs;
}

/*
 * Polls until every report is finished or timeout_ms passes, with
 * backing-off, cancellable waits.  timeout 0 polls each unfinished report
 * once.
 */
static void
wait_reports(List *refs, long timeout_ms)
{
	TimestampTz deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), timeout_ms);
	long		delay = POLL_FIRST_MS;

	for (;;)
	{
		int			pending = 0;
		long		remaining;
		ListCell   *lc;

		List	   *unfinished = NIL;

		foreach(lc, refs)
			if (!is_finished(((ReportRef *) lfirst(lc))->status))
				unfinished = lappend(unfinished, lfirst(lc));
		CHECK_FOR_INTERRUPTS();
		if (list_length(unfinished) > 1)
		{
			/* many outstanding reports: their status reads run concurrently */
			int			n = list_length(unfinished);
			RasConn   **conns = palloc(sizeof(RasConn *) * n);
			RasCall    *calls = palloc(sizeof(RasCall) * n);
			RasHttpResponse *resps = palloc0(sizeof(RasHttpResponse) * n);
			RasFailure *failures = palloc0(sizeof(RasFailure) * n);
			bool	   *oks = palloc0(sizeof(bool) * n);
			int			i = 0;

			foreach(lc, unfinished)
			{
				ReportRef  *r = lfirst(lc);

				conns[i] = r->conn;
				calls[i++] = report_call(r, "GET", STATUS_RESPONSE_TYPE,
										 "read the status of a report");
			}
			ras_dispatch_calls(conns, calls, n, resps, oks, failures);
			i = 0;
			foreach(lc, unfinished)
			{
				take_status(lfirst(lc), oks[i], &resps[i], &failures[i]);
				i++;
			}
		}
		else if (unfinished != NIL)
			poll_report(linitial(unfinished));
		foreach(lc, unfinished)
			if (!is_finished(((ReportRef *) lfirst(lc))->status))
				pending++;
		remaining = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), deadline);
		if (pending == 0 || remaining <= 0)
			return;
		ras_sleep_ms(Min(delay, remaining));
		delay = Min(delay * 2, POLL_MAX_MS);
	}
}

/* Raises unless the report is COMPLETED. */
static void
require_completed(const ReportRef *r, const char *waited)
{
	if (strcmp(r->status, "COMPLETED") == 0)
		return;
	if (strcmp(r->status, "FAILED") == 0)
		ereport(ERROR,
				(errcode(RAS_SQLSTATE_REMOTE),
				 errmsg("the %s report failed at Amazon: %s",
						r->report_type ? r->report_type : "requested",
						r->failure_reason ? r->failure_reason : "no reason given"),
				 errdetail("Report %s.", r->report_id),
				 errhint("Ask again: a failed report is never reused.")));
	if (strcmp(r->status, "NOT_FOUND") == 0 || strcmp(r->status, "CANCELLED") == 0)
		ereport(ERROR,
				(errcode(RAS_SQLSTATE_NOT_FOUND),
				 errmsg("report %s is %s", r->report_id,
						r->status[0] == 'N' ? "unknown to Amazon" : "cancelled"),
				 errhint("Ask for the report again.")));
	ereport(ERROR,
			(errcode(RAS_SQLSTATE_NOT_READY),
			 errmsg("the %s report is not ready%s", r->report_type ? r->report_type : "requested",
					waited),
			 errdetail("Report %s is %s.", r->report_id, r->status),
			 errhint("Collect it later (ras.report_wait, ras.report_rows), or ask again: the same request reuses this report.")));
}

static Datum
ids_array(List *refs)
{
	List	   *ids = NIL;
	ListCell   *lc;

	foreach(lc, refs)
		ids = lappend(ids, ((ReportRef *) lfirst(lc))->report_id);
	return ras_text_list_array(ids);
}

static long
interval_ms(const Interval *iv, const char *name)
{
	double		ms = iv->time / 1000.0 +
		((double) iv->day + (double) iv->month * DAYS_PER_MONTH) * (USECS_PER_DAY / 1000);

	if (ms < 0)
		ereport(ERROR,
				(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
				 errmsg("%s must not be negative", name)));
	/* ten years is "for ever" here, and keeps every later sum in range */
	return ms > 3650.0 * (USECS_PER_DAY / 1000) ? 3650L * (USECS_PER_DAY / 1000) : (long) ms;
}

static long
interval_arg_ms(FunctionCallInfo fcinfo, const char *name, long dflt)
{
	int			pos = ras_call_arg(fcinfo, name);

	if (pos < 0 || PG_ARGISNULL(pos))
		return dflt;
	return interval_ms(PG_GETARG_INTERVAL_P(pos), name);
}

/*
 * ras.report_request(...) -> text[]: requests the report (one id per piece
 * of the range) and returns at once.
 * ras.report(..., timeout) -> text[]: the same, then waits until every
 * piece is COMPLETED; a failed report or the timeout raises.
 */
PG_FUNCTION_INFO_V1(ras_report_request);

Datum
ras_report_request(PG_FUNCTION_ARGS)
{
	ReportArgs	args;
	List	   *pieces;
	long		max_age_ms = interval_arg_ms(fcinfo, "max_age", USECS_PER_DAY / 1000);
	bool		blocking = ras_call_arg(fcinfo, "timeout") >= 0;
	long		timeout_ms = interval_arg_ms(fcinfo, "timeout", 3600 * 1000L);
	RasConn    *conn;
	const char *profile_id;
	List	   *refs;

	/* every argument read once, then the whole request validated */
	ras_report_read_args(fcinfo, &args);
	pieces = ras_report_pieces(&args);
	conn = ras_conn_resolve(ras_arg_text(fcinfo, "server"));
	profile_id = ras_profile_resolve(ras_arg_text(fcinfo, "profile_id"));
	refs = request_pieces(pieces, max_age_ms, conn, profile_id);
	if (blocking)
	{
		ListCell   *lc;
		char	   *waited = psprintf(" after %ld s", (timeout_ms + 500) / 1000);

		wait_reports(refs, timeout_ms);
		foreach(lc, refs)
			require_completed(lfirst(lc), waited);
	}
	PG_RETURN_DATUM(ids_array(refs));
}

/* ---------- reports by id: waiting, status, cancelling ---------- */

static List *
refs_from_array(FunctionCallInfo fcinfo)
{
	char	   *server = ras_arg_text(fcinfo, "server");
	char	   *profile_id = ras_arg_text(fcinfo, "profile_id");
	List	   *refs = NIL;
	int			pos = ras_call_arg(fcinfo, "report_ids");
	Datum	   *ids;
	int			n;

	if (pos < 0)
	{
		/* the single-id form */
		refs = list_make1(ref_by_id(ras_arg_text(fcinfo, "report_id"), server, profile_id));
		return refs;
	}
	if (PG_ARGISNULL(pos))
		ereport(ERROR,
				(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
				 errmsg("report_ids must not be NULL")));
	ras_text_array(PG_GETARG_DATUM(pos), &ids, &n);
	for (int i = 0; i < n; i++)
		refs = lappend(refs, ref_by_id(ras_text_cstring(ids[i]), server, profile_id));
	return refs;
}

/* ras.report_wait(report_ids, timeout) -> SETOF ras.report_jobs */
PG_FUNCTION_INFO_V1(ras_report_wait);

Datum
ras_report_wait(PG_FUNCTION_ARGS)
{
	List	   *refs = refs_from_array(fcinfo);
	ListCell   *lc;

	wait_reports(refs, interval_arg_ms(fcinfo, "timeout", 0));
	foreach(lc, refs)
	{
		ReportRef  *r = lfirst(lc);

		/* a report ras never recorded, and Amazon does not know either */
		if (!r->recorded && r->status && strcmp(r->status, "NOT_FOUND") == 0)
			ereport(ERROR,
					(errcode(RAS_SQLSTATE_NOT_FOUND),
					 errmsg("report %s is unknown", r->report_id),
					 errdetail("ras.report_jobs has no such report of yours, and Amazon does not know it in profile %s.",
							   r->profile_id),
					 errhint("Reports belong to a profile: check profile_id.")));
	}
	ras_job_return_rows(fcinfo, refs);
	return (Datum) 0;
}

/* ras.report_status(report_id) -> ras.report_jobs */
PG_FUNCTION_INFO_V1(ras_report_status);

Datum
ras_report_status(PG_FUNCTION_ARGS)
{
	ReportRef  *r = linitial(refs_from_array(fcinfo));

	poll_report(r);
	if (strcmp(r->status, "NOT_FOUND") == 0)
		ereport(ERROR,
				(errcode(RAS_SQLSTATE_NOT_FOUND),
				 errmsg("report %s is unknown to Amazon", r->report_id),
				 errhint("Reports belong to a profile: check profile_id.")));
	ras_job_return_rows(fcinfo, list_make1(r));
	return (Datum) 0;
}

/* ras.report_cancel(report_id) -> ras.report_jobs */
PG_FUNCTION_INFO_V1(ras_report_cancel);

Datum
ras_report_cancel(PG_FUNCTION_ARGS)
{
	ReportRef  *r = linitial(refs_from_array(fcinfo));
	RasCall		call = report_call(r, "DELETE", DELETE_RESPONSE_TYPE, "cancel a report");
	RasHttpResponse resp;
	RasFailure	failure;

	if (!r->recorded)
		poll_report(r);			/* records it in ras.report_jobs */
	if (!ras_api_try(r->conn, &call, &resp, &failure))
	{
		/* say why when Amazon refuses: the report has finished */
		if (failure.status == 400)
		{
			poll_report(r);
			if (is_finished(r->status))
				ereport(ERROR,
						(errcode(RAS_SQLSTATE_NOT_READY),
						 errmsg("report %s cannot be cancelled: it is %s", r->report_id, r->status),
						 errhint("Only PENDING and PROCESSING reports can be cancelled.")));
		}
		ras_raise_failure(&failure);
	}
	ras_job_url_forget(r->report_id);
	ras_job_mark_status(r, "CANCELLED");
	ras_job_return_rows(fcinfo, list_make1(r));
	return (Datum) 0;
}

/* ---------- rows ---------- */

/* Storage's own words for a refused download, from its XML error. */
static char *
storage_error(const RasHttpResponse *resp)
{
	const char *tags[] = {"Code", "Message"};
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; i < lengthof(tags); i++)
	{
		char	   *open = psprintf("<%s>", tags[i]);
		const char *from = resp->body_len ? strstr(resp->body, open) : NULL;
		const char *to;

		if (from == NULL)
			continue;
		from += strlen(open);
		to = strchr(from, '<');
		if (to == NULL || to - from > 200)
			continue;
		appendStringInfo(&buf, "%s%.*s", buf.len ? ": " : "", (int) (to - from), from);
	}
	return buf.len ? buf.data : pstrdup("no message");
}

/*
 * Reads one COMPLETED report into the result.  The download URL comes from
 * the session's cache (of URLs fetched with this user mapping) or a status
 * read; a URL storage refuses (expired) is replaced by asking for the status
 * again.
 */
static void
fetch_rows(ReportRef *r, Tuplestorestate *ts, TupleDesc tupdesc)
{
	RasHttpResponse resp;

	for (int attempt = 1;; attempt++)
	{
		const char *url = ras_job_url(r->conn->umid, r->report_id);
		int64		nrows;

		if (url == NULL)
		{
			poll_report(r);
			require_completed(r, "");
			url = r->url;
			if (url == NULL)
				ras_unexpected_answer("a COMPLETED report without a url");
		}
		if (ras_report_fetch(url, ts, tupdesc, &nrows, &resp))
			return;
		ras_job_url_forget(r->report_id);
		r->status = NULL;
		if (resp.status < 400 || resp.status >= 500 || attempt >= DOWNLOAD_TRIES)
			ereport(ERROR,
					(errcode(resp.status >= 500 ? RAS_SQLSTATE_REMOTE :
							 resp.status == 404 ? RAS_SQLSTATE_NOT_FOUND : RAS_SQLSTATE_PERMISSION),
					 errmsg("could not download the file of report %s: HTTP %ld",
							r->report_id, resp.status),
					 errdetail("Storage said: %s (after %d attempt(s)).",
							   ras_remote_text(storage_error(&resp), strlen(storage_error(&resp)),
											   RAS_QUOTE_MAX), attempt)));
		CHECK_FOR_INTERRUPTS();
	}
}

/* ras.report_rows(report_ids text[] | report_id text) -> SETOF jsonb */
PG_FUNCTION_INFO_V1(ras_report_rows);

Datum
ras_report_rows(PG_FUNCTION_ARGS)
{
	List	   *refs = refs_from_array(fcinfo);
	TupleDesc	tupdesc;
	Tuplestorestate *ts = ras_srf_begin(fcinfo, &tupdesc);
	ListCell   *lc;

	foreach(lc, refs)
		fetch_rows(lfirst(lc), ts, tupdesc);
	return (Datum) 0;
}

