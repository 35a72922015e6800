"""Read benchmark: loganalyzer vs tbparse vs TensorBoard's EventAccumulator on 1,000,000 scalar events.

Writes two event files (once; they are kept in ``bench/out/``, which git ignores):

* ``simple``: what PyTorch's ``SummaryWriter.add_scalar`` writes, one Event per
  call with wall_time, step and ``summary{value{tag, simple_value}}``;
* ``tf2``: what ``tf.summary.scalar`` / the Keras callback write, a rank-0
  DT_FLOAT ``tensor_content`` tensor with the ``scalars`` plugin metadata.

Both hold 8 tags x 125,000 steps, built with the protobuf classes shipped in
``tensorboard`` and framed as TFRecords here (no torch or TensorFlow needed).

Each reader runs in a fresh subprocess that imports what it needs, then times
reading every point and reports its own peak resident set size: ``VmHWM``
from ``/proc/self/status``, the high-water mark of the child's address space
since it started (interpreter and imports included; the mark reached by the
imports alone is printed too). ``getrusage``'s ``ru_maxrss`` is not used on
Linux because it carries over the RSS of the forking parent across ``exec``;
elsewhere it is the fallback.

* loganalyzer: ``loganalyzer.ingest.load_runs([path])`` (what ``inspect`` does),
  with data checksums verified (the default); the cost of that check is then
  measured separately, by alternating runs with it on and off in one process;
* tbparse: ``SummaryReader(path).scalars`` (simple) or ``.tensors`` (tf2);
* EventAccumulator: ``EventAccumulator(path, size_guidance={...: 0})``,
  ``Reload()``, then every ``Scalars(tag)`` (simple) or every ``Tensors(tag)``
  turned into numbers with ``tensor_util.make_ndarray`` (tf2).

Usage: ``python bench/bench_read.py [--repeat N] [--only loganalyzer]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import struct
import subprocess
import sys
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
TAGS = (
    "train/loss",
    "train/accuracy",
    "train/lr",
    "train/grad_norm",
    "val/loss",
    "val/accuracy",
    "system/gpu_mem_mb",
    "system/step_time",
)
STEPS = 125_000
START = 1_700_000_000.0
KINDS = ("simple", "tf2")
READERS = ("loganalyzer", "tbparse", "EventAccumulator")
#: Alternating runs with data checksums on and off, in one process, for the checksum cost.
CRC_RUNS = 15


# ---------------------------------------------------------------------------
# Writing the files
# ---------------------------------------------------------------------------


def masked_crc(data: bytes) -> int:
    import google_crc32c

    crc = google_crc32c.value(data)
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


def frame(data: bytes) -> bytes:
    length = struct.pack("<Q", len(data))
    return length + struct.pack("<I", masked_crc(length)) + data + struct.pack("<I", masked_crc(data))


def bench_file(kind: str) -> Path:
    """The benchmark file for ``kind``, written on first use."""
    suffix = ".v2" if kind == "tf2" else ""
    path = OUT / kind / f"events.out.tfevents.{int(START)}.bench.{kind}{suffix}"
    if not path.exists():  # written by a child, so this process stays small
        subprocess.run([sys.executable, __file__, "--write", kind, str(path)], check=True)
    return path


def write_file(path: Path, kind: str) -> None:
    import numpy as np
    from tensorboard.compat.proto import event_pb2, types_pb2

    values = np.random.default_rng(0).standard_normal(STEPS * len(TAGS)).astype(np.float32)
    event = event_pb2.Event()
    value = event.summary.value.add()
    if kind == "tf2":
        value.tensor.dtype = types_pb2.DT_FLOAT
        value.tensor.tensor_shape.SetInParent()  # present and empty: rank 0
        value.metadata.plugin_data.plugin_name = "scalars"
    chunks = [frame(event_pb2.Event(wall_time=START, file_version="brain.Event:2").SerializeToString())]
    wall = START
    for step in range(STEPS):
        for k, tag in enumerate(TAGS):
            wall += 0.001
            event.wall_time = wall
            event.step = step
            value.tag = tag
            number = values[step * len(TAGS) + k]
            if kind == "tf2":
                value.tensor.tensor_content = number.tobytes()
            else:
                value.simple_value = float(number)
            chunks.append(frame(event.SerializeToString()))
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"incomplete-{kind}")  # renamed when complete; not named like an event file
    partial.write_bytes(b"".join(chunks))
    partial.rename(path)


# ---------------------------------------------------------------------------
# One reader, in a child process
# ---------------------------------------------------------------------------


def child(reader: str, kind: str, path: Path) -> dict[str, float]:
    """Import, then time reading every point of ``path``; return the measurements."""
    if reader == "loganalyzer":
        from loganalyzer.ingest import load_runs

        def run() -> int:
            result = load_runs([path])
            assert not result.errors, result.errors
            return sum(r.point_count for r in result.runs)

    elif reader == "tbparse":
        from tbparse import SummaryReader

        def run() -> int:
            reader_ = SummaryReader(str(path))
            frame_ = reader_.scalars if kind == "simple" else reader_.tensors
            return len(frame_)

    else:
        from tensorboard.backend.event_processing import event_accumulator as ea
        from tensorboard.util import tensor_util

        guidance = {ea.SCALARS: 0, ea.TENSORS: 0, ea.HISTOGRAMS: 0, ea.IMAGES: 0, ea.AUDIO: 0}

        def run() -> int:
            accumulator = ea.EventAccumulator(str(path), size_guidance=guidance)
            accumulator.Reload()
            if kind == "simple":
                return sum(len(accumulator.Scalars(tag)) for tag in accumulator.Tags()[ea.SCALARS])
            total = 0
            for tag in accumulator.Tags()[ea.TENSORS]:
                total += len(
                    [tensor_util.make_ndarray(e.tensor_proto).item() for e in accumulator.Tensors(tag)]
                )
            return total

    after_imports = peak_rss_kib()
    started = time.perf_counter()
    points = run()
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "points": points,
        "peak_rss_kib": peak_rss_kib(),
        "import_rss_kib": after_imports,
    }


def checksum_cost(path: Path) -> dict[str, float]:
    """Time loganalyzer with data checksums on and off, alternating, in this one process.

    The difference is about a tenth of a second, less than the spread between
    fresh processes, so both settings share one warm process and the fastest
    and the median of each are compared.
    """
    from loganalyzer.ingest import load_runs
    from loganalyzer.ingest.source import ReadOptions

    times: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(CRC_RUNS):
        for verify in (True, False):
            started = time.perf_counter()
            load_runs([path], ReadOptions(verify_data_crc=verify))
            times[verify].append(time.perf_counter() - started)
    on, off = sorted(times[True]), sorted(times[False])
    return {
        "on_min": on[0],
        "off_min": off[0],
        "on_median": on[len(on) // 2],
        "off_median": off[len(off) // 2],
    }


def peak_rss_kib() -> int:
    """High-water resident set size of this process, in KiB."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def measure(reader: str, kind: str, path: Path) -> dict[str, float]:
    """Run one reader in a fresh interpreter and return what it measured."""
    command = [sys.executable, __file__, "--child", reader, kind, str(path)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{reader} on {kind} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repeat", type=int, default=5, help="fresh-process runs of loganalyzer; best is kept"
    )
    parser.add_argument("--only", choices=READERS, action="append", help="run only these readers")
    parser.add_argument("--child", nargs=3, metavar=("READER", "KIND", "PATH"), help=argparse.SUPPRESS)
    parser.add_argument("--write", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.write:
        write_file(Path(args.write[1]), args.write[0])
        return
    if args.child:
        reader, kind, path = args.child
        measured = checksum_cost(Path(path)) if reader == "checksum-cost" else child(reader, kind, Path(path))
        print(json.dumps(measured))
        return

    readers = args.only or list(READERS)
    machine = platform.processor() or platform.machine()
    print(f"machine: {machine}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print("peak RSS: VmHWM of each reader's own process, interpreter and imports included")
    results: dict[tuple[str, str], dict[str, float]] = {}
    for kind in KINDS:
        path = bench_file(kind)
        size = path.stat().st_size / 2**20
        print(f"\n{kind}: {path.name}, {size:.1f} MiB, {STEPS * len(TAGS):,} scalar events")
        print(f"  {'reader':<26}{'read s':>9}{'peak RSS MiB':>14}{'after imports':>15}{'points':>11}")
        for reader in readers:
            runs = args.repeat if reader == "loganalyzer" else 1
            best = min((measure(reader, kind, path) for _ in range(runs)), key=lambda r: r["seconds"])
            results[kind, reader] = best
            print(
                f"  {reader:<26}{best['seconds']:>9.2f}{best['peak_rss_kib'] / 1024:>14.0f}"
                f"{best['import_rss_kib'] / 1024:>15.0f}{best['points']:>11,}"
            )
    print("\nratios (other / loganalyzer with data checksums on):")
    for kind in KINDS:
        ours = results.get((kind, "loganalyzer"))
        if ours is None:
            continue
        for reader in readers:
            other = results.get((kind, reader))
            if other is None or reader == "loganalyzer":
                continue
            print(
                f"  {kind:<7}{reader:<26}time {other['seconds'] / ours['seconds']:>6.1f}x"
                f"   peak RSS {other['peak_rss_kib'] / ours['peak_rss_kib']:>5.1f}x"
            )
    if "loganalyzer" in readers:
        print(f"\ndata-checksum cost ({CRC_RUNS} alternating runs each way in one process):")
        for kind in KINDS:
            cost = measure("checksum-cost", kind, bench_file(kind))
            print(
                f"  {kind:<7}on {cost['on_min']:.3f} s, off {cost['off_min']:.3f} s (fastest): "
                f"{cost['on_min'] / cost['off_min'] - 1:+.0%};  medians {cost['on_median']:.3f} s vs "
                f"{cost['off_median']:.3f} s: {cost['on_median'] / cost['off_median'] - 1:+.0%}"
            )


if __name__ == "__main__":
    main()
