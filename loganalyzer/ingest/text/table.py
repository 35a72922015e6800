"""The table every text reader fills, and its conversion into one RunParts per run.

CSV rows, JSONL lines, History records and trainer-state log entries are all
rows of one table: an optional index (epoch or step) per row, the physical line
of each row, and one column per metric with a *present* mask, because an
empty cell means "not logged here" while ``nan`` is a logged NaN. Readers only
parse their syntax into a :class:`Table`; splitting appended runs, turning the
index into steps and epochs, and cutting per-run series happen here once.
"""

from __future__ import annotations

import bisect
import json
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from loganalyzer.ingest.build import RawSeries, RunParts
from loganalyzer.ingest.source import LogSource
from loganalyzer.ingest.text import vocab
from loganalyzer.ingest.text.segments import segment_starts
from loganalyzer.model.run import Diagnostic, PositionUnit

#: Cell texts that mean "no value here" (Keras CSVLogger writes ``NA`` for a key it lacks).
MISSING_TOKENS = frozenset({"", "na", "n/a", "null", "none", "<na>"})

#: Names of a wall-clock column (lower case). Naming maps ``time`` to an epoch duration, so a
#: column of Unix timestamps left as a series would look like ever-growing epochs.
CLOCK_NAMES = frozenset({"time", "timestamp", "_timestamp", "wall_time", "walltime", "wall_clock"})

#: Smallest value taken for a Unix timestamp in seconds (September 2001).
UNIX_SECONDS_FLOOR = 1e9

#: At most this many distinct values of a non-numeric key are kept in metadata.
MAX_TEXT_VALUES = 20

IndexKind = Literal["epoch", "step", "row"]


@dataclass
class Column:
    """One metric over all rows: ``values`` where ``present`` is True, anything elsewhere."""

    values: np.ndarray
    present: np.ndarray


@dataclass
class Table:
    """A text log read into rows, before it is split into runs.

    ``index`` holds each row's epoch or step as written (per ``index_kind``),
    or is None when rows are only ordered (``index_kind == "row"``), in which
    case ``rows_are_epochs`` says whether the k-th row of a run is epoch k
    (Keras History) or just the k-th record (a JSONL without a counter).
    ``epoch`` gives the epoch of each row when it is not the index itself
    (Lightning's and Hugging Face's fractional epochs next to a step).
    ``forced_starts`` are rows that start a run whatever the index says (the
    first row after a repeated header line). ``text_values`` keeps the
    non-numeric values of each key as ``(row, value)``, for metadata.
    """

    n_rows: int
    columns: dict[str, Column]
    index: np.ndarray | None = None
    index_kind: IndexKind = "row"
    rows_are_epochs: bool = False
    epoch: np.ndarray | None = None
    wall_time: np.ndarray | None = None
    lines: np.ndarray | None = None
    forced_starts: list[int] = field(default_factory=list)
    text_values: dict[str, list[tuple[int, Any]]] = field(default_factory=dict)


def parse_number(value: object) -> float | None:
    """Read a JSON or CSV value as a float; None means "missing", ValueError "not a number".

    Numbers written as strings (``"0.001"``, ``"nan"``, ``"Infinity"``) are
    numbers: a History saved with ``default=str`` looks like that. Booleans
    are flags, not numbers.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError("a boolean is not a metric value")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        if text.lower() in MISSING_TOKENS:
            return None
        return float(text)
    raise ValueError(f"a {type(value).__name__} is not a metric value")


def flatten(record: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """``(key, value)`` pairs of ``record`` with nested dicts joined by ``.`` (``train.loss``)."""
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            yield from flatten(value, name + ".")
        else:
            yield name, value


def table_from_records(
    records: Sequence[Mapping[str, Any]],
    *,
    source: str,
    diagnostics: list[Diagnostic],
    lines: Sequence[int] | None = None,
    row_index: Sequence[float] | None = None,
    rows_are_epochs: bool = False,
) -> Table:
    """Build a table from per-row mappings (JSON records, JSONL lines, log entries).

    Nested mappings are flattened with ``.``. The first step-like key
    (``step``, ``global_step`` ...) becomes the index and ``epoch`` the epoch;
    with only ``epoch``, it is the index. Otherwise ``row_index`` (a pandas
    index) or row order is used. A record without the chosen index key is
    dropped with a diagnostic, since it cannot be placed.
    """
    flat = [_flattened(record) for record in records]
    all_keys: dict[str, Any] = {}
    for record in flat:
        all_keys.update(record)
    step_key = next((key for key in all_keys if vocab.index_kind(key) == "step"), None)
    epoch_key = next((key for key in all_keys if vocab.index_kind(key) == "epoch"), None)
    index_key = step_key or epoch_key
    separate_epoch = step_key is not None and epoch_key is not None
    index_keys = {index_key, epoch_key}

    kept_lines: list[int] = []
    index_values: list[float] = []
    epoch_values: list[float] = []
    column_rows: dict[str, list[int]] = {}
    column_values: dict[str, list[float]] = {}
    text_values: dict[str, list[tuple[int, Any]]] = {}
    for position, record in enumerate(flat):
        line = lines[position] if lines is not None else -1
        if index_key is not None:
            index_value = _number_or_none(record.get(index_key))
            if index_value is None or not math.isfinite(index_value):
                diagnostics.append(_missing_index(source, index_key, record.get(index_key), line, position))
                continue
            index_values.append(index_value)
        elif row_index is not None:
            index_values.append(float(row_index[position]))
        row = len(kept_lines)
        kept_lines.append(line)
        if separate_epoch and epoch_key is not None:
            epoch_value = _number_or_none(record.get(epoch_key))
            epoch_values.append(math.nan if epoch_value is None else epoch_value)
        for key, value in record.items():
            if key in index_keys:
                continue
            if type(value) is float or type(value) is int:  # the common case, without a call
                number: float | None = float(value)
            else:
                try:
                    number = parse_number(value)
                except (ValueError, OverflowError):
                    text_values.setdefault(key, []).append((row, value))
                    continue
            if number is not None:
                column_rows.setdefault(key, []).append(row)
                column_values.setdefault(key, []).append(number)

    n_rows = len(kept_lines)
    columns = {}
    for key, rows in column_rows.items():
        values = np.full(n_rows, np.nan)
        present = np.zeros(n_rows, dtype=bool)
        values[rows] = column_values[key]
        present[rows] = True
        columns[key] = Column(values, present)
    kind: IndexKind = "step" if step_key else "epoch" if epoch_key or row_index is not None else "row"
    return Table(
        n_rows=n_rows,
        columns=columns,
        index=np.asarray(index_values, dtype=np.float64) if kind != "row" else None,
        index_kind=kind,
        rows_are_epochs=rows_are_epochs,
        epoch=np.asarray(epoch_values, dtype=np.float64) if separate_epoch else None,
        lines=np.asarray(kept_lines, dtype=np.int64) if lines is not None else None,
        text_values=text_values,
    )


def _flattened(record: Mapping[str, Any]) -> Mapping[str, Any]:
    """Return ``record`` with nested mappings flattened, or itself when it has none."""
    for value in record.values():
        if type(value) is dict:  # JSON objects are dicts; isinstance on an ABC is slow here
            return dict(flatten(record))
    return record


def _number_or_none(value: object) -> float | None:
    """Return :func:`parse_number` of ``value``, or None when it is not a number."""
    if type(value) is int or type(value) is float:
        return float(value)
    try:
        return parse_number(value)
    except (ValueError, OverflowError):
        return None


def _missing_index(source: str, key: str, value: object, line: int, position: int) -> Diagnostic:
    """Report a record that cannot be placed because its index value is missing or unusable."""
    where = f"line {line}" if line >= 0 else f"record {position + 1}"
    return Diagnostic(
        source,
        "missing-index",
        f"{where}: no usable {key!r} value ({value!r}); the record is skipped",
        line if line >= 0 else None,
        PositionUnit.LINE if line >= 0 else PositionUnit.NONE,
    )


def to_run_parts(
    source: LogSource,
    fmt: str,
    table: Table,
    *,
    diagnostics: Sequence[Diagnostic] = (),
    metadata: Mapping[str, Any] | None = None,
) -> list[RunParts]:
    """Split ``table`` into runs and cut each run's series; one RunParts per run.

    A file with one run keeps the source's name; with several, run ``k`` is
    named ``"<name>#k"`` and its metadata says which lines it spans.
    """
    path = str(source.paths[0])
    diagnostics = list(diagnostics)
    metadata = dict(metadata or {})
    clock = adopt_clock_column(table)
    if clock is not None:
        metadata["wall_time_column"] = clock
    unit = PositionUnit.LINE if table.lines is not None else PositionUnit.NONE
    names = list(table.columns)
    present = (
        np.column_stack([table.columns[n].present for n in names])
        if names
        else np.zeros((table.n_rows, 0), dtype=bool)
    )
    starts = segment_starts(table.index, present, table.forced_starts)
    bounds = list(zip(starts, [*starts[1:], table.n_rows], strict=True))
    step, epoch = _steps_and_epochs(table, bounds, path, diagnostics)
    if table.n_rows == 0:
        diagnostics.append(Diagnostic(path, "no-data", "the log has no data rows"))

    parts = []
    for number, (first, end) in enumerate(bounds, start=1):
        series = []
        for name in names:
            column = table.columns[name]
            rows = np.flatnonzero(column.present[first:end]) + first
            if rows.size == 0:
                continue
            series.append(
                RawSeries(
                    raw_name=name,
                    step=step[rows],
                    value=column.values[rows],
                    epoch=epoch[rows] if epoch is not None else None,
                    wall_time=table.wall_time[rows] if table.wall_time is not None else None,
                    position=table.lines[rows] if table.lines is not None else None,
                )
            )
        run_metadata = dict(metadata)
        if len(bounds) > 1:
            run_metadata["segment"] = _segment_facts(table, number, len(bounds), first, end)
        texts = _text_summary(table.text_values, first, end)
        if texts:
            run_metadata["text_values"] = texts
        parts.append(
            RunParts(
                name=source.name if len(bounds) == 1 else f"{source.name}#{number}",
                format=fmt,
                sources=[path],
                series=series,
                diagnostics=_diagnostics_for(diagnostics, table, bounds, number - 1),
                metadata=run_metadata,
                position_unit=unit,
            )
        )
    return parts


def adopt_clock_column(table: Table) -> str | None:
    """Move a column of Unix timestamps named like a clock into ``table.wall_time``.

    Only when the table has no wall time yet and the column is present in every
    row, finite, after :data:`UNIX_SECONDS_FLOOR` and never decreasing; a
    ``time`` column of per-epoch durations stays a series. Returns the name taken.
    """
    if table.wall_time is not None or table.n_rows == 0:
        return None
    for name, column in table.columns.items():
        if name.strip().lower() not in CLOCK_NAMES or not column.present.all():
            continue
        values = column.values
        if (
            np.isfinite(values).all()
            and (values >= UNIX_SECONDS_FLOOR).all()
            and (np.diff(values) >= 0).all()
        ):
            table.wall_time = values
            del table.columns[name]
            return name
    return None


def _steps_and_epochs(
    table: Table, bounds: Sequence[tuple[int, int]], path: str, diagnostics: list[Diagnostic]
) -> tuple[np.ndarray, np.ndarray | None]:
    """Integer steps and (float) epochs per row, from the index or from row order within each run."""
    ordinal = np.zeros(table.n_rows, dtype=np.int64)
    for first, end in bounds:
        ordinal[first:end] = np.arange(end - first)
    index = table.index
    if index is None:
        return ordinal, ordinal.astype(np.float64) if table.rows_are_epochs else None
    integral = bool(np.all(index == np.round(index)))
    if table.index_kind == "epoch":
        # Fractional epochs cannot be steps: number the rows and keep the epochs.
        return (index.astype(np.int64) if integral else ordinal), index.copy()
    if not integral:
        diagnostics.append(
            Diagnostic(path, "fractional-step", "the step column has fractional values; rounded to integers")
        )
    return np.round(index).astype(np.int64), table.epoch


def _segment_facts(table: Table, number: int, count: int, first: int, end: int) -> dict[str, int]:
    """Where run ``number`` of ``count`` sits in its file (lines when known, else records)."""
    facts = {"index": number, "count": count}
    if table.lines is not None:
        facts["first_line"] = int(table.lines[first])
        facts["last_line"] = int(table.lines[end - 1])
    else:
        facts["first_record"] = first + 1
        facts["last_record"] = end
    return facts


def _text_summary(text_values: Mapping[str, list[tuple[int, Any]]], first: int, end: int) -> dict[str, Any]:
    """Non-numeric values per key within rows ``[first, end)``: the value, or its distinct values."""
    summary: dict[str, Any] = {}
    for key, entries in text_values.items():
        # Entries are in row order, so the run's entries are one slice.
        low = bisect.bisect_left(entries, first, key=_row_of)
        high = bisect.bisect_left(entries, end, key=_row_of)
        distinct: dict[object, Any] = {}
        for _, value in entries[low:high]:
            distinct.setdefault(_identity(value), value)
        if len(distinct) == 1:
            summary[key] = next(iter(distinct.values()))
        elif distinct:
            summary[key] = list(distinct.values())[:MAX_TEXT_VALUES]
    return summary


def _row_of(entry: tuple[int, Any]) -> int:
    """Return the row of a ``(row, value)`` text entry."""
    return entry[0]


def _identity(value: object) -> object:
    """Return a hashable identity for a JSON value (``True`` and ``"True"`` stay apart)."""
    if isinstance(value, str | bool) or value is None:
        return (type(value).__name__, value)
    return json.dumps(value, sort_keys=True, default=str)


def _diagnostics_for(
    diagnostics: Sequence[Diagnostic], table: Table, bounds: Sequence[tuple[int, int]], which: int
) -> list[Diagnostic]:
    """Pick the diagnostics of run ``which``: those on its lines, plus every file-wide one."""
    if len(bounds) == 1 or table.lines is None:
        return list(diagnostics)
    first_lines = [int(table.lines[first]) for first, _ in bounds]
    chosen = []
    for diagnostic in diagnostics:
        if diagnostic.position is None or diagnostic.unit is not PositionUnit.LINE:
            chosen.append(diagnostic)
            continue
        owner = 0
        for k, line in enumerate(first_lines):
            if diagnostic.position >= line:
                owner = k
        if owner == which:
            chosen.append(diagnostic)
    return chosen
