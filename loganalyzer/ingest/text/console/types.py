"""What a console dialect parser hands back: records, their lines, and how sure it is."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from loganalyzer.ingest.text import vocab


@dataclass
class Parsed:
    """Records parsed from console lines by one dialect (``epoch``/``step`` keys are the index)."""

    dialect: str
    records: list[dict[str, Any]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    planned: int | None = None

    def add(self, record: dict[str, Any], line: int) -> None:
        """Keep ``record`` (found on ``line``) when it holds more than its index.

        A progress bar redraws its line in place: a record on the same
        physical line, at the same index and with the same names as the one
        before it is a redraw, and replaces it.
        """
        if not any(key not in ("epoch", "step") for key in record):
            return
        if self.records and self.lines[-1] == line and _same_point(self.records[-1], record):
            self.records[-1] = record
            return
        self.records.append(record)
        self.lines.append(line)

    def recurring_loss(self, times: int) -> bool:
        """Whether one loss or accuracy name is logged in at least ``times`` records."""
        counts: dict[str, int] = {}
        for record in self.records:
            for key in record:
                if vocab.is_loss_or_accuracy(key):
                    counts[key] = counts.get(key, 0) + 1
        return any(count >= times for count in counts.values())


def _same_point(before: dict[str, Any], after: dict[str, Any]) -> bool:
    """Same index and the same names: one point drawn twice."""
    return before.keys() == after.keys() and all(before.get(k) == after.get(k) for k in ("epoch", "step"))
