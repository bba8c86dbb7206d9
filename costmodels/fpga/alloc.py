"""DSP/BRAM allocation across FPGA pipeline stages: a Pyomo MILP (HiGHS) with a brute-force check.

Problem (our formulation; FINN-style resource rows [FINN-R18]): stage ``s`` needs ``work[s, b]`` MACs per request in length
bucket ``b`` (probability ``probs[b]``); it gets one of the discrete MAC-array options ``o``
(``macs[o]`` MACs costing ``dsp[o]`` DSPs and ``bram[o]`` BRAM36). A one-hot choice keeps the
resources linear:

    min  sum_b probs[b] * z_b
    s.t. z_b >= sum_o x[s,o] * work[s,b] / (macs[o] * f)      for every stage s, bucket b
         sum_o x[s,o] = 1                                      for every stage s
         sum_{s,o} x[s,o] * dsp[o]  <= DSP budget
         sum_{s,o} x[s,o] * bram[o] <= BRAM budget,   x binary

``z_b`` is the bottleneck stage time at bucket ``b``, so the objective is the expected
initiation interval of the pipeline. ``mode="static"`` uses one allocation for every bucket (the
padded design); ``mode="per-bucket"`` re-allocates per bucket (the length-aware design; the
problem separates into one MILP per bucket). :func:`brute_force` enumerates every allocation of
a small instance; :func:`proportional` is the closed-form rule of ``fpga-transformer``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from dse.errors import DseInputError

__all__ = ["AllocationProblem", "Allocation", "solve_milp", "brute_force", "proportional", "options_for",
           "problem_from_tables", "bucket_of_lengths", "allocation_by_length"]


@dataclass(frozen=True)
class AllocationProblem:
    work: np.ndarray         # (S, B) MACs per request
    probs: np.ndarray        # (B,)
    macs: np.ndarray         # (O,) MACs of each option
    dsp: np.ndarray          # (O,) DSPs of each option
    bram: np.ndarray         # (O,) BRAM36 of each option
    dsp_budget: float
    bram_budget: float
    clock_hz: float = 1.0
    floor: np.ndarray | None = None  # (S, B) time floor of the stage's other units, s (or None)

    def __post_init__(self) -> None:
        work = np.atleast_2d(np.asarray(self.work, dtype=float))
        object.__setattr__(self, "work", work)
        floor = np.zeros_like(work) if self.floor is None else np.asarray(self.floor, dtype=float)
        if floor.shape != work.shape:
            raise DseInputError("floor", floor.shape, f"{work.shape} like work")
        object.__setattr__(self, "floor", floor)
        for name in ("probs", "macs", "dsp", "bram"):
            object.__setattr__(self, name, np.asarray(getattr(self, name), dtype=float))
        if work.shape[1] != self.probs.shape[0]:
            raise DseInputError("work", work.shape, f"(stages, {self.probs.shape[0]}) to match probs")
        if not (self.macs.shape == self.dsp.shape == self.bram.shape) or np.any(self.macs <= 0):
            raise DseInputError("options", self.macs.tolist(), "positive MACs with one DSP and BRAM cost each")

    @property
    def n_stages(self) -> int:
        return self.work.shape[0]

    def times(self, choice: np.ndarray) -> np.ndarray:
        """Stage times ``(S, B)`` for option indices ``choice`` (``(S,)`` or ``(S, B)``)."""
        choice = np.asarray(choice)
        macs = self.macs[choice]
        macs = macs[:, None] if macs.ndim == 1 else macs
        return np.maximum(self.work / (macs * self.clock_hz), self.floor)

    def objective(self, choice: np.ndarray) -> float:
        return float(np.dot(self.probs, self.times(choice).max(axis=0)))

    def feasible(self, choice: np.ndarray) -> bool:
        choice = np.asarray(choice)
        cols = [choice] if choice.ndim == 1 else [choice[:, b] for b in range(choice.shape[1])]
        return all(self.dsp[c].sum() <= self.dsp_budget + 1e-9 and self.bram[c].sum() <= self.bram_budget + 1e-9
                   for c in cols)


@dataclass(frozen=True)
class Allocation:
    choice: np.ndarray       # option index per stage: (S,) static or (S, B) per bucket
    macs: np.ndarray         # MACs per stage (same shape)
    objective_s: float       # expected bottleneck stage time, s
    status: str


def _sub(problem: AllocationProblem, b: int) -> AllocationProblem:
    return AllocationProblem(problem.work[:, b:b + 1], np.array([1.0]), problem.macs, problem.dsp, problem.bram,
                             problem.dsp_budget, problem.bram_budget, problem.clock_hz, problem.floor[:, b:b + 1])


def _per_bucket(problem: AllocationProblem, solve) -> Allocation:
    parts = [solve(_sub(problem, b)) for b in range(problem.work.shape[1])]
    choice = np.stack([p.choice for p in parts], axis=1)
    status = "optimal" if all(p.status == "optimal" for p in parts) else "+".join(sorted({p.status for p in parts}))
    return Allocation(choice, problem.macs[choice], problem.objective(choice), status)


def solve_milp(problem: AllocationProblem, mode: str = "static", *, time_limit_s: float = 60.0) -> Allocation:
    """Optimal allocation with Pyomo + HiGHS (:mod:`solvers.highs`); a non-optimal stop returns
    no choice (``-1`` per stage) with HiGHS's status."""
    if mode == "per-bucket":
        return _per_bucket(problem, lambda p: solve_milp(p, "static", time_limit_s=time_limit_s))
    if mode != "static":
        raise DseInputError("mode", mode, "static or per-bucket")
    import pyomo.environ as pyo

    from solvers.highs import open_highs, run

    solver = open_highs(time_limit_s=time_limit_s)  # UnavailableError when HiGHS cannot run here
    s_n, b_n, o_n = problem.n_stages, problem.work.shape[1], len(problem.macs)
    scale = 1.0 / max(float(problem.times(np.zeros(s_n, dtype=int)).max()), 1e-30)  # O(1) objective
    m = pyo.ConcreteModel()
    m.S, m.B, m.O = pyo.RangeSet(0, s_n - 1), pyo.RangeSet(0, b_n - 1), pyo.RangeSet(0, o_n - 1)
    m.x = pyo.Var(m.S, m.O, within=pyo.Binary)
    m.z = pyo.Var(m.B, within=pyo.NonNegativeReals)
    t = np.maximum(problem.work[:, :, None] / (problem.macs[None, None, :] * problem.clock_hz),
                   problem.floor[:, :, None]) * scale                                       # (S, B, O)
    m.one = pyo.Constraint(m.S, rule=lambda m, s: sum(m.x[s, o] for o in m.O) == 1)
    m.bottleneck = pyo.Constraint(m.S, m.B, rule=lambda m, s, b: m.z[b] >= sum(float(t[s, b, o]) * m.x[s, o] for o in m.O))
    m.dsp = pyo.Constraint(expr=sum(float(problem.dsp[o]) * m.x[s, o] for s in m.S for o in m.O) <= problem.dsp_budget)
    m.bram = pyo.Constraint(expr=sum(float(problem.bram[o]) * m.x[s, o] for s in m.S for o in m.O) <= problem.bram_budget)
    m.obj = pyo.Objective(expr=sum(float(problem.probs[b]) * m.z[b] for b in m.B), sense=pyo.minimize)
    result = run(solver, m)  # loads values only when optimal
    if not result.loaded:
        return Allocation(np.full(s_n, -1), np.zeros(s_n), float("inf"), result.status)
    choice = np.array([max(range(o_n), key=lambda o: pyo.value(m.x[s, o])) for s in range(s_n)])
    return Allocation(choice, problem.macs[choice], problem.objective(choice), "optimal")


def brute_force(problem: AllocationProblem, mode: str = "static") -> Allocation:
    """Enumerate every option tuple (``O^S`` points; small instances only)."""
    if mode == "per-bucket":
        return _per_bucket(problem, lambda p: brute_force(p, "static"))
    o_n, s_n = len(problem.macs), problem.n_stages
    if o_n ** s_n > 2_000_000:
        raise DseInputError("problem size", f"{o_n}^{s_n}", "at most 2e6 allocations for brute force")
    best, best_obj = None, float("inf")
    for combo in itertools.product(range(o_n), repeat=s_n):
        choice = np.array(combo)
        if problem.feasible(choice):
            obj = problem.objective(choice)
            if obj < best_obj - 1e-15:
                best, best_obj = choice, obj
    if best is None:
        return Allocation(np.full(s_n, -1), np.zeros(s_n), float("inf"), "infeasible")
    return Allocation(best, problem.macs[best], best_obj, "optimal")


def proportional(problem: AllocationProblem, total_macs: float, unit: float, length_index: int = -1) -> Allocation:
    """The cost model's rule: MACs proportional to the work at bucket ``length_index``, rounded
    down to whole units of ``unit`` MACs (at least one); ``macs`` options must be multiples of it."""
    w = problem.work[:, length_index]
    macs = np.maximum(np.floor(total_macs * w / w.sum() / unit), 1.0) * unit
    choice = np.array([int(np.argmin(np.abs(problem.macs - m))) for m in macs])
    return Allocation(choice, problem.macs[choice], problem.objective(choice),
                      "optimal" if problem.feasible(choice) else "infeasible")


def options_for(unit: int, n_options: int, *, dsp_per_mac: float, bits: int, tile_depth: int = 32) -> tuple:
    """MAC-array options ``unit * 1..n_options`` with their DSP and BRAM36 costs (same formulas
    as ``fpga-transformer``: DSP per MAC, FINN BRAM for a double-buffered weight tile)."""
    from .resources import bram36_sdp

    macs = unit * np.arange(1, n_options + 1, dtype=float)
    bram = bram36_sdp(np, macs * bits, np.full_like(macs, 2.0 * tile_depth))
    return macs, macs * dsp_per_mac, bram


def problem_from_tables(tables, *, n_buckets: int, unit: int, n_options: int, dsp_per_mac: float, bits: int,
                        dsp_budget: float, bram_budget: float) -> AllocationProblem:
    """Bucket a design point's length support into ``n_buckets`` equal-probability buckets
    (work = probability-weighted mean within the bucket) and build the allocation problem. The
    time floor per stage is what the MAC array cannot shorten: the pre-filter, the non-linear
    units and the weight streaming (bucket means of :meth:`StageTables.floor_times`)."""
    active = tables.work.sum(axis=1) > 0
    work = tables.work[active]
    floor_all = tables.floor_times()[active]
    cdf = np.cumsum(tables.probs)
    bucket = np.minimum((cdf * n_buckets - 1e-9).astype(int), n_buckets - 1)
    probs = np.array([tables.probs[bucket == b].sum() for b in range(n_buckets)])
    keep = probs > 0
    w = np.stack([(work[:, bucket == b] * tables.probs[bucket == b]).sum(axis=1) / max(probs[b], 1e-300)
                  for b in range(n_buckets)], axis=1)
    fl = np.stack([(floor_all[:, bucket == b] * tables.probs[bucket == b]).sum(axis=1) / max(probs[b], 1e-300)
                   for b in range(n_buckets)], axis=1)
    macs, dsp, bram = options_for(unit, n_options, dsp_per_mac=dsp_per_mac, bits=bits)
    return AllocationProblem(w[:, keep], probs[keep] / probs[keep].sum(), macs, dsp, bram, dsp_budget,
                             bram_budget, tables.clock_hz, fl[:, keep])


def bucket_of_lengths(tables, n_buckets: int) -> np.ndarray:
    """Bucket index (as in :func:`problem_from_tables`, empty buckets skipped) of each support length."""
    cdf = np.cumsum(tables.probs)
    bucket = np.minimum((cdf * n_buckets - 1e-9).astype(int), n_buckets - 1)
    used = np.unique(bucket)
    return np.searchsorted(used, bucket)


def allocation_by_length(tables, alloc: Allocation, n_buckets: int) -> np.ndarray:
    """MACs per physical stage and support length ``(P, Q)`` of a MILP allocation (stages without
    work keep 0); static allocations repeat over the lengths."""
    active = tables.work.sum(axis=1) > 0
    macs = alloc.macs if alloc.macs.ndim == 2 else alloc.macs[:, None]
    cols = bucket_of_lengths(tables, n_buckets) if macs.shape[1] > 1 else np.zeros(len(tables.support), dtype=int)
    out = np.zeros(tables.work.shape)
    out[active] = macs[:, cols]
    return out
