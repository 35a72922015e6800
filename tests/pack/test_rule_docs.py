"""Every rule description has the same sections, in the same order (docs as code, as sqlfluff does)."""

from __future__ import annotations

import re

import pytest

from loganalyzer.engine.pack import load_default_pack

#: The sections of every rule description, in order; each opens a paragraph as ``**Heading.**``.
SECTIONS = ("What it finds", "Why it matters", "How it detects", "Known limits")

_HEADING = re.compile(r"^\*\*([^*]+?)\.\*\*(.*)$", re.MULTILINE)
RULES = {rule.code: rule for rule in load_default_pack().rules}


@pytest.mark.parametrize("code", sorted(RULES))
def test_the_description_has_exactly_the_fixed_sections_in_order(code: str) -> None:
    description = RULES[code].description
    headings = [match.group(1) for match in _HEADING.finditer(description)]
    assert tuple(headings) == SECTIONS, f"{code}: sections {headings}, expected {list(SECTIONS)}"
    assert description.lstrip().startswith(f"**{SECTIONS[0]}.**"), f"{code}: text before the first section"


@pytest.mark.parametrize("code", sorted(RULES))
def test_every_section_says_something(code: str) -> None:
    starts = list(_HEADING.finditer(RULES[code].description))
    ends = [match.start() for match in starts[1:]] + [len(RULES[code].description)]
    for match, end in zip(starts, ends, strict=True):
        body = RULES[code].description[match.end(1) + 3 : end]
        assert len(body.split()) >= 5, f"{code}: section {match.group(1)!r} is (nearly) empty"
