"""The simulator application: routing, faults, auth checks, counters and the request log.

``Simulator.handle(req, connection)`` turns one Request into a Plan (what the HTTP layer
in server.py should do: answer, stall half-way, or drop the connection). Everything
here is independent of sockets, so it can be driven directly from tests.
"""

import collections
import importlib
import re
import sys
import threading
import time
import traceback

import admin
import auth
import faults
import traffic
import web
from state import State

# Feature modules whose ROUTES are served, in this order; missing optional ones are skipped.
CORE_MODULES = ["auth", "profiles", "retailers", "entities", "v1", "v1betas"]
OPTIONAL_MODULES = ["products", "reports"]
REQUEST_LOG_LIMIT = 20000
REDACTED = "***"
SECRET_KEYS = {"client_secret", "refresh_token", "access_token"}


def load_modules():
    modules = [importlib.import_module(name) for name in CORE_MODULES]
    for name in OPTIONAL_MODULES:
        try:
            modules.append(importlib.import_module(name))
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    return modules


class Route:
    def __init__(self, method, pattern, handler, options):
        self.method = method
        self.regex = re.compile(pattern.lstrip("^").rstrip("$"))
        self.handler = handler
        self.auth = options.get("auth", True)
        self.scope = options.get("scope", True)
        self.error = options.get("error", web.error)
        self.client_header = options.get("client_header", auth.CLIENT_HEADER)


class Router:
    def __init__(self, routes):
        self.routes = routes

    def match(self, method, path):
        """(route, groups) for an exact match, else (None, allowed methods on that path)."""
        allowed = []
        for route in self.routes:
            found = route.regex.fullmatch(path)
            if found:
                if route.method == method:
                    return route, found.groupdict()
                allowed.append(route.method)
        return None, allowed


def collect_routes(modules, attribute="ROUTES"):
    routes = []
    for module in modules:
        for method, pattern, handler, options in getattr(module, attribute, []):
            routes.append(Route(method, pattern, handler, options or {}))
    return Router(routes)


class Plan:
    """What the HTTP layer does with a request."""

    def __init__(self, response=None, drop=False, stall=None, stall_bytes=None):
        self.response = response
        self.drop = drop
        self.stall = stall              # seconds to stall after part of the body
        self.stall_bytes = stall_bytes  # how much of the body goes out before the stall


class Stats:
    def __init__(self):
        self.epoch = 0
        self.clear()

    def clear(self):
        self.epoch += 1
        self.connections = 0
        self.requests = 0
        self.by_route = collections.Counter()

    def as_json(self):
        return {"connections": self.connections, "requests": self.requests,
                "by_route": dict(sorted(self.by_route.items()))}


class Simulator:
    def __init__(self, seed=42, public_url=None, report_delay=2.0, bench_targets=0,
                 verbose=False):
        self.seed = seed
        self.public_url = public_url
        self.report_delay = report_delay
        self.verbose = verbose
        self.lock = threading.RLock()
        self.modules = load_modules()
        self.router = collect_routes(self.modules)
        self.admin_router = collect_routes([admin] + self.modules, "ADMIN_ROUTES")
        self.tokens = auth.TokenStore(seed)
        self.faults = faults.FaultQueue()
        self.traffic = traffic.Traffic()  # latency and rate limits (kept by reset)
        self.stats = Stats()
        self.log = collections.deque(maxlen=REQUEST_LOG_LIMIT)
        self.seq = 0
        self.admin_seq = 0
        self.state = State(seed, self.modules, bench_targets)

    def reset(self):
        with self.lock:
            self.state.reset()
            self.faults.clear()
            self.tokens.reset_faults()
            self.stats.clear()
            self.traffic.clear_counters()
            self.log.clear()
            self.seq = 0

    # ------------------------------------------------------------------ dispatch

    def handle(self, req, connection):
        """The Plan for ``req``; ``connection`` is a per-connection object we may tag."""
        if req.path.startswith("/_sim/"):
            return Plan(self._admin(req))
        started = time.monotonic()
        with self.lock:
            self.seq += 1
            seq = self.seq
            if getattr(connection, "sim_epoch", None) != self.stats.epoch:
                connection.sim_epoch = self.stats.epoch
                self.stats.connections += 1
            self.stats.requests += 1
            self.stats.by_route["%s %s" % (req.method, req.path)] += 1
            entry = log_entry(seq, req)
            self.log.append(entry)
            route, found = self.router.match(req.method, req.path)
            retry_after = self.traffic.admit(req, connection)  # None, or throttled
            fault = None if retry_after else self.faults.take(req.method, req.path)
            latency = self.traffic.latency_for(req.path)
        error = route.error if route else web.error
        if latency > 0 and not self.traffic.wait(connection, latency):
            plan = Plan(drop=True)  # the client left during the latency: not carried out
        elif retry_after:
            plan = Plan(traffic.throttled_response(error, retry_after))
        else:
            plan = self._apply_fault(fault, req, route, found, error)
        if not plan.drop:
            plan.response.headers.setdefault("x-amzn-RequestId", "sim-%d" % seq)
            entry["status"] = plan.response.status
        if self.verbose:
            print("sim: #%d %s %s -> %s (%.1f ms)" % (
                seq, req.method, req.path, "dropped" if plan.drop else plan.response.status,
                (time.monotonic() - started) * 1000), file=sys.stderr, flush=True)
        return plan

    def _apply_fault(self, fault, req, route, found, error):
        if fault is None:
            return Plan(self._answer(req, route, found))
        if fault.kind == "status":
            return Plan(fault_response(fault, error))
        if fault.kind == "delay":
            time.sleep(fault.seconds)
            return Plan(self._answer(req, route, found))
        if fault.kind == "stall":
            return Plan(self._answer(req, route, found), stall=fault.seconds,
                        stall_bytes=fault.bytes)
        # drop
        if fault.after:
            self._answer(req, route, found)
        return Plan(drop=True)

    def _answer(self, req, route, found):
        if route is None:
            return not_routed(req, found)
        with self.lock:
            if route.auth:
                refused = auth.check(req, route.scope, route.error, route.client_header)
                if refused is not None:
                    return refused
            try:
                return route.handler(req, **found)
            except Exception:  # a simulator bug must not kill the connection
                traceback.print_exc()
                return route.error(500, "INTERNAL_ERROR", "Internal simulator error")

    def _admin(self, req):
        with self.lock:
            self.admin_seq += 1
            request_id = "sim-admin-%d" % self.admin_seq
        route, found = self.admin_router.match(req.method, req.path)
        if route is None:
            response = not_routed(req, found)
        else:
            try:
                response = route.handler(req, **found)
            except Exception:
                traceback.print_exc()
                response = web.error(500, "INTERNAL_ERROR", "Internal simulator error")
        response.headers.setdefault("x-amzn-RequestId", request_id)
        return response


def not_routed(req, allowed):
    """404 for an unknown path, 405 (with Allow) for a known path and another method."""
    if allowed:
        response = web.error(405, "METHOD_NOT_ALLOWED", "%s is not allowed on %s"
                             % (req.method, req.path))
        response.headers["Allow"] = ", ".join(sorted(set(allowed)))
        return response
    return web.error(404, "NOT_FOUND", "No such resource: %s %s" % (req.method, req.path))


def fault_response(fault, error):
    if fault.body is not None:
        response = web.Response(fault.status, fault.body)
    else:
        response = error(fault.status, web.status_code_name(fault.status),
                         web.STATUS_MESSAGES.get(fault.status, "Injected fault"))
    if fault.retry_after is not None:
        value = fault.retry_after
        response.headers["Retry-After"] = str(int(value) if float(value).is_integer() else value)
    return response


# ---------------------------------------------------------------------- request log

def log_entry(seq, req):
    headers = {}
    for name, value in req.headers.items():
        if name.lower() == "authorization":
            scheme = value.split(" ", 1)[0] if " " in value else ""
            value = (scheme + " " + REDACTED).strip()
        headers[name] = value
    return {"seq": seq, "method": req.method, "path": req.path, "query": req.query,
            "headers": headers, "body": log_body(req), "status": None}


def log_body(req):
    if not req.body:
        return None
    if req.json is not None:
        return redact(req.json)
    content_type = (req.headers.get("Content-Type") or "").lower()
    if content_type.startswith("application/x-www-form-urlencoded"):
        return redact(dict(req.form))
    return req.body.decode("utf-8", "replace")


def redact(value):
    if isinstance(value, dict):
        return {k: (REDACTED if k in SECRET_KEYS else redact(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value
