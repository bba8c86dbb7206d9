"""Pareto sets and hypervolume, vectorised (numpy), for objectives oriented for minimisation.

Every function takes an objective matrix ``F`` of shape ``(N, M)`` where **smaller is better** in
every column (negate maximised objectives first; :meth:`solvers.Problem.objective_matrix` does).
Rows holding NaN are never on the front.

Definitions (Deb, *Multi-Objective Optimization using Evolutionary Algorithms*, 2001, sec. 2.4):
point ``a`` dominates ``b`` when ``a <= b`` in every objective and ``a < b`` in at least one.
The non-dominated set keeps ties (two designs with equal objective vectors are both kept).

The hypervolume (Zitzler & Thiele, 1998, "S metric") is the Lebesgue measure of the region
dominated by the front and bounded by a reference point ``r``; only points strictly better than
``r`` in every objective contribute. Exact algorithms here: 2 objectives by one sort
(``O(N log N)``), 3 objectives by slicing along the third objective (``O(N^2 log N)``, fine for
fronts of a few thousand points).
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .errors import DseInputError

__all__ = ["non_dominated", "pareto_mask", "pareto_front", "dominated_by", "hypervolume", "reference_point",
           "merge_fronts"]


def _as_matrix(F: Any) -> np.ndarray:
    arr = np.asarray(F, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise DseInputError("objectives", f"array of shape {arr.shape}", "an (N, M) matrix")
    return arr


def non_dominated(F: Any) -> np.ndarray:
    """Boolean mask ``(N,)``: True where the row is not dominated by any other row (minimisation)."""
    F = _as_matrix(F)
    n, m = F.shape
    mask = np.zeros(n, dtype=bool)
    valid = ~np.isnan(F).any(axis=1)
    if not valid.any():
        return mask
    idx = np.flatnonzero(valid)
    G = F[idx]
    if m == 1:
        keep = G[:, 0] == G[:, 0].min()
    elif m == 2:
        keep = _non_dominated_2d(G)
    else:
        keep = _non_dominated_nd(G)
    mask[idx[keep]] = True
    return mask


#: Alias used by :mod:`dse.plots` (same semantics as :func:`non_dominated`).
pareto_mask = non_dominated


def _non_dominated_2d(G: np.ndarray) -> np.ndarray:
    """One lexicographic sort: a point survives when its f1 beats every point with smaller f0
    and equals the best f1 among points with the same f0."""
    order = np.lexsort((G[:, 1], G[:, 0]))
    f0, f1 = G[order, 0], G[order, 1]
    new_group = np.empty(len(order), dtype=bool)
    new_group[0] = True
    new_group[1:] = f0[1:] != f0[:-1]
    group = np.cumsum(new_group) - 1
    starts = np.flatnonzero(new_group)
    cummin = np.minimum.accumulate(f1)
    before = np.full(len(starts), np.inf)
    before[1:] = cummin[starts[1:] - 1]  # best f1 among strictly smaller f0
    group_best = f1[starts]  # sorted, so the first of a group is its best f1
    keep_sorted = (f1 < before[group]) & (f1 == group_best[group])
    keep = np.empty(len(order), dtype=bool)
    keep[order] = keep_sorted
    return keep


def _non_dominated_nd(G: np.ndarray) -> np.ndarray:
    """Candidate pruning, ``O(N * front size)``: visit points by increasing objective sum (a point
    can only dominate points with a larger sum) and drop everything each survivor dominates."""
    order = np.argsort(G.sum(axis=1), kind="stable")
    cand = order
    i = 0
    while i < len(cand):
        p = G[cand[i]]
        rest = G[cand[i + 1:]]
        dominated = np.all(rest >= p, axis=1) & np.any(rest > p, axis=1)
        if dominated.any():
            cand = np.concatenate([cand[: i + 1], cand[i + 1:][~dominated]])
        i += 1
    keep = np.zeros(len(G), dtype=bool)
    keep[cand] = True
    return keep


def pareto_front(F: Any) -> np.ndarray:
    """Indices of the non-dominated rows, sorted by the first objective (then the others)."""
    F = _as_matrix(F)
    idx = np.flatnonzero(non_dominated(F))
    order = np.lexsort(F[idx].T[::-1])
    return idx[order]


def dominated_by(front: Any, F: Any, *, max_pairs: int = 4_000_000) -> np.ndarray:
    """Mask ``(N,)``: rows of ``F`` strictly dominated by some row of ``front`` (a non-dominated set).

    Two objectives: one ``searchsorted`` on the staircase, ``O(N log P)``. More objectives: a
    pairwise comparison in blocks of at most ``max_pairs`` pairs. NaN rows count as dominated.
    """
    P, F = _as_matrix(front), _as_matrix(F)
    out = np.isnan(F).any(axis=1)
    if not len(P) or not len(F):
        return out
    if P.shape[1] == 2:
        order = np.lexsort((P[:, 1], P[:, 0]))
        p0, p1 = P[order, 0], P[order, 1]
        best1 = np.minimum.accumulate(p1)  # staircase: best f1 among front points with f0 <= x
        j = np.searchsorted(p0, F[:, 0], side="right") - 1
        has = j >= 0
        jj = np.where(has, j, 0)
        strictly = best1[jj] < F[:, 1]
        # equal f1: dominated when the first front point reaching f1 <= y has a smaller f0
        k = np.searchsorted(-best1, -F[:, 1], side="left")  # -best1 is non-decreasing
        kk = np.minimum(k, len(best1) - 1)
        tie = (best1[jj] == F[:, 1]) & (k < len(best1)) & (p0[kk] < F[:, 0])
        return out | (has & (strictly | tie))
    block = max(1, max_pairs // len(P))
    for a in range(0, len(F), block):
        G = F[a:a + block, None, :]
        dom = np.all(P[None] <= G, axis=2) & np.any(P[None] < G, axis=2)
        out[a:a + block] |= dom.any(axis=1)
    return out


def merge_fronts(F_a: Any, F_b: Any) -> tuple[np.ndarray, np.ndarray]:
    """Masks ``(keep_a, keep_b)`` of the non-dominated rows of the union of two point sets.

    Used by the chunked sweep: the running front merged with a new chunk's candidates.
    """
    A, B = _as_matrix(F_a), _as_matrix(F_b)
    keep = non_dominated(np.concatenate([A, B]) if len(A) else B)
    return keep[: len(A)], keep[len(A):]


def reference_point(F: Any, margin: float = 0.1) -> np.ndarray:
    """A reference point just worse than the nadir of ``F``: ``max + margin * (max - min)``.

    Columns with zero range get ``max + margin * max(|max|, 1)`` so every front point counts.
    """
    F = _as_matrix(F)
    F = F[~np.isnan(F).any(axis=1)]
    if not len(F):
        raise DseInputError("objectives", "no finite points", "at least one point to take a reference from")
    hi, lo = F.max(axis=0), F.min(axis=0)
    span = hi - lo
    span = np.where(span > 0, span, np.maximum(np.abs(hi), 1.0))
    return hi + margin * span


def hypervolume(F: Any, ref: Sequence[float] | np.ndarray) -> float:
    """Exact hypervolume dominated by the rows of ``F`` (minimisation) up to reference ``ref``.

    Supports 1, 2 and 3 objectives; more raise :class:`DseInputError` (use a Monte-Carlo estimate
    or Optuna's WFG for those).
    """
    F = _as_matrix(F)
    r = np.asarray(ref, dtype=np.float64).reshape(-1)
    m = F.shape[1]
    if r.shape[0] != m:
        raise DseInputError("reference point", r.tolist(), f"{m} coordinates (one per objective)")
    if m > 3:
        raise DseInputError("objectives", m, "1, 2 or 3 objectives for the exact hypervolume")
    F = F[~np.isnan(F).any(axis=1)]
    F = F[np.all(F < r, axis=1)]
    if not len(F):
        return 0.0
    F = F[non_dominated(F)]
    if m == 1:
        return float(r[0] - F[:, 0].min())
    if m == 2:
        return _hv2(F, r)
    return _hv3(F, r)


def _hv2(F: np.ndarray, r: np.ndarray) -> float:
    """Front sorted by f0 ascending (so f1 descending): sum of the staircase rectangles."""
    F = np.unique(F, axis=0)
    F = F[non_dominated(F)]
    order = np.argsort(F[:, 0], kind="stable")
    x, y = F[order, 0], F[order, 1]
    widths = np.append(x[1:], r[0]) - x
    return float(np.sum(widths * (r[1] - y)))


def _hv3(F: np.ndarray, r: np.ndarray) -> float:
    """Slice along f2: between consecutive f2 levels the dominated cross-section is the 2-D
    hypervolume of every point at or below that level."""
    order = np.argsort(F[:, 2], kind="stable")
    F = F[order]
    z = np.append(F[:, 2], r[2])
    total = 0.0
    for k in range(len(F)):
        dz = z[k + 1] - z[k]
        if dz > 0:
            total += _hv2(F[: k + 1, :2], r[:2]) * dz
    return float(total)
