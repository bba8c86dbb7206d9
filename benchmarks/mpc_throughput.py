"""Speed of the MPC family: batched model evaluation, per-site tables, DES, the budget MILP.

Prints numbers only (no assertions): ``python benchmarks/mpc_throughput.py``.
"""

from __future__ import annotations

import numpy as np
from _timing import best_wall_s

import workloads
from costmodels.mpc import MpcModel, latency_table
from costmodels.mpc.des import layer_work, simulate_work
from costmodels.mpc.presets import network
from costmodels.mpc.relu_budget import allocate


def main() -> None:
    wl = workloads.load("resnet18-cifar")
    model = MpcModel()
    model.evaluate(wl, model.space.sample(8, 0))  # compile (memoised cost tensor)
    for n in (1_000, 100_000):
        d = model.space.sample(n, 0)
        t = best_wall_s(lambda d=d: model.evaluate(wl, d))
        print(f"evaluate resnet18-cifar, N={n:>7}: {t * 1e3:8.1f} ms  ({n / t:,.0f} points/s)")
    wl2 = workloads.load("resnet50-imagenet")
    print(f"compile resnet50-imagenet cost tensor: {best_wall_s(lambda: model.evaluate(workloads.load('resnet50-imagenet'), model.space.sample(1, 0)), 1):.2f} s")
    table = latency_table(wl, "crypten", 2, "public", "wan")
    keep = np.random.default_rng(0).uniform(size=(10_000, len(table)))
    print(f"site table latency, 10k keep vectors: {best_wall_s(lambda: table.latency(keep)) * 1e3:.2f} ms")
    work = layer_work(wl2, "crypten", 3, "shared", 0.5)
    print(f"DES resnet50-imagenet, 3 parties, overlap, 4 chunks: "
          f"{best_wall_s(lambda: simulate_work(work, network('wan'), parties=3, overlap=True, chunks=4), 1):.2f} s")
    print(f"budget MILP resnet18-cifar, channel granularity, 1 budget: "
          f"{best_wall_s(lambda: allocate(table, [12_900]), 1):.2f} s")


if __name__ == "__main__":
    main()
