"""The registry, the reporter contract, determinism and the import layering of ``report``."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

import pytest

from loganalyzer.model.finding import Analysis
from loganalyzer.report import REPORTERS
from loganalyzer.report.options import RenderOptions
from tests.report import analyses
from tests.report.golden import render_all

MACHINE = ("json", "sarif", "junit", "gitlab")


def test_registry_is_exactly_the_documented_formats() -> None:
    assert list(REPORTERS) == ["text", "concise", "json", "sarif", "junit", "github", "gitlab", "markdown"]


@pytest.mark.parametrize("name", sorted(analyses.ANALYSES))
def test_every_reporter_returns_newline_terminated_text(name: str) -> None:
    for fmt, text in render_all(analyses.ANALYSES[name]()).items():
        assert isinstance(text, str)
        assert text == "" or text.endswith("\n"), fmt


def test_an_empty_analysis_renders_everywhere() -> None:
    rendered = render_all(Analysis(runs=(), findings=()))
    assert rendered["text"] == "No runs checked.\n"
    assert rendered["gitlab"] == "[]\n"


@pytest.mark.parametrize("name", sorted(analyses.ANALYSES))
def test_output_does_not_depend_on_the_order_of_the_analysis(name: str) -> None:
    analysis = analyses.ANALYSES[name]()
    shuffled = replace(
        analysis,
        runs=analysis.runs[::-1],
        findings=analysis.findings[::-1],
        skipped=analysis.skipped[::-1],
        rule_errors=analysis.rule_errors[::-1],
        rules=analysis.rules[::-1],
    )
    options = RenderOptions(verbose=True, statistics=True)
    assert render_all(shuffled, options) == render_all(analysis, options)


@pytest.mark.parametrize("fmt", MACHINE)
def test_machine_formats_ignore_human_switches(fmt: str) -> None:
    analysis = analyses.mixed()
    plain = render_all(analysis, RenderOptions(), [fmt])
    switched = render_all(analysis, RenderOptions(verbose=True, color=True, quiet=True), [fmt])
    assert plain == switched


def test_report_imports_no_pandas_engine_or_readers() -> None:
    """``loganalyzer.report`` imports every reporter; none may pull in pandas or an earlier stage."""
    forbidden = (
        "pandas",
        "loganalyzer.engine",
        "loganalyzer.ingest",
        "loganalyzer.detectors",
        "loganalyzer.api",
    )
    code = (
        "import sys\nfrom loganalyzer.report import REPORTERS\n[REPORTERS[name] for name in REPORTERS]\n"
        f"bad = [m for m in sorted(sys.modules) if m.startswith({forbidden!r})]\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
