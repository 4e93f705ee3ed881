--
-- Security: objects planted on a superuser's search_path are never called by
-- the extension's SQL, and roles never see or steer each other's report jobs
-- and loads.
--
SET client_min_messages = warning;
SELECT regress.sim('POST', '/_sim/reports/delay', '{"seconds": 0}') IS NOT NULL AS reports_instant;
CREATE ROLE mallory NOLOGIN;
CREATE SCHEMA evil AUTHORIZATION mallory;
CREATE TABLE evil.hits (what text);
GRANT INSERT ON evil.hits TO PUBLIC;

-- As mallory: a hostile operator for every operator name the extension's SQL
-- uses, over every pair of ordinary types PostgreSQL's own operator accepts
-- (an exact-type operator beats a polymorphic one wherever it sits on the
-- path), and a hostile function for every function name it calls.
SET ROLE mallory;
DO $do$
DECLARE
  ops text[] := '{=,<>,<,>,<=,>=,||,+,-,*,/,->>,->,~,?,@>,#>>}';
  types text[] := '{text,text[],name,integer,bigint,numeric,date,interval,timestamptz,jsonb,boolean,oid,regclass,"char",integer[],boolean[]}';
  op text; l text; r text; result text; n int := 0;
BEGIN
  FOREACH op IN ARRAY ops LOOP
    FOREACH l IN ARRAY types LOOP
      FOREACH r IN ARRAY types LOOP
        BEGIN
          EXECUTE format('SELECT pg_typeof(NULL::%s OPERATOR(pg_catalog.%s) NULL::%s)::text', l, op, r) INTO result;
        EXCEPTION WHEN OTHERS THEN
          CONTINUE;
        END;
        n := n + 1;
        EXECUTE format($f$CREATE FUNCTION evil.op_%s(%s, %s) RETURNS %s LANGUAGE plpgsql AS
                         $b$BEGIN INSERT INTO evil.hits VALUES (%L); RETURN NULL; END$b$$f$,
                       n, l, r, result, format('operator %s %s %s', l, op, r));
        EXECUTE format('CREATE OPERATOR evil.%s (LEFTARG = %s, RIGHTARG = %s, FUNCTION = evil.op_%s)',
                       op, l, r, n);
      END LOOP;
    END LOOP;
  END LOOP;
  RAISE NOTICE 'planted % operators', n;
END
$do$;
DO $do$
DECLARE
  f record; n int := 0;
BEGIN
  FOR f IN
    SELECT p.proname, pg_get_function_identity_arguments(p.oid) AS args,
           pg_get_function_result(p.oid) AS result
    FROM pg_proc p
    WHERE p.pronamespace = 'pg_catalog'::regnamespace AND p.prokind = 'f' AND NOT p.proretset
      AND p.proname IN ('format', 'cardinality', 'parse_ident', 'current_schema', 'quote_ident',
                        'to_regclass', 'has_table_privilege', 'has_schema_privilege', 'pg_has_role',
                        'md5', 'jsonb_build_array', 'array_to_string', 'hashtext', 'now',
                        'pg_advisory_xact_lock', 'concat_ws', 'set_config', 'current_setting',
                        'array_length', 'upper', 'lower', 'length', 'coalesce', 'jsonb_typeof')
      AND NOT EXISTS (SELECT FROM unnest(p.proargtypes::oid[]) t JOIN pg_type ty ON ty.oid = t
                      WHERE ty.typtype = 'p')
  LOOP
    n := n + 1;
    EXECUTE format($f$CREATE FUNCTION evil.%I(%s) RETURNS %s LANGUAGE plpgsql AS
                     $b$BEGIN INSERT INTO evil.hits VALUES (%L); RETURN NULL; END$b$$f$,
                   f.proname, f.args, f.result, 'function ' || f.proname);
  END LOOP;
  -- variadic "any" functions: the concrete signatures a call would prefer
  CREATE FUNCTION evil.format(text, text) RETURNS text LANGUAGE plpgsql AS
    'BEGIN INSERT INTO evil.hits VALUES (''format''); RETURN NULL; END';
  CREATE FUNCTION evil.format(text, text, text) RETURNS text LANGUAGE plpgsql AS
    'BEGIN INSERT INTO evil.hits VALUES (''format''); RETURN NULL; END';
  CREATE FUNCTION evil.concat_ws(text, text, text) RETURNS text LANGUAGE plpgsql AS
    'BEGIN INSERT INTO evil.hits VALUES (''concat_ws''); RETURN NULL; END';
  RAISE NOTICE 'planted % functions', n + 3;
END
$do$;
RESET ROLE;
SELECT count(*) > 300 AS many_operators FROM pg_operator WHERE oprnamespace = 'evil'::regnamespace;

-- A superuser with mallory's schema first on the path runs every procedure
-- and function of the extension.
CREATE SCHEMA warehouse;
SELECT current_date - 2 AS day1, current_date - 1 AS day2 \gset
-- (the statements below are the test's own: they name pg_catalog's operators)
SET search_path = evil, pg_catalog, public;
CALL ras.sync_report('warehouse.sp_daily', 'spTargeting', lookback_days => 3, wait => '1 minute');
CALL ras.sync_report('warehouse.sp_daily', 'spTargeting', lookback_days => 3, wait => '1 minute', refresh => true);
SELECT count(*) OPERATOR(pg_catalog.>) 0 AS report_types FROM ras.report_types();
SELECT count(*) OPERATOR(pg_catalog.>) 0 AS report_columns FROM ras.report_columns('spCampaigns');
SELECT cardinality(ras.report_request('spCampaigns', :'day1', :'day2')) AS requested;
SELECT count(*) AS waited FROM ras.report_wait(ras.report_request('spCampaigns', :'day1', :'day2'), '1 minute');
SELECT count(*) OPERATOR(pg_catalog.>=) 0 AS rows_read FROM ras.report_rows(ras.report('spCampaigns', :'day1', :'day2'));
SELECT count(*) AS statuses FROM ras.report_status((ras.report_request('spCampaigns', :'day1', :'day2'))[1]);
SELECT count(*) AS scopes FROM ras.scope();
SELECT count(*) OPERATOR(pg_catalog.>=) 0 AS listed FROM ras.campaigns(), ras.profiles();
SELECT count(*) OPERATOR(pg_catalog.>=) 0 AS listed FROM ras.ad_groups(), ras.product_ads(), ras.targets(max_rows => 1), ras.retailers(max_rows => 1);
SELECT count(*) OPERATOR(pg_catalog.>=) 0 AS listed FROM ras.products('retailer-1', max_rows => 1);
SELECT ok, error FROM ras.create_campaigns('{"name": "Planted path", "budget": {"budget": 10, "budgetType": "DAILY"}, "targetingType": "AUTO", "state": "ENABLED", "dynamicBidding": {"strategy": "MANUAL"}}');
SELECT ok, error FROM ras.update_campaigns((SELECT jsonb_agg(jsonb_build_object('campaignId', campaign_id, 'state', 'PAUSED')) FROM ras.campaigns(names => '{Planted path}')));
SELECT ok, error FROM ras.delete_campaigns((SELECT array_agg(campaign_id) FROM ras.campaigns(names => '{Planted path}')));
RESET search_path;
SELECT what, count(*) FROM evil.hits GROUP BY what ORDER BY what;
SELECT rolsuper FROM pg_roles WHERE rolname = 'mallory';

-- Roles and report jobs.  Setup for a non-superuser: USAGE on the schema,
-- USAGE on the server and a user mapping; nothing more.
CREATE ROLE alice NOLOGIN;
CREATE ROLE bob NOLOGIN;
GRANT USAGE ON SCHEMA ras TO alice, bob;
GRANT USAGE ON SCHEMA regress TO bob;  -- for regress.try only
GRANT USAGE ON FOREIGN SERVER amazon_ads TO alice, bob;
CREATE USER MAPPING FOR alice SERVER amazon_ads
  OPTIONS (client_id 'amzn1.application-oa2-client.sim', client_secret 'sim-client-secret',
           refresh_token 'Atzr|sim-refresh-token');
CREATE USER MAPPING FOR bob SERVER amazon_ads
  OPTIONS (client_id 'amzn1.application-oa2-client.sim', client_secret 'sim-client-secret',
           refresh_token 'Atzr|sim-refresh-token');
CREATE SCHEMA alice AUTHORIZATION alice;
CREATE SCHEMA bob AUTHORIZATION bob;
GRANT USAGE ON SCHEMA alice TO bob;  -- bob may see alice's tables, not write them
SELECT count(*) AS superuser_jobs FROM ras.report_jobs WHERE requested_by = current_user \gset

SET ROLE alice;
CALL ras.sync_report('alice.daily', 'spTargeting', lookback_days => 3, wait => '1 minute');
SELECT count(*) > 0 AS alice_jobs, bool_and(requested_by = 'alice') AS all_hers FROM ras.report_jobs;
SELECT count(*) AS alice_loads, bool_and(loaded_at IS NOT NULL) AS loaded FROM ras.report_loads;
SELECT count(*) AS alice_rows FROM alice.daily \gset
RESET ROLE;

SELECT (regress.sim('GET', '/_sim/requests')->>'next')::int AS mark \gset
SET ROLE bob;
-- bob sees nothing of alice's, and cannot change it
SELECT count(*) AS jobs_bob_sees FROM ras.report_jobs;
SELECT count(*) AS loads_bob_sees FROM ras.report_loads;
UPDATE ras.report_jobs SET start_date = '2000-01-01';
DELETE FROM ras.report_loads;
SELECT regress.try($$INSERT INTO ras.report_jobs (report_id, report_type, start_date, end_date, status, server, profile_id, requested_by)
                     VALUES ('x', 'spTargeting', current_date, current_date, 'COMPLETED', 'amazon_ads', '1234567890', 'alice')$$);
SELECT regress.try($$INSERT INTO ras.report_loads (target, target_oid, server, profile_id, config, report_id)
                     SELECT 'alice.daily', 'alice.daily'::regclass, 'amazon_ads', '1234567890', 'x', 'y'$$);
-- bob cannot load into alice's table: refused before anything is requested
SELECT regress.try($$CALL ras.sync_report('alice.daily', 'spTargeting', lookback_days => 3)$$);
SELECT regress.try($$CALL ras.sync_report('alice.other', 'spTargeting', lookback_days => 3)$$);
RESET ROLE;
SELECT jsonb_array_length(regress.sim('GET', '/_sim/requests?since=' || :mark)->'requests') AS requests_sent;

-- alice's next run finds everything as she left it
SET ROLE alice;
CALL ras.sync_report('alice.daily', 'spTargeting', lookback_days => 3);
SELECT count(*) = :alice_rows AS rows_kept FROM alice.daily;
SELECT bool_and(start_date > '2000-01-01') AS dates_kept FROM ras.report_jobs;
RESET ROLE;

-- the superuser's own calls act on its own rows only
SELECT count(*) = :superuser_jobs AS superuser_jobs_unchanged FROM ras.report_jobs WHERE requested_by = current_user;
SELECT count(DISTINCT requested_by) AS roles_with_jobs FROM ras.report_jobs;

-- sync_report's arguments are all checked before a request
SELECT (regress.sim('GET', '/_sim/requests')->>'next')::int AS mark \gset
SELECT regress.try($$CALL ras.sync_report('warehouse.sp_daily', 'spTargeting', wait => '-1 minute')$$);
SELECT regress.try($$CALL ras.sync_report('warehouse.sp_daily', 'spCampaigns')$$);
SELECT regress.try($$CALL ras.sync_report('warehouse.sp_daily', 'spTargeting', group_by => '{campaign}')$$);
SELECT regress.try($$CALL ras.sync_report('nowhere.t', 'spTargeting')$$);
SELECT jsonb_array_length(regress.sim('GET', '/_sim/requests?since=' || :mark)->'requests') AS requests_sent;

DROP USER MAPPING FOR alice SERVER amazon_ads;
DROP USER MAPPING FOR bob SERVER amazon_ads;
DROP SCHEMA alice CASCADE;
DROP SCHEMA bob CASCADE;
DELETE FROM ras.report_jobs WHERE requested_by IN ('alice', 'bob');
REVOKE ALL ON SCHEMA ras FROM alice, bob;
REVOKE ALL ON SCHEMA regress FROM bob;
REVOKE ALL ON FOREIGN SERVER amazon_ads FROM alice, bob;
DROP ROLE alice;
DROP ROLE bob;
DROP SCHEMA evil CASCADE;
DROP ROLE mallory;
SELECT regress.sim('POST', '/_sim/reports/delay', 'null') ? 'report_delay' AS delay_reset;
