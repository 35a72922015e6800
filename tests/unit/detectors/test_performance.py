"""Slow epochs (SE001) and progressive slowdown (SE002) on in-memory runs."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loganalyzer.detectors import _durations
from loganalyzer.detectors._durations import epoch_durations
from loganalyzer.detectors.performance import epoch_slowdown, slow_epochs
from loganalyzer.engine.pack import load_default_pack
from loganalyzer.ingest.build import RawSeries, RunParts, build_run
from loganalyzer.model.finding import Evidence, MissingInput
from loganalyzer.model.run import Run
from tests.support.runs import make_run

SLOW = load_default_pack().rule("SE001").defaults()
SLOWDOWN = load_default_pack().rule("SE002").defaults()


def jitter(n: int, level: float, relative: float = 0.03, seed: int = 0) -> np.ndarray:
    """Healthy epoch times: a level with a few percent of multiplicative noise."""
    rng = np.random.default_rng(seed)
    return level * np.exp(relative * rng.standard_normal(n))


def timed_run(durations: np.ndarray, name: str = "val_loss", start: float = 1.7e9) -> Run:
    """A run whose only timing is the wall time at the end of each epoch (the first point ends epoch 0)."""
    times = start + np.cumsum(durations)
    loss = np.linspace(2.0, 0.5, durations.size)
    return make_run(**{name: loss}, wall_time={name: times})


def raw_run(*series: RawSeries, sources: int = 1) -> Run:
    return build_run(
        RunParts(name="run", format="test", sources=[f"s{i}" for i in range(sources)], series=list(series))
    )


# --- deriving durations ---------------------------------------------------------------------


def test_explicit_epoch_time_is_used_as_is() -> None:
    values = [3.0, 1.0, 1.1, 0.9, 1.0, 1.2]
    [durations] = epoch_durations(make_run(epoch_time=values), 3)
    assert durations.origin == _durations.TIME_COLUMN
    assert durations.unit == "epoch"
    assert durations.seconds.tolist() == values
    assert durations.ordinal.tolist() == [0, 1, 2, 3, 4, 5]


@pytest.mark.parametrize(
    ("clock", "expected"),
    [
        pytest.param(
            [60.0, 110.0, 160.0, 212.0, 262.0, 311.0], [50.0, 50.0, 52.0, 50.0, 49.0], id="since-start"
        ),
        pytest.param(
            [0.0, 50.0, 100.0, 152.0, 202.0, 251.0], [50.0, 50.0, 52.0, 50.0, 49.0], id="from-first-end"
        ),
        pytest.param(
            [1.7e9, 1.7e9 + 50, 1.7e9 + 100, 1.7e9 + 152, 1.7e9 + 202, 1.7e9 + 251],
            [50.0, 50.0, 52.0, 50.0, 49.0],
            id="timestamps",
        ),
    ],
)
def test_a_clock_column_is_differenced(clock: list[float], expected: list[float]) -> None:
    [durations] = epoch_durations(make_run(time=clock), 3)
    assert durations.origin == _durations.CLOCK_COLUMN
    np.testing.assert_allclose(durations.seconds, expected)
    assert durations.ordinal.tolist() == [1, 2, 3, 4, 5]


@pytest.mark.parametrize(
    ("name", "growing"),
    [
        pytest.param("time", [100.0 + 2.0 * i for i in range(12)], id="adds-2-percent-of-the-first"),
        pytest.param("epoch_time", [0.2 + 0.08 * i for i in range(24)], id="named-a-duration"),
    ],
)
def test_steadily_growing_durations_are_not_mistaken_for_a_clock(name: str, growing: list[float]) -> None:
    [durations] = epoch_durations(make_run(**{name: growing}), 3)
    assert durations.origin == _durations.TIME_COLUMN
    assert durations.seconds.tolist() == growing


def test_wall_time_comes_from_the_epoch_level_series_not_the_per_step_one() -> None:
    steps_per_epoch, epochs = 50, 12
    step_times = 1.7e9 + 0.1 * np.arange(steps_per_epoch * epochs)
    epoch_steps = np.arange(1, epochs + 1) * steps_per_epoch - 1
    run = make_run(
        loss=np.linspace(2, 1, step_times.size),
        val_loss=np.linspace(2, 1, epochs),
        steps={"loss": np.arange(step_times.size), "val_loss": epoch_steps},
        wall_time={"loss": step_times, "val_loss": step_times[epoch_steps] + 3.0},  # 3 s of evaluation each
    )
    [durations] = epoch_durations(run, 5)
    assert durations.origin == _durations.WALL_TIME
    assert str(durations.series.key) == "validation.loss"
    np.testing.assert_allclose(durations.seconds, 5.0)


def test_an_explicit_training_time_column_wins_over_wall_times() -> None:
    run = make_run(epoch_time=[1.0] * 8, val_loss=[1.0] * 8, wall_time={"val_loss": 100.0 * np.arange(8)})
    [durations] = epoch_durations(run, 3)
    assert str(durations.series.key) == "train.epoch_time"


def test_an_interval_across_a_restart_is_left_out_and_warm_up_starts_again() -> None:
    first = RawSeries(
        "loss", np.arange(6), np.ones(6), wall_time=1000.0 + 10.0 * np.arange(6), source_index=0
    )
    resumed = RawSeries(
        "loss", np.arange(6, 12), np.ones(6), wall_time=9000.0 + 10.0 * np.arange(6), source_index=1
    )
    [durations] = epoch_durations(raw_run(first, resumed, sources=2), 5)
    assert durations.restarts == 1
    np.testing.assert_allclose(durations.seconds, 10.0)
    assert durations.ordinal.tolist() == [1, 2, 3, 4, 5, 1, 2, 3, 4, 5]
    assert durations.after_warmup(2).seconds.size == 8


def test_a_clock_that_goes_back_marks_a_restart() -> None:
    times = np.array([0.0, 10, 20, 30, 40, 5, 15, 25, 35, 45]) + 1.7e9
    run = make_run(val_loss=np.ones(10), wall_time={"val_loss": times})
    [durations] = epoch_durations(run, 5)
    assert durations.restarts == 1
    np.testing.assert_allclose(durations.seconds, 10.0)


def test_per_step_wall_times_with_epochs_become_epoch_durations() -> None:
    per_epoch = 20
    n = per_epoch * 10
    epoch = np.floor(np.arange(n) / per_epoch) + np.arange(n) % per_epoch / per_epoch  # fractional, HF-style
    times = 1.7e9 + np.arange(n) * 0.5
    run = raw_run(RawSeries("loss", np.arange(n), np.ones(n), epoch=epoch, wall_time=times))
    [durations] = epoch_durations(run, 5)
    assert durations.unit == "epoch"
    np.testing.assert_allclose(durations.seconds, per_epoch * 0.5)
    assert durations.epoch.tolist() == list(range(1, 10))


def test_irregular_logging_is_put_on_the_median_spacing() -> None:
    steps = np.array([0, 100, 200, 300, 500, 600, 700, 900, 1000])
    times = 1.7e9 + steps * 0.2  # a constant 0.2 s per step
    run = make_run(val_loss=np.ones(steps.size), steps={"val_loss": steps}, wall_time={"val_loss": times})
    [durations] = epoch_durations(run, 5)
    np.testing.assert_allclose(durations.seconds, 20.0)


def test_a_dense_log_without_epochs_is_summed_into_blocks() -> None:
    n = 5000
    times = 1.7e9 + 0.1 * np.arange(n)
    times[2500:] += 30.0  # one 30 s stall
    run = make_run(loss=np.ones(n), steps={"loss": np.arange(n)}, wall_time={"loss": times})
    [durations] = epoch_durations(run, 5)
    assert durations.unit == "block"
    assert durations.seconds.size == _durations._BLOCKS
    np.testing.assert_allclose(np.median(durations.seconds), 5.0)  # 50 steps of 0.1 s per block
    stall = int(np.argmax(durations.seconds))
    assert durations.step[stall - 1] < 2500 <= durations.step[stall]
    assert durations.seconds.max() == pytest.approx(35.0, rel=0.03)


def scheduled_log(points: int, every: int, pause: float, stalls: dict[int, float] | None = None) -> Run:
    """A per-step log (a point every 10 steps, 5 s apart) with a pause every ``every`` points."""
    rng = np.random.default_rng(7)
    elapsed = 5.0 * np.exp(0.05 * rng.standard_normal(points))
    elapsed[every::every] += pause  # checkpoint or evaluation, between two log points
    for index, extra in (stalls or {}).items():
        elapsed[index] += extra
    steps = 10 * np.arange(points)
    return make_run(
        loss=np.ones(points), steps={"loss": steps}, wall_time={"loss": 1.7e9 + np.cumsum(elapsed)}
    )


@pytest.mark.parametrize(
    "points", [pytest.param(600, id="sparse-logging"), pytest.param(6000, id="dense-logging")]
)
def test_recurring_pauses_of_a_per_step_log_mark_its_cycles(points: int) -> None:
    run = scheduled_log(points, every=50, pause=60.0)
    [durations] = epoch_durations(run, 5)
    assert durations.unit == "cycle"
    assert durations.seconds.size == len(range(50, points, 50)) - 1  # cycles between consecutive pauses
    np.testing.assert_allclose(durations.seconds, 50 * 5.0 + 60.0, rtol=0.05)
    assert slow_epochs(run, **SLOW) == []
    assert epoch_slowdown(run, **SLOWDOWN) == []


def test_a_stall_between_scheduled_pauses_makes_its_cycle_slow() -> None:
    run = scheduled_log(600, every=50, pause=60.0, stalls={325: 300.0})
    [evidence] = slow_epochs(run, **SLOW)
    assert evidence.values["unit"] == "cycle"
    assert evidence.values["slow_count"] == 1
    assert evidence.values["where"] == "step 3500"  # the cycle from step 3000 to 3500 holds the stall
    assert evidence.values["lost_seconds"] == pytest.approx(300.0, rel=0.05)


def test_too_few_recurrences_are_not_a_schedule() -> None:
    run = scheduled_log(200, every=50, pause=60.0)  # 3 pauses: could be stalls
    [durations] = epoch_durations(run, 5)
    assert durations.unit == "interval"
    [evidence] = slow_epochs(run, **SLOW)
    assert evidence.values["slow_count"] == 3


def test_per_step_times_are_averaged_into_blocks() -> None:
    rng = np.random.default_rng(1)
    batch = 0.3 + 0.01 * rng.standard_normal(400)
    batch[::40] = 2.0  # every epoch's first batch waits for fresh loader workers
    run = make_run(batch_time=batch, steps={"batch_time": np.arange(400)})
    [durations] = epoch_durations(run, 5)
    assert durations.unit == "block"
    assert durations.seconds.size == 40
    assert slow_epochs(run, **SLOW) == []


# --- slow epochs ----------------------------------------------------------------------------


def stalled(n: int, level: float, stalls: dict[int, float], seed: int = 0) -> np.ndarray:
    durations = jitter(n, level, seed=seed)
    durations[0] = 4 * level  # warm-up
    for epoch, extra in stalls.items():
        durations[epoch] += extra
    return durations


@pytest.mark.parametrize(
    ("durations", "where", "count"),
    [
        pytest.param(stalled(24, 0.2, {8: 2.5, 17: 2.5}), "epochs 8, 17", 2, id="toy-run-stalls"),
        pytest.param(stalled(40, 175.0, {30: 100.0}), "epoch 30", 1, id="long-epochs-1.6x"),
        pytest.param(stalled(200, 60.0, {50: 3600.0}), "epoch 50", 1, id="an-hour-lost"),
    ],
)
def test_stalls_are_found_with_the_time_they_cost(durations: np.ndarray, where: str, count: int) -> None:
    [evidence] = slow_epochs(make_run(epoch_time=durations), **SLOW)
    assert evidence.metric == "train.epoch_time"
    assert evidence.values["where"] == where
    assert evidence.values["slow_count"] == count
    median = float(np.median(durations[1:]))
    assert evidence.values["median_seconds"] == pytest.approx(median)
    epochs = sorted(flagged(where))
    assert evidence.values["lost_seconds"] == pytest.approx(float(np.sum(durations[epochs] - median)))
    worst = max(epochs, key=lambda e: durations[e])
    assert evidence.point == worst
    assert evidence.values["worst_at"] == f"epoch {worst}"


@pytest.mark.parametrize(
    "durations",
    [
        pytest.param(stalled(24, 0.2, {}), id="healthy"),
        pytest.param(stalled(24, 0.2, {5: 0.15, 12: 0.2}), id="toy-jitter-below-a-second"),
        pytest.param(stalled(40, 175.0, {30: 70.0}), id="long-epoch-1.4x"),
        pytest.param(
            np.array([201.6, 175.7, 176.2, 175.7, 175.7, 175.6, 175.8, 175.9, 175.4, 175.5]), id="warm-up"
        ),
        pytest.param(stalled(30, 60.0, {}), id="compile-warm-up-4x"),
        pytest.param(stalled(40, 60.0, {e: 45.0 for e in range(4, 40, 5)}), id="evaluation-every-5-epochs"),
    ],
)
def test_no_slow_epochs(durations: np.ndarray) -> None:
    assert slow_epochs(make_run(epoch_time=durations), **SLOW) == []


def test_stalls_from_wall_times_only() -> None:
    durations = stalled(25, 0.03, {6: 2.0, 13: 2.0, 20: 2.0})
    [evidence] = slow_epochs(timed_run(durations[1:]), **SLOW)
    assert evidence.metric == "validation.loss"
    assert evidence.values["origin"] == _durations.WALL_TIME
    assert evidence.values["slow_count"] == 3
    assert evidence.values["lost_seconds"] == pytest.approx(6.0, abs=0.1)


def test_a_restart_gap_is_not_a_stall() -> None:
    first = RawSeries(
        "val_loss", np.arange(10), np.ones(10), wall_time=1000.0 + 30.0 * np.arange(10), source_index=0
    )
    later = RawSeries(
        "val_loss", np.arange(10, 20), np.ones(10), wall_time=90000.0 + 30.0 * np.arange(10), source_index=1
    )
    run = raw_run(first, later, sources=2)
    assert slow_epochs(run, **SLOW) == []
    assert epoch_slowdown(run, **SLOWDOWN) == []


@pytest.mark.parametrize(
    ("run", "reason"),
    [
        pytest.param(make_run(loss=[1.0, 0.9, 0.8]), "no epoch durations", id="no-timing"),
        pytest.param(make_run(epoch_time=[1.0, 1.0, 1.0]), "too few", id="too-short"),
    ],
)
def test_missing_input(run: Run, reason: str) -> None:
    with pytest.raises(MissingInput, match=reason):
        slow_epochs(run, **SLOW)
    with pytest.raises(MissingInput, match=reason):
        epoch_slowdown(run, **SLOWDOWN)


# --- progressive slowdown -------------------------------------------------------------------


def test_a_growing_epoch_time_is_a_slowdown() -> None:
    durations = 0.2 + 0.08 * np.arange(24) + jitter(24, 0.02, seed=3)
    durations[0] = 0.73
    [evidence] = epoch_slowdown(make_run(epoch_time=durations), **SLOWDOWN)
    assert evidence.values["slope_seconds"] == pytest.approx(0.08, rel=0.1)
    assert evidence.values["ratio"] > 3
    assert evidence.values["p_value"] < 1e-6
    n = 23
    assert evidence.values["lost_seconds"] == pytest.approx(
        evidence.values["slope_seconds"] * n * (n - 1) / 2
    )
    assert evidence.end_step == 23


def test_a_step_change_is_a_slowdown_from_where_it_happened() -> None:
    durations = np.concatenate([jitter(15, 60.0, seed=4), jitter(25, 90.0, seed=5)])
    [evidence] = epoch_slowdown(make_run(epoch_time=durations), **SLOWDOWN)
    assert evidence.values["onset_at"] == "epoch 15"
    assert evidence.start_step == 15
    assert evidence.values["ratio"] == pytest.approx(1.5, rel=0.05)


def test_slowdown_from_wall_times_only() -> None:
    durations = 0.05 + 0.1 * np.arange(24)
    [evidence] = epoch_slowdown(timed_run(durations), **SLOWDOWN)
    assert evidence.values["origin"] == _durations.WALL_TIME
    assert evidence.values["slope_seconds"] == pytest.approx(0.1)


@pytest.mark.parametrize(
    "durations",
    [
        pytest.param(stalled(30, 60.0, {}), id="flat"),
        pytest.param(stalled(24, 0.2, {18: 2.5, 21: 2.5, 23: 2.5}), id="late-stalls-are-not-a-trend"),
        pytest.param(0.03 + 0.001 * np.arange(24), id="toy-run-below-a-second"),
        pytest.param(60.0 * (1 + 0.005 * np.arange(30)), id="mild-drift-1.1x"),
    ],
)
def test_no_slowdown(durations: np.ndarray) -> None:
    assert epoch_slowdown(make_run(epoch_time=durations), **SLOWDOWN) == []


# --- the practical floor in time (issue 10, class 4) ---------------------------------------


def test_a_slowdown_worth_two_seconds_is_below_the_floor_while_the_same_shape_in_minutes_is_not() -> None:
    rng = np.random.default_rng(3)
    intervals = np.linspace(0.02, 0.13, 36) * np.exp(0.05 * rng.standard_normal(36))
    tiny = np.concatenate([[0.02], intervals])  # the first interval is warm-up
    assert float(np.sum(tiny[1:] - 0.02)) == pytest.approx(2.0, rel=0.2)  # what the case costs
    assert epoch_slowdown(timed_run(tiny), **SLOWDOWN) == []
    [evidence] = epoch_slowdown(timed_run(tiny * 100.0), **SLOWDOWN)  # 2 s -> 13 s epochs: minutes lost
    assert evidence.values["lost_seconds"] > 100.0
    assert evidence.values["measured_seconds"] == pytest.approx(float(np.sum(tiny[1:] * 100.0)), rel=1e-6)


def test_one_late_epoch_matters_in_a_short_run_but_not_as_a_quarter_percent_of_a_long_one() -> None:
    long_run = jitter(200, 60.0, relative=0.02, seed=4)
    long_run[0], long_run[3] = 180.0, 96.0  # warm-up, then one epoch 1.6x the median
    assert slow_epochs(make_run(epoch_time=long_run), **SLOW) == []  # 36 s of 3.4 h
    short_run = long_run[:20]
    [evidence] = slow_epochs(make_run(epoch_time=short_run), **SLOW)  # 36 s of 20 min
    assert evidence.values["where"] == "epoch 3"
    assert evidence.values["lost_percent"] > 2.0


@pytest.mark.parametrize("detector", [slow_epochs, epoch_slowdown])
def test_the_share_floor_is_a_parameter(detector: Callable[..., list[Evidence]]) -> None:
    durations = 40.0 + 0.5 * np.arange(80.0)
    durations[[21, 44]] += 240.0
    params = dict(SLOW if detector is slow_epochs else SLOWDOWN)
    assert detector(make_run(epoch_time=durations), **params)
    params["min_lost_share"] = 0.99
    assert detector(make_run(epoch_time=durations), **params) == []


# --- invariants -----------------------------------------------------------------------------

healthy_levels = st.floats(min_value=0.01, max_value=5000.0)


@settings(max_examples=40, deadline=None)
@given(level=healthy_levels, n=st.integers(6, 150), seed=st.integers(0, 2**16), noise=st.floats(0.0, 0.08))
def test_healthy_epoch_times_never_fire(level: float, n: int, seed: int, noise: float) -> None:
    durations = jitter(n, level, relative=noise, seed=seed)
    durations[0] *= 3  # warm-up
    run = make_run(epoch_time=durations)
    assert slow_epochs(run, **SLOW) == []
    if n >= 9:
        assert epoch_slowdown(run, **SLOWDOWN) == []


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**16),
    level=st.floats(0.05, 500.0),
    factor=st.floats(1.0, 100.0),
    stall_at=st.integers(2, 29),
    stall=st.floats(0.0, 10.0),
)
def test_slowing_every_epoch_by_one_factor_never_removes_a_verdict(
    seed: int, level: float, factor: float, stall_at: int, stall: float
) -> None:
    durations = stalled(30, level, {stall_at: stall * level}, seed=seed)
    before = slow_epochs(make_run(epoch_time=durations), **SLOW)
    after = slow_epochs(make_run(epoch_time=durations * factor), **SLOW)
    if before:
        assert after
        assert flagged(before[0].values["where"]) <= flagged(after[0].values["where"])


def flagged(where: object) -> set[int]:
    """The epoch numbers of a ``where`` value (``epochs 8, 17``)."""
    return {int(number) for number in str(where).split(" ", 1)[1].split(", ")}


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**16), shift=st.floats(-1e9, 1e9), level=st.floats(0.5, 100.0))
def test_moving_the_clock_changes_nothing(seed: int, shift: float, level: float) -> None:
    durations = stalled(20, level, {10: 5 * level}, seed=seed)[1:]
    base = timed_run(durations, start=1.7e9)
    moved = timed_run(durations, start=1.7e9 + shift)
    for detector, params in ((slow_epochs, SLOW), (epoch_slowdown, SLOWDOWN)):
        first = [
            e.values["where" if detector is slow_epochs else "onset_at"] for e in detector(base, **params)
        ]
        second = [
            e.values["where" if detector is slow_epochs else "onset_at"] for e in detector(moved, **params)
        ]
        assert first == second


# --- the rules' messages word this evidence -------------------------------------------------


@pytest.mark.parametrize(
    ("code", "durations", "words"),
    [
        pytest.param("SE001", stalled(24, 0.2, {8: 2.5, 17: 2.5}), ["epochs 8, 17", "lost"], id="SE001"),
        pytest.param("SE002", 0.2 + 0.08 * np.arange(24), ["0.08 s per epoch", "lost"], id="SE002"),
    ],
)
def test_the_rule_message_is_filled_from_the_evidence(
    code: str, durations: np.ndarray, words: list[str]
) -> None:
    from loganalyzer.detectors import DETECTORS
    from loganalyzer.engine.pack import load_default_pack
    from loganalyzer.engine.runner import run_rules
    from loganalyzer.engine.settings import Settings
    from loganalyzer.model.rule import RulePack

    pack = load_default_pack()
    only = RulePack(pack.version, (pack.rule(code),), pack.remedies)
    analysis = run_rules([make_run(epoch_time=durations)], only, Settings(), DETECTORS)
    assert not analysis.rule_errors
    [finding] = analysis.findings
    assert finding.category == "slow-epoch"
    assert finding.raw_metric == "epoch_time"
    for word in words:
        assert word in finding.message
