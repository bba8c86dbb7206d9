"""Multi-fidelity CKKS configuration search (FHE-Agent's workflow without an LLM) and baselines.

Pipeline (:func:`multi_fidelity_search`):

1. **static** (:mod:`.static`): every proposal is checked in closed form; pruned proposals never
   reach the cost model and are told to the sampler as infeasible (Optuna trial constraints);
2. **analytic** (:mod:`.evaluate`): survivors of a batch are evaluated in one ``costmodels.he``
   call; Optuna's TPE sampler (batched ask/tell, constraint-aware) ranks by latency. The first
   batches are the deterministic rule-based seeds (:func:`.space.rule_seeds`);
3. **repair** (:mod:`.repair`): configurations a single layer makes infeasible get local fixes;
4. **measured** (:mod:`.measure`, optional): the top-k are re-timed with TenSEAL micro-runs.

Baselines: uniform random search and a nested grid over the same space (every point through the
cost model, no static stage), and Orion's shipped configuration (one evaluation). Every method
records a trajectory of model evaluations, so "evaluations to reach" a latency is comparable.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import optuna
import pandas as pd

from costmodels.he import get_profile

from .benchmarks import Benchmark, orion_config
from .evaluate import Evaluator, config_key
from .precision import activation_bits
from .space import SearchSpace, rule_seeds, suggest, trial_params
from .static import StaticChecker

__all__ = [
    "SearchResult",
    "Trajectory",
    "evals_to_reach",
    "grid_search",
    "multi_fidelity_search",
    "orion_baseline",
    "random_search",
]

_PENALTY = 1e6


@dataclass
class Trajectory:
    """Model evaluations in order: latency (inf when infeasible) and the best feasible so far."""

    latencies: list[float] = field(default_factory=list)

    def add(self, rows: pd.DataFrame) -> None:
        for lat, ok in zip(rows["latency_s"], rows["feasible"]):
            self.latencies.append(float(lat) if ok else math.inf)

    def best_so_far(self) -> np.ndarray:
        return np.minimum.accumulate(np.array(self.latencies)) if self.latencies else np.array([])

    def frame(self, method: str) -> pd.DataFrame:
        return pd.DataFrame({"method": method, "evaluation": np.arange(1, len(self.latencies) + 1),
                             "latency_s": self.latencies, "best_latency_s": self.best_so_far()})


@dataclass
class SearchResult:
    method: str
    best: dict[str, Any] | None
    table: pd.DataFrame
    trajectory: Trajectory
    n_model_evals: int
    n_proposals: int
    info: dict[str, Any] = field(default_factory=dict)


def evals_to_reach(traj: Trajectory, target_s: float, rel_tol: float = 0.05) -> int | None:
    """Model evaluations until the best feasible latency is within ``rel_tol`` of ``target_s``
    (``target_s = inf``: until the first feasible configuration)."""
    best = traj.best_so_far()
    hit = np.nonzero(np.isfinite(best) & (best <= target_s * (1.0 + rel_tol)))[0]
    return int(hit[0]) + 1 if len(hit) else None


def _best(table: pd.DataFrame, tie: float = 0.005) -> dict[str, Any] | None:
    """Lowest latency; among configurations within ``tie`` of it, most precision, then least memory."""
    feas = table[table["feasible"]] if len(table) else table
    if not len(feas):
        return None
    near = feas[feas["latency_s"] <= feas["latency_s"].min() * (1.0 + tie)]
    near = near.sort_values(["precision_bits", "memory_bytes"], ascending=[False, True])
    return near.iloc[0].to_dict()


def _starts(table: pd.DataFrame, n: int = 3) -> list[dict[str, Any]]:
    """Refinement starting points: the fastest feasible configuration of each ring degree (up to n)."""
    if not len(table) or not table["feasible"].any():
        return []
    feas = table[table["feasible"]].sort_values("latency_s")
    return [grp.iloc[0].to_dict() for _, grp in feas.groupby("N", sort=False)][:n]


def _orion_start(bench: Benchmark, space: SearchSpace, input_range: float) -> dict[str, Any]:
    """FHE-Agent's starting point: Orion's parameters, with the lowest activation degree that meets
    the precision target (the search space has one global degree, Orion's may exceed its range)."""
    prof = get_profile(bench.profile)
    cfg = orion_config(bench.orion).design(prof.keyswitch, prof.boot.depth)
    if bench.approximated:
        cfg["act_degree"] = next((d for d in range(space.degree[0], space.degree[1] + 1)
                                  if activation_bits(bench.activation, d, input_range) >= bench.precision_bits),
                                 space.degree[1])
    if space.hybrid:
        cfg["dnum"] = min(max(cfg["dnum"], space.dnum[0]), space.dnum[1])
    cfg["special_bits"] = min(cfg["special_bits"], space.bits[1])
    return cfg


def _violation(row: pd.Series) -> float:
    """Graded constraint for the sampler: 0 feasible, relative memory excess, 1 for model reasons."""
    if bool(row["feasible"]):
        return 0.0
    if str(row["reason"]).startswith("memory"):
        return float(min(max(row["memory_excess"], 1e-6), 1.0))
    return 2.0


def multi_fidelity_search(bench: Benchmark, *, n_trials: int = 200, batch_size: int = 16, seed: int = 0,
                          input_range: float = 8.0, repair: bool = True, refine_budget: int | None = None,
                          evaluator: Evaluator | None = None) -> SearchResult:
    """Stages 1-3 of the module docstring (with a local refinement, :mod:`.refine`, of the Optuna
    incumbent using up to ``refine_budget`` proposals, default ``n_trials``); stage 4 is
    :func:`.measure.measure_top_k`."""
    ev = evaluator or Evaluator(bench, input_range=input_range)
    space = SearchSpace.for_benchmark(bench)
    static = StaticChecker(bench.search_workload(), profile=bench.profile, target_bits=bench.precision_bits,
                           activation=bench.activation, input_range=input_range)
    sampler = optuna.samplers.TPESampler(seed=seed, multivariate=True, n_startup_trials=batch_size)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="minimize", sampler=sampler)
    for cfg in [_orion_start(bench, space, input_range)] + rule_seeds(bench, static, space, input_range):
        study.enqueue_trial(trial_params(cfg, space))
    traj, tables, pruned = Trajectory(), [], []
    seen: dict[tuple, pd.Series] = {}
    proposals = 0
    while proposals < n_trials:
        trials = [study.ask() for _ in range(min(batch_size, n_trials - proposals))]
        proposals += len(trials)
        cfgs = [suggest(t, space) for t in trials]
        st = static.check({k: np.array([c[k] for c in cfgs]) for k in ("N", "levels", "scale_bits", "first_bits",
                                                                       "special_bits", "dnum", "act_degree")})
        fresh = [i for i in range(len(cfgs)) if st.ok[i] and config_key(cfgs[i]) not in seen]
        res = ev([cfgs[i] for i in fresh]) if fresh else pd.DataFrame()
        if len(res):
            res["stage"] = "analytic"
            traj.add(res)
            tables.append(res)
            for j, i in enumerate(fresh):
                seen[config_key(cfgs[i])] = res.iloc[j]
        for i, (t, c) in enumerate(zip(trials, cfgs)):
            if not st.ok[i]:
                pruned.append({**c, "static_reason": st.reason_text(i), "bottleneck_layer": int(st.bottleneck[i]),
                               "max_layer_depth": float(st.max_layer_depth[i])})
                t.set_constraint("search", 10.0 + int(st.reason[i]))
                study.tell(t, _PENALTY)
                continue
            row = seen[config_key(c)]
            t.set_constraint("search", _violation(row))
            lat = float(row["latency_s"])
            study.tell(t, math.log10(lat) if math.isfinite(lat) and lat > 0 else _PENALTY)
    table = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()
    refined = 0
    starts = _starts(table)
    if starts:
        from .refine import local_refine

        def keep(rows: pd.DataFrame) -> None:
            traj.add(rows)
            tables.append(rows)

        budget = n_trials if refine_budget is None else refine_budget
        visited = set(seen)
        for start in starts:
            _, used = local_refine(bench, ev, static, start, budget=max(1, budget // len(starts)), seen=visited,
                                   on_rows=keep, input_range=input_range)
            refined += used
        proposals += refined
        table = pd.concat(tables, ignore_index=True)
    info: dict[str, Any] = {"static_pruned": len(pruned), "analytic_evals": ev.n_evals, "refine_proposals": refined}
    repairs = pd.DataFrame()
    if repair:
        from .repair import repair_candidates

        repairs = repair_candidates(bench, ev, static, pd.DataFrame(pruned), table, input_range=input_range)
        if len(repairs):
            traj.add(repairs)
            table = pd.concat([table, repairs], ignore_index=True)
    info["repairs"] = repairs
    info["pruned"] = pd.DataFrame(pruned)
    return SearchResult("multi-fidelity", _best(table), table, traj, ev.n_evals, proposals, info)


def random_search(bench: Benchmark, *, n: int = 200, seed: int = 0, batch_size: int = 64,
                  input_range: float = 8.0) -> SearchResult:
    """Uniform draws from the same space, every one through the cost model."""
    ev = Evaluator(bench, input_range=input_range)
    space = SearchSpace.for_benchmark(bench)
    cfgs = space.sample(np.random.default_rng(seed), n)
    return _evaluate_all("random", ev, cfgs, batch_size)


def grid_search(bench: Benchmark, *, n: int = 200, batch_size: int = 64, input_range: float = 8.0) -> SearchResult:
    """The first ``n`` points of the nested grid (N ascending), every one through the cost model."""
    ev = Evaluator(bench, input_range=input_range)
    space = SearchSpace.for_benchmark(bench)
    cfgs = []
    for cfg in space.grid():
        cfgs.append(cfg)
        if len(cfgs) >= n:
            break
    return _evaluate_all("grid", ev, cfgs, batch_size)


def _evaluate_all(method: str, ev: Evaluator, cfgs: list[dict[str, Any]], batch_size: int) -> SearchResult:
    traj, tables = Trajectory(), []
    for start in range(0, len(cfgs), batch_size):
        res = ev(cfgs[start:start + batch_size])
        res["stage"] = method
        traj.add(res)
        tables.append(res)
    table = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()
    return SearchResult(method, _best(table), table, traj, ev.n_evals, len(cfgs))


def orion_baseline(bench: Benchmark, *, input_range: float = 8.0) -> SearchResult:
    """Orion's shipped configuration with Orion's activation polynomial(s): one evaluation."""
    ev = Evaluator(bench, input_range=input_range)
    ocfg = orion_config(bench.orion)
    prof = get_profile(bench.profile)
    cfg = ocfg.design(prof.keyswitch, prof.boot.depth)
    bits = activation_bits(bench.activation, ocfg.act_degrees, input_range) if bench.approximated else math.inf
    res = ev([cfg], workload=bench.orion_workload(), act_bits=bits)
    res["stage"] = "orion"
    traj = Trajectory()
    traj.add(res)
    return SearchResult("orion", _best(res), res, traj, ev.n_evals, 1, {"config": cfg, "source": ocfg.source})
