"""report: turns an Analysis into text; performs no analysis, reads no logs, never imports pandas.

Every reporter of ``check`` is a pure function
``render(analysis: Analysis, options: RenderOptions) -> str`` (see
:mod:`loganalyzer.report.options`); only the CLI writes files or stdout.
:data:`FORMATS` is the one list of ``--format`` values: each names the module
that renders it, so a reader finds every format here, and the CLI builds its
choices from it without importing any reporter (``--help`` stays instant).
:data:`REPORTERS` maps the same names to the render functions, importing a
module the first time its format is asked for. ``inventory`` and ``rulebook``
serve other commands and are not in the registry.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING

from loganalyzer.report.options import DEFAULT_OPTIONS, RenderOptions

if TYPE_CHECKING:
    from loganalyzer.model.finding import Analysis

#: The shape every entry of :data:`REPORTERS` has.
Reporter = Callable[["Analysis", RenderOptions], str]

#: Every ``--format`` value of ``check``, in the order ``--help`` lists them, and its module.
FORMATS: dict[str, str] = {
    "text": "terminal",
    "concise": "concise",
    "json": "json",
    "sarif": "sarif",
    "junit": "junit",
    "github": "github",
    "gitlab": "gitlab",
    "markdown": "markdown",
}


class _Reporters(Mapping[str, Reporter]):
    """:data:`FORMATS` with each module's ``render``, imported on first use."""

    def __getitem__(self, name: str) -> Reporter:
        module = importlib.import_module(f"{__name__}.{FORMATS[name]}")
        render: Reporter = module.render
        return render

    def __iter__(self) -> Iterator[str]:
        return iter(FORMATS)

    def __len__(self) -> int:
        return len(FORMATS)


#: ``--format`` value -> render function.
REPORTERS: Mapping[str, Reporter] = _Reporters()

__all__ = ["DEFAULT_OPTIONS", "FORMATS", "REPORTERS", "RenderOptions", "Reporter"]
