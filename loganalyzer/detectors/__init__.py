"""detectors: pure numeric functions from a Run to evidence; no I/O, no wording, no severity.

Each detector is ``detector(run, *, <thresholds>) -> list[Evidence]``; its
keyword-only parameters have no defaults, because thresholds live in exactly
one place, the rule files in ``rules/``. A detector whose inputs the run does
not have raises :class:`~loganalyzer.model.finding.MissingInput`.

The registry below is the whole set; a rule names its detector by key.
"""

from __future__ import annotations

from loganalyzer.detectors import convergence, divergence, generalization, performance, resources, spikes
from loganalyzer.model.finding import Detector

#: Every detector by the key a rule file names in ``detector = ...``, with its evidence shape.
DETECTORS: dict[str, Detector] = {
    "epoch_slowdown": Detector(performance.epoch_slowdown, performance.EpochSlowdownEvidence),
    "generalization_gap": Detector(
        generalization.generalization_gap, generalization.GeneralizationGapEvidence
    ),
    "loss_drop": Detector(spikes.loss_drop, spikes.LossDropEvidence),
    "loss_explosion": Detector(divergence.loss_explosion, divergence.LossExplosionEvidence),
    "loss_spike": Detector(spikes.loss_spike, spikes.LossSpikeEvidence),
    "memory_growth": Detector(resources.memory_growth, resources.MemoryGrowthEvidence),
    "non_finite_loss": Detector(divergence.non_finite_loss, divergence.NonFiniteLossEvidence),
    "overfitting": Detector(generalization.overfitting, generalization.OverfittingEvidence),
    "slow_epochs": Detector(performance.slow_epochs, performance.SlowEpochsEvidence),
    "underfitting": Detector(convergence.underfitting, convergence.UnderfittingEvidence),
    "validation_loss_spike": Detector(spikes.validation_loss_spike, spikes.ValidationLossSpikeEvidence),
}

__all__ = ["DETECTORS", "Detector"]
