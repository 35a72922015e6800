"""Reader for Sacred's file-storage observer: a run directory with ``metrics.json``.

Sacred's ``FileStorageObserver`` writes ``<basedir>/<run id>/`` with
``run.json`` (host, status, start and stop time, the experiment), ``config.json``
and ``metrics.json``: one object per metric name holding three parallel
lists, ``steps``, ``values`` and ``timestamps`` (ISO 8601). The metrics are
series; run and config facts are metadata. The directory is the run;
``metrics.json`` given alone is read the same way.
"""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from loganalyzer.errors import InputError
from loganalyzer.ingest.build import RawSeries, RunParts
from loganalyzer.ingest.source import HEAD_BYTES, LogSource, ReadOptions, over_size_limit
from loganalyzer.ingest.text import outline
from loganalyzer.ingest.text.files import load_json, read_json
from loganalyzer.model.run import Diagnostic

FORMAT = "sacred"

#: The keys of every metric entry in Sacred's metrics.json.
ENTRY_KEYS = frozenset({"steps", "values", "timestamps"})

#: Facts copied from run.json into metadata.
RUN_KEYS = ("status", "start_time", "stop_time", "heartbeat", "command", "experiment", "host")


def sniff(path: Path, head: bytes) -> bool:
    """A ``metrics.json`` whose first entry is an object with ``steps``/``values``/``timestamps``."""
    if path.name != "metrics.json" or not outline.first_line_is_object(head):
        return False
    shape = outline.scan(outline.head_text(head))
    if shape.top != "object" or not shape.child_keys:
        return False
    first = next(iter(shape.child_keys.values()))
    return ENTRY_KEYS.issubset(first)


def sniff_directory(path: Path) -> bool:
    """A run directory holds ``run.json`` and a ``metrics.json`` of Sacred's shape."""
    metrics = path / "metrics.json"
    if not ((path / "run.json").is_file() and metrics.is_file()):
        return False
    with metrics.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    return sniff(metrics, head) or head.strip() in (b"{}", b"")


def read(source: LogSource, options: ReadOptions) -> list[RunParts]:
    """Read each metric's parallel lists; run.json and config.json go to metadata.

    ``--max-bytes`` applies to each file: ``metrics.json`` over it is an
    input error, ``run.json`` or ``config.json`` over it is left out.
    """
    given = source.paths[0]
    run_dir = given if given.is_dir() else given.parent
    metrics_path = run_dir / "metrics.json" if given.is_dir() else given
    too_large = over_size_limit(metrics_path, options.max_bytes)
    if too_large is not None:
        raise InputError(str(metrics_path), too_large)
    _, metrics = read_json(metrics_path, source.name)
    if not isinstance(metrics, dict):
        raise InputError(source.name, "not a Sacred metrics.json: the top level is not an object")
    diagnostics: list[Diagnostic] = []
    parts = RunParts(name=source.name, format=FORMAT, sources=[str(metrics_path)], diagnostics=diagnostics)
    for name, entry in metrics.items():
        series = _series(str(name), entry, str(metrics_path), diagnostics)
        if series is not None:
            parts.series.append(series)
    parts.metadata = _run_facts(run_dir, options.max_bytes)
    return [parts]


def _series(name: str, entry: Any, path: str, diagnostics: list[Diagnostic]) -> RawSeries | None:
    """One metric's points; an entry of the wrong shape is a diagnostic."""
    if not isinstance(entry, dict) or not isinstance(entry.get("values"), list):
        diagnostics.append(Diagnostic(path, "bad-entry", f"metric {name!r} has no 'values' list; skipped"))
        return None
    values = [_number(v) for v in entry["values"]]
    steps = entry.get("steps") if isinstance(entry.get("steps"), list) else None
    if steps is None or len(steps) != len(values):
        if steps is not None:
            diagnostics.append(
                Diagnostic(path, "bad-entry", f"metric {name!r}: steps and values differ in length; "
                           "numbering the values in order")
            )  # fmt: skip
        steps = list(range(len(values)))
    stamps = entry.get("timestamps")
    wall = (
        [_timestamp(t) for t in stamps] if isinstance(stamps, list) and len(stamps) == len(values) else None
    )
    try:
        step_array = np.asarray([int(s) for s in steps], dtype=np.int64)
    except (TypeError, ValueError):
        step_array = np.arange(len(values), dtype=np.int64)
    return RawSeries(
        raw_name=name,
        step=step_array,
        value=np.asarray(values, dtype=np.float64),
        wall_time=np.asarray(wall, dtype=np.float64) if wall is not None else None,
    )


def _number(value: object) -> float:
    """A metric value as a float (NaN when it is not a number)."""
    if isinstance(value, bool):
        return math.nan
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


def _timestamp(text: object) -> float:
    """An ISO 8601 time as Unix seconds (NaN when unreadable)."""
    try:
        return datetime.fromisoformat(str(text)).timestamp()
    except ValueError:
        return math.nan


def _run_facts(run_dir: Path, limit: int) -> dict[str, Any]:
    """What run.json and config.json say about the run (missing, damaged or oversized files are skipped)."""
    facts: dict[str, Any] = {}
    for filename, key in (("run.json", "run"), ("config.json", "config")):
        path = run_dir / filename
        if not path.is_file() or over_size_limit(path, limit) is not None:
            continue
        try:
            data = load_json(path.read_text(encoding="utf-8", errors="replace"))
        except (OSError, ValueError):
            continue
        if key == "run" and isinstance(data, dict):
            facts["run"] = {k: data[k] for k in RUN_KEYS if k in data}
        elif isinstance(data, dict):
            facts[key] = data
    return facts
