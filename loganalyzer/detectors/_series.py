"""Choosing and lining up the series a detector looks at.

Detectors ask for meanings ("the training loss", "every validation metric
and which way is better"), not raw names; this module answers from a Run's
canonical keys. It also puts a per-step training curve on the step axis of
an epoch-level validation curve, since most PyTorch loops log the first every
step and the second once per epoch.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np

from loganalyzer.model.finding import Evidence, MissingInput, evidence_values
from loganalyzer.model.run import Quantity, Run, Series, Split

#: Where a "training" quantity may live: Keras and PyTorch habits put it under train, a few tools
#: log it without any split.
TRAIN_SPLITS = (Split.TRAIN, Split.UNKNOWN)

#: Held-out data: validation first, a test split when a run logs no validation.
HELD_OUT_SPLITS = (Split.VALIDATION, Split.TEST)

_LOWER_IS_BETTER = re.compile(
    r"(^|_)(loss|losses|error|err|mae|mse|rmse|msle|mape|nll|perplexity|ppl|wer|cer|bpc|bpd|xent|cross_entropy)($|_)"
)
_HIGHER_IS_BETTER = re.compile(
    r"(^|_)(accuracy|acc|auc|f1|precision|recall|map|map50|dice|iou|jaccard|r2|top1|top5|bleu|rouge\w*"
    r"|coefficient|coef|score|mcc|kappa)($|_|\d)",
)


def direction(quantity: str) -> int:
    """-1 when lower is better (losses, errors), +1 when higher is better (accuracy, AUC), 0 unknown."""
    name = quantity.lower().replace("/", "_").replace(".", "_").replace("-", "_")
    if _LOWER_IS_BETTER.search(name):
        return -1
    if _HIGHER_IS_BETTER.search(name):
        return 1
    return 0


def training_loss(run: Run) -> Series | None:
    """The run's training loss, if it logged one."""
    return run.find(Quantity.LOSS, TRAIN_SPLITS)


def validation_loss(run: Run) -> Series | None:
    """The run's validation loss, if it logged one."""
    return run.find(Quantity.LOSS, (Split.VALIDATION,))


def held_out_loss(run: Run) -> Series | None:
    """The validation loss, or the test loss of a run that logs no validation split."""
    return run.find(Quantity.LOSS, HELD_OUT_SPLITS)


def epoch_groups(epochs: np.ndarray) -> np.ndarray | None:
    """Whole epoch of each point when points are per-step with known epochs, else None.

    Only with at least two points per epoch on average, three epochs, and
    epochs that never go back: an epoch-level series needs no grouping.
    """
    if epochs.size == 0 or not bool(np.isfinite(epochs).all()):
        return None
    whole = np.floor(epochs + 1e-9)
    distinct = np.unique(whole).size
    if distinct < 3 or epochs.size < 2 * distinct or bool((np.diff(whole) < 0).any()):
        return None
    return whole


def series_in(run: Run, split: Split) -> list[Series]:
    """Every series of ``split``, in key order."""
    return sorted((s for s in run.series if s.key.split == split), key=lambda s: s.key)


def mean_between(steps: np.ndarray, values: np.ndarray, boundaries: np.ndarray) -> np.ndarray:
    """Mean of ``values`` over each interval ``(boundaries[k-1], boundaries[k]]``.

    Lines a per-step training curve up with epoch-level validation points:
    the validation point at step b_k is compared with the average training
    loss since the previous validation point. The first interval starts at
    the beginning. NaN where an interval holds no finite point.
    """
    out = np.full(boundaries.size, np.nan)
    finite = np.isfinite(values)
    steps, values = steps[finite], values[finite]
    if steps.size == 0:
        return out
    ends = np.searchsorted(steps, boundaries, side="right")
    starts = np.concatenate([[0], ends[:-1]])
    sums = np.concatenate([[0.0], np.cumsum(values)])
    counts = ends - starts
    valid = counts > 0
    out[valid] = (sums[ends[valid]] - sums[starts[valid]]) / counts[valid]
    return out


def on_steps(reference: Series, other: Series) -> np.ndarray:
    """``other`` expressed on ``reference``'s steps.

    Same steps: the values themselves. ``other`` denser than ``reference``
    (per-step training loss against per-epoch validation): interval means.
    Otherwise: the last value of ``other`` at or before each reference step.
    """
    if other.step.size == reference.step.size and np.array_equal(other.step, reference.step):
        return other.value.astype(np.float64)
    if other.step.size > reference.step.size:
        return mean_between(other.step, other.value, reference.step)
    index = np.searchsorted(other.step, reference.step, side="right") - 1
    out = np.full(reference.step.size, np.nan)
    ok = index >= 0
    out[ok] = other.value[index[ok]]
    return out


def require_training_loss(run: Run) -> Series:
    """Return the run's training loss or raise MissingInput."""
    series = training_loss(run)
    if series is None or len(series) == 0:
        raise MissingInput("the run has no training loss")
    return series


def finite_positive(series: Series) -> tuple[np.ndarray, np.ndarray]:
    """Return indices into ``series`` and values of its finite points; MissingInput on negatives.

    Multiplicative tests need a loss bounded below by zero. A loss that goes
    negative (an ELBO, a GAN generator loss, a log-likelihood of a density
    above one) has no meaningful ratio, so the rule is skipped for it.
    """
    index = np.flatnonzero(np.isfinite(series.value))
    values = series.value[index].astype(np.float64)
    if values.size and float(values.min()) < 0.0:
        raise MissingInput(f"{series.raw_name} takes negative values, so ratios of it are undefined")
    return index, values


def epoch_at(series: Series, index: int) -> float | None:
    """The epoch of point ``index`` of ``series``, or None when the log does not say."""
    epoch = float(series.epoch[index])
    return epoch if math.isfinite(epoch) else None


Measured = TypeVar("Measured")


@dataclass(frozen=True)
class Located(Generic[Measured]):
    """A detector's measurement and where it sits in the run, before it becomes an :class:`Evidence`.

    Detectors keep their typed measurement (and read it back by attribute)
    until the very end, where the engine wants the plain mapping.
    """

    measured: Measured
    metric: str
    start_step: int
    end_step: int
    point: int

    def evidence(self) -> Evidence:
        """The engine's evidence record."""
        return Evidence(
            self.metric, self.start_step, self.end_step, evidence_values(self.measured), self.point
        )
