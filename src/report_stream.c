/*
 * report_stream.c
 *     Reads a report file as it downloads: gzip is inflated with zlib and a
 *     small incremental splitter cuts the one JSON array into its elements,
 *     each parsed on its own into a jsonb row.  Memory holds one download
 *     chunk, one inflate window and one row, never the file.
 *
 * The consumer runs in ordinary backend context (http.c calls it between
 * transfer steps, not from a libcurl callback), so it may raise errors; the
 * zlib stream is ended on every path, errors included.
 */
#include "postgres.h"

#include <zlib.h>

#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/fmgrprotos.h"
#include "utils/memutils.h"

#include "ras.h"

#define INFLATE_CHUNK		(64 * 1024)
#define MAX_ROW_BYTES		(16 * 1024 * 1024)

typedef enum SplitPhase
{
	BEFORE_ARRAY,				/* leading whitespace, then '[' */
	BEFORE_ELEMENT,				/* after '[' or ',' */
	IN_ELEMENT,
	AFTER_ARRAY					/* after the closing ']': whitespace only */
} SplitPhase;

typedef enum FileFormat
{
	FORMAT_UNKNOWN,				/* no byte seen yet */
	FORMAT_GZIP,
	FORMAT_PLAIN				/* already decoded on the way */
} FileFormat;

typedef struct ReportReader
{
	/* decoding */
	FileFormat	format;
	z_stream	z;
	bool		z_active;		/* inflateInit2 done, inflateEnd pending */
	bool		z_member_ended; /* the last gzip member is complete */
	unsigned char *window;

	/* splitting */
	SplitPhase	phase;
	bool		after_comma;
	int			depth;
	bool		in_string;
	bool		escaped;
	StringInfoData element;

	/* rows */
	Tuplestorestate *tupstore;
	TupleDesc	tupdesc;
	MemoryContext row_ctx;
	int64		nrows;
} ReportReader;

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

RAS_NORETURN
static void
bad_file(ReportReader *r, const char *what)
{
	ereport(ERROR,
			(errcode(RAS_SQLSTATE_REMOTE),
			 errmsg("could not read the report file: %s", what),
			 errdetail("%lld row(s) were read before the problem.", (long long) r->nrows)));
}

/* One complete array element: a JSON object, to one jsonb row. */
static void
emit_element(ReportReader *r)
{
	MemoryContext old = MemoryContextSwitchTo(r->row_ctx);
	Jsonb	   *row;
	const char *error;
	Datum		value;
	bool		isnull = false;
	int			start = 0;

	while (start < r->element.len && is_space(r->element.data[start]))
		start++;
	if (start == r->element.len || r->element.data[start] != '{')
		bad_file(r, "a row is not a JSON object");
	if (r->nrows >= ras_max_report_rows)
		bad_file(r, psprintf("the file has more rows than ras.max_report_rows (%.0f)",
							 ras_max_report_rows));
	/* the file is UTF-8: the one parser of answers validates and converts it */
	row = ras_json_parse(r->element.data + start, r->element.len - start, &error);
	if (row == NULL)
		bad_file(r, psprintf("row %lld cannot be read: %s", (long long) r->nrows + 1,
							 ras_remote_text(error, strlen(error), RAS_QUOTE_MAX)));
	value = JsonbPGetDatum(row);
	tuplestore_putvalues(r->tupstore, r->tupdesc, &value, &isnull);
	MemoryContextSwitchTo(old);
	MemoryContextReset(r->row_ctx);
	resetStringInfo(&r->element);
	r->nrows++;
	if ((r->nrows & 1023) == 0)
		CHECK_FOR_INTERRUPTS();
}

static void
keep_span(ReportReader *r, const char *data, size_t from, size_t to)
{
	if (to <= from)
		return;
	if ((size_t) r->element.len + (to - from) > MAX_ROW_BYTES)
		bad_file(r, "a row is larger than 16 MB");
	appendBinaryStringInfo(&r->element, data + from, (int) (to - from));
}

/* Feeds decoded JSON text to the splitter. */
static void
split(ReportReader *r, const char *data, size_t len)
{
	size_t		span = 0;		/* start of the element bytes not yet kept */

	for (size_t i = 0; i < len; i++)
	{
		char		c = data[i];

		switch (r->phase)
		{
			case BEFORE_ARRAY:
				if (c == '[')
					r->phase = BEFORE_ELEMENT;
				else if (!is_space(c))
					bad_file(r, "it is not a JSON array");
				break;
			case BEFORE_ELEMENT:
				if (is_space(c))
					break;
				if (c == ']' && !r->after_comma)
				{
					r->phase = AFTER_ARRAY;
					break;
				}
				if (c == ']' || c == ',')
					bad_file(r, "the JSON array has an empty element");
				r->phase = IN_ELEMENT;
				r->depth = 0;
				r->in_string = false;
				r->escaped = false;
				span = i;
				/* FALLTHROUGH */
			case IN_ELEMENT:
				if (r->in_string)
				{
					if (r->escaped)
						r->escaped = false;
					else if (c == '\\')
						r->escaped = true;
					else if (c == '"')
						r->in_string = false;
				}
				else if (c == '"')
					r->in_string = true;
				else if (c == '{' || c == '[')
					r->depth++;
				else if ((c == '}' || c == ']') && r->depth > 0)
					r->depth--;
				else if ((c == ',' || c == ']') && r->depth == 0)
				{
					keep_span(r, data, span, i);
					emit_element(r);
					r->after_comma = c == ',';
					r->phase = c == ',' ? BEFORE_ELEMENT : AFTER_ARRAY;
				}
				else if (c == '}')
					bad_file(r, "unbalanced braces");
				break;
			case AFTER_ARRAY:
				if (!is_space(c))
					bad_file(r, "unexpected data after the JSON array");
				break;
		}
	}
	if (r->phase == IN_ELEMENT)
		keep_span(r, data, span, len);
}

static void
inflate_into_splitter(ReportReader *r, const char *data, size_t len)
{
	r->z.next_in = (Bytef *) data;
	r->z.avail_in = (uInt) len;
	while (r->z.avail_in > 0)
	{
		int			rc;

		if (r->z_member_ended)
		{
			/* another gzip member follows (concatenated files are valid gzip) */
			if (inflateReset(&r->z) != Z_OK)
				bad_file(r, "corrupt gzip data");
			r->z_member_ended = false;
		}
		r->z.next_out = r->window;
		r->z.avail_out = INFLATE_CHUNK;
		rc = inflate(&r->z, Z_NO_FLUSH);
		if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
			bad_file(r, r->z.msg ? r->z.msg : "corrupt gzip data");
		split(r, (const char *) r->window, INFLATE_CHUNK - r->z.avail_out);
		if (rc == Z_STREAM_END)
			r->z_member_ended = true;
		else if (rc == Z_BUF_ERROR)
			break;
	}
}

/* The download's consumer: bytes as they arrive. */
static void
consume(void *arg, const char *data, size_t len)
{
	ReportReader *r = (ReportReader *) arg;

	if (r->format == FORMAT_UNKNOWN && len > 0)
	{
		/* gzip starts with 1f 8b; JSON never starts with 0x1f */
		if ((unsigned char) data[0] == 0x1f)
		{
			memset(&r->z, 0, sizeof(r->z));
			if (inflateInit2(&r->z, 15 + 16) != Z_OK)
				ereport(ERROR,
						(errcode(ERRCODE_OUT_OF_MEMORY),
						 errmsg("could not start decompressing the report file")));
			r->z_active = true;
			r->format = FORMAT_GZIP;
		}
		else
			r->format = FORMAT_PLAIN;
	}
	if (r->format == FORMAT_GZIP)
		inflate_into_splitter(r, data, len);
	else
		split(r, data, len);
}

/*
 * Downloads the report file at url (a pre-signed storage URL: no Amazon
 * headers) into tupstore, one jsonb per row.  Returns false, with resp
 * describing the answer, when storage refused before sending any data (an
 * expired URL answers 4xx); true once every row is stored.
 */
bool
ras_report_fetch(const char *url, Tuplestorestate *tupstore, TupleDesc tupdesc,
				 int64 *nrows, RasHttpResponse *resp)
{
	ReportReader r;
	RasHttpRequest req = {0};

	memset(&r, 0, sizeof(r));
	r.phase = BEFORE_ARRAY;
	r.tupstore = tupstore;
	r.tupdesc = tupdesc;
	r.window = palloc(INFLATE_CHUNK);
	r.row_ctx = AllocSetContextCreate(CurrentMemoryContext, "ras report row",
									  ALLOCSET_DEFAULT_SIZES);
	initStringInfo(&r.element);

	req.method = "GET";
	req.url = url;
	req.idempotent = true;

	PG_TRY();
	{
		ras_http_stream(&req, consume, &r, resp);
	}
	PG_FINALLY();
	{
		if (r.z_active)
			inflateEnd(&r.z);
	}
	PG_END_TRY();

	MemoryContextDelete(r.row_ctx);
	*nrows = r.nrows;
	if (resp->outcome != RAS_OK)
		ereport(ERROR,
				(errcode(RAS_SQLSTATE_TRANSPORT),
				 errmsg("could not download the report file: %s",
						ras_remote_text(resp->error_text, strlen(resp->error_text),
										RAS_QUOTE_MAX)),
				 errdetail("%lld row(s) were read before the transfer broke off.",
						   (long long) r.nrows)));
	if (resp->status < 200 || resp->status >= 300)
		return false;
	if (r.format == FORMAT_GZIP && !r.z_member_ended)
		bad_file(&r, "the gzip data is truncated");
	if (r.phase != AFTER_ARRAY)
		bad_file(&r, r.format == FORMAT_UNKNOWN ? "the file is empty" :
				 "the JSON array is truncated");
	return true;
}
