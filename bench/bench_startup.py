"""Start-up cost of the command line, as ratios against Python itself (issue targets in the README).

    python bench/bench_startup.py [--repeat 7]

Times, in one run and interleaved so machine load hits all alike, the median
wall time of:
- ``loganalyzer --version`` against ``python -c pass``  (target: under 0.25 s);
- ``loganalyzer check`` on a small Keras CSV against ``python -c "import pandas"``
  (target: at most 1.5x the pandas import).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def wall(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    executable = shutil.which("loganalyzer", path=str(Path(sys.executable).parent)) or "loganalyzer"
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "training.log"
        shutil.copy(REPO / "fixtures" / "healthy-keras-csv" / "training.log", log)
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "loganalyzer --version": [executable, "--version"],
            "python -c 'import pandas'": [sys.executable, "-c", "import pandas"],
            "loganalyzer check small.csv": [executable, "check", str(log)],
        }
        for command in commands.values():  # warm the file cache and .pyc files
            wall(command)
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.repeat):
            for name, command in commands.items():
                times[name].append(wall(command))
    median = {name: statistics.median(values) for name, values in times.items()}
    for name, value in median.items():
        print(f"{name:<30} {value * 1000:8.1f} ms (median of {args.repeat})")
    version = median["loganalyzer --version"]
    check = median["loganalyzer check small.csv"]
    pandas = median["python -c 'import pandas'"]
    python = median["python -c pass"]
    print(f"\n--version: {version:.3f} s (target < 0.25 s), {version / python:.1f}x python -c pass")
    print(f"check on a small CSV: {check / pandas:.2f}x the pandas import (target <= 1.5x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
