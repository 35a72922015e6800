"""Divergence: a non-finite loss, or the training loss itself blowing up.

* a **non-finite loss** (NaN or +-inf) is divergence with certainty: every
  later update is poisoned; see :func:`non_finite_loss`;
* an **explosion** is the training loss blowing up and not coming back: a
  significant sustained rise that gives back a real part of what the run had
  learned, or a blow-up by orders of magnitude after which the network never
  learns again; see :func:`loss_explosion`.

Ratios are taken on log-loss, so scaling a loss changes no verdict. Only the
training loss can diverge in this sense: a validation loss that rises while
the training loss keeps falling is overfitting, which another rule owns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from loganalyzer.detectors import _series, _signal
from loganalyzer.detectors._series import training_loss, validation_loss
from loganalyzer.model.finding import Evidence, MissingInput, evidence_values
from loganalyzer.model.run import Run, Series

#: Long series are reduced to this many block medians before the trend tests of
#: :func:`loss_explosion`: divergence spans many logged points, and block medians also take the
#: minibatch noise (and isolated spikes) out of per-step logs.
_EXPLOSION_BLOCKS = 200

#: Levels at the start and end of a curve are medians of this many points (robust to one outlier).
_LEVEL_POINTS = 3


# --------------------------------------------------------------------------------------------
# DV001 non-finite loss
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NonFiniteLossEvidence:
    """What DV001 measured: the first non-finite point and what led up to it.

    ``kind`` is ``nan``, ``inf`` or ``-inf``; ``recovered`` says whether the
    loss was finite again later; the ``last_finite_*``, ``best_*`` and
    ``rise_before`` (last finite over best) keys are None when the very first
    point is already non-finite.
    """

    step: int
    epoch: float | None
    kind: str
    non_finite_points: int
    points: int
    recovered: bool
    last_finite_step: int | None = None
    last_finite_value: float | None = None
    best_value: float | None = None
    best_step: int | None = None
    rise_before: float | None = None


def _non_finite_evidence(series: Series) -> Evidence | None:
    """Describe the first non-finite point of ``series`` and what led up to it (None if all finite)."""
    value = series.value
    bad = ~np.isfinite(value)
    if not bad.any():
        return None
    first = int(np.argmax(bad))
    first_value = float(value[first])
    kind = "nan" if math.isnan(first_value) else ("inf" if first_value > 0 else "-inf")
    recovered = bool(np.isfinite(value[first:]).any())
    measured = NonFiniteLossEvidence(
        step=int(series.step[first]),
        epoch=_series.epoch_at(series, first),
        kind=kind,
        non_finite_points=int(np.count_nonzero(bad)),
        points=len(series),
        recovered=recovered,
    )
    finite_before = np.flatnonzero(~bad[:first])
    if finite_before.size:
        last = int(finite_before[-1])
        best = int(finite_before[np.argmin(value[finite_before])])
        measured = replace(
            measured,
            last_finite_step=int(series.step[last]),
            last_finite_value=float(value[last]),
            best_value=float(value[best]),
            best_step=int(series.step[best]),
            rise_before=float(value[last] / value[best]) if float(value[best]) > 0 else None,
        )
    return Evidence(
        metric=str(series.key),
        start_step=int(series.step[first]),
        end_step=int(series.step[first] if recovered else series.step[-1]),
        values=evidence_values(measured),
        point=first,
    )


def non_finite_loss(run: Run, *, include_validation: bool) -> list[Evidence]:
    """Report the first NaN or infinite value of the training loss (and of the validation loss).

    A non-finite loss means non-finite gradients: from that step on the
    weights are garbage (or a loss scaler skips every step), so this is
    divergence with certainty. The evidence names the first bad step, how
    many points are bad, whether the loss ever became finite again, and the
    last finite value against the best one (how far it had climbed before).
    With ``include_validation`` a non-finite validation loss is reported too:
    a model whose outputs overflow on held-out data has diverged numerically
    even when the training average still looks finite.
    """
    candidates = [training_loss(run)]
    if include_validation:
        candidates.append(validation_loss(run))
    present = [series for series in candidates if series is not None and len(series) > 0]
    if not present:
        raise MissingInput("the run has no loss series")
    found = (_non_finite_evidence(series) for series in present)
    return [evidence for evidence in found if evidence is not None]


# --------------------------------------------------------------------------------------------
# DV002 loss explosion
# --------------------------------------------------------------------------------------------


def _blocks(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Reduce a long series to block medians; return them with each block's first index."""
    medians, last = _signal.block_medians(y, _EXPLOSION_BLOCKS)
    return medians, np.concatenate([[0], last[:-1] + 1]) if last.size else last


def _level(y: np.ndarray, *, head: bool) -> float:
    """Return the median of the first (``head``) or last few points of ``y``."""
    k = min(_LEVEL_POINTS, y.size)
    return float(np.median(y[:k] if head else y[-k:]))


@dataclass(frozen=True)
class _Rise:
    """A curve's rise from its smoothed minimum to its end (log levels, block indices)."""

    best: int
    peak: int
    start_level: float
    best_level: float
    end_level: float
    giveback: float
    p_value: float
    noise: float
    points_after_best: int

    @property
    def rise_z(self) -> float:
        """The rise from the best level to the end level in noise sigmas of a level difference."""
        return (self.end_level - self.best_level) / self.noise if self.noise > 0 else math.inf


def _sustained_rise(y: np.ndarray, *, min_points: int) -> _Rise | None:
    """Measure how a (block-median) log-loss curve rises after its smoothed minimum."""
    smooth = _signal.rolling_median(y, 3)
    best = int(np.argmin(smooth))
    # The minimum itself is the lowest point by construction; testing the trend from it would count
    # every later point as a rise. The test starts just after it.
    after = y[best + 1 :]
    if after.size < min_points:
        return None
    start_level, end_level, best_level = _level(y, head=True), _level(y, head=False), float(smooth[best])
    start, lowest, end = _signal.exp(start_level), _signal.exp(best_level), _signal.exp(end_level)
    giveback = (end - lowest) / (start - lowest) if start > lowest else math.inf
    return _Rise(
        best=best,
        peak=best + 1 + int(np.argmax(after)),
        start_level=start_level,
        best_level=best_level,
        end_level=end_level,
        giveback=giveback,
        p_value=_signal.trend(after).p_increasing,
        # Both levels are medians of 3 points, each with variance ~ (pi / 6) sigma^2.
        noise=_signal.noise_sigma(y) * math.sqrt(math.pi / 3.0),
        points_after_best=int(after.size),
    )


@dataclass(frozen=True)
class _BlowUp:
    """A blow-up the run never learned its way out of (log levels, point indices)."""

    peak: int
    resume: int
    settled_level: float
    peak_level: float


def _blow_up(
    y: np.ndarray, *, factor: float, rise_ratio: float, min_points: int, alpha: float
) -> _BlowUp | None:
    """Find a peak ``factor`` above the level the run settles at, after which it never learns again.

    An explosion is a rise above what the run had already reached: a later
    peak must stand ``factor`` above the lowest 3-point median before it. The
    first point has nothing before it, so it counts only as the average of an
    epoch that exploded inside itself and killed the network: the very next
    point is already at the settled level and the rest shows no downward
    trend (Mann-Kendall at ``alpha``). A curve that falls over several points
    is learning, however far it fell.

    The settled level is the median of the second half; after the peak the
    run resumes at the first point below sqrt(``factor``) times it. It is
    divergence when the run ended inside the blow-up, or when afterwards the
    loss neither falls by ``rise_ratio`` nor goes back to within
    ``rise_ratio`` of its best level before the peak.
    """
    n = y.size
    settled = float(np.median(y[n // 2 :]))
    peak = int(np.argmax(y))
    if y[peak] - settled < math.log(factor):
        return None
    reached = float(np.min(_signal.rolling_median(y[:peak], 3))) if peak > 0 else math.inf
    if peak > 0 and y[peak] - reached < math.log(factor):
        return None
    below = np.flatnonzero(y[peak + 1 :] < settled + 0.5 * math.log(factor))
    resume = peak + 1 + int(below[0]) if below.size else n
    after = y[resume:]
    if after.size == 0:
        # The run ended inside the blow-up: its final weights are the exploded ones.
        return _BlowUp(peak, resume, settled, float(y[peak])) if peak > 0 else None
    if after.size < min_points:
        return None
    if peak == 0 and (resume != 1 or _signal.trend(after).p_decreasing < alpha):
        return None  # a first point the curve fell from over several points, or kept falling from
    blocks, _ = _blocks(after)
    if _level(blocks, head=True) - _level(blocks, head=False) >= math.log(rise_ratio):
        return None  # it learns again after the blow-up: a spike it survived
    settled_after = float(np.median(after))
    if peak > 0 and settled_after - reached < math.log(rise_ratio):
        return None  # back at the level it had before the peak: a transient spike
    return _BlowUp(peak, resume, settled_after, float(y[peak]))


@dataclass(frozen=True)
class _Shift:
    """A jump of the level that never came back (block indices, log levels)."""

    onset: int
    best: int
    before_level: float
    lasting_level: float
    start_level: float
    noise: float

    @property
    def giveback(self) -> float:
        """Share of the reduction from the start to the best level that the lasting level gives back."""
        start, lowest, lasting = (
            _signal.exp(v) for v in (self.start_level, self.before_level, self.lasting_level)
        )
        return (lasting - lowest) / (start - lowest) if start > lowest else math.inf

    @property
    def shift_z(self) -> float:
        """The lasting jump in noise sigmas of a difference of two 3-point medians."""
        return (self.lasting_level - self.before_level) / self.noise if self.noise > 0 else math.inf


def _level_shift(y: np.ndarray, *, min_points: int) -> _Shift | None:
    """Find where the level jumped to a value the rest of the run never came back below.

    With ``s`` the 3-point rolling median, the shift at block t is the lowest
    ``s`` from t on minus the lowest ``s`` before t: positive only when the
    whole remainder stays above everything the run had reached before. Its
    size is measured with the median of the remainder (the lasting level),
    since the lowest of many noisy points sits low by chance.
    """
    n = y.size
    if n < min_points + 2:
        return None
    smooth = _signal.rolling_median(y, 3)
    best_before = np.minimum.accumulate(smooth)[:-1]
    floor_after = np.minimum.accumulate(smooth[::-1])[::-1][1:]
    shift = floor_after - best_before
    shift[n - 1 - min_points + 1 :] = -np.inf  # too few points after the onset to call it lasting
    largest = float(np.max(shift))
    if not largest > 0:
        return None
    # The end of a run holds few points, so its floor sits a little higher by chance: the onset is
    # the first block from which the lasting jump is at least half (in log) of its largest value.
    onset = 1 + int(np.argmax(shift >= 0.5 * largest))
    best = int(np.argmin(smooth[:onset]))
    return _Shift(
        onset=onset,
        best=best,
        before_level=float(smooth[best]),
        lasting_level=float(np.median(y[onset:])),
        start_level=_level(y, head=True),
        noise=_signal.noise_sigma(y) * math.sqrt(math.pi / 3.0),
    )


def _positive_floor(values: np.ndarray) -> float:
    """Return a stand-in for exact zeros on a log scale: half the smallest positive value."""
    positive = values[values > 0]
    return float(positive.min()) / 2.0 if positive.size else 1.0


@dataclass(frozen=True)
class LossExplosionEvidence:
    """What DV002 measured: the pattern, the reference level it is measured from, and the damage.

    ``pattern`` is ``sustained-rise``, ``level-shift`` or ``blow-up``;
    ``reference`` names the level the headline ``factor`` is measured from
    (``best level``, ``level before``, ``settled level``), with its value and
    step; ``peak_*``, ``start_value`` and ``end_value`` describe the curve;
    ``giveback`` is the share of the achieved reduction given back,
    ``p_value`` the trend test's and ``rise_z`` the rise in noise sigmas
    (None where the pattern has none); ``points_after`` counts the points
    after the onset.
    """

    pattern: str
    reference: str
    reference_value: float
    reference_step: int
    peak_value: float
    peak_step: int
    start_value: float
    end_value: float
    factor: float
    giveback: float | None
    p_value: float | None
    rise_z: float | None
    points_after: int


def _finite_or_none(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _rise_evidence(series: Series, index: np.ndarray, positions: np.ndarray, rise: _Rise) -> Evidence:
    steps = series.step[index]
    best, peak = int(positions[rise.best]), int(positions[rise.peak])
    measured = LossExplosionEvidence(
        pattern="sustained-rise",
        reference="best level",
        reference_value=_signal.exp(rise.best_level),
        reference_step=int(steps[best]),
        peak_value=float(series.value[index[peak]]),
        peak_step=int(steps[peak]),
        start_value=_signal.exp(rise.start_level),
        end_value=_signal.exp(rise.end_level),
        factor=_signal.exp(rise.end_level - rise.best_level),
        giveback=_finite_or_none(rise.giveback),
        p_value=rise.p_value,
        rise_z=_finite_or_none(rise.rise_z),
        points_after=rise.points_after_best,
    )
    return Evidence(
        str(series.key), int(steps[best]), int(steps[-1]), evidence_values(measured), int(index[best])
    )


def _shift_evidence(
    series: Series, index: np.ndarray, values: np.ndarray, positions: np.ndarray, shift: _Shift
) -> Evidence:
    steps = series.step[index]
    # The onset in points: the first point of the first block whose level never came back.
    onset = int(positions[shift.onset])
    best = int(positions[shift.best])
    peak = onset + int(np.argmax(values[onset:]))
    measured = LossExplosionEvidence(
        pattern="level-shift",
        reference="level before",
        reference_value=_signal.exp(shift.before_level),
        reference_step=int(steps[best]),
        peak_value=float(values[peak]),
        peak_step=int(steps[peak]),
        start_value=_signal.exp(shift.start_level),
        end_value=_level(values, head=False),
        factor=_signal.exp(shift.lasting_level - shift.before_level),
        giveback=_finite_or_none(shift.giveback),
        p_value=None,
        rise_z=_finite_or_none(shift.shift_z),
        points_after=int(values.size - onset),
    )
    return Evidence(
        str(series.key), int(steps[onset]), int(steps[-1]), evidence_values(measured), int(index[onset])
    )


def _blow_up_evidence(series: Series, index: np.ndarray, values: np.ndarray, blow: _BlowUp) -> Evidence:
    steps = series.step[index]
    measured = LossExplosionEvidence(
        pattern="blow-up",
        reference="settled level",
        reference_value=_signal.exp(blow.settled_level),
        reference_step=int(steps[min(blow.resume, steps.size - 1)]),
        peak_value=float(values[blow.peak]),
        peak_step=int(steps[blow.peak]),
        start_value=float(values[0]),
        end_value=_level(values, head=False),
        factor=_signal.exp(blow.peak_level - blow.settled_level),
        giveback=None,
        p_value=None,
        rise_z=None,
        points_after=int(values.size - blow.resume),
    )
    return Evidence(
        str(series.key),
        int(steps[blow.peak]),
        int(steps[-1]),
        evidence_values(measured),
        int(index[blow.peak]),
    )


def loss_explosion(
    run: Run,
    *,
    alpha: float,
    min_points: int,
    rise_ratio: float,
    min_giveback: float,
    noise_multiple: float,
    blowup_factor: float,
    shift_ratio: float,
) -> list[Evidence]:
    """Find the training loss exploding and not coming back, as one finding with its onset.

    Three shapes, one size rule: a trend that gives back real progress, a
    jump to a level a large multiple (``shift_ratio``) above anything the
    run had reached, which it never comes back from, and a dead blow-up.
    Each must be a rise above what the run had already reached, far beyond
    the curve's noise and a real share of what it had learned; a spike the
    run recovers from is LS001's. How it detects: ``rules/DV002.toml``.
    """
    series = _series.require_training_loss(run)
    index, values = _series.finite_positive(series)
    if values.size < max(4, min_points):
        raise MissingInput(f"{series.raw_name} has {values.size} finite points; explosion needs {min_points}")
    y = np.log(np.maximum(values, _positive_floor(values)))
    blocks, positions = _blocks(y)
    rise = _sustained_rise(blocks, min_points=min_points)
    if (
        rise is not None
        and rise.p_value < alpha
        and rise.end_level - rise.best_level >= math.log(rise_ratio)
        and rise.giveback >= min_giveback
        and rise.rise_z >= noise_multiple
    ):
        return [_rise_evidence(series, index, positions, rise)]
    blow = _blow_up(y, factor=blowup_factor, rise_ratio=rise_ratio, min_points=min_points, alpha=alpha)
    if blow is not None:
        return [_blow_up_evidence(series, index, values, blow)]
    shift = _level_shift(blocks, min_points=min_points)
    if (
        shift is not None
        and shift.lasting_level - shift.before_level >= math.log(max(rise_ratio, shift_ratio))
        and shift.giveback >= min_giveback
        and shift.shift_z >= noise_multiple
    ):
        return [_shift_evidence(series, index, values, positions, shift)]
    return []
