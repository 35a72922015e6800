"""ingest: turns files into Runs; knows formats, knows nothing about rules.

Discovery finds the files and groups them into runs; a reader per format
parses them; :func:`loganalyzer.ingest.build.build_run` names, merges and
orders what the readers found. The registries below are the whole set of
readers: TensorBoard event files are recognised by name (or, for a file given
explicitly, by content), text logs by content, asking the readers of
:data:`TEXT_READERS` in order, most specific first.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from loganalyzer.errors import InputError
from loganalyzer.ingest import plugins
from loganalyzer.ingest.build import build_run
from loganalyzer.ingest.discover import DirectoryReader, discover
from loganalyzer.ingest.source import LogSource, Reader, ReadOptions, over_size_limit
from loganalyzer.ingest.tensorboard import reader as tensorboard
from loganalyzer.ingest.text import (
    console,
    detectron2,
    epoch_json,
    hf_results,
    hf_trainer,
    jsonl,
    keras_csv,
    keras_json,
    llama_factory,
    mlflow,
    mmengine,
    sacred,
    wandb_history,
    yolov5_txt,
)
from loganalyzer.model.run import MetricKey, Run

#: Text readers, asked in this order whether they recognise a file: trainer-specific shapes
#: first, the general JSON Lines and CSV readers last.
TEXT_READERS: tuple[Reader, ...] = (
    hf_trainer,
    hf_results,
    sacred,
    keras_json,
    detectron2,
    mmengine,
    epoch_json,
    llama_factory,
    wandb_history,
    jsonl,
    yolov5_txt,
    keras_csv,
    console,
)

#: Readers whose run is a directory (asked about every directory discovery walks into).
DIRECTORY_READERS: tuple[DirectoryReader, ...] = (mlflow, sacred)

#: Reading options when the caller gives none.
DEFAULT_READ_OPTIONS = ReadOptions()

#: Every reader by its FORMAT name.
READERS: dict[str, Reader] = {
    tensorboard.FORMAT: tensorboard,
    hf_trainer.FORMAT: hf_trainer,
    keras_json.FORMAT: keras_json,
    jsonl.FORMAT: jsonl,
    keras_csv.FORMAT: keras_csv,
    hf_results.FORMAT: hf_results,
    sacred.FORMAT: sacred,
    mlflow.FORMAT: mlflow,
    detectron2.FORMAT: detectron2,
    mmengine.FORMAT: mmengine,
    epoch_json.FORMAT: epoch_json,
    llama_factory.FORMAT: llama_factory,
    wandb_history.FORMAT: wandb_history,
    yolov5_txt.FORMAT: yolov5_txt,
    console.FORMAT: console,
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
    reader = READERS.get(source.format) or _plugin_readers()[source.format]
    return [build_run(parts, overrides) for parts in reader.read(source, options)]


def installed_plugins() -> plugins.Plugins:
    """Readers installed through the ``loganalyzer.readers`` entry-point group (loaded once)."""
    return plugins.installed(frozenset(READERS))


def _plugin_readers() -> dict[str, Reader]:
    """Installed third-party readers by FORMAT."""
    return {str(reader.FORMAT): reader for reader in installed_plugins().text_readers}


def load_runs(
    paths: Sequence[str | os.PathLike[str]],
    options: ReadOptions = DEFAULT_READ_OPTIONS,
    overrides: Mapping[str, MetricKey] | None = None,
) -> LoadResult:
    """Discover and read every run under ``paths``.

    A source that fails to read becomes an error and the others are still
    read, so one bad file never hides the rest of an audit.
    """
    extra = installed_plugins()
    found = discover(
        paths,
        (*extra.text_readers, *TEXT_READERS),
        tensorboard,
        (*extra.directory_readers, *DIRECTORY_READERS),
    )
    runs: list[Run] = []
    errors = [*extra.errors, *found.errors]
    for listed in found.sources:
        source, oversized = within_size_limit(listed, options.max_bytes)
        errors.extend(oversized)
        if source is None:
            continue
        try:
            runs.extend(read_source(source, options, overrides))
        except InputError as exc:
            errors.append(exc)
        except OSError as exc:
            errors.append(InputError(source.name, f"cannot read: {exc.strerror or exc}"))
    runs = _attach_results_files(runs)
    runs.sort(key=lambda run: run.name)
    return LoadResult(tuple(runs), tuple(errors), found.passed_over)


def within_size_limit(source: LogSource, max_bytes: int) -> tuple[LogSource | None, list[InputError]]:
    """``source`` without its files over ``max_bytes`` (None if none is left), and an error per file cut.

    Every path that reads discovered sources applies it: :func:`load_runs`
    here, and the audit's per-source task.

    The other files of a multi-file run are still read: a huge event file next
    to normal ones costs its own data, not the whole run.
    """
    kept: list[int] = []
    errors: list[InputError] = []
    for index, path in enumerate(source.paths):
        reason = over_size_limit(path, max_bytes)
        if reason is None:
            kept.append(index)
        else:
            errors.append(InputError(str(path), reason))
    if len(kept) == len(source.paths):
        return source, errors
    if not kept:
        return None, errors
    return (
        LogSource(
            source.name,
            source.format,
            tuple(source.paths[i] for i in kept),
            tuple(source.split_hints[i] for i in kept),
        ),
        errors,
    )


def _attach_results_files(runs: list[Run]) -> list[Run]:
    """Fold Hugging Face ``*_results.json`` metadata into the run read from the same directory.

    They summarise a run (see :mod:`loganalyzer.ingest.text.hf_results`); on
    their own they have no curve. With no such run next to them they stay a
    run without series, so ``inspect`` still shows what they hold.
    """
    summaries = [run for run in runs if run.format == hf_results.FORMAT]
    if not summaries:
        return runs
    others = [run for run in runs if run.format != hf_results.FORMAT]
    by_directory: dict[str, int] = {}
    for position, run in enumerate(others):
        if run.sources:
            by_directory.setdefault(os.path.dirname(run.sources[0]), position)
    kept = []
    for summary in summaries:
        owner = by_directory.get(os.path.dirname(summary.sources[0])) if summary.sources else None
        if owner is None:
            kept.append(summary)
            continue
        run = others[owner]
        merged = dict(run.metadata.get("hf_results", {}))
        merged.update(summary.metadata.get("hf_results", {}))
        others[owner] = dataclasses.replace(run, metadata={**run.metadata, "hf_results": merged})
    return others + kept


__all__ = [
    "READERS",
    "TEXT_READERS",
    "LoadResult",
    "LogSource",
    "ReadOptions",
    "Reader",
    "load_runs",
    "read_source",
    "within_size_limit",
]
