#!/usr/bin/env bash
# The answer parser (src/json.c, src/json_fast.c) and the body writer (src/body.c) against
# PostgreSQL's jsonb, in the cluster that PG* points at: builds a test module linking
# them, loads it from a temporary directory (never installed) and runs corpus.sql, which
# fails on any difference.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
make -s -C "$here" >/dev/null
lib=$(mktemp -d)
trap 'rm -rf "$lib"; make -s -C "$here" clean >/dev/null 2>&1 || true' EXIT
chmod 755 "$lib"
cp "$here/jsonparse.so" "$lib/"
chmod 755 "$lib/jsonparse.so"
psql -X -q -v ON_ERROR_STOP=1 <<SQL
BEGIN;
CREATE FUNCTION pg_temp.ras_test_json_parse(text) RETURNS jsonb
  AS '$lib/jsonparse.so', 'ras_test_json_parse' LANGUAGE C STRICT;
CREATE FUNCTION pg_temp.ras_test_jsonb_text(jsonb) RETURNS text
  AS '$lib/jsonparse.so', 'ras_test_jsonb_text' LANGUAGE C STRICT;
\i $here/corpus.sql
ROLLBACK;
SQL
