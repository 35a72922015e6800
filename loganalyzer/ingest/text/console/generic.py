"""Any loop that prints ``name: value`` or ``name=value`` pairs per line.

``epoch 3 | train_loss=0.412 val_loss=0.523``, ``Epoch: 3, Loss: 0.41,
Acc: 0.85``, ``step=1200 loss=0.41`` and their many cousins. A line's index
is an ``epoch``/``step``/``iter`` value on it, or the epoch of the last line
above it that names an epoch and no metric (``Epoch 3/10``, ``resnet-50 -
Epoch 3/100``), or a tqdm bar's ``k/N`` counter on the line (a bar whose
``set_postfix`` shows the loss). A line that starts with a split word (``Test set: Average
loss: 0.52``, ``train Loss: 0.41``) gives that split to the names on it that
do not say their own. A line that starts with ``Best``, ``Final`` or
``Summary`` reports on the whole run and is not a point.
"""

from __future__ import annotations

import re

from loganalyzer.ingest.naming import SPLIT_WORDS
from loganalyzer.ingest.text import vocab
from loganalyzer.ingest.text.console.text import Line, pairs
from loganalyzer.ingest.text.console.types import Parsed

DIALECT = "key-value"

_EPOCH_HEADER = re.compile(r"\bepoch\W{0,3}(\d+)(?:\s*/\s*\d+)?\W*$", re.IGNORECASE)
_INLINE_INDEX = re.compile(
    r"\b(epoch|step|iter|iteration)\b\s*[:=#]?\s*\[?\s*(\d+)(?:\s*/\s*\d+)?", re.IGNORECASE
)
_TQDM_COUNTER = re.compile(r"\|\s*(\d+)/\d+\s*\[")
_SUMMARY_LINE = re.compile(r"^\W*(best|final|overall|summary)\b", re.IGNORECASE)
_LEADING_SPLIT = re.compile(r"^\W*([A-Za-z]+)(?:\s+set)?\s*:?\s", re.IGNORECASE)


def parse(lines: list[Line]) -> Parsed:
    """One record per line that holds at least one metric-named pair."""
    parsed = Parsed(DIALECT)
    context_epoch: float | None = None
    for line in lines:
        if _SUMMARY_LINE.match(line.text):
            continue
        found = [(n, v) for n, v in pairs(line.text) if vocab.is_metric_name(n) or vocab.index_kind(n)]
        if not any(vocab.is_metric_name(n) for n, _ in found):
            header = _EPOCH_HEADER.search(line.text)
            if header:
                context_epoch = float(header.group(1))
            continue
        record: dict[str, float] = {}
        for match in _INLINE_INDEX.finditer(line.text):
            kind = "epoch" if match.group(1).lower() == "epoch" else "step"
            record.setdefault(kind, float(match.group(2)))
        if "epoch" not in record and "step" not in record:
            counter = _TQDM_COUNTER.search(line.text)
            if counter is not None:
                record["step"] = float(counter.group(1))
            elif context_epoch is not None:
                record["epoch"] = context_epoch
        split = _leading_split(line.text)
        for name, value in found:
            if vocab.index_kind(name):
                continue
            record[f"{split}_{name}" if split and not vocab.names_split(name) else name] = value
        parsed.add(record, line.number)
    return parsed


def _leading_split(text: str) -> str | None:
    """The split word a line starts with (``Test set:``, ``val:``, ``train Loss``), if any."""
    match = _LEADING_SPLIT.match(text)
    if match is None or match.group(1).lower() not in SPLIT_WORDS:
        return None
    return match.group(1).lower()
