"""The public Python API: thin functions over ingest (and, later, the engine)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

from loganalyzer import ingest
from loganalyzer.errors import InputError
from loganalyzer.ingest.source import ReadOptions
from loganalyzer.model.run import MetricKey, Run


def load_runs(
    paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    *,
    verify_data_crc: bool = True,
    name_map: Mapping[str, str] | None = None,
) -> ingest.LoadResult:
    """Read every run under ``paths`` (files or directories, searched recursively).

    ``name_map`` maps raw tag/column names to canonical keys such as
    ``{"my_eval_xent": "validation.loss"}``. Inputs that cannot be read are
    returned in ``errors``; nothing is raised for them.
    """
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    overrides = {raw: MetricKey.parse(key) for raw, key in (name_map or {}).items()}
    return ingest.load_runs(paths, ReadOptions(verify_data_crc=verify_data_crc), overrides)


def load_run(path: str | os.PathLike[str], **options: object) -> Run:
    """Read exactly one run from ``path``; raise InputError if it holds none or several."""
    result = load_runs(path, **options)  # type: ignore[arg-type]
    if result.errors:
        raise result.errors[0]
    if len(result.runs) != 1:
        names = ", ".join(run.name for run in result.runs) or "none"
        raise InputError(os.fspath(path), f"expected one run, found {len(result.runs)} ({names})")
    return result.runs[0]
