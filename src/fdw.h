/*
 * fdw.h
 *     What fdw.c (planning, scans) uses of fdw_table.c (a table's definition).
 */
#ifndef RAS_FDW_H
#define RAS_FDW_H

#include "nodes/parsenodes.h"
#include "utils/relcache.h"

#define scope_column ras_scope_column

/* What planning learnt about a foreign table. */
typedef struct TablePlan
{
	const RasEntity *entity;
	double		rows;
	bool		pushdown;
} TablePlan;

extern TablePlan *ras_fdw_table_plan(Oid relid);
extern bool ras_fdw_column_has_path(Oid relid, AttrNumber attnum);
extern const RasFilter *ras_fdw_filter_of_column(const RasEntity *e, const char *colname);
extern RasColumn *ras_fdw_table_columns(Relation rel, const RasEntity *e, bool **is_param);
extern List *ras_fdw_import(ImportForeignSchemaStmt *stmt, Oid serverOid);

#endif
