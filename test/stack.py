#!/usr/bin/env python3
"""Start and stop the test stack: the Amazon Ads simulator and Prism in front of it.

    python3 test/stack.py start --dir DIR [--no-proxy] [--report-only] [-- SIM_ARGS...]
    python3 test/stack.py stop --dir DIR
    python3 test/stack.py violations --dir DIR

`start` runs test/sim/main.py and `prism proxy --errors` on free 127.0.0.1 ports, waits
until both answer, and writes DIR/env.sh (source it) with:
    RAS_SIM_URL    simulator base URL: admin API (/_sim/...) and report downloads
    RAS_TOKEN_URL  $RAS_SIM_URL/auth/o2/token (not in Amazon's specs, so never proxied)
    RAS_API_URL    the Prism proxy (with --no-proxy: the simulator itself)
    RAS_PRISM_LOG  Prism's log file (empty with --no-proxy)
    RAS_SIM_PID, RAS_PRISM_PID, RAS_STACK_DIR
`--report-only` runs Prism without --errors: traffic passes unchanged and each violation is
logged with its details (use it to debug a violation; `violations` still fails the run).
`stop` ends both (process groups, TERM then KILL). `violations` prints every contract
violation in Prism's log and exits 1 if there is any. Python standard library only.
"""
import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PRISM = os.path.join(REPO, "test", "contract", "node_modules", ".bin", "prism")
MERGE = os.path.join(REPO, "test", "contract", "merge-specs.py")
SPEC = os.path.join(REPO, "test", "contract", "build", "ras-merged.json")
SIM = os.path.join(REPO, "test", "sim", "main.py")


class StackError(Exception):
    pass


# --------------------------------------------------------------------------- processes

def spawn(argv, log_path):
    """Start argv in its own session (so stop can kill the whole group) logging to a file."""
    log = open(log_path, "ab")
    try:
        return subprocess.Popen(argv, cwd=REPO, stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
    finally:
        log.close()


def alive(pid):
    """True if pid runs (a zombie counts as dead)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


def is_ours(entry):
    """Guard against pid reuse: the process must still run the command we started."""
    try:
        with open(f"/proc/{entry['pid']}/cmdline", "rb") as fh:
            return entry["marker"].encode() in fh.read()
    except OSError:
        return False


def kill_entry(entry, grace=5.0):
    pid = entry["pid"]
    if not alive(pid) or not is_ours(entry):
        return
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 2.0)):
        try:
            os.killpg(pid, sig)  # the process is its group's leader (start_new_session)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if not alive(pid):
                return
            time.sleep(0.05)
    raise StackError(f"{entry['name']} (pid {pid}) did not exit")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tail(path, n=30):
    try:
        with open(path, errors="replace") as fh:
            return "".join(fh.readlines()[-n:])
    except OSError:
        return "(no log)\n"


def http_answers(url, timeout=2.0):
    """True if something speaks HTTP at url (any status counts)."""
    try:
        urllib.request.urlopen(url, timeout=timeout).close()
        return True
    except urllib.error.HTTPError:
        return True
    except (OSError, ValueError):
        return False


def tcp_answers(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2.0).close()
        return True
    except OSError:
        return False


def wait_for(what, check, proc, log_path, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise StackError(f"{what} exited with status {proc.returncode}:\n{tail(log_path)}")
        result = check()
        if result:
            return result
        time.sleep(0.1)
    raise StackError(f"{what} not ready after {timeout:.0f} s:\n{tail(log_path)}")


# --------------------------------------------------------------------------- state files

def paths(d):
    return {k: os.path.join(d, f) for k, f in (
        ("state", "stack.json"), ("env", "env.sh"), ("sim_log", "sim.log"),
        ("sim_port", "sim.port"), ("prism_log", "prism.log"))}


def save_state(p, state):
    tmp = p["state"] + ".tmp"
    with open(tmp, "w") as fh:
        json.dump(state, fh, indent=1)
    os.replace(tmp, p["state"])


def load_state(p):
    try:
        with open(p["state"]) as fh:
            return json.load(fh)
    except FileNotFoundError:
        return None


def shell_quote(s):
    return "'" + str(s).replace("'", "'\"'\"'") + "'"


# --------------------------------------------------------------------------- commands

def cmd_start(args):
    d = os.path.abspath(args.dir)
    os.makedirs(d, exist_ok=True)
    p = paths(d)
    if load_state(p):  # a previous run crashed or was not stopped
        stop_all(p)
    for f in ("env", "sim_port", "sim_log", "prism_log"):
        if os.path.exists(p[f]):
            os.unlink(p[f])
    if not os.path.exists(SIM):
        raise StackError(f"{SIM} not found")
    if not args.no_proxy and not os.access(PRISM, os.X_OK):
        raise StackError(f"{PRISM} not found: run bash test/install-deps.sh")

    state = {"dir": d, "procs": []}
    try:
        # Simulator: binds a free port itself and reports it through the port file.
        sim_args = [a for a in args.sim_args if a != "--"]
        argv = [sys.executable, SIM, "--host", "127.0.0.1", "--port", "0",
                "--port-file", p["sim_port"], "--seed", str(args.seed)] + sim_args
        proc = spawn(argv, p["sim_log"])
        state["procs"].append({"name": "simulator", "pid": proc.pid, "marker": p["sim_port"]})
        save_state(p, state)

        def sim_port():
            try:
                with open(p["sim_port"]) as fh:
                    return int(fh.read().strip() or 0)
            except (OSError, ValueError):
                return 0
        port = wait_for("simulator", sim_port, proc, p["sim_log"], args.timeout)
        sim_url = f"http://127.0.0.1:{port}"
        wait_for("simulator", lambda: http_answers(sim_url + "/_sim/stats"), proc,
                 p["sim_log"], args.timeout)

        api_url, prism_pid = sim_url, ""
        if not args.no_proxy:
            subprocess.run([sys.executable, MERGE, "--out", SPEC], check=True,
                           timeout=60, stdin=subprocess.DEVNULL)
            api_url, prism_pid = start_prism(args, p, state, sim_url)

        env = {
            "RAS_SIM_URL": sim_url,
            "RAS_TOKEN_URL": sim_url + "/auth/o2/token",
            "RAS_API_URL": api_url,
            "RAS_PRISM_LOG": "" if args.no_proxy else p["prism_log"],
            "RAS_SIM_PID": proc.pid,
            "RAS_PRISM_PID": prism_pid,
            "RAS_STACK_DIR": d,
        }
        tmp = p["env"] + ".tmp"
        with open(tmp, "w") as fh:
            fh.write("# written by test/stack.py start; source it\n")
            for k, v in env.items():
                fh.write(f"export {k}={shell_quote(v)}\n")
        os.replace(tmp, p["env"])
    except BaseException:
        stop_all(p)
        raise
    print(f"stack: simulator {sim_url}, API {api_url}"
          f"{' (no proxy)' if args.no_proxy else ' (prism)'}; env in {p['env']}")


def start_prism(args, p, state, sim_url):
    # Prism has no "port 0", so pick a free port and retry if another process took it.
    for attempt in range(3):
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        argv = [PRISM, "proxy", "--cors=false", "-h", "127.0.0.1", "-p", str(port),
                SPEC, sim_url]
        if not args.report_only:
            argv.insert(2, "--errors")
        proc = spawn(argv, p["prism_log"])
        state["procs"].append({"name": "prism", "pid": proc.pid, "marker": SPEC})
        save_state(p, state)

        def listening():
            # TCP only: any HTTP request through Prism would be logged as traffic.
            return "Prism is listening" in tail(p["prism_log"], 5) and tcp_answers(port)
        try:
            wait_for("prism", listening, proc, p["prism_log"], args.timeout)
            return url, proc.pid
        except StackError:
            if proc.poll() is None or "EADDRINUSE" not in tail(p["prism_log"]) or attempt == 2:
                raise
            state["procs"].pop()


def stop_all(p):
    state = load_state(p)
    if not state:
        return False
    errors = []
    for entry in reversed(state["procs"]):
        try:
            kill_entry(entry)
        except StackError as e:
            errors.append(str(e))
    if errors:
        raise StackError("; ".join(errors))
    os.unlink(p["state"])
    return True


def cmd_stop(args):
    p = paths(os.path.abspath(args.dir))
    print("stack: stopped" if stop_all(p) else "stack: nothing running")


# Prism's error types (https://stoplight.io/prism/errors#TYPE) that mean the traffic broke
# the contract. Any other Prism error type also counts (be strict), except FetchError:
# the upstream dropped the connection, which fault-injection tests do on purpose.
ANSI = re.compile(r"\x1b\[[0-9;]*m")
TERMINATED = re.compile(r"\[HTTP SERVER\] (\S+) (\S+) .*Request terminated with error: (\S+)")
RECEIVED = re.compile(r"\[HTTP SERVER\] (\S+) (\S+) .*Request received")


def parse_violations(lines):
    """Return (violations, upstream_errors, requests) from Prism log lines."""
    violations, upstream, requests, last = [], [], 0, "?"
    for raw in lines:
        line = ANSI.sub("", raw.rstrip("\n"))
        m = RECEIVED.search(line)
        if m:
            requests += 1
            last = f"{m.group(1).upper()} {m.group(2)}"
            continue
        m = TERMINATED.search(line)
        if m:
            where = f"{m.group(1).upper()} {m.group(2)}"
            if m.group(3).startswith("FetchError"):
                upstream.append(f"{where}: {line.split('Request terminated with error: ')[1]}")
            else:
                violations.append(f"{where}: {line.split('Request terminated with error: ')[1]}")
            continue
        if "Violation:" in line:  # validator lines name no route: use the latest request
            violations.append(f"{last} (nearest): {line.split('Violation:', 1)[1].strip()}")
    return violations, upstream, requests


def cmd_violations(args):
    p = paths(os.path.abspath(args.dir))
    state = load_state(p)
    if not os.path.exists(p["prism_log"]):
        print("contract: no proxy in this stack, nothing checked")
        return 0
    with open(p["prism_log"], errors="replace") as fh:
        violations, upstream, requests = parse_violations(fh)
    problems = list(violations)
    for entry in (state or {}).get("procs", []):
        if entry["name"] == "prism" and not alive(entry["pid"]):
            problems.append(f"prism (pid {entry['pid']}) died during the run:\n{tail(p['prism_log'])}")
    for u in upstream:
        print(f"contract: note, upstream failure (not a violation): {u}")
    if requests == 0:
        # the tests' traffic goes through the proxy: none at all means nothing was checked
        problems.append("no request went through the proxy, so nothing was checked")
    for v in problems:
        print(f"contract: VIOLATION {v}")
    print(f"contract: {requests} proxied requests, {len(problems)} violations "
          f"(details: {p['prism_log']})")
    return 1 if problems else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("start")
    s.add_argument("--dir", required=True)
    s.add_argument("--no-proxy", action="store_true", help="RAS_API_URL = simulator")
    s.add_argument("--report-only", action="store_true", help="Prism without --errors")
    s.add_argument("--seed", type=int, default=42)
    s.add_argument("--timeout", type=float, default=60.0, help="seconds per process")
    s.add_argument("sim_args", nargs="*", help="extra simulator arguments, after --")
    for name in ("stop", "violations"):
        sub.add_parser(name).add_argument("--dir", required=True)
    args = ap.parse_args()
    try:
        if args.cmd == "start":
            cmd_start(args)
        elif args.cmd == "stop":
            cmd_stop(args)
        else:
            return cmd_violations(args)
    except (StackError, subprocess.SubprocessError, OSError) as e:
        print(f"stack: {args.cmd} failed: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
