"""Reader for YOLOv5's ``results.txt`` (YOLOv5 before v6, and YOLOv3/v4/v7 forks that kept it).

No header: one line per epoch of whitespace-separated cells, in the order
``train.py`` prints them: ``epoch/last_epoch``, ``gpu_mem`` (``3.19G``), the
training ``box``, ``obj``, ``cls`` and ``total`` losses, ``labels`` (or
``targets``), ``img_size``, precision, recall, mAP@0.5, mAP@0.5:0.95 and the
validation ``box``, ``obj`` and ``cls`` losses. The columns are given the
names ``results.csv`` uses, so both files read alike. The epoch counter is
0-based (``0/29`` is the first of 30 epochs).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from loganalyzer.errors import InputError
from loganalyzer.ingest.build import RunParts
from loganalyzer.ingest.source import HEAD_BYTES, LogSource, ReadOptions
from loganalyzer.ingest.text import outline
from loganalyzer.ingest.text.files import physical_lines, read_text
from loganalyzer.ingest.text.table import Column, Table, to_run_parts
from loganalyzer.model.run import Diagnostic, PositionUnit

FORMAT = "yolov5-results-txt"

#: Column names after ``epoch`` and ``gpu_mem``, as results.csv spells them.
COLUMNS = (
    "train/box_loss", "train/obj_loss", "train/cls_loss", "train/total_loss", "labels", "img_size",
    "metrics/precision", "metrics/recall", "metrics/mAP_0.5", "metrics/mAP_0.5:0.95",
    "val/box_loss", "val/obj_loss", "val/cls_loss",
)  # fmt: skip

#: Columns that are settings or counts, not metrics (kept in metadata when constant).
NOT_METRICS = frozenset({"labels", "img_size"})

_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_LINE = re.compile(rf"^\s*(\d+)/(\d+)\s+({_NUMBER})([GM]?)((?:\s+{_NUMBER}){{13}})\s*$")


def sniff(path: Path, head: bytes) -> bool:
    """Every complete line of the head has the epoch/last, memory and thirteen numbers shape."""
    del path
    if b"\x00" in head:
        return False
    lines = [line for line in physical_lines(outline.head_text(head)) if line.strip()]
    if len(head) >= HEAD_BYTES and lines:
        lines.pop()
    return bool(lines) and all(_LINE.match(line) for line in lines)


def read(source: LogSource, options: ReadOptions) -> list[RunParts]:
    """Parse the epochs; a line of another shape is a diagnostic."""
    del options  # nothing to tune for this format
    path = source.paths[0]
    diagnostics: list[Diagnostic] = []
    epochs: list[float] = []
    memory: list[float] = []
    cells: list[list[float]] = []
    lines: list[int] = []
    last_epoch = None
    for number, line in enumerate(physical_lines(read_text(path, source.name)), start=1):
        if not line.strip():
            continue
        match = _LINE.match(line)
        if match is None:
            diagnostics.append(
                Diagnostic(str(path), "bad-line", f"line {number}: not a results.txt epoch line; skipped",
                           number, PositionUnit.LINE)
            )  # fmt: skip
            continue
        epoch, last, mem, unit, rest = match.groups()
        last_epoch = int(last)
        epochs.append(float(epoch))
        memory.append(float(mem) * (1024.0 if unit == "G" else 1.0))
        cells.append([float(cell) for cell in rest.split()])
        lines.append(number)
    if not lines and not diagnostics:
        raise InputError(source.name, "empty results.txt")
    values = np.asarray(cells, dtype=np.float64).reshape(len(cells), len(COLUMNS))
    columns = {"gpu_mem_mb": Column(np.asarray(memory), np.ones(len(memory), dtype=bool))}
    metadata: dict[str, object] = {"epochs_planned": last_epoch + 1 if last_epoch is not None else None}
    for j, name in enumerate(COLUMNS):
        column = values[:, j]
        if name in NOT_METRICS:
            if column.size and bool((column == column[0]).all()):
                metadata[name] = float(column[0])
            continue
        columns[name] = Column(column, np.ones(len(column), dtype=bool))
    table = Table(
        n_rows=len(lines),
        columns=columns,
        index=np.asarray(epochs, dtype=np.float64),
        index_kind="epoch",
        lines=np.asarray(lines, dtype=np.int64),
    )
    return to_run_parts(source, FORMAT, table, diagnostics=diagnostics, metadata=metadata)
