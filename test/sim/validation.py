"""Field validation for RAS request items, producing Amazon's per-item error objects.

An error object is ``{"errorType": KIND, "errorValue": {KIND: {"reason", "message",
"cause": {"location", "trigger"?}, ...}}}`` with KIND and reason from the RAS spec.
Schema-level mistakes map to kinds as follows (the entity rules in entities.py add the
semantic ones):

| mistake                                   | errorType          | reason                |
| ----------------------------------------- | ------------------ | --------------------- |
| required field absent or null             | missingValueError  | MISSING_VALUE         |
| wrong JSON type                           | malformedValueError| PATTERN_NOT_MATCHED   |
| empty / whitespace-only string            | malformedValueError| BLANK                 |
| leading or trailing whitespace            | malformedValueError| LEADING_OR_TRAILING_WHITESPACE |
| string longer than its limit              | malformedValueError| TOO_LONG              |
| value outside an enum                     | rangeError         | INVALID_ENUM_VALUE (+ allowed) |
| integer outside its range, array too long | rangeError         | TOO_LOW / TOO_HIGH (+ limits)  |
| date not YYYY-MM-DD                       | dateError          | INVALID_DATE          |
"""

import datetime
import json
import re

_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


def trigger_text(value):
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"))


def error_object(kind, reason, message, location, trigger=None, **extra):
    cause = {"location": location}
    if trigger is not None:
        cause["trigger"] = trigger_text(trigger)
    value = {"reason": reason, "message": message, "cause": cause}
    value.update({k: v for k, v in extra.items() if v is not None})
    return {"errorType": kind, "errorValue": {kind: value}}


class Errors:
    """Errors collected for one item; ``location`` paths are relative to ``base``."""

    def __init__(self, base):
        self.base = base
        self.items = []

    def __bool__(self):
        return bool(self.items)

    def at(self, field):
        if not field:
            return self.base
        return self.base + (field if field.startswith("[") else "." + field)

    def add(self, kind, reason, message, field=None, trigger=None, code=None, **extra):
        # ``code``: the v1 ErrorCode a family with {code, message} errors uses instead.
        self.items.append(error_object(kind, reason, message, self.at(field), trigger, **extra))

    def missing(self, field):
        self.add("missingValueError", "MISSING_VALUE", "%s is required" % _leaf(field), field)

    def malformed(self, field, reason, message, trigger=None):
        self.add("malformedValueError", reason, message, field, trigger)

    def out_of_range(self, field, reason, message, trigger=None, lower=None, upper=None,
                     code=None):
        self.add("rangeError", reason, message, field, trigger, code=code,
                 lowerLimit=_limit(lower), upperLimit=_limit(upper))


def _leaf(field):
    return field.rsplit(".", 1)[-1] if field else "value"


def _limit(value):
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def join(path, key):
    if isinstance(key, int):
        return "%s[%d]" % (path, key)
    return "%s.%s" % (path, key) if path else key


# ---------------------------------------------------------------------- field types
# Each type's ``clean(value, errs, path)`` answers the cleaned value, or MISSING when the
# value was rejected (errors added to ``errs``).

MISSING = object()


class Field:
    def __init__(self, required=False, nullable=False, check=None):
        self.required = required
        self.nullable = nullable
        self.check = check  # check(value, errs, path): semantic rule on a well-typed value

    def clean(self, value, errs, path):
        result = self.convert(value, errs, path)
        if result is not MISSING and self.check is not None:
            before = len(errs.items)
            self.check(result, errs, path)
            if len(errs.items) != before:
                return MISSING
        return result

    def convert(self, value, errs, path):
        raise NotImplementedError


class Str(Field):
    def __init__(self, max_len=None, trimmed=True, **kw):
        super().__init__(**kw)
        self.max_len = max_len
        self.trimmed = trimmed

    def convert(self, value, errs, path):
        if not isinstance(value, str):
            errs.malformed(path, "PATTERN_NOT_MATCHED", "%s must be a string" % _leaf(path),
                           value)
            return MISSING
        if not value.strip():
            errs.malformed(path, "BLANK", "%s must not be blank" % _leaf(path), value)
            return MISSING
        if self.trimmed and value != value.strip():
            errs.malformed(path, "LEADING_OR_TRAILING_WHITESPACE",
                           "%s must not start or end with whitespace" % _leaf(path), value)
            return MISSING
        if self.max_len is not None and len(value) > self.max_len:
            errs.malformed(path, "TOO_LONG", "%s must be at most %d characters"
                           % (_leaf(path), self.max_len), value)
            return MISSING
        return value


class Id(Str):
    """An entity id: a non-blank string (Amazon's ids are numeric strings)."""


class Enum(Field):
    def __init__(self, allowed, **kw):
        super().__init__(**kw)
        self.allowed = list(allowed)

    def convert(self, value, errs, path):
        if value not in self.allowed or not isinstance(value, str):
            errs.out_of_range(path, "INVALID_ENUM_VALUE", "%s must be one of %s"
                              % (_leaf(path), ", ".join(self.allowed)), value)
            if "errorValue" in errs.items[-1]:  # RAS errors list the allowed values
                errs.items[-1]["errorValue"]["rangeError"]["allowed"] = list(self.allowed)
            return MISSING
        return value


class Number(Field):
    def convert(self, value, errs, path):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            errs.malformed(path, "PATTERN_NOT_MATCHED", "%s must be a number" % _leaf(path),
                           value)
            return MISSING
        return float(value)


class Integer(Field):
    def __init__(self, lower=None, upper=None, **kw):
        super().__init__(**kw)
        self.lower, self.upper = lower, upper

    def convert(self, value, errs, path):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            errs.malformed(path, "PATTERN_NOT_MATCHED", "%s must be an integer" % _leaf(path),
                           value)
            return MISSING
        if self.lower is not None and value < self.lower:
            errs.out_of_range(path, "TOO_LOW", "%s must be at least %s"
                              % (_leaf(path), self.lower), value, self.lower, self.upper)
            return MISSING
        if self.upper is not None and value > self.upper:
            errs.out_of_range(path, "TOO_HIGH", "%s must be at most %s"
                              % (_leaf(path), self.upper), value, self.lower, self.upper)
            return MISSING
        return value


class Bool(Field):
    def convert(self, value, errs, path):
        if not isinstance(value, bool):
            errs.malformed(path, "PATTERN_NOT_MATCHED", "%s must be true or false"
                           % _leaf(path), value)
            return MISSING
        return value


class Date(Field):
    def convert(self, value, errs, path):
        if isinstance(value, str) and _DATE_RE.fullmatch(value):
            try:
                datetime.date.fromisoformat(value)
                return value
            except ValueError:
                pass
        errs.add("dateError", "INVALID_DATE", "%s must be a date in YYYY-MM-DD format"
                 % _leaf(path), path, value)
        return MISSING


_DATE_TIME_RE = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})")


def parse_date_time(text):
    """An aware datetime from an RFC 3339 string (Z or offset), or None."""
    if not isinstance(text, str) or not _DATE_TIME_RE.fullmatch(text):
        return None
    value = text[:-1] + "+00:00" if text.endswith("Z") else text
    main, _, rest = value.partition(".")
    if rest:  # fromisoformat (Python < 3.11) takes at most 6 fraction digits
        digits = rest[:-6]
        value = main + "." + (digits + "000000")[:6] + rest[-6:]
    try:
        return datetime.datetime.fromisoformat(value)
    except ValueError:
        return None


class DateTime(Field):
    """An RFC 3339 date-time (v1 startDateTime etc.); kept as given."""

    def convert(self, value, errs, path):
        if parse_date_time(value) is None:
            errs.add("dateError", "INVALID_DATE", "%s must be an ISO-8601 date-time with a "
                     "time zone, e.g. 2025-01-01T00:00:00Z" % _leaf(path), path, value)
            return MISSING
        return value


class Json(Field):
    """A JSON value of a given type (default object) kept as given: the parts of an item
    the simulator stores and echoes without looking inside."""

    TYPES = {"object": dict, "array": list, "string": str}

    def __init__(self, type_name="object", **kw):
        super().__init__(**kw)
        self.type_name = type_name

    def convert(self, value, errs, path):
        if not isinstance(value, self.TYPES[self.type_name]):
            errs.malformed(path, "PATTERN_NOT_MATCHED", "%s must be an %s"
                           % (_leaf(path), self.type_name), value)
            return MISSING
        return json.loads(json.dumps(value))


class Array(Field):
    def __init__(self, item, max_items=None, min_items=0, **kw):
        super().__init__(**kw)
        self.item = item
        self.max_items = max_items
        self.min_items = min_items

    def convert(self, value, errs, path):
        if not isinstance(value, list):
            errs.malformed(path, "PATTERN_NOT_MATCHED", "%s must be an array" % _leaf(path))
            return MISSING
        if self.max_items is not None and len(value) > self.max_items:
            errs.out_of_range(path, "TOO_HIGH", "%s must have at most %d items"
                              % (_leaf(path), self.max_items), len(value), 0, self.max_items,
                              code="FIELD_SIZE_IS_ABOVE_MAXIMUM_LIMIT")
            return MISSING
        if len(value) < self.min_items:
            errs.out_of_range(path, "TOO_LOW", "%s must have at least %d items"
                              % (_leaf(path), self.min_items), len(value), self.min_items,
                              self.max_items, code="FIELD_SIZE_IS_BELOW_MINIMUM_LIMIT")
            return MISSING
        out = []
        ok = True
        for i, element in enumerate(value):
            cleaned = clean_value(self.item, element, errs, join(path, i))
            ok = ok and cleaned is not MISSING
            out.append(cleaned)
        return out if ok else MISSING


class Object(Field):
    """A JSON object with known members; unknown members are ignored, as Amazon does."""

    def __init__(self, fields, **kw):
        super().__init__(**kw)
        self.fields = fields

    def convert(self, value, errs, path):
        if not isinstance(value, dict):
            errs.malformed(path, "PATTERN_NOT_MATCHED", "%s must be an object" % _leaf(path))
            return MISSING
        return clean_members(self.fields, value, errs, path)


def clean_value(field, value, errs, path):
    if value is None:
        if field.nullable:
            return None
        if field.required:
            errs.missing(path)
        else:
            errs.malformed(path, "PATTERN_NOT_MATCHED", "%s must not be null" % _leaf(path))
        return MISSING
    return field.clean(value, errs, path)


def clean_members(fields, value, errs, path=""):
    """Validate the members of ``value`` against ``fields``; MISSING if anything failed."""
    out = {}
    before = len(errs.items)
    for name, field in fields.items():
        member = join(path, name)
        if name not in value:
            if field.required:
                errs.missing(member)
            continue
        cleaned = clean_value(field, value[name], errs, member)
        if cleaned is not MISSING:
            out[name] = cleaned
    return out if len(errs.items) == before else MISSING
