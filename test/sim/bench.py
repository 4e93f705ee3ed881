"""--bench-targets N: N keyword targets under profile 1234567890, served at almost no cost.
--bench-v1-targets N (with --bench-targets): N Sponsored Products keyword targets of the
Amazon Ads API v1 under the same profile, served the same way.

The targets are never stored one by one: target i is a pure function of i (id
``first + i``, keyword ``bench keyword <i>``, match type and bid cycling), materialized
on demand. An unfiltered ``POST /ras/v1/targets/list`` page is produced from a byte
template (one prototype target rendered by the normal renderer, with the varying values
cut out) and cached per (maxResults, offset) up to CACHE_LIMIT bytes; any change to the
profile's entities empties the cache. Filtered listings, updates and deletes go through
the normal engine (a changed bench target is kept as an override).

The v1 ones (``V1_TARGETS``, set by main.py) live in an SP campaign "Bench SP Campaign" and
ad group "Bench SP Ad Group"; an unfiltered ``POST /adsApi/v1/query/targets`` for
SPONSORED_PRODUCTS is answered from the same kind of byte template (v1.py's query hook is
wrapped for that: ``_v1_fast_page``).
"""

import itertools

import paging
from state import BENCH_PROFILE_ID, Entity, Store, id_order
from web import dumps

CACHE_LIMIT = 128 * 1024 * 1024
MATCH_TYPES = ["EXACT", "PHRASE", "BROAD"]
BIDS = [round(0.25 + 0.01 * k, 2) for k in range(300)]
MATCH_BYTES = [m.encode() for m in MATCH_TYPES]
BID_BYTES = [repr(b).encode() for b in BIDS]

# Sentinels cut out of the prototype's JSON to make the page template.
# Their order is the order of the values in _virtual_items.
_MARKERS = [b"\\u0001", b"\\u0002", b"\\u0003", b"4242.4242"]

# --bench-v1-targets N (main.py): that many v1 SP keyword targets, seeded with the others.
V1_TARGETS = 0
SP = "SPONSORED_PRODUCTS"


def seed(state, count):
    """Create the bench campaign, ad group and the N lazily materialized targets."""
    now = state.now_iso()
    campaign_id, ad_group_id = state.ids.next(), state.ids.next()
    state.store(BENCH_PROFILE_ID, "campaigns").add(campaign_id, Entity({
        "campaignId": campaign_id, "name": "Bench Campaign",
        "budget": {"budget": 1000.0, "effectiveBudget": 1000.0, "budgetType": "DAILY"},
        "targetingType": "MANUAL", "state": "ENABLED",
        "startDate": state.today(BENCH_PROFILE_ID).isoformat(),
        "dynamicBidding": {"strategy": "MANUAL"},
    }, now))
    state.store(BENCH_PROFILE_ID, "adGroups").add(ad_group_id, Entity({
        "adGroupId": ad_group_id, "name": "Bench Ad Group", "campaignId": campaign_id,
        "defaultBid": 1.0, "state": "ENABLED", "retailerId": "retailer-1",
    }, now))
    first = state.ids.block(count)
    state.set_store(BENCH_PROFILE_ID, "targets",
                    BenchTargets(state, count, first, campaign_id, ad_group_id, now))
    if V1_TARGETS:
        seed_v1(state, V1_TARGETS, now)


def seed_v1(state, count, now):
    """The v1 SP campaign, ad group and N lazily materialized SP keyword targets (as
    v1.py's create would have built them)."""
    _install_v1_fast_page()
    campaign_id, ad_group_id = state.ids.next(), state.ids.next()
    state.store(BENCH_PROFILE_ID, "v1/campaigns").add(campaign_id, Entity({
        "campaignId": campaign_id, "adProduct": SP, "name": "Bench SP Campaign",
        "state": "ENABLED", "marketplaceScope": "SINGLE_MARKETPLACE",
        "startDateTime": "2025-01-01T00:00:00Z",
        "budgets": [{"budgetType": "MONETARY", "recurrenceTimePeriod": "DAILY",
                     "budgetValue": {"monetaryBudgetValue": {"monetaryBudget": {
                         "value": 1000.0, "currencyCode": "USD"}}}}],
        "autoCreationSettings": {"autoCreateTargets": False}, "costType": "CPC",
    }, now))
    state.store(BENCH_PROFILE_ID, "v1/adGroups").add(ad_group_id, Entity({
        "adGroupId": ad_group_id, "adProduct": SP, "campaignId": campaign_id,
        "name": "Bench SP Ad Group", "state": "ENABLED",
        "marketplaceScope": "SINGLE_MARKETPLACE",
        "bid": {"defaultBid": 1.0, "currencyCode": "USD"},
    }, now))
    first = state.ids.block(count)
    state.set_store(BENCH_PROFILE_ID, "v1/targets",
                    BenchV1Targets(state, count, first, campaign_id, ad_group_id, now))


def _install_v1_fast_page():
    """Answer unfiltered SP target queries from BenchV1Targets.page_bytes (v1.py's own
    hook answers None: every query goes through the engine)."""
    import v1                   # loaded by now (app.py loads every module first)
    from web import Response

    if getattr(v1.V1.fast_page, "bench", False):
        return

    def fast_page(ctx, group, query):
        kind = query.kind
        if group.key == "targets" and getattr(kind, "product", None) == SP \
                and query.raw_filters == {"adProductFilter": [SP]}:
            store = ctx.store_of(kind)
            if hasattr(store, "page_bytes"):
                return Response(200, store.page_bytes(
                    query.offset, query.max_results,
                    lambda entity: v1.render(ctx, kind, entity)))
        return None
    fast_page.bench = True
    v1.V1.fast_page = fast_page


class BenchTargets(Store):
    """The bench profile's targets: N virtual ones first, then the normally stored ones."""

    token_filters = {}          # what the list route fingerprints a nextToken with

    def __init__(self, state, count, first, campaign_id, ad_group_id, created):
        super().__init__()
        self.state = state
        self.count = count
        self.first = first
        self.campaign_id = campaign_id
        self.ad_group_id = ad_group_id
        self.created = created
        self.overrides = {}     # id -> Entity, bench targets changed through the API
        self._cache = {}
        self._cached_bytes = 0
        self._cache_version = None
        self._template = None   # (format bytes, marker order)

    # -------------------------------------------------------------- virtual targets

    def _index(self, entity_id):
        if not isinstance(entity_id, str) or not entity_id.isdigit():
            return None
        i = int(entity_id) - self.first
        return i if 0 <= i < self.count and str(self.first + i) == entity_id else None

    def _values(self, i):
        return (str(self.first + i), "bench keyword %d" % i, MATCH_TYPES[i % 3],
                BIDS[i % len(BIDS)])

    def _make(self, i):
        target_id, keyword, match, bid = self._values(i)
        return Entity({
            "targetId": target_id, "campaignId": self.campaign_id,
            "adGroupId": self.ad_group_id, "state": "ENABLED", "negative": False,
            "targetLevel": "AD_GROUP", "targetType": "KEYWORD",
            "targetDetails": {"keywordTarget": {"keyword": keyword, "matchType": match}},
            "bid": {"bid": bid, "currencyCode": "USD"},
        }, self.created)

    def _virtual(self, i):
        return self.overrides.get(str(self.first + i)) or self._make(i)

    # -------------------------------------------------------------- Store interface

    def get(self, entity_id):
        i = self._index(entity_id)
        return super().get(entity_id) if i is None else self._virtual(i)

    def touched(self, entity_id, entity):
        if self._index(entity_id) is not None:
            self.overrides[entity_id] = entity

    def select(self, hints, id_field):
        wanted = hints.get(id_field)
        if wanted is not None:
            found = (self.get(i) for i in sorted(wanted, key=id_order))
            return (entity for entity in found if entity is not None)
        skip = (self.campaign_id not in hints.get("campaignId", {self.campaign_id})
                or self.ad_group_id not in hints.get("adGroupId", {self.ad_group_id}))
        virtual = () if skip else (self._virtual(i) for i in range(self.count))
        return itertools.chain(virtual, super().__iter__())

    def __iter__(self):
        return self.select({}, "targetId")

    def __len__(self):
        return self.count + super().__len__()

    # -------------------------------------------------------------- fast pages

    def page_bytes(self, offset, max_results, render):
        """The JSON bytes of an unfiltered list page (``render(entity) -> dict``)."""
        version = self.state.version(BENCH_PROFILE_ID)
        if version != self._cache_version:
            self._cache.clear()
            self._cached_bytes = 0
            self._template = None
            self._cache_version = version
        key = (max_results, offset)
        body = self._cache.get(key)
        if body is not None:
            return body
        total = len(self)
        end = min(offset + max_results, total)
        items = []
        if offset < min(end, self.count):
            items += self._virtual_items(offset, min(end, self.count), render)
        if end > self.count:
            regular = itertools.islice(super().__iter__(), max(offset - self.count, 0),
                                       end - self.count)
            items += [dumps(render(entity)) for entity in regular]
        tail = b'],"totalResults":%d' % total
        if end < total:
            token = paging.encode(end, self.token_filters)
            tail += b',"nextToken":"%s"' % token.encode("ascii")
        body = b"".join((b'{"targets":[', b",".join(items), tail, b"}"))
        if self._cached_bytes + len(body) <= CACHE_LIMIT:
            self._cache[key] = body
            self._cached_bytes += len(body)
        return body

    def _virtual_items(self, start, stop, render):
        fmt, order = self._page_template(render)
        overrides = self.overrides
        out = []
        for i in range(start, stop):
            target_id = self.first + i
            override = overrides.get(str(target_id)) if overrides else None
            if override is not None:
                out.append(dumps(render(override)))
                continue
            values = (b"%d" % target_id, b"bench keyword %d" % i, MATCH_BYTES[i % 3],
                      BID_BYTES[i % len(BID_BYTES)])
            out.append(fmt % tuple(values[k] for k in order))
        return out

    def _page_template(self, render):
        if self._template is None:
            prototype = self._make(0)
            prototype.data["targetId"] = "\x01"
            prototype.data["targetDetails"]["keywordTarget"] = {"keyword": "\x02",
                                                                "matchType": "\x03"}
            prototype.data["bid"]["bid"] = 4242.4242
            text = dumps(render(prototype)).replace(b"%", b"%%")
            order = sorted(range(len(_MARKERS)), key=lambda k: text.index(_MARKERS[k]))
            for marker in _MARKERS:
                text = text.replace(marker, b"%s", 1)
            self._template = (text, order)
        return self._template


class BenchV1Targets(BenchTargets):
    """The v1 SP targets: the same virtual targets in the v1 shape (rendered by v1.py:
    creationDateTime, lastUpdatedDateTime and status are added there)."""

    token_filters = {"adProductFilter": [SP]}

    def _make(self, i):
        target_id, keyword, match, bid = self._values(i)
        return Entity({
            "targetId": target_id, "adProduct": SP, "campaignId": self.campaign_id,
            "adGroupId": self.ad_group_id, "state": "ENABLED", "negative": False,
            "targetLevel": "AD_GROUP", "targetType": "KEYWORD",
            "targetDetails": {"keywordTarget": {"keyword": keyword, "matchType": match}},
            "bid": {"bid": bid, "currencyCode": "USD"},
            "marketplaceScope": "SINGLE_MARKETPLACE",
        }, self.created)
