"""Reader for Detectron2's ``metrics.json`` (JSON Lines written by ``JSONWriter``).

Each training line holds the smoothed losses (``total_loss``, ``loss_cls`` ...),
``lr``, ``time`` and ``data_time`` (seconds per iteration), ``eta_seconds``,
``max_mem`` (MB, on CUDA) and the ``iteration``. Evaluation results
(``bbox/AP``, ``segm/AP50`` ...) are written as separate lines at the
iteration of the evaluation (without a loss or learning rate), or merged into
the training line of that iteration: keys only evaluation lines carry, and
the evaluators' ``bbox/``, ``segm/``, ``keypoints/``, ``sem_seg/`` and
``panoptic_seg/`` results, are validation metrics.
"""

from __future__ import annotations

from pathlib import Path

from loganalyzer.ingest import naming
from loganalyzer.ingest.build import RunParts
from loganalyzer.ingest.source import LogSource, ReadOptions
from loganalyzer.ingest.text import records as jsonlines
from loganalyzer.model.run import Quantity

FORMAT = "detectron2"

#: Keys every Detectron2 training line carries besides the losses.
TRAINING_MARKERS = frozenset({"data_time", "eta_seconds", "total_loss", "lr"})

#: Name prefixes of Detectron2's evaluators (COCO, LVIS, semantic and panoptic segmentation).
EVALUATOR_PREFIXES = ("bbox/", "segm/", "keypoints/", "sem_seg/", "panoptic_seg/")

#: Keys that are the iteration's bookkeeping, not evaluation metrics.
BOOKKEEPING = frozenset({"iteration", "data_time", "time", "eta_seconds", "lr", "max_mem", "rank_data_time"})


def sniff(path: Path, head: bytes) -> bool:
    """An ``iteration`` counter with at least two of Detectron2's training keys in the first lines."""
    del path
    for record in jsonlines.head_records(head):
        if "iteration" in record and len(TRAINING_MARKERS.intersection(record)) >= 2:
            return True
    return False


def read(source: LogSource, options: ReadOptions) -> list[RunParts]:
    """Read the lines; keys seen only on evaluation lines are validation metrics."""
    del options  # nothing to tune for this format
    found = jsonlines.read_records(source.paths[0], source.name)
    training_keys: set[str] = set()
    evaluation_keys: set[str] = set()
    for record in found.records:
        training = "total_loss" in record or "lr" in record
        (training_keys if training else evaluation_keys).update(record)
    evaluator_keys = {k for k in training_keys | evaluation_keys if k.startswith(EVALUATOR_PREFIXES)}
    overrides = jsonlines.validation_keys((evaluation_keys - training_keys - BOOKKEEPING) | evaluator_keys)
    overrides["max_mem"] = naming.resolve(Quantity.MEMORY.value).key
    return jsonlines.to_parts(
        source, FORMAT, found.records, found.lines, found.diagnostics,
        metadata={"units": {"time": "s/iteration", "data_time": "s/iteration", "max_mem": "MB"}},
        key_overrides=overrides,
    )  # fmt: skip
