"""Keras ``model.fit`` output: ``Epoch 3/10`` then the epoch's progress line.

With ``verbose=1`` every epoch draws a progress bar that ends in the epoch's
summary, ``1875/1875 [====] - 3s 2ms/step - loss: 0.41 - accuracy: 0.85 -
val_loss: 0.52 - val_accuracy: 0.80`` (Keras 3 draws ``━━━`` instead); the
bar's earlier states show running batch averages. ``verbose=2`` prints only
the summary. The epoch's summary is the last state before the next ``Epoch``
header that carries a loss and, when the epoch has any, a ``val_`` metric
(a ``model.evaluate()`` after the last epoch prints a loss line of its own
without one); its time (``3s``) is the epoch's duration.
"""

from __future__ import annotations

import re

from loganalyzer.ingest.text.console.text import Line, pairs
from loganalyzer.ingest.text.console.types import Parsed

DIALECT = "keras-fit"

_EPOCH = re.compile(r"^\s*Epoch (\d+)/(\d+)\s*$")
_METRIC = re.compile(r"\s-\s+\w+:\s")
_DURATION = re.compile(r"(?:\]|━|^\s*\d+/\d+)\s*(?:-\s*)?(\d+(?:\.\d+)?)(ms|s|m)\b")
_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0}


def parse(lines: list[Line]) -> Parsed:
    """One record per epoch header that is followed by a summary line."""
    parsed = Parsed(DIALECT)
    epoch: int | None = None
    summary: Line | None = None

    def flush() -> None:
        if epoch is None or summary is None:
            return
        record: dict[str, float] = {"epoch": float(epoch - 1)}  # Keras counts from 1 on screen, 0 in History
        for name, value in pairs(summary.text):
            if name.lower() not in ("eta",):
                record[name] = value
        duration = _DURATION.search(summary.text)
        if duration:
            record["epoch_time"] = float(duration.group(1)) * _SECONDS[duration.group(2)]
        parsed.add(record, summary.number)

    for line in lines:
        header = _EPOCH.match(line.text)
        if header:
            flush()
            epoch, summary = int(header.group(1)), None
            parsed.planned = int(header.group(2))
        elif epoch is not None and _is_summary_candidate(line.text, summary):
            summary = line
    flush()
    return parsed


def _is_summary_candidate(text: str, current: Line | None) -> bool:
    """A loss line that may be the epoch summary: never one without ``val_`` after one with it."""
    if not (_METRIC.search(text) and "loss" in text):
        return False
    return current is None or "val_" in text or "val_" not in current.text
