"""``dse sweep MODEL --workload W [--set k=v] [--grid k=a,b,c] [--range k=lo:hi] --objective M[:min|max]``.

An exhaustive vectorised sweep written like a study (results.csv, best.csv = Pareto front,
summary.json, pareto.png, report.md) into a new ``studies/out/sweep-<model>-<n>`` folder per run
unless ``--out`` is given. Every flag is checked before the folder is created.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import DseInputError
from .common import split_assignments

__all__ = ["add_parser"]


def add_parser(sub: Any) -> None:
    p = sub.add_parser("sweep", help="exhaustive vectorised sweep with a Pareto filter")
    p.add_argument("model")
    p.add_argument("--workload", "-w", required=True)
    p.add_argument("--set", "-s", action="append", default=[], metavar="KEY=VALUE",
                   help="fix a knob or parameter")
    p.add_argument("--grid", "-g", action="append", default=[], metavar="KNOB=A,B,C",
                   help="restrict a knob to these values")
    p.add_argument("--range", "-r", action="append", default=[], metavar="KNOB=LOW:HIGH[:POINTS]",
                   help="restrict a numeric knob to [LOW, HIGH] (POINTS grid points)")
    p.add_argument("--objective", "-o", action="append", default=[], metavar="METRIC[:min|max]",
                   help="objective (repeat for a Pareto sweep); default latency_s")
    p.add_argument("--chunk", type=int, default=65536, help="design points per evaluate call")
    p.add_argument("--out", type=Path, help="output folder (default: a new studies/out/sweep-<model>-<n> "
                   "per run); a folder holding another sweep or study is refused")
    p.add_argument("--overwrite", action="store_true", help="replace the different results held in --out")
    p.add_argument("--full-space", action="store_true", dest="full_space",
                   help="sweep every knob not named by --set/--grid/--range over its whole grid "
                        "(default: such knobs stay at their defaults, listed on screen)")
    p.set_defaults(func=run)


def sweep_spec(args: Any) -> Any:
    """The :class:`~dse.study.StudySpec` of a ``dse sweep`` command line (every flag checked)."""
    from ..errors import UnknownNameError
    from ..registry import models
    from ..study import StudySpec

    model_cls = models.get(args.model)
    space: dict[str, Any] = {}
    params: dict[str, Any] = {}
    points: dict[str, int] = {}
    param_names = {p.name for p in model_cls.params}
    given: dict[str, str] = {}

    def once(flag: str, key: str) -> None:
        if key in given:
            raise DseInputError(f"{flag} {key}", key, f"each knob in one flag only (already given with {given[key]})")
        given[key] = flag

    for key, value in split_assignments(args.set):
        once("--set", key)
        if key in model_cls.space:
            space[key] = [value]
        elif key in param_names:
            params[key] = value
        else:
            raise UnknownNameError(f"knob or parameter of {args.model}", key,
                                   list(model_cls.space.names) + sorted(param_names))
    for key, value in split_assignments(args.grid, "--grid"):
        once("--grid", key)
        space[key] = [v.strip() for v in value.split(",") if v.strip()]
    for key, value in split_assignments(args.range, "--range"):
        once("--range", key)
        parts = value.split(":")
        if len(parts) not in (2, 3) or not all(p.strip() for p in parts):
            raise DseInputError("--range", f"{key}={value}", "KNOB=LOW:HIGH or KNOB=LOW:HIGH:POINTS")
        space[key] = {"low": parts[0], "high": parts[1]}
        if len(parts) == 3:
            if not parts[2].strip().isdigit() or int(parts[2]) < 2:
                raise DseInputError(f"--range {key} points", parts[2], "an integer >= 2 (grid points)")
            points[key] = int(parts[2])
    note = "" if getattr(args, "full_space", False) else _fix_unnamed_at_defaults(model_cls, space)
    objectives: dict[str, str] = {}
    for item in args.objective or ["latency_s"]:
        metric, _, direction = item.partition(":")
        if metric in objectives:
            raise DseInputError(f"--objective {metric}", item, "each metric once")
        objectives[metric] = direction or "min"
    if args.chunk < 1:
        raise DseInputError("--chunk", args.chunk, "an integer >= 1")
    for metric, direction in objectives.items():
        if direction not in ("min", "max"):
            raise DseInputError(f"--objective {metric}", direction, "min or max")
    command = " ".join([f"dse sweep {args.model} -w {args.workload}"]
                       + (["--full-space"] if getattr(args, "full_space", False) else [])
                       + [f"--set {x}" for x in args.set] + [f"--grid {x}" for x in args.grid]
                       + [f"--range {x}" for x in args.range] + [f"-o {x}" for x in args.objective])
    return StudySpec(path=Path(command), name=f"sweep-{args.model}", model=args.model, description=note,
                     workload=args.workload, params=params, space=space, objectives=objectives, solver="sweep",
                     solver_options={"chunk": args.chunk, **({"points": points} if points else {})})


def run(args: Any) -> int:
    import json
    import sys
    import time

    from ..outdir import next_free
    from ..report import written_since
    from ..study import _run_search

    spec = sweep_spec(args)
    out = args.out or next_free(Path("studies") / "out" / spec.name)
    t0 = time.time()
    _run_search(spec, out, storage=None, n_trials=None, workers=None, progress=sys.stderr.isatty(),
                overwrite=args.overwrite, notify=print)
    if spec.description:  # said once the command is known to be valid (a rejected one prints one line)
        print(spec.description)
    _print_front(Path(out), json.loads((Path(out) / "summary.json").read_text()))
    print(f"\nwrote {out}/ ({', '.join(written_since(out, t0))})")
    return 0


def _print_front(out: Path, summary: dict[str, Any]) -> None:
    """The distinct front designs: swept knobs and objectives, in human units (all columns in best.csv)."""
    import pandas as pd

    from ..plots import column_units
    from ..report import _human_cells

    results, best = pd.read_csv(out / "results.csv"), pd.read_csv(out / "best.csv")
    knobs = [k for k in summary["space"] if k in best]
    swept = [k for k in knobs if results[k].nunique() > 1]
    best = best.drop_duplicates(subset=knobs)
    cols = swept + [m for m in summary["objectives"] if m in best]
    info = summary.get("info", {})
    print(f"front: {len(best)} of {int(info.get('grid_points', len(results))):,} evaluated designs "
          f"({int(info.get('n_feasible', results['feasible'].sum())):,} feasible):")
    shown = _human_cells(best[cols].head(20), column_units(summary, cols), knobs)
    print(shown.to_string(index=False))
    if len(best) > 20:
        print(f"... {len(best) - 20} more in best.csv")


def _fix_unnamed_at_defaults(model_cls: Any, space: dict[str, Any]) -> str:
    """Knobs the command does not name stay at their defaults (said on screen), so a sweep of
    ``--range rows=8:128`` sweeps rows, not the product of every knob's grid."""
    from ..humanize import quantity

    fixed = [k for k in model_cls.space if k.name not in space]
    for k in fixed:
        space[k.name] = [k.default]
    if not fixed:
        return ""
    shown = ", ".join(f"{k.name}={quantity(k.default, k.unit).replace(' ', '')}" for k in fixed)
    return f"fixed at defaults (name a knob with --grid/--range to sweep it, or --full-space): {shown}"
