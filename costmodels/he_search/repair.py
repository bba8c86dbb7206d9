"""Layer-wise repair: local changes when one layer makes a global configuration infeasible.

FHE-Agent decomposes the search into global parameter selection and layer-wise bottleneck
repair. Here, for a configuration that fails because of one layer:

* **depth** (the layer's depth increment exceeds what a bootstrap leaves, L - bootstrap depth;
  found by stage 1): (a) *lower-degree activation* in the bottleneck layers, the largest degree
  whose depth fits and whose precision still meets the target; (b) *extra bootstrap*: split the
  activation into a composite p2(p1(x)) of two lower-degree polynomials so a bootstrap can sit
  between them (degree d1 * d2 >= the original);
* **memory** (found by the cost model): switch the packing of linear layers (BSGS <-> diagonal)
  and report the layer with the largest footprint.

Each attempt is one cost-model evaluation of the repaired workload and is reported with the
bottleneck layer's name, whether it fixed the configuration, and its latency.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from costmodels.he import poly_eval_cost

from .benchmarks import Benchmark
from .evaluate import Evaluator, config_key
from .precision import activation_bits, approximated_layers, with_layer_degrees
from .space import special_bits_for
from .static import StaticChecker

__all__ = ["MAX_REPAIRS", "repair_candidates", "repair_depth"]

MAX_REPAIRS = 8


def _poly_depth(d: int) -> int:
    return int(poly_eval_cost(int(d))["depth"])


def repair_depth(bench: Benchmark, ev: Evaluator, static: StaticChecker, cfg: dict[str, Any], *,
                 input_range: float = 8.0, seen: set | None = None) -> list[dict[str, Any]]:
    """Repairs of a depth bottleneck: lower-degree activations, then a composite with a bootstrap."""
    if not bench.approximated:
        return []
    usable = int(cfg["levels"]) - static.boot_depth
    if usable < 2:
        return []
    depths = static.layer_depths(np.array([cfg["act_degree"]]))[0]
    names = list(static.net.names)
    approx = set(approximated_layers(ev.workload))
    over = [i for i, d in enumerate(depths) if d > usable]
    if not over:
        return []
    bottleneck = names[int(np.argmax(depths))]
    deg = int(cfg["act_degree"])
    out = []
    # (a) lower-degree activation where the layer is an activation that does not fit
    fixable = [names[i] for i in over if names[i] in approx]
    base_depth = {names[i]: depths[i] - _poly_depth(deg) for i in over if names[i] in approx}
    if fixable:
        room = min(usable - base_depth[n] for n in fixable)
        d_low = max((d for d in range(2, deg) if _poly_depth(d) <= room), default=0)
        if d_low >= 2:
            bits = min(activation_bits(bench.activation, d_low, input_range),
                       activation_bits(bench.activation, deg, input_range))
            out.append(_attempt(ev, cfg, {n: (d_low,) for n in fixable}, bits, "lower-degree activation",
                                bottleneck, f"degree {deg} -> {d_low} in {len(fixable)} layer(s)", seen, approx))
        # (b) composite d1 * d2 >= deg with each part fitting: a bootstrap can go between the parts
        d1 = max((d for d in range(2, 64) if _poly_depth(d) <= room), default=0)
        if d1 >= 2:
            d2 = max(2, math.ceil(deg / d1))
            if _poly_depth(d2) <= room:
                bits = activation_bits(bench.activation, [d1, d2], input_range)
                out.append(_attempt(ev, cfg, {n: (d1, d2) for n in fixable}, bits, "extra bootstrap (composite)",
                                    bottleneck, f"degree {deg} -> {d1} x {d2} in {len(fixable)} layer(s)", seen,
                                    approx))
    return [r for r in out if r is not None]


def _attempt(ev: Evaluator, cfg: dict[str, Any], degrees: dict[str, tuple[int, ...]], bits: float, action: str,
             bottleneck: str, detail: str, seen: set | None, approx: set[str]) -> dict[str, Any] | None:
    knob_free = set(degrees) >= approx  # every approximated layer overridden: act_degree is irrelevant
    key = (config_key(dict(cfg, act_degree=0) if knob_free else cfg), tuple(sorted(degrees.items())))
    if seen is not None:
        if key in seen:
            return None
        seen.add(key)
    wl = with_layer_degrees(ev.workload, degrees)
    row = ev([cfg], workload=wl, act_bits=bits).iloc[0].to_dict()
    row.update({"stage": "repair", "repair": action, "bottleneck_layer": bottleneck, "repair_detail": detail})
    return row


def repair_memory(bench: Benchmark, ev: Evaluator, cfg: dict[str, Any], *, seen: set | None = None
                  ) -> list[dict[str, Any]]:
    """Over the memory budget: switch linear-layer packing, and fewer key-switching digits (smaller
    switching keys, special primes resized for the key-switching noise rule)."""
    ev([cfg], count=False)
    mem = ev.last_layers(0, "memory_bytes")
    layer = str(mem.idxmax())
    alts = [(dict(cfg, matvec="diagonal" if cfg["matvec"] == "bsgs" else "bsgs"), "different packing",
             f"matvec {cfg['matvec']} -> {'diagonal' if cfg['matvec'] == 'bsgs' else 'bsgs'}")]
    if ev.shape == "hybrid" and int(cfg["dnum"]) > 1:
        dn = int(cfg["dnum"]) - 1
        sp = special_bits_for(ev.shape, int(cfg["levels"]), dn, int(cfg["first_bits"]), int(cfg["scale_bits"]))
        alts.append((dict(cfg, dnum=dn, special_bits=sp), "smaller switching keys",
                     f"dnum {cfg['dnum']} -> {dn}, special bits {cfg['special_bits']} -> {sp}"))
    rows = []
    for alt, action, detail in alts:
        if seen is not None:
            if config_key(alt) in seen:
                continue
            seen.add(config_key(alt))
        row = ev([alt]).iloc[0].to_dict()
        row.update({"stage": "repair", "repair": action, "bottleneck_layer": layer, "repair_detail": detail})
        rows.append(row)
    return rows


def repair_candidates(bench: Benchmark, ev: Evaluator, static: StaticChecker, pruned: pd.DataFrame,
                      analysed: pd.DataFrame, *, input_range: float = 8.0) -> pd.DataFrame:
    """Repair up to :data:`MAX_REPAIRS` candidates: depth-pruned ones with the smallest (N, levels),
    then memory-infeasible analysed ones with the smallest latency."""
    rows: list[dict[str, Any]] = []
    tried = 0
    seen: set = set()
    if len(pruned):
        depth = pruned[pruned["static_reason"].str.startswith("network depth")]
        depth = depth.sort_values(["N", "levels"]).drop_duplicates(
            subset=["N", "levels", "scale_bits", "first_bits", "special_bits", "dnum", "ring", "matvec", "act_degree"])
        for _, r in depth.iterrows():
            if tried >= MAX_REPAIRS // 2:
                break
            cfg = {k: r[k] for k in ("N", "levels", "scale_bits", "first_bits", "special_bits", "dnum", "ring",
                                     "matvec", "act_degree")}
            got = repair_depth(bench, ev, static, cfg, input_range=input_range, seen=seen)
            if got:
                tried += 1
                rows.extend(got)
    if len(analysed):
        mem = analysed[analysed["reason"].str.startswith("memory")].sort_values("latency_s")
        for _, r in mem.head(max(1, (MAX_REPAIRS - tried) // 2)).iterrows():
            cfg = {k: r[k] for k in ("N", "levels", "scale_bits", "first_bits", "special_bits", "dnum", "ring",
                                     "matvec", "act_degree")}
            rows.extend(repair_memory(bench, ev, cfg, seen=seen))
    return pd.DataFrame(rows)
