"""Lightning's ``hparams.yaml``: the hyperparameters ``CSVLogger`` writes next to ``metrics.csv``.

Read with PyYAML's ``safe_load`` only (nothing in a log is ever evaluated),
flattened to dotted scalar keys (``optimizer.lr``), so an audit can show
them as columns. A missing, unreadable or malformed file gives no
hyperparameters rather than an error: the metrics are the run, this is a
bonus.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

#: The file name Lightning's CSVLogger and TensorBoardLogger use.
HPARAMS_FILE = "hparams.yaml"
#: Larger files are not Lightning's few lines of hyperparameters; not read.
MAX_BYTES = 1 << 20
#: Nesting deeper than this is flattened no further.
MAX_DEPTH = 8

Scalar = str | int | float | bool | None


def beside(log: Path) -> dict[str, Scalar]:
    """The hyperparameters in ``hparams.yaml`` next to ``log`` (a ``metrics.csv``), or none."""
    if log.name != "metrics.csv":
        return {}
    return read(log.parent / HPARAMS_FILE)


def read(path: Path) -> dict[str, Scalar]:
    """Flattened scalar hyperparameters of one ``hparams.yaml``; empty when absent or malformed."""
    try:
        import yaml
    except ImportError:  # PyYAML is optional: without it there are simply no columns
        return {}
    try:
        if not path.is_file() or path.stat().st_size > MAX_BYTES:
            return {}
        document = yaml.safe_load(path.read_bytes())
    except (OSError, yaml.YAMLError, ValueError, RecursionError):
        return {}
    flat: dict[str, Scalar] = {}
    if isinstance(document, Mapping):
        _flatten(document, "", flat, 0)
    return dict(sorted(flat.items()))


def _flatten(mapping: Mapping[object, object], prefix: str, out: dict[str, Scalar], depth: int) -> None:
    for key, value in mapping.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and depth < MAX_DEPTH:
            _flatten(value, f"{name}.", out, depth + 1)
        elif value is None or isinstance(value, str | bool | int | float):
            out[name] = value
        else:
            out[name] = str(value)
