"""``dse whatif MODEL --workload W [--set k=v ...] [--json]``: one design point, totals and layers."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from typing import Any

from ..errors import DseInputError
from ..humanize import quantity
from ..registry import models
from .common import build_model, check_workload_kind, load_workload, resolve_sets, split_assignments

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
    shown_design = model.effective_design(workload, design.point(0))
    return {
        "model": model_name,
        "workload": getattr(workload, "name", workload_spec),
        "design": {k: _jsonable(v) for k, v in shown_design.items()},
        "metrics": _counts_as_int(point["metrics"], metrics.units),
        "layers": [{**l, "metrics": _counts_as_int(l["metrics"], metrics.units)} for l in point["layers"]],
        "feasible": point["feasible"],
        "reason": point["reason"],
        "_units": dict(metrics.units),
    }


def _counts_as_int(values: dict[str, Any], units: Mapping[str, str]) -> dict[str, Any]:
    """Counts and byte totals (unit ``1`` or ``B``) that are whole numbers become JSON integers."""
    out = {}
    for k, v in values.items():
        whole = isinstance(v, float) and v.is_integer() and abs(v) < 2**53
        out[k] = int(v) if whole and units.get(k) in ("1", "B") else v
    return out


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
    if v is None:
        return "n/a (cannot exist for this design)"
    return quantity(v, unit)


def _design_value(model_name: str, key: str, value: Any) -> str:
    """A design/parameter value in human units (``rtt=40 ms``, ``ifmap_sram=64 KiB``)."""
    cls = models.get(model_name)
    unit = cls.space[key].unit if key in cls.space else cls.param_units.get(key, "1")
    if unit in ("1", "") or isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    return quantity(value, unit).replace(" ", "")


def run(args: Any) -> int:
    if args.layers < 0:
        raise DseInputError("--layers", args.layers, "an integer >= 0 (0 = all layers)")
    extra = [f"profile={args.profile}"] if args.profile else []
    extra += [f"{key}={getattr(args, key)}" for key in ("arch", "mapping") if getattr(args, key, None)]
    sets = split_assignments(args.set + extra)
    result = whatif_result(args.model, args.workload, sets)
    units = result.pop("_units")
    if args.json:
        sys.stdout.write(json.dumps(result, allow_nan=False) + "\n")
        return 0
    print(f"model     {result['model']}")
    print(f"workload  {result['workload']}")
    print("design    " + ", ".join(f"{k}={_design_value(args.model, k, v)}" for k, v in result["design"].items()))
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
