"""Convergence detectors: plateaued underfitting (UF001).

Underfitting is "training stopped improving while the model is still bad".
Both halves need evidence, because each alone is normal: every run that
converges has a plateau, and every run starts out bad. "Still bad" must come
from the log itself, without knowing the task, so only three things count:

* **no learning** - the plateau is barely below where the run started
  (relative reduction below ``min_reduction``; for a freshly initialised
  classifier the start is chance level, so this is McFadden's pseudo-R^2);
* **chance level** - the plateau equals ln(C), the cross-entropy of a uniform
  guess over C classes, with C read from an accuracy of about 1/C (or C = 2
  when binary-only metrics such as AUC are logged);
* **high bias** - the classic bias/variance diagnosis on the accuracy-like
  metric: accuracy has plateaued (no significant rise beyond its own noise
  on the trailing window), the training error is still large (accuracy at
  most ``max_accuracy``) and it is mostly bias (validation is about as good
  as training: the accuracy gap is a small share of the training error, or
  the losses are within ``gap_tolerance``), with a learning rate that has
  not been annealed. The loss is not used for this one: a penalty-dominated
  loss keeps shrinking long after the model stopped getting better.

A classifier whose cross-entropy is below -ln(``confident_probability``)
cannot be at chance or not learning. Besides the total loss, each
classification head of a multi-output model is checked on its own: a
held-out head loss that sits at ln(C) for the whole run while its accuracy
never moves is a head at chance, whatever the other heads do.

A training loss that rises or ends non-finite is divergence (the DV rules),
and a run whose loss is still falling significantly is simply not finished.
Every window is a fraction of its own series, so per-step training logs and
per-epoch validation logs are each judged on their own points.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from loganalyzer.detectors import _series, _signal
from loganalyzer.model.finding import Evidence, MissingInput, evidence_values
from loganalyzer.model.run import MetricKey, Quantity, Run, Series, Split

#: Longer training curves are reduced to this many block medians first (speed and noise).
MAX_POINTS = 4000

#: Metrics that only exist for binary classification: their presence means chance is ln 2.
BINARY_ONLY = ("auc", "roc_auc", "auroc", "pr_auc", "average_precision")

#: Names Keras and others give a head's accuracy, after the head's prefix (``gender_`` + ``accuracy``).
ACCURACY_NAMES = ("accuracy", "acc", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy")


@dataclass(frozen=True)
class UnderfittingEvidence:
    """What UF001 measured (None where the log has nothing to say).

    ``criterion`` is ``chance``, ``no-learning`` or ``high-bias``; ``level``
    is the plateau of the loss judged (the total training loss, or a head's
    held-out loss for a head at chance, named by ``head``), ``window`` its
    trailing window in points. ``accuracy``/``train_accuracy`` and
    ``val_accuracy`` are plateau levels, ``accuracy_change`` the Theil-Sen
    gain across the window of the accuracy judged, ``bias`` the training
    error (1 - accuracy) and ``variance`` the train-validation accuracy gap.
    """

    criterion: str
    head: str | None
    level: float
    start_level: float
    reduction_pct: float
    window: int
    window_change_pct: float
    trend_p: float
    plateau_from_step: int
    chance_classes: int | None
    chance_loss: float | None
    true_class_probability: float | None
    val_level: float | None
    gap_pct: float | None
    train_accuracy: float | None
    val_accuracy: float | None
    val_accuracy_change: float | None
    accuracy_change: float | None
    accuracy_window: int | None
    accuracy_p: float | None
    accuracy_gain_sigmas: float | None
    bias: float | None
    variance: float | None
    diagnosis: str


@dataclass(frozen=True)
class Curve:
    """Finite points of a series (block medians when long), with indexes into the original."""

    series: Series
    index: np.ndarray
    step: np.ndarray
    value: np.ndarray


@dataclass(frozen=True)
class Window:
    """Level and trend of the trailing window of a curve."""

    size: int
    level: float
    change: float  # relative change across the window implied by the Theil-Sen slope
    p_decreasing: float
    p_increasing: float

    @property
    def gain(self) -> float:
        """Absolute change across the window (for accuracies: points as a fraction)."""
        return self.change * abs(self.level)


@dataclass(frozen=True)
class Trailing:
    """How long a trailing window is: ``max(minimum, fraction * n)`` points, never all of them."""

    fraction: float
    minimum: int

    def size(self, n: int) -> int:
        """Window length for a curve of ``n`` points."""
        return max(1, min(max(self.minimum, math.ceil(self.fraction * n)), n - 1))


@dataclass(frozen=True)
class Validation:
    """The validation side near the end of the run (everything optional)."""

    level: float | None
    gap: float | None
    accuracy: Curve | None
    accuracy_window: Window | None


def underfitting(
    run: Run,
    *,
    min_points: int,
    window_fraction: float,
    min_window: int,
    plateau_tolerance: float,
    alpha: float,
    min_reduction: float,
    chance_tolerance: float,
    chance_accuracy_slack: float,
    confident_probability: float,
    gap_tolerance: float,
    accuracy_tolerance: float,
    noise_multiple: float,
    min_accuracy_points: int,
    max_plateau_gain: float,
    max_accuracy: float,
    max_variance_share: float,
    lr_floor_fraction: float,
) -> list[Evidence]:
    """Report a training loss that stopped improving while the model is still bad.

    The trailing window is ``max(min_window, window_fraction * n)`` points.
    The loss "still improves" when its Mann-Kendall decrease is significant
    at ``alpha`` *and* the Theil-Sen slope across the window amounts to at
    least ``plateau_tolerance`` of the level; otherwise it has plateaued (a
    significant rise is left to the divergence rules). See the module
    docstring for the kinds of "still bad".

    Evidence: :class:`UnderfittingEvidence`.
    """
    train_series = _series.training_loss(run)
    if train_series is None:
        raise MissingInput("no training loss")
    if train_series.value.size and not np.isfinite(train_series.value[-1]):
        return []  # ends non-finite: divergence, reported by the DV rules
    train = _curve(train_series)
    if train.value.size < min_points:
        raise MissingInput(
            f"training loss has {train.value.size} finite points; at least {min_points} are needed"
        )
    trailing = Trailing(window_fraction, min_window)
    window = _window(train.value, trailing.size(train.value.size))
    rising = window.p_increasing < alpha and window.change >= plateau_tolerance
    if window.level <= 0 or rising:
        return []

    start_level = float(np.median(train.value[:3]))
    reduction = 1.0 - window.level / start_level if start_level > 0 else 0.0
    accuracy = _accuracy_level(run, trailing)
    classifier = accuracy is not None or _has_binary_metric(run)
    chance = _chance_classes(run, window.level, accuracy, chance_tolerance, chance_accuracy_slack)
    unconfident = window.level >= (1.0 - chance_tolerance) * -math.log(confident_probability)
    validation = _validation(run, train_series, trailing)
    accuracy_trailing = Trailing(window_fraction, max(min_window, min_accuracy_points))
    bias = _bias(run, validation, accuracy_trailing, (accuracy_tolerance, max_plateau_gain), noise_multiple)

    stuck = not _improving(window, plateau_tolerance, alpha) and (
        chance is not None or reduction < min_reduction
    )
    if stuck and (unconfident or not classifier):
        criterion = "chance" if chance is not None else "no-learning"
    elif bias is not None and bias.high(max_accuracy, max_variance_share, validation.gap, gap_tolerance):
        if _annealed(run, lr_floor_fraction, trailing):
            return _dead_heads(run, chance_tolerance, chance_accuracy_slack, accuracy_tolerance)
        criterion = "high-bias"
    else:
        return _dead_heads(run, chance_tolerance, chance_accuracy_slack, accuracy_tolerance)

    start = _plateau_start(train.value, window.level, plateau_tolerance, window.size)
    val_accuracy, val_accuracy_change = _held_out_accuracy(validation, bias)
    measured = UnderfittingEvidence(
        criterion=criterion,
        head=None,
        level=window.level,
        start_level=start_level,
        reduction_pct=100.0 * reduction,
        window=window.size,
        window_change_pct=100.0 * window.change,
        trend_p=window.p_decreasing,
        plateau_from_step=int(train.step[start]),
        chance_classes=chance,
        chance_loss=math.log(chance) if chance else None,
        true_class_probability=_signal.exp(-window.level) if classifier else None,
        val_level=validation.level,
        gap_pct=None if validation.gap is None else 100.0 * validation.gap,
        train_accuracy=None if bias is None else bias.train_level,
        val_accuracy=val_accuracy,
        val_accuracy_change=val_accuracy_change,
        accuracy_change=None if bias is None else bias.judged.gain,
        accuracy_window=None if bias is None else bias.judged.size,
        accuracy_p=None if bias is None else bias.judged.p_increasing,
        accuracy_gain_sigmas=None if bias is None else bias.gain_sigmas,
        bias=None if bias is None else bias.error,
        variance=None if bias is None else bias.variance,
        diagnosis="",
    )
    measured = replace(measured, diagnosis=_diagnosis(measured))
    if criterion == "high-bias" and bias is not None:
        curve, begin = bias.curve, bias.curve.value.size - bias.judged.size
    else:
        curve, begin = train, start
    return [
        Evidence(
            metric=str(curve.series.key),
            start_step=int(curve.step[begin]),
            end_step=int(curve.step[-1]),
            values=evidence_values(measured),
            point=int(curve.index[begin]),
        )
    ]


def _held_out_accuracy(validation: Validation, bias: Bias | None) -> tuple[float | None, float | None]:
    """Held-out accuracy level and gain at the end: over the window the plateau was judged on, if it was."""
    if bias is not None and bias.val_level is not None:
        return bias.val_level, bias.judged.gain
    window = validation.accuracy_window
    return (None, None) if window is None else (window.level, window.gain)


def _diagnosis(measured: UnderfittingEvidence) -> str:
    """The clause of the message that says why the model is still poor, for its criterion."""
    m = measured
    if m.criterion == "high-bias":
        return _bias_diagnosis(m)
    chance = f"the chance level ln({m.chance_classes}) = {m.chance_loss or 0.0:.4g}"
    if m.head is not None:
        split = "held-out" if m.val_level is not None else "training"
        return (
            f"head {m.head!r} has its {split} loss at {m.level:.4g}, {chance}, for the whole run, "
            f"with its accuracy fixed at {m.val_accuracy:.3g}: that output is not learning, "
            "whatever the other heads do"
        )
    text = (
        f"training loss {m.level:.4g} since step {m.plateau_from_step}, "
        f"{m.reduction_pct:.0f}% below its start of {m.start_level:.4g}"
    )
    if m.criterion == "chance":
        return f"{text}, at {chance}"
    return f"{text}: it barely learned"


def _bias_diagnosis(m: UnderfittingEvidence) -> str:
    """The bias/variance clause of a high-bias finding."""
    judged = "validation" if m.val_accuracy is not None else "training"
    level = m.val_accuracy if m.val_accuracy is not None else m.train_accuracy
    text = (
        f"{judged} accuracy plateaued at {level:.3g} ({m.accuracy_change:+.3f} over the last "
        f"{m.accuracy_window} points, {m.accuracy_gain_sigmas:.1f} standard errors)"
    )
    if m.variance is not None and m.train_accuracy is not None:
        return (
            f"{text} with training accuracy {m.train_accuracy:.3g}: the error is bias "
            f"({100.0 * (m.bias or 0.0):.0f}% of training examples wrong), not variance "
            f"({100.0 * m.variance:+.1f} points between training and validation)"
        )
    gap = abs(m.gap_pct or 0.0)
    return f"{text} while validation loss is within {gap:.1f}% of training loss: the error is bias"


def _dead_heads(
    run: Run, chance_tolerance: float, chance_accuracy_slack: float, accuracy_tolerance: float
) -> list[Evidence]:
    """Classification heads of a multi-output model that sit at chance for the whole run.

    A head (``gender_loss`` with ``gender_accuracy``) is dead when its loss
    stays within ``chance_tolerance`` of ln(C) at every point after the
    first, for a C consistent with its accuracy (about 1/C), and its accuracy
    never moves by ``accuracy_tolerance`` or more. Held-out heads are
    preferred; one finding per head.
    """
    found: dict[str, Evidence] = {}
    for splits in (_series.HELD_OUT_SPLITS, _series.TRAIN_SPLITS):
        for loss in run.series:
            quantity = loss.key.quantity
            if loss.key.split not in splits or not quantity.endswith("_loss") or quantity in found:
                continue
            accuracy = _head_accuracy(run, loss)
            if accuracy is None:
                continue
            evidence = _dead_head(loss, accuracy, chance_tolerance, chance_accuracy_slack, accuracy_tolerance)
            if evidence is not None:
                found[quantity] = evidence
    return [found[key] for key in sorted(found)]


def _head_accuracy(run: Run, loss: Series) -> Curve | None:
    """The accuracy series of the same head and split as ``loss`` (``gender_loss`` -> ``gender_accuracy``)."""
    prefix = loss.key.quantity[: -len("loss")]
    for name in ACCURACY_NAMES:
        series = run.get(MetricKey(loss.key.split, prefix + name))
        if series is not None:
            finite = series.value[np.isfinite(series.value)]
            if finite.size >= 3 and finite.min() >= 0 and finite.max() <= 1:
                return _curve(series)
    return None


def _dead_head(
    loss: Series, accuracy: Curve, tolerance: float, accuracy_slack: float, accuracy_tolerance: float
) -> Evidence | None:
    """Evidence for one head at chance for the whole run, or None."""
    curve = _curve(loss)
    if curve.value.size < 3 or accuracy.value.size < 3:
        return None
    if float(np.ptp(accuracy.value)) >= accuracy_tolerance:
        return None
    accuracy_level = float(np.median(accuracy.value))
    level = float(np.median(curve.value))
    classes = _chance_from_accuracy(level, accuracy_level, tolerance, accuracy_slack)
    if classes is None:
        return None
    chance = math.log(classes)
    if bool((np.abs(curve.value[1:] - chance) > tolerance * chance).any()):
        return None
    trend = _signal.trend(curve.value)
    start_level = float(curve.value[0])
    measured = UnderfittingEvidence(
        criterion="chance",
        head=loss.key.quantity[: -len("_loss")],
        level=level,
        start_level=start_level,
        reduction_pct=100.0 * (1.0 - level / start_level) if start_level > 0 else 0.0,
        window=int(curve.value.size),
        window_change_pct=100.0 * trend.slope * (curve.value.size - 1) / level,
        trend_p=trend.p_decreasing,
        plateau_from_step=int(curve.step[0]),
        chance_classes=classes,
        chance_loss=chance,
        true_class_probability=_signal.exp(-level),
        val_level=level if loss.key.split in _series.HELD_OUT_SPLITS else None,
        gap_pct=None,
        train_accuracy=accuracy_level if loss.key.split in _series.TRAIN_SPLITS else None,
        val_accuracy=accuracy_level,
        val_accuracy_change=float(np.ptp(accuracy.value)),
        accuracy_change=None,
        accuracy_window=None,
        accuracy_p=None,
        accuracy_gain_sigmas=None,
        bias=1.0 - accuracy_level,
        variance=None,
        diagnosis="",
    )
    measured = replace(measured, diagnosis=_diagnosis(measured))
    return Evidence(
        metric=str(loss.key),
        start_step=int(curve.step[0]),
        end_step=int(curve.step[-1]),
        values=evidence_values(measured),
        point=int(curve.index[0]),
    )


def _chance_from_accuracy(
    level: float, accuracy: float, tolerance: float, accuracy_slack: float
) -> int | None:
    """C when a loss ``level`` is ln(C) for a C with accuracy about 1/C (within the slack), else None."""
    if accuracy <= 0:
        return None
    low = max(2, math.ceil(1.0 / (accuracy * (1.0 + accuracy_slack))))
    high = math.floor(1.0 / (accuracy * (1.0 - accuracy_slack)))
    matching = [
        c for c in range(low, max(low, high) + 1) if abs(level - math.log(c)) <= tolerance * math.log(c)
    ]
    return min(matching, key=lambda c: abs(level - math.log(c))) if matching else None


# --- curves and windows ---------------------------------------------------------------------------


def _curve(series: Series, scale: float = 1.0) -> Curve:
    """Keep the finite points of ``series`` (divided by ``scale``), as block medians when very long."""
    values = series.value.astype(np.float64) / scale
    index = np.flatnonzero(np.isfinite(values))
    value, last = _signal.block_medians(values[index], MAX_POINTS)
    index = index[last]
    return Curve(series, index, series.step[index], value)


def _window(values: np.ndarray, size: int) -> Window:
    """Measure the robust level and the Mann-Kendall/Theil-Sen trend of the last ``size`` values."""
    tail = values[-size:]
    level = float(np.median(tail))
    thinned, _ = _signal.block_medians(tail, _signal.MAX_TREND_POINTS)
    trend = _signal.trend(thinned)
    change = trend.slope * (thinned.size - 1) / abs(level) if level != 0 else 0.0
    return Window(size, level, change, trend.p_decreasing, trend.p_increasing)


def _improving(window: Window, tolerance: float, alpha: float) -> bool:
    """Tell whether a loss window falls significantly *and* by at least ``tolerance`` relative."""
    return window.p_decreasing < alpha and -window.change >= tolerance


def _plateau_start(values: np.ndarray, level: float, tolerance: float, size: int) -> int:
    """Find where the plateau began: the trailing window, extended back while the curve stays level.

    "Level" means the smoothed curve is within the larger of ``tolerance``
    (relative) and three noise sigmas of the plateau level, so minibatch
    noise never ends a plateau.
    """
    head = values.size - size
    smooth = _signal.rolling_median(values, max(3, 2 * (values.size // 100) + 1))[:head]
    band = max(tolerance * abs(level), 3.0 * _signal.noise_sigma(values))
    outside = np.flatnonzero(np.abs(smooth - level) > band)
    return int(outside[-1] + 1) if outside.size else 0


# --- what makes a plateau bad ---------------------------------------------------------------------


def _accuracy_series(run: Run, splits: tuple[Split, ...]) -> Curve | None:
    """Return an accuracy series as fractions in [0, 1] (percent logs rescaled), or None."""
    series = run.find(Quantity.ACCURACY, splits)
    if series is None:
        return None
    finite = series.value[np.isfinite(series.value)]
    if finite.size < 3 or finite.min() < 0 or finite.max() > 100:
        return None
    return _curve(series, 100.0 if finite.max() > 1.0 else 1.0)


def _accuracy_level(run: Run, trailing: Trailing) -> float | None:
    """Return the accuracy at the plateau: training accuracy if logged, else validation."""
    for splits in (_series.TRAIN_SPLITS, _series.HELD_OUT_SPLITS):
        curve = _accuracy_series(run, splits)
        if curve is not None:
            return float(np.median(curve.value[-trailing.size(curve.value.size) :]))
    return None


def _has_binary_metric(run: Run) -> bool:
    """Tell whether the run logs a metric only binary classification has (AUC and kin)."""
    return any(s.key.quantity.lower() in BINARY_ONLY for s in run.series)


def _chance_classes(
    run: Run, level: float, accuracy: float | None, tolerance: float, accuracy_slack: float
) -> int | None:
    """Return C when the loss sits at ln(C) for a C consistent with the log, else None.

    A uniform guess over C classes has accuracy 1/C and cross-entropy ln(C).
    The accuracy pins C to the integers with ``|accuracy * C - 1| <=
    accuracy_slack`` (class imbalance moves chance accuracy a little); C is 2
    when only binary metrics (AUC) identify the task. The loss must lie
    within ``tolerance`` (relative) of ln(C); among several such C the one
    that fits loss and accuracy together best is returned.
    """
    candidates: set[int] = set()
    if accuracy is not None and 0 < accuracy <= 0.5 * (1.0 + accuracy_slack):
        low = max(2, math.ceil(1.0 / (accuracy * (1.0 + accuracy_slack))))
        high = math.floor(1.0 / (accuracy * (1.0 - accuracy_slack)))
        candidates.update(range(low, max(low, high) + 1))
    if _has_binary_metric(run):
        candidates.add(2)
    matching = [c for c in candidates if abs(level - math.log(c)) <= tolerance * math.log(c)]
    if not matching:
        return None

    def misfit(classes: int) -> float:
        loss_misfit = abs(level - math.log(classes)) / math.log(classes)
        return loss_misfit + (abs(accuracy * classes - 1.0) if accuracy is not None else 0.0)

    return min(matching, key=misfit)


def _validation(run: Run, train: Series, trailing: Trailing) -> Validation:
    """Describe the validation loss (and its gap to training) and accuracy over their own trailing windows."""
    val = _series.held_out_loss(run)
    level = gap = None
    if val is not None:
        train_on_val = _series.on_steps(val, train)
        keep = np.isfinite(val.value) & np.isfinite(train_on_val)
        count = int(keep.sum())
        if count >= 3:
            k = trailing.size(count) if count > 3 else count
            level = float(np.median(val.value[keep][-k:]))
            train_level = float(np.median(train_on_val[keep][-k:]))
            gap = (level - train_level) / train_level if train_level > 0 else None
    accuracy = _accuracy_series(run, _series.HELD_OUT_SPLITS)
    window = _window(accuracy.value, trailing.size(accuracy.value.size)) if accuracy is not None else None
    return Validation(level, gap, accuracy, window)


@dataclass(frozen=True)
class Bias:
    """The accuracy side of the bias/variance diagnosis, at the plateau.

    ``curve``/``judged`` are the accuracy the plateau is judged on (held-out
    accuracy when logged, else training) and its trailing window;
    ``train_level`` and ``val_level`` the plateau levels logged;
    ``gain_sigmas`` the window's gain in standard errors; ``improving`` is
    true when that gain is significant (``noise_multiple`` standard errors)
    and practical (``accuracy_tolerance``), and also when the curve is too
    noisy to rule out a gain of ``max_plateau_gain``: a plateau is a claim
    that needs its own evidence.
    """

    curve: Curve
    judged: Window
    train_level: float | None
    val_level: float | None
    gain_sigmas: float
    improving: bool

    @property
    def error(self) -> float:
        """Training error (1 - accuracy): the bias, when training accuracy is logged."""
        level = self.train_level if self.train_level is not None else self.judged.level
        return 1.0 - level

    @property
    def variance(self) -> float | None:
        """Train-minus-validation accuracy: the variance side (None unless both are logged)."""
        if self.train_level is None or self.val_level is None:
            return None
        return self.train_level - self.val_level

    def high(
        self, max_accuracy: float, max_variance_share: float, gap: float | None, gap_tolerance: float
    ) -> bool:
        """Whether the model is stuck with an error that is mostly bias.

        Plateaued (not improving) and still bad (accuracy at most
        ``max_accuracy``), with validation about as good as training on every
        relation the log has: the accuracy gap at most ``max_variance_share``
        of the training error, and the validation loss at most
        ``gap_tolerance`` above the training loss (below is fine: a penalty
        or dropout counted in training only). At least one relation is needed.
        """
        if self.improving or 1.0 - self.error > max_accuracy:
            return False
        variance = self.variance
        if variance is None and gap is None:
            return False
        if variance is not None and variance > max_variance_share * self.error:
            return False
        return gap is None or gap <= gap_tolerance


def _bias(
    run: Run, validation: Validation, trailing: Trailing, gains: tuple[float, float], noise_multiple: float
) -> Bias | None:
    """Measure the accuracy plateau for the bias/variance diagnosis; None when no accuracy is logged.

    The plateau is judged on held-out accuracy when logged (what more
    training would buy), else on training accuracy; the training error, when
    logged, is the bias. ``gains`` are the practical floor of a gain that
    counts as progress and the largest gain a plateau may still hide.
    """
    train = _accuracy_series(run, _series.TRAIN_SPLITS)
    val = validation.accuracy
    curve = val if val is not None else train
    if curve is None:
        return None
    judged = _window(curve.value, trailing.size(curve.value.size))
    train_level = None
    if train is not None:
        train_level = float(np.median(train.value[-trailing.size(train.value.size) :]))
    standard_error = _gain_standard_error(curve.value, judged.size)
    sigmas = judged.gain / standard_error if standard_error > 0 else (math.inf if judged.gain > 0 else 0.0)
    progress, hidden = gains
    rising = judged.gain >= progress and sigmas >= noise_multiple
    unsure = judged.gain + noise_multiple * standard_error >= hidden
    return Bias(
        curve=curve,
        judged=judged,
        train_level=train_level,
        val_level=judged.level if val is not None else None,
        gain_sigmas=sigmas,
        improving=rising or unsure,
    )


def _gain_standard_error(values: np.ndarray, m: int) -> float:
    """Standard error of a trend's gain over the last m points, with the noise measured on the whole curve.

    The standard error of a least-squares slope over m equally spaced points
    is sigma / sqrt(m (m^2 - 1) / 12); the gain is that slope times m - 1.
    Measuring sigma on the whole curve (robustly, from second differences)
    gives a short trailing window the power Mann-Kendall lacks on a handful
    of points, without letting the window's own wobble set its bar.
    """
    if m < 3:
        return 0.0
    return _signal.noise_sigma(values) * (m - 1) / math.sqrt(m * (m * m - 1) / 12.0)


def _annealed(run: Run, floor_fraction: float, trailing: Trailing) -> bool:
    """Tell whether the learning rate ends at most ``floor_fraction`` of its peak.

    A schedule that has decayed (cosine to zero, step decay) ends in a
    plateau by design; that is convergence, not underfitting.
    """
    lr = run.find(Quantity.LEARNING_RATE, (*_series.TRAIN_SPLITS, Split.VALIDATION))
    if lr is None:
        return False
    values = lr.value[np.isfinite(lr.value)]
    if values.size < 2 or values.max() <= 0:
        return False
    end = float(np.median(values[-trailing.size(values.size) :]))
    return end <= floor_fraction * float(values.max())
