/*
 * report.h
 *     Declarations shared between the reporting files: the catalogue
 *     (report_catalog.c), a request validated against it (report_spec.c),
 *     the ras.report_jobs table (report_jobs.c) and the API calls and SQL
 *     functions (report.c).
 */
#ifndef RAS_REPORT_H
#define RAS_REPORT_H

#include "ras.h"
#include "utils/date.h"

/*
 * The longest report id ras accepts.  Amazon's are UUIDs (36 characters);
 * ids may hold only letters, digits, '.', '_' and '-' and begin with a
 * letter or digit, since they become a segment of a URL path.
 */
#define RAS_REPORT_ID_MAX	64

/* ---------- the catalogue (report_catalog.c) ---------- */

typedef struct ReportGroup
{
	const char *name;			/* the groupBy value */
	const char *const *columns; /* columns it makes available */
	const char *const *key;		/* grain key besides the date */
	const char *const *defaults;	/* descriptive columns asked for by default */
	const char *conflicts;		/* a groupBy it cannot be combined with */
} ReportGroup;

typedef struct ReportFilter
{
	const char *field;
	const char *const *values;	/* allowed values; NULL: any */
	const char *only_group;		/* allowed only with this groupBy alone */
} ReportFilter;

typedef struct ReportType
{
	const char *id;
	int			max_days;		/* longest range of one report */
	int			retention_days; /* how far back a report may start */
	const char *const *base;	/* columns every groupBy has */
	const ReportGroup *groups;	/* the first is the default */
	int			ngroups;
	const char *const *metrics; /* metric columns asked for by default */
	const ReportFilter *filters;
	int			nfilters;
} ReportType;

extern const ReportType ras_report_catalog[];
extern const int ras_report_catalog_len;

extern bool ras_report_in_list(const char *const *list, const char *name);
extern char *ras_report_join_list(const char *const *list);
extern RasColType ras_report_column_type(const char *name);
extern char *ras_report_snake_case(const char *name);
extern const ReportType *ras_report_find_type(const char *id);
extern const ReportGroup *ras_report_find_group(const ReportType *t, const char *name);
extern const ReportFilter *ras_report_find_filter(const ReportType *t, const char *field);

/* One report to ask Amazon for: a request cut to the range its type allows. */
typedef struct ReportPiece
{
	/* from the catalogue */
	const char *report_type;
	const char *time_unit;
	char	   *start_date;		/* YYYY-MM-DD */
	char	   *end_date;
	char	   *configuration;	/* JSON */
	char	   *body;			/* JSON: the request */

	/* from requesting it */
	char	   *hash;			/* of server, profile and body */
	char	   *report_id;
	char	   *status;
} ReportPiece;

/* Where a report lives and what is known of it. */
typedef struct ReportRef
{
	char	   *report_id;
	RasConn    *conn;
	const char *profile_id;
	bool		recorded;		/* ras.report_jobs has it */
	char	   *status;			/* NULL: not asked yet */
	char	   *failure_reason;
	char	   *url;
	char	   *file_size;
	char	   *report_type;
	char	   *start_date;
	char	   *end_date;
	Jsonb	   *configuration;
} ReportRef;

/* The arguments of a report request, read once at the entry point. */
typedef struct ReportArgs
{
	const char *report_type;	/* NULL: argument NULL */
	const char *time_unit;
	Datum	   *group_by;
	int			ngroup_by;
	Datum	   *columns;
	int			ncolumns;
	Jsonb	   *filters;
	bool		has_start;
	DateADT		start_date;
	bool		has_end;
	DateADT		end_date;
	bool		with_key;
} ReportArgs;

/* ---------- a request, validated (report_spec.c) ---------- */
extern void ras_report_read_args(FunctionCallInfo fcinfo, ReportArgs *a);
extern List *ras_report_pieces(const ReportArgs *a);

/* ---------- ras.report_jobs and the session's URLs (report_jobs.c) ---------- */
extern char *ras_job_config_hash(const char *server, const char *profile_id, const char *body);
extern char *ras_job_reusable(const char *hash, long max_age_ms);
extern void ras_job_insert(const ReportPiece *p, const char *server, const char *profile_id);
extern bool ras_job_location(const char *report_id, char **server, char **profile_id);
extern void ras_job_save_status(const ReportRef *r);
extern void ras_job_mark_status(ReportRef *r, const char *status);
extern void ras_job_return_rows(FunctionCallInfo fcinfo, List *refs);

extern void ras_job_url_remember(Oid umid, const char *report_id, const char *url);
extern char *ras_job_url(Oid umid, const char *report_id);
extern void ras_job_url_forget(const char *report_id);

#endif							/* RAS_REPORT_H */
