"""Time columns that are clocks: decided from the data, then read as per-epoch durations.

``runtime``, ``_runtime`` (W&B's ``history.csv``), ``time`` (Ultralytics 8.3+)
and ``elapsed`` may hold each epoch's duration or the seconds since training
started; the name does not say which. A clock never goes back within a
session and each increment is one epoch's duration, so its first reading is
about one epoch (at most :data:`FIRST_EPOCH_ALLOWANCE` epochs with start-up)
while its values grow to many epochs; per-epoch durations wander up and down
around one level. The verdict is made here, once for every format, and
recorded in the run's metadata; the detectors' durations helper differences
exactly the columns found to be clocks, so an "epochs got slower" finding can
never come from a clock that simply ticks, whatever the column is called. A
column whose name says it holds one epoch's duration (``epoch_time``,
``duration``) is a clock only when it holds Unix timestamps: a noise-free
slowdown has a clock's shape too.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from loganalyzer.model.run import Diagnostic, Quantity, Series

#: Fewer points than this cannot show a clock's shape.
MIN_POINTS = 4

#: A first reading may span this many typical epochs (compilation, data loading) on a clock.
FIRST_EPOCH_ALLOWANCE = 10.0

#: Values this large are Unix timestamps, not durations of one epoch (11.6 days).
TIMESTAMP_FLOOR = 1e6

#: Share of increments that must be positive (a coarse clock may repeat a reading).
MIN_RISING_SHARE = 0.9

#: Names that say the column holds one epoch's duration.
_DURATION_NAME = re.compile(r"epoch|duration|per_", re.IGNORECASE)

#: Metadata key listing the raw names read as clocks (detectors must not difference them again).
METADATA_KEY = "cumulative_time_columns"


def is_clock(values: np.ndarray, *, named_duration: bool = False) -> bool:
    """Whether ``values`` (finite, in write order) are readings of a clock rather than durations.

    A restart (the reading drops) begins a new session; each session must
    never go back, most increments must be positive, and the first reading of
    the first session must be about one epoch.
    """
    if values.size < MIN_POINTS or not bool(np.isfinite(values).all()) or bool((values < 0).any()):
        return False
    increments = np.diff(values)
    restarts = increments < 0
    if int(restarts.sum()) > max(1, values.size // 10):
        return False
    within = increments[~restarts]
    if within.size < MIN_POINTS - 1 or float(np.mean(within > 0)) < MIN_RISING_SHARE:
        return False
    if float(np.median(values)) >= TIMESTAMP_FLOOR:
        return True
    if named_duration:
        return False
    typical = float(np.median(within[within > 0]))
    return float(values[0]) <= FIRST_EPOCH_ALLOWANCE * typical


def classify(series: Series, metadata: dict[str, Any], diagnostics: list[Diagnostic], run: str) -> Series:
    """Record in ``metadata`` whether an epoch-time series is a clock; return the series unchanged.

    ``metadata[METADATA_KEY]`` lists the raw names of the run's time columns
    that are clocks (an empty list says that none is): the durations helper of
    the detectors differences exactly those, with its handling of restarts,
    per-step logging and scheduled pauses, and takes every other time column
    as durations. A diagnostic tells the user (``inspect`` shows it).
    """
    if series.key.quantity != Quantity.EPOCH_TIME:
        return series
    values = series.value[np.isfinite(series.value)]
    clocks = set(metadata.get(METADATA_KEY, ()))
    if is_clock(values, named_duration=bool(_DURATION_NAME.search(series.raw_name))):
        clocks.add(series.raw_name)
        diagnostics.append(
            Diagnostic(
                run,
                "cumulative-time",
                f"{series.key} ({series.raw_name!r}) counts up like a clock (time since the start), "
                "so epoch durations are the differences between its readings",
            )
        )
    metadata[METADATA_KEY] = sorted(clocks)
    return series
