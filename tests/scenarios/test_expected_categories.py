"""Every fixture produces exactly the problem categories its expected.toml declares."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from loganalyzer.api import analyze
from loganalyzer.model.finding import Severity
from tests.conftest import FIXTURES

SCENARIOS = sorted(p.parent for p in FIXTURES.glob("*/expected.toml"))


def test_every_fixture_declares_its_expectation() -> None:
    fixture_dirs = sorted(p for p in FIXTURES.iterdir() if p.is_dir())
    assert fixture_dirs == SCENARIOS


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[p.name for p in SCENARIOS])
def test_categories_are_exactly_the_expected_ones(scenario: Path) -> None:
    expected = set(tomllib.loads((scenario / "expected.toml").read_text())["categories"])
    analysis = analyze(scenario)
    assert analysis.runs, "the fixture must hold a readable run"
    assert not analysis.input_errors and not analysis.rule_errors
    found = {f.category for f in analysis.findings if f.severity >= Severity.WARNING}
    assert found == expected


def test_each_problem_category_has_a_fixture() -> None:
    from loganalyzer.model.rule import PROBLEM_CATEGORIES

    covered = set()
    for scenario in SCENARIOS:
        covered |= set(tomllib.loads((scenario / "expected.toml").read_text())["categories"])
    assert covered == set(PROBLEM_CATEGORIES)
