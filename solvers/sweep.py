"""Exhaustive vectorised sweep over the cartesian grid of a design space, in bounded memory.

The grid is walked in chunks of ``chunk`` points (:meth:`dse.space.DesignSpace.grid_design`:
mixed-radix indexing, the product is never materialised). Each chunk is evaluated in one batched
call; the solver keeps only the **running Pareto set** (grid indices + objective vectors) and,
optionally, the ``top_k`` best rows by the first objective. At the end the kept points are
re-evaluated (they are few) to build the result table, so memory is
``O(chunk * layers + front size)`` whatever the grid size. Small grids (``keep="auto"`` and at most
``keep_all_max`` points, or ``keep="all"``) keep every row instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from dse.errors import DseError, DseInputError
from dse.metrics import Metrics
from dse.pareto import dominated_by, hypervolume, merge_fronts, non_dominated, reference_point
from dse.space import Design, DesignSpace, concat_designs, iter_chunks
from dse.table import FEASIBLE, result_frame

from .base import Problem, Solver, SolveResult

__all__ = ["SweepSolver", "GridDecoder", "grid_axes", "grid_points", "sort_best"]

KEEP_MODES = ("auto", "all", "pareto")


def grid_axes(space: DesignSpace, grid_sizes: Mapping[str, int] | None) -> list[np.ndarray]:
    """The grid values of every knob (``grid_sizes`` caps the number of values of some knobs)."""
    sizes = dict(grid_sizes or {})
    for name, n in sizes.items():
        space[name]  # UnknownNameError listing the knobs
        if not isinstance(n, (int, np.integer)) or n < 1:
            raise DseInputError(f"grid_sizes.{name}", n, "a positive integer number of grid values")
    return [np.asarray(k.grid(sizes.get(k.name))) for k in space.knobs]


class GridDecoder:
    """Flat grid index -> design point (same mixed-radix order as ``DesignSpace.grid_design``).

    Knobs with a single grid value are filled without arithmetic, so a space restricted to a few
    varying knobs decodes in a few integer passes per chunk.
    """

    def __init__(self, space: DesignSpace, grid_sizes: Mapping[str, int] | None = None):
        self.space = space
        self.axes = grid_axes(space, grid_sizes)
        lens = [len(a) for a in self.axes]
        self.size = int(np.prod(lens, dtype=object)) if lens else 1
        self.strides = [int(np.prod(lens[i + 1:], dtype=object)) for i in range(len(lens))]

    def design(self, index: Any) -> Design:
        idx = np.asarray(index, dtype=np.int64).reshape(-1)
        arrays: dict[str, np.ndarray] = {}
        for knob, axis, stride in zip(self.space.knobs, self.axes, self.strides):
            if len(axis) == 1:
                arrays[knob.name] = np.full(len(idx), axis[0], dtype=axis.dtype)
                continue
            q = idx // stride if stride > 1 else idx
            arrays[knob.name] = axis[q % len(axis)]
        return Design(self.space, arrays, len(idx))

    def chunk(self, start: int, stop: int) -> Design:
        return self.design(np.arange(start, stop, dtype=np.int64))


def grid_points(space: DesignSpace, index: Any, grid_sizes: Mapping[str, int] | None = None) -> Design:
    """Arbitrary grid points by flat index (same mixed-radix order as ``grid_design``)."""
    return GridDecoder(space, grid_sizes).design(index)


def sort_best(problem: Problem, frame: pd.DataFrame) -> pd.DataFrame:
    """Rows ordered by the objectives (first objective first, each in its direction)."""
    cols = [o.metric for o in problem.objectives]
    asc = [o.direction == "min" for o in problem.objectives]
    return frame.sort_values(cols, ascending=asc, kind="mergesort").reset_index(drop=True)


class SweepSolver(Solver):
    """Exhaustive grid sweep with a chunked Pareto filter (2+ objectives) and optional top-k.

    Options (constructor keywords):

    * ``grid_sizes`` -- ``{knob: n}``: number of grid values for some knobs (float knobs default to
      11 values; integer, power-of-two and categorical knobs to all of their values);
    * ``chunk`` -- points per batched ``evaluate`` call (memory ~ chunk x layers x 8 B per array);
    * ``keep`` -- ``"auto"`` (all rows when the grid has at most ``keep_all_max`` points, else the
      Pareto set + top-k), ``"all"``, or ``"pareto"``;
    * ``top_k`` -- also keep the k best feasible rows by the first objective;
    * ``max_points`` -- refuse grids larger than this (a guard against typos in ``grid_sizes``);
    * ``points`` -- alias of ``grid_sizes`` (the CLI's ``--range KNOB=LOW:HIGH:POINTS``);
      ``seed`` is accepted and ignored (a sweep draws nothing at random).
    """

    name = "sweep"
    option_defaults = {"grid_sizes": None, "points": None, "chunk": 32768, "keep": "auto",
                       "keep_all_max": 100_000, "top_k": 0, "max_points": 100_000_000, "seed": None}

    def solve(self, problem: Problem, *, out_dir: Path | None = None, progress: bool = False) -> SolveResult:
        t0 = self.clock()
        space = problem.space
        sizes = {**(self.opt("points") or {}), **(self.opt("grid_sizes") or {})}
        decoder = GridDecoder(space, sizes)
        axes, total = decoder.axes, decoder.size
        chunk, keep, top_k = int(self.opt("chunk")), self.opt("keep"), int(self.opt("top_k"))
        if chunk < 1:
            raise DseInputError("chunk", chunk, "a positive number of points per batch")
        if keep not in KEEP_MODES:
            raise DseInputError("keep", keep, "one of " + ", ".join(KEEP_MODES))
        if total > int(self.opt("max_points")):
            raise DseInputError("sweep size", total, f"at most max_points={self.opt('max_points')} grid points "
                                "(lower grid_sizes or restrict the space)")
        keep_all = keep == "all" or (keep == "auto" and total <= int(self.opt("keep_all_max")))

        n_obj = len(problem.objectives)
        front_idx, front_f = np.empty(0, np.int64), np.empty((0, n_obj))
        top_idx, top_v = np.empty(0, np.int64), np.empty(0)
        worst = np.full(n_obj, -np.inf)
        reasons: dict[str, int] = {}
        n_feasible = 0
        parts: list[tuple[Design, Metrics]] = []
        t_eval = 0.0
        bar = _progress(total, progress)
        try:
            for start, stop in iter_chunks(total, chunk):
                design = decoder.chunk(start, stop)
                te = self.clock()
                metrics = problem.evaluate(design, layers=False)  # the loop keeps totals only
                t_eval += self.clock() - te
                F = problem.objective_matrix(metrics)
                finite = np.isfinite(F).all(axis=1)
                ok = metrics.feasible & finite
                _count_reasons(reasons, metrics, ~finite & metrics.feasible)
                n_ok = int(ok.sum())
                n_feasible += n_ok
                if n_ok:
                    cand = np.flatnonzero(ok)
                    if len(front_idx):  # cheap pass: drop what the running front already dominates
                        cand = cand[~dominated_by(front_f, F[cand])]
                    local = non_dominated(F[cand])
                    cand = cand[local]
                    keep_a, keep_b = merge_fronts(front_f, F[cand])
                    front_idx = np.concatenate([front_idx[keep_a], start + cand[keep_b]])
                    front_f = np.concatenate([front_f[keep_a], F[cand[keep_b]]])
                    worst = np.maximum(worst, F[ok].max(axis=0))
                    if top_k:
                        top_idx, top_v = _merge_top(top_idx, top_v, start + np.flatnonzero(ok), F[ok, 0], top_k)
                if keep_all:
                    parts.append((design, metrics))
                if bar is not None:
                    bar.update(stop - start)
        finally:
            if bar is not None:
                bar.close()
        sweep_s = self.clock() - t0

        if keep_all:
            design = concat_designs([p[0] for p in parts])
            table = result_frame(design, Metrics.concat([p[1] for p in parts]))
            table.insert(0, "grid_index", np.arange(total, dtype=np.int64))
        else:
            kept = np.union1d(front_idx, top_idx)
            table = self._reevaluate(problem, kept, sizes, chunk)
        table["pareto"] = np.isin(table["grid_index"].to_numpy(), front_idx)
        _check_front(problem, table, front_idx, front_f)
        best = sort_best(problem, table[table["pareto"]])

        info: dict[str, Any] = {
            "solver": self.name, "grid_points": total, "n_feasible": n_feasible, "infeasible": reasons,
            "front_size": int(len(front_idx)), "kept": "all" if keep_all else "pareto+top_k",
            "top_k": top_k, "chunk": chunk, "grid_sizes": {k.name: len(a) for k, a in zip(space.knobs, axes)},
            "sweep_s": sweep_s, "evaluate_s": t_eval, "points_per_s": total / sweep_s if sweep_s > 0 else float("inf"),
            "problem": problem.describe(),
        }
        if n_obj in (2, 3) and len(front_idx):
            ref = np.where(np.isfinite(worst), worst, 0.0)
            ref = reference_point(np.vstack([front_f, ref]), margin=0.1)
            info["hv_reference"] = ref.tolist()
            info["hypervolume"] = hypervolume(front_f, ref)
        result = SolveResult(table, best, total, self.clock() - t0, info)
        if out_dir is not None:
            result.save(out_dir)
        return result

    @staticmethod
    def _reevaluate(problem: Problem, kept: np.ndarray, sizes: Mapping[str, int], chunk: int) -> pd.DataFrame:
        if not len(kept):
            empty = problem.space.grid_design(0, 1, sizes)
            frame = result_frame(empty, problem.evaluate(empty)).iloc[:0]
            frame.insert(0, "grid_index", np.empty(0, np.int64))
            return frame
        frames = []
        for a, b in iter_chunks(len(kept), chunk):
            design = grid_points(problem.space, kept[a:b], sizes)
            frames.append(result_frame(design, problem.evaluate(design)))
        table = pd.concat(frames, ignore_index=True)
        table.insert(0, "grid_index", kept)
        return table


def _count_reasons(counts: dict[str, int], m: Metrics, nonfinite: np.ndarray) -> None:
    per_code = np.bincount(np.asarray(m.reason, dtype=np.int64), minlength=len(m.reasons))
    for code in np.flatnonzero(per_code[1:]) + 1:
        counts[m.reasons[code]] = counts.get(m.reasons[code], 0) + int(per_code[code])
    if nonfinite.any():
        key = "objective not finite"
        counts[key] = counts.get(key, 0) + int(nonfinite.sum())


def _merge_top(idx: np.ndarray, val: np.ndarray, new_idx: np.ndarray, new_val: np.ndarray, k: int):
    idx, val = np.concatenate([idx, new_idx]), np.concatenate([val, new_val])
    if len(idx) > k:
        order = np.lexsort((idx, val))[:k]  # by value, ties by grid index: deterministic
        idx, val = idx[order], val[order]
    return idx, val


def _check_front(problem: Problem, table: pd.DataFrame, front_idx: np.ndarray, front_f: np.ndarray) -> None:
    """The re-evaluated front must reproduce the sweep's numbers (catches non-deterministic models)."""
    rows = table.set_index("grid_index").loc[front_idx]
    got = np.stack([o.sign() * rows[o.metric].to_numpy(float) for o in problem.objectives], axis=1)
    if not np.allclose(got, front_f, rtol=1e-12, atol=0.0) or not rows[FEASIBLE].all():
        raise DseError(f"model {problem.model.name} gave different numbers when re-evaluating the Pareto set "
                       "(evaluate must be deterministic)")


def _progress(total: int, enabled: bool):
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="pt", unit_scale=True, desc="sweep", leave=False)
