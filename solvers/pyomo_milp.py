"""Pyomo MILP search solved with HiGHS (``appsi_highs``), for one objective under bounds.

Methods (option ``method``):

* ``"algebraic"`` -- the cost model declares the ``algebraic`` capability and implements the hook

  ``build_pyomo(workload, space, objective, bounds) -> pyomo.environ.ConcreteModel``

  returning a model with exactly one active objective (``objective.metric`` in
  ``objective.direction``), constraints for ``bounds`` and for the model's feasibility rules, and an
  attribute ``dse_knobs``: a dict knob name -> Pyomo variable or expression whose value after the
  solve is the knob's value (categorical knobs: the code, i.e. the index into ``choices``).
  Optionally ``dse_objective_transform``: an increasing function mapping the MILP objective to the
  metric's units (e.g. ``math.exp`` for a model written in log space). The
  solver rounds integer knobs, re-evaluates the decoded design with the model's ``evaluate`` and
  reports both numbers (a mismatch means the algebraic form and the model disagree).
* ``"onehot"`` -- any model: sweep the (restricted) grid, one binary per feasible point (exact on
  the grid; see :mod:`solvers.milp_generic`).
* ``"pwl"`` -- any model: one float knob interpolated piecewise-linearly, the rest one-hot.
* ``"auto"`` (default) -- ``algebraic`` when the model declares it, else ``onehot``.

``SolveResult.info`` holds ``termination_condition``, ``objective_value`` (the MILP's, in the
metric's units), ``objective_bound`` (the solver's dual bound), ``solver_wall_time_s``,
``build_s``, ``evaluated_objective`` (the cost model at the decoded design) and
``model_gap_rel``. An unavailable solver raises :class:`~dse.errors.UnavailableError`; there is
no fallback to another solver.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from dse.errors import DseError, DseInputError, UnavailableError
from dse.space import DesignSpace
from dse.table import result_frame

from .base import Problem, Solver, SolveResult
from .highs import open_highs
from .highs import run as run_highs
from .milp_generic import Built, build_onehot, build_pwl, design_from_values

__all__ = ["PyomoSolver", "METHODS", "open_solver"]

METHODS = ("auto", "algebraic", "onehot", "pwl")


def open_solver(name: str, *, time_limit_s: float | None, mip_gap: float | None, tee: bool) -> Any:
    """A configured Pyomo solver object, or :class:`UnavailableError` saying why not."""
    try:
        import pyomo.environ as pe
    except ImportError as exc:  # pragma: no cover - pyomo is a core dependency
        raise UnavailableError("solver", "pyomo", f"pyomo is not installed ({exc})") from exc
    if name == "appsi_highs":
        return open_highs(time_limit_s=time_limit_s, mip_gap=mip_gap, tee=tee)
    opt = pe.SolverFactory(name)
    if opt is None or not opt.available(exception_flag=False):
        raise UnavailableError("solver", name, "Pyomo cannot find this solver here (not installed or no "
                               "executable on PATH); the default is appsi_highs")
    return opt


class PyomoSolver(Solver):
    """MILP over the problem (one objective, bounds as constraints). Options (constructor keywords):

    ``solver`` (``appsi_highs``, or another Pyomo solver name), ``method`` (auto, algebraic, onehot,
    pwl), ``grid_sizes`` and ``max_points`` (generic methods), ``pwl_knob`` (float knob for ``pwl``),
    ``time_limit_s``, ``mip_gap`` (relative; default 1e-9 so the optimum is exact), ``tee``.
    """

    name = "pyomo"
    option_defaults = {"solver": "appsi_highs", "method": "auto", "grid_sizes": None, "max_points": 100_000,
                       "chunk": 32768, "pwl_knob": None, "time_limit_s": None, "mip_gap": 1e-9, "tee": False,
                       "points": None, "seed": None}

    @classmethod
    def available(cls) -> tuple[bool, str]:
        try:
            open_solver("appsi_highs", time_limit_s=None, mip_gap=None, tee=False)
        except UnavailableError as exc:
            return False, exc.why
        return True, ""

    def solve(self, problem: Problem, *, out_dir: Path | None = None, progress: bool = False) -> SolveResult:
        t0 = self.clock()
        if len(problem.objectives) != 1:
            raise DseInputError("objectives", len(problem.objectives),
                                "exactly one objective for pyomo (turn the others into bounds)")
        solver_name = str(self.opt("solver"))
        opt = open_solver(solver_name, time_limit_s=self.opt("time_limit_s"), mip_gap=self.opt("mip_gap"),
                          tee=bool(self.opt("tee")))
        method = self._method(problem)
        objective = problem.objectives[0]
        sizes = {**(self.opt("points") or {}), **(self.opt("grid_sizes") or {})}
        space: DesignSpace = problem.space
        if method == "algebraic":
            build_pyomo = problem.model.build_pyomo  # type: ignore[attr-defined]  # 'algebraic' models
            m = build_pyomo(problem.workload, space, objective, tuple(problem.bounds))
            if not hasattr(m, "dse_knobs"):
                raise DseError(f"{problem.model.name}.build_pyomo must set model.dse_knobs (knob -> Pyomo expression)")
            built = Built(m, _decode_algebraic(space), 1.0, 1, _count_binaries(m))
        elif method == "onehot":
            built = build_onehot(problem, space, sizes, int(self.opt("max_points")), int(self.opt("chunk")))
        else:
            built = build_pwl(problem, space, sizes, int(self.opt("max_points")), int(self.opt("chunk")),
                              self.opt("pwl_knob"))
        build_s = self.clock() - t0
        info: dict[str, Any] = {"solver": self.name, "backend": solver_name, "method": method, "build_s": build_s,
                                "n_points": built.n_points, "n_binaries": built.n_binaries,
                                "problem": problem.describe()}
        if built.model is None:
            info.update(termination_condition="infeasible", objective_value=None, objective_bound=None,
                        solver_wall_time_s=0.0, note="no feasible grid point")
            return self._finish(problem, None, info, built.n_points, t0, out_dir)
        status = _run(opt, built.model, solver_name)
        info.update(status)
        transform = getattr(built.model, "dse_objective_transform", None) if method == "algebraic" else None
        for key in ("objective_value", "objective_bound"):
            if info[key] is not None:
                info[key] = float(transform(info[key])) if transform else float(info[key]) * built.scale
        values = built.decode(built.model) if status["has_solution"] else None
        return self._finish(problem, values, info, built.n_points, t0, out_dir)

    def _method(self, problem: Problem) -> str:
        method = self.opt("method")
        if method not in METHODS:
            raise DseInputError("method", method, "one of " + ", ".join(METHODS))
        algebraic = "algebraic" in problem.model.capabilities and hasattr(problem.model, "build_pyomo")
        if method == "auto":
            return "algebraic" if algebraic else "onehot"
        if method == "algebraic" and not algebraic:
            raise DseInputError("method", method, f"onehot or pwl (model {problem.model.name} has no "
                                "'algebraic' capability / build_pyomo hook)")
        return method

    def _finish(self, problem: Problem, values: dict[str, Any] | None, info: dict[str, Any], n_evals: int,
                t0: float, out_dir: Path | None) -> SolveResult:
        if values:
            design = design_from_values(problem.space, values)
            metrics = problem.evaluate(design)
            table = result_frame(design, metrics)
            metric = problem.objectives[0].metric
            evaluated = float(table[metric].iloc[0])
            info["evaluated_objective"] = evaluated
            mv = info.get("objective_value")
            info["model_gap_rel"] = abs(evaluated - mv) / max(abs(evaluated), 1e-300) if mv is not None else None
            table["milp_objective"] = mv
        else:
            empty = problem.space.grid_design(0, 1)
            table = result_frame(empty, problem.evaluate(empty)).iloc[:0]
            info["evaluated_objective"] = None
            info["model_gap_rel"] = None
        result = SolveResult(table, table.copy(), n_evals + (1 if values else 0), self.clock() - t0, info)
        if out_dir is not None:
            result.save(out_dir)
        return result


def _decode_algebraic(space: DesignSpace):
    import pyomo.environ as pe

    def decode(model: Any) -> dict[str, Any]:
        out = {}
        for k in space.knobs:
            if k.name not in model.dse_knobs:
                raise DseError(f"build_pyomo: dse_knobs has no entry for knob {k.name!r}")
            v = pe.value(model.dse_knobs[k.name])
            out[k.name] = v if k.__class__.__name__ == "Float" else int(round(v))
        return out

    return decode


def _count_binaries(m: Any) -> int:
    import pyomo.environ as pe

    return sum(1 for v in m.component_data_objects(pe.Var, active=True) if v.is_binary() or v.is_integer())


def _run(opt: Any, model: Any, name: str) -> dict[str, Any]:
    """Solve; return termination condition, objective value and bound, wall time, has_solution."""
    if name.startswith("appsi_"):
        # any status with an incumbent is loaded; the caller reports the termination condition
        out = run_highs(opt, model, accept=None)
        return {"termination_condition": out.status, "objective_value": out.objective_value,
                "objective_bound": out.objective_bound, "solver_wall_time_s": out.wall_time_s,
                "has_solution": out.has_solution}
    import time

    import pyomo.environ as pe

    t = time.perf_counter()
    res = opt.solve(model, load_solutions=False)
    wall = time.perf_counter() - t
    tc = res.solver.termination_condition
    has = len(res.solution) > 0
    if has:
        model.solutions.load_from(res)
    obj = next(model.component_data_objects(pe.Objective, active=True))
    bound = res.problem.lower_bound if obj.sense == pe.minimize else res.problem.upper_bound
    return {"termination_condition": str(tc), "objective_value": pe.value(obj) if has else None,
            "objective_bound": _finite(bound), "solver_wall_time_s": wall, "has_solution": bool(has)}


def _finite(x: Any) -> float | None:
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return x if np.isfinite(x) else None
