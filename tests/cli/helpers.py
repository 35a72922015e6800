"""Helpers for the end-to-end command-line tests (the autouse fixture is in conftest.py).

Fixtures are read in place (inputs are read-only); a test that writes next to
its inputs copies them into ``tmp_path`` first.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from loganalyzer.cli import app

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures"

#: Overfitting (OF001) plus loss spikes (LS001, LS002); OF002 is superseded by OF001 on it.
OVERFIT_CSV = FIXTURES / "overfit-keras-csv"
#: Keras TensorBoard callback layout: logs/train/ and logs/validation/ event files, one run.
OVERFIT_TB = FIXTURES / "overfit-keras-tensorboard"
HEALTHY_CSV = FIXTURES / "healthy-keras-csv"
HEALTHY_TB = FIXTURES / "healthy-keras-tensorboard"
DIVERGE_CSV = FIXTURES / "diverge-nan-keras-csv"

#: The console script installed next to the interpreter running the tests.
CONSOLE_SCRIPT = Path(sys.executable).with_name("loganalyzer")


@dataclass(frozen=True)
class Outcome:
    """What a command did: exit code and both streams, kept apart."""

    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def json(self) -> Any:
        return json.loads(self.stdout)

    def rules(self) -> set[str]:
        """Rule codes of the findings of a ``--format json`` report."""
        return {finding["rule"] for finding in self.json()["findings"]}

    def stderr_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]


def invoke(*args: object, env: dict[str, str] | None = None) -> Outcome:
    """Run the Typer app in-process; an unexpected exception propagates with its traceback."""
    result = CliRunner().invoke(app, [os.fspath(a) if isinstance(a, Path) else str(a) for a in args], env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Outcome(result.exit_code, result.stdout, result.stderr)


def run_console(*args: object, env: dict[str, str] | None = None, cwd: Path | None = None) -> Outcome:
    """Run the real ``loganalyzer`` console script in a subprocess."""
    if not CONSOLE_SCRIPT.exists():
        pytest.skip(f"console script {CONSOLE_SCRIPT} is not installed (pip install -e .)")
    completed = subprocess.run(
        [os.fspath(CONSOLE_SCRIPT), *(os.fspath(a) if isinstance(a, Path) else str(a) for a in args)],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        timeout=120,
        check=False,
    )
    return Outcome(completed.returncode, completed.stdout, completed.stderr)


def snapshot(root: Path) -> dict[str, str]:
    """Every file under ``root`` by relative path, with its SHA-256: detects any change or new file."""
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def assert_usage_error(outcome: Outcome, *needles: str) -> None:
    """Exit 2, exactly one line on stderr that names every needle, no traceback anywhere."""
    assert outcome.exit_code == 2, outcome.output
    assert "Traceback" not in outcome.output
    lines = outcome.stderr_lines()
    assert len(lines) == 1, f"expected one line on stderr, got: {outcome.stderr!r}"
    assert lines[0].startswith("loganalyzer: error: "), lines[0]
    for needle in needles:
        assert needle in lines[0], f"{needle!r} not in {lines[0]!r}"
