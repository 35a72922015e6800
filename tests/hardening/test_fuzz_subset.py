"""A seeded few hundred cases of bench/fuzz.py, run by Hypothesis in the test suite.

The mutators and the per-case runner are the fuzzer's own (loaded from
``bench/fuzz.py``), so what the suite checks is what the long run checks:
every reader, ``check``'s pipeline rendered in every format (JSON, SARIF and
GitLab parsed strictly, JUnit parsed as XML), no exception, no detector crash
and no warning reaching stderr. Hypothesis picks the case numbers; the
derandomised profile makes the run the same every time. Seeds are the
fixtures only, so the suite does not depend on ``../shared``.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

REPO = Path(__file__).resolve().parents[2]


def _load_fuzz() -> ModuleType:
    spec = importlib.util.spec_from_file_location("loganalyzer_bench_fuzz", REPO / "bench" / "fuzz.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve their module by name
    spec.loader.exec_module(module)
    return module


fuzz = _load_fuzz()
SEEDS = fuzz.load_seeds((REPO / "fixtures",))

CASES = settings(
    max_examples=100,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def _run(family: str, index: int, tmp_path_factory: pytest.TempPathFactory) -> None:
    mutations, name, data = fuzz.make_case(SEEDS, family, 20_261_204, index)
    directory = tmp_path_factory.mktemp(family)
    path = directory / name
    path.write_bytes(data)
    result = fuzz.run_case(path)
    assert result.outcome not in fuzz.BAD_OUTCOMES, (
        f"--family {family} --only {index} ({mutations}): {result.signature}\n{result.detail}"
    )


def test_every_family_has_fixture_seeds() -> None:
    assert all(SEEDS[family] for family in fuzz.FAMILIES)


@pytest.mark.slow
@CASES
@given(index=st.integers(min_value=0, max_value=10**9))
def test_tensorboard_cases(index: int, tmp_path_factory: pytest.TempPathFactory) -> None:
    _run("tensorboard", index, tmp_path_factory)


@pytest.mark.slow
@CASES
@given(index=st.integers(min_value=0, max_value=10**9))
def test_csv_cases(index: int, tmp_path_factory: pytest.TempPathFactory) -> None:
    _run("csv", index, tmp_path_factory)


@pytest.mark.slow
@CASES
@given(index=st.integers(min_value=0, max_value=10**9))
def test_json_cases(index: int, tmp_path_factory: pytest.TempPathFactory) -> None:
    _run("json", index, tmp_path_factory)
