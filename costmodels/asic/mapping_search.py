"""Per-layer mapping search of the ``asic`` model: candidates generated as arrays, evaluated in
chunks by :func:`.mapping.evaluate_mappings`, best under an objective, memoised.

Candidates (pruned before evaluation):

* **spatial**: each array dimension unrolls at most one loop dimension (distinct ones; loops of
  bound 1 are skipped as symmetric to no unrolling) by ``min(size, bound)`` and, when different,
  by the largest divisor of the bound that fits (no padded tile); with ``pairs`` also a whole
  ``FY`` or ``FX`` times one other loop on one dimension (row-stationary replication, generated
  by the search); a mapping file may fix any unrolling;
* **temporal**: the leftover bounds ``ceil(D / spatial)`` are split into prime factors; above
  ``lpf_limit`` factors the two smallest factors of one dimension are merged (LOMA's
  loop-prime-factor limit, Symons et al., AICAS 2021); every distinct order of the factors is a
  candidate, and memories are allocated bottom-up per :mod:`.mapping`;
* capacity: mappings whose tiles fit no allocation are masked, never chosen;
* optional heuristic (``spatial_top = k``): only the ``k`` unrollings with the fewest ideal
  compute cycles are searched (for hardware sweeps; the default 0 searches all).

Objective: ``energy`` (pJ), ``latency`` (cycles) or ``edp`` (their product); ties go to the first
candidate (deterministic order).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from .arch import Arch
from .mapping import DIMS, Layer7
from .mapping_common import CHUNK, LayerResult, _pad, _score, keep_freed_heap, mapping_text
from .mapping_groups import canonical_padded, evaluate_groups
from .mapping_share import (
    RECORDS,
    SHORT,
    WINDOW,
    bw_free,
    clear_shortlists,
    from_record,
    from_shortlist,
    record,
    remember,
    shortlist,
)
from .mapping_spatial import drop_symmetric, spatial_candidates, symmetric_axes, top_spatial

__all__ = [
    "CHUNK",
    "OBJECTIVES",
    "LayerResult",
    "Mapping",
    "clear_cache",
    "prime_factors",
    "drop_symmetric",
    "search_layer",
    "spatial_candidates",
    "symmetric_axes",
    "temporal_orders",
    "top_spatial",
]

OBJECTIVES = ("energy", "latency", "edp")
keep_freed_heap()  # glibc: keep freed heap between evaluation chunks (numbers unchanged; see its docstring)
_CACHE: dict[tuple, LayerResult] = {}


@dataclass(frozen=True)
class Mapping:
    """A fixed (part of a) mapping: ``spatial`` = ((array dim, loop dim, factor), ...), and an
    optional ``temporal`` loop list ((loop dim, factor), ...) innermost first."""

    spatial: tuple[tuple[int, int, int], ...] | None = None
    temporal: tuple[tuple[int, int], ...] | None = None


def clear_cache() -> None:
    _CACHE.clear()
    clear_shortlists()


def prime_factors(n: int) -> list[int]:
    out, p = [], 2
    while n > 1 and p * p <= n:
        while n % p == 0:
            out.append(p)
            n //= p
        p += 1
    if n > 1:
        out.append(n)
    return out


def _merged_factors(rest: list[int], lpf_limit: int) -> list[tuple[int, int]]:
    return list(_merged_factors_memo(tuple(rest), lpf_limit))


@lru_cache(maxsize=65536)
def _merged_factors_memo(rest: tuple[int, ...], lpf_limit: int) -> tuple[tuple[int, int], ...]:
    return tuple(_merged_factors_fresh(list(rest), lpf_limit))


def _merged_factors_fresh(rest: list[int], lpf_limit: int) -> list[tuple[int, int]]:
    per_dim = {d: sorted(prime_factors(r)) for d, r in enumerate(rest) if r > 1}
    while sum(len(v) for v in per_dim.values()) > lpf_limit:
        cands = [(v[0] * v[1], d) for d, v in per_dim.items() if len(v) >= 2]
        if not cands:
            break
        _, d = min(cands)
        v = per_dim[d]
        per_dim[d] = sorted([v[0] * v[1]] + v[2:])
    return [(d, f) for d in sorted(per_dim) for f in per_dim[d]]


@lru_cache(maxsize=16)
def _perms(n: int) -> np.ndarray:
    return np.asarray(list(itertools.permutations(range(n))), dtype=np.int64).reshape(-1, n)


def temporal_orders(items: list[tuple[int, int]], t: int) -> tuple[np.ndarray, np.ndarray]:
    """Every distinct order of the (dim, factor) loops, padded to ``t`` loops: (P, t) dims, factors
    (memoised per loop list: read-only arrays shared between calls)."""
    return _temporal_orders(tuple((int(d), int(f)) for d, f in items), int(t))


@lru_cache(maxsize=4096)
def _temporal_orders(items: tuple[tuple[int, int], ...], t: int) -> tuple[np.ndarray, np.ndarray]:
    dims, facs = _orders(items, t)
    dims.setflags(write=False)
    facs.setflags(write=False)
    return dims, facs


def _orders(items: tuple[tuple[int, int], ...], t: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct orders of ``items`` in lexicographic order of their keys ``dim * 100003 + factor``
    (rows of :func:`_orders_unique`): each order is encoded as one base-``u`` integer of its key
    ranks (``u`` distinct keys, at most ``u ** len(items)`` codes), so one 1-D sort replaces the
    row-wise ``np.unique(axis=0)`` (the same rows in the same order, tested)."""
    if not items:
        return np.zeros((1, t), dtype=np.int64), np.ones((1, t))
    keys = np.asarray([d * 100003 + f for d, f in items], dtype=np.int64)
    n = len(items)
    ukeys, rank = np.unique(keys, return_inverse=True)
    u = len(ukeys)
    if u ** n >= 1 << 62:  # codes would overflow int64: the row-wise unique
        return _orders_unique(items, t)
    perm = _perms(n)
    weights = u ** np.arange(n - 1, -1, -1, dtype=np.int64)
    codes = np.unique(rank.reshape(-1)[perm] @ weights)  # sorted distinct codes = lexicographic rows
    digits = (codes[:, None] // weights[None, :]) % u
    uniq = ukeys[digits]
    return _finish_orders(uniq, t)


def _orders_unique(items: tuple[tuple[int, int], ...], t: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_orders` by ``np.unique(axis=0)`` over every permutation (the reference)."""
    if not items:
        return np.zeros((1, t), dtype=np.int64), np.ones((1, t))
    keys = np.asarray([d * 100003 + f for d, f in items], dtype=np.int64)
    perm = _perms(len(items))
    return _finish_orders(np.unique(keys[perm], axis=0), t)


def _finish_orders(uniq: np.ndarray, t: int) -> tuple[np.ndarray, np.ndarray]:
    dims, facs = uniq // 100003, (uniq % 100003).astype(np.float64)
    pad = t - uniq.shape[1]
    if pad:
        dims = np.concatenate([dims, np.zeros((len(dims), pad), dtype=np.int64)], axis=1)
        facs = np.concatenate([facs, np.ones((len(facs), pad))], axis=1)
    return dims, facs


def _groups(layer: Layer7, arch: Arch, fixed: Mapping | None, lpf_limit: int, spatial_top: int = 0,
            symmetry: bool = False, pairs: bool = False):
    """Candidates grouped by spatial unrolling: ``[(sp (A, 7), tdim (P, T), tfac (P, T)), ...]``
    in the deterministic search order, or ``(None, reason)``; ``symmetry`` drops an unrolling
    whose image under a swap of interchangeable array dimensions came earlier."""
    if fixed is not None and fixed.spatial is not None:
        sp = np.ones((1, len(arch.sizes), 7))
        for a, d, f in fixed.spatial:
            if a >= len(arch.sizes):
                return None, f"the mapping unrolls on D{a + 1}, the array has {len(arch.sizes)} dimensions"
            sp[0, a, d] *= min(f, layer.dims[d])
        for a, size in enumerate(arch.sizes):  # clip to the array (ZigZag reduces unrollings too)
            while sp[0, a].prod() > size:
                d = int(np.argmax(sp[0, a]))
                sp[0, a, d] = max(1, sp[0, a, d] // 2)
        spats = sp
    else:
        spats = top_spatial(layer, arch, spatial_candidates(layer, arch.sizes, pairs), spatial_top)
        if symmetry:
            spats = drop_symmetric(arch, spats)
    groups = []
    for s in spats:
        tot = s.prod(axis=0)
        rest = [int(-(-layer.dims[d] // int(tot[d]))) for d in range(7)]
        if fixed is not None and fixed.temporal is not None:
            items = [(d, f) for d, f in fixed.temporal if f > 1]
            got = [1] * 7
            for d, f in items:
                got[d] *= f
            if got != rest:
                want = " ".join(f"{DIMS[d]}{r}" for d, r in enumerate(rest) if r > 1)
                return None, f"temporal loops of the mapping do not cover the layer (need {want})"
            dims = np.asarray([[d for d, _ in items]], dtype=np.int64).reshape(1, -1)
            facs = np.asarray([[f for _, f in items]], dtype=np.float64).reshape(1, -1)
        else:
            items = _merged_factors(rest, lpf_limit)
            dims, facs = temporal_orders(items, len(items))
        if dims.shape[1] == 0:  # nothing left to iterate: one factor-1 loop
            dims, facs = np.zeros((1, 1), dtype=np.int64), np.ones((1, 1))
        groups.append((s, dims, facs))
    return groups, ""


def _candidates(layer: Layer7, arch: Arch, fixed: Mapping | None, lpf_limit: int, spatial_top: int = 0):
    """All candidates of :func:`_groups` as one padded batch ``(sp, tdim, tfac)``."""
    groups, why = _groups(layer, arch, fixed, lpf_limit, spatial_top)
    if groups is None:
        return None, why
    t = max(g[1].shape[1] for g in groups)
    sps, tds, tfs = [], [], []
    for s, dims, facs in groups:
        dims, facs = _pad(dims, facs, t)
        sps.append(np.broadcast_to(s, (len(dims),) + s.shape))
        tds.append(dims)
        tfs.append(facs)
    return (np.concatenate(sps), np.concatenate(tds), np.concatenate(tfs)), ""


def _score_bound(e_lb: np.ndarray, c_lb: np.ndarray, objective: str) -> np.ndarray:
    """Lower bound of :func:`_score` from lower bounds of energy and cycles (both >= 0)."""
    if objective == "energy":
        return e_lb * (1 + 1e-12 * c_lb)
    if objective == "latency":
        return c_lb * (1 + 1e-12 * e_lb)
    return e_lb * c_lb


def search_layer(layer: Layer7, arch: Arch, objective: str = "energy", *, fixed: Mapping | None = None,
                 lpf_limit: int = 6, spatial_top: int = 0, prune: bool = True, pairs: bool = False) -> LayerResult:
    """Best mapping of ``layer`` on ``arch`` (memoised on shapes, architecture and options);
    ``spatial_top > 0`` searches only that many best-utilised spatial unrollings. ``prune``
    (exact): spatial unrollings are visited in the order of their lower bounds
    (:mod:`.mapping_bound`) and skipped once the bound exceeds the best score found; the result
    is the exhaustive search's, ties included (lowest candidate index wins); under the energy
    objective a point that differs from an earlier one only in the outermost bandwidth reuses its
    shortlist (:mod:`.mapping_share`, exact too). ``pairs`` adds the row-stationary unrollings of
    :func:`spatial_candidates`."""
    key = (layer.key(), arch.key(), objective, fixed, lpf_limit, spatial_top, prune, pairs)
    hit = _CACHE.get(key)
    if hit is not None:
        return hit
    share = objective == "energy" and prune
    skey = (layer.key(), bw_free(arch).key(), fixed, lpf_limit, spatial_top, pairs)
    rec = prune and objective != "energy"
    if share and skey in SHORT:
        res = from_shortlist(layer, arch, SHORT[skey])
        if res is not None:
            _CACHE[key] = res
            return res
    if rec and (skey, objective) in RECORDS:
        res = from_record(layer, arch, objective, RECORDS[(skey, objective)])
        if res is not None:
            RECORDS.move_to_end((skey, objective))
            _CACHE[key] = res
            return res
    groups, why = _groups(layer, arch, fixed, lpf_limit, spatial_top, symmetry=prune, pairs=pairs)
    if groups is None:
        res = LayerResult({}, "", False, why, 0)
        _CACHE[key] = res
        return res
    offsets = np.cumsum([0] + [len(g[1]) for g in groups])
    order = np.arange(len(groups))
    lb = np.zeros(len(groups))
    if prune and len(groups) > 1:
        from .mapping import _mac_pj
        from .mapping_bound import group_bounds

        mac = arch.mac_pj if arch.mac_pj is not None else _mac_pj(arch)
        e_lb, c_lb = group_bounds(layer, arch, np.stack([g[0] for g in groups]), mac)
        lb = e_lb if share else _score_bound(e_lb, c_lb, objective)
        order = np.argsort(lb, kind="stable")
    best_score, best_idx, best = np.inf, -1, None
    evaluated, pos = 0, 0
    best_e, short = np.inf, []  # energy sharing: every feasible candidate within WINDOW of the best energy
    if rec:  # latency/EDP record: per candidate (energy, compute cycles, outermost read bits, write bits)
        cand_lb = np.zeros((int(offsets[-1]), 5))
        if prune and len(groups) > 1:
            cand_lb[:, 0], cand_lb[:, 1] = np.repeat(e_lb, np.diff(offsets)), np.repeat(c_lb, np.diff(offsets))

    def limit() -> float:  # prune above the incumbent (energy sharing: above its window)
        return best_e * (1 + WINDOW) if share else best_score

    while pos < len(order) and lb[order[pos]] <= limit():
        # a batch of whole unrollings (up to CHUNK candidates) whose bounds do not exceed the
        # incumbent; sorted bounds: once one exceeds it, every later one does too
        batch, size = [], 0
        while pos < len(order) and lb[order[pos]] <= limit() and (not batch or size + len(groups[order[pos]][1]) <= (CHUNK if best is not None else 1)):
            batch.append(int(order[pos]))
            size += len(groups[order[pos]][1])
            pos += 1
        t = max(groups[gi][1].shape[1] for gi in batch)
        canon = [canonical_padded(groups[gi][1], groups[gi][2], t) for gi in batch]
        gsp = np.stack([groups[gi][0] for gi in batch])
        gdims = np.stack([c[0] for c in canon])
        gfacs = np.stack([c[1] for c in canon])
        gid_all = np.concatenate([np.full(len(c[2]), k) for k, c in enumerate(canon)])
        perm_all = np.concatenate([c[2] for c in canon])
        idx_all = np.concatenate([int(offsets[gi]) + np.arange(len(c[2])) for gi, c in zip(batch, canon)])
        for c in range(0, size, CHUNK):  # a single unrolling larger than CHUNK is split
            gid, perm, idx_c = gid_all[c:c + CHUNK], perm_all[c:c + CHUNK], idx_all[c:c + CHUNK]
            out = evaluate_groups(layer, arch, gsp, gdims, gfacs, gid, perm)
            evaluated += len(gid)
            score = _score(out, objective)
            if rec:
                cand_lb[idx_c] = np.stack([np.where(out["feasible"], out["energy_pj"], np.inf), out["compute_cycles"],
                                           out["rd_bits"][:, -1], out["wr_bits"][:, -1], out["cycles"]], axis=1)
            if share:
                e = np.where(out["feasible"], out["energy_pj"], np.inf)
                best_e = min(best_e, float(e.min()))
                keep = np.flatnonzero(e <= best_e * (1 + WINDOW))
                g_k = gid[keep]
                short.append((gsp[g_k], gdims[g_k[:, None], perm[keep]], gfacs[g_k[:, None], perm[keep]], idx_c[keep],
                              out["energy_pj"][keep]))
            m = score.min()
            if not np.isfinite(m) or m > best_score:
                continue
            i = int(np.flatnonzero(score == m)[np.argmin(idx_c[score == m])])
            idx = int(idx_c[i])
            if m < best_score or idx < best_idx:
                best_score, best_idx = m, idx
                g = int(gid[i])
                best = ({k: v[i] for k, v in out.items()}, gsp[g], gdims[g][perm[i]], gfacs[g][perm[i]])
    if best is None:
        res = LayerResult({}, "", False, f"no mapping of {layer.name} fits the memories of {arch.name} "
                          "(the smallest tile exceeds a memory's capacity)", evaluated, int(offsets[-1]))
    else:
        m, s_, d_, f_ = best
        metrics = {k: float(v) for k, v in m.items() if np.ndim(v) == 0 and k != "feasible"}
        res = LayerResult(metrics, mapping_text(arch, s_, d_, f_, m["bounds"]), True, "", evaluated, int(offsets[-1]))
    _CACHE[key] = res
    if share:
        SHORT[skey] = shortlist(short, best_e, res)
    if rec:
        remember((skey, objective), record(groups, cand_lb, res, arch))
    return res


def network_layers(workload: Any) -> list[Layer7]:
    """The workload's conv/GEMM layers as :class:`Layer7` (memoised per workload)."""
    from .layers7 import to_layers7

    return workload.memo("asic.layers7", lambda: to_layers7(workload))
