"""Search back-ends: exhaustive vectorised sweep, Optuna, Pyomo MILP (HiGHS)."""

from __future__ import annotations

from .base import Bound, Objective, Problem, Solver, SolveResult

__all__ = ["Bound", "Objective", "Problem", "SolveResult", "Solver"]
