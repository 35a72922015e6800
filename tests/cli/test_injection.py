"""Names from a log are untrusted: one injection test per output format, end to end.

The log lives in a directory whose name carries terminal escapes (a screen
clear, an OSC 8 hyperlink, a bare CR, a right-to-left override), a GitHub
workflow command, a percent-encoded newline, Markdown table breakers and the
end of an XML CDATA section; its extra columns are named like spreadsheet
formulas. Every format must keep its own grammar intact.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from loganalyzer.report._sanitize import one_line, printable, spreadsheet_cell, xml_safe
from tests.cli.helpers import OVERFIT_CSV, invoke

HOSTILE_DIR = (
    "run \x1b[2J\x1b]8;;evil\x07click\x1b]8;;\x07 \r::add-mask::secret %0A::error::forged "
    "| `tick` ]]> & <b> \x01\u202e\x9b31m\n::warning::line"
)
FORMULA_COLUMNS = ("=HYPERLINK(1)", "+1+2", "-3+4", "@SUM(1)")

#: Characters no terminal-bound output may contain.
TERMINAL_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]")


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    """An overfitting Keras CSV log under the hostile directory, with formula-named extra columns."""
    directory = tmp_path / "logs" / HOSTILE_DIR
    directory.mkdir(parents=True)
    source = (OVERFIT_CSV / "training.log").read_text().splitlines()
    lines = [source[0] + "," + ",".join(FORMULA_COLUMNS)]
    lines += [
        row + "," + ",".join(str(i + k) for k in range(len(FORMULA_COLUMNS)))
        for i, row in enumerate(source[1:])
    ]
    (directory / "training.log").write_text("\n".join(lines) + "\n")
    return directory


def _check(hostile: Path, fmt: str) -> str:
    outcome = invoke("check", hostile, "--format", fmt)
    assert outcome.exit_code == 1, outcome.output  # the overfitting is found; nothing broke
    assert "Traceback" not in outcome.output
    return outcome.stdout


@pytest.mark.parametrize("fmt", ["text", "concise"])
def test_terminal_formats_show_escapes_instead_of_running_them(hostile: Path, fmt: str) -> None:
    out = _check(hostile, fmt)
    assert not TERMINAL_CONTROLS.search(out)
    assert "\\x1b[2J" in out  # shown, visibly, not executed
    assert not any(line.startswith(("::", "\u202e")) for line in out.splitlines())


def test_github_annotations_cannot_start_a_workflow_command(hostile: Path) -> None:
    out = _check(hostile, "github")
    commands = [line for line in out.splitlines() if line.startswith("::")]
    assert commands, out
    assert {line.split(" ", 1)[0].split("::")[1] for line in commands} <= {
        "error",
        "warning",
        "notice",
        "debug",
        "group",
        "endgroup",
    }
    assert not any(line.startswith("::add-mask") for line in out.splitlines())
    assert "%250A" in out  # a literal "%0A" in a name stays literal text
    assert not TERMINAL_CONTROLS.search(out)


def test_markdown_tables_keep_their_columns(hostile: Path) -> None:
    out = _check(hostile, "markdown")
    assert not TERMINAL_CONTROLS.search(out)
    for table in re.findall(r"(?:^\|.*\|$\n?)+", out, flags=re.MULTILINE):
        rows = table.strip("\n").split("\n")
        widths = {len(re.findall(r"(?<!\\)\|", row)) for row in rows}
        assert len(widths) == 1, table  # no row gained or lost a column


def test_junit_stays_well_formed_xml(hostile: Path) -> None:
    out = _check(hostile, "junit")
    root = ET.fromstring(out.encode())
    text = ET.tostring(root, encoding="unicode")
    assert "]]>" in "".join(root.itertext()) + "".join(v for e in root.iter() for v in e.attrib.values())
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", text)


@pytest.mark.parametrize("fmt", ["json", "sarif", "gitlab"])
def test_json_formats_stay_valid_and_keep_the_name(hostile: Path, fmt: str) -> None:
    out = _check(hostile, fmt)
    document = json.loads(out)
    assert HOSTILE_DIR in json.dumps(document, ensure_ascii=False) or HOSTILE_DIR in out.encode().decode(
        "unicode_escape", errors="ignore"
    )
    assert "\x1b" not in out  # JSON escapes controls: raw bytes never reach a terminal that cats it


def test_inspect_text_and_json(hostile: Path) -> None:
    text = invoke("inspect", hostile)
    assert text.exit_code == 0, text.output
    assert not TERMINAL_CONTROLS.search(text.stdout)
    assert "=HYPERLINK(1)" in text.stdout
    document = invoke("inspect", hostile, "--format", "json").json()
    assert {s["raw_name"] for s in document["runs"][0]["series"]} >= set(FORMULA_COLUMNS)


def test_csv_export_neutralises_formulas(hostile: Path) -> None:
    outcome = invoke("export", hostile, "-o", "-")
    assert outcome.exit_code == 0, outcome.output
    rows = list(csv.DictReader(io.StringIO(outcome.stdout)))
    raw_names = {row["raw_name"] for row in rows}
    assert {"'" + name for name in FORMULA_COLUMNS} <= raw_names
    dangerous = ("=", "+", "-", "@", "\t", "\r")
    for row in rows:
        for column in ("run", "metric", "split", "quantity", "raw_name", "source"):
            assert not row[column].startswith(dangerous), row
    assert any(row["value"].startswith("-") for row in rows) or all(
        float(row["value"]) >= 0 for row in rows
    )  # numbers are never prefixed


def test_parquet_export_keeps_names_exact(hostile: Path, tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    import pandas as pd

    target = tmp_path / "out.parquet"
    assert invoke("export", hostile, "-o", target).exit_code == 0
    assert set(FORMULA_COLUMNS) <= set(pd.read_parquet(target)["raw_name"])


def test_error_line_for_a_hostile_file_name_is_one_clean_line(tmp_path: Path) -> None:
    bad = tmp_path / "events.out.tfevents.1.host\n::error::forged \x1b[2J"
    bad.write_bytes(b"")
    good = tmp_path / "ok"
    shutil.copytree(OVERFIT_CSV, good)
    outcome = invoke("check", bad, good, "--format", "json")
    assert outcome.exit_code == 2
    assert json.loads(outcome.stdout)["findings"]  # the readable input is still analysed
    lines = outcome.stderr_lines()
    assert len(lines) == 1 and lines[0].startswith("loganalyzer: error: "), outcome.stderr
    assert "\x1b" not in outcome.stderr and "\\x1b[2J" in lines[0]


def test_sanitizers() -> None:
    assert printable("a\x1b[31mb\u202ec\ud800") == "a\\x1b[31mb\\u202ec\\ud800"
    assert printable("two\nlines\tx") == "two\nlines\tx"
    assert one_line("two\nlines\tx\r") == "two\\nlines\\tx\\r"
    assert xml_safe("a\x00b\x1fc\ufffed]]>") == "abcd]]>"
    assert [spreadsheet_cell(t) for t in ("=1", "+1", "-1", "@a", "\tx", "\rx", "ok", "")] == [
        "'=1",
        "'+1",
        "'-1",
        "'@a",
        "'\tx",
        "'\rx",
        "ok",
        "",
    ]
