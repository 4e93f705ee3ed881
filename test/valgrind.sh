#!/usr/bin/env bash
# Runs a backend under valgrind (single-user mode, a throwaway data directory) through
# reads, writes, split filters, per-item and whole-call errors, products, reports (the
# catalogue, requests, reuse, streamed gzip rows, refused requests), the report loader,
# v1 writes, concurrent fan-outs (with a failing scope), foreign-table scans, a beta GET
# listing and a computed forecast against the simulator, then fails if valgrind finds
# memory lost from ras or libcurl, or a memory error in them, or if the backend did not
# run every statement and exit normally.  RAS_VALGRIND_KEEP=FILE keeps valgrind's
# output.  `make valgrind`; needs the simulator: it starts one itself.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
make -s install >/dev/null

WORK=$(mktemp -d /tmp/ras-valgrind.XXXXXX)
trap 'python3 test/stack.py stop --dir "$WORK/stack" >/dev/null 2>&1 || true
      [ -z "${RAS_VALGRIND_KEEP:-}" ] || cp "$WORK/valgrind.txt" "$RAS_VALGRIND_KEEP"; rm -rf "$WORK"' EXIT
python3 test/stack.py start --dir "$WORK/stack" --no-proxy >/dev/null
. "$WORK/stack/env.sh"
chown postgres "$WORK"
su postgres -c "/usr/lib/postgresql/15/bin/initdb -D $WORK/data" >/dev/null 2>&1

cat > "$WORK/in.sql" <<SQL
SET ras.request_timeout = '5ms';
LOAD 'ras';
RESET ras.request_timeout;
CREATE EXTENSION ras;
CREATE SERVER amazon_ads FOREIGN DATA WRAPPER ras OPTIONS (api_url '$RAS_SIM_URL', token_url '$RAS_TOKEN_URL');
CREATE USER MAPPING FOR CURRENT_USER SERVER amazon_ads OPTIONS (client_id 'amzn1.application-oa2-client.sim', client_secret 'sim-client-secret', refresh_token 'Atzr|sim-refresh-token');
SET ras.profile_id = '1234567890';
SELECT count(*) FROM ras.profiles();
SELECT count(*) FROM ras.retailers();
SELECT count(*) FROM ras.retailers(retailer_ids => (SELECT array_agg('retailer-' || i) FROM generate_series(1, 250) i));
SELECT ok FROM ras.create_campaigns('{"name": "VG", "budget": {"budget": 10, "budgetType": "DAILY"}, "targetingType": "AUTO", "state": "ENABLED", "startDate": "2030-01-01", "dynamicBidding": {"strategy": "MANUAL"}}');
SELECT ok FROM ras.create_campaigns('{"name": "VG", "budget": {"budget": 10, "budgetType": "DAILY"}, "targetingType": "AUTO", "state": "ENABLED", "startDate": "2030-01-01", "dynamicBidding": {"strategy": "MANUAL"}}');
SELECT count(*) FROM ras.campaigns(states => '{ENABLED}');
SELECT count(*) FROM ras.targets();
SELECT * FROM ras.create_campaigns('[]');
-- 1,500 creates whose second batch answers garbage: the guarded batch's subtransaction
SELECT ok, count(*) FROM ras.create_campaigns((SELECT jsonb_agg(jsonb_build_object('name', 'VG ' || i, 'budget', '{"budget": 10, "budgetType": "DAILY"}'::jsonb, 'targetingType', 'AUTO', 'state', 'ENABLED', 'startDate', '2030-01-01', 'dynamicBidding', '{"strategy": "MANUAL"}'::jsonb)) FROM generate_series(1, 1500) i)) GROUP BY ok;
SELECT * FROM ras.retailers(profile_id => '999');
SELECT count(*) FROM ras.retailers();
SELECT count(*) FROM ras.products('retailer-1', search => 'shoes');
SELECT count(*) FROM ras.report_types();
SELECT count(*) FROM ras.report_columns('spCampaigns', '{campaign,adGroup}', '{clicks,cost}', with_key => true);
SELECT ras.report('spCampaigns', current_date - 2, current_date - 1, columns => '{clicks,bogus}');
SELECT count(*) FROM ras.report_rows(ras.report('spCampaigns', current_date - 3, current_date - 1));
SELECT count(*) FROM ras.report_rows(ras.report('spCampaigns', current_date - 3, current_date - 1));
SELECT count(*) FROM ras.report_rows(ras.report('spCampaigns', current_date - 40, current_date - 1, time_unit => 'SUMMARY'));
SELECT status FROM ras.report_wait(ras.report_request('spTargeting', current_date - 3, current_date - 1, filters => '{"keywordType": ["BROAD"]}'), '1 minute');
SELECT status FROM ras.report_status('00000000-0000-4000-8000-000000000000');
CALL ras.sync_report('vg_daily', 'spCampaigns', lookback_days => 3, wait => '1 minute');
CALL ras.sync_report('vg_daily', 'spCampaigns', lookback_days => 3, wait => '1 minute');
SELECT count(*) FROM vg_daily;
-- v1 (adProduct filled in), a fan-out over three profiles (the concurrent dispatcher),
-- a split filter run concurrently, one failing scope skipped, a foreign-table scan with
-- pushdown and LIMIT, a beta listing paged by query string, a computed write result
SELECT ok FROM ras.create_sp_campaigns('{"name": "VG1", "state": "ENABLED", "marketplaceScope": "SINGLE_MARKETPLACE", "startDateTime": "2025-01-01T00:00:00Z", "autoCreationSettings": {"autoCreateTargets": false}, "budgets": [{"budgetType": "MONETARY", "recurrenceTimePeriod": "DAILY", "budgetValue": {"monetaryBudgetValue": {"monetaryBudget": {"value": 10}}}}]}');
SELECT count(*) FROM ras.sp_campaigns();
SELECT count(*) FROM ras.retailers(profile_ids => '{1234567890,2345678901,3456789012}');
SELECT count(*) FROM ras.retailers(profile_ids => '{1234567890,999}', skip_failed => true);
SELECT count(*) FROM ras.retailers(profile_ids => '{1234567890,999}');
CREATE SCHEMA vg;
IMPORT FOREIGN SCHEMA ras LIMIT TO (retailers, targets, brand_store_editions) FROM SERVER amazon_ads INTO vg;
SELECT count(*) FROM vg.retailers WHERE retailer_id = ANY('{retailer-1,retailer-2}') AND status = 'ACTIVE';
SELECT count(*) FROM (SELECT * FROM vg.retailers LIMIT 10) l;
SELECT sum(length(raw::text)) > 0 FROM vg.retailers WHERE profile_id IN ('1234567890', '3456789012');
SELECT count(*) FROM vg.brand_store_editions WHERE store_id = 'store-acme';
SELECT count(*) FROM ras.rate_limits;
SET ras.account_id = 'ENTITY1ABC';
SELECT ok FROM ras.linear_tv_reach_forecasts('[{"startDate": "2030-01-01", "endDate": "2030-01-28", "marketplace": "US", "reachUnit": "HOUSEHOLD", "linearTvInventoryAllocation": [{"grossRatingPoint": 150, "inventoryType": "BROADCAST", "linearTvDaypartId": "daypart-prime-time"}]}]');
SELECT 'valgrind: all statements ran' AS marker;
SQL
chown postgres "$WORK/in.sql"
# the 1,500-item call's second batch gets a 207 that is not JSON (skip: the two single
# creates and the campaigns listing before it, which the path prefix matches too)
curl -fsS -o /dev/null -X POST "$RAS_SIM_URL/_sim/faults" -H 'Content-Type: application/json' \
  --data '{"faults": [{"kind": "status", "status": 207, "body": "<html>oops</html>", "path": "/ras/v1/campaigns", "method": "POST", "skip": 4}]}'
rc=0
su postgres -c "valgrind --leak-check=full --show-leak-kinds=definite,possible,reachable --fullpath-after= \
  /usr/lib/postgresql/15/bin/postgres --single -D $WORK/data postgres < $WORK/in.sql" \
  > "$WORK/out.txt" 2> "$WORK/valgrind.txt" || rc=$?

# The backend ended normally, after the last statement.
[ "$rc" -eq 0 ] || { tail -30 "$WORK/out.txt"; echo "valgrind: the backend exited with status $rc"; exit 1; }
grep -q 'valgrind: all statements ran' "$WORK/out.txt" \
  || { tail -30 "$WORK/out.txt"; echo "valgrind: the backend stopped before the last statement"; exit 1; }

# The guarded batch really ran: 1,000 applied rows and 500 "outcome unknown" ones.
grep -q 'count = "500"' "$WORK/out.txt" || { echo "valgrind: the failing-batch call did not run as planned"; exit 1; }
# A value set before the library loaded was refused when it loaded.
grep -q 'invalid value for parameter "ras.request_timeout": "5ms"' "$WORK/valgrind.txt" "$WORK/out.txt" \
  || { echo "valgrind: a bad setting made before loading was not refused"; exit 1; }
# The fan-out over three profiles (450 retailers each) and the paged GET listing ran.
grep -q 'count = "1350"' "$WORK/out.txt" || { echo "valgrind: the fan-out did not run as planned"; exit 1; }
grep -q 'count = "120"' "$WORK/out.txt" || { echo "valgrind: the foreign scan of a GET listing did not run"; exit 1; }

# Report blocks (leaks and errors) whose stack passes through our code or libcurl. ras is
# installed with its debug information, so its frames name a source file of this
# repository's src/ ("ras_mutate (/.../src/mutate.c:712)", full paths), not ras.so.
python3 - "$WORK/valgrind.txt" "$REPO/src/" <<'PY'
import re, sys
text = open(sys.argv[1], errors="replace").read()
blocks = re.split(r"==\d+== \n", text)
ours = re.compile(r"ras\.so|libcurl|\(%s[a-z_]+\.c:\d+\)" % re.escape(sys.argv[2]))
bad = [b for b in blocks if ours.search(b) and re.search(r"lost in loss record|Invalid|uninitialised|Mismatched", b)]
for b in bad:
    print(b)
summary = re.search(r"definitely lost: .*", text)
print("valgrind:", summary.group(0) if summary else "no leak summary", "(all of PostgreSQL)")
# Still-reachable records are shown too (ras's settings, libcurl's handles): none of them
# matching would mean the check cannot see ras's frames at all.
through = sum(1 for b in blocks if ours.search(b) and "loss record" in b)
print(f"valgrind: {through} leak record(s) of any kind pass through ras or libcurl, "
      f"{len(bad)} problem(s) among them or among the errors")
if through == 0:
    print("valgrind: no record names a frame of ras: the check would miss its problems")
sys.exit(1 if bad or not summary or through == 0 else 0)
PY
