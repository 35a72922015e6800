"""Fill a rule's message template so it reads like a report, not like Python.

Templates live in the rule files (``message = "..."``); this module is their
whole syntax, small on purpose:

``{name}`` / ``{name:spec}``
    An evidence value (or a context field: ``metric``, ``raw_metric``, ``run``,
    ``axis`` and ``per_step``, see :data:`CONTEXT_FIELDS`). Without a spec a number prints with
    up to 4 significant digits and an integral float as an integer (epoch
    14, not 14.0). ``spec`` is a Python format spec (``.3g``, ``+.1f``, with
    the same integral rule and never ``-0``) or one of the kinds below.
``{name:pct}`` / ``{name:+pct}``
    A value already in percent, with the digits that matter: ``-99.6%`` (never
    rounded to ``-100%``), ``17%``, ``3.9%``, ``0.42%``; a value that rounds to
    zero is ``0%`` (never ``-0.0%``). ``+pct`` writes the sign.
``{name:frac}``
    A fraction shown as a percentage (``0.5`` is ``50%``).
``{name:seconds}``
    A duration in seconds, in s, min or h, whichever reads best.
``{name:memory}``
    A memory amount in the unit of the series (``MB`` when its raw name says
    ``mb`` ...), switched to GB past 1024 MB; a bare number when the unit is
    unknown.
``{name:nonfinite}``
    A kind of non-finite value (``nan``, ``inf``) as prose: ``NaN``, ``infinite``.
``{name:count:word}`` or ``{name:count:word/words}``
    A count with its noun in agreement: ``1 jump``, ``3 jumps``;
    ``{name:count:=other}`` takes the noun from the field ``other``
    (``{slow_count:count:=unit}``: ``2 epochs``).
``{name?}`` / ``{name!}``
    A condition: prints nothing; the clause around it is kept only when the
    value is true (``?``) or false (``!``).
``[ ... ]``
    An optional clause (may nest): left out as a whole when a value in it is
    missing (None or NaN) or a condition in it fails.

A value outside every clause that is missing prints as ``unknown`` (a
template should put such values in a clause); a boolean outside a condition
prints as ``yes``/``no``. ``True``, ``False``, ``None``, ``nan`` and ``n/a``
never reach a message. ``{{`` and ``}}`` are literal braces; square brackets
always mark clauses (write parentheses in prose).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

#: Fields the engine adds to every finding's evidence for its template: the canonical key, the
#: raw name as the user knows it (with its split directory when the name alone does not say it),
#: the run, ``axis`` (``epoch`` when the series has one point per epoch, else ``step``: the word
#: for its step numbers) and ``per_step`` (true when points are steps with known epochs).
CONTEXT_FIELDS = frozenset({"metric", "raw_metric", "run", "axis", "per_step"})

#: A value no template prints: the clause around it is dropped.
_MISSING_WORD = "unknown"

#: How ``{kind:nonfinite}`` spells the kinds of non-finite values a detector names.
_NON_FINITE_WORDS = {"nan": "NaN", "inf": "infinite", "+inf": "infinite", "-inf": "negative infinite"}

#: Integral floats below this print as integers (epoch 14); larger ones keep their precision.
_INTEGRAL_LIMIT = 1e6

_FIELD = re.compile(r"\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?P<cond>[?!])?(?::(?P<spec>[^{}]*))?\}")


class TemplateError(ValueError):
    """A message template that does not follow the syntax above."""


class _Dropped(Exception):
    """Internal: the current optional clause is left out."""


@dataclass(frozen=True)
class _Field:
    name: str
    condition: str | None
    spec: str


@dataclass(frozen=True)
class _Clause:
    parts: tuple[str | _Field | _Clause, ...]


def template_fields(template: str) -> list[str]:
    """The names a template refers to, in order (raises :class:`TemplateError` when malformed)."""
    return [field.name for field in _walk(_parse(template))]


def render(template: str, values: Mapping[str, Any], *, memory_unit: str | None = None) -> str:
    """Fill ``template`` from ``values``; a name absent from ``values`` raises KeyError."""
    clause = _parse(template)
    text = _render_parts(clause.parts, values, memory_unit, optional=False)
    return re.sub(r" {2,}", " ", text).strip()


# ---------------------------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------------------------


def _parse(template: str) -> _Clause:
    stack: list[list[str | _Field | _Clause]] = [[]]
    index = 0
    literal: list[str] = []

    def flush() -> None:
        if literal:
            stack[-1].append("".join(literal))
            literal.clear()

    while index < len(template):
        char = template[index]
        pair = template[index : index + 2]
        if pair in ("{{", "}}"):
            literal.append(char)
            index += 2
            continue
        if char == "{":
            match = _FIELD.match(template, index)
            if match is None:
                raise TemplateError(f"malformed field at character {index}: {template[index : index + 30]!r}")
            flush()
            stack[-1].append(_Field(match["name"], match["cond"], match["spec"] or ""))
            index = match.end()
            continue
        if char == "}":
            raise TemplateError(f"single '}}' at character {index}")
        if char == "[":
            flush()
            stack.append([])
        elif char == "]":
            if len(stack) == 1:
                raise TemplateError(f"']' without '[' at character {index}")
            flush()
            inner = stack.pop()
            stack[-1].append(_Clause(tuple(inner)))
        else:
            literal.append(char)
        index += 1
    if len(stack) != 1:
        raise TemplateError("'[' without ']'")
    flush()
    return _Clause(tuple(stack[0]))


def _walk(clause: _Clause) -> Iterator[_Field]:
    for part in clause.parts:
        if isinstance(part, _Field):
            yield part
        elif isinstance(part, _Clause):
            yield from _walk(part)


# ---------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------


def _render_parts(
    parts: tuple[str | _Field | _Clause, ...], values: Mapping[str, Any], unit: str | None, *, optional: bool
) -> str:
    out: list[str] = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
        elif isinstance(part, _Clause):
            try:
                out.append(_render_parts(part.parts, values, unit, optional=True))
            except _Dropped:
                continue
        else:
            out.append(_render_field(part, values, unit, optional=optional))
    return "".join(out)


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and not math.isfinite(value))


def _render_field(field: _Field, values: Mapping[str, Any], unit: str | None, *, optional: bool) -> str:
    value = values[field.name]
    if field.condition is not None:
        failed = _is_missing(value) or bool(value) != (field.condition == "?")
        if failed and optional:
            raise _Dropped
        return ""  # a failed condition outside any clause has nothing to drop
    if _is_missing(value):
        if optional:
            raise _Dropped
        return _MISSING_WORD
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return _NON_FINITE_WORDS.get(value.lower(), value) if field.spec == "nonfinite" else value
    spec = field.spec
    if spec.startswith("count:="):
        # The noun is another field's value (``{slow_count:count:=unit}``: 2 epochs, 1 step).
        spec = "count:" + str(values[spec[len("count:=") :]])
    return format_number(value, spec, memory_unit=unit)


def format_number(value: float | int, spec: str = "", *, memory_unit: str | None = None) -> str:
    """Spell one number by a template spec (see the module docstring)."""
    kind, _, argument = spec.partition(":")
    if kind in ("pct", "+pct"):
        return percent(float(value), signed=kind == "+pct")
    if kind == "frac":
        return percent(100.0 * float(value))
    if kind == "seconds":
        return duration(float(value))
    if kind == "memory":
        return memory(float(value), memory_unit)
    if kind == "count":
        return count(value, argument)
    if not spec:
        return significant(value, 4)
    if isinstance(value, float) and value.is_integer() and abs(value) < _INTEGRAL_LIMIT and spec[-1:] in "gf":
        # An integral float (epoch 14.0) reads as an integer whatever precision was asked for.
        sign = "+" if spec.startswith("+") and value > 0 else ""
        return sign + str(int(value))
    text = format(value, spec)
    return _no_negative_zero(text)


def significant(value: float | int, digits: int) -> str:
    """``value`` with up to ``digits`` significant digits, integers as integers, no exponent below 1e7."""
    if isinstance(value, int) or (
        isinstance(value, float) and value.is_integer() and abs(value) < _INTEGRAL_LIMIT
    ):
        return str(int(value))
    magnitude = abs(value)
    if 1e-3 <= magnitude < 1e7:
        decimals = max(digits - 1 - math.floor(math.log10(magnitude)), 0)
        text = f"{value:.{decimals}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return _no_negative_zero(text)
    return _no_negative_zero(f"{value:.{digits}g}")


def percent(value: float, *, signed: bool = False) -> str:
    """A percentage with the digits that matter; never ``-0%``, never rounded onto ±100%."""
    magnitude = abs(value)
    if magnitude >= 10:
        decimals = 0
        # -99.6 must not read as -100: keep a decimal while rounding would reach a round hundred.
        while decimals < 3 and round(magnitude, decimals) % 100 == 0 and magnitude % 100 != 0:
            decimals += 1
    elif magnitude >= 1:
        decimals = 1
    elif magnitude > 0:
        decimals = min(max(1 - math.floor(math.log10(magnitude)), 1), 2)  # below 0.005% reads as 0%
    else:
        decimals = 0
    text = f"{magnitude:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if float(text) == 0:
        return "0%"
    sign = "-" if value < 0 else ("+" if signed else "")
    return f"{sign}{text}%"


def duration(seconds: float) -> str:
    """Seconds as ``2.7 s``, ``3.5 min`` or ``1.2 h``."""
    magnitude = abs(seconds)
    if magnitude >= 5400:
        return f"{significant(seconds / 3600, 3)} h"
    if magnitude >= 90:
        return f"{significant(seconds / 60, 3)} min"
    return f"{significant(seconds, 3)} s"


#: Memory units and their size in bytes, as raw names spell them.
MEMORY_UNITS = {
    "b": 1,
    "bytes": 1,
    "kb": 2**10,
    "kib": 2**10,
    "mb": 2**20,
    "mib": 2**20,
    "gb": 2**30,
    "gib": 2**30,
}
_UNIT_LABEL = {1: "bytes", 2**10: "KB", 2**20: "MB", 2**30: "GB"}


def memory_unit_of(raw_name: str, magnitude: float) -> str | None:
    """The unit of a memory series: from its raw name (``rss_mb``), else bytes when the values are huge."""
    words = re.split(r"[^a-z]+", raw_name.lower())
    for word in reversed(words):
        if word in MEMORY_UNITS:
            return _UNIT_LABEL[MEMORY_UNITS[word]]
    if magnitude >= 2**20:  # a million or more: nobody logs megabytes in the millions
        return "bytes"
    return None


def memory(value: float, unit: str | None) -> str:
    """A memory amount in its unit, moved up to GB (or MB) when large; a bare number without a unit."""
    if unit is None:
        return significant(value, 4)
    scale = {label: size for size, label in _UNIT_LABEL.items()}[unit]
    size = value * scale
    for step in (2**30, 2**20, 2**10):
        if abs(size) >= step:
            return f"{significant(size / step, 4)} {_UNIT_LABEL[step]}"
    return f"{significant(size, 4)} bytes"


def count(value: float | int, nouns: str) -> str:
    """``1 jump`` / ``3 jumps``; ``nouns`` is ``word`` or ``word/plural``."""
    singular, _, many = nouns.partition("/")
    number = int(value) if float(value).is_integer() else value
    noun = singular if number == 1 else (many or singular + "s")
    return f"{significant(number, 4)} {noun}" if noun else significant(number, 4)


def _no_negative_zero(text: str) -> str:
    return text[1:] if text.startswith("-") and float(re.sub(r"[^0-9.e+-]", "", text) or 0) == 0 else text
