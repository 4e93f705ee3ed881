/*
 * http.c
 *     The libcurl transport: one easy handle per backend, kept alive across
 *     calls; retries with Retry-After and jittered exponential backoff; every
 *     wait cancellable.
 *
 * Rules that keep a backend healthy:
 *  - No callback ever raises an ERROR (the longjmp would skip libcurl's
 *    cleanup).  Callbacks only set flags and abort the transfer.
 *  - Everything libcurl allocated is released before CHECK_FOR_INTERRUPTS(),
 *    which may longjmp.
 *  - CURLOPT_NOSIGNAL: libcurl's SIGALRM would collide with our timers.
 */
#include "postgres.h"

#include <curl/curl.h>
#include <math.h>

#include "common/pg_prng.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/latch.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "ras.h"

/* A buffer grown past this by one large answer is released after it. */
#define RAS_KEEP_BUFFER_BYTES	((size_t) 8 * 1024 * 1024)
/* A download slower than this for ras.request_timeout is abandoned. */
#define RAS_MIN_DOWNLOAD_SPEED	1024L
/* How much of a download is handed to its consumer at once. */
#define RAS_STREAM_CHUNK	((size_t) 256 * 1024)
#define RAS_BACKOFF_BASE_MS		500
#define RAS_BACKOFF_CAP_MS		30000

static long connections_opened = 0;

/*
 * A byte buffer that a write callback fills.  malloc'd, not palloc'd: the
 * callbacks run inside libcurl, where an ERROR must not be raised.
 */
typedef struct BodyBuffer
{
	char	   *data;
	size_t		len;
	size_t		cap;
	bool		failed;			/* could not grow: the transfer was aborted */
} BodyBuffer;


/* What the header callback saw; copied into the response after a transfer. */
typedef struct HeaderState
{
	char		request_id[128];
	char		content_type[128];
	long		retry_after_ms;
} HeaderState;

/* A request body that can be read once, front to back, and never rewound. */
typedef struct OneWayBody
{
	const char *data;
	size_t		len;
	size_t		sent;
} OneWayBody;

/*
 * One transfer's state: its easy handle (kept, so its connection is reused),
 * the answer's body (reused across requests, grown as needed,
 * NUL-terminated) and headers.  The callbacks get the transfer as userdata;
 * they never raise.  The API calls of a backend go through one transfer, a
 * download through another, and concurrent requests (dispatch.c) through a
 * pool of them.
 */
struct RasTransfer
{
	CURL	   *h;
	BodyBuffer	body;
	HeaderState hdr;
	struct curl_slist *headers;
	char		errbuf[CURL_ERROR_SIZE];
	OneWayBody	upload;
	/* downloads only: a 2xx body's bytes not yet consumed */
	BodyBuffer	stream;
	bool		stream_paused;
	bool		streaming;
};

static RasTransfer *api_transfer = NULL;
static RasTransfer *stream_transfer = NULL;

/* Makes room for cap bytes in b; false, and b->failed, when it cannot. */
static bool
buffer_reserve(BodyBuffer *b, size_t cap)
{
	char	   *grown;

	if (cap <= b->cap)
		return true;
	grown = realloc(b->data, cap);
	if (grown == NULL)
	{
		b->failed = true;
		return false;
	}
	b->data = grown;
	b->cap = cap;
	return true;
}

/* Appends n bytes to b, which has room for them. */
static void
buffer_append(BodyBuffer *b, const char *data, size_t n)
{
	memcpy(b->data + b->len, data, n);
	b->len += n;
}

static void
buffer_reset(BodyBuffer *b)
{
	b->len = 0;
	b->failed = false;
}

static size_t
write_body(BodyBuffer *b, const char *data, size_t n)
{
	if (b->len + n + 1 > b->cap)
	{
		size_t		want = Max(Max(b->cap * 2, b->len + n + 1), 65536);

		if (b->len + n + 1 > (size_t) ras_max_response_kb * 1024)
		{
			b->failed = true;
			return 0;
		}
		want = Min(want, (size_t) ras_max_response_kb * 1024 + 1);
		if (!buffer_reserve(b, want))
			return 0;
	}
	buffer_append(b, data, n);
	b->data[b->len] = '\0';
	return n;
}

static size_t
write_cb(char *data, size_t size, size_t nmemb, void *userdata)
{
	RasTransfer *t = (RasTransfer *) userdata;
	long		status = 0;

	if (t->streaming)
	{
		size_t		n = size * nmemb;

		/* a download: a 2xx body goes to the consumer, an error page is kept */
		curl_easy_getinfo(t->h, CURLINFO_RESPONSE_CODE, &status);
		if (status >= 200 && status < 300)
		{
			if (t->stream.len + n > t->stream.cap)
			{
				if (t->stream.len > 0)
				{
					/* libcurl hands the same data again once unpaused */
					t->stream_paused = true;
					return CURL_WRITEFUNC_PAUSE;
				}
				if (!buffer_reserve(&t->stream, Max(n, RAS_STREAM_CHUNK)))
					return 0;
			}
			buffer_append(&t->stream, data, n);
			return n;
		}
	}
	return write_body(&t->body, data, size * nmemb);
}

/* Copies a header value, trimmed, into a fixed buffer. */
static void
copy_header_value(char *dst, size_t dstlen, const char *value, size_t len)
{
	while (len > 0 && (*value == ' ' || *value == '\t'))
		value++, len--;
	while (len > 0 && (value[len - 1] == '\r' || value[len - 1] == '\n' ||
					   value[len - 1] == ' '))
		len--;
	if (len >= dstlen)
		len = dstlen - 1;
	memcpy(dst, value, len);
	dst[len] = '\0';
}

static bool
header_is(const char *line, size_t len, const char *name, size_t *value_off)
{
	size_t		nlen = strlen(name);

	if (len <= nlen || line[nlen] != ':' || pg_strncasecmp(line, name, nlen) != 0)
		return false;
	*value_off = nlen + 1;
	return true;
}

static size_t
header_cb(char *line, size_t size, size_t nmemb, void *userdata)
{
	HeaderState *hs = &((RasTransfer *) userdata)->hdr;
	size_t		len = size * nmemb;
	size_t		off;

	if (len >= 5 && strncmp(line, "HTTP/", 5) == 0)
	{
		/* a new response (after 100-continue or a retry): forget the last */
		memset(hs, 0, sizeof(*hs));
		hs->retry_after_ms = -1;
	}
	else if (header_is(line, len, "x-amzn-RequestId", &off) ||
			 header_is(line, len, "x-amz-request-id", &off))
		copy_header_value(hs->request_id, sizeof(hs->request_id),
						  line + off, len - off);
	else if (header_is(line, len, "Content-Type", &off))
		copy_header_value(hs->content_type, sizeof(hs->content_type),
						  line + off, len - off);
	else if (header_is(line, len, "Retry-After", &off))
	{
		char		value[32];
		char	   *end;
		double		seconds;

		copy_header_value(value, sizeof(value), line + off, len - off);
		seconds = strtod(value, &end);
		if (end != value && seconds >= 0 && seconds < 86400)
			hs->retry_after_ms = (long) (seconds * 1000);
	}
	return len;
}

/* Aborts the transfer when the backend is asked to cancel or die. */
static int
progress_cb(void *clientp, curl_off_t dltotal, curl_off_t dlnow,
			curl_off_t ultotal, curl_off_t ulnow)
{
	return (QueryCancelPending || ProcDiePending) ? 1 : 0;
}

/* A new transfer, kept for the backend's life (its connection with it). */
RasTransfer *
ras_transfer_create(void)
{
	static bool initialized = false;
	RasTransfer *t;

	if (!initialized)
	{
		if (curl_global_init(CURL_GLOBAL_ALL) != CURLE_OK)
			ereport(ERROR,
					(errcode(ERRCODE_SYSTEM_ERROR),
					 errmsg("could not initialize libcurl")));
		initialized = true;
	}
	t = MemoryContextAllocZero(TopMemoryContext, sizeof(RasTransfer));
	t->h = curl_easy_init();
	if (t->h == NULL)
	{
		pfree(t);
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("could not create a libcurl handle")));
	}
	return t;
}

void *
ras_transfer_handle(RasTransfer *t)
{
	return t->h;
}

/*
 * Sleeps for ms milliseconds on the process latch, so that a cancel, a
 * statement_timeout or a shutdown ends the wait at once.
 */
void
ras_sleep_ms(long ms)
{
	TimestampTz end = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), ms);

	for (;;)
	{
		long		remaining;

		CHECK_FOR_INTERRUPTS();
		remaining = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), end);
		if (remaining <= 0)
			break;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 remaining, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}

/*
 * Failures that no retry can mend: the request cannot be made as asked
 * (a malformed URL, an unsupported scheme, a certificate that does not
 * verify).  Anything else may be the network's passing fault.
 */
static bool
is_permanent(CURLcode rc)
{
	switch (rc)
	{
		case CURLE_UNSUPPORTED_PROTOCOL:
		case CURLE_URL_MALFORMAT:
		case CURLE_NOT_BUILT_IN:
		case CURLE_PEER_FAILED_VERIFICATION:
		case CURLE_SSL_CERTPROBLEM:
		case CURLE_SSL_CIPHER:
		case CURLE_SSL_CACERT_BADFILE:
		case CURLE_SSL_ENGINE_NOTFOUND:
		case CURLE_SSL_ENGINE_SETFAILED:
		case CURLE_SSL_ISSUER_ERROR:
		case CURLE_SSL_CRL_BADFILE:
		case CURLE_BAD_FUNCTION_ARGUMENT:
		case CURLE_FUNCTION_NOT_FOUND:
			return true;
		default:
			return false;
	}
}

/* Did the failed transfer get far enough that the server may have acted? */
static bool
request_was_sent(CURL *h, CURLcode rc)
{
	long		request_size = 0;

	if (rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_COULDNT_RESOLVE_PROXY ||
		rc == CURLE_COULDNT_CONNECT || rc == CURLE_SSL_CONNECT_ERROR)
		return false;
	if (curl_easy_getinfo(h, CURLINFO_REQUEST_SIZE, &request_size) != CURLE_OK)
		return true;
	return request_size > 0;
}

static void
reset_response_state(RasTransfer *t)
{
	/* one large answer must not keep its memory for the session */
	if (t->body.cap > RAS_KEEP_BUFFER_BYTES)
	{
		free(t->body.data);
		t->body.data = NULL;
		t->body.cap = 0;
	}
	buffer_reset(&t->body);
	if (t->body.data)
		t->body.data[0] = '\0';
	memset(&t->hdr, 0, sizeof(t->hdr));
	t->hdr.retry_after_ms = -1;
}

/* The request's headers as a libcurl list; the caller frees it. */
static struct curl_slist *
header_list(const RasHttpRequest *req)
{
	struct curl_slist *headers = NULL;
	bool		slist_failed = false;

	/* the last guard: callers refuse such values with a message of their own */
	for (const char *const *hp = req->headers; hp && *hp; hp++)
		if (!ras_header_value_ok(*hp))
			ereport(ERROR,
					(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
					 errmsg("a request header value contains control characters"),
					 errdetail("The request was not sent.")));
	for (const char *const *hp = req->headers; hp && *hp; hp++)
	{
		struct curl_slist *next = curl_slist_append(headers, *hp);

		if (next == NULL)
		{
			slist_failed = true;
			break;
		}
		headers = next;
	}
	if (!slist_failed)
	{
		/* no "Expect: 100-continue" round trip for large bodies */
		struct curl_slist *next = curl_slist_append(headers, "Expect:");

		if (next == NULL)
			slist_failed = true;
		else
			headers = next;
	}
	if (slist_failed)
	{
		curl_slist_free_all(headers);
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	}
	return headers;
}

/* Fills resp from the handle after a transfer, whatever its outcome. */
static void
finish_response(RasTransfer *t, CURLcode rc, RasHttpResponse *resp)
{
	CURL	   *h = t->h;
	const char *errbuf = t->errbuf;
	long		nconnects = 0;

	resp->status = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
	if (curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &nconnects) == CURLE_OK)
		connections_opened += nconnects;
	memcpy(resp->request_id, t->hdr.request_id, sizeof(resp->request_id));
	memcpy(resp->content_type, t->hdr.content_type, sizeof(resp->content_type));
	resp->retry_after_ms = t->hdr.retry_after_ms;
	resp->body = t->body.data ? t->body.data : "";
	resp->body_len = t->body.len;
	resp->error_text[0] = '\0';

	if (rc == CURLE_OK)
		resp->outcome = RAS_OK;
	else
	{
		resp->outcome = is_permanent(rc) ? RAS_TRANSPORT_REFUSED :
			request_was_sent(h, rc) ? RAS_TRANSPORT_UNKNOWN : RAS_TRANSPORT_FAILED;
		if (rc == CURLE_SEND_FAIL_REWIND)
			/* a one-way body (a create) on a connection that turned out dead */
			snprintf(resp->error_text, sizeof(resp->error_text),
					 "the connection was lost while the request was being sent");
		else
			snprintf(resp->error_text, sizeof(resp->error_text), "%s",
					 errbuf[0] ? errbuf : curl_easy_strerror(rc));
	}
}

/*
 * Sets h up for req from a clean state, with what every transfer shares:
 * the caller adds its own options.  Returns the header list, which the
 * caller hands to release_headers after the transfer.
 */
static void
prepare_transfer(RasTransfer *t, const RasHttpRequest *req)
{
	CURL	   *h = t->h;

	curl_easy_reset(h);
	reset_response_state(t);
	t->errbuf[0] = '\0';
	t->streaming = false;
	t->headers = header_list(req);

	curl_easy_setopt(h, CURLOPT_URL, req->url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, t->headers);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, t->errbuf);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long) ras_connect_timeout_ms);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, t);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, progress_cb);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "https");
}

/* The handle keeps a pointer to the list: detach it before freeing. */
static void
release_headers(RasTransfer *t)
{
	curl_easy_setopt(t->h, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(t->headers);
	t->headers = NULL;
}

/*
 * One attempt.  All libcurl memory is released before anything here can
 * raise an error or process an interrupt.
 */
static size_t
read_once_cb(char *buffer, size_t size, size_t nitems, void *userdata)
{
	OneWayBody *body = (OneWayBody *) userdata;
	size_t		n = Min(size * nitems, body->len - body->sent);

	memcpy(buffer, body->data + body->sent, n);
	body->sent += n;
	return n;
}

/*
 * Sets transfer t up for one attempt of req: every option, the body, the
 * timeouts.  The caller performs it (easy or multi) and then calls
 * ras_transfer_finish.
 */
void
ras_transfer_setup(RasTransfer *t, const RasHttpRequest *req)
{
	CURL	   *h = t->h;

	prepare_transfer(t, req);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long) ras_request_timeout_ms);
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");

	if (req->body != NULL && !req->idempotent)
	{
		/*
		 * On a reused connection that turns out dead, libcurl quietly sends
		 * the request again, rewinding the body.  A request that must not run
		 * twice (a create) hands its body over through a read callback that
		 * cannot rewind: the transfer fails instead, as "outcome unknown".
		 */
		t->upload.data = req->body;
		t->upload.len = req->body_len;
		t->upload.sent = 0;
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) req->body_len);
		curl_easy_setopt(h, CURLOPT_READFUNCTION, read_once_cb);
		curl_easy_setopt(h, CURLOPT_READDATA, &t->upload);
	}
	else if (req->body != NULL)
	{
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) req->body_len);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body);
	}
	if (strcmp(req->method, "GET") == 0)
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	else if (strcmp(req->method, "POST") != 0 || req->body == NULL)
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
}

/*
 * After a transfer: fills resp, frees what libcurl allocated for it, and
 * only then acts on a cancel (which may longjmp) or an oversized answer.
 */
void
ras_transfer_finish(RasTransfer *t, int curl_code, RasHttpResponse *resp)
{
	CURLcode	rc = (CURLcode) curl_code;

	finish_response(t, rc, resp);
	release_headers(t);

	/* Only now is it safe to let PostgreSQL act on a pending interrupt. */
	if (rc == CURLE_ABORTED_BY_CALLBACK)
		CHECK_FOR_INTERRUPTS();
	if (t->body.failed)
	{
		reset_response_state(t);
		ereport(ERROR,
				(errcode(RAS_SQLSTATE_REMOTE),
				 errmsg("an answer of the Amazon Ads API is larger than ras.max_response_size"),
				 errdetail("The limit is %d kB.", ras_max_response_kb),
				 errhint("Raise ras.max_response_size, or ask for smaller pages.")));
	}
}

/* Detaches a transfer that will not be finished (an error elsewhere). */
void
ras_transfer_abandon(RasTransfer *t)
{
	if (t->headers)
		release_headers(t);
}

/*
 * One attempt on the backend's API transfer.  All libcurl memory is released
 * before anything here can raise an error or process an interrupt.
 */
static void
perform_once(const RasHttpRequest *req, RasHttpResponse *resp)
{
	CURLcode	rc;

	if (api_transfer == NULL)
		api_transfer = ras_transfer_create();
	ras_transfer_setup(api_transfer, req);
	/* pg_stat_activity shows the backend waiting on the API, not running */
	pgstat_report_wait_start(PG_WAIT_EXTENSION);
	rc = curl_easy_perform(api_transfer->h);
	pgstat_report_wait_end();
	ras_transfer_finish(api_transfer, rc, resp);
}

/*
 * Whether value can go into a request header: no control characters, which
 * could end the header and add others of the sender's choosing.
 */
bool
ras_header_value_ok(const char *value)
{
	for (const unsigned char *p = (const unsigned char *) value; *p; p++)
		if (*p < 32 || *p == 127)
			return false;
	return true;
}

/* Wait before retry n (1-based): Retry-After when given, else backoff. */
static long
retry_delay_ms(int attempt, long retry_after_ms)
{
	double		backoff;
	double		jitter;

	if (retry_after_ms >= 0)
	{
		/* a little jitter so that many backends do not return in step */
		jitter = pg_prng_double(&pg_global_prng_state) * 0.1;
		return retry_after_ms + (long) (retry_after_ms * jitter);
	}
	backoff = RAS_BACKOFF_BASE_MS * pow(2.0, attempt - 1);
	if (backoff > RAS_BACKOFF_CAP_MS)
		backoff = RAS_BACKOFF_CAP_MS;
	/* "equal jitter": half fixed, half random */
	return (long) (backoff / 2 + pg_prng_double(&pg_global_prng_state) * backoff / 2);
}

static bool
should_retry(const RasHttpRequest *req, const RasHttpResponse *resp)
{
	switch (resp->outcome)
	{
		case RAS_TRANSPORT_REFUSED:
			return false;
		case RAS_TRANSPORT_FAILED:
			return true;
		case RAS_TRANSPORT_UNKNOWN:
			return req->idempotent;
		case RAS_OK:
			if (resp->status == 429 || resp->status == 503)
				return true;	/* the request was not processed */
			/* a server error may pass: never 501 or 505, which say it will not */
			if (resp->status >= 500 && resp->status <= 599 &&
				resp->status != 501 && resp->status != 505)
				return req->idempotent;
			return false;
	}
	return false;
}

/*
 * Whether attempt number attempt, which answered resp, is to be sent again,
 * and after how long (*delay_ms); false when it is not, or when the wait
 * would take the time spent waiting (waited_ms) past ras.retry_max_wait.
 */
bool
ras_retry_after(const RasHttpRequest *req, const RasHttpResponse *resp, int attempt,
				long waited_ms, long *delay_ms)
{
	if (req->no_retry || !should_retry(req, resp) || attempt > ras_max_retries)
		return false;
	*delay_ms = retry_delay_ms(attempt, resp->outcome == RAS_OK ? resp->retry_after_ms : -1);
	return waited_ms + *delay_ms <= ras_retry_max_wait_ms;
}

/* Lost answers and 500/502/504 may come after the server acted. */
bool
ras_maybe_processed(const RasHttpResponse *resp)
{
	/* a 503 was not processed, nor a 501 or 505 */
	return resp->outcome == RAS_TRANSPORT_UNKNOWN ||
		(resp->outcome == RAS_OK && resp->status >= 500 && resp->status <= 599 &&
		 resp->status != 503 && resp->status != 501 && resp->status != 505);
}

static bool
wait_to_retry(const RasHttpRequest *req, const RasHttpResponse *resp, int attempt,
			  long *waited_ms)
{
	long		delay;

	if (!ras_retry_after(req, resp, attempt, *waited_ms, &delay))
		return false;
	ras_sleep_ms(delay);
	*waited_ms += delay;
	return true;
}

void
ras_http_execute(const RasHttpRequest *req, RasHttpResponse *resp)
{
	long		waited_ms = 0;

	memset(resp, 0, sizeof(*resp));
	for (int attempt = 1;; attempt++)
	{
		bool		processed;

		/* every attempt draws on the request budget, and tells it how it went */
		if (req->budget)
			ras_budget_wait(req->budget->host, req->budget->scope, req->budget->family,
							&waited_ms);
		perform_once(req, resp);
		if (req->budget && resp->outcome == RAS_OK)
			ras_budget_result(req->budget->host, req->budget->scope, req->budget->family,
							  resp->status, resp->retry_after_ms);
		resp->attempts = attempt;
		processed = ras_maybe_processed(resp);
		resp->maybe_processed |= processed;
		if (!wait_to_retry(req, resp, attempt, &waited_ms))
			return;
	}
}

/* Overwrites the last answer: for answers that carry secrets, once read. */
void
ras_http_wipe_response(void)
{
	if (api_transfer && api_transfer->body.data && api_transfer->body.cap > 0)
		explicit_bzero(api_transfer->body.data, api_transfer->body.cap);
	if (api_transfer)
		api_transfer->body.len = 0;
}

long
ras_http_connections_opened(void)
{
	return connections_opened;
}

/* ---------- streamed downloads ---------- */

/*
 * A 2xx body is handed to the caller's consumer piece by piece, never held
 * whole.  libcurl's multi interface drives the transfer so that the consumer
 * runs between transfer steps, in ordinary backend context where it may
 * raise errors and use PostgreSQL memory; the write callback only copies
 * into a bounded malloc'd buffer and pauses the transfer when it is full.
 * Non-2xx bodies (storage errors) go to the usual response buffer.  Its own
 * transfer keeps the API connection of the API transfer undisturbed.
 */
#define RAS_STREAM_POLL_MS	100

static CURLM *stream_multi = NULL;

/* One streamed attempt; returns how many body bytes reached the consumer. */
static size_t
stream_once(const RasHttpRequest *req, RasStreamConsumer consume, void *arg,
			RasHttpResponse *resp)
{
	RasTransfer *t;
	CURL	   *h;
	volatile CURLcode rc = CURLE_OK;
	volatile bool added = false;
	volatile size_t delivered = 0;

	if (stream_transfer == NULL)
		stream_transfer = ras_transfer_create();
	if (stream_multi == NULL && (stream_multi = curl_multi_init()) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("could not create a libcurl multi handle")));
	t = stream_transfer;
	h = t->h;
	prepare_transfer(t, req);
	buffer_reset(&t->stream);
	t->stream_paused = false;
	t->streaming = true;

	/*
	 * A large file may take long: give up when it comes slower than
	 * RAS_MIN_DOWNLOAD_SPEED for ras.request_timeout, not on the total time.
	 * A file that drips a byte at a time is abandoned like a stalled one.
	 */
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, RAS_MIN_DOWNLOAD_SPEED);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, (long) Max(1, ras_request_timeout_ms / 1000));
	curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	if (strcmp(req->method, "GET") != 0)
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);

	PG_TRY();
	{
		CURLMsg    *msg;
		int			queued;

		if (curl_multi_add_handle(stream_multi, h) != CURLM_OK)
			ereport(ERROR,
					(errcode(ERRCODE_SYSTEM_ERROR),
					 errmsg("could not start a download")));
		added = true;
		for (;;)
		{
			int			running = 0;

			if (curl_multi_perform(stream_multi, &running) != CURLM_OK)
			{
				rc = CURLE_RECV_ERROR;
				break;
			}
			if (t->stream.len > 0)
			{
				size_t		len = t->stream.len;

				t->stream.len = 0;
				consume(arg, t->stream.data, len);
				delivered += len;
				if (t->stream_paused)
				{
					t->stream_paused = false;
					curl_easy_pause(h, CURLPAUSE_CONT);
					continue;
				}
			}
			if (!running)
				break;
			CHECK_FOR_INTERRUPTS();
			pgstat_report_wait_start(PG_WAIT_EXTENSION);
			curl_multi_poll(stream_multi, NULL, 0, RAS_STREAM_POLL_MS, NULL);
			pgstat_report_wait_end();
		}
		while ((msg = curl_multi_info_read(stream_multi, &queued)) != NULL)
			if (msg->msg == CURLMSG_DONE && msg->easy_handle == h)
				rc = msg->data.result;
	}
	PG_FINALLY();
	{
		/* an abandoned transfer closes its connection here */
		if (added)
			curl_multi_remove_handle(stream_multi, h);
		t->streaming = false;
		/* a cancel or the consumer's error must not leave the header list behind */
		ras_transfer_abandon(t);
	}
	PG_END_TRY();

	if (t->stream.failed)
	{
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory while downloading a file")));
	}
	ras_transfer_finish(t, rc, resp);
	return delivered;
}

/*
 * Fetches req->url and hands a 2xx body to consume(arg, data, len) as it
 * arrives.  Retries like ras_http_execute while nothing has been consumed;
 * once the consumer has seen data, a failure is returned as it is.  A
 * complete body is outcome RAS_OK with a 2xx status.
 */
void
ras_http_stream(const RasHttpRequest *req, RasStreamConsumer consume, void *arg,
				RasHttpResponse *resp)
{
	long		waited_ms = 0;

	memset(resp, 0, sizeof(*resp));
	for (int attempt = 1;; attempt++)
	{
		size_t		delivered = stream_once(req, consume, arg, resp);

		resp->attempts = attempt;
		if (delivered > 0 || !wait_to_retry(req, resp, attempt, &waited_ms))
			return;
	}
}
