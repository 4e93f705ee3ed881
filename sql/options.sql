--
-- Server and user mapping options are checked when they are written.
--
-- unknown options list what is valid
CREATE SERVER bad FOREIGN DATA WRAPPER ras OPTIONS (endpoint 'x');
CREATE SERVER bad FOREIGN DATA WRAPPER ras OPTIONS (client_id 'x');
-- bad region
CREATE SERVER bad FOREIGN DATA WRAPPER ras OPTIONS (region 'US');
-- lower case region is fine
CREATE SERVER eu FOREIGN DATA WRAPPER ras OPTIONS (region 'eu');
-- a token must never travel in clear text off this machine
CREATE SERVER bad FOREIGN DATA WRAPPER ras OPTIONS (api_url 'http://advertising-api.amazon.com');
CREATE SERVER bad FOREIGN DATA WRAPPER ras OPTIONS (token_url 'ftp://127.0.0.1/token');
CREATE SERVER bad FOREIGN DATA WRAPPER ras OPTIONS (api_url 'not a url');
-- loopback means an address literal in 127.0.0.0/8, ::1 or localhost, not a name
CREATE SERVER bad FOREIGN DATA WRAPPER ras OPTIONS (api_url 'http://127.attacker.example/');
CREATE SERVER bad FOREIGN DATA WRAPPER ras OPTIONS (token_url 'http://127.0.0.1.nip.io/token');
ALTER SERVER eu OPTIONS (ADD api_url 'https://advertising-api-eu.amazon.com');
ALTER SERVER eu OPTIONS (ADD token_url 'http://127.0.0.2:1/auth/o2/token');
ALTER SERVER eu OPTIONS (SET token_url 'http://[::1]:1/auth/o2/token');
ALTER SERVER eu OPTIONS (SET token_url 'http://localhost:1/auth/o2/token');
-- user mapping options
CREATE USER MAPPING FOR CURRENT_USER SERVER eu OPTIONS (password 'x');
CREATE USER MAPPING FOR CURRENT_USER SERVER eu OPTIONS (client_id '');
CREATE USER MAPPING FOR CURRENT_USER SERVER eu OPTIONS (client_id 'only-an-id');
-- with two servers, a call must say which
SELECT regress.try('SELECT * FROM ras.profiles()');
SELECT regress.try($$SELECT * FROM ras.profiles(server => 'nope')$$);
SET ras.server = 'eu';
SELECT regress.try('SELECT * FROM ras.profiles()');
RESET ras.server;
-- only a superuser may point a server at another endpoint
CREATE ROLE ras_user;
GRANT USAGE ON FOREIGN DATA WRAPPER ras TO ras_user;
GRANT USAGE ON SCHEMA ras, regress TO ras_user;
SET ROLE ras_user;
CREATE SERVER mine FOREIGN DATA WRAPPER ras OPTIONS (region 'FE');
ALTER SERVER mine OPTIONS (ADD api_url 'https://evil.example.com');
-- no user mapping for this role
SELECT regress.try($$SELECT * FROM ras.profiles(server => 'mine')$$);
-- a server needs USAGE, whatever user mapping there is
RESET ROLE;
CREATE USER MAPPING FOR ras_user SERVER amazon_ads
  OPTIONS (client_id 'amzn1.application-oa2-client.sim',
           client_secret 'sim-client-secret',
           refresh_token 'Atzr|sim-refresh-token');
CREATE USER MAPPING FOR PUBLIC SERVER eu
  OPTIONS (client_id 'x', client_secret 'x', refresh_token 'x');
SET ROLE ras_user;
SELECT regress.try($$SELECT * FROM ras.profiles(server => 'amazon_ads')$$);
SET ras.server = 'eu';
SELECT regress.try('SELECT * FROM ras.profiles()');
RESET ras.server;
-- without a name, only the servers the role may use count: here its own
SELECT regress.try('SELECT * FROM ras.profiles()');
DROP SERVER mine;
SELECT regress.try('SELECT * FROM ras.profiles()');
-- with USAGE on one of the two servers left, that one is the server
RESET ROLE;
GRANT USAGE ON FOREIGN SERVER amazon_ads TO ras_user;
SET ROLE ras_user;
SELECT count(*) > 0 AS ok FROM ras.profiles();
RESET ROLE;
REVOKE USAGE ON FOREIGN SERVER amazon_ads FROM ras_user;
DROP USER MAPPING FOR ras_user SERVER amazon_ads;
DROP USER MAPPING FOR PUBLIC SERVER eu;
DROP USER MAPPING FOR CURRENT_USER SERVER eu;
DROP SERVER eu;
-- a role without USAGE on the only server is told so
SET ROLE ras_user;
SELECT regress.try('SELECT * FROM ras.profiles()');
RESET ROLE;
REVOKE USAGE ON FOREIGN DATA WRAPPER ras FROM ras_user;
REVOKE USAGE ON SCHEMA ras, regress FROM ras_user;
DROP ROLE ras_user;
-- the profile must be known, and numeric
SELECT regress.try($$SELECT * FROM ras.campaigns(profile_id => 'abc')$$);
SET ras.profile_id = '';
SELECT regress.try('SELECT * FROM ras.campaigns()');
RESET ras.profile_id;
-- filter values are checked before any request
SELECT regress.try($$SELECT * FROM ras.campaigns(states => '{LIVE}')$$);
SELECT regress.try($$SELECT * FROM ras.targets(match_types => '{EXACT,FUZZY}')$$);
SELECT regress.try($$SELECT * FROM ras.campaigns(names => '{x}', name_match => 'FUZZY')$$);
SELECT regress.try($$SELECT * FROM ras.campaigns(campaign_ids => '{1,NULL}')$$);
SELECT regress.try($$SELECT * FROM ras.campaigns(max_rows => -1)$$);
-- an empty filter matches nothing, without asking
SELECT count(*) FROM ras.campaigns(campaign_ids => '{}');
SELECT count(*) FROM ras.campaigns(max_rows => 0);

-- Settings are checked when they are set ...
SELECT count(*) > 0 AS loaded FROM ras.profiles();
SELECT regress.try($$SET ras.max_retries = 100$$);
SELECT regress.try($$SET ras.profile_id = '12ab'$$);
SELECT regress.try($$SET ras.on_bad_value = 'maybe'$$);
SELECT regress.try($$SET ras.max_response_size = '10GB'$$);
-- ... from the start of a session (make test preloads ras; without preloading,
-- a value set before the library loads is refused when it loads, not turned
-- into a WARNING and the default: test/valgrind.sh runs that case)
\c
SELECT regress.try($$SET ras.request_timeout = '5ms'$$);
SELECT count(*) > 0 AS loaded FROM ras.profiles();
