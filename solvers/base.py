"""Solver contract: a search back-end takes a :class:`~dse.problem.Problem` and returns a :class:`SolveResult`.

``Objective``, ``Bound`` and ``Problem`` live in the core (:mod:`dse.problem`) and are re-exported here.

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

from dse.problem import Bound, Objective, Problem

__all__ = ["Objective", "Bound", "Problem", "SolveResult", "Solver", "RESULTS_CSV", "BEST_CSV", "SOLVE_JSON"]

#: Files a solver writes into ``out_dir`` (read back by :meth:`SolveResult.load` and ``dse report``).
RESULTS_CSV = "results.csv"
BEST_CSV = "best.csv"
SOLVE_JSON = "solve.json"


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
    def load(cls, out_dir: Path | str) -> SolveResult:
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
