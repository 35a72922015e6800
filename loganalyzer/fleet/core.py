"""Run an audit: discover runs, take what the cache knows, analyse the rest, build rows.

::

    roots -> discover -> [source ...] -> cache hit? -> executor.map(analyse_batch) -> rows

Outcomes arrive in discovery order whichever executor computed them, new
ones are written to the cache a batch (one transaction) at a time, and the
parent keeps only rows, so memory is flat in the number of runs' data.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from typing import TYPE_CHECKING, Any

from loganalyzer.fleet.cache import AuditCache, entry_key
from loganalyzer.fleet.executors import Batch, Executor, ProcessExecutor, SerialExecutor
from loganalyzer.fleet.rows import COLUMNS, Row
from loganalyzer.fleet.summary import Summary, summarise
from loganalyzer.fleet.task import AnalysisContext, SourceOutcome, analyse_source
from loganalyzer.ingest.source import LogSource

if TYPE_CHECKING:
    import pandas as pd

#: Called after each source with (sources done, sources in total).
Progress = Callable[[int, int], None]

#: A local pool is not started for this many runs or fewer (the results are the same either way).
SERIAL_BELOW = 4

#: Outcomes written to the cache per transaction.
CACHE_BATCH = 256


@dataclass(frozen=True)
class Audit:
    """The result of auditing many runs: one :class:`Row` per run, sorted by run name.

    ``rows`` carry each run's facts and its findings (the contract
    dictionaries of ``check --format json``). ``hidden`` counts findings a
    baseline hid; ``notes`` are one-line remarks for stderr (cache
    discarded); ``passed_over`` names text files that mention a loss in a
    format no reader takes. ``analysed``/``cached`` count sources.
    """

    rows: tuple[Row, ...]
    passed_over: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    hidden: int = 0
    analysed: int = 0
    cached: int = 0
    fail_on: str = "warning"

    def summary(self, top: int = 5) -> Summary:
        """Problems per category, wasted compute, the ``top`` best runs, unreadable runs."""
        return summarise(self.rows, top)

    def findings(self) -> list[Mapping[str, Any]]:
        """Every finding of every run, in run then rule order."""
        return [finding for row in self.rows for finding in row.findings]

    @property
    def unreadable(self) -> tuple[Row, ...]:
        """Rows of runs that could not be read."""
        return tuple(row for row in self.rows if row.status == "unreadable")

    def to_pandas(self) -> pd.DataFrame:
        """One row per run; columns as :data:`~loganalyzer.fleet.rows.COLUMNS` then ``hp.*``."""
        import pandas as pd

        records = [row.columns() for row in self.rows]
        extra = sorted({key for record in records for key in record} - set(COLUMNS))
        return pd.DataFrame.from_records(records, columns=[*COLUMNS, *extra])


def context_digest(context: AnalysisContext, pack_root: Traversable) -> str:
    """Hash of everything besides the files that decides an outcome: tool, rule pack, settings."""
    digest = hashlib.sha256(f"loganalyzer {tool_version()}\n".encode())
    for entry in sorted(_pack_files(pack_root), key=lambda item: item[0]):
        digest.update(entry[0].encode())
        digest.update(entry[1])
    settings = json.dumps(dataclasses.asdict(context.settings), sort_keys=True, default=str)
    digest.update(settings.encode())
    digest.update(json.dumps(dataclasses.asdict(context.read_options), sort_keys=True).encode())
    return digest.hexdigest()


def tool_version() -> str:
    """The running loganalyzer's version: part of every cache key, so an upgrade re-analyses every run.

    Read from ``loganalyzer.__version__`` (the one the CLI prints), not the
    installed distribution's metadata: the distribution is ``loganalyzer-ml``,
    and looking it up imports the e-mail parser for nothing.
    """
    from loganalyzer import __version__

    return __version__


def _pack_files(root: Traversable, prefix: str = "") -> Iterator[tuple[str, bytes]]:
    for entry in root.iterdir():
        if entry.is_dir():
            yield from _pack_files(entry, f"{prefix}{entry.name}/")
        elif entry.is_file():
            yield f"{prefix}{entry.name}", entry.read_bytes()


def run_audit(
    roots: Sequence[str | os.PathLike[str]],
    context: AnalysisContext,
    executor: Executor,
    *,
    cache: AuditCache | None = None,
    known: frozenset[str] | None = None,
    progress: Progress | None = None,
) -> Audit:
    """Audit every run under ``roots``; see the module docstring for the flow."""
    from loganalyzer.engine.pack import pack_location
    from loganalyzer.ingest import DIRECTORY_READERS, TEXT_READERS, installed_plugins
    from loganalyzer.ingest.discover import discover
    from loganalyzer.ingest.tensorboard import reader as tensorboard

    extra = installed_plugins()
    text_readers = (*extra.text_readers, *TEXT_READERS)
    directory_readers = (*extra.directory_readers, *DIRECTORY_READERS)
    # What a file is depends on the readers installed, so they are part of a remembered verdict's key.
    formats = [reader.FORMAT for reader in text_readers] + [reader.FORMAT for reader in directory_readers]
    readers = ",".join(sorted(map(str, formats)))
    memo = cache.sniff_memo(f"{tool_version()}|{readers}") if cache is not None and cache.usable else None
    found = discover(roots, text_readers, tensorboard, directory_readers, memo=memo)
    if memo is not None:
        memo.save()
    settings = context.settings
    # ``exclude`` as check applies it (run names and input paths), before anything is read.
    sources = [source for source in found.sources if not settings.is_excluded(source.name)]
    rows: list[Row] = [
        Row(error.path, "", "unreadable", reason=error.reason)
        for error in (*extra.errors, *found.errors)
        if not settings.is_excluded(error.path)
    ]
    keys: list[str | None] = [None] * len(sources)
    cached: set[str] = set()
    if cache is not None and cache.usable:
        digest = context_digest(context, pack_location())
        keys = [entry_key(source, digest) for source in sources]
        cached = cache.present(key for key in keys if key is not None)  # keys only: outcomes load later
    misses = [source for source, key in zip(sources, keys, strict=True) if key is None or key not in cached]
    if isinstance(executor, ProcessExecutor) and (len(misses) <= SERIAL_BELOW or _in_memory(misses)):
        # Starting workers would cost more than the work, or they could not see this process's memory://.
        executor = SerialExecutor()
    fresh = executor.map(_batches(misses, executor), context)
    pending: dict[str, SourceOutcome] = {}
    shared: dict[str, Any] = {}
    hidden = 0
    fresh_outcomes = _flatten(fresh)
    hits: dict[str, SourceOutcome] = {}
    recomputed = 0
    for done, (source, key) in enumerate(zip(sources, keys, strict=True), start=1):
        if key is not None and key in cached:
            if key not in hits and cache is not None:
                # Load cached outcomes a slice at a time, so they are never all in memory at once.
                ahead = [k for k in keys[done - 1 : done - 1 + CACHE_BATCH] if k is not None and k in cached]
                hits = cache.get_many(ahead)
            if key in hits:
                outcome = hits[key]
            else:  # the entry went bad after the lookup (the cache was discarded): recompute
                outcome = analyse_source(source, context)
                recomputed += 1
                pending[key] = outcome
        else:
            outcome = next(fresh_outcomes)
            if key is not None:
                pending[key] = outcome
                if len(pending) >= CACHE_BATCH and cache is not None:
                    cache.put_many(pending)
                    pending = {}
        new_rows, hidden_here = _rows(outcome, known, shared)
        rows.extend(row for row in new_rows if not settings.is_excluded(row.run))
        hidden += hidden_here
        if progress is not None:
            progress(done, len(sources))
    if cache is not None:
        cache.put_many(pending)
    rows.sort(key=lambda row: (row.run, row.format))
    return Audit(
        rows=tuple(rows),
        passed_over=found.passed_over,
        notes=tuple(cache.notes) if cache is not None else (),
        hidden=hidden,
        analysed=len(misses) + recomputed,
        cached=len(sources) - len(misses) - recomputed,
        fail_on=context.settings.fail_on.label,
    )


def _in_memory(sources: Sequence[LogSource]) -> bool:
    """Whether any file lives in fsspec's ``memory://`` file system (private to this process)."""
    from loganalyzer.ingest.remote import RemotePath

    return any(isinstance(p, RemotePath) and p.protocol == "memory" for s in sources for p in s.paths)


def _batches(sources: Sequence[LogSource], executor: Executor) -> Iterator[Batch]:
    """Cut ``sources`` into batches: small enough to balance the workers, big enough to amortise IPC."""
    workers = getattr(executor, "jobs", 4)
    size = max(1, min(16, len(sources) // max(1, 8 * workers)))
    for start in range(0, len(sources), size):
        yield sources[start : start + size]


def _flatten(batches: Iterator[list[SourceOutcome]]) -> Iterator[SourceOutcome]:
    for batch in batches:
        yield from batch


def _rows(
    outcome: SourceOutcome, known: frozenset[str] | None, shared: dict[str, Any]
) -> tuple[list[Row], int]:
    """The rows of one source's outcome, with baselined findings hidden (and counted).

    Every finding of a rule carries the same remedies (the longest text in
    a finding); ``shared`` keeps one copy of each, so the rows of a large
    audit do not hold thousands of copies of the same paragraphs.
    """
    if outcome.error is not None:
        return [Row(outcome.source, outcome.format, "unreadable", reason=outcome.error)], 0
    rows, hidden = [], 0
    for run in outcome.runs:
        findings = tuple(_share_remedies(f, shared) for f in run.findings)
        if known is not None:
            kept = tuple(f for f in findings if f.get("fingerprint") not in known)
            hidden += len(findings) - len(kept)
            findings = kept
        status, reason = "ok", None
        if run.rule_errors:
            status = "rule-error"
            reason = "; ".join(f"rule {e['rule']} failed: {e['message']}" for e in run.rule_errors)
        rows.append(
            Row(run.facts.run, run.facts.format, status, run.facts, findings, run.rule_errors, reason)
        )
    return rows, hidden


def _share_remedies(finding: Mapping[str, Any], shared: dict[str, Any]) -> Mapping[str, Any]:
    remedies = finding.get("remedies")
    if not remedies:
        return finding
    key = json.dumps(remedies, sort_keys=True)
    return {**finding, "remedies": shared.setdefault(key, remedies)}


__all__ = ["Audit", "Progress", "run_audit"]
