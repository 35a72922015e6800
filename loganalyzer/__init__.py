"""loganalyzer: a static analyzer and linter for finished training logs.

The public API is small and lives in :mod:`loganalyzer.api`; it is imported
lazily so that ``loganalyzer --version`` and ``--help`` start without loading
NumPy or pandas.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: The distribution name to ``pip install`` (``loganalyzer`` on the index is another project);
#: the import package and the command stay ``loganalyzer``.
DISTRIBUTION = "loganalyzer-ml"

#: Where the source and the rule docs live. This is the one place to change when the repository
#: moves: SARIF ``informationUri``/``helpUri`` and the docs point here.
REPOSITORY_URL = "https://github.com/loganalyzer-ml/loganalyzer"

#: The rule reference generated from the pack (``docs/rules.md``); each rule has the anchor ``#<code>``.
RULES_DOC_URL = REPOSITORY_URL + "/blob/main/docs/rules.md"

if TYPE_CHECKING:
    from loganalyzer.api import analyze, audit, check, load_run, load_runs

__all__ = ["__version__", "analyze", "audit", "check", "load_run", "load_runs"]


def __getattr__(name: str) -> Any:
    """Resolve public API names on first use (PEP 562)."""
    if name in __all__:
        from loganalyzer import api

        return getattr(api, name)
    raise AttributeError(f"module 'loganalyzer' has no attribute {name!r}")
