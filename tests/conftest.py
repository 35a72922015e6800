"""Shared test helpers: where the shared corpus lives, and an in-memory run builder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
FIXTURES = REPO / "fixtures"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="Rewrite golden files (tests/report/golden/) from the current output instead of comparing.",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    """True when golden files should be rewritten instead of compared (also LOGANALYZER_UPDATE_GOLDEN=1)."""
    return (
        bool(request.config.getoption("--update-golden"))
        or os.environ.get("LOGANALYZER_UPDATE_GOLDEN") == "1"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip tests marked ``shared`` with a clear reason when ../shared is not there."""
    if SHARED.is_dir():
        return
    skip = pytest.mark.skip(reason=f"{SHARED} is absent: the shared corpus and real logs are not available")
    for item in items:
        if "shared" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def shared_dir() -> Path:
    return SHARED
