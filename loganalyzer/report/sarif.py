"""``--format sarif``: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

The log validates against the OASIS schema and follows GitHub's ingestion
rules (see ``research/ecosystem.md`` section 2):

* every result has one *physical* location. CSV and JSON-lines logs give the
  row's line; event files have no lines, so they get ``startLine: 1`` and the
  record's byte offset goes to ``result.properties.byteOffset`` (GitHub
  rejects or mis-displays ``region.byteOffset``). A ``logicalLocation`` names
  the metric next to it, never instead of it;
* relative paths stay relative with ``uriBaseId: %SRCROOT%`` (GitHub resolves
  them against the checkout); absolute paths become ``file://`` URIs, which
  upload-sarif relativises itself;
* ``partialFingerprints.primaryLocationLineHash`` is our own finding
  fingerprint, the same value as GitLab's, because upload-sarif cannot hash a
  binary or uncommitted log;
* rules carry ``problem.severity`` but never ``security-severity`` (that
  would turn training-log findings into security alerts).

Unreadable inputs and crashed rules are ``toolExecutionNotifications`` and
make ``executionSuccessful`` false; reading notes and skipped rules are
notifications too (``warning`` and ``note``), so nothing is silently dropped.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping, Sequence
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any
from urllib.parse import quote

from loganalyzer import REPOSITORY_URL, RULES_DOC_URL
from loganalyzer.model.finding import Analysis, Finding, Severity
from loganalyzer.model.rule import RemedySpec, RuleSpec
from loganalyzer.model.run import Diagnostic, PositionUnit
from loganalyzer.report import indented_json
from loganalyzer.report._common import code_fence, fingerprints, ordered
from loganalyzer.report.options import DEFAULT_OPTIONS, RenderOptions

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
#: Where the tool is documented (its repository; one constant in ``loganalyzer/__init__.py``).
INFORMATION_URI = REPOSITORY_URL
SOURCE_ROOT = "%SRCROOT%"
#: GitHub truncates (and may reject) descriptions longer than this.
MAX_DESCRIPTION = 1024

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_PROBLEM_SEVERITY = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "recommendation"}
_MIME_TYPES = {".csv": "text/csv", ".tsv": "text/tab-separated-values", ".json": "application/json"}


def render(analysis: Analysis, options: RenderOptions = DEFAULT_OPTIONS) -> str:
    """Return the SARIF log as indented JSON text."""
    return indented_json.dumps(to_log(analysis, options)) + "\n"


def to_log(analysis: Analysis, options: RenderOptions = DEFAULT_OPTIONS) -> dict[str, Any]:
    """Return the SARIF log as plain Python data (one SARIF run holding every training run)."""
    findings = ordered(analysis.findings)
    rules = _descriptors(analysis, findings)
    rule_index = {rule["id"]: index for index, rule in enumerate(rules)}
    paths = sorted({s for run in analysis.runs for s in run.sources} | {f.location.source for f in findings})
    artifact_index = {path: index for index, path in enumerate(paths)}
    driver = {
        "name": "loganalyzer",
        "version": options.tool_version,
        "informationUri": INFORMATION_URI,
        "rules": rules,
    }
    run = {
        "tool": {"driver": driver},
        "invocations": [_invocation(analysis, rule_index, artifact_index)],
        "artifacts": [
            {"location": artifact_location(path), "mimeType": _mime_type(path), "roles": ["analysisTarget"]}
            for path in paths
        ],
        "results": [
            _result(finding, fingerprint, rule_index, artifact_index)
            for finding, fingerprint in zip(findings, fingerprints(findings), strict=True)
        ],
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def artifact_location(path: str, index: int | None = None) -> dict[str, Any]:
    """Return a SARIF ``artifactLocation``: relative to ``%SRCROOT%``, or a ``file://`` URI if absolute."""
    windows = PureWindowsPath(path)
    if windows.drive and windows.is_absolute():
        location: dict[str, Any] = {"uri": windows.as_uri()}
    elif path.startswith("/"):
        location = {"uri": PurePosixPath(path).as_uri()}
    else:
        relative = posixpath.normpath(path.replace("\\", "/"))
        location = {"uri": quote(relative, safe="/"), "uriBaseId": SOURCE_ROOT}
    if index is not None:
        location["index"] = index
    return location


def _mime_type(path: str) -> str:
    """Return the MIME type of a log by its extension; event files and unknowns are binary."""
    suffix = PurePosixPath(path.replace("\\", "/")).suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "application/x-ndjson"
    return _MIME_TYPES.get(suffix, "application/octet-stream")


def _result(
    finding: Finding, fingerprint: str, rule_index: Mapping[str, int], artifacts: Mapping[str, int]
) -> dict[str, Any]:
    """Return one finding as a SARIF result with a physical location GitHub accepts."""
    location = finding.location
    properties: dict[str, Any] = {
        "run": finding.run,
        "category": finding.category,
        "metric": finding.metric,
        "rawMetric": finding.raw_metric,
        "startStep": finding.start_step,
        "endStep": finding.end_step,
        "evidence": dict(finding.evidence),
    }
    if location.line is None and location.byte_offset is not None:
        properties["byteOffset"] = location.byte_offset
    physical = {
        "artifactLocation": artifact_location(location.source, artifacts.get(location.source)),
        "region": {"startLine": location.line if location.line is not None else 1},
    }
    logical = {
        "name": finding.raw_metric or finding.metric,
        "fullyQualifiedName": f"{finding.run}/{finding.metric}",
        "kind": "variable",
    }
    return {
        "ruleId": finding.rule,
        "ruleIndex": rule_index[finding.rule],
        "level": LEVELS[finding.severity],
        "message": {"text": finding.message},
        "locations": [{"physicalLocation": physical, "logicalLocations": [logical]}],
        "partialFingerprints": {"primaryLocationLineHash": fingerprint},
        "properties": properties,
    }


def _invocation(
    analysis: Analysis, rule_index: Mapping[str, int], artifacts: Mapping[str, int]
) -> dict[str, Any]:
    """Return the invocation: success flag plus every error, reading note and skipped rule."""
    notifications: list[dict[str, Any]] = [
        {
            "level": "error",
            "descriptor": {"id": "input-error"},
            "message": {"text": f"{problem.path}: {problem.message}"},
            "locations": [{"physicalLocation": {"artifactLocation": artifact_location(problem.path)}}],
        }
        for problem in analysis.input_errors
    ]
    for error in sorted(analysis.rule_errors, key=lambda e: (e.run, e.rule)):
        notifications.append(
            {
                "level": "error",
                "descriptor": {"id": "rule-error"},
                "associatedRule": {"id": error.rule, "index": rule_index[error.rule]},
                "message": {"text": f"rule {error.rule} failed on run {error.run}: {error.message}"},
                "properties": {"run": error.run},
            }
        )
    for run in sorted(analysis.runs, key=lambda r: r.name):
        for note in run.diagnostics:
            notifications.append(_diagnostic(run.name, note, artifacts))
    for skip in sorted(analysis.skipped, key=lambda s: (s.run, s.rule)):
        notifications.append(
            {
                "level": "note",
                "descriptor": {"id": "rule-skipped"},
                "associatedRule": {"id": skip.rule, "index": rule_index[skip.rule]},
                "message": {"text": f"rule {skip.rule} skipped on run {skip.run}: {skip.reason}"},
                "properties": {"run": skip.run},
            }
        )
    invocation: dict[str, Any] = {"executionSuccessful": not (analysis.input_errors or analysis.rule_errors)}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    return invocation


def _diagnostic(run: str, note: Diagnostic, artifacts: Mapping[str, int]) -> dict[str, Any]:
    """Return one reading note (truncated record, bad row...) as a warning notification."""
    source = note.source or run
    physical: dict[str, Any] = {"artifactLocation": artifact_location(source, artifacts.get(source))}
    properties: dict[str, Any] = {"run": run}
    if note.position is not None and note.unit is PositionUnit.LINE:
        physical["region"] = {"startLine": note.position}
    elif note.position is not None and note.unit is PositionUnit.BYTE:
        properties["byteOffset"] = note.position
    return {
        "level": "warning",
        "descriptor": {"id": note.code},
        "message": {"text": note.message},
        "locations": [{"physicalLocation": physical}],
        "properties": properties,
    }


def _descriptors(analysis: Analysis, findings: Sequence[Finding]) -> list[dict[str, Any]]:
    """Return ``tool.driver.rules``: every selected rule and every code referenced, sorted by code."""
    specs = {rule.code: rule for rule in analysis.rules}
    first: dict[str, Finding] = {}
    for finding in findings:
        first.setdefault(finding.rule, finding)
    codes = (
        set(specs) | set(first) | {s.rule for s in analysis.skipped} | {e.rule for e in analysis.rule_errors}
    )
    fallback_remedies = {r.id: r for f in findings for r in f.remedies}
    out = []
    for code in sorted(codes):
        if code in specs:
            out.append(_descriptor(specs[code], analysis.remedies, fallback_remedies))
        else:
            out.append(_bare_descriptor(code, first.get(code)))
    return out


def _descriptor(
    rule: RuleSpec, catalog: Mapping[str, RemedySpec], fallback: Mapping[str, Any]
) -> dict[str, Any]:
    """Return a rule's reportingDescriptor, with help listing its remedies and their snippets."""
    text_remedies: list[str] = []
    markdown_remedies: list[str] = []
    for remedy_id in rule.remedies:
        remedy = catalog.get(remedy_id)
        if remedy is not None:
            text_remedies += _remedy_text(remedy)
            markdown_remedies += _remedy_markdown(remedy)
        elif remedy_id in fallback:
            known = fallback[remedy_id]
            text_remedies.append(f"- {known.title}: {known.detail}")
            markdown_remedies += ["", f"### {known.title}", "", known.detail]
    text_parts = [plain_text(rule.description)]
    markdown_parts = [rule.description.strip()]
    if text_remedies:
        text_parts += ["", "Remedies:", *text_remedies]
        markdown_parts += ["", "## Remedies", *markdown_remedies]
    if rule.references:
        text_parts += ["", "References:", *(f"- {url}" for url in rule.references)]
        markdown_parts += ["", "## References", "", *(f"- <{url}>" for url in rule.references)]
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": _clip(rule.summary)},
        "fullDescription": {
            "text": _clip(plain_text(rule.description)),
            "markdown": rule.description.strip(),
        },
        "help": {"text": "\n".join(text_parts), "markdown": "\n".join(markdown_parts)},
        "helpUri": rule_help_uri(rule.code),
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {
            "category": rule.category,
            "tags": ["training-log", rule.category],
            "problem.severity": _PROBLEM_SEVERITY[rule.severity],
        },
    }


def _bare_descriptor(code: str, finding: Finding | None) -> dict[str, Any]:
    """Return a minimal descriptor for a code the analysis names but holds no metadata for."""
    if finding is None:
        return {"id": code, "shortDescription": {"text": code}}
    return {
        "id": code,
        "name": finding.name,
        "shortDescription": {"text": finding.name},
        "defaultConfiguration": {"level": LEVELS[finding.severity]},
        "properties": {"category": finding.category, "tags": ["training-log", finding.category]},
    }


def rule_help_uri(code: str) -> str:
    """The rule's section in the generated rule reference (``docs/rules.md``, anchor ``#<code>``)."""
    return f"{RULES_DOC_URL}#{code.lower()}"


_MD_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_MD_EMPHASIS = re.compile(r"(\*\*|\*|(?<!\w)__|(?<!\w)_)(\S(?:.*?\S)?)\1(?!\w)")
_MD_CODE = re.compile(r"(`+)(.+?)\1")
_MD_HEADING = re.compile(r"^#{1,6}\s+", re.M)


def plain_text(markdown: str) -> str:
    """Markdown prose as plain text for SARIF ``text`` fields (markdown belongs in ``markdown``).

    Code spans lose their backticks, emphasis its markers, links become
    ``text (url)`` and headings their hashes; fenced code is kept as it is.
    """
    out: list[str] = []
    fenced = False
    for line in markdown.strip().splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            continue
        if not fenced:
            # Code spans are kept verbatim (``val_loss`` is not emphasis); prose around them is unmarked.
            pieces = _MD_CODE.split(line)
            prose = [_MD_EMPHASIS.sub(r"\2", _MD_LINK.sub(r"\1 (\2)", piece)) for piece in pieces[::3]]
            code = pieces[2::3]
            line = "".join(p + (code[i] if i < len(code) else "") for i, p in enumerate(prose))
            line = _MD_HEADING.sub("", line)
        out.append(line)
    return "\n".join(out)


def _remedy_text(remedy: RemedySpec) -> list[str]:
    """Return a remedy as plain-text help lines, snippets indented."""
    lines = [f"- {remedy.title}: {plain_text(' '.join(remedy.rationale.split()))}"]
    for label, snippet in (("Keras", remedy.keras), ("PyTorch", remedy.pytorch)):
        if snippet.strip():
            lines.append(f"  {label}:")
            lines += [f"    {line}" for line in snippet.strip("\n").splitlines()]
    return lines


def _remedy_markdown(remedy: RemedySpec) -> list[str]:
    """Return a remedy as a Markdown section with fenced Keras and PyTorch snippets."""
    lines = ["", f"### {remedy.title}", "", " ".join(remedy.rationale.split())]
    for label, snippet in (("Keras", remedy.keras), ("PyTorch", remedy.pytorch)):
        if snippet.strip():
            fence = code_fence(snippet)
            lines += ["", f"**{label}**", "", f"{fence}python", snippet.strip("\n"), fence]
    return lines


def _clip(text: str, limit: int = MAX_DESCRIPTION) -> str:
    """Return ``text`` cut to ``limit`` characters at a word boundary, marked with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(None, 1)[0] if " " in text[: limit - 1] else text[: limit - 1]
    return cut + "\u2026"
