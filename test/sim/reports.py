"""Reporting v3 (Offline Report API): /reporting/reports and the pre-signed download URL.

This is the feature module the core loads (app.py); it only gathers the parts, split by
concern as the extension's C side is:

- report_catalog.py     report types, groupBys, columns, filters, date limits (the twin
                        of src/report_catalog.c, kept independent on purpose)
- report_validation.py  POST /reporting/reports body checks against the catalogue
- report_metrics.py     per-entity, per-day counters and metric column formatting
- report_rows.py        a profile's entities, report grain and filters -> rows
- report_lifecycle.py   the report store, lifecycle, ROUTES (create, status, cancel,
                        download) and ``init_state``
- report_admin.py       ADMIN_ROUTES under /_sim/reports

``init_state`` is served from here, so the random generator handed to it stays seeded
from this module's name ("reports"), as before the split.
"""

from report_admin import ADMIN_ROUTES  # noqa: F401
from report_catalog import (AUTO_TARGETING, FAMILY_COLUMNS, KEYWORD_TYPES,  # noqa: F401
                            PLACEMENTS, REPORT_TYPES, STATUS_VALUES, allowed_columns)
from report_lifecycle import (CREATE_REQUEST_CT, CREATE_RESPONSE_CT,  # noqa: F401
                              DEFAULT_FAILURE_REASON, DEFAULT_URL_TTL, DELETE_RESPONSE_CT,
                              GET_RESPONSE_CT, ROUTES, download_error, init_state,
                              route_error)
from report_metrics import RESTATEMENT_DAYS, leaf_metrics  # noqa: F401
from report_rows import build_rows, profile_entities, synthetic_entities  # noqa: F401
from report_validation import Invalid, validate_create  # noqa: F401
