"""Numbers matplotlib can place: finite, and small enough that its arithmetic stays finite.

A damaged log can hold ``1e308``, ``-8e290`` seconds per epoch or infinity.
matplotlib computes axis spans, tick positions and transforms from the data
(``vmax - vmin``, ``arange(low, high) * step``); near the top of the float
range those overflow, and the chart fails to save ("arange: cannot compute
length", a singular transform) or NumPy warns on the user's terminal. So
every value handed to matplotlib passes through here first: non-finite
values become gaps, and finite ones beyond :data:`LIMIT` are drawn at the
limit, with a note on the chart saying how many. Real curves, a float32
overflow at ``3.4e38`` included, are far inside it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

#: Largest magnitude drawn as it is.
LIMIT = 1e100


def point(value: float) -> float | None:
    """``value`` as drawn: None when not finite, clipped to ±:data:`LIMIT` otherwise."""
    if not math.isfinite(value):
        return None
    return max(-LIMIT, min(LIMIT, value))


def series(values: Iterable[float]) -> tuple[list[float], int]:
    """Values as drawn (NaN for a gap) and how many were clipped to the limit."""
    drawn: list[float] = []
    clipped = 0
    for value in values:
        if not math.isfinite(value):
            drawn.append(math.nan)
            continue
        if abs(value) > LIMIT:
            clipped += 1
            value = math.copysign(LIMIT, value)
        drawn.append(value)
    return drawn, clipped
