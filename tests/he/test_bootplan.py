"""Bootstrapping knobs: DFT depth (levels vs rotations), return level, sparse-slot bootstrapping."""

from __future__ import annotations

from costmodels.he import CkksModel, bootstrap_ops
from costmodels.he.opcost import BootConfig
from workloads import load


def _run(**design):
    m = CkksModel(preset="lattigo-n16-h192", profile="openfhe-cpu")
    out = m.evaluate(load("resnet20-cifar"), {"N": [65536], **{k: [v] for k, v in design.items()}}).numpy()
    assert out.feasible[0], out.reason_of(0)
    return {k: float(v[0]) for k, v in out.totals.items()}


def _rotations(cfg: BootConfig, slots: int = 32768) -> float:
    return sum(c for op, c, _ in bootstrap_ops(slots, cfg) if op in ("rotate", "rotate_hoisted"))


def test_fewer_dft_levels_cost_more_rotations():
    """CoeffToSlot/SlotToCoeff in 2 levels each need more rotations than in 4 (radix 2^8 vs 2^4 stages)."""
    two, four = BootConfig(cts_levels=2, stc_levels=2), BootConfig(cts_levels=4, stc_levels=4)
    assert _rotations(two) > 2 * _rotations(four)
    assert two.depth == four.depth - 4


def test_sparse_slot_bootstrap_is_cheaper_only_where_data_is_sparse():
    """ResNet-20 stages fill 16384/8192/4096 of 32768 slots: sparse-slot bootstrapping lowers latency; counts equal."""
    full, sparse = _run(), _run(boot_slots="sparse")
    assert sparse["latency_s"] < full["latency_s"]
    assert sparse["bootstraps"] == full["bootstraps"] and sparse["rotations"] == full["rotations"]
    fewer_slots = sum(c for _, c, _ in bootstrap_ops(4096, BootConfig(4, 3)))
    assert fewer_slots < sum(c for _, c, _ in bootstrap_ops(32768, BootConfig(4, 3)))


def test_lower_return_level_means_more_but_cheaper_bootstraps():
    """Returning 5 instead of 9 levels: more bootstraps (ModRaise to 5+15+1 limbs instead of 25)."""
    full, low = _run(), _run(boot_return=5)
    assert low["bootstraps"] > full["bootstraps"]
    per_full = full["latency_s"] / full["bootstraps"]
    assert low["latency_s"] / low["bootstraps"] < per_full


def test_sparse_packing_runs_evalmod_once_after_a_partial_sum():
    """Fewer slots than N/2: log2(N/2 / slots) partial-sum rotations, and EvalMod's ct-ct products on one ciphertext, not two."""
    cfg = BootConfig(4, 4)
    full = bootstrap_ops(4096, cfg)
    sparse = bootstrap_ops(4096, cfg, 32768)

    def count(ops, name, off=None):
        return sum(c for op, c, o in ops if op == name and (off is None or o == off))

    assert count(sparse, "mul") == count(full, "mul") / 2
    assert count(sparse, "rotate", 0) == count(full, "rotate", 0) + 3  # log2(32768 / 4096)
    assert bootstrap_ops(32768, cfg, 32768) == bootstrap_ops(32768, cfg)  # full packing unchanged


def test_memoised_group_latencies_equal_direct_op_latency(monkeypatch) -> None:
    """The per-profile latency memo returns exactly ``op_latency`` at each (op, level offset), whatever
    batches filled it before (two batches, overlapping groups, hybrid and SEAL-style profiles)."""
    import numpy as np

    from costmodels.he import bootplan
    from costmodels.he.grouping import ProfileMemos
    from costmodels.he.opcost import op_latency
    from costmodels.he.presets import get_profile

    rng = np.random.default_rng(4)
    keys = [("rotate", 0), ("rotate", 5), ("ks_modup", 3), ("rescale", 1), ("mul", 20), ("rotate_hoisted", 2)]
    for name, limit in (("openfhe-cpu", 4096), ("seal-tenseal-vm", 4096), ("openfhe-cpu", 8)):
        prof = get_profile(name)
        if limit != 4096:  # a small memo of its own (8 rows: it restarts within these batches)
            monkeypatch.setattr(bootplan, "_LATENCY_ROWS", ProfileMemos(row_limit=limit))
        for size in (40, 60):  # the second batch meets groups the first one memoised
            n = 2.0 ** rng.integers(12, 17, size)
            dnum = rng.integers(1, 6, size).astype(float)
            top = rng.integers(4, 30, size).astype(float)
            lat_g, g_of = bootplan._group_latencies(prof, {"N": n, "dnum": dnum}, top, keys)
            for j, (op, off) in enumerate(keys):
                want = op_latency(prof, op, n, np.maximum(top - off, 1.0), top_limbs=top, dnum=dnum)
                assert np.array_equal(lat_g[g_of, j], want), (name, op, off)


def test_profile_memos_bound_keys_and_rows() -> None:
    """ProfileMemos: one RowMemo per key, reused; a new key past ``max_keys`` drops every memo; each
    memo gets the ``row_limit`` and the width asked for."""
    from costmodels.he.grouping import ProfileMemos

    memos = ProfileMemos(row_limit=8, max_keys=2)
    a = memos.get(("a",), 3)
    assert memos.get(("a",), 3) is a and a.limit == 8 and a.table.shape == (0, 3)
    memos.get(("b",), 5)
    assert len(memos) == 2
    memos.get(("c",), 5)  # a third key: the two held are dropped first
    assert len(memos) == 1 and memos.get(("a",), 3) is not a
