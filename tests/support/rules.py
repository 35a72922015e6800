"""A rule's shipped defaults, read from its file in ``rules/`` (thresholds live only there)."""

from __future__ import annotations

from typing import Any

from loganalyzer.engine.pack import load_default_pack


def shipped_defaults(code: str) -> dict[str, Any]:
    """The default of every parameter of rule ``code``, as the shipped pack declares it."""
    [rule] = [rule for rule in load_default_pack().rules if rule.code == code]
    return dict(rule.defaults())
