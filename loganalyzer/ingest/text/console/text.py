r"""Console text as the terminal showed it: colours removed, progress-bar redraws cut apart.

Captured stdout (``nohup python train.py > out.log``, W&B's ``output.log``,
a notebook's saved output) keeps the ANSI colour codes of coloured loggers,
the ``\r`` a progress bar uses to redraw its line, and the ``\b`` Keras uses
to erase. A line is cut at every ``\r`` into the states it was drawn in, and
each state keeps the line number of its physical line, so findings point at
what ``grep -n`` shows. Values are read from ``name: value`` / ``name=value``
pairs, the shape nearly every training loop prints.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")

#: A number as loggers print it (``0.41``, ``1.0e-03``, ``nan``), not the start of a clock or a date.
NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?![\d/-]|:\d)|[-+]?(?:nan|inf)\b"

#: ``name: value`` or ``name=value`` with a name of one or two words (``Train Loss: 0.41``).
PAIR = re.compile(
    rf"(?<![\w@/.-])(?P<name>[A-Za-z][\w@/.\-]*(?: [A-Za-z][\w@/.\-]*)?)\s*[:=]\s*(?P<value>{NUMBER})",
    re.IGNORECASE,
)

#: Leading words of a two-word name that only qualify it (``Average loss`` is the loss).
QUALIFIERS = frozenset({"average", "avg", "mean", "current", "running", "total", "batch", "epoch", "the"})


@dataclass(frozen=True)
class Line:
    """One drawn state of a console line and the physical line it is on."""

    text: str
    number: int


def console_lines(text: str) -> list[Line]:
    """``text`` without colours, cut at line breaks and at every progress-bar carriage return."""
    text = _ANSI.sub("", text).replace("\b", "")
    out = []
    for number, physical in enumerate(text.split("\n"), start=1):
        for state in physical.split("\r"):
            if state.strip():
                out.append(Line(state, number))
    return out


def pairs(text: str) -> list[tuple[str, float]]:
    """The ``name: value`` pairs of ``text`` in order (qualifier words dropped from names)."""
    found = []
    for match in PAIR.finditer(text):
        name = match.group("name")
        first, _, rest = name.partition(" ")
        if rest and first.lower() in QUALIFIERS:
            name = rest
        found.append((name, float(match.group("value"))))
    return found
