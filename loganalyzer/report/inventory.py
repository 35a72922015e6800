"""What ``loganalyzer inspect`` shows: an inventory of the runs read.

For each run: its format and files, every canonical series with the raw name
it came from, point count and step range, and the reading diagnostics. This is
where a user checks that ``val_loss`` really became ``validation.loss`` before
trusting any finding. Pure functions: runs in, text or JSON-native data out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from loganalyzer import __version__
from loganalyzer.errors import InputError
from loganalyzer.model.jsonvalue import json_value
from loganalyzer.model.run import Run, Series
from loganalyzer.report import indented_json
from loganalyzer.report._sanitize import one_line

#: Version of the JSON document layout, bumped on incompatible change.
SCHEMA_VERSION = "1"


def series_summary(series: Series) -> dict[str, Any]:
    """JSON-native facts about one series."""
    values = series.value
    finite = np.isfinite(values)
    summary: dict[str, Any] = {
        "metric": str(series.key),
        "split": series.key.split.value,
        "quantity": series.key.quantity,
        "raw_name": series.raw_name,
        "points": len(series),
        "first_step": int(series.step[0]) if len(series) else None,
        "last_step": int(series.step[-1]) if len(series) else None,
        "has_epoch": series.has_epochs,
        "has_wall_time": series.has_wall_time,
        "non_finite": int((~finite).sum()),
    }
    if finite.any():
        summary["min"] = float(values[finite].min())
        summary["max"] = float(values[finite].max())
        summary["last"] = float(values[-1]) if finite[-1] else None
    return summary


def run_summary(run: Run) -> dict[str, Any]:
    """JSON-native inventory of one run."""
    return {
        "name": run.name,
        "format": run.format,
        "sources": list(run.sources),
        "points": run.point_count,
        "series": [series_summary(s) for s in sorted(run.series, key=lambda s: s.key)],
        "metadata": json_value(dict(run.metadata)),
        "diagnostics": [d.to_dict() for d in run.diagnostics],
    }


def to_document(runs: Sequence[Run], errors: Sequence[InputError]) -> dict[str, Any]:
    """The whole ``inspect --format json`` document."""
    return {
        "version": SCHEMA_VERSION,
        "tool": {"name": "loganalyzer", "version": __version__},
        "runs": [run_summary(run) for run in runs],
        "errors": [{"path": e.path, "message": e.reason} for e in errors],
    }


def render_json(runs: Sequence[Run], errors: Sequence[InputError]) -> str:
    """``inspect --format json``: one JSON object, keys in a stable order."""
    return indented_json.dumps(to_document(runs, errors)) + "\n"


def render_text(runs: Sequence[Run], errors: Sequence[InputError]) -> str:
    """``inspect``: a compact, aligned listing per run."""
    lines: list[str] = []
    for run in runs:
        files = f"{len(run.sources)} file" + ("s" if len(run.sources) != 1 else "")
        lines.append(f"{one_line(run.name)}  [{one_line(run.format)}, {files}, {run.point_count} points]")
        rows = [_printable_names(series_summary(s)) for s in sorted(run.series, key=lambda s: s.key)]
        if not rows:
            lines.append("  (no metric series found)")
        metric_width = max((len(r["metric"]) for r in rows), default=0)
        raw_width = max((len(r["raw_name"]) for r in rows), default=0)
        for row in rows:
            steps = f"steps {row['first_step']}..{row['last_step']}" if row["points"] else "empty"
            extra = f"  ({row['non_finite']} non-finite)" if row["non_finite"] else ""
            lines.append(
                f"  {row['metric']:<{metric_width}}  <- {row['raw_name']:<{raw_width}}"
                f"  {row['points']:>7} pts  {steps}{extra}"
            )
        for diagnostic in run.diagnostics:
            where = (
                f" @{diagnostic.unit.value} {diagnostic.position}" if diagnostic.position is not None else ""
            )
            lines.append(f"  ! {diagnostic.code}{where}: {one_line(diagnostic.message)}")
        lines.append("")
    summary = f"{len(runs)} run" + ("s" if len(runs) != 1 else "") + " read"
    if errors:
        summary += f", {len(errors)} input error" + ("s" if len(errors) != 1 else "")
    lines.append(summary)
    return "\n".join(lines) + "\n"


def _printable_names(row: dict[str, Any]) -> dict[str, Any]:
    """A series row for the text listing: names from the log made safe for a terminal line."""
    return {**row, "metric": one_line(row["metric"]), "raw_name": one_line(row["raw_name"])}
