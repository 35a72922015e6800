"""Discovery on hostile and large trees: loops, special files, unreadable entries, odd names, many files.

Every problem is an error naming the entry and the reason; everything else
in the tree is still found. Nothing here may block or recurse forever.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from loganalyzer.ingest import TEXT_READERS, load_runs
from loganalyzer.ingest.discover import discover
from loganalyzer.ingest.tensorboard import reader as tensorboard

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures"
KERAS_CSV = "epoch,loss,val_loss\n0,1.0,1.1\n1,0.8,1.0\n2,0.7,0.9\n"


def find(*paths: Path):  # type: ignore[no-untyped-def]
    return discover([str(p) for p in paths], TEXT_READERS, tensorboard)


def names(found) -> list[str]:  # type: ignore[no-untyped-def]
    return [source.name for source in found.sources]


def test_nested_runs_of_every_kind_are_found_once(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "healthy-keras-tensorboard", tmp_path / "a" / "keras-tb")
    shutil.copytree(FIXTURES / "overfit-pytorch-tensorboard", tmp_path / "a" / "b" / "torch")
    shutil.copytree(FIXTURES / "underfit-keras-json", tmp_path / "a" / "b" / "c" / "json")
    (tmp_path / "a" / "b" / "c" / "d").mkdir()  # empty directory deep inside
    (tmp_path / "a" / "weights.pt").write_bytes(b"\x80\x02")
    found = find(tmp_path)
    relative = sorted(n.removeprefix(f"{tmp_path}/") for n in names(found))
    assert relative == ["a/b/c/json/history.json", "a/b/torch", "a/keras-tb/logs"]
    assert found.errors == ()


def test_a_symlink_loop_ends_and_linked_runs_are_found_once(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    (runs / "r1").mkdir(parents=True)
    (runs / "r1" / "training.log").write_text(KERAS_CSV)
    (runs / "r1" / "back").symlink_to(runs)  # loop: runs/r1/back -> runs
    (runs / "self").symlink_to(".")  # loop: runs/self -> runs
    outside = tmp_path / "elsewhere" / "r2"
    outside.mkdir(parents=True)
    (outside / "training.log").write_text(KERAS_CSV)
    (runs / "linked").symlink_to(outside)  # a run linked into the tree is found
    found = find(runs)
    assert sorted(n.removeprefix(f"{runs}/") for n in names(found)) == [
        "linked/training.log",
        "r1/training.log",
    ]
    assert found.errors == ()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_fifos_and_devices_named_like_logs_are_never_opened(tmp_path: Path) -> None:
    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "training.log").write_text(KERAS_CSV)
    os.mkfifo(tmp_path / "events.out.tfevents.1.host")  # opening it for reading would block forever
    os.mkfifo(tmp_path / "history.json")
    os.mkfifo(tmp_path / "a-pipe")  # not named like a log: passed over silently
    (tmp_path / "train.csv").symlink_to("/dev/zero")  # a device never ends
    found = find(tmp_path)
    assert [n.removeprefix(f"{tmp_path}/") for n in names(found)] == ["ok/training.log"]
    errors = {e.path.removeprefix(f"{tmp_path}/"): e.reason for e in found.errors}
    assert errors == {
        "events.out.tfevents.1.host": "not a regular file (a FIFO); not opened",
        "history.json": "not a regular file (a FIFO); not opened",
        "train.csv": "not a regular file (a character device); not opened",
    }
    # Given explicitly, a FIFO is refused the same way instead of blocking.
    [error] = find(tmp_path / "events.out.tfevents.1.host").errors
    assert "FIFO" in error.reason


def test_a_broken_link_named_like_a_log_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "training.log").write_text(KERAS_CSV)
    (tmp_path / "gone.csv").symlink_to(tmp_path / "missing.csv")
    found = find(tmp_path)
    assert len(found.sources) == 1
    [error] = found.errors
    assert error.path.endswith("gone.csv") and error.reason == "broken symbolic link"


def test_an_unreadable_log_is_one_error_and_the_rest_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Permission denied, simulated (tests run as root, which the kernel never denies)."""
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "training.log").write_text(KERAS_CSV)
    (tmp_path / "b").mkdir()
    secret = tmp_path / "b" / "training.log"
    secret.write_text(KERAS_CSV)
    real_open = Path.open

    def guarded_open(self: Path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self == secret:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", guarded_open)
    found = find(tmp_path)
    assert [n.removeprefix(f"{tmp_path}/") for n in names(found)] == ["a/training.log"]
    [error] = found.errors
    assert error.path.endswith("b/training.log") and error.reason == "cannot read: Permission denied"


@pytest.mark.skipif(
    sys.platform == "win32" or os.geteuid() == 0,
    reason="running as root: the kernel grants root every permission, so access cannot be denied "
    "(the simulated test above covers the code path)",
)
def test_permission_denied_for_real(tmp_path: Path) -> None:
    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "training.log").write_text(KERAS_CSV)
    (tmp_path / "secret.csv").write_text(KERAS_CSV)
    (tmp_path / "secret.csv").chmod(0)
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "training.log").write_text(KERAS_CSV)
    (tmp_path / "locked").chmod(0)
    try:
        found = find(tmp_path)
    finally:
        (tmp_path / "locked").chmod(0o755)
    assert len(found.sources) == 1
    reasons = sorted(e.reason for e in found.errors)
    assert reasons == ["cannot list directory: Permission denied", "cannot read: Permission denied"]


def test_non_utf8_names_are_found_and_shown_as_escapes(tmp_path: Path) -> None:
    root = os.fsencode(tmp_path)
    weird = root + b"/caf\xe9-run"
    os.mkdir(weird)
    with open(weird + b"/training.log", "w") as handle:
        handle.write(KERAS_CSV)
    shutil.copytree(FIXTURES / "mem-ok-pytorch", os.fsdecode(root + b"/tb-\xff"))
    loaded = load_runs([str(tmp_path)])
    assert loaded.errors == ()
    shown = sorted(run.name.removeprefix(f"{tmp_path}/") for run in loaded.runs)
    assert shown == ["caf\\xe9-run/training.log", "tb-\\xff"]
    for run in loaded.runs:
        run.name.encode("utf-8")  # printable and hashable: no lone surrogates left


def test_ten_thousand_small_files(tmp_path: Path) -> None:
    for i in range(100):
        directory = tmp_path / f"group-{i:03d}"
        directory.mkdir()
        for j in range(99):
            (directory / f"note-{j:02d}.txt").write_text("just a note\n")
        (directory / "training.log").write_text(KERAS_CSV)
    found = find(tmp_path)
    assert len(found.sources) == 100
    assert found.errors == ()


def test_empty_directories_are_an_error_only_when_given(tmp_path: Path) -> None:
    (tmp_path / "empty" / "deeper").mkdir(parents=True)
    [error] = find(tmp_path / "empty").errors
    assert error.reason == "no training logs found in this directory"


@pytest.mark.slow
def test_a_hundred_thousand_files(tmp_path: Path) -> None:
    """1,000 run directories of 100 files: the log, 49 notes to sniff, 50 images never opened."""
    for i in range(1000):
        directory = tmp_path / f"{i // 100:02d}" / f"run-{i:04d}"
        directory.mkdir(parents=True)
        (directory / "training.log").write_text(KERAS_CSV)
        for j in range(49):
            (directory / f"note-{j:02d}.txt").write_bytes(b"n")
        for j in range(50):
            (directory / f"sample-{j:02d}.png").write_bytes(b"")
    found = find(tmp_path)
    assert len(found.sources) == 1000
    assert found.errors == ()
    assert names(found) == sorted(names(found))
