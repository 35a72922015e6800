"""The spelling every format shares: locations, steps, values, printable text, summaries."""

from __future__ import annotations

from dataclasses import replace

import pytest

from loganalyzer.errors import InputError
from loganalyzer.model.finding import Analysis, Location
from loganalyzer.report import _common
from tests.report import analyses


@pytest.mark.parametrize(
    ("location", "label"),
    [
        (Location("runs/a.csv", line=14), "runs/a.csv:14"),
        (Location("runs/events.out.tfevents.1", byte_offset=4096), "runs/events.out.tfevents.1 (byte 4096)"),
        (Location("./runs\\h.json"), "runs/h.json"),
        (Location("runs/a.csv", line=3, byte_offset=99), "runs/a.csv:3"),
    ],
)
def test_location_label(location: Location, label: str) -> None:
    assert _common.location_label(location) == label


@pytest.mark.parametrize(
    ("start", "end", "span"),
    [(12, 40, "steps 12-40"), (7, 7, "step 7"), (None, 9, "step 9"), (None, None, "")],
)
def test_step_span(start: int | None, end: int | None, span: str) -> None:
    finding = replace(analyses.mixed().findings[0], start_step=start, end_step=end)
    assert _common.step_span(finding) == span


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.41234567, "0.4123"), (2.0, "2"), (1234567.0, "1.235e+06"), (12, "12"), (True, "true"), (None, "n/a")],
)
def test_format_value(value: object, text: str) -> None:
    assert _common.format_value(value) == text


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("plain", "plain"),
        ("tab\tand\nnewline", "tab\tand\nnewline"),
        ("crlf\r\nline", "crlf\nline"),
        ("esc\x1b[2J", "esc\\x1b[2J"),
        ("nul\x00 bell\x07 cr\r", "nul\\x00 bell\\x07 cr\\r"),
        ("c1\x9b", "c1\\x9b"),
        ("bidi\u202eevil", "bidi\\u202eevil"),
        ("emoji \u2705 accent \u00e9", "emoji \u2705 accent \u00e9"),
    ],
)
def test_printable(raw: str, shown: str) -> None:
    assert _common.printable(raw) == shown


def test_summary_sentences() -> None:
    assert (
        _common.summary_sentence(analyses.mixed())
        == "Found 5 findings in 2 of 3 runs: 1 error, 3 warnings, 1 info."
    )
    assert _common.summary_sentence(analyses.clean()) == "All checks passed (1 run checked)."
    assert _common.summary_sentence(Analysis(runs=(), findings=())) == "No runs checked."
    unreadable = Analysis(runs=(), findings=(), input_errors=(InputError("x", "gone"),))
    assert _common.summary_sentence(unreadable) == "No runs checked. 1 input could not be read."


def test_fingerprints_are_unique_and_keep_the_first_as_is() -> None:
    first = analyses.mixed().findings[0]
    prints = _common.fingerprints([first, first, first])
    assert prints[0] == first.fingerprint
    assert len(set(prints)) == 3
    assert prints == _common.fingerprints([first, first, first])


def test_code_fence_outgrows_backtick_runs() -> None:
    assert _common.code_fence("plain") == "```"
    assert _common.code_fence("has ``` inside") == "````"
    assert _common.code_fence("a`b", minimum=1) == "``"


def _half_read(skipped_reasons: list[str]) -> Analysis:
    from loganalyzer.engine.pack import load_default_pack
    from loganalyzer.model.finding import RunInfo, Skipped

    rules = load_default_pack().rules
    run = RunInfo(
        "logs", "tensorboard", ("logs/validation/events.out.tfevents.1",), ("validation.loss",), 120
    )
    skipped = tuple(
        Skipped("logs", rule.code, reason) for rule, reason in zip(rules, skipped_reasons, strict=False)
    )
    return Analysis(runs=(run,), findings=(), skipped=skipped, rules=tuple(rules))


def test_summary_says_how_few_rules_ran_instead_of_all_checks_passed() -> None:
    from loganalyzer.report._common import summary_sentence

    reasons = ["the run has no training loss"] * 4 + [
        "no memory series (memory, rss ...)",
        "needs both a training and a validation loss",
    ]
    analysis = _half_read(reasons)
    total = len(analysis.rules)
    sentence = summary_sentence(analysis)
    assert sentence == (
        f"No findings, but only {total - len(reasons)} of {total} rules ran "
        "(no training curve, no memory series); see --verbose."
    )
    assert "All checks passed" not in sentence


def test_summary_is_unchanged_when_most_rules_ran_or_were_superseded() -> None:
    from loganalyzer.report._common import summary_sentence

    reasons = ["the run has no training loss"] * 2 + ["superseded by OF001 (overfitting) on this run"] * 6
    assert summary_sentence(_half_read(reasons)) == "All checks passed (1 run checked)."
