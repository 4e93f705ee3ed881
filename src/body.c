/*
 * body.c
 *     A small streaming writer for request bodies.  Bodies are built
 *     straight into a StringInfo: no tree, no second serialization.
 */
#include "postgres.h"

#include "utils/json.h"

#include "ras.h"

static void
separate(RasBody *b)
{
	if (b->need_comma)
		appendStringInfoChar(&b->buf, ',');
	b->need_comma = true;
}

void
ras_body_begin(RasBody *b)
{
	initStringInfo(&b->buf);
	appendStringInfoChar(&b->buf, '{');
	b->need_comma = false;
}

/* A key: the value that follows belongs to it and needs no separator. */
void
ras_body_key(RasBody *b, const char *key)
{
	separate(b);
	escape_json(&b->buf, key);
	appendStringInfoChar(&b->buf, ':');
	b->need_comma = false;
}

void
ras_body_string(RasBody *b, const char *value)
{
	separate(b);
	escape_json(&b->buf, value);
}

void
ras_body_raw(RasBody *b, const char *json)
{
	separate(b);
	appendStringInfoString(&b->buf, json);
}

void
ras_body_int(RasBody *b, int64 value)
{
	separate(b);
	appendStringInfo(&b->buf, INT64_FORMAT, value);
}

void
ras_body_open(RasBody *b, char bracket)
{
	separate(b);
	appendStringInfoChar(&b->buf, bracket);
	b->need_comma = false;
}

void
ras_body_close(RasBody *b, char bracket)
{
	appendStringInfoChar(&b->buf, bracket);
	b->need_comma = true;
}

void
ras_body_string_array(RasBody *b, Datum *values, bool *nulls, int n)
{
	ras_body_open(b, '[');
	for (int i = 0; i < n; i++)
		ras_body_string(b, ras_text_cstring(values[i]));
	ras_body_close(b, ']');
}

char *
ras_body_end(RasBody *b)
{
	appendStringInfoChar(&b->buf, '}');
	return b->buf.data;
}
