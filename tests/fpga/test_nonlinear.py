"""fpga-transformer non-linear units: element counts, bottleneck closed form, per-operator rows."""

from __future__ import annotations

import numpy as np
import pytest

import workloads
from costmodels.fpga import TransformerAcceleratorModel, board
from costmodels.fpga.lowering import compile_stages
from costmodels.fpga.nonlinear import OPERATOR_ROWS, UNITS


@pytest.fixture(scope="module")
def bert2():
    return workloads.load("bert-base:layers=2")


def _eval(model, wl, **point):
    m = model.evaluate(wl, {k: [v] for k, v in point.items()}).numpy()
    return m


def test_lowering_counts_nonlinear_elements(bert2):
    """Each encoder has 12 softmax rows per token, 2 LayerNorms of 768 and a 3072-wide GELU; the
    pooler's tanh is 768 elements per sequence; at sub-layer granularity softmax sits in .attn."""
    st = compile_stages(bert2)
    assert st.smax.tolist() == [12.0, 12.0, 0.0]
    assert st.ln_tok.tolist() == [1536.0, 1536.0, 0.0]
    assert st.act_tok.tolist() == [3072.0, 3072.0, 0.0]
    assert st.act_const.tolist() == [0.0, 0.0, 768.0]
    sub = compile_stages(bert2, "sublayer")
    assert [n for n, v in zip(sub.names, sub.smax) if v] == ["encoder0.attn", "encoder1.attn"]
    assert [n for n, v in zip(sub.names, sub.act_tok) if v] == ["encoder0.ffn", "encoder1.ffn"]


def test_one_lane_softmax_is_the_bottleneck(bert2):
    """Dense attention at 512 tokens, one lane per unit, a huge MAC array: the stage time is the
    softmax unit's 2 passes x 12 x 512 x 512 elements + its depth, in cycles at the board clock."""
    model = TransformerAcceleratorModel(lengths="fixed:512")
    m = _eval(model, bert2, board="u280", attention="dense", schedule="padded", batch=64, macs=65536,
              nl_lanes=1, stages=3)
    f = board("u280").clock_hz
    t_soft = (UNITS["softmax"].passes * 12 * 512 * 512 + UNITS["softmax"].depth_cycles) / f
    assert m.totals["throughput_per_s"][0] == pytest.approx(1.0 / t_soft, rel=1e-12)


def test_operator_rows_add_up_to_the_totals(bert2):
    """The operator rows' resources sum to the design's totals; the MAC row carries all MACs."""
    model = TransformerAcceleratorModel(lengths="glue")
    m = _eval(model, bert2, nl_lanes=16, attention="sparse")
    names = list(m.layer_names)
    rows = [names.index(r) for r in OPERATOR_ROWS]
    for key in ("dsp", "lut", "bram36", "uram"):
        assert np.sum(m.layers[key][0, rows]) == pytest.approx(m.totals[key][0], rel=1e-12)
    assert m.layers["mac_ops"][0, names.index("op.mac_array")] == pytest.approx(m.totals["mac_ops"][0])
    soft = names.index("op.softmax")
    assert m.layers["dsp"][0, soft] == 2 * (16 * 3 + 4)  # two encoder stages with a softmax unit


def test_more_lanes_cost_dsp_and_save_time(bert2):
    """Doubling the lanes of the non-linear units adds their DSPs and never slows the design."""
    model = TransformerAcceleratorModel(lengths="squad")
    a = _eval(model, bert2, nl_lanes=2, macs=65536, batch=64)
    b = _eval(model, bert2, nl_lanes=4, macs=65536, batch=64)
    per_lane = sum(u.dsp_per_lane for u in UNITS.values())  # two encoders: all three units
    gelu = UNITS["gelu"].dsp_per_lane                        # the pooler's tanh on the GELU unit
    assert b.totals["dsp"][0] - a.totals["dsp"][0] == pytest.approx(2 * (2 * per_lane + gelu))
    assert b.totals["throughput_per_s"][0] > a.totals["throughput_per_s"][0]
