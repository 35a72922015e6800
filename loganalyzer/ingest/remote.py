"""Logs in object stores and other fsspec file systems (``s3://``, ``gs://``, ``memory://``, ...).

A :class:`RemotePath` is a :class:`~pathlib.PurePosixPath`-shaped path whose
first part is the protocol (``s3:``), so naming, grouping and labels work on
it exactly as on a local path, and whose I/O methods (``open``, ``stat``,
``read_bytes``, ``is_file``) go to fsspec. It refuses ``os.fspath``: a remote
path can never be silently opened as a local file of a similar name.
Everything is read-only and streamed (fsspec's buffered files fetch ranges).

fsspec (and s3fs, gcsfs ...) are the optional extra ``loganalyzer-ml[remote]``;
without it a URL is an input error with the one line that says what to install.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from pathlib import PosixPath
from typing import IO, Any, cast

from loganalyzer.errors import InputError

#: ``scheme://`` at the start of a path given by the user (not ``C:\\`` on Windows: two letters or more).
_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+)://(.*)$", re.DOTALL)

INSTALL_HINT = "remote paths need loganalyzer-ml[remote] (pip install 'loganalyzer-ml[remote]')"


def is_url(text: str) -> bool:
    """Whether ``text`` is a URL (``s3://bucket/key``) rather than a local path."""
    return _URL.match(text) is not None and not text.startswith("file://")


def remote_path(url: str) -> RemotePath:
    """The :class:`RemotePath` for ``url``; InputError when fsspec or the protocol's package is missing."""
    match = _URL.match(url)
    if match is None:
        raise InputError(url, "not a URL")
    try:
        import fsspec
    except ImportError:
        raise InputError(url, INSTALL_HINT) from None
    protocol, rest = match.group(1).lower(), match.group(2)
    try:
        fsspec.get_filesystem_class(protocol)
    except ImportError as exc:
        raise InputError(url, f"{INSTALL_HINT}; for {protocol}:// also: {exc}") from None
    except ValueError:
        raise InputError(url, f"unknown protocol {protocol}://") from None
    return RemotePath(f"{protocol}:", *[part for part in rest.split("/") if part])


class RemotePath(PosixPath):
    """A file or directory in an fsspec file system, addressed like a path (read-only)."""

    @property
    def protocol(self) -> str:
        """``s3``, ``gs``, ``memory`` ..."""
        return self.parts[0].rstrip(":")

    @property
    def url(self) -> str:
        """The URL as the user writes it: ``s3://bucket/key``."""
        return f"{self.protocol}://" + "/".join(self.parts[1:])

    def __str__(self) -> str:
        return self.url

    def __repr__(self) -> str:
        return f"RemotePath({self.url!r})"

    def __fspath__(self) -> str:
        raise TypeError(f"{self.url} is remote: open it through loganalyzer.ingest.source, not the OS")

    def as_posix(self) -> str:
        """The URL (a remote path has no other spelling)."""
        return self.url

    def _fs(self) -> tuple[Any, str]:
        import fsspec

        fs, path = fsspec.core.url_to_fs(self.url)
        return fs, str(path)

    def info(self) -> dict[str, Any]:
        """Fsspec's ``info`` for this path; OSError (FileNotFoundError) when absent."""
        fs, path = self._fs()
        return dict(fs.info(path))

    def stat(self, *, follow_symlinks: bool = True) -> os.stat_result:
        """A stat result with mode (file or directory), size and modification time in ns."""
        info = self.info()
        mode = stat.S_IFDIR | 0o555 if info.get("type") == "directory" else stat.S_IFREG | 0o444
        size = int(info.get("size") or 0)
        mtime_ns = _mtime_ns(info)
        return os.stat_result((mode, 0, 0, 1, 0, 0, size, mtime_ns // 10**9, mtime_ns // 10**9,
                               mtime_ns // 10**9, mtime_ns / 1e9, mtime_ns / 1e9, mtime_ns / 1e9,
                               mtime_ns, mtime_ns, mtime_ns))  # fmt: skip

    def exists(self, *, follow_symlinks: bool = True) -> bool:
        """Whether the object or prefix exists."""
        fs, path = self._fs()
        return bool(fs.exists(path))

    def is_dir(self, *, follow_symlinks: bool = True) -> bool:
        """Whether this is a directory (a prefix with objects below it)."""
        fs, path = self._fs()
        return bool(fs.isdir(path))

    def is_file(self, *, follow_symlinks: bool = True) -> bool:
        """Whether this is an object."""
        fs, path = self._fs()
        return bool(fs.isfile(path))

    def is_symlink(self) -> bool:
        """Object stores have no links."""
        return False

    def resolve(self, strict: bool = False) -> RemotePath:
        """Already absolute."""
        return self

    def open(self, mode: str = "rb", *args: Any, **kwargs: Any) -> IO[Any]:  # type: ignore[override]
        """Open for reading only; fsspec fetches byte ranges as they are read."""
        if mode not in ("r", "rb"):
            raise PermissionError(f"{self.url}: remote logs are opened read-only")
        fs, path = self._fs()
        return cast("IO[Any]", fs.open(path, "rb"))

    def read_bytes(self) -> bytes:
        """The whole object."""
        with self.open("rb") as handle:
            return bytes(handle.read())

    def walk(self) -> Iterator[tuple[RemotePath, list[str], list[str]]]:
        """``(directory, sub-directory names, file names)`` below this prefix, like ``os.walk``."""
        fs, path = self._fs()
        prefix = f"{self.protocol}:"
        for directory, dirnames, filenames in fs.walk(path):
            parts = [part for part in fs._strip_protocol(directory).split("/") if part]
            dirnames.sort()  # in place: emptying it stops the descent, as with os.walk
            yield RemotePath(prefix, *parts), dirnames, sorted(filenames)


def _mtime_ns(info: dict[str, Any]) -> int:
    """Modification time from whatever the file system reports (``mtime``, ``LastModified``, ``created``)."""
    for key in ("mtime", "LastModified", "last_modified", "updated", "created"):
        value = info.get(key)
        if value is None:
            continue
        if hasattr(value, "timestamp"):
            return int(value.timestamp() * 10**9)
        try:
            return int(float(value) * 10**9)
        except (TypeError, ValueError):
            continue
    return 0
