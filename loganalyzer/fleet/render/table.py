"""``audit --format table`` (the default): an aligned table of the runs, then the summary.

A handful of columns that fit a terminal; ``csv`` and ``json`` carry them
all. Names from logs are passed through :func:`printable`, so a run
directory named with escape sequences cannot rewrite the terminal.
"""

from __future__ import annotations

from collections.abc import Iterator

from loganalyzer.fleet.render.view import BRIEF_HEADER, AuditView, brief_cells
from loganalyzer.fleet.rows import Row
from loganalyzer.report._common import printable


def stream(view: AuditView) -> Iterator[str]:
    """The document in pieces (see :func:`render`)."""
    yield render(view)


def render(view: AuditView) -> str:
    """The table and the summary lines."""
    lines: list[str] = []
    cells = [_cells(row) for row in view.rows]
    if cells:
        widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(BRIEF_HEADER)]
        lines.append(_line(BRIEF_HEADER, widths).rstrip())
        lines.append(_line(tuple("-" * w for w in widths), widths).rstrip())
        lines.extend(_line(row, widths).rstrip() for row in cells)
        lines.append("")
    lines.extend(summary_lines(view))
    return "\n".join(lines) + "\n"


def _cells(row: Row) -> tuple[str, ...]:
    return tuple(printable(cell).replace("\n", " ") for cell in brief_cells(row))


def _line(cells: tuple[str, ...], widths: list[int]) -> str:
    return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True))


def summary_lines(view: AuditView) -> list[str]:
    """The summary as plain lines (shared by the table and, escaped, Markdown)."""
    summary = view.summary
    lines = [
        f"{summary.runs} run(s): {summary.analysed} analysed, {len(summary.unreadable)} unreadable, "
        f"{summary.with_problems} with problems" + (f" ({view.cached} from cache)" if view.cached else "")
    ]
    problems = ", ".join(f"{category} {count}" for category, count in summary.problems.items() if count)
    lines.append(f"runs per problem: {problems or 'none'}")
    wasted = f"{summary.wasted_epochs} epoch(s)"
    if summary.wasted_s:
        wasted += f", {_duration(summary.wasted_s)}"
    if summary.wasted_evals > summary.wasted_epochs:
        wasted += f" ({summary.wasted_evals} evaluation(s) in all, counting runs without an epoch axis)"
    lines.append(f"wasted by overfitting (EarlyStopping counterfactual): {wasted}")
    if summary.top:
        direction = "highest" if summary.top_by == "metric_best" else "lowest"
        lines.append(f"top {len(summary.top)} by {summary.top_by} ({direction} first):")
        lines.extend(f"  {i}. {printable(r.run)}  {r.value:.4g}" for i, r in enumerate(summary.top, 1))
    if summary.unreadable:
        lines.append("unreadable:")
        lines.extend(f"  {printable(run)}: {printable(reason)}" for run, reason in summary.unreadable)
    if view.hidden:
        lines.append(f"{view.hidden} finding(s) hidden by the baseline")
    return lines


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"
