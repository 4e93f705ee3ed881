"""Validation of POST /reporting/reports bodies against the catalogue (report_catalog.py).

``validate_create(body, today)`` raises ``Invalid`` with Amazon-like text (answered as a
400 AsyncReportingError by report_lifecycle.py) or returns (type, start, end, config).
"""

import datetime
import json

from report_catalog import REPORT_TYPES, allowed_columns


class Invalid(Exception):
    pass


def _parse_date(v, field):
    if not isinstance(v, str):
        raise Invalid("%s must be a string in YYYY-MM-DD format" % field)
    try:
        d = datetime.date.fromisoformat(v)
    except ValueError:
        d = None
    if d is None or len(v) != 10:
        raise Invalid("%s '%s' is not a valid date in YYYY-MM-DD format" % (field, v))
    return d


def _str_list(v, field, allow_empty=False):
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise Invalid("configuration.%s must be an array of strings" % field)
    if not v and not allow_empty:
        raise Invalid("configuration.%s cannot be null or empty" % field)
    return v


def validate_create(body, today):
    """Raise Invalid with Amazon-like text; return (type, start, end, config)."""
    if not isinstance(body, dict):
        raise Invalid("Request body must be a JSON object")
    for f in ("startDate", "endDate", "configuration"):
        if body.get(f) is None:
            raise Invalid("%s is required" % f)
    if "name" in body and body["name"] is not None and not isinstance(body["name"], str):
        raise Invalid("name must be a string")
    cfg = body["configuration"]
    if not isinstance(cfg, dict):
        raise Invalid("configuration must be an object")
    for f in ("adProduct", "reportTypeId", "groupBy", "columns", "timeUnit", "format"):
        if cfg.get(f) is None:
            raise Invalid("configuration.%s is required" % f)
    if cfg["adProduct"] != "SPONSORED_PRODUCTS":
        raise Invalid("configuration.adProduct %s is not supported for this account; "
                       "allowed values: (SPONSORED_PRODUCTS)" % json.dumps(cfg["adProduct"]))
    rtype = cfg["reportTypeId"]
    if rtype not in REPORT_TYPES:
        raise Invalid("configuration.reportTypeId %s is invalid. Allowed values: (%s)"
                       % (json.dumps(rtype), ", ".join(REPORT_TYPES)))
    d = REPORT_TYPES[rtype]
    if cfg["format"] != "GZIP_JSON":
        raise Invalid("configuration.format %s is invalid. Allowed values: (GZIP_JSON)"
                       % json.dumps(cfg["format"]))
    tu = cfg["timeUnit"]
    if tu not in ("DAILY", "SUMMARY"):
        raise Invalid("configuration.timeUnit %s is invalid. Allowed values: (DAILY, SUMMARY)"
                       % json.dumps(tu))

    group_by = _str_list(cfg["groupBy"], "groupBy")
    bad = [g for g in group_by if g not in d["group_columns"]]
    if bad:
        raise Invalid("configuration.groupBy includes invalid values: (%s). Allowed values "
                       "for %s: (%s)" % (", ".join(bad), rtype, ", ".join(d["group_columns"])))
    if len(set(group_by)) != len(group_by):
        raise Invalid("configuration.groupBy contains duplicate values")
    if "adGroup" in group_by and "campaignPlacement" in group_by:
        raise Invalid("configuration.groupBy: adGroup cannot be combined with "
                       "campaignPlacement")

    columns = _str_list(cfg["columns"], "columns")
    allowed = allowed_columns(rtype, group_by)
    bad = [c for c in columns if c not in allowed]
    if bad:
        raise Invalid("configuration.columns includes invalid values: (%s). Allowed values "
                       "for %s with groupBy (%s): (%s)"
                       % (", ".join(bad), rtype, ", ".join(group_by), ", ".join(allowed)))
    if len(set(columns)) != len(columns):
        dup = sorted({c for c in columns if columns.count(c) > 1})
        raise Invalid("configuration.columns contains duplicate values: (%s)" % ", ".join(dup))
    if tu == "SUMMARY" and "date" in columns:
        raise Invalid("configuration.columns: column 'date' is only supported with timeUnit "
                       "DAILY; use startDate and endDate with SUMMARY")
    if tu == "DAILY":
        bad = [c for c in columns if c in ("startDate", "endDate")]
        if bad:
            raise Invalid("configuration.columns: column(s) (%s) are only supported with "
                           "timeUnit SUMMARY; use date with DAILY" % ", ".join(bad))

    filters = cfg.get("filters")
    if filters is not None:
        if not isinstance(filters, list):
            raise Invalid("configuration.filters must be an array")
        seen = set()
        for f in filters:
            if not isinstance(f, dict) or not isinstance(f.get("field"), str):
                raise Invalid("configuration.filters items need a field and values")
            field = f["field"]
            if field not in d["filters"]:
                raise Invalid("configuration.filters field '%s' is not supported for %s. "
                               "Allowed values: (%s)" % (field, rtype, ", ".join(d["filters"])))
            if field in seen:
                raise Invalid("configuration.filters field '%s' is repeated" % field)
            seen.add(field)
            vals = f.get("values")
            if not isinstance(vals, list) or not vals or \
                    not all(isinstance(v, str) for v in vals):
                raise Invalid("configuration.filters values for '%s' must be a non-empty "
                               "array of strings" % field)
            allowed_vals, needs_group = d["filters"][field]
            if allowed_vals is not None:
                bad = [v for v in vals if v not in allowed_vals]
                if bad:
                    raise Invalid("configuration.filters values for '%s' include invalid "
                                   "values: (%s). Allowed values: (%s)"
                                   % (field, ", ".join(bad), ", ".join(allowed_vals)))
            if needs_group is not None and group_by != [needs_group]:
                raise Invalid("configuration.filters field '%s' is only supported with the "
                               "single groupBy (%s)" % (field, needs_group))

    start = _parse_date(body["startDate"], "startDate")
    end = _parse_date(body["endDate"], "endDate")
    if start > end:
        raise Invalid("startDate %s is after endDate %s" % (start, end))
    span = (end - start).days + 1
    if span > d["max_days"]:
        raise Invalid("The date range of %d days exceeds the maximum of %d days for %s"
                       % (span, d["max_days"], rtype))
    oldest = today - datetime.timedelta(days=d["retention"])
    if start < oldest:
        raise Invalid("startDate %s is older than the %d-day retention period of %s "
                       "(earliest allowed: %s)" % (start, d["retention"], rtype, oldest))
    if end > today + datetime.timedelta(days=1):
        raise Invalid("endDate %s cannot be in the future" % end)
    return rtype, start, end, cfg
