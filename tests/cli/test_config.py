"""Rule selection and configuration through the command line, table-driven.

Inputs: the ``overfit-keras-csv`` fixture, which gives OF001 (overfitting), LS001
(training-loss spike) and LS002 (validation-loss spikes); its OF002 gap note is
superseded by OF001 whenever OF001 runs and fires.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from loganalyzer.engine.pack import load_default_pack
from tests.cli.helpers import HEALTHY_CSV, OVERFIT_CSV, OVERFIT_TB, Outcome, assert_usage_error, invoke

EVERYTHING = {"OF001", "LS001", "LS002"}


def check_rules(*args: object) -> set[str]:
    outcome = invoke("check", "--format", "json", *args, OVERFIT_CSV)
    assert outcome.exit_code in (0, 1), outcome.output
    return outcome.rules()


def test_the_fixture_gives_the_rules_these_tables_rely_on() -> None:
    assert check_rules() == EVERYTHING


# --------------------------------------------------------------------------- command-line selection


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(["--select", "OF001"], {"OF001"}, id="code"),
        pytest.param(["--select", "OF"], {"OF001"}, id="prefix"),
        pytest.param(["--select", "LS00"], {"LS001", "LS002"}, id="longer-prefix"),
        pytest.param(["--select", "OF002"], {"OF002"}, id="superseding-rule-not-selected"),
        pytest.param(["--select", "validation-loss-spike"], {"LS002"}, id="name"),
        pytest.param(["--select", "loss-spike"], {"LS001", "LS002"}, id="category-beats-same-name"),
        pytest.param(["--select", "overfitting"], {"OF001"}, id="category"),
        pytest.param(["--select", "ALL"], EVERYTHING, id="ALL"),
        pytest.param(["--select", "OF001,LS002"], {"OF001", "LS002"}, id="comma-list"),
        pytest.param(["--select", "OF001, LS002"], {"OF001", "LS002"}, id="comma-list-spaces"),
        pytest.param(["--ignore", "LS"], {"OF001"}, id="ignore-prefix"),
        pytest.param(["--ignore", "loss-spike"], {"OF001"}, id="ignore-category"),
        pytest.param(["--ignore", "validation-loss-spike"], {"OF001", "LS001"}, id="ignore-name"),
        pytest.param(["--ignore", "OF001"], {"OF002", "LS001", "LS002"}, id="ignore-code-unsupersedes"),
        pytest.param(["--select", "OF", "--extend-select", "LS001"], {"OF001", "LS001"}, id="extend-select"),
        pytest.param(["--select", "OF001", "--ignore", "OF001"], set(), id="tie-ignore-wins"),
        pytest.param(["--select", "OF001", "--ignore", "OF"], {"OF001"}, id="specific-select-wins"),
        pytest.param(["--select", "LS", "--ignore", "LS001"], {"LS002"}, id="specific-ignore-wins"),
        pytest.param(["--select", "LS00", "--ignore", "LS"], {"LS001", "LS002"}, id="longer-prefix-wins"),
        pytest.param(["--ignore", "ALL", "--extend-select", "LS002"], {"LS002"}, id="ignore-all-then-one"),
    ],
)
def test_command_line_selection(args: list[str], expected: set[str]) -> None:
    assert check_rules(*args) == expected


# --------------------------------------------------------------------------- config file vs command line


def write_config(directory: Path, text: str, name: str = "loganalyzer.toml") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("config", "args", "expected"),
    [
        pytest.param('select = ["LS"]\n', [], {"LS001", "LS002"}, id="config-select"),
        pytest.param('select = "LS001, OF001"\n', [], {"LS001", "OF001"}, id="config-select-string"),
        pytest.param('ignore = ["LS002"]\n', [], {"OF001", "LS001"}, id="config-ignore"),
        pytest.param('select = ["LS"]\n', ["--select", "OF001"], {"OF001"}, id="cli-select-replaces"),
        pytest.param(
            'select = ["LS"]\n',
            ["--extend-select", "OF001"],
            {"LS001", "LS002", "OF001"},
            id="cli-extend-adds",
        ),
        pytest.param(
            'ignore = ["LS"]\n',
            ["--extend-select", "LS001"],
            {"OF001", "LS001"},
            id="cli-extend-beats-ignore",
        ),
        pytest.param('select = ["OF"]\n', ["--ignore", "OF001"], {"OF002"}, id="cli-ignore-in-config-select"),
        pytest.param(
            'extend-select = ["LS001"]\nselect = ["OF"]\n', [], {"OF001", "LS001"}, id="config-extend"
        ),
        pytest.param(
            'ignore = ["LS"]\n',
            ["--ignore", "OF001"],
            {"OF002"},
            id="cli-ignore-adds-to-config-ignore",
        ),
        pytest.param(
            'select = ["OF", "LS"]\nignore = ["OF001"]\n',
            ["--select", "OF001"],
            {"OF001"},
            id="cli-select-is-the-new-basis",
        ),
    ],
)
def test_config_and_command_line_precedence(tmp_path: Path, config: str, args: list[str], expected) -> None:
    write_config(tmp_path, config)
    assert check_rules(*args) == expected


def test_per_path_ignores_apply_only_to_matching_runs(tmp_path: Path) -> None:
    for name in ("old", "new"):
        target = tmp_path / "runs" / name / "exp1"
        target.mkdir(parents=True)
        shutil.copy(OVERFIT_CSV / "training.log", target / "training.log")
    shutil.copytree(OVERFIT_TB / "logs", tmp_path / "runs" / "old" / "tb")
    write_config(tmp_path, '[per-path-ignores]\n"runs/old/**" = ["overfitting"]\n"**/new/*" = ["LS001"]\n')
    outcome = invoke("check", "--format", "json", "runs")
    by_run: dict[str, set[str]] = {}
    for finding in outcome.json()["findings"]:
        by_run.setdefault(finding["run"], set()).add(finding["rule"])
    assert by_run == {
        "runs/old/exp1/training.log": {"LS001", "LS002"},
        "runs/new/exp1/training.log": {"OF001", "LS002"},
    }
    # The TensorBoard run under old/ had only its overfitting finding: none left.
    assert "runs/old/tb" in {run["name"] for run in outcome.json()["runs"]}


# --------------------------------------------------------------------------- per-rule parameters and severity


def test_raising_min_rise_removes_the_overfitting_verdict(tmp_path: Path) -> None:
    write_config(tmp_path, "[rules.OF001]\nmin_rise = 5.0\n")
    assert check_rules() == {"LS001", "LS002", "OF002"}, "OF001 gone; its gap note is no longer superseded"


def test_rule_parameters_by_rule_name_in_pyproject(tmp_path: Path) -> None:
    write_config(tmp_path, "[tool.loganalyzer.rules.overfitting]\nmin_rise = 5.0\n", name="pyproject.toml")
    assert "OF001" not in check_rules()


def test_lowering_min_rise_keeps_the_verdict(tmp_path: Path) -> None:
    write_config(tmp_path, "[rules.OF001]\nmin_rise = 0.01\n")
    assert "OF001" in check_rules()


@pytest.mark.parametrize(
    ("config", "args", "severity", "exit_code"),
    [
        pytest.param("", [], "warning", 1, id="default"),
        pytest.param('[rules.OF001]\nseverity = "error"\n', ["--fail-on", "error"], "error", 1, id="raised"),
        pytest.param("", ["--fail-on", "error"], "warning", 0, id="default-fail-on-error"),
        pytest.param('[rules.overfitting]\nseverity = "info"\n', [], "info", 0, id="lowered-by-name"),
        pytest.param('fail-on = "error"\n', [], "warning", 0, id="fail-on-in-config"),
        pytest.param('fail-on = "error"\n', ["--fail-on", "warning"], "warning", 1, id="cli-fail-on-wins"),
        pytest.param('fail-on = "info"\n[rules.OF001]\nseverity = "info"\n', [], "info", 1, id="info-fails"),
    ],
)
def test_severity_override_and_fail_on(
    tmp_path: Path, config: str, args, severity: str, exit_code: int
) -> None:
    write_config(tmp_path, config)
    outcome = invoke("check", "--format", "json", "--select", "OF001", *args, OVERFIT_CSV)
    assert [f["severity"] for f in outcome.json()["findings"]] == [severity]
    assert outcome.exit_code == exit_code, outcome.output


# --------------------------------------------------------------------------- discovery


def test_discovery_walks_up_from_a_subdirectory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_config(tmp_path / "project", 'select = ["LS002"]\n')
    deep = tmp_path / "project" / "runs" / "2024"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    assert check_rules() == {"LS002"}


def test_hidden_config_file_is_found(tmp_path: Path) -> None:
    write_config(tmp_path, 'select = ["LS002"]\n', name=".loganalyzer.toml")
    assert check_rules() == {"LS002"}


def test_loganalyzer_toml_beats_pyproject_in_the_same_directory(tmp_path: Path) -> None:
    write_config(tmp_path, '[tool.loganalyzer]\nselect = ["LS"]\n', name="pyproject.toml")
    write_config(tmp_path, 'select = ["OF001"]\n')
    assert check_rules() == {"OF001"}


def test_pyproject_section_is_used_when_alone(tmp_path: Path) -> None:
    write_config(tmp_path, '[tool.loganalyzer]\nselect = ["LS"]\n', name="pyproject.toml")
    assert check_rules() == {"LS001", "LS002"}


def test_pyproject_without_the_section_is_passed_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(tmp_path, 'select = ["LS002"]\n')
    write_config(
        tmp_path / "sub", '[project]\nname = "x"\n[tool.ruff]\nline-length = 100\n', name="pyproject.toml"
    )
    monkeypatch.chdir(tmp_path / "sub")
    assert check_rules() == {"LS002"}


def test_closest_config_wins_and_parents_are_not_merged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(tmp_path, 'select = ["LS002"]\n')
    write_config(tmp_path / "sub", 'ignore = ["LS001"]\n')
    monkeypatch.chdir(tmp_path / "sub")
    assert check_rules() == {"OF001", "LS002"}


def test_explicit_config_beats_the_discovered_one(tmp_path: Path) -> None:
    write_config(tmp_path, 'select = ["LS002"]\n')
    explicit = write_config(tmp_path / "elsewhere", 'select = ["LS001"]\n', name="ci.toml")
    assert check_rules("--config", explicit) == {"LS001"}


def test_explicit_pyproject_without_the_section_is_an_error(tmp_path: Path) -> None:
    path = write_config(tmp_path / "other", "[tool.black]\n", name="pyproject.toml")
    outcome = invoke("check", "--config", path, HEALTHY_CSV)
    assert_usage_error(outcome, str(path), "[tool.loganalyzer]")


def test_broken_config_in_a_parent_directory_is_found_and_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_config(tmp_path, "select = [\n")
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    assert_usage_error(invoke("check", HEALTHY_CSV), str(path), "invalid TOML")


# --------------------------------------------------------------------------- configuration errors


@pytest.mark.parametrize(
    ("name", "text", "needles"),
    [
        pytest.param("loganalyzer.toml", 'selct = ["OF"]\n', ["'selct'", "did you mean 'select'"], id="unknown-key"),
        pytest.param(
            "loganalyzer.toml", 'extend_select = ["OF"]\n', ["'extend_select'", "did you mean 'extend-select'"],
            id="underscore-key",
        ),
        pytest.param("loganalyzer.toml", "select = 3\n", ["select", "list of rule selectors"], id="select-type"),
        pytest.param("loganalyzer.toml", 'ignore = ["XX1"]\n', ["ignore", "'XX1'", "matches no rule"], id="ignore-rule"),
        pytest.param("loganalyzer.toml", "rules = 3\n", ["rules", "must be a table"], id="rules-type"),
        pytest.param(
            "loganalyzer.toml", 'fail-on = "warn"\n', ["fail-on", "'warn'", "did you mean 'warning'"], id="fail-on"
        ),
        pytest.param("loganalyzer.toml", "fail-on = 2\n", ["fail-on", "info, warning, error"], id="fail-on-type"),
        pytest.param(
            "loganalyzer.toml", "[rules.OF001]\nmin_rise = -1\n", ["rules.OF001.min_rise", "minimum"], id="below-bound"
        ),
        pytest.param(
            "loganalyzer.toml", "[rules.OF001]\nmin_train_drop = 1.5\n", ["rules.OF001.min_train_drop", "maximum"],
            id="above-bound",
        ),
        pytest.param(
            "loganalyzer.toml", '[rules.OF001]\nmin_rise = "big"\n', ["rules.OF001.min_rise", "not of type"],
            id="param-type",
        ),
        pytest.param(
            "loganalyzer.toml", "[rules.OF001]\nmin_rise = true\n", ["rules.OF001.min_rise", "not of type"],
            id="param-bool",
        ),
        pytest.param(
            "loganalyzer.toml", "[rules.OF001]\nmin_points = 4.5\n", ["rules.OF001.min_points", "integer"],
            id="param-integer",
        ),
        pytest.param(
            "loganalyzer.toml", "[rules.OF001]\nmin_rize = 1\n", ["rules.OF001", "'min_rize'", "did you mean 'min_rise'"],
            id="unknown-param",
        ),
        pytest.param(
            "loganalyzer.toml", "[rules.OF01]\nmin_rise = 1\n", ["rules.OF01", "no such rule", "did you mean 'OF001'"],
            id="unknown-rule",
        ),
        pytest.param(
            "loganalyzer.toml", '[rules.OF001]\nseverity = "fatal"\n', ["rules.OF001.severity", "'fatal'"],
            id="bad-severity",
        ),
        pytest.param(
            "loganalyzer.toml", '[per-path-ignores]\n"old/*" = ["OF9"]\n', ["per-path-ignores", "'OF9'"],
            id="per-path-selector",
        ),
        pytest.param(
            "loganalyzer.toml", "[metric-map]\nmy_xent = 3\n", ["metric-map", "my_xent", "string"], id="map-type"
        ),
        pytest.param(
            "loganalyzer.toml", '[metric-map]\nmy_xent = "valid.loss"\n', ["metric-map", "my_xent", "valid.loss"],
            id="map-key",
        ),
        pytest.param(
            "pyproject.toml", '[tool.loganalyzer]\nselct = ["OF"]\n',
            ["pyproject.toml [tool.loganalyzer]", "'selct'", "did you mean 'select'"], id="pyproject-unknown-key",
        ),
        pytest.param("pyproject.toml", "[tool]\nloganalyzer = 3\n", ["pyproject.toml", "must be a table"], id="pyproject-type"),
    ],
)  # fmt: skip
def test_config_errors_name_the_file_and_the_key(
    tmp_path: Path, name: str, text: str, needles: list[str]
) -> None:
    path = write_config(tmp_path, text, name=name)
    outcome: Outcome = invoke("check", HEALTHY_CSV)
    assert_usage_error(outcome, str(path), *needles)


def test_every_rule_parameter_can_be_set_to_its_default(tmp_path: Path) -> None:
    """Round trip: the defaults the pack declares pass the pack's own validation from a config file."""
    pack = load_default_pack()
    lines = []
    for rule in pack.rules:
        lines.append(f"[rules.{rule.code}]")
        for name, value in rule.defaults().items():
            lines.append(f"{name} = {_toml(value)}")
    write_config(tmp_path, "\n".join(lines) + "\n")
    assert check_rules() == EVERYTHING


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return repr(value)
