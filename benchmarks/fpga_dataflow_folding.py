"""Speed of the ``fpga-dataflow`` folding search (issue 21: ResNet-18 on one board in <= 10 s on one core).

Usage: ``python benchmarks/fpga_dataflow_folding.py [--targets 400] [--board u50]``. The search is a
vectorised sweep of ``target_cycles`` (log-spaced) through FINN's ``SetFolding`` rule for every
layer of ResNet-18 (ImageNet, W1A2 by default); it prints the CPU time, the number of folding points and the
best feasible point. Not a test: timings go here, not into ``tests/``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--targets", type=int, default=400)
    ap.add_argument("--board", default="u50")
    ap.add_argument("--workload", default="resnet18-imagenet")
    ap.add_argument("--wbits", type=int, default=1)
    ap.add_argument("--abits", type=int, default=2)
    args = ap.parse_args(argv)

    import workloads
    from costmodels.fpga.dataflow import DataflowModel

    wl = workloads.load(args.workload)
    targets = np.unique(np.round(np.geomspace(64, 1e8, args.targets))).astype(int)
    design = {"board": [args.board] * len(targets), "target_cycles": targets.tolist(),
              "wbits": [args.wbits] * len(targets), "abits": [args.abits] * len(targets), "mult": ["lut"] * len(targets)}
    t0 = time.process_time()
    m = DataflowModel().evaluate(wl, design).numpy()
    cpu = time.process_time() - t0
    thr = np.where(m.feasible, m.totals["throughput_per_s"], -np.inf)
    best = int(np.argmax(thr))
    print(f"{args.workload} on {args.board}: {len(targets)} folding targets in {cpu:.2f} s CPU (target <= 10 s)")
    if np.isfinite(thr[best]):
        print(f"best feasible: target {targets[best]} cycles, {thr[best]:,.0f} frames/s, "
              f"{m.totals['lut'][best]:,.0f} LUT, {m.totals['bram36'][best]:,.0f} BRAM36")
    else:
        print(f"no feasible folding on this board ({m.reason_of(0)})")


if __name__ == "__main__":
    main()
