"""Reader for DeiT/DETR-style ``log.txt``: one JSON object per epoch.

Facebook Research's training scripts (DeiT, DETR, ConvNeXt, MAE and their
many forks) append ``{"train_lr": ..., "train_loss": ..., "test_loss": ...,
"test_acc1": ..., "epoch": 3, "n_parameters": ...}`` to ``log.txt`` after each
epoch. Their ``test_*`` numbers are measured on the validation set the
scripts evaluate after every epoch, so they are validation metrics;
``n_parameters`` is a fact about the model, kept in metadata.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from loganalyzer.ingest import naming
from loganalyzer.ingest.build import RunParts
from loganalyzer.ingest.source import LogSource, ReadOptions
from loganalyzer.ingest.text import records as jsonlines
from loganalyzer.model.run import MetricKey, Split

FORMAT = "epoch-json-log"

#: Keys that describe the model rather than an epoch.
MODEL_FACTS = ("n_parameters",)


def sniff(path: Path, head: bytes) -> bool:
    """An ``epoch`` key with both ``train_*`` and ``test_*`` keys on the first line."""
    del path
    found = jsonlines.head_records(head, limit=1)
    if not found:
        return False
    keys = list(found[0])
    return (
        "epoch" in keys
        and any(k.startswith("train_") for k in keys)
        and any(k.startswith("test_") for k in keys)
    )


def read(source: LogSource, options: ReadOptions) -> list[RunParts]:
    """Read the epochs; ``test_*`` is validation, ``n_parameters`` metadata."""
    del options  # nothing to tune for this format
    found = jsonlines.read_records(source.paths[0], source.name)
    metadata: dict[str, Any] = {}
    records = []
    for record in found.records:
        for fact in MODEL_FACTS:
            if fact in record:
                metadata[fact] = record[fact]
        records.append({k: v for k, v in record.items() if k not in MODEL_FACTS})
    overrides: dict[str, MetricKey] = {}
    for record in records:
        for key in record:
            if key.startswith("test_") and key not in overrides:
                overrides[key] = MetricKey(Split.VALIDATION, naming.canonical_quantity(key[len("test_") :]))
    return jsonlines.to_parts(
        source, FORMAT, records, found.lines, found.diagnostics, metadata=metadata, key_overrides=overrides
    )
