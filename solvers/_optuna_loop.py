"""The batch ask/tell loop of one Optuna worker process (see :mod:`solvers.optuna_search`)."""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from typing import Any, Iterator

import numpy as np
import optuna
from optuna.trial import TrialState

from dse.space import Design

from ._optuna_trials import constraint_keys, constraint_rows, finite_values, make_sampler
from .base import Problem
from .optuna_storage import WorkerLease, budget, open_storage, over_budget, recover_stale

__all__ = ["run_worker"]


def run_worker(problem: Problem, cfg: dict[str, Any], index: int, progress: bool, *,
               study: optuna.Study | None = None) -> dict[str, Any]:
    """Ask/evaluate/tell batches until the study holds ``n_trials`` in-budget trials.

    ``study`` is given for in-memory storage (single process); otherwise the worker opens its own
    connection to ``cfg["url"]``. Returns timing and bookkeeping statistics of this worker.
    """
    clock = time.perf_counter
    t_start = clock()
    keys = constraint_keys(problem)
    sampler = make_sampler(cfg["sampler"], seed=cfg["seed"] + index, batch_size=cfg["batch_size"],
                           options=cfg["sampler_options"])
    shared = cfg["url"] is not None
    if study is None:
        study = optuna.load_study(study_name=cfg["study_name"], storage=open_storage(cfg["url"]), sampler=sampler)
    else:
        study.sampler = sampler
    lease = WorkerLease.create(study) if shared else None
    space, n_trials, batch = problem.space, cfg["n_trials"], cfg["batch_size"]
    stats: dict[str, Any] = {"worker": index, "n_evaluated": 0, "n_batches": 0, "numbers": [], "recovered": [],
                             "over_budget": [], "ask_s": 0.0, "evaluate_s": 0.0, "tell_s": 0.0, "bookkeeping_s": 0.0}
    bar = _bar(n_trials, progress)
    checked = False
    try:
        while cfg["timeout_s"] is None or clock() - t_start < float(cfg["timeout_s"]):
            tb = clock()
            if lease is not None:
                stats["recovered"] += recover_stale(study, lease, cfg["grace_s"])
            counts = budget(study)
            if bar is not None:
                bar.n = counts["complete"]
                bar.refresh()
            n_ask = min(batch, counts["waiting"] + max(n_trials - sum(counts.values()), 0))
            if n_ask <= 0:
                break
            if lease is not None:
                lease.write(asking=True, trial_ids=[])
            stats["bookkeeping_s"] += clock() - tb

            ta = clock()
            trials = [study.ask() for _ in range(n_ask)]
            if lease is not None:
                lease.write(asking=False, trial_ids=[t._trial_id for t in trials])
                over = over_budget(study, [t.number for t in trials], n_trials)
                for t in trials:
                    if t.number in over:
                        t.set_user_attr("dse_over_budget", True)
                        study.tell(t, state=TrialState.FAIL)
                        stats["over_budget"].append(t.number)
                trials = [t for t in trials if t.number not in over]
            arrays = {k.name: np.asarray([k.suggest(t) for t in trials]) for k in space.knobs}
            stats["ask_s"] += clock() - ta
            if not trials:
                continue

            te = clock()
            with _keepalive(lease, [t._trial_id for t in trials], cfg["lease_s"]):
                raw = problem.model.evaluate(problem.workload, Design(space, arrays, len(trials))).numpy()
            if not checked:
                problem.apply_bounds(raw)  # objective and bound names exist (raises otherwise)
                checked = True
            values, cons = finite_values(problem, raw), constraint_rows(problem, raw)
            stats["evaluate_s"] += clock() - te

            tt = clock()
            storage = study._storage
            for i, t in enumerate(trials):
                for key, c in zip(keys, cons[i].tolist()):  # what Trial.set_constraint writes, minus its read
                    storage.set_trial_system_attr(t._trial_id, key, c)
                study.tell(t, values[i].tolist())
            stats["tell_s"] += clock() - tt
            stats["numbers"] += [t.number for t in trials]
            stats["n_evaluated"] += len(trials)
            stats["n_batches"] += 1
        if bar is not None:
            bar.n = budget(study)["complete"]
            bar.refresh()
    finally:
        if bar is not None:
            bar.close()
        if lease is not None:
            lease.write(asking=False, trial_ids=[])
    stats["wall_s"] = clock() - t_start
    return stats


@contextmanager
def _keepalive(lease: WorkerLease | None, trial_ids: list[int], period_s: float) -> Iterator[None]:
    """Refresh the lease every ``period_s`` while a (long) batch evaluates."""
    if lease is None:
        yield
        return
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(period_s):
            lease.write(asking=False, trial_ids=trial_ids)

    thread = threading.Thread(target=beat, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _bar(total: int, enabled: bool):
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="trial", desc="optuna", leave=False)
