"""JUnit XML: parsed by junitparser (the way CI servers read it), with the documented shape."""

from __future__ import annotations

from dataclasses import replace

import pytest
from junitparser import Attr, Error, Failure, JUnitXml, Skipped, TestCase, TestSuite

from loganalyzer.model.finding import Location
from loganalyzer.report import junit
from tests.report import analyses


class _FiledCase(TestCase):
    """junitparser's TestCase plus the ``file`` attribute GitLab reads."""

    file = Attr()


def _parse(text: str) -> dict[str, TestSuite]:
    xml = JUnitXml.fromstring(text.encode("utf-8"))
    return {suite.name: suite for suite in xml}


def _cases(suite: TestSuite) -> dict[str, TestCase]:
    return {case.name: case for case in suite}


def test_one_suite_per_run_and_one_case_per_rule() -> None:
    suites = _parse(junit.render(analyses.mixed()))
    assert sorted(suites) == [analyses.CSV_RUN, analyses.HEALTHY_RUN, analyses.TB_RUN]
    for suite in suites.values():
        assert sorted(_cases(suite)) == [
            "DV001 diverging-loss",
            "LS001 loss-spike",
            "OF001 overfitting-gap",
            "SE001 slow-epochs",
        ]


def test_findings_at_warning_and_above_fail_their_rule_case() -> None:
    suites = _parse(junit.render(analyses.mixed()))
    tb = _cases(suites[analyses.TB_RUN])
    (divergence,) = tb["DV001 diverging-loss"].result
    assert isinstance(divergence, Failure) and divergence.type == "error"
    (spikes,) = tb["LS001 loss-spike"].result
    assert isinstance(spikes, Failure) and spikes.type == "warning"
    assert spikes.message.endswith("(and 1 more)")
    assert "step 300" in spikes.text and "step 900" in spikes.text and "byte 2048" in spikes.text
    assert tb["OF001 overfitting-gap"].is_passed
    csv = _cases(suites[analyses.CSV_RUN])
    (overfit,) = csv["OF001 overfitting-gap"].result
    assert "fix: Stop at the best validation epoch" in overfit.text
    assert csv["OF001 overfitting-gap"].classname == "runs.exp1.history_csv"


def test_info_findings_pass_with_the_note_in_system_out() -> None:
    case = _cases(_parse(junit.render(analyses.mixed()))[analyses.CSV_RUN])["SE001 slow-epochs"]
    assert case.is_passed
    assert "epoch 29 took 3.2x the median epoch time" in case.system_out


def test_suite_and_document_counters_agree_with_the_cases() -> None:
    text = junit.render(analyses.troubled())
    xml = JUnitXml.fromstring(text.encode("utf-8"))
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for suite in xml:
        cases = list(suite)
        kinds = [type(r) for case in cases for r in case.result]
        counted = {
            "tests": len(cases),
            "failures": kinds.count(Failure),
            "errors": kinds.count(Error),
            "skipped": kinds.count(Skipped),
        }
        assert {key: int(getattr(suite, key)) for key in counted} == counted
        totals = {key: totals[key] + counted[key] for key in totals}
    assert {key: int(getattr(xml, key)) for key in totals} == totals
    assert totals == {"tests": 6, "failures": 1, "errors": 3, "skipped": 2}


def test_skipped_crashed_and_unreadable() -> None:
    suites = _parse(junit.render(analyses.troubled()))
    run = _cases(suites[analyses.ABSOLUTE_RUN])
    (skipped,) = run["OF001 overfitting-gap"].result
    assert isinstance(skipped, Skipped) and skipped.message.startswith("needs validation.loss")
    (crash,) = run["DV001 diverging-loss"].result
    assert isinstance(crash, Error) and crash.type == "rule-error"
    inputs = _cases(suites[junit.INPUTS_SUITE])
    assert sorted(inputs) == ["logs/broken.csv", "missing"]
    assert all(isinstance(case.result[0], Error) for case in inputs.values())


def test_characters_xml_cannot_carry_are_dropped() -> None:
    text = junit.render(analyses.troubled())
    assert "\x00" not in text and "\x1b" not in text
    crash = _cases(_parse(text)[analyses.ABSOLUTE_RUN])["DV001 diverging-loss"].result[0]
    assert crash.message == "ValueError: bad value '[31m' at <step 3> & more"


@pytest.mark.parametrize("character", ["\x00", "\x08", "\x0b", "\x1f", "\ufffe", "\ud800"])
def test_xml_safe_strips_illegal_characters(character: str) -> None:
    assert junit.xml_safe(f"a{character}b") == "ab"


def test_xml_safe_keeps_legal_characters() -> None:
    assert junit.xml_safe("tab\tnl\ncr\r é ✓ \U0001f600") == "tab\tnl\ncr\r é ✓ \U0001f600"


def test_case_names_are_unique_even_for_repeated_inputs() -> None:
    analysis = analyses.troubled()
    analysis = replace(analysis, input_errors=analysis.input_errors + analysis.input_errors[:1])
    inputs = list(_parse(junit.render(analysis))[junit.INPUTS_SUITE])
    names = [case.name for case in inputs]
    assert len(names) == len(set(names)) == 3


def test_case_file_is_the_finding_location() -> None:
    analysis = analyses.mixed()
    moved = [
        replace(f, location=Location("elsewhere.csv", line=2)) if f.rule == "OF001" else f
        for f in analysis.findings
    ]
    case = _cases(_parse(junit.render(replace(analysis, findings=tuple(moved))))[analyses.CSV_RUN])
    assert _FiledCase.fromelem(case["OF001 overfitting-gap"]).file == "elsewhere.csv"
