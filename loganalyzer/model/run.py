"""The run model: what every log format is turned into.

A :class:`Run` is one training run. It holds one series per canonical metric
key (split x quantity), each series being parallel NumPy arrays sorted by
step, plus where the run came from and what went wrong while reading it
(:class:`Diagnostic`). The tidy long table that people export is derived from
the series on demand (:meth:`Run.to_frame`) so that readers and detectors work
on cheap array views and only the export path pays for pandas.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd


class Split(enum.StrEnum):
    """Which data a metric was measured on."""

    TRAIN = "train"
    VALIDATION = "validation"
    TEST = "test"
    UNKNOWN = "unknown"


class Quantity(enum.StrEnum):
    """Quantities that detectors look for by name.

    Any other metric (``mae``, ``auc``, ``box_loss`` ...) keeps its own name
    as its quantity, so nothing is dropped; these are only the ones with a
    fixed meaning.
    """

    LOSS = "loss"
    ACCURACY = "accuracy"
    LEARNING_RATE = "learning_rate"
    EPOCH_TIME = "epoch_time"
    MEMORY = "memory"


@dataclass(frozen=True, order=True)
class MetricKey:
    """Canonical identity of a series: ``train.loss``, ``validation.accuracy``."""

    split: Split
    quantity: str

    def __str__(self) -> str:
        return f"{self.split.value}.{self.quantity}"

    @classmethod
    def parse(cls, text: str) -> MetricKey:
        """Parse ``"<split>.<quantity>"``; raise ValueError when malformed."""
        split_text, sep, quantity = text.partition(".")
        if not sep or not quantity:
            raise ValueError(f"metric key {text!r} is not of the form <split>.<quantity>")
        try:
            split = Split(split_text)
        except ValueError:
            choices = ", ".join(s.value for s in Split)
            raise ValueError(f"metric key {text!r}: split must be one of {choices}") from None
        return cls(split, quantity)


#: Columns of the tidy table (:meth:`Run.to_frame`, ``loganalyzer export``), in order.
TABLE_COLUMNS = (
    "run",
    "metric",
    "split",
    "quantity",
    "step",
    "epoch",
    "wall_time",
    "value",
    "raw_name",
    "source",
)


class PositionUnit(enum.StrEnum):
    """What a series' ``position`` numbers count, for pointing at the source."""

    LINE = "line"  # 1-based line number in a text log
    BYTE = "byte"  # byte offset of the record in a binary event file
    NONE = "none"  # the format has no useful position


@dataclass(frozen=True)
class Diagnostic:
    """Something noteworthy that happened while reading a source.

    ``code`` is a stable slug (``truncated-record``, ``duplicate-steps`` ...)
    so tests and users can match on it; ``message`` is the human sentence.
    ``position`` is a byte offset or line number per ``unit``, when known.
    """

    source: str
    code: str
    message: str
    position: int | None = None
    unit: PositionUnit = PositionUnit.NONE

    def to_dict(self) -> dict[str, Any]:
        """JSON-native form."""
        out: dict[str, Any] = {"source": self.source, "code": self.code, "message": self.message}
        if self.position is not None:
            out["position"] = self.position
            out["unit"] = self.unit.value
        return out


@dataclass(frozen=True, eq=False)
class Series:
    """One canonical metric of a run: parallel arrays sorted by strictly increasing step.

    ``epoch`` and ``wall_time`` are NaN where the log does not say.
    ``source_index`` indexes :attr:`sources` (a resumed run can span files) and
    ``position`` is the line or byte offset of each point (``-1`` unknown).
    """

    key: MetricKey
    raw_name: str
    step: np.ndarray
    value: np.ndarray
    epoch: np.ndarray
    wall_time: np.ndarray
    sources: tuple[str, ...]
    source_index: np.ndarray
    position: np.ndarray
    position_unit: PositionUnit = PositionUnit.NONE

    def __len__(self) -> int:
        return int(self.step.shape[0])

    @property
    def has_epochs(self) -> bool:
        """True when every point carries its epoch."""
        return len(self) > 0 and not bool(np.isnan(self.epoch).any())

    @property
    def has_wall_time(self) -> bool:
        """True when every point carries a wall time."""
        return len(self) > 0 and not bool(np.isnan(self.wall_time).any())


@dataclass(frozen=True, eq=False)
class Run:
    """One training run as read from one or more files.

    ``name`` identifies the run in reports (a path, with ``#k`` appended for
    the k-th run inside a file that holds several). ``format`` names the
    reader. ``metadata`` carries format-specific facts that are not metric
    points (hyper-parameters, the writer, the number of records read).
    """

    name: str
    format: str
    sources: tuple[str, ...]
    series: tuple[Series, ...]
    metadata: Mapping[str, Any] = field(default_factory=dict)
    diagnostics: tuple[Diagnostic, ...] = ()

    def __post_init__(self) -> None:
        by_key = {s.key: s for s in self.series}
        if len(by_key) != len(self.series):
            raise ValueError(f"run {self.name!r} has two series with the same key")
        # A lookup table, so that detectors asking for many keys stay linear in the
        # number of series (a wide CSV has thousands); set once, like the fields.
        object.__setattr__(self, "_by_key", by_key)

    def keys(self) -> tuple[MetricKey, ...]:
        """Canonical keys present, sorted."""
        return tuple(sorted(s.key for s in self.series))

    def get(self, key: MetricKey | str) -> Series | None:
        """The series for ``key`` (a MetricKey or ``"split.quantity"``), or None."""
        wanted = MetricKey.parse(key) if isinstance(key, str) else key
        by_key: dict[MetricKey, Series] = self.__dict__["_by_key"]
        return by_key.get(wanted)

    def find(self, quantity: str, splits: tuple[Split, ...] = tuple(Split)) -> Series | None:
        """The first series with ``quantity`` among ``splits``, in that order of preference."""
        for split in splits:
            found = self.get(MetricKey(split, quantity))
            if found is not None:
                return found
        return None

    def __iter__(self) -> Iterator[Series]:
        return iter(self.series)

    @property
    def point_count(self) -> int:
        """Total number of metric points across all series."""
        return sum(len(s) for s in self.series)

    def to_frame(self) -> pd.DataFrame:
        """The tidy long table: one row per point, sorted by metric then step.

        Columns: :data:`TABLE_COLUMNS`. Imports pandas on first use.
        """
        import pandas as pd

        ordered = sorted(self.series, key=lambda s: s.key)
        if not ordered:
            return pd.DataFrame({c: [] for c in TABLE_COLUMNS})
        counts = [len(s) for s in ordered]

        def repeat(labels: list[str]) -> pd.Categorical:
            return pd.Categorical(np.repeat(np.array(labels, dtype=object), counts))

        source_labels = np.concatenate([np.asarray(s.sources, dtype=object)[s.source_index] for s in ordered])
        return pd.DataFrame(
            {
                "run": pd.Categorical([self.name] * sum(counts)),
                "metric": repeat([str(s.key) for s in ordered]),
                "split": repeat([s.key.split.value for s in ordered]),
                "quantity": repeat([s.key.quantity for s in ordered]),
                "step": np.concatenate([s.step for s in ordered]),
                "epoch": np.concatenate([s.epoch for s in ordered]),
                "wall_time": np.concatenate([s.wall_time for s in ordered]),
                "value": np.concatenate([s.value for s in ordered]),
                "raw_name": repeat([s.raw_name for s in ordered]),
                "source": pd.Categorical(source_labels),
            }
        )
