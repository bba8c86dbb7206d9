"""KPP estimator and Monte Carlo evaluator: interval coverage on known distributions,
reproducibility from the seed, chunk invariance, agreement with a loop over draws."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from costmodels.cim.experiment import make_sampler
from costmodels.cim.montecarlo import kpp, mc_accuracy, order_statistic_interval
from costmodels.cim.network import accuracy, make_mlp
from dse.errors import DseInputError


def test_interval_coverage_normal():
    """For N(0,1) samples (n = 1000, k = 1), the 95% interval covers the true 1st percentile
    -2.326 in at least 95% of 2000 repetitions (binomial guarantee; observed 0.976 expected)."""
    rng = np.random.default_rng(0)
    true = stats.norm.ppf(0.01)
    hits = 0
    reps = 2000
    for _ in range(reps):
        r = kpp(rng.standard_normal(1000), k=1, confidence=0.95)
        hits += r.lo <= true <= r.hi
    se = math.sqrt(0.95 * 0.05 / reps)
    assert hits / reps >= 0.95 - 2 * se


def test_interval_coverage_uniform_exact():
    """Uniform(0,1): X_(i) ~ Beta(i, n+1-i), so the coverage of [X_(l), X_(u)] is exactly the
    binomial sum returned by order_statistic_interval."""
    n, q = 1000, 0.05
    l, u, cov = order_statistic_interval(n, q, 0.9)
    exact = stats.beta(l, n + 1 - l).cdf(q) - stats.beta(u, n + 1 - u).cdf(q)
    assert cov == pytest.approx(exact, abs=1e-9)
    assert cov >= 0.9


def test_point_estimate_is_order_statistic():
    """KPP = X_(ceil(n k / 100)); with too few draws the lower end is unbounded."""
    x = np.arange(1000)[::-1].astype(float)
    assert kpp(x, 1).value == 9.0
    assert kpp(x[:200], 1).lo == -math.inf


def test_bad_k():
    """k outside (0, 100) is a clear error."""
    with pytest.raises(DseInputError):
        kpp([1.0, 2.0], k=0)


def _setup():
    rng = np.random.default_rng(0)
    net = make_mlp([16, 12, 4], seed=1)
    x = rng.standard_normal((200, 16))
    y = accuracy.__globals__["forward"](net, x).argmax(-1)  # labels the clean net gets right
    return net, x, y


def test_reproducible_and_chunk_invariant():
    """The accuracy of draw i depends only on (seed, i): same seed same array, any chunk size."""
    net, x, y = _setup()
    s = make_sampler("gaussian", sigma=0.3)
    a = mc_accuracy(net, x, y, s, 37, seed=5, chunk=50)
    np.testing.assert_array_equal(a, mc_accuracy(net, x, y, s, 37, seed=5, chunk=7))
    assert not np.array_equal(a, mc_accuracy(net, x, y, s, 37, seed=6))


def test_sigma_zero_gives_clean_accuracy_and_loop_agrees():
    """Without variation every draw has the clean accuracy; vectorised draws equal a loop."""
    net, x, y = _setup()
    acc = mc_accuracy(net, x, y, make_sampler("gaussian", sigma=0.0), 5)
    np.testing.assert_allclose(acc, 1.0)
    s = make_sampler("gaussian", sigma=0.5)
    got = mc_accuracy(net, x, y, s, 6, seed=2)
    children = np.random.SeedSequence(2).spawn(6)
    loop = [accuracy(net, x, y, [w[0] for w in s(net.weights(), np.random.default_rng(c), 1)]) for c in children]
    np.testing.assert_allclose(got, loop)
