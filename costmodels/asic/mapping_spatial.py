"""Spatial unrolling candidates of the ``asic`` mapping search (see :mod:`.mapping_search`):
generation (one loop per array dimension, optional row-stationary pairs), the ``spatial_top``
heuristic, and the exact symmetry pruning of interchangeable array dimensions."""

from __future__ import annotations

import itertools

import numpy as np

from .arch import Arch
from .mapping import DIMS, Layer7, evaluate_mappings

__all__ = ["drop_symmetric", "spatial_candidates", "symmetric_axes", "top_spatial"]


def _fits(bound: int, cap: int) -> list[int]:
    """``min(cap, bound)`` and, when different, the largest divisor of ``bound`` below it (> 1)."""
    f = min(cap, bound)
    div = max(x for x in range(1, f + 1) if bound % x == 0)
    return [f] + ([div] if div != f and div > 1 else [])


def spatial_candidates(layer: Layer7, sizes: tuple[int, ...], pairs: bool = False) -> np.ndarray:
    """(S, A, 7) spatial factor arrays (see the module docstring). ``pairs`` adds, per array
    dimension, row-stationary unrollings (Chen et al., ISCA 2016): a whole filter row or column
    (``FY`` or ``FX``, bound <= the dimension) times one other loop by the factors that fill the
    rest of the dimension (e.g. Eyeriss's ``FY3 x K4`` on 12 rows)."""
    dims = layer.dims
    per_axis = []
    for size in sizes:
        opts: list[tuple[tuple[int, int], ...]] = [()]
        for d in range(7):
            if dims[d] > 1:
                opts += [((d, f),) for f in _fits(dims[d], size)]
        if pairs:
            for d1 in (DIMS.index("FY"), DIMS.index("FX")):
                if not 1 < dims[d1] <= size // 2:
                    continue
                for d2 in range(7):
                    if d2 != d1 and dims[d2] > 1:
                        opts += [((d1, dims[d1]), (d2, f)) for f in _fits(dims[d2], size // dims[d1]) if f > 1]
        per_axis.append(opts)
    out = []
    for combo in itertools.product(*per_axis):
        used = [d for c in combo for d, _ in c]
        if len(used) != len(set(used)):
            continue
        arr = np.ones((len(sizes), 7))
        for a, c in enumerate(combo):
            for d, f in c:
                arr[a, d] = f
        out.append(arr)
    return np.asarray(out)


def top_spatial(layer: Layer7, arch: Arch, spats: np.ndarray, keep: int) -> np.ndarray:
    """The ``keep`` unrollings with the fewest ideal compute cycles ``prod ceil(D / spatial)``
    among those whose smallest tiles fit every memory (stable order; ZigZag likewise keeps its
    few best-utilised spatial mappings)."""
    if keep <= 0 or len(spats) <= keep:
        return spats
    pad = np.zeros((len(spats), 1), dtype=np.int64)  # one factor-1 loop: the smallest tiles
    fits = evaluate_mappings(layer, arch, spats, pad, np.ones((len(spats), 1)))["feasible"]
    dims = np.asarray(layer.dims, dtype=np.float64)
    cyc = np.ceil(dims[None, :] / spats.prod(axis=1)).prod(axis=1)
    cyc = np.where(fits, cyc, np.inf)
    return spats[np.sort(np.argsort(cyc, kind="stable")[:keep])]


def symmetric_axes(arch: Arch) -> list[tuple[int, int]]:
    """Pairs of array dimensions whose swap leaves the architecture unchanged: equal sizes and
    every memory either spans both or neither (instances, multicast and reduction are then the
    same for an unrolling and its swapped image; a systolic array's fill/drain depends on the
    sizes only)."""
    out = []
    for a in range(len(arch.sizes)):
        for b in range(a + 1, len(arch.sizes)):
            if arch.sizes[a] == arch.sizes[b] and all((a in m.served_dims) == (b in m.served_dims)
                                                      for m in arch.memories):
                out.append((a, b))
    return out


def drop_symmetric(arch: Arch, spats: np.ndarray) -> np.ndarray:
    """``spats`` without the unrollings whose image under a symmetric swap came earlier (the
    first of each pair has the lower index, so the exhaustive tie-break is unchanged)."""
    pairs = symmetric_axes(arch)
    if not pairs or len(spats) < 2:
        return spats
    seen: set[bytes] = set()
    keep = []
    for i, s in enumerate(spats):
        images = [s]
        for a, b in pairs:
            images += [x[[b if k == a else a if k == b else k for k in range(len(x))]] for x in images]
        if any(x.tobytes() in seen for x in images[1:]):
            continue
        seen.add(s.tobytes())
        keep.append(i)
    return spats[keep]
