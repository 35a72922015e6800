"""What discovery hands to a reader, and what a reader module provides.

A reader is a module with three names (no base class, no registration magic;
:data:`loganalyzer.ingest.READERS` lists them):

``FORMAT``
    The format's name, as shown by ``inspect`` (``tensorboard``, ``keras-csv``).
``sniff(path, head) -> bool``
    Whether ``path`` looks like this format, judged from ``head`` (the first
    :data:`HEAD_BYTES` bytes) and the name. Cheap; never reads further.
``read(source, options) -> list[RunParts]``
    Parse the files of ``source``. One text file can hold several runs
    (appended CSVLogger sessions); a TensorBoard run directory holds one run
    in several files. Problems inside a readable file become diagnostics on
    the parts; a file that cannot be read at all raises
    :class:`~loganalyzer.errors.InputError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from loganalyzer.model.run import Split

#: How much of a file discovery reads to recognise its format.
HEAD_BYTES = 8192


@dataclass(frozen=True)
class LogSource:
    """One run's worth of files as found by discovery.

    ``name`` is how the run is called in reports (the path as the user would
    type it). ``split_hints`` gives, per path, the split its directory stands
    for (Keras ``train/`` and ``validation/``), or None.
    """

    name: str
    format: str
    paths: tuple[Path, ...]
    split_hints: tuple[Split | None, ...]


@dataclass(frozen=True)
class ReadOptions:
    """Knobs that change how files are read, not what is found in them."""

    verify_data_crc: bool = True
