"""Assign FPGA garbling engines to activation sites (layers) to minimise the total latency.

Garbling of the sites is independent work (tables are produced ahead of their use), so with
engines ``e`` of possibly different sizes the total latency of the garbling phase is the
makespan of an unrelated-machines schedule (R||Cmax):

    min T   s.t.   sum_e x_{g,e} = 1 (each site on one engine),
                   sum_g x_{g,e} t_{g,e} <= T (each engine's load),   x binary,

with ``t_{g,e}`` from :class:`costmodels.mpc.fpga.GarblingEngine.garble_s`. Solved as a Pyomo MILP
(HiGHS); :func:`schedule` also offers LPT greedy (longest site first to the engine that finishes
it earliest) and brute-force enumeration, which proves the MILP optimal on small cases
(``tests/mpc/test_garbling.py``). :func:`table_with_engines` puts the per-site garbling times
into a :class:`costmodels.mpc.SiteTable` (garbling counted online, Cryptonite's setting).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dse.errors import DseInputError

__all__ = ["Schedule", "schedule", "table_with_engines", "time_matrix"]


@dataclass(frozen=True)
class Schedule:
    assign: np.ndarray        # (S,) engine index per site
    site_time_s: np.ndarray   # (S,) garbling time of each site on its engine
    load_s: np.ndarray        # (E,) busy time per engine
    makespan_s: float
    method: str
    wall_time_s: float


def time_matrix(relus: Sequence[float], engines, bits: int = 32) -> np.ndarray:
    """``t[g, e]``: seconds to garble site ``g``'s ReLUs on engine ``e``."""
    relus = np.asarray(relus, dtype=float)
    if relus.ndim != 1 or np.any(relus < 0):
        raise DseInputError("relus", relus.tolist()[:3], "a 1-D array of ReLU counts >= 0")
    if not engines:
        raise DseInputError("engines", engines, "at least one GarblingEngine")
    return np.stack([np.asarray(e.garble_s(relus, bits), dtype=float) for e in engines], axis=1)


def _result(t: np.ndarray, assign: np.ndarray, method: str, t0: float) -> Schedule:
    S, E = t.shape
    site = t[np.arange(S), assign]
    load = np.bincount(assign, weights=site, minlength=E)
    return Schedule(assign, site, load, float(load.max()) if S else 0.0, method, time.perf_counter() - t0)


def _greedy(t: np.ndarray) -> np.ndarray:
    S, E = t.shape
    load = np.zeros(E)
    assign = np.zeros(S, dtype=int)
    for g in np.argsort(-t.min(axis=1), kind="stable"):
        e = int(np.argmin(load + t[g]))
        assign[g] = e
        load[e] += t[g, e]
    return assign


def _enumerate(t: np.ndarray) -> np.ndarray:
    S, E = t.shape
    if E ** S > 2_000_000:
        raise DseInputError("sites", S, f"a small case for enumeration ({E}^{S} > 2e6 assignments)")
    best, best_assign = np.inf, None
    rows = np.arange(S)
    for combo in itertools.product(range(E), repeat=S):
        a = np.asarray(combo)
        span = np.bincount(a, weights=t[rows, a], minlength=E).max()
        if span < best - 1e-15:
            best, best_assign = span, a
    return best_assign


def _milp(t: np.ndarray, time_limit_s: float) -> tuple[np.ndarray, str]:
    import pyomo.environ as pyo

    from solvers.highs import solve

    S, E = t.shape
    scale = max(float(t.max()), 1e-30)  # solve in units of the longest job for conditioning
    m = pyo.ConcreteModel()
    m.x = pyo.Var(range(S), range(E), domain=pyo.Binary)
    m.T = pyo.Var(domain=pyo.NonNegativeReals)
    m.one = pyo.Constraint(range(S), rule=lambda m, g: sum(m.x[g, e] for e in range(E)) == 1)
    m.engine_load = pyo.Constraint(range(E), rule=lambda m, e: sum(m.x[g, e] * t[g, e] / scale for g in range(S)) <= m.T)
    m.obj = pyo.Objective(expr=m.T)
    res = solve(m, time_limit_s=time_limit_s, mip_gap=1e-9, accept=("optimal", "maxTimeLimit"))
    res.require("garbling schedule")
    assign = np.array([max(range(E), key=lambda e: pyo.value(m.x[g, e])) for g in range(S)], dtype=int)
    return assign, res.status


def schedule(relus: Sequence[float], engines, bits: int = 32, *, method: str = "milp",
             time_limit_s: float = 60.0) -> Schedule:
    """Assign each site to one engine (``milp``, ``greedy`` or ``enumerate``)."""
    t0 = time.perf_counter()
    t = time_matrix(relus, engines, bits)
    if method == "greedy":
        return _result(t, _greedy(t), "greedy", t0)
    if method == "enumerate":
        return _result(t, _enumerate(t), "enumerate", t0)
    if method == "milp":
        assign, status = _milp(t, time_limit_s)
        return _result(t, assign, f"milp ({status})", t0)
    raise DseInputError("method", method, "milp, greedy or enumerate")


def table_with_engines(table, engines, bits: int = 32, *, method: str = "milp"):
    """``(table', schedule)``: the site table with each site's ReLU compute increased by its
    garbling time on the assigned engine (online garbling, as when garbled tables cannot be
    stored ahead of time: Cryptonite, arXiv 2111.02583)."""
    sch = schedule(table.elements, engines, bits, method=method)
    return (table.with_relu_compute(table.compute_relu_s + sch.site_time_s,
                                    engines=[f"{e.board}x{e.cores}" for e in engines], bits=bits), sch)
