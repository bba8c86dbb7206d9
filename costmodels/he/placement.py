"""Per-op latency tables per point group, and the two equal implementations of placement + pricing.

* :func:`op_tables`: per-op latency for every limb count, computed once per group of points that
  share (N, hybrid digit size alpha = ceil((L+1)/dnum)) -- the only knobs :func:`.opcost.op_latency`
  reads besides the limb count -- instead of once per point. A point reads its group's row.
* :func:`array_place`: the array-API path (numpy or torch): layer costs as ``(points, levels)``
  tables, :func:`.levels.place_bootstraps`, then each layer priced at its entry level.
* :func:`compiled_place`: the same computation point by point in compiled code
  (:mod:`.fastplace`, numba), used for numpy inputs when numba is installed; equal bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from dse.metrics import to_numpy
from dse.xp import constant

from . import fastplace
from .grouping import ProfileMemos, group_index, profile_key
from .levels import place_bootstraps
from .opcost import Profile, keyswitch_geometry, op_latency

__all__ = ["Placed", "array_place", "compiled_place", "group_index", "op_tables"]

_ACT_OPS = ("mul", "relinearize", "rescale", "mul_plain", "add")


@dataclass(frozen=True)
class Placed:
    """Per point: placement found (``ok``), entry level and bootstrap flag per layer, layer seconds
    without bootstraps ``lat`` (P, layers), level the input is encrypted at and the output's level."""

    ok: Any
    entry: Any
    booted: Any
    lat: Any
    start: Any
    end: Any
    totals: dict[str, Any] | None = None  # totals-only compiled calls: sum_lat, sum_boot, mem (P,) instead of rows


def _dev(like: Any) -> dict[str, Any]:
    return {"device": like.device} if hasattr(like, "device") and not isinstance(like, np.ndarray) else {}


_OP_ROWS = ProfileMemos()  # per (profile, ops, lmax): seconds of each op at 0..lmax+1 limbs per (N, digit size) group


def op_tables(xp: Any, prof: Profile, k: dict[str, Any], ops: list[str], lmax: int) -> tuple[dict[str, Any], np.ndarray]:
    """``({op: (groups, lmax + 2) seconds at 0..lmax+1 limbs (0 read as 1)}, group index per point)``.

    numpy: a group's rows are computed once per profile and read by later batches (a memo keyed by
    (N, digit size), the only knobs ``op_latency`` reads besides the limb count)."""
    top = k["levels"] + 1.0
    alpha = keyswitch_geometry(top, top, k["dnum"], prof.keyswitch)[0]
    key = np.log2(to_numpy(k["N"])).astype(np.int64) * 4096 + to_numpy(alpha + 0.0 * top).astype(np.int64)
    first, inv = group_index(key)
    pick = xp.asarray(first.astype(np.int64), dtype=xp.int64, **_dev(k["N"]))
    n_r = xp.take(k["N"], pick, axis=0)[:, None]
    top_r = xp.take(top, pick, axis=0)[:, None]
    dnum_r = xp.take(k["dnum"], pick, axis=0)[:, None]
    limbs = constant(xp, np.maximum(np.arange(lmax + 2), 1.0), like=k["N"])[None, :]

    def compute(new: Any) -> Any:
        return xp.concat([op_latency(prof, op, n_r[new], limbs, top_limbs=top_r[new], dnum=dnum_r[new]) for op in ops],
                         axis=1)

    if not isinstance(k["N"], np.ndarray):
        rows = compute(slice(None))
    else:
        memo = _OP_ROWS.get((profile_key(prof), tuple(ops), lmax), len(ops) * (lmax + 2))
        idx = memo.rows(key[first], compute)
        rows = memo.table[idx]
    w = lmax + 2
    groups = {op: rows[:, j * w:(j + 1) * w] for j, op in enumerate(ops)}
    return groups, inv.reshape(-1)


def _fallback(xp: Any, ok: Any, levels: Any, delta: Any, start: Any, end: Any) -> tuple[Any, Any]:
    """Where no placement exists, the plain chain: start at min(L, depth), end at 0."""
    lv_i = xp.astype(levels, xp.int64)
    d_i = xp.astype(delta, xp.int64)
    return (xp.where(ok, start, xp.minimum(lv_i, xp.sum(d_i, axis=1))), xp.where(ok, end, xp.zeros_like(lv_i)))


def compiled_place(net: Any, groups: dict[str, Any], ops: list[str], gidx: np.ndarray, vidx: np.ndarray,
                   act: tuple[Any, Any, Any], delta: Any, k: dict[str, Any], plan: Any, lmax: int,
                   row: np.ndarray | None = None, sums: tuple[Any, ...] | None = None) -> Placed:
    """:func:`array_place` by :func:`.fastplace.place_and_price` (numpy inputs). ``act`` / ``delta``
    hold a row per point, or (``row`` given) the rows point ``p`` reads as ``row[p]``. ``sums``
    (totals only, see :func:`.fastplace.place_and_price`): :attr:`Placed.totals` instead of the
    per-layer rows (``entry``, ``booted``, ``lat`` are then None)."""
    col = {op: j for j, op in enumerate(ops)}
    t = np.stack([np.asarray(groups[op]) for op in ops], axis=1)
    levels = np.asarray(k["levels"]).astype(np.int64)
    l_eff = levels - (np.asarray(plan.depth) + 0 * levels).astype(np.int64)
    if plan.returns is not None:
        l_eff = np.minimum(l_eff, np.asarray(plan.returns).astype(np.int64))
    out = fastplace.place_and_price(
        t, gidx, vidx, net.counts, np.any(net.counts, axis=0),
        np.array([col[op] for op, _ in net.entries], np.int64), np.array([off for _, off in net.entries], np.int64),
        np.any(net.arrays["act_cts"], axis=0), np.max(net.arrays["depth"], axis=0).astype(np.int64),
        np.array([col[op] for op in _ACT_OPS], np.int64), act[0], act[1], act[2],
        np.asarray(delta).astype(np.int64), levels, l_eff, np.asarray(plan.cost), lmax, row, sums)
    ok, start, end = np.isfinite(out["total"]), out["start"], out["end"]
    if sums is not None:
        return Placed(ok, None, None, None, start, end, {name: out[name] for name in ("sum_lat", "sum_boot", "mem")})
    return Placed(ok, out["entry"], out["booted"], out["lat"], start, end)


def array_place(xp: Any, net: Any, groups: dict[str, Any], gidx_np: np.ndarray, vidx: Any,
                act: tuple[Any, Any, Any], delta: Any, k: dict[str, Any], plan: Any, lmax: int, like: Any) -> Placed:
    """Layer cost tables ``(P, lmax + 1)``, shortest path (:func:`.levels.place_bootstraps`), then
    each layer priced at its entry level (the plain chain where no placement exists)."""
    act_ct, act_pt, act_add = act
    gidx = xp.asarray(gidx_np, dtype=xp.int64, **_dev(like))
    table = {op: xp.take(groups[op], gidx, axis=0) for op in groups}
    act_off = [int(v) for v in np.max(net.arrays["depth"], axis=0)]
    shift_cache: dict[tuple[str, int], Any] = {}

    def sh(op: str, off: int) -> Any:  # (P, lmax+1): latency of op at each level, `off` levels below entry
        if (op, off) not in shift_cache:
            idx = np.clip(np.arange(lmax + 1) + 1 - off, 1, lmax + 1)
            shift_cache[(op, off)] = xp.take(table[op], xp.asarray(idx, dtype=xp.int64, **_dev(like)), axis=1)
        return shift_cache[(op, off)]

    counts_v = constant(xp, net.counts, like=like)

    def layer_cost(i: int) -> Any:
        cnt = xp.take(counts_v[:, i, :], vidx, axis=0)
        cost = xp.zeros_like(sh("add", 0))
        for e, (op, off) in enumerate(net.entries):
            if np.any(net.counts[:, i, e]):
                cost = cost + cnt[:, e:e + 1] * sh(op, off)
        if np.any(net.arrays["act_cts"][:, i]):
            o = act_off[i]
            km = sh("mul", o) + sh("relinearize", o) + sh("rescale", o)
            cost = cost + act_ct[:, i:i + 1] * km + act_pt[:, i:i + 1] * sh("mul_plain", o)
            cost = cost + act_add[:, i:i + 1] * sh("add", o)
        return cost

    place = place_bootstraps(xp, delta=delta, levels=k["levels"], boot_depth=plan.depth, boot_cost=plan.cost,
                             layer_cost=layer_cost, lmax=lmax, boot_to=plan.returns)
    # infeasible points: report the plain chain (no bootstrap), independent of the batch
    ok = xp.isfinite(place.total)
    lv_i = xp.astype(k["levels"], xp.int64)
    d_i = xp.astype(delta, xp.int64)
    chain = xp.minimum(lv_i, xp.sum(d_i, axis=1))[:, None] - (xp.cumulative_sum(d_i, axis=1) - d_i)
    entry = xp.where(ok[:, None], place.entry, xp.clip(chain, 0, lv_i[:, None]))
    at_cache: dict[tuple[str, int, int], Any] = {}

    def at(op: str, off: int, i: int) -> Any:  # latency of (op, offset) at layer i's entry level, (P,)
        if (op, off, i) not in at_cache:
            at_cache[(op, off, i)] = xp.take_along_axis(sh(op, off), entry[:, i:i + 1], axis=1)[:, 0]
        return at_cache[(op, off, i)]

    lat_layers = []
    for i in range(len(net.names)):  # the chosen entry level only: (P,) gathers, not (P, levels) tables
        cnt = xp.take(counts_v[:, i, :], vidx, axis=0)
        li = xp.zeros_like(k["N"])
        for e, (op, off) in enumerate(net.entries):
            if np.any(net.counts[:, i, e]):
                li = li + cnt[:, e] * at(op, off, i)
        if np.any(net.arrays["act_cts"][:, i]):
            o = act_off[i]
            km = at("mul", o, i) + at("relinearize", o, i) + at("rescale", o, i)
            li = li + act_ct[:, i] * km + act_pt[:, i] * at("mul_plain", o, i) + act_add[:, i] * at("add", o, i)
        lat_layers.append(li)
    start, end = _fallback(xp, ok, k["levels"], delta, place.start, place.end)
    return Placed(ok, entry, place.booted & ok[:, None], xp.stack(lat_layers, axis=1), start, end)
