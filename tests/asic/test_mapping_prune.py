"""The exact pruning of the ``asic`` mapping search: bounds, symmetry and the optimum unchanged."""

from __future__ import annotations

import numpy as np
import pytest

from costmodels.asic.archfile import load_arch
from costmodels.asic.mapping import Layer7, _mac_pj, evaluate_mappings
from costmodels.asic.mapping_bound import group_bounds
from costmodels.asic.mapping_search import _groups, clear_cache, drop_symmetric, search_layer, symmetric_axes

LAYERS = [
    Layer7("c3", (1, 64, 32, 14, 14, 3, 3)),
    Layer7("s2", (1, 128, 64, 7, 7, 1, 1), stride=(2, 2)),
    Layer7("fc", (1, 100, 96, 1, 1, 1, 1)),
    Layer7("dw", (1, 32, 1, 14, 14, 3, 3), depthwise=True),
]


def _archs():
    base = load_arch("tpu-like")
    return [base, base.with_knobs(sizes=(8, 16), glb_bits=2 ** 16 * 8, top_bw=32, bits=4),
            base.with_knobs(sizes=(16, 16), glb_bits=2 ** 14 * 8), load_arch("eyeriss")]


@pytest.mark.parametrize("objective", ["energy", "latency", "edp"])
def test_pruned_search_equals_exhaustive(objective):
    """Bound-and-symmetry pruning returns the exhaustive search's mapping and metrics, bit for bit."""
    for arch in _archs():
        for layer in LAYERS:
            clear_cache()
            full = search_layer(layer, arch, objective, lpf_limit=5, prune=False)
            fast = search_layer(layer, arch, objective, lpf_limit=5, prune=True)
            assert (fast.text, fast.metrics, fast.feasible) == (full.text, full.metrics, full.feasible), (arch.name, layer.name)
            assert fast.evaluated <= full.evaluated


def test_bounds_never_exceed_any_candidate():
    """Each unrolling's energy and cycle bounds are <= every feasible candidate of that unrolling."""
    for arch in _archs():
        mac = arch.mac_pj if arch.mac_pj is not None else _mac_pj(arch)
        for layer in LAYERS:
            groups, _ = _groups(layer, arch, None, 5)
            e_lb, c_lb = group_bounds(layer, arch, np.stack([g[0] for g in groups]), mac)
            for (s, d, f), e, c in zip(groups, e_lb, c_lb):
                out = evaluate_mappings(layer, arch, np.broadcast_to(s, (len(d),) + s.shape), d, f)
                ok = out["feasible"]
                assert (out["energy_pj"][ok] >= e).all() and (out["cycles"][ok] >= c).all(), (arch.name, layer.name)


def test_symmetry_drops_swapped_unrollings_only_on_square_symmetric_arrays():
    """A 32x32 array whose memories span both or neither dimension keeps one of each swapped pair;
    an 8x16 array keeps all."""
    sq = load_arch("tpu-like")
    assert symmetric_axes(sq) == [(0, 1)]
    s = np.ones((3, 2, 7))
    s[0, 0, 1], s[0, 1, 2] = 32, 32  # D1:K32 D2:C32
    s[1, 0, 2], s[1, 1, 1] = 32, 32  # its swap
    s[2, 0, 1] = 32  # D1:K32 only
    kept = drop_symmetric(sq, s)
    assert len(kept) == 2 and (kept[0] == s[0]).all() and (kept[1] == s[2]).all()
    assert symmetric_axes(sq.with_knobs(sizes=(8, 16))) == []


def test_group_tables_equal_generic_evaluation():
    """The subset-table evaluation of grouped candidates equals evaluate_mappings key for key, exactly."""
    from costmodels.asic.mapping_groups import evaluate_groups, stacked_candidates

    for arch in _archs():
        for layer in LAYERS + [Layer7("dil", (2, 16, 8, 7, 7, 3, 3), stride=(2, 2), dilation=(2, 2))]:
            groups, _ = _groups(layer, arch, None, 5)
            gsp, gd, gf, gid, perm = stacked_candidates(groups)
            fast = evaluate_groups(layer, arch, gsp, gd, gf, gid, perm)
            ref = evaluate_mappings(layer, arch, gsp[gid], gd[gid[:, None], perm], gf[gid[:, None], perm])
            assert set(fast) == set(ref)
            for k in ref:
                assert np.array_equal(np.asarray(fast[k]), np.asarray(ref[k])), (arch.name, layer.name, k)


def test_row_stationary_pairs_are_generated_and_never_worse():
    """With pairs, the search generates Eyeriss's FY3 x K4 rows / OY13 columns unrolling for AlexNet
    CONV3 and finds energy <= that fixed row-stationary mapping's; without pairs it is absent."""
    from costmodels.asic.mapping import DIMS
    from costmodels.asic.mapping_search import Mapping, spatial_candidates

    arch = load_arch("eyeriss")
    layer = Layer7("conv3", (4, 384, 256, 13, 13, 3, 3))
    k, oy, fy = DIMS.index("K"), DIMS.index("OY"), DIMS.index("FY")
    rs = np.ones((2, 7))
    rs[0, fy], rs[0, k], rs[1, oy] = 3, 4, 13
    assert any((s == rs).all() for s in spatial_candidates(layer, arch.sizes, pairs=True))
    assert not any((s == rs).all() for s in spatial_candidates(layer, arch.sizes))
    fixed = search_layer(layer, arch, "energy", fixed=Mapping(((0, fy, 3), (0, k, 4), (1, oy, 13))), lpf_limit=4)
    free = search_layer(layer, arch, "energy", lpf_limit=4, pairs=True)
    assert free.metrics["energy_pj"] <= fixed.metrics["energy_pj"]
    clear_cache()
    full = search_layer(layer, arch, "edp", lpf_limit=4, pairs=True, prune=False)
    assert (search_layer(layer, arch, "edp", lpf_limit=4, pairs=True).text, full.metrics) == (full.text, full.metrics)


def test_fp16_operands_use_the_horowitz_float_mac():
    """format = fp16 charges FP16 multiply + FP32 add (1.1 + 0.9 pJ) per MAC; int widths are refused."""
    from costmodels.asic.arch import arch_from_dict
    from dse.errors import DseInputError

    mem = [{"name": "dram", "kind": "dram", "r_bw": 64, "operands": ["I", "W", "O"]}]
    fp = arch_from_dict({"array": {"sizes": [4]}, "precision": {"format": "fp16", "I": 16, "W": 16, "O": 32,
                                                                 "O_final": 16}, "memory": mem}, "t")
    layer = Layer7("g", (1, 4, 4, 1, 1, 1, 1))
    res = search_layer(layer, fp, "energy")
    assert res.metrics["energy_mac_pj"] == pytest.approx(16 * (1.1 + 0.9))
    with pytest.raises(DseInputError):
        arch_from_dict({"array": {"sizes": [4]}, "precision": {"format": "fp16", "I": 8, "W": 16, "O": 32},
                        "memory": mem}, "t")
    with pytest.raises(DseInputError):
        fp.with_knobs(bits=8)


def test_array_network_charges_every_pe_copy_hand_derived():
    """With noc_pj_per_bit, 4 PEs each filled once with their own 8-bit weight from DRAM cost 4 x 8
    network bits; without it the term is zero."""
    from costmodels.asic.arch import arch_from_dict
    from costmodels.asic.mapping import DIMS

    mem = [{"name": "rf", "kind": "rf", "size_bits": 64, "r_bw": 8, "operands": ["W"], "served_dims": []},
           {"name": "dram", "kind": "dram", "r_bw": 64, "operands": ["I", "W", "O"]}]
    d = {"array": {"sizes": [4], "noc_pj_per_bit": 0.5}, "precision": {"I": 8, "W": 8, "O": 8}, "memory": mem}
    layer = Layer7("g", (1, 4, 1, 1, 1, 1, 1))
    sp = np.ones((1, 1, 7))
    sp[0, 0, DIMS.index("K")] = 4
    out = evaluate_mappings(layer, arch_from_dict(d, "t"), sp, np.zeros((1, 1), dtype=np.int64), np.ones((1, 1)))
    assert out["noc_bits"][0] == 4 * 8 and out["energy_noc_pj"][0] == 4 * 8 * 0.5
    d["array"].pop("noc_pj_per_bit")
    out = evaluate_mappings(layer, arch_from_dict(d, "t"), sp, np.zeros((1, 1), dtype=np.int64), np.ones((1, 1)))
    assert out["energy_noc_pj"][0] == 0


def test_energy_search_shared_across_dram_bandwidths_equals_exhaustive():
    """Points that differ only in DRAM bandwidth reuse the energy shortlist and still return the
    exhaustive search's mapping and metrics (cycles included)."""
    base = load_arch("tpu-like")
    layer = LAYERS[0]
    clear_cache()
    got = [search_layer(layer, base.with_knobs(sizes=(16, 8), top_bw=bw), "energy", lpf_limit=5)
           for bw in (64.0, 8.0, 512.0)]
    assert got[1].evaluated < got[1].candidates  # served from the shortlist
    for bw, g in zip((64.0, 8.0, 512.0), got):
        full = search_layer(layer, base.with_knobs(sizes=(16, 8), top_bw=bw), "energy", lpf_limit=5, prune=False)
        assert (g.text, g.metrics) == (full.text, full.metrics)


@pytest.mark.parametrize("objective", ["edp", "latency"])
def test_latency_edp_search_shared_across_dram_bandwidths_equals_exhaustive(objective):
    """Points that differ only in DRAM bandwidth reuse the recorded bandwidth-free bounds and still
    return the exhaustive search's mapping and metrics."""
    base = load_arch("tpu-like")
    layer = LAYERS[0]
    clear_cache()
    bws = (64.0, 8.0, 512.0, 16.0)
    got = [search_layer(layer, base.with_knobs(sizes=(16, 8), top_bw=bw), objective, lpf_limit=5) for bw in bws]
    assert got[2].evaluated < got[2].candidates
    for bw, g in zip(bws, got):
        full = search_layer(layer, base.with_knobs(sizes=(16, 8), top_bw=bw), objective, lpf_limit=5, prune=False)
        assert (g.text, g.metrics) == (full.text, full.metrics)


def test_temporal_orders_memo_is_shared_read_only_and_exact():
    """The memoised loop orders equal a fresh enumeration, are shared between calls and cannot be
    written (a caller mutating them would corrupt every later search)."""
    from costmodels.asic.mapping_search import _orders, temporal_orders
    items = [(1, 2), (1, 2), (2, 3), (3, 7)]
    d1, f1 = temporal_orders(items, 4)
    d2, _ = temporal_orders(list(items), 4)
    d0, f0 = _orders(tuple(items), 4)
    assert d1 is d2 and np.array_equal(d1, d0) and np.array_equal(f1, f0) and len(d1) == 12  # 4!/2!
    with pytest.raises(ValueError):
        d1[0, 0] = 5


def test_order_codes_equal_rowwise_unique_and_canonical_memo():
    """The 1-D code sort of :func:`_orders` gives the rows of ``np.unique(axis=0)`` over every
    permutation, same order and dtypes, on random multisets of 1-7 loops (repeats included); the
    memoised padded canonical form equals a fresh :func:`canonical_perm` and is read-only."""
    from costmodels.asic.mapping_common import _pad
    from costmodels.asic.mapping_groups import canonical_padded, canonical_perm
    from costmodels.asic.mapping_search import _orders, _orders_unique, temporal_orders

    rng = np.random.default_rng(7)
    for n in range(1, 8):
        for _ in range(40):
            items = tuple((int(rng.integers(0, 7)), int(rng.choice([2, 3, 4, 5, 7]))) for _ in range(n))
            got, ref = _orders(items, 8), _orders_unique(items, 8)
            assert all(a.dtype == b.dtype and np.array_equal(a, b) for a, b in zip(got, ref)), items
    d, f = temporal_orders([(1, 2), (1, 2), (3, 5), (6, 3)], 4)
    for t in (4, 6):
        c1, c2 = canonical_padded(d, f, t), canonical_padded(d, f, t)
        ref = canonical_perm(*_pad(d, f, t))
        assert c1 is c2 and all(np.array_equal(a, b) for a, b in zip(c1, ref))
        with pytest.raises(ValueError):
            c1[2][0, 0] = 1
    fresh = np.zeros((1, 1), dtype=np.int64), np.ones((1, 1))  # writeable: never memoised
    assert canonical_padded(*fresh, 3) is not canonical_padded(*fresh, 3)
