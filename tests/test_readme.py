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


def test_readme_example_is_the_real_output(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from loganalyzer.cli import app

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```\n\$ loganalyzer (check [^\n]+)\n(.*?)```", readme, re.S)
    assert block, "README.md lost its example"
    monkeypatch.chdir(REPO)
    for variable in ("NO_COLOR", "FORCE_COLOR", "LOGANALYZER_FORMAT"):
        monkeypatch.delenv(variable, raising=False)
    result = CliRunner().invoke(app, block.group(1).split(), env={"COLUMNS": "100"})
    assert result.stdout == block.group(2), (
        "README example is stale; paste the real output:\n" + result.stdout
    )
