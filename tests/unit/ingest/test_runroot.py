"""An event file given alone is read with the rest of its run (the pre-commit hook's case)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from loganalyzer import api
from loganalyzer.ingest import runroot

FIXTURE = Path(__file__).resolve().parents[3] / "fixtures" / "overfit-keras-tensorboard" / "logs"


def _touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")
    return path


def test_a_file_in_a_split_directory_brings_its_sibling_splits(tmp_path: Path) -> None:
    val = _touch(tmp_path / "logs" / "validation" / "events.out.tfevents.2.v2")
    train = _touch(tmp_path / "logs" / "train" / "events.out.tfevents.1.v2")
    _touch(tmp_path / "logs" / "train" / "plugins" / "profile" / "x.trace.json.gz")
    _touch(tmp_path / "other" / "train" / "events.out.tfevents.9.v2")  # another run: left alone
    assert runroot.run_root(val) == tmp_path / "logs"
    assert runroot.with_whole_runs([os.fspath(val)]) == [os.fspath(val), os.fspath(train)]


def test_a_pytorch_add_scalars_run_is_completed_from_its_main_file(tmp_path: Path) -> None:
    main = _touch(tmp_path / "run" / "events.out.tfevents.1.host")
    scalars = _touch(tmp_path / "run" / "Loss_train" / "events.out.tfevents.2.host")
    assert runroot.with_whole_runs([os.fspath(main)]) == [os.fspath(main), os.fspath(scalars)]


def test_text_logs_directories_and_lone_event_files_are_left_as_given(tmp_path: Path) -> None:
    csv = _touch(tmp_path / "train" / "training.log")
    lone = _touch(tmp_path / "exp" / "events.out.tfevents.1.host")
    given = [os.fspath(csv), os.fspath(lone), os.fspath(tmp_path / "exp"), "missing/events.out.tfevents.1"]
    assert runroot.with_whole_runs(given) == given


def test_relative_spelling_keeps_the_run_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _touch(tmp_path / "logs" / "validation" / "events.out.tfevents.2.v2")
    _touch(tmp_path / "logs" / "train" / "events.out.tfevents.1.v2")
    monkeypatch.chdir(tmp_path / "logs")
    assert runroot.with_whole_runs(["validation/events.out.tfevents.2.v2"]) == [
        "validation/events.out.tfevents.2.v2",
        "train/events.out.tfevents.1.v2",
    ]


def test_the_validation_file_alone_is_analysed_as_the_whole_run() -> None:
    validation = next((FIXTURE / "validation").iterdir())
    alone = api.analyze([validation])
    whole = api.analyze([FIXTURE])
    assert [run.name for run in alone.runs] == [run.name for run in whole.runs]
    assert {f.rule for f in alone.findings} == {f.rule for f in whole.findings} >= {"OF001"}
    assert [f.fingerprint for f in alone.findings] == [f.fingerprint for f in whole.findings]
