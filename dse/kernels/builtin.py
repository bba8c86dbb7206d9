"""Built-in functional kernels: ReLU, polynomial activations and ReLU/polynomial gates.

=================  ==============================================================================
``relu``           ``max(x, 0)``
``identity``       ``x``: a linearised (dropped) ReLU (DeepReDuce, SNL, SENet)
``x2``             ``x^2`` (the square activation of CryptoNets / DELPHI's planner)
``poly2``          ``scale_x2 a x^2 + b x + c``; trainable module with the straight-through init
                   ``a=0.005, b=1, c=0`` (PASNet ``PolyAct``; PolyMPCNet) or DaPa coefficients
``poly``           ``sum_i coeffs[i] x^i`` (ascending coefficients, any degree 1..8)
``dapa``           the polynomial of :func:`~dse.kernels.polyfit.dapa_coefficients` for an
                   activation distribution ``N(mean, std^2)`` (AutoReP's DaPa, [AutoReP23])
``gate-softmax``   ``sum_k p_k branch_k(x)``, ``p = softmax(alpha / T)`` over (relu, poly) or, with
                   three logits, (relu, poly, identity); ``hard=True`` uses the arg-max branch
                   (PASNet ``GateAct``, [PASNet23]; the identity branch as in SNL)
``gate-ste``       ``m relu(x) + (1 - m) r(x)`` with a 0/1 mask ``m`` per element updated with
                   hysteresis from a real-valued ``aux`` (AutoReP ``ReLU_masked_autopoly_relay``);
                   ``r`` is the polynomial or (``replacement="identity"``) ``x`` as in SNL;
                   in torch the gradient reaches ``aux`` straight through, scaled by
                   ``softplus(aux)``
=================  ==============================================================================

Every ``numpy`` function is the reference; every ``torch`` function computes the same numbers on
tensors and is differentiable. ``module`` factories build ``torch.nn.Module`` objects (imported
lazily: this module imports without torch).
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from . import KernelSpec
from .polyfit import dapa_coefficients, polyval, straight_through_coefficients

__all__ = ["RELU", "IDENTITY", "X2", "POLY2", "POLY", "DAPA", "GATE_SOFTMAX", "GATE_STE", "KERNELS",
           "GATE_OPTIONS", "relu", "identity", "torch_identity", "square", "poly2", "poly", "dapa", "gate_softmax", "gate_ste", "hysteresis",
           "softmax_keep", "torch_relu", "torch_square", "torch_poly2", "torch_poly", "torch_dapa",
           "torch_gate_softmax", "torch_gate_ste"]

_PASNET = "harveyp123/PASNet-DAC2023 models/gate_tmp.py (GateAct, PolyAct); [PASNet23]"
_AUTOREP = "harveyp123/AutoReP models_util/model_spReLU_relay.py, approx/approx.py; [AutoReP23]"
_SNL = ("DeepReDuce (Jha et al., ICML 2021), SNL (Cho et al., ICML 2022), SENet (Kundu et al., ICLR 2023): "
        "ReLUs dropped to the identity [SNL22; SENet23]")
_ST = tuple(straight_through_coefficients(2))
GATE_OPTIONS = ("relu", "poly", "identity")  # branch order of a gate-softmax kernel with 2 or 3 logits


# -- numpy reference implementations ----------------------------------------------------------

def relu(x):
    """``max(x, 0)``."""
    return np.maximum(np.asarray(x, dtype=np.float64), 0.0)


def identity(x):
    """``x`` (a linearised ReLU site)."""
    return np.asarray(x, dtype=np.float64)


def square(x):
    """``x^2``."""
    x = np.asarray(x, dtype=np.float64)
    return x * x


def poly2(x, *, a=_ST[2], b=_ST[1], c=_ST[0], scale_x2: float = 1.0):
    """``scale_x2 a x^2 + b x + c`` (coefficients broadcast against ``x``, e.g. per channel)."""
    x = np.asarray(x, dtype=np.float64)
    return scale_x2 * np.asarray(a) * x * x + np.asarray(b) * x + np.asarray(c)


def poly(x, *, coeffs: Sequence[Any]):
    """``sum_i coeffs[i] x^i`` (ascending)."""
    return polyval(np.asarray(x, dtype=np.float64), [np.asarray(c, dtype=np.float64) for c in coeffs])


def dapa(x, *, mean, std, degree: int = 2):
    """ReLU approximated by its DaPa polynomial for activations ``N(mean, std^2)``."""
    return poly(x, coeffs=list(dapa_coefficients(mean, std, degree)))


def softmax_keep(alpha, temperature: float = 1.0):
    """Branch probabilities ``softmax(alpha / temperature)`` (numpy)."""
    a = np.asarray(alpha, dtype=np.float64) / float(temperature)
    e = np.exp(a - a.max())
    return e / e.sum()


def _gate_branches(n: int) -> tuple[str, ...]:
    if n not in (2, 3):
        from ..errors import DseInputError

        raise DseInputError("alpha", f"{n} logits", "2 (relu, poly) or 3 (relu, poly, identity) logits")
    return GATE_OPTIONS[:n]


def gate_softmax(x, *, alpha, coeffs: Sequence[Any] = _ST, temperature: float = 1.0, hard: bool = False):
    """``sum_k p_k branch_k(x)``, ``p = softmax(alpha / T)`` (one-hot arg-max when ``hard``), over
    ``relu, poly`` (two logits) or ``relu, poly, identity`` (three logits)."""
    names = _gate_branches(len(np.ravel(alpha)))
    p = softmax_keep(alpha, temperature)
    if hard:
        p = (np.arange(len(p)) == int(np.argmax(p))).astype(np.float64)
    x = np.asarray(x, dtype=np.float64)
    branch = {"relu": relu, "poly": lambda v: poly(v, coeffs=coeffs), "identity": identity}
    out = p[0] * branch[names[0]](x)
    for k in range(1, len(names)):
        out = out + p[k] * branch[names[k]](x)
    return out


def hysteresis(aux, mask, threshold: float = 1e-3):
    """AutoReP's hysteresis update: a kept element (mask 1) drops only when ``aux < -t``; a dropped
    one comes back only when ``aux > t``."""
    aux, mask = np.asarray(aux, dtype=np.float64), np.asarray(mask, dtype=np.float64)
    return mask * (aux > -threshold) + (1.0 - mask) * (aux > threshold)


def gate_ste(x, *, aux, mask, threshold: float = 1e-3, coeffs: Sequence[Any] = _ST, replacement: str = "poly"):
    """``m relu(x) + (1 - m) r(x)`` with ``m = hysteresis(aux, mask, threshold)``; ``r`` the
    polynomial ``coeffs`` or, with ``replacement="identity"``, ``x``."""
    m = hysteresis(aux, mask, threshold)
    return m * relu(x) + (1.0 - m) * _replacement(x, replacement, coeffs)


def _replacement(x, replacement: str, coeffs):
    if replacement == "identity":
        return x if hasattr(x, "requires_grad") else identity(x)
    if replacement == "poly":
        return polyval(x, list(coeffs)) if hasattr(x, "requires_grad") else poly(x, coeffs=coeffs)
    from ..errors import DseInputError

    raise DseInputError("replacement", replacement, "poly or identity")


# -- torch implementations (differentiable) -----------------------------------------------------

def torch_relu(x):
    import torch

    return torch.relu(x)


def torch_identity(x):
    return x


def torch_square(x):
    return x * x


def torch_poly2(x, *, a=_ST[2], b=_ST[1], c=_ST[0], scale_x2: float = 1.0):
    return scale_x2 * a * x * x + b * x + c


def torch_poly(x, *, coeffs: Sequence[Any]):
    return polyval(x, list(coeffs))


def torch_dapa(x, *, mean, std, degree: int = 2):
    import torch

    w = dapa_coefficients(mean, std, degree)
    return polyval(x, [torch.as_tensor(c, dtype=x.dtype, device=x.device) for c in w])


def torch_gate_softmax(x, *, alpha, coeffs: Sequence[Any] = _ST, temperature: float = 1.0, hard: bool = False):
    import torch

    names = _gate_branches(int(alpha.shape[0]))
    p = torch.softmax(alpha / temperature, dim=0)
    if hard:
        p = torch.nn.functional.one_hot(torch.argmax(p), p.shape[0]).to(x.dtype)
    out = p[0] * torch.relu(x) + p[1] * polyval(x, list(coeffs))
    return out + p[2] * x if len(names) == 3 else out


def torch_gate_ste(x, *, aux, mask, threshold: float = 1e-3, coeffs: Sequence[Any] = _ST, replacement: str = "poly"):
    """Forward as :func:`gate_ste`; backward: d/d aux = softplus(aux) * d/d m (AutoReP's STE)."""
    import torch

    with torch.no_grad():
        m = mask * (aux > -threshold) + (1.0 - mask) * (aux > threshold)
    m = ste_mask(aux, m.to(x.dtype))
    return m * torch.relu(x) + (1.0 - m) * _replacement(x, replacement, coeffs)


def ste_mask(aux, mask):
    """``mask`` in the forward pass; gradient ``softplus(aux) * g`` to ``aux`` (torch)."""
    from .modules import SteMask

    return SteMask.apply(aux, mask)


# -- module factories (torch imported on call) ----------------------------------------------------

def _poly_module(**params):
    from .modules import PolyActivation

    return PolyActivation(**params)


def _poly2_module(**params):
    params.setdefault("degree", 2)
    return _poly_module(**params)


def _dapa_module(*, mean, std, degree: int = 2, **params):
    return _poly_module(degree=degree, init="dapa", mean=mean, std=std, **params)


def _relu_module(**params):
    import torch

    return torch.nn.ReLU(**params)


def _identity_module():
    import torch

    return torch.nn.Identity()


def _square_module():
    from .modules import Square

    return Square()


def _softmax_gate_module(**params):
    from .modules import SoftmaxGate

    return SoftmaxGate(**params)


def _ste_gate_module(**params):
    from .modules import HysteresisMaskGate

    return HysteresisMaskGate(**params)


RELU = KernelSpec("relu", relu, torch_relu, _relu_module, "max(x, 0)", "definition")
IDENTITY = KernelSpec("identity", identity, torch_identity, _identity_module,
                      "x (a linearised ReLU site; free in the 2PC protocols of the mpc family)", _SNL)
X2 = KernelSpec("x2", square, torch_square, _square_module, "x^2 (square activation)",
                "CryptoNets [CryptoNets16]; CrypTen 2PC x^2 = 16 B/elem, 1 round [CrypTen21; crypten 0.4.1, measured]")
POLY2 = KernelSpec("poly2", poly2, torch_poly2, _poly2_module,
                   "scale_x2 a x^2 + b x + c, trainable (per channel), straight-through or DaPa init",
                   _PASNET)
POLY = KernelSpec("poly", poly, torch_poly, _poly_module, "sum_i coeffs[i] x^i (ascending), degree 1..8",
                  "definition")
DAPA = KernelSpec("dapa", dapa, torch_dapa, _dapa_module,
                  "least-squares ReLU polynomial for activations N(mean, std^2) (DaPa)", _AUTOREP)
GATE_SOFTMAX = KernelSpec("gate-softmax", gate_softmax, torch_gate_softmax, _softmax_gate_module,
                          "softmax(alpha) mixture of ReLU, a polynomial and (3 logits) the identity, or any "
                          "branches", _PASNET + "; " + _SNL)
GATE_STE = KernelSpec("gate-ste", gate_ste, torch_gate_ste, _ste_gate_module,
                      "per-element 0/1 ReLU mask with hysteresis and a softplus straight-through "
                      "estimator", _AUTOREP)

KERNELS = (RELU, IDENTITY, X2, POLY2, POLY, DAPA, GATE_SOFTMAX, GATE_STE)
