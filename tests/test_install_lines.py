"""Every install line of the README, run verbatim in a fresh venv, installs this project.

The README tells users ``pip install loganalyzer-ml`` (and the CI examples do the same); the
name ``loganalyzer`` on the package index belongs to an unrelated project. Each line is run as
written, in a fresh virtual environment, with pip pointed at a wheel built from this checkout
(``PIP_FIND_LINKS``), so the test proves the name in the line is this project's distribution
name: the installed command must be this version and carry this rule pack.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import venv
from pathlib import Path

import pytest

import loganalyzer

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"

pytestmark = pytest.mark.slow

#: ``pip install ...`` lines that install the published distribution (not ``.`` or ``-e``).
_INSTALL_LINE = re.compile(r"^\s*(?:-\s+run:\s+|-\s+)?(pip install [^\n#]*?)\s*(?:#.*)?$", re.M)


def install_lines() -> list[str]:
    lines = sorted({m.group(1).strip() for m in _INSTALL_LINE.finditer(README.read_text(encoding="utf-8"))})
    return [line for line in lines if " ." not in line and " -e " not in line]


def test_the_readme_names_the_distribution_everywhere() -> None:
    lines = install_lines()
    assert lines, "the README shows no install line"
    for line in lines:
        assert loganalyzer.DISTRIBUTION in line, line
    text = README.read_text(encoding="utf-8") + (REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    assert "<owner>" not in text and ".invalid" not in text
    assert re.search(
        r"pip install 'loganalyzer-ml\[parquet\]'", (REPO / "loganalyzer" / "export.py").read_text()
    )


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("build", reason="building the wheel needs the 'build' package (dev extra)")
    out = tmp_path_factory.mktemp("wheelhouse")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", os.fspath(out), os.fspath(REPO)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    return out


@pytest.mark.parametrize("line", install_lines())
def test_each_readme_install_line_installs_this_project(line: str, wheelhouse: Path, tmp_path: Path) -> None:
    environment = tmp_path / "venv"
    venv.create(environment, with_pip=True)
    bin_dir = environment / ("Scripts" if sys.platform == "win32" else "bin")
    env = {
        **os.environ,
        "PATH": os.fspath(bin_dir) + os.pathsep + os.environ.get("PATH", ""),
        "VIRTUAL_ENV": os.fspath(environment),
        "PIP_FIND_LINKS": os.fspath(wheelhouse),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    env.pop("PYTHONPATH", None)
    completed = subprocess.run(
        line, shell=True, env=env, capture_output=True, text=True, timeout=900, cwd=tmp_path
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    version = subprocess.run(
        [os.fspath(bin_dir / "loganalyzer"), "--version"], capture_output=True, text=True, env=env, check=True
    )
    assert version.stdout.strip() == f"loganalyzer {loganalyzer.__version__}"
    probe = (
        "import importlib.metadata as m, importlib.resources as r; "
        f"print(m.version('{loganalyzer.DISTRIBUTION}'), "
        "r.files('loganalyzer').joinpath('_rules').joinpath('OF001.toml').is_file())"
    )
    installed = subprocess.run(
        [os.fspath(bin_dir / "python"), "-c", probe],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        cwd=tmp_path,  # not the checkout: `python -c` would import its loganalyzer/ instead
    )
    assert installed.stdout.split() == [loganalyzer.__version__, "True"]
