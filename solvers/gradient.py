"""Gradient search over the continuous knobs of a differentiable (``grad``) cost model (torch).

The knobs split in two:

* **relaxed** - the model's ``grad_knobs`` (plus any named in ``relax``) that are ``Float``,
  ``Int`` or ``Pow2`` in the problem's space. Each is optimised as ``u in [0, 1]`` mapped to the
  knob's range (log-scaled for ``log`` knobs and ``Pow2``: ``x = low * (high/low)**u``); Int/Pow2
  are real-valued during the descent.
* **enumerated** - every other knob takes each value of its grid (the sweep's grid: categorical
  choices, Int/Pow2 values, ``grid_sizes`` for Float); a knob restricted to one value is fixed.

For every enumerated combination, ``starts`` seeded starting points (the knob defaults clipped
into range, then uniform in ``u``) run ``steps`` Adam steps on ``sign * objective / |objective at
start|`` (+ ``bound_weight * sum max(0, relative bound violation)``), all in one batched torch
evaluation per step, the step size decaying on a cosine to 0; after each step ``u`` is clipped to ``[0, 1]`` (projection onto the bounds).
At the end each relaxed Int/Pow2 knob is rounded to its grid: both neighbours (floor/ceil on the
lattice, or in log2 for Pow2) are candidates, every combination of them is kept.

The reported table is built from a plain re-evaluation of the rounded designs with
:func:`dse.table.result_frame` (so each row equals ``dse whatif`` of its labels); ``best`` is the
feasible row(s) with the best objective. One objective only: scalarise upstream for several.
Needs torch and a model declaring the ``grad`` capability.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path
from typing import Any

import numpy as np

from dse.errors import DseInputError
from dse.knobs import Float, Int, Pow2
from dse.space import Design
from dse.table import FEASIBLE, result_frame

from .base import Problem, Solver, SolveResult
from .sweep import grid_axes, sort_best

__all__ = ["GradientSolver"]


def _is_log(knob: Any) -> bool:
    return isinstance(knob, Pow2) or (bool(getattr(knob, "log", False)) and knob.low > 0)


class GradientSolver(Solver):
    """Projected Adam over relaxed knobs, enumeration over the rest, rounding at the end.

    Options: ``steps`` (default 200), ``lr`` (Adam step in the unit cube, 0.05), ``starts``
    (starting points per enumerated combination, 4), ``seed``, ``relax`` (extra knob names to relax;
    the model must be differentiable in them), ``grid_sizes`` (grid values of enumerated Float knobs),
    ``max_combinations`` (guard on the enumeration, 4096), ``bound_weight`` (10.0).
    """

    name = "gradient"
    option_defaults = {"steps": 200, "lr": 0.05, "starts": 4, "seed": 0, "relax": (), "grid_sizes": None,
                       "max_combinations": 4096, "bound_weight": 10.0}

    @classmethod
    def available(cls) -> tuple[bool, str]:
        try:
            import torch  # noqa: F401
        except ImportError:
            return False, "needs torch (pip install torch)"
        return True, ""

    def solve(self, problem: Problem, *, out_dir: Path | None = None, progress: bool = False) -> SolveResult:
        import torch

        t0 = self.clock()
        model, space = problem.model, problem.space
        if "grad" not in model.capabilities:
            raise DseInputError("solver", self.name, f"a model with the 'grad' capability ({model.name} has not)")
        if len(problem.objectives) != 1:
            raise DseInputError("objectives", len(problem.objectives), "one objective for the gradient solver")
        steps, starts = int(self.opt("steps")), int(self.opt("starts"))
        if steps < 0 or starts < 1:
            raise DseInputError("steps/starts", (steps, starts), "steps >= 0 and starts >= 1")
        wanted = set(getattr(model, "grad_knobs", ())) | set(self.opt("relax") or ())
        for name in wanted - set(space.names):
            space[name]  # UnknownNameError listing the knobs
        relaxed = [k for k in space.knobs if k.name in wanted and isinstance(k, (Float, Int, Pow2)) and k.high > k.low]
        enum = [k for k in space.knobs if k not in relaxed]
        sizes = dict(self.opt("grid_sizes") or {})
        axes = dict(zip(space.names, grid_axes(space, sizes)))
        n_combos = math.prod(len(axes[k.name]) for k in enum)  # checked before anything is materialised
        if n_combos > int(self.opt("max_combinations")):
            raise DseInputError("enumerated combinations", n_combos,
                                f"at most max_combinations={self.opt('max_combinations')} (restrict the space)")
        combos = list(itertools.product(*[axes[k.name] for k in enum]))
        n = len(combos) * starts
        rng = np.random.default_rng(int(self.opt("seed")))
        fixed = {k.name: np.repeat(np.asarray([c[i] for c in combos]), starts) for i, k in enumerate(enum)}
        u0 = np.empty((n, len(relaxed)))
        for j, k in enumerate(relaxed):
            u0[:, j] = rng.uniform(0.0, 1.0, size=n)
            u0[::starts, j] = self._to_unit(k, float(np.clip(k.default, k.low, k.high)))
        u = torch.tensor(u0, dtype=torch.float64, requires_grad=True)
        obj = problem.objectives[0]
        tfixed = {name: torch.as_tensor(v) for name, v in fixed.items()}
        history: list[float] = []
        if relaxed and steps:
            opt = torch.optim.Adam([u], lr=float(self.opt("lr")))
            sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda t: 0.5 * (1 + math.cos(math.pi * t / steps)))
            scale = None
            for _ in range(steps):
                m = model.evaluate(problem.workload, Design(space, {**tfixed, **self._values(relaxed, u)}, n),
                                   layers=False)
                f = obj.sign() * m.totals[obj.metric]
                if scale is None:
                    scale = f.detach().abs().clamp_min(1e-300)
                loss = (f / scale).sum() + float(self.opt("bound_weight")) * self._violation(problem, m)
                if not loss.requires_grad:  # the objective does not depend on the relaxed knobs here
                    break
                opt.zero_grad()
                loss.backward()
                if u.grad is not None:
                    u.grad = torch.nan_to_num(u.grad, nan=0.0, posinf=0.0, neginf=0.0)
                opt.step()
                sched.step()
                with torch.no_grad():
                    u.clamp_(0.0, 1.0)  # projection onto the knob bounds
                history.append(float(loss.detach()))
        design = self._rounded(space, relaxed, u.detach().numpy(), fixed, n)
        table = result_frame(design, problem.evaluate(design, layers=False))
        table = table.drop_duplicates(subset=list(space.names), ignore_index=True)
        ok = table[FEASIBLE].to_numpy(bool) & np.isfinite(table[obj.metric].to_numpy(float))
        table["best"] = False
        if ok.any():
            vals = obj.sign() * table[obj.metric].to_numpy(float)
            table.loc[ok & (vals == vals[ok].min()), "best"] = True
        best = sort_best(problem, table[table["best"]])
        info = {"solver": self.name, "relaxed": [k.name for k in relaxed], "enumerated": [k.name for k in enum],
                "combinations": len(combos), "starts": starts, "steps": steps, "loss_first": history[:1],
                "loss_last": history[-1:], "problem": problem.describe()}
        result = SolveResult(table, best, int(n * max(steps, 1) + len(table)), self.clock() - t0, info)
        if out_dir is not None:
            result.save(out_dir)
        return result

    # -- helpers -----------------------------------------------------------------------------------
    @staticmethod
    def _to_unit(k: Any, x: float) -> float:
        if _is_log(k):
            return math.log(x / k.low) / math.log(k.high / k.low)
        return (x - k.low) / (k.high - k.low)

    @staticmethod
    def _values(relaxed: list[Any], u: Any) -> dict[str, Any]:
        out = {}
        for j, k in enumerate(relaxed):
            lo, hi = float(k.low), float(k.high)
            out[k.name] = lo * (hi / lo) ** u[:, j] if _is_log(k) else lo + (hi - lo) * u[:, j]
        return out

    @staticmethod
    def _violation(problem: Problem, m: Any) -> Any:
        total = 0.0
        for b in problem.bounds:
            v = m.totals[b.metric]
            if b.high is not None:
                total = total + ((v - b.high) / max(abs(b.high), 1e-300)).clamp_min(0.0).sum()
            if b.low is not None:
                total = total + ((b.low - v) / max(abs(b.low), 1e-300)).clamp_min(0.0).sum()
        return total

    def _rounded(self, space: Any, relaxed: list[Any], u: np.ndarray, fixed: dict[str, np.ndarray], n: int) -> Design:
        """Every point with each relaxed Int/Pow2 knob at both lattice neighbours (Float kept)."""
        cont = {k.name: np.clip(v, k.low, k.high)
                for k, v in zip(relaxed, (np.asarray(a) for a in self._values(relaxed, u).values()))}
        options: list[list[np.ndarray]] = []
        for k in relaxed:
            x = cont[k.name]
            if isinstance(k, Pow2):
                e = np.log2(np.maximum(x, k.low))
                cands = [np.clip(2 ** np.floor(e), k.low, k.high), np.clip(2 ** np.ceil(e), k.low, k.high)]
                options.append([c.astype(np.int64) for c in cands])
            elif isinstance(k, Int):
                lo = k.low + np.floor((x - k.low) / k.step) * k.step
                options.append([np.clip(lo, k.low, k.high).astype(np.int64),
                                np.clip(lo + k.step, k.low, k.high).astype(np.int64)])
            else:
                options.append([x])
        parts: dict[str, list[np.ndarray]] = {name: [] for name in space.names}
        for pick in itertools.product(*options) if options else [()]:
            for k, arr in zip(relaxed, pick):
                parts[k.name].append(arr)
            for name, arr in fixed.items():
                parts[name].append(arr)
        arrays = {name: np.concatenate(v) for name, v in parts.items()}
        return Design(space, arrays, len(next(iter(arrays.values()))) if arrays else 0)

