--
-- Writes: one row per input item in input order, batches of 1000, partial
-- failures as rows, and nothing applied left unreported.
--
SELECT regress.sim('POST', '/_sim/reset') IS NOT NULL AS reset;

-- bad input is refused before any request
SELECT regress.try('SELECT * FROM ras.create_campaigns(NULL)');
SELECT regress.try($$SELECT * FROM ras.create_campaigns('"a campaign"')$$);
SELECT regress.try($$SELECT * FROM ras.create_campaigns('42')$$);
SELECT regress.try($$SELECT * FROM ras.create_campaigns('[{"name": "a"}, 7]')$$);
SELECT regress.try($$SELECT * FROM ras.create_campaigns('[]')$$);
SELECT regress.try($$SELECT * FROM ras.delete_campaigns('{}')$$);
SELECT regress.try($$SELECT * FROM ras.delete_campaigns('{1,NULL}')$$);
SELECT (regress.sim('GET', '/_sim/stats')->>'requests')::int AS requests_so_far;

-- a campaign and an ad group to hang targets on
SELECT ok FROM ras.create_campaigns('{"name": "Bulk", "budget": {"budget": 100, "budgetType": "DAILY"},
  "targetingType": "MANUAL", "state": "ENABLED", "startDate": "2030-01-01",
  "dynamicBidding": {"strategy": "MANUAL"}}');
SELECT campaign_id AS bulk_campaign FROM ras.campaigns(names => '{Bulk}') \gset
SELECT ok FROM ras.create_ad_groups(jsonb_build_array(jsonb_build_object(
  'name', 'Bulk ad group', 'campaignId', :'bulk_campaign', 'defaultBid', 0.5,
  'state', 'ENABLED', 'retailerId', 'retailer-2')));
SELECT ad_group_id AS bulk_ad_group FROM ras.ad_groups(campaign_ids => ARRAY[:'bulk_campaign']) \gset

-- per-item failures are rows, in input order, among successes
SELECT idx, ok, id IS NOT NULL AS has_id,
       result->0->>'errorType' AS error_type,
       result->0->'errorValue'->(result->0->>'errorType')->>'reason' AS reason
FROM ras.create_campaigns('[
  {"name": "Good one", "budget": {"budget": 10, "budgetType": "DAILY"}, "targetingType": "AUTO",
   "state": "ENABLED", "startDate": "2030-01-01", "dynamicBidding": {"strategy": "MANUAL"}},
  {"name": "Too cheap", "budget": {"budget": 0.5, "budgetType": "DAILY"}, "targetingType": "AUTO",
   "state": "ENABLED", "startDate": "2030-01-01", "dynamicBidding": {"strategy": "MANUAL"}},
  {"name": "In the past", "budget": {"budget": 10, "budgetType": "DAILY"}, "targetingType": "AUTO",
   "state": "ENABLED", "startDate": "2020-01-01", "dynamicBidding": {"strategy": "MANUAL"}},
  {"name": "Bulk", "budget": {"budget": 10, "budgetType": "DAILY"}, "targetingType": "AUTO",
   "state": "ENABLED", "startDate": "2030-01-01", "dynamicBidding": {"strategy": "MANUAL"}},
  {"name": "Ends first", "budget": {"budget": 10, "budgetType": "DAILY"}, "targetingType": "AUTO",
   "state": "ENABLED", "startDate": "2030-02-01", "endDate": "2030-01-01",
   "dynamicBidding": {"strategy": "MANUAL"}}
]') ORDER BY idx;

-- updates: the id comes back even for a failed item; targetingType cannot change
SELECT idx, ok, id = :'bulk_campaign' AS same_id,
       result->>'name' AS name,
       result->0->'errorValue'->(result->0->>'errorType')->>'reason' AS reason
FROM ras.update_campaigns(jsonb_build_array(
  jsonb_build_object('campaignId', :'bulk_campaign', 'name', 'Bulk renamed'),
  jsonb_build_object('campaignId', :'bulk_campaign', 'targetingType', 'AUTO'),
  jsonb_build_object('campaignId', '999999999', 'state', 'PAUSED')))
ORDER BY idx;

-- 2,500 keyword targets in one statement: three batches, one row each, in order
SELECT coalesce((regress.sim('GET', '/_sim/stats')->'by_route'->>'POST /ras/v1/targets')::int, 0) AS creates_before \gset
SELECT count(*) AS rows, count(*) FILTER (WHERE ok) AS ok,
       min(idx), max(idx), bool_and(idx = rn - 1) AS in_order
FROM (SELECT *, row_number() OVER () AS rn FROM ras.create_targets((
  SELECT jsonb_agg(jsonb_build_object(
      'campaignId', :'bulk_campaign', 'adGroupId', :'bulk_ad_group', 'state', 'ENABLED',
      'negative', false, 'targetType', 'KEYWORD',
      'targetDetails', jsonb_build_object('keywordTarget',
          jsonb_build_object('matchType', 'EXACT', 'keyword', 'keyword ' || i)),
      'bid', jsonb_build_object('bid', 0.25 + i % 7)) ORDER BY i)
  FROM generate_series(1, 2500) i))) t;
SELECT (regress.sim('GET', '/_sim/stats')->'by_route'->>'POST /ras/v1/targets')::int - :creates_before AS create_requests;
-- each row carries the item's own outcome
SELECT idx, ok, result->'targetDetails'->'keywordTarget'->>'keyword' AS keyword
FROM ras.create_targets(jsonb_build_array(jsonb_build_object(
  'campaignId', :'bulk_campaign', 'adGroupId', :'bulk_ad_group', 'state', 'ENABLED',
  'negative', false, 'targetType', 'KEYWORD',
  'targetDetails', '{"keywordTarget": {"matchType": "EXACT", "keyword": "keyword 2501"}}'::jsonb,
  'bid', '{"bid": 0.3}'::jsonb)));

-- listing pages through nextToken at 1000 a page
SELECT coalesce((regress.sim('GET', '/_sim/stats')->'by_route'->>'POST /ras/v1/targets/list')::int, 0) AS lists_before \gset
SELECT count(*), count(DISTINCT target_id) FROM ras.targets(ad_group_ids => ARRAY[:'bulk_ad_group']);
SELECT (regress.sim('GET', '/_sim/stats')->'by_route'->>'POST /ras/v1/targets/list')::int - :lists_before AS list_requests;
-- max_rows stops early, and asks only for what it needs
SELECT count(*) FROM ras.targets(ad_group_ids => ARRAY[:'bulk_ad_group'], max_rows => 1500);
SELECT (regress.sim('GET', '/_sim/stats')->'by_route'->>'POST /ras/v1/targets/list')::int - :lists_before AS list_requests;

-- a batch that fails after an earlier one was applied: the call still
-- returns, applied rows ok, the failed batch "not applied", the rest too
SET ras.max_retries = 1;
SELECT regress.sim('POST', '/_sim/faults', '{"faults": [{"kind": "status", "status": 503, "count": 5, "path": "/ras/v1/targets", "method": "POST", "skip": 1}]}') IS NOT NULL AS injected;
SELECT ok, result->>'status' AS status, count(*), min(idx), max(idx)
FROM ras.create_targets((
  SELECT jsonb_agg(jsonb_build_object(
      'campaignId', :'bulk_campaign', 'adGroupId', :'bulk_ad_group', 'state', 'ENABLED',
      'negative', false, 'targetType', 'KEYWORD',
      'targetDetails', jsonb_build_object('keywordTarget',
          jsonb_build_object('matchType', 'PHRASE', 'keyword', 'phrase ' || i)),
      'bid', jsonb_build_object('bid', 0.5)) ORDER BY i)
  FROM generate_series(1, 2500) i))
GROUP BY 1, 2 ORDER BY min(idx);
SELECT regress.sim('DELETE', '/_sim/faults') IS NOT NULL AS cleared;
SELECT count(*) FROM ras.targets(ad_group_ids => ARRAY[:'bulk_ad_group'], match_types => '{PHRASE}');

-- a create whose answer is lost is not repeated (it could create twice):
-- its items are reported "outcome unknown"
SELECT regress.sim('POST', '/_sim/faults', '{"faults": [{"kind": "drop", "after": true, "count": 1, "path": "/ras/v1/targets", "method": "POST", "skip": 1}]}') IS NOT NULL AS injected;
SELECT ok, result->>'status' AS status, count(*), min(idx), max(idx)
FROM ras.create_targets((
  SELECT jsonb_agg(jsonb_build_object(
      'campaignId', :'bulk_campaign', 'adGroupId', :'bulk_ad_group', 'state', 'ENABLED',
      'negative', false, 'targetType', 'KEYWORD',
      'targetDetails', jsonb_build_object('keywordTarget',
          jsonb_build_object('matchType', 'BROAD', 'keyword', 'broad ' || i)),
      'bid', jsonb_build_object('bid', 0.5)) ORDER BY i)
  FROM generate_series(1, 1500) i))
GROUP BY 1, 2 ORDER BY min(idx);
-- (the lost batch was in fact applied)
SELECT count(*) FROM ras.targets(ad_group_ids => ARRAY[:'bulk_ad_group'], match_types => '{BROAD}');

-- when the first batch fails, nothing was applied: an ERROR
SELECT regress.sim('POST', '/_sim/faults', '{"faults": [{"kind": "status", "status": 503, "count": 5, "path": "/ras/v1/campaigns", "method": "POST"}]}') IS NOT NULL AS injected;
SELECT regress.try($$SELECT * FROM ras.create_campaigns('{"name": "Never", "budget": {"budget": 10, "budgetType": "DAILY"}, "targetingType": "AUTO", "state": "ENABLED", "startDate": "2030-01-01", "dynamicBidding": {"strategy": "MANUAL"}}')$$);
SELECT regress.sim('DELETE', '/_sim/faults') IS NOT NULL AS cleared;
RESET ras.max_retries;

-- deleting archives; unknown ids are per-item errors
SELECT idx, ok, id, result->0->'errorValue'->(result->0->>'errorType')->>'reason' AS reason
FROM ras.delete_ad_groups(ARRAY[:'bulk_ad_group', '424242']) ORDER BY idx;
SELECT state FROM ras.ad_groups(ad_group_ids => ARRAY[:'bulk_ad_group']);
SELECT count(*) FROM ras.ad_groups(ad_group_ids => ARRAY[:'bulk_ad_group'], states => '{ENABLED,PAUSED}');
