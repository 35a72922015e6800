"""Every labelled synthetic case of ``bench/cases/time_memory_bias.py`` gets its expected categories.

The case set is issue 10's classes 4-6 (time, memory, bias) with realistic
noise; the unit tests next to this file test each rule's parts, this one the
whole pipeline on every case, so a change that breaks a case fails here.
"""

from __future__ import annotations

import pytest

from bench.cases._build import LabelledCase
from bench.cases.time_memory_bias import cases
from loganalyzer.api import analyze
from loganalyzer.model.finding import Severity

CASES = cases()


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_each_case_reports_what_it_expects_and_nothing_it_must_not(case: LabelledCase) -> None:
    analysis = analyze(case.run)
    found = {f.category for f in analysis.findings if f.severity >= Severity.WARNING}
    assert case.expect <= found, f"missed {sorted(case.expect - found)}"
    assert not found & case.absent, f"false alarm {sorted(found & case.absent)}"
