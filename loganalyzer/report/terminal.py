"""``--format text`` (the default): findings grouped by run, for a person at a terminal.

Each finding gets a headline (severity, code, name, location), its message
wrapped at ``options.width`` with a hanging indent (never mid-word), its
evidence in one line with ``verbose``, and the first few remedies; a closing line counts
everything. Runs without findings are left out unless ``verbose`` asks for
skipped rules too, the way linters only list files with problems. Colour is
optional and decided by the caller (TTY, ``--no-color``, ``NO_COLOR``).
"""

from __future__ import annotations

import textwrap

from loganalyzer.model.finding import Analysis, Finding, RunInfo
from loganalyzer.report._common import (
    evidence_line,
    location_label,
    printable,
    run_names,
    statistics,
    statistics_table,
    summary_sentence,
    worst_first,
)
from loganalyzer.report._sanitize import one_line
from loganalyzer.report._style import SEVERITY_STYLE, Painter
from loganalyzer.report.options import DEFAULT_OPTIONS, RenderOptions

#: Remedies shown per finding; the full list is in ``--verbose``, JSON and Markdown.
TOP_REMEDIES = 3
_LABEL = 9  # "warning" plus two spaces: where message lines start after the indent
_INDENT = "  "
_BODY = _INDENT + " " * _LABEL


def render(analysis: Analysis, options: RenderOptions = DEFAULT_OPTIONS) -> str:
    """Return the text report: a block per run, unreadable inputs, statistics, a summary line."""
    paint = Painter(options.color)
    blocks = [_run_block(name, analysis, options, paint) for name in run_names(analysis)]
    blocks = [block for block in blocks if block]
    if analysis.input_errors:
        blocks.append(
            [
                paint("unreadable inputs", "bold"),
                *(
                    _labelled(paint, "error", ("bold", "red"), f"{p.path}: {p.message}")
                    for p in analysis.input_errors
                ),
            ]
        )
    if options.statistics:
        rows = statistics_table(statistics(analysis)) or ["no findings"]
        blocks.append([paint("statistics", "bold"), *(_INDENT + row for row in rows)])
    lines = [line for block in blocks for line in [*block, ""]]
    if not options.quiet:
        lines.append(_summary(analysis, paint))
    elif lines:
        lines.pop()  # no blank line after the last block when no summary follows it
    return "".join(line + "\n" for line in lines)


def _run_block(name: str, analysis: Analysis, options: RenderOptions, paint: Painter) -> list[str]:
    """Return the lines of one run, or nothing when the run has nothing to show."""
    findings = worst_first(f for f in analysis.findings if f.run == name)
    errors = sorted((e for e in analysis.rule_errors if e.run == name), key=lambda e: e.rule)
    if not (findings or errors or options.verbose):
        return []
    info = next((run for run in analysis.runs if run.name == name), None)
    header = paint(one_line(name), "bold")
    if info is not None:
        header += "  " + paint(one_line(f"({info.format}, {info.points} points)"), "dim")
    lines = [header]
    if not (findings or errors) and not options.quiet:
        lines.append(_INDENT + paint("no findings", "green"))
    for finding in findings:
        lines += _finding_lines(finding, options, paint)
    for error in errors:
        lines.append(_labelled(paint, "crash", ("bold", "red"), f"{error.rule} rule failed: {error.message}"))
    if options.verbose:
        lines += _verbose_lines(name, analysis, info, paint)
    return lines


def _verbose_lines(name: str, analysis: Analysis, info: RunInfo | None, paint: Painter) -> list[str]:
    """Return the skipped rules and reading notes of one run (``--verbose``)."""
    names = {rule.code: rule.name for rule in analysis.rules}
    lines = []
    for skip in sorted((s for s in analysis.skipped if s.run == name), key=lambda s: s.rule):
        rule = f"{skip.rule} {names[skip.rule]}" if skip.rule in names else skip.rule
        lines.append(_labelled(paint, "skipped", ("dim",), f"{rule}: {skip.reason}"))
    for note in info.diagnostics if info is not None else ():
        where = note.source
        if note.position is not None:
            where += f" ({note.unit.value} {note.position})"
        lines.append(_labelled(paint, "note", ("dim",), f"{note.code}: {note.message} [{where}]"))
    return lines


def _finding_lines(finding: Finding, options: RenderOptions, paint: Painter) -> list[str]:
    """Return the headline, message, evidence and remedies of one finding."""
    where = paint(one_line(location_label(finding.location)), "cyan")
    headline = _labelled(paint, finding.severity.label, SEVERITY_STYLE[finding.severity], "")
    lines = [f"{headline}{paint(finding.rule, 'bold')} {finding.name}  {where}"]
    lines += _wrapped(printable(finding.message), options.width)
    if options.verbose:
        evidence = _wrapped("evidence: " + printable(evidence_line(finding)), options.width)
        evidence[0] = evidence[0].replace("evidence:", paint("evidence:", "dim"), 1)
        lines += evidence
    remedies = finding.remedies if options.verbose else finding.remedies[:TOP_REMEDIES]
    for index, remedy in enumerate(remedies):
        prefix = paint("fix:", "green") + " " if index == 0 else "     "
        lines.append(_BODY + prefix + printable(remedy.title))
    hidden = len(finding.remedies) - len(remedies)
    if hidden:
        lines.append(_BODY + "     " + paint(f"(+{hidden} more with --verbose)", "dim"))
    return lines


def _wrapped(text: str, width: int) -> list[str]:
    """``text`` in the message column, wrapped at ``width`` between words (a long word overflows)."""
    lines: list[str] = []
    for paragraph in text.replace("\r\n", "\n").split("\n"):
        lines += textwrap.wrap(
            paragraph,
            width=max(width, len(_BODY) + 20),
            initial_indent=_BODY,
            subsequent_indent=_BODY,
            break_long_words=False,
            break_on_hyphens=False,
        ) or [_BODY.rstrip()]
    return lines


def _labelled(paint: Painter, label: str, styles: tuple[str, ...], text: str) -> str:
    """Return ``label`` (styled) padded to the message column, then ``text`` made printable."""
    padding = " " * max(_LABEL - len(label), 1)
    return _INDENT + paint(label, *styles) + padding + _indent_continuation(printable(text))


def _indent_continuation(text: str) -> str:
    """Return multi-line text with its continuation lines kept in the message column."""
    return text.replace("\r\n", "\n").replace("\n", "\n" + _BODY)


def _summary(analysis: Analysis, paint: Painter) -> str:
    """Return the closing line, coloured by the worst thing in it."""
    sentence = summary_sentence(analysis)
    worst = analysis.worst()
    if analysis.input_errors or analysis.rule_errors:
        return paint(sentence, "bold", "red")
    if worst is None:
        return paint(sentence, "bold", "green")
    return paint.severity(sentence, worst)
