"""One image of one run with its findings drawn on it (``loganalyzer plot``).

A pure function from an analysis (with curves) to PNG, SVG or PDF bytes: the
same charts as the HTML report, stacked in one figure, for a pull-request
comment or a paper.
"""

from __future__ import annotations

from loganalyzer.model.finding import Analysis
from loganalyzer.report import _common
from loganalyzer.report.html import charts

#: Image formats by file extension.
IMAGE_FORMATS = ("png", "svg", "pdf")


def render_image(analysis: Analysis, run: str, fmt: str) -> bytes:
    """All charts of ``run`` in one figure, as ``fmt`` (one of :data:`IMAGE_FORMATS`).

    Raises KeyError when the analysis kept no curves for ``run`` and
    :class:`~loganalyzer.report.html.charts.ChartsUnavailable` without matplotlib.
    """
    if fmt not in IMAGE_FORMATS:
        raise ValueError(f"image format must be one of {', '.join(IMAGE_FORMATS)} (got {fmt!r})")
    curves = analysis.curves[run]
    findings = [f for f in _common.ordered(analysis.findings) if f.run == run]
    return charts.draw_figure(curves, list(enumerate(findings)), fmt)
