"""A third-party reader for a made-up in-house format, ``steplog``.

A steplog file starts with the line ``#steplog v1`` and then holds one
tab-separated ``step``, ``loss`` and ``val_loss`` per line. This is the whole
contract a reader meets (see CONTRIBUTING.md, "Adding a reader").
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from loganalyzer.errors import InputError
from loganalyzer.ingest.build import RawSeries, RunParts
from loganalyzer.ingest.source import LogSource, ReadOptions

FORMAT = "steplog"

MAGIC = b"#steplog v1"


def sniff(path: Path, head: bytes) -> bool:
    """The magic first line."""
    del path
    return head.startswith(MAGIC)


def read(source: LogSource, options: ReadOptions) -> list[RunParts]:
    """One run: a ``loss`` and a ``val_loss`` series indexed by step."""
    del options
    path = source.paths[0]
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines()[1:], start=2):
        try:
            step, loss, val_loss = line.split("\t")
            rows.append((int(step), float(loss), float(val_loss)))
        except ValueError:
            raise InputError(source.name, f"line {number}: expected step, loss and val_loss") from None
    steps = np.array([r[0] for r in rows], dtype=np.int64)
    parts = RunParts(name=source.name, format=FORMAT, sources=[str(path)])
    parts.series.append(RawSeries("loss", steps, np.array([r[1] for r in rows])))
    parts.series.append(RawSeries("val_loss", steps, np.array([r[2] for r in rows])))
    return [parts]
