"""Third-party readers, found through the ``loganalyzer.readers`` entry-point group.

A team with an in-house log format adds a reader without forking, the way
flake8 plugins add checks: a package declares

.. code-block:: toml

    [project.entry-points."loganalyzer.readers"]
    mytrainer = "mytrainer_loganalyzer.reader"

and the named module (or object) provides what :class:`~loganalyzer.ingest.source.Reader`
asks for: ``FORMAT``, ``sniff(path, head)`` and ``read(source, options)``,
plus ``sniff_directory(path)`` when its run is a directory. Installed
readers are asked before the built-in ones, so a team's own format wins
over the general JSON Lines and CSV readers. An entry point that does not load,
lacks part of the contract, or reuses a built-in format name is reported as
one error naming the plugin, and the other readers still run.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from loganalyzer.errors import InputError
from loganalyzer.ingest.discover import DirectoryReader
from loganalyzer.ingest.source import Reader

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

#: The entry-point group third-party readers register under.
GROUP = "loganalyzer.readers"

#: What a reader must provide.
REQUIRED = ("FORMAT", "sniff", "read")


@dataclass(frozen=True)
class Plugins:
    """Readers loaded from installed packages, and the entry points that could not be used."""

    text_readers: tuple[Reader, ...] = ()
    directory_readers: tuple[DirectoryReader, ...] = ()
    errors: tuple[InputError, ...] = ()


@functools.cache
def installed(builtin_formats: frozenset[str]) -> Plugins:
    """Load every ``loganalyzer.readers`` entry point once per process.

    ``importlib.metadata`` is imported here, not at module import: a run of
    the CLI pays for scanning installed packages only when it reads logs.
    """
    from importlib import metadata

    return load(metadata.entry_points(group=GROUP), builtin_formats)


def load(entry_points: Iterable[EntryPoint], builtin_formats: frozenset[str]) -> Plugins:
    """Load ``entry_points`` (sorted by name, so the order is stable) into readers."""
    text: list[Reader] = []
    directory: list[DirectoryReader] = []
    errors: list[InputError] = []
    taken = set(builtin_formats)
    for entry_point in sorted(entry_points, key=lambda e: e.name):
        label = f"reader plugin {entry_point.name!r} ({entry_point.value})"
        try:
            reader: Any = entry_point.load()
        except Exception as exc:
            errors.append(InputError(label, f"cannot be loaded: {type(exc).__name__}: {exc}"))
            continue
        missing = [name for name in REQUIRED if not hasattr(reader, name)]
        if missing:
            errors.append(InputError(label, f"is not a reader: it lacks {', '.join(missing)}"))
            continue
        fmt = str(reader.FORMAT)
        if fmt in taken:
            errors.append(
                InputError(label, f"uses the format name {fmt!r}, which another reader already has")
            )
            continue
        taken.add(fmt)
        text.append(cast(Reader, reader))
        if callable(getattr(reader, "sniff_directory", None)):
            directory.append(cast(DirectoryReader, reader))
    return Plugins(tuple(text), tuple(directory), tuple(errors))
