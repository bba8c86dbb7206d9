"""The template plug-in: registered through its entry point, passes the engine's conformance kit, and
computes the roofline it documents."""

from __future__ import annotations

import numpy as np
import pytest

from dse import models
from dse.testing import CostModelConformance
from workloads import load


class TestRooflineConformance(CostModelConformance):
    """Every check of dse.testing.CHECKS, inherited (never copied) so the list cannot drift."""

    model_name = "toy-roofline"
    workload = "resnet20-cifar"


class TestRooflineConformanceTwoByteValues(CostModelConformance):
    """The same checks with a fixed parameter set."""

    model_name = "toy-roofline"
    fixed = {"bytes_per_value": 2.0}


def test_entry_point_registers_the_model():
    """`pip install -e examples/plugin` makes the engine's registry find the model by name."""
    from dse_plugin_roofline import RooflineModel

    assert "toy-roofline" in models.names()
    assert models.get("toy-roofline") is RooflineModel


def test_latency_is_the_roofline_of_each_layer():
    """latency_s = sum_l max(MACs_l / (pes * clock), bytes_l / bandwidth), hand-computed per layer."""
    wl = load("resnet20-cifar")
    model = models.get("toy-roofline")()
    design = {"pes": [16, 4096], "clock": [1e8, 2e9], "bandwidth": [1e11, 1e9], "buffer_bytes": [1 << 20, 1 << 20]}
    got = model.evaluate(wl, design).numpy()
    for i in range(2):
        want = sum(max(l.macs / (design["pes"][i] * design["clock"][i]),
                       (l.params + l.activations) / design["bandwidth"][i]) for l in wl.layers)
        assert got.totals["latency_s"][i] == pytest.approx(want, rel=1e-12)
    # small, slow array with fast memory: every layer that has MACs is compute-bound (layers
    # without MACs only move data); the opposite corner (fast array, slow memory): none
    with_macs = sum(1 for l in wl.layers if l.macs > 0)
    assert 0 < with_macs < len(wl.layers)
    assert got.totals["compute_bound_layers"].tolist() == [with_macs, 0]


def test_small_buffer_is_masked_not_raised():
    """A buffer smaller than the largest layer's weights is infeasible with a reason."""
    wl = load("resnet20-cifar")
    largest = max(l.params for l in wl.layers)
    m = models.get("toy-roofline")().evaluate(wl, {"buffer_bytes": [4096, 1 << 20]}).numpy()
    assert largest > 4096
    assert m.feasible.tolist() == [False, True]
    assert "buffer" in m.reason_of(0)
    assert np.isfinite(m.totals["latency_s"]).all()
