"""fpga-transformer: closed forms at constant length, scheduling, scaling, infeasibility reasons."""

from __future__ import annotations

import numpy as np
import pytest

import workloads
from costmodels.fpga import TransformerAcceleratorModel, board
from costmodels.fpga.lowering import compile_stages
from workloads.distributions.lengths import parse_lengths


@pytest.fixture(scope="module")
def bert():
    return workloads.load("bert-base")


def _one(model, wl, **point):
    m = model.evaluate(wl, {k: [v] for k, v in point.items()}).numpy()
    return {k: float(v[0]) for k, v in m.totals.items()}, m.reason_of(0)


def test_constant_length_closed_form(bert):
    """fixed:128, dense, padded, batch 1: 12 physical stages (encoder11 + pooler share the last);
    each gets floor(share*8192/32)=21 PEs = 672 MACs; the last stage (931,725,312 MACs) is the
    bottleneck at 250 MHz (U200 clock, fpgaConvNet u200.toml)."""
    st = compile_stages(bert)
    w_enc = st.lin[0] * 128 + st.quad[0] * 128 ** 2
    assert w_enc == 931_135_488
    last = w_enc + st.const[-1]
    t = last / (672 * board("u200").clock_hz)
    tot, reason = _one(TransformerAcceleratorModel(lengths="fixed:128"), bert, attention="dense",
                       schedule="padded", batch=1, macs=8192)
    assert reason is None
    assert tot["throughput_per_s"] == pytest.approx(1 / t, rel=1e-12)
    assert tot["latency_s"] == pytest.approx(12 * t, rel=1e-12)
    # two INT8 MACs per DSP48E2; per stage softmax + LayerNorm (8 lanes x 3 + 4 shared) and GELU (8 x 3)
    assert tot["dsp"] == 12 * 672 / 2 + 12 * (2 * (8 * 3 + 4) + 8 * 3)
    assert tot["mac_ops"] == pytest.approx(st.macs(128).sum(), rel=1e-12)


def test_weight_streaming_floor(bert):
    """With compute made fast, a request takes the weight bytes / (batch * bandwidth) per stage;
    with weights kept on chip where they fit, only the streamed bytes count."""
    st = compile_stages(bert)
    model = TransformerAcceleratorModel(lengths="fixed:8")
    point = dict(board="u200", macs=65536, batch=2, attention="dense")
    tot, _ = _one(model, bert, weights="stream", **point)
    floor = st.weights.sum() * 1.0 / (2 * board("u200").bw_bytes_per_s)
    assert tot["throughput_per_s"] == pytest.approx(1 / floor, rel=1e-12)
    m = model.evaluate(bert, {k: [v] for k, v in {**point, "weights": "auto"}.items()}).numpy()
    streamed = m.layers["work"][0, list(m.layer_names).index("op.weights")]     # bytes per request
    assert 0 < streamed < st.weights.sum()
    assert m.totals["throughput_per_s"][0] == pytest.approx(board("u200").bw_bytes_per_s / streamed, rel=1e-12)


def test_schedules_agree_at_constant_length_and_split_on_distributions(bert):
    """Length-aware = padded at a constant length; higher throughput and no padding on GLUE/SQuAD."""
    fixed = TransformerAcceleratorModel(lengths="fixed:200")
    a, _ = _one(fixed, bert, schedule="padded")
    b, _ = _one(fixed, bert, schedule="length-aware")
    assert a["throughput_per_s"] == pytest.approx(b["throughput_per_s"], rel=1e-12)
    for lens in ("glue", "squad"):
        model = TransformerAcceleratorModel(lengths=lens)
        pad, _ = _one(model, bert, schedule="padded")
        la, _ = _one(model, bert, schedule="length-aware")
        assert la["throughput_per_s"] > 1.3 * pad["throughput_per_s"]
        assert la["bubble_fraction"] < pad["bubble_fraction"]
        assert la["padding_fraction"] == 0.0 and la["mac_ops"] < pad["mac_ops"]
        d = parse_lengths(lens)
        expected = 1 - d.mean() / np.dot(d.max_of(8), d.support)
        assert pad["padding_fraction"] == pytest.approx(expected, rel=1e-9)


def test_sparse_attention_is_linear_dense_quadratic(bert):
    """Exact-attention MACs: 2 d L min(k, L) sparse vs 2 d L^2 dense (DAC'22, [Peng22] step 5)."""
    st = compile_stages(bert)
    attn = lambda L, mode: st.macs(L, attention=mode, topk=32).sum() - st.lin.sum() * L - st.const.sum()  # noqa: E731
    assert attn(4096, "sparse") / attn(2048, "sparse") == pytest.approx(2.0)
    assert attn(4096, "dense") / attn(2048, "dense") == pytest.approx(4.0)
    m = TransformerAcceleratorModel(lengths="fixed:2048")
    d, _ = _one(m, bert, attention="dense", stages=1, board="u280")
    s, _ = _one(m, bert, attention="sparse", stages=1, board="u280")
    assert s["mac_ops"] < 0.7 * d["mac_ops"] and s["throughput_per_s"] > 1.3 * d["throughput_per_s"]


@pytest.mark.parametrize("lengths,point,resource", [
    ("glue", dict(board="zcu102", macs=16384), "(dsp)"),
    ("glue", dict(board="zcu102", macs=1024), "(bram36)"),
    ("fixed:4096", dict(board="u200", attention="dense", stages=12), "(uram)"),
    ("glue", dict(board="u250", topk=1024, lut_lanes=65536, macs=2048), "(lut)"),
])
def test_over_budget_designs_are_infeasible_with_the_resource_named(bert, lengths, point, resource):
    """A design over the board budget (usable after the shell x 0.75) is masked, resource named."""
    _, reason = _one(TransformerAcceleratorModel(lengths=lengths), bert, **point)
    assert reason is not None and reason.endswith(resource)


def test_default_point_is_feasible_and_consistent(bert):
    """The issue's interface point: all documented totals present, power = energy x throughput."""
    tot, reason = _one(TransformerAcceleratorModel(lengths="glue"), bert, board="u200", attention="sparse",
                       topk=32, schedule="length-aware")
    assert reason is None
    for key in ("latency_s", "latency_p99_s", "throughput_per_s", "bubble_fraction", "dsp", "bram36", "energy_j"):
        assert key in tot and tot[key] >= 0
    assert tot["latency_p99_s"] >= tot["latency_s"]
    assert tot["power_w"] == pytest.approx(tot["energy_j"] * tot["throughput_per_s"])
    assert tot["power_w"] > board("u200").static_w


def test_more_macs_more_throughput_and_per_stage_rows(bert):
    """Throughput grows with the MAC budget; per-stage rows cover every logical stage, then the
    seven operator rows."""
    m = TransformerAcceleratorModel(lengths="squad", granularity="sublayer")
    out = m.evaluate(bert, {"macs": [2048, 4096, 8192]}).numpy()
    thr = out.totals["throughput_per_s"]
    assert thr[0] < thr[1] < thr[2]
    assert out.layers["latency_s"].shape == (3, 37 + 7) and out.layer_names[1] == "encoder0.attn"
