"""``audit --format csv``: one line per run, every column, for spreadsheets and pandas.

Cells that come from logs (run names, reasons, hyperparameters) and start
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return are prefixed with
``'`` as OWASP recommends, so a spreadsheet never evaluates them; numbers are
written as numbers (``repr`` precision, so they read back exactly).
"""

from __future__ import annotations

import csv
import io
from typing import Any

from loganalyzer.fleet.render.view import AuditView
from loganalyzer.fleet.rows import COLUMNS

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def render(view: AuditView) -> str:
    """The CSV document: a header, then one line per run (LF line ends)."""
    buffer = io.StringIO()
    records = view.records()
    header = [*COLUMNS, *view.hparam_columns()]
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for record in records:
        writer.writerow([_cell(record[key]) for key in header])
    return buffer.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text
