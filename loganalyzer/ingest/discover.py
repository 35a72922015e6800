"""Find training logs under the paths a user gives and group them into runs.

TensorBoard event files are recognised by name (``tfevents`` in the file
name, as TensorBoard itself does). A directory of event files is one run; its
sub-directories named after a split (Keras ``train/`` and ``validation/``,
PyTorch ``add_scalars`` folders like ``Loss_train/``) belong to the same run.
Every other file is recognised by content: each reader sniffs the first few
kilobytes. Files that are certainly not logs (checkpoints, images, arrays) are
skipped by extension without being opened, so walking a run directory full of
weights stays cheap.

The walk is robust to what real trees hold (see :func:`_walk_directory`):
symbolic links are followed but each directory is visited once (a link loop
ends), only regular files are ever opened (a FIFO or device named like a log
would block or never end), and a directory or log-named file that cannot be
read is an error naming it, while the rest of the tree is still searched.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable, MutableMapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from loganalyzer.errors import InputError, UnrecognisedInput
from loganalyzer.ingest import naming
from loganalyzer.ingest.remote import RemotePath
from loganalyzer.ingest.source import HEAD_BYTES, LogSource, Reader, as_path
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
    *,
    memo: SniffMemo | None = None,
) -> Discovery:
    """Walk ``paths`` and return one source per run, sorted by run name.

    A file given explicitly that no reader recognises is an error; inside a
    directory such files are simply not logs and are passed over. An explicit
    file that does not carry ``tfevents`` in its name is still offered to
    ``event_reader``'s sniffer (a renamed or copied event file). ``memo``
    remembers what files found in directories are, by path, size and
    ``mtime_ns`` (an audit's cache passes one, so a re-audit opens no file
    that did not change).
    """
    sources: list[LogSource] = []
    errors: list[InputError] = []
    passed_over: list[str] = []
    event_files: dict[str, list[tuple[Path, Split | None]]] = {}
    for given in paths:
        try:
            path = as_path(given)
        except InputError as error:
            errors.append(error)
            continue
        # `runs/tb/`, `./runs/tb` and `runs/tb` are one run with one name (and one fingerprint).
        label = str(path) if isinstance(path, RemotePath) else _local_label(given)
        if not path.exists():
            errors.append(InputError(label, "no such file or directory"))
        elif path.is_dir():
            found_here = _walk_directory(
                path, label, text_readers, passed_over, errors, directory_readers, memo
            )
            if not found_here and not any(e.path.startswith(label) for e in errors):
                # Pointing CI at the wrong directory must not pass silently.
                errors.append(InputError(label, "no training logs found in this directory"))
            sources.extend(found_here)
        elif (problem := _not_a_regular_file(path)) is not None:
            errors.append(InputError(label, problem))
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


def _local_label(given: str | os.PathLike[str]) -> str:
    """How a local path is named in reports: normalised, forward slashes, printable."""
    return displayable(os.path.normpath(os.fspath(given)).replace(os.sep, "/"))


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
    errors: list[InputError],
    directory_readers: Sequence[DirectoryReader] = (),
    memo: SniffMemo | None = None,
) -> list[LogSource]:
    """Every run below ``root``: event-file runs grouped by directory, text logs per file.

    Problems with single entries become ``errors`` (one per entry, naming
    it) and the walk goes on: a directory that cannot be listed, a log-named
    file that cannot be read, is not a regular file, or is a broken link.
    """
    event_dirs: dict[Path, list[Path]] = {}
    sources: list[LogSource] = []
    for here, dirnames, filenames in _directories(root, label, errors):
        claimed = _directory_format(here, directory_readers)
        if claimed is not None:  # a directory-shaped run (MLflow ...): one source, not descended into
            sources.append(LogSource(_label(root, label, here), claimed, (here,), (None,)))
            dirnames[:] = []
            continue
        for filename in filenames:
            path = here / filename
            named_like_log = is_event_file(path) or path.suffix.lower() in TEXT_LOG_SUFFIXES
            if not is_event_file(path) and path.suffix.lower() in NEVER_LOGS:
                continue
            status, problem = _regular_file_status(path)
            if is_event_file(path) and (problem is None or problem.startswith(_UNSTATABLE)):
                # One file of a resumed run that cannot be read is a diagnostic on the run (the
                # reader says which); a FIFO or device is never handed to a reader at all.
                event_dirs.setdefault(here, []).append(path)
                continue
            if problem is not None:
                if named_like_log:
                    errors.append(InputError(_label(root, label, path), problem))
                continue
            try:
                verdict = _verdict(path, text_readers, memo, status)
            except OSError as exc:
                errors.append(InputError(_label(root, label, path), f"cannot read: {exc.strerror or exc}"))
                continue
            if verdict == PASSED_OVER:
                passed_over.append(_label(root, label, path))
            elif verdict != NOT_A_LOG:
                sources.append(LogSource(_label(root, label, path), verdict, (path,), (None,)))
    sources.extend(_group_event_dirs(event_dirs, root, label))
    return _without_checkpoint_copies(sources)


#: A file's :func:`_verdict` by ``(path, size, mtime_ns)``.
SniffMemo = MutableMapping[tuple[str, int, int], str]
#: Verdicts besides a reader's FORMAT: not a log, or a text file mentioning a loss that no reader takes.
NOT_A_LOG = "-"
PASSED_OVER = "-passed-over"


def _verdict(
    path: Path, text_readers: Sequence[Reader], memo: SniffMemo | None, status: os.stat_result | None = None
) -> str:
    """The FORMAT of a regular file found in a directory, :data:`NOT_A_LOG` or :data:`PASSED_OVER`."""
    key = None
    if memo is not None:
        status = status or path.stat()
        key = (displayable(str(path)), status.st_size, status.st_mtime_ns)
        known = memo.get(key)
        if known is not None:
            return known
    found = _sniff_text(path, text_readers)
    if found is not None:
        verdict = found
    elif path.suffix.lower() in TEXT_LOG_SUFFIXES and _mentions_loss(path):
        verdict = PASSED_OVER
    else:
        verdict = NOT_A_LOG
    if memo is not None and key is not None:
        memo[key] = verdict
    return verdict


def _directories(
    root: Path, label: str, errors: list[InputError]
) -> Iterable[tuple[Path, list[str], list[str]]]:
    """``(directory, sub-directory names, sorted file names)`` below ``root``, each real directory once.

    Emptying the yielded sub-directory list stops the walk descending (as
    with ``os.walk``).

    Symbolic links to directories are followed (runs are often linked into
    an experiments tree), but a directory already visited, through a link or
    a loop, is not entered again. A directory that cannot be listed is an
    error naming it.
    """
    if isinstance(root, RemotePath):
        # Object stores have neither links nor loops; fsspec lists each prefix once.
        try:
            for remote_dir, dirnames, filenames in root.walk():
                yield remote_dir, dirnames, filenames
        except OSError as exc:
            errors.append(InputError(label, f"cannot list: {exc.strerror or exc}"))
        return
    seen: set[tuple[int, int]] = set()

    def unlistable(exc: OSError) -> None:
        where = Path(exc.filename) if exc.filename else root
        errors.append(InputError(_label(root, label, where), f"cannot list directory: {exc.strerror or exc}"))

    for dirpath, dirnames, filenames in os.walk(root, onerror=unlistable, followlinks=True):
        here = Path(dirpath)
        try:
            status = here.stat()
        except OSError as exc:
            unlistable(exc)
            dirnames[:] = []
            continue
        identity = (status.st_dev, status.st_ino)
        if identity in seen:
            dirnames[:] = []
            continue
        seen.add(identity)
        dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_DIRS)
        yield here, dirnames, sorted(filenames)


#: How :func:`_not_a_regular_file` begins a reason when ``stat`` itself failed.
_UNSTATABLE = ("broken symbolic link", "no such file", "cannot read")


def _not_a_regular_file(path: Path) -> str | None:
    """Why ``path`` must not be opened (a FIFO would block, a device never ends), or None.

    Only ``stat`` is used: nothing is opened to find out.
    """
    return _regular_file_status(path)[1]


def _regular_file_status(path: Path) -> tuple[os.stat_result | None, str | None]:
    """``path``'s status and why it must not be opened (None when it is a regular file).

    The status is handed on so the walk stats each file once.
    """
    try:
        status = path.stat()
    except FileNotFoundError:
        return None, "broken symbolic link" if path.is_symlink() else "no such file or directory"
    except OSError as exc:
        return None, f"cannot read: {exc.strerror or exc}"
    mode = status.st_mode
    if stat.S_ISREG(mode):
        return status, None
    for test, kind in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return status, f"not a regular file ({kind}); not opened"
    return status, "not a regular file; not opened"


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
    if isinstance(root, RemotePath):
        return "/".join((label.rstrip("/"), *path.parts[len(root.parts) :]))
    return displayable((Path(label) / path.relative_to(root)).as_posix())


def displayable(name: str) -> str:
    r"""A file name as text every output can carry: undecodable bytes shown as ``\xe9``.

    A name that is not valid UTF-8 reaches Python with lone surrogates
    (PEP 383), which no encoder accepts; run names are printed, hashed into
    fingerprints and written to JSON, so they are made plain text here, once.
    The file itself is still opened through its real ``Path``.
    """
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


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
