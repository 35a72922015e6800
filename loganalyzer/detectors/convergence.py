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
* **stalled, unconfident classifier** - validation accuracy has stopped
  improving, training and validation loss are equal (no variance left to
  trade, so the error is bias), the training loss only crawls, the learning
  rate has not been annealed, and the cross-entropy says the model gives the
  true class a geometric-mean probability below ``confident_probability``
  (ln 2 for the default one half: a binary classifier at that loss is at
  chance).

A training loss that rises or ends non-finite is divergence (the DV rules),
and a run whose loss is still falling significantly is simply not finished.
Every window is a fraction of its own series, so per-step training logs and
per-epoch validation logs are each judged on their own points.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from loganalyzer.detectors import _series, _signal
from loganalyzer.model.finding import Evidence, MissingInput
from loganalyzer.model.run import Quantity, Run, Series, Split

#: Longer training curves are reduced to this many block medians first (speed and noise).
MAX_POINTS = 4000

#: Metrics that only exist for binary classification: their presence means chance is ln 2.
BINARY_ONLY = ("auc", "roc_auc", "auroc", "pr_auc", "average_precision")


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

    def values(self) -> dict[str, float | None]:
        """Evidence values (None where the log has nothing)."""
        window = self.accuracy_window
        return {
            "val_level": self.level,
            "gap_pct": None if self.gap is None else 100.0 * self.gap,
            "val_accuracy": None if window is None else window.level,
            "val_accuracy_change": None if window is None else window.gain,
        }


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
    slow_progress: float,
    lr_floor_fraction: float,
) -> list[Evidence]:
    """Report a training loss that stopped improving while the model is still bad.

    The trailing window is ``max(min_window, window_fraction * n)`` points.
    The loss "still improves" when its Mann-Kendall decrease is significant
    at ``alpha`` *and* the Theil-Sen slope across the window amounts to at
    least ``plateau_tolerance`` of the level; otherwise it has plateaued (a
    significant rise is left to the divergence rules). See the module
    docstring for the three kinds of "still bad".

    Evidence values: ``criterion`` (``chance``, ``no-learning`` or
    ``stalled-accuracy``), ``level``, ``start_level``, ``reduction_pct``,
    ``window``, ``window_change_pct``, ``trend_p``, ``plateau_from_step``,
    ``chance_loss``/``chance_classes`` (None when unknown),
    ``true_class_probability`` (classifiers), ``val_level``, ``gap_pct``,
    ``val_accuracy`` and ``val_accuracy_change`` (None when not logged).
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

    if classifier and not unconfident:
        return []  # a classifier this sure of the right answer is not underfit, whatever the curve does
    if not _improving(window, plateau_tolerance, alpha) and (chance is not None or reduction < min_reduction):
        criterion = "chance" if chance is not None else "no-learning"
    elif (
        classifier
        and not _improving(window, slow_progress, alpha)
        and _stalled_accuracy(validation, gap_tolerance, accuracy_tolerance, alpha)
        and not _annealed(run, lr_floor_fraction, trailing)
    ):
        criterion = "stalled-accuracy"
    else:
        return []

    start = _plateau_start(train.value, window.level, plateau_tolerance, window.size)
    values = {
        "criterion": criterion,
        "level": window.level,
        "start_level": start_level,
        "reduction_pct": 100.0 * reduction,
        "window": window.size,
        "window_change_pct": 100.0 * window.change,
        "trend_p": window.p_decreasing,
        "plateau_from_step": int(train.step[start]),
        "chance_classes": chance,
        "chance_loss": math.log(chance) if chance else None,
        "true_class_probability": math.exp(-window.level) if classifier else None,
        **validation.values(),
    }
    if criterion == "stalled-accuracy" and validation.accuracy is not None and validation.accuracy_window:
        curve, begin = validation.accuracy, validation.accuracy.value.size - validation.accuracy_window.size
    else:
        curve, begin = train, start
    return [
        Evidence(
            metric=str(curve.series.key),
            start_step=int(curve.step[begin]),
            end_step=int(curve.step[-1]),
            values=values,
            point=int(curve.index[begin]),
        )
    ]


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


def _stalled_accuracy(
    validation: Validation, gap_tolerance: float, accuracy_tolerance: float, alpha: float
) -> bool:
    """Tell whether validation accuracy stalled while training and validation loss are equal."""
    window = validation.accuracy_window
    if window is None or validation.gap is None or abs(validation.gap) > gap_tolerance:
        return False
    return not (window.p_increasing < alpha and window.gain >= accuracy_tolerance)


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
