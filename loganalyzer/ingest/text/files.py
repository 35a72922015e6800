r"""Read a text log and cut it into physical lines, the way a user counts them.

Line numbers in diagnostics must match what ``grep -n`` or an editor shows,
whatever the line endings: ``\\n``, ``\\r\\n``, or the ``\\r\\r\\n`` that Keras'
CSVLogger produces on Windows (it writes ``\\r\\n`` through a text-mode file).
So lines are cut on ``\\n`` only and trailing ``\\r`` characters are dropped;
a file with bare ``\\r`` endings and no ``\\n`` at all is cut on ``\\r``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from loganalyzer.errors import InputError


def read_text(path: Path, label: str) -> str:
    """Return the decoded text of ``path`` (UTF-8, BOM dropped, bad bytes replaced).

    Raises :class:`InputError` naming ``label`` when the file cannot be read.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(label, f"cannot read: {exc.strerror or exc}") from exc
    if b"\x00" in data[:8192]:
        raise InputError(label, "binary data (NUL bytes) in a text log")
    return data.decode("utf-8-sig", errors="replace")


def read_json(path: Path, label: str) -> tuple[str, Any]:
    """Return the text of ``path`` and its parsed JSON (``NaN``/``Infinity`` accepted).

    Raises :class:`InputError` naming ``label`` when the file cannot be read
    or is not one valid JSON document.
    """
    text = read_text(path, label)
    try:
        return text, json.loads(text)
    except ValueError as exc:
        raise InputError(label, f"not valid JSON ({exc})") from None


def physical_lines(text: str) -> list[str]:
    """``text`` cut into lines without their terminators; line k is element ``k - 1``.

    A final terminator does not open an extra empty line.
    """
    separator = "\n" if "\n" in text or "\r" not in text else "\r"
    lines = [line.rstrip("\r") for line in text.split(separator)]
    if lines and lines[-1] == "" and text.endswith(("\n", "\r")):
        lines.pop()
    return lines


def ends_with_terminator(text: str) -> bool:
    """Whether the last line of ``text`` was finished (a killed writer leaves it open)."""
    return text.endswith(("\n", "\r"))
