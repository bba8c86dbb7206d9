"""Throughput of the crossbar family: cost-model design points per second and Monte Carlo draws
per second (numpy, vectorised over draws). Prints numbers; no assertions.

    python benchmarks/cim_throughput.py
"""

from __future__ import annotations

import time

import numpy as np

import workloads
from costmodels.cim import CrossbarModel
from costmodels.cim.experiment import make_net, make_sampler
from costmodels.cim.montecarlo import mc_accuracy


def main() -> None:
    model = CrossbarModel()
    w = workloads.load("resnet18-cifar")
    for n in (1, 1_000, 100_000):
        d = model.space.sample(n, seed=0)
        model.evaluate(w, d)  # warm the mapping memo
        t = time.perf_counter()
        model.evaluate(w, d)
        dt = time.perf_counter() - t
        print(f"cost model resnet18-cifar  N={n:>7}: {dt * 1e3:8.1f} ms  ({n / dt:,.0f} points/s)")
    rng = np.random.default_rng(0)
    for arch, shape in (("mlp", (539, 64)), ("cnn", (539, 1, 8, 8))):
        net = make_net(arch)
        x, y = rng.random(shape), rng.integers(0, 10, shape[0])
        t = time.perf_counter()
        mc_accuracy(net, x, y, make_sampler("gaussian", sigma=0.1), 500)
        dt = time.perf_counter() - t
        print(f"Monte Carlo {arch} (539 images): {500 / dt:,.0f} draws/s")


if __name__ == "__main__":
    main()
