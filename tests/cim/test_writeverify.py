"""Write-verify model: erf, geometric iterations, truncated residual, speed-up, numpy = torch."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special, stats

from costmodels.cim import constant, programming_time, speedup, verified_sigma, wv_iterations
from costmodels.cim.writeverify import erf


def test_erf_accuracy():
    """Abramowitz & Stegun 7.1.26 stays within 1.5e-7 of scipy's erf."""
    x = np.linspace(-6, 6, 20001)
    assert np.abs(erf(x) - special.erf(x)).max() < 1.5e-7


def test_iterations_match_simulated_retries():
    """Mean attempts until |N(0, sigma^2)| < tol equals 1 / erf(tol / (sigma sqrt 2))."""
    rng = np.random.default_rng(0)
    sigma, tol = 0.1, constant("wv_tolerance")
    e = rng.standard_normal((200000, 60)) * sigma
    first = np.argmax(np.abs(e) < tol, axis=1) + 1
    assert first.mean() == pytest.approx(float(wv_iterations(np.array(sigma))), rel=0.02)


@pytest.mark.parametrize("sigma", [0.005, 0.02, 0.1, 0.3, 1.0])
def test_verified_sigma_is_truncated_normal_std(sigma):
    """Residual std of a verified device = std of N(0, sigma^2) truncated to [-tol, tol]."""
    tol = constant("wv_tolerance")
    ref = stats.truncnorm.std(-tol / sigma, tol / sigma, scale=sigma)
    assert float(verified_sigma(np.array(sigma))) == pytest.approx(ref, rel=1e-5)


def test_swim_code_ratio():
    """The default tolerance reproduces the SWIM code's 10:1 sigma ratio before/after verify."""
    assert float(verified_sigma(np.array(0.1))) == pytest.approx(0.01, rel=0.01)


def test_speedup_limits():
    """Verifying everything: speed-up 1; nothing: n_iter (t_write + t_verify) / t_write."""
    s = np.array(0.1)
    assert float(speedup(np.array(1.0), s)) == pytest.approx(1.0)
    n = float(wv_iterations(s))
    expect = n * (constant("t_write") + constant("t_verify")) / constant("t_write")
    assert float(speedup(np.array(0.0), s)) == pytest.approx(expect)
    assert float(programming_time(10.0, 0.0, s)) == pytest.approx(10 * constant("t_write"))


def test_torch_matches_numpy():
    """The same formulas on torch tensors give the numpy numbers."""
    torch = pytest.importorskip("torch", reason="torch not installed")
    s = np.array([0.0, 0.01, 0.1, 0.4])
    np.testing.assert_allclose(wv_iterations(torch.tensor(s)).numpy(), wv_iterations(s), rtol=1e-12)
    np.testing.assert_allclose(verified_sigma(torch.tensor(s)).numpy(), verified_sigma(s), rtol=1e-12)
