"""solvers.highs: the shared HiGHS helper reads the termination condition before any value."""

from __future__ import annotations

import pytest

pyo = pytest.importorskip("pyomo.environ")

from dse.errors import DseError  # noqa: E402
from solvers import highs  # noqa: E402

if not highs.available()[0]:  # pragma: no cover
    pytest.skip(highs.available()[1], allow_module_level=True)


def _model(rhs: float):
    m = pyo.ConcreteModel()
    m.x = pyo.Var(domain=pyo.NonNegativeIntegers, bounds=(0, 10))
    m.c = pyo.Constraint(expr=m.x >= rhs)
    m.obj = pyo.Objective(expr=m.x)
    return m


def test_optimal_solution_is_loaded():
    """An optimal MILP loads its values: min x s.t. x >= 2.5, x integer -> 3."""
    m = _model(2.5)
    run = highs.solve(m)
    assert run.status == "optimal" and run.loaded
    assert pyo.value(m.x) == pytest.approx(3.0)
    run.require("toy")


def test_infeasible_model_loads_nothing_and_require_raises():
    """An infeasible MILP loads no value and require() names HiGHS's status."""
    m = _model(11.0)  # x <= 10 by its bounds
    run = highs.solve(m)
    assert not run.loaded and not run.has_solution and run.status != "optimal"
    assert m.x.value is None
    with pytest.raises(DseError, match=run.status):
        run.require("toy")


def test_status_outside_accept_is_not_loaded():
    """A solution whose status is not accepted is not loaded (the caller decides what to accept)."""
    m = _model(2.5)
    run = highs.solve(m, accept=("maxTimeLimit",))
    assert run.status == "optimal" and run.has_solution and not run.loaded
    assert m.x.value is None
