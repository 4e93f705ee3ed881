"""Report metrics: per-entity, per-day counters and how each metric column is formatted.

Metrics are a pure function of (seed, profile, entity, date, restatement generation);
the generation only enters for the last RESTATEMENT_DAYS days (today, today-1, today-2),
so a second pull of recent days after POST /_sim/reports/restate returns different
numbers while older days stay identical. Counters are integers (money in cents) so that
sums and exact splits (report_rows.py) add up; ``format_row`` turns them into the
report's values (money rounded to 2 decimals, ratios to 4, null for a zero denominator).
"""

import hashlib

from report_catalog import FAMILY_COLUMNS, WINDOWS

RESTATEMENT_DAYS = 3

_COUNTERS = (["impressions", "clicks", "cost", "addToList", "topImpr", "grossImpressions",
              "grossClicks", "salesOtherSku7d", "unitsSoldOtherSku7d"] +
             FAMILY_COLUMNS)
_MONEY = {"cost", "salesOtherSku7d"} | {c for c in FAMILY_COLUMNS
                                        if c.startswith("sales") or c.startswith("attributed")}


def digest(*parts):
    return hashlib.blake2b("|".join(str(p) for p in parts).encode(), digest_size=32).digest()


def leaf_metrics(seed, profile_id, key, day, generation, today, scale=1.0):
    """Counters (money in cents) for one leaf entity and one day."""
    gen = generation if (today - day).days < RESTATEMENT_DAYS else 0
    b = digest(seed, profile_id, key, day.isoformat(), gen)
    h = [int.from_bytes(b[i:i + 2], "big") for i in range(0, 32, 2)]
    imp = int((20 + h[0] % 3000) * scale)
    clicks = imp * (5 + h[1] % 40) // 1000
    cost = clicks * (30 + h[2] % 220)
    p7 = clicks * (h[3] % 20) // 100
    p1 = p7 * (50 + h[4] % 51) // 100
    p14 = p7 + (h[5] % 2)
    p30 = p14 + (h[6] % 2)
    price = 999 + h[7] % 5000
    m = {"impressions": imp, "clicks": clicks, "cost": cost,
         "addToList": (h[8] % 3) if clicks else 0,
         "topImpr": imp * (h[9] % 60) // 100,
         "grossImpressions": imp + imp * (h[10] % 8) // 100,
         "grossClicks": clicks + ((h[11] % 3) if clicks else 0)}
    for w, p in zip(WINDOWS, (p1, p7, p14, p30)):
        ps = p * 4 // 5
        m["purchases" + w] = p
        m["purchasesSameSku" + w] = ps
        m["unitsSoldClicks" + w] = p + p // 3
        m["unitsSoldSameSku" + w] = ps + ps // 3
        m["sales" + w] = p * price
        m["attributedSalesSameSku" + w] = ps * price
    m["salesOtherSku7d"] = m["sales7d"] - m["attributedSalesSameSku7d"]
    m["unitsSoldOtherSku7d"] = m["unitsSoldClicks7d"] - m["unitsSoldSameSku7d"]
    return m


def zero_counters():
    return {k: 0 for k in _COUNTERS}


def add_counters(acc, m):
    for k in _COUNTERS:
        acc[k] += m[k]
    return acc


def split_counters(m, weights):
    """Split counters exactly (largest remainder) according to integer weights."""
    total = sum(weights)
    parts = [zero_counters() for _ in weights]
    for k in _COUNTERS:
        v = m[k]
        shares = [v * w // total for w in weights]
        rem = v - sum(shares)
        order = sorted(range(len(weights)), key=lambda i: -((v * weights[i]) % total))
        for i in order[:rem]:
            shares[i] += 1
        for i, s in enumerate(shares):
            parts[i][k] = s
    return parts


def _money(cents):
    return round(cents / 100.0, 2)


def _ratio(a, b, digits=4):
    return round(a / b, digits) if b else None


# ----------------------------------------------------------------------------- columns

_METRIC_COLUMNS = {
    "impressions": lambda m: m["impressions"],
    "clicks": lambda m: m["clicks"],
    "cost": lambda m: _money(m["cost"]),
    "spend": lambda m: _money(m["cost"]),
    "costPerClick": lambda m: _ratio(m["cost"] / 100.0, m["clicks"], 2),
    "clickThroughRate": lambda m: _ratio(m["clicks"], m["impressions"]),
    "addToList": lambda m: m["addToList"],
    "qualifiedBorrows": lambda m: 0,
    "royaltyQualifiedBorrows": lambda m: 0,
    "kindleEditionNormalizedPagesRead14d": lambda m: 0,
    "kindleEditionNormalizedPagesRoyalties14d": lambda m: 0.0,
    "topOfSearchImpressionShare": lambda m: _ratio(m["topImpr"], m["impressions"]),
    "salesOtherSku7d": lambda m: _money(m["salesOtherSku7d"]),
    "unitsSoldOtherSku7d": lambda m: m["unitsSoldOtherSku7d"],
    "acosClicks7d": lambda m: _ratio(m["cost"], m["sales7d"]),
    "acosClicks14d": lambda m: _ratio(m["cost"], m["sales14d"]),
    "roasClicks7d": lambda m: _ratio(m["sales7d"], m["cost"], 2),
    "roasClicks14d": lambda m: _ratio(m["sales14d"], m["cost"], 2),
    "grossImpressions": lambda m: m["grossImpressions"],
    "grossClickThroughs": lambda m: m["grossClicks"],
    "invalidImpressions": lambda m: m["grossImpressions"] - m["impressions"],
    "invalidClickThroughs": lambda m: m["grossClicks"] - m["clicks"],
    "invalidImpressionRate": lambda m: _ratio(m["grossImpressions"] - m["impressions"],
                                              m["grossImpressions"]),
    "invalidClickThroughRate": lambda m: _ratio(m["grossClicks"] - m["clicks"],
                                                m["grossClicks"]),
}
for _c in FAMILY_COLUMNS:
    _METRIC_COLUMNS[_c] = ((lambda m, c=_c: _money(m[c])) if _c in _MONEY
                           else (lambda m, c=_c: m[c]))


def format_row(cols, ctx, m, extra):
    """One output row: exactly ``cols``, in order."""
    out = {}
    for c in cols:
        fn = _METRIC_COLUMNS.get(c)
        if fn is not None:
            out[c] = fn(m)
        elif c in extra:
            out[c] = extra[c]
        else:
            out[c] = ctx.get(c)
    return out
