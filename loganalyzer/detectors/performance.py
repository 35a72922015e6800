"""Slow epochs and progressive slowdown, from how long each epoch took.

Two questions about a finished run's timing, answered from one derived series
of epoch durations (see :func:`loganalyzer.detectors._durations.epoch_durations`):

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

from dataclasses import dataclass

import numpy as np

from loganalyzer.detectors import _durations, _signal
from loganalyzer.detectors._durations import Durations, epoch_durations, has_timing
from loganalyzer.model.finding import Evidence, MissingInput, evidence_values
from loganalyzer.model.run import Run


@dataclass(frozen=True)
class SlowEpochsEvidence:
    """What SE001 measured on one durations series (seconds unless named otherwise).

    ``where`` lists the slow units, ``worst_*`` describe the slowest one,
    ``lost_seconds`` is the time all of them took beyond the median and
    ``lost_percent`` its share of ``measured_seconds`` (every unit checked).
    """

    slow_count: int
    where: str
    worst_at: str
    worst_seconds: float
    worst_ratio: float
    worst_score: float
    median_seconds: float
    lost_seconds: float
    lost_percent: float
    measured_seconds: float
    units_checked: int
    unit: str
    origin: str
    score_threshold: float
    restarts_excluded: int


@dataclass(frozen=True)
class EpochSlowdownEvidence:
    """What SE002 measured on one durations series (seconds unless named otherwise).

    ``early_seconds``/``late_seconds`` are the median unit of the first and
    last third; ``lost_seconds`` is the area between the Theil-Sen line and
    the early pace, ``lost_percent`` its share of ``measured_seconds``.
    """

    early_seconds: float
    late_seconds: float
    ratio: float
    slope_seconds: float
    p_value: float
    lost_seconds: float
    lost_percent: float
    measured_seconds: float
    onset_at: str
    first_at: str
    last_at: str
    units_checked: int
    unit: str
    origin: str
    restarts_excluded: int


def _worth_reporting(lost: float, measured: float, min_lost_seconds: float, min_lost_share: float) -> bool:
    """The practical floor shared by SE001 and SE002: enough time lost, absolutely and as a share.

    Both must hold: seconds alone would flag a 200-epoch run for one epoch
    that was half an epoch late; a share alone would flag a toy run that
    lost two seconds.
    """
    return lost >= min_lost_seconds and lost >= min_lost_share * measured


# --------------------------------------------------------------------------------------------
# Detectors
# --------------------------------------------------------------------------------------------


def _analysable(run: Run, warmup_epochs: int, min_epochs: int) -> list[Durations]:
    """Durations after warm-up with at least ``min_epochs`` units, or MissingInput saying why not."""
    found = epoch_durations(run, min_epochs + warmup_epochs)
    usable = [d for d in (item.after_warmup(warmup_epochs) for item in found) if d.seconds.size >= min_epochs]
    if usable:
        return usable
    if not has_timing(run):
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
    min_total_lost_seconds: float,
    min_lost_share: float,
) -> list[Evidence]:
    """Epochs that took far longer than the run's typical epoch (stalls, outliers).

    After dropping the first ``warmup_epochs`` epochs, an epoch is slow when
    all three hold: its robust score ``(d - median) / (1.4826 MAD)`` is at
    least ``max(min_z, z_fw)`` where ``z_fw`` keeps the chance of any false
    flag among the n epochs near ``familywise_alpha``; it took at least
    ``min_ratio`` times the median epoch; and it lost at least
    ``min_lost_seconds`` against the median. Reported only when all slow
    epochs together lost at least ``min_total_lost_seconds`` and
    ``min_lost_share`` of the measured time. One evidence per durations source, locating the
    slowest epoch, with the total time lost.
    """
    evidence = []
    for durations in _analysable(run, warmup_epochs, min_epochs):
        found = _slow_units(
            durations,
            min_z,
            familywise_alpha,
            min_ratio,
            min_lost_seconds,
            (min_total_lost_seconds, min_lost_share),
        )
        if found is not None:
            evidence.append(found)
    return evidence


def _slow_units(
    durations: Durations,
    min_z: float,
    familywise_alpha: float,
    min_ratio: float,
    min_lost_seconds: float,
    floor: tuple[float, float],
) -> Evidence | None:
    """Find the slow units of one durations series; None when there are none."""
    seconds = durations.seconds
    median = float(np.median(seconds))
    if median <= 0:
        return None
    sigma = max(_signal.mad_sigma(seconds), _durations.RESOLUTION_FRACTION * median)
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
    if not _worth_reporting(lost, total, *floor):
        return None
    measured = SlowEpochsEvidence(
        slow_count=int(slow.size),
        where=durations.labels(slow),
        worst_at=durations.label(worst),
        worst_seconds=float(seconds[worst]),
        worst_ratio=float(seconds[worst] / median),
        worst_score=float(score[worst]),
        median_seconds=median,
        lost_seconds=lost,
        lost_percent=100.0 * lost / total,
        measured_seconds=total,
        units_checked=int(seconds.size),
        unit=durations.unit,
        origin=durations.origin,
        score_threshold=float(threshold),
        restarts_excluded=durations.restarts,
    )
    return Evidence(
        metric=str(durations.series.key),
        start_step=int(durations.step[slow[0]]),
        end_step=int(durations.step[slow[-1]]),
        values=evidence_values(measured),
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
    min_lost_share: float,
) -> list[Evidence]:
    """Epochs that get progressively slower over the run.

    After dropping the first ``warmup_epochs`` epochs (and needing at least
    ``min_epochs``), fires when the Mann-Kendall test (Hamed-Rao corrected
    for autocorrelation) finds an increasing trend with p < ``alpha``, the
    median epoch of the last third took at least ``min_ratio`` times the
    median of the first third, and the Theil-Sen trend cost at least
    ``min_lost_seconds`` and ``min_lost_share`` of the measured time in total
    against the early pace (so one stall, which medians and ranks shrug off,
    cannot make a slowdown, and milliseconds of jitter are not a finding).
    """
    evidence = []
    for durations in _analysable(run, warmup_epochs, min_epochs):
        found = _slowdown(durations, alpha, min_ratio, min_lost_seconds, min_lost_share)
        if found is not None:
            evidence.append(found)
    return evidence


def _slowdown(
    durations: Durations, alpha: float, min_ratio: float, min_lost_seconds: float, min_lost_share: float
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
    total = float(seconds.sum())
    if not _worth_reporting(lost, total, min_lost_seconds, min_lost_share):
        return None
    onset = _onset(seconds, early * min_ratio)
    measured = EpochSlowdownEvidence(
        early_seconds=early,
        late_seconds=late,
        ratio=late / early,
        slope_seconds=result.slope,
        p_value=result.p_increasing,
        lost_seconds=lost,
        lost_percent=100.0 * lost / total,
        measured_seconds=total,
        onset_at=durations.label(onset),
        first_at=durations.label(0),
        last_at=durations.label(n - 1),
        units_checked=int(n),
        unit=durations.unit,
        origin=durations.origin,
        restarts_excluded=durations.restarts,
    )
    return Evidence(
        metric=str(durations.series.key),
        start_step=int(durations.step[onset]),
        end_step=int(durations.step[-1]),
        values=evidence_values(measured),
        point=int(durations.point[onset]),
    )


def _onset(seconds: np.ndarray, level: float) -> int:
    """Index of the first unit whose rolling median (window 3) reaches ``level``; 0 if none does."""
    reached = np.flatnonzero(_signal.rolling_median(seconds, 3) >= level)
    return int(reached[0]) if reached.size else 0
