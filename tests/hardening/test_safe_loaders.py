"""Nothing read from a log, a rule pack or a config is ever evaluated: no unsafe loader in the package.

Read with ``ast`` from the source, so a lazy import inside a function counts too.
Logs are parsed by ``json``, ``csv``, protobuf and NumPy; the pack and the
configuration by ``tomllib`` and ``json``; none of them runs code.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "loganalyzer"
SOURCES = sorted(PACKAGE.rglob("*.py"))

#: Calls that run code or build arbitrary objects from data.
FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__", "breakpoint"}
FORBIDDEN_MODULES = {"pickle", "marshal", "shelve", "dill", "cloudpickle", "jsonpickle", "runpy"}
#: PyYAML loaders that build arbitrary Python objects (``safe_load`` is the one allowed).
UNSAFE_YAML = {"load", "load_all", "full_load", "full_load_all", "unsafe_load", "unsafe_load_all"}


def _violations(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FORBIDDEN_CALLS:
            found.append(f"{node.func.id}() at line {node.lineno}")
        if isinstance(node, ast.Import):
            found += [f"import {a.name}" for a in node.names if a.name.split(".")[0] in FORBIDDEN_MODULES]
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in FORBIDDEN_MODULES:
            found.append(f"from {node.module} import ...")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr == "literal_eval":
                found.append(f"literal_eval at line {node.lineno}")
            owner = node.func.value
            if isinstance(owner, ast.Name) and owner.id == "yaml" and node.func.attr in UNSAFE_YAML:
                found.append(f"yaml.{node.func.attr} at line {node.lineno}")
    return found


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_no_unsafe_loader_or_evaluation(path: Path) -> None:
    assert _violations(path) == []


def test_the_check_finds_what_it_looks_for(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import pickle\nimport yaml\nyaml.load(x)\nyaml.safe_load(x)\neval('1')\n")
    assert len(_violations(bad)) == 3


def test_log_json_is_parsed_only_by_the_depth_checked_loader() -> None:
    # json.loads recurses per nesting level: a reader calling it directly on log text crashes
    # with RecursionError on a 100,000-deep document (the fuzzer found one in each new reader).
    allowed = {"ingest/text/files.py", "ingest/text/outline.py"}  # outline decodes one string token
    offenders = []
    for path in sorted((PACKAGE / "ingest").rglob("*.py")):
        if path.relative_to(PACKAGE).as_posix() in allowed:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in {"loads", "load"}
                and isinstance(node.value, ast.Name)
                and node.value.id == "json"
            ):
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert offenders == [], "use loganalyzer.ingest.text.files.load_json"
