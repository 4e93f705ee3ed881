/*
 * rows.c
 *     Pages of a listing as typed rows.
 *
 * A page is parsed once, by PostgreSQL's own JSON parser, into jsonb, and
 * read row by row.  Each listed object is a binary container inside it: the
 * raw column is a copy of its bytes, and every typed column is a keyed
 * lookup in it, formed as a Datum directly (numbers are already numeric; ISO
 * dates and times take a fast path).  Only the columns a caller needs are
 * formed.  Measured against json-c plus building jsonb from its tree, this
 * is about twice as fast and allocates nothing outside memory contexts.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "datatype/timestamp.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/fmgroids.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

#include "ras.h"

#define RAS_MAX_PATH_DEPTH 10

/*
 * A column's path: dotted member names; "*" is the only member of a one-of
 * object; "name[key=value]" is the first element of array name whose member
 * key is the string value (e.g. budgets[budgetType=MONETARY]).
 */
typedef struct PathSegment
{
	const char *name;
	int			len;
	const char *key;			/* array element selector; NULL: none */
	int			keylen;
	const char *value;
	int			valuelen;
} PathSegment;

typedef struct ColumnPath
{
	int			nseg;
	PathSegment seg[RAS_MAX_PATH_DEPTH];
} ColumnPath;

typedef struct RasRowPlan RasRowPlan;

struct RasRowPlan
{
	ColumnPath *paths;			/* per attribute */
	ColumnPath	id_path;		/* the entity's id, for dedupe */
};

static void
compile_path(const char *path, ColumnPath *cp)
{
	const char *p = path;

	cp->nseg = 0;
	while (p && *p)
	{
		const char *dot = strchr(p, '.');
		int			len = dot ? (int) (dot - p) : (int) strlen(p);
		PathSegment *seg = &cp->seg[cp->nseg];
		const char *bracket = memchr(p, '[', len);

		if (cp->nseg >= RAS_MAX_PATH_DEPTH)
			elog(ERROR, "column path \"%s\" is too deep", path);
		memset(seg, 0, sizeof(*seg));
		seg->name = p;
		seg->len = len;
		if (bracket)
		{
			const char *eq = memchr(bracket, '=', len - (bracket - p));

			if (eq == NULL || p[len - 1] != ']')
				elog(ERROR, "column path \"%s\" has a malformed selector", path);
			seg->len = (int) (bracket - p);
			seg->key = bracket + 1;
			seg->keylen = (int) (eq - bracket - 1);
			seg->value = eq + 1;
			seg->valuelen = (int) (p + len - 1 - eq - 1);
		}
		cp->nseg++;
		p = dot ? dot + 1 : NULL;
	}
}

/* Compiles the sink's column paths; sink->natts and columns must be set. */
void
ras_rows_prepare(RasRowSink *sink)
{
	int			natts = sink->natts;
	RasRowPlan *plan = palloc0(sizeof(RasRowPlan));

	plan->paths = palloc0(sizeof(ColumnPath) * Max(natts, 1));
	for (int a = 0; a < natts; a++)
		compile_path(sink->columns[a].path, &plan->paths[a]);
	compile_path(sink->id_field, &plan->id_path);
	sink->plan = plan;
}

/* Replaces *array by its first object element whose member key is value. */
static bool
select_element(JsonbValue *array, const PathSegment *seg)
{
	JsonbIterator *it;
	JsonbValue	elem;
	JsonbIteratorToken tok;

	if (array->type != jbvBinary || !JsonContainerIsArray(array->val.binary.data))
		return false;
	it = JsonbIteratorInit(array->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &elem, true)) != WJB_DONE)
	{
		JsonbValue	v;

		if (tok != WJB_ELEM || elem.type != jbvBinary ||
			!JsonContainerIsObject(elem.val.binary.data))
			continue;
		if (getKeyJsonValueFromContainer(elem.val.binary.data, seg->key, seg->keylen, &v) &&
			v.type == jbvString && v.val.string.len == seg->valuelen &&
			memcmp(v.val.string.val, seg->value, seg->valuelen) == 0)
		{
			*array = elem;
			return true;
		}
	}
	return false;
}

/*
 * Follows a column's path from an object container.  Returns false when a
 * member is missing; *out is then undefined.
 */
static bool
follow(JsonbContainer *obj, const ColumnPath *cp, JsonbValue *out)
{
	JsonbContainer *cur = obj;

	for (int i = 0; i < cp->nseg; i++)
	{
		const PathSegment *seg = &cp->seg[i];

		if (cur == NULL || !JsonContainerIsObject(cur))
			return false;
		if (seg->len == 1 && seg->name[0] == '*')
		{
			/* the only member of a one-of object, e.g. targetDetails.* */
			JsonbIterator *it = JsonbIteratorInit(cur);
			JsonbValue	key;

			if (JsonbIteratorNext(&it, &key, true) != WJB_BEGIN_OBJECT ||
				JsonbIteratorNext(&it, &key, true) != WJB_KEY ||
				JsonbIteratorNext(&it, out, true) != WJB_VALUE)
				return false;
		}
		else if (getKeyJsonValueFromContainer(cur, seg->name, seg->len, out) == NULL)
			return false;
		if (seg->key && !select_element(out, seg))
			return false;
		cur = out->type == jbvBinary ? out->val.binary.data : NULL;
	}
	return true;
}

static bool
digits(const char *s, int n, int *out)
{
	*out = 0;
	for (int i = 0; i < n; i++)
	{
		if (s[i] < '0' || s[i] > '9')
			return false;
		*out = *out * 10 + (s[i] - '0');
	}
	return true;
}

/* YYYY-MM-DD, checked. */
static bool
parse_iso_date(const char *s, int len, int *y, int *m, int *d)
{
	if (len < 10 || s[4] != '-' || s[7] != '-' ||
		!digits(s, 4, y) || !digits(s + 5, 2, m) || !digits(s + 8, 2, d))
		return false;
	return *y >= 1 && *m >= 1 && *m <= 12 && *d >= 1 && *d <= day_tab[isleap(*y)][*m - 1];
}

/*
 * "Jul 1, 2021": the form product metadata gives dates in (ProductSelector
 * spec, createdDate).  English month abbreviations only, checked.
 */
static bool
month_day_year(const char *s, int len, int *y, int *m, int *d)
{
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	int			dlen;

	if (len < 11 || len > 12 || s[3] != ' ')
		return false;
	*m = 0;
	for (int i = 0; i < 12; i++)
		if (strncmp(s, months[i], 3) == 0)
			*m = i + 1;
	dlen = len - 10;			/* "Mon " + day + ", " + "YYYY" */
	if (*m == 0 || !digits(s + 4, dlen, d) || s[4 + dlen] != ',' || s[5 + dlen] != ' ' ||
		!digits(s + 6 + dlen, 4, y))
		return false;
	return *y >= 1 && *d >= 1 && *d <= day_tab[isleap(*y)][*m - 1];
}

/*
 * The form every API timestamp takes, YYYY-MM-DDTHH:MM:SS[.ffffff]Z, without
 * the general parser; anything else goes through timestamptz_in.
 */
static bool
iso_utc_timestamp(const char *s, int len, TimestampTz *out)
{
	int			y,
				m,
				d,
				hh,
				mm,
				ss;
	int			pos = 19;
	int64		usec = 0;
	int			nfrac = 0;

	if (len < 20 || !parse_iso_date(s, len, &y, &m, &d) || (s[10] != 'T' && s[10] != ' ') ||
		s[13] != ':' || s[16] != ':' ||
		!digits(s + 11, 2, &hh) || !digits(s + 14, 2, &mm) || !digits(s + 17, 2, &ss) ||
		hh > 23 || mm > 59 || ss > 59)
		return false;
	if (s[pos] == '.')
	{
		for (pos++; pos < len && s[pos] >= '0' && s[pos] <= '9'; pos++, nfrac++)
		{
			if (nfrac >= 6)
				return false;	/* let the general parser round */
			usec = usec * 10 + (s[pos] - '0');
		}
		for (int i = nfrac; i < 6; i++)
			usec *= 10;
	}
	if (!((len - pos == 1 && s[pos] == 'Z') ||
		  (len - pos == 6 && memcmp(s + pos, "+00:00", 6) == 0)))
		return false;
	*out = (TimestampTz) (date2j(y, m, d) - POSTGRES_EPOCH_JDATE) * USECS_PER_DAY +
		((int64) ((hh * 60 + mm) * 60 + ss)) * USECS_PER_SEC + usec;
	return true;
}

static Datum
text_of(JsonbValue *v)
{
	switch (v->type)
	{
		case jbvString:
			return ras_text_datum(v->val.string.val, v->val.string.len);
		case jbvNumeric:
			{
				char	   *s = ras_jsonb_scalar_text(v);

				return ras_text_datum(s, strlen(s));
			}
		case jbvBool:
			return v->val.boolean ? ras_text_datum("true", 4) : ras_text_datum("false", 5);
		default:
			{
				char	   *s = JsonbToCString(NULL, v->val.binary.data, v->val.binary.len);

				return ras_text_datum(s, strlen(s));
			}
	}
}

/*
 * Whether s is a JSON number within the exponent range numeric takes: the
 * only strings a numeric or bigint column accepts ("1.5", not "abc", "NaN"
 * or "1e999999").
 */
static bool
json_number(const char *s, int len)
{
	int			i = 0;
	int			ndigits = 0;

	if (i < len && s[i] == '-')
		i++;
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
		ndigits++;
	if (i < len && s[i] == '.')
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++)
			ndigits++;
	if (ndigits == 0)
		return false;
	if (i < len && (s[i] == 'e' || s[i] == 'E'))
	{
		int			exp;
		int			start;

		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		start = i;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == start || i - start > 4 || !digits(s + start, i - start, &exp) || exp > 1000)
			return false;
	}
	return i == len;
}

/* A whole number in int8's range, written in plain digits. */
static bool
int8_text(const char *s, int len, int64 *out)
{
	bool		neg = len > 0 && s[0] == '-';
	uint64		v = 0;

	if (len - neg == 0 || len - neg > 19)
		return false;
	for (int i = neg; i < len; i++)
	{
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	if (v > (uint64) PG_INT64_MAX + neg)
		return false;
	*out = neg ? (int64) (0 - v) : (int64) v;
	return true;
}

/*
 * An ISO 8601 timestamp with a UTC offset that the fast path does not take
 * (another offset, more than six fractional digits), shaped so that
 * timestamptz_in can only accept it: YYYY-MM-DDTHH:MM:SS[.f...](Z|+HH:MM).
 */
static bool
iso_timestamp_shape(const char *s, int len)
{
	int			y,
				m,
				d,
				hh,
				mm,
				ss;
	int			pos = 19;

	if (len < 20 || len > 64 || !parse_iso_date(s, len, &y, &m, &d) ||
		(s[10] != 'T' && s[10] != ' ') || s[13] != ':' || s[16] != ':' ||
		!digits(s + 11, 2, &hh) || !digits(s + 14, 2, &mm) || !digits(s + 17, 2, &ss) ||
		hh > 23 || mm > 59 || ss > 59)
		return false;
	if (s[pos] == '.')
		for (pos++; pos < len && s[pos] >= '0' && s[pos] <= '9'; pos++)
			;
	if (len - pos == 1 && s[pos] == 'Z')
		return true;
	return len - pos == 6 && (s[pos] == '+' || s[pos] == '-') && s[pos + 3] == ':' &&
		digits(s + pos + 1, 2, &hh) && digits(s + pos + 4, 2, &mm) && hh <= 15 && mm <= 59;
}

/*
 * One value from the API as a column's Datum.  Only what is unambiguously
 * of the column's type is taken: "abc" is no numeric, "yes" no boolean and
 * "today" no date.  Anything else returns false and is left to bad_value().
 */
static bool
column_datum(JsonbValue *v, RasColType type, Datum *out)
{
	const char *s = v->type == jbvString ? v->val.string.val : NULL;
	int			len = v->type == jbvString ? v->val.string.len : 0;
	int64		i8;

	switch (type)
	{
		case RAS_COL_RAW:
		case RAS_COL_JSONB:
			*out = JsonbPGetDatum(JsonbValueToJsonb(v));
			return true;
		case RAS_COL_TEXT:
			*out = text_of(v);
			return true;
		case RAS_COL_NUMERIC:
			if (v->type == jbvNumeric)
			{
				*out = NumericGetDatum(v->val.numeric);
				return true;
			}
			if (s == NULL || !json_number(s, len))
				return false;
			*out = OidInputFunctionCall(F_NUMERIC_IN, pnstrdup(s, len), NUMERICOID, -1);
			return true;
		case RAS_COL_INT8:
			if (v->type == jbvNumeric)
			{
				char	   *t = ras_jsonb_scalar_text(v);

				s = t;
				len = strlen(t);
			}
			if (s == NULL || !int8_text(s, len, &i8))
				return false;
			*out = Int64GetDatum(i8);
			return true;
		case RAS_COL_BOOL:
			if (v->type == jbvBool)
				*out = BoolGetDatum(v->val.boolean);
			else if (len == 4 && pg_strncasecmp(s, "true", 4) == 0)
				*out = BoolGetDatum(true);
			else if (len == 5 && pg_strncasecmp(s, "false", 5) == 0)
				*out = BoolGetDatum(false);
			else
				return false;
			return true;
		case RAS_COL_DATE:
			{
				int			y,
							m,
							d;

				if (s == NULL ||
					!((len == 10 && parse_iso_date(s, len, &y, &m, &d)) ||
					  month_day_year(s, len, &y, &m, &d)))
					return false;
				*out = DateADTGetDatum(date2j(y, m, d) - POSTGRES_EPOCH_JDATE);
				return true;
			}
		case RAS_COL_TIMESTAMPTZ:
			{
				TimestampTz ts;

				if (s == NULL)
					return false;
				if (iso_utc_timestamp(s, len, &ts))
					*out = TimestampTzGetDatum(ts);
				else if (iso_timestamp_shape(s, len))
					*out = OidInputFunctionCall(F_TIMESTAMPTZ_IN, pnstrdup(s, len),
												TIMESTAMPTZOID, -1);
				else
					return false;
				return true;
			}
	}
	return false;
}

/*
 * A value that does not fit its column: a 58000 naming the entity, the
 * field and the value, or NULL in that column when ras.on_bad_value says so
 * (raw still holds the value).
 */
static void
bad_value(const RasRowSink *sink, const RasColumn *col, JsonbValue *v)
{
	char	   *shown;

	if (ras_bad_value == RAS_BAD_VALUE_NULL)
		return;
	shown = v->type == jbvString ? pnstrdup(v->val.string.val, v->val.string.len) :
		ras_jsonb_scalar_text(v);
	ereport(ERROR,
			(errcode(RAS_SQLSTATE_REMOTE),
			 errmsg("the API sent a value for field \"%s\" of %s that is not a %s: %s",
					col->path, sink->what ? sink->what : "a listing", ras_col_type_name(col->type),
					shown ? ras_remote_text(shown, strlen(shown), 100) : "null"),
			 errdetail("Column %s.", col->name),
			 errhint("SET ras.on_bad_value = 'null' to read such values as NULL (raw keeps them).")));
}

/*
 * The ids already returned, as 64-bit hashes of their bytes: no copy of the
 * id is kept, and two different ids sharing a hash (a chance of about one in
 * 2^64 per pair) is the only way a row could be dropped wrongly.
 */
/* An empty set of seen ids, in the current context. */
static HTAB *
seen_set(void)
{
	HASHCTL		ctl;

	ctl.keysize = sizeof(uint64);
	ctl.entrysize = sizeof(uint64);
	ctl.hcxt = CurrentMemoryContext;
	return hash_create("ras seen ids", 1024, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

/*
 * A new page begins (called in the listing's own memory context).  Memory
 * for ids stays bounded by two pages: an id the API repeats on the next page
 * (a shifting offset) or within a page is caught, and a listing of a million
 * rows does not keep a million ids.  With dedupe_all (split filters, whose
 * calls can overlap anywhere) every id is kept.
 */
void
ras_rows_new_page(RasRowSink *sink)
{
	if (sink->id_field == NULL)
		return;
	if (sink->seen_ids == NULL)
	{
		sink->seen_ids = seen_set();
		return;
	}
	if (sink->dedupe_all)
		return;
	if (sink->seen_prev)
		hash_destroy(sink->seen_prev);
	sink->seen_prev = sink->seen_ids;
	sink->seen_ids = seen_set();
}

/* False when this item's id was already returned. */
static bool
first_sighting(RasRowSink *sink, JsonbContainer *item)
{
	JsonbValue	idv;
	uint64		key;
	bool		found;

	if (sink->seen_ids == NULL ||
		!follow(item, &sink->plan->id_path, &idv) || idv.type == jbvNull)
		return true;
	if (idv.type == jbvString)
		key = hash_bytes_extended((const unsigned char *) idv.val.string.val,
								  idv.val.string.len, 0);
	else
	{
		char	   *s = ras_jsonb_scalar_text(&idv);

		key = hash_bytes_extended((const unsigned char *) s, strlen(s), 0);
	}
	if (sink->seen_prev && hash_search(sink->seen_prev, &key, HASH_FIND, NULL) != NULL)
		return false;
	hash_search(sink->seen_ids, &key, HASH_ENTER, &found);
	return !found;
}

/*
 * One listed object as a row; Datums are formed in the current context.
 * Only the attributes the sink needs are formed (a foreign scan's
 * projection); the others are NULL.
 */
static void
form_row(RasRowSink *sink, JsonbValue *item, Datum *values, bool *nulls)
{
	RasRowPlan *plan = sink->plan;

	for (int a = 0; a < sink->natts; a++)
	{
		JsonbValue	v;
		JsonbValue *found = NULL;

		nulls[a] = true;
		if (sink->columns[a].name == NULL || (sink->needed && !sink->needed[a]))
			continue;
		if (sink->columns[a].type == RAS_COL_RAW)
			found = item;
		else if (follow(item->val.binary.data, &plan->paths[a], &v))
			found = &v;
		nulls[a] = found == NULL || found->type == jbvNull;
		if (!nulls[a] && !column_datum(found, sink->columns[a].type, &values[a]))
		{
			bad_value(sink, &sink->columns[a], found);
			nulls[a] = true;
		}
	}
}

/*
 * Opens one page of a listing: parsed once, its list found, its nextToken
 * read.  The page lives in the current memory context.
 */
void
ras_rows_open(const char *body, size_t len, const char *array_key, RasPage *page)
{
	Jsonb	   *doc = ras_json_to_jsonb(body, len);
	JsonbContainer *list = NULL;
	JsonbValue	v;

	memset(page, 0, sizeof(*page));
	if (array_key == NULL)
	{
		if (!JB_ROOT_IS_ARRAY(doc) || JB_ROOT_IS_SCALAR(doc))
			ras_unexpected_answer("the answer is not a list");
		list = &doc->root;
	}
	else
	{
		if (!JB_ROOT_IS_OBJECT(doc))
			ras_unexpected_answer("the answer is not an object");
		if (getKeyJsonValueFromContainer(&doc->root, "nextToken", 9, &v) &&
			v.type == jbvString && v.val.string.len > 0)
			page->next_token = pnstrdup(v.val.string.val, v.val.string.len);
		/* an empty page may omit its list, or send null */
		if (getKeyJsonValueFromContainer(&doc->root, array_key, strlen(array_key), &v) &&
			v.type != jbvNull)
		{
			if (v.type != jbvBinary || !JsonContainerIsArray(v.val.binary.data))
				ras_unexpected_answer(psprintf("\"%s\" is not a list", array_key));
			list = v.val.binary.data;
		}
	}
	if (list == NULL)
		return;
	page->nitems = JsonContainerSize(list);
	page->it = JsonbIteratorInit(list);
}

/*
 * The next row of the page into values/nulls (formed in the current
 * context); false when the page has no more.  Objects whose id was already
 * returned are skipped.
 */
bool
ras_rows_next(RasPage *page, RasRowSink *sink, Datum *values, bool *nulls)
{
	JsonbValue	v;
	JsonbIteratorToken tok;

	while (page->it != NULL && (tok = JsonbIteratorNext(&page->it, &v, true)) != WJB_DONE)
	{
		if (tok != WJB_ELEM)
			continue;
		if (v.type != jbvBinary || !JsonContainerIsObject(v.val.binary.data))
			ras_unexpected_answer("a list item is not an object");
		if (!first_sighting(sink, v.val.binary.data))
			continue;
		form_row(sink, &v, values, nulls);
		return true;
	}
	page->it = NULL;
	return false;
}

/* Whether path is a column path compile_path takes (a foreign table's option). */
bool
ras_path_valid(const char *path)
{
	const char *p = path;

	if (path == NULL || *path == '\0' || strlen(path) > 1000)
		return false;
	for (int depth = 0; p; depth++)
	{
		const char *dot = strchr(p, '.');
		int			len = dot ? (int) (dot - p) : (int) strlen(p);
		const char *bracket = memchr(p, '[', len);

		if (len == 0 || depth >= RAS_MAX_PATH_DEPTH)
			return false;
		if (bracket)
		{
			const char *eq = memchr(bracket, '=', len - (bracket - p));

			if (bracket == p || eq == NULL || eq == bracket + 1 || p[len - 1] != ']' ||
				eq + 1 >= p + len - 1)
				return false;
		}
		else if (memchr(p, ']', len) || memchr(p, '=', len))
			return false;
		p = dot ? dot + 1 : NULL;
	}
	return true;
}

/* One object as a row of the sink's columns (a computed write result). */
void
ras_rows_form(RasRowSink *sink, JsonbValue *item, Datum *values, bool *nulls)
{
	form_row(sink, item, values, nulls);
}
