"""Third-party readers through the ``loganalyzer.readers`` entry-point group (CONTRIBUTING.md)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest

from loganalyzer.ingest import load_runs, plugins

EXAMPLE = Path(__file__).resolve().parent / "example_reader"

STEPLOG = "#steplog v1\n1\t2.0\t2.1\n2\t1.5\t1.7\n3\t1.2\t1.6\n"


@pytest.fixture
def entry_points(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[metadata.EntryPoint]]:
    """Make the installed entry points of the group exactly the list the test fills in."""
    found: list[metadata.EntryPoint] = []
    monkeypatch.syspath_prepend(str(EXAMPLE))
    monkeypatch.setattr(metadata, "entry_points", lambda group: [e for e in found if e.group == group])
    plugins.installed.cache_clear()
    yield found
    plugins.installed.cache_clear()


def point(name: str, value: str) -> metadata.EntryPoint:
    return metadata.EntryPoint(name=name, value=value, group=plugins.GROUP)


def test_an_installed_reader_reads_its_format(
    entry_points: list[metadata.EntryPoint], tmp_path: Path
) -> None:
    entry_points.append(point("steplog", "loganalyzer_example_reader"))
    (tmp_path / "run.steplog").write_text(STEPLOG)
    loaded = load_runs([tmp_path])
    assert not loaded.errors
    (run,) = loaded.runs
    assert run.format == "steplog"
    loss, validation = run.get("train.loss"), run.get("validation.loss")
    assert loss is not None and loss.value.tolist() == [2.0, 1.5, 1.2]
    assert validation is not None and validation.step.tolist() == [1, 2, 3]


def test_without_the_plugin_the_format_is_not_read(
    entry_points: list[metadata.EntryPoint], tmp_path: Path
) -> None:
    (tmp_path / "run.steplog").write_text(STEPLOG)
    loaded = load_runs([tmp_path / "run.steplog"])
    assert not loaded.runs and next(e.reason for e in loaded.errors).startswith(
        "not a recognised training log"
    )


def test_broken_plugins_are_one_line_errors_and_the_rest_is_read(
    entry_points: list[metadata.EntryPoint], tmp_path: Path
) -> None:
    entry_points += [
        point("missing", "no_such_module_anywhere"),
        point("not-a-reader", "json"),
        point("steals-jsonl", "loganalyzer.ingest.text.jsonl"),
    ]
    (tmp_path / "log.jsonl").write_text('{"epoch": 0, "loss": 1.0}\n{"epoch": 1, "loss": 0.5}\n')
    loaded = load_runs([tmp_path])
    assert [r.format for r in loaded.runs] == ["jsonl"]
    messages = sorted(f"{e.path}: {e.reason}" for e in loaded.errors)
    assert len(messages) == 3
    assert "cannot be loaded: ModuleNotFoundError" in messages[0]
    assert "is not a reader: it lacks FORMAT, sniff" in messages[1]
    assert "uses the format name 'jsonl'" in messages[2]
    assert all("\n" not in m for m in messages)


@pytest.mark.slow
def test_the_example_package_installs_and_registers_its_entry_point(tmp_path: Path) -> None:
    if importlib.util.find_spec("setuptools") is None or importlib.util.find_spec("wheel") is None:
        pytest.skip(
            "setuptools and wheel are needed to build the example plugin offline (pip install -e '.[dev]')"
        )
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--target",
         str(target), str(EXAMPLE)],
        check=True, capture_output=True, cwd=tmp_path,
    )  # fmt: skip
    (tmp_path / "run.steplog").write_text(STEPLOG)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(target), *sys.path])}
    done = subprocess.run(
        [sys.executable, "-m", "loganalyzer", "inspect", str(tmp_path / "run.steplog")],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "[steplog, 1 file, 6 points]" in done.stdout
