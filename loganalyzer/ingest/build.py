"""Turn what a reader found into a :class:`~loganalyzer.model.run.Run`.

Readers only know their format: they hand over :class:`RawSeries` in the order
the points were written. Everything that must behave the same for every
format happens here, once: naming, merging the pieces of one series (a resumed
run spread over several files), ordering by step, resolving steps written
twice (the last write wins, as after a restart from a checkpoint), and the
diagnostics that say so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from loganalyzer.ingest import naming, timecolumns
from loganalyzer.ingest.text import vocab
from loganalyzer.model.run import Diagnostic, MetricKey, PositionUnit, Quantity, Run, Series, Split


@dataclass
class RawSeries:
    """Points of one raw tag or column, in write order.

    ``source_index`` indexes the ``sources`` passed to :func:`build_run`;
    ``position`` is a line number or byte offset per point (or None).
    Optional arrays may be None when the format has no such column.
    """

    raw_name: str
    step: np.ndarray
    value: np.ndarray
    epoch: np.ndarray | None = None
    wall_time: np.ndarray | None = None
    position: np.ndarray | None = None
    source_index: int = 0
    split_hint: Split | None = None


@dataclass
class RunParts:
    """Everything a reader collected for one run, before naming and ordering."""

    name: str
    format: str
    sources: list[str]
    series: list[RawSeries] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    position_unit: PositionUnit = PositionUnit.NONE
    #: What the reader knows a raw name means in its format (DeiT's ``test_loss`` is measured on the
    #: validation set; a headerless YOLOv5 column). The user's ``--map`` still wins.
    key_overrides: dict[str, MetricKey] = field(default_factory=dict)


def build_run(parts: RunParts, overrides: Mapping[str, MetricKey] | None = None) -> Run:
    """Name, merge, order and de-duplicate ``parts`` into a Run.

    Also, the same for every format: columns that hold one setting for the
    whole run (``epochs``, ``neurons``, ``aug.cutmix``) become metadata, not
    metrics; a time column that runs like a clock is marked as one (its
    increments are the epoch durations), see :mod:`loganalyzer.ingest.timecolumns`.
    """
    diagnostics = list(parts.diagnostics)
    metadata = dict(parts.metadata)
    if parts.key_overrides:
        overrides = {**parts.key_overrides, **(overrides or {})}
    kept_pieces = _settings_to_metadata(parts.series, overrides, metadata, diagnostics, parts.name)
    merged = _merge_pieces(kept_pieces)
    keyed = _assign_keys(merged, overrides, diagnostics, parts.name, parts.format)
    series = []
    replaced: list[str] = []
    for key, (pieces, level) in sorted(keyed.items()):
        finished, count = _finish_series(key, pieces, level, parts, diagnostics)
        series.append(timecolumns.classify(finished, metadata, diagnostics, parts.name))
        if count:
            replaced.append(f"{count} of {key}")
    if replaced:
        # One note per run: a resume rewrites every column at once, so per-series notes would repeat.
        diagnostics.append(
            Diagnostic(
                parts.name,
                "duplicate-steps",
                "steps written again later (a resumed run?) were replaced by the later value: "
                + ", ".join(replaced),
            )
        )
    series.extend(_total_losses(series, diagnostics, parts.name))
    series.sort(key=lambda s: s.key)
    return Run(
        name=parts.name,
        format=parts.format,
        sources=tuple(parts.sources),
        series=tuple(series),
        metadata=metadata,
        diagnostics=_bounded(diagnostics),
    )


#: Diagnostics kept per file and code; the rest are counted in one more. A damaged log can
#: hold a million bad rows (or a header of 200,000 duplicate names), and every report lists
#: each diagnostic: without a bound a 1 MB file made a SARIF file of gigabytes.
MAX_DIAGNOSTICS_PER_CODE = 20


def _bounded(diagnostics: list[Diagnostic]) -> tuple[Diagnostic, ...]:
    """The first :data:`MAX_DIAGNOSTICS_PER_CODE` diagnostics of each (file, code), then a count."""
    kept: list[Diagnostic] = []
    seen: dict[tuple[str, str], int] = {}
    for diagnostic in diagnostics:
        key = (diagnostic.source, diagnostic.code)
        seen[key] = seen.get(key, 0) + 1
        if seen[key] <= MAX_DIAGNOSTICS_PER_CODE:
            kept.append(diagnostic)
    for (source, code), count in seen.items():
        if count > MAX_DIAGNOSTICS_PER_CODE:
            more = count - MAX_DIAGNOSTICS_PER_CODE
            kept.append(Diagnostic(source, code, f"{more:,} more {code} diagnostics like the ones above"))
    return tuple(kept)


def _merge_pieces(raw: Sequence[RawSeries]) -> dict[tuple[str, Split | None], list[RawSeries]]:
    """Group pieces of the same raw series (same name, same directory split) in write order."""
    groups: dict[tuple[str, Split | None], list[RawSeries]] = {}
    for piece in raw:
        groups.setdefault((piece.raw_name, piece.split_hint), []).append(piece)
    return groups


def _assign_keys(
    groups: dict[tuple[str, Split | None], list[RawSeries]],
    overrides: Mapping[str, MetricKey] | None,
    diagnostics: list[Diagnostic],
    run_name: str,
    run_format: str = "",
) -> dict[MetricKey, tuple[list[RawSeries], int]]:
    """Give each raw series a unique canonical key.

    When two raw names resolve to the same key (``epoch_loss`` and
    ``evaluation_loss_vs_iterations`` are both validation loss), the
    epoch-level name wins and the other keeps its raw name as its quantity,
    with a diagnostic, so nothing is silently merged or dropped.

    A bare metric name means training in Keras (``accuracy`` next to
    ``val_accuracy``). A text log that names its training loss explicitly
    (``train_loss``, ``valid_loss``, ``accuracy``, ``top1``: fastai and many
    hand-written loops) says the opposite: its bare metrics are computed on
    the validation set. Learning rates, times and memory stay training-side.
    """
    explicit_train = run_format != "tensorboard" and any(
        hint is None
        and naming.names_a_split(raw)
        and naming.resolve(raw).key == MetricKey(Split.TRAIN, "loss")
        for raw, hint in groups
    )
    candidates: dict[MetricKey, list[tuple[int, str, tuple[str, Split | None]]]] = {}
    for group_id in groups:
        raw_name, hint = group_id
        resolved = naming.resolve(raw_name, hint, overrides)
        if (
            explicit_train
            and hint is None
            and resolved.level != naming.Level.OVERRIDE
            and not naming.names_a_split(raw_name)
            and vocab.is_metric_name(raw_name)
            and resolved.key.split is Split.TRAIN
            and resolved.key.quantity not in _TRAINING_SIDE
        ):
            resolved = naming.resolve(raw_name, hint, overrides, default_split=Split.VALIDATION)
        candidates.setdefault(resolved.key, []).append((resolved.level, raw_name, group_id))

    keyed: dict[MetricKey, tuple[list[RawSeries], int]] = {}
    for key, contenders in candidates.items():
        contenders.sort()
        winner_level, winner_name, winner_id = contenders[0]
        keyed[key] = (groups[winner_id], winner_level)
        for loser_level, loser_name, loser_id in contenders[1:]:
            fallback = MetricKey(key.split, loser_name)
            while fallback in keyed or fallback in candidates:
                fallback = MetricKey(key.split, fallback.quantity + "'")
            keyed[fallback] = (groups[loser_id], loser_level)
            diagnostics.append(
                Diagnostic(
                    run_name,
                    "name-collision",
                    f"{loser_name!r} and {winner_name!r} both mean {key}; "
                    f"{key} is taken from {winner_name!r}, the other is kept as {fallback}",
                )
            )
    return keyed


#: Quantities that belong to training whatever a file's naming habit: a bare ``lr`` is never a
#: validation metric.
_TRAINING_SIDE = frozenset(
    {Quantity.LOSS.value, Quantity.LEARNING_RATE.value, Quantity.EPOCH_TIME.value, Quantity.MEMORY.value}
)

#: A column must hold at least this many points to be called constant over the run.
_MIN_CONSTANT_POINTS = 2


def _settings_to_metadata(
    pieces: Sequence[RawSeries],
    overrides: Mapping[str, MetricKey] | None,
    metadata: dict[str, Any],
    diagnostics: list[Diagnostic],
    run_name: str,
) -> list[RawSeries]:
    """Move columns that hold one setting for the whole run into ``metadata["settings"]``.

    Hand-written loggers repeat their hyperparameters on every row
    (``epochs``, ``neurons``, ``batch_size``, ``aug.cutmix``). Such a column
    is constant over the run and its name is not a metric (no loss, accuracy,
    learning rate, time or memory word), so it is a setting: kept as metadata
    with its value, never analysed as a curve. A constant metric (an AUC stuck
    at 0.5) is evidence and stays a series.
    """
    by_name: dict[str, list[RawSeries]] = {}
    for piece in pieces:
        by_name.setdefault(piece.raw_name, []).append(piece)
    settings: dict[str, float | int] = {}
    for raw_name, group in by_name.items():
        values = np.concatenate([np.asarray(p.value, dtype=np.float64) for p in group])
        if values.size < _MIN_CONSTANT_POINTS or not bool(np.isfinite(values).all()):
            continue
        if not bool((values == values[0]).all()) or (overrides and raw_name in overrides):
            continue
        if vocab.is_metric_name(raw_name) or naming.resolve(raw_name).key.quantity in _KNOWN_QUANTITIES:
            continue
        value = float(values[0])
        settings[raw_name] = int(value) if value.is_integer() else value
    if not settings:
        return list(pieces)
    metadata["settings"] = {**metadata.get("settings", {}), **settings}
    diagnostics.append(
        Diagnostic(
            run_name,
            "settings-columns",
            "columns with one value for the whole run are read as settings, not metrics: "
            + ", ".join(sorted(settings)),
        )
    )
    return [piece for piece in pieces if piece.raw_name not in settings]


_KNOWN_QUANTITIES = frozenset(quantity.value for quantity in Quantity)


def _total_losses(series: list[Series], diagnostics: list[Diagnostic], run_name: str) -> list[Series]:
    """For a split that logs only named loss terms, their sum as the split's loss.

    YOLO logs ``box_loss``, ``obj_loss`` and ``cls_loss`` and never their
    total; a multi-head model logs ``reg_loss`` and ``cls_loss``; some loops
    log only ``mse_loss``. The objective is the sum of the terms, so every
    rule about "the loss" can judge it. Only terms logged at the same steps
    are added, the raw name spells the sum out, and a diagnostic says so.
    """
    present = {s.key for s in series}
    derived = []
    for split in Split:
        if MetricKey(split, Quantity.LOSS) in present:
            continue
        terms = [
            s
            for s in series
            if s.key.split == split
            and s.key.quantity != Quantity.LOSS
            and naming.normalise(s.key.quantity).endswith("loss")
        ]
        if not terms or any(not np.array_equal(t.step, terms[0].step) for t in terms[1:]):
            continue
        total = terms[0]
        with np.errstate(invalid="ignore", over="ignore"):  # inf + -inf is a NaN total, as it should be
            value = np.sum([t.value for t in terms], axis=0)
        key = MetricKey(split, Quantity.LOSS.value)
        raw_name = " + ".join(t.raw_name for t in terms)
        derived.append(replace(total, key=key, raw_name=raw_name, value=value))
        diagnostics.append(
            Diagnostic(run_name, "derived-loss", f"{key} is the sum of the logged loss terms {raw_name}")
        )
    return derived


def _finish_series(
    key: MetricKey, pieces: list[RawSeries], level: int, parts: RunParts, diagnostics: list[Diagnostic]
) -> tuple[Series, int]:
    """Concatenate pieces, order by step and keep the last write of each step.

    Returns the series and how many points were replaced by later writes.
    An epoch-level name (Keras ``epoch_loss``) is logged at step = epoch, so
    its epochs are filled in from the steps when the format does not say.
    """
    n = [len(p.step) for p in pieces]

    def column(name: str, dtype: type, fill: float) -> np.ndarray:
        return np.concatenate(
            [
                np.asarray(getattr(p, name), dtype=dtype)
                if getattr(p, name) is not None
                else np.full(count, fill, dtype=dtype)
                for p, count in zip(pieces, n, strict=True)
            ]
        )

    step = column("step", np.int64, 0)
    value = column("value", np.float64, np.nan)
    epoch = column("epoch", np.float64, np.nan)
    wall_time = column("wall_time", np.float64, np.nan)
    position = column("position", np.int64, -1)
    source_index = np.repeat(np.array([p.source_index for p in pieces], dtype=np.int32), n)
    raw_name = pieces[0].raw_name

    if len(step) > 1 and bool((step == step[0]).all()):
        diagnostics.append(
            Diagnostic(
                parts.name,
                "no-steps",
                f"{key} ({raw_name!r}): all {len(step)} points share step {step[0]}; "
                "numbering them in write order",
            )
        )
        step = np.arange(len(step), dtype=np.int64)

    order = np.argsort(step, kind="stable")
    sorted_step = step[order]
    # Among equal steps a stable sort keeps write order, so the last of each run is the last write.
    keep = np.ones(len(sorted_step), dtype=bool)
    keep[:-1] = sorted_step[1:] != sorted_step[:-1]
    replaced = int(len(keep) - keep.sum())
    if level == naming.Level.EPOCH and bool(np.isnan(epoch).all()):
        epoch = step.astype(np.float64)
    chosen = order[keep]
    if bool((chosen[1:] > chosen[:-1]).all()) and len(chosen) == len(step):
        chosen_slice: slice | np.ndarray = slice(None)
    else:
        chosen_slice = chosen
    series = Series(
        key=key,
        raw_name=raw_name,
        step=step[chosen_slice],
        value=value[chosen_slice],
        epoch=epoch[chosen_slice],
        wall_time=wall_time[chosen_slice],
        sources=tuple(parts.sources),
        source_index=source_index[chosen_slice],
        position=position[chosen_slice],
        position_unit=parts.position_unit,
    )
    return series, replaced
