"""Peak memory of reading a 2 GB event file next to a 20 MB one holding the same scalars.

Memory while reading TensorBoard logs must follow the scalar data kept, not
the size of the file: a 2 GB event file is usually a few thousand scalars
next to images, histograms and graphs. The reader streams records through a
fixed window (``tfrecord.WINDOW_BYTES``) and keeps only scalar points.

Two files are written into a temporary directory (deleted at the end):

* ``small``: 8 tags x 55,000 steps of ``simple_value`` scalars, about 20 MB;
* ``large``: the same scalar events with 1 MiB image summaries interleaved
  until the file reaches 2,000,000,000 bytes (skipped by the reader, counted
  in ``skipped_values``).

Each is read in a fresh interpreter with ``loganalyzer.ingest.load_runs``
(what ``inspect`` does; the default ``--max-bytes`` of 2 GiB admits the large
file) and the child reports its peak resident set (``VmHWM``), its mark after
imports, the read time and the points read.

Usage: ``python bench/bench_memory.py [--large-bytes N] [--keep DIR]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_read import frame  # the TFRecord framing the other benchmarks use

TAGS = (*(f"train/metric_{k}" for k in range(6)), "val/loss", "val/accuracy")
STEPS = 55_000
START = 1_700_000_000.0
LARGE_BYTES = 2_000_000_000
IMAGE_BYTES = 2**20


def _scalar_chunks() -> list[bytes]:
    """The scalar events, one chunk per step (all tags)."""
    import numpy as np
    from tensorboard.compat.proto import event_pb2

    values = np.random.default_rng(0).standard_normal(STEPS * len(TAGS)).astype(np.float32)
    event = event_pb2.Event()
    value = event.summary.value.add()
    chunks = []
    wall = START
    for step in range(STEPS):
        pieces = []
        for k, tag in enumerate(TAGS):
            wall += 0.001
            event.wall_time, event.step, value.tag = wall, step, tag
            value.simple_value = float(values[step * len(TAGS) + k])
            pieces.append(frame(event.SerializeToString()))
        chunks.append(b"".join(pieces))
    return chunks


def write_files(directory: Path, large_bytes: int) -> tuple[Path, Path]:
    """Write the small and the large event file; return their paths."""
    from tensorboard.compat.proto import event_pb2

    header = frame(event_pb2.Event(wall_time=START, file_version="brain.Event:2").SerializeToString())
    chunks = _scalar_chunks()
    small = directory / "small" / f"events.out.tfevents.{int(START)}.bench.small"
    small.parent.mkdir()
    small.write_bytes(header + b"".join(chunks))

    image = event_pb2.Event(wall_time=START, step=0)
    image.summary.value.add(tag="images/sample").image.encoded_image_string = bytes(IMAGE_BYTES)
    padding = frame(image.SerializeToString())
    scalar_bytes = sum(len(c) for c in chunks) + len(header)
    images = max(0, (large_bytes - scalar_bytes) // len(padding))
    every = max(1, len(chunks) // max(1, images))
    large = directory / "large" / f"events.out.tfevents.{int(START)}.bench.large"
    large.parent.mkdir()
    written = 0
    with open(large, "wb") as out:
        out.write(header)
        for index, chunk in enumerate(chunks):
            out.write(chunk)
            if index % every == 0 and written < images:
                out.write(padding)
                written += 1
        while written < images:
            out.write(padding)
            written += 1
    return small, large


def _peak_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def child(path: Path) -> dict[str, float]:
    """Import, then read ``path``; report the peak resident set and what was read."""
    from loganalyzer.ingest import load_runs
    from loganalyzer.ingest.tensorboard import events  # noqa: F401 - imported before the mark

    after_imports = _peak_kib()
    started = time.perf_counter()
    result = load_runs([path])
    seconds = time.perf_counter() - started
    if result.errors:
        raise SystemExit(f"{path}: {result.errors[0]}")
    (run,) = result.runs
    return {
        "bytes": path.stat().st_size,
        "points": run.point_count,
        "skipped": sum(run.metadata["skipped_values"].values()),
        "seconds": seconds,
        "peak_mib": _peak_kib() / 1024,
        "imports_mib": after_imports / 1024,
    }


def measure(path: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(path)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large-bytes", type=int, default=LARGE_BYTES)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child)))
        return
    with tempfile.TemporaryDirectory(prefix="loganalyzer-bench-memory-") as tmp:
        started = time.perf_counter()
        small, large = write_files(Path(tmp), args.large_bytes)
        print(f"wrote the files in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        rows = {"small": measure(small), "large": measure(large)}
    print("| file | bytes | scalar points | skipped values | read s | peak RSS MiB | after imports MiB |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, row in rows.items():
        print(
            f"| {name} | {row['bytes']:,.0f} | {row['points']:,.0f} | {row['skipped']:,.0f} | "
            f"{row['seconds']:.2f} | {row['peak_mib']:.0f} | {row['imports_mib']:.0f} |"
        )
    size_ratio = rows["large"]["bytes"] / rows["small"]["bytes"]
    memory_ratio = (rows["large"]["peak_mib"] - rows["large"]["imports_mib"]) / max(
        1e-9, rows["small"]["peak_mib"] - rows["small"]["imports_mib"]
    )
    print(f"\nfile size ratio {size_ratio:.0f}x; memory above imports ratio {memory_ratio:.2f}x")


if __name__ == "__main__":
    main()
