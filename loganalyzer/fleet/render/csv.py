"""``audit --format csv``: one line per run, every column, for spreadsheets and pandas.

Cells that come from logs (run names, reasons, hyperparameters) and start
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return are prefixed with
``'`` as OWASP recommends, so a spreadsheet never evaluates them; numbers are
written as numbers (``repr`` precision, so they read back exactly).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from loganalyzer.fleet.render.view import AuditView
from loganalyzer.fleet.rows import COLUMNS

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def stream(view: AuditView) -> Iterator[str]:
    """The CSV document: a header, then one line per run (LF line ends), a line at a time."""
    header = [*COLUMNS, *view.hparam_columns()]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in view.rows:
        columns = row.columns()
        yield _drain(buffer)
        writer.writerow([_cell(columns.get(key)) for key in header])
    yield _drain(buffer)


def render(view: AuditView) -> str:
    """The whole document as one string."""
    return "".join(stream(view))


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text
