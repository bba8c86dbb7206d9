"""Training kernels: registered, seeded, the statistics their docstrings promise, numpy vs torch,
straight-through gradients."""

from __future__ import annotations

import numpy as np
import pytest

from costmodels.cim.kernels import KERNELS, censored_mean
from costmodels.cim.variation import quantize
from dse import kernels
from dse.errors import DseInputError

torch = pytest.importorskip("torch", reason="torch not installed: kernel torch paths not checked")
X = np.linspace(-0.5, 0.5, 40001)


def _np(name, x=X, seed=0, **p):
    return kernels.get(name).numpy(x, rng=np.random.default_rng(seed), **p)


def _t(name, x=X, seed=0, **p):
    return kernels.get(name).torch(torch.tensor(x), generator=torch.Generator().manual_seed(seed), **p).numpy()


def test_registered_with_both_implementations():
    """All four kernels resolve through the dse.kernels entry points with numpy and torch code."""
    for name in KERNELS:
        spec = kernels.get(name)
        assert spec.numpy is not None and spec.torch is not None and spec.source


def test_seeded_and_required_generators():
    """Same seed, same draw; no generator is a clear error (no global random state)."""
    np.testing.assert_array_equal(_np("cim-gaussian", sigma=0.1), _np("cim-gaussian", sigma=0.1))
    np.testing.assert_array_equal(_t("cim-gaussian", sigma=0.1), _t("cim-gaussian", sigma=0.1))
    with pytest.raises(DseInputError):
        kernels.get("cim-gaussian").numpy(X, sigma=0.1, rng=None)
    with pytest.raises(DseInputError):
        kernels.get("cim-gaussian").torch(torch.tensor(X), sigma=0.1, generator=None)
    with pytest.raises(DseInputError):
        _np("cim-gaussian", sigma=-0.1)


@pytest.mark.parametrize("impl", [_np, _t])
def test_gaussian_std(impl):
    """cim-gaussian: noise std = sigma max|x|."""
    assert (impl("cim-gaussian", sigma=0.2) - X).std() == pytest.approx(0.2 * 0.5, rel=0.02)


@pytest.mark.parametrize("impl", [_np, _t])
@pytest.mark.parametrize("censor", [0.0, 1.0])
def test_right_censored(impl, censor):
    """cim-rc-gaussian: noise <= censor sigma max|x|, mean sigma max|x| E[min(Z, c)]; re-centred
    noise has zero mean (set_SG / set_BSG of the KPP authors' code)."""
    n = (impl("cim-rc-gaussian", sigma=0.2, censor=censor) - X) / (0.2 * 0.5)
    assert n.max() <= censor + 1e-9
    assert n.mean() == pytest.approx(censored_mean(censor), abs=0.02)
    c = (impl("cim-rc-gaussian", sigma=0.2, censor=censor, center=True) - X) / (0.2 * 0.5)
    assert abs(c.mean()) < 0.02


def test_censored_mean_closed_form():
    """E[min(Z, c)] = c (1 - Phi(c)) - phi(c): -0.3989 at c = 0, -> 0 for large c."""
    assert censored_mean(0.0) == pytest.approx(-1 / np.sqrt(2 * np.pi))
    z = np.random.default_rng(0).standard_normal(2_000_000)
    assert censored_mean(1.0) == pytest.approx(np.minimum(z, 1.0).mean(), abs=2e-3)


@pytest.mark.parametrize("impl", [_np, _t])
def test_weight_dependent_std(impl):
    """cim-weight-dependent: relative std (0.26348 + 1.9650 g - 1.1731 g^2) / 25 (aihwkit PCM)."""
    x = np.concatenate([np.full(50000, 1.0), np.full(50000, 0.5)])
    n = impl("cim-weight-dependent", x=x) - x
    assert n[:50000].std() == pytest.approx((0.26348 + 1.9650 - 1.1731) / 25, rel=0.03)
    assert n[50000:].std() == pytest.approx((0.26348 + 1.9650 * 0.5 - 1.1731 * 0.25) / 25, rel=0.03)


def test_stuck_at_numpy_and_torch_agree():
    """cim-stuck-at: without faults both give the 8-bit quantised weights; with faults both change
    the same share of weights."""
    q, step = quantize(X, 8)
    np.testing.assert_allclose(_np("cim-stuck-at", rate_sa0=0, rate_sa1=0), q * step)
    np.testing.assert_allclose(_t("cim-stuck-at", rate_sa0=0, rate_sa1=0), q * step, atol=1e-12)
    a = np.mean(_np("cim-stuck-at", rate_sa0=0.02, rate_sa1=0.01) != q * step)
    b = np.mean(np.abs(_t("cim-stuck-at", rate_sa0=0.02, rate_sa1=0.01) - q * step) > 1e-12)
    assert a == pytest.approx(b, abs=0.01) and a > 0.05


@pytest.mark.parametrize("name,params", [("cim-gaussian", {"sigma": 0.1}), ("cim-rc-gaussian", {"sigma": 0.1}),
                                         ("cim-stuck-at", {"rate_sa0": 0.1, "rate_sa1": 0.1}),
                                         ("cim-weight-dependent", {})])
def test_straight_through_gradient(name, params):
    """Noise is added as a constant: d sum(kernel(x)) / dx = 1 everywhere."""
    x = torch.linspace(-1, 1, 101, dtype=torch.float64, requires_grad=True)
    y = kernels.get(name).torch(x, generator=torch.Generator().manual_seed(0), **params)
    (g,) = torch.autograd.grad(y.sum(), x)
    np.testing.assert_allclose(g.numpy(), 1.0)
