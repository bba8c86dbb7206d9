"""Write-verify programming: iterations, residual variation and programming time/energy.

Model ([SWIM22]; the iteration law is our assumption, stated here):

* a write lands at ``g_T + e`` with ``e ~ N(0, sigma^2)`` (sigma in device-range units, the
  Notre Dame convention); write-verify reads the device back and rewrites until ``|e| < tol``.
  Attempts are independent, so their number is geometric with success probability
  ``p = erf(tol / (sigma sqrt 2))`` and mean ``1 / p`` (:func:`wv_iterations`);
* a verified device ends with ``e`` from the normal truncated to ``[-tol, tol]``, standard
  deviation :func:`verified_sigma` (``-> tol / sqrt 3`` when ``tol << sigma``);
* programming time per device: ``n_iter (t_write + t_verify)`` if verified, ``t_write``
  otherwise, so for a fraction ``f`` verified (SWIM, Yan et al. DAC'22):
  ``T = N_dev (f n_iter (t_write + t_verify) + (1 - f) t_write)`` (:func:`programming_time`).

The default tolerance (``wv_tolerance`` in ``data/constants.csv``) makes sigma 0.1 -> 0.01 after
verification, the 10:1 ratio of the SWIM code defaults (``dev_var 0.3``, ``write_var 0.03``).
Every function accepts numpy or torch arrays (``xp`` is inferred).
"""

from __future__ import annotations

import math
from typing import Any

from dse.xp import namespace

from .presets import constant

__all__ = [
    "erf",
    "programming_energy",
    "programming_time",
    "speedup",
    "verified_sigma",
    "wv_iterations",
]

_SQRT2 = math.sqrt(2.0)
_P = 0.3275911
_A = (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)


def erf(x: Any) -> Any:
    """Error function, Abramowitz & Stegun 7.1.26 (|error| <= 1.5e-7), any array namespace."""
    xp = namespace(x)
    s = xp.sign(x)
    ax = xp.abs(x)
    t = 1.0 / (1.0 + _P * ax)
    poly = t * (_A[0] + t * (_A[1] + t * (_A[2] + t * (_A[3] + t * _A[4]))))
    return s * (1.0 - poly * xp.exp(-ax * ax))


def _ratio(sigma: Any, tol: float) -> Any:
    xp = namespace(sigma)
    # a <= 40 keeps exp(-a^2) and a^2 finite (erf(40) == 1 in float64)
    return tol / (xp.maximum(sigma, xp.full_like(sigma, tol / (40.0 * _SQRT2))) * _SQRT2)


def wv_iterations(sigma: Any, tol: float | None = None) -> Any:
    """Mean write(+verify) attempts per verified device: ``1 / erf(tol / (sigma sqrt 2))``."""
    tol = constant("wv_tolerance") if tol is None else tol
    xp = namespace(sigma)
    p = erf(_ratio(sigma, tol))
    return 1.0 / xp.maximum(p, xp.full_like(p, 1e-12))


def verified_sigma(sigma: Any, tol: float | None = None) -> Any:
    """Standard deviation of a N(0, sigma^2) error truncated to ``[-tol, tol]``.

    ``Var = sigma^2 (1 - 2 a phi(a) / (2 Phi(a) - 1))`` with ``a = tol / sigma``; for ``a < 0.1``
    the series ``a^2 / 3 (1 - 2 a^2 / 15)`` avoids cancellation.
    """
    tol = constant("wv_tolerance") if tol is None else tol
    xp = namespace(sigma)
    a = _ratio(sigma, tol) * _SQRT2
    a_safe = xp.maximum(a, xp.full_like(a, 0.1))
    phi = xp.exp(-0.5 * a_safe * a_safe) / math.sqrt(2.0 * math.pi)
    exact = 1.0 - 2.0 * a_safe * phi / erf(a_safe / _SQRT2)
    series = a * a / 3.0 * (1.0 - 2.0 * a * a / 15.0)
    ratio = xp.where(a < 0.1, series, exact)
    return sigma * xp.sqrt(xp.maximum(ratio, xp.zeros_like(ratio)))


def programming_time(devices: Any, fraction: Any, sigma: Any, *, tol: float | None = None,
                     t_write: float | None = None, t_verify: float | None = None) -> Any:
    """Seconds to program ``devices`` cells with ``fraction`` of them write-verified."""
    t_w = constant("t_write") if t_write is None else t_write
    t_v = constant("t_verify") if t_verify is None else t_verify
    n = wv_iterations(sigma, tol)
    return devices * (fraction * n * (t_w + t_v) + (1.0 - fraction) * t_w)


def programming_energy(devices: Any, fraction: Any, sigma: Any, *, tol: float | None = None,
                       e_write: float | None = None, e_verify: float | None = None) -> Any:
    """Joules to program ``devices`` cells; a pulse costs ``V^2 G t`` (NeuroSim voltages, R_on)."""
    if e_write is None:
        e_write = constant("v_write") ** 2 / constant("r_on") * constant("t_write")
    if e_verify is None:
        e_verify = constant("v_read") ** 2 / constant("r_on") * constant("t_verify")
    n = wv_iterations(sigma, tol)
    return devices * (fraction * n * (e_write + e_verify) + (1.0 - fraction) * e_write)


def speedup(fraction: Any, sigma: Any, **kw: Any) -> Any:
    """Programming speed-up of verifying ``fraction`` of the devices over verifying all of them."""
    full = programming_time(1.0, 1.0, sigma, **kw)
    return full / programming_time(1.0, fraction, sigma, **kw)
