"""The fast indented encoder writes exactly what ``json.dumps(indent=2, allow_nan=False)`` writes."""

from __future__ import annotations

import json
import math
from enum import IntEnum
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loganalyzer.report import indented_json

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
VALUES = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=5)
        | st.tuples(children, children)
        | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=40,
)


def stdlib(value: Any) -> str:
    return json.dumps(value, indent=2, allow_nan=False)


@settings(max_examples=400, derandomize=True, deadline=None)
@given(VALUES)
def test_the_same_text_as_the_standard_library(value: Any) -> None:
    assert indented_json.dumps(value) == stdlib(value)


class Level(IntEnum):
    LOW = 1


@pytest.mark.parametrize(
    "value",
    [
        {},
        [],
        {"a": {}, "b": [], "c": [{}]},
        {"é\u2028\x00": "\ud800 lone surrogate", "ctl": "\x1b[2J"},
        {"x": -0.0, "y": 1e308, "z": 5e-324, "n": 10**30},
        {1: "int key", None: "null key"},  # keys the fast path leaves to the standard library
        {"enum": Level.LOW, "subclass": type("S", (str,), {})("s")},
    ],
)
def test_edge_values(value: Any) -> None:
    assert indented_json.dumps(value) == stdlib(value)


def test_deeper_than_the_fast_path_goes_is_still_the_standard_librarys_text() -> None:
    value: Any = 1
    for _ in range(indented_json.MAX_DEPTH + 5):
        value = [value]
    assert indented_json.dumps(value) == stdlib(value)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_numbers_are_refused_like_the_standard_library(bad: float) -> None:
    with pytest.raises(ValueError):
        stdlib({"v": [bad]})
    with pytest.raises(ValueError):
        indented_json.dumps({"v": [bad]})


def test_an_unknown_type_raises_what_the_standard_library_raises() -> None:
    with pytest.raises(TypeError):
        indented_json.dumps({"v": object()})
