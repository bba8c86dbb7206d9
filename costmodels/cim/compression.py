"""How the ``cim`` crossbar model reads a workload's per-layer compression (:mod:`workloads.compression`).

Per mapped part (a ``K x N`` weight matrix, rows = inputs, columns = outputs, :mod:`.mapping`):

* ``filter`` pruning removes whole output filters/features: columns ``N' = ceil(N d)``;
  ``channel`` pruning removes whole input channels/features: rows ``K' = ceil(K d)`` (a conv's
  ``k_h k_w`` rows of each removed channel go with it). The removed rows/columns are not mapped at
  all ("unused path removal" [TinyAccurate20]; structured pruning for crossbars [Wen16]); these
  factors multiply the design's own ``row_keep`` / ``col_keep`` knobs.
* ``unstructured`` / ``block`` / ``pattern`` zeros stay in the array as high-resistance cells: a
  crossbar computes all of its rows and columns in one read, so they save neither cells, ADC
  conversions nor time (not modelled: the lower read current of an off cell).
* ``weight_bits`` replaces the design's ``weight_bits`` for the layer (``ceil(W/D)`` cells per
  weight magnitude: fewer bits, fewer cells and columns); ``act_bits`` replaces ``input_bits``
  (``ceil(A/dac_bits)`` bit-serial input steps and the buffer traffic) [NeuroSim21].
  The network-level ``weight_sigma`` stays the design's (a per-layer figure has no total).
* block-circulant weights are not read (a crossbar stores the dense matrix).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from workloads.compression import compression_of

__all__ = ["PartCompression", "part_compression"]


@dataclass(frozen=True)
class PartCompression:
    """Per-part arrays (P,): kept row/column fractions, layer bits and whether they are set (0/1)."""

    row_keep: np.ndarray
    col_keep: np.ndarray
    weight_bits: np.ndarray
    has_weight_bits: np.ndarray
    act_bits: np.ndarray
    has_act_bits: np.ndarray


def _compile(workload: Any, row_names: tuple[str, ...], part_to_row: np.ndarray) -> PartCompression:
    layers: dict[str, Any] = {}
    for layer in workload.layers:
        for sub in (layer.expand() if hasattr(layer, "expand") else (layer,)):
            layers[sub.name] = sub
    per_row = []
    for name in row_names:
        c = compression_of(layers.get(name))
        rk = c.density if c.is_sparse and c.structure == "channel" else 1.0
        ck = c.density if c.is_sparse and c.structure == "filter" else 1.0
        per_row.append((rk, ck, c.weight_bits or 0, c.weight_bits is not None, c.act_bits or 0, c.act_bits is not None))
    rows = np.asarray(per_row, dtype=np.float64).reshape(len(row_names), 6)
    parts = part_to_row @ rows  # each part takes its layer's values (one 1 per part row)
    return PartCompression(*(parts[:, i] for i in range(6)))


def part_compression(workload: Any, mp: Any) -> PartCompression:
    """The per-part compression arrays of ``workload`` compiled to ``mp`` (memoised)."""
    return workload.memo("cim.compression", lambda: _compile(workload, mp.row_names, mp.part_to_row))
