"""Selective write-verify: sensitivities, weight selection and the perturbed weights that result.

* :func:`hessian_diagonal` — the diagonal of the loss Hessian w.r.t. every crossbar weight from
  one forward and one backward pass, propagating second derivatives layer by layer and dropping
  off-diagonal terms (LeCun's Optimal Brain Damage recursion; [SWIM22, Sec. 3], ranks
  weights by this second derivative — its code, ``MariusAnje/SWIM`` ``modules.py``
  ``mask_indicator("second")``, uses the propagated ``weightS`` gradient the same way). At the
  softmax cross-entropy output the diagonal is ``p (1 - p)``; a dense layer maps ``h2_out`` to
  ``H_w = h2_out^T x^2`` and ``h2_in = h2_out W^2``; ReLU masks, average pooling spreads
  ``h2 / k^4`` per input; convolutions use the same rules on unfolded patches.
* :func:`select` — boolean masks (True = write-verified) of the top ``fraction`` of all weights
  by SWIM sensitivity, by magnitude (the SWIM paper's baseline), at random, or one whole layer
  (:func:`block_mask`, a TSB-style "only a small shared block is verified" setting).
* :func:`verified_weights` — Monte Carlo weights where verified weights carry the residual
  variation :func:`~costmodels.cim.writeverify.verified_sigma` and the others the full sigma.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from dse.errors import DseInputError

from .network import AddSaved, AvgPool, Conv, Dense, Flatten, Net, ReLU, Save
from .variation import check_sigma, gaussian_weights
from .writeverify import verified_sigma

__all__ = ["METHODS", "block_mask", "hessian_diagonal", "select", "sensitivity", "verified_weights"]

METHODS = ("swim", "magnitude", "random")


def _patches(a: np.ndarray, k: int, pad: int) -> tuple[np.ndarray, int, int]:
    ap = np.pad(a, [(0, 0), (0, 0), (pad, pad), (pad, pad)])
    ho, wo = ap.shape[-2] - k + 1, ap.shape[-1] - k + 1
    cols = np.stack([ap[..., i:i + ho, j:j + wo] for i in range(k) for j in range(k)], axis=2)
    return cols.reshape(a.shape[0], a.shape[1] * k * k, ho * wo), ho, wo


def _fold(h2p: np.ndarray, shape: tuple[int, ...], k: int, pad: int, ho: int, wo: int) -> np.ndarray:
    b, c, hh, ww = shape
    h2p = h2p.reshape(b, c, k * k, ho, wo)
    out = np.zeros((b, c, hh + 2 * pad, ww + 2 * pad))
    for idx in range(k * k):
        i, j = divmod(idx, k)
        out[:, :, i:i + ho, j:j + wo] += h2p[:, :, idx]
    return out[:, :, pad:pad + hh, pad:pad + ww]


def hessian_diagonal(net: Net, x: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    """Diagonal Hessian (OBD approximation) of the mean cross-entropy, one array per weight."""
    if any(isinstance(layer, (Save, AddSaved)) for layer in net.layers):
        raise DseInputError("net", net.name, "a network without shortcuts (the OBD recursion here is sequential)")
    h = np.asarray(x, dtype=np.float64)
    inputs: list[np.ndarray] = []
    for layer in net.layers:  # forward, keeping every layer's input
        inputs.append(h)
        if isinstance(layer, Dense):
            h = h @ layer.w.T + layer.b
        elif isinstance(layer, Conv):
            p, ho, wo = _patches(h, layer.w.shape[-1], layer.pad)
            h = (layer.w.reshape(layer.w.shape[0], -1) @ p).reshape(h.shape[0], -1, ho, wo) + layer.b[:, None, None]
        elif isinstance(layer, ReLU):
            h = np.maximum(h, 0)
        elif isinstance(layer, AvgPool):
            k = layer.k
            h = h.reshape(*h.shape[:-2], h.shape[-2] // k, k, h.shape[-1] // k, k).mean(-1).mean(-2)
        elif isinstance(layer, Flatten):
            h = h.reshape(h.shape[0], -1)
    z = h - h.max(-1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(-1, keepdims=True)
    h2 = p * (1 - p) / len(x)
    logits_p: np.ndarray | None = p  # the full output Hessian diag(p) - p p^T is used once, exactly
    out: list[np.ndarray] = []
    for layer, a in zip(reversed(net.layers), reversed(inputs)):
        if isinstance(layer, Dense):
            out.append(h2.T @ (a * a))
            if logits_p is not None:  # w_i^T (diag p - p p^T) w_i per input unit i
                h2 = (logits_p @ (layer.w * layer.w) - (logits_p @ layer.w) ** 2) / len(x)
            else:
                h2 = h2 @ (layer.w * layer.w)
            logits_p = None
        elif isinstance(layer, Conv):
            logits_p = None
            k = layer.w.shape[-1]
            pt, ho, wo = _patches(a, k, layer.pad)
            g = h2.reshape(h2.shape[0], h2.shape[1], -1)  # (B, Cout, L)
            out.append(np.einsum("bol,bkl->ok", g, pt * pt).reshape(layer.w.shape))
            w2 = (layer.w * layer.w).reshape(layer.w.shape[0], -1)
            h2 = _fold(np.einsum("ok,bol->bkl", w2, g), a.shape, k, layer.pad, ho, wo)
        elif isinstance(layer, ReLU):
            h2 = h2 * (a > 0)
        elif isinstance(layer, AvgPool):
            k = layer.k
            h2 = np.repeat(np.repeat(h2, k, axis=-1), k, axis=-2) / (k ** 4)
        elif isinstance(layer, Flatten):
            h2 = h2.reshape(a.shape)
    return out[::-1]


def sensitivity(net: Net, method: str, x: np.ndarray | None = None, y: np.ndarray | None = None) -> list[np.ndarray]:
    """Per-weight scores: SWIM second derivative, |w|, or (for ``random``) zeros."""
    if method == "swim":
        if x is None or y is None:
            raise DseInputError("x, y", None, "a batch of inputs and labels for the SWIM pass")
        return hessian_diagonal(net, x, y)
    if method == "magnitude":
        return [np.abs(w) for w in net.weights()]
    if method == "random":
        return [np.zeros_like(w) for w in net.weights()]
    raise DseInputError("method", method, "one of " + ", ".join(METHODS))


def select(scores: Sequence[np.ndarray], fraction: float, *, rng: np.random.Generator | None = None,
           random: bool = False) -> list[np.ndarray]:
    """Masks of the ``round(fraction * total)`` highest scores over all layers (global ranking,
    as SWIM's single threshold); ``random=True`` picks that many uniformly (needs ``rng``)."""
    if not 0.0 <= fraction <= 1.0:
        raise DseInputError("fraction", fraction, "a number in [0, 1]")
    flat = np.concatenate([np.asarray(s, dtype=np.float64).ravel() for s in scores])
    n = round(fraction * flat.size)
    chosen = np.zeros(flat.size, dtype=bool)
    if random:
        if rng is None:
            raise DseInputError("rng", None, "a numpy Generator for random selection")
        chosen[rng.permutation(flat.size)[:n]] = True
    elif n:
        chosen[np.argsort(-flat, kind="stable")[:n]] = True
    out, start = [], 0
    for s in scores:
        out.append(chosen[start:start + np.size(s)].reshape(np.shape(s)))
        start += np.size(s)
    return out


def block_mask(net: Net, index: int) -> list[np.ndarray]:
    """Write-verify exactly the weights of crossbar layer ``index`` (TSB-style shared block)."""
    ws = net.weights()
    if not -len(ws) <= index < len(ws):
        raise DseInputError("index", index, f"a weight-layer index in [{-len(ws)}, {len(ws) - 1}]")
    return [np.full(w.shape, i == index % len(ws)) for i, w in enumerate(ws)]


def verified_weights(net: Net, masks: Sequence[np.ndarray], sigma: float, rng: np.random.Generator,
                     draws: int, *, tol: float | None = None, **kw: Any) -> list[np.ndarray]:
    """Per-draw weights: verified entries get ``verified_sigma(sigma, tol)``, the rest ``sigma``."""
    sigma = check_sigma(sigma)
    s_v = float(verified_sigma(np.asarray(sigma), tol))
    return [gaussian_weights(w, sigma, rng, draws, sigma_map=np.where(m, s_v, sigma), **kw)
            for w, m in zip(net.weights(), masks)]
