"""Study specs (TOML) and their runner: ``dse study run SPEC.toml``.

Two kinds of spec:

* **search** – a model, a workload, a space restriction, objectives, bounds and a solver::

    [study]
    name = "asic-quickstart"
    model = "asic-systolic"
    workload = "resnet18-cifar"
    solver = "optuna"            # sweep | optuna | pyomo
    seed = 0
    [params]                     # fixed model parameters
    [space]                      # knob -> value | [choices] | {low=, high=}
    dataflow = ["os", "ws", "is"]
    [objectives]                 # metric -> "min" | "max"
    latency_s = "min"
    energy_j = "min"
    [bounds]                     # metric -> {low=, high=}
    [solver]                     # solver options (n_trials, batch_size, sampler, grid, ...)
    n_trials = 64

* **script** – ``[study] script = "fpga_transformer.py"`` (relative to the spec) and an
  ``[options]`` table passed to the script's ``run(out, **options)``.

* **train** – ``[study] trainer = "codesign_pi.py"`` (relative to the spec): an Optuna study whose
  trial trains a network for the design it proposes (:mod:`solvers.optuna_train`). ``[params]``
  go to the trainer's ``prepare``; ``[space]`` knobs are ``[choices]``, ``{low, high, log, int}``
  or fixed values; ``[objectives]`` name metrics the trainer returns; ``[solver]`` holds
  ``n_trials``, ``workers``, ``sampler``, ``storage`` and the pruning options. Writes
  ``results.csv`` (every finished trial), ``front.csv``, ``summary.json``, ``front.png``,
  ``report.md`` and ``networks/`` (every trained network with its design). ``[study] init_from =
  "runs/networks/trial0003.pt"`` (relative to the spec) starts every trial from that saved network
  (fine-tuning): the trainer's ``prepare`` gets its absolute path as ``params["init_from"]``.

Outputs land in ``--out`` (default ``studies/out/<name>``): ``spec.json`` (which spec the folder
holds, written first), ``results.csv``, ``best.csv``, ``summary.json``, ``layers.csv``, PNG plots
and ``report.md`` (see :mod:`dse.plots`); the Optuna solver also keeps its trials in ``study.db``
(SQLite) there, so re-running the same spec resumes. A folder holding a different study is never
overwritten without ``--overwrite`` (:mod:`dse.outdir`).
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import sys
import tomllib
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from .errors import DseInputError, UnavailableError

__all__ = ["StudySpec", "load_spec", "run_study", "load_script"]

_STUDY_KEYS = {"name", "model", "workload", "solver", "seed", "script", "trainer", "out", "description", "init_from"}


@dataclass
class StudySpec:
    path: Path
    name: str
    script: Path | None = None
    trainer: Path | None = None
    options: dict[str, Any] = field(default_factory=dict)
    model: str = ""
    workload: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    space: dict[str, Any] = field(default_factory=dict)
    objectives: dict[str, str] = field(default_factory=dict)
    bounds: dict[str, dict[str, float]] = field(default_factory=dict)
    solver: str = "optuna"
    solver_options: dict[str, Any] = field(default_factory=dict)
    seed: int = 0
    out: Path | None = None
    description: str = ""


#: Optional dependency -> how to install it (scripts that import it name the command).
INSTALL_HINTS = {
    "torch": 'install the training extra: pip install torch==2.13.0 && pip install -e ".[train]"',
    "onnx": 'install the onnx extra: pip install -e ".[onnx]"',
    "tenseal": 'install the he extra: pip install -e ".[he]"',
    "sklearn": 'install the studies extra: pip install -e ".[studies]"',
}
_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DseInputError("spec", str(path), "a UTF-8 TOML text file",
                            detail=f"byte {exc.start} is not UTF-8") from None
    except OSError as exc:
        raise DseInputError("spec", str(path), "a readable study spec .toml file", detail=exc.strerror) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DseInputError("spec", str(path), "valid TOML", detail=str(exc)) from None


def _table(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise DseInputError(key, value, f"a [{key}] table")
    return value


def _check_bounds(bounds: dict[str, Any]) -> None:
    for metric, b in bounds.items():
        if not isinstance(b, dict) or not set(b) <= {"low", "high"} or not b:
            raise DseInputError(f"bounds.{metric}", b, "a table with low and/or high")
        for key, v in b.items():
            if isinstance(v, bool) or not isinstance(v, (int, float)) or v != v or abs(v) == float("inf"):
                raise DseInputError(f"bounds.{metric}.{key}", v, "a finite number in the metric's SI unit "
                                    "(e.g. high = 10e-6 for 10 mm2 of area_m2)")
        if "low" in b and "high" in b and b["low"] > b["high"]:
            raise DseInputError(f"bounds.{metric}", f"low {b['low']:g} > high {b['high']:g}", "low <= high",
                                detail="low exceeds high")


def load_spec(path: str | Path) -> StudySpec:
    """Parse and check a study spec; errors name the offending field (``study.model``...)."""
    path = Path(path)
    if not path.is_file():
        raise DseInputError("spec", str(path), "an existing study spec .toml file")
    data = _read_toml(path)
    study = data.get("study")
    if not isinstance(study, dict):
        raise DseInputError("spec.study", None, "a [study] table")
    unknown = set(study) - _STUDY_KEYS
    if unknown:
        raise DseInputError("study", sorted(unknown)[0], "one of keys " + ", ".join(sorted(_STUDY_KEYS)))
    allowed_tables = {"study", "options", "params", "space", "objectives", "bounds", "solver"}
    extra = set(data) - allowed_tables
    if extra:
        raise DseInputError("spec", sorted(extra)[0], "tables " + ", ".join(sorted(allowed_tables)))
    name = str(study.get("name") or path.stem)
    if not set(name) <= _NAME_CHARS or name.startswith("."):
        raise DseInputError("study.name", name, "letters, digits, '_', '-' and '.' (it names the output folder)")
    out = Path(study["out"]) if study.get("out") else None
    seed = study.get("seed", 0)
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise DseInputError("study.seed", seed, "an integer >= 0")
    if "init_from" in study and "trainer" not in study:
        raise DseInputError("study.init_from", study["init_from"], "only with study.trainer (a training study)")
    if "script" in study:
        script = (path.parent / str(study["script"])).resolve()
        if not script.is_file():
            raise DseInputError("study.script", study["script"], f"a Python file next to {path.name}")
        return StudySpec(path, name, script=script, options=dict(_table(data, "options")), seed=seed,
                         out=out, description=str(study.get("description", "")))
    if "trainer" in study:
        trainer = (path.parent / str(study["trainer"])).resolve()
        if not trainer.is_file():
            raise DseInputError("study.trainer", study["trainer"], f"a Python file next to {path.name}")
        objectives = _table(data, "objectives")
        for metric, direction in objectives.items():
            if direction not in ("min", "max"):
                raise DseInputError(f"objectives.{metric}", direction, "min or max")
        if not objectives:
            raise DseInputError("objectives", None, "at least one `metric = \"min\"|\"max\"` entry")
        params = dict(_table(data, "params"))
        if "init_from" in study:  # fine-tune: every trial starts from this saved network
            init = (path.parent / str(study["init_from"])).resolve()
            if not init.is_file() or init.suffix != ".pt":
                raise DseInputError("study.init_from", study["init_from"],
                                    f"a saved network (networks/trial<N>.pt) relative to {path.name}")
            params["init_from"] = str(init)
        return StudySpec(path, name, trainer=trainer, params=params,
                         space=dict(_table(data, "space")), objectives=dict(objectives), solver="optuna-train",
                         solver_options=dict(_table(data, "solver")), seed=seed, out=out,
                         description=str(study.get("description", "")))
    for key in ("model", "workload"):
        if not isinstance(study.get(key), str) or not study[key]:
            raise DseInputError(f"study.{key}", study.get(key), f"a {key} name (or study.script for a script study)")
    objectives = _table(data, "objectives")
    if not objectives:
        raise DseInputError("objectives", None, "at least one `metric = \"min\"|\"max\"` entry")
    for metric, direction in objectives.items():
        if direction not in ("min", "max"):
            raise DseInputError(f"objectives.{metric}", direction, "min or max")
    bounds = _table(data, "bounds")
    _check_bounds(bounds)
    return StudySpec(path, name, model=study["model"], workload=study["workload"],
                     params=dict(_table(data, "params")), space=dict(_table(data, "space")),
                     objectives=dict(objectives), bounds={k: dict(v) for k, v in bounds.items()},
                     solver=str(study.get("solver", "optuna")), solver_options=dict(_table(data, "solver")),
                     seed=seed, out=out, description=str(study.get("description", "")))


def load_script(path: Path) -> Any:
    """Import a study script by path (studies/ is not a package). A missing optional dependency
    (imported at module level, or listed in the script's ``REQUIRES`` tuple of module names)
    raises :class:`~dse.errors.UnavailableError` saying how to install it."""
    mod_name = f"dse_study_{path.stem}"
    spec = importlib.util.spec_from_file_location(mod_name, path)
    if spec is None or spec.loader is None:
        raise DseInputError("study.script", str(path), "an importable Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[mod_name] = module
    try:
        spec.loader.exec_module(module)
    except ImportError as exc:
        sys.modules.pop(mod_name, None)
        missing = (exc.name or "").split(".")[0]
        if not missing:
            raise
        hint = INSTALL_HINTS.get(missing, f"install {missing}")
        raise UnavailableError("study script", path.name, f"needs {missing} ({exc}); {hint}") from None
    if not callable(getattr(module, "run", None)):
        raise DseInputError("study.script", str(path), "a module defining run(out, **options)")
    for name in getattr(module, "REQUIRES", ()):  # optional dependencies the script imports lazily
        try:
            importlib.import_module(name)
        except ImportError as exc:
            raise UnavailableError("study script", path.name,
                                   f"needs {name} ({exc}); {INSTALL_HINTS.get(name, f'install {name}')}") from None
    return module


def default_out(spec: StudySpec) -> Path:
    return spec.out or Path("studies") / "out" / spec.name


def run_study(spec: StudySpec, *, out: Path | None = None, storage: str | None = None,
              n_trials: int | None = None, workers: int | None = None, progress: bool = False,
              overwrite: bool = False, notify: Callable[[str], None] | None = None) -> Path:
    """Run a spec; returns the output folder.

    Every input is validated before the folder is touched; a folder holding a different study is
    refused unless ``overwrite`` (:mod:`dse.outdir`); the same spec resumes. ``notify`` receives
    the one-line messages a person should see (``resuming: ...``)."""
    out = Path(out) if out else default_out(spec)
    if spec.script is not None:
        module = load_script(spec.script)
        options = dict(spec.options)
        options.setdefault("seed", spec.seed)
        with _claimed(out, spec, overwrite, notify):
            module.run(out, **options)
        return out
    if spec.trainer is not None:
        return _run_train(spec, out, storage=storage, n_trials=n_trials, workers=workers, overwrite=overwrite,
                          notify=notify)
    return _run_search(spec, out, storage=storage, n_trials=n_trials, workers=workers, progress=progress,
                       overwrite=overwrite, notify=notify)


@contextmanager
def _claimed(out: Path, spec: StudySpec, overwrite: bool, notify: Callable[[str], None] | None,
             resume_note: str | None = None) -> Iterator[None]:
    """Claim ``out`` for ``spec`` (:func:`dse.outdir.claim`), run the block, and undo the claim when
    the block rejects its input: a folder this run created is removed, a replaced study restored."""
    from .outdir import claim, claim_and_create, drop, park, restore

    state = claim(out, spec, overwrite=overwrite)
    if state == "same" and notify is not None:
        notify(resume_note or f"same spec as the results in {out}/: running it again into that folder")
    parked = park(out) if state == "overwrite" else None
    created = claim_and_create(out, spec, state)
    try:
        yield
    except BaseException as exc:
        # a rejected input leaves nothing behind; a replaced study comes back whatever stopped the
        # run (an interrupted fresh Optuna study stays: its study.db resumes)
        if parked is not None or (created and isinstance(exc, (DseInputError, UnavailableError))):
            shutil.rmtree(out, ignore_errors=True)
        if parked is not None:
            restore(parked, out)
        raise
    if parked is not None:
        drop(parked)


def _plan_search(spec: StudySpec, *, storage: str | None, n_trials: int | None, workers: int | None) -> Any:
    """Build model, workload, problem and solver: every input checked, nothing written."""
    from workloads import load as load_workload

    from .problem import Bound, Objective, Problem
    from .registry import make_model, solvers

    model = make_model(spec.model, spec.params)
    params = dict(model.fixed)
    workload = load_workload(spec.workload)
    model.check_workload(workload)
    space = model.space.restrict(spec.space)
    problem = Problem(model=model, workload=workload, space=space, seed=spec.seed,
                      objectives=tuple(Objective(m, d) for m, d in spec.objectives.items()),
                      bounds=tuple(Bound(m, b.get("low"), b.get("high")) for m, b in spec.bounds.items()))
    problem.evaluate(space.grid_design(0, 1))  # objectives and bounds name metrics of the model
    options = dict(spec.solver_options)
    options.setdefault("seed", spec.seed)
    if n_trials is not None:
        options["n_trials"] = n_trials
    if storage is not None:
        options["storage"] = storage
    if workers is not None:
        options["workers"] = workers
    solver = solvers.get(spec.solver)(**options)
    return model, params, space, problem, options, solver


def _run_search(spec: StudySpec, out: Path, *, storage: str | None, n_trials: int | None,
                workers: int | None, progress: bool, overwrite: bool = False,
                notify: Callable[[str], None] | None = None) -> Path:
    from .report import StudyOutput

    model, params, space, problem, options, solver = _plan_search(spec, storage=storage, n_trials=n_trials,
                                                                   workers=workers)
    note = getattr(solver, "resume_note", None)
    with _claimed(out, spec, overwrite, notify, note(problem, out) if note else None):
        result = solver.solve(problem, out_dir=out, progress=progress)
    summary = {
        "name": spec.name, "description": spec.description, "model": spec.model, "model_version": model.version,
        "workload": spec.workload, "params": {k: _plain(v) for k, v in params.items()},
        "space": {k.name: k.allowed() for k in space}, "objectives": spec.objectives, "bounds": spec.bounds,
        "solver": spec.solver, "solver_options": {k: _plain(v) for k, v in options.items()},
        "seed": spec.seed, "n_evals": result.n_evals, "wall_time_s": result.wall_time_s,
        "info": {k: _plain(v) for k, v in result.info.items()},
    }
    with StudyOutput(out) as files:
        files.table("results", result.table)
        files.table("best", result.best)
        files.json("summary", summary)
    from .plots import write_report

    write_report(out)
    return out


def _run_train(spec: StudySpec, out: Path, *, storage: str | None, n_trials: int | None, workers: int | None,
               overwrite: bool = False, notify: Callable[[str], None] | None = None) -> Path:
    """A training study (:mod:`solvers.optuna_train`); resumes from the storage in ``out``."""
    from solvers.optuna_train import load_trainer, parse_space, run_train_study, train_config
    from solvers.train_report import write_train_outputs

    assert spec.trainer is not None
    options = dict(spec.solver_options)
    for key, v in (("storage", storage), ("n_trials", n_trials), ("workers", workers)):
        if v is not None:
            options[key] = v
    parse_space(spec.space)
    train_config(options, seed=spec.seed, out=out)  # every input checked before the folder is touched
    try:
        load_trainer(spec.trainer)
    except ImportError as exc:
        missing = (exc.name or "").split(".")[0]
        raise UnavailableError("study trainer", spec.trainer.name,
                               f"needs {missing} ({exc}); {INSTALL_HINTS.get(missing, f'install {missing}')}") from None
    db = out / "study.db"
    note = f"resuming the training study in {db}" if db.is_file() and "storage" not in options else None
    with _claimed(out, spec, overwrite, notify, note):
        result = run_train_study(spec.trainer, params=spec.params, space=spec.space, objectives=spec.objectives,
                                 options=options, seed=spec.seed, out=out)
        write_train_outputs(out, result, name=spec.name, description=spec.description, objectives=spec.objectives,
                            spec={"trainer": spec.trainer.name, "params": _plain(spec.params),
                                  "space": _plain(spec.space), "objectives": spec.objectives, "seed": spec.seed})
    return out


def _plain(v: Any) -> Any:
    if isinstance(v, (str, int, float, bool)) or v is None:
        return v
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if hasattr(v, "item"):
        return v.item()
    return str(v)


def study_parser(name: str, doc: str | None) -> argparse.ArgumentParser:
    """The argument parser every study script shares: ``--out`` (default ``studies/out/<name>``),
    ``--quick`` and ``--seed``; scripts add their own options to it."""
    ap = argparse.ArgumentParser(description=(doc or name).strip().split("\n")[0])
    ap.add_argument("--out", type=Path, default=Path("studies") / "out" / name, help="output folder")
    ap.add_argument("--quick", action="store_true", help="a small, fast version (used by the tests)")
    ap.add_argument("--seed", type=int, default=0, help="seed of every random draw")
    return ap


def script_main(name: str, doc: str | None, run: Callable[..., dict[str, Any]], argv: list[str] | None = None, *,
                options: Callable[[argparse.ArgumentParser], Any] | None = None,
                show: Callable[[dict[str, Any]], Any] | None = None) -> int:
    """The ``main()`` of a study script: :func:`study_parser` plus the script's own ``options``,
    then ``run(out, quick=..., seed=..., <option>=...)`` and ``show`` (default :func:`print_headline`)
    of what it returns. An option left at ``None`` is not passed, so ``run``'s own default applies."""
    ap = study_parser(name, doc)
    if options is not None:
        options(ap)
    args = {k: v for k, v in vars(ap.parse_args(argv)).items() if v is not None}
    (show or print_headline)(run(Path(args.pop("out")), **args))
    return 0


def print_headline(head: dict[str, Any]) -> None:
    """Print a study's headline numbers, floats rounded to 4 significant digits."""
    print({k: (float(f"{v:.4g}") if isinstance(v, float) else v) for k, v in head.items()})
