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
from dataclasses import dataclass

import numpy as np

from loganalyzer.detectors import _series, _signal
from loganalyzer.detectors._series import training_loss, validation_loss
from loganalyzer.model.finding import Evidence, MissingInput
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
    values: dict[str, str | int | float | bool | None] = {
        "step": int(series.step[first]),
        "epoch": _series.epoch_at(series, first),
        "kind": kind,
        "non_finite_points": int(np.count_nonzero(bad)),
        "points": len(series),
        "recovered": recovered,
        "last_finite_step": None,
        "last_finite_value": None,
        "best_value": None,
        "best_step": None,
        "rise_before": None,
    }
    finite_before = np.flatnonzero(~bad[:first])
    if finite_before.size:
        last = int(finite_before[-1])
        best = int(finite_before[np.argmin(value[finite_before])])
        values.update(
            last_finite_step=int(series.step[last]),
            last_finite_value=float(value[last]),
            best_value=float(value[best]),
            best_step=int(series.step[best]),
        )
        if float(value[best]) > 0:
            values["rise_before"] = float(value[last] / value[best])
    return Evidence(
        metric=str(series.key),
        start_step=int(series.step[first]),
        end_step=int(series.step[first] if recovered else series.step[-1]),
        values=values,
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


def _blow_up(y: np.ndarray, *, factor: float, rise_ratio: float, min_points: int) -> _BlowUp | None:
    """Find a peak ``factor`` above the level the run settles at, after which it never learns again.

    The settled level is the median of the second half of the run. After the
    peak, the run resumes at the first point below sqrt(``factor``) times
    the settled level. The blow-up is divergence when the run ended
    inside it, or when afterwards the loss neither falls by ``rise_ratio``
    (block medians at the start against the end of the remainder) nor goes
    back to within ``rise_ratio`` of its best level before the peak.
    """
    n = y.size
    settled = float(np.median(y[n // 2 :]))
    peak = int(np.argmax(y))
    if y[peak] - settled < math.log(factor):
        return None
    below = np.flatnonzero(y[peak + 1 :] < settled + 0.5 * math.log(factor))
    resume = peak + 1 + int(below[0]) if below.size else n
    after = y[resume:]
    if after.size == 0:
        # The run ended inside the blow-up: its final weights are the exploded ones.
        return _BlowUp(peak, resume, settled, float(y[peak])) if peak > 0 else None
    if after.size < min_points:
        return None
    blocks, _ = _blocks(after)
    if _level(blocks, head=True) - _level(blocks, head=False) >= math.log(rise_ratio):
        return None  # it learns again after the blow-up: a spike it survived
    settled_after = float(np.median(after))
    if peak > 0 and settled_after - float(np.min(_signal.rolling_median(y[:peak], 3))) < math.log(rise_ratio):
        return None  # back at the level it had before the peak: a transient spike
    return _BlowUp(peak, resume, settled_after, float(y[peak]))


def _positive_floor(values: np.ndarray) -> float:
    """Return a stand-in for exact zeros on a log scale: half the smallest positive value."""
    positive = values[values > 0]
    return float(positive.min()) / 2.0 if positive.size else 1.0


def _rise_evidence(series: Series, index: np.ndarray, positions: np.ndarray, rise: _Rise) -> Evidence:
    steps = series.step[index]
    best, peak = int(positions[rise.best]), int(positions[rise.peak])
    return Evidence(
        metric=str(series.key),
        start_step=int(steps[best]),
        end_step=int(steps[-1]),
        values={
            "pattern": "sustained-rise",
            "reference": "best level",
            "reference_value": _signal.exp(rise.best_level),
            "reference_step": int(steps[best]),
            "peak_value": float(series.value[index[peak]]),
            "peak_step": int(steps[peak]),
            "start_value": _signal.exp(rise.start_level),
            "end_value": _signal.exp(rise.end_level),
            "factor": _signal.exp(rise.end_level - rise.best_level),
            "giveback": rise.giveback if math.isfinite(rise.giveback) else None,
            "p_value": rise.p_value,
            "rise_z": rise.rise_z if math.isfinite(rise.rise_z) else None,
            "points_after": rise.points_after_best,
        },
        point=int(index[best]),
    )


def _blow_up_evidence(series: Series, index: np.ndarray, values: np.ndarray, blow: _BlowUp) -> Evidence:
    steps = series.step[index]
    return Evidence(
        metric=str(series.key),
        start_step=int(steps[blow.peak]),
        end_step=int(steps[-1]),
        values={
            "pattern": "blow-up",
            "reference": "settled level",
            "reference_value": _signal.exp(blow.settled_level),
            "reference_step": int(steps[min(blow.resume, steps.size - 1)]),
            "peak_value": float(values[blow.peak]),
            "peak_step": int(steps[blow.peak]),
            "start_value": float(values[0]),
            "end_value": float(np.median(values[-min(_LEVEL_POINTS, values.size) :])),
            "factor": _signal.exp(blow.peak_level - blow.settled_level),
            "giveback": None,
            "p_value": None,
            "rise_z": None,
            "points_after": int(values.size - blow.resume),
        },
        point=int(index[blow.peak]),
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
) -> list[Evidence]:
    """Find the training loss exploding: a rise that gives back real progress, or a dead blow-up.

    Sustained rise: on log-loss (block medians for long per-step logs), take
    the minimum of a 3-point rolling median; the points from there to the end
    (at least ``min_points``) must rise by Mann-Kendall (Hamed-Rao corrected)
    with one-sided p < ``alpha``, the end level (median of the last 3) must be
    at least ``rise_ratio`` times the best level and ``noise_multiple`` noise
    sigmas above it (the minimum of a noisy curve is biased low), and the
    rise must give back at least ``min_giveback`` of the reduction achieved
    from the start level (median of the first 3). The last condition
    separates divergence from the harmless multiplicative wobble of a loss
    already a thousand times below where it began.

    Blow-up: the loss peaks at least ``blowup_factor`` times above the level
    the run settles at -- often the very first logged value, when the
    explosion happened inside epoch 0 -- and afterwards the network neither
    learns again nor returns to its level before the peak (see
    :func:`_blow_up`). A healthy run that falls a thousandfold keeps falling
    after its first point, so it never matches.
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
    blow = _blow_up(y, factor=blowup_factor, rise_ratio=rise_ratio, min_points=min_points)
    return [] if blow is None else [_blow_up_evidence(series, index, values, blow)]
