"""``dse models``, ``dse workloads``, ``dse show WORKLOAD``: what the engine knows."""

from __future__ import annotations

import json
from typing import Any

from ..humanize import knob_range, quantity
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
                            "allowed": k.allowed(), "doc": k.doc, "default_shown": quantity(k.default, k.unit),
                            "range_shown": knob_range(k)} for k in cls.space},
            params={p.name: {"default": _plain(p.default), "doc": p.doc,
                             "unit": p.unit or cls.param_units.get(p.name, "1"),
                             "allowed": p.allowed(),
                             "default_shown": _param_default(cls, p),
                             **({"choices": list(p.choices)} if p.choices else {})} for p in cls.params},
            metrics=dict(cls.metric_units),
            doc=(cls.__doc__ or "").strip().split("\n")[0],
        )
    return info


def _param_default(cls: Any, p: Any) -> str:
    if p.default is None or p.default == "":
        return "none"
    return quantity(p.default, cls.param_units.get(p.name, "1"))


def _print_model(info: dict[str, Any]) -> None:
    """One model: header, then one line per knob and parameter: name, default, range, meaning."""
    caps = ",".join(info["capabilities"])
    print(f"{info['name']}  v{info['version']}  [{caps}]  {info['doc']}")
    rows = [(k, v["default_shown"], v["range_shown"], v["doc"]) for k, v in info["knobs"].items()]
    prow = [(k, v["default_shown"], ", ".join(map(str, v["choices"])) if "choices" in v else _short(v), v["doc"])
            for k, v in info["params"].items()]
    names = [r[0] for r in rows + prow] or [""]
    w_name = max(len(n) for n in names)
    w_def = max([len(r[1]) for r in rows + prow] or [0])
    for title, table in (("knobs (searched; default, allowed)", rows), ("parameters (fixed; default, allowed)", prow)):
        if not table:
            continue
        print(f"  {title}")
        for name, default, allowed, doc in table:
            extra = "  ".join(x for x in (allowed, doc) if x)
            print(f"    {name:<{w_name}}  {default:<{w_def}}  {extra}".rstrip())
    print()


def _short(v: dict[str, Any]) -> str:
    """A numeric parameter's domain without the unit hints (``a number > 0 in B/s``)."""
    text = str(v.get("allowed", ""))
    if not text.startswith(("a number", "an integer", "0 or")):
        return ""
    return text.split(" or a unit")[0].split(", e.g.")[0]


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
        _print_model(info)
    print("Values in human units; --set accepts them (rtt=40ms, bandwidth=400Mbps, ifmap_sram=64KiB).")
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
