/*
 * jsonparse.c
 *     A test module, never installed: exposes ras_json_parse (src/json.c and
 *     json_fast.c, the parser every API answer goes through) and
 *     ras_jsonb_text (src/body.c, the writer of request bodies) to SQL, so
 *     that corpus.sql can compare them with PostgreSQL's own jsonb.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "ras.h"

PG_MODULE_MAGIC;

/* json.c quotes bad answers through the scrubber; the test needs no scrubbing */
char *
ras_printable_excerpt(const char *body, size_t len)
{
	return pnstrdup(body, len);
}

/* body.c's text arrays (not used here) take their strings from util.c */
char *
ras_text_cstring(Datum d)
{
	return TextDatumGetCString(d);
}

PG_FUNCTION_INFO_V1(ras_test_json_parse);

/* ras_test_json_parse(text) -> jsonb, or an error carrying the parser's words */
Datum
ras_test_json_parse(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	const char *why;
	Jsonb	   *doc = ras_json_parse(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), &why);

	if (doc == NULL)
		ereport(ERROR, (errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
						errmsg("ras_json_parse: %s", why)));
	PG_RETURN_JSONB_P(doc);
}

PG_FUNCTION_INFO_V1(ras_test_jsonb_text);

/* ras_test_jsonb_text(jsonb) -> text: the compact text request bodies are made of */
Datum
ras_test_jsonb_text(PG_FUNCTION_ARGS)
{
	Jsonb	   *doc = PG_GETARG_JSONB_P(0);

	PG_RETURN_TEXT_P(cstring_to_text(ras_jsonb_text(&doc->root)));
}
