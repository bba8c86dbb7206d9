"""FPGA models read per-layer compression: block-circulant linears cost FFTs (FTRANS), FINN units per-layer bits."""

from __future__ import annotations

import numpy as np
import pytest

import workloads
from costmodels.fpga import TransformerAcceleratorModel
from costmodels.fpga.dataflow import DataflowModel
from costmodels.fpga.ernn import circulant_ops
from costmodels.fpga.lowering import compile_stages


def _bert(layers: int = 2):
    return workloads.load("bert-base:layers=2,seq_len=64") if layers == 2 else workloads.load("bert-base")


def test_identity_compression_keeps_the_stage_table():
    """circulant = 1 everywhere gives exactly the dense stage table."""
    a, b = compile_stages(_bert()), compile_stages(_bert().with_compression({"*": {"circulant": 1}}))
    assert np.array_equal(a.lin, b.lin) and np.array_equal(a.weights, b.weights)


def test_circulant_stage_work_and_storage():
    """Block 8 on every encoder linear: per-token work = FFT products, weights = p q b (+ bias) per matrix."""
    w = _bert()
    enc = [l for l in w.layers if l.group == "encoder0" and l.kind in ("linear", "attention")]
    st = compile_stages(w.with_compression({l.name: {"circulant": 8} for l in enc}))
    dense = compile_stages(w)
    i = st.names.index("encoder0")
    mults, stored = 0.0, 0.0
    for l in enc:
        mats = [(l.d_model, l.d_model)] * 4 if l.kind == "attention" else [(l.out_features, l.in_features)]
        for rows, cols in mats:
            m, _, s = circulant_ops(np, float(rows), float(cols), 8.0)
            mults, stored = mults + m, stored + s + (rows if l.bias else 0)
    other = [l for l in w.layers if l.group == "encoder0" and l.kind not in ("linear", "attention")]
    assert st.lin[i] == pytest.approx(mults)
    assert st.weights[i] == pytest.approx(stored + sum(l.params for l in other))
    assert st.lin[i] < dense.lin[i] / 3 and st.weights[i] < dense.weights[i] / 7


def test_circulant_weights_match_the_torch_module_parameters():
    """The stored-weight count of a circulant linear equals the parameters of the block-circulant torch module."""
    pytest.importorskip("torch")
    from costmodels.fpga.kernels import block_circulant_module

    b = workloads.WorkloadBuilder("fc", (10, 96))
    b.linear(b.input, 40, name="fc")
    st = compile_stages(b.build().with_compression({"fc": {"circulant": 16}}))
    mod = block_circulant_module(96, 40, 16)
    assert float(st.weights.sum()) == sum(p.numel() for p in mod.parameters())


def test_transformer_model_is_faster_with_circulant_weights():
    """fpga-transformer: block-16 weights cut latency and energy on BERT-base at the default design."""
    w = _bert(12)
    c = w.with_compression({"encoder*": {"circulant": 16}})
    model = TransformerAcceleratorModel(lengths="fixed:128")
    d, s = (model.evaluate(x, {"macs": [2048]}).numpy().totals for x in (w, c))
    assert s["latency_s"][0] < d["latency_s"][0] and s["energy_j"][0] < d["energy_j"][0]


def test_dataflow_layer_bits_replace_the_knobs():
    """fpga-dataflow: layer weight/act bits price like the wbits/abits knobs at those values."""
    w = workloads.load("lenet5")
    q = w.with_compression({"*": {"weight_bits": 2, "act_bits": 3}})
    keys = ("lut", "dsp", "bram36", "latency_s")
    got = DataflowModel().evaluate(q, {"wbits": [8], "abits": [8]}).numpy().totals
    want = DataflowModel().evaluate(w, {"wbits": [2], "abits": [3]}).numpy().totals
    assert all(float(got[k][0]) == float(want[k][0]) for k in keys)


def test_ernn_layer_circulant_replaces_the_block_knob():
    """fpga-ernn: every recurrent layer at circulant 8 prices exactly like the block knob at 8."""
    from costmodels.fpga import ERNNModel

    w = workloads.load("lstm-timit")
    names = [l.name for l in w.layers if l.kind == "recurrent"]
    c = w.with_compression({n: {"circulant": 8} for n in names})
    keys = ("latency_s", "energy_j", "mults", "weight_bits", "dsp", "bram36")
    got = ERNNModel().evaluate(c, {"block": [16]}).numpy().totals
    want = ERNNModel().evaluate(w, {"block": [8]}).numpy().totals
    assert all(float(got[k][0]) == pytest.approx(float(want[k][0]), rel=1e-12) for k in keys)


def test_ftrans_model_size_claim_holds():
    """The registered FTRANS storage restatement (block 16 on BERT-base's encoder) is within its tolerance."""
    from costmodels.fpga.claims_compression import CLAIMS

    claim = CLAIMS[0]
    assert abs(claim.compute() - claim.reference) / claim.reference <= claim.rel_tol
