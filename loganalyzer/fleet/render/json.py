"""``audit --format json``: one JSON object, described by ``audit.schema.json`` next to the package.

``{"version", "tool", "summary", "runs"}``; each run carries its columns,
its hyperparameters as an object, its finding codes and counts per
category, and its findings exactly as ``check --format json`` writes them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from loganalyzer.fleet.render.view import AuditView
from loganalyzer.fleet.rows import CATEGORIES, COLUMNS, HPARAM_PREFIX, Row
from loganalyzer.report import indented_json

#: Version of the document layout; bumped only on incompatible change.
SCHEMA_VERSION = "1"

_SCALARS = [c for c in COLUMNS if c not in ("findings", *CATEGORIES)]


def run_entry(row: Row) -> dict[str, Any]:
    """One run of the document as plain Python data."""
    columns = row.columns()
    entry: dict[str, Any] = {key: columns[key] for key in _SCALARS}
    entry["codes"] = sorted({str(f["rule"]) for f in row.findings})
    entry["categories"] = {c: columns[c] for c in CATEGORIES} if row.status != "unreadable" else None
    entry["hparams"] = {
        key[len(HPARAM_PREFIX) :]: value for key, value in columns.items() if key.startswith(HPARAM_PREFIX)
    }
    entry["findings"] = [dict(f) for f in row.findings]
    return entry


def to_document(view: AuditView) -> dict[str, Any]:
    """The audit document as plain Python data (for the Python API; the CLI streams :func:`stream`)."""
    return {
        "version": SCHEMA_VERSION,
        "tool": {"name": "loganalyzer", "version": view.tool_version},
        "summary": {**view.summary.to_dict(), "hidden_by_baseline": view.hidden},
        "runs": [run_entry(row) for row in view.rows],
    }


def stream(view: AuditView) -> Iterator[str]:
    """The document as indented JSON, one run at a time, so a large audit is never one big string.

    Byte-identical to ``json.dumps(to_document(view), indent=2)``: strict
    (no NaN), non-ASCII escaped so any terminal shows it.
    """
    head = {
        "version": SCHEMA_VERSION,
        "tool": {"name": "loganalyzer", "version": view.tool_version},
        "summary": {**view.summary.to_dict(), "hidden_by_baseline": view.hidden},
    }
    text = indented_json.dumps(head)
    if not view.rows:
        yield text[:-2] + ',\n  "runs": []\n}\n'
        return
    yield text[:-2] + ',\n  "runs": [\n'
    for index, row in enumerate(view.rows):
        body = indented_json.dumps(run_entry(row))
        separator = ",\n" if index < len(view.rows) - 1 else "\n"
        yield "    " + body.replace("\n", "\n    ") + separator
    yield "  ]\n}\n"


def render(view: AuditView) -> str:
    """The whole document as one string."""
    return "".join(stream(view))
