#!/usr/bin/env bash
# The whole test suite; `make test` runs it. Stages:
#   build      make WERROR=1 && make install (warnings are errors, gcc and clang)
#   stack      simulator + Prism validating proxy (test/stack.py)
#   then, inside a throw-away cluster made by pg_virtualenv with pg_cron preloaded:
#   regress    pg_regress (make installcheck), RAS_* exported for psql's \getenv
#   sim-unit   the simulator's unit tests
#   jsonparse  the answer parser (src/json.c) against jsonb input on a corpus
#   integ      each test/integration/test_*.py (unittest), with RAS_* and PG* set
#   contract   no request or response broke Amazon's specs (Prism's log)
#   secrets    no credential in the PostgreSQL server log
#   valgrind   (after the cluster) a backend under valgrind: no leaks in ras or libcurl
# Prints each stage's result and ends with "N passed, N failed" (individual tests where
# the runner reports them, one per check otherwise). Exits non-zero on any failure.
set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO" || exit 1
RUN=$REPO/tmp_check/run-all   # everything a run writes (gitignored); kept for reading
STACK=$RUN/stack
COUNTS=$RUN/counts            # "stage passed failed" lines, shared with the inner half
PGV=15
TEST_TIMEOUT=${RAS_TEST_TIMEOUT:-900}   # seconds per pg_regress run / integration file

say() { printf '== %s\n' "$*"; }
record() {  # record STAGE PASSED FAILED
  echo "$1 $2 $3" >> "$COUNTS"
  if [ "$3" -gt 0 ]; then say "$1: FAILED ($2 passed, $3 failed)"; else say "$1: ok ($2 passed)"; fi
}

# Counts a unittest -v log: "Ran N tests" and "FAILED (failures=a, errors=b, skipped=c)".
record_unittest() {  # record_unittest STAGE LOG EXIT_STATUS
  local ran fail err skip unexp
  ran=$(sed -n 's/^Ran \([0-9]*\) tests\{0,1\} in .*/\1/p' "$2" | tail -1)
  fail=$(grep -o 'failures=[0-9]*' "$2" | tail -1 | cut -d= -f2)
  err=$(grep -o 'errors=[0-9]*' "$2" | tail -1 | cut -d= -f2)
  skip=$(grep -o 'skipped=[0-9]*' "$2" | tail -1 | cut -d= -f2)
  unexp=$(grep -o 'unexpected successes=[0-9]*' "$2" | tail -1 | cut -d= -f2)
  local bad=$(( ${fail:-0} + ${err:-0} + ${unexp:-0} ))
  if [ -z "$ran" ]; then            # crashed before reporting (import error, timeout)
    tail -30 "$2"; record "$1" 0 1; return
  fi
  local good=$(( ran - bad - ${skip:-0} ))
  # make test provides everything a test needs (pg_cron, Prism, the simulator): a skipped
  # test tested nothing, and counts as failed
  if [ "${skip:-0}" -gt 0 ]; then
    say "$1: ${skip} test(s) skipped, counted as failed"; grep -E 'skipped|SkipTest' "$2" | head -10
    bad=$(( bad + skip ))
  fi
  if [ "$3" -ne 0 ] && [ "$bad" -eq 0 ]; then bad=1; fi   # e.g. killed by timeout after the summary
  record "$1" "$good" "$bad"
}

# ----------------------------------------------------------------------------- inner half
# Runs inside pg_virtualenv: PGHOST/PGPORT/PGUSER/PGPASSWORD/PGDATABASE point at the cluster.
if [ "${1:-}" = "--inside" ]; then
  echo "$PPID ${PG_CLUSTER_CONF_ROOT%/postgresql}" > "$RUN/pgvenv"   # for stale cleanup
  server_log=$(pg_lsclusters -h "$PGV" regress | awk '{print $7}')
  reset_sim() { curl -fsS -o /dev/null -X POST "$RAS_SIM_URL/_sim/reset"; }

  if [ "${RAS_STACK_OK:-0}" = 1 ] && [ "${RAS_BUILD_OK:-0}" = 1 ]; then
    say "regress: make installcheck"
    rm -f regression.diffs regression.out
    timeout -k 10 "$TEST_TIMEOUT" make installcheck > "$RUN/regress.log" 2>&1
    rc=$?
    cat "$RUN/regress.log"
    ok=$(grep -cE '\.\.\. ok( |$)' "$RUN/regress.log")
    bad=$(grep -cE '\.\.\. FAILED( |$)' "$RUN/regress.log")
    if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then bad=1; fi   # pg_regress itself failed
    if [ -s regression.diffs ]; then
      say "regression.diffs (first 300 lines)"; head -300 regression.diffs
    fi
    record regress "$ok" "$bad"
  else
    say "regress: skipped (build or stack failed)"
  fi

  say "sim-unit: python3 -m unittest discover -s test/sim/tests"
  timeout -k 10 "$TEST_TIMEOUT" python3 -m unittest discover -s test/sim/tests -v \
    > "$RUN/sim-unit.log" 2>&1
  rc=$?
  # On failure show unittest's details section (from its first ==== line), capped.
  [ "$rc" -eq 0 ] || sed -n '/^======/,$p' "$RUN/sim-unit.log" | head -150
  record_unittest sim-unit "$RUN/sim-unit.log" "$rc"

  say "jsonparse: test/jsonparse/run.sh (the answer parser vs jsonb input)"
  if timeout -k 10 "$TEST_TIMEOUT" bash test/jsonparse/run.sh > "$RUN/jsonparse.log" 2>&1
  then cat "$RUN/jsonparse.log"; record jsonparse 1 0
  else cat "$RUN/jsonparse.log"; record jsonparse 0 1; fi

  if [ "${RAS_STACK_OK:-0}" = 1 ] && [ "${RAS_BUILD_OK:-0}" = 1 ]; then
    for f in test/integration/test_*.py; do
      [ -e "$f" ] || continue
      name=$(basename "$f" .py)
      say "integ $name"
      if ! reset_sim; then
        say "integ $name: the simulator could not be reset"; record "integ $name" 0 1; continue
      fi
      (cd test/integration && timeout -k 10 "$TEST_TIMEOUT" python3 -m unittest -v "$name") \
        > "$RUN/integ-$name.log" 2>&1
      rc=$?
      cat "$RUN/integ-$name.log"
      record_unittest "integ $name" "$RUN/integ-$name.log" "$rc"
    done
  else
    say "integ: skipped (build or stack failed)"
  fi

  if [ "${RAS_STACK_OK:-0}" = 1 ]; then
    say "contract: Prism's log"
    if python3 test/stack.py violations --dir "$STACK"; then record contract 1 0
    else record contract 0 1; fi
  fi

  # Secrets: the LWA client secret, the refresh token and any access token (Atza|...).
  # STATEMENT records are skipped: they echo SQL the tests themselves wrote (CREATE USER
  # MAPPING ... client_secret '...'), not something the extension logged.
  say "secrets: $server_log"
  if python3 - "$server_log" <<'EOF'
import re, sys
secrets = ["sim-client-secret", "Atzr|sim-refresh-token", "Atza|"]
record_start = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")
found, in_statement, n = 0, False, 0
with open(sys.argv[1], errors="replace") as fh:
    for n, line in enumerate(fh, 1):
        if record_start.match(line):
            in_statement = " STATEMENT:  " in line
        if in_statement:
            continue
        for s in secrets:
            if s in line:
                found += 1
                print(f"secrets: '{s}' in server log line {n}: {line.rstrip()[:300]}")
print(f"secrets: {n} log lines checked, {found} secrets found")
sys.exit(1 if found else 0)
EOF
  then record secrets 1 0; else record secrets 0 1; fi

  # Non-zero makes pg_virtualenv print the server log's tail, which helps on failure.
  if awk '$NF > 0 {bad=1} END {exit !bad}' "$COUNTS"; then exit 1; fi
  exit 0
fi

# ----------------------------------------------------------------------------- outer half
mkdir -p "$RUN"
: > "$COUNTS"

# A crashed run can leave its stack and its throw-away cluster behind; end them first.
# Only clusters made by pg_virtualenv whose pg_virtualenv process is gone are touched.
cleanup_stale() {
  python3 test/stack.py stop --dir "$STACK" >/dev/null 2>&1 || true
  local any_pgv=""
  pgrep -f 'bin/pg_virtualenv' >/dev/null 2>&1 && any_pgv=1
  local stale=()
  if [ -f "$RUN/pgvenv" ]; then
    read -r pid dir < "$RUN/pgvenv"
    if ! kill -0 "$pid" 2>/dev/null && [ -d "$dir" ]; then stale+=("$dir"); fi
    rm -f "$RUN/pgvenv"
  fi
  if [ -z "$any_pgv" ]; then   # nobody runs pg_virtualenv: every leftover is stale
    for d in "${TMPDIR:-/tmp}"/pg_virtualenv.*; do [ -d "$d" ] && stale+=("$d"); done
    if [ -f "/etc/postgresql/$PGV/regress/.by_pg_virtualenv" ]; then
      say "cleanup: dropping leftover cluster $PGV/regress"
      pg_ctlcluster --mode immediate "$PGV" regress stop 2>/dev/null
      pg_dropcluster "$PGV" regress 2>/dev/null
    fi
  fi
  for d in "${stale[@]}"; do
    [ -f "$d/postgresql/$PGV/regress/.by_pg_virtualenv" ] || continue
    say "cleanup: removing leftover pg_virtualenv cluster in $d"
    PG_CLUSTER_CONF_ROOT="$d/postgresql" pg_ctlcluster --mode immediate "$PGV" regress stop 2>/dev/null
    rm -rf "$d"
  done
}
cleanup_stale

stop_stack() { python3 test/stack.py stop --dir "$STACK" >/dev/null 2>&1; }
trap stop_stack EXIT
trap 'exit 130' INT TERM

# WERROR in the environment reaches every make of the run (this one, valgrind.sh's, the
# jsonparse module's): all of them build with -Werror, so none finds the objects built
# with other flags and builds them again.
export WERROR=1
say "build: make WERROR=1 && make install"
if make -j"$(nproc)" && make install >/dev/null; then
  record build 1 0; export RAS_BUILD_OK=1
else
  record build 0 1; export RAS_BUILD_OK=0
fi

# RAS_PRISM_REPORT_ONLY=1: Prism forwards everything and logs each violation's details
# (with --errors, the default, the details go only to the client that caused them).
say "stack: starting simulator and Prism"
if python3 test/stack.py start --dir "$STACK" ${RAS_PRISM_REPORT_ONLY:+--report-only}; then
  record stack 1 0; export RAS_STACK_OK=1
  set -a; . "$STACK/env.sh"; set +a
else
  record stack 0 1; export RAS_STACK_OK=0
fi

# ras is preloaded so that the request budget is shared (test_fanout checks it);
# pg_cron must be preloaded for its integration test; it lives in database "postgres"
# (the integration tests' PGDATABASE) and runs jobs in background workers, because the
# cluster's password authentication would stop it from connecting over libpq.
# log_min_messages=debug1 lets the secrets check also see the extension's debug output.
pg_virtualenv -t -v "$PGV" \
  -o shared_preload_libraries=pg_cron,ras \
  -o cron.database_name=postgres \
  -o cron.use_background_workers=on \
  -o max_worker_processes=32 \
  -o log_min_messages=debug1 \
  bash "$REPO/test/run-all.sh" --inside
rc=$?
if [ "$rc" -ne 0 ] && ! grep -q '^secrets ' "$COUNTS"; then
  say "pg_virtualenv failed (exit $rc) before the tests finished"; record cluster 0 1
fi

stop_stack

# A backend under valgrind: no leak or memory error in ras or libcurl.
if [ "${RAS_BUILD_OK:-0}" = 1 ]; then
  say "valgrind: test/valgrind.sh"
  if timeout -k 10 "$TEST_TIMEOUT" bash test/valgrind.sh > "$RUN/valgrind.log" 2>&1
  then cat "$RUN/valgrind.log"; record valgrind 1 0
  else cat "$RUN/valgrind.log"; record valgrind 0 1; fi
fi

passed=$(awk '{p += $(NF-1)} END {print p+0}' "$COUNTS")
failed=$(awk '{f += $NF} END {print f+0}' "$COUNTS")
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
