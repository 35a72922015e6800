"""What discovery hands to a reader, and the :class:`Reader` contract every format meets.

A reader is a module (no base class, no registration magic) that satisfies
:class:`Reader`; :data:`loganalyzer.ingest.READERS` lists them all, and mypy
checks each entry against the protocol.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from loganalyzer.model.run import Split

if TYPE_CHECKING:
    from loganalyzer.ingest.build import RunParts

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


class Reader(Protocol):
    """What a reader module provides: its format name, a cheap sniffer and the parser."""

    #: The format's name, as shown by ``inspect`` (``tensorboard``, ``keras-csv``).
    FORMAT: str

    def sniff(self, path: Path, head: bytes) -> bool:
        """Whether ``path`` looks like this format, judged from its name and ``head``.

        ``head`` is the first :data:`HEAD_BYTES` bytes; a sniffer never reads
        further, so discovery stays cheap on large trees.
        """
        ...

    def read(self, source: LogSource, options: ReadOptions) -> list[RunParts]:
        """Parse the files of ``source`` into the parts of one or more runs.

        One text file can hold several runs (appended CSVLogger sessions); a
        TensorBoard run directory holds one run in several files. Problems
        inside a readable file become diagnostics on the parts; a file that
        cannot be read at all raises :class:`~loganalyzer.errors.InputError`.
        """
        ...
