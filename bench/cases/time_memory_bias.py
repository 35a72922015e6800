"""Synthetic runs for issue 10's classes 4, 5 and 6 (time, memory, bias), with their labels.

    python -m bench.cases.time_memory_bias      # from the repository root: each case, expected and found

Every run is built the way a reader builds one (``build_run``), or read from a
temporary file when the reader is part of the case (a ragged Keras History
JSON); seeds are fixed, so the table is reproducible. The noise is what real
logs show: multiplicative jitter and rare garbage-collector pauses on epoch
times, allocator noise on memory, a point or so of wobble on accuracies.

* time (slow-epoch): a slowdown of 20 ms log intervals that costs two seconds
  in all, and one early epoch 1.5x the median in a 200-epoch run, must stay
  quiet; real stalls and a real slowdown must be found.
* memory (memory-growth): a slow leak (+0.6 MB per epoch, 2.5% over 40 epochs)
  and a leak near a device limit must be found; warm-up that levels off, one
  step up then flat, and a negligible creep must stay quiet.
* bias (underfitting): a penalty-dominated loss that fell 98% while accuracy
  plateaued near 0.6 with train about equal to validation (validation
  accuracy wandering by a point) must be found, as must a classification
  head at ln 2 with a constant accuracy in a multi-head History whose lists
  have unequal lengths; a converged classifier, an overfitting one and one
  still learning must not be called underfit.
"""

from __future__ import annotations

import json
import math
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from bench.cases._build import LabelledCase
from loganalyzer.ingest import load_runs
from loganalyzer.ingest.build import RawSeries, RunParts, build_run
from loganalyzer.model.run import Run

SLOW = "slow-epoch"
MEMORY = "memory-growth"
UNDERFIT = "underfitting"

#: Categories no case of this set may raise besides the one it is about (the curves are clean otherwise).
OTHERS = {"overfitting", "loss-spike", "divergence"}

_START = 1.7e9  # a wall-clock start (Unix seconds)


def _run(name: str, series: list[RawSeries]) -> Run:
    return build_run(RunParts(name=name, format="memory", sources=[f"{name}.mem"], series=series))


def _per_epoch(raw_name: str, values: np.ndarray, wall_time: np.ndarray | None = None) -> RawSeries:
    n = values.size
    return RawSeries(
        raw_name,
        np.arange(n, dtype=np.int64),
        values,
        epoch=np.arange(n, dtype=np.float64),
        wall_time=wall_time,
    )


def _healthy_loss(n: int, rng: np.random.Generator, start: float = 1.2, end: float = 0.3) -> np.ndarray:
    """A converging training loss with a little epoch-to-epoch wobble (nothing for other rules to find)."""
    t = np.arange(n, dtype=np.float64)
    return (end + (start - end) * np.exp(-t / (n / 6))) * np.exp(0.01 * rng.standard_normal(n))


def _epoch_times(n: int, level: float, rng: np.random.Generator) -> np.ndarray:
    """Healthy epoch times: 2% multiplicative jitter, a slow first epoch (compilation), rare GC pauses."""
    seconds = level * np.exp(0.02 * rng.standard_normal(n))
    seconds[0] = 3.0 * level
    pauses = rng.random(n) < 0.03
    seconds[pauses] += rng.uniform(0.2, 0.6, int(pauses.sum()))
    return seconds


# --- class 4: time needs a size a user cares about -------------------------------------------------


def tiny_interval_slowdown(seed: int) -> LabelledCase:
    """Log intervals go from 0.02 s to 0.13 s over 36 points: 2 s lost in all. Not worth a warning."""
    rng = np.random.default_rng(seed)
    n = 37
    intervals = np.linspace(0.02, 0.13, n - 1) * np.exp(0.05 * rng.standard_normal(n - 1))
    wall = _START + np.concatenate([[0.0], np.cumsum(intervals)])
    loss = _healthy_loss(n, rng)
    run = _run(f"time-tiny-slowdown-{seed}", [_per_epoch("loss", loss, wall)])
    return LabelledCase(run.name, run, absent={SLOW, *OTHERS})


def one_late_epoch_in_a_long_run(seed: int) -> LabelledCase:
    """One early epoch 1.6x the median in a 200-epoch run of 60 s epochs: 36 s of 3.4 hours."""
    rng = np.random.default_rng(seed)
    n = 200
    seconds = _epoch_times(n, 60.0, rng)
    seconds[3] = 96.0
    run = _run(
        f"time-one-late-epoch-{seed}",
        [_per_epoch("loss", _healthy_loss(n, rng)), _per_epoch("epoch_time", seconds)],
    )
    return LabelledCase(run.name, run, absent={SLOW, *OTHERS})


def healthy_long_run(seed: int) -> LabelledCase:
    """300 epochs of 45 s with jitter and the odd GC pause, timed by wall clock only."""
    rng = np.random.default_rng(seed)
    n = 300
    wall = _START + np.cumsum(_epoch_times(n, 45.0, rng))
    run = _run(f"time-healthy-long-{seed}", [_per_epoch("val_loss", _healthy_loss(n, rng, 1.3, 0.35), wall)])
    return LabelledCase(run.name, run, absent={SLOW, *OTHERS})


def pipeline_stalls(seed: int) -> LabelledCase:
    """Two input-pipeline stalls of about four minutes in a 60-epoch run of 45 s epochs."""
    rng = np.random.default_rng(seed)
    n = 60
    seconds = _epoch_times(n, 45.0, rng)
    seconds[[21, 44]] += rng.uniform(200.0, 280.0, 2)
    run = _run(
        f"time-pipeline-stalls-{seed}",
        [_per_epoch("loss", _healthy_loss(n, rng)), _per_epoch("epoch_time", seconds)],
    )
    return LabelledCase(run.name, run, expect={SLOW}, absent=OTHERS)


def growing_epoch_work(seed: int) -> LabelledCase:
    """Each epoch does 0.5 s more work than the one before (a callback scanning a growing history)."""
    rng = np.random.default_rng(seed)
    n = 80
    seconds = _epoch_times(n, 40.0, rng) + 0.5 * np.arange(n)
    wall = _START + np.cumsum(seconds)
    run = _run(f"time-growing-work-{seed}", [_per_epoch("val_loss", _healthy_loss(n, rng, 1.3, 0.35), wall)])
    return LabelledCase(run.name, run, expect={SLOW}, absent=OTHERS)


# --- class 5: a leak is a shape, and its severity a projection -----------------------------------


def _rss(
    n: int, base: float, rng: np.random.Generator, warmup: float = 60.0, noise: float = 0.15
) -> np.ndarray:
    """Process RSS per epoch in MB: caches filling in the first epochs, allocator noise on top."""
    t = np.arange(n, dtype=np.float64)
    return base + warmup * (1.0 - np.exp(-t / 1.5)) + noise * rng.standard_normal(n)


def _memory_case(name: str, memory: np.ndarray, rng: np.random.Generator, **extra: np.ndarray) -> Run:
    n = memory.size
    wall = _START + np.cumsum(_epoch_times(n, 30.0, rng))
    series = [_per_epoch("loss", _healthy_loss(n, rng), wall), _per_epoch("memory_rss_mb", memory, wall)]
    series += [_per_epoch(raw, values, wall) for raw, values in extra.items()]
    return _run(name, series)


def slow_leak(seed: int) -> LabelledCase:
    """+0.6 MB per epoch after warm-up: 2.5% over a 40-epoch run, a Mann-Kendall p near 1e-15."""
    rng = np.random.default_rng(seed)
    n = 40
    memory = _rss(n, 900.0, rng) + 0.6 * np.arange(n)
    run = _memory_case(f"memory-slow-leak-{seed}", memory, rng)
    return LabelledCase(run.name, run, expect={MEMORY}, absent={SLOW, *OTHERS})


def leak_near_the_device_limit(seed: int) -> LabelledCase:
    """GPU memory 14 GB of a 16 GB device, +40 MB per epoch: out of memory within one more run."""
    rng = np.random.default_rng(seed)
    n = 30
    used = 14000.0 + 40.0 * np.arange(n) + 2.0 * rng.standard_normal(n)
    run = _memory_case(
        f"memory-near-limit-{seed}",
        _rss(n, 900.0, rng),
        rng,
        gpu_mem_mb=used,
        gpu_mem_total_mb=np.full(n, 16000.0),
    )
    return LabelledCase(run.name, run, expect={MEMORY}, absent={SLOW, *OTHERS})


def warmup_that_levels_off(seed: int) -> LabelledCase:
    """Caches and allocator arenas fill over the first ten epochs, then memory is flat."""
    rng = np.random.default_rng(seed)
    n = 40
    t = np.arange(n, dtype=np.float64)
    memory = 900.0 + 150.0 * (1.0 - np.exp(-t / 4.0)) + 0.3 * rng.standard_normal(n)
    run = _memory_case(f"memory-warmup-levels-off-{seed}", memory, rng)
    return LabelledCase(run.name, run, absent={MEMORY, SLOW, *OTHERS})


def one_step_then_flat(seed: int, at: int) -> LabelledCase:
    """Memory steps up 80 MB once (a larger buffer, the first evaluation) and stays flat."""
    rng = np.random.default_rng(seed)
    n = 40
    memory = _rss(n, 900.0, rng, noise=0.3)
    memory[at:] += 80.0
    run = _memory_case(f"memory-one-step-at-{at}-{seed}", memory, rng)
    return LabelledCase(run.name, run, absent={MEMORY, SLOW, *OTHERS})


def negligible_creep(seed: int) -> LabelledCase:
    """+0.045 MB per epoch on 2 GB (0.07% over the run): a History list growing, not a leak to act on."""
    rng = np.random.default_rng(seed)
    n = 30
    memory = 2061.0 + 0.045 * np.arange(n) + 0.02 * rng.standard_normal(n)
    run = _memory_case(f"memory-negligible-creep-{seed}", memory, rng)
    return LabelledCase(run.name, run, absent={MEMORY, SLOW, *OTHERS})


# --- class 6: high-bias underfitting, and a dead head -----------------------------------------------


def _accuracy(n: int, plateau: float, rise: float, rng: np.random.Generator, wobble: float) -> np.ndarray:
    t = np.arange(n, dtype=np.float64)
    return plateau - rise * np.exp(-t / 4.0) + wobble * rng.standard_normal(n)


def penalty_dominated_plateau(seed: int) -> LabelledCase:
    """Heavy L2 on a binary task: the loss falls 98% from its penalty, accuracy sits near 0.6, train ~ val.

    The penalty keeps shrinking slowly, so the loss still falls a few percent
    over the last epochs; validation accuracy wanders by about a point.
    """
    rng = np.random.default_rng(seed)
    n = 40
    t = np.arange(n, dtype=np.float64)
    penalty = 0.05 + 30.0 * np.exp(-t / 2.5) + 0.08 * np.exp(-t / 25.0)
    cross_entropy = 0.67 + 0.01 * rng.standard_normal(n)
    loss = penalty + cross_entropy
    val_loss = penalty + 0.672 + 0.01 * rng.standard_normal(n)
    accuracy = _accuracy(n, 0.60, 0.1, rng, 0.004)
    val_accuracy = _accuracy(n, 0.595, 0.1, rng, 0.01)
    series = [
        _per_epoch("loss", loss),
        _per_epoch("val_loss", val_loss),
        _per_epoch("accuracy", accuracy),
        _per_epoch("val_accuracy", val_accuracy),
    ]
    run = _run(f"bias-penalty-plateau-{seed}", series)
    return LabelledCase(run.name, run, expect={UNDERFIT}, absent=OTHERS)


def _classifier(
    name: str, n: int, rng: np.random.Generator, train_acc: float, val_acc: float, tau: float
) -> Run:
    t = np.arange(n, dtype=np.float64)
    accuracy = train_acc - (train_acc - 0.5) * np.exp(-t / tau) + 0.004 * rng.standard_normal(n)
    val_accuracy = val_acc - (val_acc - 0.5) * np.exp(-t / tau) + 0.008 * rng.standard_normal(n)
    loss = -np.log(np.clip(accuracy, 0.05, 0.999)) * 0.9
    val_loss = -np.log(np.clip(val_accuracy, 0.05, 0.999)) * 0.9
    series = [
        _per_epoch("loss", loss),
        _per_epoch("val_loss", val_loss),
        _per_epoch("accuracy", accuracy),
        _per_epoch("val_accuracy", val_accuracy),
    ]
    return _run(name, series)


def converged_classifier(seed: int) -> LabelledCase:
    """A classifier at 0.95 training and 0.93 validation accuracy, flat: converged, not underfit."""
    rng = np.random.default_rng(seed)
    run = _classifier(f"bias-converged-{seed}", 40, rng, 0.95, 0.93, 5.0)
    return LabelledCase(run.name, run, absent={UNDERFIT, "divergence", "loss-spike"})


def still_learning(seed: int) -> LabelledCase:
    """Accuracy still climbing steadily at the end of the run (0.55 -> 0.72): unfinished, not stalled."""
    rng = np.random.default_rng(seed)
    run = _classifier(f"bias-still-learning-{seed}", 40, rng, 0.80, 0.78, 40.0)
    return LabelledCase(run.name, run, absent={UNDERFIT, "divergence", "loss-spike"})


def high_variance_not_bias(seed: int) -> LabelledCase:
    """Training accuracy 0.74, validation 0.55: the error is variance, not bias."""
    rng = np.random.default_rng(seed)
    run = _classifier(f"bias-variance-{seed}", 40, rng, 0.74, 0.55, 5.0)
    return LabelledCase(run.name, run, absent={UNDERFIT, "divergence", "loss-spike"})


def _two_head_history(seed: int, gender_learns: bool) -> dict[str, list[float]]:
    """A Keras History of an age-regression head and a gender-classification head, as json.dump saves it.

    Validation ran from the third epoch on (``validation_freq`` changed when
    the run was resumed), so the ``val_*`` lists are two shorter than the
    training ones.
    """
    rng = np.random.default_rng(seed)
    n, skipped = 30, 2
    t = np.arange(n, dtype=np.float64)

    def falling(start: float, end: float, noise: float) -> np.ndarray:
        return (end + (start - end) * np.exp(-t / 6.0)) * np.exp(noise * rng.standard_normal(n))

    age_loss, val_age_loss = falling(1.2, 0.25, 0.01), falling(1.25, 0.3, 0.02)
    if gender_learns:
        gender_loss, val_gender_loss = falling(0.69, 0.2, 0.01), falling(0.69, 0.25, 0.02)
        gender_acc = 0.95 - 0.45 * np.exp(-t / 6.0) + 0.005 * rng.standard_normal(n)
        val_gender_acc = 0.93 - 0.43 * np.exp(-t / 6.0) + 0.008 * rng.standard_normal(n)
    else:  # the sigmoid saturated at initialisation: constant output, loss ln 2, majority-class accuracy
        gender_loss = math.log(2) + 0.0004 * rng.standard_normal(n)
        val_gender_loss = np.full(n, math.log(2)) + 0.00005 * rng.standard_normal(n)
        gender_acc = 0.512 + 0.004 * rng.standard_normal(n)
        val_gender_acc = np.full(n, 0.5073)
    history = {
        "loss": age_loss + gender_loss,
        "age_loss": age_loss,
        "gender_loss": gender_loss,
        "age_mae": 9.0 * np.sqrt(age_loss),
        "gender_accuracy": gender_acc,
        "val_loss": (val_age_loss + val_gender_loss)[skipped:],
        "val_age_loss": val_age_loss[skipped:],
        "val_gender_loss": val_gender_loss[skipped:],
        "val_age_mae": (9.0 * np.sqrt(val_age_loss))[skipped:],
        "val_gender_accuracy": val_gender_acc[skipped:],
    }
    return {key: [float(v) for v in values] for key, values in history.items()}


def _read_history(name: str, history: dict[str, object]) -> Run:
    """Write ``history`` as a JSON file in a temporary directory and read it with the real reader."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{name}.json"
        path.write_text(json.dumps(history), encoding="utf-8")
        [run] = load_runs([path]).runs
    return run


def dead_head(seed: int, with_facts: bool) -> LabelledCase:
    """A two-head Keras History (lists of unequal lengths) whose gender head sits at ln 2 throughout."""
    history: dict[str, object] = dict(_two_head_history(seed, gender_learns=False))
    if with_facts:  # saved with the test score next to the curves
        history["test_gender_accuracy"] = 0.507
    name = f"bias-dead-head{'-with-facts' if with_facts else ''}-{seed}"
    return LabelledCase(name, _read_history(name, history), expect={UNDERFIT}, absent=OTHERS)


def two_healthy_heads(seed: int) -> LabelledCase:
    """The same two-head History with both heads learning."""
    name = f"bias-two-healthy-heads-{seed}"
    run = _read_history(name, dict(_two_head_history(seed, gender_learns=True)))
    return LabelledCase(name, run, absent={UNDERFIT, *OTHERS})


# --- the set ---------------------------------------------------------------------------------------

_SEEDS = (0, 1, 2)

#: Each builder with its seeds; the high-bias plateau gets more, as its misses came on some seeds only.
_BUILDERS: tuple[tuple[Callable[[int], LabelledCase], tuple[int, ...]], ...] = (
    (tiny_interval_slowdown, _SEEDS),
    (one_late_epoch_in_a_long_run, _SEEDS),
    (healthy_long_run, _SEEDS),
    (pipeline_stalls, _SEEDS),
    (growing_epoch_work, _SEEDS),
    (slow_leak, _SEEDS),
    (leak_near_the_device_limit, _SEEDS),
    (warmup_that_levels_off, _SEEDS),
    (lambda seed: one_step_then_flat(seed, at=18), _SEEDS),
    (lambda seed: one_step_then_flat(seed, at=33), _SEEDS),
    (negligible_creep, _SEEDS),
    (penalty_dominated_plateau, (0, 1, 2, 3, 4, 5, 6, 7)),
    (converged_classifier, _SEEDS),
    (still_learning, _SEEDS),
    (high_variance_not_bias, _SEEDS),
    (lambda seed: dead_head(seed, with_facts=False), _SEEDS),
    (lambda seed: dead_head(seed, with_facts=True), _SEEDS),
    (two_healthy_heads, _SEEDS),
)


def cases() -> list[LabelledCase]:
    """Every case of the set, each builder over its seeds."""
    return [build(seed) for build, seeds in _BUILDERS for seed in seeds]


def main() -> int:
    """Print each case, expected and found, then the scores of loganalyzer and the baselines."""
    from bench.baselines import BASELINES
    from loganalyzer.api import analyze
    from loganalyzer.model.finding import Severity

    built = cases()
    wrong = 0
    scores: dict[str, list[int]] = {}  # name -> [TP, FP, FN, TN]

    def tally(name: str, category: str, case: LabelledCase, flagged: bool) -> None:
        counts = scores.setdefault(f"{name} [{category}]", [0, 0, 0, 0])
        if category in case.expect:
            counts[0 if flagged else 2] += 1
        elif category in case.absent:
            counts[1 if flagged else 3] += 1

    for case in built:
        analysis = analyze(case.run)
        found = {f.category for f in analysis.findings if f.severity >= Severity.WARNING}
        worst = {f.category: f.severity.label for f in analysis.findings}
        missed, false = case.expect - found, found & case.absent
        wrong += bool(missed or false)
        verdict = "ok" if not (missed or false) else f"WRONG missed={sorted(missed)} false={sorted(false)}"
        shown = ", ".join(f"{c}:{worst[c]}" for c in sorted(found))
        print(f"{case.name:<36} expect={sorted(case.expect)!s:<20} found=[{shown}]  {verdict}")
        for category in (SLOW, MEMORY, UNDERFIT):
            tally("loganalyzer", category, case, category in found)
        for baseline in BASELINES:
            if baseline.category in (SLOW, MEMORY, UNDERFIT):
                tally(baseline.name, baseline.category, case, baseline.flags(case.run))
    print(f"\n{wrong} of {len(built)} cases wrong\n")
    for name, (tp, fp, fn, tn) in scores.items():
        precision = tp / (tp + fp) if tp + fp else float("nan")
        recall = tp / (tp + fn) if tp + fn else float("nan")
        f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
        counts = f"TP {tp}, FP {fp}, FN {fn}, TN {tn}"
        print(f"  {name:<58} P={precision:5.2f} R={recall:5.2f} F1={f1:5.2f}  ({counts})")
    return 1 if wrong else 0


if __name__ == "__main__":
    raise SystemExit(main())
