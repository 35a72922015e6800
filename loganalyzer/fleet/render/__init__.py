"""Renderers of an audit: pure functions ``stream(view: AuditView) -> Iterator[str]``, one module per format.

Each module also has ``render(view) -> str`` (the pieces joined). The CLI
writes the pieces as they come, so the JSON or CSV of a large audit is never
held as one string.

``html`` is not here yet: the HTML report (``loganalyzer/report/html/``)
lands separately, and wiring ``audit --format html`` means adding one entry
to :data:`RENDERERS` with an adapter from :class:`AuditView`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from loganalyzer.fleet.render import csv, json, markdown, table
from loganalyzer.fleet.render.view import AuditView

AuditRenderer = Callable[[AuditView], Iterator[str]]

RENDERERS: dict[str, AuditRenderer] = {
    "table": table.stream,
    "csv": csv.stream,
    "json": json.stream,
    "markdown": markdown.stream,
}

__all__ = ["RENDERERS", "AuditRenderer", "AuditView"]
