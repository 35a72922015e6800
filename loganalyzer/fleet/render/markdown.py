"""``audit --format markdown``: the summary and a table of runs, for a PR comment or a job summary.

Every name from a log goes through the Markdown escaping of
:mod:`loganalyzer.report.markdown`, so ``|``, backticks and newlines in a
run directory's name cannot break the table.
"""

from __future__ import annotations

from collections.abc import Iterator

from loganalyzer.fleet.render.table import summary_lines
from loganalyzer.fleet.render.view import AuditView, number
from loganalyzer.report.markdown import text

_HEADER = ("Run", "Format", "Epochs", "Best val loss", "Best epoch", "Best metric", "Worst", "Findings",
           "Wasted epochs/evals")  # fmt: skip


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
        columns = row.columns()
        metric = f"{number(columns['metric_best'])} {columns['metric']}" if columns["metric"] else ""
        findings = columns["findings"] if row.status != "unreadable" else f"unreadable: {row.reason}"
        cells = (
            row.run,
            row.format,
            number(columns["epochs"]),
            number(columns["val_loss_best"]),
            number(columns["best_epoch"]),
            metric,
            columns["worst_severity"] or "",
            findings,
            number(columns["wasted_epochs"] or columns["wasted_evals"]),
        )
        lines.append("| " + " | ".join(text(cell, cell=True) for cell in cells) + " |")
    return "\n".join(lines) + "\n"
