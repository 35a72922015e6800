"""``--format json``: the machine-readable contract other tools depend on.

One JSON object ``{"version", "tool", "runs", "findings", "errors",
"skipped"}`` (plus ``"statistics"`` with ``--statistics``, shaped like
ruff's: ``[{"code", "name", "category", "severity", "count"}]``); every
finding carries at least run, source, rule, name, category, severity,
message, metric, raw_metric, start_step, end_step, evidence and remedies.
The layout is described by ``report.schema.json`` next to this module, and
tests validate real output against it.
"""

from __future__ import annotations

from typing import Any

from loganalyzer.model.finding import Analysis
from loganalyzer.report import indented_json
from loganalyzer.report._common import ordered, statistics
from loganalyzer.report.options import DEFAULT_OPTIONS, RenderOptions

#: Version of the document layout; bumped only on incompatible change.
SCHEMA_VERSION = "1"


def to_document(analysis: Analysis, options: RenderOptions | None = None) -> dict[str, Any]:
    """Return the contract document as plain Python data."""
    options = options or DEFAULT_OPTIONS
    errors: list[dict[str, Any]] = [
        {"kind": "input", "path": problem.path, "message": problem.message}
        for problem in analysis.input_errors
    ]
    errors += [
        {"kind": "rule", "run": error.run, "rule": error.rule, "message": error.message}
        for error in sorted(analysis.rule_errors, key=lambda e: (e.run, e.rule))
    ]
    document: dict[str, Any] = {
        "version": SCHEMA_VERSION,
        "tool": {"name": "loganalyzer", "version": options.tool_version},
        "runs": [
            {
                "name": run.name,
                "format": run.format,
                "sources": list(run.sources),
                "metrics": list(run.metrics),
                "points": run.points,
                "diagnostics": [d.to_dict() for d in run.diagnostics],
            }
            for run in sorted(analysis.runs, key=lambda r: r.name)
        ],
        "findings": [finding.to_dict() for finding in ordered(analysis.findings)],
        "errors": errors,
        "skipped": [
            {"run": s.run, "rule": s.rule, "reason": s.reason}
            for s in sorted(analysis.skipped, key=lambda s: (s.run, s.rule))
        ],
    }
    if options.statistics:
        document["statistics"] = [
            {"code": row.code, "name": row.name, "category": row.category, "severity": row.severity.label,
             "count": row.count}
            for row in statistics(analysis)
        ]  # fmt: skip
    return document


def render(analysis: Analysis, options: RenderOptions = DEFAULT_OPTIONS) -> str:
    """Return the document as indented JSON text (strict: no NaN or Infinity).

    ``verbose`` and ``quiet`` do not change it: a machine reader always gets
    skipped rules and errors, and picks what it needs.
    """
    return indented_json.dumps(to_document(analysis, options)) + "\n"
