"""Solver contract: a search back-end takes a :class:`Problem` and returns a :class:`SolveResult`.

Solvers know nothing of cost formulas; a problem knows nothing of solvers (Pyomo's split). A
solver class says whether it can run here (``available() -> (ok, why)``); an unavailable solver
is an error, never a silent fallback.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Mapping

import numpy as np
import pandas as pd

from dse.errors import DseInputError
from dse.metrics import Feasibility, Metrics
from dse.model import CostModel
from dse.space import Design, DesignSpace

__all__ = ["Objective", "Bound", "Problem", "SolveResult", "Solver", "RESULTS_CSV", "BEST_CSV", "SOLVE_JSON"]

#: Files a solver writes into ``out_dir`` (read back by :meth:`SolveResult.load` and ``dse report``).
RESULTS_CSV = "results.csv"
BEST_CSV = "best.csv"
SOLVE_JSON = "solve.json"


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
    space: DesignSpace | None = None
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


@dataclass
class SolveResult:
    """Everything evaluated (``table``), the best / Pareto rows (``best``), and solver info."""

    table: pd.DataFrame
    best: pd.DataFrame
    n_evals: int
    wall_time_s: float
    info: dict[str, Any] = field(default_factory=dict)

    def save(self, out_dir: Path | str) -> list[Path]:
        """Write ``results.csv``, ``best.csv`` and ``solve.json`` into ``out_dir`` (atomically)."""
        import json

        from dse.report import atomic_write_text, csv_text

        out = Path(out_dir)
        meta = {"n_evals": int(self.n_evals), "wall_time_s": float(self.wall_time_s), "info": self.info}
        files = [out / RESULTS_CSV, out / BEST_CSV, out / SOLVE_JSON]
        atomic_write_text(files[0], csv_text(self.table))
        atomic_write_text(files[1], csv_text(self.best))
        atomic_write_text(files[2], json.dumps(meta, indent=2, sort_keys=True, default=_json_default) + "\n")
        return files

    @classmethod
    def load(cls, out_dir: Path | str) -> "SolveResult":
        """Read back what :meth:`save` wrote."""
        import json

        out = Path(out_dir)
        meta = json.loads((out / SOLVE_JSON).read_text())
        return cls(pd.read_csv(out / RESULTS_CSV), pd.read_csv(out / BEST_CSV), meta["n_evals"],
                   meta["wall_time_s"], meta.get("info", {}))


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    return str(obj)


class Solver(ABC):
    """Base class: ``__init__`` stores options verbatim; :meth:`solve` runs the search."""

    name: ClassVar[str] = ""
    #: Option name -> default. When non-empty, unknown option names are rejected at construction.
    option_defaults: ClassVar[Mapping[str, Any]] = {}

    def __init__(self, **options: Any) -> None:
        if self.option_defaults:
            from dse.errors import UnknownNameError

            for key in options:
                if key not in self.option_defaults:
                    raise UnknownNameError(f"{self.name} solver option", key, list(self.option_defaults))
        self.options = dict(options)

    def opt(self, name: str) -> Any:
        """Option ``name`` as given, else its default."""
        return self.options.get(name, self.option_defaults.get(name))

    @classmethod
    def available(cls) -> tuple[bool, str]:
        return True, ""

    @abstractmethod
    def solve(self, problem: Problem, *, out_dir: Path | None = None, progress: bool = False) -> SolveResult:
        ...

    @staticmethod
    def clock() -> float:
        return time.perf_counter()
