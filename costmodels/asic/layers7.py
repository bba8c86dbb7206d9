"""Workload layers as 7-deep loop nests (:class:`~.mapping.Layer7`) for the ``asic`` model.

* ``conv2d``: ``B=1, K=out/groups, C=in/groups, OY, OX, FY, FX`` with stride and dilation;
  depthwise (``groups == C == out``) is ``K = channels, C = 1`` with the input indexed by ``K``;
  other grouped convolutions run their ``groups`` copies one after another (``repeat``).
* every other matrix product (linear, matmul, attention, recurrent...) of
  :meth:`~workloads.ir.Layer.gemms`: ``(M x K) @ (K x N)`` is ``OX = M, C = K, K = N``,
  ``repeat = batch``.
Elementwise layers do not run on the array (as in ``asic-systolic``).
"""

from __future__ import annotations

from typing import Any

from dse.errors import DseInputError

from .mapping import Layer7

__all__ = ["to_layers7"]


def to_layers7(workload: Any) -> list[Layer7]:
    out: list[Layer7] = []
    for layer in workload.layers:
        if layer.kind == "conv2d":
            c, _, _ = layer.in_shape
            k, oy, ox = layer.out_shape
            fy, fx = layer.kernel
            if layer.is_depthwise:
                out.append(Layer7(layer.name, (1, k, 1, oy, ox, fy, fx), tuple(layer.stride),
                                  tuple(layer.dilation), True, 1, "conv2d"))
            else:
                g = layer.groups
                out.append(Layer7(layer.name, (1, k // g, c // g, oy, ox, fy, fx), tuple(layer.stride),
                                  tuple(layer.dilation), False, g, "conv2d"))
            continue
        gemms = layer.gemms()
        for i, gm in enumerate(gemms):
            name = layer.name if len(gemms) == 1 else f"{layer.name}.{i}"
            out.append(Layer7(name, (1, int(gm.n), int(gm.k), 1, int(gm.m), 1, 1), repeat=int(gm.batch), kind=layer.kind))
    if not out:
        raise DseInputError(f"workload {workload.name}", "no conv/linear/matmul layers",
                            "a network with at least one matrix product for the PE array")
    return out
