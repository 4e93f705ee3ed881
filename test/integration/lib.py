"""Helpers for the integration tests (Python standard library only).

Environment (set by test/run-all.sh, or `. tmp_check/run-all/stack/env.sh` plus a cluster):
    RAS_SIM_URL, RAS_TOKEN_URL, RAS_API_URL, RAS_PRISM_LOG  from test/stack.py
    PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE          from pg_virtualenv

Convention: one file per feature, test/integration/test_<feature>.py, written with
unittest; subclass RasTestCase (before the class's tests it resets the simulator,
re-creates the extension, the foreign server `amazon_ads` with a user mapping and the
default profile; after each test it clears faults and fails the test if its traffic
broke Amazon's specs). Each file runs on its own:
    cd test/integration && python3 -m unittest -v test_smoke
"""
import json
import os
import re
import subprocess
import sys
import time
import unittest
import urllib.error
import urllib.request
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # test/, for stack.py's log parser
import stack  # noqa: E402

# The simulator's seeded credentials (test/README.md).
CLIENT_ID = "amzn1.application-oa2-client.sim"
CLIENT_SECRET = "sim-client-secret"
REFRESH_TOKEN = "Atzr|sim-refresh-token"
SERVER = "amazon_ads"
PROFILE_ID = "1234567890"  # seeded US seller profile

FIELD_SEP = "\x1f"  # psql -F: a character no test value contains
NULL = "\\N"        # psql -P null=...: NULL comes back as None (so text '\N' reads as NULL)
PSQL = ["psql", "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-v", "VERBOSITY=verbose",
        "-F", FIELD_SEP, "-0", "-P", f"null={NULL}"]
ERROR_RE = re.compile(r"^(?:psql:[^:]*:\d+: )?(ERROR|FATAL|PANIC):\s+([0-9A-Z]{5}):\s+(.*)$",
                      re.M)


def env(name):
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"{name} is not set: run under test/run-all.sh or source env.sh")
    return value


# ----------------------------------------------------------------------------- SQL

class SQLError(Exception):
    """A statement failed. sqlstate is the 5-character code (e.g. '57014')."""

    def __init__(self, sqlstate, message, output):
        super().__init__(f"{sqlstate}: {message}")
        self.sqlstate, self.message, self.output = sqlstate, message, output


def lit(value):
    """A SQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"


def _parse_rows(out):
    rows = []
    for rec in out.split("\0")[:-1]:  # every row ends with NUL (psql -0)
        rows.append(tuple(None if f == NULL else f for f in rec.split(FIELD_SEP)))
    return rows


def _raise_for(proc, out, err):
    m = ERROR_RE.search(err)
    if m:
        raise SQLError(m.group(2), m.group(3), err)
    raise SQLError("XX000", f"psql exited {proc} without an error code", err)


def query(sql, *, timeout=120, extra_env=None):
    """Run SQL (one or more statements) in a new psql session; return every row printed,
    as tuples of str (NULL -> None). Raises SQLError with the SQLSTATE on failure."""
    env_ = dict(os.environ, **(extra_env or {}))
    p = subprocess.run(PSQL + ["-f", "-"], input=sql, capture_output=True, text=True,
                       timeout=timeout, env=env_)
    if p.returncode != 0:
        _raise_for(p.returncode, p.stdout, p.stderr)
    return _parse_rows(p.stdout)


def value(sql, **kw):
    """The single value of a one-row, one-column query."""
    rows = query(sql, **kw)
    if len(rows) != 1 or len(rows[0]) != 1:
        raise AssertionError(f"expected one value, got {rows!r}")
    return rows[0][0]


def sqlstate_of(sql, **kw):
    """Run SQL that must fail; return its SQLSTATE (AssertionError if it succeeds)."""
    try:
        query(sql, **kw)
    except SQLError as e:
        return e.sqlstate
    raise AssertionError(f"statement did not fail: {sql}")


class Background:
    """A psql session running SQL in the background, to cancel or terminate it.

        bg = Background("SELECT count(*) FROM ras.retailers()")
        bg.wait_active()          # its backend is running the statement
        bg.cancel()               # pg_cancel_backend from another session
        rc, rows, err = bg.wait(timeout=10)   # err: SQLError or None
    """

    def __init__(self, sql, setup=""):
        self.tag = f"ras-test-{uuid.uuid4().hex[:12]}"
        self.started = time.monotonic()
        self.proc = subprocess.Popen(PSQL + ["-f", "-"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=dict(os.environ, PGAPPNAME=self.tag))
        self.proc.stdin.write(setup + "\n" + sql + "\n")
        self.proc.stdin.close()
        self.proc.stdin = None  # so communicate() in wait() does not touch it again

    def backend_pid(self, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid = query(f"SELECT pid FROM pg_stat_activity WHERE application_name = {lit(self.tag)}")
            if pid:
                return int(pid[0][0])
            if self.proc.poll() is not None:
                _, err = self.proc.communicate()
                raise AssertionError(f"background session ended (exit {self.proc.returncode}) "
                                     f"before it was seen: {err.strip()}")
            time.sleep(0.05)
        self.kill()
        raise AssertionError("background session never showed up in pg_stat_activity")

    def wait_active(self, timeout=10):
        """Wait until the backend is executing a statement (state 'active')."""
        pid = self.backend_pid(timeout)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            rows = query(f"SELECT state FROM pg_stat_activity WHERE pid = {pid}")
            if rows == [("active",)]:
                return pid
            if not rows or self.proc.poll() is not None:  # already finished or failed
                rc, _, error = self.wait(timeout=5)
                raise AssertionError(f"background statement ended (exit {rc}) before it "
                                     f"was seen running: {error}")
            time.sleep(0.05)
        raise AssertionError("background statement never became active")

    def cancel(self):
        return value(f"SELECT pg_cancel_backend({self.backend_pid()})") == "t"

    def terminate(self):
        return value(f"SELECT pg_terminate_backend({self.backend_pid()})") == "t"

    def kill(self):
        """End psql (the backend then ends too) and close its pipes."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.communicate()

    def __del__(self):  # a test that failed half-way must not leave psql running
        if getattr(self, "proc", None) and self.proc.poll() is None:
            self.kill()

    def wait(self, timeout=60):
        """Returns (exit status, rows, SQLError or None); kills psql after timeout."""
        try:
            out, err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"background session still running after {timeout} s")
        self.elapsed = time.monotonic() - self.started
        error = None
        if self.proc.returncode != 0:
            try:
                _raise_for(self.proc.returncode, out, err)
            except SQLError as e:
                error = e
        return self.proc.returncode, _parse_rows(out), error


# ----------------------------------------------------------------------------- simulator

def sim(method, path, body=None, timeout=30):
    """Call the simulator's admin API directly (never through the proxy)."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(env("RAS_SIM_URL") + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        raw = r.read()
    return json.loads(raw) if raw.strip() else None


def sim_reset():
    return sim("POST", "/_sim/reset")


def sim_stats():
    return sim("GET", "/_sim/stats")


def sim_requests(since=0):
    return sim("GET", f"/_sim/requests?since={since}")


def sim_faults(*faults):
    """Append faults, e.g. sim_faults({"kind": "status", "status": 429, "retry_after": 1})."""
    return sim("POST", "/_sim/faults", {"faults": list(faults)})


def sim_clear_faults():
    return sim("DELETE", "/_sim/faults")


# ----------------------------------------------------------------------------- setup

def setup_ras(server=SERVER, *, direct=False, client_id=CLIENT_ID,
              client_secret=CLIENT_SECRET, refresh_token=REFRESH_TOKEN, server_options=None,
              profile_id=PROFILE_ID):
    """(Re)create the extension's foreign server and the current user's mapping, and make
    profile_id the database's default ras.profile_id for new sessions (None: leave it).

    direct=True points api_url at the simulator itself instead of the proxy: use it for
    transport faults (drop, stall) that Prism would turn into a 500 or buffer, and for
    connection counts (Prism keeps its own connections to the simulator)."""
    api_url = env("RAS_SIM_URL") if direct else env("RAS_API_URL")
    opts = {"region": "NA", "api_url": api_url, "token_url": env("RAS_TOKEN_URL")}
    opts.update(server_options or {})
    opt_sql = ", ".join(f"{k} {lit(v)}" for k, v in opts.items())
    query(f"""
        CREATE EXTENSION IF NOT EXISTS ras;
        DROP SERVER IF EXISTS {server} CASCADE;
        CREATE SERVER {server} FOREIGN DATA WRAPPER ras OPTIONS ({opt_sql});
        CREATE USER MAPPING FOR CURRENT_USER SERVER {server} OPTIONS (
            client_id {lit(client_id)}, client_secret {lit(client_secret)},
            refresh_token {lit(refresh_token)});
    """)
    if profile_id is not None:
        query(f"""DO $$ BEGIN
            EXECUTE format('ALTER DATABASE %I SET ras.profile_id = %L',
                           current_database(), {lit(profile_id)});
        END $$;""")


def manual_campaign_sql(name, match_type, keywords_from):
    """SQL creating a manual campaign `name` with one ad group and a keyword target for
    each row of the FROM item `keywords_from`, which yields the keyword as column k
    (e.g. "unnest('{a,b}'::text[]) k")."""
    return f"""
        SELECT count(*) FROM ras.create_campaigns(jsonb_build_object(
          'name', {lit(name)}, 'budget', '{{"budget": 20, "budgetType": "DAILY"}}'::jsonb,
          'targetingType', 'MANUAL', 'state', 'ENABLED',
          'dynamicBidding', '{{"strategy": "MANUAL", "placementBidding": []}}'::jsonb));
        SELECT count(*) FROM ras.create_ad_groups((
          SELECT jsonb_agg(jsonb_build_object('name', {lit(name + ' group')}, 'campaignId', campaign_id,
                 'defaultBid', 0.5, 'state', 'ENABLED', 'retailerId', 'retailer-1'))
          FROM ras.campaigns(names => ARRAY[{lit(name)}])));
        SELECT count(*) FROM ras.create_targets((
          SELECT jsonb_agg(jsonb_build_object('campaignId', campaign_id, 'adGroupId', ad_group_id,
                 'state', 'ENABLED', 'negative', false, 'targetType', 'KEYWORD',
                 'targetDetails', jsonb_build_object('keywordTarget',
                     jsonb_build_object('matchType', {lit(match_type)}, 'keyword', k)),
                 'bid', '{{"bid": 0.5}}'::jsonb))
          FROM ras.ad_groups(names => ARRAY[{lit(name + ' group')}]), {keywords_from}));
    """


# ----------------------------------------------------------------------------- contract

def prism_mark():
    """Position in Prism's log; pass it to prism_violations() to see only newer lines."""
    log = os.environ.get("RAS_PRISM_LOG")
    if not log or not os.path.exists(log):
        return 0
    with open(log, "rb") as fh:
        return sum(1 for _ in fh)


def prism_violations(since=0):
    log = os.environ.get("RAS_PRISM_LOG")
    if not log or not os.path.exists(log):
        return []
    with open(log, errors="replace") as fh:
        lines = fh.readlines()[since:]
    return stack.parse_violations(lines)[0]


class RasTestCase(unittest.TestCase):
    """Base class: fresh simulator and server per class, faults cleared and the contract
    checked per test."""

    @classmethod
    def setUpClass(cls):
        sim_reset()
        # Start from a clean extension: servers and mappings left by another file go too.
        query("DROP EXTENSION IF EXISTS ras CASCADE")
        setup_ras()

    def setUp(self):
        self._mark = prism_mark()

    def tearDown(self):
        sim_clear_faults()
        time.sleep(0.05)  # let Prism finish writing the last request's lines
        found = prism_violations(self._mark)
        if found:
            self.fail("contract violations:\n  " + "\n  ".join(found))


def main():
    unittest.main(verbosity=2)
