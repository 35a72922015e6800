"""What every audit renderer receives: the rows to list, in order, and the summary of all rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from loganalyzer.fleet.rows import COLUMNS, Row
from loganalyzer.fleet.summary import Summary


@dataclass(frozen=True)
class AuditView:
    """Rows as selected and sorted (``--only``, ``--sort``), the summary, and counts for the footer."""

    rows: Sequence[Row]
    summary: Summary
    tool_version: str
    hidden: int = 0
    cached: int = 0
    analysed: int = 0

    def hparam_columns(self) -> list[str]:
        """``hp.*`` columns present in any listed row, sorted."""
        return sorted({key for row in self.rows for key in row.columns()} - set(COLUMNS))

    def records(self) -> list[dict[str, Any]]:
        """Every listed row as a flat record with all columns (absent hyperparameters as None)."""
        extra = self.hparam_columns()
        out = []
        for row in self.rows:
            columns = row.columns()
            out.append({key: columns.get(key) for key in (*COLUMNS, *extra)})
        return out


#: The columns of the brief listings (the terminal table and Markdown); csv and json carry them all.
BRIEF_HEADER = ("run", "format", "epochs", "best val loss", "best epoch", "best metric", "worst", "findings",
                "wasted")  # fmt: skip


def brief_cells(row: Row) -> tuple[str, ...]:
    """One run's cells under :data:`BRIEF_HEADER`, as plain text; each renderer escapes them its way."""
    columns = row.columns()
    metric = ""
    if columns["metric_best"] is not None:
        metric = f"{number(columns['metric_best'])} {columns['metric']}"
    if row.status == "unreadable":
        findings = f"unreadable: {row.reason}"
    elif row.status == "rule-error":
        findings = f"{columns['findings']} (rule error)".strip()
    else:
        findings = columns["findings"] or "-"
    wasted = ""
    if columns["wasted_epochs"]:
        wasted = f"{columns['wasted_epochs']} epochs"
    elif columns["wasted_evals"]:
        wasted = f"{columns['wasted_evals']} evals"
    return (
        row.run,
        row.format,
        number(columns["epochs"]),
        number(columns["val_loss_best"]),
        number(columns["best_epoch"]),
        metric,
        columns["worst_severity"] or "",
        findings,
        wasted,
    )


def number(value: Any) -> str:
    """A cell for people: floats to 4 significant digits, None as an empty cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)
