"""Findings and the analysis that holds them: plain values for every reporter.

Detectors return :class:`Evidence` (numbers only). The engine turns evidence
into a :class:`Finding` by adding what the rule pack says: code, name,
category, severity, the message filled from the evidence, and the remedies.
Everything here is JSON-native (str, int, float, bool, None, tuples and
mappings of them), so reporters never need NumPy, pandas or the Run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any

from loganalyzer.errors import InputError
from loganalyzer.model.rule import RemedySpec, RuleSpec
from loganalyzer.model.run import Diagnostic
from loganalyzer.model.severity import Severity as Severity  # re-exported: findings carry one

#: A JSON-native scalar that evidence may carry.
EvidenceValue = str | int | float | bool | None


@dataclass(frozen=True)
class Evidence:
    """What a detector measured for one problem in one run.

    ``metric`` is the canonical key of the series the problem is about (as a
    string, ``validation.loss``); ``start_step``/``end_step`` bound it on the
    run's step axis; ``values`` are the numbers behind the message (names are
    documented by each detector and used by the rule's message template).
    ``point`` is the index into the series of the point that best locates the
    problem (the onset), so reporters can point at a CSV line or record.
    """

    metric: str
    start_step: int | None
    end_step: int | None
    values: Mapping[str, EvidenceValue]
    point: int | None = None


def evidence_values(measured: Any) -> dict[str, EvidenceValue]:
    """The fields of a detector's evidence dataclass as the mapping a :class:`Evidence` carries.

    Detectors measure into a frozen dataclass (its fields are the evidence
    keys the rule's message template may name) and hand the engine this
    shallow mapping; the rule pack checks templates against the same fields.
    """
    if not is_dataclass(measured) or isinstance(measured, type):
        raise TypeError(f"evidence must be a dataclass instance, not {type(measured).__name__}")
    return {item.name: getattr(measured, item.name) for item in fields(measured)}


#: What the engine calls: ``function(run, **parameters) -> list[Evidence]``.
DetectorFunction = Callable[..., "list[Evidence]"]


@dataclass(frozen=True)
class Detector:
    """A detector function and the declared shape of the evidence it measures.

    ``evidence`` is the frozen dataclass whose field names are the keys of
    every :class:`Evidence` the function returns, so the rule-pack loader can
    reject a message template that names a key no finding would carry.
    ``None`` means not declared yet (the template check is then skipped).
    """

    function: DetectorFunction
    evidence: type | None = None

    def evidence_fields(self) -> frozenset[str] | None:
        """The declared evidence keys, or None when the detector declares none."""
        if self.evidence is None:
            return None
        return frozenset(item.name for item in fields(self.evidence))


class MissingInput(Exception):
    """Raised by a detector whose inputs the run does not have; the rule is skipped with this reason."""


@dataclass(frozen=True)
class Location:
    """Where in a source file a finding points: a 1-based line or a byte offset."""

    source: str
    line: int | None = None
    byte_offset: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-native form."""
        return {"source": self.source, "line": self.line, "byte_offset": self.byte_offset}


@dataclass(frozen=True)
class Remedy:
    """One remedy as shown with a finding."""

    id: str
    title: str
    detail: str

    def to_dict(self) -> dict[str, str]:
        """JSON-native form."""
        return {"id": self.id, "title": self.title, "detail": self.detail}


@dataclass(frozen=True)
class Finding:
    """A rule's verdict on one run, ready to report."""

    run: str
    source: str
    rule: str
    name: str
    category: str
    severity: Severity
    message: str
    metric: str
    raw_metric: str
    start_step: int | None
    end_step: int | None
    evidence: Mapping[str, EvidenceValue]
    remedies: tuple[Remedy, ...]
    location: Location

    @property
    def fingerprint(self) -> str:
        """Stable identity across re-runs: rule, run, metric and onset, hashed.

        Used by baselines, SARIF ``partialFingerprints`` and GitLab Code
        Quality. Wording, severity and evidence numbers are left out so that
        rewording a message or tuning a threshold does not resurrect a
        baselined finding.
        """
        identity = "|".join((self.rule, self.run, self.metric, str(self.start_step)))
        return hashlib.sha256(identity.encode("utf-8")).hexdigest()[:32]

    @property
    def sort_key(self) -> tuple[str, str, int, str]:
        """Deterministic report order: run, rule, onset, metric."""
        return (self.run, self.rule, self.start_step if self.start_step is not None else -1, self.metric)

    def to_dict(self) -> dict[str, Any]:
        """The contract's JSON object for one finding."""
        return {
            "run": self.run,
            "source": self.source,
            "rule": self.rule,
            "name": self.name,
            "category": self.category,
            "severity": self.severity.label,
            "message": self.message,
            "metric": self.metric,
            "raw_metric": self.raw_metric,
            "start_step": self.start_step,
            "end_step": self.end_step,
            "evidence": dict(self.evidence),
            "remedies": [r.to_dict() for r in self.remedies],
            "location": self.location.to_dict(),
            "fingerprint": self.fingerprint,
        }


@dataclass(frozen=True)
class Skipped:
    """A rule that did not run on a run, and why (shown with ``--verbose``)."""

    run: str
    rule: str
    reason: str


@dataclass(frozen=True)
class RuleError:
    """A detector that crashed on a run; the other rules still ran."""

    run: str
    rule: str
    message: str


@dataclass(frozen=True)
class RunInfo:
    """The facts about an analysed run that reports show next to its findings."""

    name: str
    format: str
    sources: tuple[str, ...]
    metrics: tuple[str, ...]
    points: int
    diagnostics: tuple[Diagnostic, ...] = ()


@dataclass(frozen=True)
class Analysis:
    """Everything one ``check`` produced, in deterministic order.

    ``rules`` are the rules that were selected (their metadata feeds SARIF
    and ``explain``-style help) and ``remedies`` the catalog entries they link.
    ``passed_over`` names text files found in directories that mention a loss
    but are in no format loganalyzer reads.
    """

    runs: tuple[RunInfo, ...]
    findings: tuple[Finding, ...]
    skipped: tuple[Skipped, ...] = ()
    rule_errors: tuple[RuleError, ...] = ()
    input_errors: tuple[InputError, ...] = ()
    rules: tuple[RuleSpec, ...] = field(default=())
    remedies: Mapping[str, RemedySpec] = field(default_factory=dict)
    passed_over: tuple[str, ...] = ()

    def worst(self) -> Severity | None:
        """The highest severity among the findings, or None when there are none."""
        return max((f.severity for f in self.findings), default=None)
