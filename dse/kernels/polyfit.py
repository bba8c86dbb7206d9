"""Distribution-aware polynomial fits of ReLU (AutoReP's DaPa) and the straight-through init.

DaPa (Peng et al., AutoReP, ICCV 2023, [AutoReP23]; ``approx/approx.py`` of harveyp123/AutoReP)
chooses the coefficients ``w`` of ``p(x) = sum_i w_i x^i`` that minimise the expected squared
error against ReLU when the activation ``x`` follows a Gaussian ``N(mean, std^2)``:

    min_w E[(ReLU(x) - p(x))^2]   =>   G w = h,  G_ij = E[x^(i+j)],  h_i = E[x^i ReLU(x)].

We solve it on the standardised variable ``z = (x - mean) / std`` (moments of ``N(0, 1)``, better
conditioned) and expand back to powers of ``x``. The partial moments
``P_k(t) = E[y^k 1{y > 0}]`` of ``y ~ N(t, 1)`` follow ``P_0 = Phi(t)``, ``P_1 = t Phi(t) + phi(t)``,
``P_k = t P_(k-1) + (k - 1) P_(k-2)`` (integration by parts). For degree 1 this gives
``w_1 = Phi(mean/std)``, ``w_0 = std phi(mean/std)``, AutoReP's closed form.

The straight-through initialisation (PolyMPCNet / PASNet, [PolyMPCNet22; PASNet23]; ``PolyAct`` in
harveyp123/PASNet-DAC2023 ``models/gate_tmp.py``) starts the polynomial as nearly the identity,
``0.005 x^2 + 1 x + 0``, so a network whose ReLUs are swapped keeps its forward pass at first.
"""

from __future__ import annotations

from math import comb

import numpy as np
from scipy import special

from ..errors import DseInputError

__all__ = ["dapa_coefficients", "straight_through_coefficients", "polyval", "MAX_DEGREE"]

MAX_DEGREE = 8


def _check_degree(degree: int) -> int:
    d = int(degree)
    if d != degree or not 1 <= d <= MAX_DEGREE:
        raise DseInputError("degree", degree, f"an integer in [1, {MAX_DEGREE}]")
    return d


def _normal_moments(n: int) -> np.ndarray:
    """E[z^k] for z ~ N(0, 1), k = 0..n."""
    m = np.zeros(n + 1)
    m[0] = 1.0
    for k in range(2, n + 1, 2):
        m[k] = (k - 1) * m[k - 2]
    return m


def _partial_moments(t: float, n: int) -> np.ndarray:
    """E[y^k 1{y > 0}] for y ~ N(t, 1), k = 0..n."""
    p = np.zeros(n + 1)
    cdf, pdf = special.ndtr(t), np.exp(-0.5 * t * t) / np.sqrt(2 * np.pi)
    p[0] = cdf
    if n >= 1:
        p[1] = t * cdf + pdf
    for k in range(2, n + 1):
        p[k] = t * p[k - 1] + (k - 1) * p[k - 2]
    return p


def _fit_one(mean: float, std: float, degree: int) -> np.ndarray:
    t = mean / std
    mz = _normal_moments(2 * degree)
    gram = np.array([[mz[i + j] for j in range(degree + 1)] for i in range(degree + 1)])
    py = _partial_moments(t, degree + 1)
    # E[z^i ReLU(std z + mean)] = std E[(y - t)^i y 1{y>0}],  y = z + t
    rhs = np.array([std * sum(comb(i, j) * (-t) ** (i - j) * py[j + 1] for j in range(i + 1))
                    for i in range(degree + 1)])
    a = np.linalg.solve(gram, rhs)  # coefficients in z
    # expand sum_i a_i ((x - mean)/std)^i into powers of x
    poly = np.polynomial.Polynomial(a)(np.polynomial.Polynomial([-mean / std, 1.0 / std]))
    out = np.zeros(degree + 1)
    out[: len(poly.coef)] = poly.coef
    return out


def dapa_coefficients(mean, std, degree: int = 2) -> np.ndarray:
    """Least-squares ReLU fit under ``N(mean, std^2)``: ascending coefficients ``w_0..w_degree``.

    ``mean`` and ``std`` are scalars or arrays of the same shape (one per channel); the result has
    shape ``(degree + 1,) + shape``. ``std`` must be positive.
    """
    d = _check_degree(degree)
    mean_a, std_a = np.broadcast_arrays(np.asarray(mean, dtype=np.float64), np.asarray(std, dtype=np.float64))
    if np.any(~np.isfinite(std_a)) or np.any(std_a <= 0):
        raise DseInputError("std", std, "positive finite activation standard deviations")
    if np.any(~np.isfinite(mean_a)):
        raise DseInputError("mean", mean, "finite activation means")
    flat = [_fit_one(float(m), float(s), d) for m, s in zip(mean_a.ravel(), std_a.ravel())]
    return np.stack(flat, axis=1).reshape((d + 1,) + mean_a.shape)


def straight_through_coefficients(degree: int = 2) -> np.ndarray:
    """PolyMPCNet/PASNet straight-through init: ``0.005 x^2 + x`` (higher terms 0), ascending."""
    d = _check_degree(degree)
    c = np.zeros(d + 1)
    c[1] = 1.0
    if d >= 2:
        c[2] = 0.005
    return c


def polyval(x, coeffs):
    """``sum_i coeffs[i] x^i`` by Horner's rule; ``coeffs`` broadcast against ``x`` (numpy or torch)."""
    out = coeffs[-1] + 0 * x
    for c in coeffs[-2::-1]:
        out = out * x + c
    return out
