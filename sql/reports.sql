--
-- Sponsored Products reports (reporting v3): validation before sending,
-- every report type, reuse, 425 adoption, failures, cancelling, expired
-- download URLs, and loading a table over a restated window.
-- No date, report id or metric value is printed: they change every day.
--
SELECT regress.sim('POST', '/_sim/reset') IS NOT NULL AS reset;
-- reports complete at their first status read unless a test says otherwise
SELECT regress.sim('POST', '/_sim/reports/delay', '{"seconds": 0}');

-- What the simulator saw: report requests (POST) and file downloads.
CREATE FUNCTION pg_temp.report_posts() RETURNS bigint LANGUAGE sql AS $$
  SELECT coalesce((regress.sim('GET', '/_sim/stats')->'by_route'->>'POST /reporting/reports')::bigint, 0)
$$;
-- Masks report ids (UUIDs) in messages.
CREATE FUNCTION pg_temp.masked(statement text) RETURNS text LANGUAGE sql AS $$
  SELECT regexp_replace(regress.try(statement), '[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}', '<report>', 'g')
$$;

-- A manual campaign (two keyword targets) and an auto campaign (four auto
-- targets), each with one ad group and two product ads.
SELECT count(*) FILTER (WHERE ok) AS campaigns FROM ras.create_campaigns('[
  {"name": "Report manual", "budget": {"budget": 20, "budgetType": "DAILY"}, "targetingType": "MANUAL",
   "state": "ENABLED", "dynamicBidding": {"strategy": "MANUAL", "placementBidding": []}},
  {"name": "Report auto", "budget": {"budget": 10, "budgetType": "DAILY"}, "targetingType": "AUTO",
   "state": "ENABLED", "dynamicBidding": {"strategy": "MANUAL", "placementBidding": []}}]');
SELECT count(*) FILTER (WHERE ok) AS ad_groups FROM ras.create_ad_groups((
  SELECT jsonb_agg(jsonb_build_object('name', name || ' group', 'campaignId', campaign_id,
         'defaultBid', 0.5, 'state', 'ENABLED', 'retailerId', 'retailer-1'))
  FROM ras.campaigns()));
SELECT count(*) FILTER (WHERE ok) AS product_ads FROM ras.create_product_ads((
  SELECT jsonb_agg(jsonb_build_object('campaignId', campaign_id, 'adGroupId', ad_group_id,
         'state', 'ENABLED', 'retailerId', 'retailer-1', 'retailerOfferId', offer))
  FROM ras.ad_groups(), unnest('{R1-00001,R1-00002}'::text[]) offer));
SELECT count(*) FILTER (WHERE ok) AS keyword_targets FROM ras.create_targets((
  SELECT jsonb_agg(jsonb_build_object('campaignId', g.campaign_id, 'adGroupId', g.ad_group_id,
         'state', 'ENABLED', 'negative', false, 'targetType', 'KEYWORD',
         'targetDetails', jsonb_build_object('keywordTarget',
             jsonb_build_object('matchType', 'BROAD', 'keyword', k)),
         'bid', '{"bid": 0.9}'::jsonb))
  FROM ras.ad_groups() g JOIN ras.campaigns() c USING (campaign_id),
       unnest('{running shoes,trail shoes}'::text[]) k
  WHERE c.targeting_type = 'MANUAL'));

-- The catalogue.
SELECT report_type, group_by, default_group_by AS dflt, max_days, retention_days,
       grain_key, cardinality(columns) AS columns, filters
FROM ras.report_types();
SELECT * FROM ras.report_columns('spTargeting');
SELECT * FROM ras.report_columns('spCampaigns', '{campaign,adGroup}', '{clicks,cost}', with_key => true);

-- Refused before anything is sent: one bad column would fail the whole report at Amazon.
SELECT pg_temp.report_posts() AS posts_before \gset
SELECT regress.try($$SELECT ras.report('spCampaigns', current_date - 2, current_date - 1,
                                        columns => '{clicks,keywordId,bogus}')$$);
SELECT regress.try($$SELECT ras.report('spTargets', current_date - 2, current_date - 1)$$);
SELECT regress.try($$SELECT ras.report('spCampaigns', current_date - 2, current_date - 1,
                                        group_by => '{adGroup,campaignPlacement}')$$);
SELECT regress.try($$SELECT ras.report('spTargeting', current_date - 2, current_date - 1,
                                        group_by => '{campaign}')$$);
SELECT regress.try($$SELECT ras.report('spTargeting', current_date - 2, current_date - 1,
                                        time_unit => 'SUMMARY', columns => '{date,clicks}')$$);
SELECT regress.try($$SELECT ras.report('spTargeting', current_date - 2, current_date - 1,
                                        columns => '{startDate,clicks}')$$);
SELECT regress.try($$SELECT ras.report('spTargeting', current_date - 2, current_date - 1,
                                        time_unit => 'WEEKLY')$$);
SELECT regress.try($$SELECT ras.report('spAdvertisedProduct', current_date - 2, current_date - 1,
                                        filters => '{"campaignStatus": ["ENABLED"]}')$$);
SELECT regress.try($$SELECT ras.report('spTargeting', current_date - 2, current_date - 1,
                                        filters => '{"keywordType": ["BROAD", "FUZZY"]}')$$);
SELECT regress.try($$SELECT ras.report('spCampaigns', current_date - 2, current_date - 1,
                                        group_by => '{campaign,adGroup}',
                                        filters => '{"campaignStatus": "ENABLED"}')$$);
SELECT regress.try($$SELECT ras.report('spTargeting', current_date - 1, current_date - 2)$$);
SELECT regexp_replace(regress.try($$SELECT ras.report('spTargeting', current_date - 96, current_date - 1)$$),
                      '\d{4}-\d\d-\d\d', '<date>');
SELECT regress.try($$SELECT ras.report('spTargeting', current_date, current_date + 5)$$);
SELECT regress.try($$CALL ras.sync_report('report_bad', 'spTargeting', columns => '{clicks,nope}')$$);
SELECT pg_temp.report_posts() - :posts_before AS posts_sent;

-- Every report type, with its default columns and with chosen ones.  Each
-- row has exactly the columns asked for; one row per entity and day.
CREATE TEMP TABLE cases (n serial, report_type text, group_by text[], columns text[]);
INSERT INTO cases (report_type, group_by, columns) VALUES
  ('spCampaigns', NULL, NULL),
  ('spCampaigns', '{adGroup}', NULL),
  ('spCampaigns', '{campaignPlacement}', NULL),
  ('spCampaigns', '{campaign,adGroup}', '{date,campaignId,adGroupId,clicks,spend}'),
  ('spTargeting', NULL, NULL),
  ('spTargeting', NULL, '{date,keywordId,keyword,clicks,sales14d,topOfSearchImpressionShare}'),
  ('spSearchTerm', NULL, NULL),
  ('spSearchTerm', NULL, '{date,keywordId,searchTerm,clicks}'),
  ('spGrossAndInvalids', NULL, NULL),
  ('spGrossAndInvalids', NULL, '{date,campaignName,invalidClickThroughs}'),
  ('spAdvertisedProduct', NULL, NULL),
  ('spAdvertisedProduct', NULL, '{date,adId,advertisedAsin,spend}');
CREATE TEMP TABLE got AS
SELECT c.n, c.report_type, c.group_by, c.columns IS NOT NULL AS chosen, r.ids
FROM cases c,
     LATERAL (SELECT ras.report(c.report_type, current_date - 2, current_date - 1,
                                c.group_by, c.columns) AS ids) r;
SELECT g.report_type, g.group_by, g.chosen, cardinality(g.ids) AS reports,
       CASE WHEN g.report_type = 'spSearchTerm' THEN (count(*) > 0)::text
            ELSE count(*)::text END AS rows,
       bool_and(keys = (SELECT array_agg(api_name ORDER BY api_name)
                        FROM ras.report_columns(c.report_type, c.group_by, c.columns))) AS exact_columns
FROM got g JOIN cases c USING (n),
     LATERAL ras.report_rows(g.ids) row,
     LATERAL (SELECT array_agg(k ORDER BY k) AS keys FROM jsonb_object_keys(row) k) k
GROUP BY g.n, g.report_type, g.group_by, g.chosen, g.ids ORDER BY g.n;

-- Values have their JSON types: ids strings, counts integers, money numbers.
SELECT jsonb_typeof(r->'keywordId') AS id, jsonb_typeof(r->'clicks') AS clicks,
       jsonb_typeof(r->'cost') AS cost, r->>'campaignBudgetCurrencyCode' AS currency
FROM got, ras.report_rows(ids) r WHERE report_type = 'spTargeting' AND NOT chosen LIMIT 1;

-- Placement rows add up to their campaign's rows.
SELECT bool_and(p.clicks = c.clicks AND p.impressions = c.impressions) AS placements_add_up
FROM (SELECT r->>'campaignId' id, r->>'date' d, sum((r->>'clicks')::int) clicks,
             sum((r->>'impressions')::int) impressions
      FROM got, ras.report_rows(ids) r WHERE group_by = '{campaignPlacement}' GROUP BY 1, 2) p
JOIN (SELECT r->>'campaignId' id, r->>'date' d, (r->>'clicks')::int clicks,
             (r->>'impressions')::int impressions
      FROM got, ras.report_rows(ids) r WHERE report_type = 'spCampaigns' AND group_by IS NULL) c
  USING (id, d);

-- SUMMARY, filters, and a range longer than a report allows (31 days: cut in three).
SELECT count(*) AS rows, bool_and(r ? 'startDate' AND r ? 'endDate' AND NOT r ? 'date') AS summary
FROM ras.report_rows(ras.report('spTargeting', current_date - 5, current_date - 1,
                                time_unit => 'SUMMARY')) r;
SELECT count(*) AS rows, array_agg(DISTINCT r->>'keywordType') AS types
FROM ras.report_rows(ras.report('spTargeting', current_date - 2, current_date - 1,
                                filters => '{"keywordType": ["BROAD"]}')) r;
SELECT cardinality(ids) AS reports,
       (SELECT count(*) FROM ras.report_rows(ids)) AS rows,
       (SELECT count(DISTINCT r->>'date') FROM ras.report_rows(ids) r) AS days
FROM ras.report('spAdvertisedProduct', current_date - 70, current_date - 1) ids;
SELECT report_type, (end_date - start_date + 1) AS days, status
FROM ras.report_jobs WHERE report_type = 'spAdvertisedProduct' AND start_date < current_date - 3
ORDER BY start_date;

-- Asking again for the same report reuses it; max_age => '0' asks for a fresh one.
SELECT pg_temp.report_posts() AS posts_before \gset
SELECT ras.report('spTargeting', current_date - 2, current_date - 1) = ids AS reused
FROM got WHERE report_type = 'spTargeting' AND NOT chosen;
SELECT pg_temp.report_posts() - :posts_before AS posts_sent;
SELECT ras.report('spTargeting', current_date - 2, current_date - 1, max_age => '0') <> ids AS fresh
FROM got WHERE report_type = 'spTargeting' AND NOT chosen;
SELECT pg_temp.report_posts() - :posts_before AS posts_sent;

-- The SQL on ras.report_jobs names pg_catalog's operators and types: a
-- search_path with other ones first changes nothing (the report is reused).
CREATE SCHEMA evil;
CREATE FUNCTION evil.never(text, text) RETURNS boolean LANGUAGE sql AS 'SELECT false';
CREATE OPERATOR evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.never);
CREATE DOMAIN evil.date AS pg_catalog.date CHECK (VALUE IS NULL);
SELECT pg_temp.report_posts() AS posts_before \gset
SET search_path = evil, pg_catalog, public;
SELECT cardinality(ras.report('spTargeting', current_date - 2, current_date - 1)) AS reports;
RESET search_path;
SELECT pg_temp.report_posts() - :posts_before AS posts_sent;
SET client_min_messages = warning;
DROP SCHEMA evil CASCADE;
RESET client_min_messages;

-- The download is a plain GET of the pre-signed URL: no Amazon header.
SELECT DISTINCT (SELECT array_agg(h ORDER BY h) FROM jsonb_object_keys(r->'headers') h) AS headers
FROM jsonb_array_elements(regress.sim('GET', '/_sim/requests')->'requests') r
WHERE r->>'path' LIKE '/_download/%';

-- An expired URL: storage answers 403; asking for the status again gives a fresh one.
SELECT ids AS placement_ids FROM got WHERE group_by = '{campaignPlacement}' \gset
SELECT count(*) AS rows FROM ras.report_rows(:'placement_ids'::text[]);
SELECT (regress.sim('POST', '/_sim/reports/expire_urls')->>'expired')::int > 0 AS expired;
SELECT (regress.sim('GET', '/_sim/requests')->>'next')::int AS mark \gset
SELECT count(*) AS rows FROM ras.report_rows(:'placement_ids'::text[]);
SELECT CASE WHEN r->>'path' LIKE '/_download/%' THEN 'download' ELSE 'status' END AS call,
       r->>'status' AS http_status
FROM jsonb_array_elements(regress.sim('GET', '/_sim/requests?since=' || :mark)->'requests') r
ORDER BY (r->>'seq')::int;

-- Download URLs need no credentials, so the session keeps them per user
-- mapping: another role, whose user mapping holds a wrong client secret,
-- cannot read the report through the URL fetched above.
CREATE ROLE ras_report_reader;
GRANT USAGE ON SCHEMA ras, regress TO ras_report_reader;
GRANT SELECT, INSERT, UPDATE ON ras.report_jobs TO ras_report_reader;
GRANT USAGE ON FOREIGN SERVER amazon_ads TO ras_report_reader;
CREATE USER MAPPING FOR ras_report_reader SERVER amazon_ads
  OPTIONS (client_id 'amzn1.application-oa2-client.sim', client_secret 'wrong-secret',
           refresh_token 'Atzr|sim-refresh-token');
SET ROLE ras_report_reader;
SELECT regress.try(format('SELECT count(*) FROM ras.report_rows(%L::text[])', :'placement_ids'));
RESET ROLE;
SELECT count(*) AS rows FROM ras.report_rows(:'placement_ids'::text[]);
DROP USER MAPPING FOR ras_report_reader SERVER amazon_ads;
DROP OWNED BY ras_report_reader;
DROP ROLE ras_report_reader;

-- A report that fails at Amazon says so, and is not reused.
SELECT regress.sim('POST', '/_sim/reports/fail_next', '{"reason": "Internal error: please retry"}');
SELECT pg_temp.masked($$SELECT ras.report('spAdvertisedProduct', current_date - 3, current_date - 1)$$);
SELECT cardinality(ras.report('spAdvertisedProduct', current_date - 3, current_date - 1)) AS asked_again;
SELECT regress.sim('POST', '/_sim/reports/fail_next');
SELECT status, failure_reason
FROM ras.report_wait(ras.report_request('spSearchTerm', current_date - 3, current_date - 1));

-- Slow reports: the non-blocking pair, the timeout, cancelling, 425.
SELECT regress.sim('POST', '/_sim/reports/delay', '{"seconds": 600}');
SELECT ras.report_request('spCampaigns', current_date - 3, current_date - 1) AS slow \gset
SELECT status, report_type, time_unit, file_size FROM ras.report_wait(:'slow'::text[]);
SELECT pg_temp.masked($$SELECT ras.report('spCampaigns', current_date - 3, current_date - 1,
                                           timeout => '1 second')$$);
SELECT pg_temp.masked($$SELECT count(*) FROM ras.report_rows('$$ || (:'slow'::text[])[1] || $$')$$);
-- the record of a request is lost (say, rolled back): Amazon's 425 names the report, which is adopted
DELETE FROM ras.report_jobs WHERE report_id = (:'slow'::text[])[1];
SELECT pg_temp.report_posts() AS posts_before \gset
SELECT ras.report_request('spCampaigns', current_date - 3, current_date - 1) = :'slow'::text[] AS adopted;
SELECT pg_temp.report_posts() - :posts_before AS posts_sent;
SELECT status, config_hash IS NOT NULL AS has_hash FROM ras.report_jobs WHERE report_id = (:'slow'::text[])[1];
-- cancel
SELECT status, completed_at IS NOT NULL AS done FROM ras.report_cancel((:'slow'::text[])[1]);
SELECT status FROM ras.report_status((:'slow'::text[])[1]);
SELECT pg_temp.masked($$SELECT count(*) FROM ras.report_rows('$$ || (:'slow'::text[])[1] || $$')$$);
SELECT pg_temp.masked($$SELECT * FROM ras.report_cancel('$$ || (got.ids)[1] || $$')$$)
FROM got WHERE report_type = 'spTargeting' AND NOT chosen;
SELECT pg_temp.masked($$SELECT * FROM ras.report_status('00000000-0000-4000-8000-000000000000')$$);
-- report ids become part of a URL path: anything but letters, digits, '.', '_' and '-' is refused
SELECT (regress.sim('GET', '/_sim/requests')->>'next')::int AS mark \gset
SELECT regress.try($$SELECT * FROM ras.report_cancel('../../ras/v1/campaigns')$$);
SELECT regress.try($$SELECT * FROM ras.report_status('..')$$);
SELECT regress.try($$SELECT * FROM ras.report_wait('{00000000-0000-4000-8000-000000000000,a?b=c}')$$);
SELECT regress.try($$SELECT count(*) FROM ras.report_rows('a%2Fb')$$);
SELECT jsonb_array_length(regress.sim('GET', '/_sim/requests?since=' || :mark)->'requests') AS requests_sent;

-- Loading: CALL ras.sync_report keeps a table in step.  Run from pg_cron
-- with wait 0: one run requests, a later run loads.
SET client_min_messages = notice;
CREATE SCHEMA analytics;
CALL ras.sync_report('analytics.sp_targeting_daily', 'spTargeting', lookback_days => 7);
CALL ras.sync_report('analytics.sp_targeting_daily', 'spTargeting', lookback_days => 7);
SELECT regress.sim('POST', '/_sim/reports/advance', '{"seconds": 900}')->>'advanced' AS advanced;
CALL ras.sync_report('analytics.sp_targeting_daily', 'spTargeting', lookback_days => 7);
CALL ras.sync_report('analytics.sp_targeting_daily', 'spTargeting', lookback_days => 7);
SELECT regress.sim('POST', '/_sim/reports/delay', '{"seconds": 0}');
\d analytics.sp_targeting_daily
SELECT count(*) AS rows, count(DISTINCT (date, campaign_id, ad_group_id, keyword_id)) AS grains,
       count(DISTINCT date) AS days, count(DISTINCT keyword_id) AS targets
FROM analytics.sp_targeting_daily;
SELECT target, rows_loaded, loaded_at IS NOT NULL AS loaded FROM ras.report_loads;

-- Amazon restates recent days: loading the window again replaces their
-- numbers, leaves older days alone, and duplicates nothing.
CREATE TEMP TABLE before AS SELECT * FROM analytics.sp_targeting_daily;
SELECT regress.sim('POST', '/_sim/reports/restate')->>'generation' AS generation;
CALL ras.sync_report('analytics.sp_targeting_daily', 'spTargeting', lookback_days => 7,
                     wait => '1 minute', refresh => true);
SELECT count(*) AS rows, count(DISTINCT (date, campaign_id, ad_group_id, keyword_id)) AS grains
FROM analytics.sp_targeting_daily;
SELECT CASE WHEN a.date = current_date - 1 THEN 'yesterday'
            WHEN a.date <= current_date - 4 THEN 'settled' END AS days,
       count(*) AS rows,
       count(*) FILTER (WHERE (a.impressions, a.clicks, a.cost) IS DISTINCT FROM
                              (b.impressions, b.clicks, b.cost)) AS restated,
       count(*) FILTER (WHERE a.report_id <> b.report_id) AS from_new_report
FROM analytics.sp_targeting_daily a JOIN before b USING (date, campaign_id, ad_group_id, keyword_id)
WHERE a.date = current_date - 1 OR a.date <= current_date - 4
GROUP BY 1 ORDER BY 1;

-- Chosen columns and another grain: the key columns are added to those asked for.
CALL ras.sync_report('analytics.campaign_daily', 'spCampaigns',
                     group_by => '{campaign,adGroup}', columns => '{campaignName,adGroupName,clicks,cost}',
                     lookback_days => 3, wait => '1 minute');
\d analytics.campaign_daily
SELECT count(*) AS rows, count(DISTINCT ad_group_id) AS ad_groups FROM analytics.campaign_daily;
-- a column asked for later is added to the table
CALL ras.sync_report('analytics.campaign_daily', 'spCampaigns',
                     group_by => '{campaign,adGroup}', columns => '{campaignName,adGroupName,clicks,cost,impressions}',
                     lookback_days => 3, wait => '1 minute');
SELECT count(*) AS rows, count(impressions) AS with_impressions FROM analytics.campaign_daily;

SELECT regress.try($$CALL ras.sync_report('a.b.c', 'spTargeting')$$);
SELECT regress.try($$CALL ras.sync_report('analytics.x', 'spTargeting', lookback_days => 0)$$);
SELECT regress.sim('POST', '/_sim/reports/delay', 'null') ? 'report_delay' AS delay_reset;
