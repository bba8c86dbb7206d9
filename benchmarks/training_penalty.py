"""Overhead of the latency-in-loss hooks per training step (CPU, one thread).

Prints: LatencyPenalty forward+backward time per call (expected and ste modes) for the
digits-cnn site table under CrypTen/WAN, and one training step of the digits CNN with and
without gates + penalty. Run: ``python benchmarks/training_penalty.py``.
"""

from __future__ import annotations

import time

import torch
from torch import nn

import workloads
from costmodels.mpc.training import mpc_costs
from dse.training import LatencyPenalty, bind_gates


def _net():
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
        nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(256, 128), nn.BatchNorm1d(128), nn.ReLU(), nn.Linear(128, 10))


def _time(fn, n=200):
    fn()
    t = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t) / n


def main() -> None:
    torch.set_num_threads(1)
    costs = mpc_costs(workloads.load("digits-cnn"), protocol="crypten", network="wan", pools=True)
    x, y = torch.randn(32, 1, 8, 8), torch.randint(0, 10, (32,))
    for mode in ("expected", "ste"):
        k = torch.full((len(costs),), 0.5, dtype=torch.float64, requires_grad=True)
        pen = LatencyPenalty(costs, mode=mode)
        print(f"penalty fwd+bwd ({mode}): {_time(lambda: pen(k).backward()) * 1e6:.0f} us")  # noqa: B023 (called at once)
    plain = _net()

    def step(net, extra=None):
        loss = nn.functional.cross_entropy(net(x), y) + (extra() if extra else 0.0)
        net.zero_grad(set_to_none=True)
        loss.backward()

    print(f"train step, plain CNN (batch 32): {_time(lambda: step(plain), 50) * 1e3:.2f} ms")
    gated = _net()
    gates = bind_gates(gated, costs, example_input=x[:4])
    pen = LatencyPenalty(costs, gates)
    print(f"train step, gated CNN + penalty: {_time(lambda: step(gated, pen), 50) * 1e3:.2f} ms")


if __name__ == "__main__":
    main()
