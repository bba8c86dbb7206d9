"""The CostModel base class, Metrics, Feasibility and the conformance kit on a toy model."""

from __future__ import annotations

import numpy as np
import pytest

from dse.errors import DseError, DseInputError, UnknownNameError
from dse.metrics import Feasibility, Metrics, unit_of
from dse.testing import CHECKS, run_all
from tests.dse.toy_model import ToyModel
from workloads import load

W = load("resnet20-cifar")


def test_toy_passes_conformance():
    """The reference toy model passes every conformance check (numpy, torch, gradients)."""
    pytest.importorskip("torch", reason="torch not installed: torch checks need it")
    run_all(ToyModel(), W)


def test_conformance_kit_catches_nondeterminism():
    """A model whose output changes between calls fails the determinism check."""

    class Flaky(ToyModel):
        calls = 0

        def _evaluate(self, workload, design, xp):
            m = super()._evaluate(workload, design, xp)
            Flaky.calls += 1
            m.totals["latency_s"] = m.totals["latency_s"] * (1 + Flaky.calls)
            return m

    with pytest.raises(AssertionError):
        CHECKS["deterministic"](Flaky(), W)


def test_conformance_kit_catches_negative_metrics():
    """Negative metrics on feasible points fail the sanity check."""

    class Negative(ToyModel):
        def _evaluate(self, workload, design, xp):
            m = super()._evaluate(workload, design, xp)
            m.totals["energy_j"] = -m.totals["energy_j"]
            return m

    with pytest.raises(AssertionError):
        CHECKS["metrics_sane"](Negative(), W)


def test_constraints_and_model_reasons_merge():
    """Model reasons come first; space constraints add their own reason codes."""
    m = ToyModel().evaluate(W, {"pes": [1, 4, 64], "lanes": [1, 8, 1]})
    assert m.feasible.tolist() == [False, False, True]
    assert m.reason_of(0) == "pes must be >= 2"
    assert m.reason_of(1) == "lanes must not exceed pes"
    assert m.reason_of(2) is None


def test_fixed_params_stored_verbatim_and_validated():
    """__init__ stores fixed knobs verbatim; param() parses them; unknown params are named."""
    model = ToyModel(e_mac="2e-12")
    assert model.fixed == {"e_mac": "2e-12"}
    assert model.param("e_mac") == 2e-12
    with pytest.raises(UnknownNameError):
        ToyModel(e_mc=1)
    with pytest.raises(DseInputError):
        ToyModel(e_mac="abc").param("e_mac")


def test_torch_inputs_keep_autograd():
    """Torch tensors flow through evaluate and keep their autograd graph."""
    torch = pytest.importorskip("torch", reason="torch not installed")
    clock = torch.tensor([2e8, 4e8], dtype=torch.float64, requires_grad=True)
    m = ToyModel().evaluate(W, {"clock": clock, "mode": ["slow", "fast"]})
    m.totals["latency_s"].sum().backward()
    assert clock.grad is not None and bool((clock.grad < 0).all())  # faster clock -> lower latency


def test_feasibility_first_reason_wins():
    """Feasibility keeps the first failing rule per point."""
    f = Feasibility(np, 3)
    f.require(np.array([True, False, False]), "a")
    f.require(np.array([False, False, True]), "b")
    assert f.reason.tolist() == [2, 1, 1]
    assert f.reasons == ("", "a", "b")


def test_metrics_concat_remaps_reasons():
    """Concatenating chunks with different reason tables keeps each point's reason text."""
    a = Metrics({"x_s": np.ones(2)}, feasible=np.array([True, False]), reason=np.array([0, 1]), reasons=("", "r1"))
    b = Metrics({"x_s": np.ones(2)}, feasible=np.array([False, False]), reason=np.array([1, 2]), reasons=("", "r2", "r1"))
    c = Metrics.concat([a, b])
    assert c.reason_texts() == [None, "r1", "r2", "r1"]


def test_unit_of():
    """Units follow the metric-name suffix, else the model's declaration."""
    assert unit_of("latency_s") == "s"
    assert unit_of("memory_bytes_per_device") == "B"
    assert unit_of("throughput_per_s") == "1/s"
    assert unit_of("cycles", {"cycles": "1"}) == "1"
    with pytest.raises(DseError, match="no unit suffix"):
        unit_of("cycles")
