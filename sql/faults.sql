--
-- Throttling, server errors, token expiry: retried as Amazon asks, then
-- reported with a SQLSTATE per failure class.
--
SELECT regress.sim('POST', '/_sim/reset') IS NOT NULL AS reset;
-- the helper itself: a fault the simulator refuses is an error, never a silent no-op
SELECT regress.try($$SELECT regress.sim('POST', '/_sim/faults', '{"faults": [{"kind": "no such kind"}]}')$$);
SET ras.max_retries = 3;
-- two 429s with Retry-After, then success
SELECT regress.sim('POST', '/_sim/faults', '{"faults": [{"kind": "status", "status": 429, "retry_after": 1, "count": 2, "path": "/ras/v1/retailers/list"}]}') IS NOT NULL AS injected;
SELECT count(*) FROM ras.retailers(max_rows => 10);
-- two 503s, then success (backoff without Retry-After)
SELECT regress.sim('POST', '/_sim/faults', '{"faults": [{"kind": "status", "status": 503, "count": 2, "path": "/ras/v1/retailers/list"}]}') IS NOT NULL AS injected;
SELECT count(*) FROM ras.retailers(max_rows => 10);
-- another server error (507) is retried for a read; 505 (like 501) says it will not
-- change: no retry. Amazon's specs list neither status, so the validating proxy, which
-- would flag them, is bypassed: a server straight to the simulator.
DO $$
BEGIN
  EXECUTE format('CREATE SERVER sim_direct FOREIGN DATA WRAPPER ras OPTIONS (api_url %L, token_url %L)',
                 current_setting('regress.sim_url'), current_setting('regress.sim_url') || '/auth/o2/token');
END
$$;
CREATE USER MAPPING FOR CURRENT_USER SERVER sim_direct
  OPTIONS (client_id 'amzn1.application-oa2-client.sim', client_secret 'sim-client-secret',
           refresh_token 'Atzr|sim-refresh-token');
SELECT regress.sim('POST', '/_sim/faults', '{"faults": [{"kind": "status", "status": 507, "count": 1, "path": "/ras/v1/retailers/list"}]}') IS NOT NULL AS injected;
SELECT count(*) FROM ras.retailers(max_rows => 10, server => 'sim_direct');
SELECT regress.sim('POST', '/_sim/faults', '{"faults": [{"kind": "status", "status": 505, "count": 1, "path": "/ras/v1/retailers/list"}]}') IS NOT NULL AS injected;
SELECT regress.try($$SELECT count(*) FROM ras.retailers(max_rows => 10, server => 'sim_direct')$$);
DROP SERVER sim_direct CASCADE;
-- a dropped connection is retried for a read
SELECT regress.sim('POST', '/_sim/faults', '{"faults": [{"kind": "drop", "count": 1, "path": "/ras/v1/retailers/list"}]}') IS NOT NULL AS injected;
SELECT count(*) FROM ras.retailers(max_rows => 10);
-- retries exhausted: throttled
SELECT regress.sim('POST', '/_sim/faults', '{"faults": [{"kind": "status", "status": 429, "retry_after": 1, "count": 10, "path": "/ras/v1/retailers/list"}]}') IS NOT NULL AS injected;
SELECT regress.try('SELECT count(*) FROM ras.retailers(max_rows => 10)');
SELECT regress.sim('DELETE', '/_sim/faults') IS NOT NULL AS cleared;
-- retries exhausted: remote server error
SET ras.max_retries = 1;
SELECT regress.sim('POST', '/_sim/faults', '{"faults": [{"kind": "status", "status": 500, "count": 2, "path": "/ras/v1/retailers/list"}]}') IS NOT NULL AS injected;
SELECT regress.try('SELECT count(*) FROM ras.retailers(max_rows => 10)');
SELECT regress.sim('DELETE', '/_sim/faults') IS NOT NULL AS cleared;
-- other 4xx fail at once, without retries
SELECT regress.sim('POST', '/_sim/reset') IS NOT NULL AS reset;
SELECT regress.sim('POST', '/_sim/faults', '{"faults": [{"kind": "status", "status": 403, "count": 1, "path": "/ras/v1/retailers/list"}]}') IS NOT NULL AS injected;
SELECT regress.try('SELECT count(*) FROM ras.retailers(max_rows => 10)');
SELECT regress.sim('GET', '/_sim/stats')->'by_route'->>'POST /ras/v1/retailers/list' AS list_calls;
-- an unknown profile is refused by Amazon
SELECT regress.try($$SELECT count(*) FROM ras.retailers(profile_id => '999')$$);
RESET ras.max_retries;
-- an access token revoked early: one refresh, one retry, success
SELECT regress.sim('POST', '/_sim/reset') IS NOT NULL AS reset;
SELECT count(*) FROM ras.retailers(max_rows => 1);
SELECT regress.sim('POST', '/_sim/faults', '{"faults": [{"kind": "expire_tokens"}]}') IS NOT NULL AS injected;
SELECT count(*) FROM ras.retailers(max_rows => 1);
SELECT (regress.sim('GET', '/_sim/stats')->'by_route'->>'POST /auth/o2/token')::int AS token_calls;
-- the refresh token itself refused
SELECT regress.sim('POST', '/_sim/faults', '{"faults": [{"kind": "revoke_refresh"}, {"kind": "expire_tokens"}]}') IS NOT NULL AS injected;
SELECT regress.try('SELECT count(*) FROM ras.retailers(max_rows => 1)');
SELECT regress.sim('POST', '/_sim/reset') IS NOT NULL AS reset;
-- bad client credentials
ALTER USER MAPPING FOR CURRENT_USER SERVER amazon_ads OPTIONS (SET client_secret 'wrong-secret');
SELECT regress.try('SELECT count(*) FROM ras.retailers(max_rows => 1)');
ALTER USER MAPPING FOR CURRENT_USER SERVER amazon_ads OPTIONS (SET client_secret 'sim-client-secret');
SELECT count(*) FROM ras.retailers(max_rows => 1);
-- nothing listening: a transport error
CREATE SERVER nowhere FOREIGN DATA WRAPPER ras
  OPTIONS (api_url 'http://127.0.0.1:9', token_url 'http://127.0.0.1:9/auth/o2/token');
CREATE USER MAPPING FOR CURRENT_USER SERVER nowhere
  OPTIONS (client_id 'x', client_secret 'y', refresh_token 'z');
SET ras.max_retries = 0;
SELECT regress.try($$SELECT * FROM ras.profiles(server => 'nowhere')$$);
RESET ras.max_retries;
DROP SERVER nowhere CASCADE;
