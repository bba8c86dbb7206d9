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
@pytest.mark.parametrize("n_layers", [1, 2, 7, 8, 9, 12, 15, 16, 17, 64, 127, 128, 129, 200, 257, 300, 1031])
def test_row_sum_equals_numpy_sum(n_layers: int) -> None:
    """The kernels' row sum (totals-only latency and bootstrap counts) equals ``np.sum`` of the row bit
    for bit (numpy's pairwise order), with magnitudes spread over 16 decades, -0.0, inf and NaN."""
    rng = np.random.default_rng(n_layers)
    rows = rng.standard_normal((200, n_layers)) * 10.0 ** rng.integers(-8, 8, (200, n_layers))
    rows[rng.random(rows.shape) < 0.05] = -0.0
    rows[0, 0], rows[1, -1], rows[2, :] = np.inf, np.nan, -0.0
    for row in rows:
        got, want = fastplace._row_sum(row), np.sum(row)
        assert (got == want or (np.isnan(got) and np.isnan(want))) and np.signbit(got) == np.signbit(want)


@pytest.mark.skipif(not fastplace.available(), reason="numba not installed (.ci/setup_numba.sh)")
def test_placement_in_several_passes_equals_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    """Groups whose cost rows exceed TABLE_BYTES are placed in several passes (here one group per
    pass) with the same results as one pass."""
    model = CkksModel()
    design = model.space.sample(400, 21)
    one = model.evaluate(load("resnet20-cifar"), design).numpy()
    monkeypatch.setattr(fastplace, "TABLE_BYTES", 1)
    many = model.evaluate(load("resnet20-cifar"), design).numpy()
    _assert_same(one, many)


@pytest.mark.skipif(not fastplace.available(), reason="numba not installed (.ci/setup_numba.sh)")
def test_fused_totals_equal_sums_of_the_per_layer_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    """``place_and_price(..., sums=...)`` returns the row sums (NaN without a placement) and the
    working-set maximum of the rows the per-layer call returns (real inputs of a ResNet-20 batch;
    one plaintext count set to NaN)."""
    from costmodels.he.opcost import ciphertext_bytes, plaintext_bytes

    calls = []
    real = fastplace.place_and_price
    monkeypatch.setattr(fastplace, "place_and_price", lambda *a, **kw: calls.append(a) or real(*a, **kw))
    CkksModel().evaluate(load("resnet20-cifar"), CkksModel().space.sample(300, 23))  # per-layer call
    args = calls[0]
    vidx, boot_cost = np.asarray(args[2]), np.asarray(args[16])
    rng = np.random.default_rng(1)
    n_var, n_layers = int(vidx.max()) + 1, boot_cost.shape[1]
    live, held = rng.integers(0, 5, (n_var, n_layers)).astype(float), rng.integers(1, 9, (n_var, n_layers)).astype(float)
    pts = rng.integers(0, 50, (n_var, n_layers)).astype(float)
    pts[0, 3] = np.nan
    n = 2.0 ** rng.integers(12, 17, len(vidx))
    rows = real(*args)
    fused = real(*args[:19], sums=(live, held, pts, n, 8))
    b = rows["booted"].astype(float)
    with np.errstate(invalid="ignore"):
        want_lat = np.sum(rows["lat"] + b * boot_cost, axis=1)
    limbs = rows["entry"] + 1.0
    want_mem = np.max(held[vidx] * ciphertext_bytes(n[:, None], limbs, 8) + pts[vidx] * plaintext_bytes(n[:, None], limbs, 8),
                      axis=1)
    placed = np.isfinite(rows["total"])  # without a placement the model reports NaN totals
    assert placed.any() and not placed.all()
    assert np.array_equal(fused["sum_lat"][placed], want_lat[placed], equal_nan=True)
    assert np.array_equal(fused["sum_boot"][placed], np.sum(b * live[vidx], axis=1)[placed])
    assert np.isnan(fused["sum_lat"][~placed]).all() and np.isnan(fused["sum_boot"][~placed]).all()
    assert np.array_equal(fused["mem"], want_mem, equal_nan=True) and np.isnan(fused["mem"][vidx == 0]).all()
    for name in ("total", "start", "end"):
        assert np.array_equal(fused[name], rows[name])


def test_group_index_equals_numpy_unique(monkeypatch: pytest.MonkeyPatch) -> None:
    """group_index (compiled and array versions) gives np.unique's first indices and inverse."""
    from costmodels.he import grouping

    rng = np.random.default_rng(5)
    keys = (rng.integers(0, 50, 3000), rng.integers(0, 10**6, 300), np.array([7]), np.array([2, 2, 2]),
            rng.integers(0, 4000, 1000))
    for compiled in (grouping._GATE.available(), False):
        monkeypatch.setattr(grouping._GATE, "available", lambda c=compiled: c)
        for key in keys:
            _, want_first, want_inv = np.unique(key, return_index=True, return_inverse=True)
            first, inv = grouping.group_index(key)
            assert np.array_equal(first, want_first) and np.array_equal(inv, want_inv.reshape(-1))


@pytest.mark.skipif(not fastplace.available(), reason="numba not installed (.ci/setup_numba.sh)")
def test_shared_bootstrap_prices_equal_array(monkeypatch: pytest.MonkeyPatch) -> None:
    """Points that share an op group and a bootstrap structure share one dot product in the compiled
    bootstrap prices; the prices stay bit-identical to the array version. Every point appears three
    times and dedup is off, so every (group, structure) job repeats."""
    from costmodels.he import dedup

    monkeypatch.setattr(dedup, "MAX_FRACTION", 0.0)
    model = CkksModel()
    base = model.space.sample(120, 23)
    design = base.take(np.repeat(np.arange(120), 3))
    fast = model.evaluate(load("lenet5"), design).numpy()
    assert np.nansum(np.asarray(fast.totals["bootstraps"])) > 0  # some points bootstrap
    monkeypatch.setattr(fastplace, "available", lambda: False)
    _assert_same(fast, model.evaluate(load("lenet5"), design).numpy())
