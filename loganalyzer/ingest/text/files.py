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

#: Deepest JSON nesting read. Training logs nest a handful of levels; the
#: limit keeps every later walk over the parsed value (flattening, metadata)
#: shallow whatever the file holds.
MAX_JSON_DEPTH = 64

#: Integers with more digits than this are read as floats: an exact
#: 5,000-digit int cannot become a metric value or a step anyway, and Python
#: refuses to convert longer ones (``sys.set_int_max_str_digits``).
MAX_INT_DIGITS = 18


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
        return text, load_json(text)
    except ValueError as exc:
        raise InputError(label, f"not valid JSON ({exc})") from None


def load_json(text: str) -> Any:
    """Parse one JSON document (``NaN``/``Infinity`` accepted); ValueError when it is not one.

    Nesting deeper than :data:`MAX_JSON_DEPTH` is refused, so nothing that
    walks the result recurses as deep as an attacker's file. The C parser
    guards its own recursion (RecursionError at Python's limit, raised at once,
    before it has read past the deep part); a document it accepts is then
    measured by an iterative walk that stops at the limit. Both costs are
    linear, and an absurdly deep file is refused in microseconds instead of
    being scanned to the end first. Long integers become floats (see
    :data:`MAX_INT_DIGITS`).
    """
    try:
        value = json.loads(text, parse_int=_parse_int)
    except RecursionError:
        raise ValueError(f"nested deeper than the {MAX_JSON_DEPTH} levels a log can need") from None
    if nesting_depth(value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
        raise ValueError(f"nested deeper than the {MAX_JSON_DEPTH} levels a log can need")
    return value


def nesting_depth(value: Any, limit: int) -> int:
    """The container depth of a parsed JSON ``value`` (a scalar: 0), or ``limit + 1`` once past ``limit``."""
    deepest = 0
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        if depth > limit:
            return limit + 1
        deepest = max(deepest, depth)
        pending.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return deepest


def _parse_int(digits: str) -> int | float:
    """An integer token: exact when short, else the nearest float (may be infinite)."""
    sign = 1 if digits[:1] == "-" else 0
    return int(digits) if len(digits) - sign <= MAX_INT_DIGITS else float(digits)


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
