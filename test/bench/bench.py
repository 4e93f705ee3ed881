#!/usr/bin/env python3
"""The `make bench` measurements; test/bench/run.sh starts the simulators and a
throw-away cluster (PG* set) and runs this inside it. Python standard library only.

Every figure is ras against a baseline measured in the same run (the order of the
sides alternates from run to run, so drift and noise from other processes hit both);
the table shows the medians of the times and the median of the per-run ratios.

Environment (set by run.sh): BENCH_WORK (scratch dir), BENCH_FLOOR (floor binary),
BENCH_URL_100K / BENCH_URL_1M / BENCH_URL_WRITE (simulators with 100,000, 1,000,000
and 1 bench targets; 100K and WRITE also with as many v1 SP targets), BENCH_URL_FAN
(--extra-profiles 20, 200 ms per retailers request), BENCH_URL_RATE (--rate-limit 10),
BENCH_RATE_OTHER (JSON of the rate-limit measurement in the cluster without
ras preloaded, from `bench.py --rate-only FILE`), BENCH_RESULTS (file the table is also
written to), BENCH_RUNS (default 5), BENCH_RUNS_1M (default 3), BENCH_RATE_SECS
(default 20).

    bench.py                  every measurement, the table (cluster with ras preloaded)
    bench.py --rate-only OUT  only the shared-budget measurement, as JSON into OUT
"""
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
RATE_ONLY = len(sys.argv) == 3 and sys.argv[1] == "--rate-only"
WORK = os.environ["BENCH_WORK"]
FLOOR = os.environ.get("BENCH_FLOOR", "")
URL_100K = os.environ.get("BENCH_URL_100K", "")
URL_1M = os.environ.get("BENCH_URL_1M", "")
URL_W = os.environ.get("BENCH_URL_WRITE", "")
URL_FAN = os.environ.get("BENCH_URL_FAN", "")
URL_RATE = os.environ["BENCH_URL_RATE"]
RATE_OTHER = os.environ.get("BENCH_RATE_OTHER", "")
RESULTS = os.environ.get("BENCH_RESULTS", "")
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
RUNS_1M = int(os.environ.get("BENCH_RUNS_1M", "3"))
RATE_SECS = float(os.environ.get("BENCH_RATE_SECS", "20"))
PROFILE = "1234567890"
CLIENT_ID = "amzn1.application-oa2-client.sim"
SERVERS = ({"sim_rate": URL_RATE} if RATE_ONLY else
           {"amazon_ads": URL_100K, "sim_1m": URL_1M, "sim_write": URL_W,
            "sim_fan": URL_FAN, "sim_rate": URL_RATE})
# Foreign tables: IMPORT FOREIGN SCHEMA ras FROM SERVER <server> INTO <schema>
FT_SCHEMAS = {} if RATE_ONLY else {"ft": "amazon_ads", "ft1m": "sim_1m"}
FAN_PROFILES = ["%d" % (5000000000 + n) for n in range(1, 21)]
FAN_LATENCY = 0.2           # seconds per retailers request (run.sh's --latency-path)
RATE_LIMIT = 10.0           # requests/s per profile and family (run.sh's --rate-limit)
RATE_SESSIONS = 8
DEFAULT_SERVER = "sim_rate" if RATE_ONLY else "amazon_ads"

# The typed columns of ras.targets(), extracted by hand: the do-it-yourself route.
DIY_COLUMNS = """
    e->>'targetId' AS target_id, e->>'campaignId' AS campaign_id,
    e->>'adGroupId' AS ad_group_id, e->>'state' AS state,
    (e->>'negative')::boolean AS negative, e->>'targetLevel' AS target_level,
    e->>'targetType' AS target_type,
    coalesce(e#>>'{targetDetails,keywordTarget,matchType}',
             e#>>'{targetDetails,productTarget,matchType}',
             e#>>'{targetDetails,autoTarget,matchType}') AS match_type,
    e#>>'{targetDetails,keywordTarget,keyword}' AS keyword,
    e#>>'{targetDetails,productTarget,productId}' AS product_id,
    (e#>>'{bid,bid}')::numeric AS bid, e#>>'{bid,currencyCode}' AS currency_code,
    e#>>'{extendedData,servingStatus}' AS serving_status,
    e#>'{extendedData,servingStatusDetails}' AS serving_status_details,
    (e#>>'{extendedData,creationDateTime}')::timestamptz AS created_at,
    (e#>>'{extendedData,lastUpdateDateTime}')::timestamptz AS updated_at,
    e AS raw"""

TABLE_SHAPE = """(target_id text, campaign_id text, ad_group_id text, state text,
    negative boolean, target_level text, target_type text, match_type text,
    keyword text, product_id text, bid numeric, currency_code text,
    serving_status text, serving_status_details jsonb,
    created_at timestamptz, updated_at timestamptz, profile_id text, raw jsonb)"""


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- helpers

class Psql:
    """One long-lived psql session (so a timed statement pays no connection, extension
    load or token fetch); each call is timed from sending the SQL to psql's echo of a
    marker after it."""

    MARK = "__bench_done__"

    def __init__(self):
        self.proc = subprocess.Popen(
            ["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=0"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, bufsize=1)

    def run(self, sql):
        """-> (output lines, seconds). Raises on any ERROR."""
        t0 = time.perf_counter()
        self.proc.stdin.write(sql.rstrip() + "\n\\echo " + self.MARK + "\n")
        self.proc.stdin.flush()
        lines = []
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("psql exited: " + "".join(lines))
            if line.rstrip("\n") == self.MARK:
                break
            lines.append(line.rstrip("\n"))
        elapsed = time.perf_counter() - t0
        errors = [l for l in lines if "ERROR:" in l or l.startswith("psql:")]
        if errors:
            raise RuntimeError("SQL failed: %s\n%s" % (sql.strip()[:200], "\n".join(lines)))
        return lines, elapsed

    def value(self, sql):
        lines, _ = self.run(sql)
        return lines[-1] if lines else None

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()


def http(method, url, body=None, headers=None, form=False):
    data = None
    headers = dict(headers or {})
    if body is not None:
        if form:
            data = "&".join("%s=%s" % kv for kv in body.items()).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        else:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    with urllib.request.urlopen(req, timeout=60) as resp:
        return json.load(resp)


def token(sim_url):
    """An access token for the baselines (ras fetches and caches its own)."""
    return http("POST", sim_url + "/auth/o2/token", {
        "grant_type": "refresh_token", "client_id": CLIENT_ID,
        "client_secret": "sim-client-secret",
        "refresh_token": "Atzr%7Csim-refresh-token"}, form=True)["access_token"]


def median(xs):
    return statistics.median(xs)


def alternate(run, sides):
    """The sides in a different order each run."""
    k = run % len(sides)
    return sides[k:] + sides[:k]


# --------------------------------------------------------------------------- setup

def setup(db):
    db.run("CREATE EXTENSION IF NOT EXISTS ras;")
    for name, url in SERVERS.items():
        db.run(f"""
            CREATE SERVER {name} FOREIGN DATA WRAPPER ras
              OPTIONS (api_url '{url}', token_url '{url}/auth/o2/token');
            CREATE USER MAPPING FOR CURRENT_USER SERVER {name}
              OPTIONS (client_id '{CLIENT_ID}', client_secret 'sim-client-secret',
                       refresh_token 'Atzr|sim-refresh-token');""")
    for schema, server in FT_SCHEMAS.items():
        db.run(f"CREATE SCHEMA {schema}; "
               f"IMPORT FOREIGN SCHEMA ras FROM SERVER {server} INTO {schema};")
    # Defaults for every later session: the 100k simulator, the bench profile.
    db.run(f"""DO $$ BEGIN
        EXECUTE format('ALTER DATABASE %I SET ras.profile_id = %L', current_database(), '{PROFILE}');
        EXECUTE format('ALTER DATABASE %I SET ras.server = %L', current_database(), '{DEFAULT_SERVER}');
        END $$;""")


def session():
    db = Psql()
    db.run("SET ras.profile_id = '%s'; SET ras.server = 'amazon_ads';" % PROFILE)
    return db


# --------------------------------------------------------------------------- 1. read

def bench_read(db, tok):
    """count(*) of ras.targets() vs the curl+json-c floor vs COPY + jsonb SQL."""
    db.run("CREATE TEMP TABLE staging(page text);")
    copy = ("\\copy staging(page) FROM PROGRAM '%s --copy %s \"%s\"'"
            % (FLOOR, URL_100K, tok))
    # MATERIALIZED: without it the planner drops the unused columns and extracts nothing;
    # with it every column is computed into a tuplestore, as ras.targets() does.
    diy = ("WITH t AS MATERIALIZED (SELECT %s FROM staging s, "
           "jsonb_array_elements(s.page::jsonb->'targets') e) SELECT count(*) FROM t;"
           % DIY_COLUMNS)

    def ras():
        lines, secs = db.run("SELECT count(*) FROM ras.targets();")
        assert lines[-1] == "100000", lines
        return secs

    def foreign_table():
        lines, secs = db.run("SELECT count(*) FROM ft.targets;")
        assert lines[-1] == "100000", lines
        return secs

    def floor():
        out = subprocess.run([FLOOR, URL_100K, tok], check=True, capture_output=True,
                             text=True).stdout.split()
        assert out[0] == "100000", out
        return float(out[1])      # its own clock: no process start-up counted

    def diy_route():
        db.run("TRUNCATE staging;")
        lines, secs = db.run(copy + "\n" + diy)
        assert lines[-1] == "100000", lines
        return secs

    sides = {"ras": ras, "floor": floor, "diy": diy_route, "ft": foreign_table}
    for f in sides.values():      # warm-up: page cache of the simulator, token, catalogs
        f()
    times = {k: [] for k in sides}
    for run in range(RUNS):
        for name in alternate(run, list(sides)):
            times[name].append(sides[name]())
        log("  read run %d: ras %.3f floor %.3f diy %.3f ft %.3f" % (
            run + 1, times["ras"][-1], times["floor"][-1], times["diy"][-1],
            times["ft"][-1]))
    db.run("DROP TABLE staging;")
    return times


# --------------------------------------------------------------------------- 2. land

def bench_land(db, tok):
    """CREATE UNLOGGED TABLE AS SELECT * FROM ras.targets() vs urllib+json ETL + \\copy."""
    tsv = os.path.join(WORK, "etl.tsv")

    def ras():
        db.run("DROP TABLE IF EXISTS t_ras;")
        _, secs = db.run("CREATE UNLOGGED TABLE t_ras AS SELECT * FROM ras.targets();")
        return secs

    def etl():
        db.run("DROP TABLE IF EXISTS t_etl; CREATE UNLOGGED TABLE t_etl %s;" % TABLE_SHAPE)
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, os.path.join(HERE, "etl.py"), URL_100K, tok,
                              tsv], check=True, capture_output=True, text=True).stdout
        subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c",
                        "\\copy t_etl FROM '%s'" % tsv], check=True)
        secs = time.perf_counter() - t0
        assert out.strip() == "100000", out
        return secs

    sides = {"ras": ras, "etl": etl}
    times = {k: [] for k in sides}
    for run in range(RUNS):
        for name in alternate(run, list(sides)):
            times[name].append(sides[name]())
        log("  land run %d: ras %.3f etl %.3f" % (run + 1, times["ras"][-1], times["etl"][-1]))
    # Same table: same row count, and no row in one that is not in the other.
    n_ras = int(db.value("SELECT count(*) FROM t_ras;"))
    n_etl = int(db.value("SELECT count(*) FROM t_etl;"))
    diff = int(db.value("SELECT (SELECT count(*) FROM (TABLE t_ras EXCEPT ALL TABLE t_etl) a)"
                        " + (SELECT count(*) FROM (TABLE t_etl EXCEPT ALL TABLE t_ras) b);"))
    db.run("DROP TABLE t_ras; DROP TABLE t_etl;")
    os.unlink(tsv)
    return times, {"rows_ras": n_ras, "rows_etl": n_etl, "rows_differing": diff}


# --------------------------------------------------------------------------- 3. create

def bench_create(db, tok, v1=False):
    """ras.create_targets of 10,000 items vs curl posting the same 10 bodies; v1: the
    same with ras.create_sp_targets and POST /adsApi/v1/create/targets."""
    n, batch = 10000, 1000
    path = "/adsApi/v1/create/targets" if v1 else "/ras/v1/targets"
    url = URL_W + path
    tag = "v1" if v1 else "ras"
    body_files = [os.path.join(WORK, "create%d.json" % k) for k in range(n // batch)]
    out_files = [os.path.join(WORK, "created%d.json" % k) for k in range(n // batch)]

    def reset():
        # Same starting state for every side: only the seeded bench target exists.
        http("POST", URL_W + "/_sim/reset", {})

    def posts():
        return http("GET", URL_W + "/_sim/stats")["by_route"].get("POST " + path, 0)

    reset()
    if v1:
        campaign_id = None
        ad_group_id = db.value("SELECT ad_group_id FROM ras.sp_ad_groups(server => "
                               "'sim_write') WHERE name = 'Bench SP Ad Group';")
    else:
        campaign_id = db.value("SELECT campaign_id FROM ras.campaigns(server => 'sim_write') "
                               "WHERE name = 'Bench Campaign';")
        ad_group_id = db.value("SELECT ad_group_id FROM ras.ad_groups(server => 'sim_write') "
                               "WHERE name = 'Bench Ad Group';")
    assert ad_group_id, "no bench ad group on the write simulator"

    def item(side, i):
        out = {"adGroupId": ad_group_id, "state": "ENABLED", "negative": False,
               "targetType": "KEYWORD",
               "targetDetails": {"keywordTarget": {"matchType": "EXACT",
                                                   "keyword": "bench create %s %d" % (side, i)}},
               "bid": {"bid": 0.5}}
        if campaign_id:
            out["campaignId"] = campaign_id
        return out

    stats = {"ras_requests": [], "curl_requests": []}

    def ras(run):
        reset()
        items = [item("ras-%d" % run, i) for i in range(n)]
        # staged untimed, like the curl side's body files
        db.run("DROP TABLE IF EXISTS bench_items; CREATE TEMP TABLE bench_items(items jsonb);")
        with open(os.path.join(WORK, "items.copy"), "w") as fh:
            fh.write(json.dumps(items).replace("\\", "\\\\") + "\n")
        db.run("\\copy bench_items FROM '%s'" % os.path.join(WORK, "items.copy"))
        before = posts()
        lines, secs = db.run(
            "SELECT count(*) FILTER (WHERE ok) || ' ' || count(*) FROM "
            "ras.%s((SELECT items FROM bench_items), server => 'sim_write');"
            % ("create_sp_targets" if v1 else "create_targets"))
        stats["ras_requests"].append(posts() - before)
        assert lines[-1] == "%d %d" % (n, n), lines
        return secs

    def curl(run):
        reset()
        for k, body_file in enumerate(body_files):
            items = [item("curl-%d" % run, i) for i in range(k * batch, (k + 1) * batch)]
            if v1:
                items = [dict(x, adProduct="SPONSORED_PRODUCTS") for x in items]
            with open(body_file, "w") as fh:
                json.dump({"targets": items}, fh)
        if v1:
            headers = ["Amazon-Ads-ClientId: " + CLIENT_ID]
        else:
            headers = ["Amazon-Advertising-API-ClientId: " + CLIENT_ID,
                       "Prefer: return=representation"]
        headers += ["Authorization: Bearer " + tok, "Amazon-Advertising-API-Scope: " + PROFILE,
                    "Content-Type: application/json",
                    "Expect:"]      # no 100-continue wait on large bodies
        argv = ["curl", "-sS", "--max-time", "120"]
        for k in range(len(body_files)):
            if k:
                argv.append("--next")
            argv += ["-X", "POST", url, "--data-binary", "@" + body_files[k],
                     "-o", out_files[k], "-w", "%{http_code} %{num_connects}\\n"]
            for h in headers:
                argv += ["-H", h]
        before = posts()
        t0 = time.perf_counter()
        out = subprocess.run(argv, check=True, capture_output=True, text=True).stdout
        secs = time.perf_counter() - t0
        stats["curl_requests"].append(posts() - before)
        codes = out.split()
        assert codes[0::2] == ["207"] * len(body_files), out
        assert sum(int(c) for c in codes[1::2]) == 1, "curl did not keep the connection"
        if v1:
            ok = sum(len(json.load(open(p))["success"]) for p in out_files)
        else:
            ok = sum(len(json.load(open(p))["targets"]["success"]) for p in out_files)
        assert ok == n, ok
        return secs

    sides = {"ras": ras, "curl": curl}
    times = {k: [] for k in sides}
    for run in range(RUNS):
        for name in alternate(run, list(sides)):
            times[name].append(sides[name](run))
        log("  create (%s) run %d: ras %.3f curl %.3f" % (tag, run + 1, times["ras"][-1],
                                                          times["curl"][-1]))
    reset()
    db.run("DROP TABLE bench_items;")
    for p in body_files + out_files + [os.path.join(WORK, "items.copy")]:
        os.unlink(p)
    return times, stats


# --------------------------------------------------------------------------- 4. memory

def proc_status(pid):
    fields = {}
    with open("/proc/%d/status" % pid) as fh:
        for line in fh:
            key, _, rest = line.partition(":")
            if key in ("VmHWM", "VmRSS", "RssAnon"):
                fields[key] = int(rest.split()[0])      # kB
    return fields


def peak_memory(server, expected, sql=None, warm=None):
    """Peak memory of a fresh backend while it counts ras.targets() of a server (or runs
    sql, whose one value must be expected)."""
    db = session()
    pid = int(db.value("SELECT pg_backend_pid();"))
    # load the library, get the token, warm the catalogs: not what is measured
    db.run("SELECT count(*) FROM ras.campaigns(server => '%s');" % server)
    if warm:
        db.run(warm)
    temp0 = int(db.value("SELECT pg_stat_force_next_flush(); SELECT temp_bytes FROM "
                         "pg_stat_database WHERE datname = current_database();"))
    before = proc_status(pid)
    peak = dict(before)
    stop = threading.Event()

    def sample():               # VmHWM is the kernel's exact peak; RssAnon is sampled
        while not stop.is_set():
            s = proc_status(pid)
            for k in s:
                peak[k] = max(peak[k], s[k])
            time.sleep(0.005)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        lines, secs = db.run(sql or "SELECT count(*) FROM ras.targets(server => '%s');"
                             % server)
    finally:
        stop.set()
        sampler.join()
    assert lines[-1] == str(expected), lines
    after = proc_status(pid)
    peak["VmHWM"] = max(peak["VmHWM"], after["VmHWM"])
    temp1 = int(db.value("SELECT pg_stat_force_next_flush(); SELECT temp_bytes FROM "
                         "pg_stat_database WHERE datname = current_database();"))
    db.close()
    return {"hwm_kb": peak["VmHWM"], "anon_kb": peak["RssAnon"],
            "base_kb": before["VmRSS"], "secs": secs, "temp_bytes": temp1 - temp0}


def bench_memory():
    res = {"100k": [], "1m": []}
    for run in range(RUNS_1M):
        for name in alternate(run, ["100k", "1m"]):
            server, n = ("amazon_ads", 100000) if name == "100k" else ("sim_1m", 1000000)
            res[name].append(peak_memory(server, n))
        log("  memory run %d: 100k %s / 1M %s" % (run + 1, res["100k"][-1], res["1m"][-1]))
    return res


# --------------------------------------------------------------------------- 5. foreign tables

def keyword_lengths(n):
    """sum(length(keyword)) of the first n bench targets ("bench keyword <i>")."""
    return sum(14 + len(str(i)) for i in range(n))


FT_QUERIES = {
    "count": ("SELECT count(*) FROM %s.targets;", lambda n: n),
    "sum_length": ("SELECT sum(length(keyword)) FROM %s.targets;", keyword_lengths),
}


def bench_ft_memory():
    """Peak backend memory and temp bytes of foreign-table scans over 1M vs 100k."""
    res = {q: {"100k": [], "1m": []} for q in FT_QUERIES}
    expected = {(q, n): f(n) for q, (_, f) in FT_QUERIES.items() for n in (100000, 1000000)}
    for q, (sql, _) in FT_QUERIES.items():
        for run in range(RUNS_1M):
            for name in alternate(run, ["100k", "1m"]):
                server, schema, n = (("amazon_ads", "ft", 100000) if name == "100k"
                                     else ("sim_1m", "ft1m", 1000000))
                res[q][name].append(peak_memory(
                    server, expected[(q, n)], sql=sql % schema,
                    warm="SELECT count(*) FROM (SELECT * FROM %s.targets LIMIT 1) s;" % schema))
            log("  ft memory %s run %d: 100k %s / 1M %s" % (q, run + 1, res[q]["100k"][-1],
                                                            res[q]["1m"][-1]))
    return res


def list_posts(url):
    return http("GET", url + "/_sim/stats")["by_route"].get("POST /ras/v1/targets/list", 0)


def bench_ft_limit(db):
    """SELECT * FROM ft1m.targets LIMIT 10: the POSTs to /ras/v1/targets/list it makes."""
    db.run("SELECT count(*) FROM (SELECT * FROM ft1m.targets LIMIT 1) s;")    # warm-up
    requests, times = [], []
    for run in range(RUNS):
        before = list_posts(URL_1M)
        lines, secs = db.run("SELECT * FROM ft1m.targets LIMIT 10;")
        requests.append(list_posts(URL_1M) - before)
        times.append(secs)
        assert len(lines) == 10, lines
    log("  ft LIMIT 10 over 1M: requests %s, %s s" % (requests, " ".join(
        "%.3f" % t for t in times)))
    return requests, times


# --------------------------------------------------------------------------- 6. v1 read

def bench_v1_read(db, tok):
    """count(*) of ras.sp_targets() (100k, 5000 a page) vs floor --v1."""
    def ras():
        lines, secs = db.run("SELECT count(*) FROM ras.sp_targets();")
        assert lines[-1] == "100000", lines
        return secs

    def floor():
        out = subprocess.run([FLOOR, "--v1", URL_100K, tok], check=True, capture_output=True,
                             text=True, timeout=300).stdout.split()
        assert out[0] == "100000", out
        return float(out[1])

    sides = {"ras": ras, "floor": floor}
    for f in sides.values():      # warm-up
        f()
    times = {k: [] for k in sides}
    for run in range(RUNS):
        for name in alternate(run, list(sides)):
            times[name].append(sides[name]())
        log("  v1 read run %d: ras %.3f floor %.3f" % (run + 1, times["ras"][-1],
                                                       times["floor"][-1]))
    return times


# --------------------------------------------------------------------------- 7. fan-out

def retailer_posts():
    return http("GET", URL_FAN + "/_sim/stats")["by_route"].get("POST /ras/v1/retailers/list", 0)


def bench_fanout(db):
    """ras.retailers of 20 profiles (200 ms a request, 3 pages each) at max_concurrency 20
    and at the default 8, vs one profile alone."""
    many = "ARRAY[%s]" % ",".join("'%s'" % p for p in FAN_PROFILES)
    statements = {
        "one": ("RESET ras.max_concurrency;",
                "SELECT count(*) FROM ras.retailers(profile_id => '%s', server => 'sim_fan');"
                % FAN_PROFILES[0], "450"),
        "fan20": ("SET ras.max_concurrency = 20;",
                  "SELECT count(*) FROM ras.retailers(profile_ids => %s, server => 'sim_fan');"
                  % many, "9000"),
        "fan8": ("RESET ras.max_concurrency;",
                 "SELECT count(*) FROM ras.retailers(profile_ids => %s, server => 'sim_fan');"
                 % many, "9000"),
    }
    default = db.value("RESET ras.max_concurrency; SHOW ras.max_concurrency;")
    requests = {k: [] for k in statements}

    def side(name):
        setting, sql, expected = statements[name]
        db.run(setting)
        before = retailer_posts()
        lines, secs = db.run(sql)
        requests[name].append(retailer_posts() - before)
        assert lines[-1] == expected, (name, lines)
        return secs

    for name in statements:       # warm-up: tokens, catalogs
        side(name)
    requests = {k: [] for k in statements}
    times = {k: [] for k in statements}
    for run in range(RUNS):
        for name in alternate(run, list(statements)):
            times[name].append(side(name))
        log("  fan-out run %d: one %.3f, 20 profiles at 20 %.3f, at %s %.3f" % (
            run + 1, times["one"][-1], times["fan20"][-1], default, times["fan8"][-1]))
    db.run("RESET ras.max_concurrency;")
    return times, requests, int(default)


# --------------------------------------------------------------------------- 8. shared budget

def sim_counts(url):
    st = http("GET", url + "/_sim/stats")
    return st["by_route"].get("POST /ras/v1/retailers/list", 0), st.get("throttled", 0)


def bench_rate(secs=None):
    """8 sessions each looping a one-request ras.retailers() against a simulator limiting
    to RATE_LIMIT requests/s per profile: successes/s and the share answered 429."""
    secs = RATE_SECS if secs is None else secs
    port = URL_RATE.rsplit(":", 1)[1].split("/")[0]
    sql = ("SELECT count(*) FROM ras.retailers(retailer_ids => '{retailer-1}', "
           "profile_id => '%s', server => 'sim_rate');" % PROFILE)
    sessions = []
    for _ in range(RATE_SESSIONS):
        db = Psql()
        db.run("SET statement_timeout = '90s'; LOAD 'ras';")
        sessions.append(db)
    monitor = Psql()
    preload = monitor.value("SHOW shared_preload_libraries;") or ""
    done = [0] * RATE_SESSIONS
    failed = [0] * RATE_SESSIONS
    errors = []
    latencies = []
    samples = []                 # (t, rate, requests, throttled, paused) of ras.rate_limits
    stop = threading.Event()
    req0, thr0 = sim_counts(URL_RATE)
    t0 = time.perf_counter()
    deadline = t0 + secs

    def loop(k):
        db = sessions[k]
        while time.perf_counter() < deadline:
            try:
                lines, took = db.run(sql)
                if lines[-1] != "1":
                    raise RuntimeError("unexpected: %s" % lines)
                done[k] += 1
                latencies.append(took)
            except RuntimeError as exc:
                failed[k] += 1
                if len(errors) < 3:
                    errors.append(str(exc)[-300:])

    def watch():
        while not stop.is_set():
            row = monitor.value(
                "SELECT concat_ws(' ', rate, requests, throttled, coalesce(paused_until > "
                "now(), false)) FROM ras.rate_limits WHERE host = '127.0.0.1:%s' AND scope = "
                "'%s';" % (port, PROFILE))
            if row:
                r, n, t, p = row.split()
                samples.append((round(time.perf_counter() - t0, 1), float(r), int(n), int(t),
                                p == "t"))
            stop.wait(1.0)

    threads = [threading.Thread(target=loop, args=(k,)) for k in range(RATE_SESSIONS)]
    watcher = threading.Thread(target=watch)
    for th in threads:
        th.start()
    watcher.start()
    for th in threads:
        th.join()
    elapsed = time.perf_counter() - t0
    stop.set()
    watcher.join()
    req1, thr1 = sim_counts(URL_RATE)
    shared = monitor.value("SELECT coalesce(bool_or(shared)::text, 'no buckets') FROM "
                           "ras.rate_limits;")
    for db in sessions + [monitor]:
        db.close()
    requests, throttled = req1 - req0, thr1 - thr0
    out = {"preload": preload, "shared": shared, "seconds": elapsed, "requests": requests,
           "throttled": throttled, "ok_per_s": (requests - throttled) / elapsed,
           "statements_per_s": sum(done) / elapsed, "statements": sum(done),
           "failed_statements": sum(failed), "errors": errors,
           "share_429": throttled / requests if requests else 0.0,
           "latency_median": median(latencies) if latencies else None,
           "latency_max": max(latencies) if latencies else None,
           "samples": samples}
    log("  shared budget (%s): %d requests, %d answered 429, %.2f ok/s, %d statements, "
        "%d failed" % (preload or "not preloaded", requests, throttled, out["ok_per_s"],
                       sum(done), sum(failed)))
    return out


# --------------------------------------------------------------------------- report

def fmt_s(x):
    return "%.2f s" % x


def fmt_mb(kb):
    return "%.1f MB" % (kb / 1024)


def guarded(what, fn, *args, **kwargs):
    """(result, None), or (None, the error) when a measurement failed: the table still
    comes out, the failed lines marked MISSED with the reason below it."""
    try:
        return fn(*args, **kwargs), None
    except Exception as exc:      # noqa: BLE001 - reported in the table
        log("  %s FAILED: %s: %s" % (what, type(exc).__name__, str(exc)[:2000]))
        return None, "%s: %s" % (type(exc).__name__, str(exc).strip().splitlines()[0][:300]
                                 if str(exc).strip() else "")


def rate_only(out_path):
    db = Psql()
    setup(db)
    db.close()
    log("shared budget, not preloaded: %d sessions for %.0f s" % (RATE_SESSIONS, RATE_SECS))
    res, err = guarded("shared budget", bench_rate)
    with open(out_path, "w") as fh:
        json.dump(res if res is not None else {"error": err}, fh)


def main():
    t_start = time.perf_counter()
    db = Psql()
    setup(db)
    db.close()
    db = session()
    tok_100k, tok_w = token(URL_100K), token(URL_W)

    log("1. read 100k targets, function and foreign table (%d runs)" % RUNS)
    read = bench_read(db, tok_100k)
    log("2. land 100k targets (%d runs)" % RUNS)
    land, land_check = bench_land(db, tok_100k)
    log("3. create 10k targets (%d runs)" % RUNS)
    create, create_stats = bench_create(db, tok_w)
    log("4. v1: read 100k SP targets, create 10k (%d runs)" % RUNS)
    v1read, v1read_err = guarded("v1 read", bench_v1_read, db, tok_100k)
    v1create, v1create_err = guarded("v1 create", bench_create, db, tok_w, v1=True)
    log("5. foreign table: LIMIT 10 over 1M targets (%d runs)" % RUNS)
    ftlimit, ftlimit_err = guarded("ft limit", bench_ft_limit, db)
    log("6. retailers of 20 profiles at 200 ms a request (%d runs)" % RUNS)
    fan, fan_err = guarded("fan-out", bench_fanout, db)
    db.close()
    log("7. peak backend memory, 100k vs 1M targets (%d runs)" % RUNS_1M)
    mem = bench_memory()
    log("8. foreign tables: peak backend memory and temp files, 100k vs 1M (%d runs)"
        % RUNS_1M)
    ftmem, ftmem_err = guarded("ft memory", bench_ft_memory)
    log("9. shared budget, preloaded: %d sessions for %.0f s" % (RATE_SESSIONS, RATE_SECS))
    rate, rate_err = guarded("shared budget", bench_rate)
    other, other_err = None, "not measured"
    if RATE_OTHER and os.path.exists(RATE_OTHER):
        with open(RATE_OTHER) as fh:
            other = json.load(fh)
        other_err = other.get("error")
        if other_err:
            other = None

    def ratios(a, b):
        return [x / y for x, y in zip(a, b)]

    rows = []   # (benchmark, ras, baseline, ratio, target, verdict)
    failures = []

    def add(label, ras, base, ratio, target, ok, fmt=fmt_s):
        rows.append((label, fmt(ras), fmt(base), "%.2fx" % ratio, target,
                     "ok" if ok else "MISSED"))

    def add_raw(label, ras, base, ratio, target, verdict):
        rows.append((label, ras, base, ratio, target, verdict))

    def failed(labels, target, err):
        for label in labels:
            add_raw(label, "-", "-", "-", target, "MISSED")
        failures.append("%s: %s" % (labels[0], err))

    r = median(ratios(read["ras"], read["floor"]))
    add("read 100k targets (floor: curl+json-c)", median(read["ras"]),
        median(read["floor"]), r, "<= 1.5x", r <= 1.5)
    r = median(ratios(read["ras"], read["diy"]))
    add("read 100k targets (COPY + jsonb SQL)", median(read["ras"]),
        median(read["diy"]), r, "< 1.0x", r < 1.0)
    r = median(ratios(land["ras"], land["etl"]))
    add("land 100k targets (Python ETL + \\copy)", median(land["ras"]),
        median(land["etl"]), r, "<= 0.20x", r <= 0.2)
    r = median(ratios(create["ras"], create["curl"]))
    reqs_ok = all(k == 10 for k in create_stats["ras_requests"])
    add("create 10k targets (curl, same 10 bodies)", median(create["ras"]),
        median(create["curl"]), r, "<= 1.2x", r <= 1.2 and reqs_ok)
    hwm_1m = [m["hwm_kb"] for m in mem["1m"]]
    hwm_100k = [m["hwm_kb"] for m in mem["100k"]]
    r = median(ratios(hwm_1m, hwm_100k))
    add("peak backend RSS, 1M vs 100k targets", median(hwm_1m), median(hwm_100k), r,
        "<= 1.2x", r <= 1.2, fmt=fmt_mb)

    # foreign tables
    r = median(ratios(read["ft"], read["floor"]))
    add("ft: count 100k targets (floor: curl+json-c)", median(read["ft"]),
        median(read["floor"]), r, "<= 1.0x", r <= 1.0)
    ft_labels = {"count": "ft: peak RSS 1M vs 100k, count(*)",
                 "sum_length": "ft: peak RSS 1M vs 100k, sum(length(keyword))"}
    if ftmem is not None:
        temp_1m = 0
        for q, label in ft_labels.items():
            h1m = [m["hwm_kb"] for m in ftmem[q]["1m"]]
            h100k = [m["hwm_kb"] for m in ftmem[q]["100k"]]
            r = median(ratios(h1m, h100k))
            temp_1m = max([temp_1m] + [m["temp_bytes"] for m in ftmem[q]["1m"]])
            add(label, median(h1m), median(h100k), r, "<= 1.2x", r <= 1.2, fmt=fmt_mb)
        add_raw("ft: temp files, 1M targets (both queries)", "%d B" % temp_1m, "-", "-",
                "0 B", "ok" if temp_1m == 0 else "MISSED")
    else:
        failed(list(ft_labels.values()) + ["ft: temp files, 1M targets (both queries)"],
               "<= 1.2x", ftmem_err)
    if ftlimit is not None:
        reqs, _ = ftlimit
        add_raw("ft: SELECT * LIMIT 10 over 1M, requests", "%d" % max(reqs), "-", "-",
                "1 request", "ok" if all(k == 1 for k in reqs) else "MISSED")
    else:
        failed(["ft: SELECT * LIMIT 10 over 1M, requests"], "1 request", ftlimit_err)

    # Amazon Ads API v1
    if v1read is not None:
        r = median(ratios(v1read["ras"], v1read["floor"]))
        add("v1: read 100k SP targets (floor: curl+json-c)", median(v1read["ras"]),
            median(v1read["floor"]), r, "<= 1.5x", r <= 1.5)
    else:
        failed(["v1: read 100k SP targets (floor: curl+json-c)"], "<= 1.5x", v1read_err)
    if v1create is not None:
        v1times, v1stats = v1create
        r = median(ratios(v1times["ras"], v1times["curl"]))
        reqs_ok = all(k == 10 for k in v1stats["ras_requests"])
        add("v1: create 10k SP targets (curl, 10 bodies)", median(v1times["ras"]),
            median(v1times["curl"]), r, "<= 1.2x", r <= 1.2 and reqs_ok)
    else:
        failed(["v1: create 10k SP targets (curl, 10 bodies)"], "<= 1.2x", v1create_err)

    # many profiles at once
    fan_labels = ["20 profiles, max_concurrency 20 (1 profile)",
                  "20 profiles, max_concurrency 8 (8-slot best)"]
    if fan is not None:
        ftimes, freqs, default_conc = fan
        r = median(ratios(ftimes["fan20"], ftimes["one"]))
        add(fan_labels[0], median(ftimes["fan20"]), median(ftimes["one"]), r, "<= 1.5x",
            r <= 1.5)
        # best schedule of 60 requests of 200 ms on 8 slots, plus the fixed overhead the
        # one-profile run shows beyond its 3 x 200 ms
        rounds = -(-20 * 3 // default_conc)
        best = [rounds * FAN_LATENCY + max(0.0, one - 3 * FAN_LATENCY) for one in ftimes["one"]]
        r = median(ratios(ftimes["fan8"], best))
        fan_labels[1] = "20 profiles, max_concurrency %d (%d-slot best)" % (default_conc,
                                                                           default_conc)
        add(fan_labels[1], median(ftimes["fan8"]), median(best), r, "<= 1.3x", r <= 1.3)
    else:
        failed(fan_labels, "<= 1.5x", fan_err)

    # shared request budget
    def rate_rows(res, err, label, with_target):
        ok_label = "budget %s: ok requests/s (limit 10)" % label
        t_label = "budget %s: answered 429" % label
        if res is None:
            if with_target:
                failed([ok_label, t_label], ">= 0.80x", err)
            else:
                add_raw(ok_label, "-", "-", "-", "(info)", "-")
                failures.append("%s: %s" % (ok_label, err))
            return
        ratio = res["ok_per_s"] / RATE_LIMIT
        share = res["share_429"]
        add_raw(ok_label, "%.2f/s" % res["ok_per_s"], "%.2f/s" % RATE_LIMIT, "%.2fx" % ratio,
                ">= 0.80x" if with_target else "(info)",
                ("ok" if ratio >= 0.8 else "MISSED") if with_target else "-")
        add_raw(t_label, "%.1f%%" % (100 * share), "-", "-",
                "<= 5%" if with_target else "(info)",
                ("ok" if share <= 0.05 else "MISSED") if with_target else "-")

    rate_rows(rate, rate_err, "preloaded", True)
    rate_rows(other, other_err, "not preloaded", False)

    head = ("benchmark", "ras", "baseline", "ratio", "target", "")
    widths = [max(len(str(x[i])) for x in rows + [head]) for i in range(len(head))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip()
             for row in [head] + rows]
    anon = lambda k: median([m["anon_kb"] for m in mem[k]])
    temp = lambda k: median([m["temp_bytes"] for m in mem[k]])
    secs = lambda k: median([m["secs"] for m in mem[k]])
    notes = [
        "",
        "ratio = ras / baseline, median of %d runs (memory: %d); lower is better."
        % (RUNS, RUNS_1M),
        "create: POST /ras/v1/targets per call: ras %s, curl %s (expected 10)"
        % (create_stats["ras_requests"], create_stats["curl_requests"]),
        "land: rows ras %(rows_ras)d, ETL %(rows_etl)d, rows differing %(rows_differing)d"
        % land_check,
        "memory: private (RssAnon) peak 100k %s, 1M %s; temp files 100k %.0f MB, 1M %.0f MB;"
        " 1M listed in %.2f s" % (fmt_mb(anon("100k")), fmt_mb(anon("1m")),
                                  temp("100k") / 2**20, temp("1m") / 2**20, secs("1m")),
        "runs (s): read ras %s floor %s diy %s ft %s" % tuple(
            " ".join("%.3f" % x for x in read[k]) for k in ("ras", "floor", "diy", "ft")),
        "          land ras %s etl %s; create ras %s curl %s" % tuple(
            " ".join("%.3f" % x for x in t[k]) for t, k in
            ((land, "ras"), (land, "etl"), (create, "ras"), (create, "curl"))),
    ]
    if ftmem is not None:
        for q in ft_labels:
            m1, m0 = ftmem[q]["1m"], ftmem[q]["100k"]
            notes.append("ft %s: RssAnon peak 100k %s, 1M %s; temp bytes 1M %s; 1M in %.2f s,"
                         " 100k in %.2f s" % (
                             q, fmt_mb(median([m["anon_kb"] for m in m0])),
                             fmt_mb(median([m["anon_kb"] for m in m1])),
                             [m["temp_bytes"] for m in m1],
                             median([m["secs"] for m in m1]), median([m["secs"] for m in m0])))
    if ftlimit is not None:
        notes.append("ft LIMIT 10 over 1M: POST /ras/v1/targets/list per statement %s, "
                     "%.3f s (median)" % (ftlimit[0], median(ftlimit[1])))
    if v1read is not None:
        notes.append("v1 read runs (s): ras %s floor %s" % tuple(
            " ".join("%.3f" % x for x in v1read[k]) for k in ("ras", "floor")))
    if v1create is not None:
        notes.append("v1 create: POST /adsApi/v1/create/targets per call: ras %s, curl %s "
                     "(expected 10); runs (s) ras %s curl %s" % (
                         v1create[1]["ras_requests"], v1create[1]["curl_requests"],
                         " ".join("%.3f" % x for x in v1create[0]["ras"]),
                         " ".join("%.3f" % x for x in v1create[0]["curl"])))
    if fan is not None:
        notes.append("fan-out: retailers requests per statement: one %s, 20 at 20 %s, 20 at "
                     "%d %s" % (freqs["one"][:1], freqs["fan20"][:1], default_conc,
                                freqs["fan8"][:1]))
        notes.append("          runs (s): one %s; 20 at 20 %s; 20 at %d %s" % (
            " ".join("%.3f" % x for x in ftimes["one"]),
            " ".join("%.3f" % x for x in ftimes["fan20"]), default_conc,
            " ".join("%.3f" % x for x in ftimes["fan8"])))
    for label, res in (("preloaded", rate), ("not preloaded", other)):
        if res is None:
            continue
        notes.append("budget %s (shared_preload_libraries '%s', buckets shared: %s): %d "
                     "sessions, %.1f s, %d requests, %d answered 429, %d statements done "
                     "(%.2f/s), %d failed; statement latency median %.2f s, max %.2f s" % (
                         label, res["preload"], res["shared"], RATE_SESSIONS, res["seconds"],
                         res["requests"], res["throttled"], res["statements"],
                         res["statements_per_s"], res["failed_statements"],
                         res["latency_median"] or 0, res["latency_max"] or 0))
        for e in res["errors"][:2]:
            notes.append("          error: %s" % e.replace("\n", " ")[-200:])
        if res["samples"]:
            notes.append("          ras.rate_limits each second (t: rate/429s): " + " ".join(
                "%g:%g/%d%s" % (t, r, th, "p" if p else "") for t, r, n, th, p in
                res["samples"]))
    for f in failures:
        notes.append("FAILED " + f)
    notes.append("total bench time %.0f s; %d CPUs; PostgreSQL work_mem default; cluster "
                 "with shared_preload_libraries = '%s'" % (
                     time.perf_counter() - t_start, os.cpu_count(),
                     rate["preload"] if rate else "?"))
    text = "\n".join(lines + notes) + "\n"
    print(text, end="")
    with open(RESULTS, "w") as fh:
        fh.write(time.strftime("%Y-%m-%d %H:%M:%S %Z\n") + text)


if __name__ == "__main__":
    if RATE_ONLY:
        rate_only(sys.argv[2])
    else:
        main()
