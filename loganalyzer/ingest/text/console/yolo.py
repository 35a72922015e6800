"""YOLOv5/YOLOv8 console tables.

Each epoch redraws a progress line under a header naming its columns:
``Epoch gpu_mem box obj cls total labels img_size`` (YOLOv5 up to v5),
``Epoch GPU_mem box_loss obj_loss cls_loss Instances Size`` (v7) or
``Epoch GPU_mem box_loss cls_loss dfl_loss Instances Size`` (Ultralytics 8):
``  3/29  1.86G  0.0985  0.0932  0  0.1917  24  416: 100%|...``; the last
drawn state of an epoch is its summary. The validation pass prints
``all  <images>  <labels>  P  R  mAP@.5  mAP@.5:.95`` for the same epoch.
Values are named as ``results.csv`` names them.
"""

from __future__ import annotations

import re

from loganalyzer.ingest.text.console.text import Line
from loganalyzer.ingest.text.console.types import Parsed

DIALECT = "yolo-console"

_HEADER = re.compile(r"^\s*Epoch\s+gpu_mem\s+(.*?)\s*$", re.IGNORECASE)
_ROW = re.compile(r"^\s*(\d+)/(\d+)\s+([\d.]+)G\s+([\d.\s]+?)\s*(?::|$)")
_ALL = re.compile(r"^\s*all\s+(\d+)\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*$")
_COUNTS = frozenset({"labels", "instances", "targets", "img_size", "size"})
_VALIDATION = ("metrics/precision", "metrics/recall", "metrics/mAP_0.5", "metrics/mAP_0.5:0.95")


def parse(lines: list[Line]) -> Parsed:
    """One training record per epoch (its last drawn state) and one validation record."""
    parsed = Parsed(DIALECT)
    names: list[str] = []
    current: tuple[int, dict[str, float], int] | None = None
    for line in lines:
        header = _HEADER.match(line.text)
        if header:
            names = header.group(1).split()
            continue
        row = _ROW.match(line.text)
        if row and names:
            epoch = int(row.group(1))
            if current is not None and current[0] != epoch:
                parsed.add(current[1], current[2])
            cells = [float(c) for c in row.group(4).split()]
            record: dict[str, float] = {"epoch": float(epoch), "gpu_mem_gb": float(row.group(3))}
            for name, value in zip(names, cells, strict=False):
                if name.lower() not in _COUNTS:
                    record[_train_name(name)] = value
            current = (epoch, record, line.number)
            continue
        summary = _ALL.match(line.text)
        if summary and current is not None:
            parsed.add(current[1], current[2])
            values = [float(v) for v in summary.groups()[2:]]
            parsed.add(
                {"epoch": float(current[0]), **dict(zip(_VALIDATION, values, strict=True))}, line.number
            )
            current = None
    if current is not None:
        parsed.add(current[1], current[2])
    return parsed


def _train_name(name: str) -> str:
    """``box`` -> ``train/box_loss``; ``total`` -> ``train/loss``; ``dfl_loss`` stays a loss."""
    lowered = name.lower()
    if lowered == "total":
        return "train/loss"
    return f"train/{lowered if lowered.endswith('_loss') else lowered + '_loss'}"
