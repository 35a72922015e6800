"""Every format of ``check`` on the synthetic analyses, compared byte for byte with golden files."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from loganalyzer.model.finding import Analysis
from loganalyzer.report import REPORTERS
from loganalyzer.report.options import RenderOptions
from tests.report import analyses
from tests.report.golden import GOLDEN, check_golden, render_all

ALL = tuple(REPORTERS)
HUMAN = ("text", "concise", "github", "markdown")

#: case name -> (analysis builder, options, formats). Machine formats ignore verbose/quiet/colour
#: (tested in test_formats.py), so the option variants only render the formats they change.
CASES: dict[str, tuple[Callable[[], Analysis], RenderOptions, tuple[str, ...]]] = {
    "clean": (analyses.clean, RenderOptions(), ALL),
    "mixed": (analyses.mixed, RenderOptions(), ALL),
    "troubled": (analyses.troubled, RenderOptions(), ALL),
    "mixed-verbose-statistics": (
        analyses.mixed,
        RenderOptions(verbose=True, statistics=True),
        (*HUMAN, "json"),
    ),
    "troubled-verbose": (analyses.troubled, RenderOptions(verbose=True), HUMAN),
    "mixed-color": (analyses.mixed, RenderOptions(color=True), ("text", "concise")),
    "mixed-quiet": (analyses.mixed, RenderOptions(quiet=True), ("text", "concise", "markdown")),
    "clean-quiet": (analyses.clean, RenderOptions(quiet=True), ("text", "concise", "markdown")),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden(case: str, update_golden: bool) -> None:
    build, options, formats = CASES[case]
    check_golden(case, render_all(build(), options, formats), update_golden)


def test_no_stale_golden_files() -> None:
    """Every file under golden/ belongs to a case, so removed cases do not leave dead files behind."""
    from tests.report.golden import FILE_NAMES

    expected = {f"{case}/{FILE_NAMES[name]}" for case, (_, _, formats) in CASES.items() for name in formats}
    present = {path.relative_to(GOLDEN).as_posix() for path in GOLDEN.rglob("*") if path.is_file()}
    stale = {path for path in present - expected if path.split("/")[0] in CASES}
    assert not stale, f"golden files without a case: {sorted(stale)}"
