"""Run the selected rules on every run and turn evidence into findings.

This is the only place where a rule (data), a detector (numbers) and a run
meet. A detector that lacks its inputs raises
:class:`~loganalyzer.model.finding.MissingInput` and the rule is recorded as
skipped with that reason; a detector that crashes becomes a
:class:`~loganalyzer.model.finding.RuleError` for that rule and run, and every
other rule still runs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from loganalyzer.engine import wording
from loganalyzer.engine.settings import Settings
from loganalyzer.errors import InputError
from loganalyzer.model.finding import (
    Analysis,
    Detector,
    Evidence,
    Finding,
    Location,
    MissingInput,
    Remedy,
    RuleError,
    RunInfo,
    Severity,
    Skipped,
)
from loganalyzer.model.jsonvalue import json_scalar
from loganalyzer.model.rule import RulePack, RuleSpec
from loganalyzer.model.run import MetricKey, PositionUnit, Quantity, Run, Series


def run_rules(
    runs: Sequence[Run],
    pack: RulePack,
    settings: Settings,
    detectors: Mapping[str, Detector],
    input_errors: Sequence[InputError] = (),
) -> Analysis:
    """Apply every rule selected by ``settings`` to every run."""
    rules = [rule for rule in pack.rules if settings.is_selected(rule)]
    findings: list[Finding] = []
    skipped: list[Skipped] = []
    errors: list[RuleError] = []
    for run in runs:
        run_findings: list[Finding] = []
        for rule in rules:
            if settings.is_ignored_for(rule, run.name):
                continue
            detector = detectors[rule.detector]
            parameters = {**rule.defaults(), **settings.parameters.get(rule.code, {})}
            try:
                with np.errstate(all="ignore"):  # inf and NaN are data here (divergence), not faults
                    evidence = detector.function(run, **parameters)
            except MissingInput as reason:
                skipped.append(Skipped(run.name, rule.code, str(reason)))
                continue
            except Exception as exc:  # a crashing detector must not take the audit down
                errors.append(RuleError(run.name, rule.code, f"{type(exc).__name__}: {exc}"))
                continue
            for item in evidence:
                try:
                    run_findings.append(_finding(rule, run, item, pack, settings))
                except (KeyError, ValueError, IndexError) as exc:
                    errors.append(RuleError(run.name, rule.code, f"cannot word finding: {exc!r}"))
        kept, superseded = _drop_superseded(run_findings, rules)
        findings.extend(kept)
        skipped.extend(superseded)
    return Analysis(
        runs=tuple(_run_info(run) for run in runs),
        findings=tuple(sorted(findings, key=lambda f: f.sort_key)),
        skipped=tuple(sorted(skipped, key=lambda s: (s.run, s.rule))),
        rule_errors=tuple(sorted(errors, key=lambda e: (e.run, e.rule))),
        input_errors=tuple(input_errors),
        rules=tuple(rules),
        remedies={r: pack.remedies[r] for rule in rules for r in rule.remedies},
    )


def _drop_superseded(
    findings: list[Finding], rules: Sequence[RuleSpec]
) -> tuple[list[Finding], list[Skipped]]:
    """Drop findings of rules whose root cause another rule already reported on the run.

    A net that blew up and then sits at chance level is diverged, not
    underfitted: reporting both would send people to the wrong remedies. A
    rule lists such rules in ``superseded_by``; a warning-or-above finding of
    one of them on the same run removes the rule's findings, which are
    recorded as skipped with the reason.
    """
    present = {f.rule for f in findings if f.severity >= Severity.WARNING}
    kept: list[Finding] = []
    skipped: dict[str, Skipped] = {}
    by_code = {rule.code: rule for rule in rules}
    for finding in findings:
        causes = [code for code in by_code[finding.rule].superseded_by if code in present]
        if causes:
            names = ", ".join(f"{code} ({by_code[code].name})" for code in causes)
            skipped[finding.rule] = Skipped(finding.run, finding.rule, f"superseded by {names} on this run")
        else:
            kept.append(finding)
    return kept, list(skipped.values())


def _finding(rule: RuleSpec, run: Run, evidence: Evidence, pack: RulePack, settings: Settings) -> Finding:
    """Word one piece of evidence as the rule says, with location and remedies."""
    series = run.get(MetricKey.parse(evidence.metric))
    raw_metric = series.raw_name if series is not None else evidence.metric
    values = {key: json_scalar(value) for key, value in evidence.values.items()}
    message = wording.render(
        rule.message,
        {**_context(run, evidence.metric, series), **values},
        memory_unit=_memory_unit(series),
    )
    location = _location(run, evidence)
    remedies = tuple(
        Remedy(remedy.id, remedy.title, remedy.rationale)
        for remedy in (pack.remedies[remedy_id] for remedy_id in rule.remedies)
    )
    return Finding(
        run=run.name,
        source=location.source,
        rule=rule.code,
        name=rule.name,
        category=rule.category,
        severity=settings.severities.get(rule.code, evidence.severity or rule.severity),
        message=message,
        metric=evidence.metric,
        raw_metric=raw_metric,
        start_step=evidence.start_step,
        end_step=evidence.end_step,
        evidence=values,
        remedies=remedies,
        location=location,
    )


#: Words that say which split a raw name belongs to (a name without one is qualified in messages).
_SPLIT_TOKENS = frozenset(
    {"train", "training", "trn", "val", "valid", "validation", "eval", "evaluation", "test"}
)


def _context(run: Run, metric: str, series: Series | None) -> dict[str, Any]:
    """The fields every template may use besides the evidence (see :data:`wording.CONTEXT_FIELDS`).

    ``raw_metric`` is the name as the user wrote it; Keras writes ``epoch_loss``
    in both ``train/`` and ``validation/``, so a raw name that does not say its
    split gets it added (``epoch_loss (validation)``). ``axis`` is the word for
    the series' step numbers: ``epoch`` when every point is one epoch (Keras
    CSV, epoch-level TensorBoard tags), else ``step``.
    """
    if series is None:
        return {"metric": metric, "raw_metric": metric, "run": run.name, "axis": "step", "per_step": False}
    tokens = set(re.split(r"[^a-z]+", series.raw_name.lower()))
    named = series.raw_name
    if series.key.split.value not in ("train", "unknown") and not tokens & _SPLIT_TOKENS:
        named = f"{series.raw_name} ({series.key.split.value})"
    epoch_level = series.has_epochs and bool(np.array_equal(series.epoch, series.step.astype(np.float64)))
    return {
        "metric": metric,
        "raw_metric": named,
        "run": run.name,
        "axis": "epoch" if epoch_level else "step",
        "per_step": series.has_epochs and not epoch_level,
    }


def _memory_unit(series: Series | None) -> str | None:
    """The unit of a memory series (from its raw name or magnitude), for ``{x:memory}`` fields."""
    if series is None or series.key.quantity != Quantity.MEMORY:
        return None
    finite = series.value[np.isfinite(series.value)]
    magnitude = float(np.max(np.abs(finite))) if finite.size else 0.0
    return wording.memory_unit_of(series.raw_name, magnitude)


def _location(run: Run, evidence: Evidence) -> Location:
    """The file and line (or byte offset) of the point the evidence is anchored at."""
    series = run.get(MetricKey.parse(evidence.metric))
    if series is None or len(series) == 0:
        return Location(run.sources[0] if run.sources else run.name)
    index = evidence.point if evidence.point is not None else 0
    index = min(max(index, 0), len(series) - 1)
    source = series.sources[int(series.source_index[index])]
    position = int(series.position[index])
    if position < 0:
        return Location(source)
    if series.position_unit is PositionUnit.LINE:
        return Location(source, line=position)
    if series.position_unit is PositionUnit.BYTE:
        return Location(source, byte_offset=position)
    return Location(source)


def _run_info(run: Run) -> RunInfo:
    return RunInfo(
        name=run.name,
        format=run.format,
        sources=run.sources,
        metrics=tuple(map(str, run.keys())),
        points=run.point_count,
        diagnostics=run.diagnostics,
    )
