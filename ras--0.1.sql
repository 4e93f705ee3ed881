-- ras 0.1: the Amazon Ads API (Retail Ad Service) as SQL.
-- Every function that calls the API is VOLATILE and PARALLEL UNSAFE: its
-- effects happen at Amazon and are not undone by ROLLBACK.

\echo Use "CREATE EXTENSION ras" to load this file. \quit

-- Configuration: a foreign server per Amazon Ads region, a user mapping per
-- role holding that role's Login with Amazon credentials.
CREATE FUNCTION ras.fdw_validator(text[], oid)
RETURNS void
AS 'MODULE_PATHNAME', 'ras_fdw_validator'
LANGUAGE C STRICT;

CREATE FOREIGN DATA WRAPPER ras VALIDATOR ras.fdw_validator;

-- Reads.  One C function serves them all: the function's name selects the
-- entity, argument names select filters, column names select fields.

CREATE FUNCTION ras.profiles(server text DEFAULT NULL)
RETURNS TABLE (
    profile_id text, country_code text, currency_code text, daily_budget numeric,
    timezone text, marketplace_string_id text, account_id text, account_type text,
    account_name text, valid_payment_method boolean, raw jsonb)
AS 'MODULE_PATHNAME', 'ras_list'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.retailers(
    retailer_ids text[] DEFAULT NULL, profile_id text DEFAULT NULL,
    server text DEFAULT NULL, max_rows bigint DEFAULT NULL)
RETURNS TABLE (retailer_id text, name text, domain text, status text, raw jsonb)
AS 'MODULE_PATHNAME', 'ras_list'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.campaigns(
    campaign_ids text[] DEFAULT NULL, states text[] DEFAULT NULL,
    names text[] DEFAULT NULL, name_match text DEFAULT NULL,
    portfolio_ids text[] DEFAULT NULL, max_rows bigint DEFAULT NULL,
    profile_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (
    campaign_id text, name text, state text, targeting_type text,
    budget numeric, budget_type text, effective_budget numeric,
    start_date date, end_date date, portfolio_id text,
    bidding_strategy text, placement_bidding jsonb, tags jsonb,
    serving_status text, serving_status_details jsonb,
    created_at timestamptz, updated_at timestamptz, raw jsonb)
AS 'MODULE_PATHNAME', 'ras_list'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.ad_groups(
    ad_group_ids text[] DEFAULT NULL, campaign_ids text[] DEFAULT NULL,
    states text[] DEFAULT NULL, names text[] DEFAULT NULL,
    name_match text DEFAULT NULL, max_rows bigint DEFAULT NULL,
    profile_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (
    ad_group_id text, campaign_id text, name text, state text,
    default_bid numeric, retailer_id text,
    serving_status text, serving_status_details jsonb,
    created_at timestamptz, updated_at timestamptz, raw jsonb)
AS 'MODULE_PATHNAME', 'ras_list'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.product_ads(
    product_ad_ids text[] DEFAULT NULL, campaign_ids text[] DEFAULT NULL,
    ad_group_ids text[] DEFAULT NULL, states text[] DEFAULT NULL,
    max_rows bigint DEFAULT NULL,
    profile_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (
    product_ad_id text, campaign_id text, ad_group_id text, state text,
    retailer_id text, retailer_offer_id text,
    serving_status text, serving_status_details jsonb,
    created_at timestamptz, updated_at timestamptz, raw jsonb)
AS 'MODULE_PATHNAME', 'ras_list'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.products(
    retailer_id text, search text DEFAULT NULL, offer_ids text[] DEFAULT NULL,
    max_rows bigint DEFAULT NULL,
    profile_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (
    retailer_offer_id text, title text, brand text, category text,
    availability text, eligibility_status text, image_url text, created_date date,
    price numeric, price_currency text, basis_price numeric, basis_price_currency text,
    raw jsonb)
AS 'MODULE_PATHNAME', 'ras_list'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.targets(
    target_ids text[] DEFAULT NULL, campaign_ids text[] DEFAULT NULL,
    ad_group_ids text[] DEFAULT NULL, states text[] DEFAULT NULL,
    keywords text[] DEFAULT NULL, keyword_match text DEFAULT NULL,
    match_types text[] DEFAULT NULL, target_types text[] DEFAULT NULL,
    is_negative boolean DEFAULT NULL, target_levels text[] DEFAULT NULL,
    product_ids jsonb DEFAULT NULL, max_rows bigint DEFAULT NULL,
    profile_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS TABLE (
    target_id text, campaign_id text, ad_group_id text, state text,
    negative boolean, target_level text, target_type text, match_type text,
    keyword text, product_id text, bid numeric, currency_code text,
    serving_status text, serving_status_details jsonb,
    created_at timestamptz, updated_at timestamptz, raw jsonb)
AS 'MODULE_PATHNAME', 'ras_list'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

-- Writes.  One row per input item, in input order: idx counts from 0,
-- ok says whether Amazon applied it, result is the entity or its errors.
DO $$
DECLARE
    entity text;
BEGIN
    FOREACH entity IN ARRAY ARRAY['campaigns', 'ad_groups', 'product_ads', 'targets'] LOOP
        EXECUTE format($f$
            CREATE FUNCTION ras.create_%1$s(items jsonb, profile_id text DEFAULT NULL,
                                            server text DEFAULT NULL)
            RETURNS TABLE (idx integer, ok boolean, id text, result jsonb)
            AS 'MODULE_PATHNAME', 'ras_mutate'
            LANGUAGE C VOLATILE PARALLEL UNSAFE;
            CREATE FUNCTION ras.update_%1$s(items jsonb, profile_id text DEFAULT NULL,
                                            server text DEFAULT NULL)
            RETURNS TABLE (idx integer, ok boolean, id text, result jsonb)
            AS 'MODULE_PATHNAME', 'ras_mutate'
            LANGUAGE C VOLATILE PARALLEL UNSAFE;
            CREATE FUNCTION ras.delete_%1$s(ids text[], profile_id text DEFAULT NULL,
                                            server text DEFAULT NULL)
            RETURNS TABLE (idx integer, ok boolean, id text, result jsonb)
            AS 'MODULE_PATHNAME', 'ras_mutate'
            LANGUAGE C VOLATILE PARALLEL UNSAFE;
        $f$, entity);
    END LOOP;
END
$$;

-- Reports (reporting v3, Sponsored Products).  Every report requested is a
-- row of ras.report_jobs; the same request (server, profile, body: the hash)
-- reuses a pending or recent report instead of posting again.
CREATE TABLE ras.report_jobs (
    report_id      text PRIMARY KEY,
    config_hash    text,            -- NULL: a report ras did not request
    report_type    text NOT NULL,
    time_unit      text,
    start_date     date NOT NULL,
    end_date       date NOT NULL,
    configuration  jsonb,           -- the request's configuration object
    status         text NOT NULL,   -- PENDING PROCESSING COMPLETED FAILED CANCELLED NOT_FOUND
    failure_reason text,
    file_size      bigint,
    server         text NOT NULL,
    profile_id     text NOT NULL,
    requested_by   name NOT NULL DEFAULT current_user,
    requested_at   timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    completed_at   timestamptz
);
CREATE INDEX report_jobs_config_hash ON ras.report_jobs (config_hash, requested_at);

-- Which report feeds which table (ras.sync_report) and whether it was loaded.
CREATE TABLE ras.report_loads (
    target       text NOT NULL,     -- schema.table, quoted as needed
    report_id    text NOT NULL REFERENCES ras.report_jobs ON DELETE CASCADE,
    requested_at timestamptz NOT NULL DEFAULT now(),
    loaded_at    timestamptz,
    rows_loaded  bigint,
    PRIMARY KEY (target, report_id)
);
SELECT pg_catalog.pg_extension_config_dump('ras.report_jobs', '');
SELECT pg_catalog.pg_extension_config_dump('ras.report_loads', '');

-- The catalogue: report types, groupBys, columns, grain keys, filters, limits.
CREATE FUNCTION ras.report_types()
RETURNS TABLE (
    report_type text, group_by text, default_group_by boolean,
    max_days integer, retention_days integer, grain_key text[],
    default_columns text[], columns text[], filters jsonb)
AS 'MODULE_PATHNAME', 'ras_report_types'
LANGUAGE C STABLE PARALLEL SAFE;

-- The columns a request asks for, validated as ras.report() validates them,
-- with SQL names and types; with_key adds the grain key (for loading).
CREATE FUNCTION ras.report_columns(
    report_type text, group_by text[] DEFAULT NULL, columns text[] DEFAULT NULL,
    time_unit text DEFAULT 'DAILY', with_key boolean DEFAULT false)
RETURNS TABLE (api_name text, column_name text, data_type text, grain_key boolean)
AS 'MODULE_PATHNAME', 'ras_report_columns'
LANGUAGE C STABLE PARALLEL SAFE;

-- Requests a report and returns its ids at once (one per piece of a range
-- longer than the type allows).
CREATE FUNCTION ras.report_request(
    report_type text, start_date date, end_date date,
    group_by text[] DEFAULT NULL, columns text[] DEFAULT NULL,
    time_unit text DEFAULT 'DAILY', filters jsonb DEFAULT NULL,
    max_age interval DEFAULT '1 day',
    profile_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS text[]
AS 'MODULE_PATHNAME', 'ras_report_request'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

-- The same, then waits (cancellable, backing off) until every piece is
-- COMPLETED; a failed report or the timeout raises.
CREATE FUNCTION ras.report(
    report_type text, start_date date, end_date date,
    group_by text[] DEFAULT NULL, columns text[] DEFAULT NULL,
    time_unit text DEFAULT 'DAILY', filters jsonb DEFAULT NULL,
    max_age interval DEFAULT '1 day', timeout interval DEFAULT '1 hour',
    profile_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS text[]
AS 'MODULE_PATHNAME', 'ras_report_request'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

-- Waits up to timeout (0: one look) for reports to finish; never raises for
-- a failed or unfinished report: the rows say where each one stands.
CREATE FUNCTION ras.report_wait(
    report_ids text[], timeout interval DEFAULT '0',
    profile_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS SETOF ras.report_jobs
AS 'MODULE_PATHNAME', 'ras_report_wait'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.report_status(
    report_id text, profile_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS SETOF ras.report_jobs ROWS 1
AS 'MODULE_PATHNAME', 'ras_report_status'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.report_cancel(
    report_id text, profile_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS SETOF ras.report_jobs ROWS 1
AS 'MODULE_PATHNAME', 'ras_report_cancel'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

-- The rows of COMPLETED reports, one jsonb object per row, with Amazon's
-- column names; the file is streamed, never held whole.
CREATE FUNCTION ras.report_rows(
    report_ids text[], profile_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS SETOF jsonb
AS 'MODULE_PATHNAME', 'ras_report_rows'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ras.report_rows(
    report_id text, profile_id text DEFAULT NULL, server text DEFAULT NULL)
RETURNS SETOF jsonb
AS 'MODULE_PATHNAME', 'ras_report_rows'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

-- Keeps a table in step with a report type.  Each call:
--   1. creates the table on first use (typed columns, primary key = grain);
--   2. with nothing outstanding, requests the trailing window (lookback_days,
--      capped by retention, ending end_date, default yesterday); a report of
--      the same request from the last day is reused unless refresh;
--   3. waits up to wait (0: one look) and upserts every finished report on
--      the grain, replacing the window's rows: restated numbers win, nothing
--      is duplicated.
-- From pg_cron with wait 0: one run requests, a later run loads.
CREATE PROCEDURE ras.sync_report(
    target text, report_type text,
    group_by text[] DEFAULT NULL, columns text[] DEFAULT NULL,
    filters jsonb DEFAULT NULL, lookback_days integer DEFAULT 42,
    end_date date DEFAULT NULL, wait interval DEFAULT '0',
    refresh boolean DEFAULT false,
    profile_id text DEFAULT NULL, server text DEFAULT NULL)
LANGUAGE plpgsql AS $sync$
DECLARE
    parts text[] := pg_catalog.parse_ident(target);
    schema_name text;
    table_name text;
    qualified text;
    c record;
    api_names text[] := '{}';
    col_defs text[] := '{}';
    plain_names text[] := '{}';
    col_names text[] := '{}';
    col_exprs text[] := '{}';
    key_names text[] := '{}';
    updates text[] := '{}';
    retention integer;
    first_day date;
    last_day date;
    outstanding text[];
    ids text[];
    job record;
    n bigint;
    requested integer := 0;
    loaded_reports integer := 0;
    loaded_rows bigint := 0;
    waiting integer := 0;
    said text[] := '{}';
BEGIN
    IF pg_catalog.cardinality(parts) = 1 THEN
        schema_name := pg_catalog.current_schema();
        table_name := parts[1];
    ELSIF pg_catalog.cardinality(parts) = 2 THEN
        schema_name := parts[1];
        table_name := parts[2];
    ELSE
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('invalid target table name "%s"', target),
            HINT = 'Name a table as schema.table or table.';
    END IF;
    qualified := pg_catalog.format('%I.%I', schema_name, table_name);
    -- one load of a table at a time (a slow run and the next cron run)
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('ras.sync_report ' || qualified));
    IF lookback_days IS NULL OR lookback_days < 1 THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'lookback_days must be at least 1';
    END IF;

    -- The columns, validated by the catalogue before anything is sent.
    FOR c IN SELECT * FROM ras.report_columns(sync_report.report_type, sync_report.group_by,
                                              sync_report.columns, 'DAILY', true) LOOP
        api_names := api_names || c.api_name;
        plain_names := plain_names || c.column_name;
        col_names := col_names || pg_catalog.quote_ident(c.column_name);
        col_defs := col_defs || pg_catalog.format('%I %s', c.column_name, c.data_type);
        col_exprs := col_exprs || pg_catalog.format('(r.j ->> %L)::%s', c.api_name, c.data_type);
        IF c.grain_key THEN
            key_names := key_names || pg_catalog.quote_ident(c.column_name);
        ELSE
            updates := updates || pg_catalog.format('%1$I = EXCLUDED.%1$I', c.column_name);
        END IF;
    END LOOP;
    updates := updates || 'report_id = EXCLUDED.report_id'::text
                       || 'loaded_at = EXCLUDED.loaded_at'::text;

    -- 1. The table, on first use; columns asked for later are added.
    IF pg_catalog.to_regclass(qualified) IS NULL THEN
        EXECUTE pg_catalog.format(
            'CREATE TABLE %s (%s, report_id text NOT NULL, loaded_at timestamptz NOT NULL, PRIMARY KEY (%s))',
            qualified, pg_catalog.array_to_string(col_defs, ', '),
            pg_catalog.array_to_string(key_names, ', '));
        said := said || pg_catalog.format('created %s', qualified);
    ELSE
        FOR i IN 1 .. pg_catalog.cardinality(plain_names) LOOP
            IF NOT EXISTS (SELECT FROM pg_catalog.pg_attribute a
                           WHERE a.attrelid = qualified::regclass
                             AND a.attname = plain_names[i] AND NOT a.attisdropped) THEN
                EXECUTE pg_catalog.format('ALTER TABLE %s ADD COLUMN %s', qualified, col_defs[i]);
            END IF;
        END LOOP;
    END IF;

    -- 2. Nothing outstanding: request the trailing window.
    outstanding := ARRAY(
        SELECT l.report_id FROM ras.report_loads l JOIN ras.report_jobs j USING (report_id)
        WHERE l.target = qualified AND l.loaded_at IS NULL
          AND j.status IN ('PENDING', 'PROCESSING', 'COMPLETED')
        ORDER BY j.start_date);
    IF pg_catalog.cardinality(outstanding) = 0 THEN
        SELECT t.retention_days INTO retention FROM ras.report_types() t
        WHERE t.report_type = sync_report.report_type LIMIT 1;
        last_day := coalesce(sync_report.end_date, CURRENT_DATE - 1);
        -- a day's margin: Amazon's today is the profile's, not this session's
        first_day := GREATEST(last_day - lookback_days + 1, CURRENT_DATE - retention + 1);
        IF first_day > last_day THEN
            RAISE EXCEPTION USING ERRCODE = '22023',
                MESSAGE = pg_catalog.format('the window ending %s is older than the %s-day retention of %s',
                                            last_day, retention, sync_report.report_type);
        END IF;
        ids := ras.report_request(sync_report.report_type, first_day, last_day,
                                  sync_report.group_by, api_names, 'DAILY', sync_report.filters,
                                  max_age => CASE WHEN refresh THEN interval '0' ELSE interval '1 day' END,
                                  profile_id => sync_report.profile_id, server => sync_report.server);
        outstanding := ARRAY(
            SELECT i FROM pg_catalog.unnest(ids) i
            WHERE NOT EXISTS (SELECT FROM ras.report_loads l
                              WHERE l.target = qualified AND l.report_id = i
                                AND l.loaded_at IS NOT NULL));
        INSERT INTO ras.report_loads (target, report_id)
        SELECT qualified, i FROM pg_catalog.unnest(outstanding) i
        ON CONFLICT DO NOTHING;
        requested := pg_catalog.cardinality(outstanding);
        IF requested > 0 THEN
            said := said || pg_catalog.format('requested %s report(s) for %s day(s)',
                                              requested, last_day - first_day + 1);
        END IF;
    END IF;

    -- 3. Load whatever is finished; replace each report's days.
    IF pg_catalog.cardinality(outstanding) > 0 THEN
        FOR job IN SELECT * FROM ras.report_wait(outstanding, wait) LOOP
            IF job.status = 'COMPLETED' THEN
                EXECUTE pg_catalog.format(
                    'INSERT INTO %s AS t (%s, report_id, loaded_at) '
                    'SELECT %s, $1, pg_catalog.now() FROM ras.report_rows($1) AS r(j) '
                    'ON CONFLICT (%s) DO UPDATE SET %s',
                    qualified, pg_catalog.array_to_string(col_names, ', '),
                    pg_catalog.array_to_string(col_exprs, ', '),
                    pg_catalog.array_to_string(key_names, ', '),
                    pg_catalog.array_to_string(updates, ', '))
                USING job.report_id;
                GET DIAGNOSTICS n = ROW_COUNT;
                -- rows of these days that the new report no longer has
                EXECUTE pg_catalog.format(
                    'DELETE FROM %s WHERE date BETWEEN $1 AND $2 AND report_id <> $3', qualified)
                USING job.start_date, job.end_date, job.report_id;
                UPDATE ras.report_loads SET loaded_at = pg_catalog.now(), rows_loaded = n
                WHERE ras.report_loads.target = qualified AND report_id = job.report_id;
                loaded_reports := loaded_reports + 1;
                loaded_rows := loaded_rows + n;
            ELSIF job.status IN ('PENDING', 'PROCESSING') THEN
                waiting := waiting + 1;
            ELSE
                RAISE WARNING USING
                    MESSAGE = pg_catalog.format('ras.sync_report %s: the report for %s to %s is %s',
                                                qualified, job.start_date, job.end_date, job.status),
                    DETAIL = pg_catalog.format('Report %s: %s', job.report_id,
                                               coalesce(job.failure_reason, 'no reason given')),
                    HINT = 'The next run requests it again.';
            END IF;
        END LOOP;
    END IF;

    IF loaded_reports > 0 THEN
        said := said || pg_catalog.format('loaded %s row(s) from %s report(s)', loaded_rows, loaded_reports);
    END IF;
    IF waiting > 0 THEN
        said := said || pg_catalog.format('%s report(s) not ready yet: call again later', waiting);
    END IF;
    IF pg_catalog.cardinality(said) = 0 THEN
        said := said || 'up to date'::text;
    END IF;
    RAISE NOTICE 'ras.sync_report %: %', qualified, pg_catalog.array_to_string(said, '; ');
END
$sync$;

-- What \df+ and \dx+ show.
COMMENT ON FOREIGN DATA WRAPPER ras IS 'Amazon Ads API: one server per region, credentials in user mappings';
COMMENT ON FUNCTION ras.profiles(text) IS 'Advertising profiles the credentials can use (GET /v2/profiles)';
COMMENT ON FUNCTION ras.retailers(text[], text, text, bigint) IS 'Retailers RAS campaigns can advertise at';
COMMENT ON FUNCTION ras.products(text, text, text[], bigint, text, text) IS 'Products of a retailer that can be advertised (search or offer ids)';
COMMENT ON FUNCTION ras.campaigns(text[], text[], text[], text, text[], bigint, text, text) IS 'RAS campaigns, every list filter as an optional argument';
COMMENT ON FUNCTION ras.ad_groups(text[], text[], text[], text[], text, bigint, text, text) IS 'RAS ad groups, every list filter as an optional argument';
COMMENT ON FUNCTION ras.product_ads(text[], text[], text[], text[], bigint, text, text) IS 'RAS product ads, every list filter as an optional argument';
COMMENT ON FUNCTION ras.targets(text[], text[], text[], text[], text[], text, text[], text[], boolean, text[], jsonb, bigint, text, text) IS 'RAS targets (keyword, product, auto), every list filter as an optional argument';
DO $$
DECLARE
    entity text;
    op text;
BEGIN
    FOREACH entity IN ARRAY ARRAY['campaigns', 'ad_groups', 'product_ads', 'targets'] LOOP
        FOREACH op IN ARRAY ARRAY['create', 'update'] LOOP
            EXECUTE format('COMMENT ON FUNCTION ras.%1$s_%2$s(jsonb, text, text) IS %3$L',
                           op, entity,
                           op || 's ' || replace(entity, '_', ' ') || ' from API-shaped items; one row per item: idx, ok, id, result. Not undone by ROLLBACK');
        END LOOP;
        EXECUTE format('COMMENT ON FUNCTION ras.delete_%1$s(text[], text, text) IS %2$L', entity,
                       'archives ' || replace(entity, '_', ' ') || ' by id; one row per id: idx, ok, id, result. Not undone by ROLLBACK');
    END LOOP;
END
$$;
COMMENT ON PROCEDURE ras.sync_report IS 'Keeps a table in step with a Sponsored Products report type: creates it, requests the trailing window, upserts on the grain (safe from pg_cron)';
