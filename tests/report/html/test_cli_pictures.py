"""``loganalyzer report``, ``plot`` and ``check --format html`` from the command line."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from loganalyzer.cli import app
from loganalyzer.report.html import INSTALL_HINT
from tests.report.html.helpers import FIXTURES

pytest.importorskip("matplotlib")

OVERFIT = FIXTURES / "overfit-keras-csv"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_report_writes_one_page_and_says_so(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    code, stdout, stderr = run("report", str(OVERFIT), "-o", str(out))
    assert code == 0 and stdout == ""
    assert stderr.strip() == f"loganalyzer: wrote {out} (1 run(s), 5 finding(s))"
    assert out.read_text().startswith("<!DOCTYPE html>")


def test_report_on_an_unreadable_input_still_writes_the_page(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    missing = tmp_path / "missing.csv"
    code, _, stderr = run("report", str(OVERFIT), str(missing), "-o", str(out))
    assert code == 2
    assert f"loganalyzer: error: {missing}" in stderr and "Traceback" not in stderr
    page = out.read_text()
    assert "Problems reading the input" in page and 'data-finding="OF001"' in page


def test_report_refuses_to_overwrite_an_input(tmp_path: Path) -> None:
    log = tmp_path / "training.log"
    log.write_bytes((OVERFIT / "training.log").read_bytes())
    before = log.read_bytes()
    code, _, stderr = run("report", str(log), "-o", str(log))
    assert code == 2 and "refusing to overwrite an input log" in stderr
    assert log.read_bytes() == before


def test_check_format_html(tmp_path: Path) -> None:
    out = tmp_path / "c.html"
    code, _, _ = run("check", "--format", "html", str(OVERFIT), "-o", str(out))
    assert code == 1  # findings: the gate still works with a picture as its report
    assert 'data-finding="OF001"' in out.read_text()


@pytest.mark.parametrize(("suffix", "magic"), [(".png", b"\x89PNG"), (".svg", b"<?xml"), (".pdf", b"%PDF")])
def test_plot_writes_the_image_its_extension_names(tmp_path: Path, suffix: str, magic: bytes) -> None:
    out = tmp_path / f"curves{suffix}"
    code, _, stderr = run("plot", str(OVERFIT), "-o", str(out))
    assert code == 0, stderr
    assert out.read_bytes().startswith(magic)
    assert "5 finding(s)" in stderr


def test_plot_needs_one_run(tmp_path: Path) -> None:
    out = tmp_path / "c.png"
    code, _, stderr = run("plot", str(FIXTURES), "-o", str(out))
    assert code == 2 and "choose one with --run" in stderr and not out.exists()
    code, _, stderr = run("plot", str(FIXTURES), "--run", "fixtures-nope", "-o", str(out))
    assert code == 2 and "no run named 'fixtures-nope'" in stderr
    name = f"{OVERFIT}/training.log"
    code, _, stderr = run("plot", str(FIXTURES), "--run", name, "-o", str(out))
    assert code == 0, stderr
    assert out.read_bytes().startswith(b"\x89PNG")


def test_plot_rejects_an_unknown_image_format(tmp_path: Path) -> None:
    code, _, stderr = run("plot", str(OVERFIT), "-o", str(tmp_path / "c.gif"))
    assert code == 2
    assert stderr.strip().endswith("the image format comes from the extension: .png, .svg or .pdf")


@pytest.mark.parametrize(
    "args",
    [
        ("report", str(OVERFIT), "-o", "r.html"),
        ("plot", str(OVERFIT), "-o", "c.png"),
        ("check", "-f", "html", str(OVERFIT)),
    ],
)
def test_without_matplotlib_one_line_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now raises ImportError
    code, stdout, stderr = run(*args)
    assert code == 2 and stdout == ""
    assert stderr == f"loganalyzer: error: {INSTALL_HINT}\n"
    assert "pip install 'loganalyzer-ml[report]'" in INSTALL_HINT
    assert list(tmp_path.iterdir()) == []
