"""dse.training.joint.DesignMixture: mixture latency, its gradients to the design logits and the gates, bad input."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import workloads  # noqa: E402
from costmodels.mpc.training import mpc_costs  # noqa: E402
from dse.errors import DseInputError  # noqa: E402
from dse.training.joint import DesignMixture  # noqa: E402


class _Gate:
    def __init__(self, logits):
        self.alpha = torch.nn.Parameter(torch.tensor(logits, dtype=torch.float64))

    def probs(self):
        return torch.softmax(self.alpha, 0)


@pytest.fixture(scope="module")
def tables():
    w = workloads.load("digits-cnn")
    return {p: mpc_costs(w, protocol=p, network="wan", pools=True, linearise=True,
                         weights="shared" if p == "crypten" else "public") for p in ("crypten", "cryptflow2")}


def _gates(c, seed=0):
    rng = np.random.default_rng(seed)
    return [_Gate(rng.normal(size=len(opts)).tolist()) for opts in c.options]


def test_mixture_value_and_closed_form_gradients(tables):
    """T = sum_d pi_d T_d; dL/dbeta_d = w/T_ref * pi_d (T_d - T) / temperature; gate gradient = sum_d pi_d dT_d/dalpha."""
    gates = _gates(tables["crypten"])
    mix = DesignMixture(tables, gates, weight=3.0, temperature=2.0, init={"crypten": 0.4})
    loss = mix()
    loss.backward()
    T = mix.latencies().detach().numpy()
    pi = mix.probs().detach().numpy()
    ref = min(float(c.reference_s) for c in tables.values())
    assert float(loss.detach()) == pytest.approx(3.0 * float(pi @ T) / ref, rel=1e-12)
    Tbar = float(pi @ T)
    assert mix.beta.grad.numpy() == pytest.approx(3.0 / ref * pi * (T - Tbar) / 2.0, rel=1e-9)
    # the gate gradient is the pi-weighted sum of each protocol's own gradient
    g_mix = [g.alpha.grad.clone() for g in gates]
    parts = []
    for d, name in enumerate(mix.names):
        for g in gates:
            g.alpha.grad = None
        (3.0 * float(pi[d]) * tables[name].latency([g.probs() for g in gates], mode="expected") / ref).backward()
        parts.append([g.alpha.grad.clone() for g in gates])
    for s in range(len(gates)):
        assert g_mix[s].numpy() == pytest.approx(sum(p[s] for p in parts).numpy(), rel=1e-9, abs=1e-15)


def test_choice_follows_the_cheapest_option_under_descent(tables):
    """Descending only on beta (gates fixed one-hot on all-identity/avg) ends on the protocol that is cheaper there."""
    c = tables["crypten"]
    gates = [_Gate([-30.0] * (len(o) - 1) + [30.0]) for o in c.options]
    mix = DesignMixture(tables, gates, weight=1.0)
    opt = torch.optim.SGD(mix.parameters(), lr=1.0)
    for _ in range(200):
        opt.zero_grad()
        mix().backward()
        opt.step()
    T = mix.latencies().detach().numpy()
    assert mix.choice() == mix.names[int(np.argmin(T))]


def test_bad_input(tables):
    """Fewer than two options, different sites or a temperature <= 0 raise DseInputError."""
    gates = _gates(tables["crypten"])
    with pytest.raises(DseInputError, match="two or more"):
        DesignMixture({"crypten": tables["crypten"]}, gates)
    with pytest.raises(DseInputError, match="temperature"):
        DesignMixture(tables, gates, temperature=0.0)
    w = workloads.load("digits-cnn")
    other = mpc_costs(w, protocol="crypten", network="wan", pools=False, linearise=True)
    with pytest.raises(DseInputError, match="same sites"):
        DesignMixture({"a": tables["crypten"], "b": other}, gates)
