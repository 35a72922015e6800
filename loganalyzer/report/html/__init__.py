"""report.html: the self-contained HTML report (charts with the findings drawn on them) and its pieces.

Pure functions from an :class:`~loganalyzer.model.finding.Analysis` (with
the downsampled curves ``loganalyzer.analyze(curves=True)`` keeps) to one
HTML string: no file, no network, no timestamp. matplotlib (the
``loganalyzer-ml[report]`` extra) draws the charts; without it the page still
lists every finding and says what to install.

Entry points:

- :func:`render` -- ``check --format html`` and ``loganalyzer report``: the
  full page for an analysis (a runs table when there are several runs, then
  per run its charts, findings with evidence and remedies, inventory).
- :func:`render_fragment` -- the same content as a ``<div>`` for Jupyter
  (``Analysis._repr_html_``).
- :func:`summarize` and :func:`render_overview` -- the many-run page for an
  audit: build one light :class:`RunSummary` per run (in a worker, from that
  run's analysis), then render the sortable, filterable table of all of them
  with a sparkline per run and an anchor to each run's findings.
"""

from __future__ import annotations

from collections.abc import Sequence

from loganalyzer.model.finding import Analysis
from loganalyzer.report.html import page
from loganalyzer.report.html.assets import STYLE
from loganalyzer.report.html.charts import INSTALL_HINT, ChartsUnavailable, charts_available
from loganalyzer.report.html.overview import RunSummary, summarize
from loganalyzer.report.options import DEFAULT_OPTIONS, RenderOptions


def render(analysis: Analysis, options: RenderOptions = DEFAULT_OPTIONS) -> str:
    """The full report page for ``analysis`` (``check --format html``)."""
    body = page.analysis_body(analysis, options.tool_version, with_charts=True)
    return page.document("loganalyzer report", body)


def render_fragment(analysis: Analysis, options: RenderOptions = DEFAULT_OPTIONS) -> str:
    """The report as one ``<div>`` with its own scoped style, for a notebook cell."""
    body = page.analysis_body(analysis, options.tool_version, with_charts=True)
    return f'<div class="la"><style>{STYLE}</style>{body}</div>'


def render_overview(
    rows: Sequence[RunSummary], *, title: str = "loganalyzer audit", options: RenderOptions = DEFAULT_OPTIONS
) -> str:
    """The many-run page: a sortable, filterable table of ``rows`` and each run's findings.

    ``rows`` come from :func:`summarize` (one call per run's analysis, with
    ``first_position`` set so anchors stay unique across calls); they are
    shown in the order given.
    """
    return page.document(title, page.overview_body(rows, title, options.tool_version))


__all__ = [
    "INSTALL_HINT",
    "ChartsUnavailable",
    "RunSummary",
    "charts_available",
    "render",
    "render_fragment",
    "render_overview",
    "summarize",
]
