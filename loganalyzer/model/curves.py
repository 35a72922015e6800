"""Drawable excerpts of a run's series: what pictures need, without the Run.

Reporters never see a :class:`~loganalyzer.model.run.Run` (it holds every
point, and NumPy arrays). For pictures the engine hands them, per run, a
:class:`RunCurves`: each charted series reduced to at most a few thousand
points with every bucket's extremes kept (so a one-step spike in a
million-point log still shows), the epoch durations the slow-epoch rules
measured, and the run's inventory (raw name -> canonical series). All fields
are JSON-native (floats may be NaN where the log was not finite).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Curve:
    """One series as drawn: ``step``, ``value`` and ``epoch`` (NaN unknown) are parallel, sorted by step.

    ``points`` is the number of points the log holds; ``downsampled`` says
    whether ``step``/``value`` keep only each bucket's first, last, minimum,
    maximum and first non-finite point (charts say so in their caption).
    """

    metric: str
    raw_name: str
    step: tuple[float, ...]
    value: tuple[float, ...]
    points: int
    downsampled: bool = False
    epoch: tuple[float, ...] = ()


@dataclass(frozen=True)
class Durations:
    """Seconds per unit of work (epoch, interval, block), as the slow-epoch rules measured them.

    ``origin`` says where the times came from (a time column, a clock, wall
    times between log points) and ``unit`` what one bar is.
    """

    metric: str
    origin: str
    unit: str
    step: tuple[float, ...]
    epoch: tuple[float, ...]
    seconds: tuple[float, ...]


@dataclass(frozen=True)
class InventoryEntry:
    """One series of the run: canonical key, the raw tag or column it was read from, its point count."""

    metric: str
    raw_name: str
    points: int


@dataclass(frozen=True)
class RunCurves:
    """Everything pictures of one run need.

    ``x_label`` is ``epoch`` when the run's steps are its epochs, else
    ``step``. ``curves`` holds the charted series (losses, the accuracy-like
    metric, learning rate, memory, and every series a finding names).
    """

    run: str
    x_label: str
    curves: tuple[Curve, ...]
    durations: Durations | None
    inventory: tuple[InventoryEntry, ...]

    def curve(self, metric: str) -> Curve | None:
        """The curve of canonical key ``metric``, or None."""
        for curve in self.curves:
            if curve.metric == metric:
                return curve
        return None
