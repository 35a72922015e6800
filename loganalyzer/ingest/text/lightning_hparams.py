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
#: At most this many keys are visited. YAML anchors let an 800-byte file name
#: the same mapping ten times at each of eight levels (10**8 keys once
#: flattened, the "billion laughs"); a real hparams.yaml has a few dozen, a
#: whole Hydra config a few hundred.
MAX_KEYS = 1_000

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
    """Dotted scalar keys of ``mapping`` into ``out``, depth first, visiting at most :data:`MAX_KEYS` keys."""
    budget = MAX_KEYS
    pending: list[tuple[Mapping[object, object], str, int]] = [(mapping, prefix, depth)]
    while pending:
        current, head, level = pending.pop()
        nested: list[tuple[Mapping[object, object], str, int]] = []
        for key, value in current.items():
            budget -= 1
            if budget < 0:
                return
            name = f"{head}{key}"
            if isinstance(value, Mapping) and level < MAX_DEPTH:
                nested.append((value, f"{name}.", level + 1))
            elif value is None or isinstance(value, str | bool | int | float):
                out[name] = value
            else:
                out[name] = str(value)
        pending.extend(reversed(nested))
