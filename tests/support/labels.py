"""The labelled corpus, by category, and "does this detector find it in that log" for detector tests."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from typing import Any

from loganalyzer.model.finding import Evidence, MissingInput
from loganalyzer.model.run import Run
from tests.conftest import SHARED


def corpus_labels(category: str) -> list[tuple[str, bool]]:
    """(``corpus/<run>``, whether ``category`` must be found) for every corpus run that judges it."""
    labels_file = SHARED / "corpus" / "labels.json"
    if not labels_file.is_file():
        return []
    judged = []
    for name, label in sorted(json.loads(labels_file.read_text()).items()):
        if category in label["expect"]:
            judged.append((f"corpus/{name}", True))
        elif category in label["absent"]:
            judged.append((f"corpus/{name}", False))
    return judged


def detects(path: str, detector: Callable[..., list[Evidence]], params: dict[str, Any]) -> bool:
    """Whether ``detector`` finds anything in any run read from ``../shared/<path>``."""
    from loganalyzer.api import load_runs

    runs: list[Run] = list(load_runs([SHARED / path]).runs)
    assert runs, f"{path} did not load"
    found = False
    for run in runs:
        with contextlib.suppress(MissingInput):
            found = found or bool(detector(run, **params))
    return found
