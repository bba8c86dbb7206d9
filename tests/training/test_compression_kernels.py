"""ADMM projections of dse.kernels.compression: exact (idempotent, constraint met, nearest point)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import dse
from dse.errors import DseInputError
from dse.kernels import compression as C

RNG = np.random.default_rng(0)


def _nearest_among(w: np.ndarray, candidates) -> float:
    return min(float(((w - c) ** 2).sum()) for c in candidates)


def test_unstructured_nearest_by_enumeration():
    """prune-unstructured keeps k entries and is the nearest k-sparse point (all supports enumerated)."""
    w = RNG.normal(size=(2, 4))
    z = C.prune_unstructured(w, density=3 / 8)
    assert np.count_nonzero(z) == 3
    cands = []
    for keep in itertools.combinations(range(8), 3):
        m = np.zeros(8)
        m[list(keep)] = 1
        cands.append(w * m.reshape(w.shape))
    assert np.isclose(((w - z) ** 2).sum(), _nearest_among(w, cands))
    np.testing.assert_array_equal(C.prune_unstructured(z, density=3 / 8), z)


@pytest.mark.parametrize("axis", [0, 1])
def test_filter_pruning_structure_and_nearest(axis):
    """prune-filter zeroes whole slices along axis, keeps round(d*n) of them, nearest among all slice subsets."""
    w = RNG.normal(size=(5, 4, 3, 3))
    z = C.prune_filter(w, density=0.5, axis=axis)
    n = w.shape[axis]
    k = int(round(0.5 * n))
    alive = [np.any(np.take(z, i, axis=axis) != 0) for i in range(n)]
    assert sum(alive) == k
    for i in range(n):  # a slice is either kept intact or zero
        s = np.take(z, i, axis=axis)
        assert np.array_equal(s, np.take(w, i, axis=axis)) or not s.any()
    cands = []
    for keep in itertools.combinations(range(n), k):
        m = np.zeros(n)
        m[list(keep)] = 1
        shape = [1] * 4
        shape[axis] = -1
        cands.append(w * m.reshape(shape))
    assert np.isclose(((w - z) ** 2).sum(), _nearest_among(w, cands))
    np.testing.assert_array_equal(C.prune_filter(z, density=0.5, axis=axis), z)


def test_block_pruning_with_edge_tiles():
    """prune-block on a 5x7 matrix with 2x3 tiles (edge tiles smaller): whole tiles kept, nearest, idempotent."""
    w = RNG.normal(size=(5, 7))
    z = C.prune_block(w, density=0.5, block=(2, 3))
    tiles = [(slice(r, r + 2), slice(c, c + 3)) for r in range(0, 5, 2) for c in range(0, 7, 3)]
    assert len(tiles) == 9
    kept = [np.array_equal(z[t], w[t]) for t in tiles]
    assert all(k or not z[t].any() for k, t in zip(kept, tiles)) and sum(kept) == round(0.5 * 9)
    cands = []
    for keep in itertools.combinations(range(9), sum(kept)):
        c = np.zeros_like(w)
        for i in keep:
            c[tiles[i]] = w[tiles[i]]
        cands.append(c)
    assert np.isclose(((w - z) ** 2).sum(), _nearest_among(w, cands))
    np.testing.assert_array_equal(C.prune_block(z, density=0.5, block=(2, 3)), z)


def test_pattern_pruning():
    """prune-pattern: every kernel follows a 4-entry library pattern with the centre, the best one; connectivity keeps k kernels."""
    lib = C.pattern_library(3, 3, 4)
    assert lib.shape == (56, 3, 3) and (lib[:, 1, 1] == 1).all() and (lib.sum(axis=(1, 2)) == 4).all()
    w = RNG.normal(size=(3, 2, 3, 3))
    z = C.prune_pattern(w)
    for o, i in itertools.product(range(3), range(2)):
        support = (z[o, i] != 0).astype(float)
        assert any(np.array_equal(support, p) for p in lib)
        best = min(float(((w[o, i] - w[o, i] * p) ** 2).sum()) for p in lib)
        assert np.isclose(((w[o, i] - z[o, i]) ** 2).sum(), best)
    np.testing.assert_array_equal(C.prune_pattern(z), z)
    zk = C.prune_pattern(w, kernel_density=0.5)
    alive = (zk.reshape(6, 9) != 0).any(axis=1)
    assert alive.sum() == 3
    np.testing.assert_array_equal(C.prune_pattern(zk, kernel_density=0.5), zk)


@pytest.mark.parametrize("kind,bits,n_levels", [("uniform", 4, 15), ("ternary", 2, 3), ("pow2", 3, 7), ("uniform", 2, 3)])
def test_quantize_levels_and_nearest(kind, bits, n_levels):
    """quantize at a fixed scale maps every entry to the nearest level of the set; idempotent; the set has the stated size."""
    lv = C.quant_levels(bits, kind)
    assert len(lv) == n_levels and np.all(np.diff(lv) > 0)
    if kind == "pow2":
        assert set(np.abs(lv[lv != 0])) == {1.0, 0.5, 0.25}
    w = RNG.normal(size=200)
    s = 0.37
    z = C.quantize(w, bits=bits, kind=kind, scale=s)
    brute = (s * lv)[np.abs(w[:, None] - s * lv[None, :]).argmin(axis=1)]
    np.testing.assert_allclose(z, brute)
    np.testing.assert_array_equal(C.quantize(z, bits=bits, kind=kind, scale=s), z)


def test_fit_scale_improves_on_max_scaling():
    """fit_scale's error is at most that of the max|w| scaling it starts from, and a fitted projection is idempotent."""
    w = RNG.normal(size=500)
    lv = C.quant_levels(3, "uniform")
    s0 = np.abs(w).max() / lv.max()
    s = C.fit_scale(w, 3)
    err = lambda sc: ((w - C.quantize(w, bits=3, scale=sc)) ** 2).sum()  # noqa: E731
    assert err(s) < err(s0)
    z = C.quantize(w, bits=3, scale=s)
    np.testing.assert_array_equal(C.quantize(z, bits=3, scale=s), z)


def test_block_circulant_projection_is_orthogonal():
    """block-circulant-project: result is block-circulant (FPGA family's convention), idempotent, residual orthogonal to the subspace."""
    from costmodels.fpga.kernels import circulant_dense

    w = RNG.normal(size=(8, 12))
    z = C.block_circulant_project(w, block=4)
    c = C.circulant_first_columns(w, block=4)
    np.testing.assert_allclose(z, circulant_dense(c))
    np.testing.assert_allclose(C.block_circulant_project(z, block=4), z)
    for k in range(c.size):  # residual orthogonal to every basis vector of the subspace
        e = np.zeros(c.size)
        e[k] = 1
        assert abs(((w - z) * circulant_dense(e.reshape(c.shape))).sum()) < 1e-12
    # truncated edge blocks (7 x 10 with b = 4): still the nearest point and idempotent
    w2 = RNG.normal(size=(7, 10))
    z2 = C.block_circulant_project(w2, block=4)
    np.testing.assert_allclose(z2, circulant_dense(C.circulant_first_columns(w2, block=4))[:7, :10])
    np.testing.assert_allclose(C.block_circulant_project(z2, block=4), z2)


def test_registry_and_torch_entries():
    """The six projections are registered in dse.kernels and their torch entries equal numpy."""
    torch = pytest.importorskip("torch")
    w = RNG.normal(size=(4, 2, 3, 3))
    cases = {"prune-unstructured": {"density": 0.3}, "prune-filter": {"density": 0.5}, "prune-block": {"density": 0.5},
             "prune-pattern": {}, "quantize": {"bits": 4}, "block-circulant-project": {"block": 2}}
    for name, params in cases.items():
        spec = dse.kernels.get(name)
        t = spec.torch(torch.as_tensor(w, dtype=torch.float32), **params)
        assert t.dtype == torch.float32
        np.testing.assert_allclose(t.numpy(), spec.numpy(w.astype(np.float32), **params), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("call", [lambda: C.prune_unstructured(np.ones(4), density=0),
                                  lambda: C.quantize(np.ones(4), bits=1),
                                  lambda: C.quantize(np.ones(4), kind="log"),
                                  lambda: C.prune_pattern(np.ones((3, 3))),
                                  lambda: C.block_circulant_project(np.ones((3, 3)), block=0)])
def test_bad_parameters(call):
    """Out-of-domain density, bit width, kind, shape or block size raise DseInputError."""
    with pytest.raises(DseInputError):
        call()
