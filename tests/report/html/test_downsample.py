"""Downsampling keeps every bucket's extremes, so spikes and NaNs survive in a million-point curve."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from loganalyzer.engine.curves import downsample, run_curves
from loganalyzer.model.run import MetricKey, Run, Series, Split


def _series(values: np.ndarray, quantity: str = "loss", split: Split = Split.TRAIN) -> Series:
    n = values.shape[0]
    return Series(
        key=MetricKey(split, quantity),
        raw_name=f"{split.value}/{quantity}",
        step=np.arange(n, dtype=np.int64),
        value=values.astype(np.float64),
        epoch=np.full(n, np.nan),
        wall_time=np.full(n, np.nan),
        sources=("events",),
        source_index=np.zeros(n, dtype=np.int64),
        position=np.full(n, -1, dtype=np.int64),
    )


def test_a_short_series_is_kept_whole() -> None:
    assert downsample(np.arange(50.0), 100).tolist() == list(range(50))


def test_a_one_point_spike_in_a_million_survives() -> None:
    rng = np.random.default_rng(0)
    values = 1.0 + 0.01 * rng.standard_normal(1_000_000)
    values[123_457] = 40.0
    values[876_543] = -3.0
    keep = downsample(values, 1000)
    assert keep.size <= 5000
    assert 123_457 in keep and 876_543 in keep
    assert keep[0] == 0 and keep[-1] == values.size - 1
    assert np.all(np.diff(keep) > 0)


def test_the_first_non_finite_point_of_a_bucket_is_kept() -> None:
    values = np.ones(100_000)
    values[70_001:] = np.nan
    values[50_000] = np.inf
    keep = downsample(values, 100)
    assert 70_001 in keep and 50_000 in keep


@settings(max_examples=60, deadline=None)
@given(
    arrays(np.float64, st.integers(1, 3000), elements=st.floats(-1e6, 1e6, allow_nan=False)),
    st.integers(1, 200),
)
def test_extremes_and_ends_are_always_kept(values: np.ndarray, buckets: int) -> None:
    keep = downsample(values, buckets)
    kept = values[keep]
    assert kept.max() == values.max() and kept.min() == values.min()
    assert keep[0] == 0 and keep[-1] == values.size - 1
    assert keep.size <= max(values.size if values.size <= 2 * buckets else 5 * buckets, 1)


def test_run_curves_marks_downsampled_curves_and_lists_every_series() -> None:
    rng = np.random.default_rng(1)
    run = Run(
        name="big",
        format="tensorboard",
        sources=("events",),
        series=(
            _series(1.0 + rng.random(100_000)),
            _series(np.linspace(1, 0.5, 30), split=Split.VALIDATION),
            _series(np.ones(10), quantity="gradient_norm"),
        ),
    )
    curves = run_curves(run, [], buckets=500)
    train = curves.curve("train.loss")
    assert train is not None and train.downsampled and train.points == 100_000 and len(train.value) <= 2500
    validation = curves.curve("validation.loss")
    assert validation is not None and not validation.downsampled and len(validation.value) == 30
    assert curves.curve("train.gradient_norm") is None  # not charted unless a finding names it
    assert [e.metric for e in curves.inventory] == ["train.gradient_norm", "train.loss", "validation.loss"]
    assert curves.x_label == "step"
