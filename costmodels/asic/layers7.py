"""Workload layers as 7-deep loop nests (:class:`~.mapping.Layer7`) for the ``asic`` model.

* ``conv2d``: ``B=1, K=out/groups, C=in/groups, OY, OX, FY, FX`` with stride and dilation;
  depthwise (``groups == C == out``) is ``K = channels, C = 1`` with the input indexed by ``K``;
  other grouped convolutions run their ``groups`` copies one after another (``repeat``).
* every other matrix product (linear, matmul, attention, recurrent...) of
  :meth:`~workloads.ir.Layer.gemms`: ``(M x K) @ (K x N)`` is ``OX = M, C = K, K = N``,
  ``repeat = batch``.
Elementwise layers do not run on the array (as in ``asic-systolic``).

:func:`im2col` is the other lowering of a convolution (the ``asic`` model's ``lowering=im2col``):
the GEMM SCALE-Sim and ``asic-systolic`` see, ``M = B*OY*OX`` (``OX``), ``K = C*FY*FX`` (``C``),
``N = K`` (``K``); a depthwise layer becomes ``K`` one-filter GEMMs (``repeat``), as SCALE-Sim's
``DP`` mode. The flattened reduction and the flattened output pixels can then be folded onto one
array axis, which the 7-loop view cannot express. Its memory traffic is that of the im2col
matrix: every input pixel is a distinct element per window that reads it (up to
``FY*FX/(stride_y*stride_x)`` copies), so halo / sliding-window reuse is lost at every level and
input reads, fills and DRAM traffic are those of the unrolled matrix (SCALE-Sim's ifmap demand
count), not of the feature map.
"""

from __future__ import annotations

from typing import Any

from dse.errors import DseInputError

from .mapping import Layer7

__all__ = ["LOWERINGS", "im2col", "to_layers7"]

#: conv lowerings of the ``asic`` model: the 7-loop nest, or the im2col GEMM
LOWERINGS = ("loopnest", "im2col")


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


def im2col(layer: Layer7) -> Layer7:
    """``layer`` as the GEMM its im2col lowering runs (a GEMM-shaped layer is returned unchanged)."""
    b, k, c, oy, ox, fy, fx = layer.dims
    if layer.depthwise:
        dims, rep = (1, 1, fy * fx, 1, b * oy * ox, 1, 1), layer.repeat * k
    else:
        dims, rep = (1, k, c * fy * fx, 1, b * oy * ox, 1, 1), layer.repeat
    if dims == layer.dims and rep == layer.repeat and layer.stride == (1, 1) and layer.dilation == (1, 1):
        return layer
    return Layer7(layer.name, dims, repeat=rep, kind=layer.kind)
