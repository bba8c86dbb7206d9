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

Outputs land in ``--out`` (default ``studies/out/<name>``): ``results.csv``, ``best.csv``,
``summary.json``, ``layers.csv``, PNG plots and ``report.md`` (see :mod:`dse.plots`).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .errors import DseInputError

__all__ = ["StudySpec", "load_spec", "run_study", "load_script"]

_STUDY_KEYS = {"name", "model", "workload", "solver", "seed", "script", "out", "description"}


@dataclass
class StudySpec:
    path: Path
    name: str
    script: Path | None = None
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


def load_spec(path: str | Path) -> StudySpec:
    """Parse and check a study spec; errors name the offending field (``study.model``...)."""
    path = Path(path)
    if not path.is_file():
        raise DseInputError("spec", str(path), "an existing study spec .toml file")
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise DseInputError("spec", str(path), "valid TOML", detail=str(exc)) from None
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
    out = Path(study["out"]) if study.get("out") else None
    seed = study.get("seed", 0)
    if not isinstance(seed, int) or seed < 0:
        raise DseInputError("study.seed", seed, "an integer >= 0")
    if "script" in study:
        script = (path.parent / str(study["script"])).resolve()
        if not script.is_file():
            raise DseInputError("study.script", study["script"], f"a Python file next to {path.name}")
        return StudySpec(path, name, script=script, options=dict(data.get("options", {})), seed=seed,
                         out=out, description=str(study.get("description", "")))
    for key in ("model", "workload"):
        if not isinstance(study.get(key), str) or not study[key]:
            raise DseInputError(f"study.{key}", study.get(key), f"a {key} name (or study.script for a script study)")
    objectives = data.get("objectives", {})
    if not objectives:
        raise DseInputError("objectives", None, "at least one `metric = \"min\"|\"max\"` entry")
    for metric, direction in objectives.items():
        if direction not in ("min", "max"):
            raise DseInputError(f"objectives.{metric}", direction, "min or max")
    bounds = data.get("bounds", {})
    for metric, b in bounds.items():
        if not isinstance(b, dict) or not set(b) <= {"low", "high"} or not b:
            raise DseInputError(f"bounds.{metric}", b, "a table with low and/or high")
    return StudySpec(path, name, model=study["model"], workload=study["workload"],
                     params=dict(data.get("params", {})), space=dict(data.get("space", {})),
                     objectives=dict(objectives), bounds={k: dict(v) for k, v in bounds.items()},
                     solver=str(study.get("solver", "optuna")), solver_options=dict(data.get("solver", {})),
                     seed=seed, out=out, description=str(study.get("description", "")))


def load_script(path: Path) -> Any:
    """Import a study script by path (studies/ is not a package)."""
    mod_name = f"dse_study_{path.stem}"
    spec = importlib.util.spec_from_file_location(mod_name, path)
    if spec is None or spec.loader is None:
        raise DseInputError("study.script", str(path), "an importable Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[mod_name] = module
    spec.loader.exec_module(module)
    if not callable(getattr(module, "run", None)):
        raise DseInputError("study.script", str(path), "a module defining run(out, **options)")
    return module


def default_out(spec: StudySpec) -> Path:
    return spec.out or Path("studies") / "out" / spec.name


def run_study(spec: StudySpec, *, out: Path | None = None, storage: str | None = None,
              n_trials: int | None = None, workers: int | None = None, progress: bool = False) -> Path:
    """Run a spec; returns the output folder."""
    out = Path(out) if out else default_out(spec)
    if spec.script is not None:
        module = load_script(spec.script)
        options = dict(spec.options)
        options.setdefault("seed", spec.seed)
        module.run(out, **options)
        return out
    return _run_search(spec, out, storage=storage, n_trials=n_trials, workers=workers, progress=progress)


def _run_search(spec: StudySpec, out: Path, *, storage: str | None, n_trials: int | None,
                workers: int | None, progress: bool) -> Path:
    from workloads import load as load_workload

    from .problem import Bound, Objective, Problem
    from .registry import make_model, solvers
    from .report import StudyOutput

    model = make_model(spec.model, spec.params)
    params = dict(model.fixed)
    workload = load_workload(spec.workload)
    model.check_workload(workload)
    space = model.space.restrict(spec.space)
    problem = Problem(model=model, workload=workload, space=space, seed=spec.seed,
                      objectives=tuple(Objective(m, d) for m, d in spec.objectives.items()),
                      bounds=tuple(Bound(m, b.get("low"), b.get("high")) for m, b in spec.bounds.items()))
    options = dict(spec.solver_options)
    options.setdefault("seed", spec.seed)
    if n_trials is not None:
        options["n_trials"] = n_trials
    if storage is not None:
        options["storage"] = storage
    if workers is not None:
        options["workers"] = workers
    solver = solvers.get(spec.solver)(**options)
    out.mkdir(parents=True, exist_ok=True)
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
