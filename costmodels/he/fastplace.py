"""Compiled twin of the bootstrap placement and per-layer latency loop (numba, numpy inputs only).

:func:`.levels.place_bootstraps` plus the per-layer latency gathers of :class:`.model.CkksModel`
run layer by layer over ``(points, levels)`` arrays; this module runs the same shortest path
point by point in compiled code, touching only the ``L + 1`` levels a point's chain has (levels
above L are unreachable: the input starts at ``min(L, depth)`` and a bootstrap lands at most at
``L - boot depth``). Every floating-point sum is taken in the order of the array version, so the
two agree bit for bit (``tests/he/test_fastplace.py``). The array version stays the reference and
serves torch inputs or machines without numba (``numba`` is optional: ``.ci/setup_numba.sh``).

Layer ``i``'s cost at level ``l`` is ``sum_e count[v, i, e] * T[g, op_e, clip(l + 1 - off_e, 1, lmax + 1)]``
plus the polynomial-activation part, where ``T`` holds per-op latencies per group ``g`` of points
that share (N, hybrid digit size) (:func:`.model.CkksModel._op_tables`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dse.accel import KernelGate, jit

__all__ = ["available", "place_and_price"]


def available() -> bool:
    """True when numba is importable and the kernels compile and run on a tiny case (checked once;
    a failure warns and the model uses its array version, which gives the same numbers)."""
    return _GATE.available()


def _selftest() -> None:
    """One point, one layer: the kernels compile (or load from numba's cache) and run."""
    one_i, one_f = np.zeros(1, np.int64), np.zeros((1, 1))
    place_and_price(np.ones((1, 1, 3)), one_i, one_i, np.ones((1, 1, 1)), np.ones((1, 1), bool), one_i, one_i,
                    np.zeros(1, bool), one_i, np.zeros(5, np.int64), one_f, one_f, one_f, np.zeros((1, 1), np.int64),
                    np.ones(1, np.int64), np.zeros(1, np.int64), one_f, 1)
    boot_costs(np.ones((1, 1)), one_i, np.array([0, 1]), one_i, np.ones(1), one_i, one_i, np.zeros((1, 1), np.int64),
               one_f, 1.0)


_GATE = KernelGate("the compiled CKKS placement", _selftest)
_jit = jit


@_jit
def _base_rows(t: Any, g: int, v: int, top: int, lmax: int, counts: Any, include: Any, entry_op: Any,
               entry_off: Any, base: Any) -> None:
    """``base[i, 0..top]``: the op-count part of every layer's seconds at each level, shared by the
    points of one (op-table group, lowering variant); summed in the array version's order."""
    for i in range(counts.shape[1]):
        for lev in range(top + 1):
            base[i, lev] = 0.0
        for e in range(entry_op.shape[0]):
            if include[i, e]:
                ce, op, off = counts[v, i, e], entry_op[e], entry_off[e]
                for lev in range(top + 1):
                    base[i, lev] = base[i, lev] + ce * t[g, op, min(max(lev + 1 - off, 1), lmax + 1)]


@_jit
def _act_rows(t: Any, g: int, top: int, lmax: int, has_act: Any, act_off: Any, act_ops: Any, rows: Any) -> None:
    """``rows[i, lev] = (mul + relinearize + rescale, mul_plain, add)`` seconds at the table column an
    activation of layer ``i`` entered at level ``lev`` reads (the activation polynomial's per-op
    gathers, hoisted out of the per-point loops)."""
    for i in range(has_act.shape[0]):
        if has_act[i]:
            for lev in range(top + 1):
                col = min(max(lev + 1 - act_off[i], 1), lmax + 1)
                rows[i, lev, 0] = t[g, act_ops[0], col] + t[g, act_ops[1], col] + t[g, act_ops[2], col]
                rows[i, lev, 1] = t[g, act_ops[3], col]
                rows[i, lev, 2] = t[g, act_ops[4], col]


@_jit
def _act_cost(c: float, rows: Any, i: int, lev: int, a_ct: float, a_pt: float, a_add: float) -> float:
    """``c`` plus the activation seconds of layer ``i`` at level ``lev`` (the array version's order)."""
    c = c + a_ct * rows[i, lev, 0] + a_pt * rows[i, lev, 1]
    return c + a_add * rows[i, lev, 2]


@_jit
def _kernel(t: Any, gidx: Any, vidx: Any, order: Any, bounds: Any, counts: Any, include: Any, entry_op: Any,
            entry_off: Any, has_act: Any, act_off: Any, act_ops: Any, act_ct: Any, act_pt: Any, act_add: Any,
            delta: Any, row: Any, levels: Any, l_eff: Any, boot_cost: Any, lmax: int, entry: Any, booted: Any,
            total: Any, start: Any, end: Any, lat: Any) -> None:
    inf = np.inf
    n_layers = delta.shape[1]
    value = np.empty(lmax + 1)
    base = np.empty((n_layers, lmax + 1))
    arows = np.empty((n_layers, lmax + 1, 3))
    rem = np.empty(n_layers + 1, dtype=np.int64)
    t_use = np.empty(n_layers, dtype=np.bool_)
    t_arg = np.empty(n_layers, dtype=np.int64)
    t_land = np.empty(n_layers, dtype=np.int64)
    t_tgt = np.empty(n_layers, dtype=np.int64)
    for grp in range(bounds.shape[0] - 1):
        g0, g1 = bounds[grp], bounds[grp + 1]
        g, v = gidx[order[g0]], vidx[order[g0]]
        gtop = 0
        for q in range(g0, g1):
            gtop = max(gtop, levels[order[q]])
        _base_rows(t, g, v, gtop, lmax, counts, include, entry_op, entry_off, base)
        _act_rows(t, g, gtop, lmax, has_act, act_off, act_ops, arows)
        for q in range(g0, g1):
            p = order[q]
            r = row[p]  # the row of delta / act_* this point reads
            top = levels[p]
            rem[n_layers] = 0
            for i in range(n_layers - 1, -1, -1):
                rem[i] = rem[i + 1] + delta[r, i]
            st = min(top, rem[0]) if n_layers > 0 else top
            for lev in range(top + 1):
                value[lev] = inf
            value[st] = 0.0
            lo, hi = st, st  # value is inf outside [lo, hi] (hi < lo: everywhere)
            le = l_eff[p]
            a_ct, a_pt, a_add = 0.0, 0.0, 0.0
            for i in range(n_layers):
                d = delta[r, i]
                act = has_act[i]
                if act:
                    a_ct, a_pt, a_add = act_ct[r, i], act_pt[r, i], act_add[r, i]
                best, arg = inf, 0
                for lev in range(lo, hi + 1):
                    if value[lev] < best:
                        best, arg = value[lev], lev
                new_lo, new_hi = max(lo - d, 0), hi - d
                for lev in range(new_lo, new_hi + 1):  # in place: value[lev] <- value[lev + d] + cost[lev + d]
                    src = lev + d
                    c = base[i, src]
                    if act:
                        c = _act_cost(c, arows, i, src, a_ct, a_pt, a_add)
                    value[lev] = value[src] + c
                for lev in range(max(lo, new_hi + 1), hi + 1):
                    value[lev] = inf
                lo, hi = new_lo, new_hi
                tgt = min(le, rem[i])
                ok = le >= 1 and tgt >= d
                tgt_c = min(max(tgt, 0), lmax)
                land = min(max(tgt - d, 0), lmax)
                use = False
                if ok:
                    c = base[i, tgt_c]
                    if act:
                        c = _act_cost(c, arows, i, tgt_c, a_ct, a_pt, a_add)
                    bcost = best + boot_cost[p, i] + c
                    use = bcost < value[land]
                    if use:
                        value[land] = bcost
                        if hi < lo:
                            lo, hi = land, land
                        else:
                            lo, hi = min(lo, land), max(hi, land)
                t_use[i], t_arg[i], t_land[i], t_tgt[i] = use, arg, land, tgt_c
            tot, after = inf, 0
            for lev in range(lo, hi + 1):
                if value[lev] < tot:
                    tot, after = value[lev], lev
            total[p], end[p] = tot, after
            feasible = tot < inf
            chain_top = min(top, rem[0])
            for i in range(n_layers - 1, -1, -1):
                b = t_use[i] and after == t_land[i]
                entry[p, i] = t_tgt[i] if b else after + delta[r, i]
                booted[p, i] = b and feasible
                after = t_arg[i] if b else after + delta[r, i]
            start[p] = after
            for i in range(n_layers):
                if not feasible:  # the plain chain, clipped to [0, L] (the array version's fallback)
                    entry[p, i] = min(max(chain_top - (rem[0] - rem[i]), 0), top)
                lev = entry[p, i]
                c = base[i, lev]
                if has_act[i]:
                    c = _act_cost(c, arows, i, lev, act_ct[r, i], act_pt[r, i], act_add[r, i])
                lat[p, i] = c


def place_and_price(t: np.ndarray, gidx: np.ndarray, vidx: np.ndarray, counts: np.ndarray, include: np.ndarray,
                    entry_op: np.ndarray, entry_off: np.ndarray, has_act: np.ndarray, act_off: np.ndarray,
                    act_ops: np.ndarray, act_ct: np.ndarray, act_pt: np.ndarray, act_add: np.ndarray,
                    delta: np.ndarray, levels: np.ndarray, l_eff: np.ndarray, boot_cost: np.ndarray,
                    lmax: int, row: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Cheapest placement and per-layer seconds at the chosen entry level, per point.

    ``delta`` / ``act_*`` hold one row per point, or (``row`` given) rows that point ``p`` reads as
    ``row[p]`` (the model passes one row per (lowering variant, activation degree) pair instead of
    gathering (points, layers) copies).

    Returns ``entry`` (P, layers) int64 (the plain chain where no placement exists), ``booted``
    (P, layers) bool (False where none exists), ``total`` (P,) seconds (inf: none), ``start`` /
    ``end`` (P,) int64 of the placement, and ``lat`` (P, layers) seconds of each layer (without
    its bootstrap).
    """
    p, n = len(gidx), delta.shape[1]
    row = np.arange(p, dtype=np.int64) if row is None else row.astype(np.int64)
    gv = gidx.astype(np.int64) * (int(vidx.max(initial=0)) + 1) + vidx
    order = np.argsort(gv, kind="stable").astype(np.int64)
    cut = np.flatnonzero(np.diff(gv[order])) + 1
    bounds = np.concatenate([[0], cut, [p]]).astype(np.int64) if p else np.zeros(1, np.int64)
    out = {"entry": np.zeros((p, n), np.int64), "booted": np.zeros((p, n), np.bool_), "total": np.zeros(p),
           "start": np.zeros(p, np.int64), "end": np.zeros(p, np.int64), "lat": np.zeros((p, n))}
    f64 = np.float64
    _kernel(np.ascontiguousarray(t, f64), gidx.astype(np.int64), vidx.astype(np.int64), order, bounds,
            np.ascontiguousarray(counts, f64), np.ascontiguousarray(include, np.bool_), entry_op.astype(np.int64),
            entry_off.astype(np.int64), has_act.astype(np.bool_), act_off.astype(np.int64), act_ops.astype(np.int64),
            np.ascontiguousarray(act_ct, f64), np.ascontiguousarray(act_pt, f64), np.ascontiguousarray(act_add, f64),
            np.ascontiguousarray(delta, np.int64), row, levels.astype(np.int64), l_eff.astype(np.int64),
            np.ascontiguousarray(boot_cost, f64), int(lmax), out["entry"], out["booted"], out["total"],
            out["start"], out["end"], out["lat"])
    return out


@_jit
def _boot_kernel(lat_g: Any, g_of: Any, ptr: Any, cols: Any, vals: Any, per_point: Any, inv: Any,
                 live: Any, scale: float, cost: Any, memo: Any, stamp: Any) -> None:
    n_points, n_layers = live.shape
    for p in range(n_points):
        g = g_of[p]
        c = per_point[p]
        if c >= 0:
            acc = 0.0
            for j in range(ptr[c], ptr[c + 1]):
                acc = acc + lat_g[g, cols[j]] * vals[j]
            per = scale * acc
            for i in range(n_layers):
                cost[p, i] = per * live[p, i]
        else:
            for i in range(n_layers):
                c = inv[p, i]
                if stamp[c] != p:
                    acc = 0.0
                    for j in range(ptr[c], ptr[c + 1]):
                        acc = acc + lat_g[g, cols[j]] * vals[j]
                    memo[c] = scale * acc
                    stamp[c] = p
                cost[p, i] = memo[c] * live[p, i]


def boot_costs(lat_g: np.ndarray, g_of: np.ndarray, ptr: np.ndarray, cols: np.ndarray, vals: np.ndarray,
               remap: np.ndarray, per_point: np.ndarray, inv: np.ndarray, live: np.ndarray,
               scale: float) -> np.ndarray:
    """Seconds of bootstrapping before each layer, ``scale x (lat . counts) x live`` per (point, layer).

    ``lat_g`` (groups, keys) per-op seconds of each point group; structure s has the op counts
    ``vals[ptr[s]:ptr[s+1]]`` at columns ``cols[ptr[s]:ptr[s+1]]`` (ascending), column c being key
    ``remap[c]``; a point bootstraps with structure ``per_point[p]`` everywhere, or
    (``per_point[p] < 0``, sparse slots) with ``inv[p, i]`` before layer i. The dot product runs in
    key order over the non-zero counts, as :func:`.bootplan._dot` does over all of them (a zero
    count adds exactly 0).
    """
    cost = np.empty(live.shape)
    n_rows = max(len(ptr) - 1, 1)
    memo = np.zeros(n_rows)
    stamp = np.full(n_rows, -1, np.int64)
    _boot_kernel(np.ascontiguousarray(lat_g, np.float64), g_of.astype(np.int64), ptr.astype(np.int64),
                 remap.astype(np.int64)[cols],  # each entry's column of lat_g (-1: a structure not in use)
                 np.ascontiguousarray(vals, np.float64),
                 per_point.astype(np.int64), np.ascontiguousarray(inv, np.int64),
                 np.ascontiguousarray(live, np.float64), float(scale), cost, memo, stamp)
    return cost


@_jit
def _mem_kernel(held_v: Any, pt_v: Any, vidx: Any, n: Any, entry: Any, w: float, out: Any) -> None:
    for p in range(entry.shape[0]):
        v, nn = vidx[p], n[p]
        best, nan = -np.inf, False
        for i in range(entry.shape[1]):
            limbs = entry[p, i] + 1.0
            val = held_v[v, i] * (2.0 * limbs * nn * w) + pt_v[v, i] * (limbs * nn * w)
            if val != val:
                nan = True
            elif val > best:
                best = val
        out[p] = np.nan if nan else best


def memory_max(held_v: np.ndarray, pt_v: np.ndarray, vidx: np.ndarray, n: np.ndarray, entry: np.ndarray,
               word_bytes: int) -> np.ndarray:
    """Largest per-layer working set in bytes, per point: ``max_i held[v, i] x ciphertext_bytes(N,
    entry_i + 1) + plaintexts[v, i] x plaintext_bytes(N, entry_i + 1)`` (:mod:`.opcost` formulas, same
    operation order, NaN if any layer is NaN, as ``np.max``), without the ``(P, layers)`` arrays."""
    out = np.empty(entry.shape[0])
    _mem_kernel(np.ascontiguousarray(held_v, np.float64), np.ascontiguousarray(pt_v, np.float64),
                vidx.astype(np.int64), np.ascontiguousarray(n, np.float64), np.ascontiguousarray(entry, np.int64),
                float(word_bytes), out)
    return out
