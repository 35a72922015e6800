"""The rule pack as values: rules, their parameters, and the remedy catalog.

These mirror the files in ``rules/`` one to one; :mod:`loganalyzer.engine.pack`
reads and validates the files and builds these objects. Thresholds live in
exactly one place, the rule file, and reach detectors as keyword arguments.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from loganalyzer.model.severity import Severity

#: The problem categories of the JSON contract (exact strings).
PROBLEM_CATEGORIES = (
    "overfitting",
    "underfitting",
    "loss-spike",
    "divergence",
    "slow-epoch",
    "memory-growth",
)


@dataclass(frozen=True)
class ParameterSpec:
    """One tunable threshold: a JSON-Schema fragment with a default and a description."""

    name: str
    schema: Mapping[str, Any]

    @property
    def default(self) -> Any:
        """The value used when the user does not override it."""
        return self.schema["default"]

    @property
    def description(self) -> str:
        """What the parameter controls, in one or two sentences."""
        return str(self.schema["description"])


@dataclass(frozen=True)
class RuleSpec:
    """One rule of the pack: identity, documentation, detector and thresholds."""

    code: str
    name: str
    category: str
    severity: Severity
    detector: str
    summary: str
    description: str
    message: str
    parameters: tuple[ParameterSpec, ...]
    remedies: tuple[str, ...]
    references: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    superseded_by: tuple[str, ...] = ()

    def defaults(self) -> dict[str, Any]:
        """Parameter defaults as detector keyword arguments."""
        return {p.name: p.default for p in self.parameters}


@dataclass(frozen=True)
class RemedySpec:
    """One remedy of the catalog, with code that applies it in Keras and in PyTorch."""

    id: str
    title: str
    rationale: str
    keras: str
    pytorch: str
    categories: tuple[str, ...]


@dataclass(frozen=True)
class RulePack:
    """The loaded, validated pack."""

    version: str
    rules: tuple[RuleSpec, ...]
    remedies: Mapping[str, RemedySpec]

    def rule(self, code: str) -> RuleSpec:
        """The rule with ``code`` (KeyError if absent)."""
        found = self.lookup(code)
        if found is None:
            raise KeyError(code)
        return found

    def lookup(self, label: str) -> RuleSpec | None:
        """The rule a user means by ``label``: its code (any case), its name or an old name (alias).

        The one place where a rule is found by what people type, for the
        config's ``[rules.X]`` tables, ``explain`` and the API alike.
        """
        for rule in self.rules:
            if label.upper() == rule.code or label in (rule.name, *rule.aliases):
                return rule
        return None

    def labels(self) -> list[str]:
        """Every code and name, for "did you mean" suggestions."""
        return sorted(label for rule in self.rules for label in (rule.code, rule.name))
