"""``--format concise``: one line per finding, for grep, editors and problem matchers.

The shape is ruff's and flake8's ``path:line: CODE message``, so any tool that
already parses linter output (Vim's quickfix, VS Code problem matchers, Emacs
compilation mode) jumps to the CSV row. TensorBoard findings point at a byte
offset, which is *not* a line: writing it in the ``:N:`` slot would send an
editor to a nonsense line, so those lines read ``path: CODE message (byte N)``.
Findings without any position read ``path: CODE message``.
"""

from __future__ import annotations

from loganalyzer.model.finding import Analysis, Finding
from loganalyzer.report._common import (
    posix_path,
    statistics,
    statistics_table,
    summary_sentence,
)
from loganalyzer.report._sanitize import one_line
from loganalyzer.report._style import Painter
from loganalyzer.report.options import DEFAULT_OPTIONS, RenderOptions


def render(analysis: Analysis, options: RenderOptions = DEFAULT_OPTIONS) -> str:
    """Return one line per finding (by file and position), then errors, statistics and a summary."""
    paint = Painter(options.color)
    lines = [_finding_line(f, paint) for f in sorted(analysis.findings, key=_position_key)]
    lines += [
        paint(one_line(problem.path), "bold")
        + ": "
        + paint("error", "bold", "red")
        + ": "
        + one_line(problem.message)
        for problem in analysis.input_errors
    ]
    lines += [
        f"{paint(one_line(error.run), 'bold')}: {paint('error', 'bold', 'red')}: "
        f"rule {error.rule} failed: {one_line(error.message)}"
        for error in sorted(analysis.rule_errors, key=lambda e: (e.run, e.rule))
    ]
    if options.verbose:
        lines += [
            f"{paint(one_line(s.run), 'bold')}: {paint('skipped', 'dim')} {s.rule}: {one_line(s.reason)}"
            for s in sorted(analysis.skipped, key=lambda s: (s.run, s.rule))
        ]
    if options.statistics:
        lines += statistics_table(statistics(analysis))
    if not options.quiet:
        lines.append(summary_sentence(analysis))
    return "".join(line + "\n" for line in lines)


def _position_key(finding: Finding) -> tuple[str, int, int, tuple[str, str, int, str]]:
    """Sort like a linter: file, then line or byte offset, then the usual report order."""
    location = finding.location
    position = location.line if location.line is not None else location.byte_offset
    return (
        posix_path(location.source),
        position if position is not None else 0,
        -finding.severity,
        finding.sort_key,
    )


def _finding_line(finding: Finding, paint: Painter) -> str:
    """Return ``path:line: CODE message``, or ``path: CODE message (byte N)`` for binary logs."""
    location = finding.location
    where = paint(one_line(posix_path(location.source)), "bold")
    if location.line is not None:
        where += f":{location.line}"
    message = one_line(finding.message.replace("\n", " "))
    if location.line is None and location.byte_offset is not None:
        message += f" (byte {location.byte_offset})"
    return f"{where}: {paint.severity(finding.rule, finding.severity)} {message}"
