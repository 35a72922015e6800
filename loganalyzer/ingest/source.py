"""What discovery hands to a reader, and the :class:`Reader` contract every format meets.

A reader is a module (no base class, no registration magic) that satisfies
:class:`Reader`; :data:`loganalyzer.ingest.READERS` lists them all, and mypy
checks each entry against the protocol.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol

from loganalyzer.errors import InputError
from loganalyzer.model.run import Split

if TYPE_CHECKING:
    from loganalyzer.ingest.build import RunParts

#: How much of a file discovery reads to recognise its format.
HEAD_BYTES = 8192

#: Largest file read by default (2 GiB). Event files are streamed, but text logs are
#: read whole, and a multi-gigabyte "log" is far more often a checkpoint or a runaway
#: writer than training history; ``--max-bytes`` / ``max-bytes`` raise the limit.
DEFAULT_MAX_BYTES = 2**31


def as_path(given: str | os.PathLike[str]) -> Path:
    """The path a user gave: a local :class:`Path`, or a :class:`RemotePath` for a URL (``s3://...``).

    Raises InputError naming the URL when remote support is not installed,
    so a URL is never mistaken for a local path of a similar name.
    """
    from loganalyzer.ingest import remote

    text = os.fspath(given)
    if remote.is_url(text):
        return remote.remote_path(text)
    return Path(text)


def file_size(path: Path) -> int | None:
    """The size of a log in bytes, wherever it is; None when it cannot be told (the reader will say why)."""
    from loganalyzer.ingest.remote import RemotePath

    try:
        if isinstance(path, RemotePath):
            return int(path.info().get("size") or 0)
        return os.stat(path).st_size
    except OSError:
        return None


def over_size_limit(path: Path, max_bytes: int) -> str | None:
    """Why ``path`` is not read because of its size (the one wording for every reader), or None.

    None too when the size cannot be told (the reader that opens it says why),
    and for a directory: a directory-shaped run (MLflow, Sacred) is held to
    the limit file by file, by its reader.
    """
    size = file_size(path)
    if size is None or size <= max_bytes or path.is_dir():
        return None
    return (
        f"{size:,} bytes, over the {max_bytes:,}-byte limit; not read "
        "(raise it with --max-bytes or max-bytes in [tool.loganalyzer])"
    )


def open_binary(path: Path) -> tuple[IO[Any], int]:
    """Open a log for reading, wherever it is; return the handle and its size in bytes.

    The one place files are opened for parsing: local files unbuffered (the
    readers read large blocks), remote ones through fsspec. Only regular
    files are read (a FIFO or device would block or never end).
    """
    from loganalyzer.ingest.remote import RemotePath

    if isinstance(path, RemotePath):
        try:
            size = int(path.info().get("size") or 0)
            return path.open("rb"), size
        except OSError as exc:
            raise InputError(str(path), f"cannot open: {exc.strerror or exc}") from None
    try:
        # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise InputError(str(path), f"cannot open: {exc.strerror or exc}") from None
    try:
        status = os.fstat(descriptor)
    except OSError as exc:
        os.close(descriptor)
        raise InputError(str(path), f"cannot read: {exc.strerror or exc}") from None
    if not stat.S_ISREG(status.st_mode):
        os.close(descriptor)
        raise InputError(str(path), "not a regular file")
    return os.fdopen(descriptor, "rb", buffering=0), status.st_size


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
    #: Files larger than this are not read; each is reported as an input error.
    max_bytes: int = DEFAULT_MAX_BYTES


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
