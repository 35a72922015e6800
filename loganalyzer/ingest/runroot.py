"""Complete a run from one of its files: the pre-commit hook passes changed files one by one.

Keras writes a TensorBoard run as ``logs/train/events...`` plus
``logs/validation/events...`` (PyTorch's ``add_scalars`` as ``run/events...``
plus ``run/Loss_train/events...``). When a commit changes only the validation
file, the hook passes only that file, and analysing it alone would skip every
rule that needs the training curve and then report "passed". So an event file
given explicitly is analysed with the rest of its run: the *run root* is the
directory holding the split directories (``train/``, ``validation/``,
``Loss_train/`` ...), and every event file directly in it or in one of its
split directories joins the paths. Discovery then groups them into the one run
``logs`` exactly as ``loganalyzer check logs`` would, so findings and
fingerprints agree however the files were given.

Text logs are single files and are left as they are; directories are walked
whole by discovery anyway.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from loganalyzer.ingest import naming
from loganalyzer.ingest.discover import is_event_file


def run_root(path: Path) -> Path | None:
    """The run directory an event file belongs to, when the run spans split directories."""
    parent = path.parent
    if naming.split_of_directory(parent.resolve().name) is not None:
        return parent.parent
    if any(_split_dirs(parent)):
        return parent
    return None


def _split_dirs(directory: Path) -> list[Path]:
    try:
        entries = sorted(directory.iterdir())
    except OSError:
        return []
    return [e for e in entries if e.is_dir() and naming.split_of_directory(e.name) is not None]


def _event_files(directory: Path) -> list[Path]:
    try:
        return sorted(e for e in directory.iterdir() if e.is_file() and is_event_file(e))
    except OSError:
        return []


def with_whole_runs(paths: Sequence[str | os.PathLike[str]]) -> list[str | os.PathLike[str]]:
    """``paths`` plus the other event files of every run an explicitly given event file belongs to.

    The added files are spelled from the given path (``logs/validation/x`` adds
    ``logs/train/y``), so run names do not depend on which file was given.
    """
    out: list[str | os.PathLike[str]] = list(paths)
    seen = {os.path.normpath(os.fspath(p)) for p in paths}
    for given in paths:
        path = Path(given)
        if not is_event_file(path) or not path.is_file():
            continue
        root = run_root(path)
        if root is None:
            continue
        for directory in [root, *_split_dirs(root)]:
            for sibling in _event_files(directory):
                spelled = os.path.normpath(os.fspath(sibling))
                if spelled not in seen:
                    seen.add(spelled)
                    out.append(spelled)
    return out
