"""Functional kernels of the FPGA family for the training-kernel registry (``dse.kernels``).

* ``block_circulant`` - a linear layer whose weight is a ``p x q`` grid of ``b x b`` circulant
  blocks (C-LSTM / E-RNN / FTRANS): ``y_i = sum_j IFFT(FFT(c_ij) * FFT(x_j))``, where ``c_ij`` is
  the first column of block ``(i, j)`` (circular convolution; [ERNN19; CLSTM18]). Weights ``(p, q, b)``.
* ``topk_attention`` - the DAC'22 sparse attention [Peng22]:
  quantise Q and K per tensor to ``qk_bits``-bit integers ``x' = round((2^(bits-1)-1)/max|x| * x)``,
  rank every query's keys by ``Q'K'^T``, keep the ``topk`` best (ties: lower key index first), and
  compute exact ``softmax(Q K^T / sqrt(d))`` and the weighted sum of V on the kept keys only.

Both have numpy and torch implementations (torch is autograd-friendly; the top-k selection is a
constant mask) and are pinned by ``tests/fpga/test_kernels.py`` against direct computation
(dense circulant matrices; explicit per-row loops).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from dse.errors import DseInputError
from dse.kernels import KernelSpec

__all__ = ["BLOCK_CIRCULANT", "TOPK_ATTENTION", "block_circulant_numpy", "block_circulant_torch",
           "topk_attention_numpy", "topk_attention_torch", "quantize_symmetric", "circulant_dense"]


# -- block-circulant linear ------------------------------------------------------------------------
def _check_blocks(weights: Any, x_features: int) -> tuple[int, int, int]:
    if weights.ndim != 3:
        raise DseInputError("weights", tuple(weights.shape), "an array of shape (p, q, b)")
    p, q, b = (int(d) for d in weights.shape)
    if x_features > q * b:
        raise DseInputError("x", x_features, f"at most q*b = {q * b} input features")
    return p, q, b


def block_circulant_numpy(x: np.ndarray, weights: np.ndarray, out_features: int | None = None) -> np.ndarray:
    """``(..., n_in) -> (..., out_features)`` with block-circulant ``weights`` ``(p, q, b)``."""
    x = np.asarray(x, dtype=np.float64)
    p, q, b = _check_blocks(np.asarray(weights), x.shape[-1])
    pad = q * b - x.shape[-1]
    xb = np.pad(x, [(0, 0)] * (x.ndim - 1) + [(0, pad)]).reshape(*x.shape[:-1], q, b)
    fx = np.fft.rfft(xb, axis=-1)                                 # (..., q, b/2+1)
    fw = np.fft.rfft(np.asarray(weights, dtype=np.float64), axis=-1)  # (p, q, b/2+1)
    fy = np.einsum("...jf,ijf->...if", fx, fw)
    y = np.fft.irfft(fy, n=b, axis=-1).reshape(*x.shape[:-1], p * b)
    return y[..., : (out_features or p * b)]


def block_circulant_torch(x: Any, weights: Any, out_features: int | None = None) -> Any:
    """Torch version of :func:`block_circulant_numpy` (differentiable in ``x`` and ``weights``)."""
    import torch

    p, q, b = _check_blocks(weights, x.shape[-1])
    pad = q * b - x.shape[-1]
    xb = torch.nn.functional.pad(x, (0, pad)).reshape(*x.shape[:-1], q, b)
    fy = torch.einsum("...jf,ijf->...if", torch.fft.rfft(xb, dim=-1), torch.fft.rfft(weights, dim=-1))
    y = torch.fft.irfft(fy, n=b, dim=-1).reshape(*x.shape[:-1], p * b)
    return y[..., : (out_features or p * b)]


def circulant_dense(weights: np.ndarray) -> np.ndarray:
    """The dense ``(p*b, q*b)`` matrix of block-circulant ``weights`` (block (i, j) has first
    column ``weights[i, j]``: ``C[r, c] = w[(r - c) mod b]``)."""
    p, q, b = weights.shape
    idx = (np.arange(b)[:, None] - np.arange(b)[None, :]) % b
    return np.block([[weights[i, j][idx] for j in range(q)] for i in range(p)])


def block_circulant_module(in_features: int, out_features: int, block: int, bias: bool = True, seed: int = 0):
    """A ``torch.nn.Module`` linear layer with block-circulant weights (seeded initialisation)."""
    import torch

    p, q = math.ceil(out_features / block), math.ceil(in_features / block)

    class BlockCirculantLinear(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            gen = torch.Generator().manual_seed(seed)
            bound = 1.0 / math.sqrt(in_features)
            self.weight = torch.nn.Parameter((torch.rand(p, q, block, generator=gen, dtype=torch.float64) * 2 - 1) * bound)
            self.bias = torch.nn.Parameter(torch.zeros(out_features, dtype=torch.float64)) if bias else None
            self.out_features = out_features

        def forward(self, x):
            y = block_circulant_torch(x, self.weight, self.out_features)
            return y + self.bias if self.bias is not None else y

    return BlockCirculantLinear()


# -- top-k sparse attention ------------------------------------------------------------------------
def quantize_symmetric(x: np.ndarray, bits: int) -> np.ndarray:
    """Per-tensor symmetric quantisation to integers: ``round((2^(bits-1)-1) / max|x| * x)``."""
    m = float(np.max(np.abs(x)))
    levels = 2 ** (int(bits) - 1) - 1
    return np.round(x * (levels / m)) if m > 0 else np.zeros_like(x)


def _keep_mask_numpy(scores_low: np.ndarray, topk: int) -> np.ndarray:
    n = scores_low.shape[-1]
    k = max(1, min(int(topk), n))
    order = np.argsort(-scores_low, axis=-1, kind="stable")
    mask = np.zeros(scores_low.shape, dtype=bool)
    np.put_along_axis(mask, order[..., :k], True, axis=-1)
    return mask


def topk_attention_numpy(q: np.ndarray, k: np.ndarray, v: np.ndarray, topk: int, qk_bits: int = 4) -> np.ndarray:
    """Sparse attention ``(..., Lq, d), (..., Lk, d), (..., Lk, dv) -> (..., Lq, dv)``."""
    q, k, v = (np.asarray(a, dtype=np.float64) for a in (q, k, v))
    low = quantize_symmetric(q, qk_bits) @ np.swapaxes(quantize_symmetric(k, qk_bits), -1, -2)
    keep = _keep_mask_numpy(low, topk)
    scores = np.where(keep, q @ np.swapaxes(k, -1, -2) / math.sqrt(q.shape[-1]), -np.inf)
    scores = scores - scores.max(axis=-1, keepdims=True)
    w = np.exp(scores)
    return (w / w.sum(axis=-1, keepdims=True)) @ v


def topk_attention_torch(q: Any, k: Any, v: Any, topk: int, qk_bits: int = 4) -> Any:
    """Torch version of :func:`topk_attention_numpy` (gradients flow through the exact scores)."""
    import torch

    levels = 2 ** (int(qk_bits) - 1) - 1

    def quant(x):
        m = x.detach().abs().max()
        return torch.round(x.detach() * (levels / m)) if float(m) > 0 else torch.zeros_like(x)

    with torch.no_grad():
        low = quant(q) @ quant(k).transpose(-1, -2)
        n = low.shape[-1]
        kk = max(1, min(int(topk), n))
        order = torch.sort(low, dim=-1, descending=True, stable=True).indices
        keep = torch.zeros_like(low, dtype=torch.bool).scatter(-1, order[..., :kk], True)
    scores = (q @ k.transpose(-1, -2)) / math.sqrt(q.shape[-1])
    scores = scores.masked_fill(~keep, float("-inf"))
    return torch.softmax(scores, dim=-1) @ v


BLOCK_CIRCULANT = KernelSpec(
    name="block_circulant", numpy=block_circulant_numpy, torch=block_circulant_torch,
    module=block_circulant_module,
    doc="block-circulant linear y_i = sum_j IFFT(FFT(c_ij) FFT(x_j)); weights (p, q, b)",
    source="[CLSTM18; ERNN19]",
)

TOPK_ATTENTION = KernelSpec(
    name="topk_attention", numpy=topk_attention_numpy, torch=topk_attention_torch,
    doc="low-bit Q'K' pre-filter, top-k keys per query, exact softmax attention on the kept keys",
    source="[Peng22] (DAC'22, arXiv 2208.03646)",
)
