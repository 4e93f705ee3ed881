"""Reporting v3 lifecycle and routes: the report store, /reporting/reports and downloads.

Lifecycle: a report is PENDING until report_delay/2 seconds after creation, PROCESSING
until report_delay seconds, then COMPLETED (or FAILED when a fail_next fault was armed
when it was created). A delay of 0 means COMPLETED at the first status read. The file is
built the first time a status read sees the report finished, from the entities that
exist in the profile at that moment (report_rows.py).

State (attached to ``state`` by ``init_state``, cleared by /_sim/reset): reports by id,
download tokens, the duplicate-request index, pending failures, the restatement
generation, the URL lifetime and the delay override (the last four set through
report_admin.py).
"""

import contextlib
import datetime
import gzip
import json
import time
import uuid

from report_rows import build_rows, profile_currency, profile_entities, synthetic_entities
from report_validation import Invalid, validate_create
from web import Response

CREATE_REQUEST_CT = "application/vnd.createasyncreportrequest.v3+json"
CREATE_RESPONSE_CT = "application/vnd.createasyncreportresponse.v3+json"
GET_RESPONSE_CT = "application/vnd.getasyncreportresponse.v3+json"
DELETE_RESPONSE_CT = "application/vnd.deleteasyncreportresponse.v3+json"

DEFAULT_URL_TTL = 3600
DEFAULT_FAILURE_REASON = "Report generation failed due to an internal error. Please retry"


# ----------------------------------------------------------------------------- state

def init_state(state, rng):
    state.reports = {}            # reportId -> report record (dict)
    state.report_tokens = {}      # token -> {"report_id", "expires_at"}
    state.report_dedup = {}       # (profile, canonical body) -> reportId
    state.report_faults = {"fail_next": []}   # list of failure reasons to consume
    state.report_restatement = 0
    state.report_url_ttl = DEFAULT_URL_TTL
    state.report_delay_override = None
    state.report_rng = rng


def ensure_state(state):
    if not hasattr(state, "reports"):
        import random
        init_state(state, random.Random(0))


def clock(state):
    return time.time()


def iso(ts):
    dt = datetime.datetime.fromtimestamp(ts, datetime.timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (dt.microsecond // 1000)


def profile_today(state=None, profile_id=None):
    """Today in the profile's time zone when the core knows it, else UTC."""
    fn = getattr(state, "today", None)
    if callable(fn):
        return fn(profile_id)
    return datetime.datetime.now(datetime.timezone.utc).date()


# ----------------------------------------------------------------------------- HTTP glue

def response(status, body, ct="application/json", headers=None):
    return Response(status, body, content_type=ct, headers=headers)


def _err(status, detail):
    """AsyncReportingError: {"code": "<HTTP status>", "detail": ...}."""
    return response(status, {"code": str(status), "detail": detail})


def route_error(status, code, message):
    """Error builder the core uses for auth failures and injected faults on our routes."""
    return _err(status, message)


def _profile(req):
    p = req.profile_id
    return None if p is None else str(p).strip()


def locked(req):
    lk = getattr(getattr(req, "sim", None), "lock", None)
    return lk if lk is not None else contextlib.nullcontext()



# ----------------------------------------------------------------------------- lifecycle

def _new_id(state):
    rng = getattr(state, "report_rng", None)
    if rng is None:
        return str(uuid.uuid4())
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _new_token(state):
    rng = getattr(state, "report_rng", None)
    bits = rng.getrandbits(160) if rng is not None else uuid.uuid4().int
    return "%040x" % bits


def _delay(req, state):
    if getattr(state, "report_delay_override", None) is not None:
        return float(state.report_delay_override)
    sim = getattr(req, "sim", None)
    return float(getattr(sim, "report_delay", 0) or 0)


def report_phase(rep, now):
    """(status, time of the last transition)."""
    el = now - rep["_created"]
    d = rep["_delay"]
    if el >= d:
        return ("FAILED" if rep["_fail"] is not None else "COMPLETED"), rep["_created"] + d
    if el >= d / 2.0:
        return "PROCESSING", rep["_created"] + d / 2.0
    return "PENDING", rep["_created"]


def _materialize(req, state, rep, now):
    """Advance the record to its current phase; build the file on completion."""
    status, since = report_phase(rep, now)
    if status == rep["status"]:
        return
    rep["status"] = status
    rep["_updated"] = since
    if status == "FAILED":
        rep["failureReason"] = rep["_fail"]
    elif status == "COMPLETED":
        sim = getattr(req, "sim", None)
        seed = getattr(sim, "seed", 42)
        ents = profile_entities(state, rep["profileId"])
        if ents is None:
            ents = synthetic_entities(seed, rep["profileId"])
        rows = build_rows(rep, ents, seed, state.report_restatement,
                          profile_currency(state, rep["profileId"]),
                          profile_today(state, rep["profileId"]))
        data = json.dumps(rows, separators=(",", ":")).encode()
        rep["_file"] = gzip.compress(data, compresslevel=1, mtime=0)
        rep["_rows"] = len(rows)
        rep["_generatedAt"] = since


def _public_url(req):
    sim = getattr(req, "sim", None)
    url = getattr(sim, "public_url", None)
    if not url:
        host = req.headers.get("Host") or "127.0.0.1"
        url = "http://" + host
    return url.rstrip("/")


def _ensure_url(req, state, rep, now):
    tok = rep.get("_token")
    rec = state.report_tokens.get(tok) if tok else None
    if rec is None or now >= rec["expires_at"]:
        tok = _new_token(state)
        state.report_tokens[tok] = {"report_id": rep["reportId"],
                                    "expires_at": now + state.report_url_ttl,
                                    "ttl": state.report_url_ttl}
        rep["_token"] = tok
    return tok


def _view(req, state, rep, now, with_url):
    out = {
        "configuration": rep["configuration"],
        "createdAt": iso(rep["_created"]),
        "endDate": rep["endDate"],
        "failureReason": rep.get("failureReason"),
        "fileSize": None,
        "generatedAt": None,
        "name": rep.get("name"),
        "reportId": rep["reportId"],
        "startDate": rep["startDate"],
        "status": rep["status"],
        "updatedAt": iso(rep["_updated"]),
        "url": None,
        "urlExpiresAt": None,
    }
    if rep["status"] == "COMPLETED":
        out["fileSize"] = len(rep["_file"])
        out["generatedAt"] = iso(rep["_generatedAt"])
        if with_url:
            tok = _ensure_url(req, state, rep, now)
            out["url"] = "%s/_download/%s" % (_public_url(req), tok)
            out["urlExpiresAt"] = iso(state.report_tokens[tok]["expires_at"])
    return out


def _canonical(body):
    return json.dumps(body, sort_keys=True, separators=(",", ":"))


# ----------------------------------------------------------------------------- handlers

def handle_create(req):
    state = req.sim.state
    ensure_state(state)
    ct = (req.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if ct != CREATE_REQUEST_CT:
        return _err(415, "Unsupported Media Type: Content-Type must be %s" % CREATE_REQUEST_CT)
    pid = _profile(req)
    if not pid:
        return _err(400, "Invalid Advertiser or Marketplace ID.")
    body = getattr(req, "json", None)
    try:
        rtype, start, end, cfg = validate_create(body, profile_today(state, pid))
    except Invalid as e:
        return _err(400, str(e))
    with locked(req):
        now = clock(state)
        key = (pid, _canonical(body))
        prev = state.report_dedup.get(key)
        if prev is not None and prev in state.reports:
            prep = state.reports[prev]
            st, _ = report_phase(prep, now)
            if st in ("PENDING", "PROCESSING"):
                return _err(425, "The Request is a duplicate of : %s" % prev)
        rid = _new_id(state)
        faults = state.report_faults["fail_next"]
        fail = faults.pop(0) if faults else None
        rep = {
            "reportId": rid, "profileId": pid, "name": body.get("name"),
            "startDate": body["startDate"], "endDate": body["endDate"],
            "configuration": json.loads(json.dumps(cfg)),
            "status": "PENDING", "failureReason": None,
            "_created": now, "_updated": now, "_delay": _delay(req, state), "_fail": fail,
            "_key": key,
        }
        state.reports[rid] = rep
        state.report_dedup[key] = rid
        return response(200, _view(req, state, rep, now, with_url=False), CREATE_RESPONSE_CT)


def _find(req, state, report_id):
    rep = state.reports.get(report_id)
    if rep is None or rep["profileId"] != _profile(req):
        return None
    return rep


def handle_get(req, report_id):
    state = req.sim.state
    ensure_state(state)
    with locked(req):
        rep = _find(req, state, report_id)
        if rep is None:
            return _err(404, "Not Found")
        now = clock(state)
        _materialize(req, state, rep, now)
        return response(200, _view(req, state, rep, now, with_url=True), GET_RESPONSE_CT)


def handle_delete(req, report_id):
    state = req.sim.state
    ensure_state(state)
    with locked(req):
        rep = _find(req, state, report_id)
        if rep is None:
            return _err(404, "Not Found")
        now = clock(state)
        st, _ = report_phase(rep, now)
        if st not in ("PENDING", "PROCESSING"):
            return _err(400, "Report %s cannot be cancelled: its status is %s; only PENDING or "
                             "PROCESSING reports can be cancelled" % (report_id, st))
        del state.reports[report_id]
        if state.report_dedup.get(rep["_key"]) == report_id:
            del state.report_dedup[rep["_key"]]
        return response(200, {"code": "200", "detail": "Report deleted", "reportId": report_id},
                     DELETE_RESPONSE_CT)


def _s3_error(code, message, extra="", status=403):
    rid = uuid.uuid4().hex[:16].upper()
    xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s</Code><Message>%s</Message>'
           '%s<RequestId>%s</RequestId><HostId>sim</HostId></Error>' % (code, message, extra, rid))
    return response(status, xml.encode(), "application/xml")


_S3_CODES = {429: "SlowDown", 500: "InternalError", 503: "SlowDown", 403: "AccessDenied",
             404: "NoSuchKey"}


def download_error(status, code, message):
    """Faults injected on /_download answer like S3 (XML), not like the Ads API."""
    return _s3_error(_S3_CODES.get(status, "InternalError"), message, status=status)


def handle_download(req, token):
    state = req.sim.state
    ensure_state(state)
    with locked(req):
        rec = state.report_tokens.get(token)
        rep = state.reports.get(rec["report_id"]) if rec else None
        if rec is None or rep is None or rep.get("_file") is None:
            return _s3_error("AccessDenied", "Access Denied")
        now = clock(state)
        if now >= rec["expires_at"]:
            return _s3_error("AccessDenied", "Request has expired",
                             "<X-Amz-Expires>%d</X-Amz-Expires><Expires>%s</Expires>"
                             "<ServerTime>%s</ServerTime>"
                             % (rec["ttl"], iso(rec["expires_at"])[:19] + "Z",
                                iso(now)[:19] + "Z"))
        data = rep["_file"]
    return response(200, data, "application/octet-stream")


ROUTES = [
    ("POST", r"/reporting/reports", handle_create, {"error": route_error}),
    ("GET", r"/reporting/reports/(?P<report_id>[^/]+)", handle_get, {"error": route_error}),
    ("DELETE", r"/reporting/reports/(?P<report_id>[^/]+)", handle_delete,
     {"error": route_error}),
    ("GET", r"/_download/(?P<token>[^/]+)", handle_download,
     {"auth": False, "error": download_error}),
]
