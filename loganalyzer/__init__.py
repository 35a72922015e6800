"""loganalyzer: a static analyzer and linter for finished training logs.

The public API is small and lives in :mod:`loganalyzer.api`; it is imported
lazily so that ``loganalyzer --version`` and ``--help`` start without loading
NumPy or pandas.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from loganalyzer.api import analyze, audit, load_run, load_runs

__all__ = ["__version__", "analyze", "audit", "load_run", "load_runs"]


def __getattr__(name: str) -> Any:
    """Resolve public API names on first use (PEP 562)."""
    if name in __all__:
        from loganalyzer import api

        return getattr(api, name)
    raise AttributeError(f"module 'loganalyzer' has no attribute {name!r}")
