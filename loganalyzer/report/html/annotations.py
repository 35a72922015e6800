"""Draw each finding on its chart, from the numbers in its evidence.

One function per kind of finding, chosen by rule category (and, inside a
category, by which evidence keys are present). Evidence is read
defensively: a key that is missing, not a number or not finite means that
part of the annotation is left out, never an error. Every artist gets an
SVG group id ``lafinding-<index>-<part>`` so the page can tie the drawing to
the finding's entry below the charts.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

from loganalyzer.model.curves import Curve, Durations
from loganalyzer.model.finding import Finding, Severity
from loganalyzer.report.html import _drawable

if TYPE_CHECKING:
    from matplotlib.axes import Axes

#: Colours of annotations: problems in red, notes (info findings) in blue, counterfactuals in purple.
PROBLEM = "#d62728"
NOTE = "#1f77b4"
ADVICE = "#7b3294"
TREND = "#8c564b"


class _Spec(Protocol):
    @property
    def curves(self) -> tuple[Curve, ...]: ...

    @property
    def durations(self) -> Durations | None: ...


def annotate(axes: Axes, spec: _Spec, finding: Finding, index: int, x_label: str) -> bool:
    """Draw ``finding`` on ``axes``; True when something was drawn."""
    if spec.durations is not None:
        return _slow(axes, spec.durations, finding, index)
    curve = next((c for c in spec.curves if c.metric == finding.metric), None)
    if curve is None:
        return False
    draw = _BY_CATEGORY.get(finding.category, _span_only)
    return draw(axes, curve, finding, index)


def number(finding: Finding, key: str) -> float | None:
    """Evidence value ``key`` as a drawable float, or None (missing, text, bool, not finite)."""
    value = finding.evidence.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return _drawable.point(float(value))


def _gid(index: int, part: str) -> str:
    return f"lafinding-{index}-{part}"


def _value_at(curve: Curve, x: float) -> float | None:
    """The curve's value at the point nearest to step ``x`` (finite only)."""
    best, where = math.inf, None
    for step, value in zip(curve.step, curve.value, strict=True):
        if abs(step - x) < best and math.isfinite(value):
            best, where = abs(step - x), value
    return None if where is None else _drawable.point(where)


def _step_of(curve: Curve, unit: object, label: object) -> float | None:
    """Where an evaluation named ``label`` in ``unit`` (epoch, or evaluation number) is on the step axis."""
    if isinstance(label, bool) or not isinstance(label, int | float):
        return None
    if unit == "epoch":
        for step, epoch in zip(curve.step, curve.epoch, strict=False):
            if math.isfinite(epoch) and abs(epoch - label) < 1e-6:
                return step
        return None
    if unit == "evaluation" and not curve.downsampled:
        finite = [s for s, v in zip(curve.step, curve.value, strict=True) if math.isfinite(v)]
        position = int(label)
        return finite[position] if 0 <= position < len(finite) else None
    return None


def _shade(axes: Axes, start: float | None, end: float | None, index: int, colour: str, part: str) -> bool:
    if start is None or end is None:
        return False
    axes.axvspan(start, max(end, start), color=colour, alpha=0.12, linewidth=0, gid=_gid(index, part))
    return True


def _span_only(axes: Axes, curve: Curve, finding: Finding, index: int) -> bool:
    """Any other finding: shade its step span (in blue for a note, red for a problem)."""
    start = float(finding.start_step) if finding.start_step is not None else None
    end = float(finding.end_step) if finding.end_step is not None else start
    return _shade(axes, start, end, index, NOTE if finding.severity == Severity.INFO else PROBLEM, "span")


def _overfitting(axes: Axes, curve: Curve, finding: Finding, index: int) -> bool:
    """Best point, the degrading span shaded, and where EarlyStopping would have stopped and restored."""
    best_step = number(finding, "best_step")
    best_value = number(finding, "best_value")
    if best_step is None:
        return _span_only(axes, curve, finding, index)
    end = float(finding.end_step) if finding.end_step is not None else None
    drawn = _shade(axes, best_step, end, index, PROBLEM, "degrading")
    if best_value is None or curve.metric.partition(".")[2] != finding.evidence.get("monitored", ""):
        best_value = _value_at(curve, best_step)
    if best_value is not None:
        axes.plot(
            [best_step],
            [best_value],
            marker="*",
            markersize=12,
            color="#2ca02c",
            linestyle="none",
            label="best",
            gid=_gid(index, "best"),
        )
        drawn = True
    unit = finding.evidence.get("unit")
    stop = _step_of(curve, unit, finding.evidence.get("stop_at"))
    restored = _step_of(curve, unit, finding.evidence.get("restored_at"))
    if stop is not None:
        patience = finding.evidence.get("patience")
        axes.axvline(
            stop,
            color=ADVICE,
            linestyle="--",
            linewidth=1,
            gid=_gid(index, "stop"),
            label=f"EarlyStopping(patience={patience}) stops" if isinstance(patience, int) else "stop",
        )
        drawn = True
    if restored is not None:
        level = _value_at(curve, restored)
        if level is not None:
            axes.plot(
                [restored],
                [level],
                marker="o",
                markersize=7,
                markerfacecolor="none",
                color=ADVICE,
                linestyle="none",
                label="restored",
                gid=_gid(index, "restore"),
            )
            drawn = True
    return drawn


def _spike(axes: Axes, curve: Curve, finding: Finding, index: int) -> bool:
    """A triangle at the spike (pointing down for a dip)."""
    step = number(finding, "step")
    if step is None and finding.start_step is not None:
        step = float(finding.start_step)
    if step is None:
        return False
    value = number(finding, "value")
    if value is None or (value <= 0 and axes.get_yscale() == "log"):
        value = _value_at(curve, step)
    if value is None:
        return False
    down = finding.evidence.get("direction") == "down"
    axes.plot(
        [step],
        [value],
        marker="v" if down else "^",
        markersize=9,
        color=PROBLEM,
        linestyle="none",
        gid=_gid(index, "spike"),
    )
    return True


def _divergence(axes: Axes, curve: Curve, finding: Finding, index: int) -> bool:
    """First non-finite step as a line (DV001), or the blow-up span and its peak (DV002)."""
    kind = finding.evidence.get("kind")
    step = number(finding, "step")
    if kind is not None and step is not None:
        split = curve.metric.partition(".")[0]
        word = kind if isinstance(kind, str) and kind.isalpha() else "non-finite"
        axes.axvline(
            step, color=PROBLEM, linewidth=1.5, gid=_gid(index, "non-finite"), label=f"{split}: first {word}"
        )
        end = float(finding.end_step) if finding.end_step is not None else step
        _shade(axes, step, end, index, PROBLEM, "span")
        return True
    drawn = _span_only(axes, curve, finding, index)
    peak_step, peak_value = number(finding, "peak_step"), number(finding, "peak_value")
    if peak_step is not None and peak_value is not None:
        axes.plot(
            [peak_step],
            [peak_value],
            marker="X",
            markersize=9,
            color=PROBLEM,
            linestyle="none",
            gid=_gid(index, "peak"),
        )
        drawn = True
    return drawn


def _memory(axes: Axes, curve: Curve, finding: Finding, index: int) -> bool:
    """The fitted trend over the analysed span and its projection to twice the run length."""
    start_value, end_value = number(finding, "start_value"), number(finding, "end_value")
    if finding.start_step is None or finding.end_step is None or start_value is None or end_value is None:
        return _span_only(axes, curve, finding, index)
    start, end = float(finding.start_step), float(finding.end_step)
    axes.plot(
        [start, end],
        [start_value, end_value],
        color=TREND,
        linewidth=2,
        label="fitted trend",
        gid=_gid(index, "trend"),
    )
    projected = number(finding, "projected_value")
    first = curve.step[0] if curve.step else start
    if projected is not None:
        axes.plot(
            [end, end + (end - first)],
            [end_value, projected],
            color=TREND,
            linestyle=":",
            linewidth=2,
            label="projection (2x run length)",
            gid=_gid(index, "projection"),
        )
    return True


#: Up to this many units are drawn as bars; more (a dense per-step log) as thin lines.
MAX_BARS = 200


def bar_positions(durations: Durations) -> list[float]:
    """Where each unit's bar stands: its epoch when known, else its step (drawable; NaN for none)."""
    where = [e if math.isfinite(e) else s for e, s in zip(durations.epoch, durations.step, strict=True)]
    return _drawable.series(where)[0]


#: Bar positions named in SE001's ``where`` (``epochs 8, 17`` or ``step 960``).
_WHERE = re.compile(r"^(epoch|step)s?\s+([\d.,\s]+)")


def slow_units(finding: Finding, durations: Durations) -> list[int]:
    """Indices of the bars a slow-epoch finding lists (an unreadable ``where`` lists none)."""
    where = finding.evidence.get("where")
    match = _WHERE.match(where) if isinstance(where, str) else None
    if match is None:
        return []
    wanted = {float(n) for n in re.findall(r"\d+(?:\.\d+)?", match.group(2))}
    axis = durations.epoch if match.group(1) == "epoch" else durations.step
    return [i for i, x in enumerate(axis) if x in wanted]


def _slow(axes: Axes, durations: Durations, finding: Finding, index: int) -> bool:
    """Slow bars in red against the median line (SE001), or the slowing span and early pace (SE002)."""
    bars: Sequence[object] = axes.containers[0] if axes.containers else []
    positions = bar_positions(durations)
    drawn = False
    for k in slow_units(finding, durations):
        if k < len(bars):
            patch = bars[k]
            patch.set_color(PROBLEM)  # type: ignore[attr-defined]
            patch.set_gid(_gid(index, f"slow-{k}"))  # type: ignore[attr-defined]
            drawn = True
        elif k < len(positions):  # many units are drawn as lines: overdraw the slow one in red
            axes.vlines(
                [positions[k]],
                0,
                [_drawable.series([durations.seconds[k]])[0][0]],
                color=PROBLEM,
                linewidth=1.5,
                gid=_gid(index, f"slow-{k}"),
            )
            drawn = True
    median = number(finding, "median_seconds")
    if median is not None:
        axes.axhline(
            median, color="#555555", linestyle="--", linewidth=1, label="median", gid=_gid(index, "median")
        )
        drawn = True
    early = number(finding, "early_seconds")
    if early is not None:
        axes.axhline(
            early,
            color="#555555",
            linestyle="--",
            linewidth=1,
            label="early pace",
            gid=_gid(index, "early-pace"),
        )
        start = float(finding.start_step) if finding.start_step is not None else None
        end = float(finding.end_step) if finding.end_step is not None else None
        _shade(axes, start, end, index, PROBLEM, "span")
        drawn = True
    return drawn


_Draw = Callable[["Axes", Curve, Finding, int], bool]

#: How each category is drawn; anything else shades its span.
_BY_CATEGORY: dict[str, _Draw] = {
    "overfitting": lambda a, c, f, i: (
        _overfitting(a, c, f, i) if "best_step" in f.evidence else _span_only(a, c, f, i)
    ),
    "loss-spike": _spike,
    "divergence": _divergence,
    "memory-growth": _memory,
}
