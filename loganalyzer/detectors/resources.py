"""Memory growth: a leak that makes a long run die of out-of-memory.

A leak shows as a memory floor that keeps rising: what is retained every
epoch (loss tensors kept with their graphs, a list of outputs, a cache that is
never cleared) adds up, while what is freed after every batch makes a
saw-tooth on top. Healthy runs grow too, but only at the start: allocators,
caches and lazily built kernels fill up in the first epochs and then stay
flat. So the detector looks at the floor of the memory series after a
warm-up, asks for a significant upward trend (Mann-Kendall, corrected for
autocorrelation), a growth that matters (relative to the memory in use and to
the noise) and a growth that is still going at the end of the run (not
saturating).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from loganalyzer.detectors import _series, _signal
from loganalyzer.model.finding import Evidence, MissingInput
from loganalyzer.model.run import Quantity, Run, Series

#: Denser series than this are summarised into :data:`_BLOCKS` block minima.
_MAX_UNITS = 1000

#: Number of blocks a dense memory series without epochs is summarised into.
_BLOCKS = 100

#: Quantities that are memory even when a name collision kept them under their raw name.
#: Memory headroom (``mem_free``, ``memory_available``) falls when usage grows: not a usage series.
_HEADROOM_NAME = re.compile(r"free|avail", re.IGNORECASE)

_MEMORY_NAME = re.compile(r"memory|(^|[_/.\-])(rss|vram|mem)($|[_/.\-]|_?[mgk]i?b)", re.IGNORECASE)


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
) -> list[Evidence]:
    """Memory whose floor keeps rising after warm-up, without levelling off.

    Per memory series: take its floor (per-epoch minimum when logged per
    step with epochs; block minima when dense; the points themselves when
    logged once per epoch), drop the first ``max(warmup_points,
    ceil(warmup_fraction * n))`` units, and fire when (a) Mann-Kendall
    finds an increasing trend with p < ``alpha``; (b) the Theil-Sen growth
    over the analysed span is at least ``min_growth_fraction`` of the
    memory at its start and ``noise_multiple`` times the floor's noise; and
    (c) the slope over the last third is at least ``saturation_ratio`` of the
    slope over the whole analysed span (otherwise the growth is levelling
    off). Evidence: growth per epoch (or step), total, percent, and the
    projected value at twice the run's length.
    """
    candidates = [s for s in run.series if _is_memory(s)]
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
            evidence.append(found)
    if analysed == 0:
        raise MissingInput(f"memory logged at too few points: at least {min_points} are needed after warm-up")
    return evidence


def _is_memory(series: Series) -> bool:
    """Accept memory in use: the canonical quantity, or a raw memory name kept apart by a collision.

    Headroom series (free or available memory) are left out: they fall, not
    rise, when a run leaks.
    """
    if _HEADROOM_NAME.search(series.raw_name):
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


def _growth(
    floor: _Floor,
    warmup: int,
    alpha: float,
    min_growth_fraction: float,
    noise_multiple: float,
    saturation_ratio: float,
) -> Evidence | None:
    """Test one memory floor for a leak; None when it is not leaking."""
    values = floor.value[warmup:]
    steps = floor.step[warmup:]
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
    tail = values[-max(3, n // 3) :]
    late_slope = _signal.theil_sen(tail)
    if late_slope < saturation_ratio * result.slope:
        return None
    spacing = float(np.median(np.diff(steps))) if n > 1 else 1.0
    per_step = result.slope / spacing if spacing > 0 else 0.0
    end = start + total
    first_step = int(floor.step[0])
    span = float(int(steps[-1]) - first_step)
    per_unit = result.slope if floor.unit == "epoch" else per_step
    return Evidence(
        metric=str(floor.series.key),
        start_step=int(steps[0]),
        end_step=int(steps[-1]),
        values={
            "growth_per_unit": per_unit,
            "unit": floor.unit,
            "growth_per_step": per_step,
            "total_growth": total,
            "growth_percent": 100.0 * total / start,
            "start_value": start,
            "end_value": end,
            "projected_value": end + per_step * span,
            "late_slope_ratio": late_slope / result.slope,
            "p_value": result.p_increasing,
            "points_checked": int(n),
            "warmup_points": int(warmup),
        },
        point=int(floor.point[warmup]),
    )
