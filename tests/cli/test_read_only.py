"""Nothing lost, nothing touched: every command, every format, over inputs of every kind.

The inputs are every fixture plus logs written here in the formats the
fixtures lack (JSON Lines, Hugging Face trainer state) and damaged ones (a
truncated event file, a CSV with bad rows, a deep JSON document, random
bytes named like an event file). Each file is hashed before and after every
command, together with its mode and modification time, and the set of paths
must not grow: no cache, lock, backup or report file may appear next to a log,
also when the command runs with the inputs as its working directory.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest

from tests.cli.helpers import FIXTURES, invoke

CHECK_FORMATS = ("text", "concise", "json", "sarif", "junit", "github", "gitlab", "markdown")


def _state(root: Path) -> dict[str, tuple[str, int, int]]:
    """Every path under ``root``: content hash (files), mode and mtime; directories included."""
    state = {}
    for path in sorted(root.rglob("*")):
        info = path.lstat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
        state[path.relative_to(root).as_posix()] = (digest, info.st_mode, info.st_mtime_ns)
    return state


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    root = tmp_path / "inputs"
    for fixture in sorted(FIXTURES.iterdir()):
        if fixture.is_dir():
            shutil.copytree(fixture, root / fixture.name, ignore=shutil.ignore_patterns("expected.toml"))
    jsonl = root / "jsonl" / "metrics.jsonl"
    jsonl.parent.mkdir()
    jsonl.write_text(
        "".join(
            json.dumps({"step": i, "loss": 1 / (i + 1), "val_loss": 1.2 / (i + 1)}) + "\n" for i in range(30)
        )
    )
    state = {
        "global_step": 300,
        "log_history": [{"step": 10 * i, "epoch": i / 10, "loss": 2.0 / (i + 1)} for i in range(1, 31)],
    }
    hf = root / "hf" / "trainer_state.json"
    hf.parent.mkdir()
    hf.write_text(json.dumps(state))
    damaged = root / "damaged"
    damaged.mkdir()
    event = next((FIXTURES / "spikes-pytorch-steps").glob("*tfevents*")).read_bytes()
    (damaged / "events.out.tfevents.1.truncated").write_bytes(event[: len(event) // 2 + 3])
    (root / "random").mkdir()
    (root / "random" / "events.out.tfevents.2.random").write_bytes(os.urandom(5000))
    (damaged / "bad.csv").write_text("epoch,loss,val_loss\n0,1,1\n1,x\n2,0.5,0.6,9\n3,0.4\n")
    (damaged / "deep.json").write_text('{"loss": ' + "[" * 50_000 + "]" * 50_000 + "}")
    return root


def _commands(inputs: Path, out: Path) -> list[list[object]]:
    commands: list[list[object]] = []
    for fmt in CHECK_FORMATS:
        commands.append(["check", "--format", fmt, inputs])
        commands.append(["check", "--format", fmt, "-o", out / f"report.{fmt}", inputs])
    commands += [
        ["check", "--write-baseline", out / "baseline.json", inputs],
        ["check", "--baseline", out / "baseline.json", "--statistics", "--verbose", inputs],
        ["check", "--no-verify-crc", "--max-bytes", "1MB", inputs],
        ["inspect", inputs],
        ["inspect", "--format", "json", inputs],
        ["export", "-o", out / "points.csv", inputs],
        ["export", "-o", "-", inputs],
        ["rules"],
        ["rules", "--format", "json"],
        ["explain", "OF001"],
    ]
    try:
        import pyarrow  # noqa: F401

        commands.append(["export", "-o", out / "points.parquet", inputs])
    except ImportError:
        pass
    return commands


def test_every_command_leaves_every_input_byte_for_byte_alone(tmp_path: Path, inputs: Path) -> None:
    before = _state(inputs)
    out = tmp_path / "out"
    out.mkdir()
    for args in _commands(inputs, out):
        outcome = invoke(*args)
        assert outcome.exit_code in (0, 1, 2), (args, outcome.output)
        assert "Traceback" not in outcome.output
        assert _state(inputs) == before, f"{args} changed or added something under the inputs"
    assert (out / "points.csv").stat().st_size > 0


def test_running_inside_the_input_directory_writes_nothing_there(
    inputs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _state(inputs)
    monkeypatch.chdir(inputs)
    for fmt in CHECK_FORMATS:
        assert invoke("check", "--format", fmt, ".").exit_code in (0, 1, 2)
    for args in (["inspect", "."], ["export", "-o", "-", "."], ["rules"], ["explain", "overfitting"]):
        assert invoke(*args).exit_code in (0, 1, 2)
    assert _state(inputs) == before


def test_damaged_inputs_are_reported_and_the_rest_is_analysed(inputs: Path) -> None:
    outcome = invoke("check", "--format", "json", inputs)
    assert outcome.exit_code == 2
    document = outcome.json()
    analysed = {Path(run["name"]).relative_to(inputs).parts[0] for run in document["runs"]}
    assert {"jsonl", "hf", "damaged", "overfit-keras-csv", "overfit-keras-tensorboard"} <= analysed
    truncated = next(run for run in document["runs"] if "damaged" in run["name"])
    assert truncated  # the truncated file's records before the cut are analysed
    assert [Path(error["path"]).name for error in document["errors"]] == ["events.out.tfevents.2.random"]
    errors = [line for line in outcome.stderr_lines() if line.startswith("loganalyzer: error: ")]
    assert len(errors) == 1 and "events.out.tfevents.2.random" in errors[0]


def test_an_unreadable_file_given_by_name_is_one_line_and_exit_2(inputs: Path) -> None:
    deep = inputs / "damaged" / "deep.json"
    outcome = invoke("check", deep, inputs / "jsonl")
    assert outcome.exit_code == 2
    (line,) = outcome.stderr_lines()
    assert line.startswith(f"loganalyzer: error: {deep}: ")
    assert "metrics.jsonl" in outcome.stdout  # the readable input is still reported
