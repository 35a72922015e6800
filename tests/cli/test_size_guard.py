"""The per-file size guard: --max-bytes and max-bytes say what they skipped, and the rest is read."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from loganalyzer import api
from loganalyzer.engine.config import parse_size
from loganalyzer.errors import ConfigError
from loganalyzer.ingest.source import DEFAULT_MAX_BYTES, ReadOptions
from tests.cli.helpers import FIXTURES, invoke

CSV = FIXTURES / "overfit-keras-csv"
KERAS_TB = FIXTURES / "overfit-keras-tensorboard"


def test_default_limit_is_two_gibibytes() -> None:
    assert ReadOptions().max_bytes == DEFAULT_MAX_BYTES == 2**31


@pytest.mark.parametrize(
    ("text", "size"),
    [(1000, 1000), ("1000", 1000), ("500MB", 500 * 10**6), ("2GiB", 2**31), ("1.5 kb", 1500), ("3k", 3000)],
)
def test_parse_size(text: object, size: int) -> None:
    assert parse_size(text, "x") == size


@pytest.mark.parametrize("text", ["", "MB", "-1", "5 parsecs", True, 0, [1], "1e9"])
def test_parse_size_refuses_nonsense(text: object) -> None:
    with pytest.raises(ConfigError, match="x: "):
        parse_size(text, "x")


def test_oversized_file_is_an_input_error_and_the_rest_is_read(tmp_path: Path) -> None:
    small = tmp_path / "small"
    shutil.copytree(CSV, small)
    big = tmp_path / "big" / "training.log"
    big.parent.mkdir()
    big.write_text((CSV / "training.log").read_text() * 3)
    limit = big.stat().st_size - 1
    result = api.load_runs([small, big.parent], max_bytes=limit)
    assert [run.name for run in result.runs] == [str(small / "training.log")]
    (error,) = result.errors
    assert error.path == str(big) and f"{limit:,}-byte limit" in error.reason


def test_one_oversized_event_file_does_not_drop_the_rest_of_its_run(tmp_path: Path) -> None:
    run = tmp_path / "run"
    shutil.copytree(KERAS_TB, run)
    files = sorted(run.rglob("*tfevents*"))
    sizes = sorted(f.stat().st_size for f in files)
    result = api.load_runs(run, max_bytes=sizes[0])
    (loaded,) = result.runs
    assert len(loaded.sources) == 1 and len(result.errors) == 1


def test_check_max_bytes_flag_reports_on_stderr_and_exits_2(tmp_path: Path) -> None:
    outcome = invoke("check", CSV, "--max-bytes", "1kB")
    assert outcome.exit_code == 2
    (line,) = outcome.stderr_lines()
    assert "training.log" in line and "1,000-byte limit" in line and "--max-bytes" in line


@pytest.mark.parametrize("command", [["inspect"], ["export", "-o", "-"]])
def test_inspect_and_export_take_the_flag(command: list[str]) -> None:
    outcome = invoke(*command, CSV, "--max-bytes", "1kB")
    assert outcome.exit_code == 2 and "1,000-byte limit" in outcome.stderr
    assert invoke(*command, CSV, "--max-bytes", "1GB").exit_code == 0


def test_config_key_and_bad_values(tmp_path: Path) -> None:
    (tmp_path / "loganalyzer.toml").write_text('max-bytes = "1kB"\n')
    assert invoke("check", CSV, "--config", tmp_path / "loganalyzer.toml").exit_code == 2
    (tmp_path / "loganalyzer.toml").write_text('max-bytes = "lots"\n')
    bad = invoke("check", CSV, "--config", tmp_path / "loganalyzer.toml")
    assert bad.exit_code == 2 and "max-bytes" in bad.stderr
    assert invoke("check", CSV, "--max-bytes", "0").exit_code == 2


FORMAT_SAMPLES = Path(__file__).resolve().parents[1] / "formats" / "data"


def test_directory_runs_apply_the_limit_to_each_file_they_open(tmp_path: Path) -> None:
    """An MLflow run is a directory: the limit is checked on each metric file, not on the directory."""
    store = tmp_path / "mlruns"
    shutil.copytree(FORMAT_SAMPLES / "mlflow" / "mlruns", store)
    run = store / "1" / "0a1b2c3d4e5f"
    val_loss = run / "metrics" / "val_loss"
    val_loss.write_text(val_loss.read_text() * 50)
    limit = val_loss.stat().st_size - 1
    (run / "params" / "notes").write_text("x" * (limit + 1))
    result = api.load_runs([run], max_bytes=limit)
    assert not result.errors
    (loaded,) = result.runs
    assert loaded.get("train.loss") is not None and loaded.get("validation.loss") is None
    (diagnostic,) = [d for d in loaded.diagnostics if d.code == "unreadable"]
    assert diagnostic.source == str(val_loss) and f"{limit:,}-byte limit" in diagnostic.message
    assert loaded.metadata["params"] == {"learning_rate": "0.001"}  # the oversized param is left out


def test_an_oversized_sacred_metrics_file_is_an_input_error_naming_it(tmp_path: Path) -> None:
    run = tmp_path / "1"
    shutil.copytree(FORMAT_SAMPLES / "sacred" / "my_runs" / "1", run)
    metrics = run / "metrics.json"
    result = api.load_runs([run], max_bytes=metrics.stat().st_size - 1)
    assert not result.runs
    (error,) = result.errors
    assert error.path == str(metrics) and "-byte limit" in error.reason
    (loaded,) = api.load_runs([run], max_bytes=metrics.stat().st_size).runs
    assert loaded.get("train.loss") is not None
