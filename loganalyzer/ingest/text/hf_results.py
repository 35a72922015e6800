"""Reader for Hugging Face ``train_results.json``, ``eval_results.json`` and ``all_results.json``.

``Trainer.save_metrics`` writes one flat object of end-of-run numbers
(``train_loss`` is the average over the whole run, ``eval_loss`` the last
evaluation, ``*_runtime`` and throughput figures). They are facts about a
finished run, not a curve: read as series they would be one-point runs that
no rule can judge. So they are recognised (never reported as unread) and
become metadata; :func:`loganalyzer.ingest.load_runs` attaches them to the run
read from the same directory (usually ``trainer_state.json``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from loganalyzer.errors import InputError
from loganalyzer.ingest.build import RunParts
from loganalyzer.ingest.source import LogSource, ReadOptions
from loganalyzer.ingest.text import outline
from loganalyzer.ingest.text.files import read_json

FORMAT = "hf-results"

#: File names ``Trainer.save_metrics`` writes.
FILE_NAMES = frozenset(
    {
        "train_results.json",
        "eval_results.json",
        "all_results.json",
        "test_results.json",
        "predict_results.json",
    }
)

#: Key prefixes of ``save_metrics`` (``train_``, ``eval_``, ``test_``, ``predict_``) and ``epoch``.
PREFIXES = ("train_", "eval_", "test_", "predict_", "epoch", "total_flos")


def sniff(path: Path, head: bytes) -> bool:
    """A save_metrics file name (or a name ending in one) holding a flat object under its prefixes."""
    if not path.name.endswith(tuple(FILE_NAMES)) or not outline.first_line_is_object(head):
        return False
    shape = outline.scan(outline.head_text(head))
    return (
        shape.top == "object"
        and bool(shape.keys)
        and all(kind in ("number", "string", "literal") for kind in shape.keys.values())
        and all(key.startswith(PREFIXES) for key in shape.keys)
    )


def read(source: LogSource, options: ReadOptions) -> list[RunParts]:
    """The whole object as metadata of a run without series."""
    del options  # nothing to tune for this format
    path = source.paths[0]
    _, data = read_json(path, source.name)
    if not isinstance(data, dict):
        raise InputError(source.name, "not a Hugging Face results file: the top level is not an object")
    metadata: dict[str, Any] = {"hf_results": {path.name: data}}
    return [RunParts(name=source.name, format=FORMAT, sources=[str(path)], metadata=metadata)]
