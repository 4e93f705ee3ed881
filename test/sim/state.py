"""The simulator's seeded state: profiles, retailers, and the RAS entities of each profile.

Everything here is a pure function of the seed plus the requests received, except the
creation/update timestamps, which are real time. Callers hold ``sim.lock`` while they
read or change it (the server does this around every handler).
"""

import datetime
import random

try:
    import zoneinfo
except ImportError:  # pragma: no cover - Python < 3.9
    zoneinfo = None

BENCH_PROFILE_ID = "1234567890"

# Seed-independent constants that tests rely on (test/README.md, "Seeded data").
PROFILE_SEEDS = [
    # profileId, countryCode, currencyCode, timezone, type, name, marketplaceStringId
    (1234567890, "US", "USD", "America/Los_Angeles", "seller", "Sim Seller", "ATVPDKIKX0DER"),
    (2345678901, "US", "USD", "America/Los_Angeles", "vendor", "Sim Vendor", "ATVPDKIKX0DER"),
    (3456789012, "CA", "CAD", "America/Los_Angeles", "seller", "Sim Canada", "A2EUQ1WTGCTBG2"),
]
RETAILER_COUNT = 450
# --extra-profiles N: that many more US seller profiles, 5000000001.., "Sim Client N"
# (an agency's many profiles, for fan-out tests and benchmarks). Set by main.py.
EXTRA_PROFILES = 0

ENTITY_KINDS = ("campaigns", "adGroups", "productAds", "targets")


def retailer_status(n):
    if n % 50 == 0:
        return "RETIRED"
    if n % 10 == 0:
        return "INACTIVE"
    return "ACTIVE"


def id_order(entity_id):
    """Sort key putting numeric-string ids in numeric order."""
    return (len(entity_id), entity_id)


def iso_utc(moment):
    """ISO-8601 UTC with milliseconds, e.g. 2024-05-01T12:34:56.789Z."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (moment.microsecond // 1000)


class Entity:
    """One stored RAS entity: its API fields (``data``) and its timestamps."""

    __slots__ = ("data", "created", "updated")

    def __init__(self, data, created, updated=None):
        self.data = data
        self.created = created
        self.updated = updated or created

    @property
    def state(self):
        return self.data["state"]


class Store:
    """The entities of one kind under one profile, in id (= creation) order."""

    def __init__(self):
        self._by_id = {}

    def get(self, entity_id):
        return self._by_id.get(entity_id)

    def add(self, entity_id, entity):
        self._by_id[entity_id] = entity

    def touched(self, entity_id, entity):
        """Called after ``entity`` (as answered by get) was changed in place."""

    def select(self, hints, id_field):
        """Candidate entities in id order. ``hints`` maps a data field to the values a
        filter accepts; a store may use them to skip entities (callers still filter)."""
        wanted = hints.get(id_field)
        if wanted is None:
            return iter(self)
        found = (self._by_id.get(i) for i in sorted(wanted, key=id_order))
        return (entity for entity in found if entity is not None)

    def __iter__(self):
        return iter(self._by_id.values())

    def __len__(self):
        return len(self._by_id)


class IdAllocator:
    """Deterministic numeric-string ids, unique across every entity kind and profile."""

    def __init__(self, rng):
        self._rng = rng
        self._next = rng.randrange(100_000_000_000_000, 200_000_000_000_000)

    def next(self):
        value = self._next
        self._next += self._rng.randint(1, 16)
        return str(value)

    def block(self, count):
        """Reserve ``count`` consecutive ids; answers the first one (as an int)."""
        first = self._next
        self._next += count + self._rng.randint(1, 16)
        return first


class State:
    """Seeded data. ``reset()`` rebuilds it; feature modules attach their own attributes."""

    def __init__(self, seed, modules=(), bench_targets=0):
        self.seed = seed
        self.modules = list(modules)
        self.bench_targets = bench_targets
        self.reset()

    def module_rng(self, name):
        return random.Random("%s:%s" % (self.seed, name))

    def reset(self):
        for attr in list(vars(self)):
            if attr not in ("seed", "modules", "bench_targets"):
                delattr(self, attr)
        self.profiles = self._seed_profiles(self.module_rng("profiles"))
        self._profiles_by_id = {str(p["profileId"]): p for p in self.profiles}
        self.retailers = [
            {"retailerId": "retailer-%d" % n, "name": "Retailer %d" % n,
             "domain": "retailer%d.example" % n, "status": retailer_status(n)}
            for n in range(1, RETAILER_COUNT + 1)
        ]
        self._retailers_by_id = {r["retailerId"]: r for r in self.retailers}
        self.ids = IdAllocator(self.module_rng("ids"))
        self._stores = {}
        self._versions = {}
        for module in self.modules:
            init = getattr(module, "init_state", None)
            if init is not None:
                init(self, self.module_rng(module.__name__))

    @staticmethod
    def _seed_profiles(rng):
        profiles = []
        extra = [(5000000000 + n, "US", "USD", "America/New_York", "seller", "Sim Client %d" % n,
                  "ATVPDKIKX0DER") for n in range(1, EXTRA_PROFILES + 1)]
        for pid, country, currency, tz, kind, name, marketplace in PROFILE_SEEDS + extra:
            account_id = "A" + "".join(rng.choice("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
                                       for _ in range(13))
            info = {"marketplaceStringId": marketplace, "id": account_id,
                    "type": kind, "name": name}
            if kind == "vendor":
                info["validPaymentMethod"] = True
            profiles.append({"profileId": pid, "countryCode": country,
                             "currencyCode": currency, "timezone": tz,
                             "accountInfo": info})
        return profiles

    # ------------------------------------------------------------------ lookups

    def profile(self, profile_id):
        return self._profiles_by_id.get(str(profile_id)) if profile_id is not None else None

    def retailer(self, retailer_id):
        return self._retailers_by_id.get(retailer_id)

    def store(self, profile_id, kind):
        """The Store of ``kind`` under ``profile_id`` (created on first use)."""
        key = (str(profile_id), kind)
        store = self._stores.get(key)
        if store is None:
            store = self._stores[key] = Store()
        return store

    def set_store(self, profile_id, kind, store):
        self._stores[(str(profile_id), kind)] = store

    def new_entity(self, data, now=None):
        return Entity(data, now or self.now_iso())

    def changed(self, profile_id):
        """Note that some entity of the profile changed (invalidates cached pages)."""
        key = str(profile_id)
        self._versions[key] = self._versions.get(key, 0) + 1

    def version(self, profile_id):
        return self._versions.get(str(profile_id), 0)

    # ------------------------------------------------------------------ time

    def now_iso(self):
        return iso_utc(datetime.datetime.now(datetime.timezone.utc))

    def today(self, profile_id=None):
        """Today's date in the profile's time zone (UTC when unknown)."""
        now = datetime.datetime.now(datetime.timezone.utc)
        profile = self.profile(profile_id)
        if profile is not None and zoneinfo is not None:
            try:
                now = now.astimezone(zoneinfo.ZoneInfo(profile["timezone"]))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                pass
        return now.date()
