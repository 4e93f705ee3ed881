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
int			ras_max_retries = 5;
int			ras_retry_max_wait_ms = 60000;
int			ras_request_timeout_ms = 60000;
int			ras_connect_timeout_ms = 10000;

void		_PG_init(void);

void
_PG_init(void)
{
	DefineCustomStringVariable("ras.server",
							   "Foreign server used when a call names none.",
							   "Empty: the only server of the ras wrapper.",
							   &ras_server_guc, "",
							   PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("ras.profile_id",
							   "Amazon Ads profile used when a call names none.",
							   NULL,
							   &ras_profile_id_guc, "",
							   PGC_USERSET, 0, NULL, NULL, NULL);
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
	MarkGUCPrefixReserved("ras");
}
