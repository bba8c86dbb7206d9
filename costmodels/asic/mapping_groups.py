"""Evaluation of candidate mappings that share loop sets, by per-group subset tables.

The search's candidates come in groups: one spatial unrolling and every order of one multiset of
temporal loops (:mod:`.mapping_search`). A loop prefix's footprints and factor products depend on
*which* loops it holds, not on their order, so per group they are tabulated once for all
``2**T`` subsets of its ``T`` loops, and each candidate looks its prefixes up by the bit mask of
the loops it has placed so far. The numbers are those of :func:`.mapping.evaluate_mappings`
(integer-valued products, exact in float64; ``tests/asic/test_mapping_prune.py``), with fewer
array operations per candidate.
"""

from __future__ import annotations

import numpy as np

from .arch import Arch
from .mapping import RELEVANT, Layer7, _fast_available, evaluate_mappings, evaluate_prefixed, footprint
from .mapping_common import _pad

__all__ = ["MAX_TABLE_LOOPS", "canonical_padded", "canonical_perm", "evaluate_groups", "stacked_candidates"]

#: above this many loops per candidate the tables (2**T rows per group) are not worth it
MAX_TABLE_LOOPS = 10
_KEY = 1 << 32


def canonical_perm(dims: np.ndarray, facs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For orders ``dims``/``facs`` (P, T) of one loop multiset: the canonical loop list (sorted by
    (dim, factor)), as ``(item_dims (T,), item_facs (T,), perm (P, T))`` with
    ``dims[p, j] == item_dims[perm[p, j]]`` (equal loops get distinct items, in order)."""
    keys = dims.astype(np.int64) * _KEY + facs.astype(np.int64)
    order = np.argsort(keys, axis=1, kind="stable")
    perm = np.argsort(order, axis=1, kind="stable")
    first = keys[0][order[0]]
    return first // _KEY, (first % _KEY).astype(np.float64), perm


def stacked_candidates(groups: list) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every candidate of the search's groups (``mapping_search._groups``: per group its spatial row,
    order dims and order factors) as :func:`evaluate_groups` takes them: ``(spatial (G, ...), item
    dims (G, T), item factors (G, T), group of each candidate (C,), its permutation (C, T))``, with
    every group padded to the longest loop list ``T``."""
    t = max(g[1].shape[1] for g in groups)
    canon = [canonical_perm(*_pad(g[1], g[2], t)) for g in groups]
    gsp = np.stack([g[0] for g in groups])
    gd, gf = np.stack([c[0] for c in canon]), np.stack([c[1] for c in canon])
    gid = np.concatenate([np.full(len(c[2]), k) for k, c in enumerate(canon)])
    return gsp, gd, gf, gid, np.concatenate([c[2] for c in canon])


_CANON: dict[tuple[int, int], tuple] = {}
_CANON_MAX = 8192


def canonical_padded(dims: np.ndarray, facs: np.ndarray, t: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`canonical_perm` of the orders ``dims``/``facs`` padded to ``t`` loops
    (:func:`.mapping_common._pad`), memoised for read-only order tables (those of
    :func:`.mapping_search.temporal_orders`, shared between searches): the memo holds the table
    itself, so an entry is only ever found for that very array; results are read-only."""
    if dims.flags.writeable or facs.flags.writeable:
        return canonical_perm(*_pad(dims, facs, t))
    key = (id(dims), t)
    hit = _CANON.get(key)
    if hit is not None and hit[0] is dims and hit[1] is facs:
        return hit[2]
    res = canonical_perm(*_pad(dims, facs, t))
    for a in res:
        a.setflags(write=False)
    if len(_CANON) >= _CANON_MAX:
        _CANON.clear()
    _CANON[key] = (dims, facs, res)
    return res


def evaluate_groups(layer: Layer7, arch: Arch, gsp: np.ndarray, gdims: np.ndarray, gfacs: np.ndarray,
                    gid: np.ndarray, perm: np.ndarray, fast: bool | None = None) -> dict[str, np.ndarray]:
    """Cost of N mappings given as group ``gid`` (N,) and loop order ``perm`` (N, T) over that
    group's loops ``gdims``/``gfacs`` (G, T) on spatial unrolling ``gsp`` (G, A, 7); the result
    equals :func:`.mapping.evaluate_mappings` of the expanded mappings."""
    n, t = perm.shape
    if fast is None:
        fast = _fast_available()
    if t > MAX_TABLE_LOOPS:
        return evaluate_mappings(layer, arch, gsp[gid], gdims[gid[:, None], perm], gfacs[gid[:, None], perm], fast=fast)
    g_n, m_n = len(gsp), 1 << t
    bits = ((np.arange(m_n)[:, None] >> np.arange(t)[None, :]) & 1).astype(bool)  # (M, T)
    ext = np.ones((g_n, m_n, 7))
    rows = np.arange(g_n)
    for b in range(t):  # the extent per loop dimension of every subset, (G, M, 7)
        ext[rows, :, gdims[:, b]] *= np.where(bits[None, :, b], gfacs[:, b][:, None], 1.0)
    gsp = gsp.astype(np.float64)
    per_axis = gsp.prod(axis=2)  # (G, A)
    s_all = gsp.prod(axis=1)
    inst, foot, fcache = [], {}, {}
    for i, mem in enumerate(arch.memories):
        unserved = [a for a in range(len(arch.sizes)) if a not in mem.served_dims]
        inst.append((per_axis[:, unserved].prod(axis=1) if unserved else np.ones(g_n))[gid])
        for op in mem.operands:
            key = (op, mem.served_dims)
            if key not in fcache:
                if mem.served_dims:
                    sv = s_all if len(mem.served_dims) == gsp.shape[1] else gsp[:, list(mem.served_dims), :].prod(axis=1)
                    e = ext * sv[:, None, :]
                else:
                    e = ext
                fcache[key] = footprint(layer, op, e).reshape(-1)  # the subset table (G * M,)
            foot[(op, i)] = fcache[key]
    prod = ext.prod(axis=2).reshape(-1)  # product of the loops in each subset
    rel_o = ext[..., list(RELEVANT["O"])].prod(axis=2).reshape(-1)
    if fast:  # loops, prefix rows and suffix products per candidate in compiled code (same numbers)
        from .mapping_fast import group_prep

        tdim, tfac, flat, suf, dsuf = group_prep(gid, perm, gdims, gfacs, prod, rel_o, m_n)
    else:
        tdim = gdims[gid[:, None], perm]
        tfac = gfacs[gid[:, None], perm]
        masks = np.zeros((n, t + 1), dtype=np.int64)
        for j in range(t):
            masks[:, j + 1] = masks[:, j] | (np.int64(1) << perm[:, j])
        flat = gid[:, None] * m_n + masks  # row of each prefix in the stacked tables
        full = gid * m_n + (m_n - 1)
        suf, dsuf = prod[full][:, None] / prod.take(flat), rel_o[full][:, None] / rel_o.take(flat)
    pre = {"inst": inst, "n_active": per_axis.prod(axis=1)[gid], "suf": suf, "dsuf_O": dsuf}
    if fast:  # the kernel reads the footprints from the tables at the prefixes' rows
        keys = list(fcache)
        pre["ftab"] = np.stack([fcache[k] for k in keys])
        pre["fkey"] = {oi: keys.index((oi[0], arch.memories[oi[1]].served_dims)) for oi in foot}
        pre["flat"] = flat
    else:
        taken = {k: tab.take(flat) for k, tab in fcache.items()}  # one gather per distinct table
        pre["foot"] = {oi: taken[(oi[0], arch.memories[oi[1]].served_dims)] for oi in foot}
    return evaluate_prefixed(layer, arch, tdim, tfac, pre, fast=fast)
