"""Compiled twin of the per-candidate counts of :func:`.mapping.evaluate_prefixed` (numba, optional).

The array version walks the loop nest of all N candidates of a chunk operation by operation, with
a few hundred whole-array temporaries per chunk; this kernel walks it candidate by candidate in
compiled code: the memory allocation (bounds, double buffering, capacity), then per operand the
reuse counts (refills, multicast, halo reuse, partial sums), the exposed tile replacements, the
on-load and write-back. Every floating-point operation is the array version's, in its order
(no fast-math, no reassociation), so the two agree bit for bit (``tests/asic/test_mapping_fast.py``);
what is left (energies, roofline, totals: sums over memories) stays in numpy, shared by both.

Footprints are read from tables ``ftab[k, r]`` at rows ``flat[n, p]`` (prefix ``p`` of candidate
``n``; for :func:`.mapping_groups.evaluate_groups` the per-group subset tables, so the
``N x (T+1)`` footprint arrays are never gathered). ``numba`` is optional (``.ci/setup_numba.sh``):
without it, or with ``DSE_ASIC_NUMBA=0``, the array version runs (same numbers, slower).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dse.accel import KernelGate, jit

from .arch import OPERANDS, Arch, Memory

__all__ = ["available", "counts", "group_prep", "tail"]

_OY = 3  # loop dimension index of OY in B, K, C, OY, OX, FY, FX (OY, OX, FY, FX slide)


def available() -> bool:
    """True when numba is importable, ``DSE_ASIC_NUMBA`` is not ``0`` and the kernel compiles and
    runs on a tiny case (checked once; a failure warns and the array version is used)."""
    return _GATE.available()


def _jit(fn: Any) -> Any:
    # error_model="numpy": a division by zero gives inf/nan as in the array version instead of a
    # checked raise (also drops a branch per division)
    return jit(fn, nogil=True, error_model="numpy")


def _exposed(t_x: float, refills: float, compute: float, ir_top: float, dbuf: bool) -> float:
    """:func:`.mapping._exposed` of one candidate (same operations)."""
    period = compute / refills
    window = period if dbuf else period / ir_top
    x = t_x - window
    if not x > 0.0:  # np.maximum(0.0, x) for non-NaN x
        x = 0.0
    r = refills - 1
    if not r > 0.0:
        r = 0.0
    return x * r


def _kernel(tdim, tfac, suf, dsuf_o, has_dsuf, ftab, flat, fkey, inst, is_top, mem_ops, cap, half, dbl,
            r_bw, w_bw, chain, chain_len, rel_dims, bits, b_ps, b_fin, noc,
            bound, dbuf, feasible, rd_bits, wr_bits, onload, offload, exposed, noc_bits, folds, snaps):
    n, t = tdim.shape
    n_mem = is_top.shape[0]
    total = np.empty(t + 1)
    lower = np.zeros(3, dtype=np.int64)
    q = np.empty(t + 1, dtype=np.int64)
    irtop = np.empty(t + 1)
    dsuf = np.empty(t + 1)
    rel = np.zeros(t, dtype=np.bool_)
    levels = np.zeros(chain.shape[1] + 1, dtype=np.int64)
    for c in range(n):
        # --- memory allocation, innermost first (evaluate_prefixed's first loop)
        lower[:] = 0
        for i in range(n_mem):
            if is_top[i]:
                bound[c, i] = t
                continue
            for p in range(t + 1):
                total[p] = 0.0
            for o in range(3):
                if mem_ops[i, o]:
                    k = fkey[o, i]
                    for p in range(t + 1):
                        pp = p if p >= lower[o] else lower[o]
                        total[p] += ftab[k, flat[c, pp]] * bits[o]
            cnt = 0
            for p in range(t + 1):
                if total[p] <= cap[i]:
                    cnt += 1
            best = cnt - 1
            if best < 0:
                feasible[c] = False
                best = 0
            bound[c, i] = best
            dbuf[c, i] = dbl[i] or (total[best] <= half[i])
            for o in range(3):
                if mem_ops[i, o] and lower[o] < best:
                    lower[o] = best
        compute = suf[c, 0]
        # --- per operand counts (evaluate_prefixed's operand loop), in OPERANDS order
        for o in range(3):
            for i in range(n_mem):
                snaps[o, 0, c, i] = rd_bits[c, i]
                snaps[o, 1, c, i] = wr_bits[c, i]
            for j in range(t):
                rel[j] = rel_dims[o, tdim[c, j]] and tfac[c, j] > 1
            q[t] = t
            for j in range(t - 1, -1, -1):
                q[j] = j if rel[j] else q[j + 1]
            folds[o, c] = suf[c, q[0]]
            irtop[0] = 1.0
            for j in range(t):
                irtop[j + 1] = 1.0 if rel[j] else irtop[j] * tfac[c, j]
            nch = chain_len[o]
            levels[0] = 0
            for li in range(nch):
                b_ = bound[c, chain[o, li]]
                levels[li + 1] = b_ if b_ > 0 else 0
            for li in range(nch):
                if levels[li + 1] < levels[li]:
                    levels[li + 1] = levels[li]
            levels[nch] = t
            if o == 2:  # outputs: partial sums
                if has_dsuf:
                    for p in range(t + 1):
                        dsuf[p] = dsuf_o[c, p]
                else:
                    dsuf[t] = 1.0
                    for j in range(t - 1, -1, -1):
                        dsuf[j] = dsuf[j + 1] * (tfac[c, j] if rel[j] else 1.0)
                for li in range(nch):
                    i = chain[o, li]
                    up, lu, r_l, d_l, g_li, g_lu = i, 0, 0.0, 0.0, 0.0, 0.0
                    lv = levels[li]  # level k = li - 1 sits at levels[k + 1]
                    r_k = suf[c, 0] if li == 0 else suf[c, q[lv]]
                    d_k = dsuf[lv]
                    g_ki = ftab[fkey[o, i], flat[c, lv]] * inst[i, c]
                    drain_in = g_ki * r_k
                    fin_in = g_ki * d_k
                    wr = (drain_in - fin_in) * b_ps + fin_in * b_fin
                    rd = g_ki * (r_k - d_k) * b_ps
                    if li + 1 < nch:
                        up = chain[o, li + 1]
                        lu = levels[li + 1]
                        r_l, d_l = suf[c, q[lu]], dsuf[lu]
                        g_li = ftab[fkey[o, i], flat[c, lu]] * inst[i, c]
                        g_lu = ftab[fkey[o, up], flat[c, lu]] * inst[up, c]
                        wr = wr + g_lu * (r_l - d_l) * b_ps
                        rd = rd + (g_li * (r_l - d_l)) * b_ps + g_li * d_l * b_fin
                    rd_bits[c, i] += rd
                    wr_bits[c, i] += wr
                    if li + 1 < nch:
                        if noc[i, up]:
                            noc_bits[c] += (g_lu + g_li) * (r_l - d_l) * b_ps + g_li * d_l * b_fin
                        a = g_li * b_ps / (r_bw[i] * inst[i, c])
                        b = g_lu * b_ps / (w_bw[up] * inst[up, c])
                        t_x = a if a >= b else b
                        exposed[c] += _exposed_j(t_x, r_l, compute, irtop[lu], dbuf[c, i])
                if nch > 1:
                    up = chain[o, 1]
                    offload[c] += ftab[fkey[o, up], flat[c, levels[1]]] * inst[up, c] * b_fin / (w_bw[up] * inst[up, c])
                continue
            b_op = bits[o]
            for li in range(nch):
                i = chain[o, li]
                lv = levels[li]
                fk = fkey[o, i]
                vol = ftab[fk, flat[c, lv]] * inst[i, c] * suf[c, q[lv]]
                if o == 0:  # inputs: halo reuse
                    qk = q[lv]
                    q1 = qk + 1 if qk + 1 < t else t
                    if qk < t and tdim[c, qk] >= _OY:  # (qk < t: the array version's clip never matters)
                        halo = ftab[fk, flat[c, q1]] * inst[i, c] * suf[c, q1]
                        if halo < vol:
                            vol = halo
                rd_bits[c, i] += vol * b_op
                if li + 1 < nch:
                    up = chain[o, li + 1]
                    lu = levels[li + 1]
                    g_li = ftab[fk, flat[c, lu]] * inst[i, c]
                    r_l = suf[c, q[lu]]
                    wvol = g_li * r_l
                    if o == 0:
                        ql = q[lu]
                        q1 = ql + 1 if ql + 1 < t else t
                        if ql < t and tdim[c, ql] >= _OY:
                            halo = ftab[fk, flat[c, q1]] * inst[i, c] * suf[c, q1]
                            if halo < wvol:
                                wvol = halo
                    wr_bits[c, i] += wvol * b_op
                    if noc[i, up]:
                        noc_bits[c] += wvol * b_op
                    g_lu = ftab[fkey[o, up], flat[c, lu]] * inst[up, c]
                    a = g_lu * b_op / (r_bw[up] * inst[up, c])
                    b = g_li * b_op / (w_bw[i] * inst[i, c])
                    t_x = a if a >= b else b
                    exposed[c] += _exposed_j(t_x, r_l, compute, irtop[lu], dbuf[c, i])
                    if li + 2 == nch:
                        if a > onload[c]:
                            onload[c] = a
        for i in range(n_mem):
            snaps[3, 0, c, i] = rd_bits[c, i]
            snaps[3, 1, c, i] = wr_bits[c, i]


def _group_prep(gid, perm, gdims, gfacs, prod, rel_o, m_n, tdim, tfac, flat, suf, dsuf):
    n, t = perm.shape
    for c in range(n):
        g = gid[c]
        base = g * m_n
        mask = 0
        flat[c, 0] = base
        for j in range(t):
            b = perm[c, j]
            tdim[c, j] = gdims[g, b]
            tfac[c, j] = gfacs[g, b]
            mask |= 1 << b
            flat[c, j + 1] = base + mask
        full = base + m_n - 1
        for p in range(t + 1):
            suf[c, p] = prod[full] / prod[flat[c, p]]
            dsuf[c, p] = rel_o[full] / rel_o[flat[c, p]]


def _tail(rd_bits, wr_bits, snaps, inst, compute, folds, onload, offload, exposed, noc_bits, n_active, r_pj, w_pj,
          kind, rw_port, r_bw, w_bw, sys_op, sys_k, mac_total, macs, n_pe, noc_pj, res, per_op):
    n, m_n = rd_bits.shape
    e_k = np.zeros(3)
    f_k = np.ones(3, dtype=np.bool_)
    for c in range(n):
        for o in range(3):  # per-operand DRAM traffic: differences of the snapshots, summed over DRAMs
            sb = 0.0
            se = 0.0
            first = True
            for i in range(m_n):
                if kind[i] == 2:
                    d_rd = snaps[o + 1, 0, c, i] - snaps[o, 0, c, i]
                    d_wr = snaps[o + 1, 1, c, i] - snaps[o, 1, c, i]
                    if first:
                        sb, se, first = d_rd + d_wr, d_rd * r_pj[i] + d_wr * w_pj[i], False
                    else:
                        sb += d_rd + d_wr
                        se += d_rd * r_pj[i] + d_wr * w_pj[i]
            per_op[o, 0, c] = sb
            per_op[o, 1, c] = se
        busy = 0.0
        e_k[:] = 0.0
        f_k[:] = True
        dram_bits = 0.0
        f_d = True
        for i in range(m_n):
            e_mem = rd_bits[c, i] * r_pj[i] + wr_bits[c, i] * w_pj[i]
            k = kind[i]
            if f_k[k]:
                e_k[k], f_k[k] = e_mem, False
            else:
                e_k[k] += e_mem
            if k == 2:
                if f_d:
                    dram_bits, f_d = rd_bits[c, i] + wr_bits[c, i], False
                else:
                    dram_bits += rd_bits[c, i] + wr_bits[c, i]
            r = rd_bits[c, i] / inst[i, c]
            w = wr_bits[c, i] / inst[i, c]
            if rw_port[i]:
                cyc = (r + w) / r_bw[i]
            else:
                a = r / r_bw[i]
                b = w / w_bw[i]
                cyc = a if a >= b else b
            if cyc > busy:
                busy = cyc
        comp = compute[c]
        if sys_op >= 0:
            comp = comp + (folds[sys_op, c] * sys_k - 1.0)
        x = busy - comp - onload[c] - offload[c]
        if not x > 0.0:
            x = 0.0
        stall = x if x >= exposed[c] else exposed[c]
        cycles = comp + stall + onload[c] + offload[c]
        e_noc = noc_bits[c] * noc_pj
        res[0, c] = cycles
        res[1, c] = comp
        res[2, c] = stall + onload[c] + offload[c]
        res[3, c] = mac_total
        res[4, c] = e_k[0]
        res[5, c] = e_k[1]
        res[6, c] = e_k[2]
        res[7, c] = dram_bits
        res[8, c] = macs / (cycles * n_pe)
        res[9, c] = n_active[c] / n_pe
        res[10, c] = e_noc
        res[11, c] = mac_total + e_k[0] + e_k[1] + e_k[2] + e_noc


_exposed_j = _jit(_exposed)
_tail_j = _jit(_tail)
_group_prep_j = _jit(_group_prep)
_kernel_j = _jit(_kernel)


def counts(layer: Any, arch: Arch, tdim: np.ndarray, tfac: np.ndarray, suf: np.ndarray, pre: dict) -> dict:
    """The quantities the array version's operand loop produces, by the kernel: ``bound``,
    ``dbuf``, ``feasible``, ``rd_bits``, ``wr_bits``, ``onload``, ``offload``, ``exposed``,
    ``noc_bits``, ``folds`` (per operand) and ``snaps`` ((4, 2, N, M): read/write bits before each
    operand and after the last). ``pre`` holds ``inst``, optionally ``dsuf_O`` and either the
    tables (``ftab``, ``fkey``, ``flat``) or the ``foot`` arrays."""
    n, t = tdim.shape
    mems = arch.memories
    m_n = len(mems)
    if "ftab" in pre:
        ftab, keymap, flat = pre["ftab"], pre["fkey"], pre["flat"]
    else:
        arrs: list[np.ndarray] = []
        keymap = {}
        seen: dict[int, int] = {}
        for key, a in pre["foot"].items():
            if id(a) not in seen:
                seen[id(a)] = len(arrs)
                arrs.append(np.ascontiguousarray(np.broadcast_to(a, (n, t + 1)), dtype=np.float64).reshape(-1))
            keymap[key] = seen[id(a)]
        ftab = np.stack(arrs)
        flat = np.arange(n * (t + 1), dtype=np.int64).reshape(n, t + 1)
    fkey = np.full((3, m_n), -1, dtype=np.int64)
    for (op, i), k in keymap.items():
        fkey[OPERANDS.index(op), i] = k
    chains = {op: arch.chain(op) for op in OPERANDS}
    chain = np.zeros((3, max(len(c) for c in chains.values())), dtype=np.int64)
    chain_len = np.zeros(3, dtype=np.int64)
    for o, op in enumerate(OPERANDS):
        chain[o, :len(chains[op])] = chains[op]
        chain_len[o] = len(chains[op])
    is_top = np.array([i == chains[m.operands[0]][-1] and all(chains[x][-1] == i for x in m.operands)
                       for i, m in enumerate(mems)])
    mem_ops = np.array([[op in m.operands for op in OPERANDS] for m in mems])
    rel_dims = np.zeros((3, 7), dtype=bool)
    for o, op in enumerate(OPERANDS):
        rel_dims[o, list(layer.relevant(op))] = True
    noc = np.array([[arch.noc_pj_per_bit > 0 and not mems[i].served_dims and bool(mems[j].served_dims)
                     for j in range(m_n)] for i in range(m_n)])
    inst = np.ascontiguousarray(np.stack([np.broadcast_to(np.asarray(x, dtype=np.float64), (n,)) for x in pre["inst"]]))
    dsuf = pre.get("dsuf_O")
    out = {"bound": np.zeros((n, m_n), dtype=np.int64), "dbuf": np.ones((n, m_n), dtype=bool),
           "feasible": np.ones(n, dtype=bool), "rd_bits": np.zeros((n, m_n)), "wr_bits": np.zeros((n, m_n)),
           "onload": np.zeros(n), "offload": np.zeros(n), "exposed": np.zeros(n), "noc_bits": np.zeros(n),
           "folds": np.zeros((3, n)), "snaps": np.zeros((4, 2, n, m_n)), "inst": inst}
    _kernel_j(np.ascontiguousarray(tdim, dtype=np.int64), np.ascontiguousarray(tfac, dtype=np.float64),
              np.ascontiguousarray(suf), np.ascontiguousarray(dsuf) if dsuf is not None else np.zeros((1, 1)),
              dsuf is not None, ftab, np.ascontiguousarray(flat, dtype=np.int64), fkey, inst, is_top, mem_ops,
              np.array([m.size_bits / (2.0 if m.double_buffer else 1.0) for m in mems]),
              np.array([m.size_bits / 2 for m in mems], dtype=np.float64), np.array([bool(m.double_buffer) for m in mems]),
              np.array([m.r_bw for m in mems], dtype=np.float64), np.array([m.w_bw for m in mems], dtype=np.float64),
              chain, chain_len, rel_dims, np.array([arch.bits[op] for op in OPERANDS], dtype=np.float64),
              float(arch.bits["O"]), float(arch.bits["O_final"]), noc,
              out["bound"], out["dbuf"], out["feasible"], out["rd_bits"], out["wr_bits"], out["onload"],
              out["offload"], out["exposed"], out["noc_bits"], out["folds"], out["snaps"])
    return out


def group_prep(gid: np.ndarray, perm: np.ndarray, gdims: np.ndarray, gfacs: np.ndarray, prod: np.ndarray,
               rel_o: np.ndarray, m_n: int) -> tuple[np.ndarray, ...]:
    """:func:`.mapping_groups.evaluate_groups`'s per-candidate arrays in compiled code: loops
    ``tdim``/``tfac`` (N, T), subset-table rows of every prefix ``flat`` (N, T+1) and the suffix
    products ``suf = prod[full] / prod[flat]``, ``dsuf = rel_o[full] / rel_o[flat]`` (the array
    version's divisions, so the same numbers)."""
    n, t = perm.shape
    out = (np.empty((n, t), dtype=np.int64), np.empty((n, t)), np.empty((n, t + 1), dtype=np.int64),
           np.empty((n, t + 1)), np.empty((n, t + 1)))
    _group_prep_j(np.ascontiguousarray(gid, dtype=np.int64), np.ascontiguousarray(perm, dtype=np.int64),
                  np.ascontiguousarray(gdims, dtype=np.int64), np.ascontiguousarray(gfacs, dtype=np.float64),
                  np.ascontiguousarray(prod), np.ascontiguousarray(rel_o), int(m_n), *out)
    return out


_TAIL_KEYS = ("cycles", "compute_cycles", "stall_cycles", "energy_mac_pj", "energy_rf_pj", "energy_sram_pj",
              "energy_dram_pj", "dram_bits", "utilization", "spatial_utilization", "energy_noc_pj", "energy_pj")


def tail(layer: Any, arch: Arch, cnt: dict, compute: np.ndarray, n_active: np.ndarray, mac_pj: float) -> dict:
    """The rest of :func:`.mapping.evaluate_prefixed` (energies, roofline stall, totals) from the
    kernel's counts ``cnt``, candidate by candidate; sums over memories are taken in memory order
    starting from the first term (numpy's order for these few terms), zero when there is none."""
    mems = arch.memories
    n = len(compute)
    kind = np.array([("rf", "sram", "dram").index(m.kind) for m in mems], dtype=np.int64)
    sys_op, sys_k = -1, 0.0
    if arch.systolic:
        r = arch.sizes[0]
        c = arch.sizes[1] if len(arch.sizes) > 1 else 1
        sys_op = OPERANDS.index({"os": "O", "ws": "W", "is": "I"}[arch.systolic])
        sys_k = float(r + c - 2 if arch.systolic == "os" else 2 * r + c - 2)
    macs = float(np.prod(layer.dims))
    res = np.empty((len(_TAIL_KEYS), n))
    per_op = np.empty((3, 2, n))
    _tail_j(cnt["rd_bits"], cnt["wr_bits"], cnt["snaps"], cnt["inst"], np.ascontiguousarray(compute), cnt["folds"],
            cnt["onload"], cnt["offload"], cnt["exposed"], cnt["noc_bits"],
            np.ascontiguousarray(np.broadcast_to(np.asarray(n_active, dtype=np.float64), (n,))),
            np.array([m.r_pj_per_bit for m in mems], dtype=np.float64),
            np.array([m.w_pj_per_bit for m in mems], dtype=np.float64), kind,
            np.array([bool(m.rw_port) for m in mems]), np.array([m.r_bw for m in mems], dtype=np.float64),
            np.array([m.w_bw for m in mems], dtype=np.float64), sys_op, sys_k, macs * mac_pj, macs,
            float(arch.n_pe), float(arch.noc_pj_per_bit), res, per_op)
    out = dict(zip(_TAIL_KEYS[:10], res[:10]))  # the array version's key order
    out.update({"feasible": cnt["feasible"], "bounds": cnt["bound"], "rd_bits": cnt["rd_bits"],
                "wr_bits": cnt["wr_bits"]})
    for o, op in enumerate(OPERANDS):
        out[f"dram_bits_{op}"] = per_op[o, 0]
        out[f"energy_dram_{op}_pj"] = per_op[o, 1]
    out.update({"noc_bits": cnt["noc_bits"], "energy_noc_pj": res[10], "energy_pj": res[11]})
    return out


def _selftest() -> None:
    """A two-level memory, one candidate of two loops: the kernel compiles (or loads from numba's
    cache) and runs (self-contained: this module imports only :mod:`.arch`)."""
    ops = ("I", "W", "O")
    mems = (Memory("rf", "rf", 64.0, 8.0, 8.0, 1.0, 1.0, ops, ()),
            Memory("dram", "dram", 1e12, 64.0, 64.0, 10.0, 10.0, ops, (0,), rw_port=True))
    arch = Arch("selftest", (2,), mems, {"I": 8, "W": 8, "O": 16, "O_final": 8})

    class _Layer:
        @staticmethod
        def relevant(op: str) -> tuple[int, ...]:
            return (1, 2)

    foot = {(op, i): np.array([[1.0, 2.0, 4.0]]) for i, m in enumerate(mems) for op in m.operands}
    got = counts(_Layer(), arch, np.array([[1, 2]]), np.array([[2.0, 2.0]]), np.array([[4.0, 2.0, 1.0]]),
                 {"foot": foot, "inst": [np.ones(1), np.ones(1)]})
    prep = group_prep(np.zeros(1, np.int64), np.array([[1, 0]]), np.array([[1, 2]]), np.array([[2.0, 2.0]]),
                      np.array([1.0, 2.0, 2.0, 4.0]), np.array([1.0, 2.0, 2.0, 4.0]), 4)
    if not (got["feasible"][0] and got["bound"][0, 1] == 2 and prep[3][0, 0] == 4.0):
        raise RuntimeError("compiled asic evaluator self-test gave unexpected counts")


_GATE = KernelGate("the compiled asic evaluator", _selftest, env_switch="DSE_ASIC_NUMBA")
