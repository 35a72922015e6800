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

from pathlib import Path

from loganalyzer.ingest.build import RunParts
from loganalyzer.ingest.source import LogSource, ReadOptions
from loganalyzer.ingest.text import vocab
from loganalyzer.ingest.text.records import head_records, read_records
from loganalyzer.ingest.text.table import flatten, parse_number, table_from_records, to_run_parts

FORMAT = "jsonl"

#: How many leading lines the sniffer parses.
SNIFF_LINES = 5


def sniff(path: Path, head: bytes) -> bool:
    """Recognise JSON objects per line whose numeric keys look like a training log.

    The first line must be an object (later ones may be damaged). A JSONL data
    set (``{"text": ..., "label": 0}``) has no metric names, so it is not taken.
    """
    numeric_keys = [
        key
        for record in head_records(head, SNIFF_LINES)
        for key, value in flatten(record)
        if _is_number(value)
    ]
    return vocab.looks_like_training_log(dict.fromkeys(numeric_keys))


def read(source: LogSource, options: ReadOptions) -> list[RunParts]:
    """Parse every line; bad lines become diagnostics and the rest is read."""
    del options  # nothing to tune for this format
    path = source.paths[0]
    parsed = read_records(path, source.name)
    table = table_from_records(
        parsed.records, source=str(path), diagnostics=parsed.diagnostics, lines=parsed.lines
    )
    return to_run_parts(source, FORMAT, table, diagnostics=parsed.diagnostics)


def _is_number(value: object) -> bool:
    """Whether ``value`` would be read as a metric value."""
    try:
        return parse_number(value) is not None
    except (ValueError, OverflowError):
        return False
