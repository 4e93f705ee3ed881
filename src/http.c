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
#include "utils/timestamp.h"

#include "ras.h"

/* A buffer grown past this by one large answer is released after it. */
#define RAS_KEEP_BUFFER_BYTES	((size_t) 8 * 1024 * 1024)
/* A download slower than this for ras.request_timeout is abandoned. */
#define RAS_MIN_DOWNLOAD_SPEED	1024L
#define RAS_BACKOFF_BASE_MS		500
#define RAS_BACKOFF_CAP_MS		30000

static CURL *curl_handle = NULL;
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

/* The response body: reused across requests, grown as needed, NUL-terminated. */
static BodyBuffer rbuf;

/* What the header callback saw; copied into the response after a transfer. */
typedef struct HeaderState
{
	char		request_id[128];
	char		content_type[128];
	long		retry_after_ms;
} HeaderState;

static HeaderState header_state;

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
write_cb(char *data, size_t size, size_t nmemb, void *userdata)
{
	size_t		n = size * nmemb;

	if (rbuf.len + n + 1 > rbuf.cap)
	{
		size_t		want = Max(Max(rbuf.cap * 2, rbuf.len + n + 1), 65536);

		if (rbuf.len + n + 1 > (size_t) ras_max_response_kb * 1024)
		{
			rbuf.failed = true;
			return 0;
		}
		want = Min(want, (size_t) ras_max_response_kb * 1024 + 1);
		if (!buffer_reserve(&rbuf, want))
			return 0;
	}
	buffer_append(&rbuf, data, n);
	rbuf.data[rbuf.len] = '\0';
	return n;
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
	size_t		len = size * nmemb;
	size_t		off;

	if (len >= 5 && strncmp(line, "HTTP/", 5) == 0)
	{
		/* a new response (after 100-continue or a retry): forget the last */
		memset(&header_state, 0, sizeof(header_state));
		header_state.retry_after_ms = -1;
	}
	else if (header_is(line, len, "x-amzn-RequestId", &off) ||
			 header_is(line, len, "x-amz-request-id", &off))
		copy_header_value(header_state.request_id, sizeof(header_state.request_id),
						  line + off, len - off);
	else if (header_is(line, len, "Content-Type", &off))
		copy_header_value(header_state.content_type, sizeof(header_state.content_type),
						  line + off, len - off);
	else if (header_is(line, len, "Retry-After", &off))
	{
		char		value[32];
		char	   *end;
		double		seconds;

		copy_header_value(value, sizeof(value), line + off, len - off);
		seconds = strtod(value, &end);
		if (end != value && seconds >= 0 && seconds < 86400)
			header_state.retry_after_ms = (long) (seconds * 1000);
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

static CURL *
get_handle(void)
{
	if (curl_handle == NULL)
	{
		if (curl_global_init(CURL_GLOBAL_ALL) != CURLE_OK)
			ereport(ERROR,
					(errcode(ERRCODE_SYSTEM_ERROR),
					 errmsg("could not initialize libcurl")));
		curl_handle = curl_easy_init();
		if (curl_handle == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("could not create a libcurl handle")));
	}
	return curl_handle;
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
reset_response_state(void)
{
	/* one large answer must not keep its memory for the session */
	if (rbuf.cap > RAS_KEEP_BUFFER_BYTES)
	{
		free(rbuf.data);
		rbuf.data = NULL;
		rbuf.cap = 0;
	}
	buffer_reset(&rbuf);
	if (rbuf.data)
		rbuf.data[0] = '\0';
	memset(&header_state, 0, sizeof(header_state));
	header_state.retry_after_ms = -1;
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
finish_response(CURL *h, CURLcode rc, const char *errbuf, RasHttpResponse *resp)
{
	long		nconnects = 0;

	resp->status = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
	if (curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &nconnects) == CURLE_OK)
		connections_opened += nconnects;
	memcpy(resp->request_id, header_state.request_id, sizeof(resp->request_id));
	memcpy(resp->content_type, header_state.content_type, sizeof(resp->content_type));
	resp->retry_after_ms = header_state.retry_after_ms;
	resp->body = rbuf.data ? rbuf.data : "";
	resp->body_len = rbuf.len;
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
static struct curl_slist *
prepare_transfer(CURL *h, const RasHttpRequest *req, char *errbuf,
				 curl_write_callback write_fn)
{
	struct curl_slist *headers;

	curl_easy_reset(h);
	reset_response_state();
	errbuf[0] = '\0';
	headers = header_list(req);

	curl_easy_setopt(h, CURLOPT_URL, req->url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long) ras_connect_timeout_ms);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_fn);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, progress_cb);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	return headers;
}

/* The handle keeps a pointer to the list: detach it before freeing. */
static void
release_headers(CURL *h, struct curl_slist *headers)
{
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(headers);
}

/*
 * One attempt.  All libcurl memory is released before anything here can
 * raise an error or process an interrupt.
 */
/* A request body that can be read once, front to back, and never rewound. */
typedef struct OneWayBody
{
	const char *data;
	size_t		len;
	size_t		sent;
} OneWayBody;

static size_t
read_once_cb(char *buffer, size_t size, size_t nitems, void *userdata)
{
	OneWayBody *body = (OneWayBody *) userdata;
	size_t		n = Min(size * nitems, body->len - body->sent);

	memcpy(buffer, body->data + body->sent, n);
	body->sent += n;
	return n;
}

static void
perform_once(const RasHttpRequest *req, RasHttpResponse *resp)
{
	OneWayBody	upload;
	CURL	   *h = get_handle();
	char		errbuf[CURL_ERROR_SIZE];
	struct curl_slist *headers = prepare_transfer(h, req, errbuf, write_cb);
	CURLcode	rc;

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
		upload.data = req->body;
		upload.len = req->body_len;
		upload.sent = 0;
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) req->body_len);
		curl_easy_setopt(h, CURLOPT_READFUNCTION, read_once_cb);
		curl_easy_setopt(h, CURLOPT_READDATA, &upload);
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

	/* pg_stat_activity shows the backend waiting on the API, not running */
	pgstat_report_wait_start(PG_WAIT_EXTENSION);
	rc = curl_easy_perform(h);
	pgstat_report_wait_end();
	finish_response(h, rc, errbuf, resp);
	release_headers(h, headers);

	/* Only now is it safe to let PostgreSQL act on a pending interrupt. */
	if (rc == CURLE_ABORTED_BY_CALLBACK)
		CHECK_FOR_INTERRUPTS();
	if (rbuf.failed)
	{
		reset_response_state();
		ereport(ERROR,
				(errcode(RAS_SQLSTATE_REMOTE),
				 errmsg("an answer of the Amazon Ads API is larger than ras.max_response_size"),
				 errdetail("The limit is %d kB.", ras_max_response_kb),
				 errhint("Raise ras.max_response_size, or ask for smaller pages.")));
	}
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
			if (resp->status == 500 || resp->status == 502 || resp->status == 504)
				return req->idempotent;
			return false;
	}
	return false;
}

/*
 * After attempt number attempt answered resp: waits and returns true when
 * the request is to be sent again, false when it is not or when the wait
 * would take the time spent waiting (*waited_ms) past ras.retry_max_wait.
 */
static bool
wait_to_retry(const RasHttpRequest *req, const RasHttpResponse *resp, int attempt,
			  long *waited_ms)
{
	long		delay;

	if (req->no_retry || !should_retry(req, resp) || attempt > ras_max_retries)
		return false;
	delay = retry_delay_ms(attempt, resp->outcome == RAS_OK ? resp->retry_after_ms : -1);
	if (*waited_ms + delay > ras_retry_max_wait_ms)
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

		perform_once(req, resp);
		resp->attempts = attempt;
		/* lost answers and 500/502/504 may come after the server acted */
		processed = resp->outcome == RAS_TRANSPORT_UNKNOWN ||
			(resp->outcome == RAS_OK &&
			 (resp->status == 500 || resp->status == 502 || resp->status == 504));
		resp->maybe_processed |= processed;
		if (!wait_to_retry(req, resp, attempt, &waited_ms))
			return;
	}
}

/* Overwrites the last answer: for answers that carry secrets, once read. */
void
ras_http_wipe_response(void)
{
	if (rbuf.data && rbuf.cap > 0)
		explicit_bzero(rbuf.data, rbuf.cap);
	rbuf.len = 0;
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
 * handle keeps the API connection of curl_handle undisturbed.
 */
#define RAS_STREAM_CHUNK	((size_t) 256 * 1024)
#define RAS_STREAM_POLL_MS	100

static CURL *stream_handle = NULL;
static CURLM *stream_multi = NULL;

/* A 2xx body's bytes not yet consumed. */
static BodyBuffer sbuf;
static bool sbuf_paused;		/* the callback asked libcurl to hold data */

static size_t
stream_write_cb(char *data, size_t size, size_t nmemb, void *userdata)
{
	size_t		n = size * nmemb;
	long		status = 0;

	curl_easy_getinfo(stream_handle, CURLINFO_RESPONSE_CODE, &status);
	if (status < 200 || status >= 300)
		return write_cb(data, size, nmemb, userdata);
	if (sbuf.len + n > sbuf.cap)
	{
		if (sbuf.len > 0)
		{
			/* libcurl hands the same data again once unpaused */
			sbuf_paused = true;
			return CURL_WRITEFUNC_PAUSE;
		}
		if (!buffer_reserve(&sbuf, Max(n, RAS_STREAM_CHUNK)))
			return 0;
	}
	buffer_append(&sbuf, data, n);
	return n;
}

static void
get_stream_handles(void)
{
	(void) get_handle();		/* curl_global_init */
	if (stream_multi == NULL)
	{
		stream_multi = curl_multi_init();
		if (stream_multi == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("could not create a libcurl multi handle")));
	}
	if (stream_handle == NULL)
	{
		stream_handle = curl_easy_init();
		if (stream_handle == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("could not create a libcurl handle")));
	}
}

/* One streamed attempt; returns how many body bytes reached the consumer. */
static size_t
stream_once(const RasHttpRequest *req, RasStreamConsumer consume, void *arg,
			RasHttpResponse *resp)
{
	CURL	   *h;
	struct curl_slist *headers;
	char		errbuf[CURL_ERROR_SIZE];
	volatile CURLcode rc = CURLE_OK;
	volatile bool added = false;
	volatile size_t delivered = 0;

	get_stream_handles();
	h = stream_handle;
	buffer_reset(&sbuf);
	sbuf_paused = false;
	headers = prepare_transfer(h, req, errbuf, stream_write_cb);
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
			if (sbuf.len > 0)
			{
				size_t		len = sbuf.len;

				sbuf.len = 0;
				consume(arg, sbuf.data, len);
				delivered += len;
				if (sbuf_paused)
				{
					sbuf_paused = false;
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
		release_headers(h, headers);
	}
	PG_END_TRY();

	finish_response(h, rc, errbuf, resp);
	if (rc == CURLE_ABORTED_BY_CALLBACK)
		CHECK_FOR_INTERRUPTS();
	if (sbuf.failed || rbuf.failed)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory while downloading a file")));
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
