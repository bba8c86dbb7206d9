"""``dse whatif MODEL --workload W [--set k=v ...] [--json]``: one design point, totals and layers."""

from __future__ import annotations

import json
import sys
from typing import Any

from ..units import format_quantity
from .common import build_model, check_workload_kind, load_workload, resolve_sets, split_assignments
from ..registry import models

__all__ = ["add_parser", "whatif_result"]


def add_parser(sub: Any) -> None:
    p = sub.add_parser("whatif", help="evaluate one design point of a cost model on a workload")
    p.add_argument("model", help="cost model name (see `dse models`)")
    p.add_argument("--workload", "-w", required=True, help="zoo name (NAME[:k=v,...]) or a workload file")
    p.add_argument("--set", "-s", action="append", default=[], metavar="KEY=VALUE",
                   help="a design knob or fixed parameter; human units accepted (400Mbps, 200MHz, 2MiB)")
    p.add_argument("--profile", help="device/calibration profile (same as --set profile=...)")
    p.add_argument("--arch", help="architecture file or preset (same as --set arch=...; models with an arch parameter)")
    p.add_argument("--mapping", help="mapping file (same as --set mapping=...; models with a mapping parameter)")
    p.add_argument("--json", action="store_true", help="print exactly one JSON object")
    p.add_argument("--layers", type=int, default=40, help="max layer rows in the human table (0 = all)")
    p.set_defaults(func=run)


def whatif_result(model_name: str, workload_spec: str, sets: list[tuple[str, str]]) -> dict[str, Any]:
    """The whatif JSON object (also used by tests and notebooks)."""
    model_cls = models.get(model_name)
    design_values, fixed = resolve_sets(model_cls, sets)
    model = build_model(model_name, fixed)
    workload = load_workload(workload_spec)
    check_workload_kind(model_cls, workload)
    design = model.space.design({k: [v] for k, v in design_values.items()})
    metrics = model.evaluate(workload, design)
    point = metrics.point(0)
    describe = getattr(model, "layer_mappings", None)
    if describe is not None and point["layers"]:
        for row, text in zip(point["layers"], describe(workload, design.point(0))):
            row["mapping"] = text
    shown_design = {**design.point(0), **model.get_params()}
    return {
        "model": model_name,
        "workload": getattr(workload, "name", workload_spec),
        "design": {k: _jsonable(v) for k, v in shown_design.items()},
        "metrics": point["metrics"],
        "layers": point["layers"],
        "feasible": point["feasible"],
        "reason": point["reason"],
        "_units": dict(metrics.units),
    }


def _jsonable(v: Any) -> Any:
    if isinstance(v, float) and v != v * 1.0 + 0.0 or isinstance(v, float) and abs(v) == float("inf"):
        return str(v)  # JSON has no inf/nan
    if isinstance(v, (str, int, float, bool)) or v is None:
        return v
    if hasattr(v, "item"):
        return v.item()
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    return str(v)


def _human(v: Any, unit: str) -> str:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return str(v)
    if unit not in ("1", ""):
        return format_quantity(v, unit)
    if float(v).is_integer() and abs(v) < 1e15:
        return f"{int(v):,}"
    return f"{v:,.6g}"


def run(args: Any) -> int:
    sets = split_assignments(args.set)
    if args.profile:
        sets.append(("profile", args.profile))
    for key in ("arch", "mapping"):
        if getattr(args, key, None):
            sets.append((key, getattr(args, key)))
    result = whatif_result(args.model, args.workload, sets)
    units = result.pop("_units")
    if args.json:
        sys.stdout.write(json.dumps(result, allow_nan=False) + "\n")
        return 0
    print(f"model     {result['model']}")
    print(f"workload  {result['workload']}")
    print("design    " + ", ".join(f"{k}={v}" for k, v in result["design"].items()))
    status = "yes" if result["feasible"] else f"NO: {result['reason']}"
    print(f"feasible  {status}")
    print()
    width = max(len(k) for k in result["metrics"]) if result["metrics"] else 8
    for k, v in result["metrics"].items():
        unit = units.get(k, "1")
        shown = _human(v, unit)
        print(f"  {k:<{width}}  {shown}")
    layers = result["layers"]
    if layers:
        import pandas as pd

        rows = [{"layer": l["name"], "kind": l["kind"], **l["metrics"]} for l in layers]
        frame = pd.DataFrame(rows)
        limit = args.layers if args.layers > 0 else len(frame)
        print()
        with pd.option_context("display.width", 160, "display.max_columns", 20, "display.float_format", "{:.4g}".format):
            print(frame.head(limit).to_string(index=False))
        if len(frame) > limit:
            print(f"... {len(frame) - limit} more layers (use --layers 0 to show all, --json for everything)")
    return 0
