"""Bootstrapping knobs of the ``he`` model: DFT depth, return level and sparse-slot bootstrapping.

Per design point (vectorised; Python loops only over the distinct discrete values in the batch):

* ``boot_cts_levels`` / ``boot_stc_levels`` (0 = the profile's or preset's): levels CoeffToSlot /
  SlotToCoeff consume. Fewer levels -> a higher radix per BSGS stage -> more rotations (a stage of
  radix 2^r has 2^(r+1) - 1 diagonals, :func:`.bootstrap.bootstrap_ops`); more levels -> fewer
  rotations but a deeper bootstrap (fewer levels left for the network).
* ``boot_return`` (0 = all: L - depth): levels a bootstrap returns. ModRaise then lifts to
  ``return + depth + 1`` limbs instead of L + 1, so each bootstrap is cheaper and bootstraps are
  more frequent (Orion/OpenFHE's ``levelsAvailableAfterBootstrap``).
* ``boot_slots`` = ``sparse``: a ciphertext whose data fills f < N/2 slots is bootstrapped over
  2^ceil(log2 f) slots (sparse-slot bootstrapping: CoeffToSlot/SlotToCoeff over log2 of the used
  slots; Cheon et al. 2018 §4.3), chosen per placement by the layer it precedes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

import numpy as np

from dse.metrics import to_numpy
from dse.xp import constant

from . import fastplace
from .bootstrap import bootstrap_ops
from .grouping import ProfileMemos, group_index, profile_key
from .opcost import BootConfig, Profile, keyswitch_geometry, op_latency

__all__ = ["BootPlan", "boot_plan"]

_N_CODES = 16 * 16 * 32 * 32  # :func:`_encode`'s range
_BOOT_OPS = ("rescale", "ks_modup", "rotate_hoisted", "rotate", "mul_plain", "add", "conjugate", "mul", "relinearize")
_MAX_OFF = 128


def _encode(cts: Any, stc: Any, log_slots: Any, log_full: Any) -> Any:
    """One integer per bootstrap structure: CtS / StC levels (< 16), log2 slots and log2(N/2) (< 32)."""
    return ((cts * 16 + stc) * 32 + log_slots) * 32 + log_full


@lru_cache(maxsize=1 << 17)
def _count_sparse(code: int, base: BootConfig) -> tuple[np.ndarray, np.ndarray]:
    """Op counts of one bootstrap structure (:func:`_encode`) as (columns, counts) of the
    ``ops x level offsets`` layout (offset < 128)."""
    log_full, log_slots, stc, cts = code % 32, code // 32 % 32, code // 1024 % 16, code // 16384
    cfg = replace(base, cts_levels=cts, stc_levels=stc)
    vec = np.zeros(len(_BOOT_OPS) * _MAX_OFF)
    for op, cnt, off in bootstrap_ops(2 ** log_slots, cfg, 2 ** log_full):
        vec[_BOOT_OPS.index(op) * _MAX_OFF + off] += cnt
    cols = np.flatnonzero(vec)
    return cols, vec[cols]


@dataclass(frozen=True)
class _Counts:
    """Op counts of the structures in a batch over the used ``ops x offsets`` columns, stored as
    sparse rows (``ptr``, ``idx`` into the used columns, ``vals``); :attr:`dense` on demand."""

    ptr: np.ndarray
    idx: np.ndarray
    vals: np.ndarray
    width: int

    @property
    def dense(self) -> np.ndarray:
        out = np.zeros((len(self.ptr) - 1, self.width))
        rows = np.repeat(np.arange(len(self.ptr) - 1), np.diff(self.ptr))
        out[rows, self.idx] = self.vals
        return out


class _StructureTable:
    """Every bootstrap structure code met so far for one :class:`BootConfig`, as rows of one growing
    sparse table over the ``ops x offsets`` columns (ascending within a row), with a dense code ->
    row lookup and a column bitmask per row (a batch ORs its rows' masks to find the columns it uses)."""

    def __init__(self, base: BootConfig):
        self.base = base
        self.lookup = np.full(_N_CODES, -1, np.int64)  # structure code -> row (-1: not met yet)
        self._cols: list[np.ndarray] = []
        self._vals: list[np.ndarray] = []
        self._mask_rows = np.zeros((0, len(_BOOT_OPS) * _MAX_OFF // 64), np.uint64)  # column bits of each row
        self._arrays: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._entry_key: tuple[bytes, int] | None = None
        self._entry_cols = np.zeros(0, np.int64)

    def rows(self, codes: np.ndarray) -> np.ndarray:
        """Row of each structure code (codes met for the first time are counted and appended)."""
        codes = np.asarray(codes, np.int64)
        new = np.unique(codes[self.lookup[codes] < 0]) if len(codes) else codes
        for c in new.tolist():
            cols, vals = _count_sparse(c, self.base)
            self.lookup[c] = len(self._cols)
            self._cols.append(cols)
            self._vals.append(vals)
            self._arrays = None
        return self.lookup[codes]

    def used(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Ascending columns used by ``rows`` and the map global column -> position among them (-1)."""
        if len(self._mask_rows) < len(self._cols):
            grow = np.zeros((len(self._cols) - len(self._mask_rows), len(_BOOT_OPS) * _MAX_OFF), bool)
            for i, cols in enumerate(self._cols[len(self._mask_rows):]):
                grow[i, cols] = True
            packed = np.packbits(grow, axis=1, bitorder="little").view(np.uint64)
            self._mask_rows = np.concatenate([self._mask_rows, packed])
        union = np.bitwise_or.reduce(self._mask_rows[np.unique(rows)], axis=0)
        used = np.flatnonzero(np.unpackbits(union.view(np.uint8), bitorder="little"))
        remap = np.full(len(_BOOT_OPS) * _MAX_OFF, -1, np.int64)
        remap[used] = np.arange(len(used))
        return used, remap

    def entry_columns(self, used: np.ndarray, remap: np.ndarray) -> np.ndarray:
        """``remap[cols]``: each entry's position among the ``used`` columns (-1: not used), kept
        while the table and the used columns stay the same (consecutive batches of a sweep)."""
        key = (used.tobytes(), len(self._cols))
        if self._entry_key != key:
            self._entry_key, self._entry_cols = key, remap[self.cols]
        return self._entry_cols

    def _build(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self._arrays is None:
            ptr = np.zeros(len(self._cols) + 1, np.int64)
            ptr[1:] = np.cumsum([len(c) for c in self._cols])
            self._arrays = (ptr, np.concatenate(self._cols).astype(np.int64), np.concatenate(self._vals))
        return self._arrays

    @property
    def ptr(self) -> np.ndarray:
        return self._build()[0]

    @property
    def cols(self) -> np.ndarray:
        return self._build()[1]

    @property
    def vals(self) -> np.ndarray:
        return self._build()[2]


_TABLES: dict[BootConfig, _StructureTable] = {}


def _table(base: BootConfig) -> _StructureTable:
    if base not in _TABLES:
        _TABLES[base] = _StructureTable(base)
    return _TABLES[base]


def _counts(parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, _Counts]:
    """``(used columns, counts)`` of the structures whose sparse rows are ``parts``."""
    ptr = np.zeros(len(parts) + 1, np.int64)
    ptr[1:] = np.cumsum(np.fromiter((len(c) for c, _ in parts), np.int64, count=len(parts)))
    cols = np.concatenate([c for c, _ in parts]) if parts else np.zeros(0, np.int64)
    vals = np.concatenate([v for _, v in parts]) if parts else np.zeros(0)
    present = np.zeros(len(_BOOT_OPS) * _MAX_OFF, dtype=bool)  # the used columns, ascending
    present[cols] = True
    used = np.flatnonzero(present)
    idx = (np.cumsum(present) - 1)[cols]
    return used, _Counts(ptr, idx.astype(np.int64), vals, len(used))


@dataclass(frozen=True)
class BootPlan:
    """Per point: bootstrap seconds per layer cut ``(P, layers)``, depth ``(P,)``, levels returned ``(P,)``."""

    cost: Any
    depth: Any
    returns: Any


def boot_plan(xp: Any, prof: Profile, k: dict[str, Any], design: Any, fill: Any, live: Any,
              fill_rows: tuple[np.ndarray, np.ndarray] | None = None) -> BootPlan:
    """Bootstrap cost before each layer (seconds x live ciphertexts), depth and return level per point.

    ``fill`` (P, layers) slots each layer's data fills, or (numpy only) ``None`` with ``fill_rows`` =
    ``(fill per lowering variant (V, layers), variant of each point (P,))``: the slot counts are then
    read per variant, not gathered per point (same values). ``live`` (P, layers) live ciphertexts,
    or (numpy only) ``(per variant (V, layers), variant of each point)`` likewise."""
    base = prof.boot
    cts = xp.where(k["boot_cts_levels"] > 0, k["boot_cts_levels"], float(base.cts_levels))
    stc = xp.where(k["boot_stc_levels"] > 0, k["boot_stc_levels"], float(base.stc_levels))
    fixed = float(base.evalmod_depth + base.extra_levels)
    depth = cts + stc + fixed
    full = k["levels"] - depth
    ret = xp.where(k["boot_return"] > 0, xp.minimum(k["boot_return"], full), full)
    top = xp.maximum(ret + depth + 1.0, xp.ones_like(ret))
    sparse = design.eq("boot_slots", "sparse")
    log_full = xp.log2(k["N"] / 2.0)
    cts_np, stc_np = to_numpy(cts).astype(int), to_numpy(stc).astype(int)
    if (fill is None or isinstance(fill, np.ndarray)) and fastplace.available():
        # compiled: structure codes, their rows in the structure table, one dot product per (point, structure)
        if fill is None:
            assert fill_rows is not None
            used_v, v_of = _used_log_slots(fill_rows[0]).astype(np.int64), fill_rows[1]
        else:
            used_v, v_of = _used_log_slots(fill).astype(np.int64), np.arange(len(fill), dtype=np.int64)
        per_code, inv_code, codes = fastplace.structure_codes(cts_np, stc_np, to_numpy(log_full), to_numpy(sparse),
                                                              used_v, v_of, _N_CODES)
        table = _table(base)
        used_cols, remap = table.used(table.rows(codes))
        keys = [(_BOOT_OPS[j // _MAX_OFF], j % _MAX_OFF) for j in used_cols.tolist()]
        lat_g, g_of = _group_latencies(prof, k, to_numpy(top), keys)
        live_v, live_row = live if isinstance(live, tuple) else (live, np.arange(len(live), dtype=np.int64))
        return BootPlan(fastplace.boot_costs(lat_g, g_of, table.ptr, table.entry_columns(used_cols, remap), table.vals,
                                             per_code, inv_code, table.lookup, live_v, live_row, to_numpy(ret) < 1,
                                             prof.boot_scale),
                        depth, ret)
    if isinstance(live, tuple):  # rows per variant: gathered per point for the array versions
        live = live[0][live[1]]
    if fill is None or isinstance(fill, np.ndarray):  # numpy: per-layer codes only for sparse-slot points
        codes, inv, per_point = _codes_numpy(cts_np, stc_np, to_numpy(log_full), to_numpy(sparse), fill, fill_rows)
    else:
        fill = xp.where(xp.isfinite(fill), fill, xp.zeros_like(fill) + 2.0**40)  # unknown shape: full
        used = xp.ceil(xp.log2(xp.maximum(fill, xp.ones_like(fill))))
        full_row = log_full[:, None] + xp.zeros_like(fill)
        log_used = xp.where(sparse[:, None], xp.minimum(full_row, used), full_row)
        lu_np = to_numpy(log_used).astype(int)
        # distinct (CtS levels, StC levels, log2 slots) structures in the batch, as count vectors
        lf_np = to_numpy(log_full).astype(int)[:, None]
        code = _encode(cts_np[:, None], stc_np[:, None], lu_np, lf_np).reshape(-1)
        codes, inv = np.unique(code, return_inverse=True)
        inv, per_point = inv.reshape(lu_np.shape), None
    parts = [_count_sparse(int(c), base) for c in codes.tolist()]
    used_cols, counts = _counts(parts)  # (combos, used ops x offsets): sparse rows, made dense on demand
    keys = [(_BOOT_OPS[j // _MAX_OFF], j % _MAX_OFF) for j in used_cols.tolist()]
    # per-op latency at each (op, level offset) once for the batch: (P, keys)
    if per_point is not None:  # numpy: per group of equal (N, top, digit size), then the pairs in use
        return BootPlan(_numpy_costs(prof, k, to_numpy(top), keys, counts, codes, inv, per_point, live), depth, ret)
    one = xp.ones_like(top)
    lat = xp.stack([op_latency(prof, op, k["N"], xp.maximum(top - off, one), top_limbs=top, dnum=k["dnum"])
                    for op, off in keys], axis=1)
    per_combo = prof.boot_scale * (lat @ constant(xp, counts.dense.T, like=top))  # (P, combos)
    idx = constant(xp, inv.astype(np.int64), like=top, dtype=xp.int64)
    per_ct = xp.take_along_axis(per_combo, idx, axis=1)
    return BootPlan(per_ct * live, depth, ret)


def _numpy_costs(prof: Profile, k: dict[str, Any], top: np.ndarray, keys: list[tuple[str, int]], counts: Any,
                 codes: np.ndarray, inv: np.ndarray, per_point: np.ndarray, live: np.ndarray) -> np.ndarray:
    """(P, layers) bootstrap seconds: per-op latencies once per (N, top, digit size) group, then each
    (point, structure) in use priced by a key-ordered dot product."""
    lat_g, g_of = _group_latencies(prof, k, top, keys)
    lat, counts = lat_g[g_of], counts.dense
    sp = np.flatnonzero(per_point < 0)
    full = np.flatnonzero(per_point >= 0)
    cost = np.empty(live.shape)
    cost[full] = (prof.boot_scale * _dot(lat, counts, full, per_point[full]))[:, None] * live[full]
    if sp.size:
        pair = sp[:, None] * len(codes) + inv[sp]
        uniq, back = np.unique(pair, return_inverse=True)
        per = prof.boot_scale * _dot(lat, counts, uniq // len(codes), uniq % len(codes))
        cost[sp] = per[back.reshape(pair.shape)] * live[sp]
    return cost


def _group_latencies(prof: Profile, k: dict[str, Any], top: np.ndarray,
                     keys: list[tuple[str, int]]) -> tuple[np.ndarray, np.ndarray]:
    """``(lat_g (groups, keys) seconds of each (op, level offset), group of each point)`` for the
    groups of points sharing (N, top, digit size), read from a per-profile memo (:func:`_latency_rows`)."""
    n, dnum = to_numpy(k["N"]), to_numpy(k["dnum"])
    alpha = keyswitch_geometry(top, top, dnum, prof.keyswitch)[0] + 0.0 * top
    first, g_of = group_index((np.log2(n).astype(np.int64) * 64 + top.astype(np.int64)) * 64
                              + alpha.astype(np.int64))
    cols = np.array([_BOOT_OPS.index(op) * _MAX_OFF + off for op, off in keys], np.int64)
    return _latency_rows(prof, n[first], top[first], dnum[first], alpha[first], cols), g_of


# per profile: seconds of each (op, level offset) per (N, top, digit size) group, 4096 groups at most
_LATENCY_ROWS = ProfileMemos(row_limit=4096)


def _latency_rows(prof: Profile, n: np.ndarray, top: np.ndarray, dnum: np.ndarray, alpha: np.ndarray,
                  cols: np.ndarray) -> np.ndarray:
    """Columns ``cols`` (op x level offset) of the per-op seconds of the groups ``(n, top, alpha)``
    (distinct), from a per-profile memo: every (op, offset) column of a group is computed once.
    ``op_latency`` reads ``dnum`` only through the digit size (:func:`.opcost.keyswitch_geometry`),
    so a group's first point's ``dnum`` stands for it."""
    memo = _LATENCY_ROWS.get(profile_key(prof), len(_BOOT_OPS) * _MAX_OFF)

    def compute(new: np.ndarray) -> np.ndarray:
        offs = np.arange(_MAX_OFF, dtype=np.float64)[None, :]
        top2 = top[new][:, None] + 0.0 * offs
        out = np.empty((len(new), len(_BOOT_OPS) * _MAX_OFF))
        for j, op in enumerate(_BOOT_OPS):
            out[:, j * _MAX_OFF:(j + 1) * _MAX_OFF] = op_latency(
                prof, op, n[new][:, None] + 0.0 * offs, np.maximum(top2 - offs, np.ones_like(top2)),
                top_limbs=top2, dnum=dnum[new][:, None] + 0.0 * offs)
        return out

    code = (np.log2(n).astype(np.int64) << 40) + (top.astype(np.int64) << 20) + alpha.astype(np.int64)
    idx = memo.rows(code, compute)
    return memo.table[idx[:, None], cols[None, :]]


def _dot(lat: np.ndarray, counts: np.ndarray, rows: np.ndarray, combos: np.ndarray) -> np.ndarray:
    """``sum_j lat[rows, j] * counts[combos, j]`` accumulated in key order (batch-independent)."""
    out = np.zeros(len(rows))
    for j in range(counts.shape[1]):
        out = out + lat[rows, j] * counts[combos, j]
    return out


def _used_log_slots(fill: np.ndarray) -> np.ndarray:
    """ceil(log2 slots) a layer's data fills (at least 1 slot; an unknown shape counts as full)."""
    rows = np.where(np.isfinite(fill), fill, 2.0**40)
    return np.ceil(np.log2(np.maximum(rows, 1.0)))


def _codes_numpy(cts: np.ndarray, stc: np.ndarray, log_full: np.ndarray, sparse: np.ndarray,
                 fill: np.ndarray | None,
                 fill_rows: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct structure codes (sorted), ``inv`` (P, layers) combo index of sparse-slot points
    (-1 on other rows) and ``per_point`` (P,) combo index of full-slot points (-1 on sparse rows).
    ``fill`` (P, layers), or ``None`` and ``fill_rows`` = (per-variant fill, variant per point)."""
    lf_all = log_full.astype(int)
    full_code = _encode(cts, stc, lf_all, lf_all)
    sp = np.flatnonzero(sparse)
    if fill is None:
        assert fill_rows is not None
        fill_v, vidx = fill_rows
        used = _used_log_slots(fill_v)[vidx[sp]]
        shape = (len(sparse), fill_v.shape[1])
    else:
        used = _used_log_slots(fill[sp])
        shape = fill.shape
    lf = log_full[sp].astype(int)[:, None]
    lu = np.minimum(log_full[sp][:, None], used).astype(int)
    sp_code = _encode(cts[sp][:, None], stc[sp][:, None], lu, lf)
    present = np.zeros(int(max(full_code.max(initial=0), sp_code.max(initial=0))) + 1, bool)
    present[full_code[~sparse]] = True
    present[sp_code.ravel()] = True
    codes = np.flatnonzero(present)
    remap = np.cumsum(present) - 1
    inv = np.full(shape, -1, np.int64)
    inv[sp] = remap[sp_code]
    per_point = np.where(sparse, -1, remap[full_code])
    return codes, inv, per_point
