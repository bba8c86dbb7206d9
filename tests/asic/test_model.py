"""``asic-systolic`` beyond the fold formula: memory traffic, stalls, bit width, sparsity, energy
tables and technology scaling, bad knobs, and the two evaluation paths agreeing."""

from __future__ import annotations

import math

import numpy as np
import pytest

import dse
import workloads
from costmodels.asic import energy_scale, gemm_cycles, lower, tech
from costmodels.asic.arith import layer_rows, layers, prepare
from costmodels.asic.memory import gemm_traffic
from dse.errors import DseInputError

MODEL = dse.get_model("asic-systolic")


@pytest.fixture(scope="module")
def resnet20():
    return workloads.load("resnet20-cifar")


def _eval(w, **design):
    return MODEL.evaluate(w, design).numpy()


def test_grouped_numpy_path_equals_generic_where_path(resnet20):
    """The numpy path (points grouped by dataflow, static selections) and the generic path
    (``where`` per point, used by torch) give identical numbers for every metric."""
    d = MODEL.space.sample(300, 7)
    tbl = lower(resnet20)
    rows = {k: (v[:, None] if v is not None else None) for k, v in layer_rows(tbl).items()}
    consts = MODEL._constants()
    generic = layers(np, prepare(np, d, slice(None), consts), rows, consts, None)
    grouped = MODEL.evaluate(resnet20, d).numpy()
    for k, v in grouped.totals.items():
        np.testing.assert_allclose(v, generic[k], rtol=1e-12, err_msg=k)
    for k, v in grouped.layers.items():
        np.testing.assert_allclose(v, generic["layer_" + k].T, rtol=1e-12, err_msg=k)


def test_chunked_evaluation_equals_small_batches(resnet20, monkeypatch):
    """Large batches are chunked; chunk boundaries change nothing."""
    import costmodels.asic.model as mod

    d = MODEL.space.sample(500, 3)
    ref = MODEL.evaluate(resnet20, d).numpy()
    monkeypatch.setattr(mod, "CHUNK_ELEMS", 64)
    got = MODEL.evaluate(resnet20, d).numpy()
    for k in ref.totals:
        np.testing.assert_allclose(got.totals[k], ref.totals[k], rtol=1e-12)


@pytest.mark.parametrize("dataflow", ["os", "ws", "is"])
@pytest.mark.parametrize("sparse_pe,sw", [("dense", 0.0), ("skip", 0.5)])
def test_dram_traffic_equals_scalar_reference(resnet20, dataflow, sparse_pe, sw):
    """Vectorised DRAM bytes equal the scalar reference ``memory.gemm_traffic`` per layer, with
    SRAMs small enough that every re-fetch rule triggers somewhere."""
    design = dict(rows=16, cols=8, dataflow=dataflow, ifmap_sram=4096, filter_sram=2048,
                  ofmap_sram=8192, bits=4, sparse_pe=sparse_pe, weight_sparsity=sw)
    m = _eval(resnet20, **design)
    t = lower(resnet20)
    keep = 1 - sw
    ref = [np.ceil(t.batch[i] * gemm_traffic(int(t.m[i]), int(t.k[i]), int(t.n[i]), ifmap_elems=int(t.ifmap_elems[i]),
                                     rows=16, cols=8, dataflow=dataflow, ifmap_sram=4096, filter_sram=2048,
                                     ofmap_sram=8192, bits=4, keep_w=keep,
                                     index_bits=4 if sparse_pe == "skip" else 0)["dram_bytes"])
           for i in range(len(t))]  # the model reports whole bytes per layer
    np.testing.assert_allclose(m.layers["dram_bytes"][0], ref, rtol=1e-12)


def test_roofline_stalls(resnet20):
    """latency = max(compute, memory) per layer: starving the DRAM adds exactly the memory excess."""
    fast = _eval(resnet20, dram_bw=1e13)
    slow = _eval(resnet20, dram_bw=1e6)
    assert fast.totals["stall_cycles"][0] == 0
    np.testing.assert_array_equal(fast.layers["cycles"], slow.layers["cycles"])
    mem_cycles = slow.layers["dram_bytes"][0] * (200e6 / 1e6)
    np.testing.assert_allclose(slow.layers["cycles"][0] + slow.layers["stall_cycles"][0],
                               np.maximum(slow.layers["cycles"][0], np.ceil(mem_cycles)), rtol=1e-12)
    assert np.all(slow.layers["stall_cycles"] == np.round(slow.layers["stall_cycles"]))  # whole cycles
    assert slow.totals["latency_s"][0] > fast.totals["latency_s"][0]


def test_bigger_buffers_never_add_traffic(resnet20):
    """More SRAM never increases DRAM bytes (reuse only improves), for every dataflow."""
    for df in ("os", "ws", "is"):
        sizes = [1024 * 2**i for i in range(0, 14, 2)]
        traffic = [_eval(resnet20, dataflow=df, ifmap_sram=s, filter_sram=s, ofmap_sram=s).totals["dram_bytes"][0]
                   for s in sizes]
        assert all(a >= b for a, b in zip(traffic, traffic[1:])), (df, traffic)


@pytest.mark.parametrize("bits,pack", [(8, 1), (4, 2), (2, 4), (1, 8)])
def test_mixed_bit_width_packs_the_reduction(resnet20, bits, pack):
    """A b-bit mode packs 8/b products per PE per cycle: cycles are SCALE-Sim's with K/(8/b)."""
    m = _eval(resnet20, rows=16, cols=16, dataflow="ws", bits=bits)
    t = lower(resnet20)
    expected = [t.batch[i] * (gemm_cycles(int(t.m[i]), math.ceil(t.k[i] / pack), int(t.n[i]), 16, 16, "ws") + 1) - t.batch[i]
                for i in range(len(t))]
    np.testing.assert_array_equal(m.layers["cycles"][0], expected)
    assert m.totals["peak_ops_per_s"][0] == pytest.approx(2 * 256 * pack * 200e6)


def test_bit_width_lowers_mac_energy(resnet20):
    """Energy per inference falls with bit width (quadratic multiplier, linear data movement)."""
    e = [_eval(resnet20, bits=b, dram_bw=1e13).totals["energy_j"][0] for b in (8, 4, 2, 1)]
    assert e[0] > e[1] > e[2] > e[3]


def test_sparsity_modes(resnet20):
    """dense ignores sparsity; gate saves energy only; skip also shortens the reduction."""
    base = _eval(resnet20, weight_sparsity=0.5, act_sparsity=0.5, sparse_pe="dense")
    gate = _eval(resnet20, weight_sparsity=0.5, act_sparsity=0.5, sparse_pe="gate")
    skip = _eval(resnet20, weight_sparsity=0.5, act_sparsity=0.5, sparse_pe="skip")
    dense0 = _eval(resnet20)
    np.testing.assert_array_equal(base.totals["energy_j"], dense0.totals["energy_j"])
    np.testing.assert_array_equal(gate.layers["cycles"], dense0.layers["cycles"])
    assert gate.totals["energy_j"][0] < base.totals["energy_j"][0]
    assert skip.totals["cycles"][0] < gate.totals["cycles"][0]
    t = lower(resnet20)
    expected = [t.batch[i] * gemm_cycles(int(t.m[i]), math.ceil(t.k[i] * 0.5), int(t.n[i]), 32, 32, "ws")
                for i in range(len(t))]
    np.testing.assert_array_equal(skip.layers["cycles"][0], expected)


@pytest.mark.parametrize("knob,value,fragment", [
    ("rows", 0, "rows: got 0"), ("cols", 0, "cols: got 0"), ("dataflow", "xs", "one of os, ws, is"),
    ("bits", 3, "power of two"), ("weight_sparsity", 1.5, "weight_sparsity"),
])
def test_bad_knobs_raise_one_line_errors(resnet20, knob, value, fragment):
    """Zero rows, an unknown dataflow, bit width 3... raise DseInputError naming the knob."""
    with pytest.raises(DseInputError) as exc:
        MODEL.evaluate(resnet20, {knob: [value]})
    assert fragment in str(exc.value) and "\n" not in str(exc.value)


def test_human_units_parse():
    """`--set ifmap_sram=64KiB`, `clock=200MHz`, `dram_bw=400Mbps` parse through the knobs."""
    assert MODEL.space["ifmap_sram"].parse("64KiB") == 65536
    assert MODEL.space["clock"].parse("200MHz") == 200e6
    assert MODEL.space["dram_bw"].parse("400Mbps") == 50e6
    with pytest.raises(DseInputError):
        MODEL.space["ifmap_sram"].validate([48 * 1024])


def test_energy_ladder_is_eyeriss_relative_to_the_16bit_mac():
    """Eyeriss ladder: DRAM 200x, global buffer 6x, PE 2x, RF 1x the 16-bit MAC energy per 16-bit
    word; the comparisons with ZigZag's
    tpu_like energies are claims asic-dram-energy-zigzag and asic-sram-2mb-energy-zigzag."""
    t = tech(45.0, 0.9)
    word = t.e_mac16_j / 16
    assert t.e_dram_bit_j == pytest.approx(200 * word, rel=1e-12)
    assert t.e_glb_bit_j == pytest.approx(6 * word, rel=1e-12)
    assert t.e_pe_bit_j == pytest.approx(2 * word, rel=1e-12)
    assert t.e_rf_bit_j == pytest.approx(word, rel=1e-12)


def test_stillmaker_scaling_reproduces_the_paper_example():
    """Stillmaker & Baas (2017) erratum example: the 65 nm energy factor at 1.3 V is 2.604
    (3.755*1.3^2 - 4.398*1.3 + 1.975); our table gives it at a tabulated node."""
    from costmodels.asic.tech import _interp

    assert _interp(65.0, 0, 1.3) == pytest.approx(2.604, abs=5e-4)
    assert energy_scale(45.0, 0.9) == 1.0
    assert energy_scale(28.0, 0.9) < energy_scale(40.0, 0.9) < 1.0 < energy_scale(65.0, 0.9)
    with pytest.raises(DseInputError):
        energy_scale(3.0, 0.9)


def test_technology_node_scales_energy_and_area(resnet20):
    """28 nm uses less energy and area than 45 nm for the same design (DRAM energy unscaled)."""
    m45 = dse.get_model("asic-systolic", node_nm=45.0).evaluate(resnet20, {}).numpy()
    m28 = dse.get_model("asic-systolic", node_nm=28.0).evaluate(resnet20, {}).numpy()
    assert m28.totals["energy_j"][0] < m45.totals["energy_j"][0]
    assert m28.totals["area_m2"][0] == pytest.approx(m45.totals["area_m2"][0] * (0.46 + (0.21 - 0.46) / 3), rel=1e-9)


def test_area_budget_masks_points(resnet20):
    """``max_area_mm2`` masks larger arrays as infeasible with a reason, never raises."""
    model = dse.get_model("asic-systolic", max_area_mm2=1.0)
    m = model.evaluate(resnet20, {"rows": [8, 256], "cols": [8, 256]}).numpy()
    assert m.feasible.tolist() == [True, False]
    assert "max_area_mm2" in m.reason_of(1)
