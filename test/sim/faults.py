"""The fault queue behind POST /_sim/faults (see test/README.md, "Admin API").

Queued kinds apply to the next ``count`` matching non-admin requests, first matching
fault first; ``skip`` lets that many matching requests through untouched first (to hit,
say, the second batch of a call):
- status: answer ``status`` with the real error body; ``retry_after`` adds Retry-After.
- delay:  sleep ``seconds``, then answer normally.
- stall:  send the headers and the first ``bytes`` of the body (default: half), sleep
          ``seconds``, then send the rest.
- drop:   close the connection without answering; with ``"after": true`` the request is
          carried out first (the client cannot know whether it happened).
Immediate kinds act when posted (``count``, ``path`` and ``method`` are ignored):
- expire_tokens: every access token issued so far stops working.
- token_ttl:     access tokens issued from now on live ``seconds``.
- revoke_refresh: the refresh token is revoked until /_sim/reset.
"""

QUEUED_KINDS = ("status", "delay", "stall", "drop")
IMMEDIATE_KINDS = ("expire_tokens", "token_ttl", "revoke_refresh")


class FaultError(ValueError):
    """A malformed fault description (answered with 400 by the admin API)."""


def _number(spec, key, default=None, minimum=0):
    value = spec.get(key, default)
    if value is None:
        raise FaultError("fault %r needs %r" % (spec.get("kind"), key))
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < minimum:
        raise FaultError("fault field %r must be a number >= %s" % (key, minimum))
    return value


class Fault:
    def __init__(self, spec):
        if not isinstance(spec, dict):
            raise FaultError("a fault is a JSON object")
        self.kind = spec.get("kind")
        if self.kind not in QUEUED_KINDS + IMMEDIATE_KINDS:
            raise FaultError("unknown fault kind %r; known: %s"
                             % (self.kind, ", ".join(QUEUED_KINDS + IMMEDIATE_KINDS)))
        self.count = int(_number(spec, "count", 1, minimum=1))
        self.skip = int(_number(spec, "skip", 0, minimum=0))
        self.path = spec.get("path")
        self.method = spec.get("method")
        if self.path is not None and not isinstance(self.path, str):
            raise FaultError("fault field 'path' must be a string")
        if self.method is not None:
            if not isinstance(self.method, str):
                raise FaultError("fault field 'method' must be a string")
            self.method = self.method.upper()
        self.status = self.retry_after = self.seconds = self.bytes = None
        self.body = spec.get("body")
        self.after = bool(spec.get("after", False))
        if self.kind == "status":
            self.status = int(_number(spec, "status", minimum=100))
            if spec.get("retry_after") is not None:
                self.retry_after = _number(spec, "retry_after")
        elif self.kind in ("delay", "stall", "token_ttl"):
            self.seconds = _number(spec, "seconds")
        if self.kind == "stall" and spec.get("bytes") is not None:
            self.bytes = int(_number(spec, "bytes"))

    def matches(self, method, path):
        if self.method is not None and self.method != method:
            return False
        return self.path is None or path.startswith(self.path)

    def describe(self):
        out = {"kind": self.kind, "count": self.count}
        for key in ("skip", "path", "method", "status", "retry_after", "seconds", "bytes", "body"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        if self.after:
            out["after"] = True
        return out


class FaultQueue:
    """Pending faults. Not thread-safe by itself: callers hold ``sim.lock``."""

    def __init__(self):
        self._faults = []

    def add(self, specs, tokens):
        """Validate every spec first, then queue them / act; answers the parsed faults."""
        if not isinstance(specs, list):
            raise FaultError('body must be {"faults": [FAULT, ...]}')
        faults = [Fault(spec) for spec in specs]
        for fault in faults:
            if fault.kind == "expire_tokens":
                tokens.expire_all()
            elif fault.kind == "token_ttl":
                tokens.ttl = fault.seconds
            elif fault.kind == "revoke_refresh":
                tokens.revoke_refresh()
            else:
                self._faults.append(fault)
        return faults

    def take(self, method, path):
        """The first pending fault matching this request (one use consumed), or None."""
        for i, fault in enumerate(self._faults):
            if fault.matches(method, path):
                if fault.skip > 0:
                    fault.skip -= 1
                    continue
                fault.count -= 1
                if fault.count <= 0:
                    del self._faults[i]
                return fault
        return None

    def clear(self):
        self._faults = []

    def pending(self):
        return [f.describe() for f in self._faults]
