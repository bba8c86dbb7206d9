"""MILPs built from a sweep, for cost models without an algebraic form.

* :func:`build_onehot` -- every knob on its grid; one binary per feasible grid point, exactly one
  chosen; objective and bounds are linear in the binaries. Exact on the grid: its optimum equals
  the exhaustive sweep's optimum.
* :func:`build_pwl` -- one float knob interpolated piecewise-linearly between its grid values
  (lambda / convex-combination formulation with segment binaries, Vielma, Ahmed & Nemhauser,
  Oper. Res. 58(2), 2010, sec. 2 "DCC/CC"), the other knobs one-hot. The optimum can lie between
  grid values; the solver re-evaluates it with the real model and reports the fit error.

Both return a :class:`Built`: the Pyomo model, a ``decode`` function giving the chosen design
values (knob -> value, categorical codes) after the solve, the objective scale, and sizes.
Objective coefficients are divided by ``scale`` (largest magnitude) so HiGHS sees O(1) numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from dse.errors import DseInputError
from dse.space import Design, DesignSpace, Float, iter_chunks

from .base import Problem
from .sweep import grid_axes, grid_points

__all__ = ["Built", "build_onehot", "build_pwl", "evaluate_grid"]


@dataclass
class Built:
    model: Any
    decode: Callable[[Any], dict[str, Any]]
    scale: float
    n_points: int
    n_binaries: int


def evaluate_grid(problem: Problem, space: DesignSpace, sizes: dict[str, int], max_points: int,
                  chunk: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(indices, objective values, bound metric values (N, B), ok mask) over the whole grid.

    ``ok`` = the model says feasible and the objective and bound metrics are finite. Bounds are
    not applied here: they become MILP constraints.
    """
    total = int(np.prod([len(a) for a in grid_axes(space, sizes)], dtype=object))
    if total > max_points:
        raise DseInputError("pyomo grid size", total, f"at most max_points={max_points} points (lower grid_sizes)")
    obj = problem.objectives[0].metric
    vals, bvals, oks = [], [], []
    for a, b in iter_chunks(total, chunk):
        m = problem.model.evaluate(problem.workload, space.grid_design(a, b, sizes)).numpy()
        problem.apply_bounds(m)  # names exist
        v = np.asarray(m.totals[obj], float)
        bv = np.stack([np.asarray(m.totals[bd.metric], float) for bd in problem.bounds], axis=1) \
            if problem.bounds else np.zeros((b - a, 0))
        vals.append(v)
        bvals.append(bv)
        oks.append(np.asarray(m.feasible, bool) & np.isfinite(v) & np.isfinite(bv).all(axis=1))
    return np.arange(total), np.concatenate(vals), np.concatenate(bvals), np.concatenate(oks)


def _scale(v: np.ndarray) -> float:
    s = float(np.max(np.abs(v))) if len(v) else 1.0
    return s if s > 0 and math.isfinite(s) else 1.0


def _bound_constraints(pe: Any, m: Any, problem: Problem, terms: Callable[[int], Any]) -> None:
    """``low <= sum(coef * var) <= high`` for each bound, scaled by the bound's magnitude."""
    m.bounds = pe.ConstraintList()
    for j, b in enumerate(problem.bounds):
        for side, limit in (("high", b.high), ("low", b.low)):
            if limit is None:
                continue
            s = max(abs(limit), 1e-300)
            expr = terms(j) / s
            m.bounds.add(expr <= limit / s if side == "high" else expr >= limit / s)


def build_onehot(problem: Problem, space: DesignSpace, sizes: dict[str, int], max_points: int,
                 chunk: int) -> Built:
    import pyomo.environ as pe

    idx, v, bv, ok = evaluate_grid(problem, space, sizes, max_points, chunk)
    keep = np.flatnonzero(ok)
    v, bv, idx = v[keep], bv[keep], idx[keep]
    scale = _scale(v)
    if not len(keep):
        return Built(None, lambda model: {}, scale, int(ok.size), 0)
    m = pe.ConcreteModel(name="dse_onehot")
    m.I = pe.RangeSet(0, len(keep) - 1) if len(keep) else pe.Set(initialize=[])
    m.x = pe.Var(m.I, within=pe.Binary)
    m.pick_one = pe.Constraint(expr=pe.quicksum(m.x[i] for i in m.I) == 1)
    sense = pe.minimize if problem.objectives[0].direction == "min" else pe.maximize
    m.objective = pe.Objective(expr=pe.quicksum(float(v[i] / scale) * m.x[i] for i in m.I), sense=sense)
    _bound_constraints(pe, m, problem, lambda j: pe.quicksum(float(bv[i, j]) * m.x[i] for i in m.I))

    def decode(model: Any) -> dict[str, Any]:
        chosen = max(model.I, key=lambda i: pe.value(model.x[i]))
        d = grid_points(space, [idx[chosen]], sizes)
        return {k: d[k][0] for k in d}

    return Built(m, decode, scale, int(ok.size), len(keep))


def build_pwl(problem: Problem, space: DesignSpace, sizes: dict[str, int], max_points: int, chunk: int,
              knob: str | None) -> Built:
    import pyomo.environ as pe

    floats = [k for k in space.knobs if isinstance(k, Float)]
    if knob is None:
        if len(floats) != 1:
            raise DseInputError("pwl_knob", None, "the float knob to interpolate (space has "
                                + (", ".join(k.name for k in floats) or "no float knob") + ")")
        knob = floats[0].name
    f = space[knob]
    if not isinstance(f, Float):
        raise DseInputError("pwl_knob", knob, "a float knob: " + (", ".join(k.name for k in floats) or "(none)"))
    g = np.asarray(f.grid(sizes.get(knob)), float)
    u = np.log(g) if f.log else g  # interpolate on the knob's natural scale
    J = len(g)
    _, v, bv, ok = evaluate_grid(problem, space, sizes, max_points, chunk)
    # Reorder the flat grid into (combo, j): move the float knob's axis last.
    shape = [len(a) for a in grid_axes(space, sizes)]
    pos = space.names.index(knob)
    flat = np.arange(len(v)).reshape(shape)
    order = np.moveaxis(flat, pos, -1).reshape(-1, J)
    V, OK = v[order], ok[order]
    BV = bv[order] if bv.shape[1] else np.zeros(order.shape + (0,))
    combos = np.flatnonzero(OK.any(axis=1))
    if not len(combos):
        return Built(None, lambda model: {}, 1.0, int(ok.size), 0)
    pieces = [(c, tuple(p)) for c in combos for p in _pieces(OK[c])]
    scale = _scale(V[OK])
    m = pe.ConcreteModel(name="dse_pwl")
    m.C = pe.Set(initialize=combos.tolist())
    m.L = pe.Set(initialize=[(int(c), j) for c in combos for j in range(J) if OK[c, j]], dimen=2)
    m.P = pe.RangeSet(0, len(pieces) - 1)
    m.y = pe.Var(m.C, within=pe.Binary)
    m.lam = pe.Var(m.L, bounds=(0, 1))
    m.s = pe.Var(m.P, within=pe.Binary)
    m.pick_one = pe.Constraint(expr=pe.quicksum(m.y[c] for c in m.C) == 1)
    m.weights = pe.Constraint(m.C, rule=lambda mm, c: pe.quicksum(mm.lam[c, j] for j in range(J) if OK[c, j]) == mm.y[c])
    by_combo: dict[int, list[int]] = {}
    for p, (c, _) in enumerate(pieces):
        by_combo.setdefault(int(c), []).append(p)
    m.one_piece = pe.Constraint(m.C, rule=lambda mm, c: pe.quicksum(mm.s[p] for p in by_combo[c]) == mm.y[c])
    m.adjacent = pe.Constraint(m.L, rule=lambda mm, c, j: mm.lam[c, j] <= pe.quicksum(
        mm.s[p] for p in by_combo[c] if j in pieces[p][1]))
    sense = pe.minimize if problem.objectives[0].direction == "min" else pe.maximize
    m.objective = pe.Objective(expr=pe.quicksum(float(V[c, j] / scale) * m.lam[c, j] for c, j in m.L), sense=sense)
    _bound_constraints(pe, m, problem, lambda b: pe.quicksum(float(BV[c, j, b]) * m.lam[c, j] for c, j in m.L))
    others = [k for k in space.knobs if k.name != knob]
    other_sizes = [len(a) for k, a in zip(space.knobs, grid_axes(space, sizes)) if k.name != knob]

    def decode(model: Any) -> dict[str, Any]:
        c = max(model.C, key=lambda cc: pe.value(model.y[cc]))
        coord = sum(pe.value(model.lam[c, j]) * u[j] for j in range(J) if OK[c, j])
        value = float(np.clip(math.exp(coord) if f.log else coord, f.low, f.high))
        out: dict[str, Any] = {}
        rem = int(c)
        for k, n, axis in reversed([(k, n, a) for k, n, a in zip(others, other_sizes,
                                    [a for kk, a in zip(space.knobs, grid_axes(space, sizes)) if kk.name != knob])]):
            out[k.name] = axis[rem % n]
            rem //= n
        out[knob] = value
        return {k.name: out[k.name] for k in space.knobs}

    return Built(m, decode, scale, int(ok.size), len(combos) + len(pieces))


def _pieces(ok_row: np.ndarray) -> list[list[int]]:
    """Segments between consecutive feasible grid values; an isolated feasible value is a piece alone."""
    J = len(ok_row)
    pieces = [[j, j + 1] for j in range(J - 1) if ok_row[j] and ok_row[j + 1]]
    covered = {j for p in pieces for j in p}
    pieces += [[j] for j in range(J) if ok_row[j] and j not in covered]
    return pieces


def design_from_values(space: DesignSpace, values: dict[str, Any]) -> Design:
    """A one-point design from decoded values (codes for categoricals), validated by the knobs."""
    labels = {k.name: [k.decode(values[k.name]) if k.is_categorical else values[k.name]] for k in space.knobs}
    return space.design(labels)
