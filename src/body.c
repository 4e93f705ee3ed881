/*
 * body.c
 *     A small streaming writer for request bodies.  Bodies are built
 *     straight into a StringInfo: no tree, no second serialization.
 */
#include "postgres.h"

#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "ras.h"

/*
 * s as a JSON string, copying the runs that need no escape whole (the same
 * text as escape_json, which goes a character at a time: the items of a
 * large create spent a fifth of their time there).
 */
static void
write_string(StringInfo out, const char *s, int len)
{
	static const char escaped[] = "\"\\\b\f\n\r\t";
	static const char escape_letter[] = "\"\\bfnrt";
	const char *end = s + len;
	const char *named;

	appendStringInfoCharMacro(out, '"');
	while (s < end)
	{
		const char *run = s;
		unsigned char c;

		while (s < end && (unsigned char) *s >= 0x20 && *s != '"' && *s != '\\')
			s++;
		appendBinaryStringInfo(out, run, s - run);
		if (s >= end)
			break;
		c = (unsigned char) *s++;
		/* the short escapes where JSON has one, \u00XX for other control characters */
		named = c != '\0' ? strchr(escaped, c) : NULL;
		if (named != NULL)
		{
			appendStringInfoCharMacro(out, '\\');
			appendStringInfoCharMacro(out, escape_letter[named - escaped]);
		}
		else
			appendStringInfo(out, "\\u%04x", c);
	}
	appendStringInfoCharMacro(out, '"');
}

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
static void
key_n(RasBody *b, const char *key, int len)
{
	separate(b);
	write_string(&b->buf, key, len);
	appendStringInfoChar(&b->buf, ':');
	b->need_comma = false;
}

static void
string_n(RasBody *b, const char *value, int len)
{
	separate(b);
	write_string(&b->buf, value, len);
}

void
ras_body_key(RasBody *b, const char *key)
{
	key_n(b, key, strlen(key));
}

void
ras_body_string(RasBody *b, const char *value)
{
	string_n(b, value, strlen(value));
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

/*
 * A jsonb value as the next value of the body, compact.  members_only: an
 * object's members only, into the object the body has open (an item with
 * members of its own put first).
 */
void
ras_body_jsonb(RasBody *b, JsonbContainer *c, bool members_only)
{
	JsonbIterator *it = JsonbIteratorInit(c);
	JsonbValue	v;
	JsonbIteratorToken tok;
	int			depth = 0;
	bool		raw = false;	/* a scalar document: jsonb wraps it in an array */

	while ((tok = JsonbIteratorNext(&it, &v, false)) != WJB_DONE)
	{
		bool		written;

		switch (tok)
		{
			case WJB_BEGIN_ARRAY:
			case WJB_BEGIN_OBJECT:
				if (depth == 0)
					raw = tok == WJB_BEGIN_ARRAY && v.val.array.rawScalar;
				/* neither a scalar's array nor, with members_only, the root is written */
				written = depth > 0 || !(raw || members_only);
				if (written)
					ras_body_open(b, tok == WJB_BEGIN_ARRAY ? '[' : '{');
				depth++;
				break;
			case WJB_END_ARRAY:
			case WJB_END_OBJECT:
				depth--;
				written = depth > 0 || !(raw || members_only);
				if (written)
					ras_body_close(b, tok == WJB_END_ARRAY ? ']' : '}');
				break;
			case WJB_KEY:
				key_n(b, v.val.string.val, v.val.string.len);
				break;
			case WJB_VALUE:
			case WJB_ELEM:
				if (v.type == jbvString)
					string_n(b, v.val.string.val, v.val.string.len);
				else if (v.type == jbvNumeric)
					ras_body_raw(b, DatumGetCString(DirectFunctionCall1(numeric_out,
																		NumericGetDatum(v.val.numeric))));
				else if (v.type == jbvBool)
					ras_body_raw(b, v.val.boolean ? "true" : "false");
				else
					ras_body_raw(b, "null");
				break;
			default:
				break;
		}
	}
}

/* A jsonb value as compact JSON text (the same text as JsonbToCString, without spaces). */
char *
ras_jsonb_text(JsonbContainer *c)
{
	RasBody		b;

	initStringInfo(&b.buf);
	b.need_comma = false;
	ras_body_jsonb(&b, c, false);
	return b.buf.data;
}
