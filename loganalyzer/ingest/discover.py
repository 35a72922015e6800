"""Find training logs under the paths a user gives and group them into runs.

TensorBoard event files are recognised by name (``tfevents`` in the file
name, as TensorBoard itself does). A directory of event files is one run; its
sub-directories named after a split (Keras ``train/`` and ``validation/``,
PyTorch ``add_scalars`` folders like ``Loss_train/``) belong to the same run.
Every other file is recognised by content: each reader sniffs the first few
kilobytes. Files that are certainly not logs (checkpoints, images, arrays) are
skipped by extension without being opened, so walking a run directory full of
weights stays cheap.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from loganalyzer.errors import InputError, UnrecognisedInput
from loganalyzer.ingest import naming
from loganalyzer.ingest.source import HEAD_BYTES, LogSource, Reader
from loganalyzer.model.run import Split

TENSORBOARD_FORMAT = "tensorboard"

#: Extensions of files that are never training logs; not even opened.
NEVER_LOGS = frozenset(
    {
        ".h5", ".hdf5", ".keras", ".pt", ".pth", ".ckpt", ".bin", ".safetensors", ".onnx", ".pb",
        ".pbtxt", ".index", ".npy", ".npz", ".pkl", ".pickle", ".joblib", ".png", ".jpg", ".jpeg",
        ".gif", ".bmp", ".tif", ".tiff", ".webp", ".svg", ".pdf", ".mp4", ".wav", ".mp3", ".zip",
        ".gz", ".tar", ".tgz", ".bz2", ".xz", ".zst", ".7z", ".parquet", ".arrow", ".feather",
        ".py", ".ipynb", ".md", ".rst", ".yaml", ".yml", ".toml", ".cfg", ".ini", ".html", ".js",
        ".css", ".so", ".dll", ".exe", ".profile-empty",
    }
)  # fmt: skip

#: Directory names never descended into.
SKIPPED_DIRS = frozenset(
    {".git", ".hg", ".svn", "__pycache__", ".ipynb_checkpoints", "node_modules", ".venv"}
)


#: Extensions of text files worth a note when they mention a loss but no reader takes them.
TEXT_LOG_SUFFIXES = frozenset({".csv", ".tsv", ".json", ".jsonl", ".log", ".txt"})


@dataclass(frozen=True)
class Discovery:
    """Sources found, the explicit paths that could not be used, and files passed over.

    ``passed_over`` lists text files found inside directories that mention a
    loss but that no reader recognised (a format loganalyzer does not read,
    such as plain ``print`` output): not errors, but worth telling the user.
    """

    sources: tuple[LogSource, ...]
    errors: tuple[InputError, ...]
    passed_over: tuple[str, ...] = ()


def is_event_file(path: Path) -> bool:
    """TensorBoard's own test: ``tfevents`` in the name, not a profiler placeholder."""
    return "tfevents" in path.name and not path.name.endswith(".profile-empty")


def discover(
    paths: Sequence[str | os.PathLike[str]],
    text_readers: Sequence[Reader],
    event_reader: Reader | None = None,
    directory_readers: Sequence[DirectoryReader] = (),
) -> Discovery:
    """Walk ``paths`` and return one source per run, sorted by run name.

    A file given explicitly that no reader recognises is an error; inside a
    directory such files are simply not logs and are passed over. An explicit
    file that does not carry ``tfevents`` in its name is still offered to
    ``event_reader``'s sniffer (a renamed or copied event file).
    """
    sources: list[LogSource] = []
    errors: list[InputError] = []
    passed_over: list[str] = []
    event_files: dict[str, list[tuple[Path, Split | None]]] = {}
    for given in paths:
        path = Path(given)
        # `runs/tb/`, `./runs/tb` and `runs/tb` are one run with one name (and one fingerprint).
        label = os.path.normpath(os.fspath(given)).replace(os.sep, "/")
        if not path.exists():
            errors.append(InputError(label, "no such file or directory"))
        elif path.is_dir():
            found_here = _walk_directory(path, label, text_readers, passed_over, directory_readers)
            if not found_here:
                # Pointing CI at the wrong directory must not pass silently.
                errors.append(InputError(label, "no training logs found in this directory"))
            sources.extend(found_here)
        elif is_event_file(path):
            owner, hint = _event_file_owner(label, path)
            event_files.setdefault(owner, []).append((path, hint))
        else:
            try:
                found = _sniff_text(path, text_readers)
                if found is None and event_reader is not None and _sniffs(event_reader, path):
                    owner, hint = _event_file_owner(label, path)
                    event_files.setdefault(owner, []).append((path, hint))
                    continue
            except OSError as exc:
                errors.append(InputError(label, f"cannot read: {exc.strerror or exc}"))
                continue
            if found is None:
                errors.append(
                    UnrecognisedInput(
                        label,
                        "not a recognised training log (expected a TensorBoard event file, a Keras "
                        "CSVLogger/History CSV or JSON, or another supported format)",
                    )
                )
            else:
                sources.append(LogSource(label, found, (path,), (None,)))
    for owner, files in event_files.items():
        files.sort(key=lambda item: (str(item[0].parent), item[0].name))
        sources.append(
            LogSource(owner, TENSORBOARD_FORMAT, tuple(f for f, _ in files), tuple(h for _, h in files))
        )
    unique = {(s.name, s.format): s for s in sources}
    return Discovery(tuple(sorted(unique.values(), key=lambda s: s.name)), tuple(errors), tuple(passed_over))


def _event_file_owner(label: str, path: Path) -> tuple[str, Split | None]:
    """The run an explicitly given event file belongs to, named as a directory walk would name it.

    ``logs/train/events...`` and ``logs/validation/events...`` given as two
    files (as pre-commit passes them) form the one run ``logs``, exactly as
    ``loganalyzer check logs`` would, so findings and fingerprints agree.
    """
    directory = os.path.dirname(label) or "."
    split = naming.split_of_directory(path.resolve().parent.name)
    owner = os.path.dirname(directory) or "." if split is not None else directory
    return owner.replace(os.sep, "/"), split


def _walk_directory(
    root: Path,
    label: str,
    text_readers: Sequence[Reader],
    passed_over: list[str],
    directory_readers: Sequence[DirectoryReader] = (),
) -> list[LogSource]:
    """Every run below ``root``: event-file runs grouped by directory, text logs per file."""
    event_dirs: dict[Path, list[Path]] = {}
    sources: list[LogSource] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_DIRS)
        here = Path(dirpath)
        claimed = _directory_format(here, directory_readers)
        if claimed is not None:
            sources.append(LogSource(_label(root, label, here), claimed, (here,), (None,)))
            dirnames[:] = []
            continue
        for filename in sorted(filenames):
            path = here / filename
            if is_event_file(path):
                event_dirs.setdefault(here, []).append(path)
                continue
            if path.suffix.lower() in NEVER_LOGS or not path.is_file():
                continue
            try:
                found = _sniff_text(path, text_readers)
            except OSError:
                continue
            if found is not None:
                sources.append(LogSource(_label(root, label, path), found, (path,), (None,)))
            elif path.suffix.lower() in TEXT_LOG_SUFFIXES and _mentions_loss(path):
                passed_over.append(_label(root, label, path))
    sources.extend(_group_event_dirs(event_dirs, root, label))
    return _without_checkpoint_copies(sources)


_CHECKPOINT_DIR = re.compile(r"^checkpoint-(\d+)$")


def _without_checkpoint_copies(sources: list[LogSource]) -> list[LogSource]:
    """Drop Hugging Face ``checkpoint-N/trainer_state.json`` files that repeat their run.

    Each checkpoint holds a truncated copy of the output directory's
    ``trainer_state.json``; auditing an output directory must report the run
    once. Keep the root file when there is one, else the latest checkpoint.
    """
    roots = {s.paths[0].parent for s in sources if not _CHECKPOINT_DIR.match(s.paths[0].parent.name)}
    latest: dict[Path, tuple[int, LogSource]] = {}
    kept: list[LogSource] = []
    for source in sources:
        checkpoint = _CHECKPOINT_DIR.match(source.paths[0].parent.name)
        if source.format == TENSORBOARD_FORMAT or checkpoint is None:
            kept.append(source)
            continue
        output_dir = source.paths[0].parent.parent
        if output_dir in roots and (output_dir / source.paths[0].name).is_file():
            continue
        number = int(checkpoint.group(1))
        key = output_dir / source.paths[0].name
        if key not in latest or number > latest[key][0]:
            latest[key] = (number, source)
    kept.extend(source for _, source in latest.values())
    return kept


def _group_event_dirs(event_dirs: dict[Path, list[Path]], root: Path, label: str) -> list[LogSource]:
    """Fold split-named directories (``train/``, ``validation/``) into their parent's run."""
    runs: dict[Path, list[tuple[Path, Split | None]]] = {}
    for directory in sorted(event_dirs):
        split = naming.split_of_directory(directory.name)
        owner = directory.parent if split is not None and directory != root else directory
        runs.setdefault(owner, []).extend((f, split) for f in event_dirs[directory])
    out = []
    for owner, files in runs.items():
        files.sort(key=lambda item: (str(item[0].parent), item[0].name))
        out.append(
            LogSource(
                _label(root, label, owner),
                TENSORBOARD_FORMAT,
                tuple(f for f, _ in files),
                tuple(h for _, h in files),
            )
        )
    return out


def _label(root: Path, label: str, path: Path) -> str:
    """``path`` (at or below ``root``) spelled from the user's ``label`` for ``root``."""
    if path == root:
        return label
    return (Path(label) / path.relative_to(root)).as_posix()


# --- directory formats (MLflow run directories, Sacred run directories) -------------------------


class DirectoryReader(Protocol):
    """A reader whose run is a directory of files (one file per metric, or metrics next to config)."""

    FORMAT: str

    def sniff_directory(self, path: Path) -> bool:
        """Whether the directory ``path`` is one run of this format (judged from a few names)."""
        ...


def _directory_format(directory: Path, readers: Sequence[DirectoryReader]) -> str | None:
    """The FORMAT of the first directory reader that claims ``directory`` as a run, or None."""
    for reader in readers:
        try:
            if reader.sniff_directory(directory):
                return str(reader.FORMAT)
        except OSError:
            continue
    return None


# -------------------------------------------------------------------------------------------------


def _mentions_loss(path: Path) -> bool:
    """Whether the first kilobytes of ``path`` mention a loss (a log in a format not read, maybe)."""
    try:
        with path.open("rb") as handle:
            return b"loss" in handle.read(HEAD_BYTES).lower()
    except OSError:
        return False


def _sniffs(reader: Reader, path: Path) -> bool:
    """Whether ``reader`` recognises ``path`` from its first bytes."""
    with path.open("rb") as handle:
        return bool(reader.sniff(path, handle.read(HEAD_BYTES)))


def _sniff_text(path: Path, text_readers: Iterable[Reader]) -> str | None:
    """The FORMAT of the first text reader that recognises ``path``, or None."""
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    for reader in text_readers:
        if reader.sniff(path, head):
            return str(reader.FORMAT)
    return None
