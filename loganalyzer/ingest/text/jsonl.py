"""Reader for JSON Lines training logs: one JSON object per line.

Hand-written loggers often append ``json.dumps(record)`` per epoch or per step,
with nested dicts (``{"train": {"loss": 1.2}, "val": {"loss": 1.4}}``) and
configuration flags on every line. Nested keys are joined with ``.``
(``train.loss``); numbers (also numbers written as strings) become series;
strings, booleans and lists are configuration, kept in metadata as
``text_values``, never as series. ``epoch`` or ``step`` (when present) is the
index; a logger opened in append mode leaves several runs, split as described
in :mod:`loganalyzer.ingest.text.segments`. A line that does not parse is a
diagnostic, and the last one is reported as truncated when the file ends
without a line break (a killed job).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from loganalyzer.ingest.build import RunParts
from loganalyzer.ingest.source import HEAD_BYTES, LogSource, ReadOptions
from loganalyzer.ingest.text import outline, vocab
from loganalyzer.ingest.text.files import ends_with_terminator, physical_lines, read_text
from loganalyzer.ingest.text.table import flatten, parse_number, table_from_records, to_run_parts
from loganalyzer.model.run import Diagnostic, PositionUnit

FORMAT = "jsonl"

#: How many leading lines the sniffer parses.
SNIFF_LINES = 5


def sniff(path: Path, head: bytes) -> bool:
    """Recognise JSON objects per line whose numeric keys look like a training log.

    The first line must be an object (later ones may be damaged). A JSONL data
    set (``{"text": ..., "label": 0}``) has no metric names, so it is not taken.
    """
    if not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return False
    lines = physical_lines(outline.head_text(head))
    if len(head) >= HEAD_BYTES and lines:
        lines.pop()  # possibly cut off by the head limit
    numeric_keys: list[str] = []
    for position, line in enumerate([line for line in lines if line.strip()][:SNIFF_LINES]):
        try:
            record = json.loads(line)
        except ValueError:
            record = None
        if not isinstance(record, dict):
            if position == 0:
                return False  # later lines may be damaged; the first one must be a record
            continue
        numeric_keys.extend(key for key, value in flatten(record) if _is_number(value))
    return vocab.looks_like_training_log(dict.fromkeys(numeric_keys))


def read(source: LogSource, options: ReadOptions) -> list[RunParts]:
    """Parse every line; bad lines become diagnostics and the rest is read."""
    del options  # nothing to tune for this format
    path = source.paths[0]
    text = read_text(path, source.name)
    lines = physical_lines(text)
    finished = ends_with_terminator(text)
    diagnostics: list[Diagnostic] = []
    records: list[dict[str, Any]] = []
    record_lines: list[int] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as exc:
            diagnostics.append(_bad_line(str(path), number, exc, last=number == len(lines) and not finished))
            continue
        if not isinstance(record, dict):
            diagnostics.append(
                Diagnostic(
                    str(path),
                    "bad-line",
                    f"line {number}: a JSON {type(record).__name__}, not an object; skipped",
                    number,
                    PositionUnit.LINE,
                )
            )
            continue
        records.append(record)
        record_lines.append(number)
    table = table_from_records(records, source=str(path), diagnostics=diagnostics, lines=record_lines)
    return to_run_parts(source, FORMAT, table, diagnostics=diagnostics)


def _bad_line(path: str, number: int, error: ValueError, *, last: bool) -> Diagnostic:
    """Report a line that is not JSON: as truncated when it is the unfinished last line."""
    if last:
        return Diagnostic(
            path,
            "truncated-line",
            f"line {number}: the last line is incomplete (the writer stopped mid-line); skipped",
            number,
            PositionUnit.LINE,
        )
    return Diagnostic(
        path, "bad-line", f"line {number}: not valid JSON ({error}); skipped", number, PositionUnit.LINE
    )


def _is_number(value: object) -> bool:
    """Whether ``value`` would be read as a metric value."""
    try:
        return parse_number(value) is not None
    except (ValueError, OverflowError):
        return False
