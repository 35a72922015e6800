"""State shared by the event-file reader and the event decoder, in one place.

The reader opens files and orders them; the decoder turns records into
points. Both fill the same per-file :class:`FileResult` and consult the same
per-run :class:`RunState` (which tag belongs to which plugin), and both need
the point kinds. Keeping these here lets each of the two modules import this
one instead of each other.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from loganalyzer.model.run import Diagnostic, PositionUnit

#: The plugin that owns scalar summaries (``tensorboard/plugins/scalar/metadata.py``).
SCALARS_PLUGIN = "scalars"

#: At most this many diagnostics of one code are reported per file; the rest are counted in one more.
MAX_DIAGNOSTICS_PER_CODE = 20

#: Kinds of point: a ``simple_value`` is always a scalar; a tensor only if its tag is a scalars tag.
SIMPLE = 0
TENSOR = 1


@dataclass
class RunState:
    """What is decided across the files of a run: which tags belong to which plugin."""

    #: (directory, tag) -> ((file order, byte offset), plugin name) of the first value with metadata.
    first_metadata: dict[tuple[str, str], tuple[tuple[int, int], str]] = field(default_factory=dict)

    def note_metadata(self, directory: str, tag: str, where: tuple[int, int], plugin: str) -> None:
        """Remember ``plugin`` for ``tag`` if this is the earliest metadata seen for it."""
        key = (directory, tag)
        known = self.first_metadata.get(key)
        if known is None or where < known[0]:
            self.first_metadata[key] = (where, plugin)

    def plugin(self, directory: str, tag: str) -> str | None:
        """Return the plugin of ``tag`` (None: no value of the tag carried metadata)."""
        known = self.first_metadata.get((directory, tag))
        return None if known is None else known[1]


@dataclass
class FileResult:
    """Everything read from one file, before tags are classified."""

    path: Path
    directory: str
    size: int
    tags: list[str] = field(default_factory=list)
    tag_ids: dict[str, int] = field(default_factory=dict)
    columns: dict[str, list[np.ndarray]] = field(
        default_factory=lambda: {name: [] for name in ("tag", "kind", "position", "step", "wall", "value")}
    )
    #: Tensors that are not numeric scalars, per tag (kept or not depends on the tag's plugin).
    non_scalar_tensors: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    other_events: Counter[str] = field(default_factory=Counter)
    records: int = 0
    file_version: str | None = None
    #: Hyperparameters from HParams plugin data (:mod:`loganalyzer.ingest.tensorboard.hparams`).
    hparams: dict[str, str | float | bool | None] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    _counts: Counter[str] = field(default_factory=Counter)

    def tag_id(self, tag: str) -> int:
        """Return the file-local id of ``tag``, assigning one if it is new."""
        found = self.tag_ids.get(tag)
        if found is None:
            found = self.tag_ids[tag] = len(self.tags)
            self.tags.append(tag)
        return found

    def report(self, code: str, message: str, position: int | None) -> None:
        """Add a diagnostic, at most MAX_DIAGNOSTICS_PER_CODE per code (the rest are counted)."""
        self._counts[code] += 1
        if self._counts[code] <= MAX_DIAGNOSTICS_PER_CODE:
            self.diagnostics.append(Diagnostic(str(self.path), code, message, position, PositionUnit.BYTE))

    def finish_reports(self) -> None:
        """Say how many diagnostics of each code were not listed."""
        for code, count in sorted(self._counts.items()):
            if count > MAX_DIAGNOSTICS_PER_CODE:
                self.diagnostics.append(
                    Diagnostic(
                        str(self.path),
                        code,
                        f"{count - MAX_DIAGNOSTICS_PER_CODE} more {code} problem(s) in this file not listed",
                    )
                )
