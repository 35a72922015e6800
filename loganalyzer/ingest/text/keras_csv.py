r"""Reader for training logs written as CSV: Keras CSVLogger and its many cousins.

One reader covers every table with a header of metric names and one row per
epoch or logging step, because they differ only in details:

* Keras ``CSVLogger`` (``epoch`` first, ``NA`` for a key not yet logged,
  ``nan``/``inf`` for real non-finite values, ``\\r\\n`` or ``\\r\\r\\n``, a custom
  separator, often named ``training.log``);
* a History written by pandas ``to_csv`` (an unnamed index column, header
  ``,loss,val_loss`` or ``Unnamed: 0``; or none with ``index=False``; empty cells
  for NaN);
* Lightning ``metrics.csv`` (``epoch`` and ``step`` columns, sparse rows where
  an empty cell means "not logged in this row");
* Ultralytics ``results.csv`` (1-based ``epoch``, cells padded to 23
  characters in old versions, a ``time`` column of seconds since the start);
* hand-written ``epoch,train_loss,val_loss`` files, with hyper-parameters
  repeated on every row.

Rules: cells and header names are stripped of padding; an empty or ``NA``
cell is a missing point, ``nan`` a NaN value; a column whose cells are all
text (``True``, ``adam``) is configuration, kept in metadata, not a series;
the index is ``step`` if there is one, else ``epoch``, else the pandas index,
else row order (the 0-based epoch, as Keras counts). A repeated header line
(files pasted together) or an index that restarts begins a new run, see
:mod:`loganalyzer.ingest.text.segments`. Short, long and unparsable rows and
non-numeric cells are diagnostics with their line; the rest is read.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from loganalyzer.errors import InputError
from loganalyzer.ingest.build import RunParts
from loganalyzer.ingest.source import HEAD_BYTES, LogSource, ReadOptions
from loganalyzer.ingest.text import outline, shapes, vocab
from loganalyzer.ingest.text.files import ends_with_terminator, physical_lines, read_text
from loganalyzer.ingest.text.table import MISSING_TOKENS, Column, IndexKind, Table, to_run_parts
from loganalyzer.model.run import Diagnostic, PositionUnit

FORMAT = "keras-csv"

#: Separators tried, in order of preference on a tie.
DELIMITERS = (",", ";", "\t")

#: Header names of a pandas index column written by ``to_csv`` (compared in lower case).
PANDAS_INDEX_NAMES = frozenset({"", "unnamed: 0"})

#: Extensions that belong to other readers.
_NOT_CSV_SUFFIXES = frozenset({".json", ".jsonl", ".ndjson"})

_DECIMAL_COMMA = re.compile(r"-?\d+,\d+(?:[eE][-+]?\d+)?")

_INDEX_PRIORITY: dict[IndexKind, int] = {"step": 2, "epoch": 1, "row": 0}


def sniff(path: Path, head: bytes) -> bool:
    """Recognise a header of metric names (see :mod:`._textvocab`) followed, if at all, by a numeric row."""
    if b"\x00" in head or path.suffix.lower() in _NOT_CSV_SUFFIXES or outline.first_line_is_object(head):
        return False  # NUL bytes: a binary file (a checkpoint, an event file), never a CSV
    try:
        return _sniff_table(head)
    except csv.Error:  # stray carriage returns and the like: not a table we would read either
        return False


def _sniff_table(head: bytes) -> bool:
    """The content test of :func:`sniff`."""
    text = outline.head_text(head)
    lines = physical_lines(text)
    if len(head) >= HEAD_BYTES and lines:
        lines.pop()  # possibly cut off by the head limit
        text = "\n".join(lines) + "\n"
    candidates = [line for line in lines if line.strip()][:2]
    if not candidates:
        return False
    delimiter = sniff_delimiter(candidates[0])
    header = _cells(candidates[0], delimiter)
    if len(header) < 2 or any(_is_number(cell) for cell in header):
        return False
    leading_index = header[0].lower() in PANDAS_INDEX_NAMES
    if not vocab.looks_like_training_log(header, has_index=leading_index):
        return False
    if len(candidates) == 1 or (candidates[1] == lines[-1] and not ends_with_terminator(text)):
        return True  # a header alone, or with a cut first row: the job died early
    row = _cells(candidates[1], delimiter)
    return len(row) in (len(header), len(header) + 1) and any(_is_number(cell) for cell in row)


def sniff_delimiter(header_line: str) -> str:
    """Choose the separator that splits the header into the most fields (``,`` on a tie)."""
    counts = [len(_cells(header_line, delimiter)) for delimiter in DELIMITERS]
    return DELIMITERS[counts.index(max(counts))]


@dataclass
class _Block:
    """The rows under one header line: raw cells (unstripped) and their line numbers."""

    header: list[str]
    header_line: int
    lines: list[int] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    implicit_index: bool = False  # rows have one more cell than the header: a pandas index

    @property
    def columns(self) -> list[str]:
        """The header aligned with the rows' cells (a blank name for an implicit index)."""
        return ["", *self.header] if self.implicit_index else self.header


def read(source: LogSource, options: ReadOptions) -> list[RunParts]:
    """Read the table, split appended runs and return one RunParts per run."""
    del options  # nothing to tune for this format
    path = source.paths[0]
    text = read_text(path, source.name)
    diagnostics: list[Diagnostic] = []
    blocks = _parse_blocks(text, source.name, str(path), diagnostics)
    table, metadata = _assemble(blocks, str(path), diagnostics)
    metadata.update(shapes.normalise(table, str(path), diagnostics))
    dialect = _dialect(blocks[0].header) if blocks else FORMAT
    return to_run_parts(source, dialect, table, diagnostics=diagnostics, metadata=metadata)


def _dialect(header: list[str]) -> str:
    """Which writer made the table, for the run's format label (every dialect reads the same way).

    Ultralytics results.csv has ``train/box_loss``-style and ``metrics/...``
    columns; Lightning's metrics.csv has both ``epoch`` and ``step`` index
    columns; anything else is read as a Keras CSVLogger/History table.
    """
    names = [name.strip() for name in header]
    known = shapes.dialect(names)
    if known is not None:
        return known
    if _is_ultralytics(names) or any(name.startswith("metrics/") for name in names):
        return "ultralytics-csv"
    if "epoch" in names and "step" in names:
        return "lightning-csv"
    return FORMAT


def _parse_blocks(text: str, label: str, path: str, diagnostics: list[Diagnostic]) -> list[_Block]:
    """Cut the file into header blocks of raw rows, reporting rows of the wrong length.

    This loop runs once per line of logs that can have millions, so it does
    the least it can: cells are stripped only when a row might be a header.
    """
    lines = physical_lines(text)
    header_line = next((line for line in lines if line.strip()), None)
    if header_line is None:
        raise InputError(label, "empty file")
    delimiter = sniff_delimiter(header_line)
    finished = ends_with_terminator(text)
    blocks: list[_Block] = []
    block = _Block([], 0)
    width = 0
    reader = csv.reader(lines, delimiter=delimiter, skipinitialspace=True)
    try:
        for raw in reader:
            if not raw:
                continue
            line = reader.line_num
            try:
                float(raw[0])
            except ValueError:  # not a number first: blank, a header, or a damaged row
                cells = [cell.strip() for cell in raw]
                if not any(cells):
                    continue
                if not blocks or _is_header(cells, block.header):
                    block = _Block(cells, line)
                    blocks.append(block)
                    width = len(cells)
                    continue
            if len(raw) != width:
                if not block.rows and len(raw) == width + 1 and blocks:
                    block.implicit_index = True
                    width += 1
                else:
                    unfinished = line == len(lines) and not finished
                    diagnostics.append(_bad_length(path, line, len(raw), width, unfinished=unfinished))
                    continue
            block.lines.append(line)
            block.rows.append(raw)
    except csv.Error as exc:
        raise InputError(label, f"line {reader.line_num}: cannot parse as CSV ({exc})") from None
    if not blocks or len(blocks[0].header) < 2:
        raise InputError(label, "not a CSV training log: the header has fewer than two columns")
    return blocks


def _is_header(cells: list[str], current: list[str]) -> bool:
    """Whether a row is a header line: no numbers, and the current header again or metric names."""
    if any(_is_number(cell) for cell in cells) or all(cell.lower() in MISSING_TOKENS for cell in cells):
        return False
    if cells == current:
        return True
    shared = len(set(cells) & set(current))
    return shared * 2 >= len(cells) or vocab.looks_like_training_log(cells)


def _bad_length(path: str, line: int, found: int, expected: int, *, unfinished: bool) -> Diagnostic:
    """Report a row whose cell count does not match its header."""
    if unfinished:
        return Diagnostic(
            path,
            "truncated-line",
            f"line {line}: the last line is incomplete ({found} of {expected} cells; the writer "
            "stopped mid-line); skipped",
            line,
            PositionUnit.LINE,
        )
    code = "short-row" if found < expected else "long-row"
    return Diagnostic(
        path,
        code,
        f"line {line}: {found} cells where the header has {expected}; the row is skipped "
        "rather than guessing which columns moved",
        line,
        PositionUnit.LINE,
    )


@dataclass
class _Layout:
    """How one header block maps onto the table: index columns and metric columns."""

    index_kind: IndexKind
    index_column: int | None
    epoch_column: int | None
    metrics: dict[str, int]


def _layout(
    block: _Block, cells_by_column: list[tuple[str, ...]], path: str, diagnostics: list[Diagnostic]
) -> _Layout:
    """Find the index columns of a block and the metric columns that remain."""
    header = block.columns
    step_column = next((j for j, name in enumerate(header) if vocab.index_kind(name) == "step"), None)
    epoch_column = next((j for j, name in enumerate(header) if vocab.index_kind(name) == "epoch"), None)
    pandas_column = 0 if header[0].lower() in PANDAS_INDEX_NAMES else None
    if step_column is not None:
        kind: IndexKind = "step"
        index_column = step_column
    elif epoch_column is not None:
        kind, index_column = "epoch", epoch_column
    elif pandas_column is not None:
        kind, index_column = "epoch", pandas_column
    else:
        kind, index_column = "row", None
    skipped = {j for j in (step_column, epoch_column, pandas_column) if j is not None}
    metrics: dict[str, int] = {}
    for j, name in enumerate(header):
        if j in skipped:
            continue
        problem = None
        if not name and any(cell.strip() for cell in cells_by_column[j]):
            problem = ("unnamed-column", f"column {j + 1} has no name; it is not read")
        elif name in metrics:
            problem = ("duplicate-column", f"column {name!r} appears twice; the first one is read")
        if problem is not None:
            code, message = problem
            line = block.header_line
            diagnostics.append(Diagnostic(path, code, f"line {line}: {message}", line, PositionUnit.LINE))
        elif name:
            metrics[name] = j
    return _Layout(kind, index_column, epoch_column if kind == "step" else None, metrics)


@dataclass
class _Columns:
    """The table being assembled from blocks, one block after the other."""

    n_rows: int = 0
    lines: list[np.ndarray] = field(default_factory=list)
    index: list[np.ndarray] = field(default_factory=list)
    epoch: list[np.ndarray] = field(default_factory=list)
    forced_starts: list[int] = field(default_factory=list)
    pieces: dict[str, list[tuple[int, np.ndarray, np.ndarray]]] = field(default_factory=dict)
    text_values: dict[str, list[tuple[int, Any]]] = field(default_factory=dict)

    def column(self, name: str) -> Column:
        """Return the whole-table column ``name``, absent in the blocks that lack it."""
        values = np.full(self.n_rows, np.nan)
        present = np.zeros(self.n_rows, dtype=bool)
        for offset, part_values, part_present in self.pieces[name]:
            values[offset : offset + len(part_values)] = part_values
            present[offset : offset + len(part_present)] = part_present
        return Column(values, present)


def _assemble(blocks: list[_Block], path: str, diagnostics: list[Diagnostic]) -> tuple[Table, dict[str, Any]]:
    """Convert every block's cells and lay them out as one table with a row per kept data row."""
    transposed = [_transpose(block) for block in blocks]
    layouts = [
        _layout(block, cells, path, diagnostics) for block, cells in zip(blocks, transposed, strict=True)
    ]
    kind = max((layout.index_kind for layout in layouts), key=_INDEX_PRIORITY.__getitem__)
    built = _Columns()
    for block, cells, layout in zip(blocks, transposed, layouts, strict=True):
        _add_block(built, block, cells, layout, kind, path, diagnostics)

    metadata: dict[str, Any] = {}
    if layouts[0].index_column is not None:
        metadata["index_column"] = blocks[0].columns[layouts[0].index_column]
    table = Table(
        n_rows=built.n_rows,
        columns={name: built.column(name) for name in built.pieces},
        index=np.concatenate(built.index) if kind != "row" else None,
        index_kind=kind,
        rows_are_epochs=True,
        epoch=np.concatenate(built.epoch) if kind == "step" else None,
        lines=np.concatenate(built.lines) if built.lines else np.zeros(0, dtype=np.int64),
        forced_starts=built.forced_starts,
        text_values=built.text_values,
    )
    if _is_ultralytics(blocks[0].header) and "time" in table.columns:
        # Seconds since training started: the run's clock, not a per-epoch duration.
        table.wall_time = table.columns.pop("time").values
        metadata["wall_time_column"] = "time"
    return table, metadata


def _transpose(block: _Block) -> list[tuple[str, ...]]:
    """Return the block's cells column by column."""
    return [tuple(row[j] for row in block.rows) for j in range(len(block.columns))]


def _add_block(
    built: _Columns,
    block: _Block,
    cells: list[tuple[str, ...]],
    layout: _Layout,
    kind: IndexKind,
    path: str,
    diagnostics: list[Diagnostic],
) -> None:
    """Append one block's rows to the table being built; rows without a usable index are dropped."""
    lines = np.asarray(block.lines, dtype=np.int64)
    keep = _usable_index(built, block, cells, layout, kind, path, diagnostics)
    row_of = np.cumsum(keep) - 1  # position among kept rows, per original row
    offset = built.n_rows
    if offset:
        built.forced_starts.append(offset)
    built.lines.append(lines[keep])
    if layout.epoch_column is not None:
        built.epoch.append(_numbers(cells[layout.epoch_column])[0][keep])
    else:
        built.epoch.append(np.full(int(keep.sum()), np.nan))
    for name, j in layout.metrics.items():
        values, present, bad = _numbers(cells[j])
        bad = [b for b in bad if keep[b]]
        if bad and not present[keep].any():  # all text: configuration, not a metric
            column = cells[j]
            built.text_values.setdefault(name, []).extend(
                (offset + int(row_of[b]), column[b].strip()) for b in bad
            )
            continue
        if bad:
            diagnostics.append(_bad_cells(path, name, [int(lines[b]) for b in bad], cells[j][bad[0]].strip()))
        built.pieces.setdefault(name, []).append((offset, values[keep], present[keep]))
    built.n_rows += int(keep.sum())


def _usable_index(
    built: _Columns,
    block: _Block,
    cells: list[tuple[str, ...]],
    layout: _Layout,
    kind: IndexKind,
    path: str,
    diagnostics: list[Diagnostic],
) -> np.ndarray:
    """Record the block's index values and return which rows have one (others are reported).

    A block without the file's index column (a later header that dropped
    ``epoch``) is numbered by row order; it starts its own run anyway.
    """
    n = len(block.rows)
    if kind == "row":
        return np.ones(n, dtype=bool)
    if layout.index_kind != kind or layout.index_column is None:
        built.index.append(np.arange(n, dtype=np.float64))
        return np.ones(n, dtype=bool)
    values, present, _ = _numbers(cells[layout.index_column])
    usable: np.ndarray = present & np.isfinite(values)
    for position in np.flatnonzero(~usable):
        line = block.lines[position]
        cell = cells[layout.index_column][position].strip()
        diagnostics.append(
            Diagnostic(
                path,
                "missing-index",
                f"line {line}: no usable {layout.index_kind} value ({cell!r}); the row is skipped",
                line,
                PositionUnit.LINE,
            )
        )
    built.index.append(values[usable])
    return usable


def _numbers(cells: Sequence[str]) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Values, present mask and the positions of unparsable cells of one column.

    The fast path hands the whole column to NumPy (which ignores padding); it
    fails on the first empty, ``NA`` or odd cell and then each cell is looked at.
    """
    try:
        values = np.array(cells, dtype=np.float64)
    except ValueError:
        pass
    else:
        return values, np.ones(len(cells), dtype=bool), []
    values = np.full(len(cells), np.nan)
    present = np.zeros(len(cells), dtype=bool)
    bad: list[int] = []
    for position, raw in enumerate(cells):
        cell = raw.strip()
        if cell.lower() in MISSING_TOKENS:
            continue
        try:
            values[position] = float(cell)
        except ValueError:
            if not _DECIMAL_COMMA.fullmatch(cell):
                bad.append(position)
                continue
            values[position] = float(cell.replace(",", "."))
        present[position] = True
    return values, present, bad


def _bad_cells(path: str, name: str, lines: list[int], example: str) -> Diagnostic:
    """Report a column's non-numeric cells once, pointing at the first."""
    more = f" and {len(lines) - 1} more" if len(lines) > 1 else ""
    return Diagnostic(
        path,
        "bad-value",
        f"column {name!r}: non-numeric cell {example!r} at line {lines[0]}{more}; read as missing",
        lines[0],
        PositionUnit.LINE,
    )


def _is_ultralytics(header: list[str]) -> bool:
    """Whether the header is Ultralytics ``results.csv`` (8.1+): ``epoch,time,`` then ``train/...``."""
    return header[:2] == ["epoch", "time"] and any(name.startswith("train/") for name in header)


def _cells(line: str, delimiter: str) -> list[str]:
    """Split one line by ``delimiter`` (quotes honoured) and strip the padding."""
    return [cell.strip() for cell in next(csv.reader([line], delimiter=delimiter, skipinitialspace=True), [])]


def _is_number(cell: str) -> bool:
    """Whether a cell holds a number (including ``nan``/``inf``)."""
    try:
        float(cell)
    except ValueError:
        return False
    return True
