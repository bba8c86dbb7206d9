"""ADMM compression of a torch network: pruning, then quantisation (ADMM-NN's order).

For each constrained weight ``W_i`` with projection ``proj_i`` (a :mod:`dse.kernels.compression`
kernel) ADMM solves ``min loss(W) s.t. W_i in S_i`` by alternating ([ZhangADMM18, Sec. 3];
[ADMMNN19, Sec. 3])::

    W  <- SGD on  loss(W) + sum_i rho/2 ||W_i - Z_i + U_i||^2      (one epoch)
    Z_i <- proj_i(W_i + U_i)
    U_i <- U_i + W_i - Z_i

then projects ``W_i <- proj_i(W_i)`` ("hard" step) and retrains the remaining weights with the
zeros held at zero (gradient masked). :func:`admm_compress` runs pruning ADMM + masked retrain,
then quantisation ADMM on the surviving weights + final projection (no retrain after
quantisation: the weights stay on their levels).

:func:`compression_stats` counts the storage of the constrained weights: ``32 * n_weights``
bits dense vs ``sum_i nnz_i * bits_i`` (compression ratio). Sparse-index storage is **not**
counted (a bound on the ratio a real format reaches) and biases/BatchNorm stay float.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from ..errors import DseInputError
from .loop import accuracy, fit

__all__ = ["AdmmState", "admm_phase", "masked_retrain", "admm_compress", "compression_stats", "weight_parameters"]

Projection = Callable[[np.ndarray], np.ndarray]


def weight_parameters(net: Any) -> dict[str, Any]:
    """Name -> weight tensor of every Conv/Linear layer (the tensors ADMM constrains)."""
    from torch import nn

    return {f"{n}.weight": m.weight for n, m in net.named_modules() if isinstance(m, (nn.Conv2d, nn.Linear))}


@dataclass
class AdmmState:
    """Auxiliary ``Z`` and scaled dual ``U`` per constrained weight, and the primal residual history."""

    projections: dict[str, Projection]
    Z: dict[str, Any] = field(default_factory=dict)
    U: dict[str, Any] = field(default_factory=dict)
    residual: list[float] = field(default_factory=list)  # max_i ||W_i - Z_i|| / ||W_i|| after each update


def _project(proj: Projection, t: Any) -> Any:
    import torch

    return torch.as_tensor(proj(t.detach().double().numpy()), dtype=t.dtype)


def admm_phase(net: Any, X: Any, y: Any, projections: Mapping[str, Projection], *, epochs: int, rho: float,
               lr: float, seed: int = 0, masks: Mapping[str, Any] | None = None, **fit_kw: Any) -> AdmmState:
    """``epochs`` ADMM iterations (one epoch of SGD each), then the hard projection of every weight."""
    import torch

    params = weight_parameters(net)
    unknown = sorted(set(projections) - set(params))
    if unknown:
        raise DseInputError("projections", unknown, "weight names of Conv2d/Linear layers: " + ", ".join(params))
    if not rho > 0:
        raise DseInputError("rho", rho, "a positive ADMM penalty")
    st = AdmmState(dict(projections))
    for name, proj in projections.items():
        st.Z[name] = _project(proj, params[name])
        st.U[name] = torch.zeros_like(params[name]).detach()

    def penalty() -> Any:
        return sum(0.5 * rho * ((params[n] - st.Z[n] + st.U[n]) ** 2).sum() for n in projections)

    def update(_epoch: int) -> None:
        res = 0.0
        for n, proj in projections.items():
            W = params[n].detach()
            st.Z[n] = _project(proj, W + st.U[n])
            st.U[n] = st.U[n] + W - st.Z[n]
            res = max(res, float((W - st.Z[n]).norm() / W.norm().clamp_min(1e-12)))
        st.residual.append(res)

    hooks = _mask_gradients(params, masks)
    try:
        fit(net, X, y, epochs=epochs, lr=lr, seed=seed, extra_loss=penalty, on_epoch=update, **fit_kw)
    finally:
        for h in hooks:
            h.remove()
    with torch.no_grad():
        for n, proj in projections.items():
            params[n].copy_(_project(proj, params[n]))
    return st


def _mask_gradients(params: Mapping[str, Any], masks: Mapping[str, Any] | None) -> list[Any]:
    return [params[n].register_hook(lambda g, m=m: g * m) for n, m in (masks or {}).items()]


def masked_retrain(net: Any, X: Any, y: Any, *, epochs: int, lr: float, seed: int = 0, **fit_kw: Any) -> dict[str, Any]:
    """Retrain with every zero weight held at zero (gradient masked, no weight decay); returns the masks."""
    import torch

    params = weight_parameters(net)
    masks = {n: (p.detach() != 0).to(p.dtype) for n, p in params.items()}
    hooks = _mask_gradients(params, masks)
    try:
        fit(net, X, y, epochs=epochs, lr=lr, seed=seed, weight_decay=0.0, **fit_kw)
    finally:
        for h in hooks:
            h.remove()
    with torch.no_grad():  # exact zeros whatever the optimiser's arithmetic
        for n, p in params.items():
            p.mul_(masks[n])
    return masks


def admm_compress(net: Any, X: Any, y: Any, *, prune: Mapping[str, Projection], quantize: Mapping[str, Projection],
                  admm_epochs: int = 8, retrain_epochs: int = 8, rho: float = 1e-2, lr: float = 3e-3, seed: int = 0,
                  **fit_kw: Any) -> dict[str, Any]:
    """Pruning ADMM + masked retrain, then quantisation ADMM (zeros held) + final projection.
    ``prune`` / ``quantize``: weight name -> projection (empty mapping: skip that stage)."""
    out: dict[str, Any] = {}
    if prune:
        out["prune"] = admm_phase(net, X, y, prune, epochs=admm_epochs, rho=rho, lr=lr, seed=seed, **fit_kw)
        out["masks"] = masked_retrain(net, X, y, epochs=retrain_epochs, lr=lr, seed=seed + 1, **fit_kw)
    if quantize:
        masks = out.get("masks")
        out["quantize"] = admm_phase(net, X, y, quantize, epochs=admm_epochs, rho=rho, lr=lr / 3, seed=seed + 2,
                                     masks=masks, **fit_kw)
        if masks is not None:
            import torch

            with torch.no_grad():
                for n, p in weight_parameters(net).items():
                    p.mul_(masks[n])
    return out


def compression_stats(net: Any, bits: Mapping[str, int] | None = None) -> dict[str, Any]:
    """Per-layer and total weight storage: dense 32-bit vs ``nnz * bits`` (default 32)."""
    rows, dense, packed = [], 0, 0
    for n, p in weight_parameters(net).items():
        w = p.detach().numpy()
        nnz, b = int(np.count_nonzero(w)), int((bits or {}).get(n, 32))
        rows.append({"layer": n, "weights": int(w.size), "nonzero": nnz, "density": nnz / w.size, "bits": b,
                     "distinct_values": int(len(np.unique(w[w != 0])))})
        dense += 32 * w.size
        packed += nnz * b
    return {"layers": rows, "dense_bits": dense, "compressed_bits": packed, "ratio": dense / max(1, packed),
            "density": sum(r["nonzero"] for r in rows) / max(1, sum(r["weights"] for r in rows))}


def evaluate(net: Any, X: Any, y: Any) -> float:
    """Top-1 accuracy (alias of :func:`dse.training.loop.accuracy`)."""
    return accuracy(net, X, y)
