"""The ``asic`` mapping model reads per-layer compression: structured pruning shrinks, other sparsity gates, bits."""

from __future__ import annotations

import pytest

from costmodels.asic.model_mapping import MappingModel
from workloads import WorkloadBuilder

FAST = {"lpf_limit": 4, "spatial_top": 2}


def _conv(out_ch: int = 16, in_ch: int = 8):
    b = WorkloadBuilder(f"c{out_ch}x{in_ch}", (in_ch, 12, 12))
    b.conv2d(b.input, out_ch, 3, padding=1, name="conv")
    return b.build()


def _run(w, **knobs):
    m = MappingModel(**FAST).evaluate(w, {k: [v] for k, v in knobs.items()} or {"rows": [0]})
    return {k: float(m.totals[k][0]) for k in ("cycles", "energy_j", "energy_mac_j", "energy_sram_j", "dram_bytes", "macs")}


def test_uncompressed_identity_spec_changes_nothing():
    """An identity compression table leaves every metric exactly as the plain workload's."""
    w = _conv()
    assert _run(w.with_compression({"*": {}})) == _run(w)


@pytest.mark.parametrize("structure, smaller", [("filter", _conv(8, 8)), ("channel", _conv(16, 4))])
def test_structured_pruning_prices_the_smaller_dense_layer(structure, smaller):
    """Filter (channel) pruning to half prices exactly the conv with half the output (input) channels."""
    w = _conv().with_compression({"conv": {"density": 0.5, "structure": structure}})
    assert _run(w) == _run(smaller)


@pytest.mark.parametrize("structure", ["unstructured", "block", "pattern"])
def test_irregular_sparsity_gates_macs_and_stores_a_bitmap(structure):
    """Irregular sparsity scales MAC energy by density and equals the dense layer with d*w+1-bit weights in memory."""
    from dataclasses import replace

    from costmodels.asic.mapping_search import network_layers

    dense = _run(_conv())
    sp = _run(_conv().with_compression({"conv": {"density": 0.3, "structure": structure}}))
    assert sp["energy_mac_j"] == pytest.approx(0.3 * dense["energy_mac_j"], rel=1e-12)
    model = MappingModel(**FAST)
    arch = model.architecture()
    packed = replace(arch, bits={**arch.bits, "W": 0.3 * arch.bits["W"] + 1.0})
    want = model._search(packed, network_layers(_conv()))[0].metrics
    assert sp["cycles"] == pytest.approx(float(want["cycles"]))
    assert sp["dram_bytes"] == pytest.approx(float(want["dram_bits"]) / 8) and sp["dram_bytes"] < dense["dram_bytes"]


def test_layer_bits_run_a_precision_scalable_array_unless_bits_knob_fixed():
    """4-bit weights and activations with bits=0 equal the dense layer on a 4-bit array; with bits=8 the MACs
    stay 8-bit and only the packed 4-bit weights move less data."""
    q = _conv().with_compression({"conv": {"weight_bits": 4, "act_bits": 4}})
    assert _run(q) == _run(_conv(), bits=4)
    fixed, dense8 = _run(q, bits=8), _run(_conv(), bits=8)
    assert fixed["energy_mac_j"] == dense8["energy_mac_j"] and fixed["dram_bytes"] < dense8["dram_bytes"]
    assert _run(q)["energy_j"] < _run(_conv())["energy_j"]
