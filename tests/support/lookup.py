"""Small accessors for reader tests: one run from a path, and a series' keys, values and steps."""

from __future__ import annotations

from pathlib import Path

from loganalyzer.ingest import load_runs
from loganalyzer.model.run import Run


def load_one(path: Path) -> Run:
    """The single run read from ``path`` (no input errors allowed)."""
    result = load_runs([path])
    assert result.errors == ()
    assert len(result.runs) == 1, [run.name for run in result.runs]
    return result.runs[0]


def key_names(run: Run) -> list[str]:
    return list(map(str, run.keys()))


def values(run: Run, key: str) -> list[float]:
    series = run.get(key)
    assert series is not None, f"{key} missing; have {key_names(run)}"
    return series.value.tolist()


def steps(run: Run, key: str) -> list[int]:
    series = run.get(key)
    assert series is not None
    return series.step.tolist()
