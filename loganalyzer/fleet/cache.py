"""The incremental cache: an audit re-analyses only the runs whose files changed.

SQLite, not a directory of files renamed into place: one file, readers never
see a half-written entry, and several audits sharing a cache (a CI matrix, two
terminals) are serialised by SQLite's own locking. The journal is WAL so
readers never block the one writer, each batch of results is one
transaction, and a crash mid-batch loses that batch, never the file.

An entry's key hashes the identity of every file of the source (path, size,
``mtime_ns``), the rule pack, the effective settings and the tool version, so
a changed file, rule or option simply misses. Discovery's verdict on each
file (which format, or not a log) is kept too, by path, size, ``mtime_ns``
and tool version, so a warm re-audit opens no unchanged file at all. A cache that is not ours, is
corrupt or truncated, or holds an entry that does not decode is never trusted:
the file is discarded (one note) and the audit carries on without it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from pathlib import Path

from loganalyzer.fleet.task import SourceOutcome
from loganalyzer.ingest.source import LogSource

#: Bumped whenever the stored layout or the meaning of an entry changes.
CACHE_FORMAT = "loganalyzer-audit-cache/2"
CACHE_FILE = "audit.sqlite3"
_BUSY_TIMEOUT_MS = 30_000


def default_cache_dir() -> Path:
    """The user cache directory: platformdirs when installed, else the XDG rules by hand."""
    try:
        import platformdirs
    except ImportError:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        return Path(base) / "loganalyzer"
    return Path(platformdirs.user_cache_dir("loganalyzer", appauthor=False))


def source_identity(source: LogSource) -> list[tuple[str, int, int]] | None:
    """``(path, size, mtime_ns)`` of every file of ``source``; None when one cannot be stat'ed."""
    identity = []
    for path in source.paths:
        try:
            status = path.stat()  # a RemotePath stats through fsspec
        except OSError:
            return None
        name = str(path).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        identity.append((name, status.st_size, status.st_mtime_ns))
    return identity


def entry_key(source: LogSource, context_digest: str) -> str | None:
    """The cache key of ``source`` under ``context_digest``; None when it cannot be keyed (never cached)."""
    identity = source_identity(source)
    if identity is None:
        return None
    document = json.dumps(
        [context_digest, source.name, source.format, identity, [h and h.value for h in source.split_hints]]
    )
    return hashlib.sha256(document.encode("utf-8")).hexdigest()


class AuditCache:
    """A SQLite cache file; every failure to use it degrades to "no cache" with a note."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / CACHE_FILE
        self.notes: list[str] = []
        self._db: sqlite3.Connection | None = None
        try:
            directory.mkdir(parents=True, exist_ok=True)
            self._db = self._open()
        except (sqlite3.Error, OSError, _Foreign) as exc:
            self._discard(exc)
            self._start_afresh()

    def _start_afresh(self) -> None:
        """After a discard, a new empty cache, so this audit's results are kept for the next."""
        try:
            self._db = self._open()
        except (sqlite3.Error, OSError, _Foreign):
            self._db = None

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=_BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        try:
            db.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
            _use_wal(db)
            _check_intact(db)
            db.execute("BEGIN IMMEDIATE")
            try:
                _claim(db)
                db.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    db.execute("ROLLBACK")
                raise
        except BaseException:
            db.close()
            raise
        return db

    def _discard(self, reason: BaseException) -> None:
        """Drop an unusable cache file (and its WAL) so the next audit starts clean."""
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
            self._db = None
        why = str(reason) or type(reason).__name__
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(OSError):
                os.unlink(f"{self.path}{suffix}")
        self.notes.append(f"cache {self.path} was unusable ({why}); discarded, every run is analysed afresh")

    @property
    def usable(self) -> bool:
        """Whether lookups can hit."""
        return self._db is not None

    def present(self, keys: Iterable[str]) -> set[str]:
        """Which of ``keys`` have an entry (their outcomes are not loaded)."""
        if self._db is None:
            return set()
        wanted = list(keys)
        found: set[str] = set()
        try:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(f"SELECT key FROM outcomes WHERE key IN ({marks})", chunk)
                found.update(str(key) for (key,) in rows)
        except sqlite3.Error as exc:
            self._discard(exc)
            self._start_afresh()
            return set()
        return found

    def get_many(self, keys: Iterable[str]) -> dict[str, SourceOutcome]:
        """The decodable entries among ``keys``; an undecodable one discards the whole cache."""
        if self._db is None:
            return {}
        wanted = list(keys)
        found: dict[str, SourceOutcome] = {}
        try:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(f"SELECT key, payload FROM outcomes WHERE key IN ({marks})", chunk)
                for key, payload in rows:
                    found[key] = SourceOutcome.from_dict(json.loads(payload))
        except (sqlite3.Error, ValueError, KeyError, TypeError) as exc:
            self._discard(exc)
            self._start_afresh()
            return {}
        return found

    def put_many(self, entries: Mapping[str, SourceOutcome]) -> None:
        """Store ``entries`` in one transaction (concurrent writers wait on SQLite's lock)."""
        if self._db is None or not entries:
            return
        rows = [(key, json.dumps(outcome.to_dict(), allow_nan=False)) for key, outcome in entries.items()]
        try:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany("INSERT OR REPLACE INTO outcomes VALUES (?, ?)", rows)
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")
            self.notes.append(f"cache {self.path}: could not store results ({exc})")

    def sniff_memo(self, version: str) -> SniffMemo:
        """Discovery's remembered verdicts for this tool ``version`` (empty when the cache is unusable)."""
        return SniffMemo(self, version)

    def _load_sniffs(self, version: str) -> dict[tuple[str, int, int], str]:
        if self._db is None:
            return {}
        found: dict[tuple[str, int, int], str] = {}
        try:
            for key, verdict in self._db.execute("SELECT key, verdict FROM sniffs"):
                stored_version, path, size, mtime_ns = json.loads(key)
                if stored_version == version and isinstance(verdict, str):
                    found[(str(path), int(size), int(mtime_ns))] = verdict
        except (sqlite3.Error, ValueError, TypeError) as exc:
            self._discard(exc)
            self._start_afresh()
            return {}
        return found

    def _store_sniffs(self, version: str, entries: Mapping[tuple[str, int, int], str]) -> None:
        if self._db is None or not entries:
            return
        rows = [(json.dumps([version, *key]), verdict) for key, verdict in entries.items()]
        try:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany("INSERT OR REPLACE INTO sniffs VALUES (?, ?)", rows)
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")
            self.notes.append(f"cache {self.path}: could not store results ({exc})")

    def close(self) -> None:
        """Close the connection (idempotent)."""
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
            self._db = None


class SniffMemo(MutableMapping[tuple[str, int, int], str]):
    """The mapping :func:`~loganalyzer.ingest.discover.discover` fills; new verdicts saved by :meth:`save`."""

    def __init__(self, cache: AuditCache, version: str) -> None:
        self._cache = cache
        self._version = version
        self._known = cache._load_sniffs(version)
        self._new: dict[tuple[str, int, int], str] = {}

    def __getitem__(self, key: tuple[str, int, int]) -> str:
        return self._new.get(key) or self._known[key]

    def __setitem__(self, key: tuple[str, int, int], value: str) -> None:
        self._new[key] = value

    def __delitem__(self, key: tuple[str, int, int]) -> None:
        self._new.pop(key, None)
        self._known.pop(key, None)

    def __iter__(self) -> Iterator[tuple[str, int, int]]:
        return iter({**self._known, **self._new})

    def __len__(self) -> int:
        return len({**self._known, **self._new})

    def save(self) -> None:
        """Store the verdicts learnt in this audit (one transaction)."""
        self._cache._store_sniffs(self._version, self._new)
        self._new = {}


class _Foreign(Exception):
    """The file is an SQLite database, but not a loganalyzer audit cache of this format."""


def _use_wal(db: sqlite3.Connection) -> None:
    """Switch ``db`` to WAL, waiting out the other audits opening the same file at the same moment.

    SQLite answers a contended journal-mode change with "database is locked"
    at once, without consulting the busy timeout, so the wait is done here:
    retried with a growing pause until the same timeout.
    """
    deadline = time.monotonic() + _BUSY_TIMEOUT_MS / 1000
    pause = 0.001
    while True:
        try:
            db.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 0.1)


def _check_intact(db: sqlite3.Connection) -> None:
    """Raise unless SQLite finds ``db`` structurally sound (a truncated or scribbled file fails here)."""
    verdict = db.execute("PRAGMA quick_check").fetchone()
    if verdict is None or verdict[0] != "ok":
        raise sqlite3.DatabaseError(f"integrity check failed: {verdict[0] if verdict else 'no answer'}")


def _claim(db: sqlite3.Connection) -> None:
    """Create the tables in an empty database, or raise unless it is a cache of :data:`CACHE_FORMAT`.

    Runs inside the caller's write transaction. That lock is what makes
    concurrent first audits safe: a second audit that finds the file already
    created but not yet filled waits for the first one's tables instead of
    judging the empty file foreign and discarding it.
    """
    tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if not tables:
        db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        db.execute("CREATE TABLE outcomes (key TEXT PRIMARY KEY, payload TEXT NOT NULL)")
        db.execute("CREATE TABLE sniffs (key TEXT PRIMARY KEY, verdict TEXT NOT NULL)")
        db.execute("INSERT INTO meta VALUES ('format', ?)", (CACHE_FORMAT,))
        return
    if tables != {"meta", "outcomes", "sniffs"}:
        raise _Foreign("not a loganalyzer audit cache")
    row = db.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
    if row is None or row[0] != CACHE_FORMAT:
        raise _Foreign(f"cache format {row[0] if row else 'unknown'!r}, expected {CACHE_FORMAT!r}")
