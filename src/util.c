/*
 * util.c
 *     Small helpers shared by the SQL-callable functions: text datums
 *     without utils/builtins.h, argument lookup by name, SRF setup.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_proc.h"
#include "catalog/dependency.h"
#include "commands/extension.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/fmgroids.h"
#include "utils/rel.h"
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

/*
 * What a call site of an extension function knows once resolved: its own
 * name and argument names, read from the catalog once and kept in fn_extra
 * (per call site, in the function's memory context), so that no argument
 * access looks anything up again.  Only functions of the ras extension, in
 * its schema, resolve: a function of another schema that points at the same
 * C symbol, or a renamed one, can never pass for one of ras's own.
 */
typedef struct RasCallSite
{
	Oid			fn_oid;
	char	   *name;
	int			nargs;
	char	  **argnames;
	void	   *cache;			/* the caller's own per-site data (descriptor, ...) */
} RasCallSite;

/* The schema of extension extoid (get_extension_schema is static before 16). */
static Oid
extension_schema(Oid extoid)
{
	Relation	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	Oid			nsp = InvalidOid;

	ScanKeyInit(&key, Anum_pg_extension_oid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(extoid));
	scan = systable_beginscan(rel, ExtensionOidIndexId, true, NULL, 1, &key);
	if (HeapTupleIsValid(tup = systable_getnext(scan)))
		nsp = ((Form_pg_extension) GETSTRUCT(tup))->extnamespace;
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return nsp;
}

static RasCallSite *
call_site(FunctionCallInfo fcinfo)
{
	FmgrInfo   *flinfo = fcinfo->flinfo;
	RasCallSite *site = (RasCallSite *) flinfo->fn_extra;
	MemoryContext old;
	HeapTuple	tp;
	Form_pg_proc proc;
	Oid			extoid;
	Oid		   *types;
	char	  **names;
	char	   *modes;

	if (site != NULL && site->fn_oid == flinfo->fn_oid)
		return site;

	tp = SearchSysCache1(PROCOID, ObjectIdGetDatum(flinfo->fn_oid));
	if (!HeapTupleIsValid(tp))
		elog(ERROR, "cache lookup failed for function %u", flinfo->fn_oid);
	proc = (Form_pg_proc) GETSTRUCT(tp);
	extoid = get_extension_oid("ras", true);
	if (!OidIsValid(extoid) || proc->pronamespace != extension_schema(extoid) ||
		getExtensionOfObject(ProcedureRelationId, flinfo->fn_oid) != extoid)
	{
		char	   *name = pstrdup(NameStr(proc->proname));

		ReleaseSysCache(tp);
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("function %s is not one of the ras extension's own", name),
				 errhint("Call the functions of schema ras as CREATE EXTENSION made them.")));
	}

	old = MemoryContextSwitchTo(flinfo->fn_mcxt);
	site = palloc0(sizeof(RasCallSite));
	site->fn_oid = flinfo->fn_oid;
	site->name = pstrdup(NameStr(proc->proname));
	site->nargs = get_func_arg_info(tp, &types, &names, &modes);
	site->argnames = palloc0(sizeof(char *) * Max(site->nargs, 1));
	for (int i = 0; names && i < site->nargs; i++)
		site->argnames[i] = names[i] ? pstrdup(names[i]) : NULL;
	MemoryContextSwitchTo(old);
	ReleaseSysCache(tp);
	flinfo->fn_extra = site;
	return site;
}

/* Position of the called function's argument named name, or -1. */
int
ras_call_arg(FunctionCallInfo fcinfo, const char *name)
{
	RasCallSite *site = call_site(fcinfo);

	for (int i = 0; i < site->nargs; i++)
		if (site->argnames[i] && strcmp(site->argnames[i], name) == 0)
			return i;
	return -1;
}

/* The called function's name (it is one of the extension's own). */
const char *
ras_call_name(FunctionCallInfo fcinfo)
{
	return call_site(fcinfo)->name;
}

/* A slot for what the caller resolves once per call site, in fn_mcxt. */
void	  **
ras_call_cache(FunctionCallInfo fcinfo)
{
	return &call_site(fcinfo)->cache;
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
