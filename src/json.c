/*
 * json.c
 *     Every answer of the API is read here, by one parser: PostgreSQL's own
 *     (common/jsonapi.h) building jsonb directly.
 *
 * Nothing here raises an error on a bad answer: ras_json_parse returns NULL
 * and says why, and each caller decides what a bad answer means (a 58000 for
 * a page, "outcome unknown" for a write's 207, a quoted excerpt for an error
 * body).  No error is ever caught and carried on from.
 *
 * The API speaks UTF-8.  In a UTF-8 database strings are taken as they are;
 * in any other, each string is converted on its own and a character the
 * database encoding cannot hold becomes '?', so one foreign name never fails
 * a whole listing.  A \u0000 (which text cannot hold) and invalid UTF-8 make
 * the answer unreadable.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "common/jsonapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include "ras.h"

/* Exponents past this are refused: numeric_in would raise for them. */
#define RAS_JSON_MAX_EXPONENT 1000

typedef struct ParseState
{
	JsonbParseState *stack;
	JsonbValue *result;
	Oid			conversion;		/* UTF-8 to the database encoding; 0: none needed */
	const char *error;			/* set by an action; the rest is ignored */
} ParseState;

/*
 * The jsonb string value of s (UTF-8, NUL-terminated) in the database
 * encoding.  Unconvertible characters become '?'.  Never raises for a
 * conversion failure.
 */
static void
to_server(const ParseState *st, char *s, JsonbValue *v)
{
	StringInfoData buf;
	const unsigned char *p = (const unsigned char *) s;
	int			left = strlen(s);

	v->type = jbvString;
	if (!OidIsValid(st->conversion))
	{
		v->val.string.val = s;
		v->val.string.len = left;
		return;
	}
	initStringInfo(&buf);
	while (left > 0)
	{
		int			done;
		int			skip;

		enlargeStringInfo(&buf, left * MAX_CONVERSION_GROWTH + 1);
		done = pg_do_encoding_conversion_buf(st->conversion, PG_UTF8, GetDatabaseEncoding(),
											 (unsigned char *) p, left,
											 (unsigned char *) buf.data + buf.len,
											 buf.maxlen - buf.len, true);
		buf.len += strlen(buf.data + buf.len);
		p += done;
		left -= done;
		if (left <= 0)
			break;
		/* one character the database cannot hold */
		appendStringInfoChar(&buf, '?');
		skip = Min(pg_utf_mblen(p), left);
		p += skip;
		left -= skip;
	}
	v->val.string.val = buf.data;
	v->val.string.len = buf.len;
}

static void
push_string(ParseState *st, JsonbIteratorToken tok, char *s)
{
	JsonbValue	v;

	to_server(st, s, &v);
	st->result = pushJsonbValue(&st->stack, tok, &v);
}

static void
on_object_start(void *arg)
{
	ParseState *st = arg;

	if (!st->error)
		st->result = pushJsonbValue(&st->stack, WJB_BEGIN_OBJECT, NULL);
}

static void
on_object_end(void *arg)
{
	ParseState *st = arg;

	if (!st->error)
		st->result = pushJsonbValue(&st->stack, WJB_END_OBJECT, NULL);
}

static void
on_array_start(void *arg)
{
	ParseState *st = arg;

	if (!st->error)
		st->result = pushJsonbValue(&st->stack, WJB_BEGIN_ARRAY, NULL);
}

static void
on_array_end(void *arg)
{
	ParseState *st = arg;

	if (!st->error)
		st->result = pushJsonbValue(&st->stack, WJB_END_ARRAY, NULL);
}

static void
on_field(void *arg, char *fname, bool isnull)
{
	ParseState *st = arg;

	if (!st->error)
		push_string(st, WJB_KEY, fname);
}

/* A scalar v as the next element or the value of the current key. */
static void
push_value(ParseState *st, JsonbValue *v)
{
	if (st->stack == NULL)
	{
		/* a scalar document: jsonb keeps it as a one-element raw array */
		JsonbValue	va;

		va.type = jbvArray;
		va.val.array.rawScalar = true;
		va.val.array.nElems = 1;
		pushJsonbValue(&st->stack, WJB_BEGIN_ARRAY, &va);
		pushJsonbValue(&st->stack, WJB_ELEM, v);
		st->result = pushJsonbValue(&st->stack, WJB_END_ARRAY, NULL);
		return;
	}
	st->result = pushJsonbValue(&st->stack,
								st->stack->contVal.type == jbvArray ? WJB_ELEM : WJB_VALUE,
								v);
}

/* A JSON number as numeric, or NULL when numeric_in would refuse it. */
static Numeric
number_or_null(const char *token)
{
	const char *e = strpbrk(token, "eE");

	if (e != NULL && labs(strtol(e + 1, NULL, 10)) > RAS_JSON_MAX_EXPONENT)
		return NULL;
	return DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(token),
											   ObjectIdGetDatum(InvalidOid),
											   Int32GetDatum(-1)));
}

static void
on_scalar(void *arg, char *token, JsonTokenType type)
{
	ParseState *st = arg;
	JsonbValue	v;

	if (st->error)
		return;
	switch (type)
	{
		case JSON_TOKEN_STRING:
			to_server(st, token, &v);
			break;
		case JSON_TOKEN_NUMBER:
			v.type = jbvNumeric;
			v.val.numeric = number_or_null(token);
			if (v.val.numeric == NULL)
			{
				st->error = "a number is out of range";
				return;
			}
			break;
		case JSON_TOKEN_TRUE:
		case JSON_TOKEN_FALSE:
			v.type = jbvBool;
			v.val.boolean = type == JSON_TOKEN_TRUE;
			break;
		default:
			v.type = jbvNull;
			break;
	}
	push_value(st, &v);
}

/*
 * In a database that is not UTF-8, the parser turns a \uXXXX escape into the
 * database encoding itself, and raises when it cannot.  The escapes of
 * non-ASCII characters are therefore decoded into plain UTF-8 first, so that
 * to_server() handles them as it handles every other character.
 */
static char *
unescape_non_ascii(const char *body, size_t len)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (size_t i = 0; i < len; i++)
	{
		unsigned int cp;
		char	   *end;
		char		hex[5];

		if (body[i] != '\\' || i + 1 >= len)
		{
			appendStringInfoChar(&buf, body[i]);
			continue;
		}
		if (body[i + 1] != 'u' || i + 5 >= len)
		{
			appendBinaryStringInfo(&buf, body + i, 2);
			i++;
			continue;
		}
		memcpy(hex, body + i + 2, 4);
		hex[4] = '\0';
		cp = (unsigned int) strtoul(hex, &end, 16);
		if (end != hex + 4 || cp < 0x80)
		{
			appendBinaryStringInfo(&buf, body + i, 2);
			i++;
			continue;
		}
		if (cp >= 0xD800 && cp <= 0xDBFF && i + 11 < len &&
			body[i + 6] == '\\' && body[i + 7] == 'u')
		{
			unsigned int lo;

			memcpy(hex, body + i + 8, 4);
			lo = (unsigned int) strtoul(hex, &end, 16);
			if (end == hex + 4 && lo >= 0xDC00 && lo <= 0xDFFF)
			{
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				i += 6;
			}
		}
		if (cp >= 0xD800 && cp <= 0xDFFF)
			cp = '?';			/* a lone surrogate */
		enlargeStringInfo(&buf, 4);
		unicode_to_utf8(cp, (unsigned char *) buf.data + buf.len);
		buf.len += pg_utf_mblen((unsigned char *) buf.data + buf.len);
		buf.data[buf.len] = '\0';
		i += 5;
	}
	return buf.data;
}

/*
 * A parser of our own for UTF-8 and SQL_ASCII databases, where no string
 * needs converting: PostgreSQL 15's lexer copies every string a character at
 * a time, which was most of the time a large listing spends.  Strings without
 * escapes are pointed at in the body (JsonbValueToJsonb copies them once);
 * the grammar is RFC 8259's, as strict as pg_parse_json: control characters
 * must be escaped, surrogates must pair, \u0000 is refused.  The body is
 * already known to be valid UTF-8.  Errors are words in st->error.
 */
#define RAS_JSON_MAX_DEPTH 1000

typedef struct FastLex
{
	const char *p;
	const char *end;
	int			depth;

	/*
	 * The members of the open containers, innermost last: a container's
	 * members gather here and are copied out once, at its exact size, when
	 * it closes.
	 */
	JsonbPair  *pairs;
	int			npairs;
	int			maxpairs;
	JsonbValue *elems;
	int			nelems;
	int			maxelems;
} FastLex;

static void
skip_space(FastLex *lx)
{
	while (lx->p < lx->end &&
		   (*lx->p == ' ' || *lx->p == '\n' || *lx->p == '\r' || *lx->p == '\t'))
		lx->p++;
}

static int
hex4(const char *p)
{
	int			cp = 0;

	for (int i = 0; i < 4; i++)
	{
		char		c = p[i];

		cp <<= 4;
		if (c >= '0' && c <= '9')
			cp |= c - '0';
		else if (c >= 'a' && c <= 'f')
			cp |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			cp |= c - 'A' + 10;
		else
			return -1;
	}
	return cp;
}

/* The string at lx->p (its opening quote) as a jsonb string; false on error. */
static bool
fast_string(ParseState *st, FastLex *lx, JsonbValue *v)
{
	const char *start = ++lx->p;
	StringInfoData buf;

	/* the common case: no escape before the closing quote */
	while (lx->p < lx->end && *lx->p != '"' && *lx->p != '\\')
	{
		if ((unsigned char) *lx->p < 0x20)
		{
			st->error = "a string holds a control character that is not escaped";
			return false;
		}
		lx->p++;
	}
	if (lx->p >= lx->end)
	{
		st->error = "a string is not terminated";
		return false;
	}
	v->type = jbvString;
	if (*lx->p == '"')
	{
		v->val.string.val = (char *) start;
		v->val.string.len = lx->p - start;
		lx->p++;
		return true;
	}
	initStringInfo(&buf);
	appendBinaryStringInfo(&buf, start, lx->p - start);
	while (lx->p < lx->end && *lx->p != '"')
	{
		const char *run = lx->p;
		int			cp;

		while (lx->p < lx->end && *lx->p != '"' && *lx->p != '\\' &&
			   (unsigned char) *lx->p >= 0x20)
			lx->p++;
		appendBinaryStringInfo(&buf, run, lx->p - run);
		if (lx->p >= lx->end || *lx->p == '"')
			break;
		if (*lx->p != '\\')
		{
			st->error = "a string holds a control character that is not escaped";
			return false;
		}
		if (lx->end - lx->p < 2)
		{
			st->error = "a string is not terminated";
			return false;
		}
		switch (lx->p[1])
		{
			case '"':
			case '\\':
			case '/':
				appendStringInfoChar(&buf, lx->p[1]);
				lx->p += 2;
				continue;
			case 'b':
				appendStringInfoChar(&buf, '\b');
				lx->p += 2;
				continue;
			case 'f':
				appendStringInfoChar(&buf, '\f');
				lx->p += 2;
				continue;
			case 'n':
				appendStringInfoChar(&buf, '\n');
				lx->p += 2;
				continue;
			case 'r':
				appendStringInfoChar(&buf, '\r');
				lx->p += 2;
				continue;
			case 't':
				appendStringInfoChar(&buf, '\t');
				lx->p += 2;
				continue;
			case 'u':
				break;
			default:
				st->error = "a string holds an invalid escape";
				return false;
		}
		cp = lx->end - lx->p >= 6 ? hex4(lx->p + 2) : -1;
		if (cp < 0)
		{
			st->error = "a string holds an invalid \\u escape";
			return false;
		}
		lx->p += 6;
		if (cp == 0)
		{
			st->error = "it holds a \\u0000, which text cannot hold";
			return false;
		}
		if (cp >= 0xDC00 && cp <= 0xDFFF)
		{
			st->error = "a string holds a low surrogate without a high one";
			return false;
		}
		if (cp >= 0xD800 && cp <= 0xDBFF)
		{
			int			lo = (lx->end - lx->p >= 6 && lx->p[0] == '\\' && lx->p[1] == 'u') ?
				hex4(lx->p + 2) : -1;

			if (lo < 0xDC00 || lo > 0xDFFF)
			{
				st->error = "a string holds a high surrogate without a low one";
				return false;
			}
			cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			lx->p += 6;
		}
		enlargeStringInfo(&buf, 4);
		unicode_to_utf8((pg_wchar) cp, (unsigned char *) buf.data + buf.len);
		buf.len += pg_utf_mblen((unsigned char *) buf.data + buf.len);
		buf.data[buf.len] = '\0';
	}
	if (lx->p >= lx->end)
	{
		st->error = "a string is not terminated";
		return false;
	}
	lx->p++;
	v->val.string.val = buf.data;
	v->val.string.len = buf.len;
	return true;
}

/*
 * A JSON number as numeric, or NULL when numeric_in would refuse it.  Most
 * numbers of an answer (ids, bids, counts) have at most 15 digits and no
 * exponent: those are made from an int64, which gives the very numeric that
 * numeric_in gives (same digits, weight and display scale), without its
 * general parse.  At 15 digits int64_div_fast_to_numeric never takes its
 * overflow path, which rounded in early PostgreSQL 15 releases.
 */
static Numeric
fast_numeric(const char *start, const char *end)
{
	const char *p = start;
	int64		val = 0;
	int			ndigits = 0;
	int			scale = 0;
	bool		neg = false;
	bool		frac = false;

	if (*p == '-')
	{
		neg = true;
		p++;
	}
	for (; p < end; p++)
	{
		if (*p == '.')
		{
			frac = true;
			continue;
		}
		if (*p < '0' || *p > '9' || ++ndigits > 15)
			return number_or_null(pnstrdup(start, end - start));
		val = val * 10 + (*p - '0');
		if (frac)
			scale++;
	}
	return int64_div_fast_to_numeric(neg ? -val : val, scale);
}

/* The number at lx->p as numeric, with RFC 8259's grammar; false on error. */
static bool
fast_number(ParseState *st, FastLex *lx, JsonbValue *v)
{
	const char *start = lx->p;
	const char *p = lx->p;
	const char *digits;

	if (p < lx->end && *p == '-')
		p++;
	digits = p;
	if (p < lx->end && *p == '0')
		p++;
	else
		while (p < lx->end && *p >= '0' && *p <= '9')
			p++;
	if (p == digits)
		goto bad;
	if (p < lx->end && *p == '.')
	{
		digits = ++p;
		while (p < lx->end && *p >= '0' && *p <= '9')
			p++;
		if (p == digits)
			goto bad;
	}
	if (p < lx->end && (*p == 'e' || *p == 'E'))
	{
		p++;
		if (p < lx->end && (*p == '+' || *p == '-'))
			p++;
		digits = p;
		while (p < lx->end && *p >= '0' && *p <= '9')
			p++;
		if (p == digits)
			goto bad;
	}
	if (p < lx->end && ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
						(*p >= 'A' && *p <= 'Z') || *p == '.'))
		goto bad;
	lx->p = p;
	v->type = jbvNumeric;
	v->val.numeric = fast_numeric(start, p);
	if (v->val.numeric == NULL)
	{
		st->error = "a number is out of range";
		return false;
	}
	return true;
bad:
	st->error = "it holds a malformed number";
	return false;
}

static bool
fast_literal(FastLex *lx, const char *word)
{
	size_t		n = strlen(word);

	if ((size_t) (lx->end - lx->p) < n || memcmp(lx->p, word, n) != 0)
		return false;
	if (lx->p + n < lx->end && ((lx->p[n] >= 'a' && lx->p[n] <= 'z') ||
								(lx->p[n] >= 'A' && lx->p[n] <= 'Z') ||
								(lx->p[n] >= '0' && lx->p[n] <= '9')))
		return false;
	lx->p += n;
	return true;
}

/* jsonb's key order: shorter first, then bytewise; equal keys by position. */
static inline int
pair_cmp(const JsonbPair *a, const JsonbPair *b)
{
	if (a->key.val.string.len != b->key.val.string.len)
		return a->key.val.string.len < b->key.val.string.len ? -1 : 1;
	{
		int			r = memcmp(a->key.val.string.val, b->key.val.string.val,
							   a->key.val.string.len);

		if (r != 0)
			return r;
	}
	return a->order < b->order ? -1 : a->order > b->order;
}

static int
pair_qsort_cmp(const void *a, const void *b)
{
	return pair_cmp(a, b);
}

/*
 * An object's pairs in jsonb's order, and of equal keys only the last, as
 * jsonb input keeps.  The few keys of an API object are sorted in place,
 * with no call per comparison; a large object goes to qsort.
 */
static int
sort_pairs(JsonbPair *pairs, int n)
{
	int			kept = 0;

	if (n > 16)
		qsort(pairs, n, sizeof(JsonbPair), pair_qsort_cmp);
	else
		for (int i = 1; i < n; i++)
		{
			JsonbPair	x = pairs[i];
			int			j = i;

			while (j > 0 && pair_cmp(&pairs[j - 1], &x) > 0)
			{
				pairs[j] = pairs[j - 1];
				j--;
			}
			pairs[j] = x;
		}
	for (int i = 0; i < n; i++)
	{
		/* of a run of equal keys, the last one stays */
		if (i + 1 < n && pairs[i].key.val.string.len == pairs[i + 1].key.val.string.len &&
			memcmp(pairs[i].key.val.string.val, pairs[i + 1].key.val.string.val,
				   pairs[i].key.val.string.len) == 0)
			continue;
		pairs[kept++] = pairs[i];
	}
	return kept;
}

static bool fast_value(ParseState *st, FastLex *lx, JsonbValue *v);

/*
 * Room for one more member of the container whose members start at base, on
 * a stack of members of the given size; false, with st->error, when one
 * jsonb container could not hold that many.  The stack holds the members of
 * every open container, so it may grow past MaxAllocSize.
 */
static bool
stack_room(ParseState *st, void **stack, int base, int used, int *max, size_t size)
{
	if (used - base >= (int) Min(JB_CMASK, MaxAllocSize / size))
	{
		st->error = "an object or array has more members than jsonb can hold";
		return false;
	}
	if (used < *max)
		return true;
	*max = *max == 0 ? 256 : *max * 2;
	*stack = *stack ? repalloc_huge(*stack, (Size) *max * size) :
		MemoryContextAllocHuge(CurrentMemoryContext, (Size) *max * size);
	return true;
}

/* The members of a stack from base up, copied out at their exact size; popped. */
static void *
pop_members(void *stack, int base, int *top, size_t size)
{
	void	   *members = NULL;

	if (*top > base)
	{
		members = palloc(size * (*top - base));
		memcpy(members, (char *) stack + size * base, size * (*top - base));
	}
	*top = base;
	return members;
}

/*
 * The object or array at lx->p (its bracket) into *out; false on error.
 * The tree is built here rather than through pushJsonbValue, whose qsort of
 * each object's keys was a fifth of the time a 207 answer took.
 */
static bool
fast_container(ParseState *st, FastLex *lx, JsonbValue *out)
{
	bool		object = *lx->p == '{';
	char		close = object ? '}' : ']';
	int			base = object ? lx->npairs : lx->nelems;
	int			n;

	if (++lx->depth > RAS_JSON_MAX_DEPTH)
	{
		st->error = "it is nested more than 1000 levels deep";
		return false;
	}
	lx->p++;
	skip_space(lx);
	if (lx->p < lx->end && *lx->p == close)
		lx->p++;
	else
		for (;;)
		{
			JsonbPair	pair;

			if (object)
			{
				if (lx->p >= lx->end || *lx->p != '"')
				{
					st->error = "an object's key is not a string";
					return false;
				}
				if (!fast_string(st, lx, &pair.key))
					return false;
				skip_space(lx);
				if (lx->p >= lx->end || *lx->p != ':')
				{
					st->error = "an object's key is not followed by a colon";
					return false;
				}
				lx->p++;
			}
			CHECK_FOR_INTERRUPTS();
			/* the value first: its own members may move the stacks */
			if (!fast_value(st, lx, &pair.value))
				return false;
			if (object)
			{
				if (!stack_room(st, (void **) &lx->pairs, base, lx->npairs, &lx->maxpairs,
								sizeof(JsonbPair)))
					return false;
				pair.order = lx->npairs - base;
				lx->pairs[lx->npairs++] = pair;
			}
			else
			{
				if (!stack_room(st, (void **) &lx->elems, base, lx->nelems, &lx->maxelems,
								sizeof(JsonbValue)))
					return false;
				lx->elems[lx->nelems++] = pair.value;
			}
			skip_space(lx);
			if (lx->p < lx->end && *lx->p == ',')
			{
				lx->p++;
				skip_space(lx);
				continue;
			}
			if (lx->p < lx->end && *lx->p == close)
			{
				lx->p++;
				break;
			}
			st->error = object ? "a comma or } was expected in an object" :
				"a comma or ] was expected in an array";
			return false;
		}
	n = (object ? lx->npairs : lx->nelems) - base;
	if (object)
	{
		JsonbPair  *pairs = pop_members(lx->pairs, base, &lx->npairs, sizeof(JsonbPair));

		out->type = jbvObject;
		out->val.object.nPairs = sort_pairs(pairs, n);
		out->val.object.pairs = pairs;
	}
	else
	{
		out->type = jbvArray;
		out->val.array.rawScalar = false;
		out->val.array.nElems = n;
		out->val.array.elems = pop_members(lx->elems, base, &lx->nelems, sizeof(JsonbValue));
	}
	lx->depth--;
	return true;
}

static bool
fast_value(ParseState *st, FastLex *lx, JsonbValue *v)
{
	skip_space(lx);
	if (lx->p >= lx->end)
	{
		st->error = "the text ends where a value was expected";
		return false;
	}
	switch (*lx->p)
	{
		case '{':
		case '[':
			return fast_container(st, lx, v);
		case '"':
			return fast_string(st, lx, v);
		case 't':
		case 'f':
		case 'n':
			v->type = jbvBool;
			if (fast_literal(lx, "true"))
				v->val.boolean = true;
			else if (fast_literal(lx, "false"))
				v->val.boolean = false;
			else if (fast_literal(lx, "null"))
				v->type = jbvNull;
			else
			{
				st->error = "it holds an invalid token";
				return false;
			}
			return true;
		default:
			if (*lx->p != '-' && (*lx->p < '0' || *lx->p > '9'))
			{
				st->error = "it holds an invalid token";
				return false;
			}
			return fast_number(st, lx, v);
	}
}

/* The body as a JsonbValue tree in st->result, or st->error set. */
static void
fast_parse(ParseState *st, const char *body, size_t len)
{
	FastLex		lx = {body, body + len, 0};
	JsonbValue *v = palloc(sizeof(JsonbValue));

	if (fast_value(st, &lx, v))
	{
		skip_space(&lx);
		if (lx.p != lx.end)
			st->error = "it holds more than one JSON value";
		st->result = v;
	}
	if (lx.pairs)
		pfree(lx.pairs);
	if (lx.elems)
		pfree(lx.elems);
}

/*
 * The UTF-8 JSON text body as jsonb, or NULL with *error saying in words why
 * it cannot be read.  Raises only for running out of memory or a cancel.
 */
Jsonb *
ras_json_parse(const char *body, size_t len, const char **error)
{
	ParseState	st = {0};
	JsonSemAction sem = {0};
	JsonLexContext *lex;
	JsonParseErrorType rc;
	char	   *text;

	*error = NULL;
	if (len == 0)
	{
		*error = "the answer is empty";
		return NULL;
	}
	if (len > (size_t) PG_INT32_MAX / 2)
	{
		*error = "the answer is too large to parse";
		return NULL;
	}
	if (!pg_verify_mbstr(PG_UTF8, body, (int) len, true))
	{
		*error = "the answer is not valid UTF-8";
		return NULL;
	}
	if (GetDatabaseEncoding() == PG_UTF8 || GetDatabaseEncoding() == PG_SQL_ASCII)
	{
		fast_parse(&st, body, len);
		if (st.error)
		{
			*error = st.error;
			return NULL;
		}
		return JsonbValueToJsonb(st.result);
	}
	text = (char *) body;
	{
		st.conversion = FindDefaultConversionProc(PG_UTF8, GetDatabaseEncoding());
		text = unescape_non_ascii(body, len);
		len = strlen(text);
	}

	sem.semstate = &st;
	sem.object_start = on_object_start;
	sem.object_end = on_object_end;
	sem.array_start = on_array_start;
	sem.array_end = on_array_end;
	sem.object_field_start = on_field;
	sem.scalar = on_scalar;
	lex = makeJsonLexContextCstringLen(text, (int) len, PG_UTF8, true);
	rc = pg_parse_json(lex, &sem);
	if (rc != JSON_SUCCESS)
	{
		*error = rc == JSON_UNICODE_CODE_POINT_ZERO ?
			"it holds a \\u0000, which text cannot hold" :
			psprintf("%s", json_errdetail(rc, lex));
		return NULL;
	}
	if (st.error)
	{
		*error = st.error;
		return NULL;
	}
	return JsonbValueToJsonb(st.result);
}

/* The body as jsonb; a body that cannot be read is the remote side's fault. */
Jsonb *
ras_json_to_jsonb(const char *body, size_t len)
{
	const char *error;
	Jsonb	   *doc = ras_json_parse(body, len, &error);

	if (doc == NULL)
		ereport(ERROR,
				(errcode(RAS_SQLSTATE_REMOTE),
				 errmsg("could not parse the answer of the Amazon Ads API: %s", error),
				 errdetail("The answer was %zu bytes long.", len)));
	return doc;
}

/* A member of a JSON object as text: strings as they are, others as JSON. */
char *
ras_json_member_text(JsonbContainer *obj, const char *key)
{
	JsonbValue	v;

	if (obj == NULL || !JsonContainerIsObject(obj) ||
		!getKeyJsonValueFromContainer(obj, key, strlen(key), &v))
		return NULL;
	return ras_jsonb_scalar_text(&v);
}

/* A jsonb value as text: a string as it is, NULL for null, others as JSON. */
char *
ras_jsonb_scalar_text(JsonbValue *v)
{
	switch (v->type)
	{
		case jbvNull:
			return NULL;
		case jbvString:
			return pnstrdup(v->val.string.val, v->val.string.len);
		case jbvNumeric:
			return DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v->val.numeric)));
		case jbvBool:
			return pstrdup(v->val.boolean ? "true" : "false");
		case jbvBinary:
			return JsonbToCString(NULL, v->val.binary.data, v->val.binary.len);
		default:
			return NULL;
	}
}

/* s as a JSON string, copying the runs that need no escape whole. */
static void
write_json_string(StringInfo out, const char *s, int len)
{
	const char *end = s + len;

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
		switch (c)
		{
			case '"':
				appendBinaryStringInfo(out, "\\\"", 2);
				break;
			case '\\':
				appendBinaryStringInfo(out, "\\\\", 2);
				break;
			case '\b':
				appendBinaryStringInfo(out, "\\b", 2);
				break;
			case '\f':
				appendBinaryStringInfo(out, "\\f", 2);
				break;
			case '\n':
				appendBinaryStringInfo(out, "\\n", 2);
				break;
			case '\r':
				appendBinaryStringInfo(out, "\\r", 2);
				break;
			case '\t':
				appendBinaryStringInfo(out, "\\t", 2);
				break;
			default:
				appendStringInfo(out, "\\u%04x", c);
				break;
		}
	}
	appendStringInfoCharMacro(out, '"');
}

/*
 * A jsonb container as compact JSON text, for a request body.  The same text
 * as JsonbToCString but without its spaces, and with strings escaped a run at
 * a time rather than a character at a time (the items of a large create were
 * a fifth of its time in escape_json).
 */
char *
ras_jsonb_text(JsonbContainer *c)
{
	StringInfoData out;
	JsonbIterator *it = JsonbIteratorInit(c);
	JsonbValue	v;
	JsonbIteratorToken tok;
	bool		comma = false;
	bool		raw = false;

	initStringInfo(&out);
	while ((tok = JsonbIteratorNext(&it, &v, false)) != WJB_DONE)
	{
		switch (tok)
		{
			case WJB_BEGIN_ARRAY:
			case WJB_BEGIN_OBJECT:
				if (tok == WJB_BEGIN_ARRAY && v.val.array.rawScalar)
				{
					/* a scalar document: only the scalar */
					raw = true;
					break;
				}
				if (comma)
					appendStringInfoCharMacro(&out, ',');
				appendStringInfoCharMacro(&out, tok == WJB_BEGIN_ARRAY ? '[' : '{');
				comma = false;
				break;
			case WJB_END_ARRAY:
			case WJB_END_OBJECT:
				if (!(tok == WJB_END_ARRAY && raw))
					appendStringInfoCharMacro(&out, tok == WJB_END_ARRAY ? ']' : '}');
				comma = true;
				break;
			case WJB_KEY:
				if (comma)
					appendStringInfoCharMacro(&out, ',');
				write_json_string(&out, v.val.string.val, v.val.string.len);
				appendStringInfoCharMacro(&out, ':');
				comma = false;
				break;
			case WJB_VALUE:
			case WJB_ELEM:
				if (comma)
					appendStringInfoCharMacro(&out, ',');
				if (v.type == jbvString)
					write_json_string(&out, v.val.string.val, v.val.string.len);
				else if (v.type == jbvNumeric)
					appendStringInfoString(&out, DatumGetCString(DirectFunctionCall1(numeric_out,
																					 NumericGetDatum(v.val.numeric))));
				else if (v.type == jbvBool)
					appendStringInfoString(&out, v.val.boolean ? "true" : "false");
				else
					appendStringInfoString(&out, "null");
				comma = true;
				break;
			default:
				break;
		}
	}
	return out.data;
}

/*
 * Code and message of an error answer, whatever its family's shape:
 * {"code","message"}, Login with Amazon's {"error","error_description"},
 * reporting's {"code","detail"}.  A body that is not JSON yields a short,
 * printable excerpt as the message (cut by the scrubber's rules, secrets.c).
 */
void
ras_json_error_info(const char *body, size_t len, char **code, char **message)
{
	const char *error;
	Jsonb	   *doc = ras_json_parse(body, len, &error);
	static const char *const code_keys[] = {"code", "error"};
	static const char *const message_keys[] = {"message", "error_description", "detail", "details"};

	*code = NULL;
	*message = NULL;
	if (doc != NULL && JB_ROOT_IS_OBJECT(doc))
	{
		for (int i = 0; i < lengthof(code_keys) && *code == NULL; i++)
			*code = ras_json_member_text(&doc->root, code_keys[i]);
		for (int i = 0; i < lengthof(message_keys) && *message == NULL; i++)
			*message = ras_json_member_text(&doc->root, message_keys[i]);
	}
	if (doc == NULL && len > 0)
		*message = ras_printable_excerpt(body, len);
}

bool
ras_json_token(const char *body, size_t len, char **access_token, int *expires_in)
{
	const char *error;
	Jsonb	   *doc = ras_json_parse(body, len, &error);
	JsonbValue	v;

	if (doc == NULL || !JB_ROOT_IS_OBJECT(doc) ||
		!getKeyJsonValueFromContainer(&doc->root, "access_token", strlen("access_token"), &v) ||
		v.type != jbvString || v.val.string.len == 0)
		return false;
	*access_token = pnstrdup(v.val.string.val, v.val.string.len);
	*expires_in = 3600;
	if (getKeyJsonValueFromContainer(&doc->root, "expires_in", strlen("expires_in"), &v) &&
		v.type == jbvNumeric)
	{
		char	   *s = ras_jsonb_scalar_text(&v);
		long		seconds = strtol(s, NULL, 10);

		if (seconds > 0 && seconds < 86400 * 365)
			*expires_in = (int) seconds;
	}
	/* the parsed copy held the token too */
	explicit_bzero(VARDATA(doc), VARSIZE(doc) - VARHDRSZ);
	return true;
}
