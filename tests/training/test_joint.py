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


def _bw_table(mbps, rtt=0.04):
    """Site costs of digits-cnn under CrypTen on a custom link (the study's builder)."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "studies"))
    import codesign_bw as B

    ctx = {"st": B.settings(True, rtt_s=rtt), "workload": workloads.load("digits-cnn"), "costs_by": {}}
    return B.bw_costs(ctx, mbps)


def test_inverse_knob_is_exact_between_the_bounds_and_its_gradient_matches():
    """InverseKnob's T(p, B) from tables at 10 and 10000 Mbit/s equals the mpc model's own table at 137 Mbit/s (rel 1e-9)
    for random gate probabilities; dT/dlogB equals -(T_hi - T_lo)/(1/B_hi - 1/B_lo)/B; price pushes B down."""
    from dse.training.joint import InverseKnob

    lo, hi, mid = _bw_table(10.0), _bw_table(10000.0), _bw_table(137.0)
    gates = _gates(lo, seed=3)
    knob = InverseKnob(lo, hi, gates, low=10.0, high=10000.0, init=137.0, weight=1.0, price=0.0, reference_s=1.0)
    p = [g.probs().double() for g in gates]
    assert float(knob.latency().detach()) == pytest.approx(float(mid.latency(p).detach()), rel=1e-9)
    knob().backward()
    t_lo, t_hi = float(lo.latency(p).detach()), float(hi.latency(p).detach())
    want = -(t_hi - t_lo) / (1 / 10000.0 - 1 / 10.0) / 137.0
    assert float(knob.theta.grad) == pytest.approx(want, rel=1e-9) and want < 0  # more bandwidth, less latency
    priced = InverseKnob(lo, hi, gates, low=10.0, high=10000.0, init=137.0, price=1e-3, reference_s=1.0)
    priced().backward()
    assert float(priced.theta.grad) == pytest.approx(want + 1e-3 * 137.0, rel=1e-9)


def test_inverse_knob_descent_reaches_the_grid_optimum_for_fixed_gates():
    """With the gates fixed, Adam on log B alone lands (after rounding) on the grid point that minimises T + price*B
    by enumeration, and stays inside the bounds."""
    from dse.training.joint import InverseKnob

    lo, hi = _bw_table(10.0), _bw_table(10000.0)
    gates = _gates(lo, seed=1)
    grid = [10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0, 5000.0, 10000.0]
    for price in (1e-3, 1e-5):
        knob = InverseKnob(lo, hi, gates, low=10.0, high=10000.0, price=price, reference_s=1.0)
        opt = torch.optim.Adam(knob.parameters(), lr=0.05)
        for _ in range(600):
            opt.zero_grad()
            knob().backward()
            opt.step()
        p = [g.probs().double() for g in gates]
        sweep = {b: float(knob.latency_at(p, torch.tensor(b, dtype=torch.float64)).detach()) + price * b for b in grid}
        assert knob.rounded(grid) == min(sweep, key=sweep.get)
        assert 10.0 <= float(knob.x()) <= 10000.0


def test_inverse_knob_bad_input():
    """Bounds out of order, a negative price or a start outside the bounds raise DseInputError."""
    from dse.training.joint import InverseKnob

    lo = _bw_table(10.0)
    with pytest.raises(DseInputError):
        InverseKnob(lo, lo, [], low=100.0, high=10.0)
    with pytest.raises(DseInputError):
        InverseKnob(lo, lo, [], low=10.0, high=100.0, price=-1.0)
    with pytest.raises(DseInputError):
        InverseKnob(lo, lo, [], low=10.0, high=100.0, init=1000.0)
