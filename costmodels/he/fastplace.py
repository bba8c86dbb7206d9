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

from .grouping import group_index as _group_index

__all__ = ["available", "boot_costs", "place_and_price", "structure_codes"]


def available() -> bool:
    """True when numba is importable and the kernels compile and run on a tiny case (checked once;
    a failure warns and the model uses its array version, which gives the same numbers)."""
    return _GATE.available()


def _selftest() -> None:
    """One point, one layer: the kernels compile (or load from numba's cache) and run."""
    one_i, one_f = np.zeros(1, np.int64), np.zeros((1, 1))
    place_and_price(np.ones((1, 1, 3)), one_i, one_i, np.ones((1, 1, 1)), np.ones((1, 1), bool), one_i, one_i,
                    np.zeros(1, bool), one_i, np.zeros(5, np.int64), one_f, one_f, one_f, np.zeros((1, 1), np.int64),
                    np.ones(1, np.int64), np.zeros(1, np.int64), one_f, 1, sums=(one_f, one_f, one_f, np.ones(1), 8))
    boot_costs(np.ones((1, 1)), one_i, np.array([0, 1]), one_i, np.ones(1), one_i, np.zeros((1, 1), np.int64), one_i,
               one_f, one_i, np.zeros(1, bool), 1.0)
    structure_codes(one_i, one_i, one_i, np.ones(1, bool), np.zeros((1, 1), np.int64), one_i, 1)


_GATE = KernelGate("the compiled CKKS placement", _selftest)
TABLE_BYTES = 64 << 20  # the placement's per-group cost rows held at once (more groups: several passes)
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
def _block_sum(a: Any, s: int, n: int) -> float:
    """numpy's pairwise sum of a block of at most 128 terms ``a[s:s+n]``: 8 accumulators, then the tail."""
    if n < 8:
        res = -0.0
        for i in range(n):
            res = res + a[s + i]
        return res
    r0, r1, r2, r3 = a[s], a[s + 1], a[s + 2], a[s + 3]
    r4, r5, r6, r7 = a[s + 4], a[s + 5], a[s + 6], a[s + 7]
    i = 8
    while i < n - n % 8:
        r0, r1, r2, r3 = r0 + a[s + i], r1 + a[s + i + 1], r2 + a[s + i + 2], r3 + a[s + i + 3]
        r4, r5, r6, r7 = r4 + a[s + i + 4], r5 + a[s + i + 5], r6 + a[s + i + 6], r7 + a[s + i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res = res + a[s + i]
        i += 1
    return res


@_jit
def _pairwise_sum(a: Any, s: int, n: int) -> float:
    """numpy's pairwise summation of ``a[s:s+n]``: blocks of at most 128 terms (:func:`_block_sum`),
    longer runs split in two halves (a multiple of 8 first) and the halves added. Evaluated with an
    explicit stack (numba cannot cache a recursive function); the same tree, so the same bits
    (``tests/he/test_fastplace.py``)."""
    if n <= 128:
        return _block_sum(a, s, n)
    seg_s, seg_n = np.empty(128, np.int64), np.empty(128, np.int64)  # n = -1: add the top two values
    vals = np.empty(128)
    top, nv = 1, 0
    seg_s[0], seg_n[0] = s, n
    while top > 0:
        top -= 1
        ss, nn = seg_s[top], seg_n[top]
        if nn < 0:
            vals[nv - 2] = vals[nv - 2] + vals[nv - 1]
            nv -= 1
        elif nn <= 128:
            vals[nv] = _block_sum(a, ss, nn)
            nv += 1
        else:
            n2 = nn // 2
            n2 -= n2 % 8
            seg_s[top], seg_n[top] = 0, -1
            seg_s[top + 1], seg_n[top + 1] = ss + n2, nn - n2
            seg_s[top + 2], seg_n[top + 2] = ss, n2
            top += 3
    return vals[0]


@_jit
def _row_sum(a: Any) -> float:
    """``np.sum(a)`` of a 1-d array: 0 plus the pairwise sum, as numpy's add.reduce starts from 0."""
    return 0.0 + _pairwise_sum(a, 0, a.shape[0])


@_jit
def _kernel(t: Any, gidx: Any, vidx: Any, ginv: Any, gfirst: Any, g_lo: int, g_hi: int, counts: Any,
            include: Any, entry_op: Any, entry_off: Any, has_act: Any, act_off: Any, act_ops: Any, act_ct: Any,
            act_pt: Any, act_add: Any, delta: Any, row: Any, levels: Any, l_eff: Any, boot_cost: Any, lmax: int,
            entry: Any, booted: Any, total: Any, start: Any, end: Any, lat: Any, sums: bool, live_v: Any,
            held_v: Any, pt_v: Any, n_pt: Any, word: float, sum_lat: Any, sum_boot: Any, mem: Any) -> None:
    """The points of groups ``g_lo <= ginv[p] < g_hi``, in point order (each group's cost rows built
    first). Per-layer results go to ``entry`` / ``booted`` / ``lat``, or (``sums``) only their
    totals to ``sum_lat`` / ``sum_boot`` / ``mem``."""
    inf = np.inf
    n_layers = delta.shape[1]
    e_row = np.empty(n_layers, dtype=np.int64)
    b_row = np.empty(n_layers, dtype=np.bool_)
    l_row, s_lat, s_boot = np.empty(n_layers), np.empty(n_layers), np.empty(n_layers)
    n_grp = g_hi - g_lo
    gtop = np.zeros(n_grp, dtype=np.int64)
    for p in range(ginv.shape[0]):
        q = ginv[p] - g_lo
        if 0 <= q < n_grp:
            gtop[q] = max(gtop[q], levels[p])
    base_all = np.empty((n_grp, n_layers, lmax + 1))
    arows_all = np.empty((n_grp, n_layers, lmax + 1, 3))
    for q in range(n_grp):
        g, v = gidx[gfirst[g_lo + q]], vidx[gfirst[g_lo + q]]
        _base_rows(t, g, v, gtop[q], lmax, counts, include, entry_op, entry_off, base_all[q])
        _act_rows(t, g, gtop[q], lmax, has_act, act_off, act_ops, arows_all[q])
    rem = np.empty(n_layers + 1, dtype=np.int64)
    t_use = np.empty(n_layers, dtype=np.bool_)
    t_arg = np.empty(n_layers, dtype=np.int64)
    t_land = np.empty(n_layers, dtype=np.int64)
    t_tgt = np.empty(n_layers, dtype=np.int64)
    # the levels at which the array version's value row is finite, ascending: the plain chain plus at
    # most one landing per bootstrap so far (every other level of [lo, hi] holds inf)
    k_lev = np.empty(n_layers + 1, dtype=np.int64)
    k_val = np.empty(n_layers + 1)
    for p in range(ginv.shape[0]):
        q = ginv[p] - g_lo
        if 0 <= q < n_grp:
            base, arows = base_all[q], arows_all[q]
            r = row[p]  # the row of delta / act_* this point reads
            top = levels[p]
            rem[n_layers] = 0
            for i in range(n_layers - 1, -1, -1):
                rem[i] = rem[i + 1] + delta[r, i]
            st = min(top, rem[0]) if n_layers > 0 else top
            k_lev[0], k_val[0], nk = st, 0.0, 1
            le = l_eff[p]
            a_ct, a_pt, a_add = 0.0, 0.0, 0.0
            for i in range(n_layers):
                d = delta[r, i]
                act = has_act[i]
                if act:
                    a_ct, a_pt, a_add = act_ct[r, i], act_pt[r, i], act_add[r, i]
                best, arg = inf, 0
                m = 0  # shift every level by d (value[lev] <- value[lev + d] + cost[lev + d]); below d: dropped
                for j in range(nk):
                    src = k_lev[j]
                    kv = k_val[j]
                    if kv < best:
                        best, arg = kv, src
                    if src >= d:
                        c = base[i, src]
                        if act:
                            c = _act_cost(c, arows, i, src, a_ct, a_pt, a_add)
                        k_lev[m], k_val[m] = src - d, kv + c
                        m += 1
                nk = m
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
                    pos = 0
                    while pos < nk and k_lev[pos] < land:
                        pos += 1
                    if pos < nk and k_lev[pos] == land:
                        use = bcost < k_val[pos]
                        if use:
                            k_val[pos] = bcost
                    else:
                        use = bcost < inf
                        if use:
                            for j in range(nk, pos, -1):
                                k_lev[j], k_val[j] = k_lev[j - 1], k_val[j - 1]
                            k_lev[pos], k_val[pos] = land, bcost
                            nk += 1
                t_use[i], t_arg[i], t_land[i], t_tgt[i] = use, arg, land, tgt_c
            tot, after = inf, 0
            for j in range(nk):
                if k_val[j] < tot:
                    tot, after = k_val[j], k_lev[j]
            total[p], end[p] = tot, after
            feasible = tot < inf
            chain_top = min(top, rem[0])
            for i in range(n_layers - 1, -1, -1):
                b = t_use[i] and after == t_land[i]
                e_row[i] = t_tgt[i] if b else after + delta[r, i]
                b_row[i] = b and feasible
                after = t_arg[i] if b else after + delta[r, i]
            start[p] = after if feasible else chain_top  # no placement: the plain chain from min(L, depth) to 0
            priced = feasible or not sums  # totals of a point without placement are NaN in the model
            for i in range(n_layers):
                if not feasible:  # the plain chain, clipped to [0, L] (the array version's fallback)
                    e_row[i] = min(max(chain_top - (rem[0] - rem[i]), 0), top)
                if priced:
                    lev = e_row[i]
                    c = base[i, lev]
                    if has_act[i]:
                        c = _act_cost(c, arows, i, lev, act_ct[r, i], act_pt[r, i], act_add[r, i])
                    l_row[i] = c
            if sums:  # totals only: model.py's row sums and memory maximum, from this point's rows
                v, nn = vidx[p], n_pt[p]
                mx, nan = -np.inf, False
                nw = nn * word  # integers far below 2**53: the products are exact in any order
                for i in range(n_layers):
                    limbs = e_row[i] + 1.0
                    val = held_v[v, i] * (2.0 * limbs * nw) + pt_v[v, i] * (limbs * nw)
                    nan = nan | (val != val)
                    mx = val if val > mx else mx
                mem[p] = np.nan if nan else mx
                if priced:
                    for i in range(n_layers):
                        bf = 1.0 if b_row[i] else 0.0
                        s_lat[i] = l_row[i] + bf * boot_cost[p, i]
                        s_boot[i] = bf * live_v[v, i]
                    if n_layers <= 128:  # one block: _block_sum inlines, the stack version is a call
                        sum_lat[p] = 0.0 + _block_sum(s_lat, 0, n_layers)
                        sum_boot[p] = 0.0 + _block_sum(s_boot, 0, n_layers)
                    else:
                        sum_lat[p], sum_boot[p] = _row_sum(s_lat), _row_sum(s_boot)
                else:
                    sum_lat[p], sum_boot[p] = np.nan, np.nan
            else:
                for i in range(n_layers):
                    entry[p, i], booted[p, i], lat[p, i] = e_row[i], b_row[i], l_row[i]


def place_and_price(t: np.ndarray, gidx: np.ndarray, vidx: np.ndarray, counts: np.ndarray, include: np.ndarray,
                    entry_op: np.ndarray, entry_off: np.ndarray, has_act: np.ndarray, act_off: np.ndarray,
                    act_ops: np.ndarray, act_ct: np.ndarray, act_pt: np.ndarray, act_add: np.ndarray,
                    delta: np.ndarray, levels: np.ndarray, l_eff: np.ndarray, boot_cost: np.ndarray,
                    lmax: int, row: np.ndarray | None = None,
                    sums: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int] | None = None
                    ) -> dict[str, np.ndarray]:
    """Cheapest placement and per-layer seconds at the chosen entry level, per point.

    ``delta`` / ``act_*`` hold one row per point, or (``row`` given) rows that point ``p`` reads as
    ``row[p]`` (the model passes one row per (lowering variant, activation degree) pair instead of
    gathering (points, layers) copies).

    Returns ``entry`` (P, layers) int64 (the plain chain where no placement exists), ``booted``
    (P, layers) bool (False where none exists), ``total`` (P,) seconds (inf: none), ``start`` /
    ``end`` (P,) int64 of the placement (where none exists, of the plain chain: min(L, depth) and
    0), and ``lat`` (P, layers) seconds of each layer (without its bootstrap).

    ``sums`` = ``(live, held, plaintexts, n, word_bytes)`` (per-variant ``(V, layers)`` rows read
    as ``[vidx[p]]``, ring degree per point): totals only. ``entry`` / ``booted`` / ``lat`` are
    then not returned; instead ``sum_lat`` = sum over layers of ``lat + booted x boot_cost`` and
    ``sum_boot`` = sum of ``booted x live`` (both as ``np.sum(..., axis=1)`` of those rows, bit for
    bit: :func:`_row_sum`; NaN where no placement exists, as the model reports them), and ``mem`` =
    the largest layer working set, ``max_i held x ciphertext_bytes(N, entry_i + 1) + plaintexts x
    plaintext_bytes(N, entry_i + 1)`` (:mod:`.opcost` formulas, same operation order; NaN if any
    layer is NaN, as ``np.max``).
    """
    p, n = len(gidx), delta.shape[1]
    row = np.arange(p, dtype=np.int64) if row is None else np.asarray(row, np.int64)
    gidx, vidx = np.asarray(gidx, np.int64), np.asarray(vidx, np.int64)
    gfirst, ginv = _group_index(gidx * (int(vidx.max(initial=0)) + 1) + vidx)
    per_layer = (p, n) if sums is None else (0, n)
    out = {"entry": np.empty(per_layer, np.int64), "booted": np.empty(per_layer, np.bool_), "total": np.empty(p),
           "start": np.empty(p, np.int64), "end": np.empty(p, np.int64), "lat": np.empty(per_layer)}
    f64, i64 = np.float64, np.int64
    if sums is None:
        none = np.zeros((0, n))
        extra = (False, none, none, none, np.zeros(0), 8.0, np.zeros(0), np.zeros(0), np.zeros(0))
    else:
        out.update(sum_lat=np.empty(p), sum_boot=np.empty(p), mem=np.empty(p))
        live_v, held_v, pt_v, n_pt, word = sums
        extra = (True, np.ascontiguousarray(live_v, f64), np.ascontiguousarray(held_v, f64),
                 np.ascontiguousarray(pt_v, f64), np.ascontiguousarray(n_pt, f64), float(word),
                 out["sum_lat"], out["sum_boot"], out["mem"])
    args = (np.ascontiguousarray(counts, f64), np.ascontiguousarray(include, np.bool_), np.asarray(entry_op, i64),
            np.asarray(entry_off, i64), np.asarray(has_act, np.bool_), np.asarray(act_off, i64), np.asarray(act_ops, i64),
            np.ascontiguousarray(act_ct, f64), np.ascontiguousarray(act_pt, f64), np.ascontiguousarray(act_add, f64),
            np.ascontiguousarray(delta, i64), row, np.asarray(levels, i64), np.asarray(l_eff, i64),
            np.ascontiguousarray(boot_cost, f64), int(lmax), out["entry"], out["booted"], out["total"],
            out["start"], out["end"], out["lat"], *extra)
    per_group = max(n, 1) * (int(lmax) + 1) * 4 * 8  # bytes of one group's cost rows
    step = max(1, TABLE_BYTES // per_group)
    for g_lo in range(0, len(gfirst), step):  # one pass unless the groups' rows exceed TABLE_BYTES
        _kernel(np.ascontiguousarray(t, f64), gidx, vidx, ginv, gfirst, g_lo, min(g_lo + step, len(gfirst)), *args)
    if sums is not None:
        for name in ("entry", "booted", "lat"):
            del out[name]
    return out


@_jit
def _dot4(lat_g: Any, cols: Any, vals: Any, j0: int, j1: int, g0: int, g1: int, g2: int, g3: int,
          out: Any, k: int) -> None:
    """``out[k..k+3]``: four dot products of one structure's counts (entries ``j0:j1``) with the
    rows ``g0..g3`` of ``lat_g``, each summed in entry order (four independent chains, so the
    processor overlaps their additions; each sum is the one a single product gives)."""
    a0, a1, a2, a3 = 0.0, 0.0, 0.0, 0.0
    for j in range(j0, j1):
        c, v = cols[j], vals[j]
        a0 = a0 + lat_g[g0, c] * v
        a1 = a1 + lat_g[g1, c] * v
        a2 = a2 + lat_g[g2, c] * v
        a3 = a3 + lat_g[g3, c] * v
    out[k], out[k + 1], out[k + 2], out[k + 3] = a0, a1, a2, a3


@_jit
def _boot_kernel(lat_g: Any, g_of: Any, ptr: Any, cols: Any, vals: Any, per_point: Any, inv: Any,
                 lookup: Any, live: Any, live_row: Any, skip: Any, scale: float, cost: Any) -> None:
    n_points, n_layers = cost.shape
    n_rows = ptr.shape[0] - 1
    # 1. jobs: one dot product per (point, distinct structure it uses): (group, structure row)
    job_of = np.empty((n_points, n_layers), dtype=np.int64)
    cap = 0
    for p in range(n_points):
        if not skip[p]:
            cap += 1 if per_point[p] >= 0 else n_layers
    job_g = np.empty(cap, dtype=np.int64)
    job_r = np.empty(cap, dtype=np.int64)
    stamp = np.full(n_rows, -1, dtype=np.int64)
    where = np.empty(n_rows, dtype=np.int64)
    n_jobs = 0
    for p in range(n_points):
        c = per_point[p]
        if skip[p]:
            continue
        if c >= 0:
            c = lookup[c]
            job_g[n_jobs], job_r[n_jobs] = g_of[p], c
            for i in range(n_layers):
                job_of[p, i] = n_jobs
            n_jobs += 1
        else:
            for i in range(n_layers):
                c = lookup[inv[p, i]]
                if stamp[c] != p:
                    stamp[c], where[c] = p, n_jobs
                    job_g[n_jobs], job_r[n_jobs] = g_of[p], c
                    n_jobs += 1
                job_of[p, i] = where[c]
    # 2. jobs bucketed by structure row (counting sort), so four at a time share one count row
    start = np.zeros(n_rows + 1, dtype=np.int64)
    for q in range(n_jobs):
        start[job_r[q] + 1] += 1
    for r in range(n_rows):
        start[r + 1] += start[r]
    fill = start[:-1].copy()
    order = np.empty(n_jobs, dtype=np.int64)
    for q in range(n_jobs):
        r = job_r[q]
        order[fill[r]] = q
        fill[r] += 1
    # 3. one dot product per distinct (group, row): jobs of one row that share a group share it
    g_stamp = np.full(lat_g.shape[0], -1, dtype=np.int64)
    g_where = np.empty(lat_g.shape[0], dtype=np.int64)
    uniq_g = np.empty(n_jobs, dtype=np.int64)
    uniq_of = np.empty(n_jobs, dtype=np.int64)
    u_start = np.empty(n_rows + 1, dtype=np.int64)
    n_uniq = 0
    for r in range(n_rows):
        u_start[r] = n_uniq
        for q in range(start[r], start[r + 1]):
            g = job_g[order[q]]
            if g_stamp[g] != r:
                g_stamp[g], g_where[g] = r, n_uniq
                uniq_g[n_uniq] = g
                n_uniq += 1
            uniq_of[order[q]] = g_where[g]
    u_start[n_rows] = n_uniq
    # 4. the dot products, four of one row at a time (a short tail repeats its last group)
    acc = np.empty(n_uniq + 3)
    for r in range(n_rows):
        u0, u1 = u_start[r], u_start[r + 1]
        for u in range(u0, u1, 4):
            g0, g1 = uniq_g[u], uniq_g[min(u + 1, u1 - 1)]
            g2, g3 = uniq_g[min(u + 2, u1 - 1)], uniq_g[min(u + 3, u1 - 1)]
            _dot4(lat_g, cols, vals, ptr[r], ptr[r + 1], g0, g1, g2, g3, acc, u)
    res = np.empty(n_jobs)
    for q in range(n_jobs):
        res[q] = scale * acc[uniq_of[q]]
    for p in range(n_points):
        if skip[p]:
            for i in range(n_layers):
                cost[p, i] = 0.0
        else:
            lr = live_row[p]
            for i in range(n_layers):
                cost[p, i] = res[job_of[p, i]] * live[lr, i]


def boot_costs(lat_g: np.ndarray, g_of: np.ndarray, ptr: np.ndarray, entry_cols: np.ndarray, vals: np.ndarray,
               per_point: np.ndarray, inv: np.ndarray, lookup: np.ndarray, live: np.ndarray, live_row: np.ndarray,
               skip: np.ndarray, scale: float) -> np.ndarray:
    """Seconds of bootstrapping before each layer, ``scale x (lat . counts) x live`` per (point, layer).

    ``lat_g`` (groups, keys) per-op seconds of each point group, ``g_of`` each point's group;
    structure s has the op counts ``vals[ptr[s]:ptr[s+1]]`` at the columns
    ``entry_cols[ptr[s]:ptr[s+1]]`` of ``lat_g`` (ascending; -1 only on structures no point uses).
    ``per_point`` and ``inv`` hold structure codes and ``lookup[code]`` is the structure
    (:func:`structure_codes`): a point bootstraps with structure ``lookup[per_point[p]]`` everywhere,
    or (``per_point[p] < 0``, sparse slots) with ``lookup[inv[p, i]]`` before layer i (``inv`` is
    read on sparse rows only). The dot product runs in key order over the non-zero counts, as
    :func:`.bootplan._dot` does over all of them (a zero count adds exactly 0). ``live`` holds rows
    of live ciphertexts per layer that point ``p`` reads as ``live[live_row[p]]``. Points where
    ``skip`` is True get 0 (the caller knows they never bootstrap; a price is finite, so
    ``booted x price`` is 0 either way).
    """
    cost = np.empty((len(per_point), live.shape[1]))
    _boot_kernel(np.ascontiguousarray(lat_g, np.float64), np.asarray(g_of, np.int64), np.asarray(ptr, np.int64),
                 np.asarray(entry_cols, np.int64), np.ascontiguousarray(vals, np.float64),
                 np.asarray(per_point, np.int64), np.ascontiguousarray(inv, np.int64), np.asarray(lookup, np.int64),
                 np.ascontiguousarray(live, np.float64), np.asarray(live_row, np.int64),
                 np.asarray(skip, np.bool_), float(scale), cost)
    return cost


@_jit
def _codes_kernel(cts: Any, stc: Any, log_full: Any, sparse: Any, used_v: Any, vidx: Any, code_pp: Any,
                  code_inv: Any, present: Any) -> None:
    for p in range(cts.shape[0]):
        lf, head = log_full[p], cts[p] * 16 + stc[p]
        if sparse[p]:
            code_pp[p] = -1
            v = vidx[p]
            for i in range(used_v.shape[1]):
                c = (head * 32 + min(lf, used_v[v, i])) * 32 + lf
                code_inv[p, i] = c
                present[c] = True
        else:
            c = (head * 32 + lf) * 32 + lf
            code_pp[p] = c
            present[c] = True


def structure_codes(cts: np.ndarray, stc: np.ndarray, log_full: np.ndarray, sparse: np.ndarray,
                    used_v: np.ndarray, vidx: np.ndarray, n_codes: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bootstrap structure codes (:func:`.bootplan._encode`): ``(per_point (P,) code of a full-slot
    point, -1 on sparse rows; inv (P, layers) code of each layer of a sparse-slot point, undefined
    on full-slot rows; the distinct codes, ascending)``. ``used_v`` (V, layers) is ceil(log2 slots)
    each layer of lowering variant v fills, ``vidx`` each point's variant; integers throughout."""
    p = len(cts)
    code_pp, code_inv = np.empty(p, np.int64), np.empty((p, used_v.shape[1]), np.int64)
    present = np.zeros(n_codes, np.bool_)
    i64 = np.int64
    _codes_kernel(np.asarray(cts, i64), np.asarray(stc, i64), np.asarray(log_full, i64), np.asarray(sparse, np.bool_),
                  np.ascontiguousarray(used_v, i64), np.asarray(vidx, i64), code_pp, code_inv, present)
    return code_pp, code_inv, np.flatnonzero(present)
