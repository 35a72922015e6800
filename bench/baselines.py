"""Re-implementations of published heuristics, as baselines for bench/evaluate.py.

Each baseline takes a Run and answers "does this heuristic flag category X?"
using the heuristic's documented defaults (see ../shared/research/rules-anchors.md
for the sources). They are deliberately faithful, including their known false
alarms: they exist to show where loganalyzer stands against them, not to be good.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from loganalyzer.detectors._durations import epoch_durations
from loganalyzer.detectors._series import on_steps, training_loss, validation_loss
from loganalyzer.model.run import Quantity, Run


def _epoch_pairs(run: Run) -> tuple[np.ndarray, np.ndarray] | None:
    """Train and validation loss on the validation steps (per-step train loss averaged in between)."""
    train, val = training_loss(run), validation_loss(run)
    if train is None or val is None:
        return None
    return on_steps(val, train), val.value.astype(np.float64)


def umlaut_overfitting(run: Run) -> bool:
    """UMLAUT check_overfitting: any epoch where val loss rose while train loss did not."""
    pair = _epoch_pairs(run)
    if pair is None:
        return False
    train, val = pair
    d_train, d_val = np.diff(train), np.diff(val)
    return bool(np.any((d_val > 0) & (d_train <= 0)))


def sagemaker_overfit(run: Run, ratio_threshold: float = 0.1, patience: int = 1) -> bool:
    """SageMaker Debugger Overfit: (mean val - mean train) / mean train > 0.1 for `patience` steps.

    Running means over the steps seen so far (the documented reading of "mean").
    """
    pair = _epoch_pairs(run)
    if pair is None:
        return False
    train, val = pair
    keep = np.isfinite(train) & np.isfinite(val)
    train, val = train[keep], val[keep]
    if train.size == 0:
        return False
    counts = np.arange(1, train.size + 1)
    mean_train, mean_val = np.cumsum(train) / counts, np.cumsum(val) / counts
    with np.errstate(all="ignore"):
        exceeded = (mean_val - mean_train) / mean_train > ratio_threshold
    run_length = 0
    for flag in exceeded:
        run_length = run_length + 1 if flag else 0
        if run_length >= patience:
            return True
    return False


def keras_early_stopping(run: Run, patience: int = 3, min_delta: float = 0.0) -> bool:
    """Keras EarlyStopping(monitor='val_loss', patience=3): would it have stopped before the end?"""
    val = validation_loss(run)
    if val is None:
        return False
    best, wait = np.inf, 0
    for epoch, current in enumerate(val.value):
        wait += 1
        if current - min_delta < best:
            best, wait = current, 0
            continue
        if wait >= patience and epoch > 0:
            return True
    return False


def terminate_on_nan(run: Run) -> bool:
    """Keras TerminateOnNaN: any NaN or infinite training loss."""
    train = training_loss(run)
    return train is not None and not bool(np.isfinite(train.value).all())


def autotrainer_explosion(run: Run, limit: float = 1e3) -> bool:
    """AUTOTRAINER's exploding-loss check: any NaN/inf training loss or a loss of at least 1000."""
    train = training_loss(run)
    if train is None:
        return False
    values = train.value
    return bool((~np.isfinite(values)).any() or (np.abs(values[np.isfinite(values)]) >= limit).any())


def sagemaker_loss_not_decreasing(run: Run, num_steps: int = 10, diff_percent: float = 0.0) -> bool:
    """SageMaker LossNotDecreasing (documented variant) on the training loss, as a plateau detector."""
    train = training_loss(run)
    if train is None or len(train) < 2:
        return False
    steps, values = train.step, train.value
    last_checked = steps[0]
    for i in range(1, len(steps)):
        if steps[i] < last_checked + num_steps:
            continue
        ref = np.searchsorted(steps, steps[i] - num_steps, side="right") - 1
        if ref >= 0 and not values[i] < values[ref] * (1 - diff_percent / 100):
            return True
        last_checked = steps[i]
    return False


def megatron_spiky_loss(run: Run, threshold: float = 10.0, num_samples: int = 100) -> bool:
    """Megatron-LM: a loss >= 10x the max of the first 100 losses."""
    train = training_loss(run)
    if train is None or len(train) <= num_samples:
        return False
    reference = np.nanmax(np.abs(train.value[:num_samples]))
    return bool(np.any(np.abs(train.value[num_samples:]) >= threshold * reference))


def sagemaker_step_outlier(run: Run, stddev: float = 3.0, n_outliers: int = 10) -> bool:
    """SageMaker Debugger StepOutlier on epoch (or interval) durations.

    More than 100 durations needed; fires when more than ``n_outliers`` exceed
    mean + 3 std of all of them (non-robust: the outliers raise the bar).
    Durations are the ones loganalyzer derives, so only the rule differs.
    """
    for durations in epoch_durations(run, 2):
        seconds = durations.seconds
        if seconds.size > 100 and int(np.sum(seconds > seconds.mean() + stddev * seconds.std())) > n_outliers:
            return True
    return False


def sagemaker_gpu_memory_increase(run: Run, increase: float = 5.0, window: int = 10) -> bool:
    """SageMaker Debugger GPUMemoryIncrease on each memory series, without its 1000-sample patience.

    Fires when mean(last ``window``) - mean(values[-window-1:-2]) exceeds
    ``increase`` (percentage points in SageMaker; here the series' own unit)
    at any point. The documented patience of 1000 samples is dropped, or no
    epoch-level log would ever be judged.
    """
    for series in run.series:
        if series.key.quantity != Quantity.MEMORY:
            continue
        values = series.value[np.isfinite(series.value)]
        for end in range(window + 2, values.size + 1):
            seen = values[:end]
            if float(np.mean(seen[-window:]) - np.mean(seen[-window - 1 : -2])) > increase:
                return True
    return False


@dataclass(frozen=True)
class Baseline:
    """A named heuristic and the category it claims to detect."""

    name: str
    category: str
    flags: Callable[[Run], bool]


BASELINES = (
    Baseline("UMLAUT overfitting", "overfitting", umlaut_overfitting),
    Baseline("SageMaker Overfit", "overfitting", sagemaker_overfit),
    Baseline("Keras EarlyStopping(p=3)", "overfitting", keras_early_stopping),
    Baseline("SageMaker LossNotDecreasing", "underfitting", sagemaker_loss_not_decreasing),
    Baseline("Megatron spiky loss x10", "loss-spike", megatron_spiky_loss),
    Baseline("Keras TerminateOnNaN", "divergence", terminate_on_nan),
    Baseline("AUTOTRAINER NaN or loss>=1e3", "divergence", autotrainer_explosion),
    Baseline("SageMaker StepOutlier", "slow-epoch", sagemaker_step_outlier),
    Baseline("SageMaker GPUMemoryIncrease (no patience)", "memory-growth", sagemaker_gpu_memory_increase),
)
