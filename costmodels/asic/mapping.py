"""Loop-nest cost of a batch of mappings of one layer on one :class:`~.arch.Arch` (numpy, shape N).

A layer is the 7-deep conv loop nest ``B, K, C, OY, OX, FY, FX`` (:class:`Layer7`; GEMM is
``OY = FY = FX = 1``, depthwise makes the input depend on ``K`` instead of ``C``). A mapping is

* a spatial unrolling ``sp[n, a, d]``: the factor of loop ``d`` unrolled on array dimension ``a``;
* a temporal loop list ``tdim[n, j]``, ``tfac[n, j]`` (innermost first; padding loops have factor
  1), its factors multiplying to ``ceil(D_d / spatial_d)`` per dimension (imperfect factorisation
  pads the last tile: the padded iterations cost cycles, the MAC count stays the layer's).

Memory allocation (LOMA's bottom-up rule, Symons et al., AICAS 2021): memories are visited
innermost first; a memory takes the longest prefix of the loop list whose tiles of every operand
it serves (at that operand's precision, x2 when double-buffered) fit its capacity, never fewer
loops than the level below it. The counts then follow the Eyeriss/Timeloop reuse analysis
(Chen et al., ISCA 2016, Sec. V; Parashar et al., ISPASS 2019) with these rules, per operand,
for the tile of level ``k`` (boundary ``p_k`` = loops inside it):

* **refills** ``F_k``: product of the loop factors above ``p_k`` after skipping the run of loops
  irrelevant to the operand directly above it (stationarity);
* **multicast**: a parent instance reads a child's tile once for all the children it serves
  (footprint with the spatial factors of the parent's ``served_dims``); each child instance is
  written its own copy;
* **halo reuse**: when the first relevant loop above an input tile runs over ``OY/OX/FY/FX``, the
  tile slides: the data moved over that loop is the union footprint, not ``f`` tiles;
  footprints of ``IY`` use ``min(OY*FY, (OY-1)*stride + (FY-1)*dilation + 1)`` (a stride-2 1x1
  conv reads only the pixels it uses);
* **partial sums** (read-modify-write): an output tile visited ``R_k`` times (refills rule with
  the reduction loops ``C, FY, FX`` as irrelevant) and ``D_k`` distinct tiles drains ``R_k``
  times up and is refilled ``R_k - D_k`` times; its final ``D_k`` drains carry ``O_final`` bits,
  the rest ``O`` (psum) bits. Spatial reduction over an unrolled ``C/FY/FX`` is the multicast rule
  run backwards (children drain their own psums, the parent receives the reduced tile).

Latency: ``compute = prod(tfac)`` cycles (``systolic`` arrays add SCALE-Sim's fill/drain per
fold of the stationary operand, :func:`_systolic_overhead`), plus the on-load (the largest first tile of ``I`` or
``W`` read from the outermost memory, ZigZag's convention), the write-back of the last output tile
of the innermost output level, and stalls = the larger of (a) the per-memory roofline excess
(read and write bits per instance through its ports, one shared port when ``rw_port``, beyond
compute + on-load + write-back) and (b) the exposed tile replacements: a level that cannot
double-buffer (its tiles fill more than half of it, or ``double_buffer = false`` in ZigZag's
automatic rule) hides a replacement only in ``period / (irrelevant loops at the tile's top)``
cycles (ZigZag 3.9.1 ``calc_latency``; Mei et al., IEEE TC 2021).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .arch import OPERANDS, Arch

__all__ = ["DIMS", "RELEVANT", "Layer7", "evaluate_mappings"]

DIMS = ("B", "K", "C", "OY", "OX", "FY", "FX")
B, K, C, OY, OX, FY, FX = range(7)
#: relevant loop dimensions per operand (depthwise: the input follows K instead of C)
RELEVANT = {"W": (K, C, FY, FX), "O": (B, K, OY, OX), "I": (B, C, OY, OX, FY, FX)}
_PARTIAL = (OY, OX, FY, FX)


@dataclass(frozen=True)
class Layer7:
    """One conv/GEMM layer as loop bounds; ``repeat`` independent copies run one after another."""

    name: str
    dims: tuple[int, int, int, int, int, int, int]
    stride: tuple[int, int] = (1, 1)
    dilation: tuple[int, int] = (1, 1)
    depthwise: bool = False
    repeat: int = 1
    kind: str = "conv2d"

    @property
    def macs(self) -> int:
        m = self.repeat
        for d in self.dims:
            m *= d
        return m

    def key(self) -> tuple:
        return (self.dims, self.stride, self.dilation, self.depthwise)

    def relevant(self, op: str) -> tuple[int, ...]:
        if op == "I" and self.depthwise:
            return (B, K, OY, OX, FY, FX)
        return RELEVANT[op]


def footprint(layer: Layer7, op: str, e: np.ndarray) -> np.ndarray:
    """Elements of operand ``op`` touched by loop extents ``e[..., 7]``."""
    if op == "W":
        return e[..., K] * e[..., C] * e[..., FY] * e[..., FX]
    if op == "O":
        return e[..., B] * e[..., K] * e[..., OY] * e[..., OX]
    (sy, sx), (dy, dx) = layer.stride, layer.dilation
    iy = np.minimum(e[..., OY] * e[..., FY], (e[..., OY] - 1) * sy + (e[..., FY] - 1) * dy + 1)
    ix = np.minimum(e[..., OX] * e[..., FX], (e[..., OX] - 1) * sx + (e[..., FX] - 1) * dx + 1)
    ch = e[..., K] if layer.depthwise else e[..., C]
    return e[..., B] * ch * iy * ix


def _footprint_dims(layer: Layer7, op: str, e: list) -> np.ndarray:
    """:func:`footprint` from per-dimension extents (arrays or scalars; same products, same order)."""
    if op == "W":
        return e[K] * e[C] * e[FY] * e[FX]
    if op == "O":
        return e[B] * e[K] * e[OY] * e[OX]
    (sy, sx), (dy, dx) = layer.stride, layer.dilation
    iy = np.minimum(e[OY] * e[FY], (e[OY] - 1) * sy + (e[FY] - 1) * dy + 1)
    ix = np.minimum(e[OX] * e[FX], (e[OX] - 1) * sx + (e[FX] - 1) * dx + 1)
    ch = e[K] if layer.depthwise else e[C]
    return e[B] * ch * iy * ix


def evaluate_mappings(layer: Layer7, arch: Arch, sp: np.ndarray, tdim: np.ndarray, tfac: np.ndarray,
                      fast: bool | None = None) -> dict[str, np.ndarray]:
    """Cost of N mappings: ``sp`` (N, A, 7), ``tdim`` (N, T) int, ``tfac`` (N, T) float.

    Returns arrays of shape (N,): ``cycles`` (latency), ``compute_cycles``, ``stall_cycles``,
    ``energy_pj`` and ``energy_{mac,rf,sram,dram,noc}_pj``, ``dram_bits``, ``noc_bits`` (and per operand X
    ``dram_bits_X``, ``energy_dram_X_pj``), ``feasible`` (capacity),
    plus ``bounds`` (N, M) loops inside each memory (operand-independent, see module docstring).
    """
    pre = _prefix_generic(layer, arch, sp, tdim, tfac)
    return evaluate_prefixed(layer, arch, tdim, tfac, pre, fast=fast)


def _prefix_generic(layer: Layer7, arch: Arch, sp: np.ndarray, tdim: np.ndarray, tfac: np.ndarray) -> dict:
    """The prefix quantities :func:`evaluate_prefixed` needs, from any batch of mappings:
    ``foot[(op, memory)]`` (N, T+1) footprints of every loop prefix, ``suf`` (N, T+1) suffix
    products of the loop factors, ``inst`` per memory and ``n_active`` (N,)."""
    n, t = tdim.shape
    mems = arch.memories
    sp = sp.astype(np.float64)
    # per loop dimension, the extent of every loop prefix, (N, T+1); None where no loop runs over it
    cumd: list[np.ndarray | None] = [None] * 7
    present = np.zeros(7, dtype=bool)
    present[tdim[tfac > 1]] = True
    for d in np.flatnonzero(present):
        c = np.empty((n, t + 1))
        c[:, 0] = 1.0
        np.cumprod(np.where(tdim == d, tfac, 1.0), axis=1, out=c[:, 1:])
        cumd[int(d)] = c
    per_axis = sp.prod(axis=2)  # (N, A): PEs used along each array dimension
    s_all = sp.prod(axis=1)  # (N, 7)
    n_active = per_axis.prod(axis=1)
    inst = []
    ext: dict[tuple[int, ...], list] = {}  # loop extents per served-dims set: 7 arrays (N, T+1) or (N, 1)
    for m in mems:
        if m.served_dims not in ext:
            sv = ((s_all if len(m.served_dims) == sp.shape[1] else sp[:, list(m.served_dims), :].prod(axis=1))
                  if m.served_dims else None)
            ext[m.served_dims] = [(cumd[d] if sv is None else cumd[d] * sv[:, d, None]) if cumd[d] is not None
                                  else (1.0 if sv is None else sv[:, d, None]) for d in range(7)]
        unserved = [a for a in range(len(arch.sizes)) if a not in m.served_dims]
        inst.append(per_axis[:, unserved].prod(axis=1) if unserved else np.ones(n))
    fcache: dict[tuple, np.ndarray] = {}
    foot = {}
    for i, m in enumerate(mems):
        for op in m.operands:
            key = (op, m.served_dims)
            if key not in fcache:
                fcache[key] = np.broadcast_to(_footprint_dims(layer, op, ext[m.served_dims]), (n, t + 1))
            foot[(op, i)] = fcache[key]
    return {"foot": foot, "inst": inst, "n_active": n_active, "suf": _suffix_products(tfac)}


def evaluate_prefixed(layer: Layer7, arch: Arch, tdim: np.ndarray, tfac: np.ndarray, pre: dict,
                      fast: bool | str | None = None) -> dict[str, np.ndarray]:
    """:func:`evaluate_mappings` from precomputed prefix quantities (``pre``, see
    :func:`_prefix_generic`; ``pre["dsuf_O"]``, the suffix products of the output-relevant
    factors, is optional). The per-candidate counts run in the compiled kernel of
    :mod:`.mapping_fast` when ``fast`` (default: when numba is available), else as arrays
    (:func:`_counts_numpy`); the two agree bit for bit."""
    n, t = tdim.shape
    mems = arch.memories
    inst, n_active, suf = pre["inst"], pre["n_active"], pre["suf"]
    if fast is None:
        fast = _fast_available()
    dram_idx = [i for i, m in enumerate(mems) if m.kind == "dram"]
    if fast:
        from .mapping_fast import counts, tail

        cnt = counts(layer, arch, tdim, tfac, suf, pre)
        if fast != "counts":  # the tail too (``fast="counts"``: only the counts, for tests)
            return tail(layer, arch, cnt, suf[:, 0], n_active, arch.mac_pj if arch.mac_pj is not None else _mac_pj(arch))
        snaps = [(cnt["snaps"][j, 0][:, dram_idx], cnt["snaps"][j, 1][:, dram_idx]) for j in range(4)]
        folds = {op: cnt["folds"][j] for j, op in enumerate(OPERANDS)}
    else:
        cnt = _counts_numpy(layer, arch, tdim, tfac, pre)
        snaps, folds = cnt["snaps"], cnt["folds"]
    bound, feasible, rd_bits, wr_bits = cnt["bound"], cnt["feasible"], cnt["rd_bits"], cnt["wr_bits"]
    onload, offload, exposed, noc_bits = cnt["onload"], cnt["offload"], cnt["exposed"], cnt["noc_bits"]
    compute = suf[:, 0]
    e_read = np.zeros((n, len(mems)))
    e_write = np.zeros((n, len(mems)))
    r_pj = np.asarray([mems[i].r_pj_per_bit for i in dram_idx])
    w_pj = np.asarray([mems[i].w_pj_per_bit for i in dram_idx])
    per_op: dict[str, np.ndarray] = {}
    for k, op in enumerate(OPERANDS):
        d_rd, d_wr = snaps[k + 1][0] - snaps[k][0], snaps[k + 1][1] - snaps[k][1]
        per_op[f"dram_bits_{op}"] = (d_rd + d_wr).sum(axis=1)
        per_op[f"energy_dram_{op}_pj"] = (d_rd * r_pj + d_wr * w_pj).sum(axis=1)
    for i, m in enumerate(mems):
        e_read[:, i] = rd_bits[:, i] * m.r_pj_per_bit
        e_write[:, i] = wr_bits[:, i] * m.w_pj_per_bit
    busy = np.zeros(n)
    for i, m in enumerate(mems):
        r, w = rd_bits[:, i] / inst[i], wr_bits[:, i] / inst[i]
        cyc = (r + w) / m.r_bw if m.rw_port else np.maximum(r / m.r_bw, w / m.w_bw)
        busy = np.maximum(busy, cyc)
    if arch.systolic:
        compute = compute + _systolic_overhead(arch, folds)
    # the on-load and write-back occupy the memories too: the roofline stall is what is left
    stall = np.maximum(np.maximum(0.0, busy - compute - onload - offload), exposed)
    cycles = compute + stall + onload + offload
    mac_pj = arch.mac_pj if arch.mac_pj is not None else _mac_pj(arch)
    e_mac = np.full(n, float(np.prod(layer.dims)) * mac_pj)
    kinds = np.array([m.kind for m in mems])
    e_mem = e_read + e_write
    out = {
        "cycles": cycles, "compute_cycles": compute, "stall_cycles": stall + onload + offload,
        "energy_mac_pj": e_mac,
        "energy_rf_pj": e_mem[:, kinds == "rf"].sum(axis=1),
        "energy_sram_pj": e_mem[:, kinds == "sram"].sum(axis=1),
        "energy_dram_pj": e_mem[:, kinds == "dram"].sum(axis=1),
        "dram_bits": (rd_bits + wr_bits)[:, kinds == "dram"].sum(axis=1),
        "utilization": float(np.prod(layer.dims)) / (cycles * arch.n_pe),
        "spatial_utilization": n_active / arch.n_pe,
        "feasible": feasible, "bounds": bound, "rd_bits": rd_bits, "wr_bits": wr_bits, **per_op,
        "noc_bits": noc_bits, "energy_noc_pj": noc_bits * arch.noc_pj_per_bit,
    }
    out["energy_pj"] = (out["energy_mac_pj"] + out["energy_rf_pj"] + out["energy_sram_pj"] + out["energy_dram_pj"]
                        + out["energy_noc_pj"])
    return out


def _counts_numpy(layer: Layer7, arch: Arch, tdim: np.ndarray, tfac: np.ndarray, pre: dict) -> dict:
    """The array version of the per-candidate counts (memory allocation, then per operand the
    reuse counts, exposed replacements, on-load and write-back) of :func:`evaluate_prefixed`;
    ``snaps``: the DRAM read/write bits before each operand and after the last."""
    n, t = tdim.shape
    mems = arch.memories
    rows = np.arange(n)
    foot, inst, suf = pre["foot"], pre["inst"], pre["suf"]
    # gathers along the loop axis as flat takes (much cheaper than 2-D fancy indexing)
    off1 = rows * (t + 1)
    roff = off1[:, None]
    offt = rows * t
    suf_flat = np.ascontiguousarray(suf).reshape(-1)
    bits = {"I": arch.bits["I"], "W": arch.bits["W"], "O": arch.bits["O"]}
    chains = {op: arch.chain(op) for op in OPERANDS}
    bound = np.zeros((n, len(mems)), dtype=np.int64)
    dbuf = np.ones((n, len(mems)), dtype=bool)
    lower = {op: np.zeros(n, dtype=np.int64) for op in OPERANDS}
    feasible = np.ones(n, dtype=bool)
    pidx = np.arange(t + 1)
    for i, m in enumerate(mems):
        if i == chains[m.operands[0]][-1] and all(chains[o][-1] == i for o in m.operands):
            bound[:, i] = t  # top memory of its operands: holds everything
            continue
        total = np.zeros((n, t + 1))
        for op in m.operands:
            if lower[op].any():
                p = np.maximum(pidx[None, :], lower[op][:, None])
                total += _take(foot[(op, i)], p + roff) * bits[op]
            else:
                total += foot[(op, i)] * bits[op]
        cap = m.size_bits / (2.0 if m.double_buffer else 1.0)
        # footprints never shrink as the prefix grows: the fitting prefixes are the first ones
        best = np.count_nonzero(total <= cap, axis=1) - 1
        feasible &= best >= 0
        bound[:, i] = np.maximum(best, 0)
        at_best = total.reshape(-1).take(np.maximum(best, 0) + off1)
        dbuf[:, i] = m.double_buffer | (at_best <= m.size_bits / 2)
        for op in m.operands:
            bound_op = np.maximum(bound[:, i], lower[op])
            lower[op] = bound_op
    compute = suf[:, 0]
    rd_bits = np.zeros((n, len(mems)))
    wr_bits = np.zeros((n, len(mems)))
    onload = np.zeros(n)
    offload = np.zeros(n)
    exposed = np.zeros(n)
    folds: dict[str, np.ndarray] = {}
    dram_idx = [i for i, m in enumerate(mems) if m.kind == "dram"]
    # links charged to the array network: a per-PE memory and the shared memory above it
    noc = {(i, j): arch.noc_pj_per_bit > 0 and not mems[i].served_dims and bool(mems[j].served_dims)
           for i in range(len(mems)) for j in range(len(mems))}
    noc_bits = np.zeros(n)
    snaps = []  # DRAM read/write bits before each operand's counts: per-operand DRAM traffic
    for op in OPERANDS:
        snaps.append((rd_bits[:, dram_idx], wr_bits[:, dram_idx]))
        rel = np.zeros((n, t), dtype=bool)
        for d in layer.relevant(op):
            rel |= (tdim == d)
        rel &= tfac > 1
        q = np.full((n, t + 1), t, dtype=np.int64)  # first relevant loop at or above p
        for j in range(t - 1, -1, -1):
            q[:, j] = np.where(rel[:, j], j, q[:, j + 1])
        q_flat = q.reshape(-1)
        folds[op] = suf_flat.take(q[:, 0] + off1)  # times the MAC-level operand changes after its stationary run
        rcache: dict[int, np.ndarray] = {}

        def refill_at(k: int) -> np.ndarray:
            """Refills of the level-k tile: suffix product from its first relevant loop."""
            if k not in rcache:  # noqa: B023
                rcache[k] = suf_flat.take(q_flat.take(levels[k + 1] + off1) + off1)  # noqa: B023
            return rcache[k]  # noqa: B023
        irtop = np.ones((n, t + 1))  # product of the irrelevant loops directly below p
        for j in range(t):
            irtop[:, j + 1] = np.where(rel[:, j], 1.0, irtop[:, j] * tfac[:, j])
        ch = chains[op]
        levels = [np.zeros(n, dtype=np.int64)] + [np.maximum(bound[:, i], 0) for i in ch]
        for li in range(len(ch)):
            levels[li + 1] = np.maximum(levels[li + 1], levels[li])
        levels[-1] = np.full(n, t, dtype=np.int64)

        def g(k: int, mem: int) -> np.ndarray:
            """Volume of the level-k tile (k = -1: one element per MAC) seen by memory ``mem``."""
            p = levels[k + 1]  # noqa: B023 - called only inside this iteration of the operand loop
            return _take(foot[(op, mem)], p + off1) * inst[mem]  # noqa: B023

        def at(arr: np.ndarray, k: int) -> np.ndarray:
            return arr.reshape(-1).take(levels[k + 1] + off1)  # noqa: B023 - called only inside this iteration

        if op == "O":
            rel_f = np.where(rel, tfac, 1.0)
            dsuf = pre["dsuf_O"] if "dsuf_O" in pre else _suffix_products(rel_f)
            b_ps, b_fin = arch.bits["O"], arch.bits["O_final"]
            for li, i in enumerate(ch):
                k = li - 1
                r_k = suf[:, 0] if k == -1 else refill_at(k)
                d_k = at(dsuf, k)
                drain_in = g(k, i) * r_k
                fin_in = g(k, i) * d_k
                wr = (drain_in - fin_in) * b_ps + fin_in * b_fin
                rd = g(k, i) * (r_k - d_k) * b_ps
                if li + 1 < len(ch):
                    r_l, d_l = refill_at(li), at(dsuf, li)
                    up = ch[li + 1]
                    wr = wr + g(li, up) * (r_l - d_l) * b_ps
                    rd = rd + (g(li, i) * (r_l - d_l)) * b_ps + g(li, i) * d_l * b_fin
                rd_bits[:, i] += rd
                wr_bits[:, i] += wr
                if li + 1 < len(ch) and noc[i, up]:  # psums crossing between the PEs and the shared level
                    noc_bits += (g(li, up) + g(li, i)) * (r_l - d_l) * b_ps + g(li, i) * d_l * b_fin
                if li + 1 < len(ch):
                    t_x = np.maximum(g(li, i) * b_ps / (mems[i].r_bw * inst[i]),
                                     g(li, up) * b_ps / (mems[up].w_bw * inst[up]))
                    exposed += _exposed(t_x, refill_at(li), compute, at(irtop, li), dbuf[:, i])
            if len(ch) > 1:
                offload += g(0, ch[1]) * b_fin / (mems[ch[1]].w_bw * inst[ch[1]])
            continue
        b = bits[op]
        for li, i in enumerate(ch):
            k = li - 1
            # fills of level k seen by memory i (its reads), with halo reuse for inputs
            vol = g(k, i) * refill_at(k)
            if op == "I":
                qk = q.reshape(-1).take(levels[k + 1] + off1)
                qd = tdim.reshape(-1).take(np.minimum(qk, t - 1) + offt)
                slide = (qk < t) & (qd >= OY)
                q1 = np.minimum(qk + 1, t)
                halo = _take(foot[(op, i)], q1 + off1) * inst[i] * suf_flat.take(q1 + off1)
                vol = np.where(slide, np.minimum(vol, halo), vol)
            rd_bits[:, i] += vol * b
            if li + 1 < len(ch):
                up = ch[li + 1]
                wvol = g(li, i) * refill_at(li)
                if op == "I":
                    ql = q.reshape(-1).take(levels[li + 1] + off1)
                    qd = tdim.reshape(-1).take(np.minimum(ql, t - 1) + offt)
                    slide = (ql < t) & (qd >= OY)
                    q1 = np.minimum(ql + 1, t)
                    halo = _take(foot[(op, i)], q1 + off1) * inst[i] * suf_flat.take(q1 + off1)
                    wvol = np.where(slide, np.minimum(wvol, halo), wvol)
                wr_bits[:, i] += wvol * b
                if noc[i, up]:  # every PE's copy crosses the array network
                    noc_bits += wvol * b
                t_x = np.maximum(g(li, up) * b / (mems[up].r_bw * inst[up]), g(li, i) * b / (mems[i].w_bw * inst[i]))
                exposed += _exposed(t_x, refill_at(li), compute, at(irtop, li), dbuf[:, i])
                if li + 2 == len(ch):
                    onload = np.maximum(onload, g(li, up) * b / (mems[up].r_bw * inst[up]))
    snaps.append((rd_bits[:, dram_idx], wr_bits[:, dram_idx]))
    return {"bound": bound, "feasible": feasible, "rd_bits": rd_bits, "wr_bits": wr_bits, "onload": onload,
            "offload": offload, "exposed": exposed, "noc_bits": noc_bits, "folds": folds, "snaps": snaps}


def _fast_available() -> bool:
    from .mapping_fast import available

    return available()


def _take(arr: np.ndarray, flat_idx: np.ndarray) -> np.ndarray:
    """``arr`` (N, T+1) at flat indices ``row * (T+1) + column``; a broadcast ``arr`` is read
    through its strides without being copied."""
    if arr.flags.c_contiguous:
        return arr.reshape(-1).take(flat_idx)
    n, w = arr.shape
    if arr.strides[1] == 0:  # (N, 1) broadcast along the loop axis
        return arr[:, 0].take(flat_idx // w)
    return np.ascontiguousarray(arr).reshape(-1).take(flat_idx)


def _systolic_overhead(arch: Arch, folds: dict[str, np.ndarray]) -> np.ndarray:
    """SCALE-Sim 3.0.0's fill/drain cycles (``compute/systolic_compute_{os,ws,is}.py``): per fold
    (each change of the array's stationary operand at the MACs: ``O`` for ``os``, ``W`` for
    ``ws``, ``I`` for ``is``) ``R + C - 2`` cycles for os and ``2R + C - 2`` for ws/is, minus one
    for the layer (SCALE-Sim counts to the index of the last output write)."""
    r = arch.sizes[0]
    c = arch.sizes[1] if len(arch.sizes) > 1 else 1
    op = {"os": "O", "ws": "W", "is": "I"}[arch.systolic]
    return folds[op] * (r + c - 2 if arch.systolic == "os" else 2 * r + c - 2) - 1.0


def _suffix_products(f: np.ndarray) -> np.ndarray:
    """``out[:, j] = prod(f[:, j:])`` with ``out[:, T] = 1``, shape (N, T+1)."""
    n, t = f.shape
    out = np.empty((n, t + 1))
    out[:, t] = 1.0
    for j in range(t - 1, -1, -1):
        np.multiply(out[:, j + 1], f[:, j], out=out[:, j])
    return out


def _exposed(t_x: np.ndarray, refills: np.ndarray, compute: np.ndarray, ir_top: np.ndarray,
             dbuf: np.ndarray) -> np.ndarray:
    """Stall cycles of one operand's link: each of the ``refills - 1`` tile replacements after
    the first (that one is the on-load) takes ``t_x`` cycles and may hide in a window of the tile's
    period (``compute / refills``) when double-buffered, or only in ``period / ir_top`` (the
    irrelevant loops at the top of the tile, during which the tile is not read) otherwise
    (ZigZag 3.9.1 ``CostModelEvaluation.calc_latency``, Mei et al., TC 2021)."""
    period = compute / refills
    window = np.where(dbuf, period, period / ir_top)
    return np.maximum(0.0, t_x - window) * np.maximum(refills - 1, 0)


def _mac_pj(arch: Arch) -> float:
    from .energy_table import fp16_mac_pj, mac_pj

    if arch.number == "fp16":
        return fp16_mac_pj(arch.bits["O"])
    return mac_pj(max(arch.bits["I"], arch.bits["W"]), arch.bits["O"])
