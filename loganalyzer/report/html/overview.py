"""The many-run view: one row per run, sortable and filterable, with a sparkline and a link to its section.

A row is a :class:`RunSummary`: small, JSON-native, built per run by
:func:`summarize` (so an audit can build rows in worker processes and keep
no runs, no curves and no charts in the parent). The sparkline is drawn as
a plain SVG polyline from numbers only: with thousands of runs a plotting
library per row would dominate the page's build time, and a polyline of a
hundred points carries no text at all.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from loganalyzer.model.curves import Curve, RunCurves
from loganalyzer.model.finding import Analysis, Finding, Severity
from loganalyzer.model.rule import PROBLEM_CATEGORIES
from loganalyzer.report.html._escape import text, token

#: The problem categories of the contract, in table order.
CATEGORIES = PROBLEM_CATEGORIES

#: Points in a sparkline (each keeps the bucket's min and max, so at most twice this many).
SPARK_BUCKETS = 60


@dataclass(frozen=True)
class RunSummary:
    """One row of the runs table.

    ``problems`` counts findings at warning or above per category;
    ``best_validation`` is the best value of ``best_metric`` (highest
    accuracy-like score, else lowest loss); ``wasted`` and ``wasted_unit``
    come from the overfitting rule's EarlyStopping counterfactual;
    ``sparkline`` is the loss curve reduced to a hundred-odd values;
    ``findings`` are listed in the run's section; ``anchor`` is the id of
    that section (the row links to it).
    """

    run: str
    anchor: str
    problems: Mapping[str, int] = field(default_factory=dict)
    best_validation: float | None = None
    best_metric: str = ""
    wasted: int | None = None
    wasted_unit: str = ""
    sparkline: tuple[float, ...] = ()
    findings: tuple[Finding, ...] = ()


def anchor_for(position: int) -> str:
    """The id of the ``position``-th run's section (built from a counter, never from the log)."""
    return f"run-{position + 1}"


def summarize(analysis: Analysis, first_position: int = 0) -> list[RunSummary]:
    """One row per run of ``analysis`` (sorted by run name), numbering anchors from ``first_position``."""
    names = sorted({run.name for run in analysis.runs} | {f.run for f in analysis.findings})
    rows = []
    for position, name in enumerate(names, start=first_position):
        findings = tuple(sorted((f for f in analysis.findings if f.run == name), key=lambda f: f.sort_key))
        rows.append(_summary(name, anchor_for(position), findings, analysis.curves.get(name)))
    return rows


def _summary(name: str, anchor: str, findings: tuple[Finding, ...], curves: RunCurves | None) -> RunSummary:
    problems = {
        c: sum(1 for f in findings if f.category == c and f.severity >= Severity.WARNING) for c in CATEGORIES
    }
    best, metric = _best_validation(curves)
    wasted, unit = None, ""
    for finding in findings:
        count = finding.evidence.get("wasted")
        if finding.category == "overfitting" and isinstance(count, int) and not isinstance(count, bool):
            wasted, unit = count, str(finding.evidence.get("unit", ""))
            break
    return RunSummary(name, anchor, problems, best, metric, wasted, unit, _spark_values(curves), findings)


def _best_validation(curves: RunCurves | None) -> tuple[float | None, str]:
    """Highest validation accuracy, else lowest validation loss (exact: downsampling keeps extremes)."""
    if curves is None:
        return None, ""
    for metric, pick in (("validation.accuracy", max), ("validation.loss", min)):
        curve = curves.curve(metric)
        finite = [v for v in curve.value if math.isfinite(v)] if curve else []
        if finite:
            return pick(finite), metric
    return None, ""


def _spark_values(curves: RunCurves | None) -> tuple[float, ...]:
    """The validation (else training) loss as at most ``2 * SPARK_BUCKETS`` values, extremes kept."""
    if curves is None:
        return ()
    curve: Curve | None = curves.curve("validation.loss") or curves.curve("train.loss")
    if curve is None:
        return ()
    values = [v for v in curve.value if math.isfinite(v)]
    if len(values) <= 2 * SPARK_BUCKETS:
        return tuple(values)
    size = math.ceil(len(values) / SPARK_BUCKETS)
    out: list[float] = []
    for start in range(0, len(values), size):
        bucket = values[start : start + size]
        low, high = bucket.index(min(bucket)), bucket.index(max(bucket))
        out.extend(bucket[i] for i in sorted({low, high}))
    return tuple(out)


def sparkline(values: Sequence[float]) -> str:
    """An inline SVG polyline of ``values`` (log-scaled when they span two decades); empty without data."""
    if len(values) < 2:
        return ""
    if min(values) > 0 and max(values) / min(values) >= 100:
        values = [math.log10(v) for v in values]
    low, high = min(values), max(values)
    spread = high - low or 1.0
    step = 118.0 / (len(values) - 1)
    points = " ".join(f"{1 + i * step:.1f},{27 - 26 * (v - low) / spread:.1f}" for i, v in enumerate(values))
    return (
        '<svg class="spark" viewBox="0 0 120 28" role="img" aria-label="loss curve">'
        f'<polyline points="{points}"/></svg>'
    )


def table(rows: Iterable[RunSummary]) -> str:
    """The sortable, filterable runs table (the page's script makes the headers sortable)."""
    head = "".join(f"<th>{text(c)}</th>" for c in CATEGORIES)
    body = []
    for row in rows:
        cells = "".join(
            f'<td class="num" data-sort="{row.problems.get(c, 0)}">{row.problems.get(c, 0) or ""}</td>'
            for c in CATEGORIES
        )
        best = "" if row.best_validation is None else f"{row.best_validation:.4g}"
        best_title = text(row.best_metric)
        best_label = f' <span class="muted">{text(row.best_metric.partition(".")[2])}</span>' if best else ""
        wasted = "" if row.wasted is None else f"{row.wasted} {text(row.wasted_unit)}s"
        total = sum(row.problems.values())
        body.append(
            f'<tr><td><a href="#{token(row.anchor)}">{text(row.run)}</a></td>'
            f'<td class="num" data-sort="{total}">{total}</td>{cells}'
            f'<td class="num" data-sort="{best}" title="{best_title}">{best}{best_label}</td>'
            f'<td class="num" data-sort="{row.wasted if row.wasted is not None else ""}">{wasted}</td>'
            f"<td>{sparkline(row.sparkline)}</td></tr>"
        )
    return (
        '<p><input type="search" id="runs-filter" placeholder="Filter runs (name, numbers ...)" '
        'aria-label="Filter runs"></p>'
        '<table id="runs-table"><thead><tr><th>run</th><th>problems</th>'
        f"{head}<th>best validation</th><th>wasted</th><th>loss</th></tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )
