"""The public facade exports exactly what it documents, lazily."""

from __future__ import annotations

import subprocess
import sys

import loganalyzer


def test_all_is_sorted_and_resolves() -> None:
    assert loganalyzer.__all__ == sorted(loganalyzer.__all__, key=str.lower)
    for name in loganalyzer.__all__:
        assert getattr(loganalyzer, name) is not None


def test_importing_the_package_loads_no_numpy() -> None:
    code = "import sys, loganalyzer; print('numpy' in sys.modules, 'pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_cli_help_and_version_load_no_numpy_or_pandas() -> None:
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from loganalyzer.cli import app\n"
        "assert CliRunner().invoke(app, ['--help']).exit_code == 0\n"
        "print(sorted(m for m in ('numpy', 'pandas', 'scipy') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_check_on_a_csv_does_not_import_pandas_or_scipy(tmp_path) -> None:  # type: ignore[no-untyped-def]
    log = tmp_path / "training.log"
    log.write_text(
        "epoch,loss,val_loss\n" + "".join(f"{i},{1 / (i + 1)},{1.1 / (i + 1)}\n" for i in range(20))
    )
    code = (
        "import sys\n"
        "from loganalyzer.cli import main\n"
        f"sys.argv = ['loganalyzer', 'check', {str(log)!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('pandas', 'scipy', 'google.protobuf') if m in sys.modules), file=sys.stderr)\n"
    )
    err = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stderr
    assert err.strip().splitlines()[-1] == "[]"


def test_one_version_everywhere() -> None:
    """pyproject, ``__version__`` and the audit cache's key agree (a stale key would serve old results)."""
    import tomllib

    from loganalyzer.fleet.core import tool_version
    from tests.conftest import REPO

    declared = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    assert declared == loganalyzer.__version__ == tool_version()
