"""ReLU-budget allocation as a MILP (Pyomo + HiGHS), with AdaPI-style nested budgets.

Each activation site ``g`` of a :class:`costmodels.mpc.SiteTable` is split into ``U_g`` equal units
(channels by default; one unit = all-or-nothing per site) of ``e_g = E_g / U_g`` ReLUs, ordered by
decreasing sensitivity ``sigma_{g,u}`` (accuracy loss per removed ReLU, from the user or a CSV).
Integer ``n_{k,g}`` units of site ``g`` stay ReLU under budget ``k`` (the rest becomes the
polynomial), always the ``n`` most sensitive units, so the removed-ReLU loss
``loss_g(n) = e_g sum_{u >= n} sigma_{g,u}`` is convex piecewise linear in ``n`` and enters as an
exact epigraph (one tangent per unit, no binaries); kept sets of nested budgets are then nested
prefixes. Binaries ``y`` (any ReLU: ``n <= U y``) and ``z`` (any polynomial: ``U - n <= U z``):

    latency_k = base + sum_g [ (P_g + (n/U)(R_g - P_g)) / BW + RTT * rho_{k,g} ]      (P, R: bytes
                and compute of the site all-poly / all-ReLU), rho >= r_relu y_{k,g},
                rho >= r_poly z_{k,g}   (mixed sites run both batches side by side)
    kept_k    = sum_g e_g n_{k,g} <= B_k
    loss_k    = sum_g loss_g(n_{k,g}),   loss_g(n) >= loss_g(j) + (loss_g(j+1) - loss_g(j)) (n - j)
    nested    : n_{k,g} <= n_{k+1,g}   (AdaPI: each budget's ReLUs contain the smaller's)

Lexicographic: stage 1 minimises ``L* = min sum_k loss_k`` (spend the budget on the most sensitive
ReLUs), stage 2 minimises ``sum_k w_k latency_k`` with ``sum_k loss_k <= L* (1 + tol)``. The
latency is the exact model latency (not the linear relaxation). :func:`enumerate_allocation` solves the same
problem by brute force on small cases (the check in ``tests/mpc/test_relu_budget.py``).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dse.errors import DseInputError

__all__ = ["Allocation", "allocate", "enumerate_allocation", "exact_latency", "read_sensitivity",
           "site_units"]


@dataclass(frozen=True)
class Allocation:
    budgets: np.ndarray        # (K,)
    kept_units: np.ndarray     # (K, S) units kept as ReLU per site
    keep: np.ndarray           # (K, S) kept fraction per site
    relus: np.ndarray          # (K,) kept ReLU count
    latency_s: np.ndarray      # (K,) exact latency
    comm_bytes: np.ndarray     # (K,)
    loss: np.ndarray           # (K,) accuracy proxy (sum of sensitivities of removed ReLUs)
    status: str
    wall_time_s: float


def read_sensitivity(path: str | Path, table) -> np.ndarray:
    """Per-site sensitivity from a CSV with columns ``site,sensitivity`` (per removed ReLU)."""
    import pandas as pd

    frame = pd.read_csv(path)
    if not {"site", "sensitivity"} <= set(frame.columns):
        raise DseInputError("sensitivity file", str(path), "a CSV with columns site,sensitivity")
    values = dict(zip(frame["site"], frame["sensitivity"]))
    missing = [s for s in table.sites if s not in values]
    if missing:
        raise DseInputError("sensitivity file", missing[0], "a row for every site: " + ", ".join(table.sites))
    return np.asarray([float(values[s]) for s in table.sites])


def site_units(table, granularity: str | int = "channel") -> np.ndarray:
    """Units per site: ``channel`` (C_g), ``site`` (1) or an int (groups, capped at C_g)."""
    if granularity == "channel":
        return table.channels.astype(int)
    if granularity == "site":
        return np.ones(len(table), dtype=int)
    if isinstance(granularity, (int, np.integer)) and granularity >= 1:
        return np.minimum(table.channels, int(granularity)).astype(int)
    raise DseInputError("granularity", granularity, "channel, site or an integer >= 1")


def _sigmas(table, units: np.ndarray, sensitivity) -> list[np.ndarray]:
    """Per-unit sensitivities, sorted descending per site."""
    if sensitivity is None:
        sensitivity = np.ones(len(table))
    out = []
    for g in range(len(table)):
        s = sensitivity[g] if not np.isscalar(sensitivity) else sensitivity
        arr = np.full(units[g], float(s)) if np.ndim(s) == 0 else np.asarray(s, dtype=float)
        if arr.shape != (units[g],):
            raise DseInputError("sensitivity", f"site {table.sites[g]}", f"a scalar or {units[g]} values")
        if np.any(arr < 0) or not np.all(np.isfinite(arr)):
            raise DseInputError("sensitivity", f"site {table.sites[g]}", "finite values >= 0")
        out.append(np.sort(arr)[::-1])
    return out


def _check_budgets(table, budgets) -> np.ndarray:
    b = np.atleast_1d(np.asarray(budgets, dtype=float))
    if np.any(b < 0) or np.any(b > table.total_relus):
        bad = b[(b < 0) | (b > table.total_relus)][0]
        raise DseInputError("budget", bad, f"a ReLU count in [0, {table.total_relus}] (the workload's ReLUs)")
    if np.any(np.diff(b) <= 0):
        raise DseInputError("budgets", b.tolist(), "strictly increasing budgets (nested)")
    return b


def exact_latency(table, kept_units, units) -> tuple[np.ndarray, np.ndarray]:
    """Exact latency and bytes of keeping ``kept_units`` (..., S) of ``units`` per site."""
    n = np.asarray(kept_units, dtype=float)
    f = n / units
    net = table.network
    nbytes = table.base_bytes + np.sum(table.bytes_poly + f * (table.bytes_relu - table.bytes_poly), axis=-1)
    comp = table.base_compute_s + np.sum(table.compute_poly_s + f * (table.compute_relu_s - table.compute_poly_s), axis=-1)
    rounds = table.base_rounds + np.sum(np.maximum(table.rounds_relu * (n > 0), table.rounds_poly * (n < units)), axis=-1)
    return rounds * net.rtt_s + nbytes / net.bytes_per_s + comp, nbytes


def _loss(sig: list[np.ndarray], e: np.ndarray, n: np.ndarray) -> float:
    return float(sum(e[g] * sig[g][int(n[g]):].sum() for g in range(len(sig))))


def allocate(table, budgets: float | Sequence[float], sensitivity=None, *,
             granularity: str | int = "channel", weights: Sequence[float] | None = None,
             loss_tol: float = 1e-6, mip_gap: float = 1e-7, time_limit_s: float = 120.0) -> Allocation:
    """Solve the (nested) budget allocation; see the module docstring. ``mip_gap`` is HiGHS's
    relative gap (1e-7 by default: 3 nested budgets with per-channel sensitivities on WRN-22-8
    take ~3 s; 1e-9 took 70 s for the same optimum). ``status`` is HiGHS's termination condition."""
    import pyomo.environ as pyo

    from solvers.highs import solve

    t0 = time.perf_counter()
    b, units, sig, K, S, e, w = _setup(table, budgets, sensitivity, granularity, weights)
    net = table.network
    lin_r = (table.bytes_relu / net.bytes_per_s + table.compute_relu_s)
    lin_p = (table.bytes_poly / net.bytes_per_s + table.compute_poly_s)

    m = pyo.ConcreteModel()
    KS = [(k, g) for k in range(K) for g in range(S)]
    m.n = pyo.Var(KS, domain=pyo.NonNegativeIntegers, bounds=lambda m, k, g: (0, int(units[g])))
    m.y = pyo.Var(KS, domain=pyo.Binary)  # 1 if the site keeps any ReLU
    m.z = pyo.Var(KS, domain=pyo.Binary)  # 1 if the site has any polynomial
    m.rho = pyo.Var(KS, domain=pyo.NonNegativeReals)
    m.loss = pyo.Var(KS, domain=pyo.NonNegativeReals)
    m.cons = pyo.ConstraintList()
    loss = {}
    lat = {}
    for k in range(K):
        m.cons.add(sum(e[g] * m.n[k, g] for g in range(S)) <= b[k])
        for g in range(S):
            U = int(units[g])
            m.cons.add(m.n[k, g] <= U * m.y[k, g])
            m.cons.add(U - m.n[k, g] <= U * m.z[k, g])
            m.cons.add(m.rho[k, g] >= table.rounds_relu[g] * m.y[k, g])
            m.cons.add(m.rho[k, g] >= table.rounds_poly[g] * m.z[k, g])
            if k + 1 < K:
                m.cons.add(m.n[k, g] <= m.n[k + 1, g])
            # loss of keeping the n most sensitive units: convex, piecewise linear in n with
            # breakpoints at integers -> exact epigraph (one tangent per unit, no binaries)
            tail = e[g] * np.concatenate([np.cumsum(sig[g][::-1])[::-1], [0.0]])  # loss(j), j=0..U
            for j in range(U):
                m.cons.add(m.loss[k, g] >= tail[j] + (tail[j + 1] - tail[j]) * (m.n[k, g] - j))
        loss[k] = sum(m.loss[k, g] for g in range(S))
        lat[k] = sum(lin_p[g] + (lin_r[g] - lin_p[g]) / units[g] * m.n[k, g] + net.rtt_s * m.rho[k, g]
                     for g in range(S))
    m.obj1 = pyo.Objective(expr=sum(loss[k] for k in range(K)))
    # a time-limited incumbent is a valid (reported) allocation; anything else has no value to read
    accept = ("optimal", "maxTimeLimit")
    stage1 = solve(m, time_limit_s=time_limit_s, mip_gap=mip_gap, accept=accept)
    stage1.require("ReLU budget, stage 1 (loss)")
    best_loss = pyo.value(m.obj1)
    m.obj1.deactivate()
    m.cons.add(sum(loss[k] for k in range(K)) <= best_loss * (1 + loss_tol) + 1e-9)
    m.obj2 = pyo.Objective(expr=sum(w[k] * lat[k] for k in range(K)))
    res = solve(m, time_limit_s=time_limit_s, mip_gap=mip_gap, accept=accept)
    res.require("ReLU budget, stage 2 (latency)")
    kept = np.array([[round(pyo.value(m.n[k, g])) for g in range(S)] for k in range(K)])
    latency, nbytes = exact_latency(table, kept, units)
    return Allocation(b, kept, kept / units, (kept * e).sum(axis=1), latency, nbytes,
                      np.array([_loss(sig, e, kept[k]) for k in range(K)]),
                      res.status, time.perf_counter() - t0)


def _setup(table, budgets, sensitivity, granularity, weights):
    """What the MILP and the brute force share: checked budgets, units per site, sensitivities,
    counts (K budgets, S sites), elements per unit and budget weights."""
    b = _check_budgets(table, budgets)
    units = site_units(table, granularity)
    sig = _sigmas(table, units, sensitivity)
    K, S = len(b), len(table)
    w = np.ones(K) if weights is None else np.asarray(weights, dtype=float)
    return b, units, sig, K, S, table.elements / units, w


def enumerate_allocation(table, budgets, sensitivity=None, *, granularity: str | int = "channel",
                         weights: Sequence[float] | None = None, loss_tol: float = 1e-6) -> Allocation:
    """Brute force over every nested choice of kept units (small cases only)."""
    t0 = time.perf_counter()
    b, units, sig, K, S, e, w = _setup(table, budgets, sensitivity, granularity, weights)
    if np.prod(units + 1.0) ** K > 2e6:
        raise DseInputError("table", f"{S} sites", "a small case (enumeration over <= 2e6 choices)")
    choices = np.array(list(itertools.product(*[range(u + 1) for u in units])))
    lat_all, _ = exact_latency(table, choices, units)
    loss_all = np.array([_loss(sig, e, c) for c in choices])
    kept_all = (choices * e).sum(axis=1)
    ok = [kept_all <= b[k] + 1e-9 for k in range(K)]
    combos = [()]
    for k in range(K):  # nested sequences of choices (indices into `choices`)
        cand = np.flatnonzero(ok[k])
        combos = [c + (i,) for c in combos for i in cand
                  if not c or np.all(choices[c[-1]] <= choices[i])]
    losses = np.array([sum(loss_all[i] for i in c) for c in combos])
    best = losses.min()
    feas = [c for c, l in zip(combos, losses) if l <= best * (1 + loss_tol) + 1e-9]
    score = [sum(w[k] * lat_all[c[k]] for k in range(K)) for c in feas]
    pick = feas[int(np.argmin(score))]
    kept = choices[list(pick)]
    latency, nbytes = exact_latency(table, kept, units)
    return Allocation(b, kept, kept / units, (kept * e).sum(axis=1), latency, nbytes,
                      np.array([loss_all[i] for i in pick]), "enumerated", time.perf_counter() - t0)
