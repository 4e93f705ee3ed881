/*
 * fdw_table.c
 *     A ras foreign table's definition: its options and columns checked
 *     against its entity (at planning and by the DDL event trigger,
 *     ras.fdw_check_table), and IMPORT FOREIGN SCHEMA ras, which writes one
 *     table per listable entity.  Planning and scans are in fdw.c.
 */
#include "postgres.h"

#include "access/table.h"
#include "catalog/pg_foreign_table.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "foreign/foreign.h"
#include "nodes/parsenodes.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "ras.h"
#include "fdw.h"

/* Rows a table is taken to have when its "rows" option does not say. */
#define RAS_DEFAULT_ROWS	1000.0


/* ---------- table options ---------- */

TablePlan *
ras_fdw_table_plan(Oid relid)
{
	ForeignTable *ft = GetForeignTable(relid);
	TablePlan  *tp = palloc0(sizeof(TablePlan));
	ListCell   *lc;
	const char *entity = NULL;

	tp->rows = RAS_DEFAULT_ROWS;
	tp->pushdown = true;
	foreach(lc, ft->options)
	{
		DefElem    *def = lfirst(lc);

		if (strcmp(def->defname, "entity") == 0)
			entity = defGetString(def);
		else if (strcmp(def->defname, "rows") == 0)
			tp->rows = strtod(defGetString(def), NULL);
		else if (strcmp(def->defname, "pushdown") == 0)
			tp->pushdown = defGetBoolean(def);
	}
	if (entity == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("foreign table \"%s\" has no option \"entity\"", get_rel_name(relid)),
				 errhint("Valid entities are: %s.", ras_entity_list())));
	tp->entity = ras_entity_by_name(entity);
	if (tp->entity == NULL || tp->entity->list_path == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
				 errmsg("foreign table \"%s\" names unknown entity \"%s\"", get_rel_name(relid),
						entity),
				 errhint("Valid entities are: %s.", ras_entity_list())));
	return tp;
}


/* The filter whose column is colname, or NULL. */
const RasFilter *
ras_fdw_filter_of_column(const RasEntity *e, const char *colname)
{
	for (int i = 0; i < e->nfilters; i++)
	{
		const char *col = ras_filter_column(&e->filters[i]);

		if (col && strcmp(col, colname) == 0)
			return &e->filters[i];
	}
	return NULL;
}

static RasColType
col_type_of(Oid typid, bool *ok)
{
	*ok = true;
	switch (typid)
	{
		case TEXTOID:
			return RAS_COL_TEXT;
		case NUMERICOID:
			return RAS_COL_NUMERIC;
		case BOOLOID:
			return RAS_COL_BOOL;
		case INT8OID:
			return RAS_COL_INT8;
		case DATEOID:
			return RAS_COL_DATE;
		case TIMESTAMPTZOID:
			return RAS_COL_TIMESTAMPTZ;
		case JSONBOID:
			return RAS_COL_JSONB;
	}
	*ok = false;
	return RAS_COL_TEXT;
}

static char *
column_option(Oid relid, AttrNumber attnum, const char *name)
{
	ListCell   *lc;

	foreach(lc, GetForeignColumnOptions(relid, attnum))
	{
		DefElem    *def = lfirst(lc);

		if (strcmp(def->defname, name) == 0)
			return defGetString(def);
	}
	return NULL;
}

/* Whether the column has a path option: it holds a field of its own choosing. */
bool
ras_fdw_column_has_path(Oid relid, AttrNumber attnum)
{
	return column_option(relid, attnum, "path") != NULL;
}

/* "campaign_id text, name text, ...": the columns a table of e may have. */
static char *
valid_columns(const RasEntity *e)
{
	StringInfoData buf;
	const char *scope = scope_column(e);

	initStringInfo(&buf);
	for (int c = 0; c < e->ncolumns; c++)
		appendStringInfo(&buf, "%s%s %s", buf.len ? ", " : "", e->columns[c].name,
						 ras_col_type_name(e->columns[c].type));
	if (scope)
		appendStringInfo(&buf, ", %s text", scope);
	for (int i = 0; i < e->nfilters; i++)
		if (e->filters[i].kind == RAS_FILTER_OBJECT)
			appendStringInfo(&buf, ", %s text", ras_filter_column(&e->filters[i]));
	return buf.data;
}

/*
 * How each attribute of a table is filled: a descriptor column, a column
 * with a path option, or a parameter column (is_param[a]).  Anything else is
 * refused, listing what is valid.
 */
RasColumn *
ras_fdw_table_columns(Relation rel, const RasEntity *e, bool **is_param)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	RasColumn  *cols = ras_list_map_columns(e, tupdesc, false);
	const char *scope = scope_column(e);

	*is_param = palloc0(sizeof(bool) * Max(tupdesc->natts, 1));
	for (int a = 0; a < tupdesc->natts; a++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, a);
		const char *name = NameStr(att->attname);
		char	   *path;
		const RasFilter *f;
		bool		typed;
		RasColType	type;

		if (att->attisdropped)
			continue;
		path = column_option(RelationGetRelid(rel), att->attnum, "path");
		if (path != NULL)
		{
			type = col_type_of(att->atttypid, &typed);
			if (!typed)
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
						 errmsg("column \"%s\" of foreign table \"%s\" has a type ras cannot fill",
								name, RelationGetRelationName(rel)),
						 errhint("Use text, numeric, boolean, bigint, date, timestamptz or jsonb.")));
			cols[a].name = pstrdup(name);
			cols[a].type = type;
			cols[a].path = path;
			continue;
		}
		if (cols[a].name != NULL)
			continue;
		f = ras_fdw_filter_of_column(e, name);
		if (att->atttypid == TEXTOID &&
			((scope && strcmp(name, scope) == 0) || (f && f->kind == RAS_FILTER_OBJECT)))
		{
			(*is_param)[a] = true;
			continue;
		}
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_COLUMN_NAME),
				 errmsg("column \"%s\" %s of foreign table \"%s\" is not a field of %s",
						name, format_type_be(att->atttypid), RelationGetRelationName(rel),
						e->sql_name),
				 errdetail("Valid columns: %s.", valid_columns(e)),
				 errhint("For any other field, add OPTIONS (path 'jsonField.member') to the column.")));
	}
	return cols;
}

/* ras.fdw_check_table(regclass): the DDL check of the event trigger. */
PG_FUNCTION_INFO_V1(ras_fdw_check_table);

Datum
ras_fdw_check_table(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	Relation	rel;
	TablePlan  *tp;
	bool	   *is_param;

	if (get_rel_relkind(relid) != RELKIND_FOREIGN_TABLE ||
		strcmp(GetForeignDataWrapper(GetForeignServer(GetForeignTable(relid)->serverid)->fdwid)->fdwname,
			   "ras") != 0)
		PG_RETURN_VOID();
	tp = ras_fdw_table_plan(relid);
	rel = table_open(relid, AccessShareLock);
	(void) ras_fdw_table_columns(rel, tp->entity, &is_param);
	table_close(rel, AccessShareLock);
	PG_RETURN_VOID();
}

/* ---------- IMPORT FOREIGN SCHEMA ras ---------- */

List *
ras_fdw_import(ImportForeignSchemaStmt *stmt, Oid serverOid)
{
	ForeignServer *server = GetForeignServer(serverOid);
	List	   *commands = NIL;
	const RasEntity *e;

	if (strcmp(stmt->remote_schema, "ras") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_SCHEMA_NOT_FOUND),
				 errmsg("ras has no remote schema \"%s\"", stmt->remote_schema),
				 errhint("IMPORT FOREIGN SCHEMA ras FROM SERVER %s INTO ...",
						 quote_identifier(server->servername))));
	for (int i = 0; (e = ras_entity_at(i)) != NULL; i++)
	{
		StringInfoData buf;
		const char *scope = scope_column(e);

		if (e->list_path == NULL)
			continue;
		initStringInfo(&buf);
		appendStringInfo(&buf, "CREATE FOREIGN TABLE %s (\n",
						 quote_qualified_identifier(stmt->local_schema, e->sql_name));
		for (int c = 0; c < e->ncolumns; c++)
			appendStringInfo(&buf, "  %s %s,\n", quote_identifier(e->columns[c].name),
							 ras_col_type_name(e->columns[c].type));
		for (int f = 0; f < e->nfilters; f++)
			if (e->filters[f].kind == RAS_FILTER_OBJECT)
				appendStringInfo(&buf, "  %s text,\n",
								 quote_identifier(ras_filter_column(&e->filters[f])));
		if (scope)
			appendStringInfo(&buf, "  %s text,\n", scope);
		buf.len -= 2;			/* the last ",\n" */
		appendStringInfo(&buf, "\n) SERVER %s OPTIONS (entity %s)",
						 quote_identifier(server->servername), quote_literal_cstr(e->sql_name));
		commands = lappend(commands, buf.data);
	}
	return commands;
}
