"""Reporting admin hooks under /_sim/reports (no auth; see test/README.md).

- POST /_sim/reports/fail_next    the next N created reports end FAILED
- POST /_sim/reports/expire_urls  every download URL issued so far expires now
- POST /_sim/reports/restate      bump the restatement generation
- POST /_sim/reports/url_ttl      lifetime of URLs issued from now on
- POST /_sim/reports/delay        processing delay of reports created from now on
- POST /_sim/reports/advance      age every report and URL by N seconds
- GET  /_sim/reports              every report (debugging)
"""

from report_lifecycle import (DEFAULT_FAILURE_REASON, clock, ensure_state, iso, locked,
                              report_phase, response)


def _admin_body(req):
    b = getattr(req, "json", None)
    return b if isinstance(b, dict) else {}


def admin_fail_next(req):
    state = req.sim.state
    ensure_state(state)
    b = _admin_body(req)
    count = b.get("count", 1)
    reason = b.get("reason") or DEFAULT_FAILURE_REASON
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        return response(400, {"error": "count must be a positive integer"})
    with locked(req):
        state.report_faults["fail_next"].extend([reason] * count)
        return response(200, {"pending_failures": len(state.report_faults["fail_next"])})


def admin_expire_urls(req):
    state = req.sim.state
    ensure_state(state)
    with locked(req):
        now = clock(state)
        n = 0
        for rec in state.report_tokens.values():
            if rec["expires_at"] > now:
                rec["expires_at"] = now
                n += 1
        return response(200, {"expired": n})


def admin_restate(req):
    state = req.sim.state
    ensure_state(state)
    with locked(req):
        state.report_restatement += 1
        return response(200, {"generation": state.report_restatement})


def admin_url_ttl(req):
    state = req.sim.state
    ensure_state(state)
    s = _admin_body(req).get("seconds")
    if not isinstance(s, (int, float)) or isinstance(s, bool) or s < 0:
        return response(400, {"error": "seconds must be a number >= 0"})
    with locked(req):
        state.report_url_ttl = s
        return response(200, {"url_ttl": s})


def admin_delay(req):
    state = req.sim.state
    ensure_state(state)
    s = _admin_body(req).get("seconds")
    if s is not None and (not isinstance(s, (int, float)) or isinstance(s, bool) or s < 0):
        return response(400, {"error": "seconds must be a number >= 0 or null"})
    with locked(req):
        state.report_delay_override = s
        return response(200, {"report_delay": s if s is not None else
                           float(getattr(req.sim, "report_delay", 0) or 0)})


def admin_advance(req):
    """Age every report and issued URL by N seconds (fast-forwards the lifecycle)."""
    state = req.sim.state
    ensure_state(state)
    s = _admin_body(req).get("seconds")
    if not isinstance(s, (int, float)) or isinstance(s, bool) or s < 0:
        return response(400, {"error": "seconds must be a number >= 0"})
    with locked(req):
        for rep in state.reports.values():
            for k in ("_created", "_updated", "_generatedAt"):
                if rep.get(k) is not None:
                    rep[k] -= s
        for rec in state.report_tokens.values():
            rec["expires_at"] -= s
        return response(200, {"advanced": s, "reports": len(state.reports)})


def admin_list(req):
    state = req.sim.state
    ensure_state(state)
    with locked(req):
        now = clock(state)
        out = []
        for rep in state.reports.values():
            st, _ = report_phase(rep, now)
            tok = rep.get("_token")
            out.append({"reportId": rep["reportId"], "profileId": rep["profileId"],
                        "status": st, "reportTypeId": rep["configuration"]["reportTypeId"],
                        "startDate": rep["startDate"], "endDate": rep["endDate"],
                        "rows": rep.get("_rows"), "token": tok,
                        "urlExpiresAt": iso(state.report_tokens[tok]["expires_at"])
                        if tok else None})
        return response(200, {"generation": state.report_restatement,
                           "url_ttl": state.report_url_ttl,
                           "pending_failures": len(state.report_faults["fail_next"]),
                           "reports": out})


ADMIN_ROUTES = [
    ("POST", r"/_sim/reports/fail_next", admin_fail_next, {"auth": False}),
    ("POST", r"/_sim/reports/expire_urls", admin_expire_urls, {"auth": False}),
    ("POST", r"/_sim/reports/restate", admin_restate, {"auth": False}),
    ("POST", r"/_sim/reports/url_ttl", admin_url_ttl, {"auth": False}),
    ("POST", r"/_sim/reports/delay", admin_delay, {"auth": False}),
    ("POST", r"/_sim/reports/advance", admin_advance, {"auth": False}),
    ("GET", r"/_sim/reports", admin_list, {"auth": False}),
]
