--
-- Product metadata: what can be advertised at a retailer (POST /product/metadata).
-- Paging is by pageIndex at pageSize 300, up to Amazon's 10,000-result cap.
--
SELECT regress.sim('POST', '/_sim/reset') IS NOT NULL AS reset;

-- The product requests the simulator saw since a mark: page and filter per call.
CREATE FUNCTION pg_temp.product_calls(since int) RETURNS TABLE (
    page_index int, page_size int, search text, offer_ids int, retailer_info jsonb)
LANGUAGE sql AS $$
  SELECT (r->'body'->>'pageIndex')::int, (r->'body'->>'pageSize')::int,
         r->'body'->>'searchStr', jsonb_array_length(r->'body'->'retailerOfferIds'),
         r->'body'->'retailerInfo'
  FROM jsonb_array_elements(regress.sim('GET', '/_sim/requests?since=' || since)->'requests') r
  WHERE r->>'path' = '/product/metadata'
  ORDER BY (r->>'seq')::int
$$;
SELECT (regress.sim('GET', '/_sim/requests')->>'next')::int AS mark \gset

-- by search: 1,000 matches arrive on four pages of 300
SELECT count(*) AS products, count(DISTINCT retailer_offer_id) AS distinct_offers,
       bool_and(title ILIKE '%shoes%') AS all_match, bool_and(category = 'Shoes') AS all_shoes
FROM ras.products('retailer-1', search => 'shoes');
SELECT * FROM pg_temp.product_calls(:mark);

-- every column typed; newest first (the API's default order)
SELECT retailer_offer_id, availability, eligibility_status, category,
       price > 0 AS priced, price_currency, basis_price >= price AS basis_ok,
       basis_price_currency, image_url LIKE 'https://%' AS has_image,
       pg_typeof(created_date) AS created_type,
       raw->'ineligibilityCodes' AS ineligibility
FROM ras.products('retailer-3', search => 'shoes', max_rows => 3);

-- by offer ids: more than one call takes (300 a call), duplicates and unknown ids dropped
SELECT (regress.sim('GET', '/_sim/requests')->>'next')::int AS mark \gset
SELECT count(*) AS products, count(DISTINCT retailer_offer_id) AS distinct_offers,
       min(retailer_offer_id), max(retailer_offer_id)
FROM ras.products('retailer-1', offer_ids => (
  SELECT array_agg(format('R1-%s', lpad(i::text, 5, '0')) ORDER BY i) FROM generate_series(1, 650) i)
  || '{R1-00001,R1-99999}'::text[]);
-- the split calls run concurrently: their order is not fixed
SELECT page_index, page_size, offer_ids, retailer_info FROM pg_temp.product_calls(:mark)
ORDER BY page_index, offer_ids DESC;
SELECT retailer_offer_id, availability, eligibility_status
FROM ras.products('retailer-1', offer_ids => '{R1-00020,R1-00010,R1-00007,R1-00001}');

-- browsing stops at the 10,000-result cap: page 33 holds the last 100
SELECT (regress.sim('GET', '/_sim/requests')->>'next')::int AS mark \gset
SELECT count(*) AS products, count(DISTINCT retailer_offer_id) AS distinct_offers
FROM ras.products('retailer-1');
SELECT count(*) AS calls, max(page_index) AS last_page FROM pg_temp.product_calls(:mark);

-- max_rows stops paging: a second page is asked at the same page size
SELECT (regress.sim('GET', '/_sim/requests')->>'next')::int AS mark \gset
SELECT count(*), count(DISTINCT retailer_offer_id) FROM ras.products('retailer-1', search => 'shoes', max_rows => 450);
SELECT page_index, page_size FROM pg_temp.product_calls(:mark);
SELECT count(*) FROM ras.products('retailer-1', max_rows => 0);

-- errors
SELECT regress.try($$SELECT * FROM ras.products(NULL)$$);
SELECT regress.try($$SELECT * FROM ras.products('retailer-9999')$$);
SELECT regress.try($$SELECT * FROM ras.products('retailer-1', search => 'shoes', offer_ids => '{R1-00001}')$$);
