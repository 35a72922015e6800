"""Table shapes seen in the wild that need one fix before a table is cut into runs.

CSV readers parse cells; this module recognises layouts whose *meaning* is
not in the cells' syntax, and rewrites the :class:`~.table.Table` once, so
every dialect benefits:

* **a split column**: two rows per epoch, one for training and one for
  validation, told apart by a column of split words (``phase``/``split``/``mode``,
  or any column whose values are ``train``/``val``/...)
  (``epoch,phase,loss`` with ``train`` and ``val`` rows). Read as is, the
  validation row overwrites the training row of its epoch; so each metric is
  split into ``<split>_<metric>`` columns and the two rows of an epoch merge;
* **a multi-run registry**: several runs in one file, told apart by a
  ``version``/``run_id``/``model`` column; each value starts its own run.
  A ``record_type`` column marks per-epoch rows among summary rows; summary
  rows are kept in metadata, not read as points;
* **durations written as clocks**: fastai's ``history.csv`` writes the epoch
  time as ``mm:ss`` (``01:23``), which is text to a CSV parser;
* **W&B exports**: ``_runtime`` is seconds since the run started, a clock,
  not a duration; it becomes the wall time (or is dropped next to
  ``_timestamp``). A chart panel's CSV (``Step``, ``<run> - <metric>``,
  ``<run> - <metric>__MIN``/``__MAX``) holds one column group per run: the
  min/max band columns are dropped and each run becomes its own run.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from loganalyzer.ingest.naming import SPLIT_WORDS
from loganalyzer.ingest.text.table import Column, Table
from loganalyzer.model.run import Diagnostic

#: Names of a column that says which split a row belongs to.
SPLIT_COLUMN_NAMES = frozenset({"split", "phase", "mode", "stage", "subset", "set", "partition", "dataset"})

#: Names of a column that tells runs apart in a registry file.
RUN_COLUMN_NAMES = frozenset(
    {"version", "model_version", "run", "run_id", "run_name", "experiment", "model", "model_name", "trial"}
)

#: Names of a column that tells per-epoch rows from summary rows.
RECORD_TYPE_NAMES = frozenset({"record_type", "row_type", "kind", "record"})

#: Record types that are points of a curve (anything else is a summary row).
CURVE_RECORD_TYPES = frozenset({"epoch", "step", "iteration", "iter", "history", "train", "batch", "log"})

#: ``mm:ss`` or ``h:mm:ss`` (fastai writes the epoch time this way).
_CLOCK = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2}(?:\.\d+)?)$")

#: At most this many summary rows are kept in metadata.
MAX_SUMMARY_ROWS = 20


def dialect(header: Sequence[str]) -> str | None:
    """The writer of a CSV told by its header, for the run's format label (None: not one of these)."""
    names = [name.strip().lower() for name in header]
    if "_step" in names and ("_runtime" in names or "_timestamp" in names):
        return "wandb-csv"
    if names[:1] == ["step"] and any(name.endswith(("__min", "__max")) and " - " in name for name in names):
        return "wandb-csv"
    if names[:3] == ["epoch", "train_loss", "valid_loss"] and "time" in names:
        return "fastai-csv"
    if names[:2] == ["epoch", "train_loss"] and any(name.startswith("eval_") for name in names):
        return "timm-csv"
    return None


def normalise(table: Table, path: str, diagnostics: list[Diagnostic]) -> dict[str, Any]:
    """Apply every layout fix that fits ``table`` in place; returns metadata to add to the runs."""
    metadata: dict[str, Any] = {}
    _clock_durations(table)
    _wandb_runtime(table, metadata)
    _wandb_panel(table, metadata)
    _summary_rows(table, metadata)
    _run_column(table, metadata)
    _split_column(table, metadata, path, diagnostics)
    return metadata


def clock_seconds(text: str) -> float | None:
    """``"01:23"`` -> 83.0, ``"1:02:03"`` -> 3723.0; None when ``text`` is not such a clock."""
    match = _CLOCK.match(text.strip())
    if match is None:
        return None
    hours, minutes, seconds = match.groups()
    return int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)


def _clock_durations(table: Table) -> None:
    """Text columns whose every value is ``mm:ss`` become columns of seconds."""
    for name, entries in list(table.text_values.items()):
        seconds = [clock_seconds(str(value)) for _, value in entries]
        if not entries or any(s is None for s in seconds):
            continue
        values = np.full(table.n_rows, np.nan)
        present = np.zeros(table.n_rows, dtype=bool)
        for (row, _), value in zip(entries, seconds, strict=True):
            values[row] = value
            present[row] = True
        table.columns[name] = Column(values, present)
        del table.text_values[name]


def _wandb_runtime(table: Table, metadata: dict[str, Any]) -> None:
    """W&B's ``_runtime`` is the run's clock: the wall time, never an epoch duration."""
    runtime = table.columns.get("_runtime")
    if runtime is None or ("_step" not in table.columns and table.index_kind != "step"):
        return
    del table.columns["_runtime"]
    if "_timestamp" not in table.columns and table.wall_time is None and runtime.present.all():
        table.wall_time = runtime.values
        metadata["wall_time_column"] = "_runtime"


_PANEL_COLUMN = re.compile(r"^(?P<run>.+?) - (?P<metric>.+?)(?P<band>__MIN|__MAX)?$")


def _wandb_panel(table: Table, metadata: dict[str, Any]) -> None:
    """A W&B chart export: drop the min/max band columns and stack each run's columns as its own run."""
    if table.index_kind != "step" or not table.columns:
        return
    groups: dict[str, dict[str, Column]] = {}
    for name, column in table.columns.items():
        match = _PANEL_COLUMN.match(name)
        if match is None:
            return
        if match.group("band") is None:
            groups.setdefault(match.group("run"), {})[match.group("metric")] = column
    if not groups or table.index is None:
        return
    n = table.n_rows
    runs = sorted(groups)
    metrics = sorted({metric for columns in groups.values() for metric in columns})
    stacked: dict[str, Column] = {}
    for metric in metrics:
        values = np.full(n * len(runs), np.nan)
        present = np.zeros(n * len(runs), dtype=bool)
        for k, run in enumerate(runs):
            part = groups[run].get(metric)
            if part is not None:
                values[k * n : (k + 1) * n] = part.values
                present[k * n : (k + 1) * n] = part.present
        stacked[metric] = Column(values, present)
    table.columns = stacked
    table.index = np.tile(table.index, len(runs))
    for attribute in ("epoch", "wall_time", "lines"):
        array = getattr(table, attribute)
        if array is not None:
            setattr(table, attribute, np.tile(array, len(runs)))
    table.text_values = {"wandb_run": [(k * n + row, run) for k, run in enumerate(runs) for row in range(n)]}
    table.forced_starts = [k * n for k in range(1, len(runs))]
    table.n_rows = n * len(runs)
    metadata["wandb_panel_runs"] = runs


def _summary_rows(table: Table, metadata: dict[str, Any]) -> None:
    """Rows whose record type is not a curve point go to metadata, the rest stay."""
    name = next(
        (
            n
            for n, entries in table.text_values.items()
            if n.strip().lower() in RECORD_TYPE_NAMES and not _is_split_column(n, entries)
        ),
        None,
    )
    if name is None:
        return
    kinds = dict(table.text_values.pop(name))
    keep = np.array(
        [str(kinds.get(row, "")).strip().lower() in CURVE_RECORD_TYPES for row in range(table.n_rows)]
    )
    if keep.all() or not keep.any():
        return
    summary = []
    for row in np.flatnonzero(~keep)[:MAX_SUMMARY_ROWS]:
        values = {n: float(c.values[row]) for n, c in table.columns.items() if c.present[row]}
        summary.append({name: kinds.get(int(row)), **values})
    metadata["summary_rows"] = summary
    _keep_rows(table, keep)


def _run_column(table: Table, metadata: dict[str, Any]) -> None:
    """A column naming the run starts a new run wherever its value changes."""
    name = next(
        (n for n in [*table.text_values, *table.columns] if n.strip().lower() in RUN_COLUMN_NAMES), None
    )
    if name is None:
        return
    if name in table.columns:
        column = table.columns.pop(name)
        labels: list[object] = [
            (float(column.values[row]) if column.present[row] else None) for row in range(table.n_rows)
        ]
        table.text_values[name] = [
            (row, labels[row]) for row in range(table.n_rows) if labels[row] is not None
        ]
    else:
        by_row = dict(table.text_values[name])
        labels = [by_row.get(row) for row in range(table.n_rows)]
    changes = [row for row in range(1, table.n_rows) if labels[row] != labels[row - 1]]
    if changes:
        table.forced_starts = sorted(set(table.forced_starts).union(changes))
        metadata["run_column"] = name


def _split_column(table: Table, metadata: dict[str, Any], path: str, diagnostics: list[Diagnostic]) -> None:
    """Rows labelled train/val by a split column: each metric becomes one column per split."""
    name = next((n for n in table.text_values if _is_split_column(n, table.text_values[n])), None)
    if name is None:
        return
    by_row = {row: str(value).strip().lower() for row, value in table.text_values[name]}
    del table.text_values[name]
    labels = sorted(set(by_row.values()))
    rows_of = {label: np.array([by_row.get(r) == label for r in range(table.n_rows)]) for label in labels}
    split_columns: dict[str, Column] = {}
    for metric, column in table.columns.items():
        for label, mask in rows_of.items():
            present = column.present & mask
            if present.any():
                split_columns[f"{label}_{metric}"] = Column(np.where(present, column.values, np.nan), present)
    table.columns = split_columns
    metadata["split_column"] = name
    diagnostics.append(
        Diagnostic(path, "split-column", f"rows are labelled by {name!r} ({', '.join(labels)}); "
                   "each metric is read once per split")
    )  # fmt: skip


def _is_split_column(name: str, entries: list[tuple[int, Any]]) -> bool:
    """Every value is a split word, under a split-like name or with at least two different splits."""
    values = {str(value).strip().lower() for _, value in entries}
    if not values or not values <= set(SPLIT_WORDS):
        return False
    return name.strip().lower() in SPLIT_COLUMN_NAMES or len(values) >= 2


def _keep_rows(table: Table, keep: np.ndarray) -> None:
    """Drop the rows of ``table`` where ``keep`` is False (columns, index, lines and text values)."""
    new_row = np.cumsum(keep) - 1
    table.columns = {n: Column(c.values[keep], c.present[keep]) for n, c in table.columns.items()}
    for attribute in ("index", "epoch", "wall_time", "lines"):
        array = getattr(table, attribute)
        if array is not None:
            setattr(table, attribute, array[keep])
    table.text_values = {
        n: [(int(new_row[row]), v) for row, v in entries if keep[row]]
        for n, entries in table.text_values.items()
    }
    table.forced_starts = sorted(
        {int(new_row[row]) for row in table.forced_starts if row < len(keep) and keep[row]}
    )
    table.n_rows = int(keep.sum())
