"""HTML report time and size for a run with 1,000,000 loss points, next to ``check`` on the same run.

    python bench/bench_report.py [--points 1000000] [--repeat 3]

Writes once, into ``bench/out/report/`` (git ignores ``bench/out``), a
PyTorch-style event file: ``train/loss`` at every step (decaying with
minibatch noise and a few one-step spikes), ``val/loss`` every 1,000 steps and
``lr`` every 100. Then, best of ``--repeat`` fresh processes each, the two
commands a user runs:

- ``loganalyzer check FILE`` (read, every rule, text report)
- ``loganalyzer report FILE -o report.html`` (the same, plus curves kept,
  downsampled with min/max per bucket, and drawn to SVG by matplotlib)

and prints their wall times, the page size and their ratio. Issue targets:
the report in under 3 s and under 2 MB. An in-process breakdown of the
report (read + rules, keeping curves, drawing) follows, so a regression can
be placed.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_read import frame  # the TFRecord framing, shared with the read benchmark

OUT = Path(__file__).resolve().parent / "out" / "report"
START = 1_700_000_000.0
CLI = Path(sys.executable).with_name("loganalyzer")


def event_file(points: int) -> Path:
    """The benchmark log for ``points`` training steps, written on first use."""
    path = OUT / str(points) / f"events.out.tfevents.{int(START)}.bench"
    if path.exists():
        return path
    from tensorboard.compat.proto import event_pb2

    rng = np.random.default_rng(0)
    steps = np.arange(points)
    trend = 0.05 + 2.3 * np.exp(-steps / (points / 8))
    train = (trend * np.exp(rng.normal(0.0, 0.2, points))).astype(np.float32)
    train[rng.choice(points, 5, replace=False)] *= 20.0
    chunks = [frame(event_pb2.Event(wall_time=START, file_version="brain.Event:2").SerializeToString())]
    event = event_pb2.Event()
    value = event.summary.value.add()
    for step in range(points):
        records = [("train/loss", float(train[step]))]
        if step % 100 == 0:
            records.append(("lr", 1e-3 * 0.5 ** (step / points * 4)))
        if step % 1000 == 999:
            records.append(("val/loss", float(trend[step] * 1.1)))
        for tag, number in records:
            event.wall_time = START + step * 0.01
            event.step = step
            value.tag = tag
            value.simple_value = number
            chunks.append(frame(event.SerializeToString()))
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name("incomplete")
    partial.write_bytes(b"".join(chunks))
    partial.rename(path)
    return path


def best_of(command: list[str], repeat: int) -> tuple[float, float]:
    """Best wall time and best CPU time (user + system) of ``repeat`` fresh processes.

    CPU time is printed too because the machine may be shared: wall time then
    includes waiting for a core. Exit codes 0 and 1 are both a finished run.
    """
    walls, cpus = [], []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if done.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr}")
    return min(walls), min(cpus)


def breakdown(path: Path) -> None:
    """Where the report's time goes, in this process (imports warmed up first)."""
    from loganalyzer.api import analyze
    from loganalyzer.report import html

    html.render(analyze(str(event_file(1000))))  # warm-up: imports, font cache, rule pack
    start = time.perf_counter()
    plain = analyze(str(path), curves=False)
    rules = time.perf_counter() - start
    start = time.perf_counter()
    kept = analyze(str(path), curves=True)
    with_curves = time.perf_counter() - start
    start = time.perf_counter()
    page = html.render(kept)
    drawing = time.perf_counter() - start
    drawn = sum(len(c.value) for rc in kept.curves.values() for c in rc.curves)
    print(f"  read + rules:           {rules:6.3f} s  ({len(plain.findings)} finding(s))")
    print(f"  ... plus keeping curves: {with_curves - rules:+6.3f} s  ({drawn:,} points kept for drawing)")
    print(f"  render page (SVG):      {drawing:6.3f} s  ({len(page.encode()):,} bytes)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    path = event_file(args.points)
    page = OUT / "report.html"
    check, check_cpu = best_of([str(CLI), "check", str(path)], args.repeat)
    report, report_cpu = best_of([str(CLI), "report", str(path), "-o", str(page)], args.repeat)
    size = page.stat().st_size
    print(f"run: {args.points:,} training-loss points ({path.stat().st_size / 2**20:.1f} MiB event file)")
    print(f"check:  {check:6.3f} s wall, {check_cpu:6.3f} s CPU  (best of {args.repeat} processes)")
    verdict = "ok" if report < 3 and size < 2 * 2**20 else "OVER TARGET"
    print(f"report: {report:6.3f} s wall, {report_cpu:6.3f} s CPU, {size / 2**20:.2f} MiB")
    print(
        f"        {report / check:.2f}x check; {report - check:+.3f} s for the pictures; "
        f"target < 3 s, < 2 MB: {verdict}"
    )
    print("in-process breakdown:")
    breakdown(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
