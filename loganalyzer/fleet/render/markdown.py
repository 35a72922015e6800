"""``audit --format markdown``: the summary and a table of runs, for a PR comment or a job summary.

Every name from a log goes through the Markdown escaping of
:mod:`loganalyzer.report.markdown`, so ``|``, backticks and newlines in a
run directory's name cannot break the table.
"""

from __future__ import annotations

from collections.abc import Iterator

from loganalyzer.fleet.render.table import summary_lines
from loganalyzer.fleet.render.view import BRIEF_HEADER, AuditView, brief_cells, number
from loganalyzer.report.markdown import text

#: The terminal table's columns, capitalised as Markdown headers usually are.
_HEADER = tuple(name[:1].upper() + name[1:] for name in BRIEF_HEADER)


def stream(view: AuditView) -> Iterator[str]:
    """The document in pieces (see :func:`render`)."""
    yield render(view)


def render(view: AuditView) -> str:
    """The Markdown document."""
    lines = ["## loganalyzer audit", ""]
    lines.extend(f"- {text(line.strip())}" for line in summary_lines(view) if not line.startswith("  "))
    if view.summary.top:
        lines += ["", "**Best runs**", ""]
        lines.extend(f"{i}. {text(r.run)} ({number(r.value)})" for i, r in enumerate(view.summary.top, 1))
    lines += ["", "| " + " | ".join(_HEADER) + " |", "|" + "---|" * len(_HEADER)]
    for row in view.rows:
        lines.append("| " + " | ".join(text(cell, cell=True) for cell in brief_cells(row)) + " |")
    return "\n".join(lines) + "\n"
