"""Discovery of text logs by content, and the shared segmentation rule."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from loganalyzer.ingest import TEXT_READERS, load_runs
from loganalyzer.ingest.discover import discover
from loganalyzer.ingest.text.segments import segment_starts


def test_directory_with_logs_checkpoint_and_image_finds_the_two_logs(tmp_path: Path) -> None:
    (tmp_path / "training.log").write_bytes(
        b"epoch,accuracy,loss,val_accuracy,val_loss\r\n0,0.5,1.0,0.4,1.2\r\n"
    )
    (tmp_path / "history.json").write_text(json.dumps({"loss": [1.0, 0.5], "val_loss": [1.2, 0.9]}))
    (tmp_path / "model.h5").write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(64))
    (tmp_path / "curve.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    (tmp_path / "data.csv").write_text("id,age,income\n1,34,52000\n")
    (tmp_path / "config.json").write_text(json.dumps({"optimizer": {"name": "adam"}, "layers": [64, 32]}))
    result = load_runs([tmp_path])
    assert result.errors == ()
    assert [(Path(run.name).name, run.format) for run in result.runs] == [
        ("history.json", "keras-json"),
        ("training.log", "keras-csv"),
    ]
    assert all(run.get("validation.loss") is not None for run in result.runs)


def test_each_format_is_claimed_by_its_own_reader(tmp_path: Path) -> None:
    files = {
        "trainer_state.json": json.dumps(
            {"global_step": 1, "log_history": [{"loss": 1.0, "step": 1, "epoch": 0.1}]}
        ),
        "history.json": json.dumps({"loss": [1.0], "val_loss": [1.1]}),
        "log.jsonl": '{"epoch": 0, "loss": 1.0}\n{"epoch": 1, "loss": 0.5}\n',
        "training.log": "epoch,loss\n0,1.0\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    found = discover([tmp_path], TEXT_READERS)
    assert {Path(s.name).name: s.format for s in found.sources} == {
        "trainer_state.json": "hf-trainer-state",
        "history.json": "keras-json",
        "log.jsonl": "jsonl",
        "training.log": "keras-csv",
    }


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("params.yaml", "lr: 0.001\nloss: mse\nepochs: 10\n"),
        ("data.csv", "id,age,income\n1,34,52000\n"),
        ("config.json", '{"model": {"layers": 3}, "loss": "mse"}'),
    ],
)
def test_explicit_non_log_file_is_an_error(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    result = load_runs([path])
    assert result.runs == ()
    assert len(result.errors) == 1 and "not a recognised training log" in result.errors[0].reason


def test_importing_the_readers_does_not_import_pandas() -> None:
    code = "import sys, loganalyzer.ingest; print('pandas' in sys.modules, 'scipy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def present(rows: list[str], columns: str = "ab") -> np.ndarray:
    return np.array([[c in row for c in columns] for row in rows], dtype=bool)


@pytest.mark.parametrize(
    ("index", "rows", "expected"),
    [
        ([0, 1, 2, 0, 1], ["ab"] * 5, [0, 3]),  # restart
        ([0, 0, 1, 2], ["ab"] * 4, [0, 1]),  # aborted after one epoch
        ([0, 1, 2, 3, 4, 5], ["ab"] * 6, [0]),  # keeps counting
        ([0, 1, 2, 3, 2, 3, 4], ["ab"] * 7, [0]),  # resume from a checkpoint inside the run
        ([49, 99, 155, 155], ["a", "a", "b", "a"], [0]),  # Lightning: other columns at one step
        ([49, 99, 155, 155], ["a", "a", "a", "a"], [0]),  # same column again mid-run: a rewrite
        ([1, 2, 1, 2], ["a", "a", "a", "a"], [0, 2]),  # 1-based restart
        ([0, 0, 0], ["a", "b", "a"], [0, 2]),  # column repeated at the start value
    ],
)
def test_segment_rule(index: list[float], rows: list[str], expected: list[int]) -> None:
    assert segment_starts(np.asarray(index, dtype=float), present(rows)) == expected


def test_forced_starts_and_no_index() -> None:
    assert segment_starts(None, present(["a"] * 5), forced=[3]) == [0, 3]
    assert segment_starts(np.arange(5.0), present(["a"] * 5), forced=[2]) == [0, 2]
    assert segment_starts(np.zeros(0), present([])) == [0]


def test_long_run_of_equal_steps_is_linear() -> None:
    rows = 200_000
    flags = np.zeros((rows, 2), dtype=bool)
    flags[::2, 0] = True
    flags[1::2, 1] = True
    index = np.repeat(np.arange(rows // 2, dtype=float), 2)
    assert segment_starts(index, flags) == [0]
