"""Published FINN designs (BNN-PYNQ) priced with the fpga-dataflow formulas at their folding."""

from __future__ import annotations

import numpy as np
import pytest

from costmodels.fpga.claims_dataflow import CLAIMS
from costmodels.fpga.dataflow import Unit, unit_resources
from costmodels.fpga.finn_designs import design_names, estimate, published
from costmodels.fpga.resources import bram18_sdp, lut_mvau
from dse.errors import UnknownNameError

#: per-layer "Ext Latency" the Finnthesizer printed in bnn/src/network/<design>/hw/config.h
EXT_LATENCY = {
    "cnvW1A1": [32400, 28224, 20736, 28800, 20736, 18432, 32768, 32768, 8192],
    "cnvW2A2": [64800, 112896, 82944, 115200, 82944, 73728, 65536, 65536, 8192],
    "lfcW1A1": [416, 512, 512, 512],
}


@pytest.mark.parametrize("name", sorted(EXT_LATENCY))
def test_cycles_equal_finnthesizer_ext_latency(name):
    """(MH/PE)(MW/SIMD)N per layer of the transcribed folding equals the latency the generator printed."""
    assert estimate(name).cycles.tolist() == EXT_LATENCY[name]


def test_throughput_is_clock_over_worst_layer():
    """CNV W1A1 at 100 MHz: the 32,768-cycle FC layers bound the pipeline at 3,051.76 frames/s."""
    e = estimate("cnvW1A1")
    assert e.clock_hz == 100e6
    assert e.throughput_per_s == pytest.approx(100e6 / 32768, rel=1e-12)


def test_measured_rate_uses_the_measurement_clock():
    """The notebook rates are compared at the Ultra96 ap_clk (299,999,695 Hz), resources stay PYNQ-Z1's."""
    e = estimate("cnvW1A1")
    assert e.fps_clock_hz == 299_999_695
    assert e.measured_rate_model_per_s == pytest.approx(299_999_695 / 32768, rel=1e-12)
    assert e.measured_rate_model_per_s / e.throughput_per_s == pytest.approx(3.0, rel=1e-5)


def test_lfc_layer0_resources_by_hand():
    """LFC W1A1 layer 0 (832 x 1024, PE 32, SIMD 64, 1-bit): weight memory 416 x 2048 bits is 57
    RAMB18 (36x512 aspect), LUTs follow FINN-R's MVAU formula; the design totals sum the layers."""
    unit = (Unit("L0", "mvau", 832, 1024, 1),)
    one = np.ones((1, 1))
    lut, dsp, bram36 = unit_resources(unit, 32 * one, 64 * one, one, one, np.zeros((1, 1), bool))
    assert float(bram18_sdp(np, 2048.0, 416.0)) == 57
    assert float(bram36[0, 0]) == 29
    assert float(lut[0, 0]) == pytest.approx(float(lut_mvau(np, 32.0, 64.0, 1.0, 1.0, 832.0, lut_mult=True)))
    assert float(dsp[0, 0]) == 0


def test_published_rows_and_unknown_name():
    """Every design has folding rows and published figures; an unknown design names the choices."""
    assert set(design_names()) == {"cnvW1A1", "cnvW1A2", "cnvW2A2", "lfcW1A1", "lfcW1A2"}
    for name in design_names():
        assert estimate(name).lut > 0 and published(name)["lut"] > 0
    with pytest.raises(UnknownNameError, match="cnvW1A1"):
        published("sfc-max")


def test_claims_compute_and_are_validations():
    """The FINN claims are validations with unique ids; each computes a finite value."""
    ids = [c.id for c in CLAIMS]
    assert len(ids) == len(set(ids)) == 14
    assert {c.kind for c in CLAIMS} == {"validation"}
    assert all(np.isfinite(c.compute()) for c in CLAIMS)
