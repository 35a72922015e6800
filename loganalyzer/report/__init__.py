"""report: turns an Analysis into text; performs no analysis, reads no logs, never imports pandas.

Every reporter of ``check`` is a pure function
``render(analysis: Analysis, options: RenderOptions) -> str`` (see
:mod:`loganalyzer.report.options`); only the CLI writes files or stdout.
``REPORTERS`` maps each ``--format`` value to its function, and the key, the
module and the CLI value match, so a reader finds every format here.
``inventory``, ``rulebook`` and ``plot`` serve other commands and are not
in the registry; ``html`` needs the curves ``analyze(curves=True)`` keeps
and matplotlib (the ``report`` extra) for its charts.
"""

from __future__ import annotations

from collections.abc import Callable

from loganalyzer.model.finding import Analysis
from loganalyzer.report import concise, github, gitlab, html, json, junit, markdown, sarif, terminal
from loganalyzer.report.options import DEFAULT_OPTIONS, RenderOptions

#: The shape every entry of :data:`REPORTERS` has.
Reporter = Callable[[Analysis, RenderOptions], str]

REPORTERS: dict[str, Reporter] = {
    "text": terminal.render,
    "concise": concise.render,
    "json": json.render,
    "sarif": sarif.render,
    "junit": junit.render,
    "github": github.render,
    "gitlab": gitlab.render,
    "markdown": markdown.render,
    "html": html.render,
}

__all__ = ["DEFAULT_OPTIONS", "REPORTERS", "RenderOptions", "Reporter"]
