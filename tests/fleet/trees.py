"""Build directory trees of small, realistic runs for audit tests."""

from __future__ import annotations

import math
import random
import shutil
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def keras_csv(path: Path, seed: int, *, epochs: int = 30, overfit: bool = False) -> Path:
    """A Keras CSVLogger file: falling losses with noise; validation rises after epoch 10 when ``overfit``."""
    rng = random.Random(seed)
    lines = ["epoch,accuracy,loss,val_accuracy,val_loss"]
    for epoch in range(epochs):
        train = 2.0 * math.exp(-epoch / 6) + 0.05 + rng.gauss(0, 0.005)
        val = 2.0 * math.exp(-epoch / 6) + 0.15 + rng.gauss(0, 0.005)
        if overfit and epoch > 10:
            val += 0.03 * (epoch - 10)
        acc = 1 - train / 2.5
        lines.append(f"{epoch},{acc:.6f},{train:.6f},{1 - val / 2.5:.6f},{val:.6f}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def many_runs(root: Path, count: int) -> list[Path]:
    """``count`` Keras CSV runs under ``root/sweep/run-NNNN/training.log``, every fifth overfitting."""
    return [
        keras_csv(root / "sweep" / f"run-{i:04d}" / "training.log", i, overfit=i % 5 == 0)
        for i in range(count)
    ]


def fixture_tree(root: Path, *names: str) -> Path:
    """Copy the named fixtures (all when none) under ``root``; return ``root``."""
    chosen = names or tuple(sorted(p.name for p in FIXTURES.iterdir() if p.is_dir()))
    for name in chosen:
        shutil.copytree(FIXTURES / name, root / name, ignore=shutil.ignore_patterns("expected.toml"))
    return root
