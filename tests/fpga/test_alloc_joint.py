"""Joint MILP (MACs, non-linear lanes, on-chip weights) against enumeration, and on BERT-base."""

from __future__ import annotations

import numpy as np
import pytest

from costmodels.fpga.alloc_joint import JointProblem, brute_force_joint, solve_joint

pytest.importorskip("highspy", reason="highspy (HiGHS) not installed: MILP not checked")


def _random(seed: int, stages: int = 3, buckets: int = 2, mem_bits: float = 1.5e6) -> JointProblem:
    rng = np.random.default_rng(seed)
    macs = np.array([32.0, 64.0, 128.0])
    work = rng.uniform(1e3, 1e4, (stages, buckets))
    lanes = np.array([1.0, 4.0])
    elems = rng.uniform(50, 500, (stages, buckets))
    return JointProblem(work[:, :, None] / macs[None, None, :], macs / 2, macs,
                        2 * elems[:, :, None] / lanes[None, None, :], np.outer(np.ones(stages), 9 * lanes + 4),
                        lanes, rng.uniform(0, 20, (stages, buckets)), rng.uniform(10, 80, stages),
                        rng.uniform(4e5, 1e6, stages), rng.dirichlet(np.ones(buckets)), 150.0, mem_bits)


@pytest.mark.parametrize("seed", range(4))
def test_joint_milp_matches_enumeration(seed):
    """Static joint MILP optimum = exhaustive enumeration of (MAC option, lanes, on-chip) per stage."""
    p = _random(seed)
    milp, bf = solve_joint(p, "static"), brute_force_joint(p)
    assert milp.status == bf.status == "optimal"
    assert milp.objective_s == pytest.approx(bf.objective_s, rel=1e-7)
    assert p.feasible(milp.x, milp.u, milp.y)


def test_memory_row_binds():
    """With on-chip memory smaller than any stage's weights, every stage streams."""
    p = _random(0, mem_bits=1e5)
    a = solve_joint(p, "static")
    assert a.status == "optimal" and not a.y.any()
