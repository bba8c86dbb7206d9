"""What a search is asked: a :class:`Problem` (model, workload, space, objectives, metric bounds).

Core types, known to the study runner and every solver; a problem knows nothing of solvers
(Pyomo's split). Re-exported by :mod:`solvers` for compatibility.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import DseInputError
from .metrics import Feasibility, Metrics
from .model import CostModel
from .space import Design, DesignSpace

__all__ = ["Bound", "Objective", "Problem"]


@dataclass(frozen=True)
class Objective:
    """A metric total to minimise or maximise."""

    metric: str
    direction: str = "min"

    def __post_init__(self) -> None:
        if self.direction not in ("min", "max"):
            raise DseInputError(f"objective {self.metric}", self.direction, "min or max")

    def sign(self) -> float:
        return 1.0 if self.direction == "min" else -1.0


@dataclass(frozen=True)
class Bound:
    """A constraint on a metric total: ``low <= metric <= high`` (either side optional)."""

    metric: str
    low: float | None = None
    high: float | None = None


@dataclass
class Problem:
    """What to search: a model with fixed knobs, a workload, a (restricted) space, objectives."""

    model: CostModel
    workload: Any
    objectives: tuple[Objective, ...]
    space: DesignSpace = None  # type: ignore[assignment]  # None: the model's whole space (__post_init__)
    bounds: tuple[Bound, ...] = ()
    seed: int = 0

    def __post_init__(self) -> None:
        if self.space is None:
            self.space = self.model.space
        if not self.objectives:
            raise DseInputError("objectives", "()", "at least one metric to minimise or maximise")
        known = set(self.model.metric_units) | {"latency_s", "energy_j"}
        for o in self.objectives:
            if not o.metric:
                raise DseInputError("objective", o.metric, "a metric name")
        self._known = known

    def evaluate(self, design: Design, *, layers: bool = True) -> Metrics:
        """Evaluate and fold metric bounds into the feasibility mask (reason names the bound);
        ``layers=False``: totals only (see :meth:`dse.model.CostModel.evaluate`)."""
        return self.apply_bounds(self.model.evaluate(self.workload, design, layers=layers).numpy())

    def bound_violations(self, metrics: Metrics) -> np.ndarray:
        """``(N, n_bounds)`` relative violation of each bound (> 0 violated, <= 0 satisfied).

        ``(value - high) / max(|high|, 1e-300)`` for upper bounds, the mirror image for lower
        bounds; a bound with both sides reports the larger. Non-finite values count as 1.
        """
        out = np.zeros((metrics.n, len(self.bounds)))
        for j, b in enumerate(self.bounds):
            if b.metric not in metrics.totals:
                raise DseInputError("constraint", b.metric, "a metric of model " + self.model.name)
            v = np.asarray(metrics.totals[b.metric], dtype=float)
            worst = np.full(metrics.n, -np.inf)
            if b.high is not None:
                worst = np.maximum(worst, (v - b.high) / max(abs(b.high), 1e-300))
            if b.low is not None:
                worst = np.maximum(worst, (b.low - v) / max(abs(b.low), 1e-300))
            out[:, j] = np.where(np.isfinite(v), np.where(np.isfinite(worst), worst, 0.0), 1.0)
        return out

    def apply_bounds(self, m: Metrics) -> Metrics:
        """Check the objectives exist and fold the bounds into ``m``'s feasibility mask."""
        for o in self.objectives:
            if o.metric not in m.totals:
                raise DseInputError("objective", o.metric, "a metric of model " + self.model.name + ": "
                                    + ", ".join(sorted(m.totals)))
        if not self.bounds:
            return m
        f = Feasibility(np, m.n)
        for code, text in enumerate(m.reasons):
            if code:
                f.require(m.reason != code, text)
        for b in self.bounds:
            if b.metric not in m.totals:
                raise DseInputError("constraint", b.metric, "a metric of model " + self.model.name)
            v = m.totals[b.metric]
            if b.high is not None:
                f.require(v <= b.high, f"{b.metric} > {b.high:g}")
            if b.low is not None:
                f.require(v >= b.low, f"{b.metric} < {b.low:g}")
        return Metrics(m.totals, m.layers, m.layer_names, m.layer_kinds, f.feasible, f.reason,
                       f.reasons, m.units)

    def describe(self) -> dict[str, Any]:
        """JSON-ready identity of the problem (stored with results and in Optuna studies)."""
        return {
            "model": self.model.name,
            "model_version": str(self.model.version),
            "fixed": {k: str(v) for k, v in sorted(self.model.fixed.items())},
            "workload": str(getattr(self.workload, "name", self.workload)),
            "objectives": [[o.metric, o.direction] for o in self.objectives],
            "bounds": [[b.metric, b.low, b.high] for b in self.bounds],
            "space": {k.name: k.allowed() for k in self.space},
        }

    def objective_matrix(self, metrics: Metrics) -> np.ndarray:
        """``(N, n_objectives)`` array oriented for minimisation (max objectives negated)."""
        return np.stack([o.sign() * np.asarray(metrics.totals[o.metric], float) for o in self.objectives], axis=1)
