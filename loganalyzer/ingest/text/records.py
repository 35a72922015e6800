"""JSON Lines plumbing shared by every reader of one-JSON-object-per-line logs.

Plain JSON Lines logs, Detectron2, mmengine/mmdetection, DeiT/DETR,
LLaMA-Factory and W&B all append one JSON object per line; they differ in
what the keys mean. This module parses the lines (bad ones become
diagnostics, an unfinished last line is reported as truncated) and gives
sniffers the first records of a head, so each reader only states its
format's conventions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loganalyzer.ingest import naming
from loganalyzer.ingest.build import RunParts
from loganalyzer.ingest.source import HEAD_BYTES, LogSource
from loganalyzer.ingest.text import outline, vocab
from loganalyzer.ingest.text.files import ends_with_terminator, load_json, physical_lines, read_text
from loganalyzer.ingest.text.table import table_from_records, to_run_parts
from loganalyzer.model.run import Diagnostic, MetricKey, PositionUnit, Split

#: How many leading records sniffers look at.
SNIFF_RECORDS = 5


@dataclass
class Records:
    """The objects of a JSON Lines file with their line numbers, and the problems met."""

    records: list[dict[str, Any]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


def head_records(head: bytes, limit: int = SNIFF_RECORDS) -> list[dict[str, Any]]:
    """The first complete JSON objects of ``head``, one per line; [] when the first line is not one."""
    if not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return []
    lines = [line for line in physical_lines(outline.head_text(head)) if line.strip()]
    if len(head) >= HEAD_BYTES and lines:
        lines.pop()  # possibly cut off by the head limit
    found: list[dict[str, Any]] = []
    for position, line in enumerate(lines[:limit]):
        try:
            record = load_json(line)
        except ValueError:
            if position == 0:
                return []
            continue
        if isinstance(record, dict):
            found.append(record)
        elif position == 0:
            return []
    return found


def read_records(path: Path, label: str) -> Records:
    """Parse every line of ``path``; lines that are not JSON objects become diagnostics."""
    text = read_text(path, label)
    lines = physical_lines(text)
    finished = ends_with_terminator(text)
    out = Records()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = load_json(line)
        except ValueError as exc:
            if number == len(lines) and not finished:
                message, code = (
                    "the last line is incomplete (the writer stopped mid-line); skipped",
                    "truncated-line",
                )
            else:
                message, code = f"not valid JSON ({exc}); skipped", "bad-line"
            out.diagnostics.append(
                Diagnostic(str(path), code, f"line {number}: {message}", number, PositionUnit.LINE)
            )
            continue
        if not isinstance(record, dict):
            message = f"line {number}: a JSON {type(record).__name__}, not an object; skipped"
            out.diagnostics.append(Diagnostic(str(path), "bad-line", message, number, PositionUnit.LINE))
            continue
        out.records.append(record)
        out.lines.append(number)
    return out


def to_parts(
    source: LogSource,
    fmt: str,
    records: list[dict[str, Any]],
    lines: list[int],
    diagnostics: list[Diagnostic],
    *,
    metadata: dict[str, Any] | None = None,
    key_overrides: dict[str, MetricKey] | None = None,
) -> list[RunParts]:
    """Records (already rewritten to the format's meaning) into one RunParts per run."""
    table = table_from_records(records, source=str(source.paths[0]), diagnostics=diagnostics, lines=lines)
    parts = to_run_parts(source, fmt, table, diagnostics=diagnostics, metadata=metadata)
    for part in parts:
        part.key_overrides = dict(key_overrides or {})
    return parts


def validation_keys(names: Iterable[str]) -> dict[str, MetricKey]:
    """Keys that only evaluation rows carry, mapped to the validation split.

    Detectron2 writes ``bbox/AP`` and mmengine ``coco/bbox_mAP`` or
    ``accuracy/top1`` in evaluation rows, without a split word; read by name
    they would count as training metrics. A name that says its split keeps it.
    """
    overrides = {}
    for name in names:
        if vocab.names_split(name):
            continue
        overrides[name] = MetricKey(Split.VALIDATION, naming.canonical_quantity(name))
    return overrides
