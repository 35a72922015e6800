"""GitHub workflow commands: escaping exactly as @actions/core does, one annotation per finding."""

from __future__ import annotations

from dataclasses import replace

import pytest

from loganalyzer.model.finding import Location, Severity
from loganalyzer.report import github
from loganalyzer.report.options import RenderOptions
from tests.report import analyses


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("plain text", "plain text"),
        ("100%", "100%25"),
        ("%0A is literal", "%250A is literal"),
        ("line one\nline two", "line one%0Aline two"),
        ("windows\r\nnewline", "windows%0D%0Anewline"),
        ("a: b, c", "a: b, c"),
        ("::error::nested", "::error::nested"),
    ],
)
def test_escape_data(raw: str, escaped: str) -> None:
    assert github.escape_data(raw) == escaped


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("runs/exp1/history.csv", "runs/exp1/history.csv"),
        ("a:b", "a%3Ab"),
        ("a,b", "a%2Cb"),
        ("50%", "50%25"),
        ("x\ny\rz", "x%0Ay%0Dz"),
        ("C:\\logs\\a,b.csv", "C%3A\\logs\\a%2Cb.csv"),
        ("%3A", "%253A"),
    ],
)
def test_escape_property(raw: str, escaped: str) -> None:
    assert github.escape_property(raw) == escaped


def test_command_layout() -> None:
    line = github.command("warning", {"file": "a,b.csv", "line": 3, "title": "x: y"}, "50% done\nnext")
    assert line == "::warning file=a%2Cb.csv,line=3,title=x%3A y::50%25 done%0Anext"
    assert github.command("error", {}, "bare") == "::error::bare"


def test_one_annotation_per_finding_worst_first() -> None:
    lines = github.render(analyses.mixed()).splitlines()
    assert [line.split(" ", 1)[0] for line in lines] == [
        "::error",
        "::warning",
        "::warning",
        "::warning",
        "::notice",
    ]
    assert all("\n" not in line and "\r" not in line for line in lines)


def test_lines_only_where_the_log_has_lines() -> None:
    lines = github.render(analyses.mixed()).splitlines()
    overfit = next(line for line in lines if "OF001" in line)
    assert overfit.startswith(
        "::warning file=runs/exp1/history.csv,line=14,title=loganalyzer OF001 (overfitting-gap)::"
    )
    divergence = lines[0]
    assert "line=" not in divergence.split("::")[1]
    assert "byte 4096" in divergence


def test_errors_are_error_annotations_and_control_characters_are_neutralised() -> None:
    text = github.render(analyses.troubled())
    assert "\x1b" not in text and "\x00" not in text
    lines = text.splitlines()
    assert lines[0] == (
        "::error file=logs/broken.csv,title=loganalyzer%3A unreadable input::"
        "not a recognised training log (expected a CSV header)"
    )
    assert lines[2].startswith("::error title=loganalyzer%3A rule DV001 failed::")


def test_skipped_rules_are_debug_lines_only_when_verbose() -> None:
    assert "::debug::" not in github.render(analyses.troubled())
    verbose = github.render(analyses.troubled(), RenderOptions(verbose=True))
    assert verbose.count("::debug::rule ") == 2


def test_overflow_past_the_annotation_limit_is_announced() -> None:
    analysis = analyses.mixed()
    spike = next(f for f in analysis.findings if f.rule == "LS001")
    many = tuple(
        replace(spike, start_step=1000 + i, location=Location(spike.location.source, byte_offset=i))
        for i in range(12)
    )
    text = github.render(replace(analysis, findings=analysis.findings + many))
    last = text.splitlines()[-1]
    assert last.startswith("::notice title=loganalyzer%3A more findings than annotations::")
    assert "so 5 warnings are not shown" in last  # 3 + 12 warnings, 10 shown
    assert sum(1 for line in text.splitlines() if line.startswith("::warning")) == 15


def test_a_clean_analysis_prints_nothing() -> None:
    assert github.render(analyses.clean()) == ""


def test_severity_commands() -> None:
    assert github.COMMANDS == {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
