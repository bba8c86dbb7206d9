"""How a workload becomes the GEMMs a systolic array runs (the SCALE-Sim view of a layer).

Every layer with matrix products (``conv2d``, ``linear``, ``matmul``, ``graphconv``, ``recurrent``,
the products inside ``attention``) becomes one row per :class:`~workloads.ir.Gemm`
``(batch, M, K, N)``:

* ``M`` = output pixels (SCALE-Sim ``ofmap_px_per_filt``; for GEMM topologies the ``M`` column),
* ``K`` = convolution window ``kh*kw*C_in/groups`` (SCALE-Sim ``conv_window_size``),
* ``N`` = filters per group (SCALE-Sim ``num_filters``),
* ``batch`` = independent products run one after another: conv groups (SCALE-Sim's depthwise
  ``DP`` mode runs one layer per channel, which is exactly this), attention heads, LSTM steps.

Elementwise layers (activation, pooling, norm, add...) do not run on the PE array; they are
assumed fused into the output path (SCALE-Sim ignores them too) and produce no row.

The arrays are built once per workload and memoised (``workload.memo``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dse.errors import DseInputError

__all__ = ["GemmTable", "lower"]


@dataclass(frozen=True)
class GemmTable:
    """Per-GEMM-row constants as float64 arrays of shape ``(L,)``."""

    names: tuple[str, ...]
    kinds: tuple[str, ...]
    batch: np.ndarray
    m: np.ndarray
    k: np.ndarray
    n: np.ndarray
    ifmap_elems: np.ndarray  # unique input elements of one product (DRAM footprint)
    weight_elems: np.ndarray  # K*N of one product
    out_elems: np.ndarray  # M*N of one product

    @property
    def macs(self) -> np.ndarray:
        return self.batch * self.m * self.k * self.n

    def __len__(self) -> int:
        return len(self.names)


def _ifmap_elems(layer, g) -> int:
    """Unique input elements one product reads from DRAM (not the im2col-duplicated stream)."""
    if layer.kind == "conv2d":
        c, h, w = layer.in_shape
        return (c // layer.groups) * h * w
    return g.m * g.k


def lower(workload) -> GemmTable:
    """The workload's GEMM rows (memoised per workload)."""
    return workload.memo("asic.gemm_table", lambda: _build(workload))


def _build(workload) -> GemmTable:
    names, kinds, rows = [], [], []
    for layer in workload.layers:
        gemms = layer.gemms()
        for i, g in enumerate(gemms):
            names.append(layer.name if len(gemms) == 1 else f"{layer.name}.{i}")
            kinds.append(layer.kind)
            rows.append((g.batch, g.m, g.k, g.n, _ifmap_elems(layer, g)))
    if not rows:
        raise DseInputError(f"workload {workload.name}", "no conv/linear/matmul layers",
                            "a network with at least one matrix product for a systolic array")
    a = np.asarray(rows, dtype=np.float64)
    return GemmTable(tuple(names), tuple(kinds), a[:, 0], a[:, 1], a[:, 2], a[:, 3], a[:, 4],
                     a[:, 2] * a[:, 3], a[:, 1] * a[:, 3])
