"""Optuna search: batch ask/tell (one ``evaluate`` call per batch), single or multi-objective.

Each batch: recover stale trials of dead workers, ask ``batch_size`` trials (the sampler proposes
every knob through :meth:`dse.space.Knob.suggest`), evaluate them in **one** batched call, tell
the values back. Infeasible points and violated bounds reach the sampler as Optuna trial
constraints (``Trial.set_constraint`` keys, values ``<= 0`` feasible; TPE and NSGA-II read them):
``model`` (1 where the model masks the point infeasible) and ``bound:<metric>`` (relative violation
of each :class:`~solvers.base.Bound`).

Storage: a SQLite file ``study.db`` inside ``out_dir`` by default (resumable), any Optuna RDB URL
with ``storage=``, or in memory when neither is given. ``workers=K`` forks K-1 extra processes that
share the storage (each with sampler seed ``seed + i``). The final table is rebuilt from every
``COMPLETE`` trial in the study (all workers, earlier runs) by re-evaluating their designs.
"""

from __future__ import annotations

import multiprocessing as mp
import traceback
from pathlib import Path
from typing import Any, Literal

import numpy as np
import optuna
from optuna.trial import FixedTrial, TrialState

from dse.errors import DseError, DseInputError
from dse.pareto import non_dominated
from dse.space import Design, DesignSpace, iter_chunks
from dse.table import FEASIBLE, result_frame

from ._optuna_loop import run_worker
from ._optuna_trials import SAMPLERS, make_sampler
from ._workers import collect_reports
from .base import Problem, Solver, SolveResult
from .optuna_storage import open_storage, redact, sqlite_url
from .sweep import sort_best

__all__ = ["OptunaSolver", "make_sampler", "SAMPLERS", "design_of_trials"]

PROBLEM_KEY = "dse:problem"


def design_of_trials(space: DesignSpace, trials: list[Any]) -> Design:
    """Replay each knob's ``suggest`` on the stored parameters (``FixedTrial``): trial -> design."""
    fixed = [FixedTrial(dict(t.params)) for t in trials]
    arrays = {k.name: np.asarray([k.suggest(f) for f in fixed]) for k in space.knobs}
    return Design(space, arrays, len(trials))


class OptunaSolver(Solver):
    """Optuna study over the problem's space. Options (constructor keywords):

    ``n_trials`` (budget of complete trials, all workers and runs together), ``batch_size``,
    ``sampler`` (tpe, nsga2, random, or an Optuna sampler object), ``sampler_options`` (dict for the
    sampler's constructor), ``seed`` (default: the problem's), ``storage`` (RDB URL; default SQLite
    in ``out_dir``), ``study_name``, ``workers`` (processes sharing the storage), ``timeout_s``
    (stop asking after this), ``grace_s`` (a worker on another host is dead after this long
    without a lease update), ``lease_s`` (lease refresh interval during long batches).
    """

    name = "optuna"
    option_defaults = {"n_trials": 100, "batch_size": 16, "sampler": "tpe", "sampler_options": None, "seed": None,
                       "storage": None, "study_name": "dse", "workers": 1, "timeout_s": None, "grace_s": 600.0,
                       "lease_s": 60.0}

    def solve(self, problem: Problem, *, out_dir: Path | None = None, progress: bool = False) -> SolveResult:
        t0 = self.clock()
        cfg = self._config(problem, out_dir)
        verbosity = optuna.logging.get_verbosity()
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        try:
            storage = open_storage(cfg["url"])
            study = _create_or_load(problem, cfg, storage)
            if cfg["url"] is not None:
                storage.engine.dispose()  # no pooled connection crosses fork()
            stats = self._run_workers(problem, cfg, study if cfg["url"] is None else None, progress)
            if cfg["url"] is not None:
                study = optuna.load_study(study_name=cfg["study_name"], storage=open_storage(cfg["url"]))
            result = _result(problem, study, cfg, stats, self.clock() - t0)
        finally:
            optuna.logging.set_verbosity(verbosity)
        if out_dir is not None:
            result.save(out_dir)
        return result

    def resume_note(self, problem: Problem, out_dir: Path | None) -> str | None:
        """``"resuming: 256 of 256 trials already in study.db"`` when the storage holds this study's
        trials, else None (read-only: nothing is created)."""
        cfg = self._config(problem, out_dir)
        url = cfg["url"]
        if url is None or (url.startswith("sqlite:///") and not Path(url[len("sqlite:///"):]).is_file()):
            return None
        try:
            study = optuna.load_study(study_name=cfg["study_name"], storage=open_storage(url))
        except KeyError:  # no study of that name yet
            return None
        done = len(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)))
        where = Path(url[len("sqlite:///"):]).name if url.startswith("sqlite:///") else redact(url)
        return f"resuming: {done} of {cfg['n_trials']} trials already in {where}" if done else None

    # -- configuration ----------------------------------------------------------------------
    def _config(self, problem: Problem, out_dir: Path | None) -> dict[str, Any]:
        n_trials, batch, workers = self.opt("n_trials"), self.opt("batch_size"), self.opt("workers")
        for name, v in (("n_trials", n_trials), ("batch_size", batch), ("workers", workers)):
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 1:
                raise DseInputError(name, v, "a positive integer")
        sampler = self.opt("sampler")
        if isinstance(sampler, str) and sampler not in SAMPLERS:
            raise DseInputError("sampler", sampler, "one of " + ", ".join(SAMPLERS))
        url = self.opt("storage")
        if url is None and out_dir is not None:
            url = sqlite_url(out_dir)
        if url is None and workers > 1:
            raise DseInputError("workers", workers, "1 unless a storage (storage=URL or an out_dir) is shared")
        if workers > 1 and not isinstance(sampler, str):
            raise DseInputError("sampler", type(sampler).__name__, "a sampler name when workers > 1")
        seed = problem.seed if self.opt("seed") is None else int(self.opt("seed"))
        return {"n_trials": int(n_trials), "batch_size": int(batch), "workers": int(workers), "sampler": sampler,
                "sampler_options": dict(self.opt("sampler_options") or {}), "seed": seed, "url": url,
                "study_name": str(self.opt("study_name")), "timeout_s": self.opt("timeout_s"),
                "grace_s": float(self.opt("grace_s")), "lease_s": float(self.opt("lease_s"))}

    # -- workers ----------------------------------------------------------------------------
    def _run_workers(self, problem: Problem, cfg: dict[str, Any], study: Any, progress: bool) -> list[dict]:
        if cfg["workers"] == 1:
            return [run_worker(problem, cfg, 0, progress, study=study)]
        methods = mp.get_all_start_methods()
        ctx: Any = mp.get_context("fork" if "fork" in methods else "spawn")  # typeshed: BaseContext has no Process
        queue = ctx.Queue()
        procs = [ctx.Process(target=_child, args=(problem, cfg, i, queue), daemon=True)
                 for i in range(1, cfg["workers"])]
        for p in procs:
            p.start()
        return collect_reports(queue, procs, run_worker(problem, cfg, 0, progress), "optuna")


def _child(problem: Problem, cfg: dict[str, Any], index: int, queue: Any) -> None:
    try:
        queue.put((index, run_worker(problem, cfg, index, False), None))
    except BaseException as exc:  # report, never hang the parent
        queue.put((index, None, f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=4)}"))


def _create_or_load(problem: Problem, cfg: dict[str, Any], storage: Any) -> optuna.Study:
    directions: list[Literal["minimize", "maximize"]] = [
        "minimize" if o.direction == "min" else "maximize" for o in problem.objectives]
    study = optuna.create_study(storage=storage, study_name=cfg["study_name"], directions=directions,
                                load_if_exists=True)
    attrs = study._storage.get_study_system_attrs(study._study_id)
    described = problem.describe()
    if PROBLEM_KEY not in attrs:
        study._storage.set_study_system_attr(study._study_id, PROBLEM_KEY, described)
    elif attrs[PROBLEM_KEY] != described:
        old = attrs[PROBLEM_KEY]
        diff = sorted(k for k in set(old) | set(described) if old.get(k) != described.get(k))
        raise DseInputError("study", cfg["study_name"], "a new study name or the same problem as the stored "
                            f"study (differs in: {', '.join(diff)})")
    return study


def _result(problem: Problem, study: optuna.Study, cfg: dict[str, Any], stats: list[dict],
            wall: float) -> SolveResult:
    trials = sorted(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)), key=lambda t: t.number)
    all_trials = study.get_trials(deepcopy=False)
    info: dict[str, Any] = {
        "solver": "optuna", "sampler": cfg["sampler"] if isinstance(cfg["sampler"], str) else type(cfg["sampler"]).__name__,
        "seed": cfg["seed"], "batch_size": cfg["batch_size"], "workers": cfg["workers"], "n_trials": cfg["n_trials"],
        "storage": redact(cfg["url"]) if cfg["url"] else "memory", "study_name": cfg["study_name"],
        "n_complete": len(trials), "n_failed": sum(t.state == TrialState.FAIL for t in all_trials),
        "n_running": sum(t.state == TrialState.RUNNING for t in all_trials),
        "n_waiting": sum(t.state == TrialState.WAITING for t in all_trials),
        "worker_stats": stats, "problem": problem.describe(),
    }
    evaluated = sum(s["n_evaluated"] for s in stats)
    if not trials:
        empty = problem.space.grid_design(0, 1)
        table = result_frame(empty, problem.evaluate(empty)).iloc[:0]
        table.insert(0, "number", np.empty(0, np.int64))
        table["pareto"] = np.empty(0, bool)
        return SolveResult(table, table, evaluated, wall, info)
    frames = []
    for a, b in iter_chunks(len(trials), 32768):
        design = design_of_trials(problem.space, trials[a:b])
        frames.append(result_frame(design, problem.evaluate(design)))
    import pandas as pd

    table = pd.concat(frames, ignore_index=True)
    table.insert(0, "number", [t.number for t in trials])
    _check_values(problem, table, trials)
    F = np.stack([o.sign() * table[o.metric].to_numpy(float) for o in problem.objectives], axis=1)
    ok = table[FEASIBLE].to_numpy(bool) & np.isfinite(F).all(axis=1)
    pareto = np.zeros(len(table), bool)
    pareto[np.flatnonzero(ok)] = non_dominated(F[ok])
    table["pareto"] = pareto
    best = sort_best(problem, table[table["pareto"]])
    return SolveResult(table, best, evaluated, wall, info)


def _check_values(problem: Problem, table: Any, trials: list[Any]) -> None:
    """Stored trial values must equal the re-evaluated metrics (same model version, deterministic)."""
    stored = np.asarray([t.values for t in trials], dtype=float)
    for j, o in enumerate(problem.objectives):
        fresh = table[o.metric].to_numpy(float)
        finite = np.isfinite(fresh)
        if not np.allclose(stored[finite, j], fresh[finite], rtol=1e-9, atol=0.0):
            bad = int(np.flatnonzero(~np.isclose(stored[finite, j], fresh[finite], rtol=1e-9))[0])
            raise DseError(f"stored value of trial {trials[np.flatnonzero(finite)[bad]].number} differs from "
                           f"re-evaluating its design ({o.metric}); was the model changed since the study ran?")
