"""Placement formulas of he-multigpu pinned on small hand-checked cases (limb-split key switching [HanKi20], derived)."""

from __future__ import annotations

import numpy as np
import pytest

import workloads
from costmodels.he_multigpu import MultiGpuTransformerModel
from workloads import WorkloadBuilder

N13 = 8192 * 8  # bytes per limb-polynomial at N = 2^13, 64-bit words


def _linear_wl():
    b = WorkloadBuilder("lin", (128, 64), seq_len=128)
    b.linear(b.input, 64, name="fc")
    return b.build()


def _attention_wl():
    b = WorkloadBuilder("att", (128, 64), seq_len=128)
    b.attention(b.input, heads=2, name="attn")
    return b.build()


def _eval(wl, **point):
    model = MultiGpuTransformerModel(logn=13, memory_budget=1e12)
    point.setdefault("overlap", "off")
    return model.evaluate(wl, {k: [v] for k, v in point.items()}).numpy()


def test_linear_limb_allgather_bytes():
    """Limb partitioning, G=2: (G-1) x [rotations (l + 2K) + 2 per rescale] limb-polys.

    64x64 linear on 128 tokens at N=2^13: 2 ciphertexts, BSGS 2*8 rotations each = 32 rotations,
    2 rescales, at mean limbs 23.5 (fresh chain, depth 1).
    """
    m = _eval(_linear_wl(), gpus=2, placement="limb")
    expected = 1 * (32 * (23.5 + 2 * 8) + 2 * 2) * N13
    assert m.totals["comm_bytes"][0] == pytest.approx(expected, rel=1e-12)
    assert m.totals["key_switches"][0] == 32


def test_linear_replicate_allreduce_bytes():
    """Replicate (feature) partitioning, G=2: ring all-reduce 2 (G-1) x 2 output cts x 23 limbs x 2 polys."""
    m = _eval(_linear_wl(), gpus=2, placement="replicate")
    assert m.totals["comm_bytes"][0] == pytest.approx(2 * 1 * 2 * (2 * 23) * N13, rel=1e-12)


def test_linear_token_placement_needs_no_communication():
    """Token partitioning keeps a linear layer local (weights replicated)."""
    m = _eval(_linear_wl(), gpus=2, placement="token")
    assert m.totals["comm_bytes"][0] == 0


def test_attention_token_kv_allgather_bytes():
    """Token partitioning, G=2: K and V all-gathered, (G-1) x 2 x 2 cts x (2 x 23 limbs) limb-polys."""
    m = _eval(_attention_wl(), gpus=2, placement="token")
    assert m.totals["comm_attention_bytes"][0] == pytest.approx(1 * 2 * 2 * (2 * 23) * N13, rel=1e-12)


def test_attention_replicate_allreduce_after_output_projection():
    """Replicate, G=2: one all-reduce of 2 cts at 7 limbs (levels 23 -> 6 over qkv, qk, softmax(13), av, out)."""
    m = _eval(_attention_wl(), gpus=2, placement="replicate")
    assert m.totals["comm_attention_bytes"][0] == pytest.approx(2 * 1 * 2 * (2 * 7) * N13, rel=1e-12)


def test_limb_partition_splits_keys_token_replicates_them():
    """Per-device memory: switching keys divide by the limb axis, not by the token axis."""
    wl = _attention_wl()
    model = MultiGpuTransformerModel(logn=13, memory_budget=1e12)
    keys = model.compiled(wl).rotation_keys * model.ckks().key_bytes()
    tok = _eval(wl, gpus=2, placement="token").totals["memory_bytes_per_device"][0]
    limb = _eval(wl, gpus=2, placement="limb").totals["memory_bytes_per_device"][0]
    assert tok > keys and limb < keys / 2 + (tok - keys)


@pytest.mark.parametrize("placement", ["hybrid", "limb", "token", "replicate"])
def test_one_gpu_is_the_single_gpu_reference(placement):
    """With one GPU every placement is the same single device: no communication, efficiency 1."""
    m = _eval(workloads.load("bert-base:layers=1"), gpus=1, placement=placement, seq_len=512)
    assert m.totals["comm_bytes"][0] == 0
    assert m.totals["scaling_efficiency"][0] == pytest.approx(1.0)


def test_hybrid_no_slower_than_any_feasible_single_placement():
    """The hybrid searches a superset of the single-axis meshes."""
    wl = workloads.load("bert-base:layers=2")
    model = MultiGpuTransformerModel()
    for t in (512, 2048):
        for g in (2, 4, 8):
            rows = {pl: model.evaluate(wl, {"seq_len": [t], "gpus": [g], "placement": [pl]}).numpy()
                    for pl in ("hybrid", "limb", "token", "replicate")}
            hyb = rows.pop("hybrid")
            for m in rows.values():
                if m.feasible[0]:
                    assert hyb.feasible[0]
                    assert hyb.totals["latency_s"][0] <= m.totals["latency_s"][0] * (1 + 1e-12)


def test_overlap_never_slower():
    """Pipelining collectives with compute: max(C, M) + min(C, M)/k <= C + M."""
    wl = workloads.load("bert-base:layers=1")
    model = MultiGpuTransformerModel()
    d = {"seq_len": [2048] * 4, "gpus": [4] * 4, "placement": ["limb", "token", "replicate", "hybrid"]}
    on = model.evaluate(wl, {**d, "overlap": ["on"] * 4}).numpy().totals["latency_s"]
    off = model.evaluate(wl, {**d, "overlap": ["off"] * 4}).numpy().totals["latency_s"]
    assert np.all(on <= off)
