/*
 * fdw.c
 *     Foreign tables over the list engine: IMPORT FOREIGN SCHEMA, WHERE /
 *     LIMIT / column pushdown, streaming scans, EXPLAIN that shows the API
 *     calls.
 *
 * A foreign table names its entity (table option "entity"); its columns are
 * the entity's columns by name, columns with a "path" option for fields ras
 * does not type, and "parameter" columns: the scope (profile_id or
 * account_id) and a required filter's column (products' retailer_id), whose
 * value comes from the WHERE clause and is shown on every row.
 *
 * Pushdown: a qual the API can express (col = value, col = ANY(array),
 * col IN (...), a boolean column or its negation) becomes a filter of the
 * listing, its value evaluated when the scan starts (constants, parameters,
 * stable expressions, = ANY(ARRAY(SELECT ...)) subqueries).  Every qual is
 * also checked locally, so the result always equals local filtering; the
 * API only sends fewer rows.  No parameterized paths: a join never calls the
 * API once per outer row.
 *
 * Pages are requested when the executor needs more rows and rows go to the
 * executor straight from the page: no tuplestore, memory bounded by a page.
 * Only the columns the query uses are formed.
 *
 * A table's definition (options, columns, the DDL check) and IMPORT FOREIGN
 * SCHEMA are in fdw_table.c.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/reloptions.h"
#include "access/table.h"
#include "catalog/pg_foreign_table.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "commands/explain.h"
#include "executor/executor.h"
#include "foreign/fdwapi.h"
#include "foreign/foreign.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/clauses.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/planmain.h"
#include "optimizer/restrictinfo.h"
#include "parser/parsetree.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"

#include "ras.h"
#include "fdw.h"

/* A pushed-down qual: which filter (or the scope), from which expression. */
typedef enum PushKind
{
	PUSH_FILTER,
	PUSH_SCOPE
} PushKind;

/* ---------- planning ---------- */

static void
ras_get_rel_size(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	TablePlan  *tp = ras_fdw_table_plan(foreigntableid);

	baserel->fdw_private = tp;
	baserel->rows = clamp_row_est(tp->rows *
								  clauselist_selectivity(root, baserel->baserestrictinfo, 0,
														 JOIN_INNER, NULL));
}

static void
ras_get_paths(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	TablePlan  *tp = baserel->fdw_private;

	/* a request per page of ~100 rows, each worth a thousand tuples */
	Cost		startup = 10000;
	Cost		total = startup + tp->rows * 10;

	add_path(baserel, (Path *) create_foreignscan_path(root, baserel, NULL, baserel->rows,
													   startup, total, NIL, NULL, NULL, NIL));
}

/* A value the scan can compute when it starts: no Vars, nothing volatile. */
static bool
pushable_value(Node *node)
{
	if (node == NULL)
		return false;
	return !contain_var_clause(node) && !contain_volatile_functions(node) &&
		!contain_subplans(node);
}

/*
 * The column a Var of this relation is, or NULL.  A column with a path
 * option is NULL too: it holds another field than the filter of its name
 * would test.
 */
static const char *
var_column(Node *node, RelOptInfo *baserel, Oid relid, Oid *typid)
{
	Var		   *var;

	if (node && IsA(node, RelabelType))
		node = (Node *) ((RelabelType *) node)->arg;
	if (node == NULL || !IsA(node, Var))
		return NULL;
	var = (Var *) node;
	if (var->varno != baserel->relid || var->varlevelsup != 0 || var->varattno <= 0)
		return NULL;
	if (ras_fdw_column_has_path(relid, var->varattno))
		return NULL;
	*typid = var->vartype;
	return get_attname(relid, var->varattno, false);
}

/*
 * Whether opno, compared under collation collid, is the equality of text or
 * of boolean that the API's filters mean: byte for byte.  A nondeterministic
 * collation (case-insensitive, say) would keep rows the API never sends.
 */
static bool
is_equality(Oid opno, Oid collid)
{
	if (OidIsValid(collid) && !get_collation_isdeterministic(collid))
		return false;
	return opno == TextEqualOperator || opno == BooleanEqualOperator;
}

/*
 * Matches one qual against the API's filters.  On success, *target is the
 * filter (or NULL for the scope column), *value the expression of its value
 * (a text, text[] or boolean expression), *negate for NOT col.
 */
static bool
match_qual(Expr *clause, RelOptInfo *baserel, Oid relid, const RasEntity *e,
		   const RasFilter **target, Expr **value, bool *array, bool *scope)
{
	Oid			typid = InvalidOid;
	const char *col = NULL;
	Node	   *left;
	Node	   *right;

	*array = false;
	*scope = false;
	if (IsA(clause, OpExpr) && list_length(((OpExpr *) clause)->args) == 2 &&
		is_equality(((OpExpr *) clause)->opno, ((OpExpr *) clause)->inputcollid))
	{
		left = linitial(((OpExpr *) clause)->args);
		right = lsecond(((OpExpr *) clause)->args);
		if ((col = var_column(left, baserel, relid, &typid)) == NULL ||
			!pushable_value(right))
		{
			Node	   *tmp = left;

			left = right;
			right = tmp;
			col = var_column(left, baserel, relid, &typid);
			if (col == NULL || !pushable_value(right))
				return false;
		}
		*value = (Expr *) right;
	}
	else if (IsA(clause, ScalarArrayOpExpr) && ((ScalarArrayOpExpr *) clause)->useOr &&
			 is_equality(((ScalarArrayOpExpr *) clause)->opno,
						 ((ScalarArrayOpExpr *) clause)->inputcollid))
	{
		left = linitial(((ScalarArrayOpExpr *) clause)->args);
		right = lsecond(((ScalarArrayOpExpr *) clause)->args);
		if ((col = var_column(left, baserel, relid, &typid)) == NULL || !pushable_value(right))
			return false;
		*value = (Expr *) right;
		*array = true;
	}
	else if (IsA(clause, Var) || (IsA(clause, BoolExpr) &&
								  ((BoolExpr *) clause)->boolop == NOT_EXPR &&
								  IsA(linitial(((BoolExpr *) clause)->args), Var)))
	{
		bool		negated = !IsA(clause, Var);
		Node	   *var = negated ? linitial(((BoolExpr *) clause)->args) : (Node *) clause;

		if ((col = var_column(var, baserel, relid, &typid)) == NULL || typid != BOOLOID)
			return false;
		*value = (Expr *) makeBoolConst(!negated, false);
	}
	else
		return false;

	if (scope_column(e) && strcmp(col, scope_column(e)) == 0 && typid == TEXTOID)
	{
		*scope = true;
		*target = NULL;
		return true;
	}
	*target = ras_fdw_filter_of_column(e, col);
	if (*target == NULL)
		return false;
	switch ((*target)->kind)
	{
		case RAS_FILTER_INCLUDE:
		case RAS_FILTER_ARRAY:
		case RAS_FILTER_QUERY_TERM:
			return typid == TEXTOID;
		case RAS_FILTER_OBJECT:
		case RAS_FILTER_QUERY_PARAM:
			return typid == TEXTOID && !*array;
		case RAS_FILTER_BOOL_INCLUDE:
			return typid == BOOLOID && !*array;
		default:
			return false;
	}
}

/*
 * fdw_private of the plan: the entity's name, the attributes needed (a
 * list of 0/1), the pushed quals' (kind, filter index, is-array) triples and
 * the limit; fdw_exprs: the pushed quals' value expressions and their
 * original clauses (for EXPLAIN).
 */
static ForeignScan *
ras_get_plan(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid,
			 ForeignPath *best_path, List *tlist, List *scan_clauses, Plan *outer_plan)
{
	TablePlan  *tp = baserel->fdw_private;
	const RasEntity *e = tp->entity;
	List	   *pushed = NIL;
	List	   *exprs = NIL;
	List	   *clauses = NIL;
	List	   *needed = NIL;
	Bitmapset  *attrs = NULL;
	ListCell   *lc;
	bool		all_exact = true;
	Bitmapset  *sent = NULL;	/* filters a qual is sent for */
	int			natts;
	double		limit = -1;

	/* the columns the query uses: target list and every qual (all stay local) */
	pull_varattnos((Node *) baserel->reltarget->exprs, baserel->relid, &attrs);
	foreach(lc, scan_clauses)
		pull_varattnos((Node *) ((RestrictInfo *) lfirst(lc))->clause, baserel->relid, &attrs);
	{
		Relation	rel = table_open(foreigntableid, NoLock);

		natts = RelationGetNumberOfAttributes(rel);
		table_close(rel, NoLock);
	}
	for (int a = 1; a <= natts; a++)
		needed = lappend_int(needed,
							 bms_is_member(a - FirstLowInvalidHeapAttributeNumber, attrs) ||
							 bms_is_member(0 - FirstLowInvalidHeapAttributeNumber, attrs));

	foreach(lc, scan_clauses)
	{
		RestrictInfo *ri = lfirst(lc);
		const RasFilter *f;
		Expr	   *value;
		bool		array;
		bool		scope;

		/*
		 * The scope and a required filter are what the query means, not an
		 * optimization: they are sent even with pushdown off.
		 */
		if (match_qual(ri->clause, baserel, foreigntableid, e, &f, &value, &array, &scope) &&
			(tp->pushdown || scope || f->required) &&
			(scope || !bms_is_member((int) (f - e->filters), sent)))
		{
			/* a filter takes one qual: a second on it stays local (scope quals intersect) */
			if (!scope)
				sent = bms_add_member(sent, (int) (f - e->filters));
			pushed = lappend(pushed, list_make3_int(scope ? PUSH_SCOPE : PUSH_FILTER,
													scope ? -1 : (int) (f - e->filters),
													array));
			exprs = lappend(exprs, value);
			clauses = lappend(clauses, ri->clause);
			/* names and keywords match the API's way: maybe not byte for byte */
			if (!scope && f->kind == RAS_FILTER_QUERY_TERM)
				all_exact = false;
		}
		else
			all_exact = false;
	}

	/*
	 * LIMIT n bounds the rows asked for when nothing between this scan and
	 * the limit can drop or reorder rows: one table, no ORDER BY, every qual
	 * sent exactly.
	 */
	if (root->limit_tuples > 0 && all_exact && root->parse->sortClause == NIL &&
		bms_membership(root->all_baserels) == BMS_SINGLETON)
		limit = root->limit_tuples;

	return make_foreignscan(tlist, extract_actual_clauses(scan_clauses, false),
							baserel->relid, list_concat(exprs, clauses),
							list_make4(makeString(pstrdup(e->sql_name)), needed, pushed,
									   makeFloat(psprintf("%.0f", limit))),
							NIL, NIL, outer_plan);
}

/* ---------- execution ---------- */

typedef struct RasScan
{
	const RasEntity *entity;
	RasConn    *conn;
	RasRowSink	sink;
	bool	   *is_param;
	char	   *param_value;	/* required filter's single value (products) */
	List	   *scopes;			/* scope ids, one listing each */
	ListCell   *scope_cell;		/* the next scope */
	const char *scope;			/* the scope being listed */
	RasListCall *call;
	RasListCursor *cursor;
	MemoryContext row_ctx;
	Datum	   *values;
	bool	   *nulls;
	bool		empty;			/* a pushed filter matches nothing */
	RasListStats stats;			/* of the scopes done */
	List	   *value_states;	/* ExprState per pushed qual */
	Tuplestorestate *ts;		/* rows of concurrent listings; NULL: streamed */
	TupleTableSlot *ts_slot;
	List	   *pushed;
	int64		limit;			/* rows asked for at most (the plan's LIMIT); -1: all */
	bool		inexact;		/* a pushed qual was not sent: no limit this time */
	MemoryContext scan_ctx;		/* what one run of the scan builds; reset at rescan */
} RasScan;

/* The text values of a pushed expression (text, text[] or boolean). */
static void
pushed_values(ExprState *es, ExprContext *econtext, bool array, Datum **values, int *n,
			  bool *isnull)
{
	Datum		d = ExecEvalExpr(es, econtext, isnull);

	*values = NULL;
	*n = 0;
	if (*isnull)
		return;
	if (array)
	{
		ArrayType  *arr = DatumGetArrayTypeP(d);
		bool	   *nulls;
		Datum	   *vals;
		int			count;
		int			out = 0;

		deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &vals, &nulls, &count);
		*values = palloc(sizeof(Datum) * Max(count, 1));
		for (int i = 0; i < count; i++)
			if (!nulls[i])		/* col = ANY('{a,NULL}') matches a only */
				(*values)[out++] = vals[i];
		*n = out;
		return;
	}
	*values = palloc(sizeof(Datum));
	(*values)[0] = d;
	*n = 1;
}

static bool
string_in_list(List *list, const char *s)
{
	ListCell   *lc;

	foreach(lc, list)
		if (strcmp(lfirst(lc), s) == 0)
			return true;
	return false;
}

static void
build_listing(RasScan *ss, ExprContext *econtext)
{
	const RasEntity *e = ss->entity;
	ListCell   *lp;
	ListCell   *le;
	List	   *scope_values = NIL;
	bool		scope_given = false;

	ss->call = ras_list_call_new(e);
	ss->empty = false;
	ss->inexact = false;
	forboth(lp, ss->pushed, le, ss->value_states)
	{
		List	   *p = lfirst(lp);
		int			kind = linitial_int(p);
		int			findex = lsecond_int(p);
		bool		array = lthird_int(p);
		Datum	   *values;
		int			n;
		bool		isnull;

		pushed_values(lfirst(le), econtext, array, &values, &n, &isnull);
		if (isnull)
		{
			/* col = NULL matches nothing */
			ss->empty = true;
			continue;
		}
		if (kind == PUSH_SCOPE)
		{
			List	   *these = NIL;

			/* each scope once (profile_id IN ('1', '1') lists it once) */
			for (int i = 0; i < n; i++)
			{
				char	   *id = TextDatumGetCString(values[i]);

				if (!string_in_list(these, id))
					these = lappend(these, id);
			}
			/* two scope quals: the scopes both name */
			if (scope_given)
			{
				List	   *both = NIL;
				ListCell   *lc;

				foreach(lc, scope_values)
					if (string_in_list(these, lfirst(lc)))
						both = lappend(both, lfirst(lc));
				these = both;
			}
			scope_values = these;
			scope_given = true;
			continue;
		}
		{
			const RasFilter *f = &e->filters[findex];
			RasFilterValues *fv = NULL;

			/* a second qual on the same filter: keep the first, the other stays local */
			for (int i = 0; i < ss->call->nfilters; i++)
				if (ss->call->filters[i].filter == f)
					fv = &ss->call->filters[i];
			if (fv != NULL)
				continue;
			fv = ras_list_call_add(ss->call, f);
			if (f->kind == RAS_FILTER_BOOL_INCLUDE)
				fv->flag = DatumGetBool(values[0]);
			else if (f->kind == RAS_FILTER_OBJECT || f->kind == RAS_FILTER_QUERY_PARAM)
			{
				fv->match = TextDatumGetCString(values[0]);
				if (f->kind == RAS_FILTER_OBJECT)
					ss->param_value = fv->match;
			}
			else
			{
				int			kept = 0;

				/*
				 * A value the filter does not take may still be the column's
				 * (match_type is PRODUCT_EXACT for product targets, which the
				 * filter's BROAD/EXACT/PHRASE cannot ask for): then the
				 * filter is not sent at all, the qual stays local, and no
				 * LIMIT is passed on, as it could cut rows the qual keeps.
				 * An empty list matches nothing.
				 */
				for (int v = 0; v < n; v++)
				{
					bool		valid = f->valid == NULL;

					for (const char *const *ok = f->valid; ok && *ok && !valid; ok++)
						valid = strcmp(*ok, TextDatumGetCString(values[v])) == 0;
					if (valid)
						values[kept++] = values[v];
				}
				if (kept < n)
				{
					ss->call->nfilters--;
					ss->inexact = true;
					continue;
				}
				fv->values = values;
				fv->nvalues = kept;
				if (kept == 0)
					ss->empty = true;
				if (f->kind == RAS_FILTER_QUERY_TERM)
					fv->match = "EXACT_MATCH";
			}
		}
	}
	for (int i = 0; i < e->nfilters; i++)
	{
		bool		given = false;

		for (int j = 0; j < ss->call->nfilters; j++)
			given |= ss->call->filters[j].filter == &e->filters[i];
		if (e->filters[i].required && !given)
			ereport(ERROR,
					(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
					 errmsg("a scan of %s needs WHERE %s = '...'", e->sql_name,
							ras_filter_column(&e->filters[i])),
					 errdetail("The API lists %s of one %s at a time.", e->sql_name,
							   ras_filter_column(&e->filters[i]))));
	}
	ras_list_call_done(ss->call);
	ss->empty |= ss->call->empty;

	/* the scopes: those the WHERE clause names, else the setting */
	ss->scopes = NIL;
	if (e->scope != RAS_SCOPE_NONE)
	{
		ListCell   *lc;

		if (!scope_given)
			scope_values = list_make1(NULL);
		foreach(lc, scope_values)
			ss->scopes = lappend(ss->scopes, (void *) (e->scope == RAS_SCOPE_PROFILE ?
													   ras_profile_resolve(lfirst(lc)) :
													   ras_account_resolve(lfirst(lc))));
	}
	else
		ss->scopes = list_make1(NULL);
	ss->scope_cell = list_head(ss->scopes);
}

static void
ras_begin_scan(ForeignScanState *node, int eflags)
{
	ForeignScan *fs = (ForeignScan *) node->ss.ps.plan;
	EState	   *estate = node->ss.ps.state;
	RangeTblEntry *rte = exec_rt_fetch(fs->scan.scanrelid, estate);
	Oid			userid = rte->checkAsUser ? rte->checkAsUser : GetUserId();
	Relation	rel = node->ss.ss_currentRelation;
	RasScan  *ss = palloc0(sizeof(RasScan));
	List	   *needed = lsecond(fs->fdw_private);
	int			npushed;
	ListCell   *lc;
	int			a = 0;

	node->fdw_state = ss;
	ss->entity = ras_entity_by_name(strVal(linitial(fs->fdw_private)));
	ss->pushed = lthird(fs->fdw_private);
	ss->limit = (int64) floatVal(lfourth(fs->fdw_private));
	npushed = list_length(ss->pushed);
	ss->sink.tupdesc = RelationGetDescr(rel);
	ss->sink.natts = ss->sink.tupdesc->natts;
	ss->sink.columns = ras_fdw_table_columns(rel, ss->entity, &ss->is_param);
	ss->sink.needed = palloc0(sizeof(bool) * Max(ss->sink.natts, 1));
	foreach(lc, needed)
		ss->sink.needed[a++] = lfirst_int(lc) != 0;
	ss->sink.what = ss->entity->sql_name;
	ss->sink.id_field = ss->entity->id_field;
	ras_rows_prepare(&ss->sink);
	ss->values = palloc0(sizeof(Datum) * Max(ss->sink.natts, 1));
	ss->nulls = palloc0(sizeof(bool) * Max(ss->sink.natts, 1));
	ss->row_ctx = AllocSetContextCreate(estate->es_query_cxt, "ras foreign row",
										ALLOCSET_SMALL_SIZES);
	ss->scan_ctx = AllocSetContextCreate(estate->es_query_cxt, "ras foreign scan",
										 ALLOCSET_DEFAULT_SIZES);
	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;

	ss->conn = ras_conn_for_server(GetForeignTable(RelationGetRelid(rel))->serverid, userid);
	ss->value_states = ExecInitExprList(list_truncate(list_copy(fs->fdw_exprs), npushed),
										(PlanState *) node);
}

static void
add_stats(RasListStats *to, const RasListStats *st)
{
	to->requests += st->requests;
	to->pages += st->pages;
	to->rows_received += st->rows_received;
	to->retries += st->retries;
}

/* The rows a listing of this run may stop at: the plan's LIMIT, unless a qual was kept back. */
static int64
max_rows(const RasScan *ss)
{
	return ss->limit > 0 && !ss->inexact ? ss->limit : 0;
}

/* The next scope's listing, or false when every scope is done. */
static bool
next_listing(ForeignScanState *node)
{
	RasScan  *ss = node->fdw_state;
	MemoryContext old;

	if (ss->cursor)
	{
		add_stats(&ss->stats, ras_list_stats(ss->cursor));
		ss->cursor = NULL;
	}
	if (ss->scope_cell == NULL || ss->empty)
		return false;
	old = MemoryContextSwitchTo(ss->scan_ctx);
	ss->sink.nrows = 0;
	ss->sink.max_rows = max_rows(ss);
	ss->scope = lfirst(ss->scope_cell);
	ss->cursor = ras_list_open(ss->conn, ss->call, ss->scope, &ss->sink);
	MemoryContextSwitchTo(old);
	ss->scope_cell = lnext(ss->scopes, ss->scope_cell);
	return true;
}

static TupleTableSlot *
ras_iterate(ForeignScanState *node)
{
	RasScan  *ss = node->fdw_state;
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;
	TupleDesc	tupdesc = ss->sink.tupdesc;

	ExecClearTuple(slot);
	if (ss->call == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(ss->scan_ctx);
		int			ncombos = 1;

		build_listing(ss, node->ss.ps.ps_ExprContext);
		for (int i = 0; i < ss->call->nfilters; i++)
			ncombos *= ss->call->filters[i].nchunks;
		if (!ss->empty && (list_length(ss->scopes) > 1 || ncombos > 1))
		{
			/*
			 * Several scopes (profile_id = ANY(...)) or split filters: their
			 * listings run concurrently, into a tuplestore read from here.
			 */
			int			scope_attno = -1;

			for (int a = 0; a < tupdesc->natts; a++)
				if (ss->is_param[a] && scope_column(ss->entity) &&
					strcmp(NameStr(TupleDescAttr(tupdesc, a)->attname),
						   scope_column(ss->entity)) == 0)
					scope_attno = a;
			ss->sink.nrows = 0;
			ss->sink.max_rows = max_rows(ss);
			ss->ts = tuplestore_begin_heap(false, false, work_mem);
			if (ss->ts_slot == NULL)
			{
				/* one slot for the scan's life: a rescan keeps it */
				MemoryContextSwitchTo(node->ss.ps.state->es_query_cxt);
				ss->ts_slot = MakeSingleTupleTableSlot(tupdesc, &TTSOpsMinimalTuple);
				MemoryContextSwitchTo(ss->scan_ctx);
			}
			ras_dispatch_listings(ss->conn, ss->call, ss->scopes, &ss->sink, ss->ts,
								  scope_attno, false, &ss->stats);
			ss->scope_cell = NULL;
		}
		MemoryContextSwitchTo(old);
		if (ss->ts == NULL && !next_listing(node))
			return slot;
	}
	MemoryContextReset(ss->row_ctx);
	if (ss->ts != NULL)
	{
		/* rows of a concurrent listing: the scope column is filled in already */
		if (!tuplestore_gettupleslot(ss->ts, true, false, ss->ts_slot))
			return slot;
		slot_getallattrs(ss->ts_slot);
		memcpy(slot->tts_values, ss->ts_slot->tts_values, sizeof(Datum) * tupdesc->natts);
		memcpy(slot->tts_isnull, ss->ts_slot->tts_isnull, sizeof(bool) * tupdesc->natts);
		for (int a = 0; a < tupdesc->natts; a++)
			if (ss->is_param[a] && !(scope_column(ss->entity) &&
									 strcmp(NameStr(TupleDescAttr(tupdesc, a)->attname),
											scope_column(ss->entity)) == 0))
			{
				slot->tts_isnull[a] = ss->param_value == NULL;
				if (ss->param_value)
				{
					MemoryContext old = MemoryContextSwitchTo(ss->row_ctx);

					slot->tts_values[a] = CStringGetTextDatum(ss->param_value);
					MemoryContextSwitchTo(old);
				}
			}
		ExecStoreVirtualTuple(slot);
		return slot;
	}
	for (;;)
	{
		MemoryContext old;
		bool		got;

		if (ss->cursor == NULL)
			return slot;
		old = MemoryContextSwitchTo(ss->row_ctx);
		got = ras_list_next(ss->cursor, slot->tts_values, slot->tts_isnull);
		MemoryContextSwitchTo(old);
		if (got)
			break;
		if (!next_listing(node))
			return slot;
	}
	/* parameter columns show the scope and the required filter's value */
	for (int a = 0; a < tupdesc->natts; a++)
		if (ss->is_param[a])
		{
			const char *scope = scope_column(ss->entity);
			const char *v = scope && strcmp(NameStr(TupleDescAttr(tupdesc, a)->attname), scope) == 0 ?
				ss->scope : ss->param_value;

			slot->tts_isnull[a] = v == NULL;
			if (v)
			{
				MemoryContext old = MemoryContextSwitchTo(ss->row_ctx);

				slot->tts_values[a] = CStringGetTextDatum(v);
				MemoryContextSwitchTo(old);
			}
		}
	ExecStoreVirtualTuple(slot);
	return slot;
}

static void
ras_rescan(ForeignScanState *node)
{
	RasScan  *ss = node->fdw_state;

	/* parameters may have changed: evaluate the pushed values again */
	if (ss->cursor)
		add_stats(&ss->stats, ras_list_stats(ss->cursor));
	ss->call = NULL;
	ss->cursor = NULL;
	if (ss->ts)
		tuplestore_end(ss->ts);
	ss->ts = NULL;
	if (ss->ts_slot)
		ExecClearTuple(ss->ts_slot);
	/* the last run's listing, cursor and pages */
	MemoryContextReset(ss->row_ctx);
	MemoryContextReset(ss->scan_ctx);
}

static void
ras_end_scan(ForeignScanState *node)
{
	RasScan    *ss = node->fdw_state;

	/* everything else lives in the query's memory */
	if (ss && ss->ts)
		tuplestore_end(ss->ts);
	if (ss && ss->ts_slot)
		ExecDropSingleTupleTableSlot(ss->ts_slot);
}

/* ---------- EXPLAIN ---------- */

static void
ras_explain(ForeignScanState *node, ExplainState *es)
{
	ForeignScan *fs = (ForeignScan *) node->ss.ps.plan;
	RasScan  *ss = node->fdw_state;
	const RasEntity *e = ss->entity;
	List	   *pushed = lthird(fs->fdw_private);
	int			npushed = list_length(pushed);
	List	   *context = set_deparse_context_plan(es->deparse_cxt, (Plan *) fs, NIL);
	StringInfoData buf;
	ListCell   *lp;
	int			i = 0;

	ExplainPropertyText("Endpoint", psprintf("%s %s", e->list_method, e->list_path), es);
	initStringInfo(&buf);
	foreach(lp, pushed)
	{
		List	   *p = lfirst(lp);
		Node	   *clause = list_nth(fs->fdw_exprs, npushed + i);
		const char *key = linitial_int(p) == PUSH_SCOPE ?
			(e->scope == RAS_SCOPE_PROFILE ? "Amazon-Advertising-API-Scope" : "Amazon-Ads-AccountId") :
			e->filters[lsecond_int(p)].key;

		appendStringInfo(&buf, "%s%s (%s)", buf.len ? ", " : "", key,
						 deparse_expression(clause, context, true, false));
		i++;
	}
	ExplainPropertyText("Filters sent", buf.len ? buf.data : "none", es);
	if (floatVal(lfourth(fs->fdw_private)) > 0)
		ExplainPropertyFloat("Rows asked for at most", NULL,
							 floatVal(lfourth(fs->fdw_private)), 0, es);
	if (es->analyze)
	{
		RasListStats total = ss->stats;

		if (ss->cursor)
			add_stats(&total, ras_list_stats(ss->cursor));
		ExplainPropertyInteger("API requests", NULL, total.requests, es);
		ExplainPropertyInteger("Pages", NULL, total.pages, es);
		ExplainPropertyInteger("Retries", NULL, total.retries, es);
		ExplainPropertyInteger("Rows received", NULL, total.rows_received, es);
	}
}

/* ---------- writes: refused, naming the function to use ---------- */

static List *
ras_plan_modify(PlannerInfo *root, ModifyTable *plan, Index resultRelation, int subplan_index)
{
	RangeTblEntry *rte = planner_rt_fetch(resultRelation, root);
	TablePlan  *tp = ras_fdw_table_plan(rte->relid);
	const char *op = plan->operation == CMD_INSERT ? "create" :
		plan->operation == CMD_UPDATE ? "update" : "delete";

	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("ras foreign tables are read-only"),
			 errdetail("A write to Amazon is not transactional and has a verdict per item, which a DML statement cannot report."),
			 tp->entity->create_path ?
			 errhint("Use ras.%s_%s(...), which returns one row per item.", op, tp->entity->sql_name) :
			 errhint("%s cannot be written through ras.", tp->entity->sql_name)));
	return NIL;
}

PG_FUNCTION_INFO_V1(ras_fdw_handler);

Datum
ras_fdw_handler(PG_FUNCTION_ARGS)
{
	FdwRoutine *r = makeNode(FdwRoutine);

	r->GetForeignRelSize = ras_get_rel_size;
	r->GetForeignPaths = ras_get_paths;
	r->GetForeignPlan = ras_get_plan;
	r->BeginForeignScan = ras_begin_scan;
	r->IterateForeignScan = ras_iterate;
	r->ReScanForeignScan = ras_rescan;
	r->EndForeignScan = ras_end_scan;
	r->ExplainForeignScan = ras_explain;
	r->PlanForeignModify = ras_plan_modify;
	r->ImportForeignSchema = ras_fdw_import;
	PG_RETURN_POINTER(r);
}
