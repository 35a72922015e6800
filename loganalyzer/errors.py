"""Exceptions that loganalyzer raises on purpose.

Every one of them maps to exit code 2 in the CLI and carries a one-line,
user-facing message that names the file (or key) and the reason::

    LogAnalyzerError
    ├── InputError        a path that cannot be read as a training log
    │   └── UnrecognisedInput   a readable file that is not a training log
    ├── RulePackError     the rule pack in ``rules/`` is broken
    └── ConfigError       a user configuration file or option is invalid

Anything else escaping the library is a bug.
"""

from __future__ import annotations

from typing import ClassVar


class LogAnalyzerError(Exception):
    """Base class: an expected failure with a message fit for the user."""


class InputError(LogAnalyzerError):
    """A path given by the user is missing, unreadable or not a training log.

    The one type for an input that could not be read: readers raise it, and
    the analysis keeps it in ``Analysis.input_errors`` for every reporter.
    ``kind`` says which of the two cases it is (``unreadable`` or
    ``unrecognised``), for JSON output and ``--ignore-unknown``.
    """

    kind: ClassVar[str] = "unreadable"

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason

    @property
    def message(self) -> str:
        """The reason alone, for reports that show the path in a column of its own."""
        return self.reason

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and (self.path, self.reason) == (other.path, other.reason)

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.path, self.reason))


class UnrecognisedInput(InputError):
    """A file that exists and reads fine but is not a log format loganalyzer knows.

    Kept apart so that ``check --ignore-unknown`` (what the pre-commit hook
    uses) can pass over such files while still failing on broken logs.
    """

    kind: ClassVar[str] = "unrecognised"


class RulePackError(LogAnalyzerError):
    """The rule pack failed validation when loaded."""


class ConfigError(LogAnalyzerError):
    """A configuration file, key or command-line value is invalid."""
