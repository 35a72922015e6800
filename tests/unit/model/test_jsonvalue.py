"""Every JSON output writes values one way: strict JSON, non-finite numbers as null, any depth."""

from __future__ import annotations

import json
import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from loganalyzer.model.jsonvalue import json_scalar, json_value


def test_non_finite_numbers_are_null_and_numpy_scalars_plain() -> None:
    value = {"b": [math.nan, math.inf, -math.inf], "a": np.float32(0.5), "c": np.int64(3), 1: "x"}
    assert json_value(value) == {"1": "x", "a": 0.5, "b": [None, None, None], "c": 3}
    assert list(json_value(value)) == ["1", "a", "b", "c"]  # type: ignore[arg-type]
    assert json_scalar(np.float64("nan")) is None
    assert json_scalar(object).startswith("<class")


def test_nesting_depth_never_exhausts_the_stack() -> None:
    deep: object = 1.0
    for _ in range(100_000):
        deep = [deep]
    converted = json_value(deep)
    for _ in range(100_000):
        assert isinstance(converted, list) and len(converted) == 1
        converted = converted[0]
    assert converted == 1.0


json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4),
    max_leaves=30,
)


@given(json_like)
def test_output_is_always_strict_json(value: object) -> None:
    text = json.dumps(json_value(value), allow_nan=False, sort_keys=False)
    assert json.loads(text) == json_value(value)
