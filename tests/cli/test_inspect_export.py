"""``inspect`` and ``export`` end to end, and the read-only contract of every command."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from loganalyzer.api import load_runs
from tests.cli.helpers import (
    DIVERGE_CSV,
    HEALTHY_CSV,
    OVERFIT_CSV,
    OVERFIT_TB,
    assert_usage_error,
    invoke,
    snapshot,
)

#: The columns of the exported table, in order (a contract: people load it into pandas by name).
COLUMNS = ("run", "metric", "split", "quantity", "step", "epoch", "wall_time", "value", "raw_name", "source")

# --------------------------------------------------------------------------- inspect


def test_inspect_text_shows_canonical_keys_and_raw_names() -> None:
    outcome = invoke("inspect", OVERFIT_CSV, OVERFIT_TB)
    assert outcome.exit_code == 0, outcome.output
    assert outcome.stderr == ""
    text = outcome.stdout
    assert f"{OVERFIT_CSV / 'training.log'}  [keras-csv, 1 file," in text
    assert f"{OVERFIT_TB / 'logs'}  [tensorboard, 2 files," in text, "train/ and validation/ are one run"
    for key, raw in [
        ("train.loss", "loss"),
        ("validation.loss", "val_loss"),
        ("validation.loss", "epoch_loss"),
    ]:
        assert any(line.split()[:3] == [key, "<-", raw] for line in text.splitlines()), (key, raw)
    assert "2 runs read" in text


def test_inspect_json_lists_every_series_with_its_raw_name() -> None:
    outcome = invoke("inspect", "--format", "json", OVERFIT_CSV, OVERFIT_TB)
    assert outcome.exit_code == 0
    document = outcome.json()
    assert document["errors"] == []
    runs = {run["format"]: run for run in document["runs"]}
    assert set(runs) == {"keras-csv", "tensorboard"}
    csv_series = {s["metric"]: s["raw_name"] for s in runs["keras-csv"]["series"]}
    assert csv_series["train.loss"] == "loss"
    assert csv_series["validation.loss"] == "val_loss"
    tb = runs["tensorboard"]
    tb_series = {s["metric"]: s for s in tb["series"]}
    assert tb_series["train.loss"]["raw_name"] == "epoch_loss"
    assert tb_series["validation.loss"]["raw_name"] == "epoch_loss"
    assert tb_series["validation.loss"]["has_wall_time"] is True
    assert len(tb["sources"]) == 2
    assert {Path(s).parent.name for s in tb["sources"]} == {"train", "validation"}
    assert tb["points"] == sum(s["points"] for s in tb["series"])


def test_inspect_reports_non_finite_values() -> None:
    document = invoke("inspect", "--format", "json", DIVERGE_CSV).json()
    (run,) = document["runs"]
    loss = next(s for s in run["series"] if s["metric"] == "train.loss")
    assert loss["non_finite"] > 0


def test_inspect_applies_the_metric_map() -> None:
    document = invoke("inspect", "--format", "json", "--map", "val_loss=test.loss", OVERFIT_CSV).json()
    series = {s["metric"]: s["raw_name"] for s in document["runs"][0]["series"]}
    assert series.get("test.loss") == "val_loss"
    assert "validation.loss" not in series


@pytest.mark.parametrize("output_format", ["text", "json"])
def test_inspect_with_a_bad_input_exits_2_and_still_lists_the_others(
    tmp_path: Path, output_format: str
) -> None:
    bad = tmp_path / "notes.txt"
    bad.write_text("not a training log\n", encoding="utf-8")
    outcome = invoke("inspect", "--format", output_format, bad, HEALTHY_CSV, tmp_path / "missing")
    assert outcome.exit_code == 2
    assert "Traceback" not in outcome.output
    assert str(HEALTHY_CSV / "training.log") in outcome.stdout
    errors = outcome.stderr_lines()
    assert len(errors) == 2
    assert any(str(bad) in line and "not a recognised training log" in line for line in errors)
    assert any(str(tmp_path / "missing") in line and "no such file" in line for line in errors)
    if output_format == "json":
        assert len(outcome.json()["runs"]) == 1
        assert len(outcome.json()["errors"]) == 2


# --------------------------------------------------------------------------- export


def _expected_frame(paths: list[Path]) -> pd.DataFrame:
    result = load_runs([str(p) for p in paths])
    assert not result.errors
    frames = [run.to_frame() for run in sorted(result.runs, key=lambda r: r.name)]
    frame = pd.concat(frames, ignore_index=True)[list(COLUMNS)]
    return frame


def _read_csv(source: Path | io.StringIO) -> pd.DataFrame:
    """Read an exported CSV as text, then parse numbers with Python's correctly rounded ``float``.

    Independent of the pandas version's own float parser (pandas 2 is not round-trip by default).
    """
    frame = pd.read_csv(source, dtype=str, keep_default_na=False)
    for column in ("step", "epoch", "wall_time", "value"):
        frame[column] = [float(text) if text != "" else np.nan for text in frame[column]]
    return frame


def _assert_same_table(actual: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert list(actual.columns) == list(COLUMNS)
    assert len(actual) == len(expected) > 0
    for column in ("run", "metric", "split", "quantity", "raw_name", "source"):
        assert actual[column].astype(str).tolist() == expected[column].astype(str).tolist(), column
    for column in ("step", "epoch", "wall_time", "value"):
        got = actual[column].to_numpy(dtype=np.float64)
        want = expected[column].to_numpy(dtype=np.float64)
        # Bit-for-bit, NaN and infinities included.
        assert np.array_equal(got, want, equal_nan=True), column


EXPORT_INPUTS = [OVERFIT_CSV, OVERFIT_TB, DIVERGE_CSV]


def test_export_csv_round_trips_exact_values(tmp_path: Path) -> None:
    target = tmp_path / "points.csv"
    outcome = invoke("export", "-o", target, *EXPORT_INPUTS)
    assert outcome.exit_code == 0, outcome.output
    assert outcome.stdout == ""
    assert f"to {target}" in outcome.stderr
    actual = _read_csv(target)
    expected = _expected_frame(EXPORT_INPUTS)
    assert np.isnan(expected["value"].to_numpy(dtype=float)).any(), "the NaN run must exercise NaN export"
    _assert_same_table(actual, expected)


def test_export_to_stdout_writes_the_same_csv(tmp_path: Path) -> None:
    target = tmp_path / "points.csv"
    invoke("export", "-o", target, OVERFIT_CSV, OVERFIT_TB)
    outcome = invoke("export", "-o", "-", OVERFIT_CSV, OVERFIT_TB)
    assert outcome.exit_code == 0, outcome.output
    assert outcome.stdout == target.read_text(encoding="utf-8")
    assert outcome.stdout.splitlines()[0] == ",".join(COLUMNS)
    frame = _read_csv(io.StringIO(outcome.stdout))
    _assert_same_table(frame, _expected_frame([OVERFIT_CSV, OVERFIT_TB]))


@pytest.mark.parametrize("how", ["extension", "option"])
def test_export_parquet_round_trips_exact_values(tmp_path: Path, how: str) -> None:
    pytest.importorskip(
        "pyarrow", reason="Parquet export needs pyarrow (pip install 'loganalyzer-ml[parquet]')"
    )
    target = tmp_path / ("points.parquet" if how == "extension" else "points.bin")
    args = ["-f", "parquet"] if how == "option" else []
    outcome = invoke("export", "-o", target, *args, *EXPORT_INPUTS)
    assert outcome.exit_code == 0, outcome.output
    assert target.read_bytes()[:4] == b"PAR1"
    _assert_same_table(pd.read_parquet(target), _expected_frame(EXPORT_INPUTS))


def test_export_parquet_to_stdout_is_refused() -> None:
    pytest.importorskip("pyarrow")
    outcome = invoke("export", "-o", "-", "-f", "parquet", OVERFIT_CSV)
    assert_usage_error(outcome, "standard output")


def test_export_with_a_bad_input_writes_the_rest_and_exits_2(tmp_path: Path) -> None:
    target = tmp_path / "points.csv"
    outcome = invoke("export", "-o", target, OVERFIT_CSV, tmp_path / "missing")
    assert outcome.exit_code == 2
    assert "Traceback" not in outcome.output
    assert any("missing" in line and "no such file" in line for line in outcome.stderr_lines())
    assert len(pd.read_csv(target)) == len(_expected_frame([OVERFIT_CSV]))


# --------------------------------------------------------------------------- inputs are read-only


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    root = tmp_path / "inputs"
    shutil.copytree(OVERFIT_CSV, root / "csv")
    shutil.copytree(OVERFIT_TB, root / "tb")
    return root


def test_no_command_changes_or_adds_anything_next_to_the_inputs(tmp_path: Path, inputs: Path) -> None:
    before = snapshot(inputs)
    out = tmp_path / "out"
    out.mkdir()
    commands = [
        ["check", inputs],
        ["check", "--format", "json", "--statistics", "--verbose", inputs],
        ["check", "--format", "sarif", "-o", out / "report.sarif", inputs],
        ["check", "--write-baseline", out / "baseline.json", inputs],
        ["check", "--baseline", out / "baseline.json", inputs],
        ["check", "--verify-crc", inputs],
        ["inspect", inputs],
        ["inspect", "--format", "json", "--verify-crc", inputs],
        ["export", "-o", out / "points.csv", inputs],
        ["export", "-o", "-", inputs],
    ]
    for args in commands:
        outcome = invoke(*args)
        assert outcome.exit_code in (0, 1), (args, outcome.output)
    assert snapshot(inputs) == before


@pytest.mark.parametrize(
    "target",
    [
        pytest.param(lambda root: root / "csv" / "training.log", id="csv-log"),
        pytest.param(lambda root: next((root / "tb").rglob("*tfevents*")), id="event-file"),
        pytest.param(
            lambda root: Path(".") / "inputs" / "csv" / ".." / "csv" / "training.log", id="other-spelling"
        ),
    ],
)
def test_export_refuses_to_overwrite_an_input(inputs: Path, target) -> None:
    before = snapshot(inputs)
    path = target(inputs)
    outcome = invoke("export", "-o", path, inputs)
    assert_usage_error(outcome, str(path), "refusing to overwrite an input log")
    assert snapshot(inputs) == before


def test_export_refuses_an_input_reached_through_a_symlink(tmp_path: Path, inputs: Path) -> None:
    link = tmp_path / "alias.log"
    link.symlink_to(inputs / "csv" / "training.log")
    before = snapshot(inputs)
    assert_usage_error(invoke("export", "-o", link, inputs), "refusing to overwrite an input log")
    assert snapshot(inputs) == before


def test_check_refuses_to_write_its_report_over_an_input(inputs: Path) -> None:
    before = snapshot(inputs)
    outcome = invoke("check", "-o", inputs / "csv" / "training.log", inputs)
    assert snapshot(inputs) == before
    assert_usage_error(outcome, "training.log", "refusing to overwrite an input log")


def test_check_refuses_to_write_a_baseline_over_an_input(inputs: Path) -> None:
    before = snapshot(inputs)
    outcome = invoke("check", "--write-baseline", inputs / "csv" / "training.log", inputs)
    assert snapshot(inputs) == before
    assert_usage_error(outcome, "training.log", "refusing to overwrite an input log")
