--
-- Retailers: POST /ras/v1/retailers/list, paged by nextToken at 200 a page.
--
SELECT regress.sim('POST', '/_sim/reset') IS NOT NULL AS reset;
SELECT count(*), count(DISTINCT retailer_id) FROM ras.retailers();
-- 450 retailers at 200 a page: three requests
SELECT regress.sim('GET', '/_sim/stats')->'by_route'->>'POST /ras/v1/retailers/list' AS list_calls;
SELECT status, count(*) FROM ras.retailers() GROUP BY status ORDER BY status;
SELECT retailer_id, name, domain, status FROM ras.retailers(retailer_ids => '{retailer-1,retailer-10,retailer-50,missing}') ORDER BY retailer_id;
-- more ids than one call takes (100) are split into several calls and merged
SELECT count(*) FROM ras.retailers(retailer_ids => (SELECT array_agg('retailer-' || i) FROM generate_series(1, 250) i));
-- duplicates in the filter do not duplicate rows
SELECT count(*) FROM ras.retailers(retailer_ids => (SELECT array_agg('retailer-' || (i % 120 + 1)) FROM generate_series(1, 240) i));
-- max_rows stops paging early
SELECT regress.sim('POST', '/_sim/reset') IS NOT NULL AS reset;
SELECT count(*) FROM ras.retailers(max_rows => 5);
SELECT regress.sim('GET', '/_sim/stats')->'by_route'->>'POST /ras/v1/retailers/list' AS list_calls;
-- an explicit profile overrides ras.profile_id
SELECT count(*) FROM ras.retailers(profile_id => '2345678901', max_rows => 3);
