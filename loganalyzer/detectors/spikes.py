"""Loss spikes: transient, multiplicative jumps far outside a curve's own noise.

A **spike** is a jump after which training carries on (a corrupted batch, a
sharp region hit with too high a learning rate): :func:`loss_spike` looks at
the training loss, :func:`validation_loss_spike` at evaluations. Everything is
done on log-loss, so scaling a loss by a constant (a sum instead of a mean,
another reduction) changes no verdict, and every point is compared with the
level on *both* sides of it, so a rise that does not come back (divergence,
overfitting: other rules) is never a spike.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from loganalyzer.detectors import _series, _signal
from loganalyzer.detectors._series import Located, validation_loss
from loganalyzer.model.finding import Evidence, MissingInput
from loganalyzer.model.run import Run, Series

#: A spike has recovered once the loss is back within this many noise sigmas of its level before.
_RECOVERY_SIGMAS = 2.0

#: The local noise of a point is measured over at least this many points on each side; fewer make
#: the robust scale itself too noisy (it can collapse by chance on a short stretch of similar values).
_NOISE_HALF_WINDOW = 50

#: Windowed medians are computed at every point up to this many window values in all (n x width),
#: and at strided anchors with interpolation beyond that.
_EXACT_WINDOW_WORK = 4_000_000


def _common_zeros(n: int) -> int:
    """Return how many exact zeros a loss may have before zero counts as one of its normal values.

    One in a hundred points: a corrupted batch now and then may collapse to
    zero, but a hinge, margin or masked loss that is zero on more points than
    that is simply often zero, and ratios to its level mean nothing.
    """
    return max(1, n // 100)


def _log(values: np.ndarray) -> np.ndarray:
    """Take the natural log, mapping exact zeros to -inf without a warning."""
    with np.errstate(divide="ignore"):
        logged: np.ndarray = np.log(values)
    return logged


def _quantum(values: np.ndarray) -> float:
    """Estimate the resolution the values were logged with (0.0 when they look continuous).

    Logs rounded to a few decimals (``0.0002``, ``0.0003``) move in fixed
    steps; near the floor of such a log a one-step change is a large ratio.
    The smallest gap between distinct values estimates the step, and it only
    counts when the values really sit on a grid (few distinct values).
    """
    positive = values[np.isfinite(values) & (values > 0)]
    if positive.size < 10:
        return 0.0
    distinct = np.unique(positive)
    if distinct.size > positive.size // 2:
        return 0.0
    gaps = np.diff(distinct)
    gaps = gaps[gaps > 1e-12 * float(distinct[-1])]
    return float(gaps.min()) if gaps.size else 0.0


# --------------------------------------------------------------------------------------------
# LS001 / LS002 loss spikes
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _JumpEvidence:
    """What the jump rules measure for one event: the keys their message templates may name.

    ``step``/``epoch`` locate the peak; ``value`` is the loss there and
    ``baseline`` the level before it, ``ratio`` their quotient and
    ``excess_ratio`` the factor beyond the levels on both sides (above the
    higher for a spike, below the lower for a drop);
    ``z`` and ``threshold_z`` are the robust score and the bar it cleared;
    ``points`` is the length of the event, ``recovered``/``recovery_steps``
    whether and when the loss came back; ``events`` counts every event in the
    run and ``window`` is the level window used (1 for a single-neighbour jump).
    """

    step: int
    epoch: float | None
    value: float
    baseline: float
    ratio: float
    excess_ratio: float
    z: float | None
    threshold_z: float
    points: int
    recovered: bool
    recovery_steps: int | None
    series_points: int
    events: int
    window: int


@dataclass(frozen=True)
class LossSpikeEvidence(_JumpEvidence):
    """What LS001 measured for one upward spike of the training loss."""


@dataclass(frozen=True)
class LossDropEvidence(_JumpEvidence):
    """What LS003 measured for one downward drop of the training loss."""


@dataclass(frozen=True)
class ValidationLossSpikeEvidence(_JumpEvidence):
    """What LS002 measured for one jump of the validation loss."""


@dataclass(frozen=True)
class _SpikeScan:
    """Per-point robust z-scores of log-loss against the levels on both sides of each point.

    ``before``/``after`` are the medians of the points just before and just
    after each point; ``up``/``down`` the log-distance above the higher of
    them and below the lower of them; ``z_up``/``z_down`` those distances in
    units of the local noise ``sigma``.
    """

    before: np.ndarray
    after: np.ndarray
    up: np.ndarray
    down: np.ndarray
    z_up: np.ndarray
    z_down: np.ndarray
    sigma: np.ndarray
    threshold: float
    familywise: float
    quantum: float


def _spike_window(n: int, fraction: float, low: int, high: int) -> int:
    """Return the width of the two-sided level window: a fraction of the run, clamped.

    It is never wider than a fifth of the series (at least 4 points), so a
    short epoch-level curve is compared with its neighbouring epochs and not
    with its whole history.
    """
    clamped = min(max(round(fraction * n), low), max(high, low))
    return int(max(4, min(clamped, n // 5)))


def _stride(n: int, width: int, coarse: int) -> int:
    """Evaluate windowed medians at every point unless that is more than a few million values."""
    return 1 if n * width <= _EXACT_WINDOW_WORK else coarse


def _window_median(x: np.ndarray, first: int, last: int, *, stride: int) -> np.ndarray:
    """Return, for every index t, the median of ``x[t + first : t + last + 1]`` (NaNs ignored).

    Windows are cut off at the ends of the series. With ``stride > 1`` the
    median is evaluated every ``stride`` points and linearly interpolated in
    between, which keeps a 1,000,000-point scan well under a second; the
    levels and noise scales smoothed here change slowly along a run, and a
    median moves little when one point enters or leaves its window.
    """
    n = x.size
    width = last - first + 1
    pad_left, pad_right = max(0, -first), max(0, last)
    padded = np.concatenate([np.full(pad_left, np.nan), x.astype(np.float64), np.full(pad_right, np.nan)])
    anchors = np.arange(0, n, max(1, stride))
    if anchors[-1] != n - 1:
        anchors = np.append(anchors, n - 1)
    rows = sliding_window_view(padded, width)[anchors + first + pad_left]
    medians = _signal.nanmedian_rows(rows)
    if anchors.size == n:
        return medians
    ok = np.isfinite(medians)
    if not ok.any():
        return np.full(n, np.nan)
    interpolated: np.ndarray = np.interp(np.arange(n), anchors[ok], medians[ok])
    return interpolated


def _local_noise(y: np.ndarray, half: int) -> np.ndarray:
    """Estimate the robust noise sigma of log-loss around each point from second differences.

    A second difference cancels any locally linear trend, so what remains is
    point-to-point noise with variance 6 sigma^2; the median of its absolute
    value over a window around each point follows the noise as it changes
    during training (per-step log-loss gets noisier as the loss falls), and a
    spike spoils only the three differences that touch it.
    """
    n = y.size
    centred = np.full(n, np.nan)
    if n >= 3:
        with np.errstate(invalid="ignore"):
            second = np.abs(y[:-2] - 2.0 * y[1:-1] + y[2:])
        second[~np.isfinite(second)] = np.nan
        centred[1:-1] = second
    spread = _window_median(centred, -half, half, stride=_stride(n, 2 * half + 1, 2 * half))
    return _signal.MAD_TO_SIGMA * spread / math.sqrt(6.0)


def _scan_spikes(values: np.ndarray, *, window: int, z_floor: float, alpha: float | None) -> _SpikeScan:
    """Compare each point's log-loss with the level before it and the level after it.

    A spike is transient: it stands above what came before *and* above what
    came after. Requiring both keeps the corners of a steep, monotone early
    curve (above the level after, below the level before) and level shifts
    such as a learning-rate restart (above the level before, not above the
    level after) from being called spikes. The first and last points have
    only one side and are not tested. The z threshold is ``z_floor`` or, with
    ``alpha``, the family-wise bound over the tested points if that is higher.
    """
    y = _log(values)
    n = y.size
    half = max(1, window // 2)
    stride = _stride(n, half, half)
    before = _window_median(y, -half, -1, stride=stride)
    after = _window_median(y, 1, half, stride=stride)
    sigma = _local_noise(y, max(2 * window, _NOISE_HALF_WINDOW))
    quantum = _quantum(values)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        high = np.maximum(before, after)
        low = np.minimum(before, after)
        # Rounding to a grid of step q adds noise of sd q / sqrt(12), relative to the level in log space.
        resolution = quantum / (math.sqrt(12.0) * np.exp(low)) if quantum > 0 else np.zeros(n)
        sigma = np.where(np.isfinite(sigma), np.maximum(sigma, np.maximum(resolution, 1e-6)), np.nan)
        # The levels are medians of `half` noisy points (variance ~ pi/2 sigma^2 / half) and add their
        # own noise to the distance.
        sigma = sigma * math.sqrt(1.0 + math.pi / (2.0 * half))
        up = y - high
        down = y - low
        z_up = up / sigma
        z_down = down / sigma
    untested = ~np.isfinite(before) | ~np.isfinite(after)
    untested[:1] = True
    untested[-1:] = True
    z_up[untested] = np.nan
    z_down[untested] = np.nan
    tested = int(np.count_nonzero(~untested))
    threshold = z_floor if alpha is None else _signal.familywise_z(tested, alpha=alpha, floor=z_floor)
    familywise = threshold if alpha is None else _signal.familywise_z(tested, alpha=alpha)
    return _SpikeScan(before, after, up, down, z_up, z_down, sigma, threshold, familywise, quantum)


def _flag_points(
    scan: _SpikeScan,
    values: np.ndarray,
    min_ratio: float,
    drop_ratio: float | None,
    alpha: float | None,
    large_ratio: float | None = None,
) -> np.ndarray:
    """Mark spike points +1, drop points -1, everything else 0.

    A spike clears the heavy-tail floor ``z_floor`` with at least
    ``min_ratio``; a jump of at least ``large_ratio`` (half an order of
    magnitude) only needs the family-wise bound: minibatch noise that big is
    not heavy tails any more.

    A drop is a batch whose loss collapses orders of magnitude below the local
    level (exactly zero among losses of 0.1): the mark of a degenerate or
    corrupted batch. Log space stretches the neighbourhood of zero, so a drop
    must also be unexpected under the series' own lower tail (see
    :func:`_unexpected_drops`). On a coarse logging grid the ratio must hold
    even if rounding raised the value and lowered the level by half a grid
    step each.
    """
    quantum = scan.quantum
    with np.errstate(invalid="ignore", over="ignore"):
        up = (scan.z_up >= scan.threshold) & (scan.up >= math.log(min_ratio))
        if large_ratio is not None:
            up |= (scan.z_up >= scan.familywise) & (scan.up >= math.log(large_ratio))
        if quantum > 0:
            level = np.exp(np.maximum(scan.before, scan.after))
            up &= (values - 0.5 * quantum) >= min_ratio * (level + 0.5 * quantum)
        down = np.zeros(values.size, dtype=bool)
        if drop_ratio is not None:
            down = (scan.z_down <= -scan.threshold) & (scan.down <= -math.log(drop_ratio))
    if down.any():
        down &= _unexpected_drops(scan, values, alpha if alpha is not None else 0.01)
    flags = np.zeros(values.size, dtype=np.int8)
    flags[up] = 1
    flags[down] = -1
    return flags


def _unexpected_drops(scan: _SpikeScan, values: np.ndarray, alpha: float) -> np.ndarray:
    """Mark points whose fall below the local level is too deep for the series' own lower tail.

    Suppose the loss has no more probability mass near zero than it already
    shows at a tenth of its local level, spread evenly down to zero (a
    conservative model: a minibatch mean has a density that vanishes at
    zero). If a fraction p of the tested points fall below a tenth of the
    level, about ``tested * p * (r / 0.1)`` points are expected below a
    fraction r of it by chance; a drop counts only when that is below
    ``alpha``. Batches of one example (an exponential-like loss) have heavy
    lower tails and so produce no drops; a value rounded to zero by a coarse
    logging grid counts as half a grid step.
    """
    tested = np.isfinite(scan.z_down)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = np.maximum(values, 0.5 * scan.quantum) / np.exp(np.minimum(scan.before, scan.after))
    # N tested points, of which N p lie below a tenth of their level (counted as at least one).
    deep = max(int(np.count_nonzero(tested & (ratio <= 0.1))), 1)
    expected = np.nan_to_num(deep * ratio / 0.1, nan=np.inf)
    unexpected: np.ndarray = expected < alpha
    return unexpected


def _events(flags: np.ndarray) -> list[tuple[int, int]]:
    """Group consecutive flagged points of the same sign into (first, last) index pairs."""
    marked = np.flatnonzero(flags)
    if marked.size == 0:
        return []
    breaks = np.flatnonzero((np.diff(marked) > 1) | (np.diff(flags[marked]) != 0)) + 1
    return [(int(g[0]), int(g[-1])) for g in np.split(marked, breaks)]


def _recovery(y: np.ndarray, scan: _SpikeScan, first: int, last: int, direction: int) -> int | None:
    """Find the first point after an event back within noise of the level before it."""
    level = scan.before[first]
    band = _RECOVERY_SIGMAS * scan.sigma[first]
    after = y[last + 1 :]
    back = after <= level + band if direction > 0 else after >= level - band
    hits = np.flatnonzero(back)
    return last + 1 + int(hits[0]) if hits.size else None


def _event_measurement(
    series: Series,
    index: np.ndarray,
    values: np.ndarray,
    scan: _SpikeScan,
    event: tuple[int, int],
    direction: int,
    events: int,
    window: int,
    shape: type[_JumpEvidence],
) -> Located[_JumpEvidence]:
    """Measure one spike (``direction`` +1) or drop (-1): where it peaked, how far, when it recovered."""
    first, last = event
    steps = series.step[index]
    distance = scan.up if direction > 0 else scan.down
    segment = distance[first : last + 1]
    peak = first + int(np.argmax(segment) if direction > 0 else np.argmin(segment))
    recovered_at = _recovery(_log(values), scan, first, last, direction)
    z_peak = float((scan.z_up if direction > 0 else scan.z_down)[peak])
    level = float(_signal.exp(scan.before[peak]))
    # A large jump qualified on the family-wise bound alone (see _flag_points).
    by_familywise = direction > 0 and math.isfinite(z_peak) and z_peak < scan.threshold
    measured = shape(
        step=int(steps[peak]),
        epoch=_series.epoch_at(series, int(index[peak])),
        value=float(values[peak]),
        baseline=level,
        ratio=float(values[peak]) / level,
        excess_ratio=float(_signal.exp(distance[peak])),
        z=z_peak if math.isfinite(z_peak) else None,
        threshold_z=float(scan.familywise if by_familywise else scan.threshold),
        points=last - first + 1,
        recovered=recovered_at is not None,
        recovery_steps=int(steps[recovered_at] - steps[first]) if recovered_at is not None else None,
        series_points=int(values.size),
        events=events,
        window=window,
    )
    end = recovered_at if recovered_at is not None else last
    return Located(measured, str(series.key), int(steps[first]), int(steps[end]), int(index[peak]))


@dataclass(frozen=True)
class _Scan:
    """The settings of one scan of a loss series, passed down as one value."""

    min_points: int
    z_floor: float
    alpha: float | None
    min_ratio: float
    drop_ratio: float | None
    window_fraction: float
    min_window: int
    max_window: int
    max_events: int
    large_ratio: float | None = None


def _scan_events(
    series: Series, settings: _Scan, direction: int, shape: type[_JumpEvidence]
) -> list[Located[_JumpEvidence]]:
    """Scan one loss series, merge flagged points into events, keep the largest ``max_events``.

    ``direction`` +1 keeps the upward spikes, -1 the downward drops.
    """
    index, values = _series.finite_positive(series)
    if values.size < settings.min_points:
        raise MissingInput(
            f"{series.raw_name} has {values.size} finite points; the rule needs {settings.min_points}"
        )
    zeros = int(np.count_nonzero(values == 0.0))
    if zeros > _common_zeros(values.size):
        raise MissingInput(
            f"{series.raw_name} is exactly zero at {zeros} of {values.size} points (a hinge or masked loss), "
            "so ratios to its level are undefined"
        )
    window = _spike_window(values.size, settings.window_fraction, settings.min_window, settings.max_window)
    scan = _scan_spikes(values, window=window, z_floor=settings.z_floor, alpha=settings.alpha)
    flags = _flag_points(
        scan, values, settings.min_ratio, settings.drop_ratio, settings.alpha, settings.large_ratio
    )
    events = [event for event in _events(flags) if flags[event[0]] == direction]

    def magnitude(event: tuple[int, int]) -> float:
        first, last = event
        distance = scan.up if direction > 0 else -scan.down
        return float(np.max(distance[first : last + 1]))

    chosen = sorted(sorted(events, key=magnitude, reverse=True)[: settings.max_events])
    return [
        _event_measurement(series, index, values, scan, e, direction, len(events), window, shape)
        for e in chosen
    ]


def loss_spike(
    run: Run,
    *,
    min_points: int,
    z_floor: float,
    alpha: float,
    min_ratio: float,
    window_fraction: float,
    min_window: int,
    max_window: int,
    max_events: int,
    large_ratio: float,
) -> list[Evidence]:
    """Find transient upward jumps of the training loss far outside its own noise.

    A spike is an event the run survives, which is why it is compared with
    the level on both sides; a drop is another finding (:func:`loss_drop`)
    and a jump that never comes back is divergence (DV002 supersedes this
    rule on the run). How it detects: ``rules/LS001.toml``.
    """
    settings = _Scan(
        min_points,
        z_floor,
        alpha,
        min_ratio,
        None,
        window_fraction,
        min_window,
        max_window,
        max_events,
        large_ratio,
    )
    found = _scan_events(_series.require_training_loss(run), settings, +1, LossSpikeEvidence)
    return [event.evidence() for event in found]


def loss_drop(
    run: Run,
    *,
    min_points: int,
    z_floor: float,
    alpha: float,
    drop_ratio: float,
    window_fraction: float,
    min_window: int,
    max_window: int,
    max_events: int,
) -> list[Evidence]:
    """Find single batches whose training loss collapses far below the level on both sides.

    A loss that suddenly reads (nearly) zero among losses of 0.1 is not an
    instability of the optimiser but a degenerate batch or a logging fault,
    so it is its own finding with its own remedies. How it detects:
    ``rules/LS003.toml``.
    """
    settings = _Scan(
        min_points, z_floor, alpha, math.inf, drop_ratio, window_fraction, min_window, max_window, max_events
    )
    found = _scan_events(_series.require_training_loss(run), settings, -1, LossDropEvidence)
    return [event.evidence() for event in found]


def validation_loss_spike(
    run: Run,
    *,
    min_points: int,
    z_floor: float,
    min_ratio: float,
    window_fraction: float,
    min_window: int,
    max_window: int,
    max_events: int,
    neighbour_ratio: float,
    neighbour_z: float,
    alpha: float,
) -> list[Evidence]:
    """Find evaluations whose loss jumps above the evaluations on both sides and comes back.

    The validation loss is measured on the same held-out set every time, so a
    jump that comes straight back is the model itself becoming transiently
    worse. Both ways to qualify (a large jump against the levels on both
    sides, or a significant one against each neighbour) are two-sided, so a
    rise that does not come back is left to the overfitting and divergence
    rules. How it detects: ``rules/LS002.toml``.
    """
    series = validation_loss(run)
    if series is None or len(series) == 0:
        raise MissingInput("the run has no validation loss")
    settings = _Scan(
        min_points, z_floor, None, min_ratio, None, window_fraction, min_window, max_window, max_events
    )
    large = _scan_events(series, settings, +1, ValidationLossSpikeEvidence)
    spans = [(event.start_step, event.end_step) for event in large]
    significant = [
        event
        for event in _neighbour_jumps(series, neighbour_ratio, neighbour_z, alpha)
        if not any(a <= event.measured.step <= b for a, b in spans)
    ]
    events = sorted(large + significant, key=lambda e: e.start_step)
    if len(events) > max_events:
        events = sorted(events, key=lambda e: -e.measured.excess_ratio)[:max_events]
        events.sort(key=lambda e: e.start_step)
    total = len(large) + len(significant)
    return [replace(e, measured=replace(e.measured, events=total)).evidence() for e in events]


def _neighbour_jumps(
    series: Series, ratio: float, z_floor: float, alpha: float
) -> list[Located[_JumpEvidence]]:
    """Single evaluations standing ``ratio`` above both neighbours, far outside the curve's wobble.

    The wobble is the curve's robust evaluation-to-evaluation noise, and the
    bar is a Student-t family-wise quantile: the noise is estimated from the
    same short series, so its own uncertainty widens the tails (see
    :func:`_signal.familywise_t`); a bump within the wobble of a short curve
    is not a finding.
    """
    index, values = _series.finite_positive(series)
    if values.size < 5 or bool((values == 0).any()):
        return []
    y = np.log(values)
    second = y[:-2] - 2.0 * y[1:-1] + y[2:]
    sigma = np.full(second.size, _signal.mad_sigma(second) / math.sqrt(6.0))
    # The excess over the neighbours' midpoint is minus half a second difference: sd sqrt(6)/2 sigma.
    scale = np.maximum(sigma * math.sqrt(6.0) / 2.0, 1e-12)
    excess = -second / 2.0
    threshold = _signal.familywise_t(values.size - 2, second.size, alpha=alpha, floor=z_floor)
    log_ratio = math.log(ratio)
    above_both = (y[1:-1] - y[:-2] >= log_ratio) & (y[1:-1] - y[2:] >= log_ratio)
    hits = np.flatnonzero(above_both & (excess / scale >= threshold)) + 1
    out = []
    for i in hits:
        baseline = float(values[i - 1])
        step, after = int(series.step[index[i]]), int(series.step[index[i + 1]])
        measured: _JumpEvidence = ValidationLossSpikeEvidence(
            step=step,
            epoch=_series.epoch_at(series, int(index[i])),
            value=float(values[i]),
            baseline=baseline,
            ratio=float(values[i]) / baseline,
            excess_ratio=float(_signal.exp(excess[i - 1])),
            z=float(excess[i - 1] / scale[i - 1]),
            threshold_z=float(threshold),
            points=1,
            recovered=True,
            recovery_steps=after - step,
            series_points=int(values.size),
            events=1,
            window=1,
        )
        out.append(Located(measured, str(series.key), step, after, int(index[i])))
    return out
