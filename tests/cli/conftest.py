"""End-to-end tests of the command line.

Every test runs in its own empty working directory (``tmp_path``), so the
configuration discovery of ``check``/``explain`` never picks up a file from
the checkout or the machine.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from loganalyzer.engine.config import discover_config


@pytest.fixture(autouse=True)
def _isolated_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in an empty directory with no loganalyzer environment variables set."""
    monkeypatch.chdir(tmp_path)
    for variable in ("LOGANALYZER_FORMAT", "NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(variable, raising=False)
    found = discover_config(tmp_path)
    if found is not None:
        pytest.fail(f"{found[0]} above the test directory would change every result; remove it")
    return tmp_path
