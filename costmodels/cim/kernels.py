"""Noise-injection kernels for variation-aware training (entry-point group ``dse.kernels``).

Each kernel perturbs a weight tensor ``x`` the way a crossbar would; noise scales with the
tensor's range ``max|x|`` (the Notre Dame convention, [NeFT23, code src/generate_noise.py]), so ``sigma`` here is the
*weight-referred* std ``sigma_w / max|W|`` — multiply a device sigma by
:func:`~costmodels.cim.weight_sigma_factor` (0.778 for 8-bit weights on 2-bit cells) first.

=========================  ==================================================================
``cim-gaussian``           ``x + sigma max|x| Z``
``cim-rc-gaussian``        ``x + sigma max|x| min(Z, censor)``: right-censored Gaussian of the
                           KPP paper (Yan et al., ICCAD'23; ``set_SG`` in ``MariusAnje/CIM_CW``
                           code: draws above the threshold are set to it)
``cim-stuck-at``           stuck-at-0 / stuck-at-1 cells of a bit-sliced differential pair
                           (:func:`~costmodels.cim.variation.stuck_at_weights`)
``cim-weight-dependent``   ``x + scale max|x| sigma(g) Z`` with the aihwkit PCM programming
                           polynomial ``sigma(g) = (0.26348 + 1.9650 g - 1.1731 g^2) / 25``,
                           ``g = |x| / max|x|`` (conductance-dependent noise, [AIHWKit21; aihwkit 1.1.0])
=========================  ==================================================================

numpy versions take ``rng`` (a ``numpy.random.Generator``), torch versions ``generator`` (a
``torch.Generator``); both are required (no global random state). The torch versions add the
perturbation as a constant (``x + (noisy - x).detach()``): the forward pass sees the noisy
weights and the gradient flows to ``x`` unchanged, as in noise-injection training.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from dse.errors import DseInputError
from dse.kernels import KernelSpec

from .variation import PCM_PROG_COEFF, check_bits, check_sigma, stuck_at_weights

__all__ = [
    "GAUSSIAN",
    "KERNELS",
    "RC_GAUSSIAN",
    "STUCK_AT",
    "WEIGHT_DEPENDENT",
    "censored_mean",
    "gaussian_noise",
    "rc_gaussian_noise",
    "stuck_at_noise",
    "weight_dependent_noise",
]


def _need(value: Any, field: str, what: str) -> None:
    if value is None:
        raise DseInputError(field, None, what)


def _range_np(x: np.ndarray) -> float:
    return float(np.max(np.abs(x))) if np.size(x) else 0.0


# -- numpy ----------------------------------------------------------------------------------

def gaussian_noise(x: np.ndarray, *, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """``x + sigma max|x| Z`` (numpy)."""
    _need(rng, "rng", "a numpy.random.Generator")
    sigma = check_sigma(sigma)
    x = np.asarray(x, dtype=np.float64)
    return x + sigma * _range_np(x) * rng.standard_normal(x.shape)


def censored_mean(censor: float) -> float:
    """``E[min(Z, c)] = c (1 - Phi(c)) - phi(c)`` for standard normal Z (``bias`` of ``set_BSG``)."""
    c = float(censor)
    return c * 0.5 * math.erfc(c / math.sqrt(2.0)) - math.exp(-0.5 * c * c) / math.sqrt(2.0 * math.pi)


def rc_gaussian_noise(x: np.ndarray, *, sigma: float, censor: float = 1.0, center: bool = False,
                      rng: np.random.Generator) -> np.ndarray:
    """``x + sigma max|x| (min(Z, censor) - [center] E min(Z, censor))`` (numpy): the upper tail of
    the noise is censored at ``censor``; ``center=True`` removes the resulting negative mean
    (``set_BSG`` in the same code)."""
    _need(rng, "rng", "a numpy.random.Generator")
    sigma = check_sigma(sigma)
    censor = float(censor)
    x = np.asarray(x, dtype=np.float64)
    z = np.minimum(rng.standard_normal(x.shape), censor) - (censored_mean(censor) if center else 0.0)
    return x + sigma * _range_np(x) * z


def stuck_at_noise(x: np.ndarray, *, rate_sa0: float, rate_sa1: float, weight_bits: int = 8,
                   cell_bits: int = 2, rng: np.random.Generator) -> np.ndarray:
    """Weights after stuck-at faults (numpy), one device instance."""
    _need(rng, "rng", "a numpy.random.Generator")
    return stuck_at_weights(x, rate_sa0, rate_sa1, rng, 1, weight_bits=weight_bits, cell_bits=cell_bits)[0]


def _poly_np(g: np.ndarray, coeff: tuple[float, ...]) -> np.ndarray:
    return (coeff[0] + coeff[1] * g + coeff[2] * g * g) / 25.0


def weight_dependent_noise(x: np.ndarray, *, scale: float = 1.0, coeff: tuple[float, ...] = PCM_PROG_COEFF,
                           rng: np.random.Generator) -> np.ndarray:
    """``x + scale max|x| sigma(|x|/max|x|) Z`` with the aihwkit PCM polynomial (numpy)."""
    _need(rng, "rng", "a numpy.random.Generator")
    scale = check_sigma(scale, "scale")
    x = np.asarray(x, dtype=np.float64)
    m = _range_np(x)
    g = np.abs(x) / m if m > 0 else np.zeros_like(x)
    return x + scale * m * _poly_np(g, coeff) * rng.standard_normal(x.shape)


# -- torch ----------------------------------------------------------------------------------

def _randn(x: Any, generator: Any) -> Any:
    import torch

    _need(generator, "generator", "a torch.Generator")
    return torch.randn(x.shape, generator=generator, dtype=x.dtype, device=x.device)


def _ste(x: Any, noisy: Any) -> Any:
    return x + (noisy - x).detach()


def gaussian_noise_torch(x: Any, *, sigma: float, generator: Any) -> Any:
    sigma = check_sigma(sigma)
    return _ste(x, x.detach() + sigma * x.detach().abs().max() * _randn(x, generator))


def rc_gaussian_noise_torch(x: Any, *, sigma: float, censor: float = 1.0, center: bool = False,
                            generator: Any) -> Any:
    sigma = check_sigma(sigma)
    z = _randn(x, generator).clamp(max=float(censor)) - (censored_mean(censor) if center else 0.0)
    return _ste(x, x.detach() + sigma * x.detach().abs().max() * z)


def stuck_at_noise_torch(x: Any, *, rate_sa0: float, rate_sa1: float, weight_bits: int = 8,
                         cell_bits: int = 2, generator: Any) -> Any:
    """Same algorithm as :func:`~costmodels.cim.variation.stuck_at_weights` on torch tensors."""
    import torch

    _need(generator, "generator", "a torch.Generator")
    for name, r in (("rate_sa0", rate_sa0), ("rate_sa1", rate_sa1)):
        if not 0.0 <= float(r) <= 1.0:
            raise DseInputError(name, r, "a probability in [0, 1]")
    weight_bits, cell_bits = check_bits(weight_bits, cell_bits)
    w = x.detach()
    n = -(-weight_bits // cell_bits)
    m = w.abs().max()
    step = m / (2 ** weight_bits - 1) if float(m) > 0 else torch.ones((), dtype=w.dtype)
    q = torch.round(w / step)
    base, top = 2 ** cell_bits, float(2 ** cell_bits - 1)
    total = torch.zeros_like(w)
    for sign in (1.0, -1.0):
        mag = torch.where(torch.sign(q) == sign, q.abs(), torch.zeros_like(q))
        for i in range(n):
            d = torch.floor(mag / base ** i) % base
            u = torch.rand(w.shape, generator=generator, dtype=w.dtype, device=w.device)
            d = torch.where(u < rate_sa0, torch.zeros_like(d), torch.where(u < rate_sa0 + rate_sa1, torch.full_like(d, top), d))
            total = total + sign * d * float(base ** i)
    return _ste(x, total * step)


def weight_dependent_noise_torch(x: Any, *, scale: float = 1.0, coeff: tuple[float, ...] = PCM_PROG_COEFF,
                                 generator: Any) -> Any:
    scale = check_sigma(scale, "scale")
    w = x.detach()
    m = w.abs().max()
    g = w.abs() / m if float(m) > 0 else w * 0
    sig = (coeff[0] + coeff[1] * g + coeff[2] * g * g) / 25.0
    return _ste(x, w + scale * m * sig * _randn(x, generator))


_SRC_ND = "Notre Dame NVCiM model, [NeFT23, code YifanQin-ND/NeFT_CIM src/generate_noise.py]"
GAUSSIAN = KernelSpec("cim-gaussian", gaussian_noise, gaussian_noise_torch,
                      doc="Gaussian weight-noise injection, std sigma * max|x|", source=_SRC_ND)
RC_GAUSSIAN = KernelSpec("cim-rc-gaussian", rc_gaussian_noise, rc_gaussian_noise_torch,
                         doc="right-censored Gaussian weight noise, sigma * max|x| * min(Z, censor)",
                         source="[KPP23] (ICCAD'23); MariusAnje/CIM_CW modules.py set_SG")
STUCK_AT = KernelSpec("cim-stuck-at", stuck_at_noise, stuck_at_noise_torch,
                      doc="stuck-at-0/1 faults per cell of a bit-sliced differential pair",
                      source="[ReRAMFT24] (SA0 = HRS, SA1 = LRS per cell)")
WEIGHT_DEPENDENT = KernelSpec("cim-weight-dependent", weight_dependent_noise, weight_dependent_noise_torch,
                              doc="conductance-dependent noise with the aihwkit PCM programming polynomial",
                              source="IBM aihwkit 1.1.0 PCMLikeNoiseModel prog_coeff [AIHWKit21]")
KERNELS = {k.name: k for k in (GAUSSIAN, RC_GAUSSIAN, STUCK_AT, WEIGHT_DEPENDENT)}
