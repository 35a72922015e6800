"""``audit --format html``: the many-run page of the HTML report, built from audit rows.

The page builder is the report's (:func:`loganalyzer.report.html.render_overview`);
this module only turns each row into the report's :class:`RunSummary`. Audit
rows keep no curves (the parent holds rows, not runs, so memory stays flat in
the run count), so the table has no sparklines; the best value comes from the
row's own columns, accuracy-like metric first, then validation loss.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from loganalyzer.fleet.render.view import AuditView
from loganalyzer.fleet.rows import CATEGORIES, Row
from loganalyzer.model.finding import Finding
from loganalyzer.model.severity import Severity
from loganalyzer.report.options import RenderOptions

if TYPE_CHECKING:
    from loganalyzer.report.html import RunSummary


def stream(view: AuditView) -> Iterator[str]:
    """The page in one piece (it is one document; the table is sorted before it is written)."""
    from loganalyzer.report.html import render_overview

    summaries = [_summary(position, row) for position, row in enumerate(view.rows)]
    yield render_overview(
        summaries, title="loganalyzer audit", options=RenderOptions(tool_version=view.tool_version)
    )


def _summary(position: int, row: Row) -> RunSummary:
    from loganalyzer.report.html import RunSummary
    from loganalyzer.report.html.overview import anchor_for

    findings = tuple(sorted((Finding.from_dict(item) for item in row.findings), key=lambda f: f.sort_key))
    problems = {
        c: sum(1 for f in findings if f.category == c and f.severity >= Severity.WARNING) for c in CATEGORIES
    }
    columns = row.columns()
    best, metric = None, ""
    if isinstance(columns.get("metric_best"), float | int) and columns.get("metric"):
        best, metric = float(columns["metric_best"]), str(columns["metric"])
    elif isinstance(columns.get("val_loss_best"), float | int):
        best, metric = float(columns["val_loss_best"]), "validation.loss"
    wasted = columns.get("wasted_epochs")
    return RunSummary(
        row.run,
        anchor_for(position),
        problems,
        best,
        metric,
        wasted if isinstance(wasted, int) else None,
        "epoch" if isinstance(wasted, int) else "",
        (),
        findings,
    )
