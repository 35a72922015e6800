"""A finding matplotlib cannot place (evidence from a damaged log) costs its annotation, never the page."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("matplotlib", reason="the pictures need the report extra (matplotlib)")

from loganalyzer.api import analyze
from loganalyzer.report.html import charts
from tests.conftest import FIXTURES


def test_a_chart_whose_annotation_cannot_be_placed_is_drawn_without_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    analysis = analyze(FIXTURES / "overfit-keras-csv", curves=True)
    [(name, curves)] = analysis.curves.items()
    findings = [(i, f) for i, f in enumerate(analysis.findings) if f.run == name]
    assert findings, "the fixture overfits"

    def singular(*args: object) -> bool:
        raise np.linalg.LinAlgError("Singular matrix")

    monkeypatch.setattr(charts, "annotate", singular)
    drawn = charts.draw_run(curves, findings)
    assert drawn and all(indices == () for _, indices, _ in drawn)
    assert all(image.startswith(b"<?xml") or b"<svg" in image[:400] for _, _, image in drawn)
    assert charts.draw_figure(curves, findings, "svg")
