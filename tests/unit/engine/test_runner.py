"""The engine runs every rule on every run and never lets one detector take the audit down."""

from __future__ import annotations

import numpy as np

from loganalyzer.engine.runner import run_rules
from loganalyzer.engine.settings import Settings
from loganalyzer.ingest.build import RawSeries, RunParts, build_run
from loganalyzer.model.finding import Detector, Evidence, MissingInput, Severity
from loganalyzer.model.rule import RemedySpec, RulePack, RuleSpec
from loganalyzer.model.run import PositionUnit, Run
from tests.support.runs import make_run

REMEDY = RemedySpec("fix-it", "Fix it", "Because it is broken.", "keras()", "torch()", ("divergence",))


def rule(
    code: str, detector: str, message: str = "value {value:.2f} on {metric}", **extra: object
) -> RuleSpec:
    fields = {"severity": Severity.WARNING, **extra}
    return RuleSpec(
        code,
        code.lower(),
        "divergence",
        detector=detector,
        summary="s",
        description="d",
        message=message,
        parameters=(),
        remedies=("fix-it",),
        **fields,
    )  # type: ignore[arg-type]


def found(run: Run) -> list[Evidence]:
    return [Evidence("train.loss", 1, 2, {"value": 0.5}, point=1)]


def missing(run: Run) -> list[Evidence]:
    raise MissingInput("the run has no validation loss")


def crash(run: Run) -> list[Evidence]:
    raise ZeroDivisionError("boom")


DETECTORS = {"found": Detector(found), "missing": Detector(missing), "crash": Detector(crash)}


def analyse(*rules: RuleSpec, runs: list[Run] | None = None, settings: Settings | None = None):  # type: ignore[no-untyped-def]
    pack = RulePack("1", rules, {"fix-it": REMEDY})
    return run_rules(runs or [make_run(loss=[3.0, 2.0, 1.0])], pack, settings or Settings(), DETECTORS)


def test_evidence_becomes_a_worded_finding_with_remedies() -> None:
    [finding] = analyse(rule("DV901", "found")).findings
    assert finding.message == "value 0.50 on train.loss"
    assert (finding.rule, finding.category, finding.severity) == ("DV901", "divergence", Severity.WARNING)
    assert finding.raw_metric == "loss" and (finding.start_step, finding.end_step) == (1, 2)
    assert [r.id for r in finding.remedies] == ["fix-it"]


def test_missing_inputs_skip_and_crashes_are_recorded_while_other_rules_run() -> None:
    analysis = analyse(rule("DV901", "crash"), rule("DV902", "missing"), rule("DV903", "found"))
    assert [f.rule for f in analysis.findings] == ["DV903"]
    assert [(s.rule, s.reason) for s in analysis.skipped] == [("DV902", "the run has no validation loss")]
    assert [(e.rule, e.message) for e in analysis.rule_errors] == [("DV901", "ZeroDivisionError: boom")]


def test_a_template_naming_unknown_evidence_is_a_rule_error_not_a_crash() -> None:
    analysis = analyse(rule("DV901", "found", message="{nope}"))
    assert not analysis.findings
    assert analysis.rule_errors[0].rule == "DV901"


def test_a_finding_is_dropped_when_its_root_cause_is_reported() -> None:
    analysis = analyse(rule("DV901", "found"), rule("DV902", "found", superseded_by=("DV901",)))
    assert [f.rule for f in analysis.findings] == ["DV901"]
    assert [s.reason for s in analysis.skipped] == ["superseded by DV901 (dv901) on this run"]


def test_an_info_finding_supersedes_nothing() -> None:
    analysis = analyse(
        rule("DV901", "found", severity=Severity.INFO), rule("DV902", "found", superseded_by=("DV901",))
    )
    assert sorted(f.rule for f in analysis.findings) == ["DV901", "DV902"]


def test_settings_select_override_severity_and_per_path_ignores() -> None:
    runs = [make_run("exp/a", loss=[1.0, 0.5]), make_run("old/b", loss=[1.0, 0.5])]
    settings = Settings(
        select=("DV901",), severities={"DV901": Severity.ERROR}, per_path_ignores={"old/*": ("DV901",)}
    )
    analysis = analyse(rule("DV901", "found"), rule("DV902", "found"), runs=runs, settings=settings)
    assert [(f.run, f.rule, f.severity) for f in analysis.findings] == [("exp/a", "DV901", Severity.ERROR)]
    assert [r.code for r in analysis.rules] == ["DV901"]


def test_location_points_at_the_line_of_the_evidence_point() -> None:
    series = RawSeries("loss", np.arange(3), np.array([3.0, 2.0, 1.0]), position=np.array([2, 3, 4]))
    run = build_run(RunParts("r", "keras-csv", ["training.log"], [series], position_unit=PositionUnit.LINE))
    [finding] = analyse(rule("DV901", "found"), runs=[run]).findings
    assert (finding.location.source, finding.location.line, finding.location.byte_offset) == (
        "training.log",
        3,
        None,
    )


def test_findings_are_sorted_deterministically() -> None:
    runs = [make_run("b", loss=[1.0, 0.5]), make_run("a", loss=[1.0, 0.5])]
    analysis = analyse(rule("DV902", "found"), rule("DV901", "found"), runs=runs)
    assert [(f.run, f.rule) for f in analysis.findings] == [
        ("a", "DV901"),
        ("a", "DV902"),
        ("b", "DV901"),
        ("b", "DV902"),
    ]
