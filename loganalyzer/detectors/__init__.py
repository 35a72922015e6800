"""detectors: pure numeric functions from a Run to evidence; no I/O, no wording, no severity.

Each detector is ``detector(run, *, <thresholds>) -> list[Evidence]``; its
keyword-only parameters have no defaults, because thresholds live in exactly
one place, the rule files in ``rules/``. A detector whose inputs the run does
not have raises :class:`~loganalyzer.model.finding.MissingInput`.

The registry below is the whole set; a rule names its detector by key.
"""

from __future__ import annotations

from loganalyzer.detectors import convergence, divergence, generalization, performance, resources, spikes

DETECTORS = {
    "epoch_slowdown": performance.epoch_slowdown,
    "generalization_gap": generalization.generalization_gap,
    "loss_explosion": divergence.loss_explosion,
    "loss_spike": spikes.loss_spike,
    "memory_growth": resources.memory_growth,
    "non_finite_loss": divergence.non_finite_loss,
    "overfitting": generalization.overfitting,
    "slow_epochs": performance.slow_epochs,
    "underfitting": convergence.underfitting,
    "validation_loss_spike": spikes.validation_loss_spike,
}

__all__ = ["DETECTORS"]
