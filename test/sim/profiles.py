"""GET /v2/profiles: the seeded advertising profiles (no Scope header needed).

Errors on this route use the Profiles spec's shape, {"code", "details"}.
Query filters: profileTypeFilter (comma list of seller|vendor|agency) and
validPaymentMethodFilter (true|false), as Amazon documents them.
"""

from web import Response, sp_error

PROFILE_TYPES = ("seller", "vendor", "agency")


def handle_list(req):
    profiles = req.sim.state.profiles
    types = req.query.get("profileTypeFilter")
    if types is not None:
        wanted = [t.strip() for t in types.split(",") if t.strip()]
        bad = [t for t in wanted if t not in PROFILE_TYPES]
        if bad:
            return sp_error(400, "INVALID_ARGUMENT",
                            "profileTypeFilter must be among %s" % ", ".join(PROFILE_TYPES))
        profiles = [p for p in profiles if p["accountInfo"]["type"] in wanted]
    payment = req.query.get("validPaymentMethodFilter")
    if payment is not None:
        if payment not in ("true", "false"):
            return sp_error(400, "INVALID_ARGUMENT",
                            "validPaymentMethodFilter must be true or false")
        flag = payment == "true"
        profiles = [p for p in profiles
                    if p["accountInfo"].get("validPaymentMethod", True if flag else None)
                    is flag]
    return Response(200, profiles)


ROUTES = [
    ("GET", r"/v2/profiles", handle_list, {"scope": False, "error": sp_error}),
]
