"""``--format markdown``: a report for ``$GITHUB_STEP_SUMMARY``, PR/MR comments and wikis.

Layout: a headline and a table of findings by category and severity; then
one section per run with a findings table (severity, rule, location,
message, evidence) followed by the remedies those findings link, each in a
collapsible ``<details>`` with its Keras and PyTorch snippets, so a long
report stays scannable. Runs without findings are listed in one collapsed
block; unreadable inputs and crashed rules get their own section.

Everything that comes from a log (run names, tags, messages) is escaped:
table cells escape ``|`` (also inside code spans, as GFM requires) and turn
newlines into ``<br>``; HTML metacharacters become entities; code spans and
fences grow longer than any backtick run they contain. GitHub caps a step
summary at 1 MiB, so the remedies are listed once per run, not per finding.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence

from loganalyzer.model.finding import Analysis, Finding, Remedy, Severity
from loganalyzer.model.rule import RemedySpec
from loganalyzer.report._common import (
    SEVERITIES_DESC,
    code_fence,
    format_value,
    location_label,
    plural,
    printable,
    run_names,
    statistics,
    step_span,
    summary_sentence,
    worst_first,
)
from loganalyzer.report.options import DEFAULT_OPTIONS, RenderOptions

ICONS = {Severity.ERROR: "\u274c", Severity.WARNING: "\u26a0\ufe0f", Severity.INFO: "\u2139\ufe0f"}
_PASSED = "\u2705"
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]~|])")


def text(value: str, *, cell: bool = False) -> str:
    """Return ``value`` as literal Markdown text: specials backslash-escaped, HTML as entities."""
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(printable(value), quote=False))
    return _cell(escaped) if cell else escaped


def code(value: str, *, cell: bool = False) -> str:
    """Return ``value`` as an inline code span that survives backticks (and pipes in a table)."""
    value = " ".join(printable(value).splitlines())
    fence = code_fence(value, minimum=1)
    pad = " " if value.startswith("`") or value.endswith("`") else ""
    span = f"{fence}{pad}{value}{pad}{fence}"
    return span.replace("|", "\\|") if cell else span


def render(analysis: Analysis, options: RenderOptions = DEFAULT_OPTIONS) -> str:
    """Return the Markdown report."""
    blocks: list[str] = []
    if not options.quiet:
        blocks += [f"## loganalyzer\n\n{_headline(analysis)}"]
        if analysis.findings:
            blocks.append(_category_table(analysis.findings))
    clean = []
    shown: set[str] = set()  # remedies whose snippets an earlier run section already holds
    for run in run_names(analysis):
        findings = worst_first(f for f in analysis.findings if f.run == run)
        if findings:
            blocks += _run_section(run, analysis, findings, shown)
        else:
            clean.append(run)
    if clean and not options.quiet:
        items = "\n".join(f"- {code(run)}" for run in clean)
        blocks.append(_collapsed(f"{plural(len(clean), 'run')} without findings", items))
    errors = _errors(analysis)
    if errors:
        blocks.append("### Could not check\n\n" + "\n".join(errors))
    if options.verbose and analysis.skipped:
        blocks.append(_skipped(analysis))
    if options.statistics:
        blocks.append(_statistics(analysis))
    return "".join(block + "\n\n" for block in blocks).rstrip("\n") + "\n" if blocks else ""


def _headline(analysis: Analysis) -> str:
    """Return the one-line verdict with an icon for the worst thing reported."""
    worst = analysis.worst()
    if analysis.input_errors or analysis.rule_errors:
        icon = ICONS[Severity.ERROR]
    else:
        icon = ICONS[worst] if worst is not None else _PASSED
    return f"{icon} **{text(summary_sentence(analysis))}**"


def _category_table(findings: Sequence[Finding]) -> str:
    """Return findings counted by category (rows) and severity (columns), with totals."""
    header = "| Category | " + " | ".join(f"{ICONS[s]} {s.label}" for s in SEVERITIES_DESC) + " |"
    rows = [header, "| --- | " + " | ".join("---:" for _ in SEVERITIES_DESC) + " |"]
    for category in sorted({f.category for f in findings}):
        counts = [
            sum(1 for f in findings if f.category == category and f.severity == s) for s in SEVERITIES_DESC
        ]
        rows.append(f"| {text(category, cell=True)} | " + " | ".join(map(str, counts)) + " |")
    totals = [sum(1 for f in findings if f.severity == s) for s in SEVERITIES_DESC]
    rows.append("| **Total** | " + " | ".join(f"**{n}**" for n in totals) + " |")
    return "\n".join(rows)


def _run_section(run: str, analysis: Analysis, findings: Sequence[Finding], shown: set[str]) -> list[str]:
    """Return the blocks of one run: heading, findings table, collapsible remedies."""
    info = next((r for r in analysis.runs if r.name == run), None)
    heading = f"### {code(run)}"
    if info is not None:
        heading += f"\n\n{text(info.format)} \u00b7 {info.points} points"
    rows = ["| Severity | Rule | Location | Message | Evidence |", "| --- | --- | --- | --- | --- |"]
    rows += [_finding_row(f) for f in findings]
    blocks = [heading, "\n".join(rows)]
    blocks += _remedies(findings, analysis.remedies, shown)
    return blocks


def _finding_row(finding: Finding) -> str:
    """Return one table row; every cell escaped for a GFM table."""
    series = code(finding.metric, cell=True)
    if finding.raw_metric and finding.raw_metric != finding.metric:
        series += f" ({code(finding.raw_metric, cell=True)})"
    span = step_span(finding)
    numbers = ", ".join(f"{key}={format_value(value)}" for key, value in finding.evidence.items())
    evidence = series + (f", {span}" if span else "") + (f": {text(numbers, cell=True)}" if numbers else "")
    cells = [
        f"{ICONS[finding.severity]} {finding.severity.label}",
        f"{code(finding.rule, cell=True)} {text(finding.name, cell=True)}",
        code(location_label(finding.location), cell=True),
        text(finding.message, cell=True),
        evidence,
    ]
    return "| " + " | ".join(cells) + " |"


def _remedies(findings: Sequence[Finding], catalog: Mapping[str, RemedySpec], shown: set[str]) -> list[str]:
    """Return one ``<details>`` per remedy the findings link, in order of first use.

    A remedy already spelled out for an earlier run is only named again, so
    an audit of many runs stays far below the 1 MiB step-summary limit.
    """
    used: dict[str, tuple[Remedy, list[str]]] = {}
    for finding in findings:
        for remedy in finding.remedies:
            entry = used.setdefault(remedy.id, (remedy, []))
            if finding.rule not in entry[1]:
                entry[1].append(finding.rule)
    blocks = []
    repeated = []
    for remedy_id, (remedy, rules) in used.items():
        codes = ", ".join(rules)
        if remedy_id in shown:
            repeated.append(f"{text(remedy.title)} ({codes})")
            continue
        shown.add(remedy_id)
        spec = catalog.get(remedy_id)
        body = [text(" ".join((spec.rationale if spec else remedy.detail).split()))]
        if spec is not None:
            for name, snippet in (("Keras", spec.keras), ("PyTorch", spec.pytorch)):
                if snippet.strip():
                    fence = code_fence(snippet)
                    body.append(f"**{name}**\n\n{fence}python\n{snippet.strip(chr(10))}\n{fence}")
        summary = f"<b>{html.escape(printable(remedy.title))}</b> ({html.escape(codes)})"
        blocks.append(_collapsed(summary, "\n\n".join(body)))
    if repeated:
        blocks.append("Also applies (snippets above): " + "; ".join(repeated) + ".")
    return blocks


def _errors(analysis: Analysis) -> list[str]:
    """Return list items for unreadable inputs and crashed rules."""
    icon = ICONS[Severity.ERROR]
    items = [f"- {icon} {code(p.path)}: {text(p.message)}" for p in analysis.input_errors]
    items += [
        f"- {icon} rule {code(e.rule)} failed on {code(e.run)}: {text(' '.join(e.message.split()))}"
        for e in sorted(analysis.rule_errors, key=lambda e: (e.run, e.rule))
    ]
    return items


def _skipped(analysis: Analysis) -> str:
    """Return the collapsed table of skipped rules and why."""
    rows = ["| Run | Rule | Reason |", "| --- | --- | --- |"]
    rows += [
        f"| {code(s.run, cell=True)} | {code(s.rule, cell=True)} | {text(s.reason, cell=True)} |"
        for s in sorted(analysis.skipped, key=lambda s: (s.run, s.rule))
    ]
    return _collapsed(f"{plural(len(analysis.skipped), 'rule')} skipped", "\n".join(rows))


def _statistics(analysis: Analysis) -> str:
    """Return the per-rule count table (``--statistics``)."""
    rows = ["### Findings per rule", "", "| Count | Rule | Severity | Name |", "| ---: | --- | --- | --- |"]
    counts = statistics(analysis)
    if not counts:
        return "### Findings per rule\n\nNo findings."
    rows += [
        f"| {row.count} | {code(row.code, cell=True)} | {row.severity.label} | {text(row.name, cell=True)} |"
        for row in counts
    ]
    return "\n".join(rows)


def _collapsed(summary: str, body: str) -> str:
    """Return ``body`` in a ``<details>`` block titled ``summary`` (plain text, already safe)."""
    return f"<details>\n<summary>{summary}</summary>\n\n{body}\n\n</details>"


def _cell(value: str) -> str:
    """Return Markdown text fit for one table cell: line breaks as ``<br>``."""
    return "<br>".join(value.replace("\r\n", "\n").split("\n"))
