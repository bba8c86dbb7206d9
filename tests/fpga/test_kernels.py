"""Functional kernels: block-circulant linear and top-k sparse attention vs direct computation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from costmodels.fpga.kernels import BLOCK_CIRCULANT, TOPK_ATTENTION, circulant_dense, quantize_symmetric
from dse import kernels
from dse.errors import DseInputError

scipy_linalg = pytest.importorskip("scipy.linalg")


def test_registered():
    """Both kernels are reachable through the dse.kernels registry."""
    assert kernels.get("block_circulant") is BLOCK_CIRCULANT
    assert kernels.get("topk_attention") is TOPK_ATTENTION


@pytest.mark.parametrize("shape,n_in,n_out", [((3, 2, 8), 16, 24), ((2, 3, 4), 10, 7), ((1, 1, 1), 1, 1)])
def test_block_circulant_equals_dense_circulant_product(shape, n_in, n_out):
    """y = C x with C built block by block from scipy.linalg.circulant of each defining column."""
    rng = np.random.default_rng(0)
    w = rng.normal(size=shape)
    x = rng.normal(size=(5, n_in))
    p, q, b = shape
    dense = np.block([[scipy_linalg.circulant(w[i, j]) for j in range(q)] for i in range(p)])
    np.testing.assert_allclose(circulant_dense(w), dense)
    ref = np.pad(x, ((0, 0), (0, q * b - n_in))) @ dense.T
    np.testing.assert_allclose(BLOCK_CIRCULANT.numpy(x, w, n_out), ref[:, :n_out], atol=1e-12)


def test_block_circulant_torch_matches_and_differentiates():
    """Torch result equals numpy; gradcheck passes in float64; the module trains its (p, q, b) weights."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    w, x = rng.normal(size=(2, 3, 4)), rng.normal(size=(3, 12))
    tw = torch.tensor(w, requires_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    np.testing.assert_allclose(BLOCK_CIRCULANT.torch(tx, tw).detach().numpy(), BLOCK_CIRCULANT.numpy(x, w), atol=1e-12)
    assert torch.autograd.gradcheck(lambda a, b: BLOCK_CIRCULANT.torch(a, b), (tx, tw))
    layer = BLOCK_CIRCULANT.module(in_features=12, out_features=8, block=4, seed=0)
    assert tuple(layer.weight.shape) == (2, 3, 4)
    layer(torch.tensor(x)).sum().backward()
    assert layer.weight.grad is not None
    with pytest.raises(DseInputError):
        BLOCK_CIRCULANT.numpy(np.zeros((1, 13)), w)


def _direct_topk_attention(q, k, v, topk, bits):
    """Explicit per-row loops: rank keys by the quantised scores (ties: lower index), keep topk,
    softmax of the exact scaled scores over the kept keys, weighted sum of V."""
    qi, ki = quantize_symmetric(q, bits), quantize_symmetric(k, bits)
    out = np.zeros((q.shape[0], v.shape[1]))
    for r in range(q.shape[0]):
        low = [float(qi[r] @ ki[c]) for c in range(k.shape[0])]
        kept = sorted(range(k.shape[0]), key=lambda c: (-low[c], c))[:topk]
        s = np.array([q[r] @ k[c] / math.sqrt(q.shape[1]) for c in kept])
        e = np.exp(s - s.max())
        out[r] = sum(e[i] / e.sum() * v[c] for i, c in enumerate(kept))
    return out


@pytest.mark.parametrize("topk,bits", [(1, 4), (3, 4), (5, 2), (8, 8)])
def test_topk_attention_equals_direct_loops(topk, bits):
    """Vectorised kernel = per-row reference (includes many ties at 2-4 bits)."""
    rng = np.random.default_rng(topk + bits)
    q, k, v = rng.normal(size=(7, 4)), rng.normal(size=(8, 4)), rng.normal(size=(8, 3))
    np.testing.assert_allclose(TOPK_ATTENTION.numpy(q, k, v, topk, bits),
                               _direct_topk_attention(q, k, v, topk, bits), atol=1e-12)


def test_topk_equal_to_length_is_dense_attention():
    """k = L keeps every key: exactly softmax(QK^T/sqrt d) V."""
    rng = np.random.default_rng(9)
    q, k, v = rng.normal(size=(2, 6, 4)), rng.normal(size=(2, 6, 4)), rng.normal(size=(2, 6, 5))
    s = q @ np.swapaxes(k, -1, -2) / 2.0
    p = np.exp(s - s.max(-1, keepdims=True))
    np.testing.assert_allclose(TOPK_ATTENTION.numpy(q, k, v, 6), (p / p.sum(-1, keepdims=True)) @ v, atol=1e-12)


def test_topk_attention_torch_matches_numpy_with_gradients():
    """Torch = numpy (same tie-breaking); gradients reach Q, K and V."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    arrs = [rng.normal(size=(3, 10, 8)) for _ in range(3)]
    ts = [torch.tensor(a, requires_grad=True) for a in arrs]
    out = TOPK_ATTENTION.torch(*ts, 4, 3)
    np.testing.assert_allclose(out.detach().numpy(), TOPK_ATTENTION.numpy(*arrs, 4, 3), atol=1e-12)
    out.sum().backward()
    assert all(t.grad is not None and torch.isfinite(t.grad).all() for t in ts)
