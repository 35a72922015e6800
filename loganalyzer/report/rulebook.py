"""``loganalyzer rules`` and ``loganalyzer explain``: the rule pack as documentation.

Everything shown comes from the rule files and the remedy catalog, so the
docs cannot drift from what runs. ``explain`` shows the parameters with their
effective values (configuration applied) next to the defaults.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from loganalyzer.model.rule import RemedySpec, RuleSpec


def rules_table(rules: Sequence[RuleSpec]) -> str:
    """One aligned line per rule: code, name, category, default severity, summary."""
    header = ("CODE", "NAME", "CATEGORY", "SEVERITY", "SUMMARY")
    rows = [(r.code, r.name, r.category, r.severity.label, r.summary) for r in rules]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(4)]
    lines = []
    for row in [header, *rows]:
        lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:4])) + "  " + row[4])
    return "\n".join(lines) + "\n"


def rules_json(rules: Sequence[RuleSpec]) -> str:
    """The rule list as JSON (for tooling)."""
    return (
        json.dumps(
            [
                {
                    "code": r.code,
                    "name": r.name,
                    "category": r.category,
                    "severity": r.severity.label,
                    "summary": r.summary,
                    "aliases": list(r.aliases),
                }
                for r in rules
            ],
            indent=2,
        )
        + "\n"
    )


def explain(rule: RuleSpec, effective: Mapping[str, Any], remedies: Mapping[str, RemedySpec]) -> str:
    """A rule's full documentation as Markdown, ruff-style headings plus remedies with snippets."""
    lines = [
        f"# {rule.name} ({rule.code})",
        "",
        f"Category: {rule.category}. Default severity: {rule.severity.label}.",
        "",
        rule.summary,
        "",
        "## What it does, why, and how it detects",
        "",
        rule.description,
        "",
        "## Parameters",
        "",
    ]
    if not rule.parameters:
        lines.append("None.")
    for parameter in rule.parameters:
        value = effective.get(parameter.name, parameter.default)
        changed = "" if value == parameter.default else f" (default {parameter.default!r})"
        bounds = _bounds(parameter.schema)
        lines.append(f"- `{parameter.name}` = {value!r}{changed}{bounds}: {parameter.description}")
    lines += ["", "## Remedies", ""]
    for remedy_id in rule.remedies:
        remedy = remedies[remedy_id]
        lines += [
            f"### {remedy.title} (`{remedy.id}`)",
            "",
            remedy.rationale,
            "",
            "Keras:",
            "",
            "```python",
            remedy.keras,
            "```",
            "",
            "PyTorch:",
            "",
            "```python",
            remedy.pytorch,
            "```",
            "",
        ]
    if rule.references:
        lines += ["## References", ""] + [f"- {url}" for url in rule.references] + [""]
    return "\n".join(lines).rstrip("\n") + "\n"


def _bounds(schema: Mapping[str, Any]) -> str:
    parts = []
    for key, symbol in (
        ("minimum", ">="),
        ("exclusiveMinimum", ">"),
        ("maximum", "<="),
        ("exclusiveMaximum", "<"),
    ):
        if key in schema:
            parts.append(f"{symbol} {schema[key]}")
    return f" [{schema.get('type', '')}{', ' if parts else ''}{', '.join(parts)}]"


def rules_reference(rules: Sequence[RuleSpec], remedies: Mapping[str, RemedySpec]) -> str:
    """``docs/rules.md``: every rule as ``explain`` shows it, under a ``## CODE`` heading.

    The heading is the code alone, so each rule's anchor is ``#<code>``
    (``#of001``), which SARIF ``helpUri`` links to and which survives a rule
    being renamed. Generated from the pack; ``tests/pack/test_rules_doc.py``
    keeps the file in sync (``pytest --update-golden`` rewrites it).
    """
    lines = [
        "# Rule reference",
        "",
        "Generated from the rule pack (`rules/*.toml`, `rules/remedies.toml`) by",
        "`loganalyzer.report.rulebook.rules_reference`; do not edit by hand (run",
        "`pytest tests/pack/test_rules_doc.py --update-golden`). Each rule's anchor is its code in",
        "lower case, e.g. `#of001`.",
        "",
        "| code | name | category | severity | summary |",
        "|---|---|---|---|---|",
        *(
            f"| [{r.code}](#{r.code.lower()}) | {r.name} | {r.category} | {r.severity.label} | {r.summary} |"
            for r in rules
        ),
    ]
    for rule in rules:
        body = explain(rule, rule.defaults(), remedies).splitlines()
        lines += ["", f"## {rule.code}", "", f"**{rule.name}**", *_demoted(body[1:])]
    return "\n".join(lines).rstrip("\n") + "\n"


def _demoted(lines: Sequence[str]) -> list[str]:
    """Markdown lines with every heading outside code fences one level deeper (under ``## CODE``)."""
    out: list[str] = []
    fenced = False
    for line in lines:
        if line.startswith(("```", "~~~")):
            fenced = not fenced
        out.append("#" + line if not fenced and line.startswith("#") else line)
    return out
