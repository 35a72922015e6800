"""Audit benchmark: runs/s of ``loganalyzer audit`` on 2,000 realistic runs, by executor, cold and warm.

Generates (once; kept in ``bench/out/audit/``, which git ignores) a tree of
2,000 runs in four folders of 500, a mix of what teams keep:

* 40% PyTorch-style TensorBoard runs (``SummaryWriter.add_scalar``): per-step
  ``train/loss`` and ``train/lr`` every 10 steps, per-epoch ``val/loss`` and
  ``val/accuracy``, 30-80 epochs of 200 steps (about 40-100 KiB each);
* 40% Keras ``CSVLogger`` files, 30-150 epochs;
* 20% Keras ``History`` JSON files, 30-150 epochs;

about a quarter of them with a problem (overfitting, a diverged run, loss
spikes, a plateau), the rest healthy, with seeded noise.

Each measurement runs in a fresh interpreter that calls ``loganalyzer.audit``
and renders the JSON report, and reports the wall time of the audit and the
parent's peak resident memory (``VmHWM``; worker processes are not counted:
they are what scales). Measurements:

* ``--jobs 1`` (in-process), ``--jobs 2`` (process pool), no cache;
* Dask: a ``LocalCluster`` of 2 worker processes on 127.0.0.1 (started before
  the clock starts), no cache;
* cold and warm cache: ``--jobs 2`` into an empty cache, then again;
* parent memory: ``--jobs 2``, no cache, on 500 and on 2,000 runs.

CPU seconds (the process and its reaped workers; Dask workers included, as
the cluster is closed before counting; process start-up and imports
included) show how many cores a measurement actually got: on a machine
shared with other jobs, ``--jobs 2`` cannot be faster than the CPU it is given.

Usage: ``python bench/bench_audit.py [--runs 2000]``. On a shared machine the
numbers are noisy; ratios matter more than absolutes.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_read import frame  # the TFRecord framing the other benchmarks use

OUT = Path(__file__).resolve().parent / "out" / "audit"
FOLDER_RUNS = 500

CHILD = r"""
import json, sys, time
import loganalyzer
from loganalyzer.fleet.render import RENDERERS, AuditView

roots, mode, jobs, cache_dir = json.loads(sys.argv[1])
options = {"cache": cache_dir is not None, "cache_dir": cache_dir}
cluster = client = None
if mode == "dask":
    from dask.distributed import Client, LocalCluster
    from loganalyzer.fleet import DaskExecutor
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                           dashboard_address=None)
    client = Client(cluster)
    client.run(lambda: __import__("loganalyzer.fleet.task") and None)  # warm the workers' imports
    options["executor"] = DaskExecutor(client=client)
else:
    options["jobs"] = jobs
start = time.perf_counter()
result = loganalyzer.audit(roots, **options)
size = 0
with open("/dev/null", "w") as sink:  # as the CLI writes it: piece by piece
    for piece in RENDERERS["json"](AuditView(result.rows, result.summary(), "bench")):
        size += len(piece)
        sink.write(piece)
elapsed = time.perf_counter() - start
peak = 0
with open("/proc/self/status") as status:
    for line in status:
        if line.startswith("VmHWM:"):
            peak = int(line.split()[1]) * 1024
if client is not None:
    client.close(); cluster.close()
import resource
children = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = time.process_time() + children.ru_utime + children.ru_stime  # workers are reaped by now
print(json.dumps({"seconds": elapsed, "runs": len(result.rows), "peak": peak, "cached": result.cached,
                  "bytes": size, "cpu": cpu}))
"""


# --------------------------------------------------------------------------- tree


def curves(rng: random.Random, epochs: int, problem: str | None) -> list[tuple[float, float, float, float]]:
    """(train loss, val loss, train acc, val acc) per epoch."""
    rate = rng.uniform(4, 12)
    floor = rng.uniform(0.02, 0.2)
    out = []
    for epoch in range(epochs):
        train = 2.3 * math.exp(-epoch / rate) + floor
        val = 2.3 * math.exp(-epoch / rate) + floor + 0.08
        if problem == "overfit" and epoch > epochs // 4:
            val += 0.012 * (epoch - epochs // 4)
        if problem == "plateau":
            train, val = 2.2 + 0.02 * math.exp(-epoch / 50), 2.25 + 0.02 * math.exp(-epoch / 50)
        if problem == "diverge" and epoch > epochs // 2:
            train = val = train * math.exp(0.5 * (epoch - epochs // 2))
        if problem == "spikes" and epoch % 17 == 9:
            train *= 6
        train *= math.exp(rng.gauss(0, 0.01))
        val *= math.exp(rng.gauss(0, 0.015))
        out.append((train, val, max(0.0, 1 - train / 2.5), max(0.0, 1 - val / 2.5)))
    return out


def write_event_run(directory: Path, rng: random.Random, epochs: int, problem: str | None) -> None:
    from tensorboard.compat.proto import event_pb2, summary_pb2

    def event(step: int, wall: float, tag: str, value: float) -> bytes:
        summary = summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, simple_value=value)])
        return frame(event_pb2.Event(step=step, wall_time=wall, summary=summary).SerializeToString())

    wall = 1_700_000_000.0 + rng.uniform(0, 1e6)
    chunks = [frame(event_pb2.Event(wall_time=wall, file_version="brain.Event:2").SerializeToString())]
    steps_per_epoch = 200
    for epoch, (train, val, _acc, val_acc) in enumerate(curves(rng, epochs, problem)):
        for k in range(0, steps_per_epoch, 10):
            step = epoch * steps_per_epoch + k
            wall += 0.05 * 10
            chunks.append(event(step, wall, "train/loss", train * math.exp(rng.gauss(0, 0.05))))
            chunks.append(event(step, wall, "train/lr", 0.001 * 0.97**epoch))
        step = (epoch + 1) * steps_per_epoch
        chunks.append(event(step, wall, "val/loss", val))
        chunks.append(event(step, wall, "val/accuracy", val_acc))
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"events.out.tfevents.{int(wall)}.bench.{rng.randrange(10**6)}.0").write_bytes(
        b"".join(chunks)
    )


def write_csv_run(path: Path, rng: random.Random, epochs: int, problem: str | None) -> None:
    lines = ["epoch,accuracy,loss,lr,val_accuracy,val_loss"]
    for epoch, (train, val, acc, val_acc) in enumerate(curves(rng, epochs, problem)):
        lines.append(f"{epoch},{acc:.6f},{train:.6f},{0.001 * 0.97**epoch:.6g},{val_acc:.6f},{val:.6f}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")


def write_json_run(path: Path, rng: random.Random, epochs: int, problem: str | None) -> None:
    points = curves(rng, epochs, problem)
    history = {
        "loss": [p[0] for p in points],
        "val_loss": [p[1] for p in points],
        "accuracy": [p[2] for p in points],
        "val_accuracy": [p[3] for p in points],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(history))


def build_tree(runs: int) -> list[Path]:
    """The folders of FOLDER_RUNS runs each (built once, reused when complete)."""
    folders = [OUT / f"part-{i}" for i in range(math.ceil(runs / FOLDER_RUNS))]
    marker = OUT / f"complete-{runs}"
    if marker.exists():
        return folders
    shutil.rmtree(OUT, ignore_errors=True)
    problems = [None] * 15 + ["overfit", "overfit", "diverge", "spikes", "plateau"]
    for index in range(runs):
        rng = random.Random(index)
        folder = folders[index // FOLDER_RUNS]
        epochs = rng.randint(30, 80)
        problem = rng.choice(problems)
        kind = index % 5
        if kind in (0, 1):
            write_event_run(folder / f"tb-{index:05d}", rng, epochs, problem)
        elif kind in (2, 3):
            write_csv_run(folder / f"keras-{index:05d}" / "training.log", rng, rng.randint(30, 150), problem)
        else:
            write_json_run(folder / f"keras-{index:05d}" / "history.json", rng, rng.randint(30, 150), problem)
    marker.write_text("")
    return folders


# --------------------------------------------------------------------------- measuring


def measure(roots: list[Path], mode: str, jobs: int, cache_dir: Path | None) -> dict[str, float]:
    argument = json.dumps([[str(r) for r in roots], mode, jobs, str(cache_dir) if cache_dir else None])
    env = {**os.environ, "CI": "1"}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, argument], capture_output=True, text=True, env=env, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"benchmark child failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000)
    args = parser.parse_args()
    started = time.perf_counter()
    folders = build_tree(args.runs)
    size = sum(p.stat().st_size for folder in folders for p in folder.rglob("*") if p.is_file())
    built = time.perf_counter() - started
    print(f"tree: {args.runs} runs, {size / 2**20:.1f} MiB in {OUT} (built in {built:.0f} s)")
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    rows: list[tuple[str, dict[str, float]]] = []
    rows.append(("--jobs 1", measure(folders, "local", 1, None)))
    rows.append(("--jobs 2", measure(folders, "local", 2, None)))
    rows.append(("dask LocalCluster (2 workers)", measure(folders, "dask", 2, None)))
    with tempfile.TemporaryDirectory() as cache:
        rows.append(("cold cache, --jobs 2", measure(folders, "local", 2, Path(cache))))
        rows.append(("warm cache, --jobs 2", measure(folders, "local", 2, Path(cache))))
    small = measure(folders[:1], "local", 2, None)
    by = dict(rows)
    print()
    print("| measurement | runs | seconds | runs/s | CPU s (all processes) | parent peak RSS |")
    print("|---|---|---|---|---|---|")
    for label, result in rows:
        rate = result["runs"] / result["seconds"]
        cells = (label, f"{result['runs']:.0f}", f"{result['seconds']:.2f}", f"{rate:.1f}",
                 f"{result['cpu']:.1f}", f"{result['peak'] / 2**20:.0f} MiB")  # fmt: skip
        print("| " + " | ".join(cells) + " |")
    print()
    speedup = by["--jobs 1"]["seconds"] / by["--jobs 2"]["seconds"]
    dask_speedup = by["--jobs 1"]["seconds"] / by["dask LocalCluster (2 workers)"]["seconds"]
    warm = by["cold cache, --jobs 2"]["seconds"] / by["warm cache, --jobs 2"]["seconds"]
    print(f"--jobs 2 vs --jobs 1: {speedup:.2f}x (target >= 1.7x)")
    print(f"dask (2 workers) vs --jobs 1: {dask_speedup:.2f}x")
    print(f"warm vs cold cache: {warm:.1f}x faster (target >= 20x)")
    large = by["--jobs 2"]
    print(
        f"parent peak RSS, --jobs 2, no cache: {small['runs']:.0f} runs {small['peak'] / 2**20:.0f} MiB, "
        f"{large['runs']:.0f} runs {large['peak'] / 2**20:.0f} MiB "
        f"(ratio {large['peak'] / small['peak']:.2f}; flat is 1.0)"
    )


if __name__ == "__main__":
    main()
