"""The labelled synthetic case sets of ``bench/evaluate.py`` stay loadable and correct."""

from __future__ import annotations

import pytest

from bench.cases import CASE_SETS, LabelledCase
from loganalyzer.api import analyze
from loganalyzer.model.finding import Severity
from loganalyzer.model.rule import PROBLEM_CATEGORIES

CASES = [case for build in CASE_SETS.values() for case in build()]


def test_every_case_set_gives_named_cases_with_contract_categories() -> None:
    assert CASES
    assert len({case.name for case in CASES}) == len(CASES)
    for case in CASES:
        assert case.expect | case.absent <= set(PROBLEM_CATEGORIES)
        assert not case.expect & case.absent


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_each_case_gets_its_expected_categories_and_none_of_its_absent_ones(case: LabelledCase) -> None:
    found = {f.category for f in analyze(case.run).findings if f.severity >= Severity.WARNING}
    assert case.expect <= found
    assert not found & case.absent
