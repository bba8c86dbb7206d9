"""Optuna studies whose trial trains a network (``dse study run`` of a spec with ``[study] trainer``).

The search proposes the design (hardware/protocol knobs and training hyper-parameters such as the
penalty weight); the *trainer* builds the cost tables for that design, trains the network with
the cost in its loss and returns its accuracy and cost. A trainer is a Python file (named by the
spec, relative to it) defining two functions:

``prepare(params: dict, seed: int) -> ctx``
    once per worker process, before its first trial (data, pre-trained network, cost tables);
``train(ctx, design: dict, report) -> dict``
    trains for ``design`` (knob -> value, the spec's fixed ``[space]`` values included) and calls
    ``report(epoch, value)`` after every epoch (``value``: the pruning metric, e.g. validation
    accuracy in %); ``report`` raises :class:`optuna.TrialPruned` to stop a poor trial. Returns
    ``{"metrics": {name: float}, "state": <torch state dict> | None, "pricing": {...} | None,
    "attrs": {name: scalar}}``; ``metrics`` holds every objective, ``pricing`` what
    :func:`dse.training.saved.save_network` needs to let ``dse whatif`` price the network again.

**Pruning.** Optuna 5.1 refuses ``Trial.report`` in multi-objective studies, so this runner
applies a median rule to the reported curves, stored as the trial's ``curve`` user attribute (all
workers see them): after ``prune_warmup`` epochs a trial whose value is more than ``prune_margin``
below (``prune_direction="max"``) the median of at least ``prune_min_trials`` completed trials at
that epoch is pruned. ``prune = "none"`` turns it off.

**Budget, workers, resume.** ``n_trials`` counts finished trials (``COMPLETE`` and ``PRUNED``:
a pruned trial spent its training) plus trials in flight; ``workers`` processes share one storage
(SQLite ``study.db`` in the output folder, or ``storage=`` any Optuna RDB URL, PostgreSQL for many
machines). Dead workers are found and their trials failed and re-enqueued with the same design by
:func:`solvers.optuna_storage.recover_stale`, so a study killed mid-trial resumes on the next run
with no lost and no duplicated trial; a trial asked over budget by a race between workers is told
``FAIL`` at once (attribute ``dse_over_budget``) and never trained.

**Networks.** Every ``COMPLETE`` trial that returns a ``state`` is saved (before it is told) to
``networks/trial<N>.pt`` with its design, metrics and pricing, plus ``trial<N>.json`` and, with a
workload in the pricing, ``trial<N>.workload.json`` for ``dse whatif``
(:mod:`dse.training.saved`).
"""

from __future__ import annotations

import importlib.util
import math
import multiprocessing as mp
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import optuna
from optuna.trial import TrialState

from dse.errors import DseInputError

from ._optuna_loop import _keepalive
from ._optuna_trials import make_sampler
from ._workers import collect_reports
from .optuna_storage import WorkerLease, open_storage, recover_stale, redact, sqlite_url

__all__ = ["TrainKnob", "parse_space", "train_config", "run_train_study", "load_trainer", "MedianRule",
           "FINISHED", "trials_frame"]

FINISHED = (TrialState.COMPLETE, TrialState.PRUNED)
_BUDGET = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.RUNNING, TrialState.WAITING)
SPEC_KEY = "dse:train-spec"

DEFAULTS: dict[str, Any] = {"n_trials": 30, "workers": 1, "sampler": "tpe", "sampler_options": None, "seed": 0,
                            "storage": None, "study_name": "dse-train", "grace_s": 600.0, "lease_s": 30.0,
                            "prune": "median", "prune_margin": 10.0, "prune_warmup": 1, "prune_min_trials": 2,
                            "prune_direction": "max", "save_networks": True}


@dataclass(frozen=True)
class TrainKnob:
    """One searched or fixed design value: ``choices`` (categorical), ``low``/``high`` (float, or
    int with ``integer``; ``log`` for a log-uniform draw) or a fixed ``value``."""

    name: str
    choices: tuple[Any, ...] | None = None
    low: float | None = None
    high: float | None = None
    log: bool = False
    integer: bool = False
    value: Any = None

    def suggest(self, trial: Any) -> Any:
        if self.choices is not None:
            return trial.suggest_categorical(self.name, list(self.choices))
        if self.low is None or self.high is None:
            return self.value
        if self.integer:
            return trial.suggest_int(self.name, int(self.low), int(self.high), log=self.log)
        return trial.suggest_float(self.name, float(self.low), float(self.high), log=self.log)


def parse_space(space: dict[str, Any]) -> list[TrainKnob]:
    """``[space]`` of a training study: ``knob = [choices]``, ``{low, high, log?, int?}`` or a value."""
    knobs = []
    for name, v in space.items():
        field = f"space.{name}"
        if isinstance(v, list):
            if not v or any(isinstance(c, (list, dict)) for c in v):
                raise DseInputError(field, v, "a non-empty list of scalar choices")
            knobs.append(TrainKnob(name, choices=tuple(v)))
        elif isinstance(v, dict):
            if not {"low", "high"} <= set(v) or not set(v) <= {"low", "high", "log", "int"}:
                raise DseInputError(field, v, "a table {low, high, log = true|false, int = true|false}")
            lo, hi = v["low"], v["high"]
            if any(isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x) for x in (lo, hi)):
                raise DseInputError(field, v, "finite numbers low and high")
            if lo >= hi or (v.get("log") and lo <= 0):
                raise DseInputError(field, v, "low < high (and low > 0 with log = true)")
            knobs.append(TrainKnob(name, low=float(lo), high=float(hi), log=bool(v.get("log", False)),
                                   integer=bool(v.get("int", False))))
        else:
            knobs.append(TrainKnob(name, value=v))
    if not any(k.choices is not None or k.low is not None for k in knobs):
        raise DseInputError("space", space, "at least one searched knob (a list of choices or {low, high})")
    return knobs


def train_config(options: dict[str, Any], *, seed: int, out: Path) -> dict[str, Any]:
    """Checked solver options of a training study (``[solver]`` table plus CLI overrides)."""
    unknown = set(options) - set(DEFAULTS)
    if unknown:
        raise DseInputError("solver", sorted(unknown)[0], "one of " + ", ".join(sorted(DEFAULTS)))
    cfg = {**DEFAULTS, "seed": seed, **options}
    for name in ("n_trials", "workers", "prune_min_trials"):
        v = cfg[name]
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise DseInputError(f"solver.{name}", v, "an integer >= 1")
    if isinstance(cfg["prune_warmup"], bool) or not isinstance(cfg["prune_warmup"], int) or cfg["prune_warmup"] < 0:
        raise DseInputError("solver.prune_warmup", cfg["prune_warmup"], "an integer >= 0")
    if cfg["prune"] not in ("median", "none"):
        raise DseInputError("solver.prune", cfg["prune"], "median or none")
    if cfg["prune_direction"] not in ("max", "min"):
        raise DseInputError("solver.prune_direction", cfg["prune_direction"], "max or min")
    if not isinstance(cfg["prune_margin"], (int, float)) or cfg["prune_margin"] < 0:
        raise DseInputError("solver.prune_margin", cfg["prune_margin"], "a number >= 0 (in the reported metric's unit)")
    cfg["url"] = cfg["storage"] or sqlite_url(out)
    return cfg


def load_trainer(path: Path) -> Any:
    """Import the trainer file (it must define ``prepare`` and ``train``)."""
    name = f"dse_trainer_{path.stem}"
    if name in sys.modules and getattr(sys.modules[name], "__file__", None) == str(path):
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise DseInputError("study.trainer", str(path), "an importable Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    for fn in ("prepare", "train"):
        if not callable(getattr(module, fn, None)):
            raise DseInputError("study.trainer", str(path), "a module defining prepare(params, seed) and "
                                "train(ctx, design, report)")
    return module


class MedianRule:
    """Prune when the reported value is ``margin`` worse than the median of completed trials at that
    epoch (after ``warmup`` epochs, with at least ``min_trials`` completed curves that long)."""

    def __init__(self, study: Any, warmup: int, margin: float, min_trials: int = 2, direction: str = "max"):
        self.study, self.warmup, self.margin = study, int(warmup), float(margin)
        self.min_trials, self.sign = int(min_trials), 1.0 if direction == "max" else -1.0

    def __call__(self, epoch: int, value: float) -> None:
        if epoch + 1 < self.warmup:
            return
        done = [t.user_attrs.get("curve", []) for t in self.study.get_trials(deepcopy=False)
                if t.state == TrialState.COMPLETE]
        at = [cv[epoch] for cv in done if len(cv) > epoch]
        if len(at) >= self.min_trials and self.sign * (float(np.median(at)) - value) > self.margin:
            raise optuna.TrialPruned(f"epoch {epoch}: {value:.4g} vs median {np.median(at):.4g} "
                                     f"(margin {self.margin:g})")


def _create(cfg: dict[str, Any], directions: list[str], described: dict[str, Any]) -> optuna.Study:
    storage = open_storage(cfg["url"])
    study = optuna.create_study(storage=storage, study_name=cfg["study_name"],
                                directions=["maximize" if d == "max" else "minimize" for d in directions],
                                load_if_exists=True)
    attrs = study._storage.get_study_system_attrs(study._study_id)
    if SPEC_KEY not in attrs:
        study._storage.set_study_system_attr(study._study_id, SPEC_KEY, described)
    elif attrs[SPEC_KEY] != described:
        diff = sorted(k for k in set(attrs[SPEC_KEY]) | set(described) if attrs[SPEC_KEY].get(k) != described.get(k))
        raise DseInputError("study", cfg["study_name"], "the same trainer, space and objectives as the stored "
                            f"study, or a new output folder (differs in: {', '.join(diff)})")
    storage.engine.dispose()  # no pooled connection crosses fork()
    return study


def _over_budget(study: optuna.Study, number: int, n_trials: int) -> bool:
    ranked = sorted(t.number for t in study.get_trials(deepcopy=False, states=_BUDGET))
    return number not in set(ranked[:n_trials])


def run_train_worker(cfg: dict[str, Any], job: dict[str, Any], index: int,
                     log: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Ask, train, tell until the study holds ``n_trials`` finished or running trials."""
    from dse.training.saved import save_network

    trainer = load_trainer(Path(job["trainer"]))
    sampler = make_sampler(cfg["sampler"], seed=cfg["seed"] + index, batch_size=1, options=cfg["sampler_options"])
    study = optuna.load_study(study_name=cfg["study_name"], storage=open_storage(cfg["url"]), sampler=sampler)
    lease = WorkerLease.create(study)
    knobs: list[TrainKnob] = job["knobs"]
    objectives: list[tuple[str, str]] = job["objectives"]
    rule = MedianRule(study, cfg["prune_warmup"], cfg["prune_margin"], cfg["prune_min_trials"],
                      cfg["prune_direction"]) if cfg["prune"] == "median" else None
    stats: dict[str, Any] = {"worker": index, "complete": [], "pruned": [], "recovered": [], "over_budget": []}
    ctx = None
    t0 = time.perf_counter()
    try:
        while True:
            stats["recovered"] += recover_stale(study, lease, cfg["grace_s"])
            n = len(study.get_trials(deepcopy=False, states=_BUDGET))
            waiting = len(study.get_trials(deepcopy=False, states=(TrialState.WAITING,)))
            if waiting == 0 and n >= cfg["n_trials"]:
                break
            lease.write(asking=True, trial_ids=[])
            trial = study.ask()
            lease.write(asking=False, trial_ids=[trial._trial_id])
            if _over_budget(study, trial.number, cfg["n_trials"]):
                trial.set_user_attr("dse_over_budget", True)
                study.tell(trial, state=TrialState.FAIL)
                stats["over_budget"].append(trial.number)
                continue
            design = {k.name: k.suggest(trial) for k in knobs}
            if ctx is None:
                ctx = trainer.prepare(dict(job["params"]), int(cfg["seed"]))
            curve: list[float] = []

            def report(epoch: int, value: float, trial: Any = trial, curve: list[float] = curve) -> None:
                curve.append(float(value))
                trial.set_user_attr("curve", list(curve))
                if rule is not None:
                    rule(epoch, float(value))

            t_trial = time.perf_counter()
            try:
                with _keepalive(lease, [trial._trial_id], cfg["lease_s"]):
                    result = trainer.train(ctx, design, report)
            except optuna.TrialPruned:
                trial.set_user_attr("train_s", time.perf_counter() - t_trial)
                study.tell(trial, state=TrialState.PRUNED)
                stats["pruned"].append(trial.number)
                continue
            metrics = {k: float(v) for k, v in dict(result.get("metrics", {})).items()}
            missing = [m for m, _ in objectives if m not in metrics]
            if missing:
                study.tell(trial, state=TrialState.FAIL)
                raise DseInputError("objectives", missing[0], "a metric the trainer returns: " + ", ".join(metrics))
            trial.set_user_attr("train_s", time.perf_counter() - t_trial)
            trial.set_user_attr("metrics", metrics)
            for k, v in dict(result.get("attrs", {})).items():
                trial.set_user_attr(k, v)
            if cfg["save_networks"] and result.get("state") is not None:
                save_network(job["out"] / "networks" / f"trial{trial.number:04d}.pt", result["state"],
                             design={**design, **{k: v for k, v in dict(result.get("attrs", {})).items()}},
                             metrics=metrics, pricing=result.get("pricing"), trial=trial.number)
            study.tell(trial, [metrics[m] for m, _ in objectives])
            stats["complete"].append(trial.number)
            if log is not None:
                log(f"trial {trial.number}: " + ", ".join(f"{k}={v}" for k, v in design.items()) + " -> "
                    + ", ".join(f"{m}={metrics[m]:.4g}" for m, _ in objectives))
    finally:
        lease.write(asking=False, trial_ids=[])
    stats["wall_s"] = time.perf_counter() - t0
    return stats


def _child(cfg: dict[str, Any], job: dict[str, Any], index: int, queue: Any) -> None:
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:
        pass
    try:
        queue.put((index, run_train_worker(cfg, job, index), None))
    except BaseException as exc:  # report, never hang the parent
        queue.put((index, None, f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=4)}"))


def run_train_study(trainer: Path, *, params: dict[str, Any], space: dict[str, Any], objectives: dict[str, str],
                    options: dict[str, Any], seed: int, out: Path,
                    log: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Run (or resume) a training study into ``out``; returns ``{"trials": DataFrame, "info": {...}}``."""
    knobs = parse_space(space)
    cfg = train_config(options, seed=seed, out=out)
    for m, d in objectives.items():
        if d not in ("min", "max"):
            raise DseInputError(f"objectives.{m}", d, "min or max")
    if not objectives:
        raise DseInputError("objectives", None, "at least one `metric = \"min\"|\"max\"` entry")
    trainer = Path(trainer).resolve()
    load_trainer(trainer)  # fails before anything is written
    described = {"trainer": trainer.name, "params": _plain(params), "space": _plain(space),
                 "objectives": dict(objectives)}
    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    t0 = time.perf_counter()
    try:
        out.mkdir(parents=True, exist_ok=True)
        _create(cfg, list(objectives.values()), described)
        job = {"trainer": str(trainer), "params": params, "knobs": knobs, "objectives": list(objectives.items()),
               "out": out}
        stats = _run_workers(cfg, job, log)
        study = optuna.load_study(study_name=cfg["study_name"], storage=open_storage(cfg["url"]))
        fixed = {k.name: k.value for k in knobs if k.choices is None and k.low is None}
        frame = trials_frame(study, [m for m in objectives], fixed)
    finally:
        optuna.logging.set_verbosity(verbosity)
    info = {"n_trials": cfg["n_trials"], "workers": cfg["workers"], "storage": redact(cfg["url"]),
            "study_name": cfg["study_name"], "sampler": cfg["sampler"], "seed": cfg["seed"],
            "prune": cfg["prune"], "prune_margin": cfg["prune_margin"], "prune_warmup": cfg["prune_warmup"],
            "n_complete": int((frame.state == "COMPLETE").sum()) if len(frame) else 0,
            "n_pruned": int((frame.state == "PRUNED").sum()) if len(frame) else 0,
            "n_failed": sum(t.state == TrialState.FAIL for t in study.get_trials(deepcopy=False)),
            "wall_time_s": time.perf_counter() - t0, "worker_stats": stats}
    return {"trials": frame, "info": info}


def _run_workers(cfg: dict[str, Any], job: dict[str, Any], log: Callable[[str], None] | None) -> list[dict]:
    if cfg["workers"] == 1:
        return [run_train_worker(cfg, job, 0, log)]
    ctx: Any = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_child, args=(cfg, job, i, queue), daemon=True) for i in range(1, cfg["workers"])]
    for p in procs:
        p.start()
    return collect_reports(queue, procs, run_train_worker(cfg, job, 0, log), "training")


def trials_frame(study: optuna.Study, metrics: list[str], fixed: dict[str, Any] | None = None) -> Any:
    """One row per finished trial: number, state, design (``fixed`` values too), objective values,
    attributes, epochs run."""
    import pandas as pd

    rows = []
    for t in sorted(study.get_trials(deepcopy=False, states=FINISHED), key=lambda t: t.number):
        attrs = {k: v for k, v in t.user_attrs.items() if k not in ("curve", "metrics") and not k.startswith("dse_")
                 and not isinstance(v, (list, dict))}
        row = {"number": t.number, "state": t.state.name, **(fixed or {}), **t.params, **attrs,
               **{m: (t.values[j] if t.values else np.nan) for j, m in enumerate(metrics)},
               **{k: v for k, v in t.user_attrs.get("metrics", {}).items() if k not in metrics},
               "epochs_run": len(t.user_attrs.get("curve", [])), "retry_of": t.user_attrs.get("dse_retry_of", -1)}
        rows.append(row)
    return pd.DataFrame(rows)


def _plain(v: Any) -> Any:
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    return v if isinstance(v, (str, int, float, bool)) or v is None else str(v)
