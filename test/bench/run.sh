#!/usr/bin/env bash
# `make bench`: ras against hand-written baselines, as a table (not part of the tests).
#   1. read 100k targets: SELECT count(*) FROM ras.targets() vs the floor (one keep-alive
#      libcurl connection + one json-c parse per page, floor.c) and vs COPY-staged pages
#      + jsonb_array_elements in SQL
#   2. land 100k targets: CREATE UNLOGGED TABLE AS vs a Python stdlib ETL + psql \copy
#   3. ras.create_targets of 10k items vs curl posting the same 10 bodies
#   4. peak backend memory listing 1M targets vs 100k
#   5. foreign tables: count(*) of 100k vs the floor; 1M scans without temp files and in
#      the memory of 100k; LIMIT 10 over 1M in one request
#   6. Amazon Ads API v1: ras.sp_targets() of 100k vs floor --v1; ras.create_sp_targets of
#      10k vs curl posting the same 10 bodies
#   7. many profiles at once: ras.retailers of 20 profiles (200 ms a request) at
#      ras.max_concurrency 20 vs one profile, and at the default 8 vs the 8-slot schedule
#   8. shared request budget: 8 sessions against a 10 requests/s limit, in a cluster with
#      ras preloaded and (a second throw-away cluster) without
# The measurements are in bench.py; this script builds, starts six simulators (no
# validating proxy: it would be what gets measured) and two throw-away clusters.
# Env: BENCH_RUNS (default 5), BENCH_RUNS_1M (default 3), BENCH_RATE_SECS (default 20).
# Run as root (make install, pg_virtualenv). The table is also written to
# tmp_check/bench/results.txt.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$REPO"
OUT=$REPO/tmp_check/bench
# Scratch outside the repo: a parallel `make clean` removes tmp_check/ mid-run.
WORK=$(mktemp -d /tmp/ras-bench.XXXXXX)

cleanup() {
  for s in 100k 1m write fan rate1 rate2; do
    [ -d "$WORK/sim-$s" ] && python3 test/stack.py stop --dir "$WORK/sim-$s" >/dev/null 2>&1
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== build: make && make install; floor.c"
make -s >/dev/null
make -s install >/dev/null
cc -O2 -Wall -o "$WORK/floor" test/bench/floor.c -lcurl -ljson-c

echo "== simulators (bench targets 100000 / 1000000 / 1, 20 profiles, 2 rate-limited)"
# Separate simulators so the write benchmark (which resets its simulator between runs)
# never invalidates the read side's cache of pre-serialized pages, and each rate-limit
# run starts from full buckets and zero counters.
start_sim() {  # start_sim NAME SIMULATOR-ARGS...
  local name=$1
  shift
  python3 test/stack.py start --dir "$WORK/sim-$name" --no-proxy -- "$@" >/dev/null
  (. "$WORK/sim-$name/env.sh"; echo "$RAS_SIM_URL")
}
BENCH_URL_100K=$(start_sim 100k --bench-targets 100000 --bench-v1-targets 100000)
BENCH_URL_1M=$(start_sim 1m --bench-targets 1000000)
BENCH_URL_WRITE=$(start_sim write --bench-targets 1 --bench-v1-targets 1)
BENCH_URL_FAN=$(start_sim fan --extra-profiles 20 --latency-path /ras/v1/retailers=200)
URL_RATE1=$(start_sim rate1 --rate-limit 10)
URL_RATE2=$(start_sim rate2 --rate-limit 10)

mkdir -p "$OUT"
export BENCH_WORK=$WORK BENCH_FLOOR=$WORK/floor BENCH_RESULTS=$WORK/results.txt
export BENCH_URL_100K BENCH_URL_1M BENCH_URL_WRITE BENCH_URL_FAN

# pg_virtualenv: temporary PostgreSQL 15 cluster, PG* set, dropped afterwards. The
# timeouts only guard against a hang.
echo "== shared request budget without ras preloaded (a throw-away cluster, ~30 s)"
BENCH_URL_RATE=$URL_RATE2 timeout -k 10 300 pg_virtualenv -v 15 \
  python3 test/bench/bench.py --rate-only "$WORK/rate-not-preloaded.json" ||
  echo "(failed: the table says so)"

echo "== measuring in a throw-away cluster with ras preloaded (about 4 minutes)"
BENCH_URL_RATE=$URL_RATE1 BENCH_RATE_OTHER=$WORK/rate-not-preloaded.json \
  timeout -k 10 1800 pg_virtualenv -v 15 -o shared_preload_libraries=ras \
  python3 test/bench/bench.py

mkdir -p "$OUT"
cp "$WORK/results.txt" "$OUT/results.txt"
echo "(written to ${OUT#$REPO/}/results.txt)"
