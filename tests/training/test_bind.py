"""bind_gates, gate modules, the training-loop adapters and the small training loop."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="torch not installed: gate binding needs torch")
from torch import nn  # noqa: E402

from costmodels.mpc.training import mpc_costs  # noqa: E402
from dse.errors import DseInputError, UnavailableError  # noqa: E402
from dse.kernels import builtin  # noqa: E402
from dse.training import LatencyHook, LatencyPenalty, ReluCountPenalty, bind_gates, lightning_callback  # noqa: E402
from dse.training.loop import accuracy, fit, fork_map  # noqa: E402
from workloads.graph import WorkloadBuilder  # noqa: E402


class Net(nn.Module):
    """Modules registered in the reverse of their execution order."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.a_last = nn.ReLU()
        self.pool = nn.MaxPool2d(2)
        self.b_first = nn.ReLU()
        self.conv1 = nn.Conv2d(1, 4, 3, padding=1)
        self.conv2 = nn.Conv2d(4, 8, 3, padding=1)
        self.mid = nn.ReLU()
        self.fc = nn.Linear(8 * 4 * 4, 10)

    def forward(self, x):
        x = self.b_first(self.conv1(x))
        x = self.pool(self.mid(self.conv2(x)))
        return self.a_last(self.fc(x.flatten(1)))


def _workload():
    b = WorkloadBuilder("net", (1, 8, 8))
    x = b.relu(b.conv2d(b.input, 4, 3, padding=1, bias=True))
    x = b.maxpool(b.relu(b.conv2d(x, 8, 3, padding=1, bias=True)), 2)
    b.relu(b.linear(b.flatten(x), 10))
    return b.build()


X = torch.randn(6, 1, 8, 8, generator=torch.Generator().manual_seed(1))


def test_sites_follow_execution_order_and_are_checked_against_the_workload():
    costs = mpc_costs(_workload(), protocol="crypten", network="wan", pools=True)
    net = Net()
    gates = bind_gates(net, costs, example_input=X)
    assert gates.paths == ("b_first", "mid", "pool", "a_last")
    assert gates.names == costs.names
    assert [g.options for g in gates] == [("relu", "poly"), ("relu", "poly"), ("max", "avg"), ("relu", "poly")]
    with torch.no_grad():
        y = net(X)
    assert y.shape == (6, 10)
    with pytest.raises(DseInputError, match="sites"):
        bind_gates(Net(), mpc_costs(_workload(), network="wan"), example_input=X, pools=True)  # no pool sites
    wrong = WorkloadBuilder("w", (1, 8, 8))
    x = wrong.relu(wrong.conv2d(wrong.input, 5, 3, padding=1))
    x = wrong.maxpool(wrong.relu(wrong.conv2d(x, 8, 3, padding=1)), 2)
    wrong.relu(wrong.linear(wrong.flatten(x), 10))
    with pytest.raises(DseInputError, match="elements"):
        bind_gates(Net(), mpc_costs(wrong.build(), network="wan", pools=True), example_input=X)


def test_shared_activation_module_is_rejected():
    act = nn.ReLU()
    net = nn.Sequential(nn.Linear(4, 4), act, nn.Linear(4, 4), act)
    with pytest.raises(DseInputError, match="more than once"):
        bind_gates(net, example_input=torch.randn(2, 4))


def test_softmax_gates_mix_branches_and_freeze_to_argmax():
    net = nn.Sequential(nn.Linear(4, 3), nn.ReLU())
    gates = bind_gates(net, example_input=torch.randn(2, 4))
    g = gates[0]
    x = torch.randn(5, 3, dtype=torch.float32)
    with torch.no_grad():
        g.alpha.copy_(torch.tensor([0.4, -0.3]))
        p = torch.softmax(g.alpha, 0)
        np.testing.assert_allclose(g(x).numpy(), (p[0] * torch.relu(x) + p[1] * (0.005 * x * x + x)).numpy(), rtol=1e-6)
        np.testing.assert_allclose(g(x).numpy(), builtin.gate_softmax(x.double().numpy(), alpha=[0.4, -0.3]), rtol=1e-5)
    gates.freeze()
    assert gates.choices() == ["relu"] and not g.alpha.requires_grad
    np.testing.assert_allclose(g(x).detach().numpy(), torch.relu(x).numpy())


def test_penalty_gradient_reaches_gate_parameters():
    costs = mpc_costs(_workload(), protocol="crypten", network="wan", pools=True)
    net = Net()
    gates = bind_gates(net, costs, example_input=X)
    pen = LatencyPenalty(costs, gates, weight=1.0)
    pen().backward()
    for g, name in zip(gates, costs.names):
        assert g.alpha.grad is not None and float(g.alpha.grad[0]) > 0, f"{name}: ReLU/max should be pushed down"
    assert set(pen.summary()) == {"latency_s", *(f"lat[{n}]" for n in costs.names)}


def test_mask_gates_hysteresis_relu_count_and_exact_latency():
    net = Net()
    gates = bind_gates(net, gate="gate-ste", example_input=X, seed=3)
    assert [tuple(g.mask.shape) for g in gates] == [(4, 8, 8), (8, 8, 8), (10,)]
    g = gates[0]
    x = torch.randn(2, 4, 8, 8)
    with torch.no_grad():
        g.aux.fill_(-1.0)
        g.aux[0].fill_(0.0005)  # within the hysteresis band: stays kept
    g.train()
    y = g(x)
    assert float(g.keep().detach()) == pytest.approx(0.25)
    ref = builtin.gate_ste(x.double().numpy(), aux=g.aux.detach().double().numpy(), mask=np.ones((4, 8, 8)),
                           coeffs=[0.0, 1.0, 0.005])
    np.testing.assert_allclose(y.detach().numpy(), ref, rtol=1e-5, atol=1e-6)
    count = ReluCountPenalty(gates, budget=0.1, weight=10.0)
    total = 4 * 64 + 8 * 64 + 10
    kept = 64 + 8 * 64 + 10
    assert float(count.density().detach()) == pytest.approx(kept / total)
    loss = count()
    assert float(loss.detach()) == pytest.approx(10.0 * (kept / total - 0.1))
    loss.backward()
    assert gates[1].aux.grad is not None and float(gates[1].aux.grad.min()) > 0
    costs = mpc_costs(_workload(), protocol="crypten", network="wan")
    probs = [gg.probs().double().detach() for gg in gates]
    lat = float(costs.latency(probs, mode="exact"))
    k = np.array([0.25, 1.0, 1.0])
    assert lat == pytest.approx(float(costs.latency(k, mode="exact")))
    with pytest.raises(DseInputError, match="example_input"):
        bind_gates(Net(), gate="gate-ste")


def test_latency_hook_and_lightning_adapter():
    costs = mpc_costs(_workload(), protocol="crypten", network="wan", pools=True)
    net = Net()
    gates = bind_gates(net, costs, example_input=X)
    hook = LatencyHook(LatencyPenalty(costs, gates, weight=0.1))
    task = torch.tensor(2.0)
    total = hook(task)
    assert float(total.detach()) == pytest.approx(2.0 + 0.1 * float(LatencyPenalty(costs, gates).latency().detach()) / costs.reference_s)
    row = hook.epoch_end(0)
    assert row["task_loss"] == 2.0 and row["latency_s"] > 0 and "lat[relu0]" in row
    try:
        import lightning  # noqa: F401
    except ImportError:
        try:
            import pytorch_lightning  # noqa: F401
        except ImportError:
            with pytest.raises(UnavailableError, match="lightning"):
                lightning_callback(hook.penalty)
            return
    assert lightning_callback(hook.penalty) is not None


def _job(seed):
    return {"seed": seed, "w": torch.full((3,), float(seed))}


def test_fit_is_deterministic_and_learns_and_fork_map_keeps_order():
    from sklearn.datasets import load_digits

    Xd, yd = load_digits(return_X_y=True)
    Xt, yt = torch.as_tensor(Xd[:600] / 16.0, dtype=torch.float32), torch.as_tensor(yd[:600])

    def train(seed):
        torch.manual_seed(0)
        net = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
        return fit(net, Xt, yt, epochs=3, lr=1e-2, seed=seed)

    a, b = train(1), train(1)
    for pa, pb in zip(a.parameters(), b.parameters()):
        assert torch.equal(pa, pb)
    assert accuracy(a, Xt, yt) > 0.8
    out = fork_map(_job, [3, 1, 2], workers=2)
    assert [o["seed"] for o in out] == [3, 1, 2] and torch.equal(out[0]["w"], torch.full((3,), 3.0))
