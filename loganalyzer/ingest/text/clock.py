"""Clock-style durations in text logs: fastai writes an epoch's time as ``mm:ss`` (``01:23``).

Shared by the text readers (the CSV reader today, a fastai reader later): a cell that is
entirely ``[h:]mm:ss[.fff]`` is a duration in seconds. Nothing else is taken for one, so a
column of labels such as ``12:30pm`` stays text.
"""

from __future__ import annotations

import re

_CLOCK = re.compile(r"(?:(?P<h>\d+):)?(?P<m>\d{1,2}):(?P<s>\d{2}(?:\.\d+)?)")


def parse_clock(cell: str) -> float | None:
    """Seconds in ``mm:ss`` / ``h:mm:ss`` (fractions of a second allowed), or None for anything else."""
    match = _CLOCK.fullmatch(cell.strip())
    if match is None:
        return None
    seconds = float(match["s"])
    minutes = int(match["m"])
    if seconds >= 60 or (match["h"] is not None and minutes >= 60):
        return None
    return int(match["h"] or 0) * 3600 + minutes * 60 + seconds
