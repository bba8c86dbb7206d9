"""Search-engine speed (issue 2 targets): sweep points/s per core and Optuna per-trial overhead.

Usage: ``OMP_NUM_THREADS=1 python benchmarks/bench_search.py [--points 2000000] [--trials 2000]``

1. **Sweep**: :class:`solvers.SweepSolver` over a grid of ``asic-systolic`` (falls back to the toy
   model of ``tests/dse/toy_model.py`` when asic-systolic is not installed) on ``resnet18-cifar``
   (21 GEMM layers), two objectives (latency, area), bounded-memory mode (running Pareto set).
   Rates use process CPU time, so they are per core. Also prints the bare ``model.evaluate`` rate
   on the same points, to show the sweep machinery's share (grid decoding, Pareto merge).
   Target: >= 1e6 design points/s/core.
2. **Optuna batch loop**: :class:`solvers.OptunaSolver` with a trivial sampler (every suggest
   returns the distribution's lower bound / first choice, so the sampler costs ~nothing) and
   in-memory storage. Engine overhead per trial = (worker wall time - time inside evaluate) /
   trials: Optuna's ask/tell bookkeeping + our design assembly, constraint and value hand-over.
   Target: < 2 ms per trial. For reference it also times the same loop on a SQLite file (the
   default storage), whose cost is Optuna's RDB writes, not the engine's.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import optuna  # noqa: E402
from optuna.distributions import CategoricalDistribution  # noqa: E402

import dse  # noqa: E402
import workloads  # noqa: E402
from dse.errors import DseError  # noqa: E402
from solvers import Objective, Problem  # noqa: E402
from solvers.optuna_search import OptunaSolver  # noqa: E402
from solvers.sweep import SweepSolver  # noqa: E402


class TrivialSampler(optuna.samplers.BaseSampler):
    """Returns the lowest value / first choice: sampling cost ~0, so what remains is the engine's."""

    def infer_relative_search_space(self, study, trial):
        return {}

    def sample_relative(self, study, trial, search_space):
        return {}

    def sample_independent(self, study, trial, param_name, param_distribution):
        if isinstance(param_distribution, CategoricalDistribution):
            return param_distribution.choices[0]
        return param_distribution.low


def asic_or_toy():
    try:
        return dse.get_model("asic-systolic"), "asic-systolic"
    except DseError as exc:
        from tests.dse.toy_model import ToyModel

        print(f"(asic-systolic unavailable: {exc}; using the toy model)")
        return ToyModel(), "toy"


def sweep_space(model, points: int):
    """Restrict the model's space to a grid of about ``points`` points."""
    if model.name == "toy":
        per_clock = 11 * 2 * 8
        return model.space, {"clock": max(1, points // per_clock)}
    space = model.space.restrict({"ifmap_sram": [65536], "filter_sram": [65536], "ofmap_sram": [65536],
                                  "bits": [8], "weight_sparsity": [0.0], "act_sparsity": [0.0],
                                  "sparse_pe": ["dense"], "dram_bw": [10e9]})
    base = len(space["rows"].grid(16)) * len(space["cols"].grid(16)) * 3
    return space, {"rows": 16, "cols": 16, "clock": max(1, points // base)}


def bench_sweep(points: int, chunk: int) -> dict:
    model, name = asic_or_toy()
    w = workloads.load("resnet18-cifar")
    space, sizes = sweep_space(model, points)
    second = "area_m2" if name == "asic-systolic" else "energy_j"  # latency vs area: a real trade-off
    p = Problem(model, w, (Objective("latency_s"), Objective(second)), space=space)
    SweepSolver(grid_sizes=sizes, chunk=chunk, keep="pareto").solve(
        Problem(model, w, p.objectives, space=space.restrict({"clock": [2e8]})))  # warm-up: compile workload
    c0, t0 = time.process_time(), time.perf_counter()
    r = SweepSolver(grid_sizes=sizes, chunk=chunk, keep="pareto").solve(p)
    cpu, wall = time.process_time() - c0, time.perf_counter() - t0
    design = space.grid_design(0, min(r.n_evals, chunk), sizes)
    rates = {}
    for per_layer in (False, True):  # the sweep asks for totals only; a full Metrics adds (n, L) arrays
        c1 = time.process_time()
        reps = 0
        while time.process_time() - c1 < 1.0:
            model.evaluate(w, design, layers=per_layer)
            reps += 1
        rates[per_layer] = reps * design.n / (time.process_time() - c1)
    return {"model": name, "layers": _gemm_layers(w), "points": r.n_evals, "cpu_s": cpu, "wall_s": wall,
            "rate": r.n_evals / cpu, "eval_rate": rates[False], "eval_rate_layers": rates[True],
            "front": r.info["front_size"]}


def _gemm_layers(w) -> int:
    return sum(1 for layer in w.layers if layer.kind in ("conv2d", "linear", "matmul"))


def bench_optuna(trials: int, batch: int, storage_dir: str | None) -> dict:
    from tests.dse.toy_model import ToyModel

    model = ToyModel()
    p = Problem(model, workloads.load("resnet18-cifar"), (Objective("latency_s"), Objective("energy_j")))
    solver = OptunaSolver(n_trials=trials, batch_size=batch, sampler=TrivialSampler())
    r = solver.solve(p, out_dir=storage_dir)
    s = r.info["worker_stats"][0]
    overhead = (s["wall_s"] - s["evaluate_s"]) / s["n_evaluated"]
    return {"trials": s["n_evaluated"], "overhead_ms": overhead * 1e3, "ask_ms": s["ask_s"] / trials * 1e3,
            "tell_ms": s["tell_s"] / trials * 1e3, "book_ms": s["bookkeeping_s"] / trials * 1e3,
            "eval_ms": s["evaluate_s"] / trials * 1e3}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--points", type=int, default=2_000_000, help="sweep grid size (about)")
    ap.add_argument("--chunk", type=int, default=32768)
    ap.add_argument("--trials", type=int, default=2000, help="Optuna trials (in-memory storage)")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--sqlite-trials", type=int, default=200, help="trials on the SQLite file (0 = skip)")
    args = ap.parse_args(argv)
    if os.environ.get("OMP_NUM_THREADS") != "1":
        print("(tip: OMP_NUM_THREADS=1 for a per-core number)")

    s = bench_sweep(args.points, args.chunk)
    print(f"sweep   {s['model']} on resnet18-cifar ({s['layers']} GEMM layers), {s['points']:,} grid points, "
          f"chunk {args.chunk}: {s['cpu_s']:.2f} s CPU ({s['wall_s']:.2f} s wall) -> {s['rate']:,.0f} points/s/core "
          f"[target >= 1,000,000]; bare evaluate {s['eval_rate']:,.0f} points/s/core totals only ({s['eval_rate_layers']:,.0f} with per-layer arrays); front {s['front']} points")

    o = bench_optuna(args.trials, args.batch, None)
    print(f"optuna  in-memory, trivial sampler, batch {args.batch}, {o['trials']} trials: engine overhead "
          f"{o['overhead_ms']:.3f} ms/trial [target < 2 ms] (ask {o['ask_ms']:.3f}, tell {o['tell_ms']:.3f}, "
          f"bookkeeping {o['book_ms']:.3f}; evaluate {o['eval_ms']:.3f} ms/trial)")
    if args.sqlite_trials:
        with tempfile.TemporaryDirectory() as d:
            q = bench_optuna(args.sqlite_trials, args.batch, d)
        print(f"optuna  SQLite file (default storage), same loop, {q['trials']} trials: {q['overhead_ms']:.2f} ms/trial "
              f"(Optuna RDB writes: ask {q['ask_ms']:.2f}, tell {q['tell_ms']:.2f}, leases/budget {q['book_ms']:.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
