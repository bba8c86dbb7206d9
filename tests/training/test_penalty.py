"""SiteCosts / LatencyPenalty against the registered MPC model, PASNet's loss form and gradients."""

from __future__ import annotations

import numpy as np
import pytest

from costmodels.mpc.training import mpc_costs, site_costs
from dse import models
from dse.errors import DseInputError
from dse.training import LatencyPenalty, SiteCosts, pool_alternatives, relu_poly_alternatives
from workloads.graph import WorkloadBuilder


def _cnn(pools=True):
    b = WorkloadBuilder("t-cnn", (1, 8, 8))
    x = b.relu(b.conv2d(b.input, 8, 3, padding=1, bias=True))
    x = b.maxpool(x, 2) if pools else x
    x = b.relu(b.conv2d(x, 16, 3, padding=1, bias=True))
    x = b.maxpool(x, 2) if pools else x
    x = b.relu(b.linear(b.flatten(x), 32))
    b.linear(x, 10)
    return b.build()


def _mpc_latency(w, keep, **design):
    d = {"network": "wan", "relu_keep": keep, **design}
    return float(models.get("mpc")().evaluate(w, {k: [v] for k, v in d.items()}).numpy().totals["latency_s"][0])


@pytest.mark.parametrize("protocol,weights", [("crypten", "shared"), ("crypten", "public"),
                                              ("cryptflow2", "public"), ("delphi", "public")])
@pytest.mark.parametrize("keep", [0.0, 0.3, 1.0])
def test_exact_mode_equals_the_mpc_model(protocol, weights, keep):
    """Partially kept sites priced like MpcModel (ReLU and poly batches share rounds), pools as max."""
    w = _cnn()
    c = mpc_costs(w, protocol=protocol, weights=weights, network="wan", pools=True)
    P = np.stack([[keep, 1 - keep] if k == "activation" else [1.0, 0.0] for k in c.kinds])
    assert float(c.latency(P, mode="exact")) == pytest.approx(_mpc_latency(w, keep, protocol=protocol, weights=weights), rel=1e-12)


def test_pool_and_poly_options_equal_mpc_on_rewritten_workloads():
    """One-hot options == the mpc model on the workload with those layers rewritten (avg pools,
    poly2 activations), and the SiteTable path == the generic from_model path."""
    w = _cnn()
    design = {"protocol": "crypten", "weights": "shared", "network": "wan"}
    c = mpc_costs(w, pools=True, **design)
    avg = SiteCosts.from_model("mpc", w, design, pool_alternatives(w))
    b = WorkloadBuilder("t-cnn", (1, 8, 8))
    x = b.act(b.conv2d(b.input, 8, 3, padding=1, bias=True), "poly", degree=2)
    x = b.act(b.conv2d(b.avgpool(x, 2), 16, 3, padding=1, bias=True), "poly", degree=2)
    x = b.act(b.linear(b.flatten(b.avgpool(x, 2)), 32), "poly", degree=2)
    b.linear(x, 10)
    want = _mpc_latency(b.build(), 1.0, **design)
    assert float(c.latency(c.onehot([1] * len(c)))) == pytest.approx(want, rel=1e-12)
    gen = SiteCosts.from_model("mpc", w, design, relu_poly_alternatives(w))
    np.testing.assert_allclose(gen.latency_s, c.latency_s[c.mixed.sites], rtol=1e-12)
    assert len(avg) == 2 and avg.options[0] == ("max", "avg")


def test_expected_mode_is_the_mpc_site_table_and_pasnet_form():
    """Expected latency == costmodels.mpc SiteTable.latency (PASNet's sum_g c.LAT_g)."""
    from costmodels.mpc import latency_table

    w = _cnn(pools=False)
    t = latency_table(w, "crypten", 2, "shared", "wan")
    keep = np.array([0.2, 0.9, 0.5])
    c = site_costs(t, w)
    assert float(c.latency(keep)) == pytest.approx(float(t.latency(keep)), rel=1e-12)
    pen = LatencyPenalty(t, weight=3.0)
    assert float(pen(keep)) == pytest.approx(3.0 * float(t.latency(keep)) / float(t.latency(np.ones(3))), rel=1e-12)


def _pasnet_costs(ns=(16384, 8192, 4096)):
    """Test fixture only: PASNet's per-site table, LAT_relu = 13.6 N + 0.4, LAT_poly = 0.03 N + 0.2
    ([PASNet23, code models/gate_tmp.py], units unstated)."""
    ns = np.asarray(ns, dtype=float)
    lat = np.stack([1360 * 0.01 * ns + 0.4, 3 * 0.01 * ns + 0.2], axis=1)
    return SiteCosts(tuple(f"act{i}" for i in range(len(ns))), (("relu", "poly"),) * len(ns), lat, 0.0,
                     ns.astype(int), ("activation",) * len(ns), np.arange(len(ns)))


def test_penalty_reproduces_pasnet_loss_lat_and_budget_hinge():
    c = _pasnet_costs()
    alpha = np.array([[0.3, -0.2], [0.0, 1.0], [2.0, 0.0]])
    sm = np.exp(alpha) / np.exp(alpha).sum(1, keepdims=True)
    want = float(np.sum(sm * c.latency_s))  # loss_lat = sum_g c_relu LAT_relu + c_poly LAT_poly
    pen = LatencyPenalty(c, weight=0.5, normalize=False)
    assert float(pen(sm)) == pytest.approx(0.5 * want, rel=1e-12)
    assert pen.log[-1]["latency_s"] == pytest.approx(want)
    assert pen.per_site(sm) == pytest.approx(dict(zip(c.names, np.sum(sm * c.latency_s, 1))))
    hinge = LatencyPenalty(c, weight=2.0, budget_s=want - 100.0)
    assert float(hinge(sm)) == pytest.approx(2.0 * 100.0 / c.reference_s, rel=1e-9)
    assert float(LatencyPenalty(c, budget_s=want + 1.0)(sm)) == 0.0
    with pytest.raises(DseInputError, match="probs"):
        pen(np.ones(5))
    with pytest.raises(DseInputError, match="mode"):
        LatencyPenalty(c, mode="fast")


def test_from_model_rejects_non_additive_models():
    """A model whose total is not the sum of its per-layer latency cannot be split into sites."""
    from dse import CostModel, DesignSpace, Float

    class MaxModel(CostModel):
        name, version = "max-toy", "1"
        space = DesignSpace((Float("s", default=1.0, low=0.1, high=10.0),))

        def _evaluate(self, workload, design, xp):
            per = xp.stack([design["s"] * (2.0 if getattr(l, "fn", "") == "relu" else 1.0) for l in workload.layers], axis=1)
            return self.make_metrics(totals={"latency_s": xp.max(per, axis=1)}, layers={"latency_s": per},
                                     layer_names=tuple(l.name for l in workload.layers))

    w = _cnn(pools=False)
    with pytest.raises(DseInputError, match="additive"):
        SiteCosts.from_model(MaxModel(), w, {"s": 1.0}, relu_poly_alternatives(w))


torch = pytest.importorskip("torch", reason="torch not installed: gradient checks not run")


@pytest.mark.parametrize("protocol,weights", [("crypten", "shared"), ("cryptflow2", "public")])
@pytest.mark.parametrize("mode", ["expected", "smooth"])
def test_penalty_gradients_match_finite_differences(protocol, weights, mode):
    """Autograd of the latency w.r.t. per-site gate probabilities == central differences
    (dse.testing.check_array_gradients), with the MPC family's tables."""
    from dse.testing import check_array_gradients

    c = mpc_costs(_cnn(), protocol=protocol, weights=weights, network="wan", pools=True)
    x0 = np.random.default_rng(0).uniform(0.2, 0.8, len(c))
    g = check_array_gradients(lambda k: c.latency(k, mode=mode), x0, name=f"{protocol}/{mode}")
    assert np.all(np.abs(g) > 0), "every site must move the latency"
    if mode == "expected":  # d T / d k_s = LAT_relu,s - LAT_poly,s
        np.testing.assert_allclose(g, c.latency_s[:, 0] - c.latency_s[:, 1], rtol=1e-12)


def test_ste_mode_exact_forward_smooth_backward():
    c = mpc_costs(_cnn(), protocol="crypten", network="wan")
    k = torch.tensor([0.3, 0.0, 1.0], dtype=torch.float64, requires_grad=True)
    ste = c.latency(k, mode="ste")
    assert float(ste.detach()) == pytest.approx(float(c.latency(k.detach().numpy(), mode="exact")), rel=1e-12)
    (g_ste,) = torch.autograd.grad(ste, k)
    (g_exact,) = torch.autograd.grad(c.latency(k, mode="exact"), k)
    m = c.mixed
    np.testing.assert_allclose(g_exact.numpy(), m.linear_relu_s - m.linear_poly_s, rtol=1e-12)
    assert np.all(g_ste.numpy() != g_exact.numpy())  # the rounds term contributes a gradient


def test_mpc_model_gradient_check_really_runs():
    """The global conformance check on `mpc` perturbs relu_keep and sees a non-zero gradient equal
    to the sum over sites of (ReLU - polynomial) bytes/BW + compute."""
    from dse.space import Design
    from dse.testing import check_gradients

    model = models.get("mpc")()
    w = _cnn(pools=False)
    check_gradients(model, w, 0)
    d = model.space.design({"protocol": ["crypten"], "network": ["wan"], "relu_keep": [0.5]})
    t = {k: torch.as_tensor(np.asarray(v)) for k, v in d.items()}
    t["relu_keep"] = torch.tensor([0.5], dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(model.evaluate(w, Design(d.space, t, 1)).totals["latency_s"].sum(), t["relu_keep"])
    c = mpc_costs(w, protocol="crypten", network="wan")
    assert float(g) == pytest.approx(float(np.sum(c.mixed.linear_relu_s - c.mixed.linear_poly_s)), rel=1e-9)
    assert float(g) > 0


def test_conformance_checks_declared_array_relaxations():
    """check_gradients runs a model's grad_relaxations hook and catches a wrong gradient."""
    from dse.testing import check_gradients
    from tests.dse.toy_model import ToyModel

    c = mpc_costs(_cnn(), protocol="crypten", network="wan")

    class Wrong(torch.autograd.Function):
        @staticmethod
        def forward(ctx, k):
            return k * 2.0

        @staticmethod
        def backward(ctx, g):
            return g * 3.0  # should be 2

    class Good(ToyModel):
        def grad_relaxations(self, workload):
            return {"site_keep": (lambda k: c.latency(k), np.full(len(c), 0.5))}

    class Bad(ToyModel):
        def grad_relaxations(self, workload):
            return {"site_keep": (lambda k: Wrong.apply(k) if hasattr(k, "requires_grad") else 2.0 * k,
                                  np.full(3, 0.5))}

    w = _cnn()
    check_gradients(Good(), w, 0)
    with pytest.raises(AssertionError, match="site_keep"):
        check_gradients(Bad(), w, 0)
