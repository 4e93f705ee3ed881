--
-- Pushdown never changes a result: every WHERE clause below is run over a
-- foreign table with pushdown and over the same table with pushdown off, and
-- the rows compared.
--
SET client_min_messages = warning;
-- SP data to compare over (fdw.sql made the RAS campaign and targets)
SELECT count(*) FILTER (WHERE ok) AS sp_campaigns FROM ras.create_sp_campaigns((
  SELECT jsonb_agg(jsonb_build_object('name', n, 'state', 'ENABLED', 'marketplaceScope', 'SINGLE_MARKETPLACE',
    'startDateTime', '2025-01-01T00:00:00Z', 'autoCreationSettings', '{"autoCreateTargets": false}'::jsonb,
    'budgets', '[{"budgetType": "MONETARY", "recurrenceTimePeriod": "DAILY", "budgetValue": {"monetaryBudgetValue": {"monetaryBudget": {"value": 20}}}}]'::jsonb))
  FROM unnest('{Shoes,Batch 1,Batch 2,Batch 3,Batch 10}'::text[]) n));
SELECT count(*) FILTER (WHERE ok) AS sp_ad_groups FROM ras.create_sp_ad_groups((
  SELECT jsonb_build_object('campaignId', campaign_id, 'name', 'Running', 'state', 'ENABLED',
                            'bid', '{"defaultBid": 0.75}'::jsonb)
  FROM ras.sp_campaigns(names => '{Shoes}')));
SELECT count(*) FILTER (WHERE ok) AS sp_targets FROM ras.create_sp_targets((
  SELECT jsonb_agg(jsonb_build_object('adGroupId', g.ad_group_id, 'state', CASE WHEN i % 5 = 0 THEN 'PAUSED' ELSE 'ENABLED' END,
           'negative', false, 'targetType', 'KEYWORD', 'targetDetails', jsonb_build_object('keywordTarget',
           jsonb_build_object('keyword', CASE WHEN i = 0 THEN 'running shoes' ELSE 'kw ' || i END,
                              'matchType', (ARRAY['EXACT', 'PHRASE', 'BROAD'])[i % 3 + 1])),
           'bid', jsonb_build_object('bid', 0.5 + i * 0.1)))
  FROM ras.sp_ad_groups() g, generate_series(0, 14) i));
SELECT count(*) FILTER (WHERE ok) AS sp_negatives FROM ras.create_sp_targets((
  SELECT jsonb_build_array(
    jsonb_build_object('campaignId', campaign_id, 'state', 'ENABLED', 'negative', true, 'targetType', 'KEYWORD',
      'targetDetails', '{"keywordTarget": {"keyword": "free", "matchType": "PHRASE"}}'::jsonb),
    jsonb_build_object('adGroupId', (SELECT ad_group_id FROM ras.sp_ad_groups()), 'state', 'ENABLED', 'negative', true,
      'targetType', 'KEYWORD', 'targetDetails', '{"keywordTarget": {"keyword": "cheap", "matchType": "EXACT"}}'::jsonb))
  FROM ras.sp_campaigns(names => '{Shoes}')));
SELECT ok FROM ras.delete_sp_campaigns((SELECT array_agg(campaign_id) FROM ras.sp_campaigns(names => '{Batch 3}')));
CREATE SCHEMA eq_on;
CREATE SCHEMA eq_off;
IMPORT FOREIGN SCHEMA ras LIMIT TO (retailers, sp_targets, sp_campaigns, targets, campaigns,
                                    advertiser_accounts)
  FROM SERVER amazon_ads INTO eq_on;
IMPORT FOREIGN SCHEMA ras LIMIT TO (retailers, sp_targets, sp_campaigns, targets, campaigns,
                                    advertiser_accounts)
  FROM SERVER amazon_ads INTO eq_off;
DO $$
DECLARE t text;
BEGIN
  FOR t IN SELECT foreign_table_name FROM information_schema.foreign_tables
           WHERE foreign_table_schema = 'eq_off' LOOP
    EXECUTE format('ALTER FOREIGN TABLE eq_off.%I OPTIONS (ADD pushdown ''false'')', t);
  END LOOP;
END $$;

-- a product target, whose match_type (PRODUCT_EXACT) the matchTypeFilter cannot ask for
SELECT count(*) FILTER (WHERE ok) AS product_target FROM ras.create_targets((
  SELECT jsonb_build_object('campaignId', campaign_id, 'adGroupId', ad_group_id, 'state', 'ENABLED',
    'negative', false, 'targetType', 'PRODUCT', 'bid', '{"bid": 0.4}'::jsonb,
    'targetDetails', '{"productTarget": {"matchType": "PRODUCT_EXACT", "productId": "R1-00005",
                                         "productIdType": "RETAILER_OFFER", "retailerId": "retailer-1"}}'::jsonb)
  FROM ras.ad_groups() LIMIT 1));
-- a case-insensitive collation: the API compares byte for byte, so nothing is pushed
CREATE COLLATION pg_temp.ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
-- a column whose path option names another field than the filter of its name
CREATE FOREIGN TABLE eq_on.campaigns_by_name (campaign_id text, state text OPTIONS (path 'name'))
  SERVER amazon_ads OPTIONS (entity 'campaigns');
CREATE FOREIGN TABLE eq_off.campaigns_by_name (campaign_id text, state text OPTIONS (path 'name'))
  SERVER amazon_ads OPTIONS (entity 'campaigns', pushdown 'false');

CREATE TEMP TABLE clauses (n serial, tbl text, cond text);
INSERT INTO clauses (tbl, cond) VALUES
  ('retailers', $$retailer_id = 'retailer-5'$$),
  ('retailers', $$retailer_id = ANY('{retailer-1,retailer-2,nope}')$$),
  ('retailers', $$retailer_id IN ('retailer-10', 'retailer-20')$$),
  ('retailers', $$retailer_id <> 'retailer-1'$$),
  ('retailers', $$retailer_id = 'retailer-5' AND status = 'ACTIVE'$$),
  ('retailers', $$retailer_id = 'retailer-10' AND status = 'ACTIVE'$$),
  ('retailers', $$status = 'INACTIVE'$$),
  ('retailers', $$retailer_id = ANY(ARRAY[]::text[])$$),
  ('retailers', $$retailer_id = NULL$$),
  ('retailers', $$retailer_id = ANY('{retailer-3,NULL}')$$),
  ('retailers', $$retailer_id IS NULL$$),
  ('retailers', $$name = 'Retailer 3'$$),
  ('retailers', $$retailer_id = 'retailer-3' OR retailer_id = 'retailer-4'$$),
  ('retailers', $$NOT (retailer_id = 'retailer-3')$$),
  ('retailers', $$retailer_id LIKE 'retailer-1%'$$),
  ('retailers', $$upper(retailer_id) = 'RETAILER-7'$$),
  ('retailers', $$retailer_id = (SELECT 'retailer-9')$$),
  ('retailers', $$retailer_id = ANY(ARRAY(SELECT 'retailer-' || g FROM generate_series(1, 150) g))$$),
  ('retailers', $$retailer_id = 'retailer-2' AND retailer_id = 'retailer-3'$$),
  ('retailers', $$retailer_id = ANY('{retailer-1,retailer-2}') AND retailer_id = ANY('{retailer-2,retailer-3}')$$),
  ('retailers', $$profile_id = '1234567890' AND retailer_id = 'retailer-2'$$),
  ('retailers', $$profile_id = ANY('{1234567890,3456789012}') AND retailer_id = 'retailer-2'$$),
  ('retailers', $$'retailer-8' = retailer_id$$),
  ('sp_targets', $$state = 'ENABLED'$$),
  ('sp_targets', $$negative$$),
  ('sp_targets', $$NOT negative$$),
  ('sp_targets', $$negative = false$$),
  ('sp_targets', $$negative IS NOT TRUE$$),
  ('sp_targets', $$keyword = 'running shoes'$$),
  ('sp_targets', $$keyword = 'RUNNING SHOES'$$),
  ('sp_targets', $$keyword = ANY('{kw 1,kw 2,Kw 3}')$$),
  ('sp_targets', $$match_type = 'EXACT'$$),
  ('sp_targets', $$match_type IN ('EXACT', 'PHRASE')$$),
  ('sp_targets', $$target_type = 'KEYWORD' AND keyword LIKE 'kw 1%'$$),
  ('sp_targets', $$target_level = 'CAMPAIGN'$$),
  ('sp_targets', $$negative AND target_level = 'CAMPAIGN'$$),
  ('sp_targets', $$state = 'PAUSED' OR negative$$),
  ('sp_targets', $$bid > 1 AND NOT negative$$),
  ('sp_targets', $$keyword IN ('kw 7', 'kw 8') AND state = 'ENABLED' AND NOT negative$$),
  ('sp_campaigns', $$name = 'Shoes'$$),
  ('sp_campaigns', $$name = 'shoes'$$),
  ('sp_campaigns', $$state IN ('ENABLED', 'ARCHIVED')$$),
  ('sp_campaigns', $$state = 'ARCHIVED'$$),
  ('sp_campaigns', $$portfolio_id = 'nope'$$),
  ('sp_campaigns', $$marketplace_scope = 'SINGLE_MARKETPLACE' AND name LIKE 'Batch 1%'$$),
  ('sp_campaigns', $$budget_period = 'DAILY' AND name = ANY('{Batch 1,Batch 2,batch 3}')$$),
  ('targets', $$negative$$),
  ('targets', $$state = 'ENABLED' AND NOT negative$$),
  ('targets', $$keyword = 'red shoes'$$),
  ('targets', $$match_type = 'EXACT'$$),
  ('targets', $$target_level = 'AD_GROUP'$$),
  ('campaigns', $$name = 'FDW'$$),
  ('campaigns', $$state = 'ENABLED' AND name <> 'nope'$$),
  -- a value the filter cannot take (PRODUCT_EXACT), a nondeterministic collation, a
  -- column whose path names another field than its filter: each stays local
  ('targets', $$match_type = 'PRODUCT_EXACT'$$),
  ('targets', $$match_type IN ('EXACT', 'PRODUCT_EXACT')$$),
  ('retailers', $$status = 'active' COLLATE pg_temp.ci$$),
  ('retailers', $$retailer_id COLLATE pg_temp.ci = ANY('{RETAILER-5,retailer-6}')$$),
  ('campaigns_by_name', $$state = 'FDW'$$),
  ('campaigns_by_name', $$state = ANY('{FDW,ENABLED}')$$),
  ('advertiser_accounts', $$is_global_account$$),
  ('advertiser_accounts', $$NOT is_global_account$$);

CREATE TEMP TABLE outcomes (n int, rows_on bigint, rows_off bigint, same boolean);
DO $$
DECLARE
  c record;
  q text := 'SELECT count(*), md5(coalesce(string_agg(t::text, %L ORDER BY t::text), %L)) FROM %I.%I t WHERE %s';
  n_on bigint; n_off bigint; h_on text; h_off text;
BEGIN
  FOR c IN SELECT * FROM clauses ORDER BY n LOOP
    EXECUTE format(q, chr(10), '', 'eq_on', c.tbl, c.cond) INTO n_on, h_on;
    EXECUTE format(q, chr(10), '', 'eq_off', c.tbl, c.cond) INTO n_off, h_off;
    INSERT INTO outcomes VALUES (c.n, n_on, n_off, h_on = h_off);
  END LOOP;
END $$;
SELECT count(*) AS clauses, count(*) FILTER (WHERE same) AS same_rows FROM outcomes;
SELECT c.tbl, c.cond, o.rows_on, o.rows_off, o.same
FROM clauses c JOIN outcomes o USING (n) ORDER BY n;
-- and pushdown did happen where it can: a listing with pushdown sends the filter
SELECT (regress.sim('GET', '/_sim/requests')->>'next')::int AS mark \gset
SELECT count(*) FROM eq_on.retailers WHERE retailer_id = 'retailer-5';
SELECT count(*) FROM eq_off.retailers WHERE retailer_id = 'retailer-5';
SELECT r->'body' ? 'retailerIdFilter' AS filter_sent
FROM jsonb_array_elements(regress.sim('GET', '/_sim/requests?since=' || :mark)->'requests') r
WHERE r->>'path' = '/ras/v1/retailers/list' ORDER BY (r->>'seq')::int;
-- LIMIT is passed on only when every qual is sent: two quals on one filter (one stays
-- local), or a value the filter cannot take, keep it back
SELECT (SELECT count(*) FROM (SELECT 1 FROM eq_on.sp_targets WHERE state IN ('ENABLED', 'PAUSED') AND state = 'PAUSED' LIMIT 2) x) AS two_quals_on,
       (SELECT count(*) FROM (SELECT 1 FROM eq_off.sp_targets WHERE state IN ('ENABLED', 'PAUSED') AND state = 'PAUSED' LIMIT 2) x) AS two_quals_off,
       (SELECT count(*) FROM (SELECT 1 FROM eq_on.targets WHERE match_type IN ('EXACT', 'PRODUCT_EXACT') LIMIT 50) x) AS product_on,
       (SELECT count(*) FROM (SELECT 1 FROM eq_off.targets WHERE match_type IN ('EXACT', 'PRODUCT_EXACT') LIMIT 50) x) AS product_off;
-- a profile named twice is listed once; two scope quals (a view's and the query's) meet
CREATE VIEW pg_temp.two_profiles AS
  SELECT * FROM eq_on.retailers WHERE profile_id IN ('1234567890', '3456789012');
SELECT (SELECT count(*) FROM eq_on.retailers WHERE profile_id IN ('1234567890', '1234567890')) AS named_twice,
       (SELECT count(*) FROM eq_on.retailers WHERE profile_id = '1234567890') AS named_once,
       (SELECT count(*) FROM pg_temp.two_profiles WHERE profile_id = '1234567890') AS view_and_query;
-- a rescanned scan over two scopes (concurrent) with a LIMIT: every outer row gets its rows
SELECT p, (SELECT count(*) FROM (SELECT 1 FROM eq_on.retailers r
                                 WHERE r.profile_id = ANY(ARRAY[p, '3456789012']) LIMIT 5) x) AS rows
FROM unnest('{1234567890,2345678901}'::text[]) p ORDER BY p;
-- EXPLAIN ANALYZE counts the requests of concurrent listings too
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*) FROM eq_on.retailers WHERE profile_id IN ('1234567890', '3456789012');
-- a boolean filter whose column keeps its is_ prefix is pushed too
EXPLAIN (COSTS OFF)
SELECT advertiser_account_id FROM eq_on.advertiser_accounts WHERE is_global_account;
