"""FINN resource formulas and the stage lowering of transformer workloads."""

from __future__ import annotations

import math

import numpy as np
import pytest

import workloads
from costmodels.fpga.lowering import compile_stages
from costmodels.fpga.resources import bram18_sdp, dsp_per_mac, lut_mvau, uram_blocks


def _finn_bram18(width: int, omega: int) -> int:
    """FINN MVAU.bram_estimation (Xilinx/finn matrixvectoractivation.py), transcribed per branch."""
    if width == 1:
        return math.ceil(omega / 16384)
    if width == 2:
        return math.ceil(omega / 8192)
    if width <= 4:
        return math.ceil(omega / 4096) * math.ceil(width / 4)
    if width <= 9:
        return math.ceil(omega / 2048) * math.ceil(width / 9)
    if width <= 18 or omega > 512:
        return math.ceil(omega / 1024) * math.ceil(width / 18)
    return math.ceil(omega / 512) * math.ceil(width / 36)


@pytest.mark.parametrize("width,depth", [(1, 20000), (2, 9000), (3, 5000), (8, 2048), (16, 4096),
                                         (36, 512), (72, 64), (6400, 64), (100, 2000)])
def test_bram18_matches_finn_branches(width, depth):
    """Vectorised BRAM18 count equals FINN's per-branch formula."""
    assert bram18_sdp(np, np.array(float(width)), np.array(float(depth))) == _finn_bram18(width, depth)


def test_uram_and_dsp_packing():
    """URAM = ceil(w/72) ceil(d/4096) (FINN); two INT8 MACs per DSP48E2, one up to 18 bits."""
    assert uram_blocks(np, np.array(144.0), np.array(5000.0)) == 4
    np.testing.assert_array_equal(dsp_per_mac(np, np.array([8.0, 16.0, 18.0, 32.0])), [0.5, 1, 1, 4])


def test_lut_mvau_formula():
    """LUT = 300 + 1.1 P (mult + addertree + acc) with FINN-R's terms [FINN-R18]."""
    p, q, w, a, mw = 4.0, 8.0, 4.0, 4.0, 64.0
    mult = q * (2 * math.ceil((w + a) / 6) - 1) * (w + a)
    expected = 300 + 1.1 * p * (mult + (w + a) * (2 * q - 1) + (w + a + math.log2(mw)))
    assert lut_mvau(np, np.array(p), np.array(q), w, a, np.array(mw), lut_mult=True) == pytest.approx(expected)
    assert lut_mvau(np, np.array(p), np.array(q), w, a, np.array(mw), lut_mult=False) == pytest.approx(expected - 1.1 * p * mult)


def test_bert_stages_reproduce_workload_macs():
    """12 encoder stages + pooler; lin = 4d^2 + 2 d ffn, quad = 2d; MACs at 128 equal the IR total
    (11,174,215,680 = the zoo's bert-base at seq_len 128)."""
    wl = workloads.load("bert-base")
    st = compile_stages(wl)
    assert st.n == 13 and st.names[0] == "encoder0" and st.names[-1] == "pooler"
    assert st.lin[0] == 4 * 768**2 + 2 * 768 * 3072 and st.quad[0] == 2 * 768
    assert st.macs(128).sum() == wl.macs == 11_174_215_680
    wl512 = workloads.load("bert-base:seq_len=512")
    assert compile_stages(wl512).macs(512).sum() == wl512.macs
    assert st.macs(512).sum() == wl512.macs  # the length scaling reproduces a rebuilt workload


def test_fused_and_flattened_attention_lower_alike():
    """Workload.flatten() (projections + score/AV matmuls) gives the same stage coefficients."""
    wl = workloads.load("bert-base")
    for gran in ("layer", "sublayer"):
        a, b = compile_stages(wl, gran), compile_stages(wl.flatten(), gran)
        assert a.names == b.names
        for key in ("lin", "const", "quad", "attn_d", "heads"):
            np.testing.assert_allclose(getattr(a, key), getattr(b, key), err_msg=key)
    sub = compile_stages(wl, "sublayer")
    assert sub.names[:3] == ("encoder0.qkv", "encoder0.attn", "encoder0.ffn")
    assert sub.lin[0] == 3 * 768**2 and sub.quad[1] == 1536 and sub.lin[2] == 768**2 + 2 * 768 * 3072
