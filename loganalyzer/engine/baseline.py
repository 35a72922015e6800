"""Baselines: adopt loganalyzer on old runs without drowning in old findings.

``--write-baseline FILE`` records the fingerprint of every current finding;
``--baseline FILE`` then reports only findings whose fingerprint is not in
the file. Fingerprints hash the rule, run, metric and onset step (not the
wording or the numbers), so re-checking the same logs matches exactly while a
new problem in the same run still shows. The file is sorted JSON, so it
diffs cleanly under version control.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from loganalyzer.errors import ConfigError
from loganalyzer.model.finding import Analysis

FORMAT_VERSION = 1


def write_baseline(analysis: Analysis, path: str) -> int:
    """Write the fingerprints of ``analysis``'s findings to ``path``; return how many."""
    return write_baseline_entries((f.to_dict() for f in analysis.findings), path)


def write_baseline_entries(findings: Iterable[Mapping[str, Any]], path: str) -> int:
    """Write the fingerprints of ``findings`` (contract dictionaries, as an audit holds them)."""
    entries = sorted(
        (
            {
                "fingerprint": f["fingerprint"],
                "rule": f["rule"],
                "run": f["run"],
                "metric": f["metric"],
                "start_step": f["start_step"],
            }
            for f in findings
        ),
        key=lambda entry: (entry["run"], entry["rule"], entry["fingerprint"]),
    )
    document = {"version": FORMAT_VERSION, "tool": "loganalyzer", "findings": entries}
    try:
        Path(path).write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write baseline: {exc.strerror or exc}") from None
    return len(entries)


def read_baseline(path: str) -> frozenset[str]:
    """The fingerprints recorded in the baseline file at ``path``."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: baseline file not found (create it with --write-baseline)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read baseline: {exc}") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: baseline is not valid JSON: {exc.msg} at line {exc.lineno}") from None
    if not isinstance(document, dict) or document.get("tool") != "loganalyzer":
        raise ConfigError(f"{path}: not a loganalyzer baseline file")
    entries = document.get("findings")
    if not isinstance(entries, list):
        raise ConfigError(f"{path}: not a loganalyzer baseline file")
    try:
        return frozenset(str(entry["fingerprint"]) for entry in entries)
    except (TypeError, KeyError):
        raise ConfigError(f"{path}: baseline entry without a fingerprint") from None


def apply_baseline(analysis: Analysis, known: frozenset[str]) -> tuple[Analysis, int]:
    """``analysis`` without the findings in ``known``, and how many were dropped."""
    kept = tuple(f for f in analysis.findings if f.fingerprint not in known)
    return dataclasses.replace(analysis, findings=kept), len(analysis.findings) - len(kept)
