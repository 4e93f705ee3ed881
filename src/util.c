/*
 * util.c
 *     Small helpers shared by the SQL-callable functions: text datums
 *     without utils/builtins.h, argument lookup by name, SRF setup.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "ras.h"

Datum
ras_text_datum(const char *s, size_t len)
{
	text	   *t = (text *) palloc(len + VARHDRSZ);

	SET_VARSIZE(t, len + VARHDRSZ);
	memcpy(VARDATA(t), s, len);
	return PointerGetDatum(t);
}

/* Appends value percent-encoded for an application/x-www-form-urlencoded body. */
void
ras_form_escape(StringInfo buf, const char *value)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *p = (const unsigned char *) value; *p; p++)
	{
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
			(*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.' || *p == '~')
			appendStringInfoChar(buf, (char) *p);
		else
		{
			appendStringInfoChar(buf, '%');
			appendStringInfoChar(buf, hex[*p >> 4]);
			appendStringInfoChar(buf, hex[*p & 15]);
		}
	}
}

char *
ras_text_cstring(Datum d)
{
	text	   *t = DatumGetTextPP(d);
	size_t		len = VARSIZE_ANY_EXHDR(t);
	char	   *s = palloc(len + 1);

	memcpy(s, VARDATA_ANY(t), len);
	s[len] = '\0';
	return s;
}

/* A one-dimensional text[] of the C strings in a List. */
Datum
ras_text_list_array(List *strings)
{
	Datum	   *d = palloc(sizeof(Datum) * Max(list_length(strings), 1));
	int			n = 0;
	ListCell   *lc;

	foreach(lc, strings)
		d[n++] = ras_text_datum(lfirst(lc), strlen(lfirst(lc)));
	return PointerGetDatum(construct_array(d, n, TEXTOID, -1, false, TYPALIGN_INT));
}

/*
 * The elements of a text[]; NULL elements are refused, since every API
 * list we send is a list of values.
 */
void
ras_text_array(Datum array, Datum **values, int *n)
{
	ArrayType  *arr = DatumGetArrayTypeP(array);
	bool	   *nulls;

	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
				 errmsg("array arguments must be one-dimensional")));
	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, values, &nulls, n);
	for (int i = 0; i < *n; i++)
		if (nulls[i])
			ereport(ERROR,
					(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
					 errmsg("array arguments must not contain NULL")));
}

/* Position of the called function's argument named name, or -1. */
int
ras_call_arg(FunctionCallInfo fcinfo, const char *name)
{
	HeapTuple	tp;
	Oid		   *types;
	char	  **names;
	char	   *modes;
	int			nargs;
	int			found = -1;

	tp = SearchSysCache1(PROCOID, ObjectIdGetDatum(fcinfo->flinfo->fn_oid));
	if (!HeapTupleIsValid(tp))
		elog(ERROR, "cache lookup failed for function %u", fcinfo->flinfo->fn_oid);
	nargs = get_func_arg_info(tp, &types, &names, &modes);
	ReleaseSysCache(tp);
	for (int i = 0; names && i < nargs; i++)
		if (names[i] && strcmp(names[i], name) == 0)
		{
			found = i;
			break;
		}
	return found;
}

/* The text argument called name as a C string; NULL when it is NULL or absent. */
char *
ras_arg_text(FunctionCallInfo fcinfo, const char *name)
{
	int			pos = ras_call_arg(fcinfo, name);

	return (pos < 0 || PG_ARGISNULL(pos)) ? NULL : ras_text_cstring(PG_GETARG_DATUM(pos));
}

/* Sets up materialize mode and returns the tuplestore to fill. */
Tuplestorestate *
ras_srf_begin(FunctionCallInfo fcinfo, TupleDesc *tupdesc)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	*tupdesc = rsinfo->setDesc;
	return rsinfo->setResult;
}
