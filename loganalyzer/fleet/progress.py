"""The progress bar of an audit: rich, on stderr, only when a person is watching.

Shown when stderr is a terminal and ``CI`` is not set; never on a pipe, a
file or in CI logs, where redrawn lines are noise. The report on stdout is
never touched, so piping it stays byte-identical with or without the bar.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator

ProgressCallback = Callable[[int, int], None]


def wanted(stream: object = None) -> bool:
    """Whether to draw a bar: stderr is a TTY and no ``CI`` variable is set."""
    target = stream if stream is not None else sys.stderr
    isatty = getattr(target, "isatty", None)
    return bool(isatty and isatty()) and not os.environ.get("CI")


@contextlib.contextmanager
def progress_bar(enabled: bool) -> Iterator[ProgressCallback | None]:
    """A callback ``(done, total)`` that advances a rich bar, or None when ``enabled`` is false.

    The bar (and rich's refresh thread) starts at the first callback, after
    the worker processes have started: forking a process that runs a
    thread is what :func:`~loganalyzer.fleet.executors.ProcessExecutor` avoids.
    """
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (
        TextColumn("auditing"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
    )
    bar = Progress(*columns, console=Console(stderr=True), transient=True)
    started: list[float] = []

    def advance(done: int, total: int) -> None:
        if not started:
            bar.start()
            bar.add_task("audit", total=total, rate="")
            started.append(time.monotonic())
        elapsed = time.monotonic() - started[0]
        rate = f"{done / elapsed:.1f} runs/s" if elapsed > 0 else ""
        bar.update(bar.task_ids[0], completed=done, total=total, rate=rate)

    try:
        yield advance
    finally:
        if started:
            bar.stop()
