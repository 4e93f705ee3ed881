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
\echo '   Writes return one row per item: ok, the new id, and the entity as Amazon has it.'
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
\echo '   One bid is below the minimum: that item comes back with ok = false and Amazon''s reason.'
SELECT idx, ok, coalesce(result->'targetDetails'->'keywordTarget'->>'keyword',
                         result->0->'errorValue'->(result->0->>'errorType')->>'message') AS keyword_or_error
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
\echo '== Done. Everything above ran against the simulator; see README.md for the real API.'
