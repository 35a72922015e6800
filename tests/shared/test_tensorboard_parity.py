"""Parity with tbparse: every event file in ../shared yields the same scalar points.

For each event file under ``../shared/corpus`` and ``../shared/real-logs`` the
set of (raw tag, step, value) points read by loganalyzer equals what tbparse
reads (``.scalars`` for simple values, ``.tensors`` rows holding one number
for TF2 scalars), with exact float equality. Tags are compared raw, before
naming: the file's RunParts is read directly. tbparse keeps a step written
twice as two rows; both sides are reduced to the last value per (tag, step)
in file order, which is also what the run builder keeps. The files are used by
path only, never copied.
"""

from __future__ import annotations

import numbers
import struct
from pathlib import Path

import pytest

from loganalyzer.ingest.discover import is_event_file
from loganalyzer.ingest.source import LogSource, ReadOptions
from loganalyzer.ingest.tensorboard import reader as tensorboard

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
ROOTS = (SHARED / "corpus", SHARED / "real-logs")

pytestmark = pytest.mark.shared

if not all(root.is_dir() for root in ROOTS):
    pytest.skip(
        f"{SHARED} (corpus/ and real-logs/) is not present next to the repository", allow_module_level=True
    )

tbparse = pytest.importorskip("tbparse")

EVENT_FILES = sorted(
    path for root in ROOTS for path in root.rglob("*") if path.is_file() and is_event_file(path)
)

Point = tuple[str, int, bytes]


def as_bits(value: float) -> bytes:
    """Exact identity of a float, so NaN compares equal to the same NaN."""
    return struct.pack("<d", value)


def ours(path: Path) -> list[Point]:
    """Every point loganalyzer reads from ``path``, per tag in file order."""
    source = LogSource(str(path), "tensorboard", (path,), (None,))
    (parts,) = tensorboard.read(source, ReadOptions())
    assert [d.code for d in parts.diagnostics] == []
    return [
        (series.raw_name, step, as_bits(value))
        for series in parts.series
        for step, value in zip(series.step.tolist(), series.value.tolist(), strict=True)
    ]


def theirs(path: Path) -> list[Point]:
    """Every point tbparse reads from ``path``: simple values, and tensors that hold one number."""
    reader = tbparse.SummaryReader(str(path), event_types={"scalars", "tensors"})
    found = []
    for frame in (reader.scalars, reader.tensors):
        if frame.empty:
            continue
        for tag, step, value in zip(frame["tag"], frame["step"], frame["value"], strict=True):
            if isinstance(value, numbers.Real) and not isinstance(value, bool):
                found.append((tag, int(step), as_bits(float(value))))
    return found


def last_per_step(points: list[Point]) -> dict[tuple[str, int], bytes]:
    """The value each (tag, step) ends with when later writes replace earlier ones."""
    return {(tag, step): value for tag, step, value in points}


def test_the_shared_data_has_event_files() -> None:
    assert len(EVENT_FILES) >= 30


@pytest.mark.parametrize("path", EVENT_FILES, ids=lambda p: str(p.relative_to(SHARED)))
def test_same_points_as_tbparse(path: Path) -> None:
    expected = theirs(path)
    found = ours(path)

    assert expected, "tbparse found no scalar points; the comparison would prove nothing"
    assert last_per_step(found) == last_per_step(expected)
    assert sorted(found) == sorted(expected)  # duplicates included: nothing dropped, nothing invented
