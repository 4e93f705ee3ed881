--
-- Connects ras to the Amazon Ads simulator, through the validating proxy.
-- The URLs come from the test harness (test/stack.py) via the environment.
--
CREATE EXTENSION ras;
\getenv api_url RAS_API_URL
\getenv token_url RAS_TOKEN_URL
\getenv sim_url RAS_SIM_URL
CREATE SERVER amazon_ads FOREIGN DATA WRAPPER ras
  OPTIONS (region 'NA', api_url :'api_url', token_url :'token_url');
CREATE USER MAPPING FOR CURRENT_USER SERVER amazon_ads
  OPTIONS (client_id 'amzn1.application-oa2-client.sim',
           client_secret 'sim-client-secret',
           refresh_token 'Atzr|sim-refresh-token');
-- Every later test file runs in a new session: make the profile the default.
DO $$
BEGIN
  EXECUTE format('ALTER DATABASE %I SET ras.profile_id = %L', current_database(), '1234567890');
END
$$;
SELECT set_config('regress.sim_url', :'sim_url', false) IS NOT NULL AS ok \gset
DO $$
BEGIN
  EXECUTE format('ALTER DATABASE %I SET regress.sim_url = %L', current_database(),
                 current_setting('regress.sim_url'));
END
$$;
-- Test helper: runs a statement and shows its outcome as SQLSTATE, message,
-- detail and hint, with the request id (which varies) masked.
CREATE SCHEMA regress;
CREATE FUNCTION regress.try(statement text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  state text; message text; detail text; hint text;
BEGIN
  EXECUTE statement;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                          detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
  RETURN state || ' ' || message
      || coalesce(E'\nDETAIL: ' || nullif(regexp_replace(detail, 'request id [^ .;]+', 'request id *', 'g'), ''), '')
      || coalesce(E'\nHINT: ' || nullif(hint, ''), '');
END
$$;
-- Test helper: talks to the simulator's admin API (faults, reset, stats). An answer that
-- is not 2xx (a fault the simulator refused, say) or no answer at all is an error, so
-- that a test never goes on as if a fault had been injected.
CREATE FUNCTION regress.sim(method text, path text, body text DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql SET client_min_messages = warning AS $$
DECLARE
  result text;
  status text;
BEGIN
  CREATE TEMP TABLE IF NOT EXISTS sim_answer (line text);
  TRUNCATE sim_answer;
  EXECUTE format('COPY sim_answer FROM PROGRAM %L WITH (FORMAT csv, DELIMITER E''\x01'', QUOTE E''\x02'')',
                 format('curl -sS -w ''#http_status=%%{http_code}'' -X %s -H "Content-Type: application/json" %s %s | tr -d ''\n''',
                        method,
                        CASE WHEN body IS NULL THEN '' ELSE '--data-binary ' || quote_literal(body) END,
                        quote_literal(current_setting('regress.sim_url') || path)));
  SELECT string_agg(line, '') INTO result FROM sim_answer;
  status := substring(result FROM '#http_status=([0-9]+)$');
  result := regexp_replace(result, '#http_status=[0-9]*$', '');
  IF status IS NULL OR status NOT LIKE '2__' THEN
    RAISE EXCEPTION 'the simulator answered % % with HTTP status %: %', method, path,
      coalesce(status, 'none'), left(coalesce(result, ''), 300);
  END IF;
  RETURN nullif(result, '')::jsonb;
END
$$;
SELECT regress.sim('POST', '/_sim/reset') IS NOT NULL AS reset;
