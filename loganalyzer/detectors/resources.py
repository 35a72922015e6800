"""Memory growth: a leak that makes a long run die of out-of-memory.

A leak shows as a memory floor that keeps rising: what is retained every
epoch (loss tensors kept with their graphs, a list of outputs, a cache that is
never cleared) adds up, while what is freed after every batch makes a
saw-tooth on top. Healthy runs grow too, but only at the start: allocators,
caches and lazily built kernels fill up in the first epochs and then stay
flat, or step up once (a bigger batch, the first evaluation) and stay there.
So a leak is a shape, not a size: after warm-up, a significant upward trend
(Mann-Kendall, corrected for autocorrelation) that is sustained (still
rising after the largest level shift) and not saturating (still rising in
the last third), with a growth above the floor's noise and a practical
floor relative to the memory in use. How bad it is comes from a projection:
how many epochs (and hours, when the log is timed) until a memory limit, the
configured one or the device size when the log has it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from loganalyzer.detectors import _series, _signal
from loganalyzer.detectors._durations import epoch_durations
from loganalyzer.model.finding import Evidence, MissingInput, Severity, evidence_values
from loganalyzer.model.run import Quantity, Run, Series

#: Denser series than this are summarised into :data:`_BLOCKS` block minima.
_MAX_UNITS = 1000

#: Number of blocks a dense memory series without epochs is summarised into.
_BLOCKS = 100

#: Quantities that are memory even when a name collision kept them under their raw name.
#: Memory headroom (``mem_free``, ``memory_available``) falls when usage grows: not a usage series.
_HEADROOM_NAME = re.compile(r"free|avail", re.IGNORECASE)

_MEMORY_NAME = re.compile(r"memory|(^|[_/.\-])(rss|vram|mem)($|[_/.\-]|_?[mgk]i?b)", re.IGNORECASE)

#: Memory series that state a capacity (``gpu_mem_total_mb``, ``memory_limit``): a limit, not usage.
#: (A peak such as ``max_memory_allocated`` is usage: a leak raises it.)
_CAPACITY_NAME = re.compile(r"total|capacity|limit", re.IGNORECASE)

#: Utilisation (nvidia-smi's ``utilization.memory`` is the share of time memory was busy): not usage.
_UTILISATION_NAME = re.compile(r"util", re.IGNORECASE)

#: A memory series in percent of the device: its limit is 100.
_PERCENT_NAME = re.compile(r"percent|pct|%", re.IGNORECASE)

#: Unit suffixes of memory names, in MB per unit (``rss_mb``, ``mem_gib``, ``memory_bytes``).
_UNIT_NAME = re.compile(r"(?:^|[_/.\-\s(\[])(bytes|b|kb|kib|mb|mib|gb|gib)\)?\]?$", re.IGNORECASE)
_MB_PER_UNIT = {
    "b": 1e-6,
    "bytes": 1e-6,
    "kb": 1e-3,
    "kib": 1.024e-3,
    "mb": 1.0,
    "mib": 1.048576,
    "gb": 1e3,
    "gib": 1.073741824e3,
}
_UNIT_LABEL = {"bytes": "B", "kib": "KiB", "mib": "MiB", "gib": "GiB"}


@dataclass(frozen=True)
class MemoryGrowthEvidence:
    """What MG001 measured on one memory series (values in the series' own ``memory_unit``).

    Growth is the Theil-Sen slope of the floor after warm-up, per ``unit``
    (epoch, or step when epochs are unknown). The projection runs that line
    forward: ``projected_value`` at twice the run's length; with a known
    limit (``limit_source`` says where it came from: ``config``, ``log``
    or ``percent``), ``units_to_limit`` more epochs (steps) and
    ``hours_to_limit`` (when the log is timed) until it is reached.
    """

    growth_per_unit: float
    unit: str
    growth_per_step: float
    total_growth: float
    growth_percent: float
    start_value: float
    end_value: float
    projected_value: float
    late_slope_ratio: float
    sustained_ratio: float
    p_value: float
    points_checked: int
    warmup_points: int
    memory_unit: str
    growth_per_hour: float | None
    limit_value: float | None
    limit_source: str | None
    units_to_limit: float | None
    hours_to_limit: float | None
    limit_within_run: bool
    outlook: str


@dataclass(frozen=True)
class _Floor:
    """The memory floor of a series: one value per unit (epoch, log point or block).

    ``point`` indexes the series point each unit's value came from; ``step``
    is that point's step; ``unit`` names a unit for people.
    """

    series: Series
    unit: str
    value: np.ndarray
    step: np.ndarray
    point: np.ndarray


def memory_growth(
    run: Run,
    *,
    warmup_fraction: float,
    warmup_points: int,
    min_points: int,
    alpha: float,
    min_growth_fraction: float,
    noise_multiple: float,
    saturation_ratio: float,
    memory_limit_gb: float,
    error_within_runs: float,
) -> list[Evidence]:
    """Memory whose floor keeps rising after warm-up, without levelling off.

    Per memory series: take its floor (per-epoch minimum when logged per
    step with epochs; block minima when dense; the points themselves when
    logged once per epoch), drop the first ``max(warmup_points,
    ceil(warmup_fraction * n))`` units, and fire when (a) Mann-Kendall
    finds an increasing trend with p < ``alpha``; (b) the Theil-Sen growth
    over the analysed span is at least ``noise_multiple`` times the floor's
    noise and ``min_growth_fraction`` of the memory at its start; (c) the
    growth is sustained: the slope after the largest level shift and the
    slope over the last third are each at least ``saturation_ratio`` of the
    overall slope (else it is one step up, or levelling off). The finding is
    an error when a known limit (``memory_limit_gb``, else the device size or
    100% from the log) is reached within ``error_within_runs`` more run
    lengths at the measured rate.
    """
    candidates = [s for s in run.series if _is_memory(s) and not _CAPACITY_NAME.search(s.raw_name)]
    if not candidates:
        raise MissingInput("no memory series (memory, rss, gpu_mem ...)")
    evidence = []
    analysed = 0
    for series in candidates:
        floor = _floor(series)
        if floor is None:
            continue
        warmup = max(warmup_points, math.ceil(warmup_fraction * floor.value.size))
        if floor.value.size - warmup < min_points:
            continue
        analysed += 1
        found = _growth(floor, warmup, alpha, min_growth_fraction, noise_multiple, saturation_ratio)
        if found is not None:
            limit = _limit(run, series, memory_limit_gb)
            pace = _seconds_per_unit(floor, warmup) or _epoch_seconds(run, floor)
            evidence.append(_evidence(floor, warmup, found, limit, error_within_runs, pace))
    if analysed == 0:
        raise MissingInput(f"memory logged at too few points: at least {min_points} are needed after warm-up")
    return evidence


def _is_memory(series: Series) -> bool:
    """Accept memory in use: the canonical quantity, or a raw memory name kept apart by a collision.

    Headroom series (free or available memory) are left out: they fall, not
    rise, when a run leaks; so are utilisation series, which measure how busy
    memory was, not how much is held.
    """
    if _HEADROOM_NAME.search(series.raw_name) or _UTILISATION_NAME.search(series.raw_name):
        return False
    quantity = series.key.quantity
    return quantity == Quantity.MEMORY or bool(_MEMORY_NAME.search(quantity))


def _floor(series: Series) -> _Floor | None:
    """Per-epoch minima (per-step logs with epochs), block minima (dense logs) or the points."""
    keep = np.flatnonzero(np.isfinite(series.value))
    if keep.size < 3:
        return None
    values = series.value[keep]
    epochs = series.epoch[keep]
    groups = _series.epoch_groups(epochs)
    if groups is not None:
        starts = np.flatnonzero(np.concatenate([[True], groups[1:] != groups[:-1]]))
        return _minima(series, "epoch", keep, values, starts)
    if values.size > _MAX_UNITS:
        starts = np.linspace(0, values.size, _BLOCKS + 1).astype(np.int64)[:-1]
        return _minima(series, "step", keep, values, starts)
    unit = "epoch" if _one_per_epoch(epochs) else "step"
    return _Floor(series, unit, values, series.step[keep], keep)


def _one_per_epoch(epochs: np.ndarray) -> bool:
    """Whether the points are one per epoch (so a growth per point is a growth per epoch)."""
    if not bool(np.isfinite(epochs).all()):
        return False
    return np.unique(np.floor(epochs + 1e-9)).size == epochs.size


def _minima(series: Series, unit: str, keep: np.ndarray, values: np.ndarray, starts: np.ndarray) -> _Floor:
    """Take the minimum of each group of points beginning at ``starts``, located at its first occurrence."""
    minima = np.minimum.reduceat(values, starts)
    group = np.repeat(np.arange(starts.size), np.diff(np.append(starts, values.size)))
    hits = np.flatnonzero(values == minima[group])
    _, first = np.unique(group[hits], return_index=True)
    points = keep[hits[first]]
    return _Floor(series, unit, minima, series.step[points], points)


@dataclass(frozen=True)
class _Leak:
    """The numbers of a floor that passed every leak test (slopes per floor unit)."""

    slope: float
    start: float
    total: float
    late_ratio: float
    sustained_ratio: float
    p_value: float


def _growth(
    floor: _Floor,
    warmup: int,
    alpha: float,
    min_growth_fraction: float,
    noise_multiple: float,
    saturation_ratio: float,
) -> _Leak | None:
    """Test one memory floor for a leak; None when it is not leaking."""
    values = floor.value[warmup:]
    n = values.size
    result = _signal.trend(values)
    if result.p_increasing >= alpha or result.slope <= 0:
        return None
    index = np.arange(n, dtype=np.float64)
    start = float(np.median(values - result.slope * index))
    total = result.slope * (n - 1)
    noise = _signal.noise_sigma(values)
    if start <= 0 or total < min_growth_fraction * start or total < noise_multiple * noise:
        return None
    late_ratio = _still_rising(
        values[-max(3, n // 3) :], result.slope, noise, noise_multiple, saturation_ratio
    )
    sustained_ratio = _still_rising(
        values[_largest_shift(values) :], result.slope, noise, noise_multiple, saturation_ratio
    )
    if late_ratio is None or sustained_ratio is None:
        return None
    return _Leak(result.slope, start, total, late_ratio, sustained_ratio, result.p_increasing)


def _still_rising(
    segment: np.ndarray, overall_slope: float, noise: float, noise_multiple: float, saturation_ratio: float
) -> float | None:
    """The segment's slope as a share of the overall slope, or None when the segment has stopped rising.

    It still rises when its Theil-Sen slope is at least ``saturation_ratio``
    of the overall slope *and* its growth is ``noise_multiple`` standard
    errors above zero: a ratio of two small slopes alone is noise when most of
    the span is flat (the tail of a warm-up the cut did not remove).
    """
    slope = _signal.theil_sen(segment)
    if slope < saturation_ratio * overall_slope:
        return None
    if slope * (segment.size - 1) < noise_multiple * _growth_standard_error(noise, segment.size):
        return None
    return slope / overall_slope


def _growth_standard_error(sigma: float, m: int) -> float:
    """Standard error of the growth (slope x (m - 1)) of a line fitted to m points with noise sigma."""
    return sigma * (m - 1) / math.sqrt(m * (m * m - 1) / 12.0) if m > 1 else math.inf


def _largest_shift(values: np.ndarray, after: int = 3) -> int:
    """Where the best single step (a two-level least-squares fit) puts its shift.

    A linear leak splits near its middle and keeps rising after the split; a
    step up followed by a flat line splits at the step and is flat after it,
    and so does the tail of a warm-up that the warm-up cut did not remove (a
    step right after the first point). At least ``after`` points stay after
    the split, so the slope there can be measured; shorter series split
    nowhere (index 0).
    """
    n = values.size
    if n < after + 1:
        return 0
    centred = values - float(np.mean(values))
    cumulative = np.cumsum(centred)
    k = np.arange(1, n - after + 1)
    left = cumulative[k - 1]
    # Between-group sum of squares of a split at k; the best step maximises it.
    between = left**2 / k + left**2 / (n - k)
    return int(k[np.argmax(between)])


def _limit(run: Run, series: Series, memory_limit_gb: float) -> tuple[float, str] | None:
    """The memory limit in the series' own unit and where it came from, or None when unknown.

    In order: a series in percent is limited by 100; ``memory_limit_gb``
    (rule parameter, 0 = not set) converted when the series names its unit;
    the largest value of a capacity series of the log (``*_total``,
    ``*_limit``) or a capacity fact in its metadata (``gpu_memory_total_mb``);
    used plus free memory when the log has a headroom series. Amounts in
    another named unit are converted; an amount whose unit is unknown is used
    only for a series whose unit is unknown too.
    """
    if _PERCENT_NAME.search(series.raw_name):
        return 100.0, "percent"
    per_unit = _mb_per_unit(series.raw_name)
    if memory_limit_gb > 0 and per_unit is not None:
        return memory_limit_gb * 1e3 / per_unit, "config"
    for other in run.series:
        if (
            other is series
            or not _is_memory_name(other.raw_name)
            or not _same_device(series.raw_name, other.raw_name)
        ):
            continue
        scale = _conversion(other.raw_name, per_unit)
        finite = other.value[np.isfinite(other.value)]
        if finite.size == 0 or scale is None:
            continue
        if _CAPACITY_NAME.search(other.raw_name):
            return float(finite.max()) * scale, "log"
        if _HEADROOM_NAME.search(other.raw_name):
            used = _series.on_steps(other, series)
            both = np.isfinite(used) & np.isfinite(other.value)
            if bool(both.any()):
                return float(np.median(used[both] + other.value[both] * scale)), "log"
    for key, value in _facts(run.metadata):
        scale = _conversion(key, per_unit)
        capacity = _is_memory_name(key) and _CAPACITY_NAME.search(key) and _same_device(series.raw_name, key)
        if capacity and scale is not None and value > 0:
            return value * scale, "log"
    return None


#: Names of accelerator memory; the rest (``rss``, ``system``, ``memory``) is host memory.
_ACCELERATOR_NAME = re.compile(r"gpu|cuda|vram|device|hbm|accelerator|tpu", re.IGNORECASE)


def _same_device(usage: str, other: str) -> bool:
    """Whether two memory names are about the same kind of memory (accelerator or host)."""
    return bool(_ACCELERATOR_NAME.search(usage)) == bool(_ACCELERATOR_NAME.search(other))


def _conversion(raw_name: str, per_unit: float | None) -> float | None:
    """Factor from the unit ``raw_name`` names to the series' unit (MB per unit), or None when unknowable."""
    other = _mb_per_unit(raw_name)
    if other is None or per_unit is None:
        return 1.0 if other is None and per_unit is None else None
    return other / per_unit


def _facts(metadata: Mapping[str, Any], prefix: str = "", depth: int = 2) -> list[tuple[str, float]]:
    """Numeric facts of a run's metadata as (dotted key, value), nested mappings down to ``depth``."""
    found: list[tuple[str, float]] = []
    for key, value in metadata.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and depth > 1:
            found += _facts(value, f"{name}.", depth - 1)
        elif isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
            found.append((name, float(value)))
    return found


def _is_memory_name(raw_name: str) -> bool:
    """Whether a raw name names memory (usage, headroom or capacity)."""
    return bool(_MEMORY_NAME.search(raw_name))


def _mb_per_unit(raw_name: str) -> float | None:
    """Megabytes per unit of a memory series whose name ends with its unit (``rss_mb``), else None."""
    match = _UNIT_NAME.search(raw_name)
    return _MB_PER_UNIT[match.group(1).lower()] if match else None


def _unit_label(raw_name: str) -> str:
    """The memory unit as people write it (``MB``, ``GiB``, ``%``), or ``units`` when the name says none."""
    if _PERCENT_NAME.search(raw_name):
        return "%"
    match = _UNIT_NAME.search(raw_name)
    if match is None:
        return "units"
    unit = match.group(1).lower()
    return _UNIT_LABEL.get(unit, unit.upper())


def _evidence(
    floor: _Floor,
    warmup: int,
    leak: _Leak,
    limit: tuple[float, str] | None,
    error_within_runs: float,
    seconds_per_unit: float | None,
) -> Evidence:
    """Measure the projection of a leak and package the evidence (an error when the limit is near).

    ``seconds_per_unit`` is the wall-clock pace of one floor unit (None when
    the log is untimed), which turns epochs to the limit into hours.
    """
    steps = floor.step[warmup:]
    n = steps.size
    spacing = float(np.median(np.diff(steps))) if n > 1 else 1.0
    per_step = leak.slope / spacing if spacing > 0 else 0.0
    per_unit = leak.slope if floor.unit == "epoch" else per_step
    end = leak.start + leak.total
    span = float(int(steps[-1]) - int(floor.step[0]))
    per_hour = None if seconds_per_unit is None else leak.slope * 3600.0 / seconds_per_unit
    units_to_limit = hours_to_limit = None
    within_run = False
    if limit is not None:
        room = max(limit[0] - end, 0.0)
        units_to_limit = room / leak.slope  # in floor units (epochs, points or blocks)
        within_run = units_to_limit <= error_within_runs * floor.value.size
        if seconds_per_unit is not None:
            hours_to_limit = units_to_limit * seconds_per_unit / 3600.0
        if floor.unit != "epoch":
            units_to_limit *= spacing  # report steps
    measured = MemoryGrowthEvidence(
        growth_per_unit=per_unit,
        unit=floor.unit,
        growth_per_step=per_step,
        total_growth=leak.total,
        growth_percent=100.0 * leak.total / leak.start,
        start_value=leak.start,
        end_value=end,
        projected_value=end + per_step * span,
        late_slope_ratio=leak.late_ratio,
        sustained_ratio=leak.sustained_ratio,
        p_value=leak.p_value,
        points_checked=int(n),
        warmup_points=int(warmup),
        memory_unit=_unit_label(floor.series.raw_name),
        growth_per_hour=per_hour,
        limit_value=None if limit is None else limit[0],
        limit_source=None if limit is None else limit[1],
        units_to_limit=units_to_limit,
        hours_to_limit=hours_to_limit,
        limit_within_run=within_run,
        outlook=_outlook(
            _unit_label(floor.series.raw_name),
            floor.unit,
            end + per_step * span,
            limit,
            units_to_limit,
            hours_to_limit,
        ),
    )
    return Evidence(
        metric=str(floor.series.key),
        start_step=int(steps[0]),
        end_step=int(steps[-1]),
        values=evidence_values(measured),
        point=int(floor.point[warmup]),
        severity=Severity.ERROR if within_run else None,
    )


def _epoch_seconds(run: Run, floor: _Floor) -> float | None:
    """The median epoch duration from the run's time columns, for a floor of one unit per epoch."""
    if floor.unit != "epoch":
        return None
    found = [
        float(np.median(d.seconds)) for d in epoch_durations(run, 3) if d.unit == "epoch" and d.seconds.size
    ]
    return found[0] if found else None


def _seconds_per_unit(floor: _Floor, warmup: int) -> float | None:
    """Median wall-clock seconds between consecutive floor units after warm-up, or None when untimed."""
    times = floor.series.wall_time[floor.point[warmup:]]
    gaps = np.diff(times[np.isfinite(times)])
    gaps = gaps[gaps > 0]
    return float(np.median(gaps)) if gaps.size else None


def _outlook(
    memory_unit: str,
    unit: str,
    projected: float,
    limit: tuple[float, str] | None,
    units_to_limit: float | None,
    hours_to_limit: float | None,
) -> str:
    """One clause saying where the leak leads: the time to the limit, or the value at twice the run."""
    amount = memory_unit if memory_unit == "%" else f" {memory_unit}"
    if limit is None or units_to_limit is None:
        return (
            f"at twice the run's length it would reach {_number(projected)}{amount} "
            "(no memory limit known: set memory_limit_gb to project the time to out-of-memory)"
        )
    where = {"config": "configured", "log": "from the log", "percent": "of the device"}[limit[1]]
    target = f"the {_number(limit[0])}{amount} limit ({where})"
    if units_to_limit <= 0:
        return f"it has already reached {target}"
    count = math.ceil(units_to_limit)
    time = f", about {_hours(hours_to_limit)}" if hours_to_limit is not None else ""
    return f"at this rate it reaches {target} in {count} more {unit}{'' if count == 1 else 's'}{time}"


def _number(value: float) -> str:
    """A memory amount as people read it: whole numbers from 1000 up, else 4 significant digits."""
    return f"{value:.0f}" if abs(value) >= 1000 else f"{value:.4g}"


def _hours(hours: float) -> str:
    """A duration in the unit people use for it: minutes under an hour, days past two days."""
    if hours < 1.0:
        return f"{max(hours * 60.0, 1.0):.0f} min"
    if hours < 48.0:
        return f"{hours:.3g} h"
    return f"{hours / 24.0:.3g} days"
