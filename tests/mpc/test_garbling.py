"""FPGA garbling engine model and the engine-to-layer scheduler."""

from __future__ import annotations

import numpy as np
import pytest

import workloads
from costmodels.mpc import latency_table
from costmodels.mpc.fpga import (
    GarblingEngine,
    and_gates_per_relu,
    engine_constants,
    engines_on_board,
    max_cores,
)
from costmodels.mpc.garbling_schedule import schedule, table_with_engines
from dse.errors import DseInputError


@pytest.mark.parametrize("bits,garbler", [(32, 3569), (41, 4704), (64, 7197)])
def test_and_gates_per_relu_match_measured_gc(bits, garbler):
    """3 l AND gates x 32 B + l labels x 16 B reproduces the measured garbler bytes per ReLU
    (emp half-gates in SCI GC/, [HalfGates15; SCI GC/, measured]) within 3%."""
    c = engine_constants()
    predicted = and_gates_per_relu(bits) * c["bytes_per_and"] + bits * c["label_bytes"]
    assert predicted == pytest.approx(garbler, rel=0.03)


def test_engines_fit_board_budget():
    """Engines on a board respect LUT/BRAM times the 0.75 utilisation cap [fpgaConvNet16; AMD-UG1702]."""
    for board in ("u250", "u200", "zcu102"):
        top = max_cores(board)
        assert engines_on_board(board, top) >= 1 and engines_on_board(board, top + 1) == 0
    with pytest.raises(DseInputError, match="cores"):
        GarblingEngine("zcu102", 1000)


def test_garbling_time_is_throughput_or_pcie_bound():
    """Time = launch + max(ANDs x 4 / (cores f), ANDs x 32 B / PCIe)."""
    e = GarblingEngine("u250", 16)
    ands = 65536 * and_gates_per_relu(32)
    expect = 1e-5 + max(ands * 4 / (16 * 300e6), ands * 32 / 15.75e9)
    assert e.garble_s(65536, 32) == pytest.approx(expect)


@pytest.mark.parametrize("seed", range(4))
def test_milp_schedule_is_optimal(seed):
    """The MILP makespan equals brute-force enumeration; LPT greedy is never better."""
    rng = np.random.default_rng(seed)
    engines = [GarblingEngine("u250", 64), GarblingEngine("u250", 8), GarblingEngine("zcu102", 4)]
    relus = rng.integers(1_000, 200_000, size=7)
    milp = schedule(relus, engines, 32, method="milp")
    brute = schedule(relus, engines, 32, method="enumerate")
    greedy = schedule(relus, engines, 32, method="greedy")
    assert milp.makespan_s == pytest.approx(brute.makespan_s, rel=1e-9)
    assert greedy.makespan_s >= brute.makespan_s - 1e-15


def test_engine_times_feed_the_site_table():
    """table_with_engines adds each site's garbling time to its ReLU latency."""
    t = latency_table(workloads.load("resnet20-cifar"), "delphi", 2, "public", "lan")
    t2, sch = table_with_engines(t, [GarblingEngine("u250", 32), GarblingEngine("u250", 32)], 41, method="greedy")
    np.testing.assert_allclose(t2.lat_relu_s - t.lat_relu_s, sch.site_time_s, rtol=1e-12)
    assert np.array_equal(t2.lat_poly_s, t.lat_poly_s)
