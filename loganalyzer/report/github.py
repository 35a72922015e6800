"""``--format github``: GitHub Actions workflow commands, shown as annotations on the run and the PR.

Each finding becomes ``::error``, ``::warning`` or ``::notice`` (from its
severity) with ``file``, ``line`` when the log has lines (event files get a
file-level annotation; their byte offset is in the message) and a ``title``
naming the rule. Escaping follows ``@actions/core``: ``%``, CR and LF in the
message; additionally ``:`` and ``,`` in property values.

GitHub shows at most 10 annotations of each level per step and drops the
rest silently, so findings are emitted worst first and, past the limit, a
closing notice says how many were not shown and where to see them all.
Unreadable inputs and crashed rules are ``::error`` annotations too;
``verbose`` adds skipped rules as ``::debug::`` lines (visible in debug logs).
"""

from __future__ import annotations

from collections import Counter

from loganalyzer.model.finding import Analysis, Finding, Severity
from loganalyzer.report._common import evidence_line, posix_path, printable, worst_first
from loganalyzer.report.options import DEFAULT_OPTIONS, RenderOptions

#: Annotations of one level GitHub displays per step.
ANNOTATION_LIMIT = 10
#: Remedy titles listed in an annotation.
TOP_REMEDIES = 3
COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    """Escape a command's message: ``%``, CR and LF (``%`` first, so the escapes stay intact)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value: as :func:`escape_data`, plus ``:`` and ``,`` that delimit properties."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, properties: dict[str, str | int], message: str) -> str:
    """Return one workflow command line, ``::name key=value,...::message``, escaped."""
    props = ",".join(f"{key}={escape_property(printable(str(value)))}" for key, value in properties.items())
    return f"::{name}{' ' + props if props else ''}::{escape_data(printable(message))}"


def render(analysis: Analysis, options: RenderOptions = DEFAULT_OPTIONS) -> str:
    """Return the workflow commands: errors first, then findings worst first, then any overflow notice."""
    lines = [
        command("error", {"file": posix_path(p.path), "title": "loganalyzer: unreadable input"}, p.message)
        for p in analysis.input_errors
    ]
    lines += [
        command("error", {"title": f"loganalyzer: rule {e.rule} failed"}, f"run {e.run}: {e.message}")
        for e in sorted(analysis.rule_errors, key=lambda e: (e.run, e.rule))
    ]
    findings = worst_first(analysis.findings)
    lines += [_annotation(finding) for finding in findings]
    if options.verbose:
        lines += [
            f"::debug::{escape_data(printable(f'rule {s.rule} skipped on run {s.run}: {s.reason}'))}"
            for s in sorted(analysis.skipped, key=lambda s: (s.run, s.rule))
        ]
    overflow = _overflow(analysis, findings)
    if overflow:
        lines.append(command("notice", {"title": "loganalyzer: more findings than annotations"}, overflow))
    return "".join(line + "\n" for line in lines)


def _annotation(finding: Finding) -> str:
    """Return one finding as an annotation with its evidence and top remedies in the message."""
    location = finding.location
    properties: dict[str, str | int] = {"file": posix_path(location.source)}
    if location.line is not None:
        properties["line"] = location.line
    properties["title"] = f"loganalyzer {finding.rule} ({finding.name})"
    where = f"run {finding.run}"
    if location.line is None and location.byte_offset is not None:
        where += f", byte {location.byte_offset}"
    lines = [finding.message, f"evidence: {evidence_line(finding)}", where]
    titles = [remedy.title for remedy in finding.remedies[:TOP_REMEDIES]]
    if titles:
        lines.append("fix: " + "; ".join(titles))
    return command(COMMANDS[finding.severity], properties, "\n".join(lines))


def _overflow(analysis: Analysis, findings: list[Finding]) -> str:
    """Return the note about annotations GitHub will not display, or ``""`` when all fit."""
    counts = Counter(COMMANDS[f.severity] for f in findings)
    counts["error"] += len(analysis.input_errors) + len(analysis.rule_errors)
    hidden = {level: count - ANNOTATION_LIMIT for level, count in counts.items() if count > ANNOTATION_LIMIT}
    if not hidden:
        return ""
    parts = ", ".join(
        f"{hidden[level]} {level}s" for level in ("error", "warning", "notice") if level in hidden
    )
    return (
        f"GitHub shows {ANNOTATION_LIMIT} annotations per level and step, so {parts} are not shown as "
        "annotations. For the full report, write --format markdown to $GITHUB_STEP_SUMMARY."
    )
