"""fleet: `loganalyzer audit`, many runs at once: which have which problems, which are best, what was wasted.

(Named ``fleet``, not ``audit``, so that importing it never shadows the
public function :func:`loganalyzer.audit` on the package.)

Reuses the per-run pipeline (discover, ingest, engine) and adds one stage::

    roots -> discover -> cache? -> executor.map(analyse_batch) -> rows -> summary -> render

The pieces, one module each: :mod:`.task` (the one pure function every
executor runs), :mod:`.executors` (serial, process pool, Dask), :mod:`.cache`
(SQLite, keyed by file identity + rule pack + settings + version),
:mod:`.facts` and :mod:`.rows` (what a row shows), :mod:`.summary` and
:mod:`.render` (output).
"""

from __future__ import annotations

from loganalyzer.fleet.core import Audit, run_audit
from loganalyzer.fleet.executors import DaskExecutor, Executor, ProcessExecutor, SerialExecutor, default_jobs
from loganalyzer.fleet.rows import CATEGORIES, COLUMNS, Row
from loganalyzer.fleet.summary import Summary
from loganalyzer.fleet.task import AnalysisContext

#: ``--executor`` values.
EXECUTORS = ("local", "dask")


def local_executor(jobs: int | None) -> Executor:
    """``--jobs 1`` runs in this process; more jobs get a process pool."""
    count = default_jobs() if jobs is None else jobs
    return SerialExecutor() if count <= 1 else ProcessExecutor(count)


__all__ = [
    "CATEGORIES",
    "COLUMNS",
    "EXECUTORS",
    "AnalysisContext",
    "Audit",
    "DaskExecutor",
    "Executor",
    "ProcessExecutor",
    "Row",
    "SerialExecutor",
    "Summary",
    "local_executor",
    "run_audit",
]
