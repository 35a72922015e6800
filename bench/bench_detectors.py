"""Detector time on a 1,000,000-point training-loss series (issue target: well under a second).

    python bench/bench_detectors.py [--points 1000000]

Builds one run in memory (per-step training loss with minibatch noise and a few
spikes, a validation loss every 1,000 steps, a learning rate), then times the
engine running every rule of the pack on it, and each detector alone. Reading
is not included: bench_read.py measures that.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from loganalyzer.detectors import DETECTORS
from loganalyzer.engine.pack import load_default_pack
from loganalyzer.engine.runner import run_rules
from loganalyzer.engine.settings import Settings
from loganalyzer.ingest.build import RawSeries, RunParts, build_run
from loganalyzer.model.run import Run


def synthetic_run(points: int, seed: int = 0) -> Run:
    rng = np.random.default_rng(seed)
    steps = np.arange(points, dtype=np.int64)
    trend = 0.05 + 2.3 * np.exp(-steps / (points / 8))
    train = trend * np.exp(rng.normal(0.0, 0.25, points))
    train[rng.choice(points, 5, replace=False)] *= 20.0
    val_steps = steps[999::1000]
    val = (trend[val_steps] * 1.1) * np.exp(rng.normal(0.0, 0.01, val_steps.size))
    series = [
        RawSeries("train/loss", steps, train),
        RawSeries("val/loss", val_steps, val),
        RawSeries("lr", steps, np.full(points, 1e-3)),
    ]
    return build_run(RunParts("bench", "memory", ["bench"], series))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    args = parser.parse_args()
    run = synthetic_run(args.points)
    pack = load_default_pack()
    run_rules([run], pack, Settings(), DETECTORS)  # warm-up: first-call imports and caches
    start = time.perf_counter()
    analysis = run_rules([run], pack, Settings(), DETECTORS)
    total = time.perf_counter() - start
    print(f"all {len(pack.rules)} rules on a {args.points:,}-point loss series: {total:.3f} s")
    print(f"findings: {sorted({f.rule for f in analysis.findings})}, skipped: {len(analysis.skipped)}\n")
    for rule in pack.rules:
        start = time.perf_counter()
        try:
            DETECTORS[rule.detector].function(run, **rule.defaults())
        except Exception as exc:
            outcome = type(exc).__name__
        else:
            outcome = "ran"
        print(f"  {rule.code} {rule.detector:<22} {time.perf_counter() - start:7.3f} s  ({outcome})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
