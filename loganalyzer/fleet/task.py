"""The one pure function every executor runs: analyse a batch of discovered sources.

A worker reads each source, applies the rule pack and returns plain,
JSON-native outcomes (facts and findings as dictionaries), never a Run: the
parent keeps rows, not series, so its memory does not grow with the data, and
the same outcome can be cached, pickled to a process pool or shipped by Dask.
A source that cannot be read becomes an outcome with its reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from loganalyzer.engine.settings import Settings
from loganalyzer.errors import InputError, LogAnalyzerError
from loganalyzer.fleet.facts import HParam, RunFacts, measure
from loganalyzer.ingest.source import LogSource, ReadOptions
from loganalyzer.model.run import MetricKey, Run


@dataclass(frozen=True)
class AnalysisContext:
    """What every worker needs besides the sources: the settings and how to read."""

    settings: Settings
    read_options: ReadOptions = field(default_factory=ReadOptions)


@dataclass(frozen=True)
class RunOutcome:
    """One run's facts, its findings (contract dictionaries) and the rules that crashed on it."""

    facts: RunFacts
    findings: tuple[Mapping[str, Any], ...] = ()
    rule_errors: tuple[Mapping[str, str], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-native form."""
        return {
            "facts": self.facts.to_dict(),
            "findings": [dict(f) for f in self.findings],
            "rule_errors": [dict(e) for e in self.rule_errors],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunOutcome:
        """Inverse of :meth:`to_dict`; raises on a foreign shape."""
        findings = data["findings"]
        errors = data["rule_errors"]
        if not isinstance(findings, list) or not all(isinstance(f, dict) for f in findings):
            raise TypeError("findings must be a list of objects")
        if not isinstance(errors, list) or not all(isinstance(e, dict) for e in errors):
            raise TypeError("rule_errors must be a list of objects")
        return cls(RunFacts.from_dict(data["facts"]), tuple(findings), tuple(errors))


@dataclass(frozen=True)
class SourceOutcome:
    """Everything one discovered source gave: its runs, or the reason it could not be read."""

    source: str
    format: str
    runs: tuple[RunOutcome, ...] = ()
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-native form (what the cache stores)."""
        return {
            "source": self.source,
            "format": self.format,
            "runs": [run.to_dict() for run in self.runs],
            "error": self.error,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SourceOutcome:
        """Inverse of :meth:`to_dict`; raises KeyError/TypeError/ValueError on a foreign shape."""
        error = data["error"]
        if error is not None and not isinstance(error, str):
            raise TypeError("error must be a string or null")
        runs = data["runs"]
        if not isinstance(runs, list):
            raise TypeError("runs must be a list")
        return cls(
            str(data["source"]), str(data["format"]), tuple(RunOutcome.from_dict(r) for r in runs), error
        )


def prepare() -> None:
    """Import the analysis code and load the rule pack now, in this process.

    Called before worker processes are forked, so each worker inherits them
    instead of importing NumPy, SciPy and the readers and validating the pack
    again on its first batch.
    """
    from loganalyzer.detectors import DETECTORS  # noqa: F401
    from loganalyzer.engine.pack import load_default_pack
    from loganalyzer.engine.runner import run_rules  # noqa: F401
    from loganalyzer.ingest import read_source  # noqa: F401

    load_default_pack()


def analyse_batch(sources: Sequence[LogSource], context: AnalysisContext) -> list[SourceOutcome]:
    """Analyse each source of ``sources``; the executors' unit of work (batched to amortise IPC)."""
    return [analyse_source(source, context) for source in sources]


def analyse_source(source: LogSource, context: AnalysisContext) -> SourceOutcome:
    """Read one source and apply the rule pack to each of its runs."""
    from loganalyzer.detectors import DETECTORS
    from loganalyzer.engine.pack import load_default_pack
    from loganalyzer.engine.runner import run_rules
    from loganalyzer.ingest import read_source, within_size_limit

    readable, oversized = within_size_limit(source, context.read_options.max_bytes)
    if readable is None:  # every file over --max-bytes: a row with the reason, as check reports it
        return SourceOutcome(source.name, source.format, error="; ".join(e.reason for e in oversized))
    try:
        overrides = {raw: MetricKey.parse(key) for raw, key in context.settings.name_map.items()}
        runs = read_source(readable, context.read_options, overrides)
    except InputError as exc:
        return SourceOutcome(source.name, source.format, error=exc.reason)
    except LogAnalyzerError as exc:
        return SourceOutcome(source.name, source.format, error=str(exc))
    except OSError as exc:
        return SourceOutcome(source.name, source.format, error=f"cannot read: {exc.strerror or exc}")
    except ValueError as exc:  # a malformed metric mapping (the CLI validates it first)
        return SourceOutcome(source.name, source.format, error=str(exc))
    pack = load_default_pack()
    outcomes = []
    for run in sorted(runs, key=lambda r: r.name):
        analysis = run_rules([run], pack, context.settings, DETECTORS)
        outcomes.append(
            RunOutcome(
                measure(run, _hparams(run, source)),
                tuple(f.to_dict() for f in analysis.findings),
                tuple({"rule": e.rule, "message": e.message} for e in analysis.rule_errors),
            )
        )
    return SourceOutcome(source.name, source.format, tuple(outcomes))


def _hparams(run: Run, source: LogSource) -> dict[str, HParam]:
    """Hyperparameters the logs carry: TensorBoard hparams plugin data, Lightning ``hparams.yaml``."""
    from loganalyzer.ingest.text import lightning_hparams

    found: dict[str, HParam] = {}
    logged = run.metadata.get("hparams")
    if isinstance(logged, Mapping):
        found.update({str(k): v for k, v in logged.items() if isinstance(v, str | int | float | bool)})
    if len(source.paths) == 1:
        found.update(lightning_hparams.beside(source.paths[0]))
    return found
