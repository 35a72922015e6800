"""What a check concludes: the exit code, and how much of the rule pack could judge each run.

Both are decided here, below the CLI, so the Python API
(:func:`loganalyzer.api.check`) and ``loganalyzer check`` give the same answer.
"""

from __future__ import annotations

from loganalyzer.model.finding import Analysis, Severity

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2


def exit_code(analysis: Analysis, fail_on: Severity, *, exit_zero: bool = False) -> int:
    """``2`` on unreadable input or a crashed rule, ``1`` on findings at or above ``fail_on``, else ``0``.

    ``exit_zero`` turns ``1`` into ``0`` (as ruff's ``--exit-zero``), never ``2``.
    """
    if analysis.input_errors or analysis.rule_errors:
        return EXIT_ERROR
    failing = any(finding.severity >= fail_on for finding in analysis.findings)
    return EXIT_FINDINGS if failing and not exit_zero else EXIT_OK
