"""Nothing from a log becomes markup or script, on every page kind (the XSS tests)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from loganalyzer.api import analyze
from loganalyzer.cli import app
from loganalyzer.report import html
from loganalyzer.report.html import _escape
from loganalyzer.report.plot import render_image
from tests.report.html.helpers import FIXTURES, IMAGE, SCRIPT, assert_inert, hostile_analysis, hostile_log

pytest.importorskip("matplotlib")


def test_check_format_html_on_a_hostile_log(tmp_path: Path) -> None:
    log = hostile_log(tmp_path)
    out = tmp_path / "check.html"
    result = CliRunner().invoke(app, ["check", "--format", "html", "-o", str(out), str(log)])
    assert result.exit_code == 1, result.output  # the log overfits
    page = out.read_text()
    assert_inert(page, scripts=1)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'data-finding="OF001"' in page  # the finding is drawn despite the hostile names


def test_report_command_many_runs_page_with_a_hostile_run(tmp_path: Path) -> None:
    log = hostile_log(tmp_path)
    out = tmp_path / "report.html"
    result = CliRunner().invoke(
        app, ["report", "-o", str(out), str(log), str(FIXTURES / "memleak-keras-csv")]
    )
    assert result.exit_code == 0, result.output
    page = out.read_text()
    assert_inert(page, scripts=1)
    assert 'id="runs-table"' in page


def test_overview_page_for_an_audit(tmp_path: Path) -> None:
    rows = html.summarize(analyze(hostile_log(tmp_path))) + html.summarize(
        hostile_analysis(), first_position=1
    )
    page = html.render_overview(rows, title=SCRIPT)
    assert_inert(page, scripts=1)
    assert [row.anchor for row in rows] == ["run-1", "run-2"]


def test_synthetic_analysis_with_markup_everywhere() -> None:
    analysis = hostile_analysis()
    assert_inert(html.render(analysis), scripts=1)
    assert_inert(analysis._repr_html_(), scripts=0)


def test_plot_svg_escapes_labels(tmp_path: Path) -> None:
    svg = render_image(hostile_analysis(), hostile_analysis().runs[0].name, "svg").decode()
    assert "<script" not in svg and "<img" not in svg
    assert "&lt;script&gt;" in svg


def test_script_json_cannot_close_its_script_element() -> None:
    encoded = _escape.script_json({"name": SCRIPT, "other": IMAGE + "&"})
    assert "<" not in encoded and ">" not in encoded and "&" not in encoded
    assert "\\u003c/script\\u003e" in encoded


@pytest.mark.parametrize("raw", [SCRIPT, "a$x^2$b", "tab\tand\x1bescape", "x" * 200])
def test_labels_for_matplotlib_are_printable_and_bounded(raw: str) -> None:
    drawn = _escape.label(raw)
    assert "\x1b" not in drawn and len(drawn) <= 60
    assert drawn.count("$") == drawn.count("\\$")  # no mathtext: every dollar escaped


def test_the_inspector_catches_markup_that_got_through() -> None:
    with pytest.raises(AssertionError):
        assert_inert(f"<p>{IMAGE}</p><p>alert(1)</p>", scripts=0)
    with pytest.raises(AssertionError):
        assert_inert(f"<p>{SCRIPT}</p>", scripts=0)
