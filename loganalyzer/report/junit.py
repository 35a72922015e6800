"""``--format junit``: JUnit XML for GitLab unit-test reports, Jenkins and other CI dashboards.

Shape (one document, deterministic):

* one ``<testsuite>`` per run, named after the run;
* one ``<testcase>`` per rule per run, named ``CODE rule-name``: names are
  unique within a run and stable across commits, so GitLab's merge-request
  widget shows "newly failed" and "resolved" rules (GitLab keeps only the
  first of duplicate names, which is why ruff's one-case-per-diagnostic
  shape loses findings there);
* a rule with findings at ``warning`` or above *fails*: one ``<failure>``
  (``type`` = the worst severity) whose text lists every finding of that rule
  in that run with evidence and remedies. One element, not one per finding,
  because the common JUnit schemas allow a single result per test case;
* ``info`` findings are notes, not failures: the case passes and carries them
  in ``<system-out>``;
* a skipped rule is ``<skipped message=reason>``; a crashed rule is
  ``<error>``; unreadable inputs get their own suite of ``<error>`` cases.

``classname`` is the run name with path separators as dots (``runs/exp1``
becomes ``runs.exp1``, an inner dot becomes ``_``) so Jenkins' package tree
follows the directory tree; GitLab shows it as the suite name. Characters
that XML 1.0 cannot carry are dropped.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from loganalyzer.model.finding import Analysis, Finding, RuleError, Severity, Skipped
from loganalyzer.report._common import evidence_line, location_label, ordered, posix_path, run_names
from loganalyzer.report.options import DEFAULT_OPTIONS, RenderOptions

#: The suite that holds unreadable inputs; a run is never named like this.
INPUTS_SUITE = "loganalyzer: unreadable inputs"
_XML_ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def render(analysis: Analysis, options: RenderOptions = DEFAULT_OPTIONS) -> str:
    """Return the JUnit XML document (UTF-8 declared; the caller writes it as UTF-8)."""
    names = {rule.code: rule.name for rule in analysis.rules}
    suites = [_run_suite(run, analysis, names) for run in run_names(analysis)]
    if analysis.input_errors:
        suites.append(_inputs_suite(analysis))
    root = ET.Element("testsuites", _counts("loganalyzer", suites))
    root.extend(suites)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def xml_safe(text: str) -> str:
    """Return ``text`` without the characters XML 1.0 forbids (NUL, most C0 controls, lone surrogates)."""
    return _XML_ILLEGAL.sub("", text)


def _run_suite(run: str, analysis: Analysis, names: dict[str, str]) -> ET.Element:
    """Return the suite of one run: a case per rule that was selected or reported."""
    findings = [f for f in ordered(analysis.findings) if f.run == run]
    skipped = {s.rule: s for s in analysis.skipped if s.run == run}
    errors = {e.rule: e for e in analysis.rule_errors if e.run == run}
    codes = sorted(set(names) | {f.rule for f in findings} | set(skipped) | set(errors))
    labels = {**{f.rule: f.name for f in findings}, **names}
    info = next((r for r in analysis.runs if r.name == run), None)
    cases = [
        _case(
            run,
            code,
            labels.get(code, ""),
            [f for f in findings if f.rule == code],
            skipped.get(code),
            errors.get(code),
            info.sources[0] if info and info.sources else None,
        )
        for code in codes
    ]
    suite = ET.Element("testsuite", _counts(run, cases))
    if info is not None:
        properties = ET.SubElement(suite, "properties")
        ET.SubElement(properties, "property", name="format", value=xml_safe(info.format))
        for source in info.sources:
            ET.SubElement(properties, "property", name="source", value=xml_safe(posix_path(source)))
    suite.extend(cases)
    if info is not None and info.diagnostics:
        notes = [f"{d.source}: {d.code}: {d.message}" for d in info.diagnostics]
        ET.SubElement(suite, "system-err").text = xml_safe("\n".join(notes))
    return suite


def _case(
    run: str,
    code: str,
    name: str,
    findings: Sequence[Finding],
    skipped: Skipped | None,
    error: RuleError | None,
    default_file: str | None,
) -> ET.Element:
    """Return the test case of one rule on one run."""
    failing = [f for f in findings if f.severity >= Severity.WARNING]
    notes = [f for f in findings if f.severity < Severity.WARNING]
    source = findings[0].location.source if findings else default_file
    attributes = {"classname": xml_safe(_classname(run)), "name": xml_safe(f"{code} {name}".strip())}
    if source is not None:
        attributes["file"] = xml_safe(posix_path(source))
    case = ET.Element("testcase", {**attributes, "time": "0"})
    if error is not None:
        ET.SubElement(
            case, "error", message=xml_safe(_one_line(error.message)), type="rule-error"
        ).text = xml_safe(f"rule {code} failed on run {run}: {error.message}")
        notes = list(findings)
    elif failing:
        worst = max(failing, key=lambda f: f.severity)
        message = worst.message if len(failing) == 1 else f"{worst.message} (and {len(failing) - 1} more)"
        failure = ET.SubElement(
            case, "failure", message=xml_safe(_one_line(message)), type=worst.severity.label
        )
        failure.text = xml_safe("\n\n".join(_describe(f) for f in failing))
    elif skipped is not None:
        ET.SubElement(case, "skipped", message=xml_safe(_one_line(skipped.reason)))
    if notes:
        ET.SubElement(case, "system-out").text = xml_safe("\n\n".join(_describe(f) for f in notes))
    return case


def _inputs_suite(analysis: Analysis) -> ET.Element:
    """Return a suite with one erroring case per input that could not be read."""
    cases = []
    seen: dict[str, int] = {}
    for problem in analysis.input_errors:
        seen[problem.path] = seen.get(problem.path, 0) + 1
        name = problem.path if seen[problem.path] == 1 else f"{problem.path} ({seen[problem.path]})"
        case = ET.Element(
            "testcase",
            classname="loganalyzer.inputs",
            name=xml_safe(name),
            file=xml_safe(posix_path(problem.path)),
        )
        case.set("time", "0")
        ET.SubElement(
            case, "error", message=xml_safe(_one_line(problem.message)), type="input-error"
        ).text = xml_safe(f"{problem.path}: {problem.message}")
        cases.append(case)
    suite = ET.Element("testsuite", _counts(INPUTS_SUITE, cases))
    suite.extend(cases)
    return suite


def _describe(finding: Finding) -> str:
    """Return a finding as a few plain lines: headline, message, evidence, remedies."""
    lines = [
        f"{finding.severity.label} {finding.rule} {finding.name} at {location_label(finding.location)}",
        finding.message,
        f"evidence: {evidence_line(finding)}",
    ]
    lines += [f"fix: {remedy.title}" for remedy in finding.remedies]
    return "\n".join(lines)


def _counts(name: str, cases: Sequence[ET.Element]) -> dict[str, str]:
    """Return the name and the tests/failures/errors/skipped counters of a suite (or of all suites)."""
    if cases and cases[0].tag == "testsuite":
        totals = [
            sum(int(c.get(key, "0")) for c in cases) for key in ("tests", "failures", "errors", "skipped")
        ]
    else:
        totals = [
            len(cases),
            *(sum(1 for c in cases if c.find(tag) is not None) for tag in ("failure", "error", "skipped")),
        ]
    counters = dict(zip(("tests", "failures", "errors", "skipped"), map(str, totals), strict=True))
    return {"name": xml_safe(name), **counters, "time": "0"}


def _classname(run: str) -> str:
    """Return the run as a dotted class name: directories become packages, inner dots underscores."""
    parts = [part.replace(".", "_") for part in posix_path(run).split("/") if part]
    return ".".join(parts) or "run"


def _one_line(text: str) -> str:
    """Return ``text`` on one line: CI pages show ``message`` attributes as a single line."""
    return " ".join(text.split())
