"""Values as strict JSON, the one way every output writes them.

JSON has no NaN or infinity, and logs are full of them (a diverged loss, a
metric that was never computed). Everywhere loganalyzer writes JSON (finding
evidence, run metadata, inventories, SARIF properties) a non-finite float
becomes ``null``, NumPy scalars become plain numbers, mapping keys become
strings in sorted order, and anything else that is not JSON-native becomes its
``str``. The walk is iterative, so a metadata value nested 100,000 deep (an
untrusted log can hold one) cannot exhaust the interpreter's stack.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

JsonValue = None | bool | int | float | str | list["JsonValue"] | dict[str, "JsonValue"]


def json_scalar(value: Any) -> Any:
    """One non-container value as strict JSON: NumPy unwrapped, non-finite -> None, unknown -> str."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def json_value(value: Any) -> JsonValue:
    """``value`` (mappings, sequences and scalars, nested to any depth) as strict JSON."""
    if not isinstance(value, Mapping | list | tuple):
        return json_scalar(value)  # type: ignore[no-any-return]
    root: list[JsonValue] = []
    # Each task fills one container slot: (source value, the list/dict to fill, key or index).
    pending: list[tuple[Any, list[JsonValue] | dict[str, JsonValue], int | str]] = [(value, root, 0)]
    root.append(None)
    while pending:
        source, target, slot = pending.pop()
        converted: JsonValue
        if isinstance(source, Mapping):
            converted = {}
            for key, item in sorted(source.items(), key=lambda pair: str(pair[0])):
                converted[str(key)] = None
                pending.append((item, converted, str(key)))
        elif isinstance(source, list | tuple):
            converted = [None] * len(source)
            pending.extend((item, converted, index) for index, item in enumerate(source))
        else:
            converted = json_scalar(source)
        target[slot] = converted  # type: ignore[index]
    return root[0]
