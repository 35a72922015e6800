"""Escaping for HTML text, attributes, ids and embedded JSON: nothing from a log becomes markup.

Run names, tags, file names, messages and evidence are all untrusted. Every
string goes through :func:`text` (element content and quoted attribute
values) before it reaches the page; ids are built only from our own
counters and rule codes and still pass :func:`token`. Labels handed to
matplotlib go through :func:`label` (matplotlib escapes SVG text itself;
this also drops control characters and the ``$`` that would start mathtext).
"""

from __future__ import annotations

import html
import json
import re

from loganalyzer.report._common import printable

#: Characters allowed in an id or class we build; anything else is replaced.
_NOT_TOKEN = re.compile(r"[^A-Za-z0-9_-]")

#: Longest label drawn inside a chart (legends must stay legible).
_MAX_LABEL = 60


def text(value: object) -> str:
    """``value`` as HTML text or a double-quoted attribute value: ``<>&"'`` escaped, controls shown."""
    return html.escape(printable(str(value)), quote=True)


def token(value: str) -> str:
    """``value`` reduced to ``[A-Za-z0-9_-]``, for ids and class names."""
    return _NOT_TOKEN.sub("_", value)


def label(value: str) -> str:
    """A log string made safe to draw with matplotlib: printable, no mathtext, bounded length."""
    cleaned = printable(value).replace("\n", " ").replace("$", r"\$")
    return cleaned if len(cleaned) <= _MAX_LABEL else cleaned[: _MAX_LABEL - 1] + "…"


def script_json(value: object) -> str:
    """JSON for a ``<script type="application/json">`` block, with ``<``, ``>`` and ``&`` as JSON escapes.

    With those three escaped, no string in the data can close the script
    element or open a comment, whatever the log contained.
    """
    encoded = json.dumps(value, sort_keys=True, ensure_ascii=False, allow_nan=False)
    return encoded.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
