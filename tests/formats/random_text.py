"""Generate text files that are not training logs, from what any machine with Python has.

Three kinds, in the proportions a real directory of files might hold them:
source code (the standard library's own ``.py`` files), prose (the
standard library's documentation rendered as plain text by :mod:`pydoc`, plus
licence and README texts under ``/usr/share`` when present), and data CSVs
whose columns are not training metrics (random tables of people, places,
prices and dates, written as ``.csv``, ``.txt`` and ``.log``). Deterministic
for a given seed and Python installation.
"""

from __future__ import annotations

import pydoc
import random
import sysconfig
from pathlib import Path

#: Column names of data sets (not metrics): what ``id,age,income`` tables use.
DATA_COLUMNS = (
    "id", "name", "age", "income", "city", "country", "price", "quantity", "date", "time", "timestamp",
    "latitude", "longitude", "temperature", "humidity", "sales", "revenue", "customer_id", "product",
    "category", "rating", "votes", "height", "weight", "score", "year", "month", "day", "zip", "status",
    "duration_days", "population", "area", "gdp", "volume", "open", "close", "high", "low", "label",
)  # fmt: skip

#: Modules whose import has side effects (prints, opens a browser or a window).
NOT_IMPORTED = frozenset({"this", "antigravity", "idlelib", "turtledemo", "turtle", "tkinter", "pydoc_data"})

#: Prose files outside Python, used when the machine has them.
SHARE_DIRS = (Path("/usr/share/common-licenses"), Path("/usr/share/doc"))


def source_files(rng: random.Random, count: int) -> list[tuple[str, str]]:
    """``count`` standard-library modules' source text."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    candidates = sorted(p for p in stdlib.rglob("*.py") if "site-packages" not in p.parts)
    chosen = rng.sample(candidates, min(count, len(candidates)))
    return [(f"src_{i}{rng.choice(['.py', '.txt', ''])}", p.read_text("utf-8", "replace")) for i, p in
            enumerate(chosen)]  # fmt: skip


def prose_files(rng: random.Random, count: int) -> list[tuple[str, str]]:
    """``count`` prose texts: pydoc renderings of stdlib modules, then licences and READMEs."""
    import sys

    names = sorted(n for n in sys.stdlib_module_names if not n.startswith("_") and n not in NOT_IMPORTED)
    texts: list[str] = []
    for name in rng.sample(names, len(names)):
        if len(texts) >= count * 2 // 3:
            break
        try:
            module = __import__(name)
            texts.append(pydoc.render_doc(module, renderer=pydoc.plaintext))
        except Exception:
            continue
    shared = sorted(
        p
        for d in SHARE_DIRS
        if d.is_dir()
        for p in d.rglob("*")
        if p.is_file() and p.suffix not in (".gz", ".png", ".svg") and p.stat().st_size < 200_000
    )
    for path in rng.sample(shared, min(len(shared), count - len(texts))):
        texts.append(path.read_text("utf-8", "replace"))
    return [(f"prose_{i}{rng.choice(['.txt', '.log', '.md', ''])}", t) for i, t in enumerate(texts)]


def data_csvs(rng: random.Random, count: int) -> list[tuple[str, str]]:
    """``count`` CSV tables of data-set columns with random values."""
    out = []
    for i in range(count):
        columns = rng.sample(DATA_COLUMNS, rng.randint(2, 8))
        separator = rng.choice([",", ";", "\t"])
        rows = [separator.join(columns)]
        for _ in range(rng.randint(1, 60)):
            rows.append(separator.join(_cell(rng, c) for c in columns))
        out.append((f"data_{i}{rng.choice(['.csv', '.txt', '.log', '.tsv'])}", "\n".join(rows) + "\n"))
    return out


def _cell(rng: random.Random, column: str) -> str:
    if column in ("name", "city", "country", "product", "category", "status", "label"):
        return rng.choice(["alpha", "beta", "Paris", "Lima", "ok", "failed", "red", "blue"])
    if column in ("date", "timestamp"):
        return f"2023-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    return f"{rng.uniform(0, 1000):.3f}"


def generate(directory: Path, *, seed: int = 0, total: int = 1000) -> list[Path]:
    """Write ``total`` non-log text files into ``directory`` and return their paths."""
    rng = random.Random(seed)
    n_source, n_prose = total * 4 // 10, total * 3 // 10
    files = source_files(rng, n_source)
    files += prose_files(rng, n_prose)
    files += data_csvs(rng, total - len(files))
    paths = []
    for name, text in files:
        path = directory / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths
