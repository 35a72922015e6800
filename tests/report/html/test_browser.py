"""The report in a real headless browser: Debian's chromium, driven by Playwright (no browser download).

Checks what only a browser can: the page parses and runs without a console
error, requests nothing from the network, every finding's annotation is in
the DOM, the table sorts and filters, hostile names stay text. Screenshots
(light, dark, print) are saved under the test's tmp dir for a human to look at.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from loganalyzer.cli import app
from tests.report.html.helpers import FIXTURES, SCRIPT, hostile_log

pytest.importorskip("matplotlib")

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

#: One fixture per kind of annotation.
RUNS = [
    "overfit-keras-csv",
    "diverge-nan-keras-csv",
    "diverge-explode-pytorch",
    "slow-stall-keras-csv",
    "slow-growth-pytorch",
    "memleak-keras-csv",
    "underfit-keras-csv",
    "spikes-pytorch-steps",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (pip install playwright)"
    )
    if shutil.which(CHROMIUM) is None:
        pytest.skip(f"no browser: {CHROMIUM} is missing (apt-get install chromium; .ci/run does it as root)")
    with sync_api.sync_playwright() as playwright:
        try:
            launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        except Exception as exc:  # a broken or sandbox-less browser install is an environment problem
            pytest.skip(f"chromium at {CHROMIUM} could not be started: {exc}")
        yield launched
        launched.close()


def open_page(browser: Any, path: Path, scheme: str = "light") -> tuple[Any, list[str]]:
    """Open ``path``; collect console errors, page errors, dialogs and any non-local request."""
    page = browser.new_page(viewport={"width": 1366, "height": 900}, color_scheme=scheme)
    problems: list[str] = []
    page.on(
        "console",
        lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None,
    )
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    page.on(
        "request",
        lambda r: None if r.url.startswith(("file:", "data:")) else problems.append(f"request {r.url}"),
    )
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, problems


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("browser") / "report.html"
    result = CliRunner().invoke(app, ["report", "-o", str(out), *(str(FIXTURES / r) for r in RUNS)])
    assert result.exit_code == 0, result.output
    return out


def test_every_finding_is_annotated_in_the_dom(browser: Any, report: Path, tmp_path: Path) -> None:
    page, problems = open_page(browser, report)
    findings = page.eval_on_selector_all(
        "article.finding", "els => els.map(e => [e.id.replace('finding-', ''), e.dataset.rule])"
    )
    assert len(findings) >= 12
    rules = {rule for _, rule in findings}
    assert {"OF001", "LS001", "DV001", "DV002", "SE001", "SE002", "MG001", "UF001"} <= rules
    for index, rule in findings:
        marks = page.eval_on_selector_all(
            f'svg [data-finding-index="{index}"]', "els => els.map(e => e.dataset.finding)"
        )
        assert marks and set(marks) == {rule}, (index, rule, marks)
        assert page.locator(f'svg [data-finding-index="{index}"]').first.is_visible() or rule.startswith("SE")
    page.screenshot(path=str(tmp_path / "report-light.png"), full_page=True)
    assert (tmp_path / "report-light.png").stat().st_size > 50_000
    assert problems == []
    page.close()


def test_dark_and_print_render_without_errors(browser: Any, report: Path, tmp_path: Path) -> None:
    page, problems = open_page(browser, report, scheme="dark")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(13, 17, 23)"
    page.screenshot(path=str(tmp_path / "report-dark.png"), full_page=True)
    page.emulate_media(media="print", color_scheme="light")
    page.screenshot(path=str(tmp_path / "report-print.png"), full_page=True)
    assert problems == []
    page.close()


def test_the_runs_table_sorts_and_filters(browser: Any, report: Path) -> None:
    page, problems = open_page(browser, report)
    names = "els => els.filter(r => !r.hidden).map(r => r.cells[0].textContent)"
    before = page.eval_on_selector_all("#runs-table tbody tr", names)
    assert before == sorted(before) and len(before) == len(RUNS)
    page.click("#runs-table thead th:nth-child(2)")  # problems, ascending
    page.click("#runs-table thead th:nth-child(2)")  # problems, descending
    totals = page.eval_on_selector_all(
        "#runs-table tbody tr", "els => els.map(r => Number(r.cells[1].dataset.sort))"
    )
    assert totals == sorted(totals, reverse=True) and totals[0] > totals[-1]
    page.fill("#runs-filter", "memleak")
    shown = page.eval_on_selector_all("#runs-table tbody tr", names)
    assert len(shown) == 1 and shown[0].endswith("memleak-keras-csv/training.log")
    page.click("#runs-table tbody tr:not([hidden]) a")
    assert page.evaluate("location.hash").startswith("#run-")
    assert problems == []
    page.close()


def test_hostile_names_are_text_in_the_browser(browser: Any, tmp_path: Path) -> None:
    out = tmp_path / "hostile.html"
    result = CliRunner().invoke(app, ["report", "-o", str(out), str(hostile_log(tmp_path))])
    assert result.exit_code == 0, result.output
    page, problems = open_page(browser, out)
    assert page.evaluate("document.scripts.length") == 1
    assert page.evaluate("document.images.length") == 0
    assert SCRIPT in page.evaluate("document.body.innerText")
    assert page.locator('[data-finding="OF001"]').count() > 0
    page.screenshot(path=str(tmp_path / "hostile.png"), full_page=True)
    assert problems == []
    page.close()
