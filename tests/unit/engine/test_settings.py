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
