"""Level accounting and bootstrap placement (shortest path over layers x levels, Orion-style)."""

from __future__ import annotations

import math

import array_api_compat.numpy as xp
import numpy as np

from costmodels.he import bootstrap_ops, chain_increments, place_bootstraps
from costmodels.he.opcost import BootConfig


def _place(depths, levels, boot_depth=3, boot=10.0, lmax=None):
    """Uniform layers costing (level+1) s each; a bootstrap costs ``boot`` s."""
    depths = np.asarray([depths], float)
    delta, total = chain_increments(xp, depths, [(i - 1,) for i in range(depths.shape[1])])
    lmax = lmax or levels
    cost = np.broadcast_to(np.arange(lmax + 1, dtype=float) + 1.0, (1, lmax + 1))
    return place_bootstraps(xp, delta=delta, levels=np.array([levels]), boot_depth=boot_depth,
                            boot_cost=np.full(depths.shape, boot), layer_cost=lambda i: cost, lmax=lmax), total


def test_no_bootstrap_when_the_chain_suffices():
    """Depth 5 on a 8-level chain: encrypted at level 5 (no wasted level), entries 5,4,3,2,1."""
    pl, total = _place([1] * 5, 8)
    assert float(total[0]) == 5 and not pl.booted.any()
    assert pl.entry[0].tolist() == [5, 4, 3, 2, 1] and int(pl.start[0]) == 5
    assert float(pl.total[0]) == sum(l + 1 for l in (5, 4, 3, 2, 1))


def test_bootstrap_count_for_a_long_chain():
    """Depth 12 on L=6 with boot depth 3 (3 usable levels after each bootstrap): ceil((12-6)/3) = 2."""
    pl, _ = _place([1] * 12, 6)
    assert int(pl.booted.sum()) == math.ceil((12 - 6) / 3)
    assert np.isfinite(pl.total[0])
    assert pl.entry.min() >= 1  # every layer starts with a level to spend


def test_infeasible_when_a_layer_needs_more_than_remains_after_bootstrapping():
    """A 4-level layer cannot run after a bootstrap that leaves 3 levels."""
    pl, _ = _place([1, 1, 4, 4], 6)
    assert not np.isfinite(pl.total[0])


def test_parallel_branch_adds_no_depth():
    """A residual shortcut in parallel with two convs: chain depth 2, not 3."""
    depth = np.array([[1.0, 1.0, 1.0, 0.0]])
    parents = [(-1,), (0,), (-1,), (1, 2)]  # conv a, conv b; shortcut conv from input; add
    delta, total = chain_increments(xp, depth, parents)
    assert delta[0].tolist() == [1, 1, 0, 0] and float(total[0]) == 2


def test_bootstrap_structure_depth():
    """Default bootstrap: CtS 3 + EvalMod (deg-30 cosine: 5, + 3 double-angle) + StC 3 = 14 levels
    (9-15, e.g. [Lattigo] N16QP1546H192H32); full-slot CtS stages at N=2^16 use 2^(5+1)-1 = 63 diagonals each."""
    cfg = BootConfig()
    assert cfg.depth == 14
    ops = bootstrap_ops(32768, cfg)
    assert [c for op, c, _ in ops if op == "mul_plain"][:3] == [63.0, 63.0, 63.0]
    assert max(off for _, _, off in ops) == cfg.depth - 1
