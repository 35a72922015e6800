"""Reporter tests: the ``--update-golden`` switch.

Pytest reads options only from conftest files it loads at start-up, which
for this file means ``pytest tests/report --update-golden``. From the
repository root, ``LOGANALYZER_UPDATE_GOLDEN=1 pytest`` does the same.
"""

from __future__ import annotations

import os

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="Rewrite the golden files of tests/report/golden/ from the current reporters.",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    """True when golden files should be rewritten instead of compared."""
    try:
        flag = bool(request.config.getoption("--update-golden"))
    except ValueError:  # the option is unknown when this conftest was not loaded at start-up
        flag = False
    return flag or os.environ.get("LOGANALYZER_UPDATE_GOLDEN") == "1"
