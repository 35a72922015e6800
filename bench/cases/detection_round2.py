"""Synthetic runs for issue 10's classes 1, 2, 3 and 7, with realistic noise and their labels.

Each builder makes one in-memory run the way a reader would (``build_run``);
noise is per-step minibatch noise (a mean of ``batch`` unit-mean exponential
example losses) or multiplicative log-normal wobble for epoch-level curves.
Seeds are fixed, so the table is reproducible.
"""

from __future__ import annotations

import numpy as np

from bench.cases._build import LabelledCase, memory_run

#: What a lasting jump must not be reported as instead of (or next to) divergence.
_NOT_DIVERGENCE = {"loss-spike", "overfitting", "underfitting"}


def _decay(n: int, start: float, floor: float, tau: float) -> np.ndarray:
    t = np.arange(n, dtype=float)
    return floor + (start - floor) * np.exp(-t / tau)


def _minibatch(curve: np.ndarray, rng: np.random.Generator, batch: int = 32) -> np.ndarray:
    return curve * rng.gamma(batch, 1.0 / batch, curve.size)


def _wobble(curve: np.ndarray, rng: np.random.Generator, sigma: float) -> np.ndarray:
    return curve * np.exp(sigma * rng.standard_normal(curve.size))


def lasting_jump(seed: int) -> LabelledCase:
    """Class 1: a 300x learning-rate jump at 40% of a per-step run; the loss settles far above."""
    rng = np.random.default_rng(seed)
    n, onset = 2000, 800
    curve = _decay(n, 2.3, 0.05, 200)
    after = np.arange(n - onset, dtype=float)
    curve[onset:] = 0.05 * (40.0 + 260.0 * np.exp(-after / 30.0))
    loss = _minibatch(curve, rng, batch=16)
    run = memory_run(f"lasting-jump-{seed}", steps=np.arange(n), loss=loss)
    return LabelledCase(
        run.name, run, expect={"divergence"}, absent={"loss-spike", "overfitting", "underfitting"}
    )


def clamped_component(seed: int) -> LabelledCase:
    """Class 1: one loss term hits its clamp value and stays; the total jumps 20x for good."""
    rng = np.random.default_rng(seed)
    n, onset = 60, 25
    box = _wobble(_decay(n, 0.8, 0.05, 8), rng, 0.03)
    cls = _wobble(_decay(n, 0.6, 0.04, 8), rng, 0.03)
    cls[onset:] = 2.0 * np.exp(0.01 * rng.standard_normal(n - onset))  # the clamp
    val = _wobble(_decay(n, 1.5, 0.12, 8), rng, 0.04)
    val[onset:] = 2.2 * np.exp(0.02 * rng.standard_normal(n - onset))
    run = memory_run(f"clamped-component-{seed}", loss=box + cls, val_loss=val)
    return LabelledCase(
        run.name, run, expect={"divergence"}, absent={"loss-spike", "overfitting", "underfitting"}
    )


def falling_from_first_point(seed: int) -> LabelledCase:
    """Class 2: a loss falling 1000x from its first logged value within two epochs, then small bumps."""
    rng = np.random.default_rng(seed)
    n = 40
    loss = _wobble(_decay(n, 2.2, 1.8, 15), rng, 0.03)
    loss[:3] = [3000.0, 300.0, 12.0]
    loss[[14, 27]] *= 1.15
    val = _wobble(_decay(n, 2.4, 2.0, 15), rng, 0.03)
    run = memory_run(f"falling-from-first-point-{seed}", loss=loss, val_loss=val)
    return LabelledCase(run.name, run, expect=set(), absent={"divergence", "overfitting"})


def wobbly_short_validation(seed: int) -> LabelledCase:
    """Class 3: a 47-epoch regression log whose validation loss wobbles throughout, 1.4x at epoch 2."""
    rng = np.random.default_rng(seed)
    n = 47
    loss = _wobble(_decay(n, 1.2, 0.25, 6), rng, 0.03)
    val = _wobble(_decay(n, 1.3, 0.32, 6), rng, 0.07)
    val[2] = 1.4 * np.sqrt(val[1] * val[3])
    run = memory_run(f"wobbly-short-validation-{seed}", loss=loss, val_loss=val)
    return LabelledCase(run.name, run, expect=set(), absent={"loss-spike", "divergence"})


def term_trade_off(seed: int) -> LabelledCase:
    """Class 7: YOLO-like terms; one validation term rises 8% of itself (1% of the total) as another falls."""
    rng = np.random.default_rng(seed)
    n = 120
    t = np.arange(n, dtype=float)
    train = {
        name: _wobble(_decay(n, start, floor, 25), rng, 0.01)
        for name, start, floor in (("box", 0.1, 0.03), ("obj", 0.05, 0.02), ("cls", 0.03, 0.005))
    }
    val_box = _wobble(0.060 - 0.0006 * t / n + 0.03 * np.exp(-t / 8), rng, 0.003)
    val_obj = _wobble(0.010 + 0.0008 * np.maximum(t - 50, 0) / 70 + 0.01 * np.exp(-t / 10), rng, 0.004)
    val_cls = _wobble(0.012 + 0.01 * np.exp(-t / 10), rng, 0.003)
    run = memory_run(
        f"term-trade-off-{seed}",
        **{"train/box_loss": train["box"], "train/obj_loss": train["obj"], "train/cls_loss": train["cls"]},
        **{"val/box_loss": val_box, "val/obj_loss": val_obj, "val/cls_loss": val_cls},
    )
    return LabelledCase(run.name, run, expect=set(), absent={"overfitting"})


def cases() -> list[LabelledCase]:
    """Every labelled case of this module, three seeds per class shape."""
    builders = (
        lasting_jump,
        clamped_component,
        falling_from_first_point,
        wobbly_short_validation,
        term_trade_off,
    )
    return [build(seed) for build in builders for seed in (0, 1, 2)]
