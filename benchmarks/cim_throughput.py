"""Throughput of the crossbar family: cost-model design points per second, Monte Carlo draws per
second (numpy, vectorised over draws) with the exact product and through the functional crossbar
(``CrossbarSim``: bit-serial inputs, weight slices, ADC per partial sum, IR drop), and the
crossbar's cost relative to a plain forward pass. Prints numbers; no assertions.

    python benchmarks/cim_throughput.py
"""

from __future__ import annotations

import time
from typing import Any

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
    for arch, shape in (("mlp", (539, 64)), ("cnn", (539, 1, 8, 8)), ("resnet", (539, 1, 8, 8))):
        net = make_net(arch)
        x, y = rng.random(shape), rng.integers(0, 10, shape[0])
        t = time.perf_counter()
        mc_accuracy(net, x, y, make_sampler("gaussian", sigma=0.1), 500)
        dt = time.perf_counter() - t
        print(f"Monte Carlo {arch} (539 images): {500 / dt:,.0f} draws/s")
    crossbar_costs()


def crossbar_costs(images: int = 539, draws: int = 20) -> None:
    """Draws/s through the crossbar and its cost vs the exact product, for three knob settings."""
    from costmodels.cim.codesign import calibrate, crossbar_for

    rng = np.random.default_rng(0)
    net = make_net("cnn")
    x, y = rng.random((images, 1, 8, 8)), rng.integers(0, 10, images)
    sampler = make_sampler("gaussian", sigma=0.1)
    def best(fn: Any, n: int, reps: int = 3) -> float:
        """Seconds per draw, best of ``reps`` runs (the 2 cores are shared: the minimum is the least loaded)."""
        times = []
        for _ in range(reps):
            t = time.perf_counter()
            fn()
            times.append((time.perf_counter() - t) / n)
        return min(times)

    plain = best(lambda: mc_accuracy(net, x, y, sampler, 100, chunk=50), 100)
    print(f"Monte Carlo cnn exact product: {1 / plain:,.1f} draws/s -> 1000 draws in {1000 * plain:.1f} s")
    for label, point in (("default knobs (8-bit inputs, 1-bit DAC, 2-bit cells, 6-bit ADC)", {}),
                         ("2-bit DAC, 4-bit cells", {"dac_bits": 2, "cell_bits": 4}),
                         ("8-bit DAC, 8-bit cells (one step, one slice)", {"dac_bits": 8, "cell_bits": 8})):
        sims = calibrate(net, x[:100], crossbar_for(point))
        per = best(lambda sims=sims: mc_accuracy(net, x, y, sampler, draws, chunk=10, crossbar=sims), draws)
        s = sims[0]
        print(f"Monte Carlo cnn crossbar, {label}: {1 / per:,.2f} draws/s, {per / plain:.1f}x the exact product "
              f"({s.steps} steps x {s.slices} slices = {s.steps * s.slices} products per layer); "
              f"1000 draws in {1000 * per:.0f} s")


if __name__ == "__main__":
    main()
