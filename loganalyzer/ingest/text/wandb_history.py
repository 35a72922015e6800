"""Reader for Weights & Biases run history: ``wandb-history.jsonl`` (and ``files/`` exports).

W&B writes one JSON object per ``wandb.log`` call with the step ``_step``,
the Unix time ``_timestamp`` and ``_runtime``, the seconds since the run
started (a cumulative clock, not a duration: read as a metric it would look
like ever slower epochs). Media values are objects with a ``_type``
(``image-file``, ``video-file``, ``histogram``) and are not metrics.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from loganalyzer.ingest.build import RunParts
from loganalyzer.ingest.source import LogSource, ReadOptions
from loganalyzer.ingest.text import records as jsonlines
from loganalyzer.ingest.text.table import table_from_records, to_run_parts

FORMAT = "wandb-history"


def sniff(path: Path, head: bytes) -> bool:
    """``_step`` with ``_runtime`` or ``_timestamp`` on the first line."""
    del path
    found = jsonlines.head_records(head, limit=1)
    return bool(found) and "_step" in found[0] and bool({"_runtime", "_timestamp"}.intersection(found[0]))


def read(source: LogSource, options: ReadOptions) -> list[RunParts]:
    """Read the history; media objects are dropped, ``_runtime`` is the clock when no timestamp is logged."""
    del options  # nothing to tune for this format
    found = jsonlines.read_records(source.paths[0], source.name)
    records: list[dict[str, Any]] = []
    runtimes: list[float | None] = []
    media: set[str] = set()
    for record in found.records:
        row = {}
        for key, value in record.items():
            if isinstance(value, dict) and "_type" in value:
                media.add(key)
            elif key != "_runtime":
                row[key] = value
        runtime = record.get("_runtime")
        runtimes.append(float(runtime) if isinstance(runtime, int | float) else None)
        records.append(row)
    table = table_from_records(records, source=str(source.paths[0]), diagnostics=found.diagnostics,
                               lines=found.lines)  # fmt: skip
    metadata: dict[str, Any] = {}
    if media:
        metadata["media_keys"] = sorted(media)
    if "_timestamp" not in table.columns and table.n_rows == len(runtimes) and None not in runtimes:
        table.wall_time = np.asarray(runtimes, dtype=np.float64)
        metadata["wall_time_column"] = "_runtime"
    return to_run_parts(source, FORMAT, table, diagnostics=found.diagnostics, metadata=metadata)
