"""Overfitting (OF001) and the static generalisation gap (OF002) on in-memory runs."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loganalyzer.detectors import _signal
from loganalyzer.detectors._signal import block_medians
from loganalyzer.detectors.generalization import generalization_gap, overfitting
from loganalyzer.model.finding import MissingInput
from loganalyzer.model.run import Run
from tests.support.labels import corpus_labels, detects
from tests.support.rules import shipped_defaults
from tests.support.runs import make_run

REPO = Path(__file__).resolve().parents[3]


OF = shipped_defaults("OF001")
GAP = shipped_defaults("OF002")


def noise(n: int, relative: float, seed: int) -> np.ndarray:
    return 1.0 + relative * np.random.default_rng(seed).standard_normal(n)


def u_shaped(n: int = 60, best: int = 20, rise: float = 0.3, floor: float = 0.2) -> np.ndarray:
    """Validation loss falling to ``floor`` at ``best``, then rising linearly by ``rise`` (relative)."""
    t = np.arange(n, dtype=float)
    fall = floor + 1.5 * np.exp(-t / (best / 4)) * (t <= best) + 1.5 * np.exp(-best / (best / 4)) * (t > best)
    climb = np.where(t > best, floor * rise * (t - best) / (n - 1 - best), 0.0)
    return fall + climb


def falling(n: int = 60, floor: float = 0.01, scale: float = 2.0, tau: float = 8.0) -> np.ndarray:
    t = np.arange(n, dtype=float)
    return floor + scale * np.exp(-t / tau)


def run_of(val: np.ndarray, train: np.ndarray, **extra: Any) -> Run:
    return make_run(loss=train, val_loss=val, **extra)


# --- overfitting: verdicts ------------------------------------------------------------------------


VERDICTS = [
    pytest.param(u_shaped() * noise(60, 0.01, 1), falling(), True, id="u-shaped-val-train-falls"),
    pytest.param(falling(floor=0.3) * noise(60, 0.01, 2), falling(), False, id="both-still-improving"),
    pytest.param(u_shaped(), u_shaped(rise=2.0), False, id="train-rises-too-divergence"),
    pytest.param(u_shaped(), falling(floor=0.8), True, id="regularised-train-above-val"),
    pytest.param(0.3 * noise(60, 0.05, 3), falling(), False, id="noisy-flat-validation"),
    pytest.param(u_shaped(rise=0.02), falling(), False, id="rise-below-practical-size"),
    pytest.param(u_shaped(n=60, best=57), falling(), False, id="too-few-evaluations-after-best"),
    pytest.param(u_shaped(), np.full(60, 0.5), False, id="train-flat-not-improving"),
]


@pytest.mark.parametrize(("val", "train", "expected"), VERDICTS)
def test_overfitting_verdicts(val: np.ndarray, train: np.ndarray, expected: bool) -> None:
    assert bool(overfitting(run_of(val, train), **OF)) is expected


def test_a_u_shaped_curve_reports_best_rise_trend_and_training_direction() -> None:
    val = u_shaped(n=60, best=20, rise=0.3)
    [evidence] = overfitting(run_of(val, falling()), **OF)
    values = evidence.values
    assert evidence.metric == "validation.loss"
    assert values["monitored"] == "loss"
    assert values["unit"] == "epoch"
    assert 19 <= values["best_at"] <= 21
    assert values["best_value"] == pytest.approx(val.min(), rel=0.01)
    # the last third of the 39 evaluations after the best averages about 25% above it
    assert 20 < values["rise_pct"] < 30
    assert values["train_change_pct"] < -90
    assert values["trend_p"] < 0.001
    assert values["evals_after_best"] == 59 - values["best_at"]
    assert evidence.start_step == values["best_step"]
    assert evidence.end_step == 59
    assert evidence.point == values["best_step"]


def test_the_early_stopping_counterfactual_follows_keras_semantics() -> None:
    # best at epoch 3; Keras with patience 2 stops at the 2nd epoch without improvement (epoch 5)
    val = np.array([1.0, 0.8, 0.6, 0.5, 0.52, 0.55, 0.57, 0.6, 0.62, 0.66, 0.7, 0.75])
    train = np.linspace(1.0, 0.05, val.size)
    [evidence] = overfitting(run_of(val, train), **{**OF, "patience": 2})
    values = evidence.values
    assert values["best_at"] == 3
    assert values["stop_at"] == 5
    assert values["restored_at"] == 3
    assert values["wasted"] == 6
    assert values["total"] == 12
    assert values["wasted_pct"] == pytest.approx(50.0)


def test_patience_longer_than_the_rest_of_the_run_falls_back_to_the_patience_that_acts() -> None:
    val = np.array([1.0, 0.8, 0.6, 0.5, 0.52, 0.55, 0.57, 0.6, 0.62, 0.66, 0.7, 0.75])
    [evidence] = overfitting(run_of(val, np.linspace(1.0, 0.05, val.size)), **{**OF, "patience": 20})
    values = evidence.values
    assert (values["patience"], values["patience_to_best"]) == (1, 1)
    assert (values["stop_at"], values["restored_at"], values["wasted"]) == (4, 3, 7)


def test_five_hf_evaluations_rising_from_the_first_are_enough_when_far_above_noise() -> None:
    # a Hugging Face fine-tune: train loss collapses, eval_loss rises monotonically after the first eval
    train_steps = np.arange(25, 5001, 25)
    train = 0.02 + 1.5 * np.exp(-train_steps / 400)
    val = np.array([0.321, 0.358, 0.394, 0.412, 0.420])
    run = make_run(
        loss=train, val_loss=val, steps={"loss": train_steps, "val_loss": [1000, 2000, 3000, 4000, 5000]}
    )
    [evidence] = overfitting(run, **OF)
    assert evidence.values["best_step"] == 1000
    assert evidence.values["unit"] == "evaluation"
    assert evidence.values["rise_pct"] > 15


def test_three_rising_evaluations_after_the_best_are_not_a_trend() -> None:
    val = np.array([0.35, 0.321, 0.358, 0.394, 0.412])
    train = np.array([0.5, 0.1, 0.01, 0.001, 0.0005])
    assert overfitting(run_of(val, train), **OF) == []


def test_a_monotone_rise_smaller_than_the_curves_noise_is_not_reported() -> None:
    # five steadily rising evaluations (Mann-Kendall alone would call it a trend), but each step is
    # far inside the +-0.06 evaluation-to-evaluation noise the same curve shows before
    zigzag = 0.5 + 0.06 * np.array([1, -1] * 6)
    val = np.concatenate([[1.0, 0.7, 0.5], zigzag, [0.355, 0.36, 0.365, 0.37, 0.375, 0.38]])
    assert overfitting(run_of(val, falling(val.size)), **OF) == []


def test_a_noisy_rise_counts_when_the_generalisation_gap_grows_clear_of_the_noise() -> None:
    # validation rises ~6% after its best, only about two noise widths; training keeps falling fast,
    # so the gap between them grows by many noise widths: overfitting from both sides
    t = np.arange(30)
    rng = np.random.default_rng(4)
    val = (
        2.7
        + 1.7 * np.exp(-t / 3.0)
        + np.where(t > 17, 0.17 * (t - 17) / 12, 0)
        + 0.06 * rng.standard_normal(30)
    )
    train = 4.8 * np.exp(-t / 9.0) + 0.9
    [evidence] = overfitting(run_of(val, train), **OF)
    z_needed = _signal.familywise_z(30, OF["alpha"])
    assert evidence.values["rise_sigma"] < z_needed < evidence.values["gap_growth_sigma"]


def test_per_step_training_loss_is_averaged_between_evaluations() -> None:
    epochs, per_epoch = 40, 50
    steps = np.arange(epochs * per_epoch)
    train = (0.01 + 2.0 * np.exp(-steps / 300)) * noise(steps.size, 0.2, 4)
    val_steps = (np.arange(epochs) + 1) * per_epoch - 1
    val = u_shaped(n=epochs, best=12, rise=0.4)
    run = make_run(loss=train, val_loss=val, steps={"loss": steps, "val_loss": val_steps})
    [evidence] = overfitting(run, **OF)
    assert evidence.values["best_step"] == val_steps[evidence.values["best_at"]]
    assert evidence.values["train_change_pct"] < -50


def test_non_finite_training_loss_after_the_best_is_divergence_not_overfitting() -> None:
    train = falling()
    train[45:] = np.nan
    assert overfitting(run_of(u_shaped(), train), **OF) == []


def test_nan_validation_points_are_skipped() -> None:
    val = u_shaped()
    val[[5, 30, 41]] = np.nan
    [evidence] = overfitting(run_of(val, falling()), **OF)
    assert evidence.values["total"] == 57


def test_validation_accuracy_alone_is_read_as_an_error() -> None:
    val_error = u_shaped(rise=0.5, floor=0.1) / 2
    train_error = falling(floor=0.001, scale=0.8)
    run = make_run(accuracy=1.0 - train_error, val_accuracy=1.0 - val_error)
    [evidence] = overfitting(run, **OF)
    assert evidence.metric == "validation.accuracy"
    assert evidence.values["monitored"] == "1 - accuracy"
    assert evidence.values["best_value"] == pytest.approx(1.0 - val_error.min(), abs=0.01)


def test_percent_accuracy_is_rescaled() -> None:
    val_error = u_shaped(rise=0.5, floor=0.1) / 2
    run = make_run(loss=falling(), val_accuracy=100.0 * (1.0 - val_error))
    [evidence] = overfitting(run, **OF)
    assert evidence.values["monitored"] == "1 - accuracy/100"
    assert 93 < evidence.values["best_value"] < 97


def test_a_test_split_stands_in_for_a_missing_validation_split() -> None:
    [evidence] = overfitting(make_run(loss=falling(), test_loss=u_shaped()), **OF)
    assert evidence.metric == "test.loss"


def test_loss_components_are_summed_when_there_is_no_total_loss() -> None:
    # YOLO-style: one component drifts up, the other keeps falling; their sum (the objective) falls
    n = 80
    box_val, obj_val = falling(n, floor=0.03, scale=0.08), u_shaped(n, best=40, rise=0.15, floor=0.01)
    box_train, obj_train = falling(n, floor=0.02, scale=0.1), falling(n, floor=0.008, scale=0.02)
    run = make_run(
        **{
            "train/box_loss": box_train,
            "train/obj_loss": obj_train,
            "val/box_loss": box_val,
            "val/obj_loss": obj_val,
        }
    )
    assert overfitting(run, **OF) == []


@pytest.mark.parametrize(
    ("metrics", "reason"),
    [
        pytest.param({"loss": falling()}, "no validation", id="no-validation"),
        pytest.param({"val_loss": u_shaped()}, "no training curve", id="no-training"),
        pytest.param({"loss": falling(4), "val_loss": u_shaped(4, best=1)}, "at least", id="too-short"),
    ],
)
def test_missing_inputs_are_reported(metrics: dict[str, np.ndarray], reason: str) -> None:
    with pytest.raises(MissingInput, match=reason):
        overfitting(make_run(**metrics), **OF)


# --- overfitting: invariants ----------------------------------------------------------------------


curve_shapes = st.builds(
    dict,
    n=st.integers(12, 150),
    best_fraction=st.floats(0.1, 0.9),
    rise=st.floats(0.0, 1.0),
    noise_level=st.floats(0.0, 0.08),
    seed=st.integers(0, 10_000),
)


def shaped(spec: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    n = spec["n"]
    best = max(2, int(spec["best_fraction"] * n))
    val = u_shaped(n, best=min(best, n - 2), rise=spec["rise"]) * noise(n, spec["noise_level"], spec["seed"])
    return val, falling(n, tau=max(2.0, n / 8))


@settings(max_examples=40, deadline=None)
@given(spec=curve_shapes, scale=st.floats(1e-3, 1e3))
def test_scaling_the_losses_changes_no_overfitting_verdict(spec: dict[str, Any], scale: float) -> None:
    val, train = shaped(spec)
    plain = overfitting(run_of(val, train), **OF)
    scaled = overfitting(run_of(scale * val, scale * train), **OF)
    assert bool(plain) == bool(scaled)
    if plain:
        assert plain[0].values["best_step"] == scaled[0].values["best_step"]
        assert plain[0].values["rise_pct"] == pytest.approx(scaled[0].values["rise_pct"], rel=1e-6)


@settings(max_examples=40, deadline=None)
@given(spec=curve_shapes, extra=st.integers(3, 30))
def test_appending_improving_epochs_never_reports_overfitting(spec: dict[str, Any], extra: int) -> None:
    val, train = shaped(spec)
    # keep training and validation both improving, to a new best at the very end
    tail_val = val.min() * np.linspace(0.99, 0.8, extra)
    tail_train = train[-1] * np.linspace(0.99, 0.5, extra)
    assert overfitting(run_of(np.append(val, tail_val), np.append(train, tail_train)), **OF) == []


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(8, 200),
    tau=st.floats(0.05, 0.8),
    noise_level=st.floats(0.0, 0.05),
    seed=st.integers(0, 10_000),
)
def test_a_clean_falling_validation_curve_with_noise_is_never_overfitting(
    n: int, tau: float, noise_level: float, seed: int
) -> None:
    val = falling(n, floor=0.2, tau=tau * n) * noise(n, noise_level, seed)
    assert overfitting(run_of(val, falling(n, tau=tau * n / 2)), **OF) == []


# --- generalisation gap ---------------------------------------------------------------------------


def test_a_gap_at_the_end_is_reported_with_levels_and_onset() -> None:
    n = 40
    train = falling(n, floor=0.05, scale=2.0, tau=6.0)
    val = falling(n, floor=0.25, scale=1.8, tau=6.0)
    [evidence] = generalization_gap(run_of(val, train), **GAP)
    values = evidence.values
    assert values["train_end"] == pytest.approx(train[-4:].mean(), rel=0.05)
    assert values["val_end"] == pytest.approx(val[-4:].mean(), rel=0.05)
    assert values["gap"] == pytest.approx(values["val_end"] - values["train_end"])
    assert values["gap_pct"] == pytest.approx(100 * values["gap"] / values["train_end"])
    assert 0 < values["onset_step"] < 39
    assert evidence.start_step == values["onset_step"]


@pytest.mark.parametrize(
    ("val_floor", "expected"),
    [
        pytest.param(0.05, False, id="no-gap"),
        pytest.param(0.052, False, id="gap-below-ten-percent"),
        pytest.param(0.03, False, id="validation-below-training"),
        pytest.param(0.2, True, id="large-gap"),
    ],
)
def test_gap_verdicts(val_floor: float, expected: bool) -> None:
    train = falling(40, floor=0.05, tau=6.0)
    val = falling(40, floor=val_floor, tau=6.0)
    assert bool(generalization_gap(run_of(val, train), **GAP)) is expected


def test_gap_needs_both_curves() -> None:
    with pytest.raises(MissingInput):
        generalization_gap(make_run(val_loss=falling()), **GAP)


# --- helpers --------------------------------------------------------------------------------------


def test_block_medians_keep_short_series_and_summarise_long_ones() -> None:
    short = np.arange(10.0)
    values, last = block_medians(short, 100)
    assert values is short
    assert last.tolist() == list(range(10))
    long = np.arange(1001.0)
    values, last = block_medians(long, 100)
    assert values.size <= 100
    assert last[-1] == 1000
    assert values[0] == pytest.approx(np.median(long[:11]))
    assert math.isclose(values[-1], np.median(long[last[-2] + 1 :]))


# --- the labelled corpus and real logs (by path) ----------------------------------------------------

SHARED = REPO.parent / "shared"


REAL = [
    ("real-logs/DeV-21-Waste-Classification-CNN--training_history.csv", True),
    ("real-logs/DexterGomez-ftc-unet--training_history.csv", True),
    ("real-logs/HiKami172-pokemons-lenet--training_history.csv", True),
    ("real-logs/P4P4N1CK-whisper-large-v2-ja--trainer_state.json", True),
    ("real-logs/TheCodeheadMT-TensorBoard-Tutorial--imdb-model", True),
    # labelled overfitting, but its post-best rise is within two noise widths (see OF001 limits)
    ("real-logs/Aitzaz-Saleem-TomatoLeafCNN--training_log.csv", False),
    ("real-logs/Graphical27-TDEM--training_history.csv", False),
    ("real-logs/Grafit-Kil-helmet-yolov5--exp2--results.csv", False),
    ("real-logs/Dheena731-tinyLlama-finetune--trainer_state.json", False),
    ("real-logs/BelaBartok39-aes_neural_trainer--training_log_hybrid_ultra.csv", False),
    ("real-logs/TheCodeheadMT-TensorBoard-Tutorial--Exp_2_sgd_200_0.2", False),
    ("real-logs/Arifoo00-Pneumonia-EfficientNetB0--training_history.csv", False),
    ("real-logs/neelreddyrebala-S9-ResNet50--metrics.csv", False),
]


@pytest.mark.shared
@pytest.mark.parametrize(
    ("path", "expected"), corpus_labels("overfitting") + REAL, ids=lambda v: str(v).split("/")[-1][:40]
)
def test_labelled_logs(path: str, expected: bool) -> None:
    assert detects(path, overfitting, OF) is expected


def test_patience_to_best_is_the_longest_stall_before_the_lowest_evaluation_plus_one() -> None:
    from loganalyzer.detectors.generalization import _patience_to_best

    values = np.array([1.0, 0.8, 0.85, 0.9, 0.7, 0.75, 0.76, 0.77, 0.78, 0.6, 0.65])
    assert _patience_to_best(values) == 5  # four evaluations without improvement before 0.6
    assert _patience_to_best(np.array([3.0, 2.0, 1.0])) == 1


def yolo_like(box_end: float, cls_end: float, n: int = 60, seed: int = 0):  # type: ignore[no-untyped-def]
    """Train terms fall; val box falls then rises to box_end, val cls falls to cls_end."""
    rng = np.random.default_rng(seed)
    epochs = np.arange(n)
    t_box = 1.0 * np.exp(-epochs / 30) + 0.5
    t_cls = 1.0 * np.exp(-epochs / 20) + 0.3
    v_box = np.where(epochs < 10, 1.3 - 0.01 * epochs, 1.2 + (box_end - 1.2) * (epochs - 10) / (n - 11))
    v_cls = 1.3 + (cls_end - 1.3) * epochs / (n - 1)
    noise = lambda: rng.normal(0, 0.004, n)  # noqa: E731
    return make_run(
        **{
            "train/box_loss": t_box,
            "train/cls_loss": t_cls,
            "val/box_loss": v_box + noise(),
            "val/cls_loss": v_cls + noise(),
        }
    )


def test_a_head_that_overfits_while_the_whole_model_stops_improving_is_found() -> None:
    findings = overfitting(yolo_like(box_end=1.4, cls_end=1.1), **OF)
    assert [f.metric for f in findings] == ["validation.box_loss"]


def test_a_head_that_worsens_while_the_whole_model_improves_is_a_trade_off_not_overfitting() -> None:
    assert overfitting(yolo_like(box_end=1.35, cls_end=0.6), **OF) == []
