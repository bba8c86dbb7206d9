"""Level accounting through a network and bootstrap placement (shortest path over layers x levels).

The network is walked in topological order as a chain: layer i raises the critical-path depth by
``delta_i = max(D_i, running max) - running max`` where ``D_i = max(D_inputs) + depth_i`` (a
parallel branch such as a ResNet shortcut adds no depth; it is priced at the chain's level).

Bootstrap placement follows Orion (``orion/core/level_dag.py``, [Orion25]): nodes
are (layer, level) pairs, an edge runs layer i at its entry level, a bootstrap edge before layer i
lifts every live ciphertext to ``min(L - boot_depth, remaining depth)`` levels, and the cheapest
path is found by dynamic programming - here vectorised over design points (arrays of shape
``(points, levels)``; the loop runs over layers only). Without bootstrapping the input is
encrypted at ``min(L, total depth)`` levels (EVA: no level is wasted).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Placement", "chain_increments", "place_bootstraps"]


def _to_numpy(a: Any) -> Any:
    import numpy as np

    if hasattr(a, "detach"):
        return a.detach().cpu().numpy()
    return np.asarray(a)


def chain_increments(xp: Any, depth: Any, parents: Sequence[Sequence[int]]) -> tuple[Any, Any]:
    """``(delta (P, layers), total (P,))`` from per-layer depths ``(P, layers)`` and the DAG."""
    zero = xp.zeros_like(depth[:, 0])
    reach: list[Any] = []
    run = zero
    deltas = []
    for i, ps in enumerate(parents):
        base = zero
        for p in ps:
            if p >= 0:
                base = xp.maximum(base, reach[p])
        d_i = base + depth[:, i]
        reach.append(d_i)
        new = xp.maximum(run, d_i)
        deltas.append(new - run)
        run = new
    return xp.stack(deltas, axis=1), run


@dataclass(frozen=True)
class Placement:
    """Cheapest path: entry level per layer, bootstraps before each layer, total cost (inf: infeasible)."""

    entry: Any    # (P, layers) int64, levels remaining when the layer starts
    booted: Any   # (P, layers) bool
    total: Any    # (P,) seconds
    start: Any    # (P,) int64 level the input is encrypted at
    end: Any      # (P,) int64 level of the output


def place_bootstraps(xp: Any, *, delta: Any, levels: Any, boot_depth: Any, boot_cost: Any,
                     layer_cost: Callable[[int], Any], lmax: int, boot_to: Any = None) -> Placement:
    """Shortest path over (layer, level).

    ``delta`` (P, layers) int levels each layer consumes on the chain; ``levels`` (P,) int the chain
    length L; ``boot_cost`` (P, layers) seconds of bootstrapping before layer i; ``layer_cost(i)``
    (P, lmax+1) seconds of layer i entered at level 0..lmax (inf where impossible); ``boot_depth``
    (int or (P,)) levels a bootstrap consumes; ``boot_to`` ((P,), optional) levels it returns
    (default ``levels - boot_depth``).
    """
    p, n_layers = delta.shape
    i64 = xp.int64
    lv = xp.reshape(xp.arange(lmax + 1, dtype=i64), (1, lmax + 1))
    inf = float("inf")
    levels = xp.astype(levels, i64)
    delta = xp.astype(delta, i64)
    rem = xp.flip(xp.cumulative_sum(xp.flip(delta, axis=1), axis=1), axis=1)  # depth from layer i on
    start = xp.minimum(levels, rem[:, 0]) if n_layers else levels
    ref = xp.astype(boot_cost[:, :1] * 0.0 + xp.astype(lv, boot_cost.dtype), boot_cost.dtype)
    value = xp.where(lv == start[:, None], ref * 0.0, ref * 0.0 + inf)
    l_eff = levels - xp.astype(boot_depth + 0 * levels, i64)
    if boot_to is not None:
        l_eff = xp.minimum(l_eff, xp.astype(boot_to, i64))
    trail = []
    d_np = _to_numpy(delta)
    for i in range(n_layers):
        d = delta[:, i]
        cost = layer_cost(i)
        here = value + cost
        lo, hi = (int(d_np[:, i].min()), int(d_np[:, i].max())) if p else (0, 0)
        if lo == hi and lo <= lmax:  # one shift for every point: a slice instead of a gather
            cont = here if lo == 0 else xp.concat([here[:, lo:], xp.full_like(here[:, :lo], inf)], axis=1)
        else:
            idx = lv + d[:, None]
            cont = xp.where(idx <= lmax, xp.take_along_axis(here, xp.clip(idx, 0, lmax), axis=1), inf)
        tgt = xp.minimum(l_eff, rem[:, i])
        ok = (l_eff >= 1) & (tgt >= d)
        best_prev = xp.min(value, axis=1)
        arg_prev = xp.argmin(value, axis=1)
        tgt_c = xp.clip(tgt, 0, lmax)
        c_tgt = xp.take_along_axis(cost, tgt_c[:, None], axis=1)[:, 0]
        bcost = xp.where(ok, best_prev + boot_cost[:, i] + c_tgt, inf)
        land = xp.clip(tgt - d, 0, lmax)
        cont_land = xp.take_along_axis(cont, land[:, None], axis=1)[:, 0]
        use = ok & (bcost < cont_land)
        value = xp.where((lv == land[:, None]) & use[:, None], bcost[:, None], cont)
        trail.append((use, arg_prev, land, tgt_c, d))
    total = xp.min(value, axis=1)
    end = xp.argmin(value, axis=1)
    after = end
    entries: list[Any] = [None] * n_layers
    boots: list[Any] = [None] * n_layers
    for i in reversed(range(n_layers)):
        use, arg_prev, land, tgt, d = trail[i]
        b = use & (after == land)
        entries[i] = xp.where(b, tgt, after + d)
        boots[i] = b
        after = xp.where(b, arg_prev, after + d)
    entry = xp.stack(entries, axis=1) if n_layers else xp.zeros((p, 0), dtype=i64)
    booted = xp.stack(boots, axis=1) if n_layers else xp.zeros((p, 0), dtype=xp.bool)
    return Placement(entry, booted, total, after, end)
