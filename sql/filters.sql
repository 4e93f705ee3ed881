--
-- Every list filter as a named argument; long filters split into calls.
--
SELECT regress.sim('POST', '/_sim/reset') IS NOT NULL AS reset;
SELECT count(*) FILTER (WHERE ok) AS created FROM ras.create_campaigns('[
  {"name": "Shoes - summer", "budget": {"budget": 10, "budgetType": "DAILY"}, "targetingType": "MANUAL",
   "state": "ENABLED", "startDate": "2030-01-01", "dynamicBidding": {"strategy": "MANUAL"}, "portfolioId": "777"},
  {"name": "Shoes - winter", "budget": {"budget": 10, "budgetType": "DAILY"}, "targetingType": "MANUAL",
   "state": "PAUSED", "startDate": "2030-01-01", "dynamicBidding": {"strategy": "MANUAL"}},
  {"name": "Socks", "budget": {"budget": 10, "budgetType": "DAILY"}, "targetingType": "AUTO",
   "state": "ENABLED", "startDate": "2030-01-01", "dynamicBidding": {"strategy": "MANUAL"}, "portfolioId": "777"}
]');
SELECT name FROM ras.campaigns(states => '{ENABLED}') ORDER BY name;
SELECT name FROM ras.campaigns(states => '{PAUSED,ARCHIVED}') ORDER BY name;
SELECT name FROM ras.campaigns(names => '{Socks}') ORDER BY name;
SELECT name FROM ras.campaigns(names => '{shoes}', name_match => 'BROAD_MATCH') ORDER BY name;
SELECT name FROM ras.campaigns(portfolio_ids => '{777}') ORDER BY name;
SELECT name FROM ras.campaigns(portfolio_ids => '{777}', states => '{PAUSED}') ORDER BY name;

-- ad groups, product ads and targets under the summer campaign
SELECT campaign_id AS summer FROM ras.campaigns(names => '{Shoes - summer}') \gset
SELECT campaign_id AS socks FROM ras.campaigns(names => '{Socks}') \gset
SELECT count(*) FILTER (WHERE ok) AS created FROM ras.create_ad_groups(jsonb_build_array(
  jsonb_build_object('name', 'Runners', 'campaignId', :'summer', 'defaultBid', 0.5, 'state', 'ENABLED', 'retailerId', 'retailer-1'),
  jsonb_build_object('name', 'Sandals', 'campaignId', :'summer', 'defaultBid', 0.5, 'state', 'PAUSED', 'retailerId', 'retailer-1'),
  jsonb_build_object('name', 'Socks', 'campaignId', :'socks', 'defaultBid', 0.5, 'state', 'ENABLED', 'retailerId', 'retailer-1')));
SELECT name, state FROM ras.ad_groups(campaign_ids => ARRAY[:'summer']) ORDER BY name;
SELECT name FROM ras.ad_groups(states => '{PAUSED}');
SELECT name FROM ras.ad_groups(names => '{Runners,Socks}') ORDER BY name;
SELECT ad_group_id AS runners FROM ras.ad_groups(names => '{Runners}') \gset
SELECT count(*) FILTER (WHERE ok) AS created FROM ras.create_product_ads(jsonb_build_array(
  jsonb_build_object('campaignId', :'summer', 'adGroupId', :'runners', 'state', 'ENABLED', 'retailerId', 'retailer-1', 'retailerOfferId', 'R1-00001'),
  jsonb_build_object('campaignId', :'summer', 'adGroupId', :'runners', 'state', 'PAUSED', 'retailerId', 'retailer-1', 'retailerOfferId', 'R1-00013')));
SELECT retailer_offer_id, state FROM ras.product_ads(ad_group_ids => ARRAY[:'runners']) ORDER BY 1;
SELECT retailer_offer_id FROM ras.product_ads(campaign_ids => ARRAY[:'summer'], states => '{PAUSED}');
SELECT count(*) FILTER (WHERE ok) AS created FROM ras.create_targets((
  SELECT jsonb_agg(jsonb_build_object('campaignId', :'summer', 'adGroupId', :'runners',
      'state', s, 'negative', n, 'targetType', 'KEYWORD',
      'targetDetails', jsonb_build_object('keywordTarget', jsonb_build_object('matchType', m, 'keyword', k)))
      || CASE WHEN n THEN '{}'::jsonb ELSE '{"bid": {"bid": 0.4}}'::jsonb END)
  FROM (VALUES ('running shoes', 'EXACT', 'ENABLED', false), ('trail running shoes', 'PHRASE', 'ENABLED', false),
               ('shoes', 'BROAD', 'PAUSED', false), ('kids shoes', 'EXACT', 'ENABLED', true)) v(k, m, s, n)));
SELECT count(*) FILTER (WHERE ok) AS created FROM ras.create_targets(jsonb_build_array(
  jsonb_build_object('campaignId', :'summer', 'state', 'ENABLED', 'negative', true, 'targetType', 'KEYWORD',
    'targetDetails', '{"keywordTarget": {"matchType": "EXACT", "keyword": "winter shoes"}}'::jsonb)));
SELECT keyword FROM ras.targets(keywords => '{running shoes}') ORDER BY 1;
SELECT keyword FROM ras.targets(keywords => '{running}', keyword_match => 'BROAD_MATCH') ORDER BY 1;
SELECT keyword FROM ras.targets(match_types => '{PHRASE,BROAD}') ORDER BY 1;
SELECT keyword, negative FROM ras.targets(is_negative => true) ORDER BY 1;
SELECT keyword FROM ras.targets(is_negative => false, states => '{ENABLED}', campaign_ids => ARRAY[:'summer']) ORDER BY 1;
SELECT keyword, target_level FROM ras.targets(target_levels => '{CAMPAIGN}');
SELECT target_type, match_type FROM ras.targets(target_types => '{AUTO}', campaign_ids => ARRAY[:'socks']) ORDER BY 2;
SELECT count(*) FROM ras.targets(target_types => '{AUTO,KEYWORD}');
-- product targets, found by retailer and offer
SELECT count(*) FILTER (WHERE ok) AS created FROM ras.create_targets(jsonb_build_array(
  jsonb_build_object('campaignId', :'summer', 'adGroupId', :'runners', 'state', 'ENABLED',
    'negative', false, 'targetType', 'PRODUCT', 'bid', '{"bid": 0.6}'::jsonb,
    'targetDetails', '{"productTarget": {"matchType": "PRODUCT_EXACT", "productId": "R1-00005",
                                         "productIdType": "RETAILER_OFFER", "retailerId": "retailer-1"}}'::jsonb)));
SELECT target_type, match_type, product_id FROM ras.targets(
  product_ids => '[{"retailerId": "retailer-1", "retailerOfferId": "R1-00005"}]');
SELECT count(*) FROM ras.targets(
  product_ids => '[{"retailerId": "retailer-1", "retailerOfferId": "R1-99999"}]');
SELECT regress.try($$SELECT * FROM ras.targets(product_ids => '{"retailerId": "retailer-1"}')$$);
SELECT regress.try($$SELECT * FROM ras.targets(product_ids => '["R1-00005"]')$$);
SELECT count(*) FROM ras.targets(product_ids => '[]');

-- more ids than one call takes are split and merged: 250 campaign ids
-- (the targets list takes 100 per call) and 1,200 target ids (1,000)
SELECT (regress.sim('GET', '/_sim/stats')->'by_route'->>'POST /ras/v1/targets/list')::int AS lists_before \gset
SELECT count(*) FROM ras.targets(campaign_ids =>
  (SELECT array_agg(x) FROM (SELECT campaign_id FROM ras.campaigns()
                             UNION ALL SELECT (1000000 + i)::text FROM generate_series(1, 247) i) s(x)));
SELECT (regress.sim('GET', '/_sim/stats')->'by_route'->>'POST /ras/v1/targets/list')::int - :lists_before AS list_requests;
SELECT count(*) FROM ras.targets(target_ids =>
  (SELECT array_agg(x) FROM (SELECT target_id FROM ras.targets()
                             UNION ALL SELECT (2000000 + i)::text FROM generate_series(1, 1200) i) s(x)));
-- two split filters at once: every combination is asked, each row once
SELECT count(*) FROM ras.targets(
  campaign_ids => (SELECT array_agg(x) FROM (SELECT campaign_id FROM ras.campaigns()
                   UNION ALL SELECT (1000000 + i)::text FROM generate_series(1, 150) i) s(x)),
  ad_group_ids => (SELECT array_agg(x) FROM (SELECT ad_group_id FROM ras.ad_groups()
                   UNION ALL SELECT (3000000 + i)::text FROM generate_series(1, 150) i) s(x)));

-- match_types takes what the API's matchTypeFilter takes: keyword match types
SELECT regress.try($$SELECT count(*) FROM ras.targets(match_types => '{KEYWORDS_CLOSE_MATCH}')$$);
