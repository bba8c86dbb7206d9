"""Precision of an encrypted network: CKKS rescale noise and polynomial activation error.

``precision = min(rescale precision, activation approximation precision)`` in bits, where the
rescale precision is :func:`costmodels.he.precision_bits` (scale bits minus the rescale-noise
bits, docs/he.md) and the activation precision is the accuracy of the polynomial replacing a
non-polynomial activation on its normalised input range [-1, 1]:

* **ReLU** with a polynomial (or a composite) of total degree D: the best uniform error of
  ``|x|`` is ~ beta / D (Bernstein's constant beta = 0.2801694990; Varga & Carpenter,
  Constr. Approx. 1 (1985) 333-348), and ReLU = (x + |x|)/2, so error ~ beta / (2D) and
  ``bits = log2(2 D / beta)``. For a composite we use D = product of the degrees, an optimistic
  bound (composite minimax is better per level, worse per degree).
* **SiLU / GELU** (analytic; SiLU has poles at +-i*pi): Chebyshev interpolation of a function
  analytic inside the Bernstein ellipse rho converges like ``2 M rho^-D / (rho - 1)``
  (Trefethen, *Approximation Theory and Approximation Practice*, Thm 8.2). On the input range
  [-B, B] the pole sits at i*pi/B, so rho_pole = a + sqrt(1 + a^2) with a = pi/B; we use
  rho = 0.9 rho_pole (M stays bounded on a slightly smaller ellipse) and M = 1 (output range
  normalised): ``bits = D log2 rho + log2(rho - 1) - 1``.
* ``x^2`` and other exact polynomials: no approximation error.

The input range B is an assumption (``input_range``, default 8), listed in the study reports.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from workloads import Workload
from workloads.ir import Activation

__all__ = [
    "APPROXIMATED",
    "BERNSTEIN",
    "activation_bits",
    "activation_bits_xp",
    "approximated_layers",
    "searchable_workload",
    "with_layer_degrees",
]

BERNSTEIN = 0.2801694990238691
APPROXIMATED = ("relu", "relu6", "silu", "gelu", "sigmoid", "tanh", "hardswish")
_SMOOTH_DEFAULT_RANGE = 8.0


def _rho(input_range: float) -> float:
    a = math.pi / input_range
    return 0.9 * (a + math.sqrt(1.0 + a * a))


def activation_bits(fn: str, degrees: Sequence[int] | int, input_range: float = _SMOOTH_DEFAULT_RANGE) -> float:
    """Bits of precision of ``fn`` replaced by polynomial(s) of ``degrees`` (module docstring)."""
    degs = [int(degrees)] if isinstance(degrees, (int, np.integer)) else [int(d) for d in degrees]
    total = float(np.prod(degs))
    if fn in ("exact", "poly", "identity"):
        return math.inf
    if total < 1:
        return -math.inf
    if fn in ("relu", "relu6", "hardswish"):
        return math.log2(2.0 * total / BERNSTEIN)
    rho = _rho(input_range)
    return total * math.log2(rho) + math.log2(rho - 1.0) - 1.0


def activation_bits_xp(xp: Any, fn: str, degree: Any, input_range: float = _SMOOTH_DEFAULT_RANGE) -> Any:
    """:func:`activation_bits` for one polynomial, vectorised over ``degree`` (float array)."""
    if fn in ("exact", "poly", "identity"):
        return xp.full_like(degree, math.inf)
    if fn in ("relu", "relu6", "hardswish"):
        return xp.log2(2.0 * xp.maximum(degree, 1.0) / BERNSTEIN)
    rho = _rho(input_range)
    return degree * math.log2(rho) + math.log2(rho - 1.0) - 1.0


def approximated_layers(workload: Workload) -> list[str]:
    """Activation layers whose function is not a polynomial of degree <= 2."""
    out = []
    for layer in workload.layers:
        if isinstance(layer, Activation) and (layer.fn in APPROXIMATED or (layer.fn == "poly" and layer.degree > 2)):
            out.append(layer.name)
    return out


def searchable_workload(workload: Workload, fn: str) -> Workload:
    """``workload`` with every approximated activation as ``fn`` (so the he model's ``act_degree``
    knob sets its degree); polynomials of degree <= 2 (x^2) stay exact."""
    layers = []
    for layer in workload.layers:
        if isinstance(layer, Activation) and layer.name in set(approximated_layers(workload)):
            layer = replace(layer, fn=fn, degree=0)
        layers.append(layer)
    return Workload(workload.name, workload.input_shape, tuple(layers), workload.meta, workload.kind)


def with_layer_degrees(workload: Workload, degrees: Mapping[str, Iterable[int]]) -> Workload:
    """Fix the activation polynomial of chosen layers: ``{layer: (d1, d2, ...)}`` becomes a chain
    of ``poly`` layers (a composite when several degrees), so a bootstrap can sit between them."""
    layers: list[Any] = []
    rename: dict[str, str] = {}
    for layer in workload.layers:
        if rename and any(i in rename for i in layer.inputs):
            layer = replace(layer, inputs=tuple(rename.get(i, i) for i in layer.inputs))
        if layer.name in degrees and isinstance(layer, Activation):
            degs = [int(d) for d in degrees[layer.name]]
            prev = layer.inputs[0]
            for k, d in enumerate(degs):
                name = layer.name if k == len(degs) - 1 else f"{layer.name}.part{k}"
                layers.append(Activation(name=name, in_shapes=layer.in_shapes, inputs=(prev,), fn="poly",
                                         degree=d, group=layer.group))
                prev = name
            continue
        layers.append(layer)
    return Workload(workload.name + "+degrees", workload.input_shape, tuple(layers), workload.meta, workload.kind)
