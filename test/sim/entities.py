"""The generic campaign-management engine, and the RAS family it serves (/ras/v1/...).

One engine (create / update / delete / list) runs over tables of entity kinds. What
differs between API families (paths, body shapes, error objects, answers, scoping) is a
``Family`` object; what differs between entities is a ``kinds.Kind``. The RAS family is
defined here over the KINDS table in kinds.py; the Amazon Ads API v1 family
(/adsApi/v1/...) lives in v1.py over its own table (one kind per entity and ad product).

RAS behaviour:
- Create/update: body {KEY: [items <= 1000]}; 207 {KEY: {"success": [{"index", ID,
  ENTITY?}], "error": [{"index", "errors": [...]}]}}; a failing item never blocks the
  others. ENTITY only with "Prefer: return=representation" (then Preference-Applied);
  created entities come without extendedData (CreateXOutput), updated ones with it.
- Delete: {IDFILTER: {"include": [ids <= 1000]}} archives; deleting an archived entity
  succeeds again; an unknown id is an entityNotFoundError item.
- List: filters, maxResults 1..1000 (default 1000), opaque nextToken; answers
  {KEY: [...], "totalResults": N, "nextToken"?}.
- Whole-request errors: 400 {"code": "INVALID_ARGUMENT", "message", "errors": [...]}.

Engine contract with a family (see ``RasFamily``, the reference implementation):
``routes(group)``, ``context(req, group)``, ``errors(group, op, index)``,
``write_items(req, group, op, ctx)``, ``item_kind(ctx, group, raw, errs)`` (create),
``locate(ctx, group, raw, errs)`` (update), ``find(ctx, group, entity_id)`` (delete),
``outcome(ctx, group, op, index, kind, entity, representation, warnings)``,
``write_answer(req, group, success, partial, failures, representation)``,
``parse_query(req, group, ctx)``, ``query_answer(ctx, group, query, page, total, token)``.
A "group" is what one set of routes serves (RAS: a Kind; v1: an entity with its
per-product kinds).
"""

import datetime
import json

import paging
import validation as v
import bench
from kinds import KINDS, MAX_BATCH, MAX_PAGE
from web import Response, error


# ---------------------------------------------------------------------- per-request context

def _in_scope(data, field, value):
    return field is None or data.get(field) == value


class Context:
    def __init__(self, req):
        self.state = req.sim.state
        self.profile_id = req.profile_id
        self.today = self.state.today(self.profile_id)
        self.now = self.state.now_iso()
        self._identities = {}
        self.warnings = None   # per item: errors that still let it succeed (partialSuccess)

    def store(self, kind_key):
        return self.state.store(self.profile_id, kind_key)

    def store_of(self, kind):
        """The store a kind's entities live in for this request."""
        return self.store(kind.key)

    def changed(self):
        self.state.changed(self.profile_id)

    def lookup(self, kind_key, entity_id):
        return self.store(kind_key).get(entity_id) if isinstance(entity_id, str) else None

    def identities(self, kind, scope_field, scope_value):
        """{identity: id} of the non-archived ``kind`` entities whose ``scope_field`` is
        ``scope_value`` (all of the profile's when scope_field is None); memoized."""
        key = (kind.key, scope_field, scope_value)
        found = self._identities.get(key)
        if found is None:
            hints = {scope_field: {scope_value}} if scope_field else {}
            found = {}
            for entity in self.store_of(kind).select(hints, kind.id_field):
                if _in_scope(entity.data, scope_field, scope_value) \
                        and entity.state != "ARCHIVED":
                    found[kind.identity(entity.data)] = entity.data[kind.id_field]
            self._identities[key] = found
        return found

    def forget_identity(self, kind, data):
        for (kind_key, field, value), found in self._identities.items():
            if kind_key == kind.key and _in_scope(data, field, value):
                found.pop(kind.identity(data), None)

    def remember_identity(self, kind, data):
        for (kind_key, field, value), found in self._identities.items():
            if kind_key == kind.key and _in_scope(data, field, value):
                found[kind.identity(data)] = data[kind.id_field]

    def campaign_window(self, campaign):
        start = campaign.data.get("startDate")
        end = campaign.data.get("endDate")
        ended = end is not None and datetime.date.fromisoformat(end) < self.today
        pending = start is not None and datetime.date.fromisoformat(start) > self.today
        return ended, pending


# ---------------------------------------------------------------------- serving status

STATUS_MESSAGES = {
    "ARCHIVED": "The %s is archived.",
    "PAUSED": "The %s is paused.",
    "ENABLED": "The %s is enabled and serving.",
}
LEVEL_WORDS = {"CAMPAIGN": "campaign", "AD_GROUP": "ad group", "AD": "ad",
               "TARGETING_CLAUSE": "target"}
LIVE_STATUS = {"CAMPAIGN": "CAMPAIGN_STATUS_ENABLED", "AD_GROUP": "AD_GROUP_STATUS_ENABLED",
               "AD": "AD_STATUS_LIVE", "TARGETING_CLAUSE": "TARGETING_CLAUSE_STATUS_LIVE"}


def serving_status(ctx, kind, data):
    """(servingStatus, message): the entity's own archive first, then its parents', then
    the campaign's dates, then pauses from the outside in, else live."""
    if data["state"] == "ARCHIVED":
        return kind.level + "_ARCHIVED", STATUS_MESSAGES["ARCHIVED"] % LEVEL_WORDS[kind.level]
    chain = []
    for field, parent_kind in kind.parents:
        parent = ctx.lookup(parent_kind, data.get(field))
        if parent is not None:
            chain.append((KINDS[parent_kind].level, parent))
    for level, parent in chain:
        if parent.state == "ARCHIVED":
            return level + "_ARCHIVED", STATUS_MESSAGES["ARCHIVED"] % LEVEL_WORDS[level]
    campaign = chain[0][1] if chain else ctx.lookup("campaigns", data.get("campaignId"))
    if campaign is not None:
        ended, pending = ctx.campaign_window(campaign)
        if ended:
            return "ENDED", "The campaign has ended."
        if pending:
            return "PENDING_START_DATE", "The campaign has not started yet."
    for level, parent in chain:
        if parent.state == "PAUSED":
            return level + "_PAUSED", STATUS_MESSAGES["PAUSED"] % LEVEL_WORDS[level]
    if data["state"] == "PAUSED":
        return kind.level + "_PAUSED", STATUS_MESSAGES["PAUSED"] % LEVEL_WORDS[kind.level]
    return LIVE_STATUS[kind.level], STATUS_MESSAGES["ENABLED"] % LEVEL_WORDS[kind.level]


def render(ctx, kind, entity, extended=True):
    """The entity as the API answers it (a fresh dict; stored data is never shared)."""
    out = json.loads(json.dumps(entity.data))
    if extended:
        status, message = serving_status(ctx, kind, entity.data)
        out["extendedData"] = {
            "servingStatus": status,
            "servingStatusDetails": [{"name": status + "_DETAIL", "message": message}],
            "creationDateTime": entity.created,
            "lastUpdateDateTime": entity.updated,
        }
    return out



# ---------------------------------------------------------------------- whole-request errors

def bad_request(errors, message=None):
    message = message or errors[0]["errorValue"][errors[0]["errorType"]]["message"]
    return error(400, "INVALID_ARGUMENT", message, errors=errors)


def _batch(req, key, limit=MAX_BATCH):
    """(items, None) or (None, 400 Response) for a RAS {key: [...]} body."""
    body = req.json
    errs = v.Errors("$")
    if not isinstance(body, dict):
        errs.malformed(None, "PATTERN_NOT_MATCHED", "request body must be a JSON object")
        return None, bad_request(errs.items)
    items = body.get(key)
    if items is None:
        errs.missing(key)
    elif not isinstance(items, list):
        errs.malformed(key, "PATTERN_NOT_MATCHED", "%s must be an array" % key)
    elif len(items) > limit:
        errs.out_of_range(key, "TOO_HIGH", "%s must have at most %d items" % (key, limit),
                          len(items), 0, limit)
    if errs:
        return None, bad_request(errs.items)
    return items, None


def _delete_ids(req, kind):
    """(ids, None) or (None, 400 Response) for a RAS {IDFILTER: {"include": [...]}} body."""
    body = req.json
    errs = v.Errors("$")
    ids = None
    if not isinstance(body, dict):
        errs.malformed(None, "PATTERN_NOT_MATCHED", "request body must be a JSON object")
    elif not isinstance(body.get(kind.id_filter), dict):
        errs.missing(kind.id_filter)
    else:
        ids = body[kind.id_filter].get("include")
        path = kind.id_filter + ".include"
        if ids is None:
            errs.missing(path)
        elif not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            errs.malformed(path, "PATTERN_NOT_MATCHED", "%s must be an array of ids" % path)
        elif len(ids) > MAX_BATCH:
            errs.out_of_range(path, "TOO_HIGH", "%s must have at most %d items"
                              % (path, MAX_BATCH), len(ids), 0, MAX_BATCH)
    if errs:
        return None, bad_request(errs.items)
    return ids, None


# ---------------------------------------------------------------------- the RAS family

RAS_OPERATIONS = [
    # (operation, method, path template)
    ("create", "POST", "/ras/v1/{key}"),
    ("update", "PUT", "/ras/v1/{key}"),
    ("delete", "POST", "/ras/v1/{key}/delete"),
    ("list", "POST", "/ras/v1/{key}/list"),
]


class RasFamily:
    """RAS: entities per profile (Scope header), RAS error objects, wrapped 207s."""

    operations = RAS_OPERATIONS
    route_options = {}

    def routes(self, group):
        return [(method, template.format(key=group.key), operation, self.route_options)
                for operation, method, template in self.operations]

    def context(self, req, group):
        return Context(req), None

    def errors(self, group, op, index):
        if op == "delete":
            return v.Errors("$.%s.include[%d]" % (group.id_filter, index))
        return v.Errors("$.%s[%d]" % (group.key, index))

    def write_items(self, req, group, op, ctx):
        if op == "delete":
            return _delete_ids(req, group)
        return _batch(req, group.key)

    def item_kind(self, ctx, group, raw, errs):
        return group

    def locate(self, ctx, group, raw, errs):
        return group, None

    def find(self, ctx, group, entity_id):
        return group, ctx.store(group.key).get(entity_id)

    def outcome(self, ctx, group, op, index, kind, entity, representation, warnings):
        out = {"index": index, kind.id_field: entity.data[kind.id_field]}
        if representation and op != "delete":
            out[kind.singular] = render(ctx, kind, entity, extended=(op == "update"))
        return out

    def write_answer(self, req, group, success, partial, failures, representation):
        headers = {"Preference-Applied": "return=representation"} if representation else None
        return Response(207, {group.key: {"success": success, "error": failures}},
                        headers=headers)

    def representation(self, req, op):
        return op != "delete" and req.prefers_representation()

    def parse_query(self, req, group, ctx):
        return parse_list_body(req, group)

    def fast_page(self, ctx, group, query):
        store = ctx.store(group.key)
        if not query.raw_filters and hasattr(store, "page_bytes"):
            return Response(200, store.page_bytes(
                query.offset, query.max_results, lambda entity: render(ctx, group, entity)))
        return None

    def query_answer(self, ctx, group, query, page, total, token):
        answer = {group.key: [render(ctx, group, entity) for entity in page],
                  "totalResults": total}
        if token:
            answer["nextToken"] = token
        return Response(200, answer)


RAS = RasFamily()


# ---------------------------------------------------------------------- create

def _resolve_parents(ctx, kind, item, errs):
    """{field: parent entity} for the parents the item names; errors for bad ones."""
    parents = {}
    for field, parent_kind in kind.parents:
        if field not in item:
            continue
        parent = ctx.lookup(parent_kind, item[field])
        if parent is None:
            errs.add("parentEntityError", "PARENT_ENTITY_NOT_FOUND",
                     "%s %s not found" % (field[:-2], item[field]), field, item[field])
            return None
        parents[field] = parent
    campaign, ad_group = parents.get("campaignId"), parents.get("adGroupId")
    if campaign is not None and ad_group is not None \
            and ad_group.data["campaignId"] != campaign.data["campaignId"]:
        errs.add("parentEntityError", "PARENT_ENTITY_NOT_FOUND",
                 "adGroup %s does not belong to campaign %s"
                 % (item["adGroupId"], item["campaignId"]), "adGroupId", item["adGroupId"],
                 code="RESOURCE_DOES_NOT_BELONG_TO_PARENT")
        return None
    for field, parent in parents.items():
        if parent.state == "ARCHIVED":
            errs.add("entityStateError", "PARENT_STATUS_FORBIDS_UPDATES_AND_CREATES",
                     "%s %s is archived" % (field[:-2], item[field]), field, item[field])
            return None
    return parents


def _clean(schema, raw, errs):
    if not isinstance(raw, dict):
        errs.malformed(None, "PATTERN_NOT_MATCHED", "each item must be a JSON object")
        return {}
    cleaned = v.clean_members(schema, raw, errs)
    return cleaned if cleaned is not v.MISSING else {}


def create(req, group):
    family = group.family
    ctx, failed = family.context(req, group)
    if failed:
        return failed
    items, failed = family.write_items(req, group, "create", ctx)
    if failed:
        return failed
    representation = family.representation(req, "create")
    success, partial, failures = [], [], []
    for index, raw in enumerate(items):
        errs = family.errors(group, "create", index)
        ctx.warnings = family.errors(group, "create", index)
        kind = family.item_kind(ctx, group, raw, errs)
        item = _clean(kind.create_schema, raw, errs) if kind is not None else {}
        parents = _resolve_parents(ctx, kind, item, errs) if not errs else None
        if not errs:
            kind.check_create(ctx, item, errs, parents)
        if errs:
            failures.append({"index": index, "errors": errs.items})
            continue
        entity_id = ctx.state.ids.next()
        data = {kind.id_field: entity_id}
        data.update(kind.build(ctx, item, parents))
        entity = ctx.state.new_entity(data, ctx.now)
        ctx.store_of(kind).add(entity_id, entity)
        ctx.remember_identity(kind, data)
        if kind.after_create:
            kind.after_create(ctx, entity)
        outcome = family.outcome(ctx, group, "create", index, kind, entity, representation,
                                 ctx.warnings.items)
        (partial if ctx.warnings else success).append(outcome)
    if success or partial:
        ctx.changed()
    return family.write_answer(req, group, success, partial, failures, representation)


# ---------------------------------------------------------------------- update

def _same(given, stored):
    """True when an update repeats a stored value (objects: every given member matches)."""
    if isinstance(given, dict) and isinstance(stored, dict):
        return all(k in stored and _same(val, stored[k]) for k, val in given.items())
    if isinstance(given, bool) or isinstance(stored, bool):
        return given is stored
    return given == stored


def _not_found(errs, kind, field, entity_id):
    errs.add("entityNotFoundError", "ENTITY_NOT_FOUND",
             "%s %s not found" % (kind.singular, entity_id), field, entity_id,
             entityId=str(entity_id), entityType=kind.entity_type)


def _check_update_state(ctx, kind, entity, changes, errs):
    archiving_only = set(changes) <= {"state"} and changes.get("state") == "ARCHIVED"
    if entity.state == "ARCHIVED" and not (archiving_only or not changes):
        errs.add("entityStateError", "ARCHIVED_ENTITY_CANNOT_BE_MODIFIED",
                 "an archived %s cannot be modified" % kind.singular, kind.id_field,
                 entity.data[kind.id_field])
        return
    if archiving_only:
        return
    for field, parent_kind in kind.parents:
        parent = ctx.lookup(parent_kind, entity.data.get(field))
        if parent is not None and parent.state == "ARCHIVED":
            errs.add("entityStateError", "PARENT_ARCHIVED_FORBIDS_UPDATES",
                     "%s %s is archived" % (field[:-2], entity.data[field]), field,
                     entity.data[field])
            return


def update(req, group):
    family = group.family
    ctx, failed = family.context(req, group)
    if failed:
        return failed
    items, failed = family.write_items(req, group, "update", ctx)
    if failed:
        return failed
    representation = family.representation(req, "update")
    success, partial, failures = [], [], []
    for index, raw in enumerate(items):
        errs = family.errors(group, "update", index)
        ctx.warnings = family.errors(group, "update", index)
        kind, entity = family.locate(ctx, group, raw, errs)
        changes = _clean(kind.update_schema, raw, errs) if kind is not None else {}
        if not errs:
            entity_id = changes.pop(kind.id_field)
            if entity is None:
                entity = ctx.store_of(kind).get(entity_id)
            if entity is None:
                _not_found(errs, kind, kind.id_field, entity_id)
        if not errs:
            for field in kind.immutable:
                if field in raw and not _same(raw[field], entity.data.get(field)):
                    errs.add("otherError", "OTHER_ERROR", "%s cannot be changed" % field,
                             field, raw[field])
        if not errs:
            _check_update_state(ctx, kind, entity, changes, errs)
        if not errs and kind.check_update:
            kind.check_update(ctx, entity, changes, errs)
        if errs:
            failures.append({"index": index, "errors": errs.items})
            continue
        if changes:
            ctx.forget_identity(kind, entity.data)
            kind.apply(entity.data, changes)
            if entity.state != "ARCHIVED":
                ctx.remember_identity(kind, entity.data)
            entity.updated = ctx.now
            ctx.store_of(kind).touched(entity_id, entity)
        outcome = family.outcome(ctx, group, "update", index, kind, entity, representation,
                                 ctx.warnings.items)
        (partial if ctx.warnings else success).append(outcome)
    if success or partial:
        ctx.changed()
    return family.write_answer(req, group, success, partial, failures, representation)


# ---------------------------------------------------------------------- delete

def delete(req, group):
    family = group.family
    ctx, failed = family.context(req, group)
    if failed:
        return failed
    ids, failed = family.write_items(req, group, "delete", ctx)
    if failed:
        return failed
    success, failures = [], []
    for index, entity_id in enumerate(ids):
        kind, entity = family.find(ctx, group, entity_id)
        if entity is None:
            item_errs = family.errors(group, "delete", index)
            _not_found(item_errs, kind, None, entity_id)
            failures.append({"index": index, "errors": item_errs.items})
            continue
        if entity.state != "ARCHIVED":
            ctx.forget_identity(kind, entity.data)
            entity.data["state"] = "ARCHIVED"
            entity.updated = ctx.now
            ctx.store_of(kind).touched(entity_id, entity)
        success.append(family.outcome(ctx, group, "delete", index, kind, entity, False, []))
    if success:
        ctx.changed()
    return family.write_answer(req, group, success, [], failures, False)


# ---------------------------------------------------------------------- list

class ListQuery:
    """A validated list body: filters {name: wanted}, the raw filters, page size, offset;
    ``kind`` is the kind whose store and filter specs the query runs over."""

    def __init__(self, filters, raw_filters, max_results, offset, kind=None):
        self.filters = filters
        self.raw_filters = raw_filters
        self.max_results = max_results
        self.offset = offset
        self.kind = kind


def parse_list_body(req, kind):
    """(ListQuery, None) or (None, 400 Response)."""
    body = req.json if req.body else {}
    errs = v.Errors("$")
    if not isinstance(body, dict):
        errs.malformed(None, "PATTERN_NOT_MATCHED", "request body must be a JSON object")
        return None, bad_request(errs.items)
    filters, raw_filters = {}, {}
    for name, spec in kind.filters.items():
        if body.get(name) is None:
            continue
        raw_filters[name] = body[name]
        wanted = spec.parse(body[name], errs)
        if wanted is not None:
            filters[name] = wanted
    max_results, problem = paging.parse_max_results(body.get("maxResults"), MAX_PAGE,
                                                    MAX_PAGE)
    if problem:
        reason, message = problem
        if reason == "MALFORMED":
            errs.malformed("maxResults", "PATTERN_NOT_MATCHED", message, body["maxResults"])
        else:
            errs.out_of_range("maxResults", reason, message, body["maxResults"], 1, MAX_PAGE)
    offset = 0
    if body.get("nextToken") is not None:
        try:
            offset = paging.decode(body["nextToken"], raw_filters)
        except paging.BadToken as exc:
            errs.malformed("nextToken", "PATTERN_NOT_MATCHED", str(exc), body["nextToken"])
    if errs:
        return None, bad_request(errs.items)
    return ListQuery(filters, raw_filters, max_results, offset, kind), None


def list_entities(req, group):
    family = group.family
    ctx, failed = family.context(req, group)
    if failed:
        return failed
    query, failed = family.parse_query(req, group, ctx)
    if failed:
        return failed
    fast = family.fast_page(ctx, group, query)
    if fast is not None:
        return fast
    kind = query.kind
    hints = {}
    for name, wanted in query.filters.items():
        if kind.filters[name].hint:
            hints[kind.filters[name].hint] = set(wanted)
    matchers = [kind.filters[name].matcher(wanted) for name, wanted in query.filters.items()]
    total, page = 0, []
    for entity in ctx.store_of(kind).select(hints, kind.id_field):
        if all(match(entity.data) for match in matchers):
            if query.offset <= total < query.offset + query.max_results:
                page.append(entity)
            total += 1
    _, token = paging.page(total, query.offset, query.max_results, query.raw_filters)
    return family.query_answer(ctx, group, query, page, total, token)


# ---------------------------------------------------------------------- routes and seeding

OPERATIONS = {"create": create, "update": update, "delete": delete, "list": list_entities}


def routes_for(groups):
    """The ROUTES of every group (RAS kinds, v1 entities), each from its family's table."""
    routes = []
    for group in groups:
        for method, path, operation, options in group.family.routes(group):
            routes.append((method, path,
                           lambda req, g=group, fn=OPERATIONS[operation]: fn(req, g),
                           options))
    return routes


for _kind in KINDS.values():
    _kind.family = RAS
ROUTES = routes_for(KINDS.values())


def init_state(state, rng):
    if state.bench_targets:
        bench.seed(state, state.bench_targets)
