"""Small pieces every reporter needs, so the formats agree on order, wording and identity.

Each reporter owns its layout; what lives here is what must be *the same*
across formats: the order findings are listed in, how a location, a step
span and an evidence value are spelled, the per-rule statistics, and the
fingerprints (identical in SARIF and GitLab so one finding is one alert
everywhere).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from loganalyzer.model.finding import Analysis, EvidenceValue, Finding, Location, Severity
from loganalyzer.report._sanitize import printable

__all__ = ["printable"]  # re-exported: reporters import it from here

#: Severities from the worst down, the order summaries list them in.
SEVERITIES_DESC = (Severity.ERROR, Severity.WARNING, Severity.INFO)


def ordered(findings: Iterable[Finding]) -> list[Finding]:
    """Sort findings in the report order: run, rule, onset step, metric."""
    return sorted(findings, key=lambda f: f.sort_key)


def worst_first(findings: Iterable[Finding]) -> list[Finding]:
    """Sort findings by severity (worst first), then in report order."""
    return sorted(findings, key=lambda f: (-f.severity, f.sort_key))


def run_names(analysis: Analysis) -> list[str]:
    """Every run the analysis mentions, sorted; includes runs only named by a finding or error."""
    names = {run.name for run in analysis.runs}
    names.update(f.run for f in analysis.findings)
    names.update(s.run for s in analysis.skipped)
    names.update(e.run for e in analysis.rule_errors)
    return sorted(names)


def posix_path(path: str) -> str:
    """``path`` with forward slashes and without a leading ``./``, as CI tools expect."""
    path = path.replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return path


def location_label(location: Location) -> str:
    """``path:LINE`` when there is a line, ``path (byte N)`` for a binary offset, else ``path``.

    A byte offset is kept out of the ``path:N`` slot on purpose: editors and
    problem matchers read that number as a line.
    """
    path = posix_path(location.source)
    if location.line is not None:
        return f"{path}:{location.line}"
    if location.byte_offset is not None:
        return f"{path} (byte {location.byte_offset})"
    return path


def step_span(finding: Finding) -> str:
    """Spell the step span: ``steps 12-30``, ``step 12``, or ``""`` without steps."""
    start, end = finding.start_step, finding.end_step
    if start is None and end is None:
        return ""
    if start is None or end is None or start == end:
        return f"step {start if start is not None else end}"
    return f"steps {start}-{end}"


def format_value(value: EvidenceValue) -> str:
    """Spell an evidence value for humans: 4 significant digits, ``n/a`` for a missing number."""
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def evidence_line(finding: Finding) -> str:
    """Put the finding's evidence on one line: series, step span, then the numbers."""
    series = (
        finding.metric
        if finding.raw_metric in ("", finding.metric)
        else f"{finding.metric} ({finding.raw_metric})"
    )
    head = ", ".join(part for part in (series, step_span(finding)) if part)
    numbers = ", ".join(f"{key}={format_value(value)}" for key, value in finding.evidence.items())
    return f"{head}: {numbers}" if numbers else head


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 run``, ``2 runs``; ``many`` for irregular plurals."""
    return f"{count} {word if count == 1 else (many or word + 's')}"


def severity_counts(findings: Iterable[Finding]) -> dict[Severity, int]:
    """How many findings per severity, worst first, zero counts included."""
    counts = dict.fromkeys(SEVERITIES_DESC, 0)
    for finding in findings:
        counts[finding.severity] += 1
    return counts


def counts_phrase(findings: Sequence[Finding]) -> str:
    """``1 error, 2 warnings, 1 info`` (zero counts left out)."""
    words = {
        Severity.ERROR: ("error", None),
        Severity.WARNING: ("warning", None),
        Severity.INFO: ("info", "info"),
    }
    parts = [plural(n, *words[severity]) for severity, n in severity_counts(findings).items() if n]
    return ", ".join(parts)


def summary_sentence(analysis: Analysis) -> str:
    """Return the closing line of human reports, e.g. ``Found 3 findings in 2 of 5 runs: 1 error.``."""
    total_runs = len(run_names(analysis))
    flagged = len({f.run for f in analysis.findings})
    if analysis.findings:
        text = (
            f"Found {plural(len(analysis.findings), 'finding')} in {flagged} of "
            f"{plural(total_runs, 'run')}: {counts_phrase(analysis.findings)}."
        )
    elif total_runs:
        text = f"All checks passed ({plural(total_runs, 'run')} checked)."
    else:
        text = "No runs checked."
    gaps = coverage_gaps(analysis)
    if gaps:
        if not analysis.findings and total_runs == 1:
            text = "No findings, but"  # "All checks passed" would claim more than was checked
        else:
            text += " But"
        fewest = min(gaps, key=lambda gap: (gap.ran, gap.run))
        where = "" if total_runs == 1 else f" on {fewest.run}"
        missing = ", ".join(fewest.missing)
        text += f" only {fewest.ran} of {plural(fewest.selected, 'rule')} ran{where} ({missing})"
        if len(gaps) > 1:
            text += f", and fewer than half ran on {plural(len(gaps) - 1, 'other run')}"
        text += "; see --verbose."
    trouble = []
    if analysis.input_errors:
        trouble.append(f"{plural(len(analysis.input_errors), 'input')} could not be read")
    if analysis.rule_errors:
        trouble.append(f"{plural(len(analysis.rule_errors), 'rule error')}")
    if trouble:
        text += " " + "; ".join(trouble) + "."
    return text


@dataclass(frozen=True)
class CoverageGap:
    """A run on which most selected rules could not run for lack of input (a half-read run)."""

    run: str
    ran: int
    selected: int
    missing: tuple[str, ...]


#: Skip reasons grouped into what was missing, in the order they are listed (first match wins).
_MISSING_INPUT = (
    ("training", "no training curve"),
    ("validation", "no validation curve"),
    ("memory", "no memory series"),
    ("epoch durations", "no epoch times"),
    ("no loss", "no loss curve"),
)


def coverage_gaps(analysis: Analysis) -> list[CoverageGap]:
    """Runs on which more selected rules were skipped for missing input than ran.

    A rule superseded by another finding did run; a rule skipped because the
    run lacks its inputs did not. A report that says "all checks passed" on
    such a run would claim far more than was checked (a Keras run whose
    ``validation/`` file was committed alone, with no training curve).
    """
    selected = len(analysis.rules)
    gaps = []
    for run in analysis.runs:
        reasons = [
            s.reason for s in analysis.skipped if s.run == run.name and not s.reason.startswith("superseded")
        ]
        ran = selected - len(reasons)
        if selected and ran < len(reasons):
            missing = []
            for reason in reasons:
                label = next((word for key, word in _MISSING_INPUT if key in reason), "too few points")
                if label not in missing:
                    missing.append(label)
            gaps.append(CoverageGap(run.name, ran, selected, tuple(missing)))
    return gaps


@dataclass(frozen=True)
class RuleCount:
    """One row of ``--statistics``: how often a rule fired."""

    code: str
    name: str
    category: str
    severity: Severity
    count: int


def statistics(analysis: Analysis) -> list[RuleCount]:
    """Per-rule finding counts, most frequent first (ties by code), like ``ruff --statistics``."""
    rows: dict[str, RuleCount] = {}
    for finding in analysis.findings:
        row = rows.get(finding.rule)
        severity = max(finding.severity, row.severity) if row else finding.severity
        count = row.count + 1 if row else 1
        rows[finding.rule] = RuleCount(finding.rule, finding.name, finding.category, severity, count)
    return sorted(rows.values(), key=lambda row: (-row.count, row.code))


def statistics_table(rows: Sequence[RuleCount]) -> list[str]:
    """Aligned plain-text lines ``count  CODE  severity  name``."""
    if not rows:
        return []
    width = max(len(str(row.count)) for row in rows)
    code_width = max(len(row.code) for row in rows)
    return [
        f"{row.count:>{width}}  {row.code:<{code_width}}  {row.severity.label:<7}  {row.name}".rstrip()
        for row in rows
    ]


def fingerprints(findings: Sequence[Finding]) -> list[str]:
    """One fingerprint per finding, aligned with ``findings`` and unique among them.

    :attr:`Finding.fingerprint` leaves wording and numbers out so it survives
    re-runs; two findings can therefore share it (same rule, run, metric and
    onset). GitLab merges issues with equal fingerprints, so the second and
    later ones get a derived value: stable as long as the report order is.
    """
    seen: dict[str, int] = {}
    out = []
    for finding in findings:
        base = finding.fingerprint
        repeat = seen.get(base, 0)
        seen[base] = repeat + 1
        out.append(base if repeat == 0 else hashlib.sha256(f"{base}:{repeat}".encode()).hexdigest()[:32])
    return out


def code_fence(code: str, char: str = "`", minimum: int = 3) -> str:
    """Return a run of ``char`` longer than any run of it inside ``code`` (Markdown fences and spans)."""
    longest = current = 0
    for c in code:
        current = current + 1 if c == char else 0
        longest = max(longest, current)
    return char * max(minimum, longest + 1)
