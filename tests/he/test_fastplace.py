"""The compiled placement (numba) equals the array version bit for bit; per-point results do not
depend on the batch they are evaluated in."""

from __future__ import annotations

import numpy as np
import pytest

from costmodels.he import CkksModel, fastplace
from workloads import load

CASES = [("resnet20-cifar", {}), ("resnet20-cifar", {"profile": "openfhe-cpu"}), ("lenet5", {"profile": "openfhe-cpu"}),
         ("stgcn3-256", {}), ("resnet20-cifar", {"preset": "lattigo-n16-h192"})]


def _metrics(model: CkksModel, workload: str, n: int, seed: int):
    m = model.evaluate(load(workload), model.space.sample(n, seed)).numpy()
    return m


def _assert_same(a, b) -> None:
    assert np.array_equal(np.asarray(a.feasible), np.asarray(b.feasible))
    for name in a.totals:
        assert np.array_equal(np.asarray(a.totals[name]), np.asarray(b.totals[name]), equal_nan=True), name
    for name in a.layers:
        assert np.array_equal(np.asarray(a.layers[name]), np.asarray(b.layers[name]), equal_nan=True), name


@pytest.mark.skipif(not fastplace.available(), reason="numba not installed (.ci/setup_numba.sh)")
@pytest.mark.parametrize("workload,params", CASES)
def test_compiled_equals_array(workload: str, params: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every metric of the compiled path is bit-identical to the array path (random designs, sparse slots included)."""
    model = CkksModel(**params)
    fast = _metrics(model, workload, 300, 11)
    monkeypatch.setattr(fastplace, "available", lambda: False)
    slow = _metrics(model, workload, 300, 11)
    _assert_same(fast, slow)


def test_point_independent_of_batch() -> None:
    """A point's metrics are the same evaluated alone as inside a batch of 200 (no batch-dependent rounding)."""
    model = CkksModel()
    w = load("resnet20-cifar")
    design = model.space.sample(200, 5)
    batch = model.evaluate(w, design).numpy()
    for i in (0, 57, 199):
        one = model.evaluate(w, design.take(np.array([i]))).numpy()
        for name in ("latency_s", "bootstraps", "memory_bytes", "client_s"):
            assert np.array_equal(np.asarray(one.totals[name]), np.asarray(batch.totals[name])[i:i + 1], equal_nan=True)


@pytest.mark.parametrize("workload,params", CASES)
def test_totals_only_equals_full(workload: str, params: dict) -> None:
    """``layers=False`` (per-pair op-count sums) gives the full evaluation's totals bit for bit, same keys in the same order."""
    model = CkksModel(**params)
    design = model.space.sample(300, 13)
    full = model.evaluate(load(workload), design).numpy()
    tot = model.evaluate(load(workload), design, layers=False).numpy()
    assert list(tot.totals) == list(full.totals) and tot.layers == {}
    for name in full.totals:
        x, y = np.asarray(full.totals[name]), np.asarray(tot.totals[name])
        assert x.dtype == y.dtype and np.array_equal(x, y, equal_nan=True), name


@pytest.mark.skipif(not fastplace.available(), reason="numba not installed (.ci/setup_numba.sh)")
@pytest.mark.parametrize("workload,params", CASES)
def test_compiled_totals_only_equals_array_totals_only(workload: str, params: dict,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """``layers=False`` through the compiled kernels (pair rows, compiled memory max) equals the array
    version's totals bit for bit."""
    model = CkksModel(**params)
    design = model.space.sample(300, 17)
    fast = model.evaluate(load(workload), design, layers=False).numpy()
    monkeypatch.setattr(fastplace, "available", lambda: False)
    slow = model.evaluate(load(workload), design, layers=False).numpy()
    _assert_same(fast, slow)


@pytest.mark.skipif(not fastplace.available(), reason="numba not installed (.ci/setup_numba.sh)")
def test_memory_max_matches_the_size_formulas() -> None:
    """The compiled working-set maximum equals max over layers of the opcost size formulas, NaN included."""
    from costmodels.he.opcost import ciphertext_bytes, plaintext_bytes

    rng = np.random.default_rng(3)
    held, pts = rng.integers(0, 40, (4, 9)).astype(float), rng.integers(0, 300, (4, 9)).astype(float)
    pts[2, 5] = np.nan
    vidx = rng.integers(0, 4, 50)
    n = 2.0 ** rng.integers(10, 18, 50)
    entry = rng.integers(0, 40, (50, 9))
    limbs = entry + 1.0
    ref = np.max(held[vidx] * ciphertext_bytes(n[:, None], limbs, 8) + pts[vidx] * plaintext_bytes(n[:, None], limbs, 8),
                 axis=1)
    got = fastplace.memory_max(held, pts, vidx, n, entry, 8)
    assert np.array_equal(got, ref, equal_nan=True) and np.isnan(got[vidx == 2]).all()
