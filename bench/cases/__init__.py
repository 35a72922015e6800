"""Labelled synthetic case sets for ``bench/evaluate.py``: one module per set, listed here.

Each module exposes ``cases() -> list[LabelledCase]``: in-memory runs with
realistic noise and the categories a correct analyser must report
(``expect``) and must not report (``absent``). Nothing here is a committed
log; every run is generated from a fixed seed.
"""

from __future__ import annotations

from collections.abc import Callable

from bench.cases import detection_round2, time_memory_bias
from bench.cases._build import LabelledCase

#: Every case set by the name the evaluation table shows.
CASE_SETS: dict[str, Callable[[], list[LabelledCase]]] = {
    "detection-round2": detection_round2.cases,
    "time-memory-bias": time_memory_bias.cases,
}

__all__ = ["CASE_SETS", "LabelledCase"]
