"""Which column and key names make a table a training log, for the text readers' sniffers.

A CSV of dataset features (``id,age,income``) and a training log share their
syntax; only the names tell them apart. A name counts as a *metric* when one
of its word tokens is a quantity people track while training (``loss``,
``acc``, ``lr``, ``mae``, ``auc``, ``mAP50`` ...), and as an *index* when it is
the epoch or step counter. A table is taken for a training log when its names
show either

* an index plus at least one metric (``epoch,loss``; Lightning ``step,train_acc``),
* a metric that names its split (``val_loss``, ``train/box_loss``, ``eval_wer``), or
* two metrics of which one is a loss (``loss,accuracy`` from ``to_csv(index=False)``), or
* an epoch counter and a per-epoch duration (``epoch,epoch_time``: only the time rules apply).

so that a data set with a single ``loss`` column (Kaggle's Allstate claims)
is still not a log. The same test serves CSV headers and JSON Lines keys. A
JSON History is recognised by its shape first (a dict of numeric lists, a
pandas orient), so there a loss or accuracy name is enough
(:func:`is_loss_or_accuracy`): a train-only History holds nothing but ``loss``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from loganalyzer.ingest.naming import SPLIT_WORDS, canonical_quantity
from loganalyzer.model.run import Quantity

#: Names (lower case, stripped) of the epoch counter column or key.
EPOCH_NAMES = frozenset({"epoch"})

#: Names of a step counter: Lightning and HF ``step``, W&B ``_step``, common spellings.
STEP_NAMES = frozenset({"step", "global_step", "iteration", "iter", "_step", "trainer/global_step"})

#: Word tokens that mark a training metric.
METRIC_TOKENS = frozenset(
    {
        "loss", "losses", "acc", "accuracy", "lr", "learning", "mae", "mse", "rmse", "auc", "f1",
        "precision", "recall", "top1", "top5", "perplexity", "ppl", "wer", "cer", "bleu", "dice",
        "iou", "jaccard", "r2", "map", "nll", "xent", "crossentropy",
    }
)  # fmt: skip

#: Token shapes that mark a metric (``mAP50``, ``valloss``, ``acc1``, ``top1acc``), kept tight
#: so that ``account`` or ``topic`` do not count.
_METRIC_TOKEN_SHAPE = re.compile(r"\w*loss\w*|acc\d*|\w+acc|\w*accuracy\w*|map\d*|top\d+\w*")

_TOKEN_SPLIT = re.compile(r"[^a-z0-9]+")


def tokens(name: str) -> list[str]:
    """Lower-case word tokens of ``name`` (``"train/box_loss"`` -> ``["train", "box", "loss"]``)."""
    return [t for t in _TOKEN_SPLIT.split(name.lower()) if t]


def index_kind(name: str) -> str | None:
    """``"epoch"`` or ``"step"`` when ``name`` is that counter, else None."""
    lowered = name.strip().lower()
    if lowered in EPOCH_NAMES:
        return "epoch"
    if lowered in STEP_NAMES:
        return "step"
    return None


def is_metric_name(name: str) -> bool:
    """Whether ``name`` reads like a tracked training quantity."""
    return any(token in METRIC_TOKENS or _METRIC_TOKEN_SHAPE.fullmatch(token) for token in tokens(name))


def is_loss_or_accuracy(name: str) -> bool:
    """Whether ``name`` is a loss or an accuracy, which every Keras History has one of."""
    return any("loss" in token or token.startswith("acc") or token.endswith("acc") for token in tokens(name))


def names_split(name: str) -> bool:
    """Whether ``name`` carries a split word as one of its tokens (``val_loss``, ``train/acc``)."""
    return any(token in SPLIT_WORDS for token in tokens(name))


def looks_like_training_log(names: Iterable[str], *, has_index: bool = False) -> bool:
    """Whether column or key ``names`` are those of a training log (see the module docstring).

    ``has_index`` says the caller already knows of an index column that has
    no name of its own (the blank first cell of a pandas ``to_csv`` header).
    """
    metrics: list[str] = []
    epoch_counter = duration = False
    for name in names:
        kind = index_kind(name)
        if kind is not None:
            has_index = True
            epoch_counter = epoch_counter or kind == "epoch"
        elif is_metric_name(name):
            metrics.append(name)
        elif canonical_quantity(name) == Quantity.EPOCH_TIME:
            # A run whose loss was not logged can still be judged on its epoch times.
            duration = True
    if not metrics:
        return epoch_counter and duration
    if has_index or any(names_split(m) for m in metrics):
        return True
    return len(metrics) >= 2 and any("loss" in m.lower() for m in metrics)
