-- ras 0.1 -> 0.2
\echo Use "ALTER EXTENSION ras UPDATE TO '0.2'" to load this file. \quit

-- Writes return an error column: (idx, ok, id, error, result).
DROP FUNCTION ras.create_campaigns(jsonb, text, text);
DROP FUNCTION ras.update_campaigns(jsonb, text, text);
DROP FUNCTION ras.delete_campaigns(text[], text, text);
DROP FUNCTION ras.create_ad_groups(jsonb, text, text);
DROP FUNCTION ras.update_ad_groups(jsonb, text, text);
DROP FUNCTION ras.delete_ad_groups(text[], text, text);
DROP FUNCTION ras.create_product_ads(jsonb, text, text);
DROP FUNCTION ras.update_product_ads(jsonb, text, text);
DROP FUNCTION ras.delete_product_ads(text[], text, text);
DROP FUNCTION ras.create_targets(jsonb, text, text);
DROP FUNCTION ras.update_targets(jsonb, text, text);
DROP FUNCTION ras.delete_targets(text[], text, text);

CREATE FUNCTION ras.create_campaigns(items jsonb, profile_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (idx integer, ok boolean, id text, error text, result jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.update_campaigns(items jsonb, profile_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (idx integer, ok boolean, id text, error text, result jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.delete_campaigns(ids text[], profile_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (idx integer, ok boolean, id text, error text, result jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;


CREATE FUNCTION ras.create_ad_groups(items jsonb, profile_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (idx integer, ok boolean, id text, error text, result jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.update_ad_groups(items jsonb, profile_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (idx integer, ok boolean, id text, error text, result jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.delete_ad_groups(ids text[], profile_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (idx integer, ok boolean, id text, error text, result jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;


CREATE FUNCTION ras.create_product_ads(items jsonb, profile_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (idx integer, ok boolean, id text, error text, result jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.update_product_ads(items jsonb, profile_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (idx integer, ok boolean, id text, error text, result jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.delete_product_ads(ids text[], profile_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (idx integer, ok boolean, id text, error text, result jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;


CREATE FUNCTION ras.create_targets(items jsonb, profile_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (idx integer, ok boolean, id text, error text, result jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.update_targets(items jsonb, profile_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (idx integer, ok boolean, id text, error text, result jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.delete_targets(ids text[], profile_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (idx integer, ok boolean, id text, error text, result jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

-- Report jobs and loads belong to the role that asked for them.
ALTER TABLE ras.report_jobs DROP CONSTRAINT report_jobs_pkey CASCADE;
ALTER TABLE ras.report_jobs ADD PRIMARY KEY (report_id, requested_by);

-- report_loads gains the table's OID, scope and configuration: made anew,
-- the loads of 0.1 kept as history (their configuration is unknown, so none
-- of them is taken for an outstanding load of 0.2).
ALTER TABLE ras.report_loads RENAME TO report_loads_0_1;
ALTER INDEX ras.report_loads_pkey RENAME TO report_loads_0_1_pkey;
-- Which report feeds which table (ras.sync_report) and whether it was loaded.
-- A load belongs to the role that asked for it, and names its table by OID:
-- a table renamed, or another table given the old name, is not confused.
CREATE TABLE ras.report_loads (
    target       text NOT NULL,     -- schema.table when the load was recorded
    target_oid   oid NOT NULL,      -- the table itself
    server       text NOT NULL,
    profile_id   text NOT NULL,
    config       text NOT NULL,     -- fingerprint of report type, group_by, columns, filters
    report_id    text NOT NULL,
    requested_by name NOT NULL DEFAULT current_user,
    requested_at timestamptz NOT NULL DEFAULT now(),
    loaded_at    timestamptz,
    rows_loaded  bigint,
    PRIMARY KEY (target_oid, report_id, requested_by),
    FOREIGN KEY (report_id, requested_by) REFERENCES ras.report_jobs ON DELETE CASCADE
);
INSERT INTO ras.report_loads (target, target_oid, server, profile_id, config, report_id,
                              requested_by, requested_at, loaded_at, rows_loaded)
SELECT l.target, pg_catalog.to_regclass(l.target)::oid, j.server, j.profile_id, 'from ras 0.1',
       l.report_id, j.requested_by, l.requested_at, l.loaded_at, l.rows_loaded
FROM ras.report_loads_0_1 l JOIN ras.report_jobs j USING (report_id)
WHERE pg_catalog.to_regclass(l.target) IS NOT NULL;
-- leaving the extension first takes the table off its config-dump list
ALTER EXTENSION ras DROP TABLE ras.report_loads_0_1;
DROP TABLE ras.report_loads_0_1;
SELECT pg_catalog.pg_extension_config_dump('ras.report_loads', '');

-- Each role sees and changes only its own jobs and loads, as pg_cron does
-- for cron.job.  The extension's own statements also name current_user, so
-- a superuser (whom row-level security does not bind) acts on its own rows.
ALTER TABLE ras.report_jobs ENABLE ROW LEVEL SECURITY;
ALTER TABLE ras.report_loads ENABLE ROW LEVEL SECURITY;
CREATE POLICY report_jobs_own ON ras.report_jobs
    USING (requested_by OPERATOR(pg_catalog.=) CURRENT_USER)
    WITH CHECK (requested_by OPERATOR(pg_catalog.=) CURRENT_USER);
CREATE POLICY report_loads_own ON ras.report_loads
    USING (requested_by OPERATOR(pg_catalog.=) CURRENT_USER)
    WITH CHECK (requested_by OPERATOR(pg_catalog.=) CURRENT_USER);
GRANT SELECT, INSERT, UPDATE, DELETE ON ras.report_jobs, ras.report_loads TO PUBLIC;

-- ras.sync_report: immune to the caller's search_path, split into steps.
-- The scope a call would use: the server and profile that the arguments or
-- the settings name, resolved as every API call resolves them.
CREATE FUNCTION ras.scope(server text DEFAULT NULL, profile_id text DEFAULT NULL)
RETURNS TABLE (server_name text, scope_profile_id text)
AS 'MODULE_PATHNAME', 'ras_scope'
LANGUAGE C STABLE PARALLEL UNSAFE;

-- Step 0: the columns a request yields, in catalogue order, as arrays.
CREATE FUNCTION ras.sync_report_columns(
    report_type text, group_by text[], columns text[],
    OUT api_names text[], OUT column_names text[], OUT data_types text[],
    OUT grain_key boolean[])
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
AS $$
SELECT array_agg(c.api_name ORDER BY c.n), array_agg(c.column_name ORDER BY c.n),
       array_agg(c.data_type ORDER BY c.n), array_agg(c.grain_key ORDER BY c.n)
FROM ras.report_columns(report_type, group_by, columns, 'DAILY', true)
     WITH ORDINALITY AS c(api_name, column_name, data_type, grain_key, n)
$$;

-- Step 1: the table, checked, then created or completed.  Everything that
-- could refuse the load later is refused here, before a report is asked for.
CREATE FUNCTION ras.sync_report_table(
    default_schema text, target text, column_names text[], data_types text[],
    grain_key boolean[], OUT table_oid oid, OUT qualified text, OUT created boolean)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    parts text[] := parse_ident(target);
    schema_name text;
    keys text[];
    have_keys text[];
    missing integer[];
    col_defs text[];
BEGIN
    IF cardinality(parts) = 1 THEN
        schema_name := default_schema;
    ELSIF cardinality(parts) = 2 THEN
        schema_name := parts[1];
    ELSE
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = format('invalid target table name "%s"', target),
            HINT = 'Name a table as schema.table or table.';
    END IF;
    IF schema_name IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '3F000',
            MESSAGE = format('no schema to create table "%s" in', target),
            HINT = 'Name the table as schema.table, or set search_path.';
    END IF;
    qualified := format('%I.%I', schema_name, parts[cardinality(parts)]);
    keys := ARRAY(SELECT column_names[i] FROM generate_subscripts(column_names, 1) i
                  WHERE grain_key[i] ORDER BY i);
    col_defs := ARRAY(SELECT format('%I %s', column_names[i], data_types[i])
                      FROM generate_subscripts(column_names, 1) i ORDER BY i);
    table_oid := to_regclass(qualified);
    created := table_oid IS NULL;

    IF created THEN
        IF NOT EXISTS (SELECT FROM pg_namespace WHERE nspname = schema_name) THEN
            RAISE EXCEPTION USING ERRCODE = '3F000',
                MESSAGE = format('schema "%s" does not exist', schema_name);
        END IF;
        IF NOT has_schema_privilege(schema_name, 'CREATE') THEN
            RAISE EXCEPTION USING ERRCODE = '42501',
                MESSAGE = format('permission denied to create table %s', qualified),
                HINT = format('ras.sync_report creates the table on first use: it needs CREATE on schema %I.', schema_name);
        END IF;
        EXECUTE format(
            'CREATE TABLE %s (%s, report_id text NOT NULL, loaded_at timestamptz NOT NULL, PRIMARY KEY (%s))',
            qualified, array_to_string(col_defs, ', '),
            (SELECT string_agg(quote_ident(k), ', ') FROM unnest(keys) k));
        table_oid := qualified::regclass;
        RETURN;
    END IF;

    IF NOT EXISTS (SELECT FROM pg_class WHERE oid = table_oid AND relkind IN ('r', 'p')) THEN
        RAISE EXCEPTION USING ERRCODE = '42809',
            MESSAGE = format('%s is not a table', qualified);
    END IF;
    IF NOT has_table_privilege(table_oid, 'SELECT, INSERT, UPDATE, DELETE') THEN
        RAISE EXCEPTION USING ERRCODE = '42501',
            MESSAGE = format('permission denied for table %s', qualified),
            HINT = 'ras.sync_report needs SELECT, INSERT, UPDATE and DELETE on the table it loads.';
    END IF;
    -- the grain of the table must be the grain of the report
    have_keys := ARRAY(SELECT a.attname::text
                       FROM pg_index x
                       JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = ANY (x.indkey)
                       WHERE x.indrelid = table_oid AND x.indisprimary ORDER BY a.attname);
    IF have_keys IS DISTINCT FROM ARRAY(SELECT k FROM unnest(keys) k ORDER BY k)
       OR NOT EXISTS (SELECT FROM pg_attribute
                      WHERE attrelid = table_oid AND attname IN ('report_id', 'loaded_at')
                        AND NOT attisdropped HAVING count(*) = 2) THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = format('table %s has another grain than this report', qualified),
            DETAIL = format('Its primary key is (%s); this report type and group_by load on (%s).',
                            coalesce(array_to_string(have_keys, ', '), 'none'),
                            array_to_string(keys, ', ')),
            HINT = 'Load each report type and group_by into a table of its own.';
    END IF;
    missing := ARRAY(SELECT i FROM generate_subscripts(column_names, 1) i
                     WHERE NOT EXISTS (SELECT FROM pg_attribute a
                                       WHERE a.attrelid = table_oid
                                         AND a.attname = column_names[i] AND NOT a.attisdropped)
                     ORDER BY i);
    IF cardinality(missing) > 0 THEN
        IF NOT pg_has_role((SELECT relowner FROM pg_class WHERE oid = table_oid), 'USAGE') THEN
            RAISE EXCEPTION USING ERRCODE = '42501',
                MESSAGE = format('must be owner of table %s to add columns %s', qualified,
                                 (SELECT string_agg(column_names[i], ', ') FROM unnest(missing) i)),
                HINT = 'Ask for the columns the table has, or have its owner run ras.sync_report once.';
        END IF;
        EXECUTE format('ALTER TABLE %s %s', qualified,
                       (SELECT string_agg('ADD COLUMN ' || col_defs[i], ', ') FROM unnest(missing) i));
    END IF;
END
$$;

-- Step 2: with nothing outstanding, request the trailing window and record
-- the loads it calls for.  Returns the reports to load.
CREATE FUNCTION ras.sync_report_request(
    table_oid oid, qualified text, config text, report_type text, group_by text[],
    api_names text[], filters jsonb, lookback_days integer, end_date date, refresh boolean,
    server text, profile_id text, OUT report_ids text[], OUT requested integer,
    OUT days integer)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    retention integer;
    first_day date;
    last_day date;
    ids text[];
BEGIN
    requested := 0;
    report_ids := ARRAY(
        SELECT l.report_id FROM ras.report_loads l
        JOIN ras.report_jobs j ON j.report_id = l.report_id AND j.requested_by = l.requested_by
        WHERE l.requested_by = CURRENT_USER AND l.target_oid = table_oid
          AND l.server = sync_report_request.server
          AND l.profile_id = sync_report_request.profile_id
          AND l.config = sync_report_request.config
          AND l.loaded_at IS NULL AND j.status IN ('PENDING', 'PROCESSING', 'COMPLETED')
        ORDER BY j.start_date);
    IF cardinality(report_ids) > 0 THEN
        RETURN;
    END IF;

    SELECT t.retention_days INTO retention FROM ras.report_types() t
    WHERE t.report_type = sync_report_request.report_type LIMIT 1;
    last_day := coalesce(sync_report_request.end_date, CURRENT_DATE - 1);
    -- a day's margin: Amazon's today is the profile's, not this session's
    first_day := GREATEST(last_day - lookback_days + 1, CURRENT_DATE - retention + 1);
    IF first_day > last_day THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = format('the window ending %s is older than the %s-day retention of %s',
                             last_day, retention, sync_report_request.report_type);
    END IF;
    ids := ras.report_request(sync_report_request.report_type, first_day, last_day,
                              sync_report_request.group_by, api_names, 'DAILY',
                              sync_report_request.filters,
                              max_age => CASE WHEN refresh THEN interval '0' ELSE interval '1 day' END,
                              profile_id => sync_report_request.profile_id,
                              server => sync_report_request.server);
    report_ids := ARRAY(
        SELECT i FROM unnest(ids) i
        WHERE NOT EXISTS (SELECT FROM ras.report_loads l
                          WHERE l.requested_by = CURRENT_USER AND l.target_oid = table_oid
                            AND l.report_id = i AND l.loaded_at IS NOT NULL));
    INSERT INTO ras.report_loads (target, target_oid, server, profile_id, config, report_id)
    SELECT qualified, table_oid, sync_report_request.server, sync_report_request.profile_id,
           sync_report_request.config, i
    FROM unnest(report_ids) i
    ON CONFLICT (target_oid, report_id, requested_by) DO UPDATE
        SET server = EXCLUDED.server, profile_id = EXCLUDED.profile_id, config = EXCLUDED.config,
            target = EXCLUDED.target;
    requested := cardinality(report_ids);
    days := last_day - first_day + 1;
END
$$;

-- Step 3: load whatever is finished, replacing each report's days.
CREATE FUNCTION ras.sync_report_load(
    table_oid oid, qualified text, report_ids text[], wait interval,
    api_names text[], column_names text[], data_types text[], grain_key boolean[],
    OUT loaded_reports integer, OUT loaded_rows bigint, OUT waiting integer)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    col_list text := (SELECT string_agg(quote_ident(c), ', ' ORDER BY i)
                      FROM unnest(column_names) WITH ORDINALITY AS u(c, i));
    col_exprs text := (SELECT string_agg(format('(r.j ->> %L)::%s', api_names[i], data_types[i]), ', ' ORDER BY i)
                       FROM generate_subscripts(api_names, 1) i);
    key_list text := (SELECT string_agg(quote_ident(column_names[i]), ', ' ORDER BY i)
                      FROM generate_subscripts(column_names, 1) i WHERE grain_key[i]);
    key_exprs text := (SELECT string_agg(format('r.j ->> %L', api_names[i]), ', ' ORDER BY i)
                       FROM generate_subscripts(api_names, 1) i WHERE grain_key[i]);
    updates text := (SELECT string_agg(format('%1$I = EXCLUDED.%1$I', column_names[i]), ', ' ORDER BY i)
                     FROM generate_subscripts(column_names, 1) i WHERE NOT grain_key[i]);
    job record;
    n bigint;
    dup text;
BEGIN
    loaded_reports := 0;
    loaded_rows := 0;
    waiting := 0;
    updates := concat_ws(', ', updates, 'report_id = EXCLUDED.report_id', 'loaded_at = EXCLUDED.loaded_at');
    FOR job IN SELECT * FROM ras.report_wait(report_ids, wait) LOOP
        IF job.status = 'COMPLETED' THEN
            BEGIN
                EXECUTE format(
                    'INSERT INTO %s AS t (%s, report_id, loaded_at) '
                    'SELECT %s, $1, pg_catalog.now() FROM ras.report_rows($1) AS r(j) '
                    'ON CONFLICT (%s) DO UPDATE SET %s',
                    table_oid::regclass, col_list, col_exprs, key_list, updates)
                USING job.report_id;
            EXCEPTION WHEN cardinality_violation THEN
                EXECUTE format('SELECT pg_catalog.concat_ws('', '', %s) FROM ras.report_rows($1) AS r(j) '
                               'GROUP BY %s HAVING pg_catalog.count(*) > 1 LIMIT 1', key_exprs, key_exprs)
                INTO dup USING job.report_id;
                RAISE EXCEPTION USING ERRCODE = '58000',
                    MESSAGE = format('report %s has more than one row for the grain key (%s)',
                                     job.report_id, coalesce(dup, '?')),
                    DETAIL = format('Key columns: %s. Nothing of this report was loaded into %s.',
                                    key_list, qualified),
                    HINT = 'Amazon sent a malformed file; request the report again with refresh => true.';
            END;
            GET DIAGNOSTICS n = ROW_COUNT;
            -- rows of these days that the new report no longer has
            EXECUTE format('DELETE FROM %s WHERE date BETWEEN $1 AND $2 AND report_id <> $3',
                           table_oid::regclass)
            USING job.start_date, job.end_date, job.report_id;
            UPDATE ras.report_loads SET loaded_at = now(), rows_loaded = n
            WHERE requested_by = CURRENT_USER AND target_oid = table_oid AND report_id = job.report_id;
            loaded_reports := loaded_reports + 1;
            loaded_rows := loaded_rows + n;
        ELSIF job.status IN ('PENDING', 'PROCESSING') THEN
            waiting := waiting + 1;
        ELSE
            RAISE WARNING USING ERRCODE = '01000',
                MESSAGE = format('ras.sync_report %s: the report for %s to %s is %s',
                                 qualified, job.start_date, job.end_date, job.status),
                DETAIL = format('Report %s: %s', job.report_id,
                                coalesce(job.failure_reason, 'no reason given')),
                HINT = 'The next run requests it again.';
        END IF;
    END LOOP;
END
$$;

CREATE PROCEDURE ras.sync_report_run(
    default_schema text, target text, report_type text, group_by text[], columns text[],
    filters jsonb, lookback_days integer, end_date date, wait interval, refresh boolean,
    profile_id text, server text)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    spec record;
    tbl record;
    scope record;
    config text;
    req record;
    done record;
    said text[] := '{}';
BEGIN
    IF lookback_days IS NULL OR lookback_days < 1 THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'lookback_days must be at least 1';
    END IF;
    IF wait IS NULL OR wait < interval '0' THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'wait must not be negative',
            HINT = 'wait => ''0'' takes one look at the outstanding reports.';
    END IF;
    IF report_type IS NULL OR target IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'target and report_type must not be NULL';
    END IF;
    SELECT * INTO spec FROM ras.sync_report_columns(report_type, group_by, columns);
    SELECT * INTO scope FROM ras.scope(server, profile_id);
    -- one load of a table at a time (a slow run and the next cron run)
    PERFORM pg_advisory_xact_lock(hashtext('ras.sync_report ' || (
        SELECT format('%I.%I', coalesce(p[cardinality(p) - 1], default_schema), p[cardinality(p)])
        FROM parse_ident(target) p)));
    SELECT * INTO tbl FROM ras.sync_report_table(default_schema, target, spec.column_names,
                                                  spec.data_types, spec.grain_key);
    IF tbl.created THEN
        said := said || format('created %s', tbl.qualified);
    END IF;
    config := md5(jsonb_build_array(report_type, group_by, spec.api_names, filters)::text);
    SELECT * INTO req FROM ras.sync_report_request(tbl.table_oid, tbl.qualified, config, report_type, group_by,
                                   spec.api_names, filters, lookback_days, end_date, refresh,
                                   scope.server_name, scope.scope_profile_id);
    IF req.requested > 0 THEN
        said := said || format('requested %s report(s) for %s day(s)', req.requested, req.days);
    END IF;
    IF cardinality(req.report_ids) > 0 THEN
        SELECT * INTO done FROM ras.sync_report_load(tbl.table_oid, tbl.qualified, req.report_ids, wait,
                                     spec.api_names, spec.column_names, spec.data_types,
                                     spec.grain_key);
        IF done.loaded_reports > 0 THEN
            said := said || format('loaded %s row(s) from %s report(s)', done.loaded_rows, done.loaded_reports);
        END IF;
        IF done.waiting > 0 THEN
            said := said || format('%s report(s) not ready yet: call again later', done.waiting);
        END IF;
    END IF;
    IF cardinality(said) = 0 THEN
        said := said || 'up to date'::text;
    END IF;
    RAISE NOTICE 'ras.sync_report %: %', tbl.qualified, array_to_string(said, '; ');
END
$$;

-- Keeps a table in step with a report type.  Each call:
--   1. checks the arguments and the caller's privileges on the table, then
--      creates it on first use (typed columns, primary key = grain) or adds
--      the columns asked for since;
--   2. with nothing outstanding for this role, table, scope and
--      configuration, requests the trailing window (lookback_days, capped by
--      retention, ending end_date, default yesterday); a report of the same
--      request from the last day is reused unless refresh;
--   3. waits up to wait (0: one look) and upserts every finished report on
--      the grain, replacing the window's rows: restated numbers win, nothing
--      is duplicated.
-- From pg_cron with wait 0: one run requests, a later run loads.
--
-- Safe to run as a superuser whatever the caller's search_path: the wrapper
-- only resolves a one-part table name in the caller's schema and calls the
-- steps, which pin search_path to pg_catalog, pg_temp.
CREATE OR REPLACE PROCEDURE ras.sync_report(
    target text, report_type text,
    group_by text[] DEFAULT NULL, columns text[] DEFAULT NULL,
    filters jsonb DEFAULT NULL, lookback_days integer DEFAULT 42,
    end_date date DEFAULT NULL, wait interval DEFAULT '0',
    refresh boolean DEFAULT false,
    profile_id text DEFAULT NULL, server text DEFAULT NULL)
LANGUAGE sql
AS $sync$
CALL ras.sync_report_run(pg_catalog.current_schema(), target, report_type, group_by, columns,
                         filters, lookback_days, end_date, wait, refresh, profile_id, server)
$sync$;

COMMENT ON FUNCTION ras.create_campaigns(jsonb, text, text) IS 'creates campaigns from API-shaped items; one row per item: idx, ok, id, error, result. Not undone by ROLLBACK';
COMMENT ON FUNCTION ras.update_campaigns(jsonb, text, text) IS 'updates campaigns from API-shaped items; one row per item: idx, ok, id, error, result. Not undone by ROLLBACK';
COMMENT ON FUNCTION ras.delete_campaigns(text[], text, text) IS 'archives campaigns by id; one row per id: idx, ok, id, error, result. Not undone by ROLLBACK';
COMMENT ON FUNCTION ras.create_ad_groups(jsonb, text, text) IS 'creates ad groups from API-shaped items; one row per item: idx, ok, id, error, result. Not undone by ROLLBACK';
COMMENT ON FUNCTION ras.update_ad_groups(jsonb, text, text) IS 'updates ad groups from API-shaped items; one row per item: idx, ok, id, error, result. Not undone by ROLLBACK';
COMMENT ON FUNCTION ras.delete_ad_groups(text[], text, text) IS 'archives ad groups by id; one row per id: idx, ok, id, error, result. Not undone by ROLLBACK';
COMMENT ON FUNCTION ras.create_product_ads(jsonb, text, text) IS 'creates product ads from API-shaped items; one row per item: idx, ok, id, error, result. Not undone by ROLLBACK';
COMMENT ON FUNCTION ras.update_product_ads(jsonb, text, text) IS 'updates product ads from API-shaped items; one row per item: idx, ok, id, error, result. Not undone by ROLLBACK';
COMMENT ON FUNCTION ras.delete_product_ads(text[], text, text) IS 'archives product ads by id; one row per id: idx, ok, id, error, result. Not undone by ROLLBACK';
COMMENT ON FUNCTION ras.create_targets(jsonb, text, text) IS 'creates targets from API-shaped items; one row per item: idx, ok, id, error, result. Not undone by ROLLBACK';
COMMENT ON FUNCTION ras.update_targets(jsonb, text, text) IS 'updates targets from API-shaped items; one row per item: idx, ok, id, error, result. Not undone by ROLLBACK';
COMMENT ON FUNCTION ras.delete_targets(text[], text, text) IS 'archives targets by id; one row per id: idx, ok, id, error, result. Not undone by ROLLBACK';
COMMENT ON FUNCTION ras.scope(text, text) IS 'The server and profile a call with these arguments would use';
COMMENT ON FUNCTION ras.sync_report_columns(text, text[], text[]) IS 'ras.sync_report step 0: the columns a report request yields';
COMMENT ON FUNCTION ras.sync_report_table(text, text, text[], text[], boolean[]) IS 'ras.sync_report step 1: checks the target table and the caller''s privileges, creates or completes it';
COMMENT ON FUNCTION ras.sync_report_request(oid, text, text, text, text[], text[], jsonb, integer, date, boolean, text, text) IS 'ras.sync_report step 2: requests the trailing window unless loads are outstanding';
COMMENT ON FUNCTION ras.sync_report_load(oid, text, text[], interval, text[], text[], text[], boolean[]) IS 'ras.sync_report step 3: loads the finished reports into the table';
COMMENT ON PROCEDURE ras.sync_report_run IS 'ras.sync_report with the caller''s schema resolved: runs the steps';

-- Amazon Ads API v1 (/adsApi/v1): campaign management per ad product.
-- SP and SB are scoped by profile (ras.profile_id), DSP by advertiser
-- account (ras.account_id).  One C function serves every listing and one
-- every write, as for RAS.

CREATE FUNCTION ras.sp_campaigns(
    campaign_ids text[] DEFAULT NULL,
    portfolio_ids text[] DEFAULT NULL,
    states text[] DEFAULT NULL,
    names text[] DEFAULT NULL,
    name_match text DEFAULT NULL,
    goals text[] DEFAULT NULL,
    marketplace_scopes text[] DEFAULT NULL,
    max_rows bigint DEFAULT NULL,
    profile_id text DEFAULT NULL,
    server text DEFAULT NULL,
    profile_ids text[] DEFAULT NULL, skip_failed boolean DEFAULT false)
RETURNS TABLE (
    campaign_id text,
    name text,
    budget numeric,
    budget_period text,
    budget_currency text,
    budgets jsonb,
    bid_strategy text,
    goal text,
    kpi text,
    optimizations jsonb,
    start_date_time timestamptz,
    end_date_time timestamptz,
    portfolio_id text,
    marketplace_scope text,
    marketplaces jsonb,
    cost_type text,
    brand_id text,
    auto_create_targets boolean,
    flights jsonb,
    ad_product text,
    state text,
    delivery_status text,
    delivery_reasons jsonb,
    tags jsonb,
    created_at timestamptz,
    updated_at timestamptz,
    profile_id text,
    raw jsonb)
AS 'MODULE_PATHNAME', 'ras_list'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.create_sp_campaigns(items jsonb, profile_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (idx integer, ok boolean, id text, error text, result jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.update_sp_campaigns(items jsonb, profile_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (idx integer, ok boolean, id text, error text, result jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.delete_sp_campaigns(ids text[], profile_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (idx integer, ok boolean, id text, error text, result jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.sp_ad_groups(
    ad_group_ids text[] DEFAULT NULL,
    campaign_ids text[] DEFAULT NULL,
    states text[] DEFAULT NULL,
    names text[] DEFAULT NULL,
    name_match text DEFAULT NULL,
    marketplace_scopes text[] DEFAULT NULL,
    max_rows bigint DEFAULT NULL,
    profile_id text DEFAULT NULL,
    server text DEFAULT NULL,
    profile_ids text[] DEFAULT NULL, skip_failed boolean DEFAULT false)
RETURNS TABLE (
    ad_group_id text,
    campaign_id text,
    name text,
    bid_currency text,
    start_date_time timestamptz,
    end_date_time timestamptz,
    marketplace_scope text,
    default_bid numeric,
    ad_product text,
    state text,
    delivery_status text,
    delivery_reasons jsonb,
    tags jsonb,
    created_at timestamptz,
    updated_at timestamptz,
    profile_id text,
    raw jsonb)
AS 'MODULE_PATHNAME', 'ras_list'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.create_sp_ad_groups(items jsonb, profile_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (idx integer, ok boolean, id text, error text, result jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.update_sp_ad_groups(items jsonb, profile_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (idx integer, ok boolean, id text, error text, result jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.delete_sp_ad_groups(ids text[], profile_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (idx integer, ok boolean, id text, error text, result jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.sp_ads(
    ad_ids text[] DEFAULT NULL,
    ad_group_ids text[] DEFAULT NULL,
    campaign_ids text[] DEFAULT NULL,
    states text[] DEFAULT NULL,
    names text[] DEFAULT NULL,
    name_match text DEFAULT NULL,
    marketplace_scopes text[] DEFAULT NULL,
    max_rows bigint DEFAULT NULL,
    profile_id text DEFAULT NULL,
    server text DEFAULT NULL,
    profile_ids text[] DEFAULT NULL, skip_failed boolean DEFAULT false)
RETURNS TABLE (
    ad_id text,
    ad_group_id text,
    campaign_id text,
    name text,
    ad_type text,
    advertised_product_id text,
    advertised_product_id_type text,
    creative jsonb,
    marketplace_scope text,
    ad_product text,
    state text,
    delivery_status text,
    delivery_reasons jsonb,
    tags jsonb,
    created_at timestamptz,
    updated_at timestamptz,
    profile_id text,
    raw jsonb)
AS 'MODULE_PATHNAME', 'ras_list'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.create_sp_ads(items jsonb, profile_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (idx integer, ok boolean, id text, error text, result jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.update_sp_ads(items jsonb, profile_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (idx integer, ok boolean, id text, error text, result jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.delete_sp_ads(ids text[], profile_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (idx integer, ok boolean, id text, error text, result jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.sp_targets(
    target_ids text[] DEFAULT NULL,
    campaign_ids text[] DEFAULT NULL,
    ad_group_ids text[] DEFAULT NULL,
    states text[] DEFAULT NULL,
    keywords text[] DEFAULT NULL,
    keyword_match text DEFAULT NULL,
    product_ids text[] DEFAULT NULL,
    product_id_match text DEFAULT NULL,
    match_types text[] DEFAULT NULL,
    target_types text[] DEFAULT NULL,
    is_negative boolean DEFAULT NULL,
    marketplace_scopes text[] DEFAULT NULL,
    max_rows bigint DEFAULT NULL,
    profile_id text DEFAULT NULL,
    server text DEFAULT NULL,
    profile_ids text[] DEFAULT NULL, skip_failed boolean DEFAULT false)
RETURNS TABLE (
    target_id text,
    campaign_id text,
    ad_group_id text,
    negative boolean,
    target_level text,
    target_type text,
    match_type text,
    keyword text,
    product_id text,
    bid numeric,
    bid_currency text,
    target_details jsonb,
    ad_product text,
    state text,
    delivery_status text,
    delivery_reasons jsonb,
    tags jsonb,
    created_at timestamptz,
    updated_at timestamptz,
    profile_id text,
    raw jsonb)
AS 'MODULE_PATHNAME', 'ras_list'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.create_sp_targets(items jsonb, profile_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (idx integer, ok boolean, id text, error text, result jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.update_sp_targets(items jsonb, profile_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (idx integer, ok boolean, id text, error text, result jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.delete_sp_targets(ids text[], profile_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (idx integer, ok boolean, id text, error text, result jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.sb_campaigns(
    campaign_ids text[] DEFAULT NULL,
    portfolio_ids text[] DEFAULT NULL,
    states text[] DEFAULT NULL,
    names text[] DEFAULT NULL,
    name_match text DEFAULT NULL,
    goals text[] DEFAULT NULL,
    marketplace_scopes text[] DEFAULT NULL,
    max_rows bigint DEFAULT NULL,
    profile_id text DEFAULT NULL,
    server text DEFAULT NULL,
    profile_ids text[] DEFAULT NULL, skip_failed boolean DEFAULT false)
RETURNS TABLE (
    campaign_id text,
    name text,
    budget numeric,
    budget_period text,
    budget_currency text,
    budgets jsonb,
    bid_strategy text,
    goal text,
    kpi text,
    optimizations jsonb,
    start_date_time timestamptz,
    end_date_time timestamptz,
    portfolio_id text,
    marketplace_scope text,
    marketplaces jsonb,
    cost_type text,
    brand_id text,
    auto_create_targets boolean,
    flights jsonb,
    ad_product text,
    state text,
    delivery_status text,
    delivery_reasons jsonb,
    tags jsonb,
    created_at timestamptz,
    updated_at timestamptz,
    profile_id text,
    raw jsonb)
AS 'MODULE_PATHNAME', 'ras_list'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.create_sb_campaigns(items jsonb, profile_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (idx integer, ok boolean, id text, error text, result jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.update_sb_campaigns(items jsonb, profile_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (idx integer, ok boolean, id text, error text, result jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.delete_sb_campaigns(ids text[], profile_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (idx integer, ok boolean, id text, error text, result jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.sb_ad_groups(
    ad_group_ids text[] DEFAULT NULL,
    campaign_ids text[] DEFAULT NULL,
    states text[] DEFAULT NULL,
    names text[] DEFAULT NULL,
    name_match text DEFAULT NULL,
    marketplace_scopes text[] DEFAULT NULL,
    max_rows bigint DEFAULT NULL,
    profile_id text DEFAULT NULL,
    server text DEFAULT NULL,
    profile_ids text[] DEFAULT NULL, skip_failed boolean DEFAULT false)
RETURNS TABLE (
    ad_group_id text,
    campaign_id text,
    name text,
    bid_currency text,
    start_date_time timestamptz,
    end_date_time timestamptz,
    marketplace_scope text,
    default_bid numeric,
    ad_product text,
    state text,
    delivery_status text,
    delivery_reasons jsonb,
    tags jsonb,
    created_at timestamptz,
    updated_at timestamptz,
    profile_id text,
    raw jsonb)
AS 'MODULE_PATHNAME', 'ras_list'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.create_sb_ad_groups(items jsonb, profile_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (idx integer, ok boolean, id text, error text, result jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.update_sb_ad_groups(items jsonb, profile_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (idx integer, ok boolean, id text, error text, result jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.delete_sb_ad_groups(ids text[], profile_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (idx integer, ok boolean, id text, error text, result jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.sb_ads(
    ad_ids text[] DEFAULT NULL,
    ad_group_ids text[] DEFAULT NULL,
    campaign_ids text[] DEFAULT NULL,
    states text[] DEFAULT NULL,
    names text[] DEFAULT NULL,
    name_match text DEFAULT NULL,
    marketplace_scopes text[] DEFAULT NULL,
    max_rows bigint DEFAULT NULL,
    profile_id text DEFAULT NULL,
    server text DEFAULT NULL,
    profile_ids text[] DEFAULT NULL, skip_failed boolean DEFAULT false)
RETURNS TABLE (
    ad_id text,
    ad_group_id text,
    campaign_id text,
    name text,
    ad_type text,
    advertised_product_id text,
    advertised_product_id_type text,
    creative jsonb,
    marketplace_scope text,
    ad_product text,
    state text,
    delivery_status text,
    delivery_reasons jsonb,
    tags jsonb,
    created_at timestamptz,
    updated_at timestamptz,
    profile_id text,
    raw jsonb)
AS 'MODULE_PATHNAME', 'ras_list'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.create_sb_ads(items jsonb, profile_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (idx integer, ok boolean, id text, error text, result jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.update_sb_ads(items jsonb, profile_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (idx integer, ok boolean, id text, error text, result jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.delete_sb_ads(ids text[], profile_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (idx integer, ok boolean, id text, error text, result jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.sb_targets(
    target_ids text[] DEFAULT NULL,
    campaign_ids text[] DEFAULT NULL,
    ad_group_ids text[] DEFAULT NULL,
    states text[] DEFAULT NULL,
    keywords text[] DEFAULT NULL,
    keyword_match text DEFAULT NULL,
    product_ids text[] DEFAULT NULL,
    product_id_match text DEFAULT NULL,
    match_types text[] DEFAULT NULL,
    target_types text[] DEFAULT NULL,
    is_negative boolean DEFAULT NULL,
    marketplace_scopes text[] DEFAULT NULL,
    max_rows bigint DEFAULT NULL,
    profile_id text DEFAULT NULL,
    server text DEFAULT NULL,
    profile_ids text[] DEFAULT NULL, skip_failed boolean DEFAULT false)
RETURNS TABLE (
    target_id text,
    campaign_id text,
    ad_group_id text,
    negative boolean,
    target_level text,
    target_type text,
    match_type text,
    keyword text,
    product_id text,
    bid numeric,
    bid_currency text,
    target_details jsonb,
    ad_product text,
    state text,
    delivery_status text,
    delivery_reasons jsonb,
    tags jsonb,
    created_at timestamptz,
    updated_at timestamptz,
    profile_id text,
    raw jsonb)
AS 'MODULE_PATHNAME', 'ras_list'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.create_sb_targets(items jsonb, profile_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (idx integer, ok boolean, id text, error text, result jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.update_sb_targets(items jsonb, profile_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (idx integer, ok boolean, id text, error text, result jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.delete_sb_targets(ids text[], profile_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (idx integer, ok boolean, id text, error text, result jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.sb_ad_extensions(
    ad_extension_ids text[] DEFAULT NULL,
    ad_group_ids text[] DEFAULT NULL,
    ad_ids text[] DEFAULT NULL,
    states text[] DEFAULT NULL,
    ad_extension_types text[] DEFAULT NULL,
    max_rows bigint DEFAULT NULL,
    profile_id text DEFAULT NULL,
    server text DEFAULT NULL,
    profile_ids text[] DEFAULT NULL, skip_failed boolean DEFAULT false)
RETURNS TABLE (
    ad_extension_id text,
    ad_group_id text,
    ad_id text,
    ad_extension_type text,
    settings jsonb,
    marketplaces jsonb,
    ad_product text,
    state text,
    delivery_status text,
    delivery_reasons jsonb,
    tags jsonb,
    created_at timestamptz,
    updated_at timestamptz,
    profile_id text,
    raw jsonb)
AS 'MODULE_PATHNAME', 'ras_list'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.create_sb_ad_extensions(items jsonb, profile_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (idx integer, ok boolean, id text, error text, result jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.update_sb_ad_extensions(items jsonb, profile_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (idx integer, ok boolean, id text, error text, result jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.dsp_campaigns(
    campaign_ids text[] DEFAULT NULL,
    portfolio_ids text[] DEFAULT NULL,
    states text[] DEFAULT NULL,
    names text[] DEFAULT NULL,
    name_match text DEFAULT NULL,
    goals text[] DEFAULT NULL,
    marketplace_scopes text[] DEFAULT NULL,
    max_rows bigint DEFAULT NULL,
    account_id text DEFAULT NULL,
    server text DEFAULT NULL,
    account_ids text[] DEFAULT NULL, skip_failed boolean DEFAULT false)
RETURNS TABLE (
    campaign_id text,
    name text,
    budget numeric,
    budget_period text,
    budget_currency text,
    budgets jsonb,
    bid_strategy text,
    goal text,
    kpi text,
    optimizations jsonb,
    start_date_time timestamptz,
    end_date_time timestamptz,
    portfolio_id text,
    marketplace_scope text,
    marketplaces jsonb,
    cost_type text,
    brand_id text,
    auto_create_targets boolean,
    flights jsonb,
    ad_product text,
    state text,
    delivery_status text,
    delivery_reasons jsonb,
    tags jsonb,
    created_at timestamptz,
    updated_at timestamptz,
    account_id text,
    raw jsonb)
AS 'MODULE_PATHNAME', 'ras_list'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.create_dsp_campaigns(items jsonb, account_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (idx integer, ok boolean, id text, error text, result jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.update_dsp_campaigns(items jsonb, account_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (idx integer, ok boolean, id text, error text, result jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.delete_dsp_campaigns(ids text[], account_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (idx integer, ok boolean, id text, error text, result jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.dsp_ad_groups(
    ad_group_ids text[] DEFAULT NULL,
    campaign_ids text[] DEFAULT NULL,
    states text[] DEFAULT NULL,
    names text[] DEFAULT NULL,
    name_match text DEFAULT NULL,
    marketplace_scopes text[] DEFAULT NULL,
    max_rows bigint DEFAULT NULL,
    account_id text DEFAULT NULL,
    server text DEFAULT NULL,
    account_ids text[] DEFAULT NULL, skip_failed boolean DEFAULT false)
RETURNS TABLE (
    ad_group_id text,
    campaign_id text,
    name text,
    bid_currency text,
    start_date_time timestamptz,
    end_date_time timestamptz,
    marketplace_scope text,
    base_bid numeric,
    max_average_bid numeric,
    inventory_type text,
    creative_rotation_type text,
    bid_strategy text,
    pacing jsonb,
    targeting_settings jsonb,
    ad_product text,
    state text,
    delivery_status text,
    delivery_reasons jsonb,
    tags jsonb,
    created_at timestamptz,
    updated_at timestamptz,
    account_id text,
    raw jsonb)
AS 'MODULE_PATHNAME', 'ras_list'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.create_dsp_ad_groups(items jsonb, account_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (idx integer, ok boolean, id text, error text, result jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.update_dsp_ad_groups(items jsonb, account_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (idx integer, ok boolean, id text, error text, result jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.delete_dsp_ad_groups(ids text[], account_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (idx integer, ok boolean, id text, error text, result jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.dsp_ads(
    ad_ids text[] DEFAULT NULL,
    ad_group_ids text[] DEFAULT NULL,
    campaign_ids text[] DEFAULT NULL,
    states text[] DEFAULT NULL,
    names text[] DEFAULT NULL,
    name_match text DEFAULT NULL,
    marketplace_scopes text[] DEFAULT NULL,
    max_rows bigint DEFAULT NULL,
    account_id text DEFAULT NULL,
    server text DEFAULT NULL,
    account_ids text[] DEFAULT NULL, skip_failed boolean DEFAULT false)
RETURNS TABLE (
    ad_id text,
    ad_group_id text,
    campaign_id text,
    name text,
    ad_type text,
    advertised_product_id text,
    advertised_product_id_type text,
    creative jsonb,
    marketplace_scope text,
    ad_product text,
    state text,
    delivery_status text,
    delivery_reasons jsonb,
    tags jsonb,
    created_at timestamptz,
    updated_at timestamptz,
    account_id text,
    raw jsonb)
AS 'MODULE_PATHNAME', 'ras_list'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.create_dsp_ads(items jsonb, account_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (idx integer, ok boolean, id text, error text, result jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.update_dsp_ads(items jsonb, account_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (idx integer, ok boolean, id text, error text, result jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.delete_dsp_ads(ids text[], account_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (idx integer, ok boolean, id text, error text, result jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.dsp_targets(
    ad_group_ids text[] DEFAULT NULL,
    states text[] DEFAULT NULL,
    target_types text[] DEFAULT NULL,
    is_negative boolean DEFAULT NULL,
    inventory_source_ids text[] DEFAULT NULL,
    inventory_source_types text[] DEFAULT NULL,
    max_rows bigint DEFAULT NULL,
    account_id text DEFAULT NULL,
    server text DEFAULT NULL,
    account_ids text[] DEFAULT NULL, skip_failed boolean DEFAULT false)
RETURNS TABLE (
    target_id text,
    campaign_id text,
    ad_group_id text,
    negative boolean,
    target_level text,
    target_type text,
    match_type text,
    keyword text,
    product_id text,
    bid numeric,
    bid_currency text,
    target_details jsonb,
    ad_product text,
    state text,
    delivery_status text,
    delivery_reasons jsonb,
    tags jsonb,
    created_at timestamptz,
    updated_at timestamptz,
    account_id text,
    raw jsonb)
AS 'MODULE_PATHNAME', 'ras_list'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.create_dsp_targets(items jsonb, account_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (idx integer, ok boolean, id text, error text, result jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.update_dsp_targets(items jsonb, account_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (idx integer, ok boolean, id text, error text, result jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.delete_dsp_targets(ids text[], account_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (idx integer, ok boolean, id text, error text, result jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.dsp_ad_associations(
    ad_association_ids text[] DEFAULT NULL,
    ad_group_ids text[] DEFAULT NULL,
    ad_ids text[] DEFAULT NULL,
    max_rows bigint DEFAULT NULL,
    account_id text DEFAULT NULL,
    server text DEFAULT NULL,
    account_ids text[] DEFAULT NULL, skip_failed boolean DEFAULT false)
RETURNS TABLE (
    ad_association_id text,
    ad_id text,
    ad_group_id text,
    state text,
    weight numeric,
    start_date_time timestamptz,
    end_date_time timestamptz,
    account_id text,
    raw jsonb)
AS 'MODULE_PATHNAME', 'ras_list'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.create_dsp_ad_associations(items jsonb, account_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (idx integer, ok boolean, id text, error text, result jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.update_dsp_ad_associations(items jsonb, account_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (idx integer, ok boolean, id text, error text, result jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.delete_dsp_ad_associations(ids text[], account_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (idx integer, ok boolean, id text, error text, result jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION ras.sp_campaigns(text[], text[], text[], text[], text, text[], text[], bigint, text, text, text[], boolean) IS 'Sponsored Products campaigns (Amazon Ads API v1), every query filter as an optional argument';
COMMENT ON FUNCTION ras.create_sp_campaigns(jsonb, text, text) IS 'creates Sponsored Products campaigns from API-shaped items (adProduct filled in); one row per item: idx, ok, id, error, result. Not undone by ROLLBACK';
COMMENT ON FUNCTION ras.update_sp_campaigns(jsonb, text, text) IS 'updates Sponsored Products campaigns from API-shaped items; one row per item: idx, ok, id, error, result. Not undone by ROLLBACK';
COMMENT ON FUNCTION ras.delete_sp_campaigns(text[], text, text) IS 'archives Sponsored Products campaigns by id; one row per item: idx, ok, id, error, result. Not undone by ROLLBACK';
COMMENT ON FUNCTION ras.sp_ad_groups(text[], text[], text[], text[], text, text[], bigint, text, text, text[], boolean) IS 'Sponsored Products ad groups (Amazon Ads API v1), every query filter as an optional argument';
COMMENT ON FUNCTION ras.create_sp_ad_groups(jsonb, text, text) IS 'creates Sponsored Products ad groups from API-shaped items (adProduct filled in); one row per item: idx, ok, id, error, result. Not undone by ROLLBACK';
COMMENT ON FUNCTION ras.update_sp_ad_groups(jsonb, text, text) IS 'updates Sponsored Products ad groups from API-shaped items; one row per item: idx, ok, id, error, result. Not undone by ROLLBACK';
COMMENT ON FUNCTION ras.delete_sp_ad_groups(text[], text, text) IS 'archives Sponsored Products ad groups by id; one row per item: idx, ok, id, error, result. Not undone by ROLLBACK';
COMMENT ON FUNCTION ras.sp_ads(text[], text[], text[], text[], text[], text, text[], bigint, text, text, text[], boolean) IS 'Sponsored Products ads (Amazon Ads API v1), every query filter as an optional argument';
COMMENT ON FUNCTION ras.create_sp_ads(jsonb, text, text) IS 'creates Sponsored Products ads from API-shaped items (adProduct filled in); one row per item: idx, ok, id, error, result. Not undone by ROLLBACK';
COMMENT ON FUNCTION ras.update_sp_ads(jsonb, text, text) IS 'updates Sponsored Products ads from API-shaped items; one row per item: idx, ok, id, error, result. Not undone by ROLLBACK';
COMMENT ON FUNCTION ras.delete_sp_ads(text[], text, text) IS 'archives Sponsored Products ads by id; one row per item: idx, ok, id, error, result. Not undone by ROLLBACK';
COMMENT ON FUNCTION ras.sp_targets(text[], text[], text[], text[], text[], text, text[], text, text[], text[], boolean, text[], bigint, text, text, text[], boolean) IS 'Sponsored Products targets (Amazon Ads API v1), every query filter as an optional argument';
COMMENT ON FUNCTION ras.create_sp_targets(jsonb, text, text) IS 'creates Sponsored Products targets from API-shaped items (adProduct filled in); one row per item: idx, ok, id, error, result. Not undone by ROLLBACK';
COMMENT ON FUNCTION ras.update_sp_targets(jsonb, text, text) IS 'updates Sponsored Products targets from API-shaped items; one row per item: idx, ok, id, error, result. Not undone by ROLLBACK';
COMMENT ON FUNCTION ras.delete_sp_targets(text[], text, text) IS 'archives Sponsored Products targets by id; one row per item: idx, ok, id, error, result. Not undone by ROLLBACK';
COMMENT ON FUNCTION ras.sb_campaigns(text[], text[], text[], text[], text, text[], text[], bigint, text, text, text[], boolean) IS 'Sponsored Brands campaigns (Amazon Ads API v1), every query filter as an optional argument';
COMMENT ON FUNCTION ras.create_sb_campaigns(jsonb, text, text) IS 'creates Sponsored Brands campaigns from API-shaped items (adProduct filled in); one row per item: idx, ok, id, error, result. Not undone by ROLLBACK';
COMMENT ON FUNCTION ras.update_sb_campaigns(jsonb, text, text) IS 'updates Sponsored Brands campaigns from API-shaped items; one row per item: idx, ok, id, error, result. Not undone by ROLLBACK';
COMMENT ON FUNCTION ras.delete_sb_campaigns(text[], text, text) IS 'archives Sponsored Brands campaigns by id; one row per item: idx, ok, id, error, result. Not undone by ROLLBACK';
COMMENT ON FUNCTION ras.sb_ad_groups(text[], text[], text[], text[], text, text[], bigint, text, text, text[], boolean) IS 'Sponsored Brands ad groups (Amazon Ads API v1), every query filter as an optional argument';
COMMENT ON FUNCTION ras.create_sb_ad_groups(jsonb, text, text) IS 'creates Sponsored Brands ad groups from API-shaped items (adProduct filled in); one row per item: idx, ok, id, error, result. Not undone by ROLLBACK';
COMMENT ON FUNCTION ras.update_sb_ad_groups(jsonb, text, text) IS 'updates Sponsored Brands ad groups from API-shaped items; one row per item: idx, ok, id, error, result. Not undone by ROLLBACK';
COMMENT ON FUNCTION ras.delete_sb_ad_groups(text[], text, text) IS 'archives Sponsored Brands ad groups by id; one row per item: idx, ok, id, error, result. Not undone by ROLLBACK';
COMMENT ON FUNCTION ras.sb_ads(text[], text[], text[], text[], text[], text, text[], bigint, text, text, text[], boolean) IS 'Sponsored Brands ads (Amazon Ads API v1), every query filter as an optional argument';
COMMENT ON FUNCTION ras.create_sb_ads(jsonb, text, text) IS 'creates Sponsored Brands ads from API-shaped items (adProduct filled in); one row per item: idx, ok, id, error, result. Not undone by ROLLBACK';
COMMENT ON FUNCTION ras.update_sb_ads(jsonb, text, text) IS 'updates Sponsored Brands ads from API-shaped items; one row per item: idx, ok, id, error, result. Not undone by ROLLBACK';
COMMENT ON FUNCTION ras.delete_sb_ads(text[], text, text) IS 'archives Sponsored Brands ads by id; one row per item: idx, ok, id, error, result. Not undone by ROLLBACK';
COMMENT ON FUNCTION ras.sb_targets(text[], text[], text[], text[], text[], text, text[], text, text[], text[], boolean, text[], bigint, text, text, text[], boolean) IS 'Sponsored Brands targets (Amazon Ads API v1), every query filter as an optional argument';
COMMENT ON FUNCTION ras.create_sb_targets(jsonb, text, text) IS 'creates Sponsored Brands targets from API-shaped items (adProduct filled in); one row per item: idx, ok, id, error, result. Not undone by ROLLBACK';
COMMENT ON FUNCTION ras.update_sb_targets(jsonb, text, text) IS 'updates Sponsored Brands targets from API-shaped items; one row per item: idx, ok, id, error, result. Not undone by ROLLBACK';
COMMENT ON FUNCTION ras.delete_sb_targets(text[], text, text) IS 'archives Sponsored Brands targets by id; one row per item: idx, ok, id, error, result. Not undone by ROLLBACK';
COMMENT ON FUNCTION ras.sb_ad_extensions(text[], text[], text[], text[], text[], bigint, text, text, text[], boolean) IS 'Sponsored Brands ad extensions (open beta) (Amazon Ads API v1), every query filter as an optional argument';
COMMENT ON FUNCTION ras.create_sb_ad_extensions(jsonb, text, text) IS 'creates Sponsored Brands ad extensions (open beta) from API-shaped items (adProduct filled in); one row per item: idx, ok, id, error, result. Not undone by ROLLBACK';
COMMENT ON FUNCTION ras.update_sb_ad_extensions(jsonb, text, text) IS 'updates Sponsored Brands ad extensions (open beta) from API-shaped items; one row per item: idx, ok, id, error, result. Not undone by ROLLBACK';
COMMENT ON FUNCTION ras.dsp_campaigns(text[], text[], text[], text[], text, text[], text[], bigint, text, text, text[], boolean) IS 'Amazon DSP campaigns (Amazon Ads API v1), every query filter as an optional argument';
COMMENT ON FUNCTION ras.create_dsp_campaigns(jsonb, text, text) IS 'creates Amazon DSP campaigns from API-shaped items (adProduct filled in); one row per item: idx, ok, id, error, result. Not undone by ROLLBACK';
COMMENT ON FUNCTION ras.update_dsp_campaigns(jsonb, text, text) IS 'updates Amazon DSP campaigns from API-shaped items; one row per item: idx, ok, id, error, result. Not undone by ROLLBACK';
COMMENT ON FUNCTION ras.delete_dsp_campaigns(text[], text, text) IS 'archives Amazon DSP campaigns by id; one row per item: idx, ok, id, error, result. Not undone by ROLLBACK';
COMMENT ON FUNCTION ras.dsp_ad_groups(text[], text[], text[], text[], text, text[], bigint, text, text, text[], boolean) IS 'Amazon DSP ad groups (Amazon Ads API v1), every query filter as an optional argument';
COMMENT ON FUNCTION ras.create_dsp_ad_groups(jsonb, text, text) IS 'creates Amazon DSP ad groups from API-shaped items (adProduct filled in); one row per item: idx, ok, id, error, result. Not undone by ROLLBACK';
COMMENT ON FUNCTION ras.update_dsp_ad_groups(jsonb, text, text) IS 'updates Amazon DSP ad groups from API-shaped items; one row per item: idx, ok, id, error, result. Not undone by ROLLBACK';
COMMENT ON FUNCTION ras.delete_dsp_ad_groups(text[], text, text) IS 'archives Amazon DSP ad groups by id; one row per item: idx, ok, id, error, result. Not undone by ROLLBACK';
COMMENT ON FUNCTION ras.dsp_ads(text[], text[], text[], text[], text[], text, text[], bigint, text, text, text[], boolean) IS 'Amazon DSP ads (Amazon Ads API v1), every query filter as an optional argument';
COMMENT ON FUNCTION ras.create_dsp_ads(jsonb, text, text) IS 'creates Amazon DSP ads from API-shaped items (adProduct filled in); one row per item: idx, ok, id, error, result. Not undone by ROLLBACK';
COMMENT ON FUNCTION ras.update_dsp_ads(jsonb, text, text) IS 'updates Amazon DSP ads from API-shaped items; one row per item: idx, ok, id, error, result. Not undone by ROLLBACK';
COMMENT ON FUNCTION ras.delete_dsp_ads(text[], text, text) IS 'archives Amazon DSP ads by id; one row per item: idx, ok, id, error, result. Not undone by ROLLBACK';
COMMENT ON FUNCTION ras.dsp_targets(text[], text[], text[], boolean, text[], text[], bigint, text, text, text[], boolean) IS 'Amazon DSP targets (Amazon Ads API v1), every query filter as an optional argument';
COMMENT ON FUNCTION ras.create_dsp_targets(jsonb, text, text) IS 'creates Amazon DSP targets from API-shaped items (adProduct filled in); one row per item: idx, ok, id, error, result. Not undone by ROLLBACK';
COMMENT ON FUNCTION ras.update_dsp_targets(jsonb, text, text) IS 'updates Amazon DSP targets from API-shaped items; one row per item: idx, ok, id, error, result. Not undone by ROLLBACK';
COMMENT ON FUNCTION ras.delete_dsp_targets(text[], text, text) IS 'archives Amazon DSP targets by id; one row per item: idx, ok, id, error, result. Not undone by ROLLBACK';
COMMENT ON FUNCTION ras.dsp_ad_associations(text[], text[], text[], bigint, text, text, text[], boolean) IS 'Amazon DSP ad associations (Amazon Ads API v1), every query filter as an optional argument';
COMMENT ON FUNCTION ras.create_dsp_ad_associations(jsonb, text, text) IS 'creates Amazon DSP ad associations from API-shaped items; one row per item: idx, ok, id, error, result. Not undone by ROLLBACK';
COMMENT ON FUNCTION ras.update_dsp_ad_associations(jsonb, text, text) IS 'updates Amazon DSP ad associations from API-shaped items; one row per item: idx, ok, id, error, result. Not undone by ROLLBACK';
COMMENT ON FUNCTION ras.delete_dsp_ad_associations(text[], text, text) IS 'archives Amazon DSP ad associations by id; one row per item: idx, ok, id, error, result. Not undone by ROLLBACK';

-- Foreign tables over the same list engine (IMPORT FOREIGN SCHEMA ras FROM
-- SERVER ... INTO ...).  Writes stay functions.
CREATE FUNCTION ras.fdw_handler()
RETURNS fdw_handler
AS 'MODULE_PATHNAME', 'ras_fdw_handler'
LANGUAGE C STRICT;

-- A ras foreign table's columns are checked when it is created or altered:
-- each is a field of its entity, a column with a path option, or a parameter
-- column (the scope, a required filter's column).
CREATE FUNCTION ras.fdw_check_table(regclass)
RETURNS void
AS 'MODULE_PATHNAME', 'ras_fdw_check_table'
LANGUAGE C STRICT;

-- SECURITY DEFINER so that a role without USAGE on schema ras can still
-- create foreign tables of other wrappers; it only reads the catalogs.
CREATE FUNCTION ras.fdw_ddl_check()
RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c record;
BEGIN
    FOR c IN SELECT DISTINCT d.objid
             FROM pg_event_trigger_ddl_commands() d
             JOIN pg_foreign_table t ON t.ftrelid = d.objid
             JOIN pg_foreign_server s ON s.oid = t.ftserver
             JOIN pg_foreign_data_wrapper w ON w.oid = s.srvfdw
             WHERE d.classid = 'pg_catalog.pg_class'::regclass AND w.fdwname = 'ras'
    LOOP
        PERFORM ras.fdw_check_table(c.objid::regclass);
    END LOOP;
END
$$;

CREATE EVENT TRIGGER ras_fdw_ddl_check ON ddl_command_end
    WHEN TAG IN ('CREATE FOREIGN TABLE', 'ALTER FOREIGN TABLE', 'IMPORT FOREIGN SCHEMA')
    EXECUTE FUNCTION ras.fdw_ddl_check();
-- 0.1 had no handler, so no ras foreign table exists whose behaviour this could
-- change: PostgreSQL's WARNING saying it might is noise here.
SET LOCAL client_min_messages = error;
ALTER FOREIGN DATA WRAPPER ras HANDLER ras.fdw_handler;
RESET client_min_messages;
COMMENT ON FUNCTION ras.fdw_handler() IS 'Foreign tables over the ras list engine: WHERE, LIMIT and column pushdown';
COMMENT ON FUNCTION ras.fdw_check_table(regclass) IS 'Checks that a ras foreign table''s columns are fields of its entity';

-- The RAS listings take profile_ids (many scopes at once, concurrently) and
-- skip_failed, and show each row's profile_id.
DROP FUNCTION ras.retailers(text[], text, text, bigint);
DROP FUNCTION ras.products(text, text, text[], bigint, text, text);
DROP FUNCTION ras.campaigns(text[], text[], text[], text, text[], bigint, text, text);
DROP FUNCTION ras.ad_groups(text[], text[], text[], text[], text, bigint, text, text);
DROP FUNCTION ras.product_ads(text[], text[], text[], text[], bigint, text, text);
DROP FUNCTION ras.targets(text[], text[], text[], text[], text[], text, text[], text[], boolean, text[], jsonb, bigint, text, text);

CREATE FUNCTION ras.retailers(
    retailer_ids text[] DEFAULT NULL, profile_id text DEFAULT NULL,
    server text DEFAULT NULL, max_rows bigint DEFAULT NULL,
    profile_ids text[] DEFAULT NULL, skip_failed boolean DEFAULT false)
RETURNS TABLE (retailer_id text, name text, domain text, status text, profile_id text, raw jsonb)
AS 'MODULE_PATHNAME', 'ras_list'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.products(
    retailer_id text, search text DEFAULT NULL, offer_ids text[] DEFAULT NULL,
    max_rows bigint DEFAULT NULL,
    profile_id text DEFAULT NULL, server text DEFAULT NULL,
    profile_ids text[] DEFAULT NULL, skip_failed boolean DEFAULT false)
RETURNS TABLE (
    retailer_offer_id text, title text, brand text, category text,
    availability text, eligibility_status text, image_url text, created_date date,
    price numeric, price_currency text, basis_price numeric, basis_price_currency text,
    profile_id text,
    raw jsonb)
AS 'MODULE_PATHNAME', 'ras_list'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.campaigns(
    campaign_ids text[] DEFAULT NULL, states text[] DEFAULT NULL,
    names text[] DEFAULT NULL, name_match text DEFAULT NULL,
    portfolio_ids text[] DEFAULT NULL, max_rows bigint DEFAULT NULL,
    profile_id text DEFAULT NULL, server text DEFAULT NULL,
    profile_ids text[] DEFAULT NULL, skip_failed boolean DEFAULT false)
RETURNS TABLE (
    campaign_id text, name text, state text, targeting_type text,
    budget numeric, budget_type text, effective_budget numeric,
    start_date date, end_date date, portfolio_id text,
    bidding_strategy text, placement_bidding jsonb, tags jsonb,
    serving_status text, serving_status_details jsonb,
    created_at timestamptz, updated_at timestamptz, profile_id text, raw jsonb)
AS 'MODULE_PATHNAME', 'ras_list'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.ad_groups(
    ad_group_ids text[] DEFAULT NULL, campaign_ids text[] DEFAULT NULL,
    states text[] DEFAULT NULL, names text[] DEFAULT NULL,
    name_match text DEFAULT NULL, max_rows bigint DEFAULT NULL,
    profile_id text DEFAULT NULL, server text DEFAULT NULL,
    profile_ids text[] DEFAULT NULL, skip_failed boolean DEFAULT false)
RETURNS TABLE (
    ad_group_id text, campaign_id text, name text, state text,
    default_bid numeric, retailer_id text,
    serving_status text, serving_status_details jsonb,
    created_at timestamptz, updated_at timestamptz, profile_id text, raw jsonb)
AS 'MODULE_PATHNAME', 'ras_list'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.product_ads(
    product_ad_ids text[] DEFAULT NULL, campaign_ids text[] DEFAULT NULL,
    ad_group_ids text[] DEFAULT NULL, states text[] DEFAULT NULL,
    max_rows bigint DEFAULT NULL,
    profile_id text DEFAULT NULL, server text DEFAULT NULL,
    profile_ids text[] DEFAULT NULL, skip_failed boolean DEFAULT false)
RETURNS TABLE (
    product_ad_id text, campaign_id text, ad_group_id text, state text,
    retailer_id text, retailer_offer_id text,
    serving_status text, serving_status_details jsonb,
    created_at timestamptz, updated_at timestamptz, profile_id text, raw jsonb)
AS 'MODULE_PATHNAME', 'ras_list'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.targets(
    target_ids text[] DEFAULT NULL, campaign_ids text[] DEFAULT NULL,
    ad_group_ids text[] DEFAULT NULL, states text[] DEFAULT NULL,
    keywords text[] DEFAULT NULL, keyword_match text DEFAULT NULL,
    match_types text[] DEFAULT NULL, target_types text[] DEFAULT NULL,
    is_negative boolean DEFAULT NULL, target_levels text[] DEFAULT NULL,
    product_ids jsonb DEFAULT NULL, max_rows bigint DEFAULT NULL,
    profile_id text DEFAULT NULL, server text DEFAULT NULL,
    profile_ids text[] DEFAULT NULL, skip_failed boolean DEFAULT false)
RETURNS TABLE (
    target_id text, campaign_id text, ad_group_id text, state text,
    negative boolean, target_level text, target_type text, match_type text,
    keyword text, product_id text, bid numeric, currency_code text,
    serving_status text, serving_status_details jsonb,
    created_at timestamptz, updated_at timestamptz, profile_id text, raw jsonb)
AS 'MODULE_PATHNAME', 'ras_list'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION ras.retailers(text[], text, text, bigint, text[], boolean) IS 'Retailers RAS campaigns can advertise at';
COMMENT ON FUNCTION ras.products(text, text, text[], bigint, text, text, text[], boolean) IS 'Products of a retailer that can be advertised (search or offer ids)';
COMMENT ON FUNCTION ras.campaigns(text[], text[], text[], text, text[], bigint, text, text, text[], boolean) IS 'RAS campaigns, every list filter as an optional argument';
COMMENT ON FUNCTION ras.ad_groups(text[], text[], text[], text[], text, bigint, text, text, text[], boolean) IS 'RAS ad groups, every list filter as an optional argument';
COMMENT ON FUNCTION ras.product_ads(text[], text[], text[], text[], bigint, text, text, text[], boolean) IS 'RAS product ads, every list filter as an optional argument';
COMMENT ON FUNCTION ras.targets(text[], text[], text[], text[], text[], text, text[], text[], boolean, text[], jsonb, bigint, text, text, text[], boolean) IS 'RAS targets (keyword, product, auto), every list filter as an optional argument';

-- The request budgets: per API host, scope and family, the rate ras allows
-- itself now, what it sent, and the 429s it got.  Shared by every session
-- when ras is in shared_preload_libraries (shared = true), else this
-- session's own.
CREATE FUNCTION ras.rate_limit_buckets(
    OUT host text, OUT scope text, OUT family text, OUT rate double precision,
    OUT requests bigint, OUT throttled bigint, OUT last_retry_after_ms integer,
    OUT last_throttled_at timestamptz, OUT paused_until timestamptz, OUT shared boolean)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'ras_rate_limits'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE VIEW ras.rate_limits AS SELECT * FROM ras.rate_limit_buckets();
GRANT SELECT ON ras.rate_limits TO PUBLIC;
COMMENT ON VIEW ras.rate_limits IS 'Request budgets per API host, scope and family: rate, requests, 429s, last Retry-After';
COMMENT ON FUNCTION ras.rate_limit_buckets() IS 'The request budgets behind ras.rate_limits';

-- Amazon Ads API v1 betas.  Amazon may change them: each COMMENT says which
-- beta a function belongs to.

CREATE FUNCTION ras.advertiser_accounts(
    advertiser_account_ids text[] DEFAULT NULL,
    is_global_account boolean DEFAULT NULL,
    max_rows bigint DEFAULT NULL,
    server text DEFAULT NULL)
RETURNS TABLE (
    advertiser_account_id text,
    name text,
    display_name text,
    status_code text,
    status_message text,
    currency_code text,
    time_zone text,
    is_global_account boolean,
    is_test_account boolean,
    manager_account_id text,
    industry_vertical text,
    alternate_ids jsonb,
    business_details jsonb,
    raw jsonb)
AS 'MODULE_PATHNAME', 'ras_list'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.create_advertiser_accounts(items jsonb, server text DEFAULT NULL)
RETURNS TABLE (idx integer, ok boolean, id text, error text, result jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.update_advertiser_accounts(items jsonb, server text DEFAULT NULL)
RETURNS TABLE (idx integer, ok boolean, id text, error text, result jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.selling_accounts(
    selling_account_link_tokens text[] DEFAULT NULL,
    selling_programs text[] DEFAULT NULL,
    max_rows bigint DEFAULT NULL,
    server text DEFAULT NULL)
RETURNS TABLE (
    selling_account_link_token text,
    name text,
    display_name text,
    selling_program text,
    country_codes jsonb,
    portals jsonb,
    business jsonb,
    raw jsonb)
AS 'MODULE_PATHNAME', 'ras_list'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.manager_accounts(
    manager_account_ids text[] DEFAULT NULL,
    max_rows bigint DEFAULT NULL,
    server text DEFAULT NULL)
RETURNS TABLE (
    manager_account_id text,
    raw jsonb)
AS 'MODULE_PATHNAME', 'ras_list'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.account_combination_invitations(
    max_rows bigint DEFAULT NULL,
    server text DEFAULT NULL)
RETURNS TABLE (
    account_combination_invitation_id text,
    advertiser_account_id text,
    status text,
    status_message text,
    accounts_to_combine jsonb,
    raw jsonb)
AS 'MODULE_PATHNAME', 'ras_list'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.create_account_combination_invitations(items jsonb, server text DEFAULT NULL)
RETURNS TABLE (idx integer, ok boolean, id text, error text, result jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.update_account_combination_invitations(items jsonb, server text DEFAULT NULL)
RETURNS TABLE (idx integer, ok boolean, id text, error text, result jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.advertiser_product_group_eligibilities(
    statuses text[] DEFAULT NULL,
    max_rows bigint DEFAULT NULL,
    account_id text DEFAULT NULL,
    server text DEFAULT NULL,
    account_ids text[] DEFAULT NULL, skip_failed boolean DEFAULT false)
RETURNS TABLE (
    advertiser_product_group_eligibility_id text,
    advertiser_account_id text,
    ad_product_group text,
    status text,
    rejected_reason_detail text,
    created_at timestamptz,
    account_id text,
    raw jsonb)
AS 'MODULE_PATHNAME', 'ras_list'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.create_advertiser_product_group_eligibilities(items jsonb, account_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (idx integer, ok boolean, id text, error text, result jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.brand_stores(
    store_names text[],
    max_rows bigint DEFAULT NULL,
    profile_id text DEFAULT NULL,
    server text DEFAULT NULL,
    profile_ids text[] DEFAULT NULL, skip_failed boolean DEFAULT false)
RETURNS TABLE (
    store_id text,
    name text,
    store_name text,
    page_infos jsonb,
    profile_id text,
    raw jsonb)
AS 'MODULE_PATHNAME', 'ras_list'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.brand_store_editions(
    brand_store_id text,
    max_rows bigint DEFAULT NULL,
    profile_id text DEFAULT NULL,
    server text DEFAULT NULL,
    profile_ids text[] DEFAULT NULL, skip_failed boolean DEFAULT false)
RETURNS TABLE (
    edition_id text,
    store_id text,
    name text,
    edition_name text,
    schedule jsonb,
    profile_id text,
    raw jsonb)
AS 'MODULE_PATHNAME', 'ras_list'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.brand_store_pages(
    store_ids text[] DEFAULT NULL,
    edition_ids text[] DEFAULT NULL,
    page_ids text[] DEFAULT NULL,
    store_edition_publish_ids text[] DEFAULT NULL,
    max_rows bigint DEFAULT NULL,
    profile_id text DEFAULT NULL,
    server text DEFAULT NULL,
    profile_ids text[] DEFAULT NULL, skip_failed boolean DEFAULT false)
RETURNS TABLE (
    page_id text,
    store_id text,
    edition_id text,
    name text,
    page_type text,
    store_edition_publish_id text,
    content jsonb,
    profile_id text,
    raw jsonb)
AS 'MODULE_PATHNAME', 'ras_list'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.update_brand_store_pages(items jsonb, profile_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (idx integer, ok boolean, id text, error text, result jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.brand_store_edition_publish_versions(
    store_ids text[] DEFAULT NULL,
    edition_ids text[] DEFAULT NULL,
    publish_statuses text[] DEFAULT NULL,
    max_rows bigint DEFAULT NULL,
    profile_id text DEFAULT NULL,
    server text DEFAULT NULL,
    profile_ids text[] DEFAULT NULL, skip_failed boolean DEFAULT false)
RETURNS TABLE (
    store_edition_publish_id text,
    store_id text,
    edition_id text,
    publish_status text,
    publish_state jsonb,
    pages jsonb,
    profile_id text,
    raw jsonb)
AS 'MODULE_PATHNAME', 'ras_list'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.update_brand_store_edition_publish_versions(items jsonb, profile_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (idx integer, ok boolean, id text, error text, result jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.linear_tv_dayparts(
    marketplaces text[] DEFAULT NULL,
    names text[] DEFAULT NULL,
    max_rows bigint DEFAULT NULL,
    server text DEFAULT NULL)
RETURNS TABLE (
    linear_tv_daypart_id text,
    name text,
    daypart_type text,
    description text,
    marketplace_definitions jsonb,
    raw jsonb)
AS 'MODULE_PATHNAME', 'ras_list'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.linear_tv_reach_forecasts(requests jsonb, account_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (
    idx integer, ok boolean, error text,
    linear_tv_reach_forecast_id text,
    linear_tv_reach_percent numeric,
    start_date text,
    end_date text,
    marketplace text,
    reach_unit text,
    linear_tv_inventory_allocation jsonb,
    created_at timestamptz,
    raw jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.linear_tv_incremental_reach_forecasts(requests jsonb, account_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (
    idx integer, ok boolean, error text,
    linear_tv_incremental_reach_forecast_id text,
    deduplicated_reach_percent numeric,
    linear_tv_only_reach_percent numeric,
    streaming_tv_only_reach_percent numeric,
    overlap_reach_percent numeric,
    streaming_tv_incremental_reach_rate numeric,
    streaming_tv_exclusive_reach_rate numeric,
    linear_tv_reach_percent_override numeric,
    streaming_tv_budget_allocation jsonb,
    start_date text,
    end_date text,
    marketplace text,
    reach_unit text,
    linear_tv_inventory_allocation jsonb,
    created_at timestamptz,
    raw jsonb)
AS 'MODULE_PATHNAME', 'ras_mutate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION ras.advertiser_accounts(text[], boolean, bigint, text) IS 'BETA, account registration (closed beta): advertiser accounts (Amazon Ads API v1); Amazon may change it';
COMMENT ON FUNCTION ras.create_advertiser_accounts(jsonb, text) IS 'BETA, account registration (closed beta): creates advertiser accounts from API-shaped items; one row per item: idx, ok, id, error, result. Amazon may change it; not undone by ROLLBACK';
COMMENT ON FUNCTION ras.update_advertiser_accounts(jsonb, text) IS 'BETA, account registration (closed beta): updates advertiser accounts from API-shaped items; one row per item: idx, ok, id, error, result. Amazon may change it; not undone by ROLLBACK';
COMMENT ON FUNCTION ras.selling_accounts(text[], text[], bigint, text) IS 'BETA, account registration (closed beta): selling accounts (Amazon Ads API v1); Amazon may change it';
COMMENT ON FUNCTION ras.manager_accounts(text[], bigint, text) IS 'BETA, account registration (closed beta): manager accounts (Amazon Ads API v1); Amazon may change it';
COMMENT ON FUNCTION ras.account_combination_invitations(bigint, text) IS 'BETA, linked accounts (closed beta): account combination invitations (Amazon Ads API v1); Amazon may change it';
COMMENT ON FUNCTION ras.create_account_combination_invitations(jsonb, text) IS 'BETA, linked accounts (closed beta): creates account combination invitations from API-shaped items; one row per item: idx, ok, id, error, result. Amazon may change it; not undone by ROLLBACK';
COMMENT ON FUNCTION ras.update_account_combination_invitations(jsonb, text) IS 'BETA, linked accounts (closed beta): updates account combination invitations from API-shaped items; one row per item: idx, ok, id, error, result. Amazon may change it; not undone by ROLLBACK';
COMMENT ON FUNCTION ras.advertiser_product_group_eligibilities(text[], bigint, text, text, text[], boolean) IS 'BETA, linked accounts (closed beta): advertiser product group eligibilities (Amazon Ads API v1); Amazon may change it';
COMMENT ON FUNCTION ras.create_advertiser_product_group_eligibilities(jsonb, text, text) IS 'BETA, linked accounts (closed beta): creates advertiser product group eligibilities from API-shaped items; one row per item: idx, ok, id, error, result. Amazon may change it; not undone by ROLLBACK';
COMMENT ON FUNCTION ras.brand_stores(text[], bigint, text, text, text[], boolean) IS 'BETA, Brand Stores (open beta): brand stores (Amazon Ads API v1); Amazon may change it';
COMMENT ON FUNCTION ras.brand_store_editions(text, bigint, text, text, text[], boolean) IS 'BETA, Brand Stores (open beta): brand store editions (Amazon Ads API v1); Amazon may change it';
COMMENT ON FUNCTION ras.brand_store_pages(text[], text[], text[], text[], bigint, text, text, text[], boolean) IS 'BETA, Brand Stores (open beta): brand store pages (Amazon Ads API v1); Amazon may change it';
COMMENT ON FUNCTION ras.update_brand_store_pages(jsonb, text, text) IS 'BETA, Brand Stores (open beta): updates brand store pages from API-shaped items; one row per item: idx, ok, id, error, result. Amazon may change it; not undone by ROLLBACK';
COMMENT ON FUNCTION ras.brand_store_edition_publish_versions(text[], text[], text[], bigint, text, text, text[], boolean) IS 'BETA, Brand Stores (open beta): brand store edition publish versions (Amazon Ads API v1); Amazon may change it';
COMMENT ON FUNCTION ras.update_brand_store_edition_publish_versions(jsonb, text, text) IS 'BETA, Brand Stores (open beta): updates brand store edition publish versions from API-shaped items; one row per item: idx, ok, id, error, result. Amazon may change it; not undone by ROLLBACK';
COMMENT ON FUNCTION ras.linear_tv_dayparts(text[], text[], bigint, text) IS 'BETA, forecasts (open beta): linear tv dayparts (Amazon Ads API v1); Amazon may change it';
COMMENT ON FUNCTION ras.linear_tv_reach_forecasts(jsonb, text, text) IS 'BETA, forecasts (open beta): Linear TV reach forecasts (Amazon Ads API v1), one row per request with the forecast''s figures; Amazon may change it';
COMMENT ON FUNCTION ras.linear_tv_incremental_reach_forecasts(jsonb, text, text) IS 'BETA, forecasts (open beta): Linear TV incremental reach forecasts (Amazon Ads API v1), one row per request with the forecast''s figures; Amazon may change it';
