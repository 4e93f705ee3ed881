--
-- The RAS getting-started walkthrough, from SQL: an auto campaign and a
-- manual campaign, each with an ad group, a product ad and targets.
--
SELECT regress.sim('POST', '/_sim/reset') IS NOT NULL AS reset;

-- 2.1 an auto campaign
SELECT idx, ok, id IS NOT NULL AS has_id, result->>'name' AS name,
       result->>'targetingType' AS targeting, result->'budget'->>'budget' AS budget
FROM ras.create_campaigns('[{
  "name": "Auto campaign", "budget": {"budget": 5.0, "budgetType": "DAILY"},
  "targetingType": "AUTO", "state": "ENABLED", "startDate": "2030-04-24", "endDate": "2030-05-24",
  "dynamicBidding": {"strategy": "MANUAL",
                     "placementBidding": [{"placement": "PLACEMENT_TOP", "percentage": 900}]},
  "tags": [{"key": "team", "value": "ads"}]}]');
SELECT campaign_id AS auto_campaign FROM ras.campaigns(names => '{Auto campaign}') \gset

-- 2.2.1 a retailer to advertise at
SELECT retailer_id, name FROM ras.retailers(retailer_ids => '{retailer-1}');

-- 2.2.2 an ad group
SELECT ok, result->>'name' AS name, result->>'defaultBid' AS default_bid
FROM ras.create_ad_groups(jsonb_build_array(jsonb_build_object(
  'name', 'Auto ad group', 'campaignId', :'auto_campaign', 'defaultBid', 0.75,
  'state', 'ENABLED', 'retailerId', 'retailer-1')));
SELECT ad_group_id AS auto_ad_group FROM ras.ad_groups(campaign_ids => ARRAY[:'auto_campaign']) \gset

-- 2.3 a product ad
SELECT ok, result->>'retailerOfferId' AS offer, result->>'state' AS state
FROM ras.create_product_ads(jsonb_build_array(jsonb_build_object(
  'campaignId', :'auto_campaign', 'adGroupId', :'auto_ad_group', 'state', 'ENABLED',
  'retailerId', 'retailer-1', 'retailerOfferId', 'R1-00001')));

-- 2.5.1 the four auto targets Amazon created, with its bids
SELECT target_type, match_type, negative, target_level, state, bid > 0 AS has_bid, currency_code
FROM ras.targets(campaign_ids => ARRAY[:'auto_campaign'], target_types => '{AUTO}')
ORDER BY match_type;

-- 2.5.2 their bids updated
SELECT ok, result->'bid'->>'bid' AS bid, result->'targetDetails'->'autoTarget'->>'matchType' AS match_type
FROM ras.update_targets((
  SELECT jsonb_agg(jsonb_build_object('targetId', target_id, 'state', 'ENABLED',
                                      'bid', jsonb_build_object('bid', 1.25)) ORDER BY match_type)
  FROM ras.targets(campaign_ids => ARRAY[:'auto_campaign'], target_types => '{AUTO}')))
ORDER BY idx;
SELECT DISTINCT bid FROM ras.targets(campaign_ids => ARRAY[:'auto_campaign'], target_types => '{AUTO}');

-- an auto campaign takes no keyword targets, and auto targets are not made by hand
SELECT idx, ok, result->0->>'errorType' AS error_type,
       result->0->'errorValue'->(result->0->>'errorType')->>'reason' AS reason
FROM ras.create_targets(jsonb_build_array(
  jsonb_build_object('campaignId', :'auto_campaign', 'adGroupId', :'auto_ad_group',
    'state', 'ENABLED', 'negative', false, 'targetType', 'KEYWORD',
    'targetDetails', '{"keywordTarget": {"matchType": "EXACT", "keyword": "shoes"}}'::jsonb,
    'bid', '{"bid": 0.5}'::jsonb),
  jsonb_build_object('campaignId', :'auto_campaign', 'adGroupId', :'auto_ad_group',
    'state', 'ENABLED', 'negative', false, 'targetType', 'AUTO',
    'targetDetails', '{"autoTarget": {"matchType": "KEYWORDS_CLOSE_MATCH"}}'::jsonb)));

-- 2.6 negative keywords work in auto campaigns too
SELECT ok, result->>'targetLevel' AS level, result->>'negative' AS negative
FROM ras.create_targets(jsonb_build_array(
  jsonb_build_object('campaignId', :'auto_campaign', 'adGroupId', :'auto_ad_group',
    'state', 'ENABLED', 'negative', true, 'targetType', 'KEYWORD',
    'targetDetails', '{"keywordTarget": {"matchType": "EXACT", "keyword": "free shoes"}}'::jsonb)));

-- 2.1 a manual campaign
SELECT ok, result->>'targetingType' AS targeting
FROM ras.create_campaigns('{"name": "Manual campaign", "budget": {"budget": 20, "budgetType": "DAILY"},
  "targetingType": "MANUAL", "state": "ENABLED", "startDate": "2030-04-24",
  "dynamicBidding": {"strategy": "MANUAL", "placementBidding": []}}');
SELECT campaign_id AS manual_campaign FROM ras.campaigns(names => '{Manual campaign}') \gset
SELECT ok FROM ras.create_ad_groups(jsonb_build_array(jsonb_build_object(
  'name', 'Manual ad group', 'campaignId', :'manual_campaign', 'defaultBid', 0.5,
  'state', 'ENABLED', 'retailerId', 'retailer-1')));
SELECT ad_group_id AS manual_ad_group FROM ras.ad_groups(campaign_ids => ARRAY[:'manual_campaign']) \gset
SELECT ok FROM ras.create_product_ads(jsonb_build_array(jsonb_build_object(
  'campaignId', :'manual_campaign', 'adGroupId', :'manual_ad_group', 'state', 'ENABLED',
  'retailerId', 'retailer-1', 'retailerOfferId', 'R1-00002')));
-- a manual campaign gets no auto targets
SELECT count(*) FROM ras.targets(campaign_ids => ARRAY[:'manual_campaign']);

-- 2.4 keyword targets, from a "warehouse" table
CREATE TEMP TABLE new_keywords (keyword text, match_type text, bid numeric);
INSERT INTO new_keywords VALUES
  ('running shoes', 'EXACT', 0.80), ('trail shoes', 'PHRASE', 0.60),
  ('shoes', 'BROAD', 0.40), ('cheap shoes', 'EXACT', 0.01);
SELECT idx, ok, result->>'targetLevel' AS level,
       result->'targetDetails'->'keywordTarget'->>'keyword' AS keyword,
       result->0->'errorValue'->(result->0->>'errorType')->>'reason' AS reason
FROM ras.create_targets((
  SELECT jsonb_agg(jsonb_build_object(
      'campaignId', :'manual_campaign', 'adGroupId', :'manual_ad_group', 'state', 'ENABLED',
      'negative', false, 'targetType', 'KEYWORD',
      'targetDetails', jsonb_build_object('keywordTarget',
          jsonb_build_object('matchType', match_type, 'keyword', keyword)),
      'bid', jsonb_build_object('bid', bid)) ORDER BY keyword)
  FROM new_keywords))
ORDER BY idx;

-- 2.6 negative keywords at ad group and at campaign level
SELECT idx, ok, result->>'targetLevel' AS level, result ? 'adGroupId' AS has_ad_group
FROM ras.create_targets(jsonb_build_array(
  jsonb_build_object('campaignId', :'manual_campaign', 'adGroupId', :'manual_ad_group',
    'state', 'ENABLED', 'negative', true, 'targetType', 'KEYWORD',
    'targetDetails', '{"keywordTarget": {"matchType": "EXACT", "keyword": "used shoes"}}'::jsonb),
  jsonb_build_object('campaignId', :'manual_campaign',
    'state', 'ENABLED', 'negative', true, 'targetType', 'KEYWORD',
    'targetDetails', '{"keywordTarget": {"matchType": "PHRASE", "keyword": "repair"}}'::jsonb),
  -- a campaign-level target must be negative
  jsonb_build_object('campaignId', :'manual_campaign',
    'state', 'ENABLED', 'negative', false, 'targetType', 'KEYWORD',
    'targetDetails', '{"keywordTarget": {"matchType": "EXACT", "keyword": "boots"}}'::jsonb,
    'bid', '{"bid": 1}'::jsonb)))
ORDER BY idx;

-- everything, as rows
SELECT target_level, negative, match_type, keyword, bid, state
FROM ras.targets(campaign_ids => ARRAY[:'manual_campaign'])
ORDER BY target_level, negative, keyword;
SELECT c.name, c.targeting_type, c.state, c.budget, c.effective_budget, c.start_date,
       c.bidding_strategy, c.serving_status IS NOT NULL AS has_status,
       c.created_at <= now() AS created_in_past, count(t.*) AS targets
FROM ras.campaigns() c LEFT JOIN ras.targets() t USING (campaign_id)
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9 ORDER BY c.name;
