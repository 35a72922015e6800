"""The fleet view over the rows: problems per category, wasted compute, best runs, unreadable runs.

Also the row selection the CLI offers (``--only``, ``--sort``), kept here so
the Python API and every output format share one definition.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from loganalyzer.errors import ConfigError
from loganalyzer.fleet.rows import CATEGORIES, COLUMNS, HPARAM_PREFIX, Row

#: ``--only`` accepts a category, or one of these.
ONLY_SPECIAL = ("unreadable", "clean")


@dataclass(frozen=True)
class Ranked:
    """One of the ``--top`` runs."""

    run: str
    key: str
    value: float


@dataclass(frozen=True)
class Summary:
    """What an audit adds up to.

    ``top_by`` is the column the best runs are ranked by: the best
    accuracy-like metric when any run has one (higher is better), else the
    best validation loss (lower is better).
    """

    runs: int
    analysed: int
    unreadable: tuple[tuple[str, str], ...]
    with_problems: int
    problems: dict[str, int]
    wasted_epochs: int
    wasted_evals: int
    wasted_s: float
    top_by: str | None
    top: tuple[Ranked, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-native form."""
        return {
            "runs": self.runs,
            "analysed": self.analysed,
            "with_problems": self.with_problems,
            "problems": dict(self.problems),
            "wasted_epochs": self.wasted_epochs,
            "wasted_evals": self.wasted_evals,
            "wasted_s": round(self.wasted_s, 3),
            "top_by": self.top_by,
            "top": [{"run": r.run, "key": r.key, "value": r.value} for r in self.top],
            "unreadable": [{"run": run, "reason": reason} for run, reason in self.unreadable],
        }


def summarise(rows: Sequence[Row], top: int = 5) -> Summary:
    """Add the rows up (all of them: ``--only`` narrows what is listed, not the totals)."""
    problems = dict.fromkeys(CATEGORIES, 0)
    wasted_epochs, wasted_evals, wasted_s = 0, 0, 0.0
    with_problems = 0
    for row in rows:
        found = row.problems
        with_problems += bool(found)
        for category in found:
            problems[category] = problems.get(category, 0) + 1
        epochs, evaluations, seconds = row.wasted
        wasted_epochs += epochs or 0
        wasted_evals += evaluations or 0
        wasted_s += seconds or 0.0
    analysed = [row for row in rows if row.facts is not None]
    key = (
        "metric_best"
        if any(r.facts.metric_best is not None for r in analysed if r.facts)
        else "val_loss_best"
    )
    candidates = [(row.run, getattr(row.facts, key)) for row in analysed]
    scored = [(run, float(value)) for run, value in candidates if value is not None]
    higher = key == "metric_best"
    scored.sort(key=lambda item: (-item[1] if higher else item[1], item[0]))
    return Summary(
        runs=len(rows),
        analysed=len(analysed),
        unreadable=tuple((r.run, r.reason or "") for r in rows if r.status == "unreadable"),
        with_problems=with_problems,
        problems=problems,
        wasted_epochs=wasted_epochs,
        wasted_evals=wasted_evals,
        wasted_s=wasted_s,
        top_by=key if scored else None,
        top=tuple(Ranked(run, key, value) for run, value in scored[: max(top, 0)]),
    )


def only(rows: Sequence[Row], category: str | None) -> list[Row]:
    """Rows with a problem of ``category`` (or ``unreadable``/``clean`` rows); all rows for None."""
    if category is None:
        return list(rows)
    if category == "unreadable":
        return [row for row in rows if row.status == "unreadable"]
    if category == "clean":
        return [row for row in rows if row.status == "ok" and not row.problems]
    if category not in CATEGORIES:
        choices = ", ".join((*CATEGORIES, *ONLY_SPECIAL))
        raise ConfigError(f"--only {category!r}: expected one of {choices}")
    return [row for row in rows if category in row.problems]


def sort_rows(rows: Sequence[Row], key: str = "run") -> list[Row]:
    """Rows ordered by column ``key`` (``-key`` for descending); missing values last, ties by run."""
    descending = key.startswith("-")
    column = key.lstrip("-")
    if column not in COLUMNS and not column.startswith(HPARAM_PREFIX):
        raise ConfigError(f"--sort {key!r}: not a column; choose one of {', '.join(COLUMNS)} or hp.<name>")
    by_run = sorted(rows, key=lambda row: row.run)
    present = [(row, row.columns().get(column)) for row in by_run]
    missing = [row for row, value in present if value is None]
    valued = [(row, value) for row, value in present if value is not None]
    # Numbers before text, so a column mixing them (a hyperparameter) still sorts.
    valued.sort(key=lambda item: _order(item[1]), reverse=descending)
    return [row for row, _ in valued] + missing


def _order(value: Any) -> tuple[int, float, str]:
    if isinstance(value, bool | int | float):
        return (0, float(value), "")
    return (1, 0.0, str(value))
