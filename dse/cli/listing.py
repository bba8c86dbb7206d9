"""``dse models``, ``dse workloads``, ``dse show WORKLOAD``: what the engine knows."""

from __future__ import annotations

import json
from typing import Any

from ..registry import kernels, models, solvers

__all__ = ["add_parsers"]


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("models", help="list registered cost models (and solvers, kernels)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run_models)
    p = sub.add_parser("workloads", help="list the workload zoo")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run_workloads)
    p = sub.add_parser("show", help="layer table of a workload")
    p.add_argument("workload", help="zoo name (NAME[:k=v,...]) or a workload file")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run_show)


def _model_info(entry: Any) -> dict[str, Any]:
    info: dict[str, Any] = {"name": entry.name, "target": entry.target, "available": entry.available,
                            "why": entry.why or None}
    if entry.available:
        cls = models.get(entry.name)
        info.update(
            version=cls.version,
            capabilities=sorted(cls.capabilities),
            knobs={k.name: {"type": type(k).__name__.lower(), "default": _plain(k.default), "unit": k.unit,
                            "allowed": k.allowed(), "doc": k.doc} for k in cls.space},
            params={p.name: {"default": _plain(p.default), "doc": p.doc, "unit": p.unit or "1",
                             "allowed": p.allowed(),
                             **({"choices": list(p.choices)} if p.choices else {})} for p in cls.params},
            metrics=dict(cls.metric_units),
            doc=(cls.__doc__ or "").strip().split("\n")[0],
        )
    return info


def _plain(v: Any) -> Any:
    return v if isinstance(v, (str, int, float, bool)) or v is None else str(v)


def run_models(args: Any) -> int:
    infos = [_model_info(e) for e in models.entries()]
    if args.json:
        other = {"solvers": [{"name": e.name, "available": e.available, "why": e.why or None} for e in solvers.entries()],
                 "kernels": [{"name": e.name, "available": e.available, "why": e.why or None} for e in kernels.entries()]}
        print(json.dumps({"models": infos, **other}))
        return 0
    for info in infos:
        if not info["available"]:
            print(f"{info['name']:<18} UNAVAILABLE: {info['why']}")
            continue
        caps = ",".join(info["capabilities"])
        print(f"{info['name']:<18} v{info['version']:<6} [{caps}]  {info['doc']}")
        knobs = ", ".join(f"{k} ({v['allowed']})" for k, v in info["knobs"].items())
        print(f"{'':<18} knobs: {knobs}")
        if info["params"]:
            print(f"{'':<18} params: " + ", ".join(f"{k}={v['default']}" for k, v in info["params"].items()))
    for label, reg in (("solvers", solvers), ("kernels", kernels)):
        entries = reg.entries()
        if entries:
            shown = ", ".join(e.name + ("" if e.available else f" (unavailable: {e.why})") for e in entries)
            print(f"\n{label}: {shown}")
    return 0


def run_workloads(args: Any) -> int:
    from workloads import zoo

    rows: list[dict[str, Any]] = []
    for entry in zoo.entries():
        w = entry.build(**entry.defaults)
        rows.append({"name": entry.name, "params": entry.defaults, "layers": len(w), "macs": w.macs,
                     "weights": w.params, "relus": w.relus, "source": entry.source, "doc": entry.doc})
    if args.json:
        print(json.dumps(rows))
        return 0
    print(f"{'name':<20} {'layers':>6} {'MACs':>14} {'params':>12} {'ReLUs':>11}  parameters")
    for r in rows:
        params = ",".join(f"{k}={v}" for k, v in r["params"].items())
        print(f"{r['name']:<20} {r['layers']:>6} {r['macs']:>14,} {r['weights']:>12,} {r['relus']:>11,}  {params}")
    return 0


def run_show(args: Any) -> int:
    from .common import load_workload

    w = load_workload(args.workload)
    if getattr(w, "kind", "network") != "network":
        frame = w.table()
        print(frame.to_json(orient="records") if args.json else frame.to_string(index=False))
        return 0
    frame = w.table()
    if args.json:
        print(json.dumps({"summary": w.summary(), "layers": json.loads(frame.to_json(orient="records"))}))
        return 0
    import pandas as pd

    with pd.option_context("display.width", 200, "display.max_rows", None, "display.max_columns", 20):
        print(frame.to_string(index=False))
    s = w.summary()
    print(f"\n{s['name']}: {s['layers']} layers, {s['macs']:,} MACs, {s['params']:,} params, "
          f"{s['relus']:,} ReLUs, input {tuple(s['input_shape'])}")
    return 0
