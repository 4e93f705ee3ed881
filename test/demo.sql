-- A walkthrough of ras against the Amazon Ads simulator.
-- quickstart.sh runs it in a throw-away cluster; by hand:
--   . tmp_check/quickstart/stack/env.sh   (or any RAS_API_URL / RAS_TOKEN_URL)
--   psql -X -e -v ON_ERROR_STOP=1 -f test/demo.sql
\pset footer off

\echo
\echo '== 1. Install the extension'
\echo '   ras is a foreign data wrapper: one SERVER per Amazon Ads account region.'
CREATE EXTENSION ras;

\echo
\echo '== 2. Point a server at the API'
\echo '   Against Amazon you would give only the region; here the URLs point at the simulator.'
\getenv api_url RAS_API_URL
\getenv token_url RAS_TOKEN_URL
CREATE SERVER amazon_ads FOREIGN DATA WRAPPER ras
  OPTIONS (region 'NA', api_url :'api_url', token_url :'token_url');

\echo
\echo '== 3. Store your Login with Amazon credentials in a user mapping'
\echo '   ras trades the refresh token for access tokens by itself and never logs them.'
CREATE USER MAPPING FOR CURRENT_USER SERVER amazon_ads
  OPTIONS (client_id 'amzn1.application-oa2-client.sim',
           client_secret 'sim-client-secret',
           refresh_token 'Atzr|sim-refresh-token');

\echo
\echo '== 4. Which advertising profiles can these credentials use?'
SELECT profile_id, country_code, currency_code, timezone, account_type, account_name
  FROM ras.profiles();

\echo
\echo '== 5. Choose a profile for this session'
\echo '   Every call after this one is made on behalf of profile 1234567890.'
SET ras.profile_id = '1234567890';

\echo
\echo '== 6. Retailers you can advertise with (the listing pages through the API for you)'
SELECT retailer_id, name, domain, status FROM ras.retailers() LIMIT 10;

\echo
\echo '== 7. It is SQL: aggregate across every page of the listing'
SELECT status, count(*) FROM ras.retailers() GROUP BY status ORDER BY status;

\echo
\echo '== 8. Create an auto campaign (the RAS guide, step 2.1)'
\echo '   Writes return one row per item: ok, the new id, an error line (NULL when clean)'
\echo '   and the entity as Amazon has it.'
SELECT idx, ok, id, result->>'name' AS name, result->>'state' AS state
FROM ras.create_campaigns('[{
  "name": "Demo auto campaign", "budget": {"budget": 25, "budgetType": "DAILY"},
  "targetingType": "AUTO", "state": "ENABLED", "startDate": "2030-01-01",
  "dynamicBidding": {"strategy": "MANUAL",
                     "placementBidding": [{"placement": "PLACEMENT_TOP", "percentage": 50}]}}]');
SELECT campaign_id AS auto_campaign FROM ras.campaigns(names => '{Demo auto campaign}') \gset

\echo
\echo '== 9. An ad group at retailer-1, and a product ad for one of its offers (steps 2.2, 2.3)'
SELECT ok, id, result->>'name' AS name FROM ras.create_ad_groups(jsonb_build_array(jsonb_build_object(
  'name', 'Demo ad group', 'campaignId', :'auto_campaign', 'defaultBid', 0.75,
  'state', 'ENABLED', 'retailerId', 'retailer-1')));
SELECT ad_group_id AS auto_ad_group FROM ras.ad_groups(campaign_ids => ARRAY[:'auto_campaign']) \gset
SELECT ok, id, result->>'retailerOfferId' AS offer FROM ras.create_product_ads(jsonb_build_array(jsonb_build_object(
  'campaignId', :'auto_campaign', 'adGroupId', :'auto_ad_group', 'state', 'ENABLED',
  'retailerId', 'retailer-1', 'retailerOfferId', 'R1-00001')));

\echo
\echo '== 10. Amazon created four auto targets with its own bids (step 2.5.1)'
SELECT target_id, match_type, bid FROM ras.targets(campaign_ids => ARRAY[:'auto_campaign'], target_types => '{AUTO}')
ORDER BY match_type;

\echo
\echo '== 11. Raise every auto bid by 20%, in one statement (step 2.5.2)'
SELECT ok, id, result->'bid'->>'bid' AS new_bid
FROM ras.update_targets((
  SELECT jsonb_agg(jsonb_build_object('targetId', target_id, 'bid', jsonb_build_object('bid', round(bid * 1.2, 2))))
  FROM ras.targets(campaign_ids => ARRAY[:'auto_campaign'], target_types => '{AUTO}')));

\echo
\echo '== 12. A manual campaign with keyword targets from a table (step 2.4)'
SELECT ok FROM ras.create_campaigns('{"name": "Demo manual campaign", "budget": {"budget": 40, "budgetType": "DAILY"},
  "targetingType": "MANUAL", "state": "ENABLED", "startDate": "2030-01-01", "dynamicBidding": {"strategy": "MANUAL"}}');
SELECT campaign_id AS manual_campaign FROM ras.campaigns(names => '{Demo manual campaign}') \gset
SELECT ok FROM ras.create_ad_groups(jsonb_build_array(jsonb_build_object(
  'name', 'Demo keywords', 'campaignId', :'manual_campaign', 'defaultBid', 0.5,
  'state', 'ENABLED', 'retailerId', 'retailer-1')));
SELECT ad_group_id AS manual_ad_group FROM ras.ad_groups(campaign_ids => ARRAY[:'manual_campaign']) \gset
SELECT ok FROM ras.create_product_ads(jsonb_build_array(jsonb_build_object(
  'campaignId', :'manual_campaign', 'adGroupId', :'manual_ad_group', 'state', 'ENABLED',
  'retailerId', 'retailer-1', 'retailerOfferId', 'R1-00002')));
CREATE TEMP TABLE new_keywords (keyword text, match_type text, bid numeric);
INSERT INTO new_keywords VALUES ('running shoes', 'EXACT', 0.80), ('trail shoes', 'PHRASE', 0.60),
                                ('shoes', 'BROAD', 0.40), ('cheap shoes', 'EXACT', 0.01);
\echo '   One bid is below the minimum: that item comes back with ok = false and Amazon''s reason'
\echo '   in the error column; the others are created.'
SELECT idx, ok, result->'targetDetails'->'keywordTarget'->>'keyword' AS keyword, error
FROM ras.create_targets((
  SELECT jsonb_agg(jsonb_build_object(
      'campaignId', :'manual_campaign', 'adGroupId', :'manual_ad_group', 'state', 'ENABLED',
      'negative', false, 'targetType', 'KEYWORD',
      'targetDetails', jsonb_build_object('keywordTarget', jsonb_build_object('matchType', match_type, 'keyword', keyword)),
      'bid', jsonb_build_object('bid', bid)) ORDER BY keyword)
  FROM new_keywords));

\echo
\echo '== 13. Negative keywords: one in the ad group, one for the whole campaign (step 2.6)'
SELECT ok, result->>'targetLevel' AS level FROM ras.create_targets(jsonb_build_array(
  jsonb_build_object('campaignId', :'manual_campaign', 'adGroupId', :'manual_ad_group', 'state', 'ENABLED',
    'negative', true, 'targetType', 'KEYWORD',
    'targetDetails', '{"keywordTarget": {"matchType": "EXACT", "keyword": "used shoes"}}'::jsonb),
  jsonb_build_object('campaignId', :'manual_campaign', 'state', 'ENABLED',
    'negative', true, 'targetType', 'KEYWORD',
    'targetDetails', '{"keywordTarget": {"matchType": "PHRASE", "keyword": "repair"}}'::jsonb)));

\echo
\echo '== 14. Everything, joined like any other tables'
SELECT c.name AS campaign, c.targeting_type, t.target_level, t.negative, t.match_type, t.keyword, t.bid
FROM ras.campaigns() c JOIN ras.targets() t USING (campaign_id)
ORDER BY c.name, t.target_level, t.negative, t.match_type;

\echo
\echo '== 15. Pause the auto campaign, then archive it'
SELECT ok, result->>'state' AS state FROM ras.update_campaigns(jsonb_build_array(
  jsonb_build_object('campaignId', :'auto_campaign', 'state', 'PAUSED')));
SELECT ok, id FROM ras.delete_campaigns(ARRAY[:'auto_campaign']);
SELECT name, state FROM ras.campaigns() ORDER BY name;

\echo
\echo '== 16. What can be advertised at retailer-1? (product metadata, paged for you)'
SELECT retailer_offer_id, title, brand, price, eligibility_status
FROM ras.products('retailer-1', search => 'shoes', max_rows => 5);

\echo
\echo '== 17. Yesterday''s targeting report, as rows (requested, awaited, streamed)'
SELECT r->>'keyword' AS keyword, r->>'matchType' AS match_type,
       (r->>'impressions')::int AS impressions, (r->>'clicks')::int AS clicks,
       (r->>'cost')::numeric AS cost
FROM ras.report_rows(ras.report('spTargeting', current_date - 1, current_date - 1)) r
ORDER BY cost DESC NULLS LAST LIMIT 5;

\echo
\echo '== 18. Keep a local table in step with a report type (what pg_cron would run daily)'
\echo '   First run: creates the table and requests the last 42 days; then it loads them.'
CREATE SCHEMA analytics;
CALL ras.sync_report('analytics.sp_campaigns_daily', 'spCampaigns', wait => '1 minute');
SELECT date, campaign_name, impressions, clicks, cost
FROM analytics.sp_campaigns_daily ORDER BY date DESC, campaign_name LIMIT 5;
\echo '   Running it again changes nothing: the same report is reused, rows are upserted.'
CALL ras.sync_report('analytics.sp_campaigns_daily', 'spCampaigns', wait => '1 minute');
SELECT count(*) AS rows, count(DISTINCT (date, campaign_id)) AS grains FROM analytics.sp_campaigns_daily;

\echo
\echo '== 19. Amazon Ads API v1: Sponsored Products campaigns, on the same engine'
\echo '   Three campaigns in one call: one goes through cleanly (error is NULL), one is taken'
\echo '   with a remark (partialSuccess: ok = true, error set), one is refused (ok = false).'
\echo '   adProduct is filled in by the function.'
WITH v(name, daily_budget, tags) AS (VALUES
  ('Demo SP boots', 30,  '[{"key": "team", "value": "a"}, {"key": "team", "value": "b"}]'::jsonb),
  ('Demo SP shoes', 30,  NULL),
  ('Demo SP socks', 0.5, NULL))
SELECT idx, ok, error
FROM ras.create_sp_campaigns((
  SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
      'name', name, 'state', 'ENABLED', 'marketplaceScope', 'SINGLE_MARKETPLACE',
      'startDateTime', '2030-01-01T00:00:00Z', 'autoCreationSettings', '{"autoCreateTargets": false}'::jsonb,
      'tags', tags,
      'budgets', jsonb_build_array(jsonb_build_object(
          'budgetType', 'MONETARY', 'recurrenceTimePeriod', 'DAILY',
          'budgetValue', jsonb_build_object('monetaryBudgetValue', jsonb_build_object(
              'monetaryBudget', jsonb_build_object('value', daily_budget))))))) ORDER BY name)
  FROM v));
\echo '   budget, budget_period and budget_currency come from budgets[]; they start in 2030,'
\echo '   so Amazon says why they are not delivering yet.'
SELECT name, budget, budget_period, budget_currency, state, delivery_status, delivery_reasons
FROM ras.sp_campaigns() ORDER BY name;

\echo
\echo '== 20. Amazon DSP: scoped by an advertiser account instead of a profile'
SET ras.account_id = 'ENTITY1ABC';
SELECT idx, ok, id IS NOT NULL AS has_id, error FROM ras.create_dsp_campaigns('{
  "name": "Demo DSP reach", "state": "PAUSED", "countries": ["US"],
  "flights": [{"startDateTime": "2030-01-01T00:00:00Z", "endDateTime": "2030-02-01T00:00:00Z",
               "budget": {"budgetType": "MONETARY",
                          "budgetValue": {"monetaryBudgetValue": {"monetaryBudget": {"value": 5000}}}}}],
  "optimizations": {"bidSettings": {"bidStrategy": "SPEND_BUDGET_IN_FULL"},
                    "goalSettings": {"kpi": "REACH"}}}');
SELECT account_id, name, state, bid_strategy, kpi, goal, jsonb_array_length(flights) AS flights
FROM ras.dsp_campaigns();

\echo
\echo '== 21. Many profiles at once'
\echo '   One campaign in each of the two other profiles (profile_id names the scope of a call) ...'
SELECT ok, id IS NOT NULL AS has_id FROM ras.create_campaigns('{"name": "Vendor always-on",
  "budget": {"budget": 50, "budgetType": "DAILY"}, "targetingType": "AUTO", "state": "ENABLED",
  "dynamicBidding": {"strategy": "MANUAL"}}', profile_id => '2345678901');
SELECT ok, id IS NOT NULL AS has_id FROM ras.create_campaigns('{"name": "Canada launch",
  "budget": {"budget": 20, "budgetType": "DAILY"}, "targetingType": "AUTO", "state": "ENABLED",
  "dynamicBidding": {"strategy": "MANUAL"}}', profile_id => '3456789012');
\echo '   ... then every profile in one statement: the profiles are listed concurrently,'
\echo '   and each row says whose it is.'
SELECT profile_id, name, state, budget
FROM ras.campaigns(profile_ids => (SELECT array_agg(profile_id) FROM ras.profiles()))
ORDER BY profile_id, name;
\echo '   A profile that fails fails the statement, naming it; with skip_failed => true it is'
\echo '   a WARNING and the other profiles'' rows still come back.'
SELECT profile_id, count(*) AS campaigns
FROM ras.campaigns(profile_ids => '{1234567890,2345678901,3456789012,999}', skip_failed => true)
GROUP BY profile_id ORDER BY profile_id;
\echo '   Every request drew on a request budget per API host, scope and family. Here each'
\echo '   session has its own; with shared_preload_libraries = ''ras'' they are shared.'
SELECT scope, family, requests, throttled, shared FROM ras.rate_limits ORDER BY scope, family;

\echo
\echo '== 22. Foreign tables: every listing as a table you can query'
CREATE SCHEMA amazon;
IMPORT FOREIGN SCHEMA ras FROM SERVER amazon_ads INTO amazon;
\echo '   One table per listing, named as the functions (amazon.campaigns, amazon.sp_campaigns,'
\echo '   amazon.dsp_campaigns, ...); LIMIT TO (...) or EXCEPT (...) would import only some.'
SELECT count(*) AS foreign_tables FROM information_schema.foreign_tables WHERE foreign_table_schema = 'amazon';
\echo '   The scope is a column: WHERE profile_id picks the profiles, else ras.profile_id is used.'
SELECT profile_id, name, state FROM amazon.campaigns
WHERE profile_id IN ('2345678901', '3456789012') ORDER BY profile_id;
\echo '   What the API can filter on is sent with the request; the rest is filtered here.'
\echo '   EXPLAIN shows the endpoint and the filters sent.'
EXPLAIN (VERBOSE, COSTS OFF)
SELECT keyword, match_type, bid FROM amazon.targets
WHERE campaign_id = :'manual_campaign' AND state = 'ENABLED' AND NOT negative AND bid > 0.5;
SELECT keyword, match_type, bid FROM amazon.targets
WHERE campaign_id = :'manual_campaign' AND state = 'ENABLED' AND NOT negative AND bid > 0.5
ORDER BY keyword;
\echo '   A warehouse table as the filter: = ANY(ARRAY(SELECT ...)) is one request, not one per row.'
SELECT keyword, match_type, bid FROM amazon.targets
WHERE keyword = ANY(ARRAY(SELECT keyword FROM new_keywords)) ORDER BY keyword;
\echo '   LIMIT on one table, without ORDER BY, asks the API for no more than that.'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT retailer_id, name FROM amazon.retailers LIMIT 5;

\echo
\echo '== Done. Everything above ran against the simulator; see README.md for the real API.'
