"""Loss spikes (LS001/LS002), non-finite loss (DV001) and loss explosion (DV002) on in-memory runs."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loganalyzer.detectors.divergence import loss_explosion, non_finite_loss
from loganalyzer.detectors.spikes import loss_drop, loss_spike, validation_loss_spike
from loganalyzer.model.finding import Evidence, MissingInput
from loganalyzer.model.run import Run
from tests.support.rules import shipped_defaults
from tests.support.runs import make_run

SHARED = Path(__file__).resolve().parents[4] / "shared"


SPIKE = shipped_defaults("LS001")
DROP = shipped_defaults("LS003")
NON_FINITE = shipped_defaults("DV001")
EXPLOSION = shipped_defaults("DV002")
VALIDATION_SPIKE = shipped_defaults("LS002")


# --- curve builders -------------------------------------------------------------------------------


def decaying(n: int, *, start: float = 2.3, floor: float = 0.05, tau: float | None = None) -> np.ndarray:
    """A clean training curve falling from ``start`` towards ``floor``."""
    t = np.arange(n, dtype=float)
    return floor + (start - floor) * np.exp(-t / (tau if tau is not None else n / 5))


def minibatch(curve: np.ndarray, *, batch: int = 32, seed: int = 0) -> np.ndarray:
    """Per-step losses: the curve times the mean of ``batch`` unit-mean exponential example losses."""
    return curve * np.random.default_rng(seed).gamma(batch, 1.0 / batch, curve.size)


def lognormal(curve: np.ndarray, sigma: float, seed: int = 0) -> np.ndarray:
    return curve * np.exp(sigma * np.random.default_rng(seed).standard_normal(curve.size))


def spikes(run: Run, **override: Any) -> list[Evidence]:
    return loss_spike(run, **{**SPIKE, **override})


def drops(run: Run, **override: Any) -> list[Evidence]:
    return loss_drop(run, **{**DROP, **override})


def explosion(run: Run, **override: Any) -> list[Evidence]:
    return loss_explosion(run, **{**EXPLOSION, **override})


def val_spikes(run: Run, **override: Any) -> list[Evidence]:
    return validation_loss_spike(run, **{**VALIDATION_SPIKE, **override})


# --- LS001 training-loss spikes -------------------------------------------------------------------


def test_a_corrupted_batch_in_per_step_noise_is_one_up_event_with_its_step_ratio_and_recovery() -> None:
    loss = minibatch(decaying(1200), seed=3)
    loss[600] *= 12.0
    [event] = spikes(make_run(loss=loss, steps={"loss": range(1200)}))
    values = event.values
    assert (values["step"], values["events"], values["points"]) == (600, 1, 1)
    assert 8.0 < values["ratio"] < 18.0
    assert values["z"] >= values["threshold_z"] >= SPIKE["z_floor"]
    assert values["recovered"] is True and values["recovery_steps"] <= 3
    assert event.metric == "train.loss" and event.point == 600 and event.start_step == 600


def test_a_batch_whose_loss_collapses_to_zero_is_a_drop_and_never_a_spike() -> None:
    loss = minibatch(decaying(1200), seed=4)
    loss[700] = 0.0
    run = make_run(loss=loss, steps={"loss": range(1200)})
    [event] = drops(run)
    assert (event.values["step"], event.values["ratio"]) == (700, 0.0)
    assert event.values["z"] is None  # minus infinity is not a JSON number
    assert spikes(run) == []


def test_a_multi_step_burst_is_one_event_and_max_events_keeps_the_largest() -> None:
    loss = minibatch(decaying(2000), seed=5)
    loss[500:503] *= 6.0
    loss[1500] *= 20.0
    run = make_run(loss=loss, steps={"loss": range(2000)})
    burst, single = spikes(run)
    assert 500 <= burst.values["step"] <= 502 and burst.values["points"] == 3
    assert (single.values["step"], single.values["points"]) == (1500, 1)
    [largest] = spikes(run, max_events=1)
    assert (largest.values["step"], largest.values["events"]) == (1500, 2)


QUIET = [
    pytest.param(minibatch(decaying(1200), batch=8, seed=1), id="per-step-minibatch-noise-batch-8"),
    pytest.param(
        minibatch(decaying(3000, floor=0.002), batch=32, seed=2), id="per-step-noise-near-zero-loss"
    ),
    pytest.param(lognormal(decaying(800), 0.3, seed=3), id="per-step-lognormal-noise"),
    pytest.param(decaying(40, start=1.0, floor=0.2), id="smooth-epoch-curve"),
    pytest.param(
        np.array([0.254, 0.120, 0.0018, 0.0012, 8e-4, 6e-4, 5e-4, 4.5e-4, 4e-4, 3.5e-4, 3e-4]), id="cliff"
    ),
    pytest.param(
        np.concatenate([decaying(10, start=0.4, floor=0.03), decaying(6, start=0.09, floor=0.05)]),
        id="learning-rate-restart",
    ),
    pytest.param(
        np.array([2e-4, 1e-4, 2e-4, 2e-4, 1e-4, 1e-4, 2e-4, 1e-4, 3e-4, 1e-4, 1e-4, 2e-4] * 5), id="rounded"
    ),
    pytest.param(
        np.round(minibatch(decaying(3000, start=0.02, floor=2e-4), seed=6), 4),
        id="rounded-per-step-near-its-grid",
    ),
]


@pytest.mark.parametrize("loss", QUIET)
def test_healthy_curves_have_no_spikes(loss: np.ndarray) -> None:
    assert spikes(make_run(loss=loss, steps={"loss": range(loss.size)})) == []


def test_spikes_on_an_epoch_log_need_an_instability_not_noise() -> None:
    smooth = decaying(40, start=2.0, floor=0.1)
    bumped = smooth.copy()
    bumped[20] *= 3.0
    assert spikes(make_run(loss=smooth)) == []
    [event] = spikes(make_run(loss=bumped))
    assert event.values["step"] == 20 and event.values["epoch"] == 20.0


@pytest.mark.parametrize(
    ("run", "reason"),
    [
        pytest.param(make_run(val_loss=[1.0] * 20), "no training loss", id="no-training-loss"),
        pytest.param(make_run(loss=[0.5] * 5), "finite points; the rule needs 10", id="too-few-points"),
        pytest.param(make_run(loss=[-1.0, -2.0] * 10), "negative", id="negative-loss"),
        pytest.param(
            make_run(loss=np.maximum(0.0, np.sin(np.arange(300)))), "exactly zero", id="hinge-often-zero"
        ),
    ],
)
def test_spike_rule_is_skipped_without_usable_training_loss(run: Run, reason: str) -> None:
    with pytest.raises(MissingInput, match=reason):
        spikes(run)


# --- LS002 validation-loss spikes -------------------------------------------------------------------


VALIDATION = [
    pytest.param(
        [0.61, 0.96, 0.39, 0.33, 0.92, 0.25, 0.43, 0.16, 0.17, 0.29], 4, id="jumpy-validation-curve"
    ),
    pytest.param(
        [8.3, 0.2, 0.22, 0.25, 0.12, 0.18, 0.11, 0.08, 0.06, 0.055, 0.64, 0.2, 0.19, 0.17, 0.48, 1.1],
        10,
        id="jump-at-a-restart",
    ),
    pytest.param(list(decaying(30, start=1.5, floor=0.3)), None, id="smooth"),
    pytest.param(
        list(0.2 + 0.004 * np.arange(40) + lognormal(np.full(40, 0.02), 0.2, seed=7)), None, id="overfitting"
    ),
    pytest.param([*decaying(20, start=1.0, floor=0.3)[:-1], 0.9], None, id="jump-on-last-point-not-judged"),
]


@pytest.mark.parametrize(("val", "step"), VALIDATION)
def test_validation_loss_jumps_that_come_back(val: list[float], step: int | None) -> None:
    found = val_spikes(make_run(val_loss=val))
    if step is None:
        assert found == []
    else:
        assert step in [e.values["step"] for e in found]
        assert all(e.metric == "validation.loss" and e.values["excess_ratio"] >= 2.0 for e in found)


def test_a_validation_loss_on_a_coarse_grid_does_not_jump_by_one_grid_step() -> None:
    val = [0.0001, 0.0001, 0.0003, 0.0001, 0.0001, 0.0001, 0.0002, 0.0001, 0.0001, 0.0001, 0.0001, 0.0001] * 3
    assert val_spikes(make_run(val_loss=val)) == []
    val[20] = 0.0006  # six grid steps over a level of one: a jump whatever the rounding
    assert [e.values["step"] for e in val_spikes(make_run(val_loss=val))] == [20]


def smooth_validation(n: int = 30, seed: int = 0) -> np.ndarray:
    """A smooth held-out loss (fixed validation set): decaying, with 1% evaluation noise."""
    rng = np.random.default_rng(seed)
    return (0.1 + 1.8 * np.exp(-np.arange(n) / 4.0)) * np.exp(rng.normal(0.0, 0.01, n))


def test_a_bad_batch_leaves_a_small_but_significant_transient_jump_in_validation() -> None:
    val = smooth_validation()
    val[20] *= 1.35  # the model was briefly worse after a corrupted batch, then recovered
    [event] = val_spikes(make_run(val_loss=val))
    assert event.values["step"] == 20 and event.values["recovered"] is True
    assert event.values["z"] > event.values["threshold_z"] >= VALIDATION_SPIKE["neighbour_z"]


@pytest.mark.parametrize("seed", range(20))
def test_smooth_validation_without_damage_never_jumps(seed: int) -> None:
    assert val_spikes(make_run(val_loss=smooth_validation(seed=seed))) == []


def test_a_shoulder_on_a_steep_curve_is_not_a_jump() -> None:
    val = smooth_validation()
    val[6] = val[5] * 1.01  # level for one evaluation, then the fall resumes: above one neighbour only
    assert val_spikes(make_run(val_loss=val)) == []


def test_validation_spike_rule_needs_a_validation_loss() -> None:
    with pytest.raises(MissingInput, match="validation loss"):
        val_spikes(make_run(loss=[1.0] * 10))


# --- DV001 non-finite loss ------------------------------------------------------------------------


def test_nan_after_a_climb_reports_first_step_and_what_led_to_it() -> None:
    loss = [1.05, 1.0, 0.93, 0.85, 0.75, 0.65, 0.57, 0.52, 0.495, 0.498, 0.59, 0.71, 0.78, 3.3] + [
        math.nan
    ] * 6
    [event] = non_finite_loss(make_run(loss=loss), **NON_FINITE)
    values = event.values
    assert (values["step"], values["kind"], values["non_finite_points"], values["points"]) == (
        14,
        "nan",
        6,
        20,
    )
    assert (values["last_finite_step"], values["best_step"], values["recovered"]) == (13, 8, False)
    assert values["rise_before"] == pytest.approx(3.3 / 0.495)
    assert (event.start_step, event.end_step, event.point) == (14, 19, 14)


def test_a_transient_overflow_is_reported_as_recovered() -> None:
    [event] = non_finite_loss(make_run(loss=[1.0, 0.8, math.inf, 0.7, 0.6]), **NON_FINITE)
    assert (event.values["kind"], event.values["recovered"], event.end_step) == ("inf", True, 2)


def test_a_nan_first_point_has_no_history() -> None:
    [event] = non_finite_loss(make_run(loss=[math.nan, 1.0, 0.9]), **NON_FINITE)
    assert event.values["last_finite_value"] is None and event.values["rise_before"] is None


def test_non_finite_validation_loss_is_reported_only_when_asked() -> None:
    run = make_run(loss=[1.0, 0.9, 0.8, 0.7], val_loss=[1.1, 1.0, -math.inf, 0.9])
    [event] = non_finite_loss(run, include_validation=True)
    assert (event.metric, event.values["kind"], event.values["step"]) == ("validation.loss", "-inf", 2)
    assert non_finite_loss(run, include_validation=False) == []


def test_finite_losses_give_nothing_and_no_loss_is_missing_input() -> None:
    assert non_finite_loss(make_run(loss=[1.0, 0.5]), **NON_FINITE) == []
    with pytest.raises(MissingInput):
        non_finite_loss(make_run(accuracy=[0.1, 0.2]), **NON_FINITE)


# --- DV002 loss explosion -------------------------------------------------------------------------

CHANCE = math.log(10.0)


def dead_after(
    first: float, n: int = 20, *, level: float = CHANCE, jitter: float = 0.002, seed: int = 0
) -> list[float]:
    """A first epoch that blew up to ``first``, then a dead network sitting at ``level``."""
    return [first, *list(level * (1.0 + jitter * np.random.default_rng(seed).standard_normal(n - 1)))]


EXPLOSIONS = [
    pytest.param(dead_after(2.3e7, jitter=0.0, level=2.4124), "blow-up", id="epoch-0-blow-up-then-constant"),
    pytest.param(dead_after(6.9e25, n=25), "blow-up", id="epoch-0-blow-up-then-chance"),
    pytest.param(dead_after(9.0e8, level=17.5, jitter=0.05), "blow-up", id="epoch-0-blow-up-then-noisy-dead"),
    pytest.param(
        [2.3, 2.2, 2.1, 1.9, 1.7, 1.5, 1.2, 1e6, 2.3, 2.31, 2.29, 2.3, 2.3, 2.31],
        "blow-up",
        id="mid-run-blow-up-kills-the-net",
    ),
    pytest.param([*decaying(15, start=2.0, floor=0.3), 3e4], "blow-up", id="ends-inside-the-blow-up"),
    pytest.param(
        [
            2.58,
            2.38,
            1.65,
            1.30,
            1.10,
            0.885,
            0.670,
            0.496,
            0.339,
            0.209,
            0.114,
            0.069,
            0.061,
            0.067,
            0.110,
            0.204,
            0.334,
            0.463,
            0.554,
        ],
        "sustained-rise",
        id="climbs-every-epoch-after-its-best",
    ),
    pytest.param(
        list(np.concatenate([decaying(8, start=2.2, floor=0.4), 0.4 * 1.6 ** np.arange(1, 30)])),
        "sustained-rise",
        id="exponential-growth-to-the-end",
    ),
]


@pytest.mark.parametrize(("loss", "pattern"), EXPLOSIONS)
def test_explosions_are_found(loss: list[float], pattern: str) -> None:
    [event] = explosion(make_run(loss=loss))
    assert event.values["pattern"] == pattern
    assert event.metric == "train.loss"
    if pattern == "blow-up":
        assert event.values["factor"] >= EXPLOSION["blowup_factor"]
    else:
        assert event.values["factor"] >= EXPLOSION["rise_ratio"]
        assert event.values["giveback"] >= EXPLOSION["min_giveback"]
        assert event.values["p_value"] < EXPLOSION["alpha"]


def test_sustained_rise_evidence_numbers() -> None:
    loss = [
        2.58,
        2.38,
        1.65,
        1.30,
        1.10,
        0.885,
        0.670,
        0.496,
        0.339,
        0.209,
        0.114,
        0.069,
        0.061,
        0.067,
        0.110,
        0.204,
        0.334,
        0.463,
        0.554,
    ]
    [event] = explosion(make_run(loss=loss))
    values = event.values
    assert values["reference_step"] == 12 and values["reference_value"] == pytest.approx(0.067)
    assert (values["peak_step"], values["peak_value"]) == (18, 0.554)
    assert values["end_value"] == pytest.approx(0.463) and values["start_value"] == pytest.approx(2.38)
    assert values["giveback"] == pytest.approx((0.463 - 0.067) / (2.38 - 0.067))
    assert event.start_step == 12 and event.end_step == 18


NOT_EXPLOSIONS = [
    pytest.param(
        [4.15, 2.41, 2.31, 2.36, 2.31, 2.31, 2.31, 2.31, 2.31, 2.31, 2.31, 2.31],
        id="dies-at-chance-no-blow-up",
    ),
    pytest.param(list(0.254 * np.exp(-np.arange(60) / 6.0) + 2e-5), id="healthy-falls-ten-thousandfold"),
    pytest.param(
        list(np.concatenate([decaying(50, start=0.7, floor=1e-4), 1e-4 * np.exp(np.arange(40) / 10.0)])),
        id="wobble-near-zero-gives-back-little",
    ),
    pytest.param(
        [2.3, 2.0, 1.7, 1.5, 1.3, 1.2, 1.1, 2e4, 1.05, 1.0, 0.95, 0.9, 0.85, 0.82], id="survived-huge-spike"
    ),
    pytest.param(
        list(np.concatenate([decaying(10, start=0.4, floor=0.037), decaying(6, start=0.089, floor=0.05)])),
        id="learning-rate-restart",
    ),
    pytest.param(
        [1.0, 0.5, 0.3, 0.25, 0.24, 0.26, 0.25, 0.27, 0.26, 0.28, 0.27, 0.29],
        id="plateau-drifting-up-slightly",
    ),
]


@pytest.mark.parametrize("loss", NOT_EXPLOSIONS)
def test_no_explosion(loss: list[float]) -> None:
    assert explosion(make_run(loss=loss)) == []


def test_a_noisy_plateau_that_drifts_up_by_chance_is_within_noise() -> None:
    # Trend p = 0.003 and 2.1x above its (biased-low) minimum, but only 2.4 noise sigmas.
    loss = [
        3.41,
        1.25,
        1.92,
        1.35,
        0.698,
        0.731,
        1.04,
        0.779,
        0.665,
        0.649,
        0.373,
        0.704,
        0.282,
        0.446,
        0.429,
        0.273,
        0.481,
        0.889,
        0.444,
        0.328,
        0.484,
        0.674,
        0.535,
        0.5,
        0.305,
        0.596,
        0.593,
        0.8,
        0.842,
        0.636,
    ]
    assert explosion(make_run(loss=loss)) == []
    [event] = explosion(make_run(loss=loss), noise_multiple=0.0)
    assert event.values["rise_z"] < EXPLOSION["noise_multiple"]


def test_validation_rising_alone_is_not_an_explosion() -> None:
    train = decaying(40, start=2.0, floor=0.01)
    val = 0.3 + 0.02 * np.arange(40)
    assert explosion(make_run(loss=train, val_loss=val)) == []


def test_explosion_is_skipped_without_usable_training_loss() -> None:
    with pytest.raises(MissingInput):
        explosion(make_run(val_loss=[1.0] * 10))
    with pytest.raises(MissingInput, match="negative"):
        explosion(make_run(loss=[-3.0, -2.0, -1.0, 0.5, 2.0, 3.0]))


# --- invariants -----------------------------------------------------------------------------------


def healthy_curve(
    n: int,
    start: float,
    floor_fraction: float,
    tau_fraction: float,
    noise: float,
    batch: int,
    seed: int,
    per_step: bool,
) -> np.ndarray:
    """A decaying training curve with per-step minibatch noise or per-epoch multiplicative noise."""
    curve = decaying(n, start=start, floor=start * floor_fraction, tau=max(n * tau_fraction, 1.0))
    return minibatch(curve, batch=batch, seed=seed) if per_step else lognormal(curve, noise, seed=seed)


healthy_curves = st.builds(
    healthy_curve,
    n=st.integers(12, 1500),
    start=st.floats(0.05, 50.0),
    floor_fraction=st.floats(1e-4, 0.9),
    tau_fraction=st.floats(0.02, 2.0),
    noise=st.floats(0.0, 0.3),
    batch=st.sampled_from([8, 16, 64, 256]),
    seed=st.integers(0, 2**16),
    per_step=st.booleans(),
)


@settings(max_examples=60, deadline=None)
@given(healthy_curves)
def test_a_clean_decreasing_curve_with_realistic_noise_never_spikes_or_diverges(loss: np.ndarray) -> None:
    run = make_run(loss=loss, steps={"loss": range(loss.size)})
    assert spikes(run) == []
    assert explosion(run) == []


def verdicts(run: Run) -> tuple[list[tuple[object, str]], list[tuple[object, int | None]]]:
    return (
        [(e.values["step"], "up") for e in spikes(run)] + [(e.values["step"], "down") for e in drops(run)],
        [(e.values["pattern"], e.start_step) for e in explosion(run)],
    )


@settings(max_examples=40, deadline=None)
@given(
    healthy_curves,
    st.sampled_from([1e-6, 1e-3, 0.37, 3.0, 1e4, 1e8]),
    st.integers(0, 2),
    st.integers(0, 2),
)
def test_scaling_the_loss_changes_no_verdict(loss: np.ndarray, scale: float, spike: int, blow: int) -> None:
    loss = loss.copy()
    if spike and loss.size > 40:
        loss[loss.size // 2] *= 15.0 * spike
    if blow:
        loss[0] *= 10.0 ** (4 * blow)
    base = verdicts(make_run(loss=loss, steps={"loss": range(loss.size)}))
    scaled = verdicts(make_run(loss=loss * scale, steps={"loss": range(loss.size)}))
    assert scaled == base


# --- the labelled corpus and real logs (by path) ----------------------------------------------------


CORPUS = [
    ("corpus/t-spikes-0", {"loss-spike"}),
    ("corpus/t-spikes-1", {"loss-spike"}),
    ("corpus/t-clean-steps-0", set()),
    ("corpus/t-clean-steps-1", set()),
    ("corpus/k-diverge-0", {"divergence"}),
    ("corpus/k-diverge-1", {"divergence"}),
    ("corpus/t-diverge-1", {"divergence"}),
    ("corpus/t-diverge-0", set()),
    ("corpus/k-diverge-nan-0", {"divergence"}),
    ("corpus/k-healthy-0", set()),
    ("corpus/k-overfit-reg-0", None),  # divergence must stay absent; its bumps may be spikes
    ("real-logs/MarkDeng86-VolatilityPredictionDL--training_history.csv", {"divergence"}),
    # A cosine restart six epochs before the end: the loss stays 1.5x up, which is not divergence.
    ("real-logs/Ahmed-Hamed-Attallah-CodVeda-NN--training_history.csv", None),
    ("real-logs/DiogoFerreira7-LSTM-Implementation--version_8--metrics.csv", set()),
    ("real-logs/Graphical27-TDEM--training_history.csv", set()),
]


@pytest.mark.shared
@pytest.mark.parametrize(("path", "expected"), CORPUS, ids=[p.split("/")[-1][:40] for p, _ in CORPUS])
def test_labelled_logs(path: str, expected: set[str] | None) -> None:
    from loganalyzer.api import load_runs

    runs = load_runs([SHARED / path]).runs
    assert runs, f"{path} did not load"
    found: set[str] = set()
    for run in runs:
        if spikes(run) or drops(run):
            found.add("loss-spike")
        if non_finite_loss(run, **NON_FINITE) or explosion(run):
            found.add("divergence")
    if expected is None:
        assert "divergence" not in found
    else:
        assert found == expected


def test_a_jump_of_half_an_order_of_magnitude_needs_only_the_familywise_bound() -> None:
    loss = minibatch(decaying(1200), seed=5)
    loss[700] = 8.0 * np.median(loss[650:750])
    events = spikes(make_run(loss=loss, steps={"loss": range(1200)}))
    assert [e.values["step"] for e in events] == [700]
    event = next(e for e in events if e.values["step"] == 700)
    assert event.values["z"] >= event.values["threshold_z"]
