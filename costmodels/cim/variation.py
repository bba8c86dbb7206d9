"""Device-variation and fault models, sampled in numpy and vectorised over Monte Carlo draws.

Every sampler takes a weight array ``w``, a ``numpy.random.Generator`` and a number of draws, and
returns perturbed weights of shape ``(draws, *w.shape)``.

* :func:`gaussian_weights` — the Notre Dame NVCiM model (KPP, SWIM, NeFT, TSB;
  [NeFT23, code src/generate_noise.py]): a W-bit weight on ``ceil(W/D)`` D-bit devices, each with independent Gaussian
  noise of std ``sigma`` times its full range, i.e. ``sigma_w = sigma max|W| sqrt(sum 4^(iD)) /
  sum 2^(iD)``; device types scale mid-range states by ``s`` (:func:`state_scale`).
* :func:`bitsliced_weights` — the same model simulated device by device (quantise, split into
  digits, perturb each digit, recombine); it checks the closed form above.
* :func:`stuck_at_weights` — stuck-at-0 (HRS, digit 0) and stuck-at-1 (LRS, digit 2^D - 1)
  faults per cell of a differential pair at given rates ([ReRAMFT24]).
* :func:`pcm_program`, :func:`pcm_drift`, :func:`pcm_weights` — IBM aihwkit's
  ``PCMLikeNoiseModel`` (programming-noise polynomial, drift, 1/f read noise on a single
  differential pair; aihwkit 1.1.0 ``inference/noise/pcm.py``, [AIHWKit21; aihwkit 1.1.0]), re-implemented.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from dse.errors import DseInputError

from .model import weight_sigma_factor
from .presets import constant, device

__all__ = [
    "PCM_PROG_COEFF",
    "bitsliced_weights",
    "check_bits",
    "check_rates",
    "check_sigma",
    "gaussian_weights",
    "pcm_drift",
    "pcm_program",
    "pcm_weights",
    "quantize",
    "state_scale",
    "msb_duplicated_weights",
    "stuck_at_weights",
]

#: aihwkit PCMLikeNoiseModel programming-noise polynomial (uS, at g_max = 25 uS)
PCM_PROG_COEFF = (0.26348, 1.9650, -1.1731)


def check_sigma(sigma: float, field: str = "sigma") -> float:
    """``sigma`` as a float, or :class:`DseInputError` when negative or not finite."""
    try:
        s = float(sigma)
    except (TypeError, ValueError):
        raise DseInputError(field, sigma, "a number >= 0") from None
    if not (math.isfinite(s) and s >= 0):
        raise DseInputError(field, sigma, "a number >= 0")
    return s


def check_bits(weight_bits: int, cell_bits: int) -> tuple[int, int]:
    """Validate a weight/cell bit split: ``1 <= cell_bits <= weight_bits <= 16``."""
    if not (isinstance(weight_bits, (int, np.integer)) and 1 <= weight_bits <= 16):
        raise DseInputError("weight_bits", weight_bits, "an integer in [1, 16]")
    if not (isinstance(cell_bits, (int, np.integer)) and 1 <= cell_bits <= weight_bits):
        raise DseInputError("cell_bits", cell_bits, f"an integer in [1, weight_bits={weight_bits}]")
    return int(weight_bits), int(cell_bits)


def _check_draws(draws: int) -> int:
    if not (isinstance(draws, (int, np.integer)) and draws >= 1):
        raise DseInputError("draws", draws, "an integer >= 1")
    return int(draws)


def state_scale(w: np.ndarray, s: float) -> np.ndarray:
    """Per-weight sigma multiplier of a device with state factor ``s`` (NeFT_CIM, KPP ``set_four``).

    Mid-range states (0.25 < |w|/max|W| < 0.75) get ``s``, the others 1; all are divided by
    ``sqrt(0.4 s^2 + 0.6)``.
    """
    w = np.asarray(w, dtype=np.float64)
    m = np.abs(w).max()
    r = np.abs(w) / m if m > 0 else np.zeros_like(w)
    mid = (r > 0.25) & (r < 0.75)
    return np.where(mid, s, 1.0) / math.sqrt(0.4 * s * s + 0.6)


def gaussian_weights(w: np.ndarray, sigma: float, rng: np.random.Generator, draws: int, *,
                     weight_bits: int = 8, cell_bits: int = 2, device_type: str = "RRAM1",
                     sigma_map: np.ndarray | None = None) -> np.ndarray:
    """``w + sigma_w Z`` with the Notre Dame sigma_w; ``sigma_map`` (same shape as ``w``) replaces
    the uniform ``sigma`` per weight (write-verified weights get a smaller one)."""
    sigma = check_sigma(sigma)
    weight_bits, cell_bits = check_bits(weight_bits, cell_bits)
    draws = _check_draws(draws)
    w = np.asarray(w, dtype=np.float64)
    scale = np.abs(w).max() * weight_sigma_factor(weight_bits, cell_bits)
    per = (sigma if sigma_map is None else np.asarray(sigma_map, dtype=np.float64)) \
        * state_scale(w, device(device_type).s)
    return w[None] + rng.standard_normal((draws, *w.shape)) * (scale * per)[None]


def quantize(w: np.ndarray, bits: int) -> tuple[np.ndarray, float]:
    """Symmetric magnitude quantisation: integer codes in ``[-(2^bits - 1), 2^bits - 1]`` and the
    step (max|W| / (2^bits - 1))."""
    w = np.asarray(w, dtype=np.float64)
    m = float(np.abs(w).max())
    step = m / (2 ** bits - 1) if m > 0 else 1.0
    return np.round(w / step), step


def _digits(q: np.ndarray, n: int, cell_bits: int) -> np.ndarray:
    """Base-2^D digits of non-negative integer codes, least significant first: (n, *q.shape)."""
    base = 2 ** cell_bits
    q = q.astype(np.int64)
    return np.stack([(q // base ** i) % base for i in range(n)]).astype(np.float64)


def bitsliced_weights(w: np.ndarray, sigma: float, rng: np.random.Generator, draws: int, *,
                      weight_bits: int = 8, cell_bits: int = 2) -> np.ndarray:
    """Quantise ``w`` to ``ceil(W/D) D`` magnitude bits, add ``sigma (2^D - 1) Z`` to every device
    digit (sign kept by a differential pair) and recombine."""
    sigma = check_sigma(sigma)
    weight_bits, cell_bits = check_bits(weight_bits, cell_bits)
    draws = _check_draws(draws)
    n = -(-weight_bits // cell_bits)
    q, step = quantize(w, n * cell_bits)
    digits = _digits(np.abs(q), n, cell_bits)
    noise = rng.standard_normal((draws, *digits.shape)) * sigma * (2 ** cell_bits - 1)
    weights = (2.0 ** (cell_bits * np.arange(n))).reshape((n,) + (1,) * q.ndim)
    mag = ((digits[None] + noise) * weights[None]).sum(axis=1)
    return np.sign(q)[None] * mag * step


def check_rates(rate_sa0: float, rate_sa1: float) -> None:
    """Stuck-at rates: each a probability in [0, 1] (NaN rejected), together at most 1."""
    for name, r in (("rate_sa0", rate_sa0), ("rate_sa1", rate_sa1)):
        if not (0.0 <= float(r) <= 1.0):
            raise DseInputError(name, r, "a probability in [0, 1]")
    if rate_sa0 + rate_sa1 > 1.0:
        raise DseInputError("rate_sa0 + rate_sa1", rate_sa0 + rate_sa1, "at most 1")


def stuck_at_weights(w: np.ndarray, rate_sa0: float, rate_sa1: float, rng: np.random.Generator,
                     draws: int, *, weight_bits: int = 8, cell_bits: int = 2) -> np.ndarray:
    """Weights after stuck-at faults on every cell of a differential pair.

    ``|w|`` is quantised to ``weight_bits`` and split into ``ceil(W/D)`` digits on the positive
    (w > 0) or negative column; the other column holds zeros. Each cell independently is stuck at
    0 (rate ``rate_sa0``) or at ``2^D - 1`` (rate ``rate_sa1``).
    """
    check_rates(rate_sa0, rate_sa1)
    weight_bits, cell_bits = check_bits(weight_bits, cell_bits)
    draws = _check_draws(draws)
    n = -(-weight_bits // cell_bits)
    q, step = quantize(w, weight_bits)
    top = 2 ** cell_bits - 1
    cols = []
    for sign in (1.0, -1.0):
        d = _digits(np.where(np.sign(q) == sign, np.abs(q), 0.0), n, cell_bits)
        u = rng.random((draws, *d.shape))
        d = np.where(u < rate_sa0, 0.0, np.where(u < rate_sa0 + rate_sa1, float(top), d[None]))
        cols.append(d)
    weights = (2.0 ** (cell_bits * np.arange(n))).reshape((1, n) + (1,) * q.ndim)
    return ((cols[0] - cols[1]) * weights).sum(axis=1) * step


def msb_duplicated_weights(w: np.ndarray, rate_sa0: float, rate_sa1: float, rng: np.random.Generator,
                           draws: int, *, weight_bits: int = 8, cell_bits: int = 2) -> np.ndarray:
    """Stuck-at faults with zero-space MSB protection: the same ``ceil(W/D)`` cells per column,
    but the magnitude is stored in the lower ``n - 1`` cells (``(n - 1) D`` bits, e.g. 6 of 8) and
    the top cell holds a copy of the most significant data cell. On read the two copies vote by
    taking the smaller digit (our rule for two copies): a stuck-at-1 (LRS, the large-error fault)
    on either copy is corrected, a stuck-at-0 on either copy is corrected when the true digit is 0
    (most weights are small), otherwise it zeroes the MSB digit. No extra cells; the cost is
    ``D`` bits of weight resolution. Fault model as :func:`stuck_at_weights`.
    """
    for name, r in (("rate_sa0", rate_sa0), ("rate_sa1", rate_sa1)):
        if not (0.0 <= float(r) <= 1.0):
            raise DseInputError(name, r, "a probability in [0, 1]")
    if rate_sa0 + rate_sa1 > 1.0:
        raise DseInputError("rate_sa0 + rate_sa1", rate_sa0 + rate_sa1, "at most 1")
    weight_bits, cell_bits = check_bits(weight_bits, cell_bits)
    draws = _check_draws(draws)
    n = -(-weight_bits // cell_bits)
    if n < 2:
        raise DseInputError("weight_bits / cell_bits", (weight_bits, cell_bits), "at least two cells per weight")
    q, step = quantize(w, (n - 1) * cell_bits)
    top = 2 ** cell_bits - 1
    cols = []
    for sign in (1.0, -1.0):
        d = _digits(np.where(np.sign(q) == sign, np.abs(q), 0.0), n - 1, cell_bits)
        d = np.concatenate([d, d[-1:]])  # the top cell repeats the MSB data cell
        u = rng.random((draws, *d.shape))
        d = np.where(u < rate_sa0, 0.0, np.where(u < rate_sa0 + rate_sa1, float(top), d[None]))
        voted = np.minimum(d[:, n - 2], d[:, n - 1])
        cols.append(np.concatenate([d[:, :n - 2], voted[:, None]], axis=1))
    weights = (2.0 ** (cell_bits * np.arange(n - 1))).reshape((1, n - 1) + (1,) * q.ndim)
    return ((cols[0] - cols[1]) * weights).sum(axis=1) * step


# -- PCM (aihwkit PCMLikeNoiseModel) --------------------------------------------------------

def _pair(w: np.ndarray, g_max: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """aihwkit SinglePairConductanceConverter on (draws, *shape) weights: each draw's max|W| maps
    to ``g_max`` on g+ (w > 0) or g- (w < 0); returns g+, g- and the per-draw uS-per-weight scale."""
    absmax = np.maximum(np.abs(w).reshape(w.shape[0], -1).max(axis=1), 1e-12)
    scale = (g_max / absmax).reshape((-1,) + (1,) * (w.ndim - 1))
    return np.clip(w * scale, 0.0, g_max), np.clip(-w * scale, 0.0, g_max), scale


def pcm_program(w: np.ndarray, rng: np.random.Generator, draws: int, *, g_max: float | None = None,
                prog_noise_scale: float = 1.0, drift_scale: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Programmed weights (draws, *shape) and drift exponents nu (2, draws, *shape) for g+/g-."""
    draws = _check_draws(draws)
    g_max = constant("pcm_g_max") if g_max is None else g_max
    w = np.broadcast_to(np.asarray(w, dtype=np.float64)[None], (draws, *np.shape(w)))
    gp, gm, scale = _pair(w, g_max)
    c0, c1, c2 = PCM_PROG_COEFF
    out, nus = [], []
    for g in (gp, gm):
        rel = g / g_max
        sig = (c0 + c1 * rel + c2 * rel * rel) * g_max / 25.0
        out.append(np.maximum(g + prog_noise_scale * sig * rng.standard_normal(g.shape), 0.0))
        lg = np.log(np.maximum(np.abs(rel), 1e-7))
        mu = np.clip(-0.0155 * lg + 0.0244, 0.049, 0.1)
        sd = np.clip(-0.0125 * lg - 0.0059, 0.008, 0.045)
        nus.append(np.maximum(np.abs(mu + sd * rng.standard_normal(g.shape)), 0.0) * drift_scale)
    return (out[0] - out[1]) / scale, np.stack(nus)


def pcm_drift(w_prog: np.ndarray, nu: np.ndarray, t_inference: float, rng: np.random.Generator, *,
              g_max: float | None = None, read_noise_scale: float = 1.0) -> np.ndarray:
    """Drift to ``t_inference`` seconds after programming plus 1/f read noise (aihwkit order:
    the programmed weights are re-split onto a pair, then ``g (t/t0)^-nu + |g| Q_s sqrt(...) Z``)."""
    if not t_inference >= 0:
        raise DseInputError("t_inference", t_inference, "a time >= 0 s")
    g_max = constant("pcm_g_max") if g_max is None else g_max
    t0, t_read = constant("pcm_t0"), constant("pcm_t_read")
    gp, gm, scale = _pair(np.asarray(w_prog, dtype=np.float64), g_max)
    t = t_inference + t0
    out = []
    for g, n in zip((gp, gm), nu):
        g_d = g * (t / t0) ** (-n) if t > t0 else g
        q_s = np.minimum(0.0088 / np.maximum((np.abs(g) / g_max) ** 0.65, 1e-3), 0.2)
        sig = q_s * math.sqrt(math.log((t + t_read) / (2 * t_read)))
        out.append(np.maximum(g_d + np.abs(g_d) * read_noise_scale * sig * rng.standard_normal(g.shape), 0.0))
    return (out[0] - out[1]) / scale


def pcm_weights(w: np.ndarray, rng: np.random.Generator, draws: int, *, t_inference: float | None = None,
                **kw: Any) -> np.ndarray:
    """aihwkit-style PCM weights: programming noise, then (if ``t_inference`` is given) drift and
    read noise at that time. Returns (draws, *w.shape)."""
    g_max = kw.pop("g_max", None)
    read = kw.pop("read_noise_scale", 1.0)
    prog, nu = pcm_program(w, rng, draws, g_max=g_max, **kw)
    if t_inference is None:
        return prog
    return pcm_drift(prog, nu, t_inference, rng, g_max=g_max, read_noise_scale=read)
