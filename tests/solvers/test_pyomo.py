"""PyomoSolver (HiGHS via appsi): MILP optimum = exhaustive sweep optimum on small cases."""

from __future__ import annotations

import pytest

import dse
from dse.errors import DseInputError, UnavailableError
from solvers.pyomo_milp import PyomoSolver
from solvers.sweep import SweepSolver
from tests.solvers.algebraic_toy import AlgebraicToy

CLOCKS = {"clock": [1e8, 2e8, 3e8, 5e8, 8e8]}
INFO_KEYS = {"termination_condition", "objective_value", "objective_bound", "solver_wall_time_s"}


def sweep_best(problem, **opts):
    return SweepSolver(keep="all", **opts).solve(problem).best.iloc[0]


def test_registry_entry_point():
    assert dse.solvers.get("pyomo") is PyomoSolver
    assert PyomoSolver.available() == (True, "")


@pytest.mark.parametrize("direction,bound", [("min", (None, None)), ("min", (3e-4, None)),
                                             ("max", (None, 3e-4)), ("max", (1e-4, 2e-3))])
@pytest.mark.parametrize("method,model", [("onehot", None), ("algebraic", AlgebraicToy())])
def test_milp_optimum_equals_sweep_optimum(make_problem, direction, bound, method, model):
    bounds = (("latency_s",) + bound,) if bound != (None, None) else ()
    p = make_problem((("latency_s", direction),), bounds=bounds, space=CLOCKS, model=model)
    r = PyomoSolver(method=method).solve(p)
    assert INFO_KEYS <= set(r.info) and r.info["termination_condition"] == "optimal"
    assert r.info["method"] == method
    ref = sweep_best(p)
    assert r.info["objective_value"] == pytest.approx(ref["latency_s"], rel=1e-9)
    assert r.info["objective_bound"] == pytest.approx(ref["latency_s"], rel=1e-6)
    assert r.info["evaluated_objective"] == pytest.approx(ref["latency_s"], rel=1e-9)
    assert r.best["feasible"].all() and len(r.best) == 1


def test_auto_uses_the_algebraic_hook(make_problem):
    """Continuous clock: the algebraic MILP reaches the bound exactly, beyond any grid point."""
    p = make_problem((("latency_s", "max"),), bounds=(("latency_s", None, 3e-4),), model=AlgebraicToy())
    r = PyomoSolver().solve(p)
    assert r.info["method"] == "algebraic"
    assert r.info["evaluated_objective"] == pytest.approx(3e-4, rel=1e-6)
    assert r.info["evaluated_objective"] >= sweep_best(p, grid_sizes={"clock": 21})["latency_s"]


def test_pwl_is_at_least_the_grid_optimum_and_reports_its_error(make_problem):
    p = make_problem((("latency_s", "max"),), bounds=(("latency_s", None, 3e-4),))
    r = PyomoSolver(method="pwl", grid_sizes={"clock": 9}).solve(p)
    grid = sweep_best(p, grid_sizes={"clock": 9})["latency_s"]
    assert r.info["objective_value"] >= grid * (1 - 1e-9)  # grid points are feasible PWL points
    true = r.info["evaluated_objective"]
    assert r.info["model_gap_rel"] == pytest.approx(abs(true - r.info["objective_value"]) / true)
    assert r.info["model_gap_rel"] < 0.05  # latency ~ 1/clock: chord error between 9 log-spaced values


def test_infeasible_problem(make_problem):
    p = make_problem(bounds=(("latency_s", None, 1e-12),), space=CLOCKS)
    r = PyomoSolver().solve(p)
    assert r.info["termination_condition"] == "infeasible" and r.best.empty


def test_errors(make_problem, monkeypatch):
    with pytest.raises(DseInputError, match="exactly one objective"):
        PyomoSolver().solve(make_problem((("latency_s", "min"), ("energy_j", "min"))))
    with pytest.raises(DseInputError, match="algebraic"):
        PyomoSolver(method="algebraic").solve(make_problem())
    with pytest.raises(UnavailableError, match="no_such_solver"):
        PyomoSolver(solver="no_such_solver").solve(make_problem(space=CLOCKS))
    from pyomo.contrib.appsi.solvers import Highs

    monkeypatch.setattr(Highs, "available", lambda self: Highs.Availability.NotFound)
    with pytest.raises(UnavailableError, match="HiGHS is not available"):
        PyomoSolver().solve(make_problem(space=CLOCKS))
    assert PyomoSolver.available()[0] is False
