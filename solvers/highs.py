"""One way to solve a Pyomo model on HiGHS (``pyomo.contrib.appsi``), shared by every MILP.

The generic MILP back-end (:mod:`solvers.pyomo_milp`) and the family-specific MILPs
(:mod:`costmodels.fpga.alloc`, :mod:`costmodels.mpc.relu_budget`,
:mod:`costmodels.mpc.garbling_schedule`) build a Pyomo model and call :func:`solve`:

* availability is checked first (:func:`available`; :func:`open_highs` raises
  :class:`~dse.errors.UnavailableError` saying why, never a silent fallback);
* the termination condition is read before any value: the solution is loaded into the model's
  variables only when the status is accepted (``optimal`` by default; a caller may accept
  ``maxTimeLimit`` with an incumbent) and a feasible solution exists. :attr:`HighsRun.loaded` says
  whether it was; :meth:`HighsRun.require` raises :class:`~dse.errors.DseError` naming the status
  otherwise, so no caller reads ``pyo.value`` of an unsolved variable.

This module is the one part of ``solvers/`` a family may import (DESIGN.md §5a, enforced by
``tests/test_layering.py``): it knows Pyomo and HiGHS, no cost model and no :class:`Problem`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from dse.errors import DseError, UnavailableError

__all__ = ["HighsRun", "available", "open_highs", "run", "solve"]


def available() -> tuple[bool, str]:
    """``(True, "")`` when Pyomo's appsi HiGHS interface and ``highspy`` can run here, else why not."""
    try:
        from pyomo.contrib.appsi.solvers import Highs
    except ImportError as exc:  # pragma: no cover - pyomo is a core dependency
        return False, f"pyomo is not installed ({exc})"
    avail = Highs().available()
    return (True, "") if bool(avail) else (False, f"HiGHS is not available ({avail}); pip install highspy")


def open_highs(*, time_limit_s: float | None = None, mip_gap: float | None = None, tee: bool = False) -> Any:
    """A configured appsi ``Highs`` object (solutions never loaded implicitly), or UnavailableError."""
    ok, why = available()
    if not ok:
        raise UnavailableError("solver", "appsi_highs", why)
    from pyomo.contrib.appsi.solvers import Highs

    opt = Highs()
    opt.config.load_solution = False
    opt.config.stream_solver = bool(tee)
    if time_limit_s is not None:
        opt.config.time_limit = float(time_limit_s)
    if mip_gap is not None:
        opt.config.mip_gap = float(mip_gap)
    return opt


@dataclass(frozen=True)
class HighsRun:
    """Outcome of one solve: HiGHS's termination condition (``optimal``, ``infeasible``,
    ``maxTimeLimit``...), whether a feasible solution exists and was loaded, objective value and
    bound (model units; ``None`` when absent), wall time in seconds."""

    status: str
    has_solution: bool
    loaded: bool
    objective_value: float | None
    objective_bound: float | None
    wall_time_s: float

    def require(self, what: str) -> None:
        """Raise :class:`DseError` unless the solution was loaded (``what`` names the model)."""
        if not self.loaded:
            raise DseError(f"{what}: HiGHS stopped with '{self.status}'"
                           + ("" if self.has_solution else " and no feasible solution") + "; no value to read")


def run(opt: Any, model: Any, *, accept: tuple[str, ...] | None = ("optimal",)) -> HighsRun:
    """Solve ``model`` with an opened solver; load the solution only when a feasible one exists and
    its status is in ``accept`` (``None``: any status with an incumbent, for callers that report it)."""
    res = opt.solve(model)
    status = res.termination_condition.name
    best = res.best_feasible_objective
    has = best is not None and math.isfinite(float(best))
    loaded = has and (accept is None or status in accept)
    if loaded:
        res.solution_loader.load_vars()
    return HighsRun(status, bool(has), bool(loaded), float(best) if has else None,
                    _finite(res.best_objective_bound), float(res.wallclock_time or 0.0))


def solve(model: Any, *, time_limit_s: float | None = None, mip_gap: float | None = None, tee: bool = False,
          accept: tuple[str, ...] | None = ("optimal",)) -> HighsRun:
    """:func:`open_highs` then :func:`run` (see the module docstring)."""
    return run(open_highs(time_limit_s=time_limit_s, mip_gap=mip_gap, tee=tee), model, accept=accept)


def _finite(x: Any) -> float | None:
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None
