"""A shallow, forgiving scan of JSON text: the outline sniffers need and the offsets of entries.

Sniffers see only the first few kilobytes, which are usually not a complete
JSON document, so :func:`json.loads` cannot tell a Keras History from a model
config. :func:`scan` tokenises as far as the text goes and records the
outline of the first two levels: the top container, its keys and the kind of
each value, the keys of nested objects and the first items of nested arrays,
and whether a second document follows the first (JSON Lines). The Hugging
Face reader also uses it on the whole file to find the line of each
``log_history`` entry without a second parser.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

#: One JSON token: a complete string, a structural character, or a bare literal.
_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|[{}\[\]:,]|[^\s{}\[\]:,"]+')

#: At most this many items of a nested array are recorded.
MAX_ITEMS = 64

#: Bare literals that are numbers for Python's json module.
_NUMBER_LITERALS = frozenset({"NaN", "Infinity", "-Infinity"})


@dataclass
class JsonOutline:
    """What :func:`scan` saw of the first document.

    ``top`` is ``"object"``, ``"array"`` or None (not JSON, or a bare scalar).
    ``keys`` maps each top-level key to the kind of its value (``object``,
    ``array``, ``string``, ``number``, ``literal``). ``child_keys`` and
    ``child_items`` describe the top-level values one level down, labelled by
    their key, or by ``"[i]"`` for the i-th element of a top-level array:
    the keys of a nested object (with the start of each key's value: a scalar's
    text, or ``{``/``[``) and the first items of a nested array (string items
    decoded, literals as written). ``element_offsets`` gives the offset
    of each object inside the array under the requested key.
    """

    top: str | None = None
    keys: dict[str, str] = field(default_factory=dict)
    child_keys: dict[str, list[str]] = field(default_factory=dict)
    child_values: dict[str, dict[str, object]] = field(default_factory=dict)
    child_items: dict[str, list[object]] = field(default_factory=dict)
    complete: bool = False
    more_documents: bool = False
    element_offsets: list[int] = field(default_factory=list)


@dataclass
class _Frame:
    kind: str  # "object" or "array"
    label: str  # key or "[i]" under which the container sits in its parent
    expecting_key: bool = True
    key: str = ""
    elements: int = 0


def value_kind(token: str) -> str:
    """Name the kind of value a token starts: object, array, string, number or literal."""
    if token == "{":
        return "object"
    if token == "[":
        return "array"
    if token.startswith('"'):
        return "string"
    if token in _NUMBER_LITERALS or token[0] in "-0123456789":
        return "number"
    return "literal"


def scan(text: str, *, offsets_of: str | None = None) -> JsonOutline:
    """Outline the first JSON document in ``text``, tolerating a cut-off end.

    ``offsets_of`` names a top-level key whose array elements' offsets are
    wanted (``log_history``).
    """
    outline = JsonOutline()
    stack: list[_Frame] = []
    for match in _TOKEN.finditer(text):
        token = match.group()
        if outline.complete:
            outline.more_documents = True
            break
        if token in ":,":
            if token == "," and stack:
                frame = stack[-1]
                frame.expecting_key = frame.kind == "object"
                frame.elements += frame.kind == "array"
            continue
        if token in "}]":
            if stack:
                stack.pop()
            outline.complete = not stack
            continue
        parent = stack[-1] if stack else None
        if parent is not None and parent.kind == "object" and parent.expecting_key:
            parent.key = _decode(token) if token.startswith('"') else token
            parent.expecting_key = False
            if len(stack) == 2:
                outline.child_keys.setdefault(parent.label, []).append(parent.key)
            continue
        kind = value_kind(token)
        _record_value(outline, stack, kind, token, offsets_of, match.start())
        if kind in ("object", "array"):
            label = (
                "" if parent is None else parent.key if parent.kind == "object" else f"[{parent.elements}]"
            )
            stack.append(_Frame(kind, label))
        elif parent is None:
            outline.complete = True
    return outline


def _record_value(
    outline: JsonOutline, stack: list[_Frame], kind: str, token: str, offsets_of: str | None, offset: int
) -> None:
    """Note a value starting at depth ``len(stack)`` in the outline."""
    depth = len(stack)
    if depth == 0:
        outline.top = kind if kind in ("object", "array") else None
    elif depth == 1 and stack[0].kind == "object":
        outline.keys[stack[0].key] = kind
    elif depth == 2 and stack[1].kind == "object":
        values = outline.child_values.setdefault(stack[1].label, {})
        values[stack[1].key] = _decode(token) if kind == "string" else token
    elif depth == 2 and stack[1].kind == "array":
        items = outline.child_items.setdefault(stack[1].label, [])
        if len(items) < MAX_ITEMS:
            items.append(_decode(token) if kind == "string" else token)
        if kind == "object" and offsets_of is not None and stack[1].label == offsets_of:
            outline.element_offsets.append(offset)


def _decode(token: str) -> str:
    """Decode a JSON string token."""
    try:
        return str(json.loads(token))
    except ValueError:
        return token.strip('"')


def first_line_is_object(head: bytes) -> bool:
    """Whether the first non-blank character of ``head`` opens a JSON object or array."""
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return stripped[:1] in (b"{", b"[")


def head_text(head: bytes) -> str:
    """``head`` decoded for sniffing (UTF-8, BOM dropped, a cut multi-byte char replaced)."""
    return head.decode("utf-8-sig", errors="replace")
