"""Distinct placement keys: run the bootstrap plan and placement once per distinct key, scatter back.

The bootstrap plan (:func:`.bootplan.boot_plan`) and the placement + per-layer pricing
(:mod:`.placement`) of a point read only these of its values:

* the (lowering variant, activation degree) pair (``pair``): op counts, slot fills, live
  ciphertexts, the activation polynomial and the per-layer level increments; the variant carries
  ``ring`` (slots), ``packing`` and ``matvec``;
* ``N`` and the chain ``levels`` (op tables, ModRaise target, the shortest path's levels);
* the hybrid digit size at the chain's top, ``ceil((L + 1) / dnum)``, and at the bootstrap's
  ModRaise target, ``ceil(top_boot / dnum)`` (:func:`.opcost.keyswitch_geometry`; SEAL-shaped
  profiles read neither), which is all :func:`.opcost.op_latency` reads of ``dnum``;
* the bootstrap's CoeffToSlot / SlotToCoeff levels after the profile default (0 -> the profile's),
  the levels it returns after clipping to ``L - depth``, and ``boot_slots``.

``scale_bits``, ``first_bits``, ``special_bits`` and ``security`` (security, precision, log QP) are
not read. Points with equal keys get bit-identical placement results (the per-point kernels do
not depend on the rest of the batch: ``tests/he/test_fastplace.py``), so the model evaluates the
distinct keys and gathers. On a uniform random sample of the whole space almost every key is
distinct (32,762 of 32,768 for LeNet-5), so the model falls back to the direct path when more
than :data:`MAX_FRACTION` of the points are distinct; grids that vary the unread knobs, or
searches that revisit a structure, have few.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dse.metrics import to_numpy

from .opcost import Profile, keyswitch_geometry
from .placement import group_index

__all__ = ["MAX_FRACTION", "distinct_keys", "more_than", "placement_key"]

MAX_FRACTION = 0.5  # dedup only when distinct keys <= this fraction of the batch (measured: docs/he.md)


def placement_key(prof: Profile, k: dict[str, Any], sparse: np.ndarray, pair: np.ndarray) -> list[np.ndarray]:
    """Nine (P,) float64 columns of everything the placement and bootstrap plan read (module docstring)."""
    base = prof.boot
    n, levels, dnum = to_numpy(k["N"]), to_numpy(k["levels"]), to_numpy(k["dnum"])
    cts = np.where(to_numpy(k["boot_cts_levels"]) > 0, to_numpy(k["boot_cts_levels"]), float(base.cts_levels))
    stc = np.where(to_numpy(k["boot_stc_levels"]) > 0, to_numpy(k["boot_stc_levels"]), float(base.stc_levels))
    depth = cts + stc + float(base.evalmod_depth + base.extra_levels)
    full = levels - depth
    ret_knob = to_numpy(k["boot_return"])
    ret = np.where(ret_knob > 0, np.minimum(ret_knob, full), full)
    top = levels + 1.0
    top_boot = np.maximum(ret + depth + 1.0, 1.0)
    cols = [np.asarray(pair, np.float64), np.log2(n), levels, cts, stc, ret, np.asarray(sparse, np.float64)]
    if prof.keyswitch != "seal":  # SEAL-shaped key switching reads no digit size
        cols.append(keyswitch_geometry(top, top, dnum, prof.keyswitch)[0] + 0.0 * top)
        cols.append(keyswitch_geometry(top_boot, top_boot, dnum, prof.keyswitch)[0] + 0.0 * top)
    return [np.asarray(c, np.float64) for c in cols]


def distinct_keys(cols: list[np.ndarray], max_distinct: int | None = None) -> tuple[np.ndarray, np.ndarray] | None:
    """``(first, inverse)`` of the distinct rows of the (P,) columns ``cols``, or ``None`` when there
    are more than ``max_distinct`` (counted first, by one sort). Integral columns are packed into
    one int64 by mixed radix (each shifted to 0 .. max - min) when that fits in 62 bits, else rows
    are compared exactly by ``np.unique(axis=0)`` (a continuous value simply finds fewer
    duplicates); a non-finite value makes every row its own key. ``first[g]`` is a point of key g,
    ``inverse[p]`` the key of point p."""
    n = len(cols[0]) if cols else 0
    limit = n if max_distinct is None else max_distinct
    if n == 0 or not all(np.isfinite(c).all() for c in cols):
        return (np.arange(n, dtype=np.int64), np.arange(n, dtype=np.int64)) if n <= limit else None
    key = _packed(cols)
    if key is not None:
        return None if _count(key) > limit else group_index(key)
    _, first, inv = np.unique(np.stack(cols, axis=1), axis=0, return_index=True, return_inverse=True)
    return (first.astype(np.int64), inv.reshape(-1).astype(np.int64)) if len(first) <= limit else None


def more_than(cols: list[np.ndarray], limit: int) -> bool:
    """True when the rows of ``cols`` certainly have more than ``limit`` distinct values (a cheap
    pre-check on a coarser key: its count bounds the full key's from below)."""
    if not cols or not all(np.isfinite(c).all() for c in cols):
        return False
    key = _packed(cols)
    return key is not None and _count(key) > limit


def _packed(cols: list[np.ndarray]) -> np.ndarray | None:
    """Integral finite columns as one int64 per row (mixed radix), or ``None`` if not integral or
    the radix product reaches 2^62."""
    lo = [float(c.min()) for c in cols]
    radix = [int(c.max() - m) + 1 for c, m in zip(cols, lo)]
    if not all(np.array_equal(c, np.floor(c)) for c in cols) or float(np.prod(np.asarray(radix, np.float64))) >= 2.0**62:
        return None
    key = np.zeros(len(cols[0]), np.int64)
    for c, m, r in zip(cols, lo, radix):
        if r > 1:
            key = key * r + (c - m).astype(np.int64)
    return key


def _count(key: np.ndarray) -> int:
    """Distinct values of a non-negative int64 ``key``: a presence table when the range is small
    (``key.max() < 16 len + 65536``), else by sorting."""
    if not len(key):
        return 0
    top = int(key.max())
    if int(key.min()) >= 0 and top < 16 * len(key) + 65536:
        present = np.zeros(top + 1, bool)
        present[key] = True
        return int(np.count_nonzero(present))
    srt = np.sort(key)
    return 1 + int(np.count_nonzero(srt[1:] != srt[:-1]))
