--
-- Amazon Ads API v1: Sponsored Products, Sponsored Brands and Amazon DSP on
-- the same engine as RAS.  Every request goes through the validating proxy
-- with amazon-ads-v1-all.json.
--
SELECT regress.sim('POST', '/_sim/reset') IS NOT NULL AS reset;
-- The requests a statement made.
CREATE FUNCTION pg_temp.calls(since int) RETURNS TABLE (method text, path text, body jsonb, headers jsonb)
LANGUAGE sql AS $$
  SELECT r->>'method', r->>'path', r->'body', r->'headers'
  FROM jsonb_array_elements(regress.sim('GET', '/_sim/requests?since=' || since)->'requests') r
  WHERE r->>'path' LIKE '/adsApi/%'
$$;
CREATE FUNCTION pg_temp.budget(amount numeric, period text DEFAULT 'DAILY') RETURNS jsonb
LANGUAGE sql AS $$
  SELECT jsonb_build_array(jsonb_build_object('budgetType', 'MONETARY', 'recurrenceTimePeriod', period,
           'budgetValue', jsonb_build_object('monetaryBudgetValue',
             jsonb_build_object('monetaryBudget', jsonb_build_object('value', amount)))))
$$;
CREATE FUNCTION pg_temp.sp_campaign(name text, auto boolean DEFAULT false) RETURNS jsonb
LANGUAGE sql AS $$
  SELECT jsonb_build_object('name', name, 'state', 'ENABLED', 'marketplaceScope', 'SINGLE_MARKETPLACE',
           'startDateTime', '2025-01-01T00:00:00Z', 'autoCreationSettings', jsonb_build_object('autoCreateTargets', auto),
           'budgets', pg_temp.budget(25))
$$;

-- Sponsored Products: campaign -> ad group -> product ad -> keywords -> bids
-- -> negatives at both levels -> archive
SELECT (regress.sim('GET', '/_sim/requests')->>'next')::int AS mark \gset
SELECT idx, ok, id IS NOT NULL AS has_id, error FROM ras.create_sp_campaigns(
  jsonb_build_array(pg_temp.sp_campaign('Shoes'), pg_temp.sp_campaign('Boots') || '{"tags": [{"key": "team", "value": "a"}, {"key": "team", "value": "b"}]}'));
-- the function's ad product is filled in; the client header is v1's
SELECT path, body->'campaigns'->0->>'adProduct' AS ad_product,
       headers ? 'Amazon-Ads-ClientId' OR headers ? 'amazon-ads-clientid' AS v1_client_header
FROM pg_temp.calls(:mark);
SELECT name, state, budget, budget_period, budget_currency, delivery_status, ad_product,
       start_date_time, auto_create_targets, jsonb_array_length(tags) AS tags
FROM ras.sp_campaigns(states => '{ENABLED}') ORDER BY name;
SELECT campaign_id AS shoes FROM ras.sp_campaigns(names => '{shoes}', name_match => 'EXACT_MATCH') \gset
SELECT idx, ok, error FROM ras.create_sp_ad_groups(jsonb_build_array(
  jsonb_build_object('campaignId', :'shoes', 'name', 'Running', 'state', 'ENABLED', 'bid', '{"defaultBid": 0.75}'::jsonb),
  jsonb_build_object('campaignId', :'shoes', 'name', 'Cheap', 'state', 'ENABLED', 'bid', '{"defaultBid": 0.01}'::jsonb)));
SELECT ad_group_id AS running FROM ras.sp_ad_groups(campaign_ids => ARRAY[:'shoes']) \gset
SELECT name, default_bid, bid_currency, delivery_status FROM ras.sp_ad_groups(campaign_ids => ARRAY[:'shoes']);
SELECT ok, error FROM ras.create_sp_ads(jsonb_build_object('adGroupId', :'running', 'adType', 'PRODUCT_AD', 'state', 'ENABLED',
  'creative', '{"productCreative": {"productCreativeSettings": {"advertisedProduct": {"productId": "B000000001", "productIdType": "ASIN"}}}}'::jsonb));
SELECT ad_type, advertised_product_id, advertised_product_id_type, campaign_id = :'shoes' AS in_campaign FROM ras.sp_ads(ad_group_ids => ARRAY[:'running']);
SELECT idx, ok, error FROM ras.create_sp_targets((
  SELECT jsonb_agg(jsonb_build_object('adGroupId', :'running', 'state', 'ENABLED', 'negative', false,
         'targetType', 'KEYWORD', 'targetDetails', jsonb_build_object('keywordTarget',
           jsonb_build_object('keyword', k, 'matchType', m)), 'bid', jsonb_build_object('bid', b)) ORDER BY k)
  FROM (VALUES ('running shoes', 'EXACT', 0.9), ('trail shoes', 'PHRASE', 1.1), ('shoes', 'BROAD', 0.01)) v(k, m, b)));
SELECT keyword, match_type, bid, bid_currency, target_level, negative FROM ras.sp_targets(ad_group_ids => ARRAY[:'running']) ORDER BY keyword;
-- bids from a staging table
CREATE TEMP TABLE staging_bids AS
SELECT target_id, bid * 2 AS new_bid FROM ras.sp_targets(ad_group_ids => ARRAY[:'running']);
SELECT count(*) FILTER (WHERE ok) AS updated FROM ras.update_sp_targets(
  (SELECT jsonb_agg(jsonb_build_object('targetId', target_id, 'bid', jsonb_build_object('bid', new_bid))) FROM staging_bids));
SELECT keyword, bid FROM ras.sp_targets(ad_group_ids => ARRAY[:'running']) ORDER BY keyword;
-- negatives: ad group level and campaign level
SELECT ok, error FROM ras.create_sp_targets(jsonb_build_array(
  jsonb_build_object('adGroupId', :'running', 'state', 'ENABLED', 'negative', true, 'targetType', 'KEYWORD',
    'targetDetails', '{"keywordTarget": {"keyword": "cheap", "matchType": "EXACT"}}'::jsonb),
  jsonb_build_object('campaignId', :'shoes', 'state', 'ENABLED', 'negative', true, 'targetType', 'KEYWORD',
    'targetDetails', '{"keywordTarget": {"keyword": "free", "matchType": "PHRASE"}}'::jsonb)));
SELECT keyword, target_level, negative, ad_group_id IS NULL AS campaign_level
FROM ras.sp_targets(campaign_ids => ARRAY[:'shoes'], is_negative => true) ORDER BY keyword;
-- archive
SELECT ok, result->>'state' AS state FROM ras.delete_sp_campaigns(ARRAY[:'shoes']);
SELECT name, state, delivery_status FROM ras.sp_campaigns(campaign_ids => ARRAY[:'shoes']);

-- every filter of sp_targets, as the request body shows it
SELECT (regress.sim('GET', '/_sim/requests')->>'next')::int AS mark \gset
SELECT count(*) FROM ras.sp_targets(target_ids => '{1}', campaign_ids => ARRAY[:'shoes'], ad_group_ids => ARRAY[:'running'],
  states => '{ENABLED,PAUSED}', keywords => '{shoes}', keyword_match => 'BROAD_MATCH', product_ids => '{B000000001}',
  match_types => '{EXACT}', target_types => '{KEYWORD}', is_negative => false, marketplace_scopes => '{SINGLE_MARKETPLACE}');
SELECT jsonb_pretty(body - 'maxResults') FROM pg_temp.calls(:mark);
SELECT regress.try($$SELECT count(*) FROM ras.sp_targets(match_types => '{FUZZY}')$$);

-- batches follow the per-product limits: 25 SP campaigns = 3 requests of 10
SELECT (regress.sim('GET', '/_sim/requests')->>'next')::int AS mark \gset
SELECT count(*) FILTER (WHERE ok) AS created FROM ras.create_sp_campaigns(
  (SELECT jsonb_agg(pg_temp.sp_campaign('Batch ' || i) ORDER BY i) FROM generate_series(1, 25) i));
SELECT count(*) AS requests, array_agg(jsonb_array_length(body->'campaigns')) AS sizes FROM pg_temp.calls(:mark);
-- 2,500 targets = 3 requests of 1000
SELECT (regress.sim('GET', '/_sim/requests')->>'next')::int AS mark \gset
SELECT count(*) FILTER (WHERE ok) AS created FROM ras.create_sp_targets(
  (SELECT jsonb_agg(jsonb_build_object('adGroupId', :'running', 'state', 'ENABLED', 'negative', false,
     'targetType', 'KEYWORD', 'targetDetails', jsonb_build_object('keywordTarget',
       jsonb_build_object('keyword', 'kw ' || i, 'matchType', 'EXACT'))) ORDER BY i) FROM generate_series(1, 2500) i));
SELECT count(*) AS requests, array_agg(jsonb_array_length(body->'targets')) AS sizes FROM pg_temp.calls(:mark);
-- paging: targets come 5000 a page
SELECT (regress.sim('GET', '/_sim/requests')->>'next')::int AS mark \gset
SELECT count(*) FROM ras.sp_targets(ad_group_ids => ARRAY[:'running']);
SELECT count(*) AS pages, max((body->>'maxResults')::int) AS page_size FROM pg_temp.calls(:mark);

-- a batch Amazon refuses as too large is split, and the smaller size kept
SELECT regress.sim('POST', '/_sim/faults', '{"faults": [{"kind": "status", "status": 413, "path": "/adsApi/v1/create/campaigns", "body": {"code": "CONTENT_TOO_LARGE", "message": "Too many items"}}]}') IS NOT NULL AS armed;
SELECT (regress.sim('GET', '/_sim/requests')->>'next')::int AS mark \gset
SELECT count(*) FILTER (WHERE ok) AS created, count(*) AS rows FROM ras.create_sp_campaigns(
  (SELECT jsonb_agg(pg_temp.sp_campaign('Split ' || i) ORDER BY i) FROM generate_series(1, 12) i));
SELECT array_agg(jsonb_array_length(body->'campaigns')) AS sizes FROM pg_temp.calls(:mark);

-- later-batch failures are rows, never lost
SELECT regress.sim('POST', '/_sim/faults', '{"faults": [{"kind": "status", "status": 503, "count": 10, "skip": 1, "path": "/adsApi/v1/create/campaigns"}]}') IS NOT NULL AS armed;
SET ras.max_retries = 1;
SELECT ok, error, count(*), min(idx), max(idx) FROM ras.create_sp_campaigns(
  (SELECT jsonb_agg(pg_temp.sp_campaign('Later ' || i) ORDER BY i) FROM generate_series(1, 25) i))
GROUP BY 1, 2 ORDER BY min(idx);
RESET ras.max_retries;
SELECT regress.sim('DELETE', '/_sim/faults') IS NOT NULL AS cleared;

-- an item of another ad product is refused before any request
SELECT (regress.sim('GET', '/_sim/requests')->>'next')::int AS mark \gset
SELECT regress.try($$SELECT * FROM ras.create_sp_campaigns('[{"adProduct": "SPONSORED_BRANDS", "name": "x"}]')$$);
SELECT count(*) AS requests FROM pg_temp.calls(:mark);

-- Sponsored Brands
SELECT idx, ok, error FROM ras.create_sb_campaigns(jsonb_build_array(
  jsonb_build_object('name', 'Brand push', 'state', 'ENABLED', 'brandId', 'BRAND1', 'costType', 'CPC',
    'marketplaceScope', 'SINGLE_MARKETPLACE', 'startDateTime', '2025-01-01T00:00:00Z',
    'budgets', pg_temp.budget(500, 'LIFETIME'), 'optimizations', '{"goalSettings": {"kpi": "CLICKS"}}'::jsonb),
  jsonb_build_object('name', 'No brand', 'state', 'ENABLED', 'costType', 'CPC',
    'marketplaceScope', 'SINGLE_MARKETPLACE', 'startDateTime', '2025-01-01T00:00:00Z',
    'budgets', pg_temp.budget(500, 'LIFETIME'), 'optimizations', '{"goalSettings": {"kpi": "CLICKS"}}'::jsonb)));
SELECT campaign_id AS brand_push FROM ras.sb_campaigns() \gset
SELECT name, brand_id, cost_type, budget, budget_period, kpi, goal FROM ras.sb_campaigns();
SELECT ok, error FROM ras.create_sb_ad_groups(jsonb_build_object('campaignId', :'brand_push', 'name', 'Brand group', 'state', 'ENABLED'));
SELECT ad_group_id AS brand_group FROM ras.sb_ad_groups() \gset
SELECT ok, error FROM ras.create_sb_ads(jsonb_build_object('adGroupId', :'brand_group', 'adType', 'COMPONENT', 'name', 'Brand ad',
  'state', 'ENABLED', 'creative', '{"componentCreative": {}}'::jsonb));
SELECT idx, ok, error FROM ras.create_sb_targets(jsonb_build_array(
  jsonb_build_object('adGroupId', :'brand_group', 'state', 'ENABLED', 'negative', false, 'targetType', 'KEYWORD',
    'targetDetails', '{"keywordTarget": {"keyword": "acme", "matchType": "BROAD"}}'::jsonb, 'bid', '{"bid": 1.5}'::jsonb),
  jsonb_build_object('adGroupId', :'brand_group', 'state', 'ENABLED', 'negative', false, 'targetType', 'KEYWORD',
    'targetDetails', '{"keywordTarget": {"keyword": "acme shoes", "matchType": "BROAD"}}'::jsonb, 'bid', '{"bid": 60}'::jsonb)));
SELECT keyword, bid FROM ras.sb_targets();
SELECT name, ad_type FROM ras.sb_ads();
-- SP rows never show SB entities
SELECT count(*) AS sp_sees_brand FROM ras.sp_campaigns(names => '{Brand push}');

-- Amazon DSP: scoped by advertiser account
SELECT regress.try($$SELECT count(*) FROM ras.dsp_campaigns()$$);
SET ras.account_id = 'ENTITY1ABC';
SELECT idx, ok, error FROM ras.create_dsp_campaigns((
  SELECT jsonb_agg(jsonb_build_object('name', 'DSP ' || s, 'state', s, 'countries', '["US"]'::jsonb,
    'flights', '[{"startDateTime": "2030-01-01T00:00:00Z", "endDateTime": "2030-02-01T00:00:00Z", "budget": {"budgetType": "MONETARY", "budgetValue": {"monetaryBudgetValue": {"monetaryBudget": {"value": 1000}}}}}]'::jsonb,
    'optimizations', '{"bidSettings": {"bidStrategy": "SPEND_BUDGET_IN_FULL"}, "goalSettings": {"kpi": "REACH"}}'::jsonb) ORDER BY s DESC)
  FROM unnest('{PAUSED,ENABLED}'::text[]) s));
SELECT campaign_id AS dsp FROM ras.dsp_campaigns() \gset
SELECT name, state, bid_strategy, kpi, jsonb_array_length(flights) AS flights FROM ras.dsp_campaigns();
SELECT ok, error FROM ras.create_dsp_ad_groups(jsonb_build_object('campaignId', :'dsp', 'name', 'DSP group', 'state', 'PAUSED',
  'bid', '{"baseBid": 2.5, "maxAverageBid": 5.0}'::jsonb, 'advertisedProductCategoryIds', '["1001"]'::jsonb,
  'creativeRotationType', 'RANDOM', 'inventoryType', 'DISPLAY', 'optimization', '{"bidStrategy": "SPEND_BUDGET_IN_FULL"}'::jsonb,
  'pacing', '{"deliveryProfile": "EVEN"}'::jsonb, 'startDateTime', '2030-01-01T00:00:00Z', 'endDateTime', '2030-02-01T00:00:00Z',
  'targetingSettings', '{"amazonViewability": {"includeUnmeasurableImpressions": true, "viewabilityTier": "ALL_TIERS"}, "timeZoneType": "VIEWER", "userLocationSignal": "CURRENT"}'::jsonb));
SELECT ad_group_id AS dsp_group FROM ras.dsp_ad_groups(campaign_ids => ARRAY[:'dsp']) \gset
SELECT name, base_bid, max_average_bid, inventory_type, state FROM ras.dsp_ad_groups(campaign_ids => ARRAY[:'dsp']);
SELECT ok, error FROM ras.create_dsp_ads('{"adType": "COMPONENT", "name": "DSP ad", "state": "ENABLED", "creative": {"componentCreative": {}}}');
SELECT ad_id AS dsp_ad FROM ras.dsp_ads() \gset
SELECT ok, error FROM ras.create_dsp_ad_associations(jsonb_build_object('adId', :'dsp_ad', 'adGroupId', :'dsp_group', 'state', 'ENABLED', 'weight', 50));
SELECT ad_id = :'dsp_ad' AS same_ad, ad_group_id = :'dsp_group' AS same_group, weight FROM ras.dsp_ad_associations(ad_ids => ARRAY[:'dsp_ad']);
-- DSP calls carry the account header and no profile scope
SELECT (regress.sim('GET', '/_sim/requests')->>'next')::int AS mark \gset
SELECT count(*) FROM ras.dsp_ads();
SELECT coalesce(headers->>'Amazon-Ads-AccountId', headers->>'amazon-ads-accountid') AS account,
       coalesce(headers ? 'Amazon-Advertising-API-Scope', false) OR coalesce(headers ? 'amazon-advertising-api-scope', false) AS has_profile_scope
FROM pg_temp.calls(:mark);
SELECT regress.try($$SELECT count(*) FROM ras.dsp_ads(account_id => 'ENTITY9XYZ')$$);
SELECT regress.try($$SET ras.account_id = 'bad id!'$$);
RESET ras.account_id;
