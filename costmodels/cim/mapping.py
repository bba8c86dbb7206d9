"""How a workload's weight layers become matrix-vector products on crossbars (compiled once).

Every weight layer is lowered to one or more *parts*, each ``G`` independent weight matrices of
``K`` rows (inputs) by ``N`` columns (outputs), multiplied by ``V`` input vectors per inference:

=================  =========================================  ==================================
layer              matrix (rows K x columns N)                 vectors V, groups G
=================  =========================================  ==================================
Conv2d             ``k_h k_w C_in/groups`` x ``C_out/groups``  ``H_out W_out``, ``groups``
Linear, GraphConv  ``in_features`` x ``out_features``          rows of the input, 1
Recurrent          ``input + recurrent`` x ``gates hidden``    ``steps`` (weights shared), 1
MatMul weights=b   ``K`` x ``N`` of the weight operand         ``batch M`` (``M`` per group if the
                                                               weight has batch dims: G = batch)
MatMul weights=a   ``K`` x ``M`` (the transposed weight)       ``batch N``
Attention          expanded: Q/K/V/O projections as Linear     (scores and A·V are not mapped)
=================  =========================================  ==================================

Products with no trained operand (attention scores, A·V) cannot live in a programmed crossbar;
their MACs are reported as ``unmapped_macs`` ([NeuroSim21], conv lowered to GEMM
with ``K_in = k_h k_w C_in``).

:func:`pruned_shape` gives the rows/columns a structurally pruned weight matrix still occupies
("unused path removal" of the pruned-quantised memristor framework, [TinyAccurate20]).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["MappedParts", "compile_workload", "pruned_shape"]


@dataclass(frozen=True)
class MappedParts:
    """Per-part arrays (P,) plus the (P, L) part-to-row matrix; rows are the mapped layers."""

    groups: np.ndarray
    vectors: np.ndarray
    k: np.ndarray
    n: np.ndarray
    in_elems: np.ndarray
    out_elems: np.ndarray
    part_to_row: np.ndarray
    row_names: tuple[str, ...]
    row_kinds: tuple[str, ...]
    unmapped_macs: float


def _layer_parts(layer: Any) -> tuple[list[tuple[int, int, int, int]], int]:
    """(parts, unmapped MACs) of one primitive layer; a part is (G, V, K, N)."""
    kind = layer.kind
    if kind == "matmul":
        g = layer.gemm()
        if layer.weights == "none":
            return [], layer.macs
        w_shape = layer.in_shapes[1] if layer.weights == "b" else layer.in_shapes[0]
        own = len(w_shape) > 2  # the weight carries batch dims: one matrix per batch element
        groups = g.batch if own else 1
        if layer.weights == "b":
            return [(groups, g.m * (1 if own else g.batch), g.k, g.n)], 0
        return [(groups, g.n * (1 if own else g.batch), g.k, g.m)], 0
    gemms = layer.gemms()
    if not gemms:
        return [], 0
    if layer.params <= 0:
        return [], sum(g.macs for g in gemms)
    if kind == "conv2d":
        return [(g.batch, g.m, g.k, g.n) for g in gemms], 0
    return [(1, g.batch * g.m, g.k, g.n) for g in gemms], 0


def compile_workload(workload: Any) -> MappedParts:
    """Lower every weight layer of ``workload`` (memoised on the workload)."""
    return workload.memo("cim.mapping", lambda: _compile(workload))


def _compile(workload: Any) -> MappedParts:
    rows: list[tuple[str, str]] = []
    parts: list[tuple[int, int, int, int, int, int, int]] = []
    unmapped = 0
    layers: list[Any] = []
    for layer in workload.layers:
        layers.extend(layer.expand() if hasattr(layer, "expand") else (layer,))
    for layer in layers:
        lp, lost = _layer_parts(layer)
        unmapped += lost
        if not lp:
            continue
        row = len(rows)
        rows.append((layer.name, layer.kind))
        in_elems = int(np.prod(layer.in_shape))
        out_elems = int(np.prod(layer.out_shape))
        for i, (g, v, k, n) in enumerate(lp):
            # activations move through the buffer once per layer (attributed to its first part)
            parts.append((row, g, v, k, n, in_elems if i == 0 else 0, out_elems if i == 0 else 0))
    if not parts:
        from dse.errors import DseInputError

        raise DseInputError(f"workload {workload.name}", "no weight layers",
                            "a network with at least one Conv2d/Linear/weight MatMul layer")
    arr = np.asarray(parts, dtype=np.float64)
    a = np.zeros((len(parts), len(rows)))
    a[np.arange(len(parts)), arr[:, 0].astype(int)] = 1.0
    return MappedParts(groups=arr[:, 1], vectors=arr[:, 2], k=arr[:, 3], n=arr[:, 4],
                       in_elems=arr[:, 5], out_elems=arr[:, 6], part_to_row=a,
                       row_names=tuple(r[0] for r in rows), row_kinds=tuple(r[1] for r in rows),
                       unmapped_macs=float(unmapped))


def pruned_shape(weight: np.ndarray, *, atol: float = 0.0) -> tuple[int, int]:
    """(rows, columns) a K x N weight matrix occupies after removing all-zero rows and columns.

    ``weight`` is (K, N) (inputs x outputs) or a conv kernel (C_out, C_in, k_h, k_w), which is
    lowered to (C_in k_h k_w, C_out) first.
    """
    w = np.asarray(weight)
    if w.ndim == 4:
        w = w.reshape(w.shape[0], -1).T
    if w.ndim != 2:
        from dse.errors import DseInputError

        raise DseInputError("weight", w.shape, "a (K, N) matrix or a (C_out, C_in, k_h, k_w) kernel")
    live = np.abs(w) > atol
    return int(live.any(axis=1).sum()), int(live.any(axis=0).sum())
