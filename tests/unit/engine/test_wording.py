"""The message template syntax, and every shipped rule's message when optional values are missing.

Each rule's golden message (``golden/messages-missing.txt``, rewritten with
``--update-golden``) is rendered from evidence in which every value that the
detector may leave unknown is None: the clause holding it must disappear, and
no message may ever show ``True``, ``False``, ``None``, ``nan`` or ``n/a``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from loganalyzer.engine import wording
from loganalyzer.engine.pack import load_default_pack

GOLDEN = Path(__file__).resolve().parent / "golden" / "messages-missing.txt"

#: Words that betray Python values leaking into prose.
LEAKS = re.compile(r"\b(True|False|None|nan|inf|n/a)\b|-0\.0*%|-0%")

CONTEXT = {"metric": "validation.loss", "raw_metric": "val_loss", "run": "runs/a", "axis": "epoch"}

#: Per rule: the evidence of a finding whose optional values are unknown (None), the rest typical.
MISSING: dict[str, dict[str, Any]] = {
    "DV001": {
        "kind": "nan",
        "step": 14,
        "epoch": 14.0,
        "non_finite_points": 1,
        "points": 40,
        "recovered": None,
        "last_finite_value": None,
        "last_finite_step": None,
        "rise_before": None,
        "best_value": None,
        "best_step": None,
        "per_step": False,
    },
    "DV002": {
        "pattern": "sustained-rise",
        "factor": 3.2,
        "reference": "best level",
        "reference_value": 0.41,
        "reference_step": 5,
        "peak_value": 1.3,
        "peak_step": 39,
        "start_value": 2.05,
        "end_value": 1.2,
        "giveback": None,
    },
    "LS001": {
        "step": 210,
        "epoch": 2.0,
        "value": 4.98,
        "baseline": 0.71,
        "ratio": 6.99,
        "z": 19.2,
        "threshold_z": 6.0,
        "recovered": None,
        "recovery_steps": None,
        "events": 1,
        "per_step": True,
        "axis": "step",
    },
    "LS002": {
        "step": 11,
        "epoch": 11.0,
        "value": 0.857,
        "ratio": 1.39,
        "baseline": 0.615,
        "excess_ratio": 1.33,
        "z": 7.4,
        "recovered": False,
        "recovery_steps": None,
        "events": 2,
        "per_step": False,
    },
    "LS003": {
        "step": 604,
        "epoch": None,
        "value": 0.0,
        "baseline": 0.1268,
        "ratio": 0.0,
        "recovered": None,
        "recovery_steps": None,
        "events": None,
        "per_step": True,
        "axis": "step",
    },
    "MG001": {
        "growth_per_unit": 40.03,
        "unit": "epoch",
        "total_growth": 1041.0,
        "growth_percent": 102.5,
        "start_value": 1015.0,
        "end_value": 2056.0,
        "p_value": None,
        "projected_value": None,
        "outlook": "at twice the run's length it would reach 3121 MB",
    },
    "OF001": {
        "unit": "epoch",
        "best_at": 18.0,
        "best_value": 0.2002,
        "best_level": None,
        "rise_pct": 16.71,
        "end_value": None,
        "train_change_pct": None,
        "patience": 5,
        "stop_at": None,
        "restored_at": None,
        "wasted": None,
        "total": 120,
        "patience_to_best": None,
    },
    "OF002": {"val_end": 2.754, "train_end": 2.412, "gap_pct": 14.2, "onset_step": None},
    "SE001": {
        "origin": "time column",
        "slow_count": 1,
        "unit": "epoch",
        "where": None,
        "worst_at": None,
        "worst_seconds": None,
        "worst_ratio": None,
        "median_seconds": None,
        "lost_seconds": 5.0,
        "lost_percent": None,
        "measured_seconds": None,
    },
    "SE002": {
        "origin": "time column",
        "unit": "epoch",
        "early_seconds": 100.0,
        "late_seconds": 540.0,
        "ratio": 5.4,
        "slope_seconds": None,
        "p_value": None,
        "onset_at": None,
        "lost_seconds": 7300.0,
        "lost_percent": None,
        "measured_seconds": None,
    },
    "UF001": {
        "criterion": "chance",
        "diagnosis": "training loss 2.323 since epoch 17, at the chance level of 10 classes",
        "level": 2.323,
        "plateau_from_step": 17,
        "window_change_pct": -0.0001,
        "window": 8,
        "reduction_pct": None,
        "start_level": None,
        "chance_loss": None,
        "val_accuracy": None,
        "val_accuracy_change": None,
        "gap_pct": None,
    },
}


def _render(code: str) -> str:
    rule = next(r for r in load_default_pack().rules if r.code == code)
    values = {**CONTEXT, "per_step": False, **MISSING[code]}
    unit = "MB" if code == "MG001" else None
    return wording.render(rule.message, values, memory_unit=unit)


def test_every_rule_has_a_missing_values_case() -> None:
    assert {rule.code for rule in load_default_pack().rules} == set(MISSING)


def test_rule_messages_with_missing_values_match_golden(update_golden: bool) -> None:
    rendered = "".join(f"{code}: {_render(code)}\n" for code in sorted(MISSING))
    for line in rendered.splitlines():
        assert not LEAKS.search(line), line
        assert "  " not in line and " ," not in line and " ;" not in line and "()" not in line, line
    if update_golden or not GOLDEN.exists():
        GOLDEN.write_text(rendered, encoding="utf-8")
    assert rendered == GOLDEN.read_text(encoding="utf-8")


@pytest.mark.parametrize("code", sorted(MISSING))
def test_every_template_field_can_be_missing_without_leaking(code: str) -> None:
    rule = next(r for r in load_default_pack().rules if r.code == code)
    values = dict.fromkeys(wording.template_fields(rule.message))
    values.update(CONTEXT)
    message = wording.render(rule.message, values)
    assert not LEAKS.search(message), message


@pytest.mark.parametrize(
    ("spec", "value", "expected"),
    [
        ("pct", -99.6, "-99.6%"),
        ("pct", -99.96, "-99.96%"),
        ("+pct", -0.04, "-0.04%"),
        ("+pct", -0.0001, "0%"),
        ("pct", 0.0, "0%"),
        ("+pct", 3.94, "+3.9%"),
        ("pct", 16.71, "17%"),
        ("frac", 0.5, "50%"),
        ("seconds", 2.7, "2.7 s"),
        ("seconds", 175.0, "2.92 min"),
        ("seconds", 20000.0, "5.56 h"),
        ("count:jump", 1, "1 jump"),
        ("count:jump", 3, "3 jumps"),
        ("count:entry/entries", 2.0, "2 entries"),
        (".3g", 14.0, "14"),
        (".1f", -0.04, "0.0"),
        ("", 1041.25, "1041"),
        ("", 0.000123, "0.000123"),
    ],
)
def test_number_specs(spec: str, value: float, expected: str) -> None:
    assert wording.format_number(value, spec) == expected


def test_memory_units_from_the_name_or_the_magnitude() -> None:
    assert wording.memory_unit_of("memory_rss_mb", 2000) == "MB"
    assert wording.memory_unit_of("gpu_mem_gb", 20) == "GB"
    assert wording.memory_unit_of("memory_allocated", 3.2e9) == "bytes"
    assert wording.memory_unit_of("memory", 900) is None
    assert wording.memory(1041, "MB") == "1.017 GB"
    assert wording.memory(40.03, "MB") == "40.03 MB"
    assert wording.memory(3.2e9, "bytes") == "2.98 GB"
    assert wording.memory(900, None) == "900"


def test_clauses_conditions_and_plurals() -> None:
    template = "{x} at {axis} {step}[ (epoch {epoch}){per_step?}][; recovered{ok?}][; never recovered{ok!}]"
    base = {"x": "loss", "axis": "step", "step": 10, "epoch": 1.5, "per_step": True, "ok": True}
    assert wording.render(template, base) == "loss at step 10 (epoch 1.5); recovered"
    assert (
        wording.render(template, {**base, "per_step": False, "ok": False})
        == "loss at step 10; never recovered"
    )
    assert wording.render(template, {**base, "epoch": None, "ok": None}) == "loss at step 10"
    assert wording.render("{n:count:=axis} [and {m} more]", {"n": 2, "axis": "epoch", "m": float("nan")}) == (
        "2 epochs"
    )
    assert wording.render("{flag} {missing}", {"flag": True, "missing": None}) == "yes unknown"


@pytest.mark.parametrize("template", ["a [b", "a ]b", "a {b", "a }b", "{1x}"])
def test_malformed_templates_are_rejected(template: str) -> None:
    with pytest.raises(wording.TemplateError):
        wording.template_fields(template)
