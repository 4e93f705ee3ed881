/*
 * budget.c
 *     One request budget per (API host, scope, family), shared by every
 *     backend when ras is preloaded.
 *
 * Amazon throttles per profile (or account) and ad product, dynamically and
 * without publishing the limits.  Each bucket is a token bucket whose rate
 * adapts: a 429 lowers it (multiplicative decrease) and pauses the bucket
 * for the answer's Retry-After, a success raises it a little (additive
 * increase), never above ras.max_requests_per_second.  The decrease is
 * gentle (to 0.85 of the rate) and the increase slow (about one request per
 * second more per ten seconds of success), so that against a fixed limit the
 * rate settles just under it: few 429s, little of the budget left unused.
 *
 * With shared_preload_libraries = 'ras' the buckets live in shared memory,
 * so one session's 429 slows every session drawing on that bucket, and a
 * new session starts from what the others learnt.  Without it each backend
 * keeps its own buckets and everything else works the same.
 */
#include "postgres.h"

#include <math.h>

#include "funcapi.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "ras.h"

#define RAS_MAX_BUCKETS		1024
#define RAS_DECREASE		0.85	/* rate kept after a 429 */
#define RAS_INCREASE		0.1		/* requests/s gained per second of success */
#define RAS_MIN_RATE		0.2		/* requests/s: never slower than this */

typedef struct BucketKey
{
	char		host[64];
	char		scope[64];
	char		family[16];
} BucketKey;

typedef struct Bucket
{
	BucketKey	key;
	double		rate;			/* requests per second allowed now */
	double		tokens;
	TimestampTz refilled_at;
	TimestampTz paused_until;	/* a Retry-After in force */
	int64		requests;
	int64		throttled;
	long		last_retry_after_ms;
	TimestampTz last_throttled_at;
	/* successes per second, to learn the limit from the first 429 */
	TimestampTz window_start;
	int			window_ok;
	int			last_window_ok;
	int			window_throttled;	/* 429s in the current second */
	TimestampTz used_at;		/* last taken from or told of: the least recent goes first */
} Bucket;

static HTAB *shared_buckets = NULL;
static LWLock *budget_lock = NULL;
static HTAB *local_buckets = NULL;
static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

static void
budget_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(hash_estimate_size(RAS_MAX_BUCKETS, sizeof(Bucket)));
	RequestNamedLWLockTranche("ras budget", 1);
}

static void
budget_shmem_startup(void)
{
	HASHCTL		ctl;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	ctl.keysize = sizeof(BucketKey);
	ctl.entrysize = sizeof(Bucket);
	/* fixed: the buckets never take shared memory that others count on */
	shared_buckets = ShmemInitHash("ras request budget", RAS_MAX_BUCKETS, RAS_MAX_BUCKETS,
								   &ctl, HASH_ELEM | HASH_BLOBS | HASH_FIXED_SIZE);
	budget_lock = &(GetNamedLWLockTranche("ras budget"))->lock;
	LWLockRelease(AddinShmemInitLock);
}

/* From _PG_init: shared buckets when loaded by shared_preload_libraries. */
void
ras_budget_init(void)
{
	if (!process_shared_preload_libraries_in_progress)
		return;
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = budget_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = budget_shmem_startup;
}

bool
ras_budget_shared(void)
{
	return shared_buckets != NULL;
}

static HTAB *
buckets(void)
{
	if (shared_buckets)
		return shared_buckets;
	if (local_buckets == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(BucketKey);
		ctl.entrysize = sizeof(Bucket);
		ctl.hcxt = TopMemoryContext;
		local_buckets = hash_create("ras request budget", 64, &ctl,
									HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	return local_buckets;
}

static void
lock(void)
{
	if (budget_lock)
		LWLockAcquire(budget_lock, LW_EXCLUSIVE);
}

static void
unlock(void)
{
	if (budget_lock)
		LWLockRelease(budget_lock);
}

static void
make_key(BucketKey *key, const char *host, const char *scope, const char *family)
{
	memset(key, 0, sizeof(*key));
	strlcpy(key->host, host ? host : "", sizeof(key->host));
	strlcpy(key->scope, scope ? scope : "-", sizeof(key->scope));
	strlcpy(key->family, family ? family : "", sizeof(key->family));
}

/*
 * Makes room for one more bucket: the one used least recently goes (it has
 * refilled long since, so little is lost).  Lock held.
 */
static void
evict_least_recent(HTAB *h)
{
	HASH_SEQ_STATUS status;
	Bucket	   *b;
	Bucket	   *oldest = NULL;

	hash_seq_init(&status, h);
	while ((b = hash_seq_search(&status)) != NULL)
		if (oldest == NULL || b->used_at < oldest->used_at)
			oldest = b;
	if (oldest != NULL)
		(void) hash_search(h, &oldest->key, HASH_REMOVE, NULL);
}

/*
 * The bucket of key, made when new; lock held.  At most RAS_MAX_BUCKETS
 * exist, in shared memory or in this backend: an agency's thousands of
 * profiles take the room of the ones used least recently.
 */
static Bucket *
bucket(const BucketKey *key, TimestampTz now)
{
	HTAB	   *h = buckets();
	bool		found;
	Bucket	   *b = hash_search(h, key, HASH_FIND, &found);

	if (b == NULL)
	{
		if (hash_get_num_entries(h) >= RAS_MAX_BUCKETS)
			evict_least_recent(h);
		/* a table in shared memory is fixed in size; the one in this backend grows */
		b = hash_search(h, key, h == shared_buckets ? HASH_ENTER_NULL : HASH_ENTER, &found);
		if (b == NULL)
			return NULL;
		b->rate = ras_max_requests_per_second;
		b->tokens = Max(1.0, Min(b->rate / 2, 10.0));
		b->refilled_at = now;
		b->paused_until = 0;
		b->requests = b->throttled = 0;
		b->last_retry_after_ms = -1;
		b->last_throttled_at = 0;
		b->window_start = now;
		b->window_ok = b->last_window_ok = 0;
		b->window_throttled = 0;
	}
	/* backends read the clock before taking the lock: never step back */
	b->used_at = Max(b->used_at, now);
	return b;
}

/*
 * Takes a request's token from its bucket: 0 when taken, else how many
 * milliseconds until one will be there.  Never blocks.
 */
long
ras_budget_take(const char *host, const char *scope, const char *family)
{
	BucketKey	key;
	TimestampTz now = GetCurrentTimestamp();
	Bucket	   *b;
	long		wait_ms = 0;

	make_key(&key, host, scope, family);
	lock();
	b = bucket(&key, now);
	if (b != NULL)
	{
		/* another backend may have refilled after this one read the clock */
		double		elapsed = Max(0, now - b->refilled_at) / 1000000.0;
		/* a small burst: the limit is learnt from 429s, not from a flood */
		double		capacity = Max(1.0, Min(b->rate / 2, 10.0));

		b->rate = Min(b->rate, (double) ras_max_requests_per_second);
		if (b->paused_until > now)
			wait_ms = (long) ((b->paused_until - now) / 1000) + 1;
		else
		{
			b->tokens = Min(capacity, b->tokens + elapsed * b->rate);
			b->refilled_at = Max(b->refilled_at, now);
			if (b->tokens >= 1)
			{
				b->tokens -= 1;
				b->requests++;
			}
			else
				wait_ms = (long) ceil((1 - b->tokens) / b->rate * 1000);
		}
	}
	unlock();
	return wait_ms;
}

/* What an answer says about the budget: 429 slows the bucket, success speeds it. */
void
ras_budget_result(const char *host, const char *scope, const char *family, long status,
				  long retry_after_ms)
{
	BucketKey	key;
	TimestampTz now = GetCurrentTimestamp();
	Bucket	   *b;

	make_key(&key, host, scope, family);
	lock();
	b = bucket(&key, now);
	if (b != NULL && now - b->window_start >= USECS_PER_SEC)
	{
		b->last_window_ok = now - b->window_start < 2 * USECS_PER_SEC ? b->window_ok : 0;
		b->window_ok = 0;
		b->window_throttled = 0;
		b->window_start = now;
	}
	if (b != NULL && status == 429)
	{
		double		seen = Max(b->last_window_ok, b->window_ok);

		b->throttled++;
		b->window_throttled++;
		b->last_throttled_at = now;
		b->last_retry_after_ms = retry_after_ms;

		/*
		 * One multiplicative decrease per burst of 429s (those in flight saw
		 * the old rate).  A lone 429 may be noise; when several come within
		 * a second the bucket is over the limit, and the limit is about what
		 * was seen to succeed: the rate goes a little under that at once.
		 */
		if (b->paused_until <= now)
			b->rate = Max(RAS_MIN_RATE, b->rate * RAS_DECREASE);
		if (b->window_throttled == 2 && seen > 0)
			b->rate = Max(RAS_MIN_RATE, Min(b->rate, seen * 0.95));
		if (retry_after_ms > 0)
			b->paused_until = Max(b->paused_until,
								  TimestampTzPlusMilliseconds(now, Min(retry_after_ms, 60000)));
		b->tokens = 0;
	}
	else if (b != NULL && status >= 200 && status < 400)
	{
		b->window_ok++;
		b->rate = Min((double) ras_max_requests_per_second,
					  b->rate + RAS_INCREASE / Max(b->rate, 1.0));
	}
	unlock();
}

/*
 * How long a request may wait for its budget now: what the bucket asks
 * (wait_ms), counted in *waited_ms, the time the request has spent waiting,
 * which ras.retry_max_wait bounds.  0 once that is spent: the request goes
 * anyway, and the API's own answer decides.
 */
long
ras_budget_bounded(long wait_ms, long *waited_ms)
{
	if (wait_ms <= 0 || *waited_ms >= ras_retry_max_wait_ms)
		return 0;
	wait_ms = Min(wait_ms, ras_retry_max_wait_ms - *waited_ms);
	*waited_ms += wait_ms;
	return wait_ms;
}

/* Waits (cancellably) until the bucket has a token for this request, bounded as above. */
void
ras_budget_wait(const char *host, const char *scope, const char *family, long *waited_ms)
{
	long		wait_ms;

	while ((wait_ms = ras_budget_bounded(ras_budget_take(host, scope, family), waited_ms)) > 0)
		ras_sleep_ms(wait_ms);
}

/* ras.rate_limits(): the buckets, for the view of the same name. */
PG_FUNCTION_INFO_V1(ras_rate_limits);

Datum
ras_rate_limits(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Tuplestorestate *ts = ras_srf_begin(fcinfo, &tupdesc);
	HASH_SEQ_STATUS status;
	Bucket	   *b;
	List	   *copies = NIL;
	ListCell   *lc;

	/* copy under the lock, form rows after it */
	lock();
	hash_seq_init(&status, buckets());
	while ((b = hash_seq_search(&status)) != NULL)
	{
		Bucket	   *copy = palloc(sizeof(Bucket));

		memcpy(copy, b, sizeof(Bucket));
		copies = lappend(copies, copy);
	}
	unlock();

	foreach(lc, copies)
	{
		Datum		values[10];
		bool		nulls[10] = {0};

		b = lfirst(lc);
		values[0] = CStringGetTextDatum(b->key.host);
		values[1] = CStringGetTextDatum(b->key.scope);
		values[2] = CStringGetTextDatum(b->key.family);
		values[3] = Float8GetDatum(round(b->rate * 100) / 100);
		values[4] = Int64GetDatum(b->requests);
		values[5] = Int64GetDatum(b->throttled);
		values[6] = Int32GetDatum((int32) b->last_retry_after_ms);
		nulls[6] = b->last_retry_after_ms < 0;
		values[7] = TimestampTzGetDatum(b->last_throttled_at);
		nulls[7] = b->last_throttled_at == 0;
		values[8] = TimestampTzGetDatum(b->paused_until);
		nulls[8] = b->paused_until <= GetCurrentTimestamp();
		values[9] = BoolGetDatum(shared_buckets != NULL);
		tuplestore_putvalues(ts, tupdesc, values, nulls);
	}
	return (Datum) 0;
}
