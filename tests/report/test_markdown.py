"""Markdown: escaping that keeps tables intact and log text inert."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from loganalyzer.report import markdown
from loganalyzer.report.options import RenderOptions
from tests.report import analyses


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("val_loss", "val\\_loss"),
        ("a|b", "a\\|b"),
        ("*bold* [link](x) `code`", "\\*bold\\* \\[link\\](x) \\`code\\`"),
        ("<script>&amp;", "&lt;script&gt;&amp;amp;"),
        ("back\\slash", "back\\\\slash"),
        ("~~strike~~", "\\~\\~strike\\~\\~"),
        ("esc\x1b[31m", "esc\\\\x1b\\[31m"),
    ],
)
def test_text_escaping(raw: str, expected: str) -> None:
    assert markdown.text(raw) == expected


def test_text_in_a_cell_keeps_line_breaks_as_br() -> None:
    assert markdown.text("one\ntwo|three", cell=True) == "one<br>two\\|three"


@pytest.mark.parametrize(
    ("raw", "expected", "cell"),
    [
        ("runs/a.csv", "`runs/a.csv`", False),
        ("a`b", "``a`b``", False),
        ("`start", "`` `start ``", False),
        ("a|b", "`a\\|b`", True),
        ("a|b", "`a|b`", False),
        ("two\nlines", "`two lines`", False),
    ],
)
def test_code_spans(raw: str, expected: str, cell: bool) -> None:
    assert markdown.code(raw, cell=cell) == expected


def _table_rows(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("|")]


def test_every_table_row_has_the_header_s_number_of_cells() -> None:
    text = markdown.render(analyses.mixed(), RenderOptions(verbose=True, statistics=True))
    tables: list[list[str]] = []
    previous = False
    for line in text.splitlines():
        is_row = line.startswith("|")
        if is_row and not previous:
            tables.append([])
        if is_row:
            tables[-1].append(line)
        previous = is_row
    assert len(tables) == 5  # categories, two runs, skipped, statistics
    for table in tables:
        widths = {len(re.split(r"(?<!\\)\|", row)) for row in table}
        assert len(widths) == 1, table


def test_summary_and_sections() -> None:
    text = markdown.render(analyses.mixed())
    assert text.startswith("## loganalyzer\n\n\u274c **Found 5 findings in 2 of 3 runs")
    assert f"### `{analyses.CSV_RUN}`" in text and f"### `{analyses.TB_RUN}`" in text
    assert "| **Total** | **1** | **3** | **1** |" in text
    assert text.count("<details>") == text.count("</details>") == 8  # 7 remedies + clean runs
    assert "<summary><b>Clip the gradient norm</b> (DV001, LS001)</summary>" in text


def test_errors_section_and_quiet() -> None:
    text = markdown.render(analyses.troubled())
    assert "### Could not check" in text
    assert "\x1b" not in text and "\x00" not in text
    quiet = markdown.render(analyses.mixed(), RenderOptions(quiet=True))
    assert not quiet.startswith("## loganalyzer") and quiet.startswith("### `runs/exp1/history.csv`")
    assert markdown.render(analyses.clean(), RenderOptions(quiet=True)) == ""


def test_a_remedy_is_spelled_out_once_and_named_in_later_runs() -> None:
    analysis = analyses.mixed()
    overfit = next(f for f in analysis.findings if f.rule == "OF001")
    again = replace(overfit, run="runs/exp9/history.csv", source="runs/exp9/history.csv")
    text = markdown.render(replace(analysis, findings=(*analysis.findings, again)))
    assert text.count("restore_best_weights=True") == 1
    later = text[text.index("### `runs/exp9/history.csv`") :]
    assert "<details>" not in later.split("### ")[1]
    assert (
        "Also applies (snippets above): Stop at the best validation epoch and restore its weights (OF001);"
        in later
    )
