"""Trial-level helpers shared by the Optuna solver and its worker loop: the sampler factory,
objective values as told to Optuna, and the constraint columns (``Trial.set_constraint`` format).

Import order: :mod:`solvers.optuna_search` -> :mod:`solvers._optuna_loop` -> this module (no
module imports the one above it).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import optuna

from dse.errors import DseInputError
from dse.problem import Problem

__all__ = ["SAMPLERS", "WORST", "constraint_keys", "constraint_rows", "finite_values", "make_sampler"]

SAMPLERS = ("tpe", "nsga2", "random")
#: Value told to Optuna for a non-finite objective (the constraint column marks the point infeasible).
WORST = 1e300


def make_sampler(kind: Any, *, seed: int, batch_size: int,
                 options: dict[str, Any] | None = None) -> optuna.samplers.BaseSampler:
    """``"tpe"`` (constant liar when batch_size > 1), ``"nsga2"``, ``"random"``, or a sampler object."""
    if isinstance(kind, optuna.samplers.BaseSampler):
        return kind
    opts = dict(options or {})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        if kind == "tpe":
            opts.setdefault("constant_liar", batch_size > 1)
            return optuna.samplers.TPESampler(seed=seed, **opts)
        if kind == "nsga2":
            return optuna.samplers.NSGAIISampler(seed=seed, **opts)
        if kind == "random":
            return optuna.samplers.RandomSampler(seed=seed, **opts)
    raise DseInputError("sampler", kind, "one of " + ", ".join(SAMPLERS) + " (or an optuna sampler object)")


def finite_values(problem: Problem, metrics: Any) -> np.ndarray:
    """Objective values in their native direction, non-finite ones replaced by the worst value."""
    cols = []
    for o in problem.objectives:
        v = np.asarray(metrics.totals[o.metric], dtype=float)
        cols.append(np.where(np.isfinite(v), v, WORST if o.direction == "min" else -WORST))
    return np.stack(cols, axis=1)


def constraint_keys(problem: Problem) -> list[str]:
    """System-attribute keys of the constraint columns (Optuna's ``set_constraint`` format)."""
    return ["constraints:model"] + [f"constraints:bound:{b.metric}:{j}" for j, b in enumerate(problem.bounds)]


def constraint_rows(problem: Problem, raw: Any) -> np.ndarray:
    """Optuna constraint values (<= 0 feasible): model feasibility, then one column per bound."""
    finite = np.all([np.isfinite(np.asarray(raw.totals[o.metric], float)) for o in problem.objectives], axis=0)
    infeasible = (~(np.asarray(raw.feasible, bool) & finite)).astype(float)
    return np.column_stack([infeasible, problem.bound_violations(raw)]) if problem.bounds else infeasible[:, None]
