"""Pyomo/HiGHS MILP allocation of MACs across pipeline stages, checked against brute force."""

from __future__ import annotations

import numpy as np
import pytest

import workloads
from costmodels.fpga import TransformerAcceleratorModel
from costmodels.fpga.alloc import (
    AllocationProblem,
    brute_force,
    options_for,
    problem_from_tables,
    proportional,
    solve_milp,
)

pytest.importorskip("highspy", reason="highspy (HiGHS) not installed: MILP not checked")


def _random_problem(seed, stages=4, buckets=3, options=5, dsp_budget=200.0, bram_budget=1e9):
    rng = np.random.default_rng(seed)
    macs, dsp, bram = options_for(32, options, dsp_per_mac=0.5, bits=8)
    return AllocationProblem(rng.uniform(1e6, 1e8, (stages, buckets)), rng.dirichlet(np.ones(buckets)),
                             macs, dsp, bram, dsp_budget, bram_budget, 2.5e8)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("mode", ["static", "per-bucket"])
def test_milp_matches_brute_force(seed, mode):
    """Expected bottleneck time of the MILP optimum equals exhaustive enumeration (5^4 points)."""
    p = _random_problem(seed)
    milp, bf = solve_milp(p, mode), brute_force(p, mode)
    assert milp.status == bf.status == "optimal"
    assert milp.objective_s == pytest.approx(bf.objective_s, rel=1e-7)
    assert p.feasible(milp.choice)


def test_bram_budget_binds_and_infeasible_is_reported():
    """A BRAM budget changes the optimum the same way in both; no room at all is 'infeasible'."""
    p = _random_problem(7, bram_budget=40.0)
    assert solve_milp(p).objective_s == pytest.approx(brute_force(p).objective_s, rel=1e-7)
    tight = _random_problem(7, dsp_budget=10.0)
    assert solve_milp(tight).status != "optimal" and brute_force(tight).status == "infeasible"


def test_per_bucket_never_worse_than_static():
    """Re-allocating per length bucket (length-aware) can only lower the expected bottleneck."""
    for seed in range(4):
        p = _random_problem(seed)
        assert solve_milp(p, "per-bucket").objective_s <= solve_milp(p, "static").objective_s + 1e-15


def test_model_rule_is_near_the_milp_optimum_on_bert():
    """On BERT-base sub-layer stages (glue, 4 buckets), the model's proportional rule is within 10%
    of the MILP optimum at the same MAC budget (static, allocated at the longest bucket)."""
    wl = workloads.load("bert-base:layers=2")
    model = TransformerAcceleratorModel(lengths="glue", granularity="sublayer")
    tables = model.tables(wl, {"macs": 2048, "stages": 64})
    p = problem_from_tables(tables, n_buckets=4, unit=32, n_options=48, dsp_per_mac=0.5, bits=8,
                            dsp_budget=1024.0, bram_budget=1e9)
    milp = solve_milp(p, "static")
    rule = proportional(p, total_macs=2048, unit=32, length_index=-1)
    assert milp.status == "optimal" and rule.status == "optimal"
    assert milp.objective_s <= rule.objective_s <= 1.10 * milp.objective_s


def test_tables_metrics_reproduce_the_model_and_milp_allocation_maps_back():
    """StageTables.metrics with the model's own allocation equals the model's totals; a MILP
    allocation mapped back to lengths uses at most the DSP budget and is no slower in expectation
    than the proportional rule on the same problem."""
    wl = workloads.load("bert-base:layers=2")
    model = TransformerAcceleratorModel(lengths="squad", granularity="sublayer")
    point = {"macs": 2048, "batch": 4, "nl_lanes": 4}
    tables = model.tables(wl, point)
    tot = model.evaluate(wl, {k: [v] for k, v in point.items()}).numpy().totals
    for sched in ("length-aware",):
        got = tables.metrics(tables.alloc, sched)
        assert got["throughput_per_s"] == pytest.approx(float(tot["throughput_per_s"][0]), rel=1e-12)
        assert got["latency_p99_s"] == pytest.approx(float(tot["latency_p99_s"][0]), rel=1e-12)
    from costmodels.fpga.alloc import allocation_by_length

    p = problem_from_tables(tables, n_buckets=4, unit=32, n_options=24, dsp_per_mac=0.5, bits=8,
                            dsp_budget=1024.0, bram_budget=1e9)
    milp = solve_milp(p, "per-bucket")
    alloc = allocation_by_length(tables, milp, 4)
    assert np.all(alloc.sum(axis=0) * 0.5 <= 1024.0 + 1e-9)
    assert milp.objective_s <= proportional(p, 2048, 32).objective_s * (1 + 1e-9)


def test_time_floor_enters_the_milp():
    """A stage floor above every MAC option's time makes the optimum equal that floor (MACs
    cannot buy time below the non-linear / streaming floor), in the MILP and by enumeration."""
    macs, dsp, bram = options_for(32, 5, dsp_per_mac=0.5, bits=8)
    work = np.array([[1e6], [2e6]])
    floor = np.array([[1.0], [0.5]])  # seconds: far above work / (32 * f)
    p = AllocationProblem(work, np.array([1.0]), macs, dsp, bram, 1e9, 1e9, 2.5e8, floor)
    a = solve_milp(p, "static")
    assert a.objective_s == pytest.approx(1.0)
    assert brute_force(p, "static").objective_s == pytest.approx(1.0)
