"""Reader for LLaMA-Factory's ``trainer_log.jsonl``.

LLaMA-Factory's ``LogCallback`` appends one line per logging step:
``current_steps``, ``total_steps``, ``loss`` (or ``eval_loss`` on evaluation
lines), ``learning_rate``, a fractional ``epoch``, ``percentage`` and the
``elapsed_time``/``remaining_time`` clocks as ``H:MM:SS`` text, plus
``throughput`` and ``total_tokens``. ``current_steps`` is the step; the
elapsed clock is the run's wall time; progress and estimates are not metrics.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np

from loganalyzer.ingest.build import RunParts
from loganalyzer.ingest.source import LogSource, ReadOptions
from loganalyzer.ingest.text import records as jsonlines
from loganalyzer.ingest.text.table import table_from_records, to_run_parts

FORMAT = "llama-factory"

#: Progress bookkeeping, not metrics.
PROGRESS_KEYS = frozenset({"total_steps", "percentage", "remaining_time", "throughput", "total_tokens"})

_CLOCK = re.compile(r"^(?:(\d+) days?, )?(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$")


def sniff(path: Path, head: bytes) -> bool:
    """``current_steps`` and ``total_steps`` on the first line."""
    del path
    found = jsonlines.head_records(head, limit=1)
    return bool(found) and {"current_steps", "total_steps"}.issubset(found[0])


def read(source: LogSource, options: ReadOptions) -> list[RunParts]:
    """Step from ``current_steps``, wall time from ``elapsed_time``; progress keys dropped."""
    del options  # nothing to tune for this format
    found = jsonlines.read_records(source.paths[0], source.name)
    metadata: dict[str, Any] = {}
    records = []
    elapsed = []
    for record in found.records:
        if "total_steps" in record:
            metadata["total_steps"] = record["total_steps"]
        elapsed.append(clock_seconds(record.get("elapsed_time")))
        row = {k: v for k, v in record.items() if k not in PROGRESS_KEYS and k != "elapsed_time"}
        row["step"] = row.pop("current_steps", None)
        records.append(row)
    table = table_from_records(records, source=str(source.paths[0]), diagnostics=found.diagnostics,
                               lines=found.lines)  # fmt: skip
    if table.n_rows == len(elapsed) and all(e is not None for e in elapsed):
        table.wall_time = np.asarray(elapsed, dtype=np.float64)
        metadata["wall_time_column"] = "elapsed_time"
    return to_run_parts(source, FORMAT, table, diagnostics=found.diagnostics, metadata=metadata)


def clock_seconds(text: object) -> float | None:
    """``"1:02:03"`` or ``"2 days, 1:02:03"`` as seconds; None when it is not such a clock."""
    match = _CLOCK.match(str(text).strip()) if isinstance(text, str) else None
    if match is None:
        return None
    days, hours, minutes, seconds = match.groups()
    return int(days or 0) * 86400 + int(hours) * 3600 + int(minutes) * 60 + float(seconds)
