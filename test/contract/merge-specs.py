#!/usr/bin/env python3
"""Merge Amazon's published OpenAPI files into one document for the validating proxy.

Prism (`prism proxy --errors SPEC UPSTREAM`) takes a single spec, and `ras` talks to six
Amazon API families (RAS, retailers, profiles, product selector, reports v3, Amazon Ads
API v1), so the tests check traffic against one merged copy:

    python3 test/contract/merge-specs.py [--specs DIR] [--out FILE]

Inputs come from `$REPO/../shared/specs` (override with --specs or $RAS_SPECS_DIR); the
output defaults to test/contract/build/ras-merged.json. Amazon's files are never edited:
every deviation from them is a patch in PATCHES below, the one place to look.
"""
import argparse
import copy
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

# (file, prefix used to rename a component whose name clashes with an earlier file's)
SOURCES = [
    ("AmazonAdvertiserAPIforRetailAdService_prod_3p.json", "Ras"),
    ("RetailerIdentityAPIforRetailAdService_prod_3p.json", "Retailer"),
    ("Profiles_prod_3p.json", "Profiles"),
    ("ProductSelector_prod_3p.json", "ProductSelector"),
    ("OfflineReport_prod_3p.json", "Report"),
    ("amazon-ads-v1-all.json", "AdsV1"),
]


# ---------------------------------------------------------------------------------------
# PATCHES: every change made to Amazon's specs, applied to each source file before the
# merge (so names are still the file's own). Each entry: (file or "*" for every file,
# why, function(doc)).
# To add one: write a small function below, then append it to PATCHES with its reason.
# A patch that finds nothing to change raises, so a new spec version cannot silently
# make a patch stale.
# ---------------------------------------------------------------------------------------

def _op(doc, path, method):
    try:
        return doc["paths"][path][method]
    except KeyError:
        raise SystemExit(f"patch target missing: {method.upper()} {path}")


def _schema(doc, name):
    try:
        return doc["components"]["schemas"][name]
    except KeyError:
        raise SystemExit(f"patch target missing: schema {name}")


def profiles_under_v2(doc):
    # Move the path only; operations keep their content.
    doc["paths"]["/v2/profiles"] = doc["paths"].pop("/profiles")


def profiles_scope_optional(doc):
    op = _op(doc, "/v2/profiles", "get")
    for i, p in enumerate(op["parameters"]):
        if p.get("$ref") == "#/components/parameters/SPProfileHeader":
            # Inline a copy so the shared component (if reused later) keeps its meaning.
            inline = copy.deepcopy(doc["components"]["parameters"]["SPProfileHeader"])
            inline["required"] = False
            op["parameters"][i] = inline
            return
    raise SystemExit("patch target missing: SPProfileHeader on /v2/profiles")


def product_selector_ras_fields(doc):
    schemas = doc["components"]["schemas"]
    schemas["RetailerInfo"] = {
        "description": "RAS: the retailer whose catalogue is searched (RAS seed, section 3).",
        "type": "object",
        "properties": {
            "retailerType": {"type": "string", "enum": ["RMS"]},
            "retailerId": {"type": "string"},
        },
        "required": ["retailerType", "retailerId"],
    }
    req = _schema(doc, "ProductMetadataRequest")["properties"]
    req["retailerInfo"] = {"$ref": "#/components/schemas/RetailerInfo"}
    req["retailerOfferIds"] = {
        "description": "RAS: specific retailer offer ids. Not together with searchStr.",
        "type": "array",
        "items": {"type": "string"},
        "minItems": 0,
        "maxItems": 300,
    }
    _schema(doc, "ProductMetadataModel")["properties"]["retailerOfferId"] = {
        "description": "RAS: the retailer's offer id of the item.",
        "type": "string",
    }
    _schema(doc, "ProductMetadataResponse")["properties"]["retailerInfo"] = {
        "$ref": "#/components/schemas/RetailerInfo"
    }


def gateway_errors_everywhere(doc):
    # Only statuses an operation does not already define; defined ones keep their schema.
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method not in ("get", "put", "post", "delete", "patch"):
                continue
            for status in COMMON_ERROR_STATUSES:
                op["responses"].setdefault(status, {
                    "description": "Added by merge-specs.py: whole-request error (api.md).",
                    "content": {"application/json": {"schema": {"type": "object"}}},
                })


# Amazon Ads API v1 (amazon-ads-v1-all.json): the defects of shared/design/v1.md section 1,
# "Spec defects a validating proxy will trip on".

def v1_errors_index_any_position(doc):
    # ErrorsIndex (the "error" items of every v1 207) has index maximum 0, so an error
    # at any position but the first fails validation; the success/partial items allow
    # 0..999. Give it the same range.
    index = _schema(doc, "ErrorsIndex")["properties"]["index"]
    if index.get("maximum") != 0:
        raise SystemExit("patch target changed: ErrorsIndex.index.maximum")
    index["maximum"] = 999


def v1_budget_currency_optional(doc):
    # CreateMonetaryBudget requires currencyCode, but Amazon's own SP/SB create examples
    # send only {"value": ...} (the account's currency applies); answers always carry it
    # (MonetaryBudget keeps it required).
    schema = _schema(doc, "CreateMonetaryBudget")
    if "currencyCode" not in schema.get("required", []):
        raise SystemExit("patch target changed: CreateMonetaryBudget.required")
    schema["required"] = [r for r in schema["required"] if r != "currencyCode"]


def v1_rule_id_optional(doc):
    # RuleCreate requires ruleId, which the service assigns; the spec's own create-rule
    # example has none.
    schema = _schema(doc, "RuleCreate")
    if "ruleId" not in schema.get("required", []):
        raise SystemExit("patch target changed: RuleCreate.required")
    schema["required"] = [r for r in schema["required"] if r != "ruleId"]


def v1_get_page_sizes(doc):
    # MaxResultsQuery (the four GET lists) says 11..50, default 50, while
    # locationIndexes pages hold 100 and deal pages 500: one definition overwrote the
    # others when Amazon merged its files. Accept the largest documented page.
    try:
        schema = doc["components"]["parameters"]["MaxResultsQuery"]["schema"]
    except KeyError:
        raise SystemExit("patch target missing: parameter MaxResultsQuery")
    if schema.get("maximum") != 50:
        raise SystemExit("patch target changed: MaxResultsQuery.maximum")
    schema["maximum"] = 500


# Whole-request error statuses that api.md says every API family can answer.
COMMON_ERROR_STATUSES = ["400", "401", "403", "429", "500", "502", "503", "504"]

PATCHES = [
    ("Profiles_prod_3p.json",
     "The file names the path /profiles, but the real URL carries the /v2 version prefix "
     "(api.md: 'GET /v2/profiles').",
     profiles_under_v2),
    ("Profiles_prod_3p.json",
     "The spec marks Amazon-Advertising-API-Scope required on /profiles, but a caller "
     "listing profiles has no profile yet and Amazon's docs say none is needed.",
     profiles_scope_optional),
    ("ProductSelector_prod_3p.json",
     "RAS adds retailerInfo and retailerOfferIds to the request and retailerOfferId / "
     "retailerInfo to the answer (RAS seed section 3); Amazon's file predates them.",
     product_selector_ras_fields),
    ("*",
     "api.md 'Errors and throttling (all families)': 400/401/403/429/500 and 502/503/504 "
     "can come from any family, but several operations do not list them (e.g. /v2/profiles "
     "has no 403/502/503, reports have no 502/503). Without this a simulated outage is "
     "flagged as a contract violation. The body is only required to be a JSON object.",
     gateway_errors_everywhere),
    ("amazon-ads-v1-all.json",
     "v1.md 1: ErrorsIndex.index maximum 0 rejects any 207 with an error item at "
     "index >= 1.", v1_errors_index_any_position),
    ("amazon-ads-v1-all.json",
     "v1.md 1: CreateMonetaryBudget.currencyCode is required but Amazon's SP/SB "
     "examples omit it.", v1_budget_currency_optional),
    ("amazon-ads-v1-all.json",
     "v1.md 1: RuleCreate.ruleId is required but the service assigns it.",
     v1_rule_id_optional),
    ("amazon-ads-v1-all.json",
     "v1.md 1: MaxResultsQuery 11..50 is narrower than the documented GET pages "
     "(100, 500).", v1_get_page_sizes),
    # Not patched for v1: campaign-management maxItems (1000) and maxResults (up to 5000)
    # are looser than the real per-product limits (v1.md 2); a looser spec never makes
    # the proxy reject Amazon's behaviour, and the simulator enforces the real limits.
    # Deliberately NOT patched (api.md 'Known spec quirks'): the RAS campaign enums
    # dynamicBidding.strategy = [MANUAL] and placement = [PLACEMENT_TOP] are narrower than
    # their descriptions; the proxy enforces the spec's narrower set until the simulator
    # needs more. Add further patches here, each with its reason.
]


# ---------------------------------------------------------------------------------------
# Merge
# ---------------------------------------------------------------------------------------

def rewrite_refs(node, renames):
    """Replace every {"$ref": old} with the renamed target, in place."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref in renames:
            node["$ref"] = renames[ref]
        for v in node.values():
            rewrite_refs(v, renames)
    elif isinstance(node, list):
        for v in node:
            rewrite_refs(v, renames)


def merge(specs_dir):
    merged = {
        "openapi": "3.0.1",
        "info": {
            "title": "Amazon Ads API as used by ras (merged for contract tests)",
            "version": "1",
            "description": "Generated by test/contract/merge-specs.py from: "
                           + ", ".join(f for f, _ in SOURCES),
        },
        "paths": {},
        "components": {},
        "tags": [],
    }
    applied = set()
    for fname, prefix in SOURCES:
        with open(os.path.join(specs_dir, fname), encoding="utf-8") as fh:
            doc = json.load(fh)
        for pfile, why, fn in PATCHES:
            if pfile in (fname, "*"):
                fn(doc)
                applied.add(fn)

        # Components: identical duplicates are shared; a different one under the same
        # name is renamed Prefix+Name and every $ref to it in this file is rewritten.
        renames = {}
        for section, entries in doc.get("components", {}).items():
            target = merged["components"].setdefault(section, {})
            for name, value in entries.items():
                if name in target and target[name] != value:
                    new = prefix + name[:1].upper() + name[1:]
                    if new in target:
                        raise SystemExit(f"cannot rename {section}/{name} from {fname}")
                    renames[f"#/components/{section}/{name}"] = f"#/components/{section}/{new}"
        rewrite_refs(doc, renames)
        for section, entries in doc.get("components", {}).items():
            target = merged["components"][section]
            for name, value in entries.items():
                ref = f"#/components/{section}/{name}"
                new = renames.get(ref, ref).rsplit("/", 1)[1]
                target[new] = value
        for old, new in renames.items():
            print(f"merge-specs: renamed {old} -> {new} ({fname})", file=sys.stderr)

        for path, item in doc.get("paths", {}).items():
            if path in merged["paths"]:
                raise SystemExit(f"path {path} appears in two spec files ({fname})")
            merged["paths"][path] = item
        known = {t["name"] for t in merged["tags"]}
        merged["tags"] += [t for t in doc.get("tags", []) if t.get("name") not in known]

    if len(applied) != len(PATCHES):
        raise SystemExit("a patch names a file that is not in SOURCES")
    merged["components"] = {k: v for k, v in merged["components"].items() if v}
    return merged


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--specs", default=os.environ.get("RAS_SPECS_DIR")
                    or os.path.join(REPO, "..", "shared", "specs"))
    ap.add_argument("--out", default=os.path.join(HERE, "build", "ras-merged.json"))
    args = ap.parse_args()
    if not os.path.isdir(args.specs):
        raise SystemExit(f"specs directory not found: {args.specs} (set RAS_SPECS_DIR)")
    merged = merge(args.specs)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    tmp = args.out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(merged, fh, indent=1, sort_keys=True)
    os.replace(tmp, args.out)
    print(f"merge-specs: {len(merged['paths'])} paths, {len(PATCHES)} patches -> {args.out}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
