"""The public Python API: thin functions over ingest and the engine.

``load_runs``/``load_run`` read logs into :class:`~loganalyzer.model.run.Run`
objects; ``analyze`` reads (or takes) runs and applies the rule pack,
returning an :class:`~loganalyzer.model.finding.Analysis`; ``audit`` does the
same for many runs in parallel and returns an :class:`~loganalyzer.fleet.Audit`;
``check`` is what ``loganalyzer check`` does (baselines, ``ignore_unknown``, the
exit code), so a script gets exactly the CLI's answer.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loganalyzer import ingest
from loganalyzer.engine import verdict
from loganalyzer.engine.settings import Settings
from loganalyzer.errors import ConfigError, InputError
from loganalyzer.ingest import runroot
from loganalyzer.ingest.source import ReadOptions
from loganalyzer.model.finding import Analysis
from loganalyzer.model.run import MetricKey, Run

if TYPE_CHECKING:
    from loganalyzer.fleet import Audit
    from loganalyzer.fleet import Executor as AuditExecutor


def load_runs(
    paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    *,
    verify_data_crc: bool = True,
    name_map: Mapping[str, str] | None = None,
    max_bytes: int | None = None,
) -> ingest.LoadResult:
    """Read every run under ``paths`` (files or directories, searched recursively).

    ``name_map`` maps raw tag/column names to canonical keys such as
    ``{"my_eval_xent": "validation.loss"}``. Files larger than ``max_bytes``
    (default :data:`~loganalyzer.ingest.source.DEFAULT_MAX_BYTES`) are not read.
    Inputs that cannot be read are returned in ``errors``; nothing is raised for them.
    """
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    # An event file given alone (pre-commit passes changed files) is read with the rest of its run.
    paths = runroot.with_whole_runs(paths)
    overrides = parse_name_map(name_map or {})
    options = ReadOptions(verify_data_crc=verify_data_crc)
    if max_bytes is not None:
        options = dataclasses.replace(options, max_bytes=max_bytes)
    return ingest.load_runs(paths, options, overrides)


def parse_name_map(name_map: Mapping[str, str]) -> dict[str, MetricKey]:
    """Validate a raw-name -> ``split.quantity`` mapping; a bad key is a ConfigError."""
    overrides = {}
    for raw, key in name_map.items():
        try:
            overrides[raw] = MetricKey.parse(key)
        except ValueError as exc:
            raise ConfigError(f"metric mapping for {raw!r}: {exc}") from None
    return overrides


def load_run(path: str | os.PathLike[str], **options: object) -> Run:
    """Read exactly one run from ``path``; raise InputError if it holds none or several."""
    result = load_runs(path, **options)  # type: ignore[arg-type]
    if result.errors:
        raise result.errors[0]
    if len(result.runs) != 1:
        names = ", ".join(run.name for run in result.runs) or "none"
        raise InputError(os.fspath(path), f"expected one run, found {len(result.runs)} ({names})")
    return result.runs[0]


def analyze(
    path_or_run: str | os.PathLike[str] | Run | Sequence[str | os.PathLike[str] | Run],
    config: Settings | Mapping[str, Any] | None = None,
    *,
    verify_data_crc: bool = True,
    curves: bool = True,
) -> Analysis:
    """Analyse runs (given as paths, Run objects, or a mix) with the rule pack.

    ``config`` is a :class:`~loganalyzer.engine.settings.Settings` or a mapping
    with the keys of the ``[tool.loganalyzer]`` configuration table. Inputs
    that cannot be read are listed in ``Analysis.input_errors``. ``curves``
    keeps each run's series downsampled (a few thousand points per series)
    in ``Analysis.curves`` for the HTML report, plots and Jupyter; pass
    False when analysing many runs and only the findings matter.
    """
    from loganalyzer.detectors import DETECTORS
    from loganalyzer.engine.pack import load_default_pack
    from loganalyzer.engine.runner import run_rules

    pack = load_default_pack()
    settings = _settings(config)
    items = [path_or_run] if isinstance(path_or_run, str | os.PathLike | Run) else list(path_or_run)
    runs = [item for item in items if isinstance(item, Run)]
    paths = [item for item in items if not isinstance(item, Run)]
    problems: list[InputError] = []
    passed_over: tuple[str, ...] = ()
    if paths:
        loaded = load_runs(
            paths, verify_data_crc=verify_data_crc, name_map=settings.name_map, max_bytes=settings.max_bytes
        )
        runs.extend(loaded.runs)
        problems.extend(loaded.errors)
        passed_over = loaded.passed_over
    if settings.exclude:
        runs = [run for run in runs if not settings.is_excluded(run.name)]
        problems = [p for p in problems if not settings.is_excluded(p.path)]
    runs.sort(key=lambda run: run.name)
    analysis = run_rules(runs, pack, settings, DETECTORS, problems)
    if curves:
        from loganalyzer.engine.curves import run_curves

        kept = {run.name: run_curves(run, analysis.findings) for run in runs}
        analysis = dataclasses.replace(analysis, curves=kept)
    return dataclasses.replace(analysis, passed_over=passed_over) if passed_over else analysis


def audit(
    paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    *,
    jobs: int | None = None,
    config: Settings | Mapping[str, Any] | None = None,
    cache: bool = True,
    cache_dir: str | os.PathLike[str] | None = None,
    executor: str | AuditExecutor = "local",
    scheduler: str | None = None,
    baseline: str | os.PathLike[str] | None = None,
    verify_data_crc: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> Audit:
    """Audit every run under ``paths``: one row per run, its findings, and a summary.

    ``jobs`` is the number of local worker processes (default: the CPUs
    available; 1 runs in this process). ``executor="dask"`` runs on the
    dask.distributed scheduler at ``scheduler``; an executor object (for
    example ``DaskExecutor(client=client)``) is used as given. ``cache``
    reuses results of runs whose files are unchanged, stored under
    ``cache_dir`` (default: the user cache directory). ``config`` is as for
    :func:`analyze`. Runs that cannot be read are rows with their reason.
    """
    from loganalyzer.engine.baseline import read_baseline
    from loganalyzer.fleet import AnalysisContext, DaskExecutor, local_executor, run_audit
    from loganalyzer.fleet.cache import AuditCache, default_cache_dir

    settings = _settings(config)
    options = ReadOptions(verify_data_crc=verify_data_crc)
    if settings.max_bytes is not None:
        options = dataclasses.replace(options, max_bytes=settings.max_bytes)
    context = AnalysisContext(settings, options)
    if isinstance(executor, str):
        if executor == "local":
            chosen: AuditExecutor = local_executor(jobs)
        elif executor == "dask":
            chosen = DaskExecutor(scheduler)
        else:
            raise ConfigError(f"executor {executor!r}: expected 'local' or 'dask'")
        owned = True
    else:
        chosen, owned = executor, False
    store = AuditCache(Path(cache_dir) if cache_dir is not None else default_cache_dir()) if cache else None
    known = read_baseline(os.fspath(baseline)) if baseline is not None else None
    roots = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
    try:
        return run_audit(roots, context, chosen, cache=store, known=known, progress=progress)
    finally:
        if owned:
            chosen.close()
        if store is not None:
            store.close()


def _settings(config: Settings | Mapping[str, Any] | None) -> Settings:
    """``config`` as Settings: as given, the defaults, or a ``[tool.loganalyzer]`` mapping validated."""
    from loganalyzer.engine.config import settings_from_mapping
    from loganalyzer.engine.pack import load_default_pack

    if config is None:
        return Settings()
    if isinstance(config, Settings):
        return config
    return settings_from_mapping(config, load_default_pack(), origin="config")


@dataclasses.dataclass(frozen=True)
class CheckResult:
    """What ``loganalyzer check`` concludes, for the API and the CLI alike.

    ``analysis`` is what to report (baselined findings removed, unrecognised
    inputs dropped with ``ignore_unknown``); ``exit_code`` is 0, 1 or 2 as
    documented; ``hidden`` counts findings a baseline hid; ``recorded`` is the
    number written to ``write_baseline`` (None when none was asked for).
    """

    analysis: Analysis
    exit_code: int
    hidden: int = 0
    recorded: int | None = None


def check(
    paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    config: Settings | Mapping[str, Any] | None = None,
    *,
    baseline: str | None = None,
    write_baseline: str | None = None,
    ignore_unknown: bool = False,
    exit_zero: bool = False,
    verify_data_crc: bool = True,
    curves: bool = False,
) -> CheckResult:
    """Analyse ``paths`` as ``loganalyzer check`` does and decide its exit code.

    ``baseline`` names a file from ``write_baseline``: its findings are
    hidden. ``write_baseline`` records the current findings (before any
    baseline is applied) and refuses to overwrite an input log.
    ``ignore_unknown`` drops given files that are not training logs (the
    pre-commit hook's wide file pattern). Raises
    :class:`~loganalyzer.errors.LogAnalyzerError` (ConfigError) for a bad
    configuration or baseline file; unreadable inputs are in the analysis.
    ``curves`` keeps the downsampled series for the HTML format.
    """
    from loganalyzer.engine.baseline import apply_baseline, read_baseline
    from loganalyzer.engine.baseline import write_baseline as record_baseline

    settings = _settings(config)
    known = read_baseline(baseline) if baseline else None
    analysis = analyze(
        paths if not isinstance(paths, str | os.PathLike) else [paths],
        settings,
        verify_data_crc=verify_data_crc,
        curves=curves,
    )
    if ignore_unknown:
        analysis = dataclasses.replace(
            analysis, input_errors=tuple(p for p in analysis.input_errors if p.kind != "unrecognised")
        )
    recorded = None
    if write_baseline:
        refuse_to_overwrite_inputs(write_baseline, analysis)
        recorded = record_baseline(analysis, write_baseline)
    hidden = 0
    if known is not None:
        analysis, hidden = apply_baseline(analysis, known)
    code = verdict.exit_code(analysis, settings.fail_on, exit_zero=exit_zero)
    return CheckResult(analysis, code, hidden, recorded)


def refuse_to_overwrite_inputs(target: str, analysis: Analysis) -> None:
    """Inputs are read-only: raise ConfigError when ``target`` is one of the logs just read."""
    refuse_to_overwrite(target, [source for run in analysis.runs for source in run.sources])


def refuse_to_overwrite(target: str, sources: Sequence[str]) -> None:
    """Raise ConfigError when the output ``target`` is one of ``sources`` (``-`` is standard output)."""
    if target == "-":
        return
    resolved = os.path.realpath(target)
    if any(os.path.realpath(source) == resolved for source in sources):
        raise ConfigError(f"{target}: refusing to overwrite an input log")
