/*
 * json_fast.c
 *     The answer parser of UTF-8 and SQL_ASCII databases (ras_json_parse in
 *     json.c calls it), and the one conversion of a JSON number to numeric.
 */
#include "postgres.h"

#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include "ras.h"

/* Exponents past this are refused: numeric_in would raise for them. */
#define RAS_JSON_MAX_EXPONENT 1000

/* A JSON number as numeric, or NULL when numeric_in would refuse it. */
Numeric
ras_json_number(const char *token)
{
	const char *e = strpbrk(token, "eE");

	if (e != NULL && labs(strtol(e + 1, NULL, 10)) > RAS_JSON_MAX_EXPONENT)
		return NULL;
	return DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(token),
											   ObjectIdGetDatum(InvalidOid),
											   Int32GetDatum(-1)));
}

/*
 * A parser of our own for UTF-8 and SQL_ASCII databases, where no string
 * needs converting: PostgreSQL 15's lexer copies every string a character at
 * a time, which was most of the time a large listing spends.  Strings without
 * escapes are pointed at in the body (JsonbValueToJsonb copies them once);
 * the grammar is RFC 8259's, as strict as pg_parse_json: control characters
 * must be escaped, surrogates must pair, \u0000 is refused.  The body is
 * already known to be valid UTF-8.  Errors are words in lx->error.
 */
#define RAS_JSON_MAX_DEPTH 1000

typedef struct FastLex
{
	const char *p;
	const char *end;
	int			depth;
	const char *error;			/* what is wrong, in words; the rest is ignored */

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
fast_string(FastLex *lx, JsonbValue *v)
{
	const char *start = ++lx->p;
	StringInfoData buf;

	/* the common case: no escape before the closing quote */
	while (lx->p < lx->end && *lx->p != '"' && *lx->p != '\\')
	{
		if ((unsigned char) *lx->p < 0x20)
		{
			lx->error = "a string holds a control character that is not escaped";
			return false;
		}
		lx->p++;
	}
	if (lx->p >= lx->end)
	{
		lx->error = "a string is not terminated";
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
			lx->error = "a string holds a control character that is not escaped";
			return false;
		}
		if (lx->end - lx->p < 2)
		{
			lx->error = "a string is not terminated";
			return false;
		}
		if (lx->p[1] != 'u')
		{
			/* the short escapes: \" \\ \/ \b \f \n \r \t */
			const char *named = lx->p[1] ? strchr("\"\\/bfnrt", lx->p[1]) : NULL;

			if (named == NULL)
			{
				lx->error = "a string holds an invalid escape";
				return false;
			}
			appendStringInfoChar(&buf, "\"\\/\b\f\n\r\t"[named - "\"\\/bfnrt"]);
			lx->p += 2;
			continue;
		}
		cp = lx->end - lx->p >= 6 ? hex4(lx->p + 2) : -1;
		if (cp < 0)
		{
			lx->error = "a string holds an invalid \\u escape";
			return false;
		}
		lx->p += 6;
		if (cp == 0)
		{
			lx->error = "it holds a \\u0000, which text cannot hold";
			return false;
		}
		if (cp >= 0xDC00 && cp <= 0xDFFF)
		{
			lx->error = "a string holds a low surrogate without a high one";
			return false;
		}
		if (cp >= 0xD800 && cp <= 0xDBFF)
		{
			int			lo = (lx->end - lx->p >= 6 && lx->p[0] == '\\' && lx->p[1] == 'u') ?
				hex4(lx->p + 2) : -1;

			if (lo < 0xDC00 || lo > 0xDFFF)
			{
				lx->error = "a string holds a high surrogate without a low one";
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
		lx->error = "a string is not terminated";
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
			return ras_json_number(pnstrdup(start, end - start));
		val = val * 10 + (*p - '0');
		if (frac)
			scale++;
	}
	return int64_div_fast_to_numeric(neg ? -val : val, scale);
}

/* The number at lx->p as numeric, with RFC 8259's grammar; false on error. */
static bool
fast_number(FastLex *lx, JsonbValue *v)
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
		lx->error = "a number is out of range";
		return false;
	}
	return true;
bad:
	lx->error = "it holds a malformed number";
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

static bool fast_value(FastLex *lx, JsonbValue *v);

/*
 * Room for one more member of the container whose members start at base, on
 * a stack of members of the given size; false, with lx->error, when one
 * jsonb container could not hold that many.  The stack holds the members of
 * every open container, so it may grow past MaxAllocSize.
 */
static bool
stack_room(FastLex *lx, void **stack, int base, int used, int *max, size_t size)
{
	if (used - base >= (int) Min(JB_CMASK, MaxAllocSize / size))
	{
		lx->error = "an object or array has more members than jsonb can hold";
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
fast_container(FastLex *lx, JsonbValue *out)
{
	bool		object = *lx->p == '{';
	char		close = object ? '}' : ']';
	int			base = object ? lx->npairs : lx->nelems;
	int			n;

	if (++lx->depth > RAS_JSON_MAX_DEPTH)
	{
		lx->error = "it is nested more than 1000 levels deep";
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
					lx->error = "an object's key is not a string";
					return false;
				}
				if (!fast_string(lx, &pair.key))
					return false;
				skip_space(lx);
				if (lx->p >= lx->end || *lx->p != ':')
				{
					lx->error = "an object's key is not followed by a colon";
					return false;
				}
				lx->p++;
			}
			CHECK_FOR_INTERRUPTS();
			/* the value first: its own members may move the stacks */
			if (!fast_value(lx, &pair.value))
				return false;
			if (object)
			{
				if (!stack_room(lx, (void **) &lx->pairs, base, lx->npairs, &lx->maxpairs,
								sizeof(JsonbPair)))
					return false;
				pair.order = lx->npairs - base;
				lx->pairs[lx->npairs++] = pair;
			}
			else
			{
				if (!stack_room(lx, (void **) &lx->elems, base, lx->nelems, &lx->maxelems,
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
			lx->error = object ? "a comma or } was expected in an object" :
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
fast_value(FastLex *lx, JsonbValue *v)
{
	skip_space(lx);
	if (lx->p >= lx->end)
	{
		lx->error = "the text ends where a value was expected";
		return false;
	}
	switch (*lx->p)
	{
		case '{':
		case '[':
			return fast_container(lx, v);
		case '"':
			return fast_string(lx, v);
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
				lx->error = "it holds an invalid token";
				return false;
			}
			return true;
		default:
			if (*lx->p != '-' && (*lx->p < '0' || *lx->p > '9'))
			{
				lx->error = "it holds an invalid token";
				return false;
			}
			return fast_number(lx, v);
	}
}

/*
 * The body (valid UTF-8) as a JsonbValue tree, or NULL with *error saying in
 * words why it cannot be read.  Raises only for running out of memory or a
 * cancel.
 */
JsonbValue *
ras_json_fast_parse(const char *body, size_t len, const char **error)
{
	FastLex		lx = {body, body + len, 0};
	JsonbValue *v = palloc(sizeof(JsonbValue));

	if (fast_value(&lx, v))
	{
		skip_space(&lx);
		if (lx.p != lx.end)
			lx.error = "it holds more than one JSON value";
	}
	if (lx.pairs)
		pfree(lx.pairs);
	if (lx.elems)
		pfree(lx.elems);
	*error = lx.error;
	return lx.error ? NULL : v;
}
