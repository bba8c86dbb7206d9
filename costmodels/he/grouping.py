"""Group index of integer keys by a lookup table, a memo of per-group table rows and a bounded set
of such memos per profile (shared by the model, the placement, the bootstrap plan and the compiled
kernels)."""

from __future__ import annotations

from typing import Any

import numpy as np

from dse.accel import KernelGate, jit

__all__ = ["ProfileMemos", "RowMemo", "group_index", "profile_key"]


def group_index(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(first, inverse)`` of the distinct values of a non-negative integer ``key`` (P,), in
    ascending key order: ``first[g]`` is the first point of group g, ``inverse[p]`` its group.
    Same result as ``np.unique(key, return_index=True, return_inverse=True)[1:]``, by a lookup
    table (compiled when numba is installed: three passes instead of six array operations)."""
    key = np.asarray(key, dtype=np.int64)
    if key.size == 0 or key.max() >= 4 * key.size + 4096:  # sparse keys: sorting beats a lookup table
        _, first, inv = np.unique(key, return_index=True, return_inverse=True)
        return first, inv.reshape(-1)
    if _GATE.available():
        return _group_kernel(key, int(key.max()) + 1)
    present = np.zeros(int(key.max()) + 1, dtype=bool)
    present[key] = True
    remap = np.cumsum(present) - 1
    inv = remap[key]
    first = np.empty(int(remap[-1]) + 1, dtype=np.int64)
    first[inv[::-1]] = np.arange(key.size - 1, -1, -1)
    return first, inv


@jit
def _group_kernel(key: Any, size: int) -> tuple[Any, Any]:
    rank = np.zeros(size, dtype=np.int64)
    for p in range(key.shape[0]):
        rank[key[p]] = 1
    n = 0
    for v in range(size):
        if rank[v]:
            rank[v] = n
            n += 1
    first = np.full(n, -1, dtype=np.int64)
    inv = np.empty(key.shape[0], dtype=np.int64)
    for p in range(key.shape[0]):
        g = rank[key[p]]
        inv[p] = g
        if first[g] < 0:
            first[g] = p
    return first, inv


def _selftest() -> None:
    first, inv = _group_kernel(np.array([3, 1, 3], np.int64), 4)
    assert first.tolist() == [1, 0] and inv.tolist() == [1, 0, 1]


_GATE = KernelGate("the compiled group index", _selftest)


class RowMemo:
    """Table rows keyed by distinct int64 codes, each computed once and read by every later batch
    (per-op latencies per point group: they depend only on a few knobs that repeat across batches).
    At most ``limit`` rows are kept; past it the memo restarts with the current batch's rows."""

    def __init__(self, width: int, limit: int = 4096):
        self.limit = limit
        self.codes = np.zeros(0, np.int64)  # codes met so far, ascending
        self.code_row = np.zeros(0, np.int64)  # their rows of ``table``
        self.table = np.empty((0, width))

    def rows(self, code: np.ndarray, compute: Any) -> np.ndarray:
        """Row of ``table`` for each code (distinct); ``compute(positions)`` returns the rows of the
        codes ``code[positions]`` not met yet."""
        pos = np.searchsorted(self.codes, code)
        known = len(self.codes) > 0
        new = np.flatnonzero(self.codes[np.minimum(pos, len(self.codes) - 1)] != code) if known else np.arange(len(code))
        if len(new):
            if len(self.codes) + len(new) > self.limit:
                self.codes, self.code_row, self.table = self.codes[:0], self.code_row[:0], self.table[:0]
                new = np.arange(len(code))
            self.code_row = np.concatenate([self.code_row, len(self.table) + np.arange(len(new))])
            self.table = np.concatenate([self.table, compute(new)])
            codes = np.concatenate([self.codes, code[new]])
            order = np.argsort(codes, kind="stable")
            self.codes, self.code_row = codes[order], self.code_row[order]
            pos = np.searchsorted(self.codes, code)
        return self.code_row[pos]


class ProfileMemos:
    """A :class:`RowMemo` of per-op latency rows (seconds) per key -- a :func:`profile_key`, extended
    by whatever else fixes the row layout -- kept across batches. Each memo holds at most
    ``row_limit`` rows (point groups); at most ``max_keys`` memos are held: a key met when
    ``max_keys`` are held drops them all first (they restart empty; the rows are recomputed equal)."""

    def __init__(self, row_limit: int = 4096, max_keys: int = 64):
        self.row_limit = row_limit
        self.max_keys = max_keys
        self._memos: dict[tuple[Any, ...], RowMemo] = {}

    def __len__(self) -> int:
        return len(self._memos)

    def get(self, key: tuple[Any, ...], width: int) -> RowMemo:
        """The memo of ``key`` (created with rows of ``width`` columns when new; ``key`` must fix
        ``width``)."""
        memo = self._memos.get(key)
        if memo is None:
            if len(self._memos) >= self.max_keys:
                self._memos.clear()
            memo = self._memos[key] = RowMemo(width, self.row_limit)
        return memo


def profile_key(prof: Any) -> tuple[Any, ...]:
    """Everything :func:`.opcost.op_latency` reads of a profile (its bootstrap structure excluded)."""
    return (prof.name, prof.keyswitch, prof.hoisting, tuple(sorted((op, tuple(v)) for op, v in prof.coeffs.items())))
