"""Golden files for every format on real fixtures: a CSV log, an event-file run, a diverged run.

Paths are relative to the repository root (the test runs from there), as a user
running ``loganalyzer check fixtures/...`` would see them. Rewrite with
``pytest --update-golden`` after an intended change and review the diff.
"""

from __future__ import annotations

import pytest

from loganalyzer.api import analyze
from loganalyzer.report import REPORTERS
from tests.conftest import REPO
from tests.report.golden import check_golden, render_all

FIXTURE_CASES = ["overfit-keras-csv", "spikes-pytorch-steps", "diverge-nan-keras-csv"]


@pytest.mark.parametrize("fixture", FIXTURE_CASES)
def test_every_format_matches_its_golden_file(
    fixture: str, update_golden: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    analysis = analyze(f"fixtures/{fixture}")
    assert analysis.findings, "a golden case without findings would test little"
    # The HTML page of a real run embeds matplotlib SVG, which changes with matplotlib and its fonts;
    # tests/report/html checks its structure instead (the synthetic cases, without charts, have goldens).
    formats = [name for name in REPORTERS if name != "html"]
    check_golden(f"fixture-{fixture}", render_all(analysis, formats=formats), update_golden)
