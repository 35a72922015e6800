"""Read TensorBoard event files: every scalar point, with its step and wall time.

What is read
    Scalars written as ``simple_value`` (PyTorch ``add_scalar``, tensorboardX,
    TF1) and as TF2 tensor summaries: rank-0 float, double, half, bfloat16,
    integer or bool tensors, from ``tensor_content`` or from the typed value
    lists (packed or not; protobuf accepts both). Every point is kept: no
    reservoir sampling. Values are float32 (or whatever the tensor holds)
    widened to float64 exactly; int64 beyond 2**53 rounds.

Which tags are scalars
    A ``simple_value`` is always a scalar point, as in TensorBoard's own
    loaders. A tensor is a scalar point when its tag belongs to the
    ``scalars`` plugin, which is decided by the *first* value of that tag
    that carries metadata in the run directory (writers strip metadata after
    the first value of each tag, and TensorBoard itself keys on the first
    one). Everything else is skipped without error and counted in
    ``metadata["skipped_values"]`` by kind: histograms, images, audio, and
    tensors of other plugins (``tensor/histograms``, ``tensor/text``,
    ``tensor/graph_keras_model`` for the Keras model config, which is a
    DT_STRING tensor, ``tensor/(no plugin)`` ...). Events that are not
    summaries (graphs, run metadata, session logs) are counted in
    ``metadata["other_events"]``.

Several files
    Event files of one run directory are pieces of one run that was resumed;
    they are read in the order of the wall time of their first event (ties
    by file name), so the run builder merges them in the order they were
    written and keeps the last value of a step written twice. Every point is
    handed over, duplicates included: ``SessionLog.START`` events are counted,
    not acted on (TensorBoard would purge the steps after them; the
    keep-last rule of the run builder gives the same series for a restart
    that rewrites those steps).

Damage
    Handled by :mod:`loganalyzer.ingest.tensorboard.tfrecord` and reported as
    diagnostics with the byte offset of the record: a truncated last record
    (``truncated-record``) and a record whose length checksum fails
    (``length-crc-mismatch``) end the file, keeping everything before them;
    a record whose data checksum fails (``data-crc-mismatch``) or that is not
    a valid Event (``bad-record``) is skipped and reading goes on. Only a file
    that cannot be opened raises :class:`~loganalyzer.errors.InputError`.

Data checksums
    Verified by default (``ReadOptions.verify_data_crc``): the check costs
    about 10% of the read time (between 4% and 18% over repeated measurements
    of the 1,000,000-event files of ``bench/bench_read.py``, 2026-11-27; see
    ``bench/README.md``), under the 25% above which it would have been made
    optional and off by default. With the check off, damage that still
    decodes goes unnoticed; a record that fails to decode is then checksummed
    to tell damage (``data-crc-mismatch``) from an invalid event
    (``bad-record``).

Decoding (protobuf and the NumPy fast path) lives in
:mod:`loganalyzer.ingest.tensorboard.events`, imported on first read so that
checking a CSV log never loads protobuf.
"""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any, BinaryIO

import numpy as np

from loganalyzer.errors import InputError
from loganalyzer.ingest.build import RawSeries, RunParts
from loganalyzer.ingest.source import LogSource, ReadOptions, open_binary
from loganalyzer.ingest.tensorboard import tfrecord
from loganalyzer.ingest.tensorboard._state import SCALARS_PLUGIN, SIMPLE, FileResult, RunState
from loganalyzer.model.run import Diagnostic, PositionUnit, Split

FORMAT = "tensorboard"


def events() -> ModuleType:
    """The decoder module, imported on first use (it loads protobuf and the TensorBoard protos)."""
    from loganalyzer.ingest.tensorboard import events

    return events


def sniff(path: Path, head: bytes) -> bool:
    """Recognise an event file: ``tfevents`` in the name, or content that starts with a valid record."""
    return "tfevents" in path.name or tfrecord.looks_like_tfrecord(head)


def read(source: LogSource, options: ReadOptions) -> list[RunParts]:
    """Read the event files of one run into one :class:`RunParts`.

    A file of a multi-file run that cannot be opened becomes a diagnostic
    and the other files are still read; the run fails only when none can be.
    """
    files, unreadable = _in_write_order(source)
    run = RunState()
    results = [_read_file(path, order, options, run) for order, (path, _hint) in enumerate(files)]
    parts = RunParts(
        name=source.name,
        format=FORMAT,
        sources=[str(path) for path, _ in files],
        position_unit=PositionUnit.BYTE,
    )
    for index, ((_path, hint), result) in enumerate(zip(files, results, strict=True)):
        parts.series.extend(_file_series(result, index, hint, run))
        parts.diagnostics.extend(result.diagnostics)
    parts.diagnostics.extend(Diagnostic(error.path, "unreadable-file", error.reason) for error in unreadable)
    if not any(result.records for result in results):
        # Not one record could be read: nothing to analyse, and "all checks passed" would be a lie.
        first = parts.diagnostics[0] if parts.diagnostics else None
        where = first.source if first is not None and len(files) == 1 else source.name
        raise InputError(where, f"no readable event record ({first.message if first else 'no records'})")
    parts.metadata = _metadata(results, sum(len(series.step) for series in parts.series))
    return [parts]


# ---------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------


def _open(path: Path) -> tuple[BinaryIO, int]:
    """Open ``path`` for reading (local or remote); raise InputError if it cannot be read at all."""
    handle, size = open_binary(path)
    return handle, size  # type: ignore[return-value]  # a binary file object either way


def _in_write_order(source: LogSource) -> tuple[list[tuple[Path, Split | None]], list[InputError]]:
    """Order the readable files of ``source`` (with split hints) by first-event wall time, then name.

    Also returns the files that could not be opened; when none can be, the
    first such error is raised instead.
    """
    keyed = []
    unreadable: list[InputError] = []
    for path, hint in zip(source.paths, source.split_hints, strict=True):
        try:
            handle, size = _open(path)
        except InputError as error:
            unreadable.append(error)
            continue
        with handle:
            first = events().first_wall_time(handle, size)
        unknown = first is None or math.isnan(first)
        keyed.append(((unknown, 0.0 if unknown else first, path.name, str(path)), (path, hint)))
    if not keyed and unreadable:
        raise unreadable[0]
    keyed.sort(key=lambda item: item[0])
    return [item for _, item in keyed], unreadable


def _read_file(path: Path, order: int, options: ReadOptions, run: RunState) -> FileResult:
    """Decode every record of one event file."""
    handle, size = _open(path)
    result = FileResult(path, str(path.parent), size)
    with handle:
        if size == 0:
            result.report("empty-file", "event file is empty (0 bytes); nothing was written to it", None)
        blocks = tfrecord.read_blocks(
            handle, size, verify_data_crc=options.verify_data_crc, window_bytes=tfrecord.WINDOW_BYTES
        )
        for block in blocks:
            events().decode_block(block, order, options, result, run)
            for problem in block.problems:
                result.report(problem.code, problem.message, problem.offset)
    result.finish_reports()
    return result


def _file_series(result: FileResult, index: int, hint: Split | None, run: RunState) -> list[RawSeries]:
    """One RawSeries per scalar tag of a file; count what was skipped."""
    plugins = [run.plugin(result.directory, tag) for tag in result.tags]
    for tag, count in result.non_scalar_tensors.items():
        plugin = plugins[result.tag_ids[tag]]
        label = "scalars, not a numeric scalar" if plugin == SCALARS_PLUGIN else plugin or "(no plugin)"
        result.skipped[f"tensor/{label}"] += count
    if not result.columns["tag"]:
        return []
    columns = {name: np.concatenate(pieces) for name, pieces in result.columns.items()}
    result.columns = {name: [] for name in columns}  # drop the per-block pieces early
    tensor_is_scalar = np.asarray([plugin == SCALARS_PLUGIN for plugin in plugins], dtype=bool)
    keep = (columns["kind"] == SIMPLE) | tensor_is_scalar[columns["tag"]]
    dropped = np.bincount(columns["tag"][~keep], minlength=len(result.tags))
    for tag_id in np.flatnonzero(dropped).tolist():
        result.skipped[f"tensor/{plugins[tag_id] or '(no plugin)'}"] += int(dropped[tag_id])
    if not keep.all():
        columns = {name: column[keep] for name, column in columns.items()}
    series = []
    sortable = columns["tag"].astype(np.int16) if len(result.tags) < 2**15 else columns["tag"]
    by_tag = np.argsort(sortable, kind="stable")  # radix sort for 16-bit keys
    counts = np.bincount(columns["tag"], minlength=len(result.tags))
    bounds = np.concatenate([[0], np.cumsum(counts)])
    for tag_id in sorted(np.flatnonzero(counts).tolist(), key=lambda t: result.tags[t]):
        rows = by_tag[bounds[tag_id] : bounds[tag_id + 1]]
        series.append(
            RawSeries(
                raw_name=result.tags[tag_id],
                step=columns["step"][rows],
                value=columns["value"][rows],
                wall_time=columns["wall"][rows],
                position=columns["position"][rows],
                source_index=index,
                split_hint=hint,
            )
        )
    return series


def _metadata(results: list[FileResult], scalar_points: int) -> dict[str, Any]:
    """Facts about the run that are not metric points."""
    skipped: Counter[str] = Counter()
    other: Counter[str] = Counter()
    for result in results:
        skipped.update(result.skipped)
        other.update(result.other_events)
    versions = [r.file_version for r in results if r.file_version is not None]
    logged_hparams: dict[str, Any] = {}
    for result in results:
        logged_hparams.update({k: v for k, v in result.hparams.items() if k not in logged_hparams})
    found = {"hparams": dict(sorted(logged_hparams.items()))} if logged_hparams else {}
    return found | {
        "records": sum(r.records for r in results),
        "scalar_points": scalar_points,
        "skipped_values": dict(sorted(skipped.items())),
        "other_events": dict(sorted(other.items())),
        "file_version": versions[0] if versions else None,
        "files": [
            {"path": str(r.path), "bytes": r.size, "records": r.records, "file_version": r.file_version}
            for r in results
        ],
    }
