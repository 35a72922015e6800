"""Naming slips found on real logs: each decided from what the file says, not from one name alone."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from loganalyzer import api
from loganalyzer.ingest import timecolumns
from loganalyzer.ingest.text.shapes import clock_seconds
from tests.support.runs import make_run


def _load(tmp_path: Path, name: str, text: str):  # type: ignore[no-untyped-def]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return api.load_run(path)


def _history(epoch_seconds: list[float], clock: str = "_runtime", step: str = "_step") -> str:
    """A CSV whose ``clock`` column is seconds since the start (W&B ``history.csv`` by default)."""
    rows = [f"{step},{clock},train_loss,val_loss"]
    clock = 3.0
    for epoch, seconds in enumerate(epoch_seconds):
        clock += seconds
        rows.append(f"{epoch},{clock:.3f},{1.0 / (epoch + 1):.4f},{1.1 / (epoch + 1):.4f}")
    return "\n".join(rows) + "\n"


@pytest.mark.parametrize(
    ("clock", "step"), [("_runtime", "_step"), ("runtime", "epoch"), ("elapsed", "epoch")]
)
def test_a_cumulative_time_column_raises_no_slowdown(tmp_path: Path, clock: str, step: str) -> None:
    rng = np.random.default_rng(0)
    run = _load(tmp_path, "history.csv", _history(list(10.0 + rng.normal(0, 0.2, 30)), clock, step))
    if clock != "_runtime":  # W&B's own column is read as the wall time by the W&B shape
        assert run.metadata[timecolumns.METADATA_KEY] == [clock]
        assert any(d.code == "cumulative-time" for d in run.diagnostics)
    analysis = api.analyze(run)
    assert not [f for f in analysis.findings if f.category == "slow-epoch"]


@pytest.mark.parametrize(("clock", "step"), [("_runtime", "_step"), ("runtime", "epoch")])
def test_a_real_slowdown_in_a_clock_column_is_still_found(tmp_path: Path, clock: str, step: str) -> None:
    run = _load(tmp_path, "history.csv", _history([10.0 + 1.0 * i for i in range(30)], clock, step))
    assert "SE002" in {f.rule for f in api.analyze(run).findings}


@pytest.mark.parametrize(
    ("name", "values", "clock"),
    [
        pytest.param("runtime", [10.2, 9.9, 10.1, 10.0, 9.8, 10.3], False, id="per-epoch-durations"),
        pytest.param("runtime", [10.0, 20.1, 30.0, 40.2, 50.1, 60.0], True, id="seconds-since-start"),
        pytest.param("time", [62.0, 110.0, 160.0, 212.0, 262.0, 311.0], True, id="ultralytics-time"),
        pytest.param("time", [100.0 + 2.0 * i for i in range(12)], False, id="slowing-durations"),
        pytest.param("epoch_time", [0.2 + 0.08 * i for i in range(24)], False, id="named-a-duration"),
        pytest.param("epoch_time", [1.7e9 + 50.0 * i for i in range(6)], True, id="timestamps"),
        pytest.param("elapsed", [10.0, 20.0, 30.0, 5.0, 15.0, 25.0, 35.0], True, id="clock-with-a-restart"),
    ],
)
def test_clock_or_durations_is_decided_from_the_data(name: str, values: list[float], clock: bool) -> None:
    run = make_run(**{name: values}, loss=list(np.linspace(1, 0.5, len(values))))
    assert (name in run.metadata[timecolumns.METADATA_KEY]) is clock


def test_eval_runtime_is_not_an_epoch_time(tmp_path: Path) -> None:
    run = make_run(eval_runtime=[5.0, 5.1, 5.0, 5.2], loss=[1.0, 0.8, 0.6, 0.5])
    assert run.get("validation.evaluation_time") is not None
    assert not [s for s in run.series if s.key.quantity == "epoch_time"]


def test_bare_top_k_metrics_are_validation_where_the_file_names_its_training_columns(tmp_path: Path) -> None:
    explicit = _load(
        tmp_path,
        "metrics.csv",
        "epoch,train_loss,val_loss,top1,top5,lr,time_sec\n"
        + "".join(f"{i},{2 - i / 10},{2.1 - i / 10},{i * 3},{i * 7},0.1,{175 + i % 2}\n" for i in range(6)),
    )
    assert explicit.get("validation.top1") is not None and explicit.get("validation.top5") is not None
    assert explicit.get("train.learning_rate") is not None and explicit.get("train.epoch_time") is not None
    keras = _load(
        tmp_path,
        "training.log",
        "epoch,accuracy,loss,val_accuracy,val_loss\n"
        + "".join(f"{i},{0.5 + i / 20},{1 - i / 10},{0.5 + i / 30},{1.1 - i / 12}\n" for i in range(6)),
    )
    assert keras.get("train.accuracy") is not None and keras.get("validation.accuracy") is not None


def test_constant_columns_are_settings_but_a_constant_metric_stays_a_series(tmp_path: Path) -> None:
    run = make_run(
        loss=[1.0, 0.8, 0.6, 0.5],
        epochs=[200.0] * 4,
        neurons=[64.0] * 4,
        dp_coeff=[0.2] * 4,
        val_auc=[0.5] * 4,
    )
    assert run.metadata["settings"] == {"dp_coeff": 0.2, "epochs": 200, "neurons": 64}
    assert run.get("validation.auc") is not None
    assert any(d.code == "settings-columns" for d in run.diagnostics)


def test_a_varying_hyperparameter_is_still_a_series() -> None:
    run = make_run(loss=[1.0, 0.8, 0.6, 0.5], momentum=[0.9, 0.92, 0.95, 0.95])
    assert run.get("train.momentum") is not None and "settings" not in run.metadata


@pytest.mark.parametrize(
    ("cell", "seconds"),
    [
        ("01:23", 83.0),
        ("00:07", 7.0),
        ("1:02:03", 3723.0),
        ("00:12.5", 12.5),
        ("12:30pm", None),
    ],
)
def test_clock_strings(cell: str, seconds: float | None) -> None:
    assert clock_seconds(cell) == seconds


def test_fastai_time_column_in_mm_ss_is_read_as_seconds(tmp_path: Path) -> None:
    run = _load(
        tmp_path,
        "history.csv",
        "epoch,train_loss,valid_loss,accuracy,time\n"
        "0,1.20,1.10,0.50,01:23\n1,1.00,0.90,0.60,01:20\n2,0.80,0.85,0.65,01:21\n3,0.70,0.80,0.70,01:19\n",
    )
    times = run.get("train.epoch_time")
    assert times is not None and times.value.tolist() == [83.0, 80.0, 81.0, 79.0]
    assert run.get("validation.accuracy") is not None  # fastai computes its metrics on the validation set
    assert not [d for d in run.diagnostics if d.code == "bad-value"]
