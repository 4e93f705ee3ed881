"""Login with Amazon (POST /auth/o2/token) and the header checks made on every API call.

Token endpoint errors follow LWA (RFC 6749 shape, {"error", "error_description"}):
- 400 invalid_request: grant_type, client_id, client_secret or refresh_token missing,
  or a body that is not form-encoded;
- 400 unsupported_grant_type: grant_type other than refresh_token;
- 401 invalid_client: unknown client_id or wrong client_secret (checked first);
- 400 invalid_grant: unknown or revoked refresh token.

API calls (every route unless its options say "auth": False):
- 401 UNAUTHORIZED: no "Authorization: Bearer <token>", an unknown or expired token,
  no Amazon-Advertising-API-ClientId header (v1 routes: Amazon-Ads-ClientId, the route
  option "client_header"), or a client id other than the token's;
- 400 INVALID_ARGUMENT: no Amazon-Advertising-API-Scope on a route that needs one;
- 403 ACCESS_DENIED: a scope that is not one of the seeded profiles.
Access tokens survive POST /_sim/reset (they belong to Amazon, not to the advertiser);
the faults that expire or shorten them do not.
"""

import base64
import hashlib
import time

from web import Response

CLIENT_ID = "amzn1.application-oa2-client.sim"
CLIENT_SECRET = "sim-client-secret"
REFRESH_TOKEN = "Atzr|sim-refresh-token"
DEFAULT_TTL = 3600


class TokenStore:
    """Issued access tokens. Callers hold ``sim.lock``."""

    def __init__(self, seed):
        self._seed = seed
        self._issued = 0
        self._tokens = {}  # access token -> (client_id, expires_at on the monotonic clock)
        self.reset_faults()

    def reset_faults(self):
        self.ttl = DEFAULT_TTL
        self.refresh_revoked = False

    def issue(self, client_id):
        now = time.monotonic()
        self._tokens = {t: v for t, v in self._tokens.items() if v[1] > now}
        self._issued += 1
        digest = hashlib.sha256(("%s:%d" % (self._seed, self._issued)).encode()).hexdigest()
        token = "Atza|sim%d-%s" % (self._issued, digest[:48])
        self._tokens[token] = (client_id, now + self.ttl)
        return token, self.ttl

    def client_of(self, token):
        """The client id a live token was issued to, or None."""
        entry = self._tokens.get(token)
        if entry is None or entry[1] <= time.monotonic():
            return None
        return entry[0]

    def expire_all(self):
        self._tokens.clear()

    def revoke_refresh(self):
        self.refresh_revoked = True


# ---------------------------------------------------------------------- token endpoint

def lwa_error(status, error, description):
    return Response(status, {"error": error, "error_description": description},
                    content_type="application/json;charset=UTF-8")


def lwa_fault_error(status, code, message):
    """Error body for a fault injected on the token endpoint, in LWA's shape."""
    error = {429: "slow_down", 503: "temporarily_unavailable"}.get(
        status, "server_error" if status >= 500 else "invalid_request")
    return lwa_error(status, error, message)


def _basic_credentials(req):
    header = req.headers.get("Authorization") or ""
    if not header.lower().startswith("basic "):
        return None, None
    try:
        decoded = base64.b64decode(header[6:].strip()).decode("utf-8")
    except ValueError:
        return None, None
    client_id, _, secret = decoded.partition(":")
    return client_id, secret


def handle_token(req):
    content_type = (req.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        return lwa_error(400, "invalid_request",
                         "Content-Type must be application/x-www-form-urlencoded")
    form = req.form
    client_id, secret = form.get("client_id"), form.get("client_secret")
    if client_id is None and secret is None:
        client_id, secret = _basic_credentials(req)
    grant_type = form.get("grant_type")
    if not grant_type:
        return lwa_error(400, "invalid_request", "The request is missing grant_type")
    if not client_id or not secret:
        return lwa_error(400, "invalid_request",
                         "The request is missing client_id or client_secret")
    if client_id != CLIENT_ID or secret != CLIENT_SECRET:
        return lwa_error(401, "invalid_client",
                         "Client authentication failed")
    if grant_type != "refresh_token":
        return lwa_error(400, "unsupported_grant_type",
                         "The authorization grant type is not supported by the "
                         "authorization server")
    refresh = form.get("refresh_token")
    if not refresh:
        return lwa_error(400, "invalid_request", "The request is missing refresh_token")
    tokens = req.sim.tokens
    if refresh != REFRESH_TOKEN or tokens.refresh_revoked:
        return lwa_error(400, "invalid_grant",
                         "The request has an invalid grant parameter : refresh_token")
    token, ttl = tokens.issue(client_id)
    return Response(200, {"access_token": token, "refresh_token": REFRESH_TOKEN,
                          "token_type": "bearer", "expires_in": int(ttl)},
                    content_type="application/json;charset=UTF-8")


ROUTES = [
    ("POST", r"/auth/o2/token", handle_token, {"auth": False, "error": lwa_fault_error}),
]


# ---------------------------------------------------------------------- API header check

CLIENT_HEADER = "Amazon-Advertising-API-ClientId"


def check(req, needs_scope, error, client_header=CLIENT_HEADER):
    """None when the caller may proceed, else the error Response (built with ``error``).
    ``client_header``: where the route takes the client id (v1: Amazon-Ads-ClientId)."""
    header = req.headers.get("Authorization") or ""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return error(401, "UNAUTHORIZED", "Missing or malformed Authorization header")
    owner = req.sim.tokens.client_of(token.strip())
    if owner is None:
        return error(401, "UNAUTHORIZED", "The access token is invalid or has expired")
    client_id = (req.headers.get(client_header) or "").strip()
    if not client_id:
        return error(401, "UNAUTHORIZED", "Missing %s header" % client_header)
    if client_id != owner:
        return error(401, "UNAUTHORIZED",
                     "%s does not match the access token" % client_header)
    if needs_scope:
        scope = req.profile_id
        if not scope:
            return error(400, "INVALID_ARGUMENT",
                         "Missing Amazon-Advertising-API-Scope header")
        if req.sim.state.profile(scope) is None:
            return error(403, "ACCESS_DENIED",
                         "Not authorized to access scope %s" % scope)
    return None
