"""Joint MILP allocation: MAC arrays, non-linear unit lanes and on-chip weights per stage.

Extends :mod:`costmodels.fpga.alloc` (same one-hot MAC options, same objective: the expected
bottleneck stage time over length buckets) with two more choices per stage ``s``:

* ``u[s, l]``: the lanes of the stage's softmax / LayerNorm / GELU units (option ``l`` of
  ``lanes``), time ``t_nl[s, b, l]`` and DSPs ``nl_dsp[s, l]`` (:mod:`costmodels.fpga.nonlinear`);
* ``y[s]``: 1 keeps the stage's weights on chip (``wbits[s]`` bits of the memory ``mem_bits`` left
  by the buffers), 0 streams them; streaming stages share the off-chip bandwidth, so every
  bucket's bottleneck is at least ``sum_s t_stream[s] (1 - y[s])`` (``t_stream = bytes / (B BW)``).

    min  sum_b p_b z_b
    s.t. z_b >= sum_o t_mac[s,b,o] x[s,o(,b)]      z_b >= sum_l t_nl[s,b,l] u[s,l]
         z_b >= floor[s,b]                          z_b >= sum_s t_stream[s] (1 - y[s])
         sum_{s,o} dsp[o] x[s,o(,b)] + sum_{s,l} nl_dsp[s,l] u[s,l] <= DSP budget   (each b)
         sum_s wbits[s] y[s] <= mem_bits,   one-hot x and u, binary y

``mode="per-bucket"`` lets the MAC choice vary per bucket (a shared, time-multiplexed pool); the
lanes and the on-chip set are hardware and stay fixed. :func:`brute_force_joint` enumerates
small static instances (the check of the MILP).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from dse.errors import DseInputError

__all__ = ["JointProblem", "JointAllocation", "solve_joint", "brute_force_joint", "joint_from_tables",
           "evaluate_joint", "two_step"]


@dataclass(frozen=True)
class JointProblem:
    t_mac: np.ndarray      # (S, B, O) MAC-array time per request, s
    dsp: np.ndarray        # (O,) DSPs of each MAC option
    macs: np.ndarray       # (O,) MACs of each option
    t_nl: np.ndarray       # (S, B, L) non-linear units' time per request, s
    nl_dsp: np.ndarray     # (S, L) DSPs of the stage's units at each lane option
    lanes: np.ndarray      # (L,) lane options
    floor: np.ndarray      # (S, B) other fixed floors (pre-filter), s
    t_stream: np.ndarray   # (S,) share of the streaming time if the stage streams, s
    wbits: np.ndarray      # (S,) weight bits of the stage
    probs: np.ndarray      # (B,)
    dsp_budget: float
    mem_bits: float

    def objective(self, x: np.ndarray, u: np.ndarray, y: np.ndarray) -> float:
        """Expected bottleneck for option indices ``x`` ``(S,)`` or ``(S, B)``, ``u`` ``(S,)``, ``y`` ``(S,)``."""
        s_idx = np.arange(self.t_mac.shape[0])
        xb = x[:, None] if x.ndim == 1 else x
        xb = np.broadcast_to(xb, self.floor.shape)
        b_idx = np.arange(self.floor.shape[1])
        t = np.maximum(self.t_mac[s_idx[:, None], b_idx[None, :], xb], self.t_nl[s_idx, :, u])
        t = np.maximum(t, self.floor).max(axis=0)
        t = np.maximum(t, float(np.sum(self.t_stream * (1 - y))))
        return float(np.dot(self.probs, t))

    def feasible(self, x: np.ndarray, u: np.ndarray, y: np.ndarray) -> bool:
        s_idx = np.arange(self.t_mac.shape[0])
        nl = float(self.nl_dsp[s_idx, u].sum())
        cols = [x] if x.ndim == 1 else [x[:, b] for b in range(x.shape[1])]
        return (all(self.dsp[c].sum() + nl <= self.dsp_budget + 1e-9 for c in cols)
                and float(np.dot(self.wbits, y)) <= self.mem_bits + 1e-9)


@dataclass(frozen=True)
class JointAllocation:
    x: np.ndarray          # MAC option per stage (S,) or (S, B)
    u: np.ndarray          # lane option per stage (S,)
    y: np.ndarray          # 1 = weights on chip (S,)
    objective_s: float
    status: str


def solve_joint(p: JointProblem, mode: str = "per-bucket", *, time_limit_s: float = 60.0) -> JointAllocation:
    """Optimal joint allocation with Pyomo + HiGHS (:mod:`solvers.highs`)."""
    if mode not in ("static", "per-bucket"):
        raise DseInputError("mode", mode, "static or per-bucket")
    import pyomo.environ as pyo

    from solvers.highs import open_highs, run

    solver = open_highs(time_limit_s=time_limit_s)
    s_n, b_n, o_n = p.t_mac.shape
    l_n = len(p.lanes)
    scale = 1.0 / max(float(np.max(p.t_mac[:, :, 0])), float(np.max(p.t_nl)), float(np.sum(p.t_stream)), 1e-30)
    m = pyo.ConcreteModel()
    m.S, m.B, m.O, m.L = (pyo.RangeSet(0, n - 1) for n in (s_n, b_n, o_n, l_n))
    per = mode == "per-bucket"
    m.x = pyo.Var(m.S, m.O, m.B, within=pyo.Binary) if per else pyo.Var(m.S, m.O, within=pyo.Binary)
    xv = (lambda s, o, b: m.x[s, o, b]) if per else (lambda s, o, b: m.x[s, o])  # noqa: E731
    m.u = pyo.Var(m.S, m.L, within=pyo.Binary)
    m.y = pyo.Var(m.S, within=pyo.Binary)
    m.z = pyo.Var(m.B, within=pyo.NonNegativeReals)
    if per:
        m.one_x = pyo.Constraint(m.S, m.B, rule=lambda m, s, b: sum(m.x[s, o, b] for o in m.O) == 1)
    else:
        m.one_x = pyo.Constraint(m.S, rule=lambda m, s: sum(m.x[s, o] for o in m.O) == 1)
    m.one_u = pyo.Constraint(m.S, rule=lambda m, s: sum(m.u[s, lo] for lo in m.L) == 1)
    tm, tn, fl, ts = p.t_mac * scale, p.t_nl * scale, p.floor * scale, p.t_stream * scale
    m.c_mac = pyo.Constraint(m.S, m.B, rule=lambda m, s, b: m.z[b] >= sum(float(tm[s, b, o]) * xv(s, o, b) for o in m.O))
    m.c_nl = pyo.Constraint(m.S, m.B, rule=lambda m, s, b: m.z[b] >= sum(float(tn[s, b, lo]) * m.u[s, lo] for lo in m.L))
    m.c_fl = pyo.Constraint(m.S, m.B, rule=lambda m, s, b: m.z[b] >= float(fl[s, b]))
    m.c_st = pyo.Constraint(m.B, rule=lambda m, b: m.z[b] >= sum(float(ts[s]) * (1 - m.y[s]) for s in m.S))
    nl = lambda m: sum(float(p.nl_dsp[s, lo]) * m.u[s, lo] for s in m.S for lo in m.L)  # noqa: E731
    m.c_dsp = pyo.Constraint(m.B, rule=lambda m, b: sum(float(p.dsp[o]) * xv(s, o, b) for s in m.S for o in m.O)
                             + nl(m) <= p.dsp_budget)
    m.c_mem = pyo.Constraint(expr=sum(float(p.wbits[s]) * m.y[s] for s in m.S) <= p.mem_bits)
    m.obj = pyo.Objective(expr=sum(float(p.probs[b]) * m.z[b] for b in m.B), sense=pyo.minimize)
    result = run(solver, m)
    if not result.loaded:
        return JointAllocation(np.full(s_n, -1), np.full(s_n, -1), np.zeros(s_n, dtype=int), float("inf"),
                               result.status)
    if per:
        x = np.array([[max(range(o_n), key=lambda o: pyo.value(m.x[s, o, b])) for b in range(b_n)] for s in range(s_n)])
    else:
        x = np.array([max(range(o_n), key=lambda o: pyo.value(m.x[s, o])) for s in range(s_n)])
    u = np.array([max(range(l_n), key=lambda k: pyo.value(m.u[s, k])) for s in range(s_n)])
    y = np.array([int(round(pyo.value(m.y[s]))) for s in range(s_n)])
    return JointAllocation(x, u, y, p.objective(x, u, y), "optimal")


def brute_force_joint(p: JointProblem) -> JointAllocation:
    """Enumerate every static (x, u, y) of a small instance (the MILP's check)."""
    s_n, _, o_n = p.t_mac.shape
    l_n = len(p.lanes)
    if (o_n * l_n * 2) ** s_n > 2_000_000:
        raise DseInputError("problem size", f"({o_n}x{l_n}x2)^{s_n}", "at most 2e6 points for brute force")
    best, best_obj = None, float("inf")
    for combo in itertools.product(itertools.product(range(o_n), range(l_n), (0, 1)), repeat=s_n):
        x, u, y = (np.array([c[i] for c in combo]) for i in range(3))
        if p.feasible(x, u, y):
            obj = p.objective(x, u, y)
            if obj < best_obj - 1e-15:
                best, best_obj = (x, u, y), obj
    if best is None:
        return JointAllocation(np.full(s_n, -1), np.full(s_n, -1), np.zeros(s_n, dtype=int), float("inf"), "infeasible")
    return JointAllocation(*best, best_obj, "optimal")


def joint_from_tables(tables, *, n_buckets: int, unit: int, n_options: int, lane_options: tuple[int, ...],
                      dsp_per_mac: float, dsp_budget: float, mem_bits: float) -> JointProblem:
    """The joint problem of a design point's stage tables (active stages, ``n_buckets``
    equal-probability length buckets as in :func:`costmodels.fpga.alloc.problem_from_tables`)."""
    from .nonlinear import UNITS

    active = tables.work.sum(axis=1) > 0
    cdf = np.cumsum(tables.probs)
    bucket = np.minimum((cdf * n_buckets - 1e-9).astype(int), n_buckets - 1)
    used = np.unique(bucket)
    probs = np.array([tables.probs[bucket == b].sum() for b in used])

    def mean(a: np.ndarray) -> np.ndarray:  # (P, Q) -> (S, B) bucket means over active stages
        return np.stack([(a[active][:, bucket == b] * tables.probs[bucket == b]).sum(axis=1) / probs[i]
                         for i, b in enumerate(used)], axis=1)

    macs = unit * np.arange(1, n_options + 1, dtype=float)
    work = mean(tables.work)
    t_mac = work[:, :, None] / (macs[None, None, :] * tables.clock_hz)
    lanes = np.asarray(lane_options, dtype=float)
    n_p = tables.work.shape[0]
    t_nl = np.stack([mean(tables.nl_times(np.full(n_p, lane))) for lane in lanes], axis=2)
    has = (tables.nl_elements.sum(axis=2) > 0)[:, active]                       # (3, S)
    nl_dsp = sum(h[:, None] * (lanes[None, :] * u.dsp_per_lane + u.dsp_shared) for h, u in zip(has, UNITS.values()))
    t_pre = tables.pre / (np.maximum(tables.lanes, 1e-9)[:, None] * tables.clock_hz)
    wb = tables.wbytes[active]
    return JointProblem(t_mac, macs * dsp_per_mac, macs, t_nl, np.asarray(nl_dsp, dtype=float), lanes, mean(t_pre),
                        wb / (tables.batch * tables.bw_bytes_per_s), wb * 8.0, probs / probs.sum(), dsp_budget,
                        mem_bits)


def evaluate_joint(tables, p: JointProblem, a: JointAllocation, n_buckets: int, schedule: str) -> dict[str, float]:
    """Pipeline totals of a joint allocation with the model's formulas (:meth:`StageTables.metrics`)."""
    if a.status != "optimal":
        raise DseInputError("allocation", a.status, "an optimal joint allocation")
    active = tables.work.sum(axis=1) > 0
    cdf = np.cumsum(tables.probs)
    bucket = np.minimum((cdf * n_buckets - 1e-9).astype(int), n_buckets - 1)
    cols = np.searchsorted(np.unique(bucket), bucket) if a.x.ndim == 2 else np.zeros(len(bucket), dtype=int)
    x = a.x if a.x.ndim == 2 else a.x[:, None]
    alloc = np.zeros(tables.work.shape)
    alloc[active] = p.macs[x][:, cols]
    lanes = np.zeros(tables.work.shape[0])
    lanes[active] = p.lanes[a.u]
    onchip = np.zeros(tables.work.shape[0])
    onchip[active] = a.y
    stream = tables.wbytes * (1.0 - onchip)
    t_mem = (stream > 0) * stream.sum() / (tables.batch * tables.bw_bytes_per_s)
    return tables.metrics(alloc, schedule, t_nl=tables.nl_times(lanes), t_mem=t_mem)


def two_step(tables, p: JointProblem, n_buckets: int, *, time_limit_s: float = 60.0):
    """Hardware choices (lanes, on-chip weights) from the static joint MILP, then the MACs per
    length bucket by :func:`costmodels.fpga.alloc.solve_milp` with those choices as stage floors and
    the DSPs they leave: ``(JointAllocation with x (S, B), status)``. The per-bucket joint MILP
    itself does not finish in 60 s on BERT-base (12 stages x 48 options x 4 buckets)."""
    from .alloc import AllocationProblem, solve_milp

    hw = solve_joint(p, "static", time_limit_s=time_limit_s)
    if hw.status != "optimal":
        return hw
    s_idx = np.arange(p.t_mac.shape[0])
    floor = np.maximum(np.maximum(p.floor, p.t_nl[s_idx, :, hw.u]), float(np.sum(p.t_stream * (1 - hw.y))))
    work = p.t_mac[:, :, 0] * p.macs[0] * 1.0  # MAC-seconds at 1 MAC/s scale: work / f
    budget = p.dsp_budget - float(p.nl_dsp[s_idx, hw.u].sum())
    prob = AllocationProblem(work, p.probs, p.macs, p.dsp, np.zeros_like(p.macs), budget, 1e18, 1.0, floor)
    macs = solve_milp(prob, "per-bucket", time_limit_s=time_limit_s)
    if macs.status != "optimal":
        return JointAllocation(hw.x, hw.u, hw.y, float("inf"), macs.status)
    return JointAllocation(macs.choice, hw.u, hw.y, p.objective(macs.choice, hw.u, hw.y), "optimal")
