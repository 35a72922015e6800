"""Meta-tests over rules/: the pack, the detectors and the remedy catalog agree."""

from __future__ import annotations

import inspect
import re

import pytest

from loganalyzer.detectors import DETECTORS
from loganalyzer.engine import wording
from loganalyzer.engine.pack import load_default_pack
from loganalyzer.model.rule import PROBLEM_CATEGORIES

PACK = load_default_pack()
RULES = {rule.code: rule for rule in PACK.rules}


def test_pack_has_a_rule_per_problem_category() -> None:
    assert {rule.category for rule in PACK.rules} >= set(PROBLEM_CATEGORIES)


@pytest.mark.parametrize("code", sorted(RULES))
def test_parameters_match_detector_keyword_arguments(code: str) -> None:
    rule = RULES[code]
    signature = inspect.signature(DETECTORS[rule.detector].function)
    keyword_only = {
        name for name, p in signature.parameters.items() if p.kind is inspect.Parameter.KEYWORD_ONLY
    }
    assert {p.name for p in rule.parameters} == keyword_only
    defaults = [
        name for name in keyword_only if signature.parameters[name].default is not inspect.Parameter.empty
    ]
    assert not defaults, (
        f"detector {rule.detector} declares defaults {defaults}; they belong in rules/{code}.toml"
    )


def test_every_detector_is_used_by_a_rule() -> None:
    assert set(DETECTORS) == {rule.detector for rule in PACK.rules}


@pytest.mark.parametrize("code", sorted(RULES))
def test_remedies_exist_and_fit_the_category(code: str) -> None:
    rule = RULES[code]
    assert rule.remedies, f"{code} links no remedy"
    for remedy_id in rule.remedies:
        assert remedy_id in PACK.remedies
    assert any(rule.category in PACK.remedies[r].categories for r in rule.remedies)


@pytest.mark.parametrize("code", sorted(RULES))
def test_category_is_a_contract_category(code: str) -> None:
    assert RULES[code].category in PROBLEM_CATEGORIES


@pytest.mark.parametrize("code", sorted(RULES))
def test_a_rule_name_is_never_a_category_name(code: str) -> None:
    """``--select overfitting`` means the category; a rule called that would make the word ambiguous."""
    assert RULES[code].name not in PROBLEM_CATEGORIES


@pytest.mark.parametrize("code", sorted(RULES))
def test_message_template_is_well_formed(code: str) -> None:
    fields = wording.template_fields(RULES[code].message)
    assert fields, "a message should quote at least one number from the evidence"


@pytest.mark.parametrize("code", sorted(RULES))
def test_documentation_fields(code: str) -> None:
    rule = RULES[code]
    assert len(rule.summary) <= 100 and "`" not in rule.summary
    assert re.search(r"detect", rule.description, re.IGNORECASE), "description should say how it detects"
    for parameter in rule.parameters:
        assert parameter.description.strip()


def test_every_remedy_is_linked_by_some_rule() -> None:
    linked = {remedy for rule in PACK.rules for remedy in rule.remedies}
    assert set(PACK.remedies) == linked
