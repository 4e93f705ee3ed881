"""The admin API under /_sim/ (never faulted, counted or logged; see test/README.md).

- GET    /_sim/stats             counters since the last reset
- GET    /_sim/requests?since=K  logged requests with seq > K, and "next" to pass back
- POST   /_sim/reset             seeded state again; counters, faults and log cleared
- POST   /_sim/faults            {"faults": [FAULT, ...]} queues faults / acts at once
- GET    /_sim/faults            the pending faults
- DELETE /_sim/faults            drops the pending faults
- GET|POST|DELETE /_sim/latency  per-request latency (traffic.py)
- GET|POST|DELETE /_sim/rate_limit  token-bucket rate limits (traffic.py)
"""

import faults
import traffic
from web import Response, error


def handle_stats(req):
    sim = req.sim
    with sim.lock:
        stats = sim.stats.as_json()
        stats.update(sim.traffic.stats_json())
        return Response(200, stats)


def handle_requests(req):
    sim = req.sim
    since = req.query.get("since", "0")
    try:
        since = int(since)
    except ValueError:
        return error(400, "INVALID_ARGUMENT", "since must be an integer")
    with sim.lock:
        entries = [dict(e) for e in sim.log if e["seq"] > since]
        latest = sim.log[-1]["seq"] if sim.log else 0
    return Response(200, {"next": max(latest, since), "requests": entries})


def handle_reset(req):
    req.sim.reset()
    return Response(200, {"reset": True})


def handle_add_faults(req):
    body = req.json
    if not isinstance(body, dict) or "faults" not in body:
        return error(400, "INVALID_ARGUMENT", 'body must be {"faults": [FAULT, ...]}')
    sim = req.sim
    with sim.lock:
        try:
            added = sim.faults.add(body["faults"], sim.tokens)
        except faults.FaultError as exc:
            return error(400, "INVALID_ARGUMENT", str(exc))
        return Response(200, {"added": [f.describe() for f in added],
                              "pending": sim.faults.pending()})


def handle_list_faults(req):
    with req.sim.lock:
        return Response(200, {"pending": req.sim.faults.pending()})


def handle_clear_faults(req):
    with req.sim.lock:
        req.sim.faults.clear()
    return Response(200, {"pending": []})


ADMIN_ROUTES = [
    ("GET", r"/_sim/stats", handle_stats, {}),
    ("GET", r"/_sim/requests", handle_requests, {}),
    ("POST", r"/_sim/reset", handle_reset, {}),
    ("POST", r"/_sim/faults", handle_add_faults, {}),
    ("GET", r"/_sim/faults", handle_list_faults, {}),
    ("DELETE", r"/_sim/faults", handle_clear_faults, {}),
] + traffic.ADMIN_ROUTES
