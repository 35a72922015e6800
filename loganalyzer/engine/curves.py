"""Reduce a run's series to what a picture can show, keeping every extreme.

A chart is at most about a thousand pixels wide, so drawing a million points
wastes time and bytes; but plain decimation (every k-th point) hides exactly
the one-step spikes the spike rules report. :func:`downsample` splits a
series into equal buckets of consecutive points and keeps, per bucket, the
first and last point, the minimum, the maximum and the first non-finite
point, so the envelope of the curve, every spike and every NaN survive.
:func:`run_curves` picks the series a report charts and packs them, with the
epoch durations the slow-epoch rules measured, into a
:class:`~loganalyzer.model.curves.RunCurves`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np

from loganalyzer.detectors import _durations
from loganalyzer.model.curves import Curve, Durations, InventoryEntry, RunCurves
from loganalyzer.model.finding import Finding
from loganalyzer.model.run import Quantity, Run, Series

#: Buckets per series; each keeps at most five points, so a curve has at most 5x this many.
DEFAULT_BUCKETS = 1000

#: Accuracy-like quantities, in order of preference, when a run has no ``accuracy``.
_SCORE_NAME = re.compile(r"acc|f1|auc|precision|recall|map|iou|dice|bleu|rouge|top", re.IGNORECASE)

#: Quantities with a chart of their own.
_FIXED = frozenset(q.value for q in Quantity)

#: Memory in use (not headroom such as free or available memory).
_MEMORY_NAME = re.compile(r"mem|rss|vram", re.IGNORECASE)
_HEADROOM_NAME = re.compile(r"free|avail", re.IGNORECASE)


def downsample(value: np.ndarray, buckets: int) -> np.ndarray:
    """Indices of each bucket's first, last, minimum, maximum and first non-finite point, sorted.

    Buckets are runs of consecutive points of (nearly) equal count. A series
    of at most ``2 * buckets`` points is kept whole.
    """
    n = int(value.shape[0])
    if n <= 2 * buckets:
        return np.arange(n)
    size = -(-n // buckets)
    rows = -(-n // size)
    padded = np.full(rows * size, np.nan)
    padded[:n] = value
    grid = padded.reshape(rows, size)
    finite = np.isfinite(grid)
    offsets = np.arange(rows) * size
    lowest = np.where(finite, grid, np.inf).argmin(axis=1)
    highest = np.where(finite, grid, -np.inf).argmax(axis=1)
    real = np.arange(rows * size).reshape(rows, size) < n
    first_bad = (~finite & real).argmax(axis=1)
    last = np.minimum(offsets + size - 1, n - 1)
    keep = np.concatenate([offsets, last, offsets + lowest, offsets + highest, offsets + first_bad])
    return np.unique(keep[keep < n])


def run_curves(run: Run, findings: Iterable[Finding], buckets: int = DEFAULT_BUCKETS) -> RunCurves:
    """The charted series of ``run`` (plus any series a finding names), downsampled."""
    named = {f.metric for f in findings if f.run == run.name}
    chosen = [s for s in run.series if _charted(s) or str(s.key) in named]
    chosen.extend(_score_series(run, chosen))
    curves = tuple(_curve(s, buckets) for s in sorted(chosen, key=lambda s: s.key))
    inventory = tuple(
        InventoryEntry(str(s.key), s.raw_name, len(s)) for s in sorted(run.series, key=lambda s: s.key)
    )
    return RunCurves(run.name, _x_label(run), curves, _epoch_durations(run), inventory)


def _charted(series: Series) -> bool:
    """Losses, accuracy, learning rate and memory in use are always charted."""
    quantity = series.key.quantity
    if quantity in (Quantity.LOSS, Quantity.ACCURACY, Quantity.LEARNING_RATE, Quantity.MEMORY):
        return True
    return bool(_MEMORY_NAME.search(quantity)) and not _HEADROOM_NAME.search(series.raw_name)


def _score_series(run: Run, chosen: list[Series]) -> list[Series]:
    """Without an ``accuracy``, chart the first accuracy-like score (F1, AUC, mAP ...), every split.

    A run with no score at all (a regression) gets its first other validated
    metric (``mae``...), so the page still shows how the model does.
    """
    if any(s.key.quantity == Quantity.ACCURACY for s in run.series):
        return []
    scores = sorted({s.key.quantity for s in run.series if _SCORE_NAME.search(s.key.quantity)})
    if not scores:
        validated = {s.key.quantity for s in run.series if s.key.split.value == "validation"}
        scores = sorted(q for q in validated if q not in _FIXED and not q.endswith("loss"))
    if not scores:
        return []
    return [s for s in run.series if s.key.quantity == scores[0] and s not in chosen]


def _curve(series: Series, buckets: int) -> Curve:
    keep = downsample(series.value, buckets)
    return Curve(
        metric=str(series.key),
        raw_name=series.raw_name,
        step=tuple(series.step[keep].astype(np.float64).tolist()),
        value=tuple(series.value[keep].astype(np.float64).tolist()),
        points=len(series),
        downsampled=keep.shape[0] < len(series),
        epoch=tuple(series.epoch[keep].astype(np.float64).tolist()),
    )


def _x_label(run: Run) -> str:
    """``epoch`` when every series' steps are its epochs (Keras History), else ``step``."""
    series = [s for s in run.series if len(s)]
    if series and all(s.has_epochs and np.array_equal(s.epoch, s.step) for s in series):
        return "epoch"
    return "step"


def _epoch_durations(run: Run) -> Durations | None:
    """The first durations source the slow-epoch rules would use, as bars; None without timing."""
    try:
        with np.errstate(all="ignore"):  # as the runner runs detectors: inf and NaN are data here
            found = _durations.epoch_durations(run, 2)
    except Exception:  # pictures must never fail because timing could not be derived
        return None
    if not found:
        return None
    first = found[0]
    return Durations(
        metric=str(first.series.key),
        origin=first.origin,
        unit=first.unit,
        step=tuple(first.step.astype(np.float64).tolist()),
        epoch=tuple(first.epoch.astype(np.float64).tolist()),
        seconds=tuple(first.seconds.astype(np.float64).tolist()),
    )
