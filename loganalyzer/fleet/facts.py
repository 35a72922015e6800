"""What one run looks like at a glance: the numbers an audit row shows, measured from the Run.

Everything here is computed in the worker, from the run's series only (no
findings), so it can be cached with the findings and shown whatever baseline
or ``--only`` filter the parent applies later. Values are JSON-native.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from loganalyzer.model.run import Quantity, Run, Series, Split

#: Quantities that read as "higher is better" accuracy-like metrics, most preferred first.
_ACCURACY_LIKE = re.compile(
    r"^(accuracy|acc|top_?1|top1_acc|f1|f1_score|auc|auroc|map|map50|map_?50_?95|iou|miou|dice|"
    r"precision|recall|bleu|rouge\w*|exact_match|matthews_correlation)$",
    re.IGNORECASE,
)
_METRIC_SPLITS = (Split.VALIDATION, Split.TEST, Split.TRAIN)

#: A hyperparameter value as an audit column carries it.
HParam = str | int | float | bool | None


@dataclass(frozen=True)
class RunFacts:
    """Per-run numbers that do not depend on findings.

    ``epochs`` is the number of distinct epochs logged (None when the log has
    no epoch axis); ``steps`` the last step. ``best_epoch`` is where the
    validation loss was lowest (an epoch when known, else the step).
    ``duration_s`` is last minus first wall time over every series, where the
    log records wall time.
    """

    run: str
    format: str
    sources: tuple[str, ...]
    epochs: int | None = None
    steps: int | None = None
    train_loss_final: float | None = None
    train_loss_best: float | None = None
    val_loss_final: float | None = None
    val_loss_best: float | None = None
    best_epoch: float | None = None
    metric: str | None = None
    metric_best: float | None = None
    metric_final: float | None = None
    duration_s: float | None = None
    hparams: Mapping[str, HParam] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-native form (the cache stores this)."""
        out = {name: getattr(self, name) for name in self.__dataclass_fields__}
        out["sources"] = list(self.sources)
        out["hparams"] = dict(self.hparams)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunFacts:
        """Inverse of :meth:`to_dict`; raises KeyError/TypeError on a foreign shape."""
        values = {name: data[name] for name in cls.__dataclass_fields__}
        values["sources"] = tuple(str(s) for s in values["sources"])
        if not isinstance(values["hparams"], dict):
            raise TypeError("hparams must be an object")
        return cls(**values)


def measure(run: Run, hparams: Mapping[str, HParam] | None = None) -> RunFacts:
    """The at-a-glance numbers of ``run``."""
    train = run.find(Quantity.LOSS, (Split.TRAIN, Split.UNKNOWN))
    val = run.find(Quantity.LOSS, (Split.VALIDATION, Split.TEST))
    metric = _accuracy_like(run)
    best_epoch = None
    if val is not None and (index := _argbest(val.value, lower=True)) is not None:
        best_epoch = _number(val.epoch[index]) if val.has_epochs else float(val.step[index])
    return RunFacts(
        run=run.name,
        format=run.format,
        sources=run.sources,
        epochs=_epochs(run),
        steps=max((int(s.step[-1]) for s in run.series if len(s)), default=None),
        train_loss_final=_final(train),
        train_loss_best=_best(train, lower=True),
        val_loss_final=_final(val),
        val_loss_best=_best(val, lower=True),
        best_epoch=best_epoch,
        metric=str(metric.key) if metric is not None else None,
        metric_best=_best(metric, lower=False),
        metric_final=_final(metric),
        duration_s=_duration(run),
        hparams=dict(sorted((hparams or {}).items())),
    )


def _accuracy_like(run: Run) -> Series | None:
    """The run's main accuracy-like series: validation before test before train, accuracy first."""
    for split in _METRIC_SPLITS:
        candidates = [s for s in run.series if s.key.split is split and _ACCURACY_LIKE.match(s.key.quantity)]
        if candidates:
            return min(candidates, key=lambda s: (s.key.quantity != Quantity.ACCURACY, s.key.quantity))
    return None


def _epochs(run: Run) -> int | None:
    counts = [np.unique(s.epoch[np.isfinite(s.epoch)]).size for s in run.series if len(s)]
    return max(counts) if counts and max(counts) > 0 else None


def _argbest(values: np.ndarray, *, lower: bool) -> int | None:
    finite = np.isfinite(values)
    if not finite.any():
        return None
    masked = np.where(finite, values, np.inf if lower else -np.inf)
    return int(np.argmin(masked) if lower else np.argmax(masked))


def _best(series: Series | None, *, lower: bool) -> float | None:
    if series is None or (index := _argbest(series.value, lower=lower)) is None:
        return None
    return _number(series.value[index])


def _final(series: Series | None) -> float | None:
    if series is None or not len(series):
        return None
    return _number(series.value[-1])


def _duration(run: Run) -> float | None:
    starts, ends = [], []
    for series in run.series:
        times = series.wall_time[np.isfinite(series.wall_time)]
        if times.size:
            starts.append(float(times.min()))
            ends.append(float(times.max()))
    if not starts:
        return None
    return round(max(ends) - min(starts), 3)


def _number(value: Any) -> float | None:
    """A finite float as JSON can carry it; NaN and infinities become None."""
    number = float(value)
    return number if math.isfinite(number) else None
