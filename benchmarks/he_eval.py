"""Throughput of the CKKS model: design points per second (batched numpy evaluation).

Run: python benchmarks/he_eval.py [--points 2000]. Prints points/s per workload, first call
(includes lowering, memoised per packing variant) and warm calls; "CPU" is the best of 3 warm
calls in process CPU time (less sensitive to other processes on a shared machine than wall time).
"""

from __future__ import annotations

import argparse
import time

from costmodels.he import CkksModel
from workloads import load


def _cpu(model: CkksModel, w: object, design: object) -> float:
    t0 = time.process_time()
    model.evaluate(w, design)
    return time.process_time() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--points", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    model = CkksModel()
    for name in ("resnet20-cifar", "stgcn3-256", "lenet5"):
        w = load(name)
        design = model.space.sample(args.points, args.seed)
        t0 = time.perf_counter()
        model.evaluate(w, design)
        first = time.perf_counter() - t0
        t0 = time.perf_counter()
        m = model.evaluate(w, design).numpy()
        warm = time.perf_counter() - t0
        cpu = min(_cpu(model, w, design) for _ in range(3))
        print(f"{name:16s} {args.points} points: first {first:.2f} s, warm {warm:.2f} s "
              f"({args.points / warm:,.0f} points/s wall, {args.points / cpu:,.0f} points/s CPU, "
              f"{m.feasible.mean():.0%} feasible)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
