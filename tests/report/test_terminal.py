"""The human formats ``text`` and ``concise``: colour only on request, log text never reaches the TTY raw."""

from __future__ import annotations

from loganalyzer.report import concise, terminal
from loganalyzer.report.options import RenderOptions
from tests.report import analyses


def test_no_escape_codes_without_colour_even_when_the_log_contains_them() -> None:
    for render in (terminal.render, concise.render):
        for build in analyses.ANALYSES.values():
            assert "\x1b" not in render(build(), RenderOptions(verbose=True, statistics=True))
    assert "\\x1b[31m" in terminal.render(analyses.troubled())


def test_colour_when_asked() -> None:
    text = terminal.render(analyses.mixed(), RenderOptions(color=True))
    assert "\x1b[1;31merror\x1b[0m" in text
    assert text.splitlines()[-1].startswith("\x1b[1;31mFound 5 findings")
    assert "\x1b[1;32mAll checks passed" in terminal.render(analyses.clean(), RenderOptions(color=True))


def test_text_groups_by_run_worst_first_with_remedies_and_evidence_only_when_verbose() -> None:
    text = terminal.render(analyses.mixed())
    tb = text[text.index(analyses.TB_RUN + "  (tensorboard") :]
    assert tb.index("error    DV001") < tb.index("warning  LS001")
    assert "evidence:" not in text
    verbose = terminal.render(analyses.mixed(), RenderOptions(verbose=True, width=1000))
    assert "evidence: validation.loss (val_loss), steps 12-40: best_epoch=12, best_value=0.4123" in verbose
    assert "fix: Stop at the best validation epoch and restore its weights" in text
    assert "(+1 more with --verbose)" in text
    assert analyses.HEALTHY_RUN not in text  # clean runs only with --verbose
    assert text.endswith("Found 5 findings in 2 of 3 runs: 1 error, 3 warnings, 1 info.\n")


def test_verbose_shows_skipped_rules_notes_and_all_remedies() -> None:
    text = terminal.render(analyses.mixed(), RenderOptions(verbose=True))
    assert "skipped  SE001 slow-epochs: no epoch_time column" in text
    assert "note     truncated-record" in text
    assert "Augment the training data" in text and "more with --verbose" not in text


def test_quiet_drops_the_summary_and_clean_lines() -> None:
    assert terminal.render(analyses.clean(), RenderOptions(quiet=True)) == ""
    assert concise.render(analyses.clean(), RenderOptions(quiet=True)) == ""
    assert "Found" not in terminal.render(analyses.mixed(), RenderOptions(quiet=True))


def test_statistics_table() -> None:
    text = terminal.render(analyses.mixed(), RenderOptions(statistics=True))
    assert "statistics\n  2  LS001  warning  loss-spike\n  1  DV001  error    diverging-loss\n" in text


def test_concise_lines_with_a_line_and_with_a_byte_offset() -> None:
    lines = concise.render(analyses.mixed()).splitlines()
    assert lines[0] == (
        "runs/exp1/history.csv:14: OF001 val_loss rose for 28 epochs after its best at epoch 12 "
        "(0.4123 -> 0.5871) while loss fell"
    )
    assert lines[4] == (
        f"{analyses.TB_TRAIN}: DV001 loss grew 100% per 100 steps from step 1200, then became non-finite: "
        "inf, nan (byte 4096)"
    )
    assert len(lines) == 6  # five findings and the summary


def test_concise_findings_without_position_and_errors() -> None:
    lines = concise.render(analyses.troubled()).splitlines()
    assert lines[0].startswith(f"{analyses.ABSOLUTE_RUN}: MG001 memory grew")
    assert "\n" not in lines[0] and lines[0].endswith("no plateau in sight")
    assert "logs/broken.csv: error: not a recognised training log (expected a CSV header)" in lines


def test_messages_wrap_at_the_width_with_a_hanging_indent_never_mid_word() -> None:
    for width in (60, 80, 120):
        text = terminal.render(analyses.mixed(), RenderOptions(verbose=True, width=width))
        message_lines = [
            line
            for line in text.splitlines()
            if line.startswith(" " * 11) and line[11:12] != " " and not line[11:].startswith("fix:")
        ]
        assert message_lines
        for line in message_lines:
            assert len(line) <= width or " " not in line.strip(), line  # only an unbreakable word overflows
        words = {word for line in message_lines for word in line.split()}
        finding = analyses.mixed().findings[0]
        assert set(finding.message.split()) <= words  # wrapped between words, none cut in two
