/*
 * dispatch.c
 *     The listings of one statement, run concurrently: the scopes of a
 *     fan-out (profile_ids) and the calls of a split filter.
 *
 * Each listing pages in order, one request in flight at a time; different
 * listings' requests run at once through libcurl's multi interface, at most
 * ras.max_concurrency, on kept-alive connections.  A freed slot takes the
 * next page of any listing.  Every request draws on the request budget of
 * its (host, scope, family) first; a 429 or 5xx is retried after its delay
 * without holding a slot.  Rows go into the result as each page arrives.
 *
 * Every wait is a curl_multi_poll of at most 100 ms, so a cancel is seen at
 * once; on any error every transfer is taken off the multi handle and
 * released before the error goes on.
 */
#include "postgres.h"

#include <curl/curl.h>

#include "miscadmin.h"
#include "pgstat.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "ras.h"

#define RAS_DISPATCH_POLL_MS	100

/* One listing: a scope and a filter combination, paged in order. */
typedef struct Listing
{
	const char *scope_id;
	int		   *chunks;			/* each filter's chunk for this combination */
	char	   *next_token;
	int			page_index;
	int			page_size;
	bool		done;
	bool		failed;			/* its scope failed and was skipped */
	/* the request in flight or waiting to be retried */
	RasTransfer *transfer;		/* NULL: none in flight */
	RasHttpRequest req;
	RasBudgetKey budget;
	RasCall		call;
	char	   *auth_header;
	int			attempt;
	bool		refreshed;		/* the token was refreshed after a 401 */
	long		waited_ms;
	TimestampTz not_before;
	MemoryContext ctx;			/* the current request and page */
	/* ids seen: this page's and the last one's, or every one when split */
	struct HTAB *seen_ids;
	struct HTAB *seen_prev;
	struct Listing *ids;		/* the listing holding the sets for this one */
} Listing;

static CURLM *multi = NULL;
static RasTransfer **pool = NULL;
static bool *pool_busy = NULL;
static int	pool_size = 0;

static RasTransfer *
take_transfer(void)
{
	if (pool == NULL)
	{
		pool = MemoryContextAllocZero(TopMemoryContext, sizeof(RasTransfer *) * 64);
		pool_busy = MemoryContextAllocZero(TopMemoryContext, sizeof(bool) * 64);
	}
	for (int i = 0; i < pool_size; i++)
		if (!pool_busy[i])
		{
			pool_busy[i] = true;
			return pool[i];
		}
	pool[pool_size] = ras_transfer_create();
	pool_busy[pool_size] = true;
	return pool[pool_size++];
}

static void
give_transfer(RasTransfer *t)
{
	for (int i = 0; i < pool_size; i++)
		if (pool[i] == t)
			pool_busy[i] = false;
}

/* Takes every transfer off the multi handle: on success, error or cancel. */
static void
release_all(Listing *listings, int n)
{
	for (int i = 0; i < n; i++)
	{
		Listing    *l = &listings[i];

		if (l->transfer == NULL)
			continue;
		curl_multi_remove_handle(multi, ras_transfer_handle(l->transfer));
		ras_transfer_abandon(l->transfer);
		give_transfer(l->transfer);
		l->transfer = NULL;
		if (l->auth_header)
			explicit_bzero(l->auth_header, strlen(l->auth_header));
	}
}

/* Builds and starts the next request of a listing. */
static void
start_request(RasConn *conn, RasListCall *call, Listing *l, const RasRowSink *sink)
{
	const RasEntity *e = call->entity;
	MemoryContext old;
	int			page_size = e->page_size;

	MemoryContextReset(l->ctx);
	old = MemoryContextSwitchTo(l->ctx);
	if (sink->max_rows > 0 && sink->max_rows - sink->nrows < page_size &&
		(e->paging != RAS_PAGING_INDEX || l->page_index == 0))
		page_size = Max((int) (sink->max_rows - sink->nrows), e->page_min);
	l->page_size = page_size;
	for (int i = 0; i < call->nfilters; i++)
		call->filters[i].chunk = l->chunks[i];
	memset(&l->call, 0, sizeof(l->call));
	l->call.method = e->list_method;
	l->call.path = ras_list_path(call, page_size, l->next_token);
	l->call.body = strcmp(e->list_method, "GET") == 0 ? NULL :
		ras_list_body(call, page_size, l->page_index, l->next_token);
	l->call.content_type = e->content_type;
	l->call.accept = e->accept;
	l->call.family = e->family;
	l->call.profile_id = e->scope == RAS_SCOPE_PROFILE ? l->scope_id : NULL;
	l->call.account_id = e->scope == RAS_SCOPE_ACCOUNT ? l->scope_id : NULL;
	l->call.idempotent = true;
	l->call.what = psprintf("list %s", e->sql_name);
	ras_api_request(conn, &l->call, false, &l->req, &l->budget, &l->auth_header);
	MemoryContextSwitchTo(old);

	l->transfer = take_transfer();
	ras_transfer_setup(l->transfer, &l->req);
	if (curl_multi_add_handle(multi, ras_transfer_handle(l->transfer)) != CURLM_OK)
		ereport(ERROR,
				(errcode(ERRCODE_SYSTEM_ERROR),
				 errmsg("could not start a request")));
}

/*
 * A listing's request failed for good.  With skip_failed its scope becomes
 * a WARNING and the others go on; else the statement fails, naming it.
 */
static void
listing_failed(Listing *listings, int n, Listing *l, const RasFailure *f, bool skip_failed,
			   const RasEntity *e)
{
	const char *what = e->scope == RAS_SCOPE_ACCOUNT ? "account" : "profile";

	if (!skip_failed)
		ereport(ERROR,
				(errcode(f->sqlstate),
				 errmsg_internal("%s (%s %s)", f->message, what, l->scope_id ? l->scope_id : "-"),
				 f->detail ? errdetail_internal("%s", f->detail) : 0,
				 errhint("Pass skip_failed => true to get the other %ss' rows with a WARNING.",
						 what)));
	ereport(WARNING,
			(errcode(ERRCODE_WARNING),
			 errmsg("%s %s skipped: %s", what, l->scope_id ? l->scope_id : "-", f->message),
			 errdetail_internal("SQLSTATE %s. %s", unpack_sql_state(f->sqlstate),
								f->detail ? f->detail : "")));
	/* every listing of that scope stops */
	for (int i = 0; i < n; i++)
		if (listings[i].scope_id == l->scope_id ||
			(listings[i].scope_id && l->scope_id && strcmp(listings[i].scope_id, l->scope_id) == 0))
		{
			listings[i].done = true;
			listings[i].failed = true;
		}
}

/* A page arrived: its rows into the result, the next page or the end. */
static void
take_page(RasListCall *call, Listing *l, RasRowSink *sink, Tuplestorestate *ts,
		  const RasHttpResponse *resp, MemoryContext row_ctx, Datum *values, bool *nulls,
		  int scope_attno, RasListStats *stats)
{
	const RasEntity *e = call->entity;
	RasPage		page;
	MemoryContext old = MemoryContextSwitchTo(l->ctx);

	ras_rows_open(resp->body, resp->body_len, e->body_key, &page);
	MemoryContextSwitchTo(old);
	stats->pages++;
	stats->rows_received += page.nitems;

	/* this listing's ids (its scope's, when split calls can overlap) */
	sink->seen_ids = l->ids->seen_ids;
	sink->seen_prev = l->ids->seen_prev;
	ras_rows_new_page(sink);
	l->ids->seen_ids = sink->seen_ids;
	l->ids->seen_prev = sink->seen_prev;

	for (;;)
	{
		bool		got;

		if (sink->max_rows > 0 && sink->nrows >= sink->max_rows)
			break;
		old = MemoryContextSwitchTo(row_ctx);
		got = ras_rows_next(&page, sink, values, nulls);
		if (got)
		{
			if (scope_attno >= 0)
			{
				nulls[scope_attno] = l->scope_id == NULL;
				if (l->scope_id)
					values[scope_attno] = ras_text_datum(l->scope_id, strlen(l->scope_id));
			}
			tuplestore_putvalues(ts, sink->tupdesc, values, nulls);
			sink->nrows++;
		}
		MemoryContextSwitchTo(old);
		MemoryContextReset(row_ctx);
		if (!got)
			break;
	}

	if (l->next_token)
		pfree(l->next_token);
	l->next_token = page.next_token ?
		MemoryContextStrdup(GetMemoryChunkContext(l->chunks), page.next_token) : NULL;
	l->page_index++;
	if (l->page_index >= ras_max_pages && (page.next_token || page.nitems >= l->page_size))
		ereport(ERROR,
				(errcode(RAS_SQLSTATE_REMOTE),
				 errmsg("could not list %s: the listing has more than ras.max_pages (%d) pages",
						e->sql_name, ras_max_pages),
				 errhint("Narrow the listing with filters, or raise ras.max_pages.")));
	if (e->paging == RAS_PAGING_TOKEN || e->paging == RAS_PAGING_QUERY)
		l->done = l->next_token == NULL;
	else if (e->paging == RAS_PAGING_INDEX)
		l->done = page.nitems < l->page_size ||
			(e->result_cap > 0 && l->page_index * l->page_size >= e->result_cap);
	else
		l->done = true;
	if (sink->max_rows > 0 && sink->nrows >= sink->max_rows)
		l->done = true;
	l->attempt = 1;
	l->waited_ms = 0;
	l->refreshed = false;
}

/* The backend's multi handle, made on first use and kept. */
static void
ensure_multi(void)
{
	if (multi == NULL && (multi = curl_multi_init()) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("could not create a libcurl multi handle")));
}

/*
 * The job of the finished transfer msg names, its answer in *resp, the
 * transfer given back and the answer counted in the request budget; NULL
 * when no job owns it.  May raise (cancel, oversized answer) after the
 * transfer is given back: nothing of it is left behind.
 */
static Listing *
finish_transfer(Listing *jobs, int n, CURLMsg *msg, RasHttpResponse *resp)
{
	Listing    *j = NULL;
	RasTransfer *t;

	for (int i = 0; i < n && j == NULL; i++)
		if (jobs[i].transfer && ras_transfer_handle(jobs[i].transfer) == msg->easy_handle)
			j = &jobs[i];
	if (j == NULL)
		return NULL;
	curl_multi_remove_handle(multi, msg->easy_handle);
	memset(resp, 0, sizeof(*resp));
	t = j->transfer;
	j->transfer = NULL;
	give_transfer(t);
	explicit_bzero(j->auth_header, strlen(j->auth_header));
	ras_transfer_finish(t, msg->data.result, resp);
	resp->attempts = j->attempt;
	if (resp->outcome == RAS_OK)
		ras_budget_result(j->budget.host, j->budget.scope, j->budget.family,
						  resp->status, resp->retry_after_ms);
	return j;
}

/*
 * Between two rounds: honour a cancel, then, unless a request just finished
 * (its slot can start the next at once), wait for traffic up to sleep_ms.
 */
static void
wait_for_work(int completed, long sleep_ms)
{
	CHECK_FOR_INTERRUPTS();
	if (completed > 0)
		return;
	pgstat_report_wait_start(PG_WAIT_EXTENSION);
	curl_multi_poll(multi, NULL, 0, (int) Max(1, sleep_ms), NULL);
	pgstat_report_wait_end();
}

/*
 * Runs every listing of call for every scope in scopes, concurrently, into
 * ts.  scope_attno is the result column that shows a row's scope (-1: none).
 * stats, when not NULL, adds up what it cost (a foreign scan's EXPLAIN
 * ANALYZE).
 */
void
ras_dispatch_listings(RasConn *conn, RasListCall *call, List *scopes, RasRowSink *sink,
					  Tuplestorestate *ts, int scope_attno, bool skip_failed,
					  RasListStats *stats_arg)
{
	static RasListStats unused; /* where the costs go when the caller wants none */
	RasListStats *volatile stats = stats_arg ? stats_arg : &unused;

	const RasEntity *e = call->entity;
	int			ncombos = 1;
	int			n;
	Listing    *listings;
	MemoryContext row_ctx;
	Datum	   *values = palloc0(sizeof(Datum) * Max(sink->natts, 1));
	bool	   *nulls = palloc0(sizeof(bool) * Max(sink->natts, 1));
	int			i = 0;
	ListCell   *lc;
	const char *host = ras_api_host(conn->api_url);

	for (int f = 0; f < call->nfilters; f++)
		ncombos *= call->filters[f].nchunks;
	n = ncombos * list_length(scopes);
	/* split calls overlap anywhere: every id of a scope is remembered then */
	sink->dedupe_all = ncombos > 1;
	listings = palloc0(sizeof(Listing) * n);
	foreach(lc, scopes)
	{
		for (int c = 0; c < ncombos; c++, i++)
		{
			Listing    *l = &listings[i];
			int			rest = c;

			l->scope_id = lfirst(lc);
			l->chunks = palloc(sizeof(int) * Max(call->nfilters, 1));
			for (int f = 0; f < call->nfilters; f++)
			{
				l->chunks[f] = rest % call->filters[f].nchunks;
				rest /= call->filters[f].nchunks;
			}
			l->attempt = 1;
			l->ids = &listings[i - c];	/* the scope's first listing */
			l->budget.host = host;
			l->ctx = AllocSetContextCreate(CurrentMemoryContext, "ras listing",
										   ALLOCSET_SMALL_SIZES);
		}
	}
	row_ctx = AllocSetContextCreate(CurrentMemoryContext, "ras row", ALLOCSET_DEFAULT_SIZES);
	ensure_multi();
	curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long) ras_max_concurrency);

	PG_TRY();
	{
		for (;;)
		{
			TimestampTz now = GetCurrentTimestamp();
			int			in_flight = 0;
			bool		pending = false;
			long		sleep_ms = RAS_DISPATCH_POLL_MS;
			int			running;
			CURLMsg    *msg;
			int			queued;
			int			completed = 0;

			for (i = 0; i < n; i++)
				in_flight += listings[i].transfer != NULL;
			/* start what may start: free slots, budget allowing */
			for (i = 0; i < n && in_flight < ras_max_concurrency; i++)
			{
				Listing    *l = &listings[i];
				long		wait_ms;

				if (l->done || l->transfer != NULL)
					continue;
				if (l->not_before > now)
				{
					sleep_ms = Min(sleep_ms, TimestampDifferenceMilliseconds(now, l->not_before) + 1);
					continue;
				}
				wait_ms = ras_budget_bounded(ras_budget_take(host, l->scope_id,
													  e->family ? e->family->key : "ras"),
									  &l->waited_ms);
				if (wait_ms > 0)
				{
					l->not_before = TimestampTzPlusMilliseconds(now, wait_ms);
					sleep_ms = Min(sleep_ms, wait_ms);
					continue;
				}
				start_request(conn, call, l, sink);
				in_flight++;
			}
			for (i = 0; i < n; i++)
				pending |= !listings[i].done;
			if (!pending)
				break;

			curl_multi_perform(multi, &running);
			while ((msg = curl_multi_info_read(multi, &queued)) != NULL)
			{
				Listing    *l;
				RasHttpResponse resp;
				long		delay;

				if (msg->msg != CURLMSG_DONE)
					continue;
				completed++;
				if ((l = finish_transfer(listings, n, msg, &resp)) == NULL)
					continue;
				/* its scope failed and was skipped while this was in flight: no rows */
				if (l->failed)
					continue;
				stats->requests++;
				if (resp.outcome == RAS_OK && resp.status >= 200 && resp.status < 300)
					take_page(call, l, sink, ts, &resp, row_ctx, values, nulls, scope_attno,
							  stats);
				else if (resp.outcome == RAS_OK && resp.status == 401 && !l->refreshed)
				{
					/* a token can be revoked or expire early: refresh once */
					l->refreshed = true;
					(void) ras_access_token(conn, true);
					stats->requests--;
					stats->retries++;
				}
				else if (ras_retry_after(&l->req, &resp, l->attempt, l->waited_ms, &delay))
				{
					/* one request, sent again */
					stats->requests--;
					stats->retries++;
					l->attempt++;
					l->waited_ms += delay;
					l->not_before = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), delay);
				}
				else
				{
					RasFailure	failure;

					ras_api_failure(&l->call, &resp, &failure);
					listing_failed(listings, n, l, &failure, skip_failed, e);
				}
			}
			wait_for_work(completed, sleep_ms);
		}
	}
	PG_FINALLY();
	{
		release_all(listings, n);
	}
	PG_END_TRY();
}

/*
 * Independent calls (report status reads, ...) run concurrently: each with
 * its retries, token refresh and request budget, at most ras.max_concurrency
 * at once.  resps[i] gets a copy of each answer (its body palloc'd), oks[i]
 * whether it was a 2xx, failures[i] what a failed one means.
 */
void
ras_dispatch_calls(RasConn **conns, RasCall *calls, int n, RasHttpResponse *resps,
				   bool *oks, RasFailure *failures)
{
	Listing    *jobs = palloc0(sizeof(Listing) * n);
	int			left = n;

	for (int i = 0; i < n; i++)
	{
		jobs[i].attempt = 1;
		jobs[i].ctx = AllocSetContextCreate(CurrentMemoryContext, "ras call",
											ALLOCSET_SMALL_SIZES);
		jobs[i].call = calls[i];
		jobs[i].scope_id = calls[i].profile_id ? calls[i].profile_id : calls[i].account_id;
	}
	ensure_multi();

	PG_TRY();
	{
		while (left > 0)
		{
			TimestampTz now = GetCurrentTimestamp();
			int			in_flight = 0;
			long		sleep_ms = RAS_DISPATCH_POLL_MS;
			int			running;
			CURLMsg    *msg;
			int			queued;
			int			completed = 0;

			for (int i = 0; i < n; i++)
				in_flight += jobs[i].transfer != NULL;
			for (int i = 0; i < n && in_flight < ras_max_concurrency; i++)
			{
				Listing    *j = &jobs[i];
				MemoryContext old;

				if (j->done || j->transfer != NULL)
					continue;
				if (j->not_before > now)
				{
					sleep_ms = Min(sleep_ms, TimestampDifferenceMilliseconds(now, j->not_before) + 1);
					continue;
				}
				MemoryContextReset(j->ctx);
				old = MemoryContextSwitchTo(j->ctx);
				ras_api_request(conns[i], &j->call, false, &j->req, &j->budget, &j->auth_header);
				MemoryContextSwitchTo(old);
				{
					long		wait_ms = ras_budget_bounded(ras_budget_take(j->budget.host,
																	  j->budget.scope,
																	  j->budget.family),
													  &j->waited_ms);

					if (wait_ms > 0)
					{
						j->not_before = TimestampTzPlusMilliseconds(now, wait_ms);
						sleep_ms = Min(sleep_ms, wait_ms);
						continue;
					}
				}
				j->transfer = take_transfer();
				ras_transfer_setup(j->transfer, &j->req);
				if (curl_multi_add_handle(multi, ras_transfer_handle(j->transfer)) != CURLM_OK)
					ereport(ERROR,
							(errcode(ERRCODE_SYSTEM_ERROR),
							 errmsg("could not start a request")));
				in_flight++;
			}

			curl_multi_perform(multi, &running);
			while ((msg = curl_multi_info_read(multi, &queued)) != NULL)
			{
				Listing    *j;
				int			i;
				RasHttpResponse resp;
				long		delay;

				if (msg->msg != CURLMSG_DONE)
					continue;
				completed++;
				if ((j = finish_transfer(jobs, n, msg, &resp)) == NULL)
					continue;
				i = j - jobs;
				if (resp.outcome == RAS_OK && resp.status == 401 && !j->refreshed)
				{
					j->refreshed = true;
					(void) ras_access_token(conns[i], true);
					continue;
				}
				if (!(resp.outcome == RAS_OK && resp.status >= 200 && resp.status < 300) &&
					ras_retry_after(&j->req, &resp, j->attempt, j->waited_ms, &delay))
				{
					j->attempt++;
					j->waited_ms += delay;
					j->not_before = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), delay);
					continue;
				}
				/* done: keep the answer (the transfer's buffer is reused) */
				resps[i] = resp;
				resps[i].body = pnstrdup(resp.body, resp.body_len);
				oks[i] = resp.outcome == RAS_OK && resp.status >= 200 && resp.status < 300;
				if (!oks[i])
					ras_api_failure(&j->call, &resps[i], &failures[i]);
				j->done = true;
				left--;
			}
			if (left == 0)
				break;
			wait_for_work(completed, sleep_ms);
		}
	}
	PG_FINALLY();
	{
		release_all(jobs, n);
	}
	PG_END_TRY();
}
