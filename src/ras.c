/*
 * ras.c
 *     Module entry: _PG_init and the extension's settings.
 *
 * The SQL-callable functions live next to what they do (list.c, mutate.c,
 * options.c); this file only owns configuration.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/guc.h"

#include "ras.h"

PG_MODULE_MAGIC;

char	   *ras_server_guc = NULL;
char	   *ras_profile_id_guc = NULL;
char	   *ras_account_id_guc = NULL;
int			ras_max_retries = 5;
int			ras_retry_max_wait_ms = 60000;
int			ras_request_timeout_ms = 60000;
int			ras_connect_timeout_ms = 10000;
int			ras_max_response_kb = 102400;
int			ras_max_pages = 100000;
double		ras_max_report_rows = 100000000;
int			ras_bad_value = RAS_BAD_VALUE_ERROR;
int			ras_max_concurrency = 8;
int			ras_max_requests_per_second = 1000;

static const struct config_enum_entry bad_value_options[] = {
	{"error", RAS_BAD_VALUE_ERROR, false},
	{"null", RAS_BAD_VALUE_NULL, false},
	{NULL, 0, false}
};

/* A default account id goes into a header: letters, digits, '.', '_', '-'. */
static bool
check_account_id(char **newval, void **extra, GucSource source)
{
	if (*newval && !ras_scope_id_valid(RAS_SCOPE_ACCOUNT, *newval))
	{
		GUC_check_errdetail("An advertiser account id holds letters, digits, '.', '_' and '-'.");
		return false;
	}
	return true;
}

/* A default profile is a number, as every profile id is. */
static bool
check_profile_id(char **newval, void **extra, GucSource source)
{
	if (*newval && !ras_scope_id_valid(RAS_SCOPE_PROFILE, *newval))
	{
		GUC_check_errdetail("A profile id is a number, as listed by ras.profiles().");
		return false;
	}
	return true;
}

void		_PG_init(void);

/*
 * A SET before the library was loaded made a placeholder that PostgreSQL
 * would check only now, turning a bad value into a WARNING and the default.
 * Such a value is refused instead, before anything is defined (so that a
 * later load starts clean), naming the setting and what it takes.
 */
static void
refuse_bad_placeholders(void)
{
	static const struct
	{
		const char *name;
		int			min;
		int			max;
		int			flags;
	}			ints[] = {
		{"ras.max_retries", 0, 20, 0},
		{"ras.retry_max_wait", 0, 3600000, GUC_UNIT_MS},
		{"ras.request_timeout", 100, 3600000, GUC_UNIT_MS},
		{"ras.connect_timeout", 100, 600000, GUC_UNIT_MS},
		{"ras.max_response_size", 1024, 1048576, GUC_UNIT_KB},
		{"ras.max_pages", 1, PG_INT32_MAX, 0},
		{"ras.max_concurrency", 1, 64, 0},
		{"ras.max_requests_per_second", 1, 10000, 0},
	};

	for (int i = 0; i < lengthof(ints); i++)
	{
		const char *value = GetConfigOption(ints[i].name, true, false);
		const char *hint = NULL;
		int			parsed;

		if (value == NULL)
			continue;
		if (!parse_int(value, &parsed, ints[i].flags, &hint) ||
			parsed < ints[i].min || parsed > ints[i].max)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid value for parameter \"%s\": \"%s\"", ints[i].name, value),
					 errdetail("It was set before the ras library was loaded, so it was not checked then."),
					 errhint("Allowed: %d to %d%s. SET it again or RESET it.", ints[i].min, ints[i].max,
							 ints[i].flags == GUC_UNIT_MS ? " ms" :
							 ints[i].flags == GUC_UNIT_KB ? " kB" : "")));
	}
	{
		const char *value = GetConfigOption("ras.on_bad_value", true, false);

		if (value != NULL && pg_strcasecmp(value, "error") != 0 && pg_strcasecmp(value, "null") != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid value for parameter \"ras.on_bad_value\": \"%s\"", value),
					 errhint("Allowed: error, null.")));
	}
	{
		const char *value = GetConfigOption("ras.max_report_rows", true, false);
		double		parsed;

		if (value != NULL && (!parse_real(value, &parsed, 0, NULL) || parsed < 1 || parsed > 1e15))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid value for parameter \"ras.max_report_rows\": \"%s\"", value),
					 errhint("Allowed: 1 to 1e15.")));
	}
	{
		const char *value = GetConfigOption("ras.profile_id", true, false);

		if (value != NULL && !ras_scope_id_valid(RAS_SCOPE_PROFILE, value))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid value for parameter \"ras.profile_id\": \"%s\"", value),
					 errhint("A profile id is a number, as listed by ras.profiles().")));
	}
}

void
_PG_init(void)
{
	refuse_bad_placeholders();
	DefineCustomStringVariable("ras.server",
							   "Foreign server used when a call names none.",
							   "Empty: the only server of the ras wrapper.",
							   &ras_server_guc, "",
							   PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("ras.profile_id",
							   "Amazon Ads profile used when a call names none.",
							   NULL,
							   &ras_profile_id_guc, "",
							   PGC_USERSET, 0, check_profile_id, NULL, NULL);
	DefineCustomStringVariable("ras.account_id",
							   "Amazon Ads advertiser account (DSP) used when a call names none.",
							   NULL,
							   &ras_account_id_guc, "",
							   PGC_USERSET, 0, check_account_id, NULL, NULL);
	DefineCustomIntVariable("ras.max_retries",
							"Retries of a throttled or failed API request.",
							NULL,
							&ras_max_retries, 5, 0, 20,
							PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("ras.retry_max_wait",
							"Total time one request may spend waiting between retries.",
							NULL,
							&ras_retry_max_wait_ms, 60000, 0, 3600000,
							PGC_USERSET, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("ras.request_timeout",
							"Time limit of one HTTP request.",
							NULL,
							&ras_request_timeout_ms, 60000, 100, 3600000,
							PGC_USERSET, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("ras.connect_timeout",
							"Time limit for opening a connection to the API.",
							NULL,
							&ras_connect_timeout_ms, 10000, 100, 600000,
							PGC_USERSET, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("ras.max_response_size",
							"Largest answer of the API that is accepted.",
							"A larger answer is an error; its memory is released.",
							&ras_max_response_kb, 102400, 1024, 1048576,
							PGC_USERSET, GUC_UNIT_KB, NULL, NULL, NULL);
	DefineCustomIntVariable("ras.max_pages",
							"Most pages one listing may request.",
							"Paging that goes on past it is an error (58000).",
							&ras_max_pages, 100000, 1, PG_INT32_MAX,
							PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomRealVariable("ras.max_report_rows",
							 "Most rows read from one report file.",
							 "A longer file is an error (58000).",
							 &ras_max_report_rows, 100000000, 1, 1e15,
							 PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomEnumVariable("ras.on_bad_value",
							 "What a value from the API that does not fit its column becomes.",
							 "error: a 58000 error naming the field; null: NULL in that column (raw keeps the value).",
							 &ras_bad_value, RAS_BAD_VALUE_ERROR, bad_value_options,
							 PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("ras.max_concurrency",
							"Most API requests one statement has in flight at once.",
							"Scopes of a fan-out and the calls of a split filter run concurrently.",
							&ras_max_concurrency, 8, 1, 64,
							PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("ras.max_requests_per_second",
							"Highest request rate per API host, scope and family.",
							"The rate adapts below it: a 429 lowers it, successes raise it again.",
							&ras_max_requests_per_second, 1000, 1, 10000,
							PGC_USERSET, 0, NULL, NULL, NULL);
	MarkGUCPrefixReserved("ras");
	ras_budget_init();
}
