#!/usr/bin/env python3
"""Amazon Ads API simulator for the ras tests (see test/README.md).

    python3 test/sim/main.py [--host 127.0.0.1] [--port 0] [--port-file PATH] [--seed 42]
                             [--public-url URL] [--report-delay SECONDS]
                             [--bench-targets N [--bench-v1-targets N]] [--latency MS]
                             [--latency-path PREFIX=MS ...] [--rate-limit RPS]
                             [--rate-burst N] [--verbose]
"""

import argparse
import os
import signal
import sys
import tempfile

import bench
import state

import traffic
from app import Simulator
from server import serve


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Amazon Ads API simulator for ras tests")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 binds a free port")
    parser.add_argument("--port-file", help="write the bound port here (atomically)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--public-url", help="base URL of report download links "
                        "(default http://127.0.0.1:<port>)")
    parser.add_argument("--report-delay", type=float, default=2.0,
                        help="seconds a report takes to complete")
    parser.add_argument("--bench-targets", type=int, default=0,
                        help="seed N keyword targets under profile 1234567890")
    parser.add_argument("--bench-v1-targets", type=int, default=0, metavar="N",
                        help="with --bench-targets: also N v1 Sponsored Products keyword "
                        "targets under profile 1234567890")
    parser.add_argument("--latency", type=float, default=0, metavar="MS",
                        help="milliseconds every non-admin request waits before it is "
                        "carried out")
    parser.add_argument("--latency-path", action="append", default=[],
                        metavar="PREFIX=MS", help="latency of paths starting with PREFIX "
                        "(repeatable; the longest matching prefix wins over --latency)")
    parser.add_argument("--rate-limit", type=float, metavar="RPS",
                        help="token bucket per (scope, family): RPS requests per second")
    parser.add_argument("--rate-burst", type=float, metavar="N",
                        help="bucket size of --rate-limit (default: RPS rounded up)")
    parser.add_argument("--extra-profiles", type=int, default=0, metavar="N",
                        help="seed N more US profiles 5000000001.. (fan-out tests)")
    parser.add_argument("--verbose", action="store_true",
                        help="print one line per API request on stderr")
    args = parser.parse_args(argv)
    if args.bench_targets < 0:
        parser.error("--bench-targets must be >= 0")
    if args.bench_v1_targets < 0:
        parser.error("--bench-v1-targets must be >= 0")
    if args.bench_v1_targets and not args.bench_targets:
        parser.error("--bench-v1-targets needs --bench-targets")
    paths = {}
    for item in args.latency_path:
        prefix, sep, ms = item.rpartition("=")
        try:
            paths[prefix] = float(ms)
        except ValueError:
            sep = ""
        if not sep or not prefix.startswith("/"):
            parser.error("--latency-path takes /path/prefix=MS, not %r" % item)
    args.latency_paths = paths
    if args.rate_burst is not None and args.rate_limit is None:
        parser.error("--rate-burst needs --rate-limit")
    try:
        configure_traffic(traffic.Traffic(), args)  # validation only
    except traffic.ConfigError as exc:
        parser.error("--latency/--rate-limit: %s" % exc)
    return args


def configure_traffic(tr, args):
    tr.set_latency(args.latency, args.latency_paths)
    if args.rate_limit is not None:
        tr.set_rule(args.rate_limit, args.rate_burst)


def write_port_file(path, port):
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".port-", dir=directory)
    with os.fdopen(fd, "w") as fh:
        fh.write("%d\n" % port)
    os.replace(tmp, path)


def main(argv=None):
    args = parse_args(argv)
    state.EXTRA_PROFILES = max(0, args.extra_profiles)
    bench.V1_TARGETS = args.bench_v1_targets
    sim = Simulator(seed=args.seed, public_url=args.public_url,
                    report_delay=args.report_delay, bench_targets=args.bench_targets,
                    verbose=args.verbose)
    configure_traffic(sim.traffic, args)
    server = serve(sim, args.host, args.port)
    port = server.server_address[1]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if args.port_file:
        write_port_file(args.port_file, port)
    print("ras simulator listening on %s:%d (seed %d)" % (args.host, port, args.seed),
          file=sys.stderr, flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
