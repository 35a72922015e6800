"""What a check concludes: the exit code, and how much of the rule pack could judge each run.

Both are decided here, below the CLI, so the Python API
(:func:`loganalyzer.api.check`) and ``loganalyzer check`` give the same answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: the CLI imports the exit codes at start-up, without NumPy
    from loganalyzer.model.finding import Analysis, Severity

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2


def exit_code(analysis: Analysis, fail_on: Severity, *, exit_zero: bool = False) -> int:
    """``2`` on unreadable input or a crashed rule, ``1`` on findings at or above ``fail_on``, else ``0``.

    ``exit_zero`` turns ``1`` into ``0`` (as ruff's ``--exit-zero``), never ``2``.
    """
    failing = any(finding.severity >= fail_on for finding in analysis.findings)
    return exit_for(
        errors=bool(analysis.input_errors or analysis.rule_errors), failing=failing, exit_zero=exit_zero
    )


def exit_for(*, errors: bool, failing: bool, exit_zero: bool) -> int:
    """The exit rule of ``check`` and ``audit``: errors win, then failing findings unless ``exit_zero``."""
    if errors:
        return EXIT_ERROR
    return EXIT_FINDINGS if failing and not exit_zero else EXIT_OK
