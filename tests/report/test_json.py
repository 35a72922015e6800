"""The JSON contract: valid against report.schema.json in every variant."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from loganalyzer.report import json as json_report
from loganalyzer.report.options import RenderOptions
from tests.report import analyses

SCHEMA_PATH = Path(json_report.__file__).with_name("report.schema.json")


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


@pytest.mark.parametrize("name", sorted(analyses.ANALYSES))
@pytest.mark.parametrize("statistics", [False, True])
def test_valid_against_the_contract_schema(
    name: str, statistics: bool, validator: jsonschema.protocols.Validator
) -> None:
    document = json.loads(json_report.render(analyses.ANALYSES[name](), RenderOptions(statistics=statistics)))
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]
    assert not errors, errors


def test_statistics_only_when_asked_and_most_frequent_first() -> None:
    assert "statistics" not in json.loads(json_report.render(analyses.mixed()))
    document = json.loads(json_report.render(analyses.mixed(), RenderOptions(statistics=True)))
    assert document["statistics"][0] == {
        "code": "LS001",
        "name": "loss-spike",
        "category": "loss-spike",
        "severity": "warning",
        "count": 2,
    }
    assert [row["code"] for row in document["statistics"]] == ["LS001", "DV001", "OF001", "SE001"]


def test_tool_version_comes_from_the_options() -> None:
    document = json.loads(json_report.render(analyses.clean(), RenderOptions(tool_version="1.2.3")))
    assert document["tool"] == {"name": "loganalyzer", "version": "1.2.3"}


def test_errors_and_skips_are_always_present() -> None:
    document = json.loads(json_report.render(analyses.troubled()))
    assert [error["kind"] for error in document["errors"]] == ["input", "input", "rule"]
    assert len(document["skipped"]) == 2
