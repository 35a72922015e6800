"""What the caller decides about a report, as one frozen value.

Reporters are pure functions of ``(analysis, options)``. Everything that
depends on the environment (is stdout a TTY, is ``NO_COLOR`` set, which
version is running) is decided by the caller and passed in here, so the same
inputs always give byte-identical output and golden files stay stable.
"""

from __future__ import annotations

from dataclasses import dataclass

from loganalyzer import __version__


@dataclass(frozen=True)
class RenderOptions:
    """Switches shared by every reporter; a format ignores those that make no sense for it.

    ``verbose`` adds skipped rules (and reading notes) with their reasons;
    ``color`` allows ANSI escapes (only ``text`` and ``concise`` use it);
    ``statistics`` appends a per-rule count table (a ``statistics`` list in
    JSON, a rule table in Markdown); ``quiet`` keeps findings and errors but
    drops headers, summaries and "all checks passed" lines. ``tool_version``
    is printed by the formats that name the tool (JSON, SARIF); tests
    pin it so golden files do not change with every release. ``width`` is
    the column ``text`` wraps messages at (the caller passes the terminal's
    width; the default keeps library output and golden files stable).
    """

    verbose: bool = False
    color: bool = False
    statistics: bool = False
    quiet: bool = False
    tool_version: str = __version__
    width: int = 100


#: The options used when a caller passes none (library use, quick scripts).
DEFAULT_OPTIONS = RenderOptions()
