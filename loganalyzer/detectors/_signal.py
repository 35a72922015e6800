"""Robust statistics shared by the detectors.

Training curves are short (tens of epochs) or long and noisy (per-step
minibatch losses), trend-dominated and full of outliers, so everything here is
rank- or median-based: the noise of a curve is 1.4826 x MAD of its second
differences (which cancel a locally linear trend), trends are Mann-Kendall
tests (Hamed-Rao corrected for autocorrelation) with Theil-Sen slopes, and
significance uses the normal approximation from the standard library, or a
Student-t expansion where a scale was estimated from the same short series
(no SciPy import on the common path, which keeps ``check`` fast to start).

Pairwise statistics run on at most :data:`MAX_TREND_POINTS` block medians, so
their O(n^2) cost stays small on a 1,000,000-point series while the trend the
test is about is preserved.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

#: Consistency constant: 1.4826 x MAD estimates the standard deviation of Gaussian noise.
MAD_TO_SIGMA = 1.4826

#: Pairwise statistics (Mann-Kendall, Theil-Sen) run on at most this many points.
MAX_TREND_POINTS = 400

_STANDARD_NORMAL = NormalDist()


def mad_sigma(values: np.ndarray) -> float:
    """Robust standard deviation of ``values`` (NaNs ignored); 0.0 when undefined."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return 0.0
    return float(MAD_TO_SIGMA * np.median(np.abs(finite - np.median(finite))))


def rolling_median(values: np.ndarray, window: int) -> np.ndarray:
    """Centred rolling median with the window shrunk at the edges (NaNs ignored).

    Only the ``window - 1`` edge rows hold padding, so only they take the
    slow NaN-aware median; a 1,000,000-point curve stays fast.
    """
    n = values.size
    window = max(1, min(int(window), n))
    if window == 1 or n == 0:
        return values.astype(np.float64, copy=True)
    half = window // 2
    edges = (np.full(half, np.nan), np.full(window - 1 - half, np.nan))
    padded = np.concatenate([edges[0], values.astype(np.float64), edges[1]])
    with np.errstate(all="ignore"):
        return nanmedian_rows(sliding_window_view(padded, window))


def nanmedian_rows(windows: np.ndarray) -> np.ndarray:
    """Row-wise median ignoring NaN: the plain median for complete rows, nanmedian for the rest."""
    out = np.empty(windows.shape[0])
    ragged = np.isnan(windows).any(axis=1)
    if (~ragged).any():
        out[~ragged] = np.median(windows[~ragged], axis=1)
    if ragged.any():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            out[ragged] = np.nanmedian(windows[ragged], axis=1)
    return out


def noise_sigma(values: np.ndarray) -> float:
    """Noise scale of a curve: robust sigma from its second differences.

    A second difference ``x[i-1] - 2 x[i] + x[i+1]`` cancels any locally
    linear trend, so what is left is point-to-point noise with variance
    6 sigma^2; its MAD is immune to the few outliers a spike adds. (Residuals
    from a rolling median would vanish on a steep, locally monotone curve and
    report no noise at all.) A tiny floor relative to the curve's level keeps
    perfectly smooth synthetic curves from dividing by zero.
    """
    finite = values[np.isfinite(values)]
    if finite.size < 3:
        return 0.0
    second = finite[:-2] - 2.0 * finite[1:-1] + finite[2:]
    sigma = mad_sigma(second) / math.sqrt(6.0)
    floor = 1e-9 * max(float(np.median(np.abs(finite))), 1e-12)
    return max(sigma, floor)


def block_medians(values: np.ndarray, max_points: int = MAX_TREND_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """Medians of consecutive equal blocks of ``values`` and the last index of each block.

    One reshape and one median, so a 1,000,000-point curve costs
    milliseconds; a series of at most ``max_points`` comes back unchanged.
    The values should be finite (drop NaNs first).
    """
    n = values.size
    if n <= max_points:
        return values, np.arange(n)
    size = math.ceil(n / max_points)
    full = n // size
    medians = np.median(values[: full * size].reshape(full, size), axis=1)
    last = np.arange(1, full + 1) * size - 1
    if full * size < n:
        medians = np.append(medians, np.median(values[full * size :]))
        last = np.append(last, n - 1)
    return medians, last


@dataclass(frozen=True)
class Trend:
    """Mann-Kendall trend test with Theil-Sen slope, on a thinned series.

    ``slope`` is per original index (point), ``z`` the normal score of S and
    ``p_increasing``/``p_decreasing`` the one-sided p-values.
    """

    n: int
    s: float
    z: float
    slope: float
    p_increasing: float
    p_decreasing: float


def trend(values: np.ndarray, *, autocorrelation: bool = True) -> Trend:
    """Mann-Kendall test (tie-corrected; Hamed-Rao variance correction when asked).

    Smoothed or slowly varying curves are autocorrelated, which makes the
    plain test far too eager; the Hamed-Rao correction inflates the variance
    by the effective-sample-size factor from the autocorrelation of the ranks
    of the detrended series.
    """
    finite_idx = np.flatnonzero(np.isfinite(values))
    raw_n = finite_idx.size
    if raw_n < 3:
        return Trend(raw_n, 0.0, 0.0, 0.0, 1.0, 1.0)
    x = values[finite_idx]
    positions = finite_idx.astype(np.float64)
    if raw_n > MAX_TREND_POINTS:
        x, last = block_medians(x)
        positions = positions[last]
    n = x.size
    i, j = np.triu_indices(n, k=1)
    signs = np.sign(x[j] - x[i])
    s = float(signs.sum())
    _, counts = np.unique(x, return_counts=True)
    variance = (n * (n - 1) * (2 * n + 5) - float((counts * (counts - 1) * (2 * counts + 5)).sum())) / 18.0
    slopes = (x[j] - x[i]) / (positions[j] - positions[i])
    slope = float(np.median(slopes))
    if autocorrelation and n >= 10:
        variance *= _hamed_rao_factor(x, positions, slope)
    if variance <= 0:
        return Trend(n, s, 0.0, slope, 1.0, 1.0)
    z = (s - math.copysign(1.0, s)) / math.sqrt(variance) if s != 0 else 0.0
    return Trend(n, s, z, slope, normal_sf(z), normal_sf(-z))


def _hamed_rao_factor(x: np.ndarray, positions: np.ndarray, slope: float) -> float:
    """Variance inflation n/n* from significant lag autocorrelations of detrended ranks."""
    n = x.size
    detrended = x - slope * positions
    ranks = np.argsort(np.argsort(detrended)).astype(np.float64)
    ranks -= ranks.mean()
    denominator = float((ranks * ranks).sum())
    if denominator == 0:
        return 1.0
    bound = normal_quantile(0.975) / math.sqrt(n)
    factor = 0.0
    for lag in range(1, n - 1):
        rho = float((ranks[:-lag] * ranks[lag:]).sum()) / denominator
        if abs(rho) > bound:
            factor += (n - lag) * (n - lag - 1) * (n - lag - 2) * rho
    correction = 1.0 + 2.0 / (n * (n - 1) * (n - 2)) * factor
    return max(correction, 1.0)


def normal_sf(z: float) -> float:
    """Upper-tail probability of the standard normal."""
    return 0.5 * math.erfc(z / math.sqrt(2.0))


def normal_quantile(p: float) -> float:
    """Inverse CDF of the standard normal."""
    return _STANDARD_NORMAL.inv_cdf(p)


def familywise_z(n: int, alpha: float = 0.01, floor: float = 0.0) -> float:
    """One-sided z threshold that keeps P(any of n null points exceeds it) near ``alpha``.

    Bonferroni over ``n`` points: long per-step logs need a higher bar than
    short epoch logs for the same false-alarm rate per run.
    """
    return max(floor, normal_quantile(1.0 - alpha / max(n, 1)))


#: Asymptotic efficiency of the MAD as an estimator of a Gaussian sigma: a scale estimated from m
#: residuals is worth about this share of m degrees of freedom.
MAD_EFFICIENCY = 0.37


def student_t_quantile(p: float, df: float) -> float:
    """Inverse CDF of Student's t with ``df`` degrees of freedom (Cornish-Fisher expansion in 1/df).

    Abramowitz and Stegun 26.7.5: within 1 % of the exact value for df >= 8
    and within 4 % for df >= 5, out to p = 1 - 1e-5. Infinite df is the
    normal quantile.
    """
    z = normal_quantile(p)
    if not math.isfinite(df):
        return z
    g1 = (z**3 + z) / 4.0
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96.0
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384.0
    g4 = (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160.0
    return z + g1 / df + g2 / df**2 + g3 / df**3 + g4 / df**4


def familywise_t(n: int, noise_points: int, alpha: float = 0.01, floor: float = 0.0) -> float:
    """Like :func:`familywise_z` when the noise scale is a MAD of ``noise_points`` residuals of the series.

    A scale estimated from a short series is itself uncertain, which makes
    the standardised score heavier-tailed than a normal one: the bar is the
    Student-t quantile with ``MAD_EFFICIENCY x noise_points`` degrees of
    freedom (at least 5, where the expansion holds). Long series converge to :func:`familywise_z`.
    """
    df = max(5.0, MAD_EFFICIENCY * noise_points)
    return max(floor, student_t_quantile(1.0 - alpha / max(n, 1), df))


def theil_sen(values: np.ndarray) -> float:
    """Median pairwise slope per index (thinned for long series); 0.0 for < 2 points."""
    return trend(values, autocorrelation=False).slope
