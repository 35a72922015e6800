"""One audit row per run: the run's facts plus what its findings add up to.

Rows are built in the parent from cached or fresh outcomes, *after* the
baseline has hidden known findings, so worst severity, codes and wasted
compute always agree with the findings shown. Column names are stable: they
are the CSV header, the JSON keys and the ``--sort`` keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from loganalyzer.fleet.facts import RunFacts
from loganalyzer.model.rule import PROBLEM_CATEGORIES
from loganalyzer.model.severity import Severity

#: The contract's problem categories, in report order.
CATEGORIES = PROBLEM_CATEGORIES

#: Every fixed column, in output order; hyperparameters follow as ``hp.<name>``.
COLUMNS = (
    "run",
    "format",
    "status",
    "epochs",
    "steps",
    "train_loss_final",
    "train_loss_best",
    "val_loss_final",
    "val_loss_best",
    "best_epoch",
    "metric",
    "metric_best",
    "metric_final",
    "worst_severity",
    "findings",
    *CATEGORIES,
    "wasted_epochs",
    "wasted_evals",
    "wasted_s",
    "duration_s",
    "reason",
)

HPARAM_PREFIX = "hp."


@dataclass(frozen=True)
class Row:
    """One run of the audit, readable or not.

    ``status`` is ``ok`` (analysed), ``unreadable`` (with ``reason``) or
    ``rule-error`` (analysed, but a rule crashed on it; ``reason`` says which).
    ``findings`` are the contract dictionaries of ``check --format json``.
    """

    run: str
    format: str
    status: str
    facts: RunFacts | None = None
    findings: tuple[Mapping[str, Any], ...] = ()
    rule_errors: tuple[Mapping[str, str], ...] = ()
    reason: str | None = None

    @property
    def worst(self) -> Severity | None:
        """Highest severity among the findings."""
        return max((Severity.parse(f["severity"]) for f in self.findings), default=None)

    @property
    def problems(self) -> frozenset[str]:
        """Categories with a finding at warning or above (what "has a problem" means)."""
        return frozenset(
            str(f["category"]) for f in self.findings if Severity.parse(f["severity"]) >= Severity.WARNING
        )

    @property
    def wasted(self) -> tuple[int | None, int | None, float | None]:
        """Epochs, evaluations and seconds EarlyStopping would have saved (the overfitting counterfactual).

        Evaluations are the points of the monitored curve after the stop;
        they are also epochs when the log says each point is an epoch
        (otherwise epochs is None: a per-step evaluation is not an epoch).
        Seconds are the run's duration times the wasted share of
        evaluations; None where the log has no wall time.
        """
        best: Mapping[str, Any] | None = None
        for finding in self.findings:
            evidence = finding.get("evidence") or {}
            counted = finding.get("category") == "overfitting" and isinstance(evidence.get("wasted"), int)
            if counted and (best is None or evidence["wasted"] > best["wasted"]):
                best = evidence
        if best is None:
            return (0, 0, 0.0) if self.status == "ok" else (None, None, None)
        total = best.get("total")
        epochs = best["wasted"] if best.get("unit") == "epoch" else None
        duration = self.facts.duration_s if self.facts is not None else None
        seconds = None
        if duration is not None and isinstance(total, int) and total > 0:
            seconds = round(duration * best["wasted"] / total, 3)
        return epochs, best["wasted"], seconds

    def columns(self) -> dict[str, Any]:
        """Every column of :data:`COLUMNS` plus ``hp.*``, as JSON-native values."""
        facts = self.facts.to_dict() if self.facts is not None else {}
        counts = {category: 0 for category in CATEGORIES}
        for finding in self.findings:
            if finding.get("category") in counts:
                counts[str(finding["category"])] += 1
        worst = self.worst
        wasted_epochs, wasted_evals, wasted_s = self.wasted
        out: dict[str, Any] = {
            "run": self.run,
            "format": self.format,
            "status": self.status,
            **{key: facts.get(key) for key in COLUMNS[3:13]},
            "worst_severity": worst.label if worst is not None else None,
            "findings": " ".join(sorted({str(f["rule"]) for f in self.findings})),
            **(counts if self.status != "unreadable" else dict.fromkeys(CATEGORIES)),
            "wasted_epochs": wasted_epochs,
            "wasted_evals": wasted_evals,
            "wasted_s": wasted_s,
            "duration_s": facts.get("duration_s"),
            "reason": self.reason,
        }
        for name, value in (facts.get("hparams") or {}).items():
            out[HPARAM_PREFIX + name] = value
        return out
