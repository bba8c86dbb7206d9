"""The strided-add average pool equals the reshape-and-mean form bit for bit (numpy and torch)."""

import numpy as np
import pytest

from costmodels.cim.network import _avg_pool


def _reference(h, k):
    hh, ww = h.shape[-2:]
    return h.reshape(*h.shape[:-2], hh // k, k, ww // k, k).mean(-1).mean(-2)


@pytest.mark.parametrize("k", [2, 3, 4])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_avg_pool_equals_reshape_mean_numpy(k, dtype):
    rng = np.random.default_rng(k)
    h = rng.standard_normal((3, 5, 4, 4 * k, 2 * k)).astype(dtype) * 10.0 ** rng.integers(-3, 4)
    got, want = _avg_pool(h, k), _reference(h, k)
    assert got.dtype == want.dtype and got.shape == want.shape
    assert np.array_equal(got, want)


@pytest.mark.parametrize("k", [2, 3])
def test_avg_pool_equals_reshape_mean_torch(k):
    torch = pytest.importorskip("torch", reason="torch not installed")
    g = torch.Generator().manual_seed(k)
    h = torch.randn(2, 3, 4, 2 * k, 4 * k, generator=g, dtype=torch.float32, requires_grad=True)
    got, want = _avg_pool(h, k), _reference(h, k)
    assert torch.equal(got, want)
    (g1,) = torch.autograd.grad(got.sum(), h)
    (g2,) = torch.autograd.grad(want.sum(), h)
    assert torch.equal(g1, g2)


def test_avg_pool_size_not_divisible_keeps_the_reshape_error():
    with pytest.raises(ValueError):
        _avg_pool(np.zeros((1, 1, 5, 4)), 2)
