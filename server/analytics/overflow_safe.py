"""Statistics that stay finite across the whole float64 range.

NumPy's ``var`` and ``std`` square the deviations, so values from about
1e154 up overflow to infinity (or NaN) and values below about 1e-154
underflow to zero, though the standard deviation itself is perfectly
representable. Moments are therefore computed on the values divided by a
power of two near their largest magnitude (:func:`unit_scaled`), then scaled
back. Dividing by a power of two is exact, so on ordinary data the results
equal NumPy's bit for bit. A statistic that is itself beyond float64 (the
variance of values around 1e200) still comes back infinite: callers leave
it out, as they leave out every undefined statistic.

Order statistics interpolate between two values whose difference can
overflow (``1e308 - -1e308``); there the halves are interpolated and doubled
(:func:`linear_quantiles`, :func:`midpoint`), exact for values that large.
"""

from __future__ import annotations

import math

import numpy as np


def unit_scaled(values: np.ndarray) -> tuple[np.ndarray, float]:
    """``values`` divided by the power of two at or below their largest
    magnitude (so within [-2, 2]), and that power of two; finite values
    expected. (The power above could be 2**1024, beyond float64.)"""
    largest = float(np.max(np.abs(values))) if len(values) else 0.0
    if largest == 0.0 or not math.isfinite(largest):
        return values, 1.0
    factor = math.ldexp(1.0, math.frexp(largest)[1] - 1)
    return values / factor, factor


def midpoint(low: float, high: float) -> float:
    """``(low + high) / 2``, also when the sum overflows."""
    middle = (low + high) / 2
    return middle if math.isfinite(middle) else low / 2 + high / 2


def linear_quantiles(ordered: np.ndarray, fractions: np.ndarray) -> np.ndarray:
    """Quantiles of sorted values by linear interpolation between order
    statistics, computed as ``numpy.quantile(method="linear")`` does, without
    its overflow on values of opposite signs near the float64 limits."""
    position = (len(ordered) - 1) * fractions
    below = np.floor(position).astype(np.intp)
    above = np.minimum(below + 1, len(ordered) - 1)
    weight = position - below
    low, high = ordered[below], ordered[above]
    with np.errstate(over="ignore", invalid="ignore"):
        result = _lerp(low, high, weight)
    overflowed = ~np.isfinite(result)
    if overflowed.any():
        result = np.where(overflowed, 2 * _lerp(low / 2, high / 2, weight), result)
    return result


def _lerp(low: np.ndarray, high: np.ndarray, weight: np.ndarray) -> np.ndarray:
    # NumPy's lerp: from the nearer end, so the 0th and 100th are exact.
    difference = high - low
    return np.where(weight >= 0.5, high - difference * (1 - weight), low + difference * weight)
