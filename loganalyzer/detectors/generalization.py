"""Generalisation detectors: overfitting (OF001) and the static train/validation gap (OF002).

Overfitting is a claim about a *trajectory*: the validation curve reached its
best and then got worse while the training curve kept getting better. A gap
between the two curves at one moment says nothing about that (regularised
models show one, dropout even reverses it), so it is reported separately and
only as a note.

Every threshold is double: a practical effect size (a relative rise, as in
Prechelt's generalisation loss) and a multiple of the curve's own noise, with
a Mann-Kendall trend test where the claim is a trend. When the training loss
itself rises or turns non-finite the run is diverging, which the DV rules
report; overfitting is then not claimed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from loganalyzer.detectors import _series, _signal
from loganalyzer.detectors._series import Located
from loganalyzer.model.finding import Evidence, MissingInput, evidence_values
from loganalyzer.model.run import Quantity, Run, Series, Split

#: Median of k Gaussian draws has a standard error of about this factor times sigma / sqrt(k).
MEDIAN_SE_FACTOR = math.sqrt(math.pi / 2.0)


@dataclass(frozen=True)
class OverfittingEvidence:
    """What OF001 measured on the judged held-out curve: the keys its message template may name.

    ``monitored`` says what the curve is (``loss``, ``1 - accuracy``, a loss
    term); ``unit`` and ``best_at`` name the best evaluation (its epoch, or its
    evaluation number) and ``best_step`` its step; ``best_value`` is the
    value as logged and ``best_level`` the smoothed level the rise is
    measured from; ``end_value`` the level over the last evaluations;
    ``rise_pct``, ``rise_sigma``, ``gap_growth_sigma`` and ``trend_p`` the
    size, noise and trend tests; ``train_change_pct`` the training curve's
    change over the same span; ``share_of_total_pct`` (loss terms only) the
    term's rise as a share of the whole held-out loss. The EarlyStopping
    counterfactual: ``patience`` (the rule's, or the smaller
    ``patience_to_best`` when that would not have stopped within the run),
    ``stop_at``, ``restored_at``, ``wasted`` of ``total`` evaluations
    (``wasted_pct``), and ``patience_to_best``, the smallest patience that
    would have restored the lowest evaluation.
    """

    monitored: str
    unit: str
    best_at: int | float
    best_step: int
    best_value: float
    best_level: float
    end_value: float
    rise_pct: float
    rise_sigma: float
    gap_growth_sigma: float
    trend_p: float
    train_change_pct: float
    evals_after_best: int
    patience: int
    stop_at: int | float | None
    restored_at: int | float | None
    wasted: int
    total: int
    wasted_pct: float
    patience_to_best: int
    share_of_total_pct: float | None = None


@dataclass(frozen=True)
class GeneralizationGapEvidence:
    """What OF002 measured: the two end levels, their gap and where it opened.

    ``train_end``/``val_end`` are medians of the last ``points`` common
    points; ``gap`` is their difference and ``gap_pct`` it relative to the
    training level; ``gap_sigma`` the gap in noise widths; ``onset_step``
    where the smoothed relative gap last crossed the threshold.
    """

    train_end: float
    val_end: float
    gap: float
    gap_pct: float
    gap_sigma: float
    onset_step: int
    points: int


@dataclass(frozen=True)
class Rise:
    """How far the validation curve ended above its best, in relative terms and in noise widths."""

    end_level: float
    k_end: int
    relative: float
    sigma: float
    gap_growth_sigma: float


@dataclass(frozen=True)
class Curve:
    """A validation curve oriented so that lower is better, on its own evaluation points.

    ``index`` maps each point back to the index in the original series (for
    locating the finding in the file); ``error_of`` says how the values were
    derived (``"loss"`` unchanged, ``"1 - accuracy"`` for a higher-is-better
    score in [0, 1]).
    """

    series: Series
    index: np.ndarray
    step: np.ndarray
    epoch: np.ndarray
    value: np.ndarray
    error_of: str


def overfitting(
    run: Run,
    *,
    min_points: int,
    min_after_best: int,
    min_after_fraction: float,
    min_rise: float,
    min_train_drop: float,
    alpha: float,
    patience: int,
) -> list[Evidence]:
    """Report validation getting worse after its best while training kept improving.

    Overfitting is a trajectory, so the claim needs a practical size, a rise
    beyond the curve's own noise and a trend, on the held-out loss (or a
    score read as an error); a single loss term is judged only when the
    whole does not qualify, by the same size rule measured against the whole
    held-out loss. How it detects: ``rules/OF001.toml``.
    """
    val, train_series, monitored = _monitored(run)
    if train_series is None:
        raise MissingInput(
            f"no training curve to compare with {val.key}: cannot tell overfitting from divergence"
        )
    n = int(np.isfinite(val.value).sum())
    if n < min_points:
        raise MissingInput(f"{val.key} has {n} finite points; at least {min_points} are needed")
    limits = _Limits(min_after_best, min_after_fraction, min_rise, min_train_drop, alpha, patience)
    found = _judge(val, train_series, monitored, limits)
    if found is not None:
        return [found.evidence()]
    # A sum can hide a head that overfits while another improves (YOLO's box vs cls terms): test each
    # held-out loss term against its training twin, with the false-alarm rate shared among them, and
    # keep a term's finding only if the whole held-out loss stopped improving too (otherwise one
    # term's rise is a trade-off inside a model that still gets better, not overfitting).
    terms = _loss_terms(run, val.key.split)
    shared = replace(limits, alpha=alpha / max(len(terms), 1))
    hits = [_judge(term, twin, term.key.quantity, shared) for term, twin in terms]
    kept = []
    for hit in hits:
        if hit is None or _still_improving(val, hit.start_step):
            continue
        share = _share_of_total(val, hit)
        if share is None or share < min_rise:
            continue  # the same size rule as the whole: a term's rise must matter to the held-out loss
        kept.append(replace(hit, measured=replace(hit.measured, share_of_total_pct=100.0 * share)))
    return [hit.evidence() for hit in kept]


def _share_of_total(total: Series, hit: Located[OverfittingEvidence]) -> float | None:
    """A term's rise above its best level as a share of the whole held-out loss around that point."""
    keep = np.isfinite(total.value)
    steps, values = total.step[keep], total.value[keep]
    if values.size == 0:
        return None
    at = int(np.searchsorted(steps, hit.start_step))
    level = float(np.median(values[max(0, at - 1) : at + 2]))
    if not level > 0:
        return None
    return (hit.measured.end_value - hit.measured.best_level) / level


def _still_improving(total: Series, since_step: int) -> bool:
    """Whether ``total`` ends lower than it was around ``since_step`` (medians of a few points)."""
    keep = np.isfinite(total.value)
    steps, values = total.step[keep], total.value[keep]
    if values.size < 3:
        return False
    at = int(np.searchsorted(steps, since_step))
    around = values[max(0, at - 1) : at + 2]
    tail = values[at:]
    end = tail[-max(1, tail.size // 3) :]
    return bool(np.median(end) < np.median(around))


@dataclass(frozen=True)
class _Limits:
    """The thresholds of :func:`overfitting`, passed down as one value."""

    min_after_best: int
    min_after_fraction: float
    min_rise: float
    min_train_drop: float
    alpha: float
    patience: int


def _loss_terms(run: Run, split: Split) -> list[tuple[Series, Series]]:
    """Named held-out loss terms (``box_loss``...) that have a training twin; none when only one."""
    terms = []
    for series in _series.series_in(run, split):
        quantity = series.key.quantity
        if quantity == Quantity.LOSS or not quantity.endswith("loss"):
            continue
        twin = run.find(quantity, _series.TRAIN_SPLITS)
        if twin is not None:
            terms.append((series, twin))
    return terms if len(terms) >= 2 else []


def _judge(
    val: Series, train_series: Series, monitored: str, limits: _Limits
) -> Located[OverfittingEvidence] | None:
    """Apply the overfitting criteria to one held-out curve and its training twin."""
    curve = _curve(val, monitored)
    n = curve.value.size
    if n < 3:
        return None
    train = _on_curve(curve, train_series)
    patience = limits.patience

    window = _smoothing_window(n)
    smooth = _signal.rolling_median(curve.value, window)
    best, best_level = _best(curve.value, smooth, window)
    after = n - 1 - best
    needed = max(limits.min_after_best, math.ceil(limits.min_after_fraction * n))
    if after < needed:
        return None

    rise = _rise(curve.value, train, best, best_level, window)
    if rise is None or rise.relative < limits.min_rise:
        return None
    if max(rise.sigma, rise.gap_growth_sigma) < _signal.familywise_z(n, limits.alpha):
        return None
    post_trend = _signal.trend(_signal.block_medians(curve.value[best + 1 :], _signal.MAX_TREND_POINTS)[0])
    if post_trend.p_increasing >= limits.alpha:
        return None
    train_change = _train_change(train, best, rise.k_end)
    if train_change is None or train_change > -limits.min_train_drop:
        return None

    to_best = _patience_to_best(curve.value)
    stop, restored = _early_stopping(curve.value, patience)
    if stop is None and to_best < patience:
        # The configured patience outlasts this short run; show the patience that would have acted.
        patience = to_best
        stop, restored = _early_stopping(curve.value, patience)
    unit, labels = _labels(curve)
    wasted = n - 1 - stop if stop is not None else 0
    measured = OverfittingEvidence(
        monitored=curve.error_of,
        unit=unit,
        best_at=labels[best],
        best_step=int(curve.step[best]),
        best_value=_original_value(curve, float(curve.value[best])),
        best_level=_original_value(curve, best_level),
        end_value=_original_value(curve, rise.end_level),
        rise_pct=100.0 * rise.relative,
        rise_sigma=rise.sigma,
        gap_growth_sigma=rise.gap_growth_sigma,
        trend_p=post_trend.p_increasing,
        train_change_pct=100.0 * train_change,
        evals_after_best=after,
        patience=patience,
        stop_at=labels[stop] if stop is not None else None,
        restored_at=labels[restored] if restored is not None else None,
        wasted=wasted,
        total=n,
        wasted_pct=100.0 * wasted / n,
        patience_to_best=to_best,
    )
    return Located(
        measured, str(curve.series.key), int(curve.step[best]), int(curve.step[-1]), int(curve.index[best])
    )


def generalization_gap(
    run: Run,
    *,
    min_points: int,
    min_gap: float,
    end_fraction: float,
    alpha: float,
) -> list[Evidence]:
    """Report a validation loss ending well above the training loss (a note, not a verdict).

    A gap at one moment is not overfitting (OF001 judges the trajectory); it
    is reported as headroom, when it is both a practical share of the
    training loss and beyond the noise of the two end levels. How it
    detects: ``rules/OF002.toml``.
    """
    val = _series.held_out_loss(run)
    train = _series.training_loss(run)
    if val is None or train is None:
        raise MissingInput("needs both a training and a validation loss")
    train_on_val = _series.on_steps(val, train)
    keep = np.isfinite(val.value) & np.isfinite(train_on_val)
    n = int(keep.sum())
    if n < min_points:
        raise MissingInput(f"only {n} steps carry both training and validation loss; {min_points} needed")
    index = np.flatnonzero(keep)
    v, last = _signal.block_medians(val.value[keep].astype(np.float64))
    t, _ = _signal.block_medians(train_on_val[keep])
    index = index[last]
    n = v.size
    k = max(3, math.ceil(end_fraction * n))
    val_end = float(np.median(v[-k:]))
    train_end = float(np.median(t[-k:]))
    if train_end <= 0:
        return []
    gap = val_end - train_end
    ratio = gap / abs(train_end)
    noise = MEDIAN_SE_FACTOR * math.hypot(_signal.noise_sigma(v), _signal.noise_sigma(t)) / math.sqrt(k)
    gap_sigma = gap / noise if noise > 0 else math.inf
    if ratio < min_gap or gap_sigma < _signal.normal_quantile(1.0 - alpha):
        return []
    smooth_ratio = _signal.rolling_median((v - t) / np.abs(t), 3)
    below = np.flatnonzero(~(smooth_ratio >= min_gap))
    onset = int(below[-1] + 1) if below.size else 0
    onset = min(onset, n - 1)
    measured = GeneralizationGapEvidence(
        train_end=train_end,
        val_end=val_end,
        gap=gap,
        gap_pct=100.0 * ratio,
        gap_sigma=gap_sigma,
        onset_step=int(val.step[index[onset]]),
        points=k,
    )
    return [
        Evidence(
            metric=str(val.key),
            start_step=int(val.step[index[onset]]),
            end_step=int(val.step[index[-1]]),
            values=evidence_values(measured),
            point=int(index[onset]),
        )
    ]


# --- the monitored curves -------------------------------------------------------------------------


def _monitored(run: Run) -> tuple[Series, Series | None, str]:
    """Choose the validation curve to judge (lower is better), its training twin, and a label.

    Preference: the validation loss (for runs that log only loss terms, such
    as YOLO's ``box_loss``/``obj_loss``/``cls_loss``, the run builder provides
    their sum as the loss); else the most standard validation score with a
    known direction, turned into an error. The training twin is the training
    loss, or the same score on the training split.
    """
    loss = _series.held_out_loss(run)
    if loss is not None and np.isfinite(loss.value).any():
        return loss, _series.training_loss(run), "loss"
    split = _held_out_split(run)
    for series in _validation_scores(run, split):
        oriented = _as_error(series)
        if oriented is None:
            continue
        twin = run.find(series.key.quantity, _series.TRAIN_SPLITS)
        twin_oriented = _as_error(twin) if twin is not None else None
        train = replace(twin, value=twin_oriented[0]) if twin is not None and twin_oriented else None
        return replace(series, value=oriented[0]), train or _series.training_loss(run), oriented[1]
    raise MissingInput("no validation (or test) loss or score with a known direction")


def _held_out_split(run: Run) -> Split:
    """Return the validation split if the run logs any validation series, else the test split."""
    return Split.VALIDATION if _series.series_in(run, Split.VALIDATION) else Split.TEST


def _validation_scores(run: Run, split: Split) -> list[Series]:
    """List held-out metrics with a known direction, accuracy first, then by name."""
    candidates = [s for s in _series.series_in(run, split) if _series.direction(s.key.quantity) != 0]
    return sorted(candidates, key=lambda s: (s.key.quantity != Quantity.ACCURACY, s.key.quantity))


def _as_error(series: Series) -> tuple[np.ndarray, str] | None:
    """Values oriented lower-is-better and positive, or None when that has no meaning.

    Errors (lower is better) are used as they are. A higher-is-better score in
    [0, 1] (or in percent) becomes ``1 - score``, whose relative change is
    meaningful; an unbounded score cannot be turned into a positive error.
    """
    values = series.value.astype(np.float64)
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return None
    if _series.direction(series.key.quantity) < 0:
        return (values, series.key.quantity) if finite.min() >= 0 else None
    if finite.min() >= 0 and finite.max() <= 1:
        return 1.0 - values, f"1 - {series.key.quantity}"
    if finite.min() >= 0 and finite.max() <= 100:
        return 1.0 - values / 100.0, f"1 - {series.key.quantity}/100"
    return None


def _curve(series: Series, error_of: str) -> Curve:
    """Finite points of ``series``, reduced to block medians when very long."""
    values = series.value.astype(np.float64)
    index = np.flatnonzero(np.isfinite(values))
    value, last = _signal.block_medians(values[index])
    index = index[last]
    return Curve(series, index, series.step[index], series.epoch[index], value, error_of)


def _original_value(curve: Curve, level: float) -> float:
    """Express a level of the oriented curve in the series' own units."""
    if curve.error_of.startswith("1 - ") and curve.error_of.endswith("/100"):
        return 100.0 * (1.0 - level)
    if curve.error_of.startswith("1 - "):
        return 1.0 - level
    return level


def _best(values: np.ndarray, smooth: np.ndarray, window: int) -> tuple[int, float]:
    """Where the curve was best, and its robust level there.

    The level is the minimum of the rolling median (one lucky evaluation is
    not the best); the location is the best raw evaluation inside the
    windows of every position where the median reaches that minimum (a flat
    bottom ties several positions), which is the evaluation EarlyStopping
    would restore.
    """
    level = float(np.nanmin(smooth))
    centres = np.flatnonzero(smooth == level)
    low = max(0, int(centres[0]) - window // 2)
    high = min(values.size, int(centres[-1]) + window // 2 + 1)
    return low + int(np.argmin(values[low:high])), level


def _smoothing_window(n: int) -> int:
    """Odd rolling-median width: 3 for epoch logs, about 4 % of the points for long ones."""
    return max(3, 2 * (n // 50) + 1)


def _on_curve(curve: Curve, train: Series) -> np.ndarray:
    """Put the training curve on the evaluation steps (interval means for per-step logs)."""
    reference = replace(curve.series, step=curve.step, value=curve.value)
    return _series.on_steps(reference, train)


def _rise(values: np.ndarray, train: np.ndarray, best: int, best_level: float, window: int) -> Rise | None:
    """Measure the rise after the best: to the median of the last third of the evaluations after it.

    Noise widths use the standard error of both robust levels (medians of
    ``window`` and ``k_end`` points) from the curve's noise. The gap growth
    counts how far the validation-minus-training gap widened over the same
    span: overfitting widens it from both sides (validation up, training
    down), so it can be clear of the noise when the validation rise alone is
    not; its noise is that of both curves.
    """
    if not (best_level > 0 and math.isfinite(best_level)):
        return None
    k_end = max(3, math.ceil((values.size - 1 - best) / 3))
    end_level = float(np.median(values[-k_end:]))
    spread = MEDIAN_SE_FACTOR * math.sqrt(1.0 / window + 1.0 / k_end)
    val_noise = _signal.noise_sigma(values)
    sigma = _ratio(end_level - best_level, spread * val_noise)
    growth = 0.0
    if np.isfinite(train[best:]).all() and np.isfinite(train).sum() >= 3:
        at_best = float(np.median(train[max(0, best - window // 2) : best + window // 2 + 1]))
        at_end = float(np.median(train[-k_end:]))
        train_noise = _signal.noise_sigma(train[np.isfinite(train)])
        widening = (end_level - at_end) - (best_level - at_best)
        growth = _ratio(widening, spread * math.hypot(val_noise, train_noise))
    return Rise(end_level, k_end, (end_level - best_level) / best_level, sigma, growth)


def _ratio(effect: float, noise: float) -> float:
    """Return an effect in noise widths (infinite for an effect on a noiseless curve)."""
    if noise > 0:
        return effect / noise
    return math.inf if effect > 0 else 0.0


def _train_change(train: np.ndarray, best: int, k_end: int) -> float | None:
    """Relative change of the training curve from the best evaluation to the end.

    None when the training curve is non-finite after the best (divergence) or
    when there is too little of it to say.
    """
    segment = train[best:]
    if segment.size < 2 or not np.isfinite(segment).all():
        return None
    at_best = float(np.median(train[max(0, best - 1) : best + 2]))
    at_end = float(np.median(segment[-k_end:]))
    if not at_best > 0:
        return None
    return at_end / at_best - 1.0


# --- counterfactual and labels --------------------------------------------------------------------


def _early_stopping(values: np.ndarray, patience: int) -> tuple[int | None, int | None]:
    """Where Keras ``EarlyStopping(patience=p, min_delta=0)`` would have stopped, and what it restores.

    Keras counts every evaluation without a strict improvement and stops at
    the one where that count reaches ``patience``; with
    ``restore_best_weights=True`` it restores the best evaluation seen so far.
    """
    best_value = math.inf
    best_index = 0
    wait = 0
    for i, value in enumerate(values):
        wait += 1
        if value < best_value:
            best_value, best_index, wait = float(value), i, 0
        elif wait >= patience and i > 0:
            return i, best_index
    return None, None


def _patience_to_best(values: np.ndarray) -> int:
    """The smallest EarlyStopping patience that reaches (and restores) the lowest evaluation.

    Keras stops once ``patience`` evaluations in a row fail to improve on the
    best so far; it reaches the overall minimum only if no such stretch comes
    before it, so the answer is the longest such stretch before it, plus one.
    """
    lowest = int(np.argmin(values))
    longest = wait = 0
    best_value = math.inf
    for value in values[:lowest]:
        if value < best_value:
            best_value, wait = float(value), 0
        else:
            wait += 1
            longest = max(longest, wait)
    return longest + 1


def _labels(curve: Curve) -> tuple[str, list[int | float]]:
    """How to name each evaluation: its epoch when the log says, else its 0-based evaluation number."""
    epochs = curve.epoch
    if epochs.size and np.isfinite(epochs).all():
        if np.allclose(epochs, np.round(epochs)):
            return "epoch", [round(float(e)) for e in epochs]
        return "epoch", [round(float(e), 2) for e in epochs]
    return "evaluation", list(range(curve.value.size))
