--
-- Foreign tables: IMPORT FOREIGN SCHEMA, pushdown (checked in the
-- simulator's request log), lazy paging, projection, EXPLAIN, refused writes
-- and DDL, and a view reached by another role.
--
SELECT regress.sim('POST', '/_sim/reset') IS NOT NULL AS reset;
CREATE SCHEMA amazon;
IMPORT FOREIGN SCHEMA ras FROM SERVER amazon_ads INTO amazon;
SELECT foreign_table_name, option_value AS entity
FROM information_schema.foreign_tables t
JOIN information_schema.foreign_table_options o USING (foreign_table_schema, foreign_table_name)
WHERE t.foreign_table_schema = 'amazon' AND o.option_name = 'entity' ORDER BY 1;
\d amazon.targets
-- LIMIT TO / EXCEPT
CREATE SCHEMA amazon2;
IMPORT FOREIGN SCHEMA ras LIMIT TO (campaigns, retailers) FROM SERVER amazon_ads INTO amazon2;
SELECT foreign_table_name FROM information_schema.foreign_tables WHERE foreign_table_schema = 'amazon2' ORDER BY 1;
SELECT regress.try($$IMPORT FOREIGN SCHEMA public FROM SERVER amazon_ads INTO amazon2$$);

-- The requests a statement made, as method, path and body.
CREATE FUNCTION pg_temp.calls(since int) RETURNS TABLE (method text, path text, body jsonb)
LANGUAGE sql AS $$
  SELECT r->>'method', r->>'path', r->'body'
  FROM jsonb_array_elements(regress.sim('GET', '/_sim/requests?since=' || since)->'requests') r
  WHERE r->>'path' NOT LIKE '/auth/%'
$$;

-- a table scan equals the function
SELECT (SELECT count(*) FROM amazon.retailers) AS table_rows,
       (SELECT count(*) FROM ras.retailers()) AS function_rows;
-- pushdown: = ANY, IN, =, and the quals still checked locally
SELECT (regress.sim('GET', '/_sim/requests')->>'next')::int AS mark \gset
SELECT retailer_id, name, status FROM amazon.retailers
WHERE retailer_id = ANY('{retailer-1,retailer-20,retailer-300}') AND status = 'ACTIVE' ORDER BY 1;
SELECT method, path, body FROM pg_temp.calls(:mark);
SELECT (regress.sim('GET', '/_sim/requests')->>'next')::int AS mark \gset
SELECT retailer_id FROM amazon.retailers WHERE retailer_id IN ('retailer-7', 'retailer-8') ORDER BY 1;
SELECT body FROM pg_temp.calls(:mark);
-- a qual the API cannot express stays local only
SELECT (regress.sim('GET', '/_sim/requests')->>'next')::int AS mark \gset
SELECT count(*) FROM amazon.retailers WHERE name LIKE 'Retailer 1%';
SELECT count(*) AS calls, bool_and(NOT body ? 'retailerIdFilter') AS unfiltered FROM pg_temp.calls(:mark);

-- LIMIT: one request, asking for no more than is needed
SELECT (regress.sim('GET', '/_sim/requests')->>'next')::int AS mark \gset
SELECT count(*) FROM (SELECT * FROM amazon.retailers LIMIT 10) l;
SELECT count(*) AS calls, max((body->>'maxResults')::int) AS max_results FROM pg_temp.calls(:mark);

-- EXPLAIN shows the endpoint and the filters sent, never a secret
EXPLAIN (VERBOSE, COSTS OFF)
SELECT retailer_id FROM amazon.retailers WHERE retailer_id = ANY('{retailer-1,retailer-2}') AND name <> 'x';
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT retailer_id FROM amazon.retailers WHERE retailer_id = ANY('{retailer-1,retailer-2}');

-- writes are refused, naming the function to use
SELECT regress.try($$INSERT INTO amazon.campaigns (name) VALUES ('x')$$);
SELECT regress.try($$UPDATE amazon.campaigns SET name = 'x'$$);
SELECT regress.try($$DELETE FROM amazon.targets$$);

-- hand-written tables: a subset of columns, a field by its JSON path
CREATE FOREIGN TABLE amazon.my_retailers (retailer_id text, domain text,
  name_again text OPTIONS (path 'name')) SERVER amazon_ads OPTIONS (entity 'retailers');
SELECT * FROM amazon.my_retailers WHERE retailer_id = 'retailer-3';
-- bad DDL is refused with what is valid
SELECT regress.try($$CREATE FOREIGN TABLE amazon.bad1 (x text) SERVER amazon_ads OPTIONS (entity 'nope')$$);
SELECT regress.try($$CREATE FOREIGN TABLE amazon.bad2 (nope text) SERVER amazon_ads OPTIONS (entity 'retailers')$$);
SELECT regress.try($$CREATE FOREIGN TABLE amazon.bad3 (name int) SERVER amazon_ads OPTIONS (entity 'retailers')$$);
SELECT regress.try($$CREATE FOREIGN TABLE amazon.bad4 (x text OPTIONS (path 'a..b')) SERVER amazon_ads OPTIONS (entity 'retailers')$$);
SELECT regress.try($$CREATE FOREIGN TABLE amazon.bad5 (x text) SERVER amazon_ads OPTIONS (entity 'retailers', colour 'red')$$);
SELECT regress.try($$ALTER FOREIGN TABLE amazon.my_retailers ADD COLUMN wrong text$$);

-- the scope: WHERE profile_id = ... picks it, the column shows it
SELECT (regress.sim('GET', '/_sim/requests')->>'next')::int AS mark \gset
SELECT DISTINCT profile_id FROM amazon.retailers WHERE profile_id = '3456789012' AND retailer_id = 'retailer-5';
SELECT DISTINCT profile_id FROM amazon.retailers WHERE retailer_id = 'retailer-5';
SELECT profile_id, count(*) FROM amazon.retailers
WHERE profile_id IN ('1234567890', '3456789012') AND retailer_id = 'retailer-5' GROUP BY 1 ORDER BY 1;
SELECT coalesce(r->'headers'->>'Amazon-Advertising-API-Scope', r->'headers'->>'amazon-advertising-api-scope') AS scope_header, count(*)
FROM jsonb_array_elements(regress.sim('GET', '/_sim/requests?since=' || :mark)->'requests') r
WHERE r->>'path' LIKE '/ras/%' GROUP BY 1 ORDER BY 1;

-- booleans, negation, a required filter's column (products), parameters
SELECT count(*) FILTER (WHERE ok) AS campaigns FROM ras.create_campaigns('[{"name": "FDW", "budget": {"budget": 10, "budgetType": "DAILY"}, "targetingType": "MANUAL", "state": "ENABLED", "dynamicBidding": {"strategy": "MANUAL"}}]');
SELECT count(*) FILTER (WHERE ok) AS ad_groups FROM ras.create_ad_groups((
  SELECT jsonb_agg(jsonb_build_object('name', 'FDW group', 'campaignId', campaign_id, 'defaultBid', 0.5,
                                      'state', 'ENABLED', 'retailerId', 'retailer-1'))
  FROM ras.campaigns(names => '{FDW}')));
SELECT count(*) FILTER (WHERE ok) AS targets FROM ras.create_targets((
  SELECT jsonb_agg(jsonb_build_object('campaignId', g.campaign_id, 'adGroupId', g.ad_group_id,
         'state', 'ENABLED', 'negative', n, 'targetType', 'KEYWORD',
         'targetDetails', jsonb_build_object('keywordTarget', jsonb_build_object('matchType', 'EXACT', 'keyword', k)))
         || CASE WHEN n THEN '{}'::jsonb ELSE '{"bid": {"bid": 0.4}}'::jsonb END)
  FROM ras.ad_groups(names => '{FDW group}') g, (VALUES ('red shoes', false), ('blue shoes', false), ('cheap', true)) v(k, n)));
SELECT (regress.sim('GET', '/_sim/requests')->>'next')::int AS mark \gset
SELECT keyword, bid FROM amazon.targets WHERE NOT negative AND state = 'ENABLED' ORDER BY 1;
SELECT keyword FROM amazon.targets WHERE negative;
SELECT body - 'maxResults' AS body FROM pg_temp.calls(:mark);
SELECT regress.try($$SELECT count(*) FROM amazon.products$$);
SELECT retailer_id, count(*) FROM amazon.products WHERE retailer_id = 'retailer-1' AND retailer_offer_id = 'R1-00003' GROUP BY 1;
PREPARE by_state(text) AS SELECT count(*) FROM amazon.targets WHERE state = $1;
EXECUTE by_state('ENABLED');
EXECUTE by_state('PAUSED');
-- a warehouse table joined through = ANY(ARRAY(SELECT ...)): one filter
CREATE TABLE wanted (keyword text);
INSERT INTO wanted VALUES ('red shoes'), ('cheap');
SELECT (regress.sim('GET', '/_sim/requests')->>'next')::int AS mark \gset
SELECT keyword FROM amazon.targets WHERE keyword = ANY(ARRAY(SELECT keyword FROM wanted)) ORDER BY 1;
SELECT count(*) AS calls, min(body->'keywordFilter'->>'queryTermMatchType') AS match FROM pg_temp.calls(:mark);

-- projection: only the columns used are formed (raw is never built for a count)
SELECT count(*) FROM amazon.targets;
-- a view reached by another role uses the view owner's user mapping
CREATE ROLE fdw_reader NOLOGIN;
GRANT USAGE ON SCHEMA regress TO fdw_reader;  -- for regress.try only
CREATE VIEW enabled_targets AS SELECT keyword FROM amazon.targets WHERE state = 'ENABLED';
GRANT SELECT ON enabled_targets TO fdw_reader;
SET ROLE fdw_reader;
SELECT count(*) AS through_view FROM enabled_targets;
SELECT regress.try($$SELECT count(*) FROM amazon.targets$$);
RESET ROLE;
DROP VIEW enabled_targets;
REVOKE USAGE ON SCHEMA regress FROM fdw_reader;
DROP ROLE fdw_reader;
