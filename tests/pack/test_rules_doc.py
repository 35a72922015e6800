"""``docs/rules.md`` is generated from the pack and every SARIF ``helpUri`` anchor exists in it."""

from __future__ import annotations

import re
from pathlib import Path

from loganalyzer import RULES_DOC_URL
from loganalyzer.engine.pack import load_default_pack
from loganalyzer.report import sarif
from loganalyzer.report.rulebook import rules_reference

DOC = Path(__file__).resolve().parents[2] / "docs" / "rules.md"


def _anchor(heading: str) -> str:
    """GitHub's anchor for a Markdown heading: lower case, punctuation dropped, spaces as dashes."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_rules_doc_is_generated_from_the_pack(update_golden: bool) -> None:
    pack = load_default_pack()
    generated = rules_reference(pack.rules, pack.remedies)
    if update_golden or not DOC.exists():
        DOC.parent.mkdir(exist_ok=True)
        DOC.write_text(generated, encoding="utf-8")
    assert DOC.read_text(encoding="utf-8") == generated, "docs/rules.md is stale: pytest --update-golden"


def test_every_sarif_help_uri_points_at_a_heading_of_the_doc() -> None:
    anchors = {
        _anchor(line[3:]) for line in DOC.read_text(encoding="utf-8").splitlines() if line.startswith("## ")
    }
    for rule in load_default_pack().rules:
        uri = sarif.rule_help_uri(rule.code)
        base, _, anchor = uri.partition("#")
        assert base == RULES_DOC_URL and base.endswith("/docs/rules.md")
        assert anchor in anchors, f"{rule.code}: #{anchor} is not a heading of docs/rules.md"
