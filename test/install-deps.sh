#!/usr/bin/env bash
# Installs everything needed to build ras and run its tests on Debian 12.
# Idempotent: when everything is already there it only checks, in about a second.
#   bash test/install-deps.sh
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo

# Debian packages: the server and its headers (PGXS), pg_cron (scheduled jobs),
# libcurl / zlib (the extension's HTTP and gzip; it parses JSON with PostgreSQL's own
# parser), json-c (only for the benchmark's curl+json-c floor program), the toolchain,
# Python 3 (simulator, harness), curl (the regression tests call the simulator's admin
# API with it), valgrind (the leak check) and procps (pgrep: the test runner tells a
# crashed run's leftover cluster from one in use).
PKGS=(postgresql-15 postgresql-server-dev-15 postgresql-15-cron
      libcurl4-openssl-dev libjson-c-dev zlib1g-dev build-essential python3 curl valgrind
      procps)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' \
    || missing+=("$p")
done
# Node.js runs Prism (the validating proxy). A stock Debian 12 has nodejs 18.20.4 and a
# separate npm package; some images ship NodeSource's nodejs, which bundles npm and would
# conflict with Debian's, so only ask apt when the commands themselves are missing.
# Every package of the lock file declares support for node 18.20.4 (jsep is pinned in
# package.json for that), and npm ci --engine-strict refuses any that does not.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null
else
  echo "install-deps: Debian packages present"
fi

# Prism, pinned by test/contract/package-lock.json. `npm ci` wipes and reinstalls, so
# skip it when node_modules already matches the lock file (its checksum is recorded).
cd "$REPO/test/contract"
stamp=node_modules/.ras-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -x node_modules/.bin/prism ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  echo "install-deps: prism present ($(node_modules/.bin/prism --version))"
else
  echo "install-deps: npm ci in test/contract"
  npm ci --engine-strict --no-audit --no-fund --loglevel=error </dev/null
  echo "$want" > "$stamp"
  echo "install-deps: prism $(node_modules/.bin/prism --version) installed"
fi
