"""How long each epoch of a run took, from whatever timing its log holds.

Sources, in order of preference: an explicit per-epoch time column
(``epoch_time``, ``time_sec``, ``*_runtime``), a cumulative clock column
(Ultralytics' ``time``: seconds since start, differenced), per-step times
(summed per epoch or per block), and otherwise the wall times of the log's
sparsest epoch- or evaluation-level series. Intervals that span a restart
(the clock going backwards, another source file) are left out, and the
warm-up exclusion starts again after each restart. Scheduled pauses that recur
at a regular period (evaluation, checkpointing) are folded into cycles so that
only irregular stalls stand out. See :func:`epoch_durations`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from loganalyzer.detectors import _series
from loganalyzer.detectors._series import TRAIN_SPLITS
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
RESOLUTION_FRACTION = 0.01


#: At most this many slow epochs are listed by location in the evidence.
_LISTED = 10

#: How durations were obtained, as shown in messages.
TIME_COLUMN = "time column"
CLOCK_COLUMN = "cumulative clock column"
WALL_TIME = "wall time between log points"


@dataclass(frozen=True)
class Durations:
    """Wall-clock duration of each unit of work of a run, in seconds.

    ``series`` is the series the durations were derived from (its key is the
    evidence's metric); ``origin`` says how (one of the ``TIME_COLUMN``,
    ``CLOCK_COLUMN``, ``WALL_TIME`` labels); ``unit`` names one unit
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

    def after_warmup(self, warmup: int) -> Durations:
        """Keep the units that end after the first ``warmup`` epochs of their segment."""
        keep = self.ordinal >= warmup
        return Durations(
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


def epoch_durations(run: Run, min_units: int) -> list[Durations]:
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
    # Which time columns are clocks was decided from the data when the run was read.
    clocks = run.metadata.get("cumulative_time_columns")
    found = [
        d
        for d in (_from_values(s, None if clocks is None else s.raw_name in clocks) for s in explicit)
        if d is not None and d.seconds.size >= min_units
    ]
    if any(s.key.split in TRAIN_SPLITS for s in explicit):
        return found
    timed = _from_wall_time(run, min_units)
    return found + ([timed] if timed is not None else [])


def _from_values(series: Series, is_clock: bool | None = None) -> Durations | None:
    """Durations from an explicit time column: per-epoch values, or a clock to difference.

    ``is_clock`` is ingest's verdict (``loganalyzer.ingest.timecolumns``); a run
    built without one falls back to :func:`_is_cumulative`.
    """
    keep = np.flatnonzero(np.isfinite(series.value) & (series.value >= 0))
    if keep.size < 2:
        return None
    values = series.value[keep]
    if is_clock is None:
        is_clock = _is_cumulative(values, named_duration=bool(_DURATION_NAME.search(series.raw_name)))
    if is_clock:
        return _from_clock(series, keep, values, CLOCK_COLUMN)
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


def _from_samples(series: Series, keep: np.ndarray, values: np.ndarray) -> Durations | None:
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
        return Durations(
            series, TIME_COLUMN, "epoch", means, steps[last], whole[last], keep[last], np.arange(last.size)
        )
    if values.size > _MAX_UNITS or _PER_STEP_NAME.search(series.raw_name):
        count = min(_BLOCKS, values.size // _POINTS_PER_BLOCK)
        if count < 2:
            return None
        edges = np.linspace(0, values.size, count + 1).astype(np.int64)
        means = np.add.reduceat(values, edges[:-1]) / np.diff(edges)
        last = edges[1:] - 1
        nowhere = np.full(count, np.nan)
        return Durations(
            series, TIME_COLUMN, "block", means, steps[last], nowhere, keep[last], np.arange(count)
        )
    spans = np.ones(values.size)
    boundaries = _scheduled_pauses(values, spans, steps)
    if boundaries is not None:
        return _cycles(series, TIME_COLUMN, values, spans, keep, boundaries, 0)
    _, position = _segments(series, keep, None)
    unit = "epoch" if series.key.split in TRAIN_SPLITS else "evaluation"
    return Durations(series, TIME_COLUMN, unit, values, steps, epochs, keep, position)


def _from_clock(series: Series, keep: np.ndarray, clock: np.ndarray, origin: str) -> Durations | None:
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
    return Durations(
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
) -> Durations:
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
    return Durations(
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
) -> Durations | None:
    """Epoch durations from a clock read many times per epoch: the time between epoch ends."""
    last = np.flatnonzero(np.append(whole[1:] != whole[:-1], True))  # last point of each epoch
    restarts_so_far = np.cumsum(new)
    crossed = restarts_so_far[last[1:]] != restarts_so_far[last[:-1]]
    units = ~crossed
    if not bool(units.any()):
        return None
    ends = keep[last[1:]][units]
    return Durations(
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
) -> Durations:
    """Sum a dense run of intervals into :data:`_BLOCKS` blocks, put on their median step span.

    Summing keeps every second (a stall inside a block still counts in full)
    while periodic pauses much more frequent than a block even out.
    """
    edges = np.linspace(0, elapsed.size, _BLOCKS + 1).astype(np.int64)
    totals = np.add.reduceat(elapsed, edges[:-1])
    block_spans = np.add.reduceat(spans, edges[:-1])
    totals = totals * (float(np.median(block_spans)) / block_spans)
    last = ends[edges[1:] - 1]
    return Durations(
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


def _from_wall_time(run: Run, min_units: int) -> Durations | None:
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
    return _from_clock(series, timed, series.wall_time[timed], WALL_TIME)


def has_timing(run: Run) -> bool:
    """Whether the run has anything to derive durations from at all."""
    return any(
        s.key.quantity == Quantity.EPOCH_TIME or int(np.isfinite(s.wall_time).sum()) >= 2 for s in run.series
    )
