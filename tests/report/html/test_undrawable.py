"""A finding matplotlib cannot place (evidence from a damaged log) costs its annotation, never the page."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

pytest.importorskip("matplotlib", reason="the pictures need the report extra (matplotlib)")

from loganalyzer.api import analyze
from loganalyzer.model.curves import Curve, Durations, RunCurves
from loganalyzer.model.finding import Finding, Location, Severity
from loganalyzer.report.html import _drawable, charts
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


def _extreme_run() -> tuple[RunCurves, list[tuple[int, Finding]]]:
    """What a damaged log gives: losses at the top of the float range, infinite and absurd epoch times."""
    steps = tuple(float(s) for s in range(12))
    train = (2.0, 1.5, 1e308, 1.2, -1e308, math.inf, 1.0, 0.9, 3.4e38, 0.8, math.nan, 0.7)
    validation = (2.1, 1.7, 1.6, 1e308, 1.6, 1.7, 1.8, 5e-324, 2.0, 2.1, 2.2, 2.3)
    seconds = (1.0, math.inf, -8e290, 1.1, 1e308, 1.0, 1.2, math.nan, 1.0, 1.1, 1.0, 1.0)
    curves = RunCurves(
        run="damaged",
        x_label="epoch",
        curves=(
            Curve("train.loss", "loss", steps, train, len(steps), epoch=steps),
            Curve("validation.loss", "val_loss", steps, validation, len(steps), epoch=steps),
        ),
        durations=Durations("train.epoch_time", "epoch_time", "epoch", steps, steps, seconds),
        inventory=(),
    )
    spike = Finding(
        run="damaged", source="damaged", rule="LS001", name="training-loss-spike", category="loss-spike",
        severity=Severity.WARNING, message="spike", metric="train.loss", raw_metric="loss",
        start_step=2, end_step=2, evidence={"step": 2, "value": 1e308, "direction": "up"},
        remedies=(), location=Location("damaged"),
    )  # fmt: skip
    return curves, [(0, spike)]


def test_values_beyond_what_matplotlib_can_place_are_drawn_at_the_edge_without_a_warning() -> None:
    curves, findings = _extreme_run()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a NumPy or matplotlib warning would reach the user's terminal
        drawn = charts.draw_run(curves, findings)
        figure = charts.draw_figure(curves, findings, "svg")
    by_key = {spec.key: (indices, image) for spec, indices, image in drawn}
    assert set(by_key) == {"loss", "durations"}
    indices, image = by_key["loss"]
    assert indices == (0,), "the spike at 1e308 is still marked, at the edge"
    assert b"train.loss: 2 value(s) beyond" in image and b"validation.loss: 1 value(s) beyond" in image
    assert figure.lstrip().startswith(b"<?xml")


def test_drawable_values() -> None:
    assert _drawable.point(math.inf) is None and _drawable.point(math.nan) is None
    assert _drawable.point(-1e308) == -_drawable.LIMIT and _drawable.point(3.4e38) == 3.4e38
    values, clipped = _drawable.series([1.0, math.inf, 1e308, -1e101, 5e-324])
    assert clipped == 2 and values[2] == _drawable.LIMIT and values[3] == -_drawable.LIMIT
    assert math.isnan(values[1]) and values[4] == 5e-324


@pytest.mark.parametrize("fmt", ["svg", "png"])
def test_names_in_scripts_the_chart_font_lacks_print_no_warning(fmt: str) -> None:
    """A tag in Chinese (or a noncharacter from a damaged file) has no glyph in DejaVu Sans."""
    steps = tuple(float(s) for s in range(10))
    values = tuple(1.0 / (s + 1) for s in steps)
    curves = RunCurves(
        run="训练-\ufffe",
        x_label="step",
        curves=(Curve("train.loss", "训练损失\ufffe", steps, values, len(steps)),),
        durations=None,
        inventory=(),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (drawn,) = charts.draw_run(curves, [], fmt)
        figure = charts.draw_figure(curves, [], fmt)
    assert drawn[2] and figure
    if fmt == "svg":
        assert "训练损失".encode() in drawn[2]  # kept as text: the browser draws it with its own fonts
