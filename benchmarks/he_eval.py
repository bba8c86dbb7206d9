"""Throughput of the CKKS model: design points per second (batched numpy evaluation).

Run: python benchmarks/he_eval.py [--points 2000,32768] [--repeat 5] [--workloads lenet5,...].
Prints points/s per workload,
batch size and mode: ``full`` (per-layer metrics too: ``whatif``, Optuna's batches) and ``totals``
(``evaluate(..., layers=False)``: the sweep's hot loop, which by default passes chunks of 32,768
points, :class:`solvers.sweep.Sweep` option ``chunk``; Optuna asks 16 trials per batch, where the
sampler, not the model, dominates). First call (includes lowering, memoised per packing variant, and numba's
compilation when its on-disk cache is cold) and warm calls; "CPU" is the best of ``--repeat`` warm
calls in process CPU time (less sensitive to other processes on a shared machine than wall time).
Designs are uniform random samples of the whole space (seeded). With numba installed the
placement runs compiled (:mod:`costmodels.he.fastplace`); without it, the array version runs.

Each batch also reports its number of distinct placement keys (:mod:`costmodels.he.dedup`: the
placement and bootstrap plan run once per key when at most half the points are distinct) and an
interleaved A/B of the totals call, ``direct`` (dedup off, the code before it) vs ``dedup``, best
of ``--repeat`` each. ``--grid`` adds the same for a chunk of the sweep's grid
(:class:`solvers.sweep.GridDecoder`, 3 values per integer knob, every ring degree and category;
the chunk in the middle of the grid), where the placement knobs vary fastest and the others repeat.

``--search`` (on by default; ``--no-search`` skips it) also times the CKKS config search
(:func:`costmodels.he_search.search.multi_fidelity_search`, seed 0, 64 proposals) on FHE-Agent's
AlexNet benchmark: process CPU time from the search's start (imports included) until the model evaluation that
returns its first feasible configuration (issue 17 target: < 10 s), and the whole search's CPU time.
"""

from __future__ import annotations

import argparse
import math
import time
from typing import Any

from costmodels.he import CkksModel, dedup, fastplace
from costmodels.he.model import _distinct_placement
from dse.space import Design
from workloads import load


def _cpu(model: CkksModel, w: object, design: Design, layers: bool) -> float:
    t0 = time.process_time()
    model.evaluate(w, design, layers=layers)
    return time.process_time() - t0


def distinct_placement_keys(model: CkksModel, w: object, design: Design) -> int:
    """Distinct placement keys of a batch (the model's own key, no threshold)."""
    import numpy as np

    k = model._knobs(design, np)
    net, vidx = model._variants(w, design, k, model._profile())
    pair = vidx * 128 + np.asarray(k["act_degree"]).astype(np.int64)  # as the model's (variant, act_degree) pair
    saved = dedup.MAX_FRACTION
    try:
        dedup.MAX_FRACTION = 1.0
        keys = _distinct_placement(model._profile(), k, design, pair)
    finally:
        dedup.MAX_FRACTION = saved
    return len(keys[0]) if keys is not None else design.n


def ab_totals(model: CkksModel, w: object, design: Design, repeat: int) -> dict[str, float]:
    """Best CPU seconds of the totals call with dedup off (``direct``) and on, interleaved."""
    saved, best = dedup.MAX_FRACTION, {"direct": math.inf, "dedup": math.inf}
    try:
        for _ in range(repeat):
            for name, frac in (("direct", 0.0), ("dedup", saved)):
                dedup.MAX_FRACTION = frac
                best[name] = min(best[name], _cpu(model, w, design, False))
    finally:
        dedup.MAX_FRACTION = saved
    return best


def grid_chunk(model: CkksModel, points: int) -> Design:
    """The middle chunk of ``points`` of the sweep's grid (3 values per integer knob)."""
    from dse.knobs import Int
    from solvers.sweep import GridDecoder

    sizes = {k.name: 3 for k in model.space.knobs if type(k) is Int}
    dec = GridDecoder(model.space, sizes)
    start = dec.size // 2 - points // 2
    return dec.chunk(start, start + points)


def search_first_feasible(key: str = "alexnet", n_trials: int = 64, seed: int = 0) -> dict[str, Any]:
    """CPU seconds of the config search on benchmark ``key`` until its first feasible configuration
    (measured at the evaluator call that returned it) and for the whole search, plus evaluation counts.
    The clock starts before the search modules (Optuna, pandas) are imported."""
    t0 = time.process_time()
    from costmodels.he_search.benchmarks import benchmark
    from costmodels.he_search.evaluate import Evaluator
    from costmodels.he_search.search import multi_fidelity_search

    bench = benchmark(key)
    calls: list[tuple[float, int, bool]] = []

    class Timed(Evaluator):
        def __call__(self, cfgs: Any, **kw: Any) -> Any:
            rows = super().__call__(cfgs, **kw)
            found = bool(len(rows)) and bool(rows["feasible"].astype(bool).any())
            calls.append((time.process_time() - t0, self.n_evals, found))
            return rows

    res = multi_fidelity_search(bench, n_trials=n_trials, seed=seed, evaluator=Timed(bench))
    whole = time.process_time() - t0
    first = next(((cpu, n) for cpu, n, found in calls if found), (math.inf, None))
    return {"first_feasible_cpu_s": first[0], "evals_at_first_feasible_call": first[1], "search_cpu_s": whole,
            "model_evals": res.n_model_evals, "best_latency_s": (res.best or {}).get("latency_s", math.nan)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--points", default="2000,32768", help="comma-separated batch sizes")
    ap.add_argument("--workloads", default="resnet20-cifar,stgcn3-256,lenet5", help="comma-separated workloads")
    ap.add_argument("--repeat", type=int, default=10, help="timed calls per measurement; the best is reported")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--search", action=argparse.BooleanOptionalAction, default=True,
                    help="also time the config search's first feasible AlexNet (default on)")
    ap.add_argument("--grid", action=argparse.BooleanOptionalAction, default=True,
                    help="also time a chunk of the sweep's grid (default on)")
    args = ap.parse_args(argv)
    model = CkksModel()
    print(f"compiled placement (numba): {'yes' if fastplace.available() else 'no'}")
    for name in args.workloads.split(","):
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
            ab = ab_totals(model, w, design, args.repeat)
            print(f"{name:16s} {points:6d} points sample: {distinct_placement_keys(model, w, design):,} distinct "
                  f"placement keys; totals A/B direct {points / ab['direct']:,.0f} / dedup "
                  f"{points / ab['dedup']:,.0f} points/s CPU")
        if args.grid:
            points = max(int(p) for p in args.points.split(","))
            design = grid_chunk(model, points)
            model.evaluate(w, design, layers=False)
            ab = ab_totals(model, w, design, args.repeat)
            print(f"{name:16s} {points:6d} points grid  : {distinct_placement_keys(model, w, design):,} distinct "
                  f"placement keys; totals A/B direct {points / ab['direct']:,.0f} / dedup "
                  f"{points / ab['dedup']:,.0f} points/s CPU")
    if args.search:
        r = search_first_feasible()
        print(f"config search, AlexNet: first feasible configuration after {r['first_feasible_cpu_s']:.2f} s CPU "
              f"(evaluator call ending at model evaluation {r['evals_at_first_feasible_call']}; target < 10 s); "
              f"whole search {r['search_cpu_s']:.2f} s CPU, {r['model_evals']} model evaluations, "
              f"best {r['best_latency_s']:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
