"""Opaque nextToken paging shared by the list endpoints.

A token encodes the offset of the next page and a fingerprint of the filters it was
issued for, so a token replayed with other filters (or a forged one) is rejected.
"""

import base64
import hashlib
import json


class BadToken(ValueError):
    pass


def fingerprint(filters):
    canonical = json.dumps(filters, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]


def encode(offset, filters):
    raw = "v1:%d:%s" % (offset, fingerprint(filters))
    return base64.urlsafe_b64encode(raw.encode("ascii")).decode("ascii").rstrip("=")


def decode(token, filters):
    """The offset a token points at; raises BadToken when it is not one of ours."""
    if not isinstance(token, str) or not token:
        raise BadToken("nextToken must be a non-empty string")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("ascii")
        version, offset, fp = raw.split(":")
        offset = int(offset)
    except (ValueError, UnicodeDecodeError):
        raise BadToken("nextToken is not valid") from None
    if version != "v1" or offset < 0 or fp != fingerprint(filters):
        raise BadToken("nextToken is not valid for this request")
    return offset


def parse_max_results(value, default, upper, allow_string=False):
    """(maxResults, None) or (None, (reason, message)) for a bad value."""
    if value is None:
        return default, None
    if allow_string and isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        return None, ("MALFORMED", "maxResults must be an integer")
    if value < 1:
        return None, ("TOO_LOW", "maxResults must be at least 1")
    if value > upper:
        return None, ("TOO_HIGH", "maxResults must be at most %d" % upper)
    return value, None


def page(total, offset, max_results, filters):
    """(end, nextToken or None) for a page of ``max_results`` starting at ``offset``."""
    end = min(offset + max_results, total)
    return end, (encode(end, filters) if end < total else None)
