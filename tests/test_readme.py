"""The README's rule table is the rule pack's, so the docs cannot drift from what runs."""

from __future__ import annotations

import re

from loganalyzer.engine.pack import load_default_pack
from tests.conftest import REPO


def rules_table_rows() -> list[str]:
    return [
        f"| {r.code} | {r.name} | {r.category} | {r.severity.label} | {r.summary} |"
        for r in load_default_pack().rules
    ]


def test_readme_rule_table_matches_the_pack() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- rules-table:start -->\n(.*?)<!-- rules-table:end -->", readme, re.S)
    assert block, "README.md lost its rules-table markers"
    assert block.group(1).splitlines() == rules_table_rows(), (
        "README rule table is stale; replace it with:\n" + "\n".join(rules_table_rows())
    )
