"""Linearisation (ReLU -> identity) as a per-site option: pricing read from the MPC model, the
three-way gate kernel, gradients through the penalty, and gate binding with replacements."""

from __future__ import annotations

import itertools
from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest

from costmodels.mpc.training import mpc_costs
from dse import kernels, models
from dse.errors import DseInputError
from dse.kernels import builtin
from dse.training import LatencyPenalty, SiteCosts, cheapest_replacement, with_identity
from workloads.graph import WorkloadBuilder

DESIGNS = [("crypten", "shared"), ("cryptflow2", "public"), ("delphi", "public")]


def _cnn():
    b = WorkloadBuilder("t-cnn", (1, 8, 8))
    x = b.maxpool(b.relu(b.conv2d(b.input, 8, 3, padding=1, bias=True)), 2)
    x = b.maxpool(b.relu(b.conv2d(x, 16, 3, padding=1, bias=True)), 2)
    x = b.relu(b.linear(b.flatten(x), 32))
    b.linear(x, 10)
    return b.build()


def _rewrite(w, choice: dict):
    change = {"identity": {"fn": "identity"}, "poly": {"fn": "poly", "degree": 2}, "avg": {"mode": "avg"}}
    layers = tuple(replace(l, **change[choice[l.name]]) if choice.get(l.name) in change else l for l in w.layers)
    return type(w)(w.name, w.input_shape, layers, w.meta, w.kind)


def _mpc(w, protocol, weights):
    return models.get("mpc")().evaluate(w, {"protocol": [protocol], "weights": [weights], "network": ["wan"],
                                            "relu_keep": [1.0]}).numpy()


@pytest.mark.parametrize("protocol,weights", DESIGNS)
def test_identity_option_is_priced_by_the_mpc_model(protocol, weights):
    """The identity column is the registered mpc model's per-layer latency of a site rewritten to
    `fn="identity"`: zero, except under CrypTFlow2, whose linear layers' scale-down moves into the
    following site (then an identity site pays that truncation alone, costmodels/mpc/lowering.py
    `fused_truncation`); every hard assignment of relu/poly/identity x max/avg equals the model on
    the rewritten workload (expected and exact modes)."""
    w = _cnn()
    c = mpc_costs(w, protocol=protocol, weights=weights, network="wan", pools=True, linearise=True)
    acts = [s for s, k in enumerate(c.kinds) if k == "activation"]
    assert all(c.options[s] == ("relu", "poly", "identity") for s in acts)
    b = WorkloadBuilder("id", (1, 8, 8))
    b.act(b.conv2d(b.input, 8, 3, padding=1, bias=True), "identity")
    ident = _mpc(b.build(), protocol, weights)
    if protocol == "cryptflow2":  # the deferred truncation: bytes / BW + rounds x RTT + compute
        assert np.all(c.latency_s[acts, 2] > 0) and float(ident.layers["rounds"][0][1]) > 0
    else:
        np.testing.assert_allclose(c.latency_s[acts, 2], 0.0, atol=0)
        assert float(ident.layers["latency_s"][0][1]) == 0.0 and float(ident.layers["rounds"][0][1]) == 0.0
    rng = np.random.default_rng(0)
    space = list(itertools.product(*[range(len(o)) for o in c.options]))
    for a in [space[-1]] + [space[i] for i in rng.choice(len(space), 12, replace=False)]:
        choice = {c.names[s]: c.options[s][k] for s, k in enumerate(a)}
        want = float(_mpc(_rewrite(w, choice), protocol, weights).totals["latency_s"][0])
        for mode in ("expected", "exact"):
            assert float(c.latency(c.onehot(a), mode=mode)) == pytest.approx(want, rel=1e-12), (a, mode)


class PricedIdentity:
    """The mpc model, but an identity activation costs `extra_s` seconds and `rounds` rounds
    (`shift_others` also moves every other layer: a model that disagrees with the table)."""

    name = "mpc-priced-identity"

    def __init__(self, extra_s=0.0, rounds=0.0, shift_others=0.0):
        self.inner, self.extra_s, self.rounds, self.shift = models.get("mpc")(), extra_s, rounds, shift_others

    def evaluate(self, w, design):
        m = self.inner.evaluate(w, design).numpy()
        ident = np.asarray([l.kind == "activation" and getattr(l, "fn", "") == "identity" for l in w.layers], float)
        lat = m.layers["latency_s"] + self.extra_s * ident + self.shift * (1 - ident)
        layers = {"latency_s": lat, "rounds": m.layers["rounds"] + self.rounds * ident}
        out = SimpleNamespace(feasible=m.feasible, reason_of=m.reason_of, layers=layers,
                              totals={"latency_s": lat.sum(axis=1)})
        return SimpleNamespace(numpy=lambda: out)


def test_identity_price_comes_from_the_model_not_a_constant():
    """A model that charges 10 rounds + 5 ms per identity site: the column, the bytes/rounds split
    and the shared-rounds rule of a partially kept site follow it; a model that prices the other
    layers differently is rejected."""
    w = _cnn()
    base = mpc_costs(w, protocol="crypten", network="wan")
    rtt = base.info["rtt_s"]
    extra = 10 * rtt + 0.005
    c = with_identity(base, PricedIdentity(extra, 10), w, {"protocol": "crypten", "weights": "shared",
                                                         "network": "wan", "relu_keep": 1.0})
    np.testing.assert_allclose(c.latency_s[:, 2], extra, rtol=1e-12)
    np.testing.assert_allclose(c.mixed.rounds_s[:, 2], 10 * rtt, rtol=1e-12)
    np.testing.assert_allclose(c.mixed.linear_s[:, 2], 0.005, rtol=1e-9)
    k = 0.3  # 30 % ReLU, 70 % identity: bytes linear, rounds = max of the two batches
    P = np.zeros((len(c), 3))
    P[:, 0], P[:, 2] = k, 1 - k
    m = c.mixed
    want = c.base_s + np.sum(k * m.linear_relu_s + (1 - k) * 0.005 + np.maximum(m.rounds_relu_s, 10 * rtt))
    assert float(c.latency(P, mode="exact")) == pytest.approx(want, rel=1e-12)
    assert float(LatencyPenalty(c, normalize=False, mode="exact")(P)) == pytest.approx(want, rel=1e-12)
    with pytest.raises(DseInputError, match="prices the other layers"):
        with_identity(base, PricedIdentity(shift_others=1e-3), w, {"protocol": "crypten", "weights": "shared",
                                                                   "network": "wan", "relu_keep": 1.0})


def test_cheapest_replacement_follows_the_table():
    """Identity is free in the mpc profiles; a table where the polynomial is cheaper picks it."""
    c = mpc_costs(_cnn(), protocol="cryptflow2", weights="public", network="wan", pools=True, linearise=True)
    assert cheapest_replacement(c) == tuple("identity" if k == "activation" else None for k in c.kinds)
    lat = np.array([[1.0, 0.1, 0.2], [1.0, 0.3, 0.2]])
    t = SiteCosts(("a", "b"), (("relu", "poly", "identity"),) * 2, lat, 0.0, np.ones(2), ("activation",) * 2,
                  np.arange(2))
    assert cheapest_replacement(t) == ("poly", "identity")


def test_three_way_gate_kernel_matches_direct_computation():
    x = np.linspace(-3, 3, 13)
    alpha, coeffs = np.array([0.2, -0.4, 0.7]), (0.1, 0.9, 0.05)
    p = np.exp(alpha / 0.5) / np.exp(alpha / 0.5).sum()
    direct = p[0] * np.where(x > 0, x, 0.0) + p[1] * (coeffs[0] + coeffs[1] * x + coeffs[2] * x * x) + p[2] * x
    spec = kernels.get("gate-softmax")
    np.testing.assert_allclose(spec.numpy(x, alpha=alpha, coeffs=coeffs, temperature=0.5), direct, rtol=1e-14)
    np.testing.assert_array_equal(spec.numpy(x, alpha=alpha, coeffs=coeffs, hard=True), x)  # arg-max: identity
    np.testing.assert_array_equal(kernels.get("identity").numpy(x), x)
    m = np.array([1.0, 0.0, 1.0, 0.0] * 3 + [1.0])
    got = builtin.gate_ste(x, aux=np.where(m > 0, 1.0, -1.0), mask=np.ones_like(x), replacement="identity")
    np.testing.assert_array_equal(got, m * np.maximum(x, 0) + (1 - m) * x)
    with pytest.raises(DseInputError, match="logits"):
        spec.numpy(x, alpha=np.zeros(4))


torch = pytest.importorskip("torch", reason="torch not installed: three-way gate modules and gradients")


def test_three_way_gate_torch_and_module_match_numpy():
    from torch import nn

    x = torch.linspace(-3, 3, 13, dtype=torch.float64)
    alpha = torch.tensor([0.2, -0.4, 0.7], dtype=torch.float64)
    got = builtin.torch_gate_softmax(x, alpha=alpha, coeffs=(0.1, 0.9, 0.05))
    np.testing.assert_allclose(got.numpy(), builtin.gate_softmax(x.numpy(), alpha=alpha.numpy(),
                                                                  coeffs=(0.1, 0.9, 0.05)), rtol=1e-14)
    g = kernels.get("gate-softmax").module(options=("relu", "poly", "identity"), alpha=[0.2, -0.4, 0.7]).double()
    assert isinstance(g.branches[2], nn.Identity) and g.probs().shape == (3,)
    w = g.branches[1].coefficients().detach().numpy()[:, 0]
    a = g.alpha.detach().numpy()  # float32-rounded at construction
    np.testing.assert_allclose(g(x).detach().numpy(), builtin.gate_softmax(x.numpy(), alpha=a, coeffs=tuple(w)),
                               rtol=1e-12)
    g.freeze()
    assert g.choice() == "identity" and torch.equal(g(x), x)


@pytest.mark.parametrize("protocol,weights", [("crypten", "shared"), ("cryptflow2", "public")])
@pytest.mark.parametrize("mode", ["expected", "smooth"])
def test_three_way_penalty_gradient_matches_finite_differences(protocol, weights, mode):
    """d penalty / d gate logits (softmax over each site's options: 3 for ReLU sites, 2 for pools):
    autograd == central differences; in expected mode also == the closed form
    w / T_ref * p_sj (L_sj - sum_k p_sk L_sk)."""
    from dse.testing import check_array_gradients
    from dse.xp import namespace

    c = mpc_costs(_cnn(), protocol=protocol, weights=weights, network="wan", pools=True, linearise=True)
    valid = np.asarray([[j < len(o) for j in range(c.n_options)] for o in c.options], dtype=np.float64)
    pen = LatencyPenalty(c, weight=3.0, mode=mode)

    def probs(a):
        xp = namespace(a)
        e = xp.exp(a) * (xp.asarray(valid) if not hasattr(a, "requires_grad") else torch.as_tensor(valid))
        return e / xp.sum(e, axis=1, keepdims=True)

    a0 = np.random.default_rng(1).uniform(-0.5, 0.5, c.latency_s.shape)
    g = check_array_gradients(lambda a: pen(probs(a)), a0, name=f"{protocol}/{mode}")
    assert np.all(np.abs(g[valid > 0]) > 0) and np.all(g[valid == 0] == 0)
    if mode == "expected":
        p = probs(a0)
        L = c.latency_s
        closed = 3.0 / c.reference_s * p * (L - np.sum(p * L, axis=1, keepdims=True))
        np.testing.assert_allclose(g, closed, rtol=1e-9, atol=1e-15)


def _net():
    from torch import nn

    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(8, 16, 3, padding=1),
                         nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))


def test_bind_gates_three_way_and_mask_replacements():
    from dse.training import bind_gates

    x = torch.randn(4, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    c = mpc_costs(_cnn(), protocol="cryptflow2", weights="public", network="wan", pools=True, linearise=True)
    gates = bind_gates(_net(), c, example_input=x)
    assert [len(g.probs()) for g in gates] == [3, 2, 3, 2, 3]
    pen = LatencyPenalty(c, gates)
    pen().backward()
    assert all(g.alpha.grad is not None and torch.all(g.alpha.grad != 0) for g in gates)
    # the penalty pushes every ReLU site away from the (dearer) polynomial towards the identity
    acts = [g for g, k in zip(gates, c.kinds) if k == "activation"]
    assert all(float(g.alpha.grad[1]) > 0 > float(g.alpha.grad[2]) for g in acts)

    with pytest.raises(DseInputError, match="cost table"):
        bind_gates(_net(), gate="gate-ste", example_input=x, replacement="cheapest")
    # with the table, mask gates drop to the cheapest option of each site: the identity today
    net = _net()
    gates = bind_gates(net, c, gate="gate-ste", example_input=x)
    masks = [g for g in gates if hasattr(g, "mask")]
    assert [g.replacement for g in masks] == ["identity"] * 3
    np.testing.assert_array_equal(masks[0].probs().detach().numpy(), [1.0, 0.0, 0.0])
    for g in masks:
        g.mask.zero_()
    gates.freeze()  # pools: arg-max of equal logits = max
    assert gates.choices() == ["identity", "max", "identity", "max", "identity"]
    lin = _net()
    for i in (1, 4, 8):
        lin[i] = torch.nn.Identity()
    assert torch.equal(net.eval()(x), lin.eval()(x))  # the linearised network, exactly
    P = c.probs([g.probs().detach().double() for g in gates])[1]
    assert float(c.latency(P, mode="exact")) == pytest.approx(float(c.latency(c.onehot([2, 0, 2, 0, 2]))), rel=1e-12)
    poly = bind_gates(_net(), c, gate="gate-ste", example_input=x, replacement="poly")
    assert [g.replacement for g in poly if hasattr(g, "mask")] == ["poly"] * 3
    with pytest.raises(DseInputError, match="non-ReLU options"):
        bind_gates(_net(), mpc_costs(_cnn(), network="wan", pools=True), gate="gate-ste", example_input=x,
                   replacement="identity")
