"""Request, Response and error helpers shared by every simulator module.

Plug-in interface (stable: feature modules such as products.py and reports.py rely on it)
--------------------------------------------------------------------------------------
A feature module is a plain Python module in this directory that defines

    ROUTES = [(method, regex, handler, options), ...]

- ``method``: "GET", "POST", "PUT", "DELETE".
- ``regex``: matched with ``re.fullmatch`` against the path (no query string); named
  groups are passed to the handler as keyword arguments.
- ``handler(req, **groups) -> Response``; it runs while holding ``req.sim.lock`` (a
  reentrant lock shared by every handler), so it may read and change ``req.sim.state``
  freely but must not sleep.
- ``options`` (dict, all optional):
  ``{"auth": False}``: no token / client-id / scope check (token endpoint, downloads);
  ``{"scope": False}``: a valid token is needed but no Amazon-Advertising-API-Scope;
  ``{"client_header": name}``: the header carrying the client id (default
  Amazon-Advertising-API-ClientId; the v1 routes use Amazon-Ads-ClientId);
  ``{"error": fn}``: ``fn(status, code, message) -> Response`` builds this route's error
  bodies (auth failures, injected faults); default ``error`` below ({"code", "message"}).

A module may also define ``ADMIN_ROUTES`` (same shape, paths under ``/_sim/``): served
without auth, faults, counters or request logging (handlers take ``req.sim.lock``
themselves when they touch state).

Optionally the module defines ``init_state(state, rng)``, called at startup and on every
``POST /_sim/reset`` with the fresh ``state.State`` and a ``random.Random`` seeded from
``--seed`` and the module's name. The module attaches its data to ``state``
(``state.products = ...``).

What a handler can reach:
- ``req.sim``: the simulator (``sim.state``, ``sim.seed``, ``sim.public_url``,
  ``sim.report_delay``, ``sim.lock``).
- ``req.sim.state``: ``profiles`` (list of dicts as served by /v2/profiles),
  ``profile(profile_id)``, ``retailers`` (list of dicts), ``retailer(retailer_id)``,
  ``store(profile_id, kind)`` with kind in campaigns / adGroups / productAds / targets
  (``.get(id)`` and iteration give ``state.Entity`` objects, in id order: ``.data`` is
  the entity's API fields without extendedData, ``.created``/``.updated`` ISO-8601
  strings; treat them as read-only), ``today(profile_id)`` (a date in the profile's time
  zone), ``now_iso()``.
- ``req``: see ``Request`` below (``req.json`` is the parsed body or None, ``req.form``
  the form fields, ``req.headers.get(name)`` case-insensitive, ``req.profile_id`` the
  Scope header, ``req.client_id``).
"""

import json
import urllib.parse


class Headers:
    """Case-insensitive, read-only view of request headers (last value wins)."""

    def __init__(self, pairs=()):
        self._items = {}
        for name, value in pairs:
            self._items[name.lower()] = (name, value)

    def get(self, name, default=None):
        item = self._items.get(name.lower())
        return item[1] if item else default

    def __getitem__(self, name):
        return self._items[name.lower()][1]

    def __contains__(self, name):
        return name.lower() in self._items

    def items(self):
        return [item for item in self._items.values()]


class Request:
    """One HTTP request as seen by handlers."""

    def __init__(self, sim, method, target, headers, body):
        self.sim = sim
        self.method = method
        parts = urllib.parse.urlsplit(target)
        self.path = parts.path
        self.raw_query = parts.query
        self.query = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
        self.headers = headers
        self.body = body
        self.json = _parse_json(body)
        self._form = None

    @property
    def state(self):
        return self.sim.state

    @property
    def profile_id(self):
        value = self.headers.get("Amazon-Advertising-API-Scope")
        return value.strip() if value is not None else None

    @property
    def client_id(self):
        value = self.headers.get("Amazon-Advertising-API-ClientId")
        return value.strip() if value is not None else None

    @property
    def form(self):
        """The body parsed as application/x-www-form-urlencoded (first value per key)."""
        if self._form is None:
            text = self.body.decode("utf-8", "replace")
            self._form = dict(urllib.parse.parse_qsl(text, keep_blank_values=True))
        return self._form

    def prefers_representation(self):
        prefer = self.headers.get("Prefer") or ""
        return any(p.strip().lower() == "return=representation" for p in prefer.split(","))


def _parse_json(body):
    if not body:
        return None
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None


def dumps(value):
    """Compact JSON bytes, as the real service sends them."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


class Response:
    """What a handler answers. ``body`` is a dict/list (serialized compactly), str or bytes."""

    def __init__(self, status, body=b"", content_type="application/json", headers=None):
        self.status = status
        self.content_type = content_type
        self.headers = dict(headers or {})
        if isinstance(body, (bytes, bytearray, memoryview)):
            self.body = bytes(body)
        elif isinstance(body, str):
            self.body = body.encode("utf-8")
        else:
            self.body = dumps(body)


def error(status, code, message, **extra):
    """Amazon's whole-request error shape: {"code": ..., "message": ..., **extra}."""
    body = {"code": code, "message": message}
    body.update(extra)
    return Response(status, body)


def sp_error(status, code, message, **extra):
    """The older Sponsored Products / profiles error shape: {"code": ..., "details": ...}."""
    body = {"code": code, "details": message}
    body.update(extra)
    return Response(status, body)


# The code each whole-request status carries in Amazon's error bodies.
STATUS_CODES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHORIZED",
    403: "ACCESS_DENIED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    413: "CONTENT_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    422: "UNPROCESSABLE_ENTITY",
    425: "TOO_EARLY",
    429: "THROTTLED",
    500: "INTERNAL_ERROR",
    502: "BAD_GATEWAY",
    503: "SERVICE_UNAVAILABLE",
    504: "GATEWAY_TIMEOUT",
}

STATUS_MESSAGES = {
    429: "Request was throttled. Retry after some time.",
    500: "An internal error occurred. Retry the request.",
    502: "Bad gateway.",
    503: "Service is temporarily unavailable. Retry the request.",
    504: "Gateway timeout.",
}


def status_code_name(status):
    return STATUS_CODES.get(status, "ERROR_%d" % status)
