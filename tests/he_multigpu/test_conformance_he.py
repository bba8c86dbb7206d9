"""One GPU model: he-multigpu with one GPU equals the he model on the same network, profile and preset."""

from __future__ import annotations

import numpy as np
import pytest

import workloads
from costmodels.he_multigpu import MultiGpuTransformerModel

CASES = [("resnet20-cifar", "h100-sxm"), ("resnet20-cifar", "a100-80g"), ("lenet5", "a100-40g"),
         ("bert-base:layers=1", "a100-80g"), ("bert-base:layers=1", "h100-sxm")]


@pytest.mark.parametrize(("spec", "gpu"), CASES)
def test_g1_equals_he(spec, gpu):
    """G = 1: latency, per-layer latency, bootstraps and memory are he's (same floating-point sums: rel 1e-12)."""
    wl = workloads.load(spec)
    mg = MultiGpuTransformerModel(gpu=gpu, memory_budget=1e13)
    g = mg.evaluate(wl, {"gpus": [1], "placement": ["hybrid"]}).numpy()
    h = mg.he_model().evaluate(wl, {k: [v] for k, v in mg.he_point().items()}).numpy()
    assert g.feasible[0] and h.feasible[0]
    assert g.totals["latency_s"][0] == pytest.approx(h.totals["latency_s"][0], rel=1e-12)
    np.testing.assert_allclose(g.layers["latency_s"][0], h.layers["latency_s"][0], rtol=1e-12, atol=0)
    assert g.layer_names == h.layer_names
    assert g.totals["bootstraps"][0] == h.totals["bootstraps"][0]
    assert g.totals["memory_bytes_per_device"][0] == pytest.approx(h.totals["memory_bytes"][0], rel=1e-12)
    assert g.totals["comm_bytes"][0] == 0


def test_g1_equals_he_without_a_preset():
    """The logn/limbs/dnum/user_levels path maps onto he's N, levels, dnum and boot_return."""
    wl = workloads.load("lenet5")
    mg = MultiGpuTransformerModel(preset="", logn=16, limbs=24, dnum=3, user_levels=9, memory_budget=1e13)
    g = mg.evaluate(wl, {"gpus": [1], "placement": ["token"]}).numpy()
    h = mg.he_model().evaluate(wl, {"N": [65536], "levels": [23], "dnum": [3], "boot_return": [9],
                                    "act_degree": [15]}).numpy()
    assert h.feasible[0] and g.feasible[0]
    assert g.totals["latency_s"][0] == pytest.approx(h.totals["latency_s"][0], rel=1e-12)


def test_he_infeasible_set_is_infeasible_here():
    """A chain the he model rejects (N = 2^15 with 20 limbs exceeds the 128-bit table) is infeasible, with he's reason."""
    wl = workloads.load("lenet5")
    mg = MultiGpuTransformerModel(preset="", logn=15, limbs=20, dnum=4, user_levels=3, memory_budget=1e13)
    g = mg.evaluate(wl, {"gpus": [1], "placement": ["token"]}).numpy()
    assert not g.feasible[0] and "he model" in g.reason_of(0) and "insecure" in g.reason_of(0)


def test_more_gpus_split_he_work():
    """G = 2 on ResNet-20 is faster than he's single-GPU time and no faster than half of it (compute / G at best)."""
    wl = workloads.load("resnet20-cifar")
    mg = MultiGpuTransformerModel(gpu="a100-80g", memory_budget=1e13)
    m = mg.evaluate(wl, {"gpus": [1, 2], "placement": ["hybrid", "hybrid"]}).numpy()
    t1, t2 = m.totals["latency_s"]
    assert t1 / 2 <= t2 < t1
