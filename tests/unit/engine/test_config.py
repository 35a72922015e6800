"""Configuration is validated key by key, with the file, the key and a suggestion in every error."""

from __future__ import annotations

from typing import Any

import pytest

from loganalyzer.engine.config import settings_from_mapping
from loganalyzer.errors import ConfigError
from loganalyzer.model.finding import Severity
from loganalyzer.model.rule import ParameterSpec, RulePack, RuleSpec

THRESHOLD = ParameterSpec(
    "min_rise", {"type": "number", "minimum": 0, "maximum": 10, "default": 0.1, "description": "d"}
)
PATIENCE = ParameterSpec("patience", {"type": "integer", "minimum": 1, "default": 5, "description": "d"})
PACK = RulePack(
    version="1",
    rules=(
        RuleSpec(
            "OF001",
            "overfitting",
            "overfitting",
            Severity.WARNING,
            "d",
            "s",
            "x",
            "m {a}",
            (THRESHOLD, PATIENCE),
            ("r",),
        ),
        RuleSpec("LS001", "loss-spike", "loss-spike", Severity.WARNING, "d", "s", "x", "m {a}", (), ("r",)),
    ),
    remedies={},
)


def settings(mapping: dict[str, Any]):  # type: ignore[no-untyped-def]
    return settings_from_mapping(mapping, PACK, origin="pyproject.toml")


def test_valid_configuration() -> None:
    result = settings(
        {
            "select": ["OF", "loss-spike"],
            "ignore": ["LS001"],
            "fail-on": "error",
            "rules": {"OF001": {"min_rise": 0.25, "patience": 3, "severity": "error"}},
            "per-path-ignores": {"old/*": ["OF001"]},
            "metric-map": {"my_eval_xent": "validation.loss"},
        }
    )
    assert result.select == ("OF", "loss-spike")
    assert result.ignore == ("LS001",)
    assert result.fail_on is Severity.ERROR
    assert result.parameters == {"OF001": {"min_rise": 0.25, "patience": 3}}
    assert result.severities == {"OF001": Severity.ERROR}
    assert result.per_path_ignores == {"old/*": ("OF001",)}
    assert result.name_map == {"my_eval_xent": "validation.loss"}


def test_rules_can_be_named_by_name_and_ints_are_numbers() -> None:
    assert settings({"rules": {"overfitting": {"min_rise": 1}}}).parameters == {"OF001": {"min_rise": 1.0}}


def test_command_line_overrides_file() -> None:
    from_file = settings({"select": ["OF001"], "fail-on": "info"})
    merged = settings_from_mapping({"select": ["LS001"]}, PACK, origin="command line", base=from_file)
    assert [r.code for r in PACK.rules if merged.is_selected(r)] == ["LS001"]
    assert merged.fail_on is Severity.INFO


def test_command_line_ignore_adds_to_the_file_selection() -> None:
    from_file = settings({"select": ["OF", "LS"], "ignore": ["LS001"]})
    assert [r.code for r in PACK.rules if from_file.is_selected(r)] == ["OF001"]
    merged = settings_from_mapping({"ignore": ["OF001"]}, PACK, origin="command line", base=from_file)
    assert [r.code for r in PACK.rules if merged.is_selected(r)] == []
    reselected = settings_from_mapping({"select": ["LS001"]}, PACK, origin="command line", base=from_file)
    assert [r.code for r in PACK.rules if reselected.is_selected(r)] == ["LS001"]


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"selct": ["OF"]}, "pyproject.toml: unknown key 'selct' (did you mean 'select'?)"),
        ({"select": ["OF9"]}, "pyproject.toml: select: 'OF9' matches no rule (did you mean 'OF': OF001?)"),
        ({"select": ["overfiting"]}, "'overfiting' matches no rule (did you mean 'overfitting'?)"),
        ({"ignore": "LS01"}, "'LS01' matches no rule (did you mean 'LS001'?)"),
        (
            {"fail-on": "warn"},
            "fail-on = 'warn': must be one of info, warning, error (did you mean 'warning'?)",
        ),
        ({"rules": {"OF01": {}}}, "rules.OF01: no such rule (did you mean 'OF001'?)"),
        (
            {"rules": {"OF001": {"min_ris": 1}}},
            "rules.OF001: unknown parameter 'min_ris' (did you mean 'min_rise'?)",
        ),
        (
            {"rules": {"OF001": {"min_rise": -1}}},
            "rules.OF001.min_rise = -1.0: -1.0 is less than the minimum of 0",
        ),
        ({"rules": {"OF001": {"patience": 2.5}}}, "rules.OF001.patience = 2.5: 2.5 is not of type 'integer'"),
        ({"rules": {"OF001": {"severity": "fatal"}}}, "rules.OF001.severity = 'fatal': must be one of"),
        (
            {"metric-map": {"x": "holdout.loss"}},
            "metric-map.'x': metric key 'holdout.loss': split must be one of",
        ),
        ({"select": 3}, "select must be a list of rule selectors"),
    ],
)
def test_errors_name_file_key_and_suggestion(mapping: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as error:
        settings(mapping)
    assert message in str(error.value)
