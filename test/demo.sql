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

-- == 8. Campaign management ================================================
-- PLACEHOLDER: campaigns, ad groups, product ads and targets go here once the
-- C side implements them (create an auto campaign, list it, pause it, archive it).
-- ==========================================================================

\echo
\echo '== Done. Everything above ran against the simulator; see README.md for the real API.'
