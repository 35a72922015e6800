"""Slow epochs and progressive slowdown, from how long each epoch took.

Two questions about a finished run's timing, answered from one derived series
of epoch durations (see :func:`_epoch_durations`):

* :func:`slow_epochs` -- did some epochs take far longer than the run's usual
  epoch (an input-pipeline stall, a swap storm, a checkpoint to a slow disk)?
* :func:`epoch_slowdown` -- did epochs get steadily slower as the run went on
  (growing per-epoch work, a callback that scans an ever longer history, a leak
  that makes the allocator or the garbage collector work harder)?

Durations are heavy-tailed and their jitter is additive (scheduler and
garbage-collector pauses of tens of milliseconds do not shrink with the
epoch), so every verdict needs three things at once: a robust statistical
score (median/MAD outlier score, Mann-Kendall trend), a relative effect
(a multiple of the median epoch) and an absolute amount of wall-clock time
lost, because time is the one quantity here whose unit people act on: a tenth
of a second lost by a toy run with 0.2 s epochs is jitter, not a problem.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from loganalyzer.detectors import _series, _signal
from loganalyzer.detectors._series import TRAIN_SPLITS
from loganalyzer.model.finding import Evidence, MissingInput
from loganalyzer.model.run import Quantity, Run, Series

#: More units than this (a per-step log) are summed into :data:`_BLOCKS` equal blocks.
_MAX_UNITS = 1000

#: Number of blocks a dense per-step timing log is summarised into.
_BLOCKS = 100

#: Per-step times without epochs are averaged over blocks of at least this many points.
_POINTS_PER_BLOCK = 10

#: Raw names of per-step (not per-epoch) times: ``batch_time``, ``time/iter``, ``step_time``.
_PER_STEP_NAME = re.compile(r"(^|[_/.\-])(batch|step|iter|iteration)s?([_/.\-]|$)", re.IGNORECASE)

#: A unit that took this many times the median pace holds a pause (the effect SE001 calls slow).
_PAUSE_RATIO = 1.5

#: Pauses must recur at least this many times at a regular period to be a schedule, not stalls.
_MIN_SCHEDULED = 5

#: Gaps between scheduled pauses may differ from their median by this fraction.
_PERIOD_TOLERANCE = 0.1

#: Raw names that say the column holds per-epoch durations, not a clock.
_DURATION_NAME = re.compile(r"epoch|duration|runtime|per_", re.IGNORECASE)

#: A first epoch may take this many typical epochs (compilation, cache fill, set-up) and a clock
#: that starts at the end of it still counts as a cumulative clock; see :func:`_is_cumulative`.
_FIRST_EPOCH_ALLOWANCE = 10.0

#: A "duration" above this many seconds (11.6 days for one epoch) is a timestamp, not a duration.
_TIMESTAMP_FLOOR = 1e6

#: Durations within this fraction of the median count as timer resolution, not noise (MAD floor).
_RESOLUTION_FRACTION = 0.01


#: At most this many slow epochs are listed by location in the evidence.
_LISTED = 10

#: How durations were obtained, as shown in messages.
_TIME_COLUMN = "time column"
_CLOCK_COLUMN = "cumulative clock column"
_WALL_TIME = "wall time between log points"


@dataclass(frozen=True)
class _Durations:
    """Wall-clock duration of each unit of work of a run, in seconds.

    ``series`` is the series the durations were derived from (its key is the
    evidence's metric); ``origin`` says how (one of the ``_TIME_COLUMN``,
    ``_CLOCK_COLUMN``, ``_WALL_TIME`` labels); ``unit`` names one unit
    (``epoch``, ``evaluation``, ``interval`` between two log points, or
    ``block`` of a dense per-step log). Per unit: ``seconds``, the ``step``
    and ``epoch`` (NaN when unknown) at its end, ``point`` (index into
    ``series`` of the point that ends it) and ``ordinal`` (how many epochs or
    log points of the same segment, i.e. since the start or the last restart,
    precede its end; the warm-up exclusion uses it). ``restarts`` counts
    intervals left out because they span a restart.
    """

    series: Series
    origin: str
    unit: str
    seconds: np.ndarray
    step: np.ndarray
    epoch: np.ndarray
    point: np.ndarray
    ordinal: np.ndarray
    restarts: int = 0

    def after_warmup(self, warmup: int) -> _Durations:
        """Keep the units that end after the first ``warmup`` epochs of their segment."""
        keep = self.ordinal >= warmup
        return _Durations(
            self.series,
            self.origin,
            self.unit,
            self.seconds[keep],
            self.step[keep],
            self.epoch[keep],
            self.point[keep],
            self.ordinal[keep],
            self.restarts,
        )

    def label(self, index: int) -> str:
        """Say where unit ``index`` is: ``epoch 8`` when whole epochs are known, else ``step 960``."""
        epoch = float(self.epoch[index])
        if math.isfinite(epoch) and epoch.is_integer():
            return f"epoch {int(epoch)}"
        return f"step {int(self.step[index])}"

    def labels(self, indices: np.ndarray) -> str:
        """Say where several units are, in one string: ``epochs 8, 17`` or ``step 960``."""
        epochs = self.epoch[indices]
        if bool(np.isfinite(epochs).all()) and bool((epochs == np.floor(epochs)).all()):
            word, numbers = "epoch", [str(int(e)) for e in epochs]
        else:
            word, numbers = "step", [str(int(s)) for s in self.step[indices]]
        shown = ", ".join(numbers[:_LISTED])
        more = f" and {len(numbers) - _LISTED} more" if len(numbers) > _LISTED else ""
        return f"{word}{'s' if len(numbers) > 1 else ''} {shown}{more}"


# --------------------------------------------------------------------------------------------
# Deriving epoch durations
# --------------------------------------------------------------------------------------------


def _epoch_durations(run: Run, min_units: int) -> list[_Durations]:
    """Every usable series of epoch durations of ``run`` (explicit first, else from wall times).

    1. Each ``epoch_time`` series (``epoch_time``, ``time``, ``duration``,
       ``time_sec``, ``eval_runtime`` ...) gives durations directly. A column
       that is a monotone clock (seconds since the start, or absolute
       timestamps) is differenced instead, see :func:`_is_cumulative`.
    2. Only when no training-side ``epoch_time`` exists, the wall times of
       the log points give durations: the time between consecutive points of
       the sparsest series with at least ``min_units`` + 1 timed points (the
       epoch- or evaluation-level series when the log also has a per-step
       one, so periodic evaluation and checkpoint pauses are inside every
       interval instead of looking like stalls between steps). Intervals
       between points logged at different step spacings are put on the median
       spacing, so irregular logging does not look like slow epochs.

    Restarts: an interval whose two ends come from different source files,
    or whose clock goes back, spans a restart and is left out;
    the warm-up exclusion then applies again after the restart (a resumed
    process compiles and fills its caches again).

    Dense series: per-step points with known epochs are summarised per epoch
    (the duration of an epoch is the time between the last points of
    consecutive epochs; explicit per-step times are averaged per epoch).
    Otherwise pauses that recur on a regular schedule (evaluation or
    checkpointing, see :func:`_scheduled_pauses`) cut the log into cycles,
    which become the units; without a schedule, more than :data:`_MAX_UNITS`
    points are summed (or averaged) into :data:`_BLOCKS` equal blocks.
    """
    explicit = [s for s in run.series if s.key.quantity == Quantity.EPOCH_TIME]
    found = [d for d in (_from_values(s) for s in explicit) if d is not None and d.seconds.size >= min_units]
    if any(s.key.split in TRAIN_SPLITS for s in explicit):
        return found
    timed = _from_wall_time(run, min_units)
    return found + ([timed] if timed is not None else [])


def _from_values(series: Series) -> _Durations | None:
    """Durations from an explicit time column: per-epoch values, or a clock to difference."""
    keep = np.flatnonzero(np.isfinite(series.value) & (series.value >= 0))
    if keep.size < 2:
        return None
    values = series.value[keep]
    if _is_cumulative(values, named_duration=bool(_DURATION_NAME.search(series.raw_name))):
        return _from_clock(series, keep, values, _CLOCK_COLUMN)
    return _from_samples(series, keep, values)


def _is_cumulative(values: np.ndarray, *, named_duration: bool) -> bool:
    """Tell a clock column (seconds since start, or timestamps) from a column of durations.

    A clock never goes back, and each of its increments is one epoch's
    duration, so its first reading is about one epoch (at most
    :data:`_FIRST_EPOCH_ALLOWANCE` epochs with compilation and set-up, or 0
    when it starts at the first epoch's end). Per-epoch durations are not
    strictly increasing over four or more epochs unless they are slowing
    down, and then each epoch adds only a small fraction of the first one, so
    the first value is many increments large. Values beyond
    :data:`_TIMESTAMP_FLOOR` seconds cannot be one epoch: they are
    timestamps. A column whose name says it holds durations
    (``epoch_time``, ``duration``, ``eval_runtime``) is only taken for a
    clock when it holds timestamps: a noise-free slowdown that adds a tenth
    of the first epoch every epoch has the shape of a clock too.
    """
    if values.size < 4:
        return False
    increments = np.diff(values)
    if not bool((increments > 0).all()):
        return False
    if float(np.median(values)) >= _TIMESTAMP_FLOOR:
        return True
    if named_duration:
        return False
    return float(values[0]) <= _FIRST_EPOCH_ALLOWANCE * float(np.median(increments))


def _segments(series: Series, keep: np.ndarray, clock: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Where restarts begin new segments, and each point's position within its segment.

    A point starts a segment when it comes from another source file than the
    point before it or, given a ``clock``, when the clock went back (an equal
    reading is a coarse clock, not a restart).
    """
    n = keep.size
    new = np.zeros(n, dtype=bool)
    new[0] = True
    source = series.source_index[keep]
    new[1:] = source[1:] != source[:-1]
    if clock is not None:
        new[1:] |= ~(np.diff(clock) >= 0)
    index = np.arange(n)
    position = index - np.maximum.accumulate(np.where(new, index, 0))
    return new, position


def _from_samples(series: Series, keep: np.ndarray, values: np.ndarray) -> _Durations | None:
    """Explicit durations as they are, or per-epoch (or per-block) means when they are per step.

    A per-step time (``batch_time``) is noisy in ways an epoch is not: the
    first batch of every epoch waits for fresh loader workers, a garbage
    collection lands on one batch. So per-step times are averaged per epoch
    when epochs are known, else over blocks of at least
    :data:`_POINTS_PER_BLOCK` points.
    """
    steps, epochs = series.step[keep], series.epoch[keep]
    whole = _series.epoch_groups(epochs)
    if whole is not None:
        last = np.flatnonzero(np.append(whole[1:] != whole[:-1], True))
        starts = np.concatenate([[0], last[:-1] + 1])
        means = np.add.reduceat(values, starts) / np.diff(np.append(starts, values.size))
        return _Durations(
            series, _TIME_COLUMN, "epoch", means, steps[last], whole[last], keep[last], np.arange(last.size)
        )
    if values.size > _MAX_UNITS or _PER_STEP_NAME.search(series.raw_name):
        count = min(_BLOCKS, values.size // _POINTS_PER_BLOCK)
        if count < 2:
            return None
        edges = np.linspace(0, values.size, count + 1).astype(np.int64)
        means = np.add.reduceat(values, edges[:-1]) / np.diff(edges)
        last = edges[1:] - 1
        nowhere = np.full(count, np.nan)
        return _Durations(
            series, _TIME_COLUMN, "block", means, steps[last], nowhere, keep[last], np.arange(count)
        )
    spans = np.ones(values.size)
    boundaries = _scheduled_pauses(values, spans, steps)
    if boundaries is not None:
        return _cycles(series, _TIME_COLUMN, values, spans, keep, boundaries, 0)
    _, position = _segments(series, keep, None)
    unit = "epoch" if series.key.split in TRAIN_SPLITS else "evaluation"
    return _Durations(series, _TIME_COLUMN, unit, values, steps, epochs, keep, position)


def _from_clock(series: Series, keep: np.ndarray, clock: np.ndarray, origin: str) -> _Durations | None:
    """Durations as increments of a clock read at the points ``keep`` of ``series``."""
    new, position = _segments(series, keep, clock)
    whole = _series.epoch_groups(series.epoch[keep])
    if whole is not None:
        return _clock_per_epoch(series, keep, clock, origin, whole, new)
    units = ~new[1:]
    restarts = int(new[1:].sum())
    if not bool(units.any()):
        return None
    elapsed = np.diff(clock)[units]
    spans = np.diff(series.step[keep]).astype(np.float64)[units]
    ends = keep[1:][units]
    epochs = series.epoch[ends]
    one_per_epoch = bool(np.isfinite(epochs).all()) and bool((np.diff(series.epoch[keep]) == 1).all())
    boundaries = _scheduled_pauses(elapsed, spans, series.step[ends])
    if boundaries is not None:
        return _cycles(series, origin, elapsed, spans, ends, boundaries, restarts)
    if elapsed.size > _MAX_UNITS:
        return _blocks(series, origin, elapsed, spans, ends, restarts)
    seconds = elapsed * (float(np.median(spans)) / spans)
    unit = "epoch" if one_per_epoch else "interval"
    return _Durations(
        series, origin, unit, seconds, series.step[ends], epochs, ends, position[1:][units], restarts
    )


def _scheduled_pauses(elapsed: np.ndarray, spans: np.ndarray, steps: np.ndarray) -> np.ndarray | None:
    """Find the units that hold a recurring pause (evaluation, checkpoint); None if there is no schedule.

    A log read below the epoch level (every step, every k steps) has
    intervals that contain the evaluation or checkpoint a trainer runs every
    epoch or every N steps; those intervals are many times longer than the
    rest and would all look like stalls. The same holds one level up for a
    trainer that evaluates or checkpoints every few epochs. A pause is an interval that took at
    least :data:`_PAUSE_RATIO` times the median pace per step; their period
    is the median step gap between consecutive pauses (it must span at least
    two intervals). Walking the pauses in order, one closer than the period
    to the last scheduled pause is an extra (a possible stall, which then
    makes its cycle slow); the others are scheduled. When at least
    :data:`_MIN_SCHEDULED` scheduled pauses recur, most gaps within
    :data:`_PERIOD_TOLERANCE` of the period, they are the log's schedule and
    mark its cycles (its implicit epochs). Fewer or irregular pauses are left
    alone: they may be stalls.
    """
    pace = elapsed / spans
    typical = float(np.median(pace))
    if typical <= 0:
        return None
    candidates = np.flatnonzero(pace >= _PAUSE_RATIO * typical)
    if candidates.size < _MIN_SCHEDULED or candidates.size > elapsed.size // 2:
        return None
    period = float(np.median(np.diff(steps[candidates])))
    if period < 2 * float(np.median(spans)):
        return None
    chosen = [int(candidates[0])]
    for index in candidates[1:]:
        if steps[index] - steps[chosen[-1]] >= (1 - _PERIOD_TOLERANCE) * period:
            chosen.append(int(index))
    gaps = np.diff(steps[chosen]).astype(np.float64)
    regular = np.abs(gaps - period) <= _PERIOD_TOLERANCE * period
    if len(chosen) < _MIN_SCHEDULED or float(regular.mean()) < 1 - 2 * _PERIOD_TOLERANCE:
        return None
    return np.asarray(chosen)


def _cycles(
    series: Series,
    origin: str,
    elapsed: np.ndarray,
    spans: np.ndarray,
    ends: np.ndarray,
    boundaries: np.ndarray,
    restarts: int,
) -> _Durations:
    """Durations of the cycles between scheduled pauses, put on their median step span.

    A cycle runs from the end of one scheduled pause to the end of the next,
    so each holds exactly one pause; the stretch before the first pause is
    partial and left out.
    """
    elapsed_so_far = np.concatenate([[0.0], np.cumsum(elapsed)])
    steps_so_far = np.concatenate([[0.0], np.cumsum(spans)])
    seconds = np.diff(elapsed_so_far[boundaries + 1])
    cycle_spans = np.diff(steps_so_far[boundaries + 1])
    seconds = seconds * (float(np.median(cycle_spans)) / cycle_spans)
    last = ends[boundaries[1:]]
    return _Durations(
        series,
        origin,
        "cycle",
        seconds,
        series.step[last],
        np.full(seconds.size, np.nan),
        last,
        np.arange(1, seconds.size + 1),
        restarts,
    )


def _clock_per_epoch(
    series: Series, keep: np.ndarray, clock: np.ndarray, origin: str, whole: np.ndarray, new: np.ndarray
) -> _Durations | None:
    """Epoch durations from a clock read many times per epoch: the time between epoch ends."""
    last = np.flatnonzero(np.append(whole[1:] != whole[:-1], True))  # last point of each epoch
    restarts_so_far = np.cumsum(new)
    crossed = restarts_so_far[last[1:]] != restarts_so_far[last[:-1]]
    units = ~crossed
    if not bool(units.any()):
        return None
    ends = keep[last[1:]][units]
    return _Durations(
        series,
        origin,
        "epoch",
        np.diff(clock[last])[units],
        series.step[ends],
        whole[last[1:]][units],
        ends,
        np.arange(1, last.size)[units],
        int(crossed.sum()),
    )


def _blocks(
    series: Series, origin: str, elapsed: np.ndarray, spans: np.ndarray, ends: np.ndarray, restarts: int
) -> _Durations:
    """Sum a dense run of intervals into :data:`_BLOCKS` blocks, put on their median step span.

    Summing keeps every second (a stall inside a block still counts in full)
    while periodic pauses much more frequent than a block even out.
    """
    edges = np.linspace(0, elapsed.size, _BLOCKS + 1).astype(np.int64)
    totals = np.add.reduceat(elapsed, edges[:-1])
    block_spans = np.add.reduceat(spans, edges[:-1])
    totals = totals * (float(np.median(block_spans)) / block_spans)
    last = ends[edges[1:] - 1]
    return _Durations(
        series,
        origin,
        "block",
        totals,
        series.step[last],
        np.full(_BLOCKS, np.nan),
        last,
        np.arange(_BLOCKS),
        restarts,
    )


def _from_wall_time(run: Run, min_units: int) -> _Durations | None:
    """Durations between the log points of the sparsest adequately timed series."""
    candidates = []
    for series in run.series:
        timed = np.flatnonzero(np.isfinite(series.wall_time))
        if timed.size >= min_units + 1:
            preference = 0 if series.key.split in TRAIN_SPLITS else 1
            candidates.append((timed.size, preference, series.key, series, timed))
    if not candidates:
        return None
    _, _, _, series, timed = min(candidates, key=lambda c: c[:3])
    return _from_clock(series, timed, series.wall_time[timed], _WALL_TIME)


def _has_timing(run: Run) -> bool:
    """Whether the run has anything to derive durations from at all."""
    return any(
        s.key.quantity == Quantity.EPOCH_TIME or int(np.isfinite(s.wall_time).sum()) >= 2 for s in run.series
    )


# --------------------------------------------------------------------------------------------
# Detectors
# --------------------------------------------------------------------------------------------


def _analysable(run: Run, warmup_epochs: int, min_epochs: int) -> list[_Durations]:
    """Durations after warm-up with at least ``min_epochs`` units, or MissingInput saying why not."""
    found = _epoch_durations(run, min_epochs + warmup_epochs)
    usable = [d for d in (item.after_warmup(warmup_epochs) for item in found) if d.seconds.size >= min_epochs]
    if usable:
        return usable
    if not _has_timing(run):
        raise MissingInput("no epoch durations: no epoch-time column and no wall times to derive them from")
    raise MissingInput(
        f"too few epoch durations: at least {min_epochs} are needed after {warmup_epochs} warm-up epoch(s)"
    )


def slow_epochs(
    run: Run,
    *,
    warmup_epochs: int,
    min_epochs: int,
    min_z: float,
    familywise_alpha: float,
    min_ratio: float,
    min_lost_seconds: float,
) -> list[Evidence]:
    """Epochs that took far longer than the run's typical epoch (stalls, outliers).

    After dropping the first ``warmup_epochs`` epochs, an epoch is slow when
    all three hold: its robust score ``(d - median) / (1.4826 MAD)`` is at
    least ``max(min_z, z_fw)`` where ``z_fw`` keeps the chance of any false
    flag among the n epochs near ``familywise_alpha``; it took at least
    ``min_ratio`` times the median epoch; and it lost at least
    ``min_lost_seconds`` against the median. One evidence per durations
    source, locating the slowest epoch, with the total time lost.
    """
    evidence = []
    for durations in _analysable(run, warmup_epochs, min_epochs):
        found = _slow_units(durations, min_z, familywise_alpha, min_ratio, min_lost_seconds)
        if found is not None:
            evidence.append(found)
    return evidence


def _slow_units(
    durations: _Durations, min_z: float, familywise_alpha: float, min_ratio: float, min_lost_seconds: float
) -> Evidence | None:
    """Find the slow units of one durations series; None when there are none."""
    seconds = durations.seconds
    median = float(np.median(seconds))
    if median <= 0:
        return None
    sigma = max(_signal.mad_sigma(seconds), _RESOLUTION_FRACTION * median)
    threshold = _signal.familywise_z(seconds.size, familywise_alpha, floor=min_z)
    excess = seconds - median
    score = excess / sigma
    slow = np.flatnonzero(
        (score >= threshold) & (seconds >= min_ratio * median) & (excess >= min_lost_seconds)
    )
    if slow.size == 0:
        return None
    worst = int(slow[np.argmax(seconds[slow])])
    lost = float(excess[slow].sum())
    total = float(seconds.sum())
    return Evidence(
        metric=str(durations.series.key),
        start_step=int(durations.step[slow[0]]),
        end_step=int(durations.step[slow[-1]]),
        values={
            "slow_count": int(slow.size),
            "where": durations.labels(slow),
            "worst_at": durations.label(worst),
            "worst_seconds": float(seconds[worst]),
            "worst_ratio": float(seconds[worst] / median),
            "worst_score": float(score[worst]),
            "median_seconds": median,
            "lost_seconds": lost,
            "lost_percent": 100.0 * lost / total,
            "units_checked": int(seconds.size),
            "unit": durations.unit,
            "origin": durations.origin,
            "score_threshold": float(threshold),
            "restarts_excluded": durations.restarts,
        },
        point=int(durations.point[worst]),
    )


def epoch_slowdown(
    run: Run,
    *,
    warmup_epochs: int,
    min_epochs: int,
    alpha: float,
    min_ratio: float,
    min_lost_seconds: float,
) -> list[Evidence]:
    """Epochs that get progressively slower over the run.

    After dropping the first ``warmup_epochs`` epochs (and needing at least
    ``min_epochs``), fires when the Mann-Kendall test (Hamed-Rao corrected
    for autocorrelation) finds an increasing trend with p < ``alpha``, the
    median epoch of the last third took at least ``min_ratio`` times the
    median of the first third, and the Theil-Sen trend cost at least
    ``min_lost_seconds`` in total against the early pace (so one stall,
    which medians and ranks shrug off, cannot make a slowdown).
    """
    evidence = []
    for durations in _analysable(run, warmup_epochs, min_epochs):
        found = _slowdown(durations, alpha, min_ratio, min_lost_seconds)
        if found is not None:
            evidence.append(found)
    return evidence


def _slowdown(
    durations: _Durations, alpha: float, min_ratio: float, min_lost_seconds: float
) -> Evidence | None:
    """Test one durations series for a slowdown; None when it does not slow down."""
    seconds = durations.seconds
    n = seconds.size
    third = max(n // 3, 1)
    early = float(np.median(seconds[:third]))
    late = float(np.median(seconds[-third:]))
    if early <= 0 or late < min_ratio * early:
        return None
    result = _signal.trend(seconds)
    if result.p_increasing >= alpha or result.slope <= 0:
        return None
    lost = result.slope * n * (n - 1) / 2.0  # area between the Theil-Sen line and the early pace
    if lost < min_lost_seconds:
        return None
    onset = _onset(seconds, early * min_ratio)
    return Evidence(
        metric=str(durations.series.key),
        start_step=int(durations.step[onset]),
        end_step=int(durations.step[-1]),
        values={
            "early_seconds": early,
            "late_seconds": late,
            "ratio": late / early,
            "slope_seconds": result.slope,
            "p_value": result.p_increasing,
            "lost_seconds": lost,
            "lost_percent": 100.0 * lost / float(seconds.sum()),
            "onset_at": durations.label(onset),
            "first_at": durations.label(0),
            "last_at": durations.label(n - 1),
            "units_checked": int(n),
            "unit": durations.unit,
            "origin": durations.origin,
            "restarts_excluded": durations.restarts,
        },
        point=int(durations.point[onset]),
    )


def _onset(seconds: np.ndarray, level: float) -> int:
    """Index of the first unit whose rolling median (window 3) reaches ``level``; 0 if none does."""
    reached = np.flatnonzero(_signal.rolling_median(seconds, 3) >= level)
    return int(reached[0]) if reached.size else 0
