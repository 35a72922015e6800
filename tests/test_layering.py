"""The pipeline's layering holds: imports only go down, and reporters stay light.

Read from the source with ``ast`` (imports inside functions count too), so a
lazy import cannot sneak a dependency past the rule.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "loganalyzer"

#: What each layer may import from loganalyzer (besides itself). Higher layers come first.
ALLOWED = {
    "cli": {
        "api",
        "fleet",
        "engine",
        "report",
        "errors",
        "model",
        "export",
        "detectors",
        "ingest",
        "__init__",
    },
    "_launch": {"cli", "__init__"},
    "__main__": {"cli"},
    "api": {"fleet", "engine", "ingest", "detectors", "errors", "model", "__init__"},
    # `audit` (the fleet view of many runs) runs the per-run pipeline itself, not through api, so api can
    # expose audit(); the package is not named `audit` so that it cannot shadow the loganalyzer.audit function.
    "fleet": {"engine", "ingest", "detectors", "report", "errors", "model", "__init__"},
    "export": {"errors", "model", "report"},  # report._sanitize: one place escapes log text
    "engine": {"detectors", "errors", "model"},
    "report": {"errors", "model", "__init__"},  # __init__ only for __version__
    "detectors": {"model"},
    "ingest": {"errors", "model"},
    "model": {"errors"},
    "errors": set(),
    "__init__": {"api"},
}

#: Single modules allowed one import against the layers, with the reason.
EXCEPTIONS = {
    # Analysis._repr_html_ renders itself in Jupyter through the HTML reporter, lazily (as pandas frames
    # reach their formatters); nothing else in model may import report.
    ("model/finding.py", "loganalyzer.report.html"),
}

#: Third-party modules a layer must never import, even lazily.
FORBIDDEN = {
    "report": {"pandas", "scipy"},
    "model": {"scipy"},  # Run.to_frame imports pandas on demand; test_public_api checks check never does
    "ingest": {"pandas", "scipy"},
    "engine": {"pandas"},
    "fleet": {"scipy"},  # Audit.to_pandas imports pandas on demand
    "detectors": {"pandas"},
}


def layer_of(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            if node.module == "loganalyzer":
                names.update(f"loganalyzer.{alias.name}" for alias in node.names)
    return names


SOURCES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=[str(p.relative_to(PACKAGE)) for p in SOURCES])
def test_imports_respect_the_layers(path: Path) -> None:
    layer = layer_of(path)
    for module in imported_modules(path):
        if (path.relative_to(PACKAGE).as_posix(), module) in EXCEPTIONS:
            continue
        top = module.split(".")[0]
        if top == "loganalyzer":
            parts = module.split(".")
            # The package's own constants (__version__, REPOSITORY_URL ...) live in __init__.
            constant = len(parts) > 1 and (parts[1] == "__version__" or parts[1].isupper())
            target = parts[1] if len(parts) > 1 and not constant else "__init__"
            if target in ("_pack", "_rules"):
                continue
            assert target == layer or target in ALLOWED[layer], (
                f"{layer} must not import loganalyzer.{target}"
            )
        else:
            assert top not in FORBIDDEN.get(layer, set()), f"{layer} must not import {top}"


def test_every_layer_is_declared() -> None:
    assert {layer_of(p) for p in SOURCES} <= set(ALLOWED)


def module_name(path: Path) -> str:
    relative = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
    return ".".join(parts)


def resolved_imports(path: Path, known: set[str]) -> set[str]:
    """The loganalyzer modules ``path`` imports, ``from package import module`` resolved to the module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in known)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                if candidate in known:
                    found.add(candidate)
                elif node.module in known:
                    found.add(node.module)
    return found


def test_the_import_graph_has_no_cycle() -> None:
    """Modules import each other in one direction only, within a layer too (imports in functions count)."""
    modules = {module_name(path): path for path in SOURCES}
    known = set(modules)
    graph = {name: resolved_imports(path, known) - {name} for name, path in modules.items()}
    # A package's __init__ importing its own modules is how registries are built, not a cycle;
    # a module importing its package's __init__ back is. Drop the downward package -> member edges.
    for name in graph:
        graph[name] = {target for target in graph[name] if not target.startswith(name + ".")}
    # The declared exceptions are lazy imports inside one method (see EXCEPTIONS), not module edges.
    for name, path in modules.items():
        graph[name] -= {module for file, module in EXCEPTIONS if path.relative_to(PACKAGE).as_posix() == file}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                cycle = [*stack[stack.index(target) :], target]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if target not in state:
                visit(target)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
