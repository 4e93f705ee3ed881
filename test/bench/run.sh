#!/usr/bin/env bash
# `make bench`: ras against hand-written baselines, as a table (not part of the tests).
#   1. read 100k targets: SELECT count(*) FROM ras.targets() vs the floor (one keep-alive
#      libcurl connection + one json-c parse per page, floor.c) and vs COPY-staged pages
#      + jsonb_array_elements in SQL
#   2. land 100k targets: CREATE UNLOGGED TABLE AS vs a Python stdlib ETL + psql \copy
#   3. ras.create_targets of 10k items vs curl posting the same 10 bodies
#   4. peak backend memory listing 1M targets vs 100k
# The measurements are in bench.py; this script builds, starts three simulators (no
# validating proxy: it would be what gets measured) and a throw-away cluster.
# Env: BENCH_RUNS (default 5), BENCH_RUNS_1M (default 3). Run as root (make install,
# pg_virtualenv). The table is also written to tmp_check/bench/results.txt.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$REPO"
OUT=$REPO/tmp_check/bench
# Scratch outside the repo: a parallel `make clean` removes tmp_check/ mid-run.
WORK=$(mktemp -d /tmp/ras-bench.XXXXXX)

cleanup() {
  for s in 100k 1m write; do
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

echo "== simulators (--bench-targets 100000 / 1000000 / 1)"
# Separate simulators so the write benchmark (which resets its simulator between runs)
# never invalidates the read side's cache of pre-serialized pages.
start_sim() {  # start_sim NAME TARGETS
  python3 test/stack.py start --dir "$WORK/sim-$1" --no-proxy -- --bench-targets "$2" >/dev/null
  (. "$WORK/sim-$1/env.sh"; echo "$RAS_SIM_URL")
}
BENCH_URL_100K=$(start_sim 100k 100000)
BENCH_URL_1M=$(start_sim 1m 1000000)
BENCH_URL_WRITE=$(start_sim write 1)

mkdir -p "$OUT"
export BENCH_WORK=$WORK BENCH_FLOOR=$WORK/floor BENCH_RESULTS=$WORK/results.txt
export BENCH_URL_100K BENCH_URL_1M BENCH_URL_WRITE

echo "== measuring in a throw-away cluster (a few minutes)"
# pg_virtualenv: temporary PostgreSQL 15 cluster, PG* set, dropped afterwards.
# The whole measurement takes about 2 minutes; the timeout only guards against a hang.
timeout -k 10 900 pg_virtualenv -v 15 python3 test/bench/bench.py

mkdir -p "$OUT"
cp "$WORK/results.txt" "$OUT/results.txt"
echo "(written to ${OUT#$REPO/}/results.txt)"
