"""Renderers of an audit: pure functions ``render(view: AuditView) -> str``, one module per format.

``html`` is not here yet: the HTML report (``loganalyzer/report/html/``)
lands separately, and wiring ``audit --format html`` means adding one entry
to :data:`RENDERERS` with an adapter from :class:`AuditView`.
"""

from __future__ import annotations

from collections.abc import Callable

from loganalyzer.fleet.render import csv, json, markdown, table
from loganalyzer.fleet.render.view import AuditView

AuditRenderer = Callable[[AuditView], str]

RENDERERS: dict[str, AuditRenderer] = {
    "table": table.render,
    "csv": csv.render,
    "json": json.render,
    "markdown": markdown.render,
}

__all__ = ["RENDERERS", "AuditRenderer", "AuditView"]
