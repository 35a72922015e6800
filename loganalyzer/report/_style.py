"""ANSI styling for the human formats, switched off entirely unless the caller asks for colour.

Plain SGR escapes instead of a rendering library: the reporters stay pure
string functions, the output is byte-for-byte predictable in golden files,
and ``color=False`` is guaranteed to emit no escape at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from loganalyzer.model.finding import Severity

_RESET = "\x1b[0m"
_CODES = {"bold": "1", "dim": "2", "red": "31", "green": "32", "yellow": "33", "cyan": "36"}

#: The colour of each severity, as ruff, pytest and most terminals users know them.
SEVERITY_STYLE = {
    Severity.ERROR: ("bold", "red"),
    Severity.WARNING: ("bold", "yellow"),
    Severity.INFO: ("bold", "cyan"),
}


@dataclass(frozen=True)
class Painter:
    """Wraps text in SGR escapes when ``enabled``; the identity otherwise."""

    enabled: bool

    def __call__(self, text: str, *styles: str) -> str:
        """``text`` in the given styles (``bold``, ``dim``, ``red``, ``green``, ``yellow``, ``cyan``)."""
        if not self.enabled or not styles or not text:
            return text
        return f"\x1b[{';'.join(_CODES[s] for s in styles)}m{text}{_RESET}"

    def severity(self, text: str, severity: Severity) -> str:
        """``text`` in the colour of ``severity``."""
        return self(text, *SEVERITY_STYLE[severity])
