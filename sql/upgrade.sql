--
-- The SQL surface is versioned: installing the oldest version and walking the
-- upgrade chain gives exactly what a fresh install of the newest gives.
--
CREATE DATABASE ras_upgrade;
\c ras_upgrade
SET client_min_messages = warning;
-- Everything of the extension a user can see or rely on, one row per object.
SET check_function_bodies = off;
CREATE SCHEMA upgrade_check;
CREATE FUNCTION upgrade_check.surface() RETURNS TABLE (kind text, name text, definition text)
LANGUAGE sql AS $$
  SELECT 'function', p.oid::regprocedure::text,
         pg_get_functiondef(p.oid) || coalesce(' -- ' || obj_description(p.oid, 'pg_proc'), '')
             || coalesce(' acl ' || p.proacl::text, '')
  FROM pg_proc p WHERE p.pronamespace = 'ras'::regnamespace
  UNION ALL
  SELECT 'column', c.relname || '.' || a.attnum || ' ' || a.attname,
         format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
             || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
  WHERE c.relnamespace = 'ras'::regnamespace AND c.relkind IN ('r', 'v')
  UNION ALL
  SELECT 'view', c.relname, pg_get_viewdef(c.oid) || coalesce(' acl ' || c.relacl::text, '')
  FROM pg_class c WHERE c.relnamespace = 'ras'::regnamespace AND c.relkind = 'v'
  UNION ALL
  SELECT 'table', c.relname,
         'rls ' || c.relrowsecurity || ' acl ' || coalesce(c.relacl::text, '-')
             || coalesce(' -- ' || obj_description(c.oid, 'pg_class'), '')
  FROM pg_class c WHERE c.relnamespace = 'ras'::regnamespace AND c.relkind = 'r'
  UNION ALL
  SELECT 'constraint', conrelid::regclass || ' ' || conname, pg_get_constraintdef(oid)
  FROM pg_constraint WHERE connamespace = 'ras'::regnamespace
  UNION ALL
  SELECT 'index', indexrelid::regclass::text, pg_get_indexdef(indexrelid)
  FROM pg_index WHERE indrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'ras'::regnamespace)
  UNION ALL
  SELECT 'policy', tablename || ' ' || policyname,
         cmd || ' ' || array_to_string(roles, ',') || ' ' || coalesce(qual, '') || ' ' || coalesce(with_check, '')
  FROM pg_policies WHERE schemaname = 'ras'
  UNION ALL
  SELECT 'config table', c::regclass::text, '' FROM pg_extension e, unnest(e.extconfig) c
  WHERE e.extname = 'ras'
  UNION ALL
  SELECT 'wrapper', fdwname, fdwhandler::regproc::text || ' ' || fdwvalidator::regproc::text
         || coalesce(' -- ' || obj_description(oid, 'pg_foreign_data_wrapper'), '')
  FROM pg_foreign_data_wrapper WHERE fdwname = 'ras'
  UNION ALL
  SELECT 'event trigger', evtname, evtevent || ' ' || evtfoid::regproc::text || ' ' || array_to_string(evttags, ',')
  FROM pg_event_trigger WHERE evtname LIKE 'ras%'
  UNION ALL
  SELECT 'member', pg_describe_object(classid, objid, objsubid), ''
  FROM pg_depend WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
    AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'ras')
$$;

CREATE EXTENSION ras VERSION '0.1';
SELECT extversion FROM pg_extension WHERE extname = 'ras';
-- a report load recorded under 0.1 survives the update
CREATE TABLE public.loaded (x int);
INSERT INTO ras.report_jobs (report_id, report_type, start_date, end_date, status, server, profile_id)
VALUES ('r-1', 'spTargeting', '2026-01-01', '2026-01-07', 'COMPLETED', 'amazon_ads', '1234567890');
INSERT INTO ras.report_loads (target, report_id, loaded_at, rows_loaded)
VALUES ('public.loaded', 'r-1', now(), 42);
ALTER EXTENSION ras UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'ras';
SELECT target, target_oid = 'public.loaded'::regclass AS same_table, server, profile_id,
       rows_loaded, requested_by = current_user AS mine
FROM ras.report_loads;
CREATE TEMP TABLE updated AS SELECT * FROM upgrade_check.surface();
DROP EXTENSION ras;
CREATE EXTENSION ras;
CREATE TEMP TABLE fresh AS SELECT * FROM upgrade_check.surface();
SELECT count(*) > 100 AS many_objects FROM fresh;
-- what differs (nothing)
(SELECT 'only after update' AS where_, * FROM updated EXCEPT SELECT 'only after update', * FROM fresh)
UNION ALL
(SELECT 'only in fresh install', * FROM fresh EXCEPT SELECT 'only in fresh install', * FROM updated)
ORDER BY 1, 2, 3;
-- every write function has the 0.2 result shape
SELECT count(*) AS write_functions,
       count(*) FILTER (WHERE pg_get_function_result(p.oid) =
                        'TABLE(idx integer, ok boolean, id text, error text, result jsonb)') AS with_error_column
FROM pg_proc p
WHERE p.pronamespace = 'ras'::regnamespace AND p.proname ~ '^(create|update|delete)_';
\c contrib_regression
DROP DATABASE ras_upgrade;
