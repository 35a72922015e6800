"""Render an Analysis in every format and compare with (or rewrite) golden files.

Golden files live in ``tests/report/golden/<case>/<format>.<ext>``. To add
goldens for a real fixture once detectors exist::

    analysis = analyze([FIXTURES / "overfit-keras-csv"], settings)
    check_golden("fixture-overfit-keras-csv", render_all(analysis), update_golden)

Use relative fixture paths (or the analysis will contain absolute paths that
differ between machines), and keep :data:`PINNED` options so the tool version
does not leak into the files.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path

import pytest

from loganalyzer.model.finding import Analysis
from loganalyzer.report import REPORTERS
from loganalyzer.report.options import RenderOptions

GOLDEN = Path(__file__).resolve().parent / "golden"

#: File name of each format inside a case directory.
FILE_NAMES = {
    "text": "text.txt",
    "concise": "concise.txt",
    "json": "report.json",
    "sarif": "report.sarif",
    "junit": "junit.xml",
    "github": "github.txt",
    "gitlab": "gitlab.json",
    "markdown": "report.markdown",  # not .md: `ruff format tests/` would reformat its python fences
    "html": "report.html",
}

#: Options for golden renders: a fixed version, so releases do not rewrite every file.
PINNED = RenderOptions(tool_version="0.0.0+golden")


def render_all(
    analysis: Analysis, options: RenderOptions = PINNED, formats: Iterable[str] = tuple(REPORTERS)
) -> dict[str, str]:
    """Render ``analysis`` in each of ``formats`` (all by default), with the version pinned."""
    options = replace(options, tool_version=PINNED.tool_version)
    return {name: REPORTERS[name](analysis, options) for name in formats}


def check_golden(case: str, rendered: Mapping[str, str], update: bool) -> None:
    """Compare every rendered format with ``golden/<case>/``; rewrite the files when ``update``."""
    directory = GOLDEN / case
    problems = []
    for name, text in rendered.items():
        path = directory / FILE_NAMES[name]
        if update:
            directory.mkdir(parents=True, exist_ok=True)
            path.write_bytes(text.encode("utf-8"))
            continue
        if not path.exists():
            problems.append(f"{path.relative_to(GOLDEN)} is missing")
            continue
        expected = path.read_bytes().decode("utf-8")
        if expected != text:
            diff = difflib.unified_diff(
                expected.splitlines(keepends=True), text.splitlines(keepends=True), str(path), "rendered", n=2
            )
            problems.append("".join(list(diff)[:60]))
    if problems:
        pytest.fail(
            "golden files differ; if the change is intended, rerun with "
            "`pytest tests/report --update-golden`:\n" + "\n".join(problems),
            pytrace=False,
        )
