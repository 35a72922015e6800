"""What a case module returns, and an in-memory run built the way a reader builds one."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from loganalyzer.ingest.build import RawSeries, RunParts, build_run
from loganalyzer.model.run import Run


@dataclass(frozen=True)
class LabelledCase:
    """A synthetic run, what a correct analyser reports on it (``expect``) and must not (``absent``)."""

    name: str
    run: Run
    expect: set[str] = field(default_factory=set)
    absent: set[str] = field(default_factory=set)


def memory_run(name: str, *, steps: np.ndarray | None = None, **metrics: np.ndarray) -> Run:
    """A run whose raw series are ``metrics`` (raw name -> values), per epoch unless ``steps`` is given."""
    series = []
    for raw_name, values in metrics.items():
        array = np.asarray(values, dtype=np.float64)
        step = np.arange(array.size, dtype=np.int64) if steps is None else np.asarray(steps, dtype=np.int64)
        epoch = step.astype(np.float64) if steps is None else None
        series.append(RawSeries(raw_name, step, array, epoch=epoch))
    return build_run(RunParts(name=name, format="memory", sources=[f"{name}.mem"], series=series))
