"""``loganalyzer check`` end to end: exit codes, error messages, output formats and switches."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import jsonschema
import pytest

from loganalyzer.report import REPORTERS
from tests.cli.helpers import (
    CONSOLE_SCRIPT,
    DIVERGE_CSV,
    HEALTHY_CSV,
    HEALTHY_TB,
    OVERFIT_CSV,
    OVERFIT_TB,
    REPO,
    assert_usage_error,
    invoke,
    run_console,
)

SCHEMA = json.loads((REPO / "loganalyzer" / "report" / "report.schema.json").read_text(encoding="utf-8"))
ANSI = re.compile(r"\x1b\[")


def _not_a_log(directory: Path) -> Path:
    path = directory / "notes.txt"
    path.write_text("remember to buy milk\nand eggs\n", encoding="utf-8")
    return path


# --------------------------------------------------------------------------- exit codes 0 and 1


def test_healthy_run_exits_0() -> None:
    outcome = invoke("check", HEALTHY_CSV)
    assert outcome.exit_code == 0, outcome.output
    assert "All checks passed" in outcome.stdout
    assert outcome.stderr == ""


def test_findings_exit_1_and_name_the_rule() -> None:
    outcome = invoke("check", OVERFIT_CSV)
    assert outcome.exit_code == 1, outcome.output
    assert "OF001" in outcome.stdout
    assert "rising-validation-loss" in outcome.stdout


def test_fail_on_error_passes_a_warning_only_run_but_still_reports_it() -> None:
    outcome = invoke("check", "-f", "json", "--select", "OF001", "--fail-on", "error", OVERFIT_CSV)
    assert outcome.exit_code == 0, outcome.output
    findings = outcome.json()["findings"]
    assert [f["rule"] for f in findings] == ["OF001"]
    assert findings[0]["severity"] == "warning"


def test_fail_on_info_fails_on_a_note() -> None:
    # OF002 is an info note; OF001 is not selected, so nothing supersedes it.
    default = invoke("check", "-f", "json", "--select", "OF002", OVERFIT_CSV)
    assert default.exit_code == 0, default.output
    assert {f["severity"] for f in default.json()["findings"]} == {"info"}
    strict = invoke("check", "--select", "OF002", "--fail-on", "info", OVERFIT_CSV)
    assert strict.exit_code == 1, strict.output


def test_exit_zero_reports_findings_but_exits_0() -> None:
    outcome = invoke("check", "--exit-zero", OVERFIT_CSV)
    assert outcome.exit_code == 0, outcome.output
    assert "OF001" in outcome.stdout


def test_exit_zero_does_not_hide_an_unreadable_input(tmp_path: Path) -> None:
    outcome = invoke("check", "--exit-zero", "-f", "json", tmp_path / "missing")
    assert outcome.exit_code == 2, outcome.output


def test_ignore_unknown_skips_files_that_are_not_logs(tmp_path: Path) -> None:
    # What the pre-commit hook relies on: its file pattern is a wide net.
    outcome = invoke("check", "--ignore-unknown", _not_a_log(tmp_path), HEALTHY_CSV)
    assert outcome.exit_code == 0, outcome.output
    assert "notes.txt" not in outcome.output


# --------------------------------------------------------------------------- exit code 2


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "loganalyzer.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _with_config(directory: Path, text: str, *args: object) -> list[object]:
    """Write ``loganalyzer.toml`` in the working directory (discovered), return ``args``."""
    _config(directory, text)
    return list(args)


@pytest.mark.parametrize(
    ("make_args", "needles"),
    [
        pytest.param(
            lambda d: ["check", "-f", "json", d / "missing-run"],
            ["missing-run", "no such file or directory"],
            id="missing-path",
        ),
        pytest.param(
            lambda d: ["check", "-f", "json", _not_a_log(d)],
            ["notes.txt", "not a recognised training log"],
            id="not-a-log",
        ),
        pytest.param(
            lambda d: ["check", "--select", "OF9", HEALTHY_CSV],
            ["select", "'OF9'", "matches no rule"],
            id="unknown-selector",
        ),
        pytest.param(
            lambda d: ["check", "--ignore", "overfiting", HEALTHY_CSV],
            ["ignore", "'overfiting'", "did you mean 'overfitting'"],
            id="misspelt-ignore",
        ),
        pytest.param(
            lambda d: _with_config(d, "select = [\n", "check", HEALTHY_CSV),
            ["loganalyzer.toml", "invalid TOML"],
            id="broken-config-discovered",
        ),
        pytest.param(
            lambda d: ["check", "--config", _config(d, "fail-on = 3\n"), HEALTHY_CSV],
            ["loganalyzer.toml", "fail-on"],
            id="broken-config-explicit",
        ),
        pytest.param(
            lambda d: ["check", "--config", d / "nope.toml", HEALTHY_CSV],
            ["nope.toml", "not found"],
            id="missing-config",
        ),
        pytest.param(
            lambda d: ["check", "--map", "my_xent", HEALTHY_CSV],
            ["--map", "'my_xent'", "RAW=SPLIT.QUANTITY"],
            id="map-without-equals",
        ),
        pytest.param(
            lambda d: ["check", "--map", "my_xent=valid_loss", HEALTHY_CSV],
            ["metric-map", "my_xent", "valid_loss"],
            id="map-bad-key",
        ),
        pytest.param(
            lambda d: ["check", "--map", "my_xent=eval.loss", HEALTHY_CSV],
            ["metric-map", "my_xent", "split must be one of"],
            id="map-bad-split",
        ),
        pytest.param(
            lambda d: ["check", "--baseline", d / "nope.json", HEALTHY_CSV],
            ["nope.json", "baseline file not found"],
            id="missing-baseline",
        ),
    ],
)
def test_usage_config_and_input_errors_exit_2_with_one_line(tmp_path: Path, make_args, needles) -> None:
    assert_usage_error(invoke(*make_args(tmp_path)), *needles)


@pytest.mark.parametrize(("option", "value"), [("--format", "xml"), ("--fail-on", "fatal")])
def test_bad_choice_is_a_usage_error(option: str, value: str) -> None:
    # One plain line naming the option, the value and the choices (no "Value error," prefix).
    outcome = invoke("check", option, value, HEALTHY_CSV, env={"COLUMNS": "200", "TERMINAL_WIDTH": "200"})
    assert_usage_error(outcome, option, f"'{value}': expected one of")
    assert outcome.stdout == ""


def test_bad_format_from_the_environment_is_a_usage_error() -> None:
    outcome = invoke("check", HEALTHY_CSV, env={"LOGANALYZER_FORMAT": "xml", "COLUMNS": "200"})
    assert_usage_error(outcome, "LOGANALYZER_FORMAT", "'xml'")


def test_text_report_of_an_unreadable_input_still_exits_2(tmp_path: Path) -> None:
    outcome = invoke("check", tmp_path / "missing-run", HEALTHY_CSV)
    assert outcome.exit_code == 2, outcome.output
    assert "missing-run" in outcome.output
    assert "Traceback" not in outcome.output


@pytest.mark.parametrize("output_format", ["text", "concise"])
def test_text_report_of_an_unreadable_input_names_it_on_stderr(tmp_path: Path, output_format: str) -> None:
    outcome = invoke("check", "-f", output_format, tmp_path / "missing-run", HEALTHY_CSV)
    assert_usage_error(outcome, "missing-run", "no such file or directory")


def test_unknown_selector_suggests_a_close_one() -> None:
    outcome = invoke("check", "--select", "OF9", HEALTHY_CSV)
    assert_usage_error(outcome, "'OF9'", "did you mean")


@pytest.mark.parametrize(("selector", "suggestion"), [("OF01", "OF001"), ("overfit", "overfitting")])
def test_misspelt_selector_suggests_the_close_one(selector: str, suggestion: str) -> None:
    outcome = invoke("check", "--select", selector, HEALTHY_CSV)
    assert_usage_error(outcome, f"did you mean {suggestion!r}")


# --------------------------------------------------------------------------- the real console script


@pytest.mark.parametrize(
    ("make_args", "code", "stderr_needles"),
    [
        pytest.param(lambda d: ["check", HEALTHY_CSV], 0, [], id="healthy"),
        pytest.param(lambda d: ["check", OVERFIT_CSV], 1, [], id="findings"),
        pytest.param(lambda d: ["check", "--exit-zero", OVERFIT_CSV], 0, [], id="exit-zero"),
        pytest.param(
            lambda d: ["check", "-f", "json", d / "missing-run"],
            2,
            ["missing-run", "no such file"],
            id="missing",
        ),
        pytest.param(
            lambda d: ["check", "--select", "OF9", HEALTHY_CSV],
            2,
            ["'OF9'", "matches no rule"],
            id="selector",
        ),
        pytest.param(
            lambda d: _with_config(d, "selct = ['OF']\n", "check", HEALTHY_CSV),
            2,
            ["loganalyzer.toml", "'selct'", "did you mean 'select'"],
            id="config",
        ),
    ],
)
def test_console_script_exit_codes_and_stderr(tmp_path: Path, make_args, code: int, stderr_needles) -> None:
    outcome = run_console(*make_args(tmp_path), cwd=tmp_path)
    assert outcome.exit_code == code, outcome.output
    assert "Traceback" not in outcome.output
    if stderr_needles:
        assert_usage_error(outcome, *stderr_needles)
    else:
        assert outcome.stderr == ""


def test_console_script_bad_format_value(tmp_path: Path) -> None:
    outcome = run_console("check", "--format", "xml", HEALTHY_CSV, cwd=tmp_path)
    assert outcome.exit_code == 2
    assert "Traceback" not in outcome.output
    assert "'xml'" in outcome.stderr
    assert outcome.stdout == ""


# --------------------------------------------------------------------------- formats


@pytest.mark.parametrize(
    "args",
    [
        pytest.param([OVERFIT_CSV], id="overfit-csv"),
        pytest.param([OVERFIT_TB], id="overfit-tensorboard"),
        pytest.param([DIVERGE_CSV], id="diverge-nan"),
        pytest.param([HEALTHY_CSV, HEALTHY_TB], id="healthy"),
        pytest.param(["--statistics", OVERFIT_CSV, DIVERGE_CSV], id="statistics"),
        pytest.param(["--verbose", "--quiet", OVERFIT_TB], id="verbose-quiet"),
    ],
)
def test_json_report_validates_against_the_shipped_schema(args: list[object]) -> None:
    outcome = invoke("check", "--format", "json", *args)
    assert outcome.exit_code in (0, 1), outcome.output
    document = outcome.json()
    jsonschema.Draft202012Validator(SCHEMA).validate(document)
    assert document["tool"]["name"] == "loganalyzer"
    assert len(document["runs"]) == len([a for a in args if isinstance(a, Path)])


def test_json_report_with_an_input_error_validates_too(tmp_path: Path) -> None:
    outcome = invoke("check", "--format", "json", tmp_path / "missing-run", OVERFIT_CSV)
    assert outcome.exit_code == 2
    document = outcome.json()
    jsonschema.Draft202012Validator(SCHEMA).validate(document)
    assert [e["path"] for e in document["errors"]] == [str(tmp_path / "missing-run")]
    assert "OF001" in {f["rule"] for f in document["findings"]}, "the readable run is still checked"


def test_json_findings_name_canonical_and_raw_metric_of_a_tensorboard_run() -> None:
    outcome = invoke("check", "--format", "json", "--select", "OF001", OVERFIT_TB)
    (finding,) = outcome.json()["findings"]
    assert finding["metric"] == "validation.loss"
    assert finding["raw_metric"] == "epoch_loss"
    assert finding["category"] == "overfitting"
    assert finding["source"].endswith(".v2")
    assert "/validation/" in finding["source"]
    assert finding["remedies"] and {"id", "title", "detail"} <= set(finding["remedies"][0])


@pytest.mark.parametrize("output_format", list(REPORTERS))
def test_every_format_reports_the_finding_and_keeps_the_exit_code(output_format: str) -> None:
    outcome = invoke("check", "--format", output_format, "--select", "OF001", OVERFIT_CSV)
    assert outcome.exit_code == 1, outcome.output
    assert "OF001" in outcome.stdout
    assert outcome.stderr == ""


def test_output_file_gets_the_report_and_stdout_stays_empty(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    written = invoke("check", "--format", "json", "--output", target, OVERFIT_CSV)
    assert written.exit_code == 1
    assert written.stdout == ""
    printed = invoke("check", "--format", "json", OVERFIT_CSV)
    assert json.loads(target.read_text(encoding="utf-8")) == printed.json()


def test_output_dash_means_stdout() -> None:
    outcome = invoke("check", "--format", "json", "-o", "-", OVERFIT_CSV)
    assert outcome.exit_code == 1
    assert "OF001" in {f["rule"] for f in outcome.json()["findings"]}


def test_output_into_a_missing_directory_is_exit_2(tmp_path: Path) -> None:
    outcome = invoke("check", "-o", tmp_path / "no" / "such" / "report.txt", HEALTHY_CSV)
    assert_usage_error(outcome, "report.txt", "cannot write")


def test_format_from_the_environment_and_the_option_wins() -> None:
    from_env = invoke("check", OVERFIT_CSV, env={"LOGANALYZER_FORMAT": "json"})
    assert from_env.exit_code == 1
    assert "OF001" in from_env.rules()
    option_wins = invoke("check", "--format", "concise", OVERFIT_CSV, env={"LOGANALYZER_FORMAT": "json"})
    assert not option_wins.stdout.lstrip().startswith("{")
    assert re.search(r":\d+: OF001 ", option_wins.stdout), option_wins.stdout


def test_statistics_count_every_rule_in_text_and_json() -> None:
    args = ("--statistics", OVERFIT_CSV, DIVERGE_CSV)
    document = invoke("check", "--format", "json", *args).json()
    expected = Counter(f["rule"] for f in document["findings"])
    assert sum(expected.values()) >= 3 and len(expected) >= 2, "the fixtures should give a real table"
    assert {row["code"]: row["count"] for row in document["statistics"]} == expected
    text = invoke("check", *args).stdout
    assert "statistics" in text
    rows = dict(
        (code, int(count)) for count, code in re.findall(r"^\s+(\d+)\s+([A-Z]{2}\d{3})\s", text, re.M)
    )
    assert rows == expected
    plain = invoke("check", "--format", "json", OVERFIT_CSV, DIVERGE_CSV).json()
    assert "statistics" not in plain
    assert "statistics" not in invoke("check", OVERFIT_CSV).stdout


def test_quiet_keeps_findings_and_drops_the_summary() -> None:
    loud = invoke("check", OVERFIT_CSV)
    quiet = invoke("check", "--quiet", OVERFIT_CSV)
    assert quiet.exit_code == loud.exit_code == 1
    assert "Found" in loud.stdout
    assert "Found" not in quiet.stdout
    for code in set(re.findall(r"\b[A-Z]{2}\d{3}\b", loud.stdout)):
        assert code in quiet.stdout


def test_quiet_on_a_healthy_run_prints_nothing() -> None:
    outcome = invoke("check", "-q", HEALTHY_CSV)
    assert outcome.exit_code == 0
    assert outcome.stdout.strip() == ""


def test_verbose_lists_the_skipped_rules_with_their_reasons() -> None:
    skipped = invoke("check", "--format", "json", HEALTHY_CSV).json()["skipped"]
    assert skipped, "the healthy CSV fixture has no memory or timing columns, so some rules must skip"
    verbose = invoke("check", "--verbose", HEALTHY_CSV).stdout
    for entry in skipped:
        assert re.search(rf"skipped\s+{entry['rule']}\b.*{re.escape(entry['reason'])}", verbose), entry
    assert "skipped" not in invoke("check", HEALTHY_CSV).stdout


def test_reports_written_to_a_file_or_pipe_have_no_ansi_escapes(tmp_path: Path) -> None:
    target = tmp_path / "report.txt"
    invoke("check", "-o", target, OVERFIT_CSV)
    assert not ANSI.search(target.read_text(encoding="utf-8"))
    assert not ANSI.search(invoke("check", OVERFIT_CSV).stdout)


def _on_a_terminal(args: list[str], env: dict[str, str]) -> bytes:
    """Run the console script with stdout on a pseudo-terminal; return what it printed there."""
    pty = pytest.importorskip("pty", reason="needs a POSIX pseudo-terminal")
    if not CONSOLE_SCRIPT.exists():
        pytest.skip(f"console script {CONSOLE_SCRIPT} is not installed")
    controller, terminal = pty.openpty()
    environment = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    environment["TERM"] = "xterm-256color"
    try:
        process = subprocess.Popen(
            [os.fspath(CONSOLE_SCRIPT), *args],
            stdout=terminal,
            stderr=subprocess.DEVNULL,
            env={**environment, **env},
        )
    finally:
        os.close(terminal)
    chunks = []
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # EIO once the child closed its side
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(controller)
    assert process.wait(timeout=120) == 1
    return b"".join(chunks)


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
@pytest.mark.parametrize(
    ("extra", "env", "coloured"),
    [
        pytest.param([], {}, True, id="terminal"),
        pytest.param(["--no-color"], {}, False, id="no-color-option"),
        pytest.param([], {"NO_COLOR": "1"}, False, id="NO_COLOR"),
        pytest.param([], {"NO_COLOR": ""}, True, id="empty-NO_COLOR-is-unset"),
        pytest.param([], {"TERM": "dumb"}, False, id="TERM=dumb"),
        pytest.param([], {"TERM": "dumb", "FORCE_COLOR": "1"}, False, id="dumb-terminal-beats-FORCE_COLOR"),
    ],
)
def test_colour_only_on_a_terminal_and_never_when_switched_off(extra, env, coloured: bool) -> None:
    printed = _on_a_terminal(["check", *extra, os.fspath(OVERFIT_CSV)], env)
    assert b"OF001" in printed
    assert bool(re.search(rb"\x1b\[", printed)) is coloured


@pytest.mark.parametrize(
    "args", [["--version"], ["--version", "rules"]], ids=["fast-path", "typer-eager-option"]
)
def test_console_script_version(args: list[str]) -> None:
    from loganalyzer import __version__

    outcome = run_console(*args)
    assert outcome.exit_code == 0, outcome.output
    assert outcome.stdout == f"loganalyzer {__version__}\n"


@pytest.mark.parametrize(
    ("env", "coloured"),
    [
        pytest.param({"FORCE_COLOR": "1"}, True, id="FORCE_COLOR-into-a-pipe"),
        pytest.param({"FORCE_COLOR": "0"}, False, id="FORCE_COLOR=0"),
        pytest.param({"FORCE_COLOR": "1", "NO_COLOR": "1"}, False, id="NO_COLOR-beats-FORCE_COLOR"),
    ],
)
def test_force_color_colours_a_pipe_unless_colour_is_switched_off(
    env: dict[str, str], coloured: bool
) -> None:
    outcome = run_console("check", OVERFIT_CSV, env={"TERM": "xterm", "NO_COLOR": "", **env})
    assert outcome.exit_code == 1
    assert bool(re.search(r"\x1b\[", outcome.stdout)) is coloured


def test_check_without_a_path_checks_the_current_directory(tmp_path: Path) -> None:
    (tmp_path / "runs").mkdir()
    (tmp_path / "runs" / "training.log").write_bytes((OVERFIT_CSV / "training.log").read_bytes())
    outcome = invoke("check", "--format", "json")
    assert outcome.exit_code == 1
    assert "OF001" in outcome.rules()
    assert {run["name"] for run in outcome.json()["runs"]} == {"runs/training.log"}


@pytest.mark.parametrize(
    ("args", "options"),
    [
        ([OVERFIT_CSV], {}),
        ([OVERFIT_CSV], {"exit_zero": True}),
        ([HEALTHY_CSV], {}),
        ([OVERFIT_CSV, "missing.log"], {}),
        ([OVERFIT_CSV, "--fail-on", "error"], {"config": {"fail-on": "error"}}),
    ],
)
def test_the_python_api_gives_the_cli_exit_code(args: list[object], options: dict[str, object]) -> None:
    from loganalyzer import api

    cli = invoke("check", "--format", "json", *args, *(["--exit-zero"] if options.get("exit_zero") else []))
    paths = [a for a in args if not str(a).startswith("--") and str(a) != "error"]
    result = api.check(paths, options.get("config"), exit_zero=bool(options.get("exit_zero")))  # type: ignore[arg-type]
    assert result.exit_code == cli.exit_code
    assert sorted(f.rule for f in result.analysis.findings) == sorted(
        f["rule"] for f in cli.json()["findings"]
    )


def test_the_python_api_applies_baselines_and_ignore_unknown(tmp_path: Path) -> None:
    from loganalyzer import api

    baseline = tmp_path / "baseline.json"
    first = api.check([OVERFIT_CSV], write_baseline=os.fspath(baseline))
    assert first.exit_code == 1 and first.recorded == len(first.analysis.findings) > 0
    again = api.check([OVERFIT_CSV], baseline=os.fspath(baseline))
    assert again.exit_code == 0 and again.hidden == first.recorded and not again.analysis.findings
    note = tmp_path / "notes.txt"
    note.write_text("not a log\n")
    assert api.check([HEALTHY_CSV, note]).exit_code == 2
    assert api.check([HEALTHY_CSV, note], ignore_unknown=True).exit_code == 0
