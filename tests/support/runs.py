"""Build in-memory runs for detector tests, the way a reader would.

``make_run(train_loss=[...], val_loss=[...])`` goes through the same builder as
real files (naming, ordering), so a detector test sees exactly what it would
see from a log. Keyword names are raw metric names (``val_loss``,
``memory_rss_mb``, ``epoch_time``); values are per-epoch lists unless
``steps`` is given.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from loganalyzer.ingest.build import RawSeries, RunParts, build_run
from loganalyzer.model.run import Run


def make_run(
    name: str = "run",
    *,
    steps: dict[str, Sequence[int]] | None = None,
    wall_time: dict[str, Sequence[float]] | None = None,
    with_epochs: bool = True,
    **metrics: Sequence[float],
) -> Run:
    """A Run whose raw series are ``metrics`` (raw name -> values).

    By default point ``i`` is epoch ``i`` at step ``i``. ``steps`` overrides
    the steps of chosen metrics (per-step logs); ``wall_time`` adds wall times.
    """
    series = []
    for raw_name, values in metrics.items():
        array = np.asarray(values, dtype=np.float64)
        chosen = steps.get(raw_name) if steps else None
        step = np.asarray(chosen if chosen is not None else np.arange(array.size), dtype=np.int64)
        epoch = step.astype(np.float64) if with_epochs and chosen is None else None
        times = wall_time.get(raw_name) if wall_time else None
        series.append(
            RawSeries(
                raw_name,
                step,
                array,
                epoch=epoch,
                wall_time=None if times is None else np.asarray(times, dtype=np.float64),
            )
        )
    return build_run(RunParts(name=name, format="memory", sources=[f"{name}.mem"], series=series))
