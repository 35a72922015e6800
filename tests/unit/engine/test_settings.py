"""Rule selection follows ruff: the most specific matching selector decides."""

from __future__ import annotations

import pytest

from loganalyzer.engine.settings import Settings
from loganalyzer.model.finding import Severity
from loganalyzer.model.rule import RuleSpec


def rule(code: str, name: str, category: str) -> RuleSpec:
    return RuleSpec(
        code, name, category, Severity.WARNING, "d", "summary", "description", "msg {x}", (), ("r",)
    )


OF001 = rule("OF001", "overfitting", "overfitting")
OF002 = rule("OF002", "generalization-gap", "overfitting")
LS001 = rule("LS001", "loss-spike", "loss-spike")
RULES = (OF001, OF002, LS001)

CASES = [
    ({}, {"OF001", "OF002", "LS001"}),
    ({"select": ("OF001",)}, {"OF001"}),
    ({"select": ("OF",)}, {"OF001", "OF002"}),
    ({"select": ("overfitting",)}, {"OF001", "OF002"}),  # category
    ({"select": ("generalization-gap",)}, {"OF002"}),  # rule name
    ({"ignore": ("OF",)}, {"LS001"}),
    ({"ignore": ("loss-spike",)}, {"OF001", "OF002"}),
    ({"select": ("OF",), "ignore": ("OF002",)}, {"OF001"}),
    ({"select": ("OF001",), "ignore": ("OF",)}, {"OF001"}),  # the exact code beats the prefix
    ({"select": ("OF0",), "ignore": ("OF",)}, {"OF001", "OF002"}),  # longer prefix is more specific
    ({"select": ("OF",), "ignore": ("OF",)}, set()),  # a tie goes to ignore
    ({"select": ("LS001",), "extend_select": ("OF002",)}, {"LS001", "OF002"}),
    ({"select": ("ALL",), "ignore": ("ALL",)}, set()),
    ({"ignore": ("overfitting",), "extend_select": ("OF001",)}, {"OF001", "LS001"}),
]


@pytest.mark.parametrize(("options", "expected"), CASES, ids=[str(c[0]) for c in CASES])
def test_selection(options: dict[str, tuple[str, ...]], expected: set[str]) -> None:
    settings = Settings(**options)  # type: ignore[arg-type]
    assert {r.code for r in RULES if settings.is_selected(r)} == expected


@pytest.mark.parametrize(
    ("pattern", "run", "ignored"),
    [
        ("old/*", "old/run1", True),
        ("old/*", "new/run1", False),
        ("**/legacy/**", "exp/legacy/a/logs", True),
        ("*.csv", "exp/a/training.csv", True),
        ("*.csv", "exp/a/training.csv#2", True),
        ("exp/a", "exp/a", True),
    ],
)
def test_per_path_ignores(pattern: str, run: str, ignored: bool) -> None:
    settings = Settings(per_path_ignores={pattern: ("OF001",)})
    assert settings.is_ignored_for(OF001, run) is ignored
    assert settings.is_ignored_for(LS001, run) is False


@pytest.mark.parametrize(
    ("pattern", "name", "matches"),
    [
        ("runs/exp/**", "runs/exp", True),  # the run directory itself
        ("runs/exp/**", "runs/exp/training.log", True),
        ("runs/exp/**", "runs/exp/logs/validation", True),
        ("runs/exp/**", "/abs/work/runs/exp", True),  # a trailing part of an absolute path
        ("runs/exp/**", "runs/exp2", False),
        ("runs/exp/**", "runs/other/exp", False),
        ("./runs/exp/**", "./runs/exp", True),
        ("*.csv", "runs/a/metrics.csv#2", True),
        ("old/**", "runs/old/exp1", True),
    ],
)
def test_path_globs_match_a_run_directory_and_everything_in_it(
    pattern: str, name: str, matches: bool
) -> None:
    from loganalyzer.engine.settings import path_matches

    assert path_matches(pattern, name) is matches


def test_exclude_drops_runs_and_their_input_errors(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from pathlib import Path

    from loganalyzer import api

    fixtures = Path(__file__).resolve().parents[3] / "fixtures"
    root = tmp_path / "runs"
    (root / "keep").mkdir(parents=True)
    (root / "old").mkdir()
    (root / "keep" / "training.log").write_bytes(
        (fixtures / "overfit-keras-csv" / "training.log").read_bytes()
    )
    (root / "old" / "training.log").write_bytes(
        (fixtures / "overfit-keras-csv" / "training.log").read_bytes()
    )
    (root / "old" / "notes.log").write_text("not a log\n")
    paths = [root / "keep", root / "old" / "training.log", root / "old" / "notes.log"]
    assert api.check(paths).exit_code == 2
    result = api.check(paths, {"exclude": ["runs/old/**"]})
    assert [run.name.rsplit("/", 2)[-2] for run in result.analysis.runs] == ["keep"]
    assert result.exit_code == 1 and not result.analysis.input_errors
