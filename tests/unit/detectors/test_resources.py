"""Memory growth (MG001) on in-memory runs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loganalyzer.detectors.resources import memory_growth
from loganalyzer.ingest.build import RawSeries, RunParts, build_run
from loganalyzer.model.finding import MissingInput
from loganalyzer.model.run import Run
from tests.support.runs import make_run

PARAMS = {
    "warmup_fraction": 0.1,
    "warmup_points": 2,
    "min_points": 6,
    "alpha": 0.01,
    "min_growth_fraction": 0.05,
    "noise_multiple": 3.0,
    "saturation_ratio": 0.5,
}


def noisy(n: int, sigma: float, seed: int = 0) -> np.ndarray:
    return sigma * np.random.default_rng(seed).standard_normal(n)


def per_step_run(values: np.ndarray, steps_per_epoch: int, name: str = "gpu_mem_mb") -> Run:
    """A per-step memory log that knows each point's epoch."""
    n = values.size
    steps = np.arange(n)
    series = RawSeries(name, steps, values, epoch=np.floor(steps / steps_per_epoch))
    return build_run(RunParts(name="run", format="test", sources=["a"], series=[series]))


# --- leaks ----------------------------------------------------------------------------------


def test_a_linear_leak_reports_growth_per_epoch_total_and_projection() -> None:
    memory = 895.0 + 40.0 * np.arange(30)  # 40 MB retained every epoch
    [evidence] = memory_growth(make_run(memory_rss_mb=memory), **PARAMS)
    assert evidence.metric == "train.memory"
    values = evidence.values
    assert values["unit"] == "epoch"
    assert values["growth_per_unit"] == pytest.approx(40.0)
    assert values["total_growth"] == pytest.approx(40.0 * 26)  # 30 epochs minus 3 of warm-up
    assert values["start_value"] == pytest.approx(895.0 + 40.0 * 3)
    assert values["end_value"] == pytest.approx(memory[-1])
    assert values["projected_value"] == pytest.approx(895.0 + 40.0 * 58)  # the same leak at epoch 58
    assert values["warmup_points"] == 3
    assert evidence.start_step == 3
    assert evidence.end_step == 29
    assert evidence.point == 3


def test_a_slow_leak_under_noise_is_found() -> None:
    memory = 1112.0 + 3.3 * np.arange(30) + noisy(30, 2.0, seed=1)
    [evidence] = memory_growth(make_run(**{"system/rss_mb": memory}), **PARAMS)
    assert evidence.metric == "unknown.memory"
    assert evidence.values["growth_per_unit"] == pytest.approx(3.3, rel=0.15)
    assert evidence.values["p_value"] < 0.01


def test_the_rising_floor_of_a_saw_tooth_is_the_leak() -> None:
    steps_per_epoch, epochs = 50, 20
    steps = np.arange(steps_per_epoch * epochs)
    tooth = 400.0 * (steps % steps_per_epoch) / steps_per_epoch  # activations freed after every batch
    memory = 4000.0 + tooth + 25.0 * np.floor(steps / steps_per_epoch)
    [evidence] = memory_growth(per_step_run(memory, steps_per_epoch), **PARAMS)
    assert evidence.values["unit"] == "epoch"
    assert evidence.values["growth_per_unit"] == pytest.approx(25.0)
    assert evidence.values["growth_per_step"] == pytest.approx(25.0 / steps_per_epoch)
    assert evidence.values["start_value"] == pytest.approx(4000.0 + 25.0 * 2)


def test_a_dense_log_without_epochs_uses_block_minima() -> None:
    n = 20_000
    steps = np.arange(n)
    memory = 2000.0 + 0.01 * steps + 300.0 * ((steps % 97) / 97) + noisy(n, 5.0)
    [evidence] = memory_growth(make_run(mem_mb=memory, steps={"mem_mb": steps}), **PARAMS)
    assert evidence.values["unit"] == "step"
    assert evidence.values["growth_per_step"] == pytest.approx(0.01, rel=0.1)
    assert evidence.values["projected_value"] == pytest.approx(2000.0 + 0.01 * 2 * n, rel=0.02)


# --- not leaks ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "memory",
    [
        pytest.param(np.full(30, 1207.9), id="flat"),
        pytest.param(2061.2 + 0.04 * np.arange(30), id="significant-but-0.1-percent"),
        pytest.param(
            np.concatenate([[800.0, 1500.0], np.full(28, 2000.0)]) + noisy(30, 3.0), id="warm-up-then-flat"
        ),
        pytest.param(3000.0 - 1500.0 * np.exp(-np.arange(40) / 6.0), id="saturating"),
        pytest.param(1000.0 + noisy(40, 30.0, seed=2), id="noisy-flat"),
        pytest.param(1000.0 - 2.0 * np.arange(30), id="shrinking"),
    ],
)
def test_no_leak(memory: np.ndarray) -> None:
    assert memory_growth(make_run(memory_rss_mb=memory), **PARAMS) == []


def test_peaks_alone_growing_are_batch_variance_not_a_leak() -> None:
    steps_per_epoch, epochs = 40, 20
    steps = np.arange(steps_per_epoch * epochs)
    rng = np.random.default_rng(3)
    peaks = rng.uniform(0, 1, steps.size) ** 8 * 900.0  # occasional huge batches
    memory = 5000.0 + 200.0 * ((steps % steps_per_epoch) > 0) + peaks
    assert memory_growth(per_step_run(memory, steps_per_epoch), **PARAMS) == []


def test_free_memory_is_headroom_not_usage() -> None:
    with pytest.raises(MissingInput, match="no memory series"):
        memory_growth(make_run(gpu_mem_free=1000.0 + 40.0 * np.arange(30)), **PARAMS)


@pytest.mark.parametrize(
    ("run", "reason"),
    [
        pytest.param(make_run(loss=[1.0, 0.5, 0.3]), "no memory series", id="no-memory"),
        pytest.param(
            make_run(memory_rss_mb=[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]), "too few points", id="too-short"
        ),
    ],
)
def test_missing_input(run: Run, reason: str) -> None:
    with pytest.raises(MissingInput, match=reason):
        memory_growth(run, **PARAMS)


# --- invariants -----------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**16),
    base=st.floats(100.0, 1e5),
    slope=st.floats(0.0, 0.05),
    noise=st.floats(0.0, 0.02),
    power=st.integers(-20, 20),
)
def test_the_unit_of_memory_changes_no_verdict(
    seed: int, base: float, slope: float, noise: float, power: int
) -> None:
    n = 30
    memory = base * (1.0 + slope * np.arange(n) + noise * np.random.default_rng(seed).standard_normal(n))
    scale = 2.0**power  # exact in floating point: MB, bytes, GiB are all fine
    before = memory_growth(make_run(memory_rss_mb=memory), **PARAMS)
    after = memory_growth(make_run(memory_rss_mb=memory * scale), **PARAMS)
    assert len(before) == len(after)
    for b, a in zip(before, after, strict=True):
        assert a.values["growth_percent"] == pytest.approx(b.values["growth_percent"])
        assert a.values["growth_per_unit"] == pytest.approx(b.values["growth_per_unit"] * scale)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**16),
    base=st.floats(10.0, 1e5),
    noise=st.floats(0.0, 0.05),
    n=st.integers(8, 200),
    ramp=st.floats(0.0, 1.0),
)
def test_memory_that_levels_off_after_warm_up_never_leaks(
    seed: int, base: float, noise: float, n: int, ramp: float
) -> None:
    memory = base * (1.0 + noise * np.random.default_rng(seed).standard_normal(n))
    memory[:2] *= 1.0 - ramp * np.array([0.6, 0.3])  # allocator and caches filling up
    assert memory_growth(make_run(memory_rss_mb=memory), **PARAMS) == []


def test_the_rule_message_is_filled_from_the_evidence() -> None:
    from loganalyzer.detectors import DETECTORS
    from loganalyzer.engine.pack import load_default_pack
    from loganalyzer.engine.runner import run_rules
    from loganalyzer.engine.settings import Settings
    from loganalyzer.model.rule import RulePack

    pack = load_default_pack()
    only = RulePack(pack.version, (pack.rule("MG001"),), pack.remedies)
    run = make_run(memory_rss_mb=895.0 + 40.0 * np.arange(30))
    analysis = run_rules([run], only, Settings(), DETECTORS)
    assert not analysis.rule_errors
    [finding] = analysis.findings
    assert finding.category == "memory-growth"
    assert "+40 MB per epoch" in finding.message
    assert "3.14 GB" in finding.message  # projected at twice the run length (3215 MB)
    assert finding.remedies[0].id == "detach-logged-tensors"
