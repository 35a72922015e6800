"""Plateaued underfitting (UF001) on in-memory runs."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loganalyzer.detectors.convergence import underfitting
from loganalyzer.model.finding import MissingInput
from tests.support.labels import corpus_labels, detects
from tests.support.lookup import load_one
from tests.support.rules import shipped_defaults
from tests.support.runs import make_run

UF = shipped_defaults("UF001")


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


# --- high bias from the accuracy, and a dead head (issue 10, class 6) ------------------------------


def penalty_dominated(seed: int, val_wobble: float = 0.01) -> dict[str, np.ndarray]:
    """Heavy L2 on a binary task: the loss falls 98% from its penalty; accuracy sits near 0.6, train ~ val."""
    rng = np.random.default_rng(seed)
    n = 40
    t = np.arange(n, dtype=float)
    penalty = 0.05 + 30.0 * np.exp(-t / 2.5) + 0.08 * np.exp(-t / 25.0)  # still shrinking at the end
    return {
        "loss": penalty + 0.67 + jitter(n, 0.01, seed),
        "val_loss": penalty + 0.672 + jitter(n, 0.01, seed + 100),
        "accuracy": 0.60 - 0.1 * np.exp(-t / 4.0) + 0.004 * rng.standard_normal(n),
        "val_accuracy": 0.595 - 0.1 * np.exp(-t / 4.0) + val_wobble * rng.standard_normal(n),
    }


@pytest.mark.parametrize("seed", range(6))
def test_a_penalty_dominated_plateau_at_accuracy_06_is_high_bias(seed: int) -> None:
    metrics = penalty_dominated(seed)
    [evidence] = underfitting(make_run(**metrics), **UF)
    values = evidence.values
    assert values["criterion"] == "high-bias"
    assert values["reduction_pct"] > 95  # the loss fell from its penalty
    assert values["val_accuracy"] == pytest.approx(0.595, abs=0.015)
    assert abs(values["variance"]) < 0.05
    assert values["bias"] == pytest.approx(0.4, abs=0.02)


def test_an_accuracy_still_climbing_is_not_a_plateau() -> None:
    rng = np.random.default_rng(9)
    n = 40
    accuracy = np.linspace(0.50, 0.72, n) + 0.008 * rng.standard_normal(n)
    loss = -0.9 * np.log(accuracy)
    metrics = {"loss": loss, "val_loss": loss * 1.02, "accuracy": accuracy + 0.01, "val_accuracy": accuracy}
    assert underfitting(make_run(**metrics), **UF) == []


def test_a_curve_too_noisy_to_rule_out_progress_is_not_called_a_plateau() -> None:
    metrics = penalty_dominated(0, val_wobble=0.01)
    assert underfitting(make_run(**metrics), **UF)
    noisy = dict(metrics, val_accuracy=metrics["val_accuracy"] + jitter(40, 0.05, 7))  # +-5 points
    assert underfitting(make_run(**noisy), **UF) == []


@pytest.mark.parametrize(
    "relation",
    [
        pytest.param({"val_accuracy": 0.42, "val_loss_scale": 2.2}, id="validation-loss-far-above"),
        pytest.param({"val_accuracy": 0.30, "val_loss_scale": None}, id="accuracy-gap-is-variance"),
    ],
)
def test_a_gap_between_training_and_validation_is_variance_not_bias(relation: dict[str, Any]) -> None:
    rng = np.random.default_rng(2)
    n = 30
    t = np.arange(n, dtype=float)
    accuracy = 0.62 - 0.5 * np.exp(-t / 4.0) + 0.004 * rng.standard_normal(n)
    val_accuracy = relation["val_accuracy"] - 0.3 * np.exp(-t / 4.0) + 0.008 * rng.standard_normal(n)
    loss = decay(n, 4.0, 1.2, 6.0)
    metrics = {"loss": loss, "accuracy": accuracy, "val_accuracy": val_accuracy}
    if relation["val_loss_scale"] is not None:
        metrics["val_loss"] = loss * relation["val_loss_scale"]
    assert underfitting(make_run(**metrics), **UF) == []


def two_head_history(gender_learns: bool, seed: int = 0) -> dict[str, Any]:
    """A Keras History of an age head and a gender head; validation lists two epochs shorter."""
    rng = np.random.default_rng(seed)
    n, skipped = 30, 2
    age, val_age = decay(n, 1.2, 0.25, 6.0), decay(n, 1.25, 0.3, 6.0)
    if gender_learns:
        gender, val_gender = decay(n, 0.69, 0.2, 6.0), decay(n, 0.69, 0.25, 6.0)
        gender_acc = 0.95 - 0.45 * np.exp(-np.arange(n) / 6.0)
        val_gender_acc = gender_acc - 0.02
    else:  # saturated at initialisation: constant output, loss ln 2, majority-class accuracy
        gender = math.log(2) + 0.0004 * rng.standard_normal(n)
        val_gender = np.full(n, math.log(2)) + 0.00005 * rng.standard_normal(n)
        gender_acc = 0.512 + 0.004 * rng.standard_normal(n)
        val_gender_acc = np.full(n, 0.5073)
    history = {
        "loss": age + gender,
        "age_loss": age,
        "gender_loss": gender,
        "gender_accuracy": gender_acc,
        "val_loss": (val_age + val_gender)[skipped:],
        "val_age_loss": val_age[skipped:],
        "val_gender_loss": val_gender[skipped:],
        "val_gender_accuracy": val_gender_acc[skipped:],
    }
    return {key: [float(v) for v in values] for key, values in history.items()}


@pytest.mark.parametrize("with_facts", [False, True], ids=["history", "history-with-test-score"])
def test_a_head_at_ln2_with_a_constant_accuracy_in_a_ragged_multi_head_history(
    tmp_path: Path, with_facts: bool
) -> None:
    history = two_head_history(gender_learns=False)
    if with_facts:
        history["test_gender_accuracy"] = 0.507  # a scalar next to the curves
    path = tmp_path / "history.json"
    path.write_text(json.dumps(history), encoding="utf-8")
    run = load_one(path)
    assert run.get("validation.gender_loss") is not None  # the shorter lists are curves too
    [evidence] = underfitting(run, **UF)
    values = evidence.values
    assert evidence.metric == "validation.gender_loss"
    assert values["criterion"] == "chance"
    assert values["head"] == "gender"
    assert values["chance_classes"] == 2
    assert values["level"] == pytest.approx(math.log(2), abs=1e-3)
    assert "gender" in str(values["diagnosis"])


def test_two_learning_heads_are_not_underfitting(tmp_path: Path) -> None:
    path = tmp_path / "history.json"
    path.write_text(json.dumps(two_head_history(gender_learns=True)), encoding="utf-8")
    assert underfitting(load_one(path), **UF) == []


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

SHARED = Path(__file__).resolve().parents[4] / "shared"


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
