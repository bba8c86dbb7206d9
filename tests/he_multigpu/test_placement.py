"""Placement formulas of he-multigpu pinned on small cases (limb-split key switching [HanKi20], derived).

Op counts come from the he model (one lowering); what is pinned here is what each mesh axis
exchanges and stores for those counts.
"""

from __future__ import annotations

import numpy as np
import pytest

import workloads
from costmodels.he_multigpu import MultiGpuTransformerModel
from workloads import WorkloadBuilder

SMALL = {"preset": "", "logn": 13, "limbs": 3, "dnum": 3, "user_levels": 1, "memory_budget": 1e13}
N13 = 8192 * 4  # bytes per limb-polynomial at N = 2^13 with the A100 profile's 32-bit words


def _linear_wl():
    b = WorkloadBuilder("lin", (128, 64), seq_len=128)
    b.linear(b.input, 64, name="fc")
    return b.build()


def _attention_wl():
    b = WorkloadBuilder("att", (128, 64), seq_len=128)
    b.attention(b.input, heads=2, name="attn")
    return b.build()


def _eval(wl, model=None, **point):
    model = model or MultiGpuTransformerModel(**SMALL)
    point.setdefault("overlap", "off")
    return model.evaluate(wl, {k: [v] for k, v in point.items()}).numpy()


def _he(model, wl):
    return model.he_model().evaluate(wl, {k: [v] for k, v in model.he_point().items()}).numpy()


def test_linear_limb_allgather_bytes():
    """Limb partitioning, G=2: (G-1) x [key switches (l + 2K) + 2 per rescale] limb-polys, l = 3 fresh limbs, K = 1."""
    model = MultiGpuTransformerModel(**SMALL)
    h = _he(model, _linear_wl())
    assert h.feasible[0]
    ks = h.totals["rotations"][0] + h.totals["ct_mults"][0]
    assert ks > 0
    m = _eval(_linear_wl(), model, gpus=2, placement="limb")
    expected = (ks * (3 + 2 * 1) + 2 * h.totals["rescales"][0]) * N13
    assert m.totals["comm_bytes"][0] == pytest.approx(expected, rel=1e-12)
    assert m.totals["key_switches"][0] == ks


def test_linear_replicate_allreduce_bytes():
    """Replicate (feature), G=2: ring all-reduce 2 (G-1) x 2 output cts (128 x 64 / 4096) x 3 limbs x 2 polys."""
    m = _eval(_linear_wl(), gpus=2, placement="replicate")
    assert m.totals["comm_bytes"][0] == pytest.approx(2 * 1 * 2 * (2 * 3) * N13, rel=1e-12)


def test_linear_token_placement_needs_no_communication():
    """Token partitioning keeps a linear layer local (weights replicated)."""
    m = _eval(_linear_wl(), gpus=2, placement="token")
    assert m.totals["comm_bytes"][0] == 0


def test_attention_token_kv_allgather_bytes():
    """Token partitioning, G=2: the K^T and V operands (1 ct each at N=2^16) all-gathered at the
    entry limbs of the score and A.V products: (G-1) x 1 ct x 2 polys x l limbs each."""
    model = MultiGpuTransformerModel(memory_budget=1e13)
    wl = _attention_wl()
    comp = model.compiled(wl)
    limbs = {n: l for n, l in zip(comp.names, comp.entry_limbs)}
    m = _eval(wl, model, gpus=2, placement="token")
    poly = 65536 * 4
    expected = 1 * (2 * limbs["attn.scores"] + 2 * limbs["attn.av"]) * poly
    assert m.totals["comm_attention_bytes"][0] == pytest.approx(expected, rel=1e-12)


def test_attention_replicate_allreduce_after_output_projection():
    """Replicate, G=2: one all-reduce of the output projection's 1 ct at its entry limbs, nothing else."""
    model = MultiGpuTransformerModel(memory_budget=1e13)
    wl = _attention_wl()
    comp = model.compiled(wl)
    i = comp.names.index("attn.out")
    m = _eval(wl, model, gpus=2, placement="replicate")
    assert comp.ar_count.sum() == 1 and comp.ar_count[i] == 1
    assert m.totals["comm_attention_bytes"][0] == pytest.approx(2 * 1 * 1 * (2 * comp.entry_limbs[i]) * 65536 * 4,
                                                                rel=1e-12)


def test_limb_partition_splits_keys_token_replicates_them():
    """Per-device memory: switching keys divide by the limb axis, not by the token axis."""
    wl = _attention_wl()
    model = MultiGpuTransformerModel(memory_budget=1e13)
    keys = model.compiled(wl).key_bytes
    one = _eval(wl, model, gpus=1, placement="token").totals["memory_bytes_per_device"][0]
    tok = _eval(wl, model, gpus=2, placement="token").totals["memory_bytes_per_device"][0]
    limb = _eval(wl, model, gpus=2, placement="limb").totals["memory_bytes_per_device"][0]
    assert keys > 0 and tok > keys and limb <= one - keys / 2 + 1e-6 * one


@pytest.mark.parametrize("placement", ["hybrid", "limb", "token", "replicate"])
def test_one_gpu_is_the_single_gpu_reference(placement):
    """With one GPU every placement is the same single device: no communication, efficiency 1."""
    m = _eval(workloads.load("bert-base:layers=1"), MultiGpuTransformerModel(memory_budget=1e13), gpus=1,
              placement=placement, seq_len=512)
    assert m.totals["comm_bytes"][0] == 0
    assert m.totals["scaling_efficiency"][0] == pytest.approx(1.0)


def test_hybrid_no_slower_than_any_feasible_single_placement():
    """The hybrid searches a superset of the single-axis meshes."""
    wl = workloads.load("bert-base:layers=2")
    model = MultiGpuTransformerModel(memory_budget=1e13)
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
    model = MultiGpuTransformerModel(memory_budget=1e13)
    d = {"seq_len": [2048] * 4, "gpus": [4] * 4, "placement": ["limb", "token", "replicate", "hybrid"]}
    on = model.evaluate(wl, {**d, "overlap": ["on"] * 4}).numpy().totals["latency_s"]
    off = model.evaluate(wl, {**d, "overlap": ["off"] * 4}).numpy().totals["latency_s"]
    assert np.all(on <= off)
