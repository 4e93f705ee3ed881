#!/usr/bin/env bash
# Quick start on a fresh Debian 12, as root: installs what is needed, builds and installs
# ras, starts the Amazon Ads simulator, makes a throw-away PostgreSQL cluster and walks
# through test/demo.sql in it. Everything it started is removed at the end.
#   bash quickstart.sh
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$REPO"
RUN=$REPO/tmp_check/quickstart
STACK=$RUN/stack

bash test/install-deps.sh

echo "== Building and installing ras"
make -s -j"$(nproc)"
make -s install >/dev/null

# The simulator stands in for Amazon. No validating proxy here: the tests do that.
cleanup() { python3 test/stack.py stop --dir "$STACK" >/dev/null 2>&1 || true; }
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$RUN"
python3 test/stack.py start --dir "$STACK" --no-proxy
set -a; . "$STACK/env.sh"; set +a

# pg_virtualenv makes a temporary cluster on a free port, runs the command in it with
# PGHOST/PGPORT/... set, and drops the cluster afterwards (even on failure).
echo "== Running test/demo.sql in a throw-away cluster"
pg_virtualenv -t -o shared_preload_libraries=pg_cron,ras -o cron.database_name=postgres \
  psql -X -e -v ON_ERROR_STOP=1 -f "$REPO/test/demo.sql"
echo "== Quick start finished; the cluster and the simulator are gone."
