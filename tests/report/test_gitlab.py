"""GitLab Code Quality: the fields GitLab reads, unique and stable fingerprints."""

from __future__ import annotations

import json
from dataclasses import replace

from loganalyzer.report import gitlab
from tests.report import analyses

REQUIRED = {"description", "check_name", "fingerprint", "severity", "location"}


def test_issues_have_the_fields_gitlab_reads() -> None:
    for build in analyses.ANALYSES.values():
        for issue in json.loads(gitlab.render(build())):
            assert set(issue) >= REQUIRED
            assert issue["severity"] in {"info", "minor", "major", "critical", "blocker"}
            assert issue["location"]["path"] and issue["location"]["lines"]["begin"] >= 1


def test_severity_and_location_per_finding() -> None:
    issues = gitlab.to_issues(analyses.mixed())
    by_rule = {issue["check_name"]: issue for issue in issues}
    assert by_rule["DV001"]["severity"] == "major"
    assert by_rule["OF001"]["severity"] == "minor"
    assert by_rule["SE001"]["severity"] == "info"
    assert by_rule["OF001"]["location"] == {"path": analyses.CSV_RUN, "lines": {"begin": 14}}
    assert by_rule["DV001"]["location"] == {"path": analyses.TB_TRAIN, "lines": {"begin": 1}}
    assert by_rule["DV001"]["description"].endswith("(byte 4096)")
    assert by_rule["OF001"]["description"].startswith("OF001 overfitting-gap: val_loss rose")


def test_fingerprints_are_unique() -> None:
    for build in analyses.ANALYSES.values():
        prints = [issue["fingerprint"] for issue in gitlab.to_issues(build())]
        assert len(prints) == len(set(prints))


def test_fingerprints_are_stable_across_rewording_and_retuning() -> None:
    analysis = analyses.mixed()
    before = [issue["fingerprint"] for issue in gitlab.to_issues(analysis)]
    reworded = tuple(replace(f, message=f.message.upper(), evidence={}) for f in analysis.findings)
    after = [issue["fingerprint"] for issue in gitlab.to_issues(replace(analysis, findings=reworded))]
    assert before == after == [f.fingerprint for f in analysis.findings]
    assert gitlab.render(analyses.mixed()) == gitlab.render(analyses.mixed())


def test_findings_with_the_same_identity_still_get_distinct_fingerprints() -> None:
    analysis = analyses.mixed()
    twin = replace(analysis.findings[0], message="a second finding with the same identity")
    assert twin.fingerprint == analysis.findings[0].fingerprint
    issues = gitlab.to_issues(replace(analysis, findings=(analysis.findings[0], twin)))
    assert issues[0]["fingerprint"] == twin.fingerprint
    assert issues[1]["fingerprint"] != issues[0]["fingerprint"]


def test_errors_are_critical_issues() -> None:
    issues = gitlab.to_issues(analyses.troubled())
    errors = [issue for issue in issues if issue["severity"] == "critical"]
    assert [issue["check_name"] for issue in errors] == [
        "loganalyzer/input-error",
        "loganalyzer/input-error",
        "loganalyzer/rule-error",
    ]
    assert errors[2]["location"]["path"] == analyses.ABSOLUTE_RUN


def test_no_bom_and_a_clean_report_is_an_empty_array() -> None:
    text = gitlab.render(analyses.clean())
    assert not text.startswith("\ufeff")
    assert json.loads(text) == []
