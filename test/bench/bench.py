#!/usr/bin/env python3
"""The `make bench` measurements; test/bench/run.sh starts the simulators and a
throw-away cluster (PG* set) and runs this inside it. Python standard library only.

Every figure is ras against a baseline measured in the same run (the order of the
sides alternates from run to run, so drift and noise from other processes hit both);
the table shows the medians of the times and the median of the per-run ratios.

Environment (set by run.sh): BENCH_WORK (scratch dir), BENCH_FLOOR (floor binary),
BENCH_URL_100K / BENCH_URL_1M / BENCH_URL_WRITE (simulators with 100,000, 1,000,000
and 1 bench targets), BENCH_RESULTS (file the table is also written to),
BENCH_RUNS (default 5), BENCH_RUNS_1M (default 3).
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
WORK = os.environ["BENCH_WORK"]
FLOOR = os.environ["BENCH_FLOOR"]
URL_100K = os.environ["BENCH_URL_100K"]
URL_1M = os.environ["BENCH_URL_1M"]
URL_W = os.environ["BENCH_URL_WRITE"]
RESULTS = os.environ["BENCH_RESULTS"]
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
RUNS_1M = int(os.environ.get("BENCH_RUNS_1M", "3"))
PROFILE = "1234567890"
CLIENT_ID = "amzn1.application-oa2-client.sim"
SERVERS = {"amazon_ads": URL_100K, "sim_1m": URL_1M, "sim_write": URL_W}

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
    created_at timestamptz, updated_at timestamptz, raw jsonb)"""


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
    # Defaults for every later session: the 100k simulator, the bench profile.
    db.run(f"""DO $$ BEGIN
        EXECUTE format('ALTER DATABASE %I SET ras.profile_id = %L', current_database(), '{PROFILE}');
        EXECUTE format('ALTER DATABASE %I SET ras.server = %L', current_database(), 'amazon_ads');
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

    sides = {"ras": ras, "floor": floor, "diy": diy_route}
    for f in sides.values():      # warm-up: page cache of the simulator, token, catalogs
        f()
    times = {k: [] for k in sides}
    for run in range(RUNS):
        for name in alternate(run, list(sides)):
            times[name].append(sides[name]())
        log("  read run %d: ras %.3f floor %.3f diy %.3f" % (
            run + 1, times["ras"][-1], times["floor"][-1], times["diy"][-1]))
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

def bench_create(db, tok):
    """ras.create_targets of 10,000 items vs curl posting the same 10 bodies."""
    n, batch = 10000, 1000
    url = URL_W + "/ras/v1/targets"
    body_files = [os.path.join(WORK, "create%d.json" % k) for k in range(n // batch)]
    out_files = [os.path.join(WORK, "created%d.json" % k) for k in range(n // batch)]

    def reset():
        # Same starting state for every side: only the seeded bench target exists.
        http("POST", URL_W + "/_sim/reset", {})

    def posts():
        return http("GET", URL_W + "/_sim/stats")["by_route"].get("POST /ras/v1/targets", 0)

    reset()
    campaign_id = db.value("SELECT campaign_id FROM ras.campaigns(server => 'sim_write') "
                           "WHERE name = 'Bench Campaign';")
    ad_group_id = db.value("SELECT ad_group_id FROM ras.ad_groups(server => 'sim_write') "
                           "WHERE name = 'Bench Ad Group';")

    def item(tag, i):
        return {"campaignId": campaign_id, "adGroupId": ad_group_id, "state": "ENABLED",
                "negative": False, "targetType": "KEYWORD",
                "targetDetails": {"keywordTarget": {"matchType": "EXACT",
                                                    "keyword": "bench create %s %d" % (tag, i)}},
                "bid": {"bid": 0.5}}

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
            "ras.create_targets((SELECT items FROM bench_items), server => 'sim_write');")
        stats["ras_requests"].append(posts() - before)
        assert lines[-1] == "%d %d" % (n, n), lines
        return secs

    def curl(run):
        reset()
        for k, path in enumerate(body_files):
            with open(path, "w") as fh:
                json.dump({"targets": [item("curl-%d" % run, i)
                                       for i in range(k * batch, (k + 1) * batch)]}, fh)
        argv = ["curl", "-sS"]
        for k in range(len(body_files)):
            if k:
                argv.append("--next")
            argv += ["-X", "POST", url, "--data-binary", "@" + body_files[k],
                     "-o", out_files[k], "-w", "%{http_code} %{num_connects}\\n",
                     "-H", "Authorization: Bearer " + tok,
                     "-H", "Amazon-Advertising-API-ClientId: " + CLIENT_ID,
                     "-H", "Amazon-Advertising-API-Scope: " + PROFILE,
                     "-H", "Content-Type: application/json",
                     "-H", "Prefer: return=representation",
                     "-H", "Expect:"]      # no 100-continue wait on large bodies
        before = posts()
        t0 = time.perf_counter()
        out = subprocess.run(argv, check=True, capture_output=True, text=True).stdout
        secs = time.perf_counter() - t0
        stats["curl_requests"].append(posts() - before)
        codes = out.split()
        assert codes[0::2] == ["207"] * len(body_files), out
        assert sum(int(c) for c in codes[1::2]) == 1, "curl did not keep the connection"
        ok = sum(len(json.load(open(p))["targets"]["success"]) for p in out_files)
        assert ok == n, ok
        return secs

    sides = {"ras": ras, "curl": curl}
    times = {k: [] for k in sides}
    for run in range(RUNS):
        for name in alternate(run, list(sides)):
            times[name].append(sides[name](run))
        log("  create run %d: ras %.3f curl %.3f" % (run + 1, times["ras"][-1],
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


def peak_memory(server, expected):
    """Peak memory of a fresh backend while it counts ras.targets() of a server."""
    db = session()
    pid = int(db.value("SELECT pg_backend_pid();"))
    # load the library, get the token, warm the catalogs: not what is measured
    db.run("SELECT count(*) FROM ras.campaigns(server => '%s');" % server)
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
        lines, secs = db.run("SELECT count(*) FROM ras.targets(server => '%s');" % server)
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


# --------------------------------------------------------------------------- report

def fmt_s(x):
    return "%.2f s" % x


def fmt_mb(kb):
    return "%.1f MB" % (kb / 1024)


def main():
    t_start = time.perf_counter()
    db = Psql()
    setup(db)
    db.close()
    db = session()
    tok_100k, tok_w = token(URL_100K), token(URL_W)

    log("1. read 100k targets (%d runs)" % RUNS)
    read = bench_read(db, tok_100k)
    log("2. land 100k targets (%d runs)" % RUNS)
    land, land_check = bench_land(db, tok_100k)
    log("3. create 10k targets (%d runs)" % RUNS)
    create, create_stats = bench_create(db, tok_w)
    db.close()
    log("4. peak backend memory, 100k vs 1M targets (%d runs)" % RUNS_1M)
    mem = bench_memory()

    def ratios(a, b):
        return [x / y for x, y in zip(a, b)]

    rows = []   # (benchmark, ras, baseline, ratio, target, verdict)

    def add(label, ras, base, ratio, target, ok, fmt=fmt_s):
        rows.append((label, fmt(ras), fmt(base), "%.2fx" % ratio, target,
                     "ok" if ok else "MISSED"))

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
        "runs (s): read ras %s floor %s diy %s" % tuple(
            " ".join("%.3f" % x for x in read[k]) for k in ("ras", "floor", "diy")),
        "          land ras %s etl %s; create ras %s curl %s" % tuple(
            " ".join("%.3f" % x for x in t[k]) for t, k in
            ((land, "ras"), (land, "etl"), (create, "ras"), (create, "curl"))),
        "total bench time %.0f s; %d CPUs; PostgreSQL work_mem default"
        % (time.perf_counter() - t_start, os.cpu_count()),
    ]
    text = "\n".join(lines + notes) + "\n"
    print(text, end="")
    with open(RESULTS, "w") as fh:
        fh.write(time.strftime("%Y-%m-%d %H:%M:%S %Z\n") + text)


if __name__ == "__main__":
    main()
