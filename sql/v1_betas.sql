--
-- Amazon Ads API v1 betas: account registration, linked accounts, Brand Stores,
-- forecasts.  Each listing with its filters and paging, each write with a
-- partial failure, a forecast, and what is refused before any request.
--
SELECT regress.sim('POST', '/_sim/reset') IS NOT NULL AS reset;
CREATE FUNCTION pg_temp.calls(since int) RETURNS TABLE (method text, path text, query text, body jsonb)
LANGUAGE sql AS $$
  SELECT r->>'method', r->>'path', r->>'query', r->'body'
  FROM jsonb_array_elements(regress.sim('GET', '/_sim/requests?since=' || since)->'requests') r
  WHERE r->>'path' LIKE '/adsApi/%'
$$;
SELECT obj_description('ras.advertiser_accounts'::regproc, 'pg_proc') AS marked_beta;

-- Account registration
SELECT advertiser_account_id, name, status_code, currency_code, is_global_account
FROM ras.advertiser_accounts() ORDER BY 1;
SELECT advertiser_account_id FROM ras.advertiser_accounts(is_global_account => true);
SELECT name FROM ras.advertiser_accounts(advertiser_account_ids => '{amzn1.ads-account.g.simvendor2}');
-- a page is never asked below the endpoint's minimum maxResults (10)
SELECT (regress.sim('GET', '/_sim/requests')->>'next')::int AS mark \gset
SELECT count(*) FROM ras.advertiser_accounts(max_rows => 2);
SELECT body->'maxResults' AS max_results FROM pg_temp.calls(:mark);
SELECT idx, ok, id IS NOT NULL AS has_id, error FROM ras.create_advertiser_accounts(
  '[{"displayName": "New Biz", "currencyCode": "USD", "timeZoneIana": "America/Los_Angeles",
     "businessDetails": [{"address": {"addressLine1": "1 Main St", "businessName": "New Biz", "city": "Seattle", "countryCode": "US", "state": "WA", "zipCode": "98101"}, "website": "https://new.example"}]},
    {"displayName": "", "currencyCode": "USD", "timeZoneIana": "America/Los_Angeles",
     "businessDetails": [{"address": {"addressLine1": "1 Main St", "businessName": "X", "city": "Seattle", "countryCode": "US", "state": "WA", "zipCode": "98101"}, "website": "https://x.example"}]}]');
SELECT count(*) AS accounts FROM ras.advertiser_accounts();
SELECT selling_account_link_token, selling_program FROM ras.selling_accounts() ORDER BY 1;
SELECT selling_account_link_token FROM ras.selling_accounts(selling_programs => '{AMAZON_VENDOR}');
SELECT manager_account_id, raw ? 'managerAccountId' AS has_raw FROM ras.manager_accounts() ORDER BY 1;

-- Linked accounts
SELECT account_combination_invitation_id, status FROM ras.account_combination_invitations() ORDER BY 1;
SELECT idx, ok, error FROM ras.create_account_combination_invitations(
  '[{"advertiserAccountId": "amzn1.ads-account.g.simglobal1", "accountsToCombine": [{"accountId": {"advertiserAccountId": "amzn1.ads-account.g.simdspuk3"}, "accountFunction": "BUSINESS_DETAILS_SOURCE"}]},
    {"advertiserAccountId": "amzn1.ads-account.g.simglobal1", "accountsToCombine": [{"accountId": {"advertiserAccountId": "nope"}}]}]');
SELECT regress.try($$SELECT count(*) FROM ras.advertiser_product_group_eligibilities()$$);
SELECT advertiser_product_group_eligibility_id, status, account_id
FROM ras.advertiser_product_group_eligibilities(account_id => 'amzn1.ads-account.g.simglobal1');
-- one item per create: three items are three requests
SELECT (regress.sim('GET', '/_sim/requests')->>'next')::int AS mark \gset
SELECT idx, ok, error FROM ras.create_advertiser_product_group_eligibilities(
  '[{"adProductGroup": "ADSP"}, {"adProductGroup": "ADSP"}]', account_id => 'amzn1.ads-account.g.simvendor2');
SELECT count(*) AS requests FROM pg_temp.calls(:mark);

-- Brand Stores
SELECT store_id, name, profile_id FROM ras.brand_stores(store_names => '{Acme}') ORDER BY 1;
SELECT store_id FROM ras.brand_stores('{Acme,Globex}') ORDER BY 1;
SELECT regress.try($$SELECT * FROM ras.brand_stores(NULL)$$);
-- a GET listing, paged by query string: 120 editions are 3 pages of 50
SELECT (regress.sim('GET', '/_sim/requests')->>'next')::int AS mark \gset
SELECT count(*), min(edition_id), max(edition_id) FROM ras.brand_store_editions('store-acme');
SELECT method, path, query FROM pg_temp.calls(:mark);
SELECT page_id, page_type, store_id FROM ras.brand_store_pages(store_ids => '{store-acme}',
  edition_ids => '{edition-acme-001}', page_ids => '{page-acme-home}');
SELECT regress.try($$SELECT * FROM ras.brand_store_pages(store_ids => '{store-acme}')$$);
SELECT idx, ok, error FROM ras.update_brand_store_pages(
  '[{"pageId": "page-acme-home", "storeId": "store-acme", "content": {"title": "Acme Home", "widgets": []}},
    {"pageId": "page-nope", "storeId": "store-acme", "content": {"title": "x", "widgets": []}}]');
SELECT store_edition_publish_id, publish_status FROM ras.brand_store_edition_publish_versions(
  store_ids => '{store-acme}', edition_ids => '{edition-acme-001}', publish_statuses => '{DRAFT}') ORDER BY 1;
SELECT idx, ok, error FROM ras.update_brand_store_edition_publish_versions(
  '[{"storeEditionPublishId": "pub-acme-001-2", "publishState": "PUBLISH"},
    {"storeEditionPublishId": "pub-nope", "publishState": "PUBLISH"}]');

-- Forecasts
SELECT linear_tv_daypart_id, name FROM ras.linear_tv_dayparts(marketplaces => '{GB}') ORDER BY 1;
SELECT count(*) FROM ras.linear_tv_dayparts(names => '{PRIME_TIME,ALL_DAY}');
SELECT regress.try($$SELECT * FROM ras.linear_tv_reach_forecasts('[{}]')$$);
SET ras.account_id = 'ENTITY1ABC';
SELECT idx, ok, error, linear_tv_reach_percent, marketplace, reach_unit
FROM ras.linear_tv_reach_forecasts('[
  {"startDate": "2030-01-01", "endDate": "2030-01-28", "marketplace": "US", "reachUnit": "HOUSEHOLD",
   "linearTvInventoryAllocation": [{"grossRatingPoint": 150, "inventoryType": "BROADCAST", "linearTvDaypartId": "daypart-prime-time"}]},
  {"startDate": "2030-01-01", "endDate": "2030-01-28", "marketplace": "US", "reachUnit": "INDIVIDUAL",
   "linearTvInventoryAllocation": [{"grossRatingPoint": 100, "inventoryType": "CABLE", "linearTvDaypartId": "daypart-prime-time"}]}]');
SELECT idx, ok, deduplicated_reach_percent, linear_tv_only_reach_percent, streaming_tv_only_reach_percent,
       overlap_reach_percent, streaming_tv_incremental_reach_rate
FROM ras.linear_tv_incremental_reach_forecasts('[
  {"startDate": "2030-01-01", "endDate": "2030-01-10", "marketplace": "US", "reachUnit": "HOUSEHOLD",
   "linearTvInventoryAllocation": [{"grossRatingPoint": 150, "inventoryType": "BROADCAST", "linearTvDaypartId": "daypart-prime-time"}],
   "streamingTvBudgetAllocation": [{"reachForecastId": "rf-1", "budget": {"budgetType": "MONETARY", "recurrenceTimePeriod": "LIFETIME", "budgetValue": {"monetaryBudgetValue": {"monetaryBudget": {"value": 125000}}}}}]}]');
RESET ras.account_id;
