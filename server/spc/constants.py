"""Control chart constants for subgroups of ``n`` normal observations.

``d2(n)`` and ``d3(n)`` are the mean and standard deviation of the range of
``n`` standard normal values (the "relative range" W); ``c4(n)`` is the mean
of the sample standard deviation (ddof=1) over sigma. Every other constant is
derived from these three with 3-sigma limits, as in Montgomery's
*Introduction to Statistical Quality Control*, Appendix VI:

- ``A2 = 3 / (d2 sqrt n)``: X-bar limits from R-bar;
- ``A3 = 3 / (c4 sqrt n)``: X-bar limits from S-bar;
- ``D3, D4 = 1 -/+ 3 d3 / d2`` (D3 floored at 0): R chart limits from R-bar;
- ``B3, B4 = 1 -/+ 3 sqrt(1 - c4^2) / c4`` (B3 floored at 0): S chart limits
  from S-bar.

The table is computed, not typed in, so it holds for any ``n`` from 2 to
:data:`MAX_N` with full double precision (the printed tables round to three
or four decimals; the tests check the printed values):

- ``c4`` exactly from the gamma function:
  ``sqrt(2 / (n - 1)) Gamma(n / 2) / Gamma((n - 1) / 2)``.
- ``d2 = integral of 1 - Phi(x)^n - (1 - Phi(x))^n dx`` over the real line,
  and ``E[W^2] = 2 * integral over w >= 0 and x of
  1 - Phi(x + w)^n - (1 - Phi(x))^n + (Phi(x + w) - Phi(x))^n`` (Tippett,
  1925), ``d3 = sqrt(E[W^2] - d2^2)``. The integrands are smooth and decay
  like the normal density, so the trapezoid rule over ``x`` in [-12, 12]
  converges geometrically; ``w`` runs over [0, 16] with Gauss-Legendre nodes.
  Both agree with adaptive quadrature (:func:`scipy.integrate.quad`) to 1e-10.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from scipy import special, stats

#: Largest subgroup size the constants are offered for.
MAX_N = 100

_X = np.linspace(-12.0, 12.0, 2401)
_DX = _X[1] - _X[0]
_W_NODES, _W_WEIGHTS = np.polynomial.legendre.leggauss(160)
#: Gauss-Legendre nodes and weights on [0, 16].
_W = 8.0 * (_W_NODES + 1.0)
_W_WEIGHT = 8.0 * _W_WEIGHTS


def _check(n: int) -> int:
    if not 2 <= n <= MAX_N:
        raise ValueError(f"control chart constants need 2 <= n <= {MAX_N}, got {n}")
    return int(n)


@cache
def d2(n: int) -> float:
    """Mean of the range of ``n`` standard normal values (1.128 for n=2)."""
    n = _check(n)
    below = stats.norm.cdf(_X)
    above = stats.norm.sf(_X)
    return float(np.sum(1.0 - below**n - above**n) * _DX)


@cache
def d3(n: int) -> float:
    """Standard deviation of the range of ``n`` standard normal values."""
    n = _check(n)
    x = _X[np.newaxis, :]
    w = _W[:, np.newaxis]
    upper = stats.norm.cdf(x + w)
    # Phi(x + w) - Phi(x) without cancellation in the upper tail.
    between = stats.norm.sf(x) - stats.norm.sf(x + w)
    integrand = 1.0 - upper**n - stats.norm.sf(x) ** n + between**n
    second_moment = 2.0 * float(_W_WEIGHT @ (integrand.sum(axis=1) * _DX))
    return float(np.sqrt(second_moment - d2(n) ** 2))


@cache
def c4(n: int) -> float:
    """Mean of the sample standard deviation (ddof=1) of ``n`` normal values
    over sigma."""
    n = _check(n)
    log_ratio = special.gammaln(n / 2) - special.gammaln((n - 1) / 2)
    return float(np.sqrt(2.0 / (n - 1)) * np.exp(log_ratio))


def A2(n: int) -> float:
    return 3.0 / (d2(n) * np.sqrt(n))


def A3(n: int) -> float:
    return 3.0 / (c4(n) * np.sqrt(n))


def D3(n: int) -> float:
    return max(0.0, 1.0 - 3.0 * d3(n) / d2(n))


def D4(n: int) -> float:
    return 1.0 + 3.0 * d3(n) / d2(n)


def B3(n: int) -> float:
    return max(0.0, 1.0 - 3.0 * np.sqrt(1.0 - c4(n) ** 2) / c4(n))


def B4(n: int) -> float:
    return 1.0 + 3.0 * np.sqrt(1.0 - c4(n) ** 2) / c4(n)
