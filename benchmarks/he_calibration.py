"""Held-out accuracy of a live SEAL calibration on this machine, repeated to show its spread.

Run: python benchmarks/he_calibration.py [--runs 3] [--grid quick|small|full] [--trace]. Each run
calibrates in this process (:func:`costmodels.he.calibrate.calibrate`): every op over the grid,
timed in interleaved rounds (each row keeps its fastest sample, on this thread's CPU clock), a fit
of the per-op constants, and a prediction of the held-out operation mixes. Grids: ``quick`` (what
``dse calibrate he --quick`` runs), ``small`` (N = 2^13 at 1, 2, 4 limbs, held out at 3: the grid
of claim he-tenseal-live) and ``full``. Prints per run the wall time and the max and median
|error| over the held-out mixes (issue 17's criterion: 20 %), then the worst run. ``--trace`` also
runs claim he_search-tenseal-trace ``--runs`` times (Orion's MLP trace predicted by a calibration
timed in the same rounds).

A live timing is a property of the host at the time, so this is a benchmark, not a test: on a
2-vCPU VM a busy sibling thread slows SEAL 1.5x in bursts of 1-2 s. The tests check what a live
run produces (rows, profile, error column); the 20 % criterion is held on the shipped profile's
recorded calibration (``tests/he/test_calibrate.py``).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

SMALL = {8192: (4, (1, 2, 4), (3,))}


def main() -> int:
    from costmodels.he.calibrate import GRIDS, calibrate

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=3, help="calibrations to run back to back")
    ap.add_argument("--grid", choices=("quick", "small", "full"), default="quick")
    ap.add_argument("--trace", action="store_true", help="also the he_search trace claim, --runs times")
    args = ap.parse_args()
    grid = SMALL if args.grid == "small" else GRIDS[args.grid]
    reps = 7 if args.grid == "small" else None
    worst = 0.0
    print("| run | grid | wall s | held-out mixes | max abs error | median abs error |")
    print("|---|---|---|---|---|---|")
    for run in range(1, args.runs + 1):
        t0 = time.perf_counter()
        _, rec = calibrate(quick=args.grid == "quick", grid=grid, reps=reps)
        errs = np.abs([r["rel_err"] for r in rec["holdout"]])
        worst = max(worst, float(errs.max()))
        print(f"| {run} | {args.grid} | {time.perf_counter() - t0:.1f} | {len(errs)} | "
              f"{100 * errs.max():.1f} % | {100 * np.median(errs):.1f} % |")
    print(f"worst max |error| over {args.runs} runs: {100 * worst:.1f} % (criterion 20 %)")
    if args.trace:
        from costmodels.he_search.claims import trace_error_same_host

        errs = [trace_error_same_host() for _ in range(args.runs)]
        print("he_search-tenseal-trace, predicted / measured - 1: "
              + ", ".join(f"{100 * e:+.1f} %" for e in errs) + " (tolerance 20 %)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
