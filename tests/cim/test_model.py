"""Crossbar cost model: mapping counts, ADC bound, sigma factor table, feasibility, conformance."""

from __future__ import annotations

import math

import numpy as np
import pytest

import workloads
from costmodels.cim import (
    CrossbarModel,
    compile_workload,
    constant,
    pruned_shape,
    weight_sigma_factor,
)
from costmodels.cim.adc import isaac_area, isaac_energy, survey_energy
from dse.testing import run_all
from workloads import WorkloadBuilder


def _linear(k: int, n: int, rows: int = 1):
    b = WorkloadBuilder("one-linear", (rows, k) if rows > 1 else (k,))
    b.linear(b.input, n)
    return b.build()


def _eval(workload, **knobs):
    model = CrossbarModel(**knobs.pop("fixed", {}))
    return model.evaluate(workload, {k: [v] for k, v in knobs.items()}).numpy()


def test_linear_mapping_hand_count():
    """300x200 weights, 8-bit on 2-bit cells, 128x128, differential: 4 slices, 2*200*4 = 1600
    columns -> 13 column tiles, 3 row tiles = 39 crossbars; 8 input steps x 3 row tiles x 800
    converted pairs = 19200 conversions (formulas of [NeuroSim21; Accelergy19])."""
    m = _eval(_linear(300, 200), rows=128, cols=128, cell_bits=2, weight_bits=8, input_bits=8, dac_bits=1)
    assert m.totals["crossbars"][0] == 39
    assert m.totals["adc_conversions"][0] == 8 * 3 * 800
    assert m.totals["cells"][0] == 300 * 1600


def test_linear_mapping_offset_scheme():
    """Offset encoding: 800 data columns on 127 per crossbar -> 7 tiles + 7 reference columns,
    every column converted: 8 x 3 x 807 conversions."""
    m = _eval(_linear(300, 200), fixed={"signed": "offset"}, rows=128, cols=128, cell_bits=2, weight_bits=8)
    assert m.totals["crossbars"][0] == 3 * 7
    assert m.totals["adc_conversions"][0] == 8 * 3 * 807


def test_resnet20_crossbars_match_independent_count():
    """Crossbars of resnet20-cifar equal a direct per-layer count from the layer IR (conv lowered to
    GEMM with K = k_h k_w C_in, [NeuroSim21; Accelergy19])."""
    w = workloads.load("resnet20-cifar")
    expect = 0
    for layer in w.layers:
        g = layer.gemm()
        if g is None or layer.params == 0:
            continue
        expect += g.batch * math.ceil(g.k / 128) * math.ceil(2 * g.n * 4 / 128)
    assert _eval(w).totals["crossbars"][0] == expect


def test_survey_bound_matches_reference_table():
    """ADC energy on the Murmann survey bound (Accelergy ADC plug-in): 4b 0.0002, 6b 0.003,
    8b 0.048, 10b 0.76 pJ at 100 MS/s; 8b 0.64, 10b 10 pJ at 1 GS/s ([NeuroSim21; Accelergy19] table)."""
    got = [survey_energy(b, np.array(1e8)) * 1e12 for b in (4, 6, 8, 10)]
    np.testing.assert_allclose(got, [0.0002, 0.003, 0.048, 0.76], rtol=0.08)
    got = [survey_energy(b, np.array(1e9)) * 1e12 for b in (8, 10)]
    np.testing.assert_allclose(got, [0.64, 10.0], rtol=0.03)


def test_isaac_adc_table():
    """ISAAC 8-bit 1.2 GS/s ADC: 16 mW / (8 ADCs x 1.2 GS/s) = 1.667 pJ, 9600 um2 / 8 (ISAAC
    ISCA'16 via hwcomponents-library isaac.py); table extended by x2 per bit."""
    assert isaac_energy(np.array([8]))[0] == pytest.approx(16e-3 / (8 * 1.2e9))
    assert isaac_area(np.array([8]))[0] == pytest.approx(1200e-12)
    assert isaac_energy(np.array([11]))[0] == pytest.approx(2 * constant("isaac_adc_e10"))
    # the bound sits below the real converter (real CiM ADCs are 1-2 orders worse than the [MurmannADC] envelope)
    assert survey_energy(8, np.array(1.2e9)) < isaac_energy(np.array([8]))[0]


@pytest.mark.parametrize("w,d,factor", [(8, 1, 0.580), (8, 2, 0.778), (8, 4, 0.943), (4, 2, 0.825),
                                        (4, 4, 1.0), (8, 8, 1.0)])
def test_weight_sigma_factor_table(w, d, factor):
    """sigma_w / (sigma max|W|) table of the Notre Dame model [NeFT23, code src/generate_noise.py]."""
    assert weight_sigma_factor(w, d) == pytest.approx(factor, abs=5e-4)
    assert float(weight_sigma_factor(np.array([w]), np.array([d]))[0]) == pytest.approx(factor, abs=5e-4)


def test_neurosim_defaults():
    """Space defaults are NeuroSim V1.4's 128x128 sub-array with 8 columns per ADC."""
    d = CrossbarModel.space.defaults()
    assert (d["rows"], d["cols"], d["cols_per_adc"]) == (constant("rows"), constant("cols"), constant("cols_per_adc"))


def test_monotone_knobs():
    """More columns per ADC: longer latency, less area; more ADC bits: more ADC energy."""
    w = workloads.load("resnet20-cifar")
    m = _eval(w, cols_per_adc=4)
    m2 = _eval(w, cols_per_adc=16)
    assert m2.totals["latency_s"][0] > m.totals["latency_s"][0]
    assert m2.totals["area_m2"][0] < m.totals["area_m2"][0]
    e6, e8 = _eval(w, adc_bits=6), _eval(w, adc_bits=8)
    assert e8.totals["energy_adc_j"][0] > e6.totals["energy_adc_j"][0]


def test_structured_pruning_reduces_crossbars():
    """Keeping half the rows of a 256-row layer removes one of two row tiles; pruned_shape counts
    the live rows/columns of a pruned matrix."""
    w = _linear(256, 64)
    assert _eval(w, row_keep=0.5).totals["crossbars"][0] == _eval(w).totals["crossbars"][0] / 2
    m = np.ones((6, 4))
    m[[1, 3]] = 0
    m[:, 2] = 0
    assert pruned_shape(m) == (4, 3)
    assert pruned_shape(np.zeros((8, 3, 2, 2))) == (0, 0)


def test_write_verify_costs_scale_with_fraction():
    """Programming time grows linearly with the verified fraction; sigma 0 needs one attempt."""
    w = _linear(128, 64)
    t = [_eval(w, verify_fraction=f).totals["program_time_s"][0] for f in (0.0, 0.5, 1.0)]
    assert t[1] - t[0] == pytest.approx(t[2] - t[1])
    cells = _eval(w).totals["cells"][0]
    assert t[0] == pytest.approx(cells * constant("t_write"))
    assert _eval(w, sigma=0.0).totals["wv_iterations"][0] == pytest.approx(1.0)


def test_cell_bits_above_weight_bits_is_masked_with_reason():
    """cell_bits > weight_bits is infeasible with a one-line reason (masked, not raised)."""
    m = _eval(_linear(64, 10), cell_bits=4, weight_bits=2)
    assert not m.feasible[0]
    assert m.reason_of(0) == "cell_bits must not exceed weight_bits"


def test_unmapped_activation_matmul():
    """A product of two activations cannot be programmed into a crossbar: its MACs are reported
    as unmapped and the weight layer is still mapped."""
    b = WorkloadBuilder("mm", (16, 32))
    q = b.linear(b.input, 32)
    b.matmul(q, b.reshape(q, (32, 16)))
    w = b.build()
    assert compile_workload(w).row_names == ("linear0",)
    assert _eval(w).totals["unmapped_macs"][0] == 16 * 32 * 16


@pytest.mark.parametrize("fixed", [{}, {"signed": "offset", "adc_model": "isaac", "cell_type": "crossbar"}])
def test_conformance(fixed):
    """The model passes the engine's conformance kit (batch = loop, torch = numpy, gradients)."""
    run_all(CrossbarModel(**fixed), workloads.load("resnet20-cifar"))


def test_periphery_components_follow_counting_rule():
    """S+H and OR per conversion, IR per bit applied to a row, bus per bit and router per 256 bits
    of the layer's input and output; the components add up to ``energy_j``."""
    from costmodels.cim.presets import constant

    b = WorkloadBuilder("fc300x200", (300,))
    b.linear(b.input, 200)
    w = b.build()
    m = CrossbarModel().evaluate(w, {"rows": [128], "dac_bits": [2]}).numpy()
    t = {k: float(v[0]) for k, v in m.totals.items()}
    conv = t["adc_conversions"]
    assert t["energy_sample_hold_j"] == pytest.approx(conv * constant("isaac_sh_e"))
    # 8-bit inputs with 2-bit DACs: 4 steps x 300 rows x col_tiles (2 x 200 x 4 cells / 128 -> 13) x 2 bits
    ir = 4 * 300 * 13 * 2 * constant("isaac_ir_e1")
    assert t["energy_registers_j"] == pytest.approx(ir + conv * constant("isaac_or_e"))
    bits = (300 + 200) * 8
    assert t["energy_interconnect_j"] == pytest.approx(
        bits * constant("isaac_bus_e1") + bits / 256 * constant("isaac_router_e256"))
    parts = ("adc", "dac", "cell", "shift_add", "buffer", "sample_hold", "registers", "interconnect")
    assert sum(t[f"energy_{p}_j"] for p in parts) == pytest.approx(t["energy_j"])
