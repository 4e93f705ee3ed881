/*
 * report_jobs.c
 *     The ras.report_jobs table, through SPI: every report requested or
 *     looked at is a row, keyed by Amazon's report id and labelled with a
 *     hash of its configuration (server, profile and request body), so that
 *     asking again for the same thing finds the pending or recent report to
 *     reuse.  Also the session's cache of download URLs, per user mapping.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/cryptohash.h"
#include "common/sha2.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "report.h"

#define URL_CACHE_SIZE		16
#define URL_CACHE_MAX_AGE_MS (50 * 60 * 1000)	/* URLs live about an hour */

/*
 * The SQL below names every type, function and operator with its schema
 * (OPERATOR(pg_catalog.=), pg_catalog.date): whatever the caller's
 * search_path, nothing of the caller's own can stand in for them.
 */
#define UNFINISHED "'{PENDING,PROCESSING}'::pg_catalog.text[]"
/*
 * Every statement names the calling role's own rows: row-level security keeps
 * other roles out, and this keeps a superuser (whom it does not bind) to its
 * own jobs as well.
 */
#define OWN_ROW "requested_by OPERATOR(pg_catalog.=) CURRENT_USER"

/* The configuration hash: same server, profile and request, same report. */
char *
ras_job_config_hash(const char *server, const char *profile_id, const char *body)
{
	pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_SHA256);
	uint8		digest[PG_SHA256_DIGEST_LENGTH];
	char	   *hex = palloc(PG_SHA256_DIGEST_LENGTH * 2 + 1);

	if (ctx == NULL || pg_cryptohash_init(ctx) < 0 ||
		pg_cryptohash_update(ctx, (const uint8 *) server, strlen(server) + 1) < 0 ||
		pg_cryptohash_update(ctx, (const uint8 *) profile_id, strlen(profile_id) + 1) < 0 ||
		pg_cryptohash_update(ctx, (const uint8 *) body, strlen(body)) < 0 ||
		pg_cryptohash_final(ctx, digest, sizeof(digest)) < 0)
	{
		pg_cryptohash_free(ctx);
		elog(ERROR, "could not compute a SHA-256 hash");
	}
	pg_cryptohash_free(ctx);
	for (int i = 0; i < PG_SHA256_DIGEST_LENGTH; i++)
		sprintf(hex + 2 * i, "%02x", digest[i]);
	return hex;
}

/* Runs one statement on ras.report_jobs with text parameters (NULL: SQL NULL). */
static void
job_sql(const char *sql, int nargs, const char **args, int expected)
{
	Oid			types[16];
	Datum		values[16];
	char		nulls[16];
	int			rc;

	Assert(nargs <= lengthof(types));
	for (int i = 0; i < nargs; i++)
	{
		types[i] = TEXTOID;
		values[i] = args[i] ? CStringGetTextDatum(args[i]) : (Datum) 0;
		nulls[i] = args[i] ? ' ' : 'n';
	}
	rc = SPI_execute_with_args(sql, nargs, types, values, nulls, false, 0);
	if (rc != expected)
		elog(ERROR, "could not update ras.report_jobs: %s", SPI_result_code_string(rc));
}

/*
 * job_sql in an SPI connection of its own.  Returns the first ncols values
 * of the first row as text (NULL for SQL NULL) in the caller's memory
 * context; NULL when there is no row or ncols is 0.
 */
static char **
job_run(const char *sql, int nargs, const char **args, int expected, int ncols)
{
	MemoryContext caller = CurrentMemoryContext;
	char	  **row = NULL;

	SPI_connect();
	job_sql(sql, nargs, args, expected);
	if (ncols > 0 && SPI_processed > 0)
	{
		row = MemoryContextAllocZero(caller, sizeof(char *) * ncols);
		for (int i = 0; i < ncols; i++)
		{
			char	   *v = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, i + 1);

			row[i] = v ? MemoryContextStrdup(caller, v) : NULL;
		}
	}
	SPI_finish();
	return row;
}

/* Records a report ras has just requested (or adopted). */
void
ras_job_insert(const ReportPiece *p, const char *server, const char *profile_id)
{
	const char *args[] = {
		p->report_id, p->hash, p->report_type, p->time_unit, p->start_date, p->end_date,
		p->configuration, p->status, server, profile_id
	};

	job_run("INSERT INTO ras.report_jobs AS j (report_id, config_hash, report_type, time_unit,"
			" start_date, end_date, configuration, status, server, profile_id)"
			" VALUES ($1, $2, $3, $4, $5::pg_catalog.date, $6::pg_catalog.date,"
			" $7::pg_catalog.jsonb, $8, $9, $10)"
			" ON CONFLICT (report_id, requested_by) DO UPDATE SET config_hash = EXCLUDED.config_hash,"
			" updated_at = pg_catalog.now()",
			lengthof(args), args, SPI_OK_INSERT, 0);
}

/* The newest report of this configuration that may be reused, or NULL. */
char *
ras_job_reusable(const char *hash, long max_age_ms)
{
	const char *args[] = {hash, psprintf("%ld milliseconds", max_age_ms)};
	char	  **row;

	row = job_run("SELECT report_id FROM ras.report_jobs"
				  " WHERE config_hash OPERATOR(pg_catalog.=) $1 AND " OWN_ROW
				  " AND (status OPERATOR(pg_catalog.=) ANY (" UNFINISHED ")"
				  " OR (status OPERATOR(pg_catalog.=) 'COMPLETED'"
				  " AND requested_at OPERATOR(pg_catalog.>)"
				  " (pg_catalog.now() OPERATOR(pg_catalog.-) $2::pg_catalog.interval)))"
				  " ORDER BY requested_at DESC LIMIT 1",
				  lengthof(args), args, SPI_OK_SELECT, 1);
	return row ? row[0] : NULL;
}

/* Server and profile a known report lives in; false when ras did not record it. */
bool
ras_job_location(const char *report_id, char **server, char **profile_id)
{
	const char *args[] = {report_id};
	char	  **row;

	row = job_run("SELECT server, profile_id FROM ras.report_jobs"
				  " WHERE report_id OPERATOR(pg_catalog.=) $1 AND " OWN_ROW,
				  lengthof(args), args, SPI_OK_SELECT, 2);
	if (row == NULL)
		return false;
	*server = row[0];
	*profile_id = row[1];
	return true;
}

/* Records what a status answer says. */
void
ras_job_save_status(const ReportRef *r)
{
	char	   *configuration = r->configuration ?
		DatumGetCString(DirectFunctionCall1(jsonb_out, JsonbPGetDatum(r->configuration))) : NULL;
	const char *args[] = {
		r->report_id, r->report_type, r->start_date, r->end_date, configuration,
		r->status, r->failure_reason, r->file_size, r->conn->server_name, r->profile_id
	};

	job_run("INSERT INTO ras.report_jobs AS j (report_id, report_type, time_unit, start_date,"
			" end_date, configuration, status, failure_reason, file_size, server, profile_id,"
			" completed_at)"
			" VALUES ($1, $2, $5::pg_catalog.jsonb OPERATOR(pg_catalog.->>) 'timeUnit',"
			" $3::pg_catalog.date, $4::pg_catalog.date, $5::pg_catalog.jsonb, $6, $7,"
			" $8::pg_catalog.numeric::pg_catalog.int8, $9, $10,"
			" CASE WHEN $6 OPERATOR(pg_catalog.<>) ALL (" UNFINISHED ") THEN pg_catalog.now() END)"
			" ON CONFLICT (report_id, requested_by) DO UPDATE SET status = EXCLUDED.status,"
			" failure_reason = EXCLUDED.failure_reason, file_size = EXCLUDED.file_size,"
			" updated_at = pg_catalog.now(),"
			" completed_at = CASE WHEN EXCLUDED.status OPERATOR(pg_catalog.<>) ALL (" UNFINISHED ")"
			" THEN coalesce(j.completed_at, pg_catalog.now()) END",
			lengthof(args), args, SPI_OK_INSERT, 0);
}

/*
 * Records a final status ras decides itself.  A report ras cancelled stays
 * CANCELLED when Amazon later forgets it.
 */
void
ras_job_mark_status(ReportRef *r, const char *status)
{
	const char *args[] = {r->report_id, status};
	char	  **row;

	row = job_run("UPDATE ras.report_jobs SET updated_at = pg_catalog.now(),"
				  " status = CASE WHEN status OPERATOR(pg_catalog.=) 'CANCELLED'"
				  " AND $2 OPERATOR(pg_catalog.=) 'NOT_FOUND' THEN status ELSE $2 END,"
				  " completed_at = coalesce(completed_at, pg_catalog.now())"
				  " WHERE report_id OPERATOR(pg_catalog.=) $1 AND " OWN_ROW " RETURNING status",
				  lengthof(args), args, SPI_OK_UPDATE_RETURNING, 1);
	r->status = row && row[0] ? row[0] : pstrdup(status);
}

/* Puts the ras.report_jobs rows of refs, in their order, into the SRF's result. */
void
ras_job_return_rows(FunctionCallInfo fcinfo, List *refs)
{
	TupleDesc	tupdesc;
	Tuplestorestate *ts = ras_srf_begin(fcinfo, &tupdesc);
	ListCell   *lc;

	foreach(lc, refs)
	{
		const char *args[] = {((ReportRef *) lfirst(lc))->report_id};

		SPI_connect();
		job_sql("SELECT * FROM ras.report_jobs WHERE report_id OPERATOR(pg_catalog.=) $1"
				" AND " OWN_ROW,
				1, args, SPI_OK_SELECT);
		if (SPI_processed > 0)
			tuplestore_puttuple(ts, SPI_tuptable->vals[0]);
		SPI_finish();
	}
}

/*
 * ----- the session's download URLs: reused until they fail or grow old -----
 *
 * A pre-signed URL needs no credentials, so each is kept for the user mapping
 * whose credentials fetched it: after SET ROLE, a role with another mapping
 * asks Amazon itself (and its credentials are checked) instead of reusing
 * them.  Any change to a user mapping drops them all, as it drops the access
 * tokens (auth.c).
 */

typedef struct CachedUrl
{
	Oid			umid;			/* user mapping that fetched it */
	char		report_id[RAS_REPORT_ID_MAX + 1];
	char	   *url;			/* TopMemoryContext; NULL: free slot */
	TimestampTz stored;
} CachedUrl;

static CachedUrl url_cache[URL_CACHE_SIZE];
static bool url_callback_registered = false;

static void
drop_url(CachedUrl *c)
{
	pfree(c->url);
	c->url = NULL;
}

static void
invalidate_urls(Datum arg, int cacheid, uint32 hashvalue)
{
	for (int i = 0; i < URL_CACHE_SIZE; i++)
		if (url_cache[i].url)
			drop_url(&url_cache[i]);
}

static CachedUrl *
cached_url(Oid umid, const char *report_id)
{
	for (int i = 0; i < URL_CACHE_SIZE; i++)
		if (url_cache[i].url && url_cache[i].umid == umid &&
			strcmp(url_cache[i].report_id, report_id) == 0)
			return &url_cache[i];
	return NULL;
}

/* Drops the report's URLs, whoever fetched them: storage refused one, or it is cancelled. */
void
ras_job_url_forget(const char *report_id)
{
	for (int i = 0; i < URL_CACHE_SIZE; i++)
		if (url_cache[i].url && strcmp(url_cache[i].report_id, report_id) == 0)
			drop_url(&url_cache[i]);
}

/* Keeps a URL fetched with the user mapping umid. */
void
ras_job_url_remember(Oid umid, const char *report_id, const char *url)
{
	CachedUrl  *slot;

	if (strlen(report_id) > RAS_REPORT_ID_MAX)
		return;
	if (!url_callback_registered)
	{
		CacheRegisterSyscacheCallback(USERMAPPINGOID, invalidate_urls, (Datum) 0);
		url_callback_registered = true;
	}
	slot = cached_url(umid, report_id);
	if (slot == NULL)
	{
		slot = &url_cache[0];
		for (int i = 0; i < URL_CACHE_SIZE; i++)
		{
			if (url_cache[i].url == NULL)
			{
				slot = &url_cache[i];
				break;
			}
			if (url_cache[i].stored < slot->stored)
				slot = &url_cache[i];
		}
	}
	if (slot->url)
		drop_url(slot);
	slot->umid = umid;
	strlcpy(slot->report_id, report_id, sizeof(slot->report_id));
	slot->url = MemoryContextStrdup(TopMemoryContext, url);
	slot->stored = GetCurrentTimestamp();
}

/*
 * A copy of the report's download URL fetched with umid while it is young
 * enough to work, or NULL.
 */
char *
ras_job_url(Oid umid, const char *report_id)
{
	CachedUrl  *c = cached_url(umid, report_id);

	if (c == NULL)
		return NULL;
	if (TimestampDifferenceExceeds(c->stored, GetCurrentTimestamp(), URL_CACHE_MAX_AGE_MS))
	{
		drop_url(c);
		return NULL;
	}
	return pstrdup(c->url);
}
