/*
 * options.c
 *     The foreign-data wrapper validator (server and user mapping options)
 *     and resolving "which server, which credentials, which profile" for a
 *     call.
 */
#include "postgres.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <curl/curl.h>

#include "access/htup_details.h"
#include "access/reloptions.h"
#include "access/table.h"
#include "catalog/pg_foreign_data_wrapper.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_foreign_server.h"
#include "catalog/pg_foreign_table.h"
#include "catalog/pg_user_mapping.h"
#include "commands/defrem.h"
#include "foreign/foreign.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "ras.h"

typedef struct RasOption
{
	const char *name;
	Oid			context;		/* catalog the option belongs to */
} RasOption;

static const RasOption valid_options[] = {
	{"region", ForeignServerRelationId},
	{"api_url", ForeignServerRelationId},
	{"token_url", ForeignServerRelationId},
	{"client_id", UserMappingRelationId},
	{"client_secret", UserMappingRelationId},
	{"refresh_token", UserMappingRelationId},
	{"entity", ForeignTableRelationId},
	{"rows", ForeignTableRelationId},
	{"pushdown", ForeignTableRelationId},
	{"path", AttributeRelationId},
	{NULL, InvalidOid}
};

typedef struct RasRegion
{
	const char *name;
	const char *api_url;
	const char *token_url;
} RasRegion;

static const RasRegion regions[] = {
	{"NA", "https://advertising-api.amazon.com", "https://api.amazon.com/auth/o2/token"},
	{"EU", "https://advertising-api-eu.amazon.com", "https://api.amazon.co.uk/auth/o2/token"},
	{"FE", "https://advertising-api-fe.amazon.com", "https://api.amazon.co.jp/auth/o2/token"},
	{NULL, NULL, NULL}
};

static const RasRegion *
region_by_name(const char *name)
{
	for (const RasRegion *r = regions; r->name; r++)
		if (pg_strcasecmp(r->name, name) == 0)
			return r;
	return NULL;
}

/* "NA, EU, FE": the regions table's names. */
static char *
region_list(void)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (const RasRegion *r = regions; r->name; r++)
		appendStringInfo(&buf, "%s%s", buf.len ? ", " : "", r->name);
	return buf.data;
}

static const char *
context_name(Oid context)
{
	return context == ForeignServerRelationId ? "server" :
		context == UserMappingRelationId ? "user mapping" :
		context == ForeignTableRelationId ? "foreign table" :
		context == AttributeRelationId ? "foreign table column" :
		context == ForeignDataWrapperRelationId ? "foreign-data wrapper" : "object";
}

/* Comma-separated names of the options valid in a context. */
static char *
valid_option_list(Oid context)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (const RasOption *o = valid_options; o->name; o++)
		if (o->context == context)
			appendStringInfo(&buf, "%s%s", buf.len ? ", " : "", o->name);
	return buf.data;
}

/*
 * "localhost", an IPv4 address in 127.0.0.0/8 or the IPv6 address ::1 (in
 * brackets, as curl returns it, or not).  Other than localhost, only address
 * literals count: a name such as 127.0.0.1.example may resolve to anywhere.
 */
static bool
host_is_loopback(const char *host)
{
	struct in_addr addr4;
	struct in6_addr addr6;
	size_t		len = strlen(host);
	char	   *bare;
	bool		result;

	if (pg_strcasecmp(host, "localhost") == 0)
		return true;
	if (inet_pton(AF_INET, host, &addr4) == 1)
		return (ntohl(addr4.s_addr) >> 24) == 127;

	if (len >= 2 && host[0] == '[' && host[len - 1] == ']')
		bare = pnstrdup(host + 1, len - 2);
	else
		bare = pstrdup(host);
	result = inet_pton(AF_INET6, bare, &addr6) == 1 && IN6_IS_ADDR_LOOPBACK(&addr6);
	pfree(bare);
	return result;
}

/*
 * An API or token URL must be absolute http(s); plain http only to loopback,
 * so that a token never crosses a network in the clear.
 */
static void
validate_url(const char *option, const char *url)
{
	CURLU	   *u = curl_url();
	char	   *scheme = NULL;
	char	   *host = NULL;
	bool		ok;
	bool		https = false;
	bool		loopback = false;

	if (u == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	ok = curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
		curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
		curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK;
	if (ok)
	{
		https = pg_strcasecmp(scheme, "https") == 0;
		ok = https || pg_strcasecmp(scheme, "http") == 0;
		loopback = host_is_loopback(host);
	}
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);

	if (!ok)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for option \"%s\": \"%s\"", option, url),
				 errhint("Give an absolute http or https URL.")));
	if (!https && !loopback)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s\" must use https unless the host is loopback", option),
				 errhint("Use an https:// URL.")));
}

/* Scheme and host of url, or false when it is not an absolute URL. */
static bool
url_parts(const char *url, char **scheme, char **host)
{
	CURLU	   *u = curl_url();
	char	   *s = NULL;
	char	   *h = NULL;
	bool		ok;

	if (u == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	ok = curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
		curl_url_get(u, CURLUPART_SCHEME, &s, 0) == CURLUE_OK &&
		curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK;
	*scheme = ok ? pstrdup(s) : NULL;
	*host = ok ? pstrdup(h) : NULL;
	curl_free(s);
	curl_free(h);
	curl_url_cleanup(u);
	return ok;
}

/*
 * A report's download URL comes from the API's answer: it is fetched only
 * when it is https, or plain http while the API itself is on loopback (the
 * simulator).  Anything else is the remote side's error.
 */
void
ras_check_download_url(const RasConn *conn, const char *url)
{
	char	   *scheme;
	char	   *host;
	char	   *api_scheme;
	char	   *api_host;
	bool		ok = ras_header_value_ok(url) && strlen(url) <= 8192 &&
		url_parts(url, &scheme, &host);

	if (ok && pg_strcasecmp(scheme, "https") != 0)
		ok = pg_strcasecmp(scheme, "http") == 0 &&
			url_parts(conn->api_url, &api_scheme, &api_host) && host_is_loopback(api_host);
	if (!ok)
		ereport(ERROR,
				(errcode(RAS_SQLSTATE_REMOTE),
				 errmsg("the API gave a report download URL that ras does not fetch"),
				 errdetail("URL: %s", ras_remote_text(url, strlen(url), RAS_QUOTE_MAX)),
				 errhint("Report files are fetched over https only.")));
}

PG_FUNCTION_INFO_V1(ras_fdw_validator);

Datum
ras_fdw_validator(PG_FUNCTION_ARGS)
{
	List	   *options = untransformRelOptions(PG_GETARG_DATUM(0));
	Oid			catalog = PG_GETARG_OID(1);
	ListCell   *lc;

	foreach(lc, options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);
		const RasOption *opt;
		char	   *value;

		for (opt = valid_options; opt->name; opt++)
			if (opt->context == catalog && strcmp(opt->name, def->defname) == 0)
				break;
		if (opt->name == NULL)
		{
			char	   *valid = valid_option_list(catalog);

			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
					 errmsg("invalid option \"%s\" for a ras %s", def->defname,
							context_name(catalog)),
					 valid[0] ? errhint("Valid options in this context are: %s.", valid)
					 : errhint("There are no valid options in this context.")));
		}

		/*
		 * A bad value is not a bad option name: 22023, as PostgreSQL's own
		 * settings answer a bad value.
		 */
		value = defGetString(def);
		if (!ras_header_value_ok(value))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("option \"%s\" must not contain control characters", def->defname),
					 errdetail("Values are sent in request headers, URLs and forms.")));
		if (strcmp(def->defname, "region") == 0 && region_by_name(value) == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid value for option \"region\": \"%s\"", value),
					 errhint("Valid regions are: %s.", region_list())));
		if (strcmp(def->defname, "api_url") == 0 || strcmp(def->defname, "token_url") == 0)
		{
			/* these decide where credentials are sent */
			if (!superuser())
				ereport(ERROR,
						(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
						 errmsg("only a superuser can set option \"%s\"", def->defname),
						 errdetail("The option decides where access tokens are sent.")));
			validate_url(def->defname, value);
		}
		if (strcmp(def->defname, "entity") == 0 && !ras_entity_listable(value))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid value for option \"entity\": \"%s\"", value),
					 errhint("Valid entities are: %s.", ras_entity_list())));
		if (strcmp(def->defname, "rows") == 0)
		{
			char	   *end;
			double		rows = strtod(value, &end);

			if (end == value || *end != '\0' || !(rows >= 1 && rows <= 1e12))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("invalid value for option \"rows\": \"%s\"", value),
						 errhint("Give the number of rows the table usually has, from 1 to 1e12.")));
		}
		if (strcmp(def->defname, "pushdown") == 0)
			(void) defGetBoolean(def);
		if (strcmp(def->defname, "path") == 0 && !ras_path_valid(value))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid value for option \"path\": \"%s\"", value),
					 errhint("A path names JSON members with dots, e.g. \"extendedData.servingStatus\"; "
							 "\"*\" is the only member of an object, \"name[key=value]\" the first array element whose key is value.")));
		if (catalog == UserMappingRelationId && value[0] == '\0')
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("option \"%s\" must not be empty", def->defname)));
	}
	PG_RETURN_VOID();
}

static Oid
ras_fdw_oid(void)
{
	ForeignDataWrapper *fdw = GetForeignDataWrapperByName("ras", false);

	return fdw->fdwid;
}

static RasConn *conn_for(ForeignServer *server, Oid userid);

static bool
server_usable(Oid serverid)
{
	return pg_foreign_server_aclcheck(serverid, GetUserId(), ACL_USAGE) == ACLCHECK_OK;
}

/*
 * The server a call uses: named, else ras.server, else the only one the
 * current user has USAGE on.  A named server needs USAGE like any other
 * foreign server; without a name, servers the user may not use do not count.
 */
static ForeignServer *
resolve_server(const char *name)
{
	Relation	rel;
	SysScanDesc scan;
	HeapTuple	tup;
	Oid			fdwid;
	Oid			found = InvalidOid;
	Oid			denied = InvalidOid;
	int			count = 0;
	int			ndenied = 0;

	if (name == NULL || name[0] == '\0')
		name = ras_server_guc;
	if (name != NULL && name[0] != '\0')
	{
		ForeignServer *server = GetForeignServerByName(name, true);

		if (server == NULL || server->fdwid != ras_fdw_oid())
			ereport(ERROR,
					(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
					 errmsg("ras server \"%s\" does not exist", name),
					 errhint("Create it with CREATE SERVER %s FOREIGN DATA WRAPPER ras.",
							 name)));
		if (!server_usable(server->serverid))
			aclcheck_error(ACLCHECK_NO_PRIV, OBJECT_FOREIGN_SERVER, server->servername);
		return server;
	}

	fdwid = ras_fdw_oid();
	rel = table_open(ForeignServerRelationId, AccessShareLock);
	scan = systable_beginscan(rel, InvalidOid, false, NULL, 0, NULL);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_foreign_server form = (Form_pg_foreign_server) GETSTRUCT(tup);

		if (form->srvfdw != fdwid)
			continue;
		if (server_usable(form->oid))
		{
			found = form->oid;
			count++;
		}
		else
		{
			denied = form->oid;
			ndenied++;
		}
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);

	if (count == 0 && ndenied == 1)
		aclcheck_error(ACLCHECK_NO_PRIV, OBJECT_FOREIGN_SERVER,
					   GetForeignServer(denied)->servername);
	if (count == 0 && ndenied > 1)
		ereport(ERROR,
				(errcode(RAS_SQLSTATE_PERMISSION),
				 errmsg("permission denied for every ras server"),
				 errhint("The owner of a server can run GRANT USAGE ON FOREIGN SERVER name TO role.")));
	if (count == 0)
		ereport(ERROR,
				(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
				 errmsg("no ras server is configured"),
				 errhint("Run CREATE SERVER amazon_ads FOREIGN DATA WRAPPER ras OPTIONS (region 'NA').")));
	if (count > 1)
		ereport(ERROR,
				(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
				 errmsg("more than one ras server exists"),
				 errhint("Name one with SET ras.server or the server argument.")));
	return GetForeignServer(found);
}

static char *
option_value(List *options, const char *name)
{
	ListCell   *lc;

	foreach(lc, options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (strcmp(def->defname, name) == 0)
			return defGetString(def);
	}
	return NULL;
}

/* The user mapping of the current user (or PUBLIC) on the server. */
static HeapTuple
lookup_user_mapping(Oid serverid, Oid userid, Oid *umid, List **options)
{
	HeapTuple	tp;
	Datum		datum;
	bool		isnull;

	tp = SearchSysCache2(USERMAPPINGUSERSERVER, ObjectIdGetDatum(userid),
						 ObjectIdGetDatum(serverid));
	if (!HeapTupleIsValid(tp))
		tp = SearchSysCache2(USERMAPPINGUSERSERVER, ObjectIdGetDatum(InvalidOid),
							 ObjectIdGetDatum(serverid));
	if (!HeapTupleIsValid(tp))
		return NULL;
	*umid = ((Form_pg_user_mapping) GETSTRUCT(tp))->oid;
	datum = SysCacheGetAttr(USERMAPPINGUSERSERVER, tp, Anum_pg_user_mapping_umoptions,
							&isnull);
	*options = isnull ? NIL : untransformRelOptions(datum);
	return tp;
}

RasConn *
ras_conn_resolve(const char *server_name)
{
	return conn_for(resolve_server(server_name), GetUserId());
}

/*
 * The connection of a foreign scan: its table's server, with the user
 * mapping of the role PostgreSQL's rules name (the view owner's when the
 * table is reached through a view), after checking that role's USAGE.
 */
RasConn *
ras_conn_for_server(Oid serverid, Oid userid)
{
	ForeignServer *server = GetForeignServer(serverid);

	if (pg_foreign_server_aclcheck(serverid, userid, ACL_USAGE) != ACLCHECK_OK)
		aclcheck_error(ACLCHECK_NO_PRIV, OBJECT_FOREIGN_SERVER, server->servername);
	return conn_for(server, userid);
}

static RasConn *
conn_for(ForeignServer *server, Oid userid)
{
	RasConn    *conn = palloc0(sizeof(RasConn));
	const char *region_name = option_value(server->options, "region");
	const RasRegion *region = region_by_name(region_name ? region_name : "NA");
	char	   *api_url = option_value(server->options, "api_url");
	char	   *token_url = option_value(server->options, "token_url");
	List	   *um_options = NIL;
	HeapTuple	tp;
	const char *const required[] = {"client_id", "client_secret", "refresh_token"};

	conn->serverid = server->serverid;
	conn->server_name = pstrdup(server->servername);
	conn->api_url = pstrdup(api_url ? api_url : region->api_url);
	conn->token_url = pstrdup(token_url ? token_url : region->token_url);
	/* paths are appended with their own leading slash */
	while (strlen(conn->api_url) > 0 && conn->api_url[strlen(conn->api_url) - 1] == '/')
		conn->api_url[strlen(conn->api_url) - 1] = '\0';

	tp = lookup_user_mapping(server->serverid, userid, &conn->umid, &um_options);
	if (tp == NULL)
		ereport(ERROR,
				(errcode(RAS_SQLSTATE_AUTH),
				 errmsg("no user mapping for role \"%s\" on ras server \"%s\"",
						GetUserNameFromId(userid, false), server->servername),
				 errhint("Run CREATE USER MAPPING FOR %s SERVER %s OPTIONS (client_id '...', client_secret '...', refresh_token '...').",
						 userid == GetUserId() ? "CURRENT_USER" :
						 quote_identifier(GetUserNameFromId(userid, false)),
						 server->servername)));
	ReleaseSysCache(tp);

	for (int i = 0; i < lengthof(required); i++)
		if (option_value(um_options, required[i]) == NULL)
			ereport(ERROR,
					(errcode(RAS_SQLSTATE_AUTH),
					 errmsg("user mapping on ras server \"%s\" lacks option \"%s\"",
							server->servername, required[i]),
					 errhint("Run ALTER USER MAPPING FOR CURRENT_USER SERVER %s OPTIONS (ADD %s '...').",
							 server->servername, required[i])));
	conn->client_id = option_value(um_options, "client_id");
	conn->client_secret = option_value(um_options, "client_secret");
	conn->refresh_token = option_value(um_options, "refresh_token");
	/* from now on no remote string can quote them */
	ras_secret_register(conn->client_secret);
	ras_secret_register(conn->refresh_token);
	return conn;
}

/*
 * Whether id can be a scope of its kind: a profile id is a number, an
 * account id letters, digits, '.', '_' and '-' (it goes into a header).
 */
bool
ras_scope_id_valid(RasScopeKind kind, const char *id)
{
	const char *allowed = kind == RAS_SCOPE_PROFILE ? "0123456789" :
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-";

	return strlen(id) <= 128 && strspn(id, allowed) == strlen(id);
}

const char *
ras_profile_resolve(const char *profile_id)
{
	if (profile_id == NULL || profile_id[0] == '\0')
		profile_id = ras_profile_id_guc;
	if (profile_id == NULL || profile_id[0] == '\0')
		ereport(ERROR,
				(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
				 errmsg("no Amazon Ads profile selected"),
				 errhint("SET ras.profile_id = '...' (see ras.profiles()) or pass profile_id.")));
	if (!ras_scope_id_valid(RAS_SCOPE_PROFILE, profile_id))
		ereport(ERROR,
				(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
				 errmsg("invalid profile id \"%s\"", profile_id),
				 errhint("A profile id is a number, as listed by ras.profiles().")));
	return profile_id;
}

/*
 * The advertiser account a DSP (or global) call is scoped by: the argument,
 * else ras.account_id.  An account id goes into a header: letters, digits,
 * '.', '_' and '-' only (DSP advertiser ids, ENTITY ids, amzn1.ads-account ids).
 */
const char *
ras_account_resolve(const char *account_id)
{
	if (account_id == NULL || account_id[0] == '\0')
		account_id = ras_account_id_guc;
	if (account_id == NULL || account_id[0] == '\0')
		ereport(ERROR,
				(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
				 errmsg("no Amazon Ads advertiser account selected"),
				 errdetail("Amazon DSP calls are scoped by an advertiser account, not a profile."),
				 errhint("SET ras.account_id = '...' or pass account_id.")));
	if (!ras_scope_id_valid(RAS_SCOPE_ACCOUNT, account_id))
		ereport(ERROR,
				(errcode(RAS_SQLSTATE_BAD_ARGUMENT),
				 errmsg("invalid advertiser account id \"%s\"", account_id),
				 errhint("An account id holds letters, digits, '.', '_' and '-'.")));
	return account_id;
}

PG_FUNCTION_INFO_V1(ras_scope);

/* ras.scope(server, profile_id) -> (server_name, scope_profile_id) */
Datum
ras_scope(PG_FUNCTION_ARGS)
{
	RasConn    *conn = ras_conn_resolve(PG_ARGISNULL(0) ? NULL : ras_text_cstring(PG_GETARG_DATUM(0)));
	const char *profile = ras_profile_resolve(PG_ARGISNULL(1) ? NULL : ras_text_cstring(PG_GETARG_DATUM(1)));
	TupleDesc	tupdesc;
	Tuplestorestate *ts = ras_srf_begin(fcinfo, &tupdesc);
	Datum		values[2];
	bool		nulls[2] = {false, false};

	values[0] = ras_text_datum(conn->server_name, strlen(conn->server_name));
	values[1] = ras_text_datum(profile, strlen(profile));
	tuplestore_putvalues(ts, tupdesc, values, nulls);
	return (Datum) 0;
}
