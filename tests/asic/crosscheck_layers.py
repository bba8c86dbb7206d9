"""The layers, arrays and dataflows of the SCALE-Sim 3.0.0 cross-check (goldens + live runs).

Twelve layers of different shapes: convolutions (3x3, 1x1, 7x7, strided, padded), a depthwise
convolution (SCALE-Sim's ``DP`` mode: one 1-channel layer per channel), a grouped convolution and
batched products (one GEMM per group / head / step), and linear / GEMM layers (M = 1 classifier,
odd prime sizes). Each runs on three array shapes for the three dataflows.
"""

from __future__ import annotations

from workloads import Workload
from workloads.ir import Conv2d, Linear, MatMul, Recurrent

ARRAYS = ((32, 32), (8, 16), (16, 4))
DATAFLOWS = ("os", "ws", "is")


def _conv(name, c, h, w, out, k, stride=1, pad=0, groups=1):
    return Conv2d(name=name, in_shapes=((c, h, w),), out_channels=out, kernel=(k, k),
                  stride=(stride, stride), padding=(pad, pad), groups=groups)


LAYERS = (
    _conv("stem3x3", 3, 32, 32, 16, 3, pad=1),
    _conv("conv3x3_64", 64, 14, 14, 64, 3, pad=1),
    _conv("pointwise", 128, 8, 8, 256, 1),
    _conv("conv3x3_s2", 32, 15, 15, 48, 3, stride=2),
    _conv("conv7x7_s2", 3, 22, 22, 32, 7, stride=2, pad=3),
    _conv("depthwise3x3", 8, 16, 16, 8, 3, pad=1, groups=8),
    _conv("grouped_g4", 32, 12, 12, 32, 3, pad=1, groups=4),
    Linear(name="fc", in_shapes=((512,),), out_features=10),
    Linear(name="qkv", in_shapes=((128, 64),), out_features=192),
    MatMul(name="scores", in_shapes=((4, 64, 16), (4, 16, 64)), inputs=("input", "param:keys"), weights="b"),
    Linear(name="odd", in_shapes=((37, 53),), out_features=29),
    Recurrent(name="lstm", in_shapes=((5, 32),), hidden=64),
)


def single_layer_workload(layer) -> Workload:
    """A one-layer workload around ``layer`` (inputs renamed to ``input``)."""
    return Workload(f"xcheck-{layer.name}", layer.in_shapes[0], (layer,))


def cases():
    """``(layer, rows, cols, dataflow, scalesim_cases)`` for every combination."""
    from costmodels.asic.peer_scalesim import case_from_layer, case_gemms

    out = []
    for layer in LAYERS:
        for rows, cols in ARRAYS:
            for df in DATAFLOWS:
                grouped = layer.kind == "conv2d" and layer.groups > 1 and not layer.is_depthwise
                batched = layer.kind in ("matmul", "recurrent") or grouped
                sc = case_gemms(layer, rows, cols, df) if batched else [case_from_layer(layer, rows, cols, df)]
                out.append((layer, rows, cols, df, sc))
    return out
