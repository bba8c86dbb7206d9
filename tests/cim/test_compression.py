"""The ``cim`` crossbar model reads per-layer compression: pruned rows/columns unmapped, fewer cells for fewer bits."""

from __future__ import annotations

import pytest

from costmodels.cim import CrossbarModel
from workloads import WorkloadBuilder

KEYS = ("cells", "crossbars", "adc_conversions", "area_m2", "latency_s", "energy_adc_j", "energy_cell_j",
        "energy_dac_j", "energy_buffer_j", "energy_j")


def _mlp(k: int = 300, n: int = 200):
    b = WorkloadBuilder(f"mlp{k}x{n}", (k,))
    b.linear(b.input, n, name="fc")
    return b.build()


def _run(w, **knobs):
    m = CrossbarModel().evaluate(w, {k: [v] for k, v in knobs.items()} or {"rows": [128]})
    return {k: float(m.totals[k][0]) for k in KEYS}


def test_identity_compression_changes_nothing():
    """An identity compression table leaves every metric exactly as the plain workload's."""
    assert _run(_mlp().with_compression({"*": {}})) == _run(_mlp())


@pytest.mark.parametrize("structure, smaller", [("filter", _mlp(300, 100)), ("channel", _mlp(150, 200))])
def test_structured_pruning_unmaps_columns_or_rows(structure, smaller):
    """Filter (channel) pruning to half maps exactly the crossbars of the layer with half the outputs (inputs)."""
    got = _run(_mlp().with_compression({"fc": {"density": 0.5, "structure": structure}}))
    want = _run(smaller)
    for key in ("cells", "crossbars", "adc_conversions", "area_m2", "latency_s", "energy_adc_j", "energy_cell_j"):
        assert got[key] == pytest.approx(want[key], rel=1e-12), key


def test_unstructured_zeros_stay_mapped():
    """Unstructured sparsity leaves cells, crossbars and energy unchanged (zeros are stored as off cells)."""
    assert _run(_mlp().with_compression({"fc": {"density": 0.2}})) == _run(_mlp())


def test_layer_bits_replace_the_design_bits():
    """A layer's weight_bits/act_bits price exactly like the design knobs weight_bits/input_bits at those values."""
    q = _mlp().with_compression({"fc": {"weight_bits": 4, "act_bits": 4}})
    assert _run(q) == _run(_mlp(), weight_bits=4, input_bits=4)
    assert _run(q)["cells"] == pytest.approx(_run(_mlp())["cells"] / 2)
