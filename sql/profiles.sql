--
-- Profiles: GET /v2/profiles, no scope needed.
--
SELECT profile_id, country_code, currency_code, timezone, marketplace_string_id,
       account_type, account_name, valid_payment_method
FROM ras.profiles() ORDER BY profile_id;
-- the whole object is there too
SELECT raw ? 'accountInfo' AS has_account_info, jsonb_typeof(raw) FROM ras.profiles() LIMIT 1;
-- ids are text: join them with anything
SELECT count(*) FROM ras.profiles() p WHERE p.profile_id = current_setting('ras.profile_id');
