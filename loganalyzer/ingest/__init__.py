"""ingest: turns files into Runs; knows formats, knows nothing about rules.

Discovery finds the files and groups them into runs; a reader per format
parses them; :func:`loganalyzer.ingest.build.build_run` names, merges and
orders what the readers found. The registries below are the whole set of
readers: TensorBoard event files are recognised by name (or, for a file given
explicitly, by content), text logs by content, asking the readers of
:data:`TEXT_READERS` in order, most specific first.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from loganalyzer.errors import InputError
from loganalyzer.ingest.build import build_run
from loganalyzer.ingest.discover import discover
from loganalyzer.ingest.source import LogSource, Reader, ReadOptions
from loganalyzer.ingest.tensorboard import reader as tensorboard
from loganalyzer.ingest.text import hf_trainer, jsonl, keras_csv, keras_json
from loganalyzer.model.run import MetricKey, Run

#: Text readers, asked in this order whether they recognise a file.
TEXT_READERS: tuple[Reader, ...] = (hf_trainer, keras_json, jsonl, keras_csv)

#: Reading options when the caller gives none.
DEFAULT_READ_OPTIONS = ReadOptions()

#: Every reader by its FORMAT name.
READERS: dict[str, Reader] = {
    tensorboard.FORMAT: tensorboard,
    hf_trainer.FORMAT: hf_trainer,
    keras_json.FORMAT: keras_json,
    jsonl.FORMAT: jsonl,
    keras_csv.FORMAT: keras_csv,
}


@dataclass(frozen=True)
class LoadResult:
    """Runs read, sorted by name, inputs that could not be read at all, and text files passed over."""

    runs: tuple[Run, ...]
    errors: tuple[InputError, ...]
    passed_over: tuple[str, ...] = ()


def read_source(
    source: LogSource,
    options: ReadOptions = DEFAULT_READ_OPTIONS,
    overrides: Mapping[str, MetricKey] | None = None,
) -> list[Run]:
    """Read one discovered source into its run(s)."""
    reader = READERS[source.format]
    return [build_run(parts, overrides) for parts in reader.read(source, options)]


def load_runs(
    paths: Sequence[str | os.PathLike[str]],
    options: ReadOptions = DEFAULT_READ_OPTIONS,
    overrides: Mapping[str, MetricKey] | None = None,
) -> LoadResult:
    """Discover and read every run under ``paths``.

    A source that fails to read becomes an error and the others are still
    read, so one bad file never hides the rest of an audit.
    """
    found = discover(paths, TEXT_READERS, tensorboard)
    runs: list[Run] = []
    errors = list(found.errors)
    for source in found.sources:
        try:
            runs.extend(read_source(source, options, overrides))
        except InputError as exc:
            errors.append(exc)
        except OSError as exc:
            errors.append(InputError(source.name, f"cannot read: {exc.strerror or exc}"))
    runs.sort(key=lambda run: run.name)
    return LoadResult(tuple(runs), tuple(errors), found.passed_over)


__all__ = [
    "READERS",
    "TEXT_READERS",
    "LoadResult",
    "LogSource",
    "ReadOptions",
    "Reader",
    "load_runs",
    "read_source",
]
