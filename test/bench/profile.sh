#!/usr/bin/env bash
# Where a backend spends its time in one `make bench` operation, with perf:
#   bash test/bench/profile.sh [read|land|create]     (as root; default: read)
#   read    5 x SELECT count(*) FROM ras.targets()                 (100k targets)
#   land    5 x CREATE UNLOGGED TABLE t AS SELECT * FROM ras.targets()
#   create  5 x ras.create_targets of 10,000 items (simulator reset before each)
# Prints the top symbols by inclusive share ("children") of the backend's samples and
# keeps perf.data and the report under tmp_check/bench/. DWARF call graphs, because
# json-c, libcurl and libc have no frame pointers.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUT=$REPO/tmp_check/bench

# ------------------------------------------------------------------ inside the cluster
if [ "${1:-}" = "--inside" ]; then
  what=$2 url=$3 work=$4
  psql -X -q -v ON_ERROR_STOP=1 <<SQL
CREATE EXTENSION ras;
CREATE SERVER amazon_ads FOREIGN DATA WRAPPER ras
  OPTIONS (api_url '$url', token_url '$url/auth/o2/token');
CREATE USER MAPPING FOR CURRENT_USER SERVER amazon_ads
  OPTIONS (client_id 'amzn1.application-oa2-client.sim', client_secret 'sim-client-secret',
           refresh_token 'Atzr|sim-refresh-token');
SQL
  # One session kept open, so perf can follow its backend.
  coproc PSQL { psql -X -q -A -t 2>&1; }
  run() {  # run SQL: send it, wait for the marker after it, echo the output
    printf '%s\n\\echo __done__\n' "$1" >&"${PSQL[1]}"
    local line
    while IFS= read -r line <&"${PSQL[0]}"; do
      [ "$line" = "__done__" ] && return 0
      echo "$line"
    done
    return 1
  }
  run "SET ras.profile_id = '1234567890';" >/dev/null
  case $what in
    read|land) stmt="SELECT count(*) FROM ras.targets();"
               [ "$what" = land ] && stmt="DROP TABLE IF EXISTS t; CREATE UNLOGGED TABLE t AS SELECT * FROM ras.targets();"
               run "$stmt" >/dev/null ;;   # warm-up: token, catalogs, simulator cache
    create)
      run "CREATE TEMP TABLE items AS SELECT g AS run, jsonb_agg(jsonb_build_object(
             'campaignId', c.campaign_id, 'adGroupId', a.ad_group_id, 'state', 'ENABLED',
             'negative', false, 'targetType', 'KEYWORD',
             'targetDetails', jsonb_build_object('keywordTarget', jsonb_build_object(
                 'matchType', 'EXACT', 'keyword', 'profile ' || g || ' ' || i)),
             'bid', jsonb_build_object('bid', 0.5)) ORDER BY i) AS items
           FROM ras.campaigns() c JOIN ras.ad_groups() a USING (campaign_id),
                generate_series(1, 5) g, generate_series(0, 9999) i
           WHERE c.name = 'Bench Campaign' GROUP BY g;" >/dev/null ;;
  esac
  pid=$(run "SELECT pg_backend_pid();")
  perf record -q -F 999 --call-graph dwarf,16384 -o "$work/perf.data" -p "$pid" 2>/dev/null &
  perf_pid=$!
  sleep 1
  for i in 1 2 3 4 5; do
    case $what in
      create) curl -fsS -o /dev/null -X POST "$url/_sim/reset"   # same state every run
              run "SELECT count(*) FILTER (WHERE ok) FROM ras.create_targets((SELECT items FROM items WHERE run = $i));" >/dev/null ;;
      *) run "$stmt" >/dev/null ;;
    esac
  done
  kill -INT "$perf_pid"; wait "$perf_pid" || true
  exit 0
fi

# ------------------------------------------------------------------ outside
what=${1:-read}
case $what in read|land) targets=100000 ;; create) targets=1 ;;
  *) echo "usage: $0 [read|land|create]" >&2; exit 2 ;; esac
command -v perf >/dev/null || { echo "perf is not installed" >&2; exit 1; }
cd "$REPO"
WORK=$(mktemp -d /tmp/ras-profile.XXXXXX)
trap 'python3 test/stack.py stop --dir "$WORK/sim" >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
make -s >/dev/null && make -s install >/dev/null
python3 test/stack.py start --dir "$WORK/sim" --no-proxy -- --bench-targets "$targets" >/dev/null
url=$(. "$WORK/sim/env.sh"; echo "$RAS_SIM_URL")
pg_virtualenv -v 15 bash "$REPO/test/bench/profile.sh" --inside "$what" "$url" "$WORK" >/dev/null 2>&1

mkdir -p "$OUT"
cp "$WORK/perf.data" "$OUT/perf-$what.data"
perf report -i "$OUT/perf-$what.data" --children --sort symbol --stdio -g none \
    --percent-limit 1.5 2>/dev/null | grep '%' | grep -v ' 0x0000' > "$OUT/profile-$what.txt"
echo "backend profile of '$what' (inclusive %, self %), top symbols:"
head -60 "$OUT/profile-$what.txt"
echo "(full report: ${OUT#$REPO/}/profile-$what.txt; perf report -i ${OUT#$REPO/}/perf-$what.data)"
