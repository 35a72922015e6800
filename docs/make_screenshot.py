"""Regenerate docs/report.png: the top of a real report, for the README.

    .venv/bin/python docs/make_screenshot.py

Runs ``loganalyzer report`` on ``fixtures/overfit-keras-csv`` (from the
repository root, so the page shows relative paths), opens the page in
Debian's chromium through Playwright (no browser download; install it with
``apt-get install chromium``) and saves the first screen at laptop size.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parent.parent
FIXTURE = "fixtures/overfit-keras-csv"
TARGET = REPO / "docs" / "report.png"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def main() -> int:
    """Write the report, screenshot its first screen, save it under docs/."""
    with tempfile.TemporaryDirectory() as work:
        page_path = Path(work) / "report.html"
        cli = Path(sys.executable).with_name("loganalyzer")
        subprocess.run([str(cli), "report", FIXTURE, "-o", str(page_path)], cwd=REPO, check=True)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 860}, color_scheme="light")
            page.goto(page_path.as_uri())
            page.screenshot(path=str(TARGET))
            browser.close()
    print(f"wrote {TARGET.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
