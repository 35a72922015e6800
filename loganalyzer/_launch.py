"""Console-script entry point.

``loganalyzer --version`` is what pre-commit, CI logs and bug reports run
most, so it is answered before the command-line framework is imported;
everything else goes to :func:`loganalyzer.cli.main`.
"""

from __future__ import annotations

import sys


def main() -> None:
    """Run the ``loganalyzer`` command."""
    if sys.argv[1:] == ["--version"]:
        from loganalyzer import __version__

        sys.stdout.write(f"loganalyzer {__version__}\n")
        return
    from loganalyzer.cli import main as run_cli

    run_cli()
