"""How bad a finding is: the one ordering every layer shares (rules, config, findings, exit codes)."""

from __future__ import annotations

import enum


class Severity(enum.IntEnum):
    """How bad a finding is. Ordered: ``info < warning < error``."""

    INFO = 10
    WARNING = 20
    ERROR = 30

    @property
    def label(self) -> str:
        """The lower-case name used in output and configuration."""
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        """``"warning"`` -> ``Severity.WARNING``; ValueError on anything else."""
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"severity must be one of info, warning, error (got {text!r})") from None
