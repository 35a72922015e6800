"""Map raw tag and column names to canonical metric keys.

The mapping is three small tables read top to bottom: split markers, level
markers (epoch-level or step-level variants of one metric) and quantity
aliases. A raw name is taken apart as ``[level][split]<quantity>[split][level]``, or
``<head>_<split>_<quantity>`` for multi-head models (``reg_val_loss``)
(``epoch_loss``, ``val_loss``, ``Loss/train``, ``train_loss_step``,
``evaluation_loss_vs_iterations``), the quantity is looked up in the alias
table, and anything unrecognised keeps its own name, so no metric is dropped.

A name without a split marker takes the split of its directory (Keras writes
``train/`` and ``validation/``) and otherwise counts as training data, which is
what Keras, Lightning, Hugging Face and PyTorch habits all mean by a bare
``loss`` or ``lr``. Names under a split-neutral namespace (``system/``,
``metrics/``) are ``unknown``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from loganalyzer.model.run import MetricKey, Quantity, Split

#: Words that name a split, as whole segments of a raw name.
SPLIT_WORDS: Mapping[str, Split] = {
    "train": Split.TRAIN,
    "training": Split.TRAIN,
    "trn": Split.TRAIN,
    "val": Split.VALIDATION,
    "valid": Split.VALIDATION,
    "validation": Split.VALIDATION,
    "eval": Split.VALIDATION,
    "evaluation": Split.VALIDATION,
    "test": Split.TEST,
    "testing": Split.TEST,
}

#: Leading namespaces that say nothing about the split (``system/rss_mb``).
NEUTRAL_NAMESPACES = frozenset({"system", "sys", "hardware", "perf", "metrics", "metric", "charts"})

#: Quantity aliases, tried in order on the normalised remainder of a name
#: (lower case, separators turned into ``_``).
QUANTITY_ALIASES: tuple[tuple[Quantity, re.Pattern[str]], ...] = (
    (Quantity.LOSS, re.compile(r"(loss|losses|total_loss|loss_total|objective|cost)")),
    (
        Quantity.ACCURACY,
        re.compile(r"(acc|accu|accuracy|categorical_accuracy|sparse_categorical_accuracy|binary_accuracy)"),
    ),
    (
        Quantity.LEARNING_RATE,
        re.compile(r"((\w+_)?(lr|learning_rate|learningrate)(_?pg)?\d*|learning_rate_\w+)"),
    ),
    (
        Quantity.EPOCH_TIME,
        re.compile(
            r"(epoch_time|epoch_duration|epoch_seconds|epoch_time_s|epoch_time_sec|time|duration"
            r"|time_sec|time_s|seconds|elapsed|runtime|\w+_runtime)"
        ),
    ),
    (
        Quantity.MEMORY,
        re.compile(
            r"(memory\w*|\w*_memory\w*|\w*rss\w*|gpu_mem\w*|\w*memory_allocated\w*|mem|mem_mb|mem_gb)"
        ),
    ),
)


#: The quantity of a series whose raw name is blank.
UNNAMED_QUANTITY = "(unnamed)"

#: Words after ``batch_``/``epoch_`` that make a setting, not a per-level metric (``batch_size``).
NOT_A_LEVEL_PREFIX = frozenset({"size", "idx", "index", "id", "count", "num", "number"})

_PARAMETER_GROUP = re.compile(r"(\d+)$")


class Level:
    """Priority of a name's variant when two names map to the same key (lower wins)."""

    OVERRIDE = -1  # mapped explicitly by the user
    EPOCH = 0  # epoch_loss, loss_epoch: one value per epoch
    PLAIN = 1  # loss
    STEP = 2  # batch_loss, loss_step, evaluation_loss_vs_iterations


_SEPARATORS = r"[/_.\-\s]+"
_SPLIT_ALTERNATION = "|".join(sorted(SPLIT_WORDS, key=len, reverse=True))
_SPLIT_PREFIX = re.compile(rf"^({_SPLIT_ALTERNATION}){_SEPARATORS}(.+)$", re.IGNORECASE)
# The head before a separator run must end on a non-separator: with a bare ``(.+?)`` the
# head and the run could share a long run of separators in every way, which made a
# 5,000-underscore tag take seconds (cubic backtracking); now each match attempt is linear.
_HEAD = r"(.*?[^/_.\-\s])"
_SPLIT_SUFFIX = re.compile(rf"^{_HEAD}{_SEPARATORS}({_SPLIT_ALTERNATION})$", re.IGNORECASE)
_SPLIT_INTERIOR = re.compile(rf"^{_HEAD}{_SEPARATORS}({_SPLIT_ALTERNATION}){_SEPARATORS}(.+)$", re.IGNORECASE)
_KERAS_EVALUATION = re.compile(r"^evaluation_(.+)_vs_iterations$", re.IGNORECASE)
_LEVEL_PREFIX = re.compile(r"^(epoch|batch)_(.+)$", re.IGNORECASE)
_LEVEL_SUFFIX = re.compile(r"^(.+?)_(epoch|step)$", re.IGNORECASE)
_NAMESPACE = re.compile(r"^([A-Za-z]+)/(.+)$")


@dataclass(frozen=True)
class Resolved:
    """The outcome of resolving one raw name."""

    key: MetricKey
    level: int


def normalise(text: str) -> str:
    """Lower-case ``text`` and turn every run of separators into one ``_``."""
    return re.sub(_SEPARATORS, "_", text.strip().lower()).strip("_")


def canonical_quantity(remainder: str) -> str:
    """The canonical quantity for a name stripped of split and level markers."""
    normalised = normalise(remainder)
    for quantity, pattern in QUANTITY_ALIASES:
        if pattern.fullmatch(normalised):
            if quantity is Quantity.LEARNING_RATE:
                return _learning_rate_group(normalised)
            return quantity.value
    # A blank tag or column name ("", " ") still needs a quantity a key can be parsed back from.
    return remainder if remainder.strip() else UNNAMED_QUANTITY


def _learning_rate_group(normalised: str) -> str:
    """``lr``/``lr0``/``lr/pg0`` -> ``learning_rate``; ``lr1``/``lr/pg2`` -> ``learning_rate_pg1``/``_pg2``.

    YOLO-style logs carry one learning rate per parameter group; the first
    group is the learning rate, the others keep their group number instead of
    colliding with it.
    """
    group = _PARAMETER_GROUP.search(normalised)
    if group is None or int(group.group(1)) == 0:
        return Quantity.LEARNING_RATE.value
    return f"{Quantity.LEARNING_RATE.value}_pg{int(group.group(1))}"


def resolve(
    raw_name: str,
    split_hint: Split | None = None,
    overrides: Mapping[str, MetricKey] | None = None,
    default_split: Split = Split.TRAIN,
) -> Resolved:
    """Resolve ``raw_name`` to its canonical key and level.

    ``split_hint`` is the split implied by where the name was found (a Keras
    ``validation/`` directory); a split written in the name itself wins over it.
    ``default_split`` is the split of a name that says none (training, as in
    Keras; the run builder passes validation for metrics of files that name
    their training columns explicitly, see :mod:`loganalyzer.ingest.build`).
    ``overrides`` maps exact raw names to keys and beats everything else.
    Held-out durations (``eval_runtime``) get :data:`EVALUATION_TIME`, not
    ``epoch_time``; detection metrics get ``map50``/``map50_95``.
    """
    if overrides and raw_name in overrides:
        return Resolved(overrides[raw_name], Level.OVERRIDE)

    name = raw_name.strip()
    level = Level.PLAIN
    split: Split | None = None

    keras_eval = _KERAS_EVALUATION.match(name)
    if keras_eval:
        name, split, level = keras_eval.group(1), Split.VALIDATION, Level.STEP
    else:
        level_prefix = _LEVEL_PREFIX.match(name)
        if level_prefix and level_prefix.group(2).lower() not in NOT_A_LEVEL_PREFIX:
            name = level_prefix.group(2)
            level = Level.EPOCH if level_prefix.group(1).lower() == "epoch" else Level.STEP

    if split is None:
        split, name = _take_split(name)

    if level == Level.PLAIN:
        level_suffix = _LEVEL_SUFFIX.match(name)
        if level_suffix:
            name = level_suffix.group(1)
            level = Level.EPOCH if level_suffix.group(2).lower() == "epoch" else Level.STEP
            if split is None:
                split, name = _take_split(name)

    if split is None:
        namespace = _NAMESPACE.match(name)
        detection = _detection_metric(namespace.group(2)) if namespace else None
        if namespace and namespace.group(1).lower() == "metrics" and detection is not None:
            # YOLO's metrics/precision, metrics/mAP_0.5 ...: computed on the validation set.
            return Resolved(MetricKey(Split.VALIDATION, detection), level)
        if namespace and namespace.group(1).lower() in NEUTRAL_NAMESPACES:
            name, split = namespace.group(2), Split.UNKNOWN
        else:
            split = split_hint or default_split

    detection = _detection_metric(name)
    quantity = detection if detection is not None else canonical_quantity(name)
    if quantity == Quantity.EPOCH_TIME and split in (Split.VALIDATION, Split.TEST):
        # ``eval_runtime`` is how long one evaluation took, not an epoch's duration.
        quantity = EVALUATION_TIME
    return Resolved(MetricKey(split, quantity), level)


#: The quantity of a held-out split's duration (HF ``eval_runtime``): not an epoch time.
EVALUATION_TIME = "evaluation_time"

#: Object-detection metrics (YOLOv5 ``mAP_0.5``, ``mAP_0.5:0.95``; YOLOv8 ``mAP50(B)``,
#: ``mAP50-95(M)``) and their canonical quantities; ``(M)`` is the mask head.
_DETECTION = re.compile(
    r"(?P<name>map(?:_?0?\.5|50)(?P<range>(?:[:_-]0?\.95|-95))?|precision|recall)(?:\((?P<head>[bm])\))?",
    re.IGNORECASE,
)


def _detection_metric(name: str) -> str | None:
    """``map50``, ``map50_95``, ``precision``, ``recall`` (``_mask`` for YOLO's mask head), or None."""
    match = _DETECTION.fullmatch(name.strip())
    if match is None:
        return None
    word = match["name"].lower()
    quantity = word if word in ("precision", "recall") else ("map50_95" if match["range"] else "map50")
    return quantity + ("_mask" if (match["head"] or "").lower() == "m" else "")


def names_a_split(raw_name: str) -> bool:
    """Whether ``raw_name`` has a split word as one of its segments (``val_loss``, ``train/acc``)."""
    return any(part in SPLIT_WORDS for part in normalise(raw_name).split("_"))


def _take_split(name: str) -> tuple[Split | None, str]:
    """Strip a leading or trailing split word; return the split found (or None) and the rest."""
    prefix = _SPLIT_PREFIX.match(name)
    if prefix:
        return SPLIT_WORDS[prefix.group(1).lower()], prefix.group(2)
    suffix = _SPLIT_SUFFIX.match(name)
    if suffix:
        return SPLIT_WORDS[suffix.group(2).lower()], suffix.group(1)
    interior = _SPLIT_INTERIOR.match(name)
    if interior:
        # A head or model prefix before the split (``reg_val_loss``, ``cls_train_loss``).
        return SPLIT_WORDS[interior.group(2).lower()], f"{interior.group(1)}_{interior.group(3)}"
    return None, name


def split_of_directory(dirname: str) -> Split | None:
    """The split a directory name stands for (``validation``, ``Loss_train``), if any.

    PyTorch's ``add_scalars`` writes each key to a sub-directory named
    ``<main_tag>_<key>``, so a trailing split word counts too.
    """
    lowered = dirname.lower()
    if lowered in SPLIT_WORDS:
        return SPLIT_WORDS[lowered]
    suffix = _SPLIT_SUFFIX.match(dirname)
    return SPLIT_WORDS[suffix.group(2).lower()] if suffix else None
