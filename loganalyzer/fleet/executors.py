"""The executor seam: who runs :func:`~loganalyzer.fleet.task.analyse_batch` on the batches.

Every executor returns results **in submission order** while keeping only a
bounded window of batches in flight, so the parent streams outcomes as they
come, holds no more than the window, and the output is the same whichever
executor (and however many workers) produced it.
"""

from __future__ import annotations

import collections
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Protocol

from loganalyzer.errors import ConfigError
from loganalyzer.fleet.task import AnalysisContext, SourceOutcome, analyse_batch, prepare
from loganalyzer.ingest.source import LogSource

Batch = Sequence[LogSource]


class Executor(Protocol):
    """Maps the analysis over batches of sources, yielding each batch's outcomes in order."""

    def map(self, batches: Iterable[Batch], context: AnalysisContext) -> Iterator[list[SourceOutcome]]:
        """Outcomes of each batch, in the order the batches were given."""
        ...

    def close(self) -> None:
        """Release workers or connections."""
        ...


def default_jobs() -> int:
    """CPUs this process may use (the affinity mask where the OS has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return max(1, os.cpu_count() or 1)


class SerialExecutor:
    """In this process, no pool: ``--jobs 1``, and the reference the others must match."""

    def map(self, batches: Iterable[Batch], context: AnalysisContext) -> Iterator[list[SourceOutcome]]:
        """Outcomes of each batch, computed one after the other."""
        for batch in batches:
            yield analyse_batch(batch, context)

    def close(self) -> None:
        """Nothing to release."""


class ProcessExecutor:
    """A local process pool (``concurrent.futures``) with ``jobs`` workers."""

    def __init__(self, jobs: int) -> None:
        import concurrent.futures
        import multiprocessing

        self.jobs = jobs
        self._method = _start_method()
        self._prepared = False
        # The pool starts its workers on the first submission, not here.
        self._pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=jobs, mp_context=multiprocessing.get_context(self._method)
        )

    def map(self, batches: Iterable[Batch], context: AnalysisContext) -> Iterator[list[SourceOutcome]]:
        """Outcomes of each batch, from a window of ``4 x jobs`` batches in flight."""
        return _windowed(self._submitter(context), batches, 4 * self.jobs)

    def _submitter(self, context: AnalysisContext) -> Callable[[Batch], Any]:
        """Submit one batch; before the first, load what forked workers should inherit.

        Forked workers inherit the imports and the loaded rule pack, so they
        are loaded before the first fork, and only then: a warm re-audit whose
        every run is cached submits nothing and never pays for them.
        """

        def submit(batch: Batch) -> Any:
            if not self._prepared:
                if self._method == "fork":
                    prepare()
                self._prepared = True
            return self._pool.submit(analyse_batch, batch, context)

        return submit

    def close(self) -> None:
        """Stop the workers."""
        self._pool.shutdown(wait=True, cancel_futures=True)


def _start_method() -> str:
    """``fork`` when this process has one thread, else ``forkserver`` (or ``spawn``).

    Forked workers start at once, already holding the imported analysis
    code, and do not re-run the caller's ``__main__`` (a script calling
    :func:`loganalyzer.audit` needs no ``if __name__ == "__main__"`` guard).
    With other threads alive (a notebook kernel, a Dask client) forking could
    copy a held lock, so a fresh-interpreter method is used instead.
    """
    import multiprocessing
    import threading

    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return "fork"
    return "forkserver" if "forkserver" in methods else "spawn"


class DaskExecutor:
    """A dask.distributed cluster at ``scheduler`` (``tcp://host:8786``), or a Client given directly."""

    def __init__(self, scheduler: str | None = None, client: Any = None) -> None:
        try:
            from dask.distributed import Client
        except ImportError:
            raise ConfigError(
                "--executor dask needs loganalyzer-ml[dask] (pip install 'loganalyzer-ml[dask]')"
            ) from None
        if client is None and not scheduler:
            raise ConfigError("--executor dask needs --scheduler ADDRESS (e.g. tcp://127.0.0.1:8786)")
        self._owned = client is None
        try:
            self._client = client if client is not None else Client(scheduler, timeout="30s")  # type: ignore[no-untyped-call]
        except (OSError, TimeoutError) as exc:
            raise ConfigError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
        workers = len(self._client.scheduler_info().get("workers", {})) or 1
        self._window = 4 * workers

    def map(self, batches: Iterable[Batch], context: AnalysisContext) -> Iterator[list[SourceOutcome]]:
        """Outcomes of each batch, from a window of ``4 x workers`` batches in flight."""
        scattered = self._client.scatter(context, broadcast=True)
        return _windowed(
            lambda batch: self._client.submit(analyse_batch, list(batch), scattered, pure=False),
            batches,
            self._window,
        )

    def close(self) -> None:
        """Disconnect (a cluster passed in by the caller stays up)."""
        if self._owned:
            self._client.close()


def _windowed(
    submit: Callable[[Batch], Any], batches: Iterable[Batch], window: int
) -> Iterator[list[SourceOutcome]]:
    """Submit ``batches`` keeping at most ``window`` in flight; yield their results in order."""
    pending: collections.deque[Any] = collections.deque()
    for batch in batches:
        pending.append(submit(batch))
        if len(pending) >= window:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()
