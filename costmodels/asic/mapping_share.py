"""Sharing a mapping search across hardware points that differ only in the outermost memory's
bandwidth (exact).

Latency and EDP (:func:`record`, :func:`from_record`): the first point of a family records, for
every candidate, its energy, compute cycles and outermost-memory read/write bits, none of which
depends on the bandwidth (unevaluated unrollings keep their branch-and-bound bounds and zero
traffic), and the cycles of the candidates evaluated so far with the bandwidth they were
evaluated at; a later point bounds each candidate's cycles by the largest of its compute cycles,
its outermost traffic / the new bandwidth (the roofline term of the stall rule) and its known
cycles at a bandwidth at least as large (every bandwidth term of the latency is bits /
bandwidth, so cycles never grow with the bandwidth), evaluates the 256 best-bounded candidates,
then every candidate whose bound does not exceed the best score found.

Energy:

Energy and capacity feasibility do not depend on that bandwidth (only cycles do, through stalls,
on-load and write-back). The first search of a layer on such a family keeps every feasible
candidate within ``WINDOW`` (relative) of the best energy; a later point of the family evaluates
only that shortlist. The winner of the energy objective, ``energy x (1 + 1e-12 cycles)`` then the
lowest candidate index, lies in the shortlist whenever ``1e-12 x cycles`` of the winner is below
half the window, which is checked (else the caller searches in full); the result equals the
exhaustive search's (``tests/asic/test_mapping_prune.py``).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import replace
from typing import Any

import numpy as np

from .arch import Arch
from .mapping import Layer7, evaluate_mappings
from .mapping_common import CHUNK, LayerResult, _pad, _score, mapping_text
from .mapping_groups import MAX_TABLE_LOOPS, canonical_padded, evaluate_groups

__all__ = ["RECORDS", "SHORT", "WINDOW", "bw_free", "clear_shortlists", "from_record", "from_shortlist", "record",
           "remember", "shortlist"]

#: relative energy window of the shortlists
WINDOW = 1e-3
#: shortlists per (layer, architecture without the outermost bandwidth, search options)
SHORT: dict[tuple, Any] = {}


def clear_shortlists() -> None:
    SHORT.clear()
    RECORDS.clear()


def bw_free(arch: Arch) -> Arch:
    """``arch`` with the outermost memory's bandwidth normalised to 1 bit/cycle at the same energy
    per bit (rounded to 12 digits so that equal per-bit costs share): what an energy search sees."""
    top = arch.memories[-1]
    norm = replace(top, r_bw=1.0, w_bw=1.0, r_cost_pj=float(f"{top.r_pj_per_bit:.12g}"),
                   w_cost_pj=float(f"{top.w_pj_per_bit:.12g}"))
    return replace(arch, memories=arch.memories[:-1] + (norm,))


def shortlist(parts: list, best_e: float, res: Any) -> tuple:
    """The candidates of ``parts`` ((sp, tdim, tfac, index, energy) per chunk) within ``WINDOW`` of
    ``best_e``, padded to one loop count, with the full search's result; or the infeasible result."""
    if not res.feasible:
        return ("infeasible", res)
    t = max(p[1].shape[1] for p in parts if len(p[3]))
    sp, td, tf, idx = [], [], [], []
    for s, d, f, i, e in parts:
        ok = e <= best_e * (1 + WINDOW)
        if ok.any():
            d2, f2 = _pad(d[ok], f[ok], t)
            sp.append(s[ok])
            td.append(d2)
            tf.append(f2)
            idx.append(i[ok])
    return ("ok", np.concatenate(sp), np.concatenate(td), np.concatenate(tf), np.concatenate(idx), res)


def from_shortlist(layer: Layer7, arch: Arch, entry: tuple) -> Any:
    """The energy search's :class:`~.mapping_search.LayerResult` on ``arch`` from a shortlist of its
    family, or ``None`` when the window check fails (search in full)."""
    if entry[0] == "infeasible":
        res = entry[1]
        return LayerResult(res.metrics, res.text, False, res.reason, 0, res.candidates)
    _, sp, td, tf, idx, res0 = entry
    out = evaluate_mappings(layer, arch, sp, td, tf)
    score = _score(out, "energy")
    m = score.min()
    i = int(np.flatnonzero(score == m)[np.argmin(idx[score == m])])
    if not np.isfinite(m) or 1e-12 * out["cycles"][i] >= WINDOW / 2:
        return None
    metrics = {k: float(v[i]) for k, v in out.items() if np.ndim(v[i]) == 0 and k != "feasible"}
    return LayerResult(metrics, mapping_text(arch, sp[i], td[i], tf[i], out["bounds"][i]), True, "", len(td),
                       res0.candidates)


#: latency/EDP records per (layer, bandwidth-free architecture, options, objective); least recently
#: used first, at most ``MAX_RECORDS``
RECORDS: OrderedDict[tuple, Any] = OrderedDict()
MAX_RECORDS = 64
MAX_RECORD_CANDIDATES = 4_000_000
_FIRST = 256  # candidates of the first re-evaluated chunk (the best bounds)


def record(groups: list, bounds: np.ndarray, res: Any, arch: Arch) -> tuple:
    """What a later point of the family needs: every candidate (group, padded loops) with
    ``bounds`` (N, 5) = (energy, compute cycles, outermost-memory read bits, write bits: none of
    them depends on the bandwidth; cycles at ``arch``'s outermost bandwidth, 0 when not
    evaluated), or the infeasible result."""
    if not res.feasible:
        return ("infeasible", res)
    t = max(g[1].shape[1] for g in groups)
    gid = np.concatenate([np.full(len(g[1]), k, dtype=np.int32) for k, g in enumerate(groups)])
    padded = [_pad(g[1], g[2], t) for g in groups]
    td = np.concatenate([d for d, _ in padded]).astype(np.int8)
    tf = np.concatenate([f for _, f in padded]).astype(np.float32)  # integer factors: exact
    top = arch.memories[-1]
    at = np.where(bounds[:, 4] > 0, 1.0, np.inf)  # bandwidths the known cycles hold below
    canon = [canonical_padded(g[1], g[2], t) for g in groups] if t <= MAX_TABLE_LOOPS else None
    grouped = None if canon is None else (np.stack([c[0] for c in canon]), np.stack([c[1] for c in canon]),
                                          np.concatenate([c[2] for c in canon]).astype(np.int8))
    return ("ok", np.stack([g[0] for g in groups]), gid, td, tf, np.ascontiguousarray(bounds[:, :4]), res,
            bounds[:, 4].copy(), at * top.r_bw, at * top.w_bw, grouped)


def remember(key: tuple, entry: tuple) -> None:
    """Keep ``entry``; drop the least recently used records beyond ``MAX_RECORDS`` entries or
    ``MAX_RECORD_CANDIDATES`` candidates in all (~60 bytes each)."""
    RECORDS[key] = entry
    RECORDS.move_to_end(key)

    def size() -> int:
        return sum(len(e[2]) for e in RECORDS.values() if e[0] == "ok")

    while len(RECORDS) > 1 and (len(RECORDS) > MAX_RECORDS or size() > MAX_RECORD_CANDIDATES):
        RECORDS.popitem(last=False)


def from_record(layer: Layer7, arch: Arch, objective: str, entry: tuple) -> Any:
    """The latency/EDP search's result on ``arch`` from a record of its family: candidates are
    evaluated in the order of their bandwidth-independent bounds (energy x compute cycles, or
    compute cycles) until the next bound exceeds the best score; exact (lowest index on ties)."""
    if entry[0] == "infeasible":
        res = entry[1]
        return LayerResult(res.metrics, res.text, False, res.reason, 0, res.candidates)
    _, gsp, gid, td, tf, bounds, res0, cyc_at, r_at, w_at, _ = entry
    e, comp, rd, wr = bounds.T
    top = arch.memories[-1]
    busy = (rd + wr) / top.r_bw if top.rw_port else np.maximum(rd / top.r_bw, wr / top.w_bw)
    # cycles >= compute, >= the outermost memory's roofline, and >= the cycles known at a larger
    # bandwidth (cycles never grow with the bandwidth: every bandwidth term is bits / bandwidth)
    known = np.where((top.r_bw <= r_at) & (top.w_bw <= w_at), cyc_at, 0.0)
    cyc = np.maximum(np.maximum(comp, busy), known)
    lb = (e * cyc if objective == "edp" else cyc * (1 + 1e-12 * e)) * (1 - 1e-9)  # 1e-9: rounding
    # the few best bounds first (their best score is the threshold), then every other candidate
    # whose bound does not exceed it, in index order: all that can win, ties included
    first = np.sort(np.argpartition(lb, _FIRST)[:_FIRST]) if len(lb) > _FIRST else np.arange(len(lb))
    best: list = [np.inf, -1, None]  # score, index, (metrics, sp, tdim, tfac)
    _evaluate(layer, arch, objective, entry, first, best)
    rest = np.setdiff1d(np.flatnonzero(lb <= best[0]), first, assume_unique=True)
    for c in range(0, len(rest), CHUNK):
        _evaluate(layer, arch, objective, entry, rest[c:c + CHUNK], best)
    evaluated = len(first) + len(rest)
    if best[2] is None:  # pragma: no cover - feasibility does not depend on the bandwidth
        return None
    m_, s_, d_, f_ = best[2]
    metrics = {k: float(v) for k, v in m_.items() if np.ndim(v) == 0 and k != "feasible"}
    return LayerResult(metrics, mapping_text(arch, s_, d_, f_, m_["bounds"]), True, "", evaluated, res0.candidates)


def _evaluate(layer: Layer7, arch: Arch, objective: str, entry: tuple, sel: np.ndarray, best: list) -> None:
    """Evaluate the recorded candidates ``sel`` (sorted indices) on ``arch``; update ``best`` in
    place when one scores lower (or equal with a lower index)."""
    _, gsp, gid, td, tf, _, _, cyc_at, r_at, w_at, grouped = entry
    if not len(sel):
        return
    if grouped is None:
        out = evaluate_mappings(layer, arch, gsp[gid[sel]], td[sel].astype(np.int64), tf[sel].astype(np.float64))
    else:  # the search's subset-table evaluator over the groups present (same numbers, fewer operations)
        gd, gf, perm = grouped
        ug, inv = np.unique(gid[sel], return_inverse=True)
        out = evaluate_groups(layer, arch, gsp[ug], gd[ug], gf[ug], inv.reshape(-1), perm[sel].astype(np.int64))
    top = arch.memories[-1]
    newer = (cyc_at[sel] == 0) | ((top.r_bw >= r_at[sel]) & (top.w_bw >= w_at[sel]))  # holds below more bandwidths
    upd = sel[newer]
    cyc_at[upd], r_at[upd], w_at[upd] = out["cycles"][newer], top.r_bw, top.w_bw
    score = _score(out, objective)
    m = score.min()
    if not np.isfinite(m) or m > best[0]:
        return
    i = int(np.flatnonzero(score == m)[np.argmin(sel[score == m])])
    if m < best[0] or sel[i] < best[1]:
        best[:] = [m, int(sel[i]), ({k: v[i] for k, v in out.items()}, gsp[gid[sel[i]]], td[sel[i]],
                                    tf[sel[i]].astype(np.float64))]

