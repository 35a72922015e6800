"""OpenMMLab and Swin-Transformer logger lines (often coloured).

* mmcv 1.x: ``Epoch [3][50/1173]  lr: 2.000e-02, eta: 1:02:03, time: 0.512,
  data_time: 0.010, memory: 3720, loss_cls: 0.52, loss: 1.21`` and, after
  the epoch, ``Epoch(val) [3][625]  bbox_mAP: 0.3110, ...``;
* mmengine: ``Epoch(train)  [3][ 50/1173]  lr: 2.0000e-02  eta: ...  loss: 1.21``
  and ``Epoch(val) [3][625/625]  coco/bbox_mAP: 0.3110 ...`` (or ``Iter(train)``);
* Swin-Transformer: ``Train: [3/300][50/1251]  eta 1:02:03 lr 0.000100  time 0.51
  (0.52)  loss 4.1 (4.3)  grad_norm 2.1 (2.5)  mem 11000MB`` and, after the
  evaluation, `` * Acc@1 81.200 Acc@5 95.500``.

Epoch and iteration fold into one global step (``(epoch - 1) * iterations
per epoch + iteration``; Swin counts epochs from 0). Evaluation lines belong
to the end of their epoch and their metrics to the validation split.
"""

from __future__ import annotations

import re

from loganalyzer.ingest.text import vocab
from loganalyzer.ingest.text.console.text import NUMBER, Line, pairs
from loganalyzer.ingest.text.console.types import Parsed

DIALECT = "mmcv-logger"

_MM_EPOCH = re.compile(
    r"Epoch\s*(?:\((train|val|test)\))?\s*\[\s*(\d+)\s*\]\s*\[\s*(\d+)\s*(?:/\s*(\d+)\s*)?\]"
)
_MM_ITER = re.compile(r"Iter\s*\((train|val|test)\)\s*\[\s*(\d+)\s*(?:/\s*(\d+)\s*)?\]")
_SWIN_TRAIN = re.compile(r"Train:\s*\[(\d+)/(\d+)\]\s*\[(\d+)/(\d+)\]")
_SWIN_SUMMARY = re.compile(r"(?:^|\s)\*\s+(Acc@1\s.*)$")
_SPACED_PAIR = re.compile(rf"(?<![\w@])([A-Za-z][\w@]*)\s+({NUMBER})(?:\s*\(({NUMBER})\))?(?:MB)?")

#: Bookkeeping keys of these loggers that are not metrics worth a series.
SKIPPED = frozenset({"eta"})


def parse(lines: list[Line]) -> Parsed:
    """Records for training and evaluation lines of any of the three loggers."""
    parsed = Parsed(DIALECT)
    per_epoch: int | None = None
    last_step = 0
    swin_epoch: int | None = None
    for line in lines:
        text = line.text
        mm = _MM_EPOCH.search(text)
        it = _MM_ITER.search(text) if mm is None else None
        swin = _SWIN_TRAIN.search(text) if mm is None and it is None else None
        if mm:
            mode, epoch, iteration, total = (
                mm.group(1) or "train",
                int(mm.group(2)),
                int(mm.group(3)),
                mm.group(4),
            )
            values = _values(text[mm.end() :], pairs)
            if mode == "train":
                per_epoch = int(total) if total else per_epoch
                last_step = (epoch - 1) * (per_epoch or 0) + iteration
                parsed.add({"step": float(last_step), "epoch": float(epoch), **values}, line.number)
            else:
                end = epoch * per_epoch if per_epoch else last_step
                parsed.add({"step": float(end), "epoch": float(epoch), **_validation(values)}, line.number)
        elif it:
            mode, iteration = it.group(1), int(it.group(2))
            values = _values(text[it.end() :], pairs)
            if mode == "train":
                last_step = iteration
                parsed.add({"step": float(iteration), **values}, line.number)
            else:
                parsed.add({"step": float(last_step), **_validation(values)}, line.number)
        elif swin:
            swin_epoch, iteration, per_epoch = int(swin.group(1)), int(swin.group(3)), int(swin.group(4))
            last_step = swin_epoch * per_epoch + iteration
            values = _values(text[swin.end() :], _spaced_pairs)
            parsed.add({"step": float(last_step), "epoch": float(swin_epoch), **values}, line.number)
        else:
            summary = _SWIN_SUMMARY.search(text)
            if summary and swin_epoch is not None:
                values = _validation(_values(summary.group(1), _spaced_pairs))
                parsed.add({"step": float(last_step), "epoch": float(swin_epoch), **values}, line.number)
    return parsed


def _values(text: str, reader: object) -> dict[str, float]:
    """The pairs after the epoch/iteration header, without bookkeeping."""
    found = reader(text)  # type: ignore[operator]
    return {name: value for name, value in found if name.lower() not in SKIPPED}


def _spaced_pairs(text: str) -> list[tuple[str, float]]:
    """Swin's ``name value (average)`` pairs: the current value, not the running average."""
    return [(m.group(1), float(m.group(2))) for m in _SPACED_PAIR.finditer(text)]


def _validation(values: dict[str, float]) -> dict[str, float]:
    """Evaluation metrics named for the validation split unless their name says a split."""
    return {(name if vocab.names_split(name) else f"val/{name}"): value for name, value in values.items()
            if name not in ("time", "data_time", "memory")}  # fmt: skip
