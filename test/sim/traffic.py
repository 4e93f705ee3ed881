"""Latency and request-rate limits: "many profiles at once and one shared request budget".

Latency (``--latency MS``, ``--latency-path PREFIX=MS``, ``/_sim/latency``): every
non-admin request waits before it is carried out; the longest configured path prefix the
path starts with gives the wait, else the fixed value. The wait runs outside the
simulator lock (other connections go on) and ends early when the client closes its
connection: then the request is not carried out and nothing is answered.

Rate limit (``--rate-limit RPS [--rate-burst N]``, ``/_sim/rate_limit``): a token bucket per
(scope, family). The scope is the Amazon-Advertising-API-Scope header, else the
Amazon-Ads-AccountId header, else "-"; the family is "ras" (/ras/v1, /v2/profiles,
/product, /reporting) or "v1" (/adsApi/v1); other paths (token endpoint, downloads,
unknown paths) are never limited. A rule gives ``rps`` (refill per second) and ``burst``
(bucket size, default ceil(rps), at least 1) for any scope/family, one scope, one
family, or one (scope, family); the most specific rule wins. A request finding less than
one token is answered 429 with the route's error body (THROTTLED, TOO_MANY_REQUESTS on v1)
and ``Retry-After`` (whole seconds until a token is there, at least 1); it is not carried
out and takes no token (nor a queued fault). Buckets start full; any change of the rules
refills them all.

Callers hold ``sim.lock`` around everything but ``wait``.
"""

import math
import threading
import time

import web

FAMILIES = (("ras", ("/ras/v1", "/v2/profiles", "/product", "/reporting")),
            ("v1", ("/adsApi/v1",)))
FAMILY_NAMES = tuple(name for name, _ in FAMILIES)
SCOPE_HEADERS = ("Amazon-Advertising-API-Scope", "Amazon-Ads-AccountId")
NO_SCOPE = "-"


class ConfigError(ValueError):
    """A malformed latency or rate-limit setting (answered with 400)."""


def family_of(path):
    for name, prefixes in FAMILIES:
        if any(path == p or path.startswith(p + "/") for p in prefixes):
            return name
    return None


def scope_of(req):
    for header in SCOPE_HEADERS:
        value = (req.headers.get(header) or "").strip()
        if value:
            return value
    return NO_SCOPE


def _ms(value, what):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 \
            or value != value or value == float("inf"):
        raise ConfigError("%s must be a number of milliseconds >= 0" % what)
    return value


def _connection_key(connection):
    address = getattr(connection, "client_address", None)
    if isinstance(address, tuple) and len(address) >= 2:
        return "%s:%s" % (address[0], address[1])
    return "conn-%x" % id(connection)


class Traffic:
    def __init__(self):
        self.latency_ms = 0
        self.latency_paths = {}     # prefix -> ms
        self.rules = {}             # (scope or None, family or None) -> (rps, burst)
        self.buckets = {}           # (scope, family) -> [tokens, last refill (monotonic)]
        self.clock = time.monotonic
        self._cut_lock = threading.Lock()  # wait() runs without sim.lock
        self.clear_counters()

    # ------------------------------------------------------------------ latency

    def set_latency(self, ms=None, paths=None):
        """Change the fixed value (when ``ms`` is given) and merge ``paths`` (None removes)."""
        if ms is not None:
            ms = _ms(ms, "ms")
        new_paths = dict(self.latency_paths)
        if paths is not None:
            if not isinstance(paths, dict):
                raise ConfigError('paths must be an object {"/path/prefix": ms, ...}')
            for prefix, value in paths.items():
                if not prefix.startswith("/"):
                    raise ConfigError("path prefix %r must start with /" % prefix)
                if value is None:
                    new_paths.pop(prefix, None)
                else:
                    new_paths[prefix] = _ms(value, "paths[%r]" % prefix)
        if ms is not None:
            self.latency_ms = ms
        self.latency_paths = new_paths

    def clear_latency(self):
        self.latency_ms = 0
        self.latency_paths = {}

    def latency_json(self):
        return {"ms": self.latency_ms, "paths": dict(sorted(self.latency_paths.items()))}

    def latency_for(self, path):
        """Seconds to wait before carrying out a request on ``path``."""
        best = None
        for prefix in self.latency_paths:
            if path.startswith(prefix) and (best is None or len(prefix) > len(best)):
                best = prefix
        ms = self.latency_paths[best] if best is not None else self.latency_ms
        return ms / 1000.0

    def wait(self, connection, seconds):
        """Wait (no lock held); False when the client went away meanwhile."""
        wait = getattr(connection, "sim_wait", None)
        if wait is not None:
            completed = wait(seconds)
        else:
            time.sleep(seconds)
            completed = True
        if not completed:
            with self._cut_lock:
                self.cut_short += 1
        return completed

    # ------------------------------------------------------------------ rate limit

    def set_rule(self, rps, burst=None, scope=None, family=None):
        """Set (or with ``rps`` None remove) the rule for (scope, family); refills buckets."""
        if scope is not None and (not isinstance(scope, str) or not scope.strip()):
            raise ConfigError("scope must be a non-empty string (a profile or account id)")
        if family is not None and family not in FAMILY_NAMES:
            raise ConfigError("family must be one of: %s" % ", ".join(FAMILY_NAMES))
        key = (scope.strip() if scope is not None else None, family)
        if rps is None:
            if burst is not None:
                raise ConfigError("burst without rps")
            self.rules.pop(key, None)
        else:
            if isinstance(rps, bool) or not isinstance(rps, (int, float)) or not rps > 0 \
                    or rps == float("inf"):
                raise ConfigError("rps must be a number > 0 (requests per second)")
            if burst is None:
                burst = max(1, math.ceil(rps))
            if isinstance(burst, bool) or not isinstance(burst, (int, float)) \
                    or not 1 <= burst < float("inf"):
                raise ConfigError("burst must be a number >= 1")
            self.rules[key] = (rps, burst)
        self.buckets.clear()

    def clear_rules(self):
        self.rules = {}
        self.buckets.clear()

    def rules_json(self):
        def order(item):
            (scope, family), _ = item
            return (scope is not None, family is not None, scope or "", family or "")
        return {"rules": [{"scope": scope, "family": family, "rps": rps, "burst": burst}
                          for (scope, family), (rps, burst) in sorted(self.rules.items(),
                                                                      key=order)]}

    def _rule(self, scope, family):
        for key in ((scope, family), (scope, None), (None, family), (None, None)):
            rule = self.rules.get(key)
            if rule is not None:
                return rule
        return None

    def admit(self, req, connection):
        """None if the request may go on, else the Retry-After seconds of its 429."""
        if not self.rules:
            return None
        family = family_of(req.path)
        if family is None:
            return None
        scope = scope_of(req)
        rule = self._rule(scope, family)
        if rule is None:
            return None
        rps, burst = rule
        now = self.clock()
        bucket = self.buckets.get((scope, family))
        if bucket is None:
            bucket = self.buckets[(scope, family)] = [float(burst), now]
        bucket[0] = min(float(burst), bucket[0] + (now - bucket[1]) * rps)
        bucket[1] = now
        if bucket[0] >= 1.0:
            bucket[0] -= 1.0
            return None
        self.throttled += 1
        conn = _connection_key(connection)
        self.throttled_by_connection[conn] = self.throttled_by_connection.get(conn, 0) + 1
        per_scope = self.throttled_by_scope.setdefault(scope, {})
        per_scope[family] = per_scope.get(family, 0) + 1
        return max(1, math.ceil((1.0 - bucket[0]) / rps - 1e-9))

    # ------------------------------------------------------------------ counters

    def clear_counters(self):
        """Counters to zero and every bucket full; the configuration stays."""
        self.throttled = 0
        self.throttled_by_connection = {}
        self.throttled_by_scope = {}
        self.cut_short = 0
        self.buckets = {}

    def stats_json(self):
        return {"throttled": self.throttled,
                "throttled_by_connection": dict(sorted(self.throttled_by_connection.items())),
                "throttled_by_scope": {s: dict(sorted(f.items()))
                                       for s, f in sorted(self.throttled_by_scope.items())},
                "latency_cut_short": self.cut_short}


def throttled_response(error, retry_after):
    """The 429 a route answers when its bucket is empty (the same body as a 429 fault)."""
    response = error(429, web.status_code_name(429), web.STATUS_MESSAGES[429])
    response.headers["Retry-After"] = str(retry_after)
    return response


# ---------------------------------------------------------------------- admin API

def _body(req):
    body = req.json if req.body else {}
    if not isinstance(body, dict):
        raise ConfigError("body must be a JSON object")
    return body


def _check_keys(body, allowed):
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise ConfigError("unknown field(s) %s; known: %s"
                          % (", ".join(unknown), ", ".join(allowed)))


def handle_get_latency(req):
    with req.sim.lock:
        return web.Response(200, req.sim.traffic.latency_json())


def handle_set_latency(req):
    sim = req.sim
    try:
        body = _body(req)
        _check_keys(body, ("ms", "paths"))
        with sim.lock:
            sim.traffic.set_latency(body.get("ms"), body.get("paths"))
            return web.Response(200, sim.traffic.latency_json())
    except ConfigError as exc:
        return web.error(400, "INVALID_ARGUMENT", str(exc))


def handle_clear_latency(req):
    with req.sim.lock:
        req.sim.traffic.clear_latency()
        return web.Response(200, req.sim.traffic.latency_json())


def handle_get_rate_limit(req):
    with req.sim.lock:
        return web.Response(200, req.sim.traffic.rules_json())


def handle_set_rate_limit(req):
    sim = req.sim
    try:
        body = _body(req)
        _check_keys(body, ("rps", "burst", "scope", "family"))
        if "rps" not in body:
            raise ConfigError('body must be {"rps": R, "burst"?: B, "scope"?: S, '
                              '"family"?: "ras"|"v1"} (rps null removes that rule)')
        with sim.lock:
            sim.traffic.set_rule(body["rps"], body.get("burst"), body.get("scope"),
                                 body.get("family"))
            return web.Response(200, sim.traffic.rules_json())
    except ConfigError as exc:
        return web.error(400, "INVALID_ARGUMENT", str(exc))


def handle_clear_rate_limit(req):
    with req.sim.lock:
        req.sim.traffic.clear_rules()
        return web.Response(200, req.sim.traffic.rules_json())


ADMIN_ROUTES = [
    ("GET", r"/_sim/latency", handle_get_latency, {}),
    ("POST", r"/_sim/latency", handle_set_latency, {}),
    ("DELETE", r"/_sim/latency", handle_clear_latency, {}),
    ("GET", r"/_sim/rate_limit", handle_get_rate_limit, {}),
    ("POST", r"/_sim/rate_limit", handle_set_rate_limit, {}),
    ("DELETE", r"/_sim/rate_limit", handle_clear_rate_limit, {}),
]
