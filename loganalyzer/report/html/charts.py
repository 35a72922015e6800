"""Per-run charts with matplotlib: which charts a run gets, and drawing them to SVG or PNG.

matplotlib is an optional extra (``loganalyzer-ml[report]``); it is imported
only here and only when a chart is drawn, with the object-oriented API
(``Figure``, no ``pyplot`` global state) and a fixed SVG hash salt per chart,
so the same analysis always gives the same bytes and two charts on one page
never share an id. Text is kept as SVG ``<text>`` (searchable, small);
matplotlib escapes it, and every label from a log passes
:func:`~loganalyzer.report.html._escape.label` first.

Each finding drawn on a chart is wrapped in SVG groups whose ids start with
``lafinding-<index>-``; :func:`tag_findings` turns those into
``data-finding="<CODE>"`` attributes so the page (and its tests) can find
every annotation.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import math
import re
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from loganalyzer.model.curves import Curve, Durations, RunCurves
from loganalyzer.model.finding import Finding
from loganalyzer.report.html import _drawable, _escape
from loganalyzer.report.html.annotations import MAX_BARS, annotate, bar_positions, slow_units

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: The one line the CLI prints when matplotlib is missing.
INSTALL_HINT = "pictures need matplotlib: pip install 'loganalyzer-ml[report]'"

#: Chart size in inches at 100 dpi: fits two columns on a laptop screen, one on a phone.
FIGURE_SIZE = (7.2, 3.0)

#: Line colours by split (matplotlib's default cycle, colour-blind aware ordering).
_SPLIT_COLOURS = {"train": "#1f77b4", "validation": "#ff7f0e", "test": "#2ca02c", "unknown": "#7f7f7f"}

#: A positive series spanning at least this ratio (max/min) is drawn on a log scale.
_LOG_RANGE = 100.0

#: Above this many drawn points the legend goes top right instead of searching for the emptiest spot.
_BEST_LEGEND_POINTS = 1000

_FINDING_GROUP = re.compile(r'<g id="lafinding-(\d+)-([a-z0-9-]+)"')


class ChartsUnavailable(RuntimeError):
    """matplotlib is not installed; the message is :data:`INSTALL_HINT`."""


def charts_available() -> bool:
    """Whether matplotlib can be imported (it is an optional extra)."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass(frozen=True)
class ChartSpec:
    """One chart of a run: its key (``loss``, ``score`` ...), title, y label, lines or bars."""

    key: str
    title: str
    y_label: str
    curves: tuple[Curve, ...] = ()
    durations: Durations | None = None


@dataclass(frozen=True)
class Chart:
    """A drawn chart: the spec, the findings drawn on it (by page index), and its SVG text."""

    spec: ChartSpec
    drawn: tuple[int, ...]
    svg: str


def plan(curves: RunCurves) -> list[ChartSpec]:
    """The charts of one run, in reading order: loss, score, learning rate, epoch time, memory, others."""
    groups: dict[str, list[Curve]] = {}
    for curve in curves.curves:
        group = _group_of(curve)
        if (
            curves.durations is not None
            and curve.metric == curves.durations.metric
            and group.startswith("metric:")
        ):
            continue  # the time-per-epoch bars already show this series
        groups.setdefault(group, []).append(curve)
    specs = []
    titles = {
        "loss": ("Loss", "loss"),
        "score": ("Accuracy-like metric", "score"),
        "learning_rate": ("Learning rate", "learning rate"),
    }
    for key, (title, y_label) in titles.items():
        if key in groups:
            specs.append(ChartSpec(key, title, y_label, tuple(groups.pop(key))))
    if curves.durations is not None:
        unit = curves.durations.unit
        specs.append(ChartSpec("durations", f"Time per {unit}", "seconds", durations=curves.durations))
    if "memory" in groups:
        specs.append(ChartSpec("memory", "Memory", "memory", tuple(groups.pop("memory"))))
    for key in sorted(groups):
        quantity = key.partition(":")[2]
        specs.append(ChartSpec(key, quantity, quantity, tuple(groups[key])))
    return specs


def _group_of(curve: Curve) -> str:
    quantity = curve.metric.partition(".")[2]
    if quantity == "loss":
        return "loss"
    if quantity == "learning_rate":
        return "learning_rate"
    if quantity == "memory" or re.search(r"mem|rss|vram", quantity, re.IGNORECASE):
        return "memory"
    if quantity == "accuracy" or re.search(r"acc|f1|auc|precision|recall|map|iou|top", quantity, re.I):
        return "score"
    return f"metric:{quantity}"


def chart_of(finding: Finding, specs: Sequence[ChartSpec]) -> ChartSpec | None:
    """The chart a finding is drawn on: the durations chart for slow epochs, else its metric's chart."""
    if finding.category == "slow-epoch":
        for spec in specs:
            if spec.durations is not None:
                return spec
    for spec in specs:
        if any(curve.metric == finding.metric for curve in spec.curves):
            return spec
    return None


def draw_run(
    curves: RunCurves, findings: Sequence[tuple[int, Finding]], fmt: str = "svg"
) -> list[tuple[ChartSpec, tuple[int, ...], bytes]]:
    """Draw every chart of a run; ``findings`` are (page index, finding) pairs of this run.

    Returns, per chart, its spec, the indices of the findings drawn on it and
    the image bytes (SVG text or PNG).
    """
    specs = plan(curves)
    span = _x_span(curves)
    out = []
    for spec in specs:
        mine = [(i, f) for i, f in findings if chart_of(f, specs) is spec]
        with _glyphs_left_to_the_viewer():
            try:
                out.append(_one_chart(curves, spec, span, mine, fmt))
            except UNDRAWABLE:
                # Evidence from a damaged log can put a marker where matplotlib cannot place it (a
                # singular transform, an overflowing coordinate): the chart is drawn without its
                # annotations, and the findings are still listed under it.
                out.append(_one_chart(curves, spec, span, [], fmt))
    return out


@contextlib.contextmanager
def _glyphs_left_to_the_viewer() -> Iterator[None]:
    """Silence matplotlib's warning for each character its font lacks.

    A tag in Chinese, or any character DejaVu Sans has no glyph for, would
    print "Glyph ... missing from font" on the user's terminal once per
    character. Chart text is kept as SVG ``<text>``, drawn by the browser with
    its own fonts, so the warning says nothing about the page; in a PNG the
    character shows as a box, which the picture itself makes plain.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from font", category=UserWarning)
        yield


#: What matplotlib raises for coordinates it cannot place; a chart then loses its annotations, never the page.
UNDRAWABLE = (np.linalg.LinAlgError, ValueError, OverflowError)


def _one_chart(
    curves: RunCurves,
    spec: ChartSpec,
    span: tuple[float, float] | None,
    mine: Sequence[tuple[int, Finding]],
    fmt: str,
) -> tuple[ChartSpec, tuple[int, ...], bytes]:
    figure = _figure()
    axes = figure.add_subplot()
    _draw(axes, spec, curves.x_label)
    drawn = tuple(i for i, f in mine if annotate(axes, spec, f, i, curves.x_label))
    _finish(axes, spec, span)
    return spec, drawn, _save(figure, fmt, salt=f"{curves.run}|{spec.key}")


def draw_figure(curves: RunCurves, findings: Sequence[tuple[int, Finding]], fmt: str) -> bytes:
    """All charts of one run stacked in one image (``loganalyzer plot``); see :data:`UNDRAWABLE`."""
    with _glyphs_left_to_the_viewer():
        try:
            return _stacked(curves, findings, fmt)
        except UNDRAWABLE:
            return _stacked(curves, [], fmt)


def _stacked(curves: RunCurves, findings: Sequence[tuple[int, Finding]], fmt: str) -> bytes:
    specs = plan(curves)
    span = _x_span(curves)
    figure = _figure(height=max(1, len(specs)) * FIGURE_SIZE[1], stacked=True)
    for position, spec in enumerate(specs, start=1):
        axes = figure.add_subplot(len(specs), 1, position)
        _draw(axes, spec, curves.x_label)
        for i, finding in findings:
            if chart_of(finding, specs) is spec:
                annotate(axes, spec, finding, i, curves.x_label)
        _finish(axes, spec, span)
    if not specs:
        figure.text(0.5, 0.5, "no series to draw", ha="center")
    figure.suptitle(_escape.label(curves.run), fontsize=10)
    return _save(figure, fmt, salt=curves.run)


def tag_findings(svg: str, codes: Sequence[str]) -> str:
    """Mark each annotation group with ``data-finding="<CODE>"`` and a class the page styles."""

    def mark(match: re.Match[str]) -> str:
        index = int(match.group(1))
        code = _escape.text(codes[index]) if index < len(codes) else ""
        return (
            f'<g id="{match.group(0)[7:-1]}" class="finding-mark finding-{match.group(2)}" '
            f'data-finding="{code}" data-finding-index="{index}"'
        )

    return _FINDING_GROUP.sub(mark, svg)


# ---------------------------------------------------------------------------------------------
# matplotlib plumbing
# ---------------------------------------------------------------------------------------------


def _figure(height: float = FIGURE_SIZE[1], *, stacked: bool = False) -> Figure:
    """A figure; single charts get fixed margins (constrained layout costs ~40% of drawing time)."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ChartsUnavailable(INSTALL_HINT) from None
    if stacked:
        return Figure(figsize=(FIGURE_SIZE[0], height), dpi=100, layout="constrained")
    figure = Figure(figsize=(FIGURE_SIZE[0], height), dpi=100)
    figure.subplots_adjust(left=0.1, right=0.98, top=0.9, bottom=0.16)
    return figure


def _draw(axes: Axes, spec: ChartSpec, x_label: str) -> None:
    if spec.durations is not None:
        _draw_bars(axes, spec.durations)
        return
    positive = True
    low, high = math.inf, -math.inf
    downsampled: list[str] = []
    notes: list[str] = []
    for curve in spec.curves:
        split = curve.metric.partition(".")[0]
        values, clipped = _drawable.series(curve.value)
        steps, _ = _drawable.series(curve.step)
        finite = [v for v in values if not math.isnan(v)]
        if finite:
            low, high = min(low, min(finite)), max(high, max(finite))
            positive = positive and min(finite) > 0
        marker = "o" if len(values) <= 60 else None
        axes.plot(
            steps,
            values,
            label=_escape.label(f"{curve.metric} ({curve.raw_name})"),
            color=_SPLIT_COLOURS.get(split),
            linewidth=1.2,
            marker=marker,
            markersize=2.5,
        )
        if curve.downsampled:
            downsampled.append(f"{curve.metric}: {len(curve.value):,} of {curve.points:,} points")
        if clipped:
            notes.append(
                f"{curve.metric}: {clipped:,} value(s) beyond ±{_drawable.LIMIT:.0e} drawn at the edge"
            )
    if positive and high > 0 and low > 0 and high / low >= _LOG_RANGE:
        axes.set_yscale("log")
    axes.set_xlabel(x_label)
    if downsampled:
        notes.insert(0, "downsampled for drawing, min/max per bucket kept: " + "; ".join(downsampled))
    if notes:
        axes.text(  # above the plot, right-aligned: the title sits on the left, the legend inside
            1.0,
            1.015,
            "; ".join(notes),
            transform=axes.transAxes,
            ha="right",
            va="bottom",
            fontsize=6.5,
            color="#555555",
            gid="downsampled-note",
        )


def _draw_bars(axes: Axes, durations: Durations) -> None:
    """One bar per unit; past :data:`MAX_BARS` units, thin lines (one collection, not a patch each)."""
    positions = bar_positions(durations)
    seconds, _ = _drawable.series(durations.seconds)
    if len(positions) <= MAX_BARS:
        axes.bar(positions, seconds, color="#9ecae1", width=_bar_width(positions), label=durations.origin)
    else:
        axes.vlines(positions, 0, seconds, color="#6baed6", linewidth=0.8, label=durations.origin)
    axes.set_xlabel("epoch" if all(math.isfinite(e) for e in durations.epoch) else "step")


def _bar_width(positions: Sequence[float]) -> float:
    if len(positions) < 2:
        return 0.8
    gaps = sorted(b - a for a, b in itertools.pairwise(positions) if b > a)
    return 0.8 * gaps[len(gaps) // 2] if gaps else 0.8


def _x_span(curves: RunCurves) -> tuple[float, float] | None:
    """The run's whole step range, so every chart of a run shares its x axis (a NaN tail stays visible)."""
    steps = [s for curve in curves.curves for s in (curve.step[:1] + curve.step[-1:])]
    if not steps:
        return None
    return min(steps), max(steps)


def _finish(axes: Axes, spec: ChartSpec, span: tuple[float, float] | None) -> None:
    if span is not None and spec.durations is None:
        low, high = axes.get_xlim()
        margin = 0.02 * (span[1] - span[0])
        axes.set_xlim(min(low, span[0] - margin), max(high, span[1] + margin))
    axes.set_title(_escape.label(spec.title), fontsize=10, loc="left")
    axes.set_ylabel(_escape.label(spec.y_label), fontsize=9)
    axes.grid(True, linewidth=0.4, alpha=0.5)
    axes.tick_params(labelsize=8)
    handles, _ = axes.get_legend_handles_labels()
    if handles:
        # "best" scans every drawn point for overlaps: fine for epochs, slow for long step logs.
        points = sum(len(curve.value) for curve in spec.curves)
        axes.legend(
            fontsize=7, loc="best" if points <= _BEST_LEGEND_POINTS else "upper right", framealpha=0.85
        )


def _save(figure: Figure, fmt: str, salt: str) -> bytes:
    import matplotlib

    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": salt, "font.family": "DejaVu Sans"}):
        metadata = {"Date": None} if fmt == "svg" else {"Software": None}
        figure.savefig(buffer, format=fmt, metadata=metadata, facecolor="white")
    return buffer.getvalue()


__all__ = [
    "INSTALL_HINT",
    "Chart",
    "ChartSpec",
    "ChartsUnavailable",
    "charts_available",
    "plan",
    "slow_units",
]
