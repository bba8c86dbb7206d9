"""Local refinement around the incumbent (after the Optuna stage): a greedy neighbourhood search.

Neighbours of a configuration change one decision at a time: chain length +-1, +-2; scale bits
+-1, +-2; first-prime bits down to scale + 1 or up by 5; key-switching digits dnum +-1, +-2
(hybrid profiles); activation degree +-1, +-4 and the lowest degree meeting the precision target;
ring flip; N halved or doubled. Every neighbour's special primes are resized to the smallest size
meeting the key-switching noise rule (:func:`.space.special_bits_for`) as well as kept. Each
round: static checks (stage 1), survivors through the cost model (stage 2), move to the best
improvement; stop when no neighbour improves or the proposal budget is spent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from .benchmarks import Benchmark
from .evaluate import Evaluator, config_key
from .precision import activation_bits
from .space import SearchSpace, special_bits_for
from .static import StaticChecker

__all__ = ["local_refine", "neighbours"]


def neighbours(cfg: dict[str, Any], space: SearchSpace, shape: str, min_degree: int) -> list[dict[str, Any]]:
    """One-decision moves from ``cfg`` inside ``space`` (module docstring)."""
    moves: list[dict[str, Any]] = []
    lv, sc, q0 = int(cfg["levels"]), int(cfg["scale_bits"]), int(cfg["first_bits"])
    for d in (-2, -1, 1, 2):
        moves.append(dict(cfg, levels=lv + d))
        moves.append(dict(cfg, scale_bits=sc + d))
    moves += [dict(cfg, first_bits=sc + 1), dict(cfg, first_bits=q0 + 5), dict(cfg, first_bits=q0 - 2)]
    if space.hybrid:
        for d in (-2, -1, 1, 2):
            moves.append(dict(cfg, dnum=int(cfg["dnum"]) + d))
    if space.approximated:
        deg = int(cfg["act_degree"])
        for d in (-4, -1, 1, 4):
            moves.append(dict(cfg, act_degree=deg + d))
        moves.append(dict(cfg, act_degree=min_degree))
    moves.append(dict(cfg, ring="standard" if cfg["ring"] != "standard" else "conjugate-invariant"))
    moves += [dict(cfg, N=int(cfg["N"]) // 2), dict(cfg, N=int(cfg["N"]) * 2)]
    out = []
    for m in moves:
        resized = dict(m, special_bits=special_bits_for(shape, int(m["levels"]), int(m["dnum"]),
                                                        int(m["first_bits"]), int(m["scale_bits"])))
        for c in (m, resized):
            if _inside(c, space):
                out.append(c)
    return out


def _inside(c: dict[str, Any], space: SearchSpace) -> bool:
    lo, hi = space.bits
    return (space.levels[0] <= c["levels"] <= space.levels[1] and all(lo <= c[k] <= hi for k in
            ("scale_bits", "first_bits", "special_bits")) and space.dnum[0] <= c["dnum"] <= space.dnum[1]
            and space.degree[0] <= c["act_degree"] <= space.degree[1] and 8192 <= c["N"] <= 131072)


def local_refine(bench: Benchmark, ev: Evaluator, static: StaticChecker, start: dict[str, Any], *,
                 budget: int, seen: set[tuple], on_rows: Callable[[pd.DataFrame], None],
                 input_range: float = 8.0) -> tuple[dict[str, Any], int]:
    """Greedy descent from ``start`` (a feasible row); returns (best row, proposals used)."""
    space = SearchSpace.for_benchmark(bench)
    min_deg = next((d for d in range(2, 64) if activation_bits(bench.activation, d, input_range)
                    >= bench.precision_bits), 63) if bench.approximated else 2
    best, used = dict(start), 0
    while used < budget:
        cand = [c for c in neighbours({k: best[k] for k in _KNOBS}, space, ev.shape, min_deg)
                if config_key(c) not in seen][: budget - used]
        if not cand:
            break
        used += len(cand)
        for c in cand:
            seen.add(config_key(c))
        st = static.check({k: np.array([c[k] for c in cand]) for k in ("N", "levels", "scale_bits", "first_bits",
                                                                        "special_bits", "dnum", "act_degree")})
        ok = [c for c, good in zip(cand, st.ok) if good]
        if not ok:
            break
        rows = ev(ok)
        rows["stage"] = "refine"
        on_rows(rows)
        feas = rows[rows.feasible]
        if not len(feas) or feas.latency_s.min() >= best["latency_s"] * (1 - 1e-9):
            break
        best = feas.loc[feas.latency_s.idxmin()].to_dict()
    return best, used


_KNOBS = ("N", "levels", "scale_bits", "first_bits", "special_bits", "dnum", "ring", "matvec", "act_degree")
