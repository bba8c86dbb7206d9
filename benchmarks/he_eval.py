"""Throughput of the CKKS model: design points per second (batched numpy evaluation).

Run: python benchmarks/he_eval.py [--points 2000,32768] [--repeat 5]. Prints points/s per workload,
batch size and mode: ``full`` (per-layer metrics too: ``whatif``, Optuna's batches) and ``totals``
(``evaluate(..., layers=False)``: the sweep's hot loop, which by default passes chunks of 32,768
points, :class:`solvers.sweep.Sweep` option ``chunk``; Optuna asks 16 trials per batch, where the
sampler, not the model, dominates). First call (includes lowering, memoised per packing variant, and numba's
compilation when its on-disk cache is cold) and warm calls; "CPU" is the best of ``--repeat`` warm
calls in process CPU time (less sensitive to other processes on a shared machine than wall time).
Designs are uniform random samples of the whole space (seeded). With numba installed the
placement runs compiled (:mod:`costmodels.he.fastplace`); without it, the array version runs.
"""

from __future__ import annotations

import argparse
import time

from costmodels.he import CkksModel, fastplace
from workloads import load


def _cpu(model: CkksModel, w: object, design: object, layers: bool) -> float:
    t0 = time.process_time()
    model.evaluate(w, design, layers=layers)
    return time.process_time() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--points", default="2000,32768", help="comma-separated batch sizes")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    model = CkksModel()
    print(f"compiled placement (numba): {'yes' if fastplace.available() else 'no'}")
    for name in ("resnet20-cifar", "stgcn3-256", "lenet5"):
        w = load(name)
        for points in (int(p) for p in args.points.split(",")):
            design = model.space.sample(points, args.seed)
            t0 = time.perf_counter()
            model.evaluate(w, design)
            first = time.perf_counter() - t0
            for mode, layers in (("full", True), ("totals", False)):
                t0 = time.perf_counter()
                m = model.evaluate(w, design, layers=layers).numpy()
                warm = time.perf_counter() - t0
                cpu = min(_cpu(model, w, design, layers) for _ in range(args.repeat))
                print(f"{name:16s} {points:6d} points {mode:6s}: first {first:.2f} s, warm {warm:.3f} s "
                      f"({points / warm:,.0f} points/s wall, {points / cpu:,.0f} points/s CPU, "
                      f"{m.feasible.mean():.0%} feasible)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
