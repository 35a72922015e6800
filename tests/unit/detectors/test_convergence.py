"""Plateaued underfitting (UF001) on in-memory runs."""

from __future__ import annotations

import math
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loganalyzer.detectors.convergence import underfitting
from loganalyzer.model.finding import MissingInput
from tests.support.labels import corpus_labels, detects
from tests.support.runs import make_run

RULES = Path(__file__).resolve().parents[3] / "rules"


def defaults(code: str) -> dict[str, Any]:
    """The shipped defaults, read from the rule file (thresholds live only there)."""
    document = tomllib.loads((RULES / f"{code}.toml").read_text(encoding="utf-8"))
    return {name: spec["default"] for name, spec in document["parameters"].items()}


UF = defaults("UF001")


def jitter(n: int, sigma: float, seed: int) -> np.ndarray:
    return sigma * np.random.default_rng(seed).standard_normal(n)


def decay(n: int, start: float, end: float, tau: float) -> np.ndarray:
    t = np.arange(n, dtype=float)
    return end + (start - end) * np.exp(-t / tau)


# --- the three kinds of "still bad" ---------------------------------------------------------------


def test_a_ten_class_model_stuck_at_chance_is_reported_with_its_chance_level() -> None:
    n = 40
    loss = decay(n, 2.38, 2.32, 30.0) + jitter(n, 0.001, 1)
    accuracy = 0.1 + jitter(n, 0.005, 2)
    run = make_run(loss=loss, val_loss=loss + 0.003, accuracy=accuracy, val_accuracy=accuracy)
    [evidence] = underfitting(run, **UF)
    values = evidence.values
    assert evidence.metric == "train.loss"
    assert values["criterion"] == "chance"
    assert values["chance_classes"] == 10
    assert values["chance_loss"] == pytest.approx(math.log(10))
    assert values["true_class_probability"] == pytest.approx(math.exp(-values["level"]))
    assert values["reduction_pct"] < 5
    assert abs(values["gap_pct"]) < 1


def test_a_binary_model_pinned_at_ln2_is_at_chance_because_auc_says_binary() -> None:
    n = 30
    loss = np.full(n, math.log(2)) + jitter(n, 1e-4, 3)
    loss[:2] = [0.72, 0.70]
    run = make_run(loss=loss, val_loss=loss, auc=np.full(n, 0.5), accuracy=np.full(n, 0.03))
    [evidence] = underfitting(run, **UF)
    assert evidence.values["criterion"] == "chance"
    assert evidence.values["chance_classes"] == 2


def test_a_regression_loss_that_never_moved_is_no_learning() -> None:
    # MSE of a constant 0.5 output on a balanced binary target: 0.25 throughout, no accuracy logged
    n = 120
    loss = 0.2505 + jitter(n, 0.0005, 4)
    steps = np.arange(n) * 50 + 49
    [evidence] = underfitting(make_run(train_loss=loss, steps={"train_loss": steps}), **UF)
    values = evidence.values
    assert values["criterion"] == "no-learning"
    assert values["chance_classes"] is None
    assert values["true_class_probability"] is None
    assert values["val_accuracy"] is None
    assert evidence.start_step == values["plateau_from_step"]
    assert evidence.start_step in steps
    assert evidence.end_step == steps[-1]


def test_a_crushed_classifier_with_stalled_accuracy_and_no_gap_is_underfitting() -> None:
    # heavy L2: the loss falls from a penalty-dominated start, then creeps; accuracy stalls near 0.6
    loss = np.concatenate([decay(12, 100.0, 2.3, 2.0), 2.3 - 0.0085 * np.arange(1, 29)])
    val_accuracy = np.concatenate([np.linspace(0.16, 0.58, 20), 0.59 + jitter(20, 0.003, 5)])
    run = make_run(loss=loss, val_loss=loss * 1.001, accuracy=val_accuracy + 0.05, val_accuracy=val_accuracy)
    [evidence] = underfitting(run, **UF)
    values = evidence.values
    assert evidence.metric == "validation.accuracy"
    assert values["criterion"] == "high-bias"
    assert values["reduction_pct"] > 90  # the start was the penalty, not chance
    assert values["val_accuracy"] == pytest.approx(0.59, abs=0.01)
    assert values["true_class_probability"] < 0.5


# --- what must not fire ---------------------------------------------------------------------------


QUIET = [
    pytest.param(
        {"loss": decay(60, 2.3, 0.05, 8.0), "val_loss": decay(60, 2.2, 0.08, 8.0)},
        id="healthy-converged-low-loss",
    ),
    pytest.param(
        {
            "loss": np.concatenate([np.full(25, 0.693), decay(75, 0.693, 0.45, 30.0)]),
            "auc": np.linspace(0.5, 0.88, 100),
        },
        id="long-plateau-at-chance-then-learning",
    ),
    pytest.param(
        {
            "loss": decay(30, 0.30, 0.28, 5.0),
            "accuracy": np.full(30, 0.93),
            "val_loss": decay(30, 0.31, 0.29, 5.0),
        },
        id="fine-tune-small-reduction-but-confident",
    ),
    pytest.param(
        {"loss": np.linspace(2.3, 2.0, 30) ** 1.5, "val_loss": np.linspace(2.3, 2.0, 30) ** 1.5},
        id="still-falling-steadily",
    ),
    pytest.param(
        {"loss": np.linspace(0.5, 1.5, 30), "val_loss": np.linspace(0.5, 1.5, 30)},
        id="rising-is-divergence",
    ),
    pytest.param(
        {"loss": np.append(np.full(29, 2.3), np.nan), "val_loss": np.full(30, 2.3)},
        id="ends-non-finite",
    ),
]


@pytest.mark.parametrize("metrics", QUIET)
def test_runs_that_are_not_underfitting(metrics: dict[str, np.ndarray]) -> None:
    assert underfitting(make_run(**metrics), **UF) == []


def _stalled(lr: np.ndarray | None = None, val_scale: float = 1.001) -> dict[str, np.ndarray]:
    n = 40
    loss = np.concatenate([decay(12, 100.0, 2.3, 2.0), 2.3 - 0.0085 * np.arange(1, 29)])
    accuracy = np.concatenate([np.linspace(0.16, 0.58, 20), 0.59 + jitter(20, 0.003, 6)])
    metrics = {"loss": loss, "val_loss": loss * val_scale, "val_accuracy": accuracy}
    if lr is not None:
        metrics["learning_rate"] = lr
    assert loss.size == n
    return metrics


@pytest.mark.parametrize(
    ("metrics", "expected"),
    [
        pytest.param(_stalled(), True, id="constant-rate"),
        pytest.param(_stalled(lr=np.full(40, 1e-3)), True, id="constant-rate-logged"),
        pytest.param(
            _stalled(lr=1e-3 * 0.5 * (1 + np.cos(np.linspace(0, np.pi, 40)))), False, id="cosine-to-zero"
        ),
        pytest.param(_stalled(val_scale=1.4), False, id="validation-far-above-training"),
    ],
)
def test_stalled_accuracy_is_excused_by_an_annealed_schedule_or_a_gap(
    metrics: dict[str, np.ndarray], expected: bool
) -> None:
    assert bool(underfitting(make_run(**metrics), **UF)) is expected


def test_minibatch_noise_on_a_healthy_per_step_curve_is_not_a_plateau_of_a_bad_model() -> None:
    steps = np.arange(3000)
    loss = decay(3000, 2.3, 0.05, 400.0) * np.exp(jitter(3000, 0.3, 7))
    assert underfitting(make_run(loss=loss, steps={"loss": steps}), **UF) == []


def test_missing_inputs_are_reported() -> None:
    with pytest.raises(MissingInput, match="no training loss"):
        underfitting(make_run(val_loss=np.full(20, 2.3)), **UF)
    with pytest.raises(MissingInput, match="at least"):
        underfitting(make_run(loss=np.full(5, 2.3)), **UF)


# --- invariants -----------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(10, 150),
    start=st.floats(0.05, 50.0),
    drop=st.floats(0.0, 0.99),
    tau=st.floats(0.02, 0.5),
    noise_level=st.floats(0.0, 0.02),
    seed=st.integers(0, 10_000),
    scale=st.floats(1e-3, 1e3),
)
def test_scaling_a_loss_without_class_metrics_changes_no_verdict(
    n: int, start: float, drop: float, tau: float, noise_level: float, seed: int, scale: float
) -> None:
    # Without accuracy or AUC the verdict rests on relative change only, so units cannot matter.
    # (With class metrics, chance level ln(C) is an absolute property of cross-entropy.)
    loss = decay(n, start, start * (1 - drop), tau * n) * (1 + jitter(n, noise_level, seed))
    plain = underfitting(make_run(loss=loss), **UF)
    scaled = underfitting(make_run(loss=scale * loss), **UF)
    assert [e.values["criterion"] for e in plain] == [e.values["criterion"] for e in scaled]


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(10, 300),
    floor=st.floats(0.001, 0.3),
    tau=st.floats(0.02, 0.3),
    noise_level=st.floats(0.0, 0.1),
    seed=st.integers(0, 10_000),
)
def test_a_clean_falling_curve_with_noise_is_never_underfitting(
    n: int, floor: float, tau: float, noise_level: float, seed: int
) -> None:
    loss = decay(n, 2.3, floor, tau * n) * np.exp(jitter(n, noise_level, seed))
    accuracy = 1.0 - 0.9 * loss / 2.3
    assert (
        underfitting(make_run(loss=loss, val_loss=loss * 1.1, accuracy=accuracy, val_accuracy=accuracy), **UF)
        == []
    )


# --- the labelled corpus and real logs (by path) ----------------------------------------------------

SHARED = RULES.parent.parent / "shared"


REAL = [
    ("real-logs/BelaBartok39-aes_neural_trainer--training_log_transformer.csv", True),
    ("real-logs/BelaBartok39-aes_neural_trainer--training_log_transformer_ultra.csv", True),
    ("real-logs/DiogoFerreira7-LSTM-Implementation--version_3--metrics.csv", True),
    ("real-logs/BelaBartok39-aes_neural_trainer--training_log_hybrid_ultra.csv", False),
    ("real-logs/DiogoFerreira7-LSTM-Implementation--version_8--metrics.csv", False),
    ("real-logs/Dheena731-tinyLlama-finetune--trainer_state.json", False),
    ("real-logs/Francis-xsc-BERT_Weibo_Rumor--trainer_state.json", False),
    ("real-logs/neelreddyrebala-S9-ResNet50--metrics.csv", False),
    ("real-logs/Graphical27-TDEM--training_history.csv", False),
    ("real-logs/Arifoo00-Pneumonia-EfficientNetB0--training_history.csv", False),
]


@pytest.mark.shared
@pytest.mark.parametrize(
    ("path", "expected"), corpus_labels("underfitting") + REAL, ids=lambda v: str(v).split("/")[-1][:40]
)
def test_labelled_logs(path: str, expected: bool) -> None:
    assert detects(path, underfitting, UF) is expected
