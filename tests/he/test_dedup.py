"""Placement once per distinct placement key (:mod:`costmodels.he.dedup`) equals the direct path bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from costmodels.he import CkksModel, dedup, fastplace
from workloads import load

CASES = [("lenet5", {}), ("resnet20-cifar", {}), ("resnet20-cifar", {"profile": "openfhe-cpu"}),
         ("lenet5", {"profile": "openfhe-cpu"}), ("stgcn3-256", {}), ("resnet20-cifar", {"preset": "lattigo-n16-h192"})]
# knobs the placement does not read, plus two it reads only through clipping / the digit size
UNREAD = ("scale_bits", "first_bits", "special_bits", "security", "dnum", "boot_return")


def _with_duplicates(model: CkksModel, n: int, copies: int, seed: int):
    """``n`` random points, each repeated ``copies`` times with UNREAD knobs drawn afresh."""
    base = model.space.sample(n, seed).take(np.repeat(np.arange(n), copies))
    other = model.space.sample(n * copies, seed + 1)
    return base.with_arrays(**{name: other[name] for name in UNREAD})


def _evaluate(model: CkksModel, workload: str, design, layers: bool, fraction: float, monkeypatch) -> object:
    monkeypatch.setattr(dedup, "MAX_FRACTION", fraction)
    return model.evaluate(load(workload), design, layers=layers).numpy()


def _assert_same(a, b) -> None:
    assert np.array_equal(np.asarray(a.feasible), np.asarray(b.feasible))
    assert np.array_equal(np.asarray(a.reason), np.asarray(b.reason))
    assert list(a.totals) == list(b.totals) and list(a.layers) == list(b.layers) and a.units == b.units
    assert a.layer_names == b.layer_names
    for name in a.totals:
        assert np.array_equal(np.asarray(a.totals[name]), np.asarray(b.totals[name]), equal_nan=True), name
    for name in a.layers:
        assert np.array_equal(np.asarray(a.layers[name]), np.asarray(b.layers[name]), equal_nan=True), name


@pytest.mark.parametrize("compiled", [True, False])
@pytest.mark.parametrize("workload,params", CASES)
def test_dedup_equals_direct(workload: str, params: dict, compiled: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches whose points share placement keys (unread knobs redrawn): every metric and the
    feasibility reason equal the direct path's, full and totals-only, compiled and array versions."""
    if compiled and not fastplace.available():
        pytest.skip("numba not installed (.ci/setup_numba.sh)")
    if not compiled:
        monkeypatch.setattr(fastplace, "available", lambda: False)
    model = CkksModel(**params)
    design = _with_duplicates(model, 60, 6, 21)
    first, _ = _keys(dedup.placement_key(model._profile(), model._knobs(design, np),
                                                       np.asarray(design.eq("boot_slots", "sparse")), _pair(design)))
    assert 60 <= len(first) <= 0.9 * design.n  # the batch really shares keys
    for layers in (True, False):
        direct = _evaluate(model, workload, design, layers, 0.0, monkeypatch)
        deduped = _evaluate(model, workload, design, layers, 1.0, monkeypatch)
        _assert_same(direct, deduped)


def _keys(cols: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    res = dedup.distinct_keys(cols)
    assert res is not None
    return res


def _pair(design) -> np.ndarray:
    """A stand-in for the model's (variant, act_degree) pair index, at least as fine."""
    return ((np.asarray(design["act_degree"], np.int64) * 8 + design["packing"]) * 4 + design["matvec"]) * 2 \
        + design["ring"]


@pytest.mark.parametrize("workload,params", CASES[:3])
def test_dedup_forced_on_random_batch(workload: str, params: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    """A uniform random batch (almost every key distinct) pushed through the dedup path anyway."""
    model = CkksModel(**params)
    design = model.space.sample(300, 7)
    for layers in (True, False):
        _assert_same(_evaluate(model, workload, design, layers, 0.0, monkeypatch),
                     _evaluate(model, workload, design, layers, 1.0, monkeypatch))


def test_keys_merge_only_unread_knobs() -> None:
    """Redrawing the unread knobs merges points (fewer keys than points); redrawing a read knob
    (act_degree) separates them again."""
    model = CkksModel(profile="openfhe-cpu")
    design = _with_duplicates(model, 50, 8, 3)
    k = model._knobs(design, np)
    sparse = np.asarray(design.eq("boot_slots", "sparse"))
    pair = _pair(design)
    first, inv = _keys(dedup.placement_key(model._profile(), k, sparse, pair))
    assert 50 <= len(first) < 400 and np.array_equal(inv[first], np.arange(len(first)))
    cols = dedup.placement_key(model._profile(), k, sparse, pair)
    assert all(np.array_equal(c[first[inv]], c) for c in cols)  # every point's key equals its representative's
    act = model.space.sample(400, 99)["act_degree"]
    k2 = model._knobs(design.with_arrays(act_degree=act), np)
    pair2 = _pair(design.with_arrays(act_degree=act))
    first2, _ = _keys(dedup.placement_key(model._profile(), k2, sparse, pair2))
    assert len(first2) > len(first)


def test_distinct_keys_fallbacks() -> None:
    """Non-integral (continuous) columns use exact np.unique rows; non-finite ones dedup nothing."""
    first, inv = _keys([np.array([0.5, 0.5, 0.25]), np.ones(3)])
    assert len(first) == 2 and inv[0] == inv[1] != inv[2]
    first, inv = _keys([np.array([np.nan, np.nan])])
    assert len(first) == 2
    big = [np.array([0.0, 2.0**40, 2.0**40])] * 2 + [np.array([0.0, 1.0, 1.0])]  # radix product > 2^62
    first, inv = _keys(big)
    assert len(first) == 2 and inv[1] == inv[2] != inv[0]
    assert dedup.distinct_keys(big, max_distinct=1) is None and dedup.distinct_keys([np.arange(4.0)], 3) is None
    assert dedup.distinct_keys([np.array([3.0, 1.0, 3.0])], 2) is not None


def test_coarse_precheck() -> None:
    """The coarse pre-check only says "more" when the count really exceeds the limit."""
    a, b = np.array([1.0, 1.0, 2.0, 2.0]), np.array([0.0, 1.0, 0.0, 1.0])
    assert dedup.more_than([a], 1) and not dedup.more_than([a], 2)
    assert dedup.more_than([a, b], 3) and not dedup.more_than([a, b], 4)
    assert not dedup.more_than([np.array([0.5, 0.25, 0.125])], 1)  # not integral: no claim, the full key decides
