"""Reader for OpenMMLab logs: mmengine ``scalars.json`` and mmcv/mmdetection 2.x ``*.log.json``.

Both are JSON Lines. In the 2.x ``<timestamp>.log.json`` the first line
holds ``env_info``/``config``/``seed``, training lines carry ``"mode":
"train"``, the ``epoch`` and an ``iter`` that restarts every epoch, and
evaluation lines ``"mode": "val"`` with the metrics of the finished epoch.
Read by ``iter`` alone, an epoch-based run splits into one short run per
epoch, so epoch and iteration are folded into one global step: each epoch
starts where the previous epoch's last logged iteration ended.

mmengine's ``scalars.json`` (``LocalVisBackend``) already writes a global
``step`` on training lines (with ``epoch``, ``iter``, ``lr``, ``loss``,
``time``, ``data_time``, ``memory`` in MB); its evaluation lines have no
``lr`` or ``epoch`` and, in an epoch-based loop, their ``step`` is the epoch
number, which is placed at the last training step of that epoch. Keys that
only evaluation lines carry are validation metrics; the evaluation loop's own
``time``/``data_time`` are dropped (they would collide with the training
step's at the same step, and no rule judges evaluation speed).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from loganalyzer.ingest.build import RunParts
from loganalyzer.ingest.source import LogSource, ReadOptions
from loganalyzer.ingest.text import records as jsonlines

FORMAT = "mmengine"

#: Keys of a training line's bookkeeping (never evaluation metrics).
BOOKKEEPING = frozenset({"mode", "epoch", "iter", "step", "lr", "base_lr", "time", "data_time", "memory"})

#: Per-iteration speed of the evaluation loop: not the training's, and no rule judges it.
EVALUATION_SPEED = frozenset({"time", "data_time", "lr", "base_lr", "memory"})

#: First-line keys of an mmcv 2.x log.json (the run's environment, not a data row).
ENVIRONMENT_KEYS = frozenset({"env_info", "config", "seed", "exp_name", "hook_msgs"})


def sniff(path: Path, head: bytes) -> bool:
    """A 2.x ``mode``/``epoch``/``iter`` line, or a scalars.json line with step, time and data_time."""
    del path
    for record in jsonlines.head_records(head):
        if ENVIRONMENT_KEYS.intersection(record):
            continue
        if record.get("mode") in ("train", "val") and "epoch" in record and "iter" in record:
            return True
        if {"step", "time", "data_time"}.issubset(record):
            return True
    return False


def read(source: LogSource, options: ReadOptions) -> list[RunParts]:
    """Fold epoch and iteration into one step, place evaluation lines, read the rest as records."""
    del options  # nothing to tune for this format
    found = jsonlines.read_records(source.paths[0], source.name)
    metadata: dict[str, Any] = {}
    rows: list[dict[str, Any]] = []
    lines: list[int] = []
    for record, line in zip(found.records, found.lines, strict=True):
        if ENVIRONMENT_KEYS.intersection(record) and "mode" not in record and "step" not in record:
            metadata.update({k: record[k] for k in ("seed", "exp_name") if k in record})
            continue
        rows.append(record)
        lines.append(line)
    legacy = any("mode" in row for row in rows)
    placed = _legacy_steps(rows) if legacy else _scalars_steps(rows)
    training_keys: set[str] = set()
    evaluation_keys: set[str] = set()
    for row, (_, _, training) in zip(rows, placed, strict=True):
        (training_keys if training else evaluation_keys).update(row)
    shared = (evaluation_keys & training_keys) - BOOKKEEPING
    records = []
    for row, (step, epoch, training) in zip(rows, placed, strict=True):
        record = {
            # A 2.x ``val`` workflow logs ``loss`` again: the evaluation's own, kept apart.
            (f"val/{k}" if not training and k in shared else k): v
            for k, v in row.items()
            if k not in ("mode", "iter", "step", "epoch") and (training or k not in EVALUATION_SPEED)
        }
        record["step"] = step
        if epoch is not None:
            record["epoch"] = epoch
        records.append(record)
    overrides = jsonlines.validation_keys(evaluation_keys - training_keys - BOOKKEEPING)
    fmt = "mmcv-log-json" if legacy else FORMAT
    return jsonlines.to_parts(
        source, fmt, records, lines, found.diagnostics, metadata=metadata, key_overrides=overrides
    )


def _legacy_steps(rows: list[dict[str, Any]]) -> list[tuple[int, float | None, bool]]:
    """(global step, epoch, is training) per 2.x line: epochs laid end to end by their last iteration."""
    offset = 0
    current_epoch: object = None
    last_iter = 0
    placed: list[tuple[int, float | None, bool]] = []
    for row in rows:
        epoch = _int(row.get("epoch"))
        training = row.get("mode", "train") == "train"
        if training:
            if epoch != current_epoch:
                offset += last_iter
                current_epoch, last_iter = epoch, 0
            iteration = _int(row.get("iter")) or 0
            last_iter = max(last_iter, iteration)
            placed.append((offset + iteration, float(epoch) if epoch is not None else None, True))
        else:
            placed.append((offset + last_iter, float(epoch) if epoch is not None else None, False))
    return placed


def _scalars_steps(rows: list[dict[str, Any]]) -> list[tuple[int, float | None, bool]]:
    """(step, epoch, is training) per scalars.json line; epoch-numbered evaluations go to the epoch end."""
    last_step_of_epoch: dict[int, int] = {}
    for row in rows:
        epoch, step = _int(row.get("epoch")), _int(row.get("step"))
        if _is_training(row) and epoch is not None and step is not None:
            last_step_of_epoch[epoch] = max(step, last_step_of_epoch.get(epoch, step))
    epoch_based = bool(last_step_of_epoch) and any("epoch" in row for row in rows)
    placed: list[tuple[int, float | None, bool]] = []
    for row in rows:
        step = _int(row.get("step")) or 0
        epoch = _int(row.get("epoch"))
        if _is_training(row):
            placed.append((step, float(epoch) if epoch is not None else None, True))
        elif epoch_based and step in last_step_of_epoch:
            placed.append((last_step_of_epoch[step], float(step), False))
        else:
            placed.append((step, None, False))
    return placed


def _is_training(row: dict[str, Any]) -> bool:
    """Training lines carry the learning rate or the epoch; evaluation lines neither."""
    return "lr" in row or "base_lr" in row or "epoch" in row or "loss" in row


def _int(value: object) -> int | None:
    """An integer counter from a JSON value, or None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value)
