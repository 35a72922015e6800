"""``--help`` at 80 columns reads like a linter's help, and output into a closed pipe ends quietly."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from loganalyzer.cli import ExportFormat, FailOn, InspectFormat
from loganalyzer.report import FORMATS
from tests.cli.helpers import CONSOLE_SCRIPT, HEALTHY_CSV, OVERFIT_CSV, REPO, invoke

COMMANDS = ["check", "inspect", "export", "rules", "explain"]


def _help(command: str) -> str:
    outcome = invoke(command, "--help", env={"COLUMNS": "80", "TERMINAL_WIDTH": "80"})
    assert outcome.exit_code == 0, outcome.output
    return outcome.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_help_fits_80_columns_without_python_types(command: str) -> None:
    text = _help(command)
    assert all(len(line) <= 80 for line in text.splitlines()), text
    assert not re.search(r"<(bool|str|list\[str\]|int)>", text), text
    assert "…" not in text, text  # no help word cut short by the column width


def test_check_help_keeps_brackets_and_lists_choices_whole() -> None:
    text = _help("check")
    flat = " ".join(text.replace("│", " ").split())
    assert "[tool.loganalyzer]" in flat and "[default: warning]" in flat
    for choice in [*FORMATS, *(level.value for level in FailOn)]:
        assert re.search(rf"\b{choice}\b", flat), choice  # never split across lines
    assert "--output-format" in flat and "--output-file" in flat


@pytest.mark.parametrize(("command", "choices"), [("inspect", InspectFormat), ("export", ExportFormat)])
def test_other_commands_list_their_choices(command: str, choices: type) -> None:
    flat = " ".join(_help(command).replace("│", " ").split())
    for choice in choices:
        assert re.search(rf"\b{choice.value}\b", flat)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (
            ["check", "--format", "xml"],
            "--format (or LOGANALYZER_FORMAT) 'xml': expected one of text, concise",
        ),
        (["check", "--fail-on", "fatal"], "--fail-on 'fatal': expected one of info, warning, error"),
        (["inspect", "--format", "yaml"], "--format 'yaml': expected one of text, json"),
        (["export", "-o", "x.tsv", "--format", "tsv"], "--format 'tsv': expected one of csv, parquet"),
    ],
)
def test_a_bad_choice_is_one_plain_line(args: list[str], needle: str) -> None:
    outcome = invoke(*args, HEALTHY_CSV)
    assert outcome.exit_code == 2
    assert (
        outcome.stderr.strip() == f"loganalyzer: error: {needle}" + outcome.stderr.strip().split(needle, 1)[1]
    )
    assert "Value error" not in outcome.output and outcome.stdout == ""


def test_ruff_spellings_are_aliases(tmp_path) -> None:  # type: ignore[no-untyped-def]
    report = tmp_path / "report.json"
    outcome = invoke("check", "--output-format", "json", "--output-file", report, OVERFIT_CSV)
    assert outcome.exit_code == 1 and outcome.stdout == ""
    assert '"OF001"' in report.read_text()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX pipes")
@pytest.mark.parametrize(
    "args",
    [
        ["export", "-o", "-", REPO / "fixtures"],
        ["inspect", REPO / "fixtures"],
        ["check", "--format", "json", REPO / "fixtures"],
    ],
    ids=["export", "inspect", "check"],
)
def test_a_closed_pipe_ends_quietly_with_exit_0(args: list[object]) -> None:
    if not CONSOLE_SCRIPT.exists():
        pytest.skip(f"console script {CONSOLE_SCRIPT} is not installed (pip install -e .)")
    with subprocess.Popen(
        [os.fspath(CONSOLE_SCRIPT), *map(os.fspath, args)],  # type: ignore[arg-type]
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        process.stdout.close()  # the reader is gone before anything was read, as `| head -0`
        stderr = process.stderr.read().decode()
        assert process.wait(timeout=120) == 0, stderr
    assert "Traceback" not in stderr and "Broken pipe" not in stderr and "error" not in stderr
