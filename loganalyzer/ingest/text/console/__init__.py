"""Reader for plain-text console logs: what a training script printed.

The most common artifact of all: ``python train.py | tee train.log``, a
W&B ``output.log`` capture, a notebook's output. Four dialects are tried in
order, most specific first (see their modules): Keras ``model.fit``
(:mod:`.keras`), YOLO console tables (:mod:`.yolo`), OpenMMLab and Swin
logger lines (:mod:`.mmcv`), and generic ``name: value`` lines
(:mod:`.generic`).

Confidence rule (so that prose, source code or a data file is never taken
for a log): a file is a console log only when one dialect parses, from the
file's first kilobytes,

* Keras: an ``Epoch k/N`` header followed by a progress line with
  ``- loss: <number>``;
* YOLO: its column header followed by an epoch row;
* OpenMMLab/Swin: two lines with their ``Epoch [e][i/n]`` / ``Train:
  [e/E][i/n]`` header and a loss or accuracy value;
* generic: at least :data:`GENERIC_MIN_LINES` lines that each carry the
  same loss- or accuracy-named ``name: value`` pair with a number.

Files whose extension says they are data (CSV, JSON) are left to their readers.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from loganalyzer.errors import InputError
from loganalyzer.ingest.build import RunParts
from loganalyzer.ingest.source import HEAD_BYTES, LogSource, ReadOptions
from loganalyzer.ingest.text import outline
from loganalyzer.ingest.text.console import generic, keras, mmcv, yolo
from loganalyzer.ingest.text.console.text import Line, console_lines
from loganalyzer.ingest.text.console.types import Parsed
from loganalyzer.ingest.text.files import read_text
from loganalyzer.ingest.text.table import table_from_records, to_run_parts
from loganalyzer.model.run import Diagnostic

FORMAT = "console-log"

#: Lines of the same loss or accuracy the generic dialect needs before it believes a file.
GENERIC_MIN_LINES = 3

#: Extensions of data files, never console output.
DATA_SUFFIXES = frozenset({".csv", ".tsv", ".json", ".jsonl", ".ndjson", ".xml", ".html", ".htm", ".svg"})


def sniff(path: Path, head: bytes) -> bool:
    """Whether one dialect is confident about the head (see the module docstring)."""
    if b"\x00" in head or path.suffix.lower() in DATA_SUFFIXES:
        return False
    text = outline.head_text(head)
    if _starts_json(text):
        return False
    if len(head) >= HEAD_BYTES:
        # The last line (or progress-bar state) may be cut off.
        text = text[: max(text.rfind("\n"), text.rfind("\r")) + 1] or text
    return _confident(console_lines(text)) is not None


def read(source: LogSource, options: ReadOptions) -> list[RunParts]:
    """Parse the whole file with the dialect that is confident about it."""
    del options  # nothing to tune for this format
    path = source.paths[0]
    text = read_text(path, source.name)
    parsed = _confident(console_lines(text))
    if parsed is None:
        raise InputError(source.name, "no training metrics found in this console log")
    diagnostics: list[Diagnostic] = []
    table = table_from_records(parsed.records, source=str(path), diagnostics=diagnostics, lines=parsed.lines)
    metadata: dict[str, object] = {"dialect": parsed.dialect}
    if parsed.planned is not None:
        metadata["epochs_planned"] = parsed.planned
    return to_run_parts(
        source, f"console-{parsed.dialect}", table, diagnostics=diagnostics, metadata=metadata
    )


def _starts_json(text: str) -> bool:
    """Whether ``text`` opens a JSON document (a bracket alone, or a first line that parses)."""
    first = text.lstrip().split("\n", 1)[0].strip()
    if first in ("{", "["):
        return True
    if not first.startswith(("{", "[")):
        return False
    try:
        json.loads(first)
    except ValueError:
        return False
    return True


def _confident(lines: list[Line]) -> Parsed | None:
    """The first dialect whose parse of ``lines`` meets its confidence rule, or None."""
    parsers: tuple[tuple[Callable[[list[Line]], Parsed], Callable[[Parsed], bool]], ...] = (
        (keras.parse, lambda p: bool(p.records)),
        (yolo.parse, lambda p: bool(p.records)),
        (mmcv.parse, lambda p: len(p.records) >= 2 and p.recurring_loss(2)),
        (generic.parse, lambda p: p.recurring_loss(GENERIC_MIN_LINES)),
    )
    for parse, enough in parsers:
        parsed = parse(lines)
        if enough(parsed):
            return parsed
    return None
