"""``--format gitlab``: a GitLab Code Quality report (``artifacts:reports:codequality``).

A JSON array of Code Climate issues with the fields GitLab reads:
``description``, ``check_name``, ``fingerprint``, ``severity`` and
``location.path`` + ``location.lines.begin``. Severity uses GitLab's
vocabulary: error -> ``major``, warning -> ``minor``, info -> ``info``.
Event files have no lines, so their issues point at line 1 and say the byte
offset in the description.

GitLab merges issues with equal fingerprints, so each finding's fingerprint
is made unique within the report (see ``_common.fingerprints``); it is the
same value SARIF uses, so one finding has one identity in every CI. Inputs
that could not be read and rules that crashed are ``critical`` issues: a
merge request should not look clean when part of it was never checked.
"""

from __future__ import annotations

import hashlib
from typing import Any

from loganalyzer.model.finding import Analysis, Finding, Severity
from loganalyzer.report import indented_json
from loganalyzer.report._common import fingerprints, ordered, posix_path
from loganalyzer.report.options import DEFAULT_OPTIONS, RenderOptions

SEVERITIES = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INFO: "info"}


def render(analysis: Analysis, options: RenderOptions = DEFAULT_OPTIONS) -> str:
    """Return the Code Quality JSON array (UTF-8, no BOM, which GitLab rejects)."""
    return indented_json.dumps(to_issues(analysis)) + "\n"


def to_issues(analysis: Analysis) -> list[dict[str, Any]]:
    """Return the issues as plain Python data: findings in report order, then errors."""
    findings = ordered(analysis.findings)
    issues = [_issue(f, fp) for f, fp in zip(findings, fingerprints(findings), strict=True)]
    sources = {run.name: run.sources[0] for run in analysis.runs if run.sources}
    for problem in analysis.input_errors:
        issues.append(
            _error_issue("loganalyzer/input-error", problem.path, f"Unreadable input: {problem.message}")
        )
    for error in sorted(analysis.rule_errors, key=lambda e: (e.run, e.rule)):
        path = sources.get(error.run, error.run)
        description = f"{error.rule} failed on run {error.run}: {error.message}"
        issues.append(_error_issue("loganalyzer/rule-error", path, description))
    return issues


def _issue(finding: Finding, fingerprint: str) -> dict[str, Any]:
    """Return one finding as a Code Quality issue."""
    location = finding.location
    description = f"{finding.rule} {finding.name}: {finding.message}"
    if location.line is None and location.byte_offset is not None:
        description += f" (byte {location.byte_offset})"
    return {
        "description": description,
        "check_name": finding.rule,
        "fingerprint": fingerprint,
        "severity": SEVERITIES[finding.severity],
        "location": {
            "path": posix_path(location.source),
            "lines": {"begin": location.line if location.line is not None else 1},
        },
    }


def _error_issue(check: str, path: str, description: str) -> dict[str, Any]:
    """Return an input or rule error as a ``critical`` issue with a fingerprint of its own."""
    identity = f"{check}|{path}|{description}"
    return {
        "description": description,
        "check_name": check,
        "fingerprint": hashlib.sha256(identity.encode("utf-8")).hexdigest()[:32],
        "severity": "critical",
        "location": {"path": posix_path(path), "lines": {"begin": 1}},
    }
