"""SARIF: valid against the OASIS schema and shaped the way GitHub code scanning ingests it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from loganalyzer.report import gitlab, sarif
from loganalyzer.report.options import RenderOptions
from tests.conftest import SHARED
from tests.report import analyses

SCHEMA = SHARED / "schemas" / "sarif-schema-2.1.0.json"
OPTION_VARIANTS = [RenderOptions(), RenderOptions(verbose=True, statistics=True, quiet=True, color=True)]


def _log(name: str) -> dict[str, Any]:
    return json.loads(sarif.render(analyses.ANALYSES[name]()))


def _results(name: str) -> list[dict[str, Any]]:
    return _log(name)["runs"][0]["results"]


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    if not SCHEMA.is_file():
        pytest.skip(f"{SCHEMA} is absent: the official SARIF schema lives in ../shared")
    schema = json.loads(Path(SCHEMA).read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


@pytest.mark.shared
@pytest.mark.parametrize("name", sorted(analyses.ANALYSES))
@pytest.mark.parametrize("options", OPTION_VARIANTS, ids=["default", "all-options"])
def test_valid_against_the_official_schema(
    name: str, options: RenderOptions, validator: jsonschema.protocols.Validator
) -> None:
    log = json.loads(sarif.render(analyses.ANALYSES[name](), options))
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(log)]
    assert not errors, errors


@pytest.mark.shared
def test_an_empty_analysis_is_valid(validator: jsonschema.protocols.Validator) -> None:
    from loganalyzer.model.finding import Analysis

    assert not list(validator.iter_errors(json.loads(sarif.render(Analysis(runs=(), findings=())))))


def test_log_header_and_driver_follow_github() -> None:
    log = json.loads(sarif.render(analyses.mixed(), RenderOptions(tool_version="9.9.9")))
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert log["version"] == "2.1.0"
    driver = log["runs"][0]["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("loganalyzer", "9.9.9")
    assert driver["informationUri"].startswith("https://")
    assert [rule["id"] for rule in driver["rules"]] == ["DV001", "LS001", "OF001", "SE001"]


def test_rule_metadata_carries_docs_remedies_and_snippets() -> None:
    rules = {rule["id"]: rule for rule in _log("mixed")["runs"][0]["tool"]["driver"]["rules"]}
    spec = analyses.RULES["DV001"]
    rule = rules["DV001"]
    assert rule["name"] == spec.name
    assert rule["shortDescription"]["text"] == spec.summary
    assert rule["fullDescription"]["text"] == spec.description.replace("**", "")  # text is plain
    assert rule["fullDescription"]["markdown"] == spec.description
    assert "**" not in rule["help"]["text"] and "`" not in rule["help"]["text"].split("Remedies:")[0]
    assert rule["helpUri"].endswith("/docs/rules.md#dv001")
    assert rule["defaultConfiguration"]["level"] == "error"
    assert rule["properties"]["category"] == "divergence"
    assert "divergence" in rule["properties"]["tags"]
    assert rule["properties"]["problem.severity"] == "error"
    assert "security-severity" not in rule["properties"]
    markdown = rule["help"]["markdown"]
    for remedy_id in spec.remedies:
        remedy = analyses.REMEDIES[remedy_id]
        assert remedy.title in markdown and remedy.title in rule["help"]["text"]
        assert remedy.keras.splitlines()[0] in markdown and remedy.pytorch in markdown
    # a snippet holding ``` is fenced with four backticks so the markdown stays well formed
    assert "````python\nkeras.optimizers.Adam(clipnorm=1.0)" in markdown
    assert rules["SE001"]["defaultConfiguration"]["level"] == "note"


def test_every_result_has_a_physical_location_with_a_start_line() -> None:
    for name in analyses.ANALYSES:
        for result in _results(name):
            (location,) = result["locations"]
            assert location["physicalLocation"]["region"]["startLine"] >= 1
            assert location["physicalLocation"]["artifactLocation"]["uri"]


def test_csv_results_point_at_the_row_and_event_files_at_line_one_plus_byte_offset() -> None:
    by_rule = {}
    for result in _results("mixed"):
        by_rule.setdefault(result["ruleId"], []).append(result)
    overfit = by_rule["OF001"][0]["locations"][0]["physicalLocation"]
    assert overfit["artifactLocation"] == {"uri": analyses.CSV_RUN, "uriBaseId": "%SRCROOT%", "index": 0}
    assert overfit["region"] == {"startLine": 14}
    assert "byteOffset" not in by_rule["OF001"][0]["properties"]
    diverging = by_rule["DV001"][0]
    physical = diverging["locations"][0]["physicalLocation"]
    assert physical["region"] == {"startLine": 1}
    assert physical["artifactLocation"]["uri"] == analyses.TB_TRAIN
    assert diverging["properties"]["byteOffset"] == 4096
    assert diverging["locations"][0]["logicalLocations"][0]["name"] == "Loss/train"


def test_artifact_indexes_match_declared_artifacts() -> None:
    run = _log("mixed")["runs"][0]
    for result in run["results"]:
        location = result["locations"][0]["physicalLocation"]["artifactLocation"]
        assert run["artifacts"][location["index"]]["location"]["uri"] == location["uri"]
    mime = {a["location"]["uri"]: a["mimeType"] for a in run["artifacts"]}
    assert mime[analyses.CSV_RUN] == "text/csv"
    assert mime[analyses.TB_TRAIN] == "application/octet-stream"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("runs/a.csv", {"uri": "runs/a.csv", "uriBaseId": "%SRCROOT%"}),
        ("./runs/../runs/a b.csv", {"uri": "runs/a%20b.csv", "uriBaseId": "%SRCROOT%"}),
        ("runs\\win\\a.csv", {"uri": "runs/win/a.csv", "uriBaseId": "%SRCROOT%"}),
        ("c:odd/a.csv", {"uri": "c%3Aodd/a.csv", "uriBaseId": "%SRCROOT%"}),
        ("/srv/logs/exp 2/h.json", {"uri": "file:///srv/logs/exp%202/h.json"}),
        ("C:\\logs\\h.csv", {"uri": "file:///C:/logs/h.csv"}),
    ],
)
def test_artifact_uris(path: str, expected: dict[str, str]) -> None:
    assert sarif.artifact_location(path) == expected


def test_levels_follow_severity() -> None:
    levels = {r["ruleId"]: r["level"] for r in _results("mixed")}
    assert levels == {"DV001": "error", "LS001": "warning", "OF001": "warning", "SE001": "note"}


def test_rule_index_points_at_the_rule() -> None:
    run = _log("mixed")["runs"][0]
    for result in run["results"]:
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]


def test_fingerprints_are_the_finding_fingerprints_and_match_gitlab() -> None:
    analysis = analyses.mixed()
    results = json.loads(sarif.render(analysis))["runs"][0]["results"]
    sarif_prints = [r["partialFingerprints"]["primaryLocationLineHash"] for r in results]
    assert sarif_prints == [f.fingerprint for f in analysis.findings]
    assert sarif_prints == [issue["fingerprint"] for issue in gitlab.to_issues(analysis)]


def test_errors_become_notifications_and_fail_the_execution() -> None:
    (invocation,) = _log("troubled")["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    notes = invocation["toolExecutionNotifications"]
    kinds = [(n["level"], n["descriptor"]["id"]) for n in notes]
    assert kinds == [
        ("error", "input-error"),
        ("error", "input-error"),
        ("error", "rule-error"),
        ("note", "rule-skipped"),
        ("note", "rule-skipped"),
    ]
    assert notes[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "logs/broken.csv"
    assert notes[2]["associatedRule"]["id"] == "DV001"


def test_reading_notes_are_warnings_and_a_clean_run_succeeds() -> None:
    (invocation,) = _log("mixed")["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is True
    (diagnostic,) = [n for n in invocation["toolExecutionNotifications"] if n["level"] == "warning"]
    assert diagnostic["descriptor"]["id"] == "truncated-record"
    assert diagnostic["properties"]["byteOffset"] == 65536
    assert _log("clean")["runs"][0]["invocations"] == [{"executionSuccessful": True}]
    assert _log("clean")["runs"][0]["results"] == []


def test_plain_text_keeps_code_spans_and_drops_markup() -> None:
    assert sarif.plain_text(
        "Uses `val_loss`, **bold** and [Keras](https://keras.io) _x_ snake_case *it*"
    ) == ("Uses val_loss, bold and Keras (https://keras.io) x snake_case it")
    assert sarif.plain_text("# Head\n```python\nx = a_b * c\n```") == "Head\nx = a_b * c"
