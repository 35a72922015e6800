"""Reader for the MLflow file store: ``mlruns/<experiment>/<run>/`` directories.

MLflow's local tracking store keeps one run per directory: ``meta.yaml``,
``metrics/<name>`` (one line per logged point: ``<timestamp ms> <value>
<step>``; very old stores omit the step), ``params/<name>`` and
``tags/<name>`` (one value per file). Metric names may contain ``/``, which
the store turns into sub-directories, so the raw name is the path below
``metrics/``. Params and tags are facts about the run, kept in metadata. An
``mlruns`` root, or an experiment directory, holds many runs: discovery finds
each run directory on its way down (see :func:`sniff_directory`).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from loganalyzer.errors import InputError
from loganalyzer.ingest.build import RawSeries, RunParts
from loganalyzer.ingest.source import LogSource, ReadOptions, over_size_limit
from loganalyzer.model.run import Diagnostic, PositionUnit

FORMAT = "mlflow"

#: At most this many characters of a param or tag value are kept in metadata.
MAX_VALUE_CHARS = 500


def sniff(path: Path, head: bytes) -> bool:
    """A single file is never an MLflow run (the run is its directory)."""
    del path, head
    return False


def sniff_directory(path: Path) -> bool:
    """A run directory has ``meta.yaml`` next to a ``metrics/`` directory."""
    return (path / "meta.yaml").is_file() and (path / "metrics").is_dir()


def read(source: LogSource, options: ReadOptions) -> list[RunParts]:
    """Read every metric file of the run; params, tags and the run's meta go to metadata.

    ``--max-bytes`` applies to each file read: a metric file over it is a
    diagnostic (the other metrics are still read), a param, tag or meta file
    over it is left out of the metadata.
    """
    limit = options.max_bytes
    run_dir = source.paths[0]
    metrics_dir = run_dir / "metrics"
    if not metrics_dir.is_dir():
        raise InputError(source.name, "not an MLflow run directory: no metrics/ directory")
    diagnostics: list[Diagnostic] = []
    files = sorted(p for p in metrics_dir.rglob("*") if p.is_file())
    parts = RunParts(
        name=source.name,
        format=FORMAT,
        sources=[str(f) for f in files] or [str(metrics_dir)],
        diagnostics=diagnostics,
        position_unit=PositionUnit.LINE,
    )
    for index, metric_file in enumerate(files):
        raw_name = metric_file.relative_to(metrics_dir).as_posix()
        series = _read_metric(metric_file, raw_name, index, diagnostics, limit)
        if series is not None:
            parts.series.append(series)
    parts.metadata = {
        "params": _key_values(run_dir / "params", limit),
        "tags": _key_values(run_dir / "tags", limit),
        **_meta(run_dir / "meta.yaml", limit),
    }
    if not files:
        diagnostics.append(Diagnostic(str(metrics_dir), "no-data", "the run logged no metrics"))
    return [parts]


def _read_metric(
    path: Path, raw_name: str, index: int, diagnostics: list[Diagnostic], limit: int
) -> RawSeries | None:
    """Parse one ``metrics/<name>`` file; bad lines become diagnostics."""
    too_large = over_size_limit(path, limit)
    if too_large is not None:
        diagnostics.append(Diagnostic(str(path), "unreadable", too_large))
        return None
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        diagnostics.append(Diagnostic(str(path), "unreadable", f"cannot read: {exc.strerror or exc}"))
        return None
    steps: list[int] = []
    values: list[float] = []
    stamps: list[float] = []
    lines: list[int] = []
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split()
        if not fields:
            continue
        try:
            stamp, value = float(fields[0]), float(fields[1])
            step = int(fields[2]) if len(fields) > 2 else len(steps)
        except (ValueError, IndexError):
            diagnostics.append(
                Diagnostic(
                    str(path), "bad-line", f"line {number}: not '<timestamp> <value> <step>'; skipped",
                    number, PositionUnit.LINE,
                )
            )  # fmt: skip
            continue
        steps.append(step)
        values.append(value)
        stamps.append(stamp / 1000.0 if math.isfinite(stamp) else math.nan)
        lines.append(number)
    if not steps:
        return None
    return RawSeries(
        raw_name=raw_name,
        step=np.asarray(steps, dtype=np.int64),
        value=np.asarray(values, dtype=np.float64),
        wall_time=np.asarray(stamps, dtype=np.float64),
        position=np.asarray(lines, dtype=np.int64),
        source_index=index,
    )


def _key_values(directory: Path, limit: int) -> dict[str, str]:
    """``params/`` or ``tags/``: one value per file, named by its path below the directory."""
    if not directory.is_dir():
        return {}
    found = {}
    for path in sorted(p for p in directory.rglob("*") if _small_file(p, limit)):
        try:
            value = path.read_text(encoding="utf-8", errors="replace").strip()
        except OSError:
            continue
        found[path.relative_to(directory).as_posix()] = value[:MAX_VALUE_CHARS]
    return found


def _meta(path: Path, limit: int) -> dict[str, str]:
    """The flat ``key: value`` lines of ``meta.yaml`` worth showing (run name, status, times)."""
    wanted = {"run_name", "run_id", "experiment_id", "status", "start_time", "end_time", "lifecycle_stage"}
    found: dict[str, str] = {}
    if not _small_file(path, limit):
        return found
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return found
    for line in lines:
        key, sep, value = line.partition(":")
        if sep and key.strip() in wanted and not line.startswith(" "):
            found[key.strip()] = value.strip().strip("'\"")[:MAX_VALUE_CHARS]
    return found


def _small_file(path: Path, limit: int) -> bool:
    """A regular file within the size limit (a FIFO named ``meta.yaml`` is never opened)."""
    return path.is_file() and over_size_limit(path, limit) is None
