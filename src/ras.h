/*
 * ras.h
 *     Declarations shared between the files of the ras extension.
 *
 * Data flows SQL call -> entity descriptor -> request body -> transport ->
 * response parsing -> rows or per-item results.  Each stage lives in its own
 * file; this header is the only thing they share.
 */
#ifndef RAS_H
#define RAS_H

#include "postgres.h"

#include "access/tupdesc.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "nodes/pg_list.h"
#include "utils/jsonb.h"
#include "utils/tuplestore.h"

/* PostgreSQL 18 replaced pg_attribute_noreturn() by pg_noreturn. */
#ifdef pg_noreturn
#define RAS_NORETURN pg_noreturn
#else
#define RAS_NORETURN pg_attribute_noreturn()
#endif

/* ---------- GUCs (ras.c) ---------- */
extern char *ras_server_guc;
extern char *ras_profile_id_guc;
extern char *ras_account_id_guc;
extern int	ras_max_retries;
extern int	ras_retry_max_wait_ms;
extern int	ras_request_timeout_ms;
extern int	ras_connect_timeout_ms;
extern int	ras_max_response_kb;
extern int	ras_max_pages;
extern double ras_max_report_rows;
extern int	ras_bad_value;
extern int	ras_max_concurrency;
extern int	ras_max_requests_per_second;

#define RAS_BAD_VALUE_ERROR	0
#define RAS_BAD_VALUE_NULL	1

/* ---------- SQLSTATEs per failure class (README documents them) ---------- */
#define RAS_SQLSTATE_BAD_ARGUMENT	ERRCODE_INVALID_PARAMETER_VALUE		/* 22023 */
#define RAS_SQLSTATE_NOT_FOUND		ERRCODE_UNDEFINED_OBJECT			/* 42704 */
#define RAS_SQLSTATE_AUTH			ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION /* 28000 */
#define RAS_SQLSTATE_PERMISSION		ERRCODE_INSUFFICIENT_PRIVILEGE		/* 42501 */
#define RAS_SQLSTATE_THROTTLED		ERRCODE_CONFIGURATION_LIMIT_EXCEEDED	/* 53400 */
#define RAS_SQLSTATE_REMOTE			ERRCODE_SYSTEM_ERROR				/* 58000 */
#define RAS_SQLSTATE_TRANSPORT		ERRCODE_CONNECTION_FAILURE			/* 08006 */
#define RAS_SQLSTATE_NOT_READY		ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE	/* 55000 */

/* ---------- connection target (options.c) ---------- */
typedef struct RasConn
{
	Oid			serverid;
	Oid			umid;			/* user mapping: the token cache key */
	char	   *server_name;
	char	   *api_url;		/* no trailing slash */
	char	   *token_url;
	char	   *client_id;
	char	   *client_secret;
	char	   *refresh_token;
} RasConn;

/* What scopes a call: nothing, an advertising profile, or an advertiser account. */
typedef enum RasScopeKind
{
	RAS_SCOPE_NONE,
	RAS_SCOPE_PROFILE,			/* Amazon-Advertising-API-Scope: profile id */
	RAS_SCOPE_ACCOUNT			/* Amazon-Ads-AccountId: DSP or global account id */
} RasScopeKind;

extern RasConn *ras_conn_resolve(const char *server_name);
extern RasConn *ras_conn_for_server(Oid serverid, Oid userid);
extern const char *ras_profile_resolve(const char *profile_id);
extern const char *ras_account_resolve(const char *account_id);
extern bool ras_scope_id_valid(RasScopeKind kind, const char *id);
extern void ras_check_download_url(const RasConn *conn, const char *url);

/* ---------- transport (http.c) ---------- */
/* The request budget a request draws on (budget.c): host, scope, family. */
typedef struct RasBudgetKey
{
	const char *host;
	const char *scope;			/* profile or account id; NULL: none */
	const char *family;
} RasBudgetKey;

typedef struct RasHttpRequest
{
	const char *method;			/* GET, POST, PUT, DELETE */
	const char *url;
	const char *body;			/* NULL for none */
	size_t		body_len;
	const char *const *headers; /* NULL-terminated "Name: value" list */
	bool		idempotent;		/* safe to resend after it may have been processed */
	bool		no_retry;		/* caller handles every status itself */
	const RasBudgetKey *budget; /* NULL: draws on no budget (token, downloads) */
} RasHttpRequest;

typedef enum RasOutcome
{
	RAS_OK,						/* got an HTTP answer (any status) */
	RAS_TRANSPORT_FAILED,		/* no answer; request certainly not processed */
	RAS_TRANSPORT_UNKNOWN,		/* no answer; request may have been processed */
	RAS_TRANSPORT_REFUSED		/* not sendable (bad URL, TLS verification): final */
} RasOutcome;

typedef struct RasHttpResponse
{
	RasOutcome	outcome;
	long		status;
	const char *body;			/* valid until the next request */
	size_t		body_len;
	char		request_id[128];
	char		content_type[128];
	long		retry_after_ms; /* Retry-After of the answer; -1: none */
	char		error_text[256];	/* transport failure description */
	int			attempts;
	bool		maybe_processed;	/* some attempt may have been carried out */
} RasHttpResponse;

extern void ras_http_execute(const RasHttpRequest *req, RasHttpResponse *resp);

/* One transfer of many at once (dispatch.c): its own handle and buffers. */
typedef struct RasTransfer RasTransfer;
extern RasTransfer *ras_transfer_create(void);
extern void *ras_transfer_handle(RasTransfer *t);	/* the CURL easy handle */
extern void ras_transfer_setup(RasTransfer *t, const RasHttpRequest *req);
extern void ras_transfer_finish(RasTransfer *t, int curl_code, RasHttpResponse *resp);
extern void ras_transfer_abandon(RasTransfer *t);
extern bool ras_retry_after(const RasHttpRequest *req, const RasHttpResponse *resp,
							int attempt, long waited_ms, long *delay_ms);
extern bool ras_maybe_processed(const RasHttpResponse *resp);

/* Receives a streamed body piece by piece, in backend context: it may raise. */
typedef void (*RasStreamConsumer) (void *arg, const char *data, size_t len);
extern void ras_http_stream(const RasHttpRequest *req, RasStreamConsumer consume, void *arg,
							RasHttpResponse *resp);
extern long ras_http_connections_opened(void);
extern void ras_http_wipe_response(void);
extern void ras_sleep_ms(long ms);

/* ---------- authentication (auth.c) ---------- */
extern const char *ras_access_token(RasConn *conn, bool force_refresh);

/* ---------- API calls and error mapping (api.c) ---------- */

/* An API family: what its calls share, as data. */
typedef struct RasFamily
{
	const char *name;			/* for messages: "Amazon Ads API v1" */
	const char *key;			/* short name, in ras.rate_limits */
	const char *client_header;	/* the header that carries the LWA client id */
} RasFamily;

extern const RasFamily ras_family_advertising;	/* RAS, profiles, products, reporting v3 */
extern const RasFamily ras_family_v1;	/* Amazon Ads API v1 (/adsApi/v1) */

typedef struct RasCall
{
	const RasFamily *family;	/* NULL: ras_family_advertising */
	const char *method;
	const char *path;			/* appended to the API base URL */
	const char *body;
	const char *content_type;	/* NULL: application/json */
	const char *accept;			/* NULL: application/json */
	const char *profile_id;		/* NULL: no Amazon-Advertising-API-Scope */
	const char *account_id;		/* NULL: no Amazon-Ads-AccountId */
	const char *extra_header;	/* e.g. "Prefer: return=representation" */
	bool		idempotent;
	bool		changes;		/* creates, updates or deletes something */
	const char *what;			/* for messages: "list campaigns" */
} RasCall;

typedef struct RasFailure
{
	int			sqlstate;
	long		status;
	bool		maybe_applied;	/* the request may have been processed */
	char	   *code;			/* the API's error code, NULL: none */
	char	   *message;
	char	   *detail;
	char	   *hint;
} RasFailure;

extern bool ras_api_try(RasConn *conn, const RasCall *call, RasHttpResponse *resp,
						RasFailure *failure);
extern void ras_api_request(RasConn *conn, const RasCall *call, bool force_refresh,
							RasHttpRequest *req, RasBudgetKey *budget, char **auth_header);
extern void ras_api_failure(const RasCall *call, const RasHttpResponse *resp,
							RasFailure *failure);
extern const char *ras_api_host(const char *url);

/* ---------- the shared request budget (budget.c) ---------- */
extern void ras_budget_init(void);
extern bool ras_budget_shared(void);
extern long ras_budget_take(const char *host, const char *scope, const char *family);
extern void ras_budget_result(const char *host, const char *scope, const char *family,
							  long status, long retry_after_ms);
extern long ras_budget_bounded(long wait_ms, long *waited_ms);
extern void ras_budget_wait(const char *host, const char *scope, const char *family,
							long *waited_ms);
extern void ras_api_call(RasConn *conn, const RasCall *call, RasHttpResponse *resp);
extern bool ras_header_value_ok(const char *value);
RAS_NORETURN extern void ras_raise_failure(const RasFailure *failure);
RAS_NORETURN extern void ras_unexpected_answer(const char *what);
extern bool ras_is_interrupt(const ErrorData *edata);

/* ---------- remote strings (secrets.c) ---------- */
#define RAS_QUOTE_MAX	200		/* bytes of a remote message quoted */
#define RAS_CODE_MAX	64		/* bytes of a remote error code quoted */
extern void ras_secret_register(const char *secret);
extern char *ras_remote_text(const char *text, size_t len, size_t maxlen);
extern char *ras_printable_excerpt(const char *body, size_t len);

/* ---------- entity descriptors (entity.c) ---------- */
typedef enum RasColType
{
	RAS_COL_TEXT,
	RAS_COL_NUMERIC,
	RAS_COL_BOOL,
	RAS_COL_INT8,
	RAS_COL_DATE,
	RAS_COL_TIMESTAMPTZ,
	RAS_COL_JSONB,
	RAS_COL_RAW					/* the whole object as jsonb */
} RasColType;

typedef struct RasColumn
{
	const char *name;			/* SQL column name */
	RasColType	type;
	const char *path;			/* dotted JSON path; "*" matches the only key */
} RasColumn;

typedef enum RasFilterKind
{
	RAS_FILTER_INCLUDE,			/* "key": {"include": [values]} */
	RAS_FILTER_ARRAY,			/* "key": [values] */
	RAS_FILTER_BOOL_INCLUDE,	/* "key": {"include": [true|false]} from a boolean */
	RAS_FILTER_QUERY_TERM,		/* "key": {"include": [..], "queryTermMatchType": match} */
	RAS_FILTER_SCALAR,			/* "key": "value", a plain top-level string */
	RAS_FILTER_OBJECT,			/* "key": {fixed, "member": "value"} from a text */
	RAS_FILTER_INCLUDE_JSON,	/* "key": {"include": [objects]} from a jsonb array */
	RAS_FILTER_QUERY_PARAM		/* ?key=value in the URL of a GET listing, from a text */
} RasFilterKind;

typedef struct RasFilter
{
	const char *arg;			/* SQL argument name */
	const char *key;			/* JSON key in the list body */
	RasFilterKind kind;
	int			max_per_call;	/* longer lists are split into several calls */
	const char *const *valid;	/* allowed values, NULL-terminated; NULL: any */
	const char *match_arg;		/* QUERY_TERM: argument holding the match type */
	bool		required;		/* the call is refused when the argument is NULL */
	const char *member;			/* OBJECT: the member the value goes to */
	const char *fixed;			/* OBJECT: members always sent, without braces */
	const char *column;			/* the column it constrains, when the naming rule
								 * (campaign_ids: campaign_id) does not give it */
} RasFilter;

typedef enum RasPaging
{
	RAS_PAGING_NONE,
	RAS_PAGING_TOKEN,			/* maxResults + nextToken */
	RAS_PAGING_INDEX,			/* pageIndex + pageSize */
	RAS_PAGING_QUERY			/* ?maxResults=&nextToken= in the URL; nextToken answered */
} RasPaging;

typedef enum RasDeleteStyle
{
	RAS_DELETE_ID_FILTER,		/* {"campaignIdFilter": {"include": [ids]}} */
	RAS_DELETE_ID_ARRAY			/* {"campaignIds": [ids]} */
} RasDeleteStyle;

typedef struct RasEntity
{
	const char *sql_name;		/* ras.<sql_name>(), ras.create_<sql_name>() */
	const RasFamily *family;	/* NULL: ras_family_advertising */
	RasScopeKind scope;
	const char *ad_product;		/* v1: the one ad product of every call and item */
	const char *body_key;		/* array key in bodies and answers */
	const char *singular;		/* key of the entity in a success item */
	const char *id_field;		/* e.g. campaignId */

	/* reading */
	const char *list_method;
	const char *list_path;
	const char *content_type;	/* NULL: application/json */
	const char *accept;
	RasPaging	paging;
	int			page_size;
	int			page_min;		/* smallest page the API accepts; 0: 1 */
	int			result_cap;		/* the API returns no more than this; 0: none */
	const char *fixed_body;		/* JSON members always sent, without braces */
	const RasFilter *filters;
	int			nfilters;
	const RasColumn *columns;
	int			ncolumns;

	/* writing (NULL create_path: read-only) */
	const char *create_path;
	const char *update_method;
	const char *update_path;
	const char *delete_path;
	const char *delete_key;		/* the id filter or id array key */
	RasDeleteStyle delete_style;
	bool		wrapped_outcomes;	/* 207 answer nested under body_key */
	bool		prefer_representation;
	int			batch_limit;
	bool		item_product;	/* items carry adProduct: filled in, or checked */
	bool		computes;		/* the create answers a computed result (a forecast):
								 * ras.<sql_name>(requests) returns its typed columns */
	const char *beta;			/* the beta it belongs to, for messages; NULL: GA */
} RasEntity;

extern const RasEntity *ras_entity_by_name(const char *sql_name);
extern bool ras_entity_listable(const char *sql_name);
extern char *ras_entity_list(void);
extern const RasEntity *ras_entity_at(int i);
extern const char *ras_filter_column(const RasFilter *f);
extern bool ras_path_valid(const char *path);
extern const char *ras_col_type_name(RasColType type);
extern Oid	ras_col_type_oid(RasColType type);

/* ---------- listings (json.c, rows.c, list.c) ---------- */
typedef struct RasRowSink
{
	TupleDesc	tupdesc;
	int			natts;
	const RasColumn *columns;	/* per attribute; name NULL: not a column of ours */
	bool	   *needed;			/* per attribute; NULL: every one */
	int64		max_rows;		/* 0: no limit */
	int64		nrows;
	const char *id_field;		/* the entity's id: rows with an id already
								 * returned are skipped; NULL: no dedupe */
	bool		dedupe_all;		/* remember every id (split filters overlap);
								 * else this page's and the last page's */
	struct HTAB *seen_ids;		/* ids of this page (of the listing, dedupe_all) */
	struct HTAB *seen_prev;		/* ids of the page before */
	struct RasRowPlan *plan;	/* compiled column paths (rows.c) */
	const char *what;			/* "campaigns", for messages about bad values */
} RasRowSink;

/* One page of a listing, read row by row. */
typedef struct RasPage
{
	int			nitems;			/* elements on the page */
	char	   *next_token;		/* NULL on the last page */
	struct JsonbIterator *it;	/* NULL once read */
} RasPage;

extern void ras_rows_prepare(RasRowSink *sink);
extern void ras_rows_new_page(RasRowSink *sink);
extern void ras_rows_open(const char *body, size_t len, const char *array_key, RasPage *page);
extern bool ras_rows_next(RasPage *page, RasRowSink *sink, Datum *values, bool *nulls);
extern void ras_rows_form(RasRowSink *sink, JsonbValue *item, Datum *values, bool *nulls);

/* A listing: its filters (from arguments or pushed-down quals) and its pages. */
typedef struct RasFilterValues
{
	const RasFilter *filter;
	Datum	   *values;			/* text datums (INCLUDE, ARRAY, QUERY_TERM) */
	int			nvalues;
	bool		flag;			/* BOOL_INCLUDE */
	char	   *match;			/* QUERY_TERM match type; SCALAR, OBJECT value */
	int			chunk;			/* current chunk when split */
	int			nchunks;
} RasFilterValues;

typedef struct RasListCall
{
	const RasEntity *entity;
	RasFilterValues *filters;
	int			nfilters;		/* only those given */
	bool		empty;			/* a filter with no values: nothing matches */
} RasListCall;

typedef struct RasListCursor RasListCursor;

/* What a listing cost, for EXPLAIN ANALYZE. */
typedef struct RasListStats
{
	int64		requests;
	int64		pages;
	int64		rows_received;
	int64		retries;
} RasListStats;

extern RasListCall *ras_list_call_new(const RasEntity *e);
extern RasFilterValues *ras_list_call_add(RasListCall *call, const RasFilter *f);
extern void ras_list_call_done(RasListCall *call);
extern RasColumn *ras_list_map_columns(const RasEntity *e, TupleDesc tupdesc, bool strict);
extern RasListCursor *ras_list_open(RasConn *conn, RasListCall *call, const char *scope_id,
									RasRowSink *sink);
extern bool ras_list_next(RasListCursor *c, Datum *values, bool *nulls);
extern void ras_list_rewind(RasListCursor *c);
extern const RasListStats *ras_list_stats(const RasListCursor *c);
extern char *ras_list_describe(const RasListCall *call);
extern char *ras_list_body(const RasListCall *call, int page_size, int page_index,
						   const char *next_token);
extern char *ras_list_path(const RasListCall *call, int page_size, const char *next_token);
extern const char *ras_scope_column(const RasEntity *e);

/* ---------- concurrent listings (dispatch.c) ---------- */
extern void ras_dispatch_listings(RasConn *conn, RasListCall *call, List *scopes,
								  RasRowSink *sink, Tuplestorestate *ts, int scope_attno,
								  bool skip_failed, RasListStats *stats);
extern void ras_dispatch_calls(RasConn **conns, RasCall *calls, int n,
							   RasHttpResponse *resps, bool *oks, RasFailure *failures);

extern Jsonb *ras_json_parse(const char *body, size_t len, const char **error);
extern JsonbValue *ras_json_fast_parse(const char *body, size_t len, const char **error);
extern struct NumericData *ras_json_number(const char *token);
extern char *ras_json_member_text(JsonbContainer *obj, const char *key);
extern char *ras_jsonb_scalar_text(JsonbValue *v);
extern void ras_json_error_info(const char *body, size_t len, char **code, char **message);
extern bool ras_json_token(const char *body, size_t len, char **access_token,
						   int *expires_in);
extern Jsonb *ras_json_to_jsonb(const char *body, size_t len);

/* ---------- report files (report_stream.c) ---------- */
extern bool ras_report_fetch(const char *url, Tuplestorestate *tupstore, TupleDesc tupdesc,
							 int64 *nrows, RasHttpResponse *resp);

/* ---------- body writer (body.c) ---------- */
typedef struct RasBody
{
	StringInfoData buf;
	bool		need_comma;
} RasBody;

extern void ras_body_begin(RasBody *b);
extern void ras_body_key(RasBody *b, const char *key);
extern void ras_body_string(RasBody *b, const char *value);
extern void ras_body_raw(RasBody *b, const char *json);
extern void ras_body_jsonb(RasBody *b, JsonbContainer *c, bool members_only);
extern char *ras_jsonb_text(JsonbContainer *c);
extern void ras_body_int(RasBody *b, int64 value);
extern void ras_body_open(RasBody *b, char bracket);
extern void ras_body_close(RasBody *b, char bracket);
extern void ras_body_string_array(RasBody *b, Datum *values, bool *nulls, int n);
extern char *ras_body_end(RasBody *b);

/* ---------- helpers (util.c) ---------- */
extern Datum ras_text_datum(const char *s, size_t len);
extern void ras_form_escape(StringInfo buf, const char *value);
extern char *ras_text_cstring(Datum d);
extern void ras_text_array(Datum array, Datum **values, int *n);
extern Datum ras_text_list_array(List *strings);
extern int	ras_call_arg(FunctionCallInfo fcinfo, const char *name);
extern const char *ras_call_name(FunctionCallInfo fcinfo);
extern void **ras_call_cache(FunctionCallInfo fcinfo);
extern char *ras_arg_text(FunctionCallInfo fcinfo, const char *name);
extern Tuplestorestate *ras_srf_begin(FunctionCallInfo fcinfo, TupleDesc *tupdesc);

#endif							/* RAS_H */
