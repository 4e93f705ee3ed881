"""POST /ras/v1/retailers/list (Retailer Identity API).

Body (all optional): maxResults 1..200 (default 10; the RAS guide sends it as a string,
which is accepted), nextToken, retailerIdFilter{include: up to 100 ids}. Errors are
400 {"code": "INVALID_ARGUMENT", "message": ...} (the spec's Error schema).
"""

import paging
from web import Response, error

DEFAULT_PAGE = 10
MAX_PAGE = 200
MAX_ID_FILTER = 100


def handle_list(req):
    body = req.json if req.body else {}
    if not isinstance(body, dict):
        return error(400, "INVALID_ARGUMENT", "Request body must be a JSON object")
    max_results, problem = paging.parse_max_results(
        body.get("maxResults"), DEFAULT_PAGE, MAX_PAGE, allow_string=True)
    if problem:
        return error(400, "INVALID_ARGUMENT", problem[1])

    retailers = req.sim.state.retailers
    id_filter = body.get("retailerIdFilter")
    if id_filter is not None:
        include = id_filter.get("include") if isinstance(id_filter, dict) else None
        if not isinstance(include, list) or not all(isinstance(i, str) for i in include):
            return error(400, "INVALID_ARGUMENT",
                         "retailerIdFilter.include must be an array of strings")
        if len(include) > MAX_ID_FILTER:
            return error(400, "INVALID_ARGUMENT",
                         "retailerIdFilter.include must have at most %d items" % MAX_ID_FILTER)
        wanted = set(include)
        retailers = [r for r in retailers if r["retailerId"] in wanted]

    filters = {"retailerIdFilter": id_filter}
    offset = 0
    if body.get("nextToken") is not None:
        try:
            offset = paging.decode(body["nextToken"], filters)
        except paging.BadToken as exc:
            return error(400, "INVALID_ARGUMENT", str(exc))
    end, token = paging.page(len(retailers), offset, max_results, filters)
    answer = {"retailers": retailers[offset:end], "totalResults": len(retailers)}
    if token:
        answer["nextToken"] = token
    return Response(200, answer)


ROUTES = [
    ("POST", r"/ras/v1/retailers/list", handle_list, {}),
]
