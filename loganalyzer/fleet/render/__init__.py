"""Renderers of an audit: pure functions ``stream(view: AuditView) -> Iterator[str]``, one module per format.

Each module also has ``render(view) -> str`` (the pieces joined). The CLI
writes the pieces as they come, so the JSON or CSV of a large audit is never
held as one string.

``html`` adapts each row for the HTML report's many-run page
(``loganalyzer/report/html/``), which needs the ``report`` extra.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from loganalyzer.fleet.render import csv, html, json, markdown, table
from loganalyzer.fleet.render.view import AuditView

AuditRenderer = Callable[[AuditView], Iterator[str]]

RENDERERS: dict[str, AuditRenderer] = {
    "table": table.stream,
    "csv": csv.stream,
    "json": json.stream,
    "markdown": markdown.stream,
    "html": html.stream,
}

__all__ = ["RENDERERS", "AuditRenderer", "AuditView"]
