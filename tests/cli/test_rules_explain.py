"""``loganalyzer rules`` and ``loganalyzer explain`` end to end."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from loganalyzer.engine.pack import load_default_pack
from tests.cli.helpers import assert_usage_error, invoke

PACK = load_default_pack()
CONTRACT_CATEGORIES = {
    "overfitting",
    "underfitting",
    "loss-spike",
    "divergence",
    "slow-epoch",
    "memory-growth",
}


def test_rules_lists_every_code_once() -> None:
    outcome = invoke("rules")
    assert outcome.exit_code == 0
    lines = outcome.stdout.splitlines()
    assert lines[0].split()[:4] == ["CODE", "NAME", "CATEGORY", "SEVERITY"]
    codes = [line.split()[0] for line in lines[1:] if line.strip()]
    assert sorted(codes) == sorted(rule.code for rule in PACK.rules)
    assert len(codes) == len(set(codes))
    for rule in PACK.rules:
        line = next(line for line in lines if line.startswith(rule.code + " "))
        assert line.split()[1:4] == [rule.name, rule.category, rule.severity.label]


def test_rules_json_parses_and_matches_the_pack() -> None:
    outcome = invoke("rules", "--format", "json")
    assert outcome.exit_code == 0
    rules = json.loads(outcome.stdout)
    assert [r["code"] for r in rules] == [rule.code for rule in PACK.rules]
    for entry in rules:
        assert {"code", "name", "category", "severity", "summary"} <= set(entry)
        assert entry["severity"] in {"info", "warning", "error"}
        assert re.fullmatch(r"[A-Z]{2}\d{3}", entry["code"])
    assert {r["category"] for r in rules} >= CONTRACT_CATEGORIES


@pytest.mark.parametrize("reference", ["OF001", "rising-validation-loss", "of001"])
def test_explain_shows_parameters_with_defaults_and_remedies_with_snippets(reference: str) -> None:
    outcome = invoke("explain", reference)
    assert outcome.exit_code == 0, outcome.output
    text = outcome.stdout
    rule = next(r for r in PACK.rules if r.code == "OF001")
    assert text.startswith(f"# {rule.name} ({rule.code})")
    assert "## Parameters" in text and "## Remedies" in text
    for parameter in rule.parameters:
        assert f"- `{parameter.name}` = {parameter.default!r} [" in text, parameter.name
    assert "(default " not in text, "nothing is overridden"
    remedies = text.split("## Remedies", 1)[1]
    for remedy_id in rule.remedies:
        assert f"(`{remedy_id}`)" in remedies
    assert remedies.count("Keras:") == remedies.count("PyTorch:") == len(rule.remedies)
    assert remedies.count("```python") == 2 * len(rule.remedies)
    assert "EarlyStopping" in remedies, "Keras snippet of the early-stopping remedy"
    assert "load_state_dict" in remedies, "PyTorch snippet of the early-stopping remedy"


@pytest.mark.parametrize("rule", [r.code for r in PACK.rules])
def test_explain_works_for_every_rule(rule: str) -> None:
    outcome = invoke("explain", rule)
    assert outcome.exit_code == 0, outcome.output
    assert f"({rule})" in outcome.stdout.splitlines()[0]
    assert "Keras:" in outcome.stdout and "PyTorch:" in outcome.stdout


def _parameter_line(text: str, name: str) -> str:
    return next(line for line in text.splitlines() if line.startswith(f"- `{name}` ="))


def test_explain_shows_the_configured_value_next_to_the_default(tmp_path: Path) -> None:
    default = next(r for r in PACK.rules if r.code == "OF001").defaults()["min_rise"]
    (tmp_path / "loganalyzer.toml").write_text("[rules.overfitting]\nmin_rise = 0.25\n", encoding="utf-8")
    discovered = invoke("explain", "OF001").stdout
    assert _parameter_line(discovered, "min_rise").startswith(f"- `min_rise` = 0.25 (default {default!r}) [")
    untouched = _parameter_line(discovered, "patience")
    assert "(default" not in untouched


def test_explain_reads_an_explicit_config(tmp_path: Path) -> None:
    config = tmp_path / "other" / "ci.toml"
    config.parent.mkdir()
    config.write_text("[rules.OF001]\npatience = 12\n", encoding="utf-8")
    text = invoke("explain", "--config", config, "overfitting").stdout
    assert _parameter_line(text, "patience").startswith("- `patience` = 12 (default ")


def test_explain_with_a_broken_config_is_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "loganalyzer.toml"
    path.write_text("[rules.OF001]\nmin_rise = 0\n", encoding="utf-8")
    assert_usage_error(invoke("explain", "OF001"), str(path), "rules.OF001.min_rise")


@pytest.mark.parametrize(
    ("reference", "needles"),
    [
        pytest.param("NOPE", ["'NOPE'", "loganalyzer rules"], id="unknown"),
        pytest.param(
            "rising-validation",
            ["'rising-validation'", "did you mean 'rising-validation-loss'"],
            id="close-name",
        ),
        pytest.param("overfit", ["'overfit'", "did you mean 'overfitting'"], id="close-category"),
        pytest.param("OF01", ["'OF01'", "did you mean 'OF001'"], id="close-code"),
    ],
)
def test_explain_unknown_rule_is_exit_2_with_a_suggestion(reference: str, needles: list[str]) -> None:
    assert_usage_error(invoke("explain", reference), *needles)


def test_explain_a_category_explains_each_of_its_rules() -> None:
    """``overfitting`` means the category in ``--select``; ``explain`` reads the word the same way."""
    text = invoke("explain", "overfitting").stdout
    expected = [f"# {r.name} ({r.code})" for r in PACK.rules if r.category == "overfitting"]
    found = [line for line in text.splitlines() if line in expected]
    assert found == expected and len(expected) >= 2


def test_an_old_rule_name_still_works_in_the_config(tmp_path: Path) -> None:
    """Renamed rules keep their old names as aliases, so existing ``[rules.<old-name>]`` tables load."""
    (tmp_path / "loganalyzer.toml").write_text(
        "[rules.memory-growth]\nseverity = 'error'\n", encoding="utf-8"
    )
    outcome = invoke("explain", "--config", str(tmp_path / "loganalyzer.toml"), "MG001")
    assert outcome.exit_code == 0, outcome.output
