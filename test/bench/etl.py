#!/usr/bin/env python3
"""The do-it-yourself ETL that `ras` replaces: Python standard library only.

    python3 etl.py API_URL TOKEN OUT.tsv [PROFILE]

Pages through POST /ras/v1/targets/list (maxResults 1000, nextToken) with urllib,
decodes each page with json, and writes one COPY text line per target with the same
columns as ras.targets() (load it with psql `\\copy t FROM 'OUT.tsv'`). The access token
is passed in, as for the other baselines, so its round trip is not timed.
"""
import json
import sys
import urllib.request

# COPY text format: backslash, tab and line breaks are escaped; \N is NULL.
ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def text(value):
    return "\\N" if value is None else str(value).translate(ESCAPES)


def jsonb(value):
    if value is None:
        return "\\N"
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).translate(ESCAPES)


def row(t, profile):
    details = t.get("targetDetails") or {}
    match_type = next((d.get("matchType") for d in details.values()
                       if isinstance(d, dict) and "matchType" in d), None)
    bid = t.get("bid") or {}
    ext = t.get("extendedData") or {}
    negative = t.get("negative")
    return "\t".join((
        text(t.get("targetId")), text(t.get("campaignId")), text(t.get("adGroupId")),
        text(t.get("state")),
        "\\N" if negative is None else ("t" if negative else "f"),
        text(t.get("targetLevel")), text(t.get("targetType")), text(match_type),
        text((details.get("keywordTarget") or {}).get("keyword")),
        text((details.get("productTarget") or {}).get("productId")),
        text(bid.get("bid")), text(bid.get("currencyCode")),
        text(ext.get("servingStatus")), jsonb(ext.get("servingStatusDetails")),
        text(ext.get("creationDateTime")), text(ext.get("lastUpdateDateTime")),
        text(profile), jsonb(t),
    )) + "\n"


def main():
    api_url, token, out_path = sys.argv[1:4]
    profile = sys.argv[4] if len(sys.argv) > 4 else "1234567890"
    headers = {
        "Authorization": "Bearer " + token,
        "Amazon-Advertising-API-ClientId": "amzn1.application-oa2-client.sim",
        "Amazon-Advertising-API-Scope": profile,
        "Content-Type": "application/json",
        "Accept": "application/json",
    }
    body = {"maxResults": 1000}
    count = 0
    with open(out_path, "w", encoding="utf-8") as out:
        while True:
            req = urllib.request.Request(api_url + "/ras/v1/targets/list", method="POST",
                                         data=json.dumps(body).encode(), headers=headers)
            with urllib.request.urlopen(req, timeout=60) as resp:
                page = json.load(resp)
            targets = page["targets"]
            out.writelines(row(t, profile) for t in targets)
            count += len(targets)
            if not page.get("nextToken"):
                break
            body = {"maxResults": 1000, "nextToken": page["nextToken"]}
    print(count)


if __name__ == "__main__":
    main()
