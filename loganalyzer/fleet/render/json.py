"""``audit --format json``: one JSON object, described by ``audit.schema.json`` next to the package.

``{"version", "tool", "summary", "runs"}``; each run carries its columns,
its hyperparameters as an object, its finding codes and counts per
category, and its findings exactly as ``check --format json`` writes them.
"""

from __future__ import annotations

import json
from typing import Any

from loganalyzer.fleet.render.view import AuditView
from loganalyzer.fleet.rows import CATEGORIES, COLUMNS, HPARAM_PREFIX

#: Version of the document layout; bumped only on incompatible change.
SCHEMA_VERSION = "1"

_SCALARS = [c for c in COLUMNS if c not in ("findings", *CATEGORIES)]


def to_document(view: AuditView) -> dict[str, Any]:
    """The audit document as plain Python data."""
    runs = []
    for row in view.rows:
        columns = row.columns()
        entry: dict[str, Any] = {key: columns[key] for key in _SCALARS}
        entry["codes"] = sorted({str(f["rule"]) for f in row.findings})
        entry["categories"] = {c: columns[c] for c in CATEGORIES} if row.status != "unreadable" else None
        entry["hparams"] = {
            key[len(HPARAM_PREFIX) :]: value
            for key, value in columns.items()
            if key.startswith(HPARAM_PREFIX)
        }
        entry["findings"] = [dict(f) for f in row.findings]
        runs.append(entry)
    return {
        "version": SCHEMA_VERSION,
        "tool": {"name": "loganalyzer", "version": view.tool_version},
        "summary": {**view.summary.to_dict(), "hidden_by_baseline": view.hidden},
        "runs": runs,
    }


def render(view: AuditView) -> str:
    """The document as indented JSON (strict: no NaN; non-ASCII escaped so any terminal shows it)."""
    return json.dumps(to_document(view), indent=2, allow_nan=False) + "\n"
