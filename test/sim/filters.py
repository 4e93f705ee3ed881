"""List filters of the RAS list endpoints: validation and matching.

Shapes, as in the spec:
- "include": ``{"include": [values]}`` (campaignIdFilter, stateFilter, negativeFilter, ...)
- "array":   a plain array of values (matchTypeFilter, targetTypeFilter)
- "terms":   ``{"include": [terms], "queryTermMatchType": BROAD_MATCH|EXACT_MATCH}``
             (nameFilter, keywordFilter); EXACT_MATCH compares whole values ignoring case,
             BROAD_MATCH keeps a value containing every word of a term (ignoring case).
An include list keeps the entities whose value is in it, so an empty list keeps none.
A list longer than the filter's maximum, a wrong type or a value outside the enum is a
400 INVALID_ARGUMENT (rangeError TOO_HIGH / INVALID_ENUM_VALUE, malformedValueError).
"""

QUERY_TERM_MATCH_TYPES = ["BROAD_MATCH", "EXACT_MATCH"]


def _is_string(item):
    return isinstance(item, str)


class Filter:
    def __init__(self, name, value, max_items, shape="include", allowed=None,
                 valid=_is_string, key=None, hint=None, include_required=True,
                 min_items=0):
        self.name = name
        self.value = value          # entity data -> the value compared
        self.max_items = max_items
        self.shape = shape
        self.allowed = allowed      # the enum of included values, if any
        self.valid = valid          # item -> bool, when there is no enum
        self.key = key              # wanted item -> comparable value (default: itself)
        self.hint = hint            # data field the values select (lets stores skip)
        self.include_required = include_required
        self.min_items = min_items  # v1 filters: minItems 1 (an empty include is a 400)

    def parse(self, raw, errs):
        """The wanted values, or None when the filter selects nothing to check or is bad
        (then errors were added to ``errs``)."""
        if self.shape == "array":
            return self._parse_list(raw, errs, self.name)
        if not isinstance(raw, dict):
            errs.malformed(self.name, "PATTERN_NOT_MATCHED", "%s must be an object" % self.name)
            return None
        mode = None
        if self.shape == "terms":
            mode = raw.get("queryTermMatchType")
            if mode is None:
                errs.missing(self.name + ".queryTermMatchType")
                return None
            if mode not in QUERY_TERM_MATCH_TYPES:
                errs.out_of_range(self.name + ".queryTermMatchType", "INVALID_ENUM_VALUE",
                                  "queryTermMatchType must be BROAD_MATCH or EXACT_MATCH",
                                  mode)
                return None
        if "include" not in raw:
            if self.include_required:
                errs.missing(self.name + ".include")
            return None
        values = self._parse_list(raw["include"], errs, self.name + ".include")
        if values is not None and mode is not None:
            return mode, [term.lower() for term in values]
        return values

    def _parse_list(self, raw, errs, path):
        if not isinstance(raw, list):
            errs.malformed(path, "PATTERN_NOT_MATCHED", "%s must be an array" % path)
            return None
        if len(raw) > self.max_items:
            errs.out_of_range(path, "TOO_HIGH", "%s must have at most %d items"
                              % (path, self.max_items), len(raw), 0, self.max_items)
            return None
        if len(raw) < self.min_items:
            errs.out_of_range(path, "TOO_LOW", "%s must have at least %d items"
                              % (path, self.min_items), len(raw), self.min_items,
                              self.max_items)
            return None
        for i, item in enumerate(raw):
            where = "%s[%d]" % (path, i)
            if self.allowed is not None and not _in_enum(item, self.allowed):
                errs.out_of_range(where, "INVALID_ENUM_VALUE", "%s must be one of %s"
                                  % (where, ", ".join(map(_text, self.allowed))), item)
                return None
            if self.allowed is None and not self.valid(item):
                errs.malformed(where, "PATTERN_NOT_MATCHED", "%s has the wrong type" % where,
                               item)
                return None
        return raw

    def matcher(self, wanted):
        """data -> bool for the values ``parse`` answered."""
        value = self.value
        if self.shape == "terms":
            mode, terms = wanted
            return lambda data: terms_match(value(data), mode, terms)
        keep = {self.key(w) for w in wanted} if self.key else set(wanted)
        return lambda data: value(data) in keep


def _in_enum(item, allowed):
    return any(item is a or (type(item) is type(a) and item == a) for a in allowed)


def _text(value):
    return str(value).lower() if isinstance(value, bool) else str(value)


def terms_match(text, mode, terms):
    if text is None:
        return False
    text = text.lower()
    if mode == "EXACT_MATCH":
        return text in terms
    return any(all(word in text for word in term.split()) for term in terms)


def field(name):
    return lambda data: data.get(name)


def id_filter(name, data_field, max_items):
    return Filter(name, field(data_field), max_items, hint=data_field)


def state_filter(states):
    return Filter("stateFilter", field("state"), 10, allowed=states)


def name_filter():
    return Filter("nameFilter", field("name"), 100, shape="terms", include_required=False)
