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

CREATE FUNCTION ras.targets(
    target_ids text[] DEFAULT NULL, campaign_ids text[] DEFAULT NULL,
    ad_group_ids text[] DEFAULT NULL, states text[] DEFAULT NULL,
    keywords text[] DEFAULT NULL, keyword_match text DEFAULT NULL,
    match_types text[] DEFAULT NULL, target_types text[] DEFAULT NULL,
    is_negative boolean DEFAULT NULL, target_levels text[] DEFAULT NULL,
    max_rows bigint DEFAULT NULL,
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
