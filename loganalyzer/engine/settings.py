"""Effective settings for one analysis: which rules, which thresholds, which severities.

Built from defaults, then the configuration file, then the command line
(:mod:`loganalyzer.engine.config` does the merging and validation). Rule
selection follows ruff: a selector is ``ALL``, a code (``OF001``), a code
prefix (``OF``), a rule name (``rising-validation-loss``) or a category
(``loss-spike``); within one layer (the configuration file, then the command
line) the most specific matching selector decides and ``ignore`` wins a tie.
A later layer's ``select`` starts the choice afresh; its ``extend-select``
and ``ignore`` adjust what the layers before it chose.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from loganalyzer.model.finding import Severity
from loganalyzer.model.rule import RuleSpec

# Specificity of a selector that matches a rule: higher is more specific.
_ALL, _CATEGORY, _PREFIX, _EXACT = 0, 1, 2, 3


def selector_specificity(selector: str, rule: RuleSpec) -> int | None:
    """How specifically ``selector`` names ``rule``, or None if it does not match it.

    Prefix specificity grows with its length, so ``OF0`` beats ``OF``.
    """
    if selector == "ALL":
        return _ALL
    # A rule's old name may be its category's name (``loss-spike``); the word then means the category.
    if selector == rule.category:
        return _CATEGORY * 100
    if selector in (rule.code, rule.name, *rule.aliases):
        return _EXACT * 100
    if selector.isalnum() and selector.isupper() and rule.code.startswith(selector):
        return _PREFIX * 100 + len(selector)
    return None


@dataclass(frozen=True)
class SelectionLayer:
    """One source's rule selection; ``select`` None means "keep what came before"."""

    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    def decide(self, rule: RuleSpec, before: bool) -> bool:
        """Whether ``rule`` is selected after this layer, given the decision ``before`` it."""
        if self.select is not None:
            chosen = _best(self.select + self.extend_select, rule)
            ignored = _best(self.ignore, rule)
            return chosen is not None and (ignored is None or chosen > ignored)
        chosen = _best(self.extend_select, rule)
        ignored = _best(self.ignore, rule)
        if chosen is not None and (ignored is None or chosen > ignored):
            return True
        if ignored is not None:
            return False
        return before


@dataclass(frozen=True)
class Settings:
    """What to run and how; every field has a sensible default.

    ``select``/``extend_select``/``ignore`` are the first selection layer;
    ``layers`` holds later ones (the command line over a configuration file).
    """

    select: tuple[str, ...] = ("ALL",)
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    layers: tuple[SelectionLayer, ...] = ()
    per_path_ignores: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    exclude: tuple[str, ...] = ()
    parameters: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    severities: Mapping[str, Severity] = field(default_factory=dict)
    fail_on: Severity = Severity.WARNING
    name_map: Mapping[str, str] = field(default_factory=dict)
    #: Largest log file read, in bytes; None leaves the reader's default.
    max_bytes: int | None = None

    def is_selected(self, rule: RuleSpec) -> bool:
        """Whether ``rule`` runs at all, by each layer's select / extend-select / ignore in turn."""
        selected = SelectionLayer(self.select, self.extend_select, self.ignore).decide(rule, False)
        for layer in self.layers:
            selected = layer.decide(rule, selected)
        return selected

    def is_excluded(self, path: str) -> bool:
        """Whether ``path`` (a run name or an input path) matches an ``exclude`` glob."""
        return any(path_matches(pattern, path) for pattern in self.exclude)

    def is_ignored_for(self, rule: RuleSpec, run_name: str) -> bool:
        """Whether a per-path ignore (glob on the run name) switches ``rule`` off for this run."""
        for pattern, selectors in self.per_path_ignores.items():
            if path_matches(pattern, run_name) and _best(selectors, rule) is not None:
                return True
        return False


def _best(selectors: tuple[str, ...], rule: RuleSpec) -> int | None:
    scores = [s for s in (selector_specificity(sel, rule) for sel in selectors) if s is not None]
    return max(scores) if scores else None


def path_matches(pattern: str, run_name: str) -> bool:
    """Whether a ``per-path-ignores``/``exclude`` glob matches a run.

    The glob is matched against the run's name as reports show it: the path
    as given on the command line (or found below it), with ``/`` separators,
    no leading ``./`` and without the ``#2`` of an appended session; a
    pattern also matches any trailing part of that path (``*.csv``,
    ``old/**``). ``*`` may cross ``/`` (as ``fnmatch``), and ``dir/**``
    matches the directory ``dir`` itself as well as everything inside it, so
    ``runs/exp/**`` covers a TensorBoard run named ``runs/exp`` and each of
    its files.
    """
    name = run_name.split("#", 1)[0].replace("\\", "/")
    while name.startswith("./"):
        name = name[2:]
    pattern = pattern.replace("\\", "/").removeprefix("./")
    patterns = [pattern]
    if pattern.endswith("/**"):
        patterns.append(pattern[:-3])
    parts = name.split("/")
    candidates = ["/".join(parts[i:]) for i in range(len(parts))]
    return any(fnmatch.fnmatch(c, p) for p in patterns for c in candidates)
