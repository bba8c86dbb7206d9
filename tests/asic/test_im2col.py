"""``asic`` with ``lowering=im2col``: a convolution priced as the GEMM SCALE-Sim sees."""

from __future__ import annotations

import pytest

from costmodels.asic.arch import arch_from_dict
from costmodels.asic.layers7 import im2col, to_layers7
from costmodels.asic.lowering import lower
from costmodels.asic.mapping import DIMS, Layer7
from costmodels.asic.mapping_search import Mapping, search_layer
from costmodels.asic.model_mapping import MappingModel
from costmodels.asic.systolic import gemm_cycles
from workloads import WorkloadBuilder

B, K, C, OY, OX, FY, FX = range(7)
FAST = {"lpf_limit": 4, "spatial_top": 2}


def _arch(r: int, c: int, dataflow: str):
    big = {"size_bits": 1 << 40, "r_bw": 1 << 20, "operands": ["I", "W", "O"]}
    return arch_from_dict({"array": {"sizes": [r, c], "systolic": dataflow},
                           "precision": {"I": 8, "W": 8, "O": 32, "O_final": 8},
                           "memory": [{"name": "sram", **big}, {"name": "dram", "kind": "dram", **big}]}, "t")


def _os_ws_is(m: int, kk: int, n: int, r: int, c: int, dataflow: str) -> Mapping:
    ceil = lambda a, b: -(-a // b)  # noqa: E731
    if dataflow == "os":  # rows: M, cols: N, time: K; column folds outer
        sp, inner, outer = ((0, OX, min(r, m)), (1, K, min(c, n))), (C, kk), [(OX, ceil(m, r)), (K, ceil(n, c))]
    elif dataflow == "ws":  # rows: K, cols: N, time: M
        sp, inner, outer = ((0, C, min(r, kk)), (1, K, min(c, n))), (OX, m), [(C, ceil(kk, r)), (K, ceil(n, c))]
    else:  # rows: K, cols: M, time: N
        sp, inner, outer = ((0, C, min(r, kk)), (1, OX, min(c, m))), (K, n), [(C, ceil(kk, r)), (OX, ceil(m, c))]
    return Mapping(sp, tuple(x for x in [inner] + outer if x[1] > 1))


# (K, C, OY, OX, FY, FX, stride, depthwise): hand-derived GEMM M = OY*OX, K = C*FY*FX, N = K
CONVS = [(64, 64, 14, 14, 3, 3, 1, False), (48, 32, 7, 7, 3, 3, 2, False), (128, 64, 7, 7, 1, 1, 2, False),
         (32, 3, 11, 11, 7, 7, 2, False), (16, 1, 16, 16, 3, 3, 1, True)]


@pytest.mark.parametrize("conv", CONVS)
@pytest.mark.parametrize("rc", [(32, 32), (8, 16), (16, 4)])
@pytest.mark.parametrize("dataflow", ["os", "ws", "is"])
def test_im2col_conv_compute_cycles_equal_scalesim(conv, rc, dataflow):
    """A 3x3 / strided / 1x1-stride-2 / 7x7 / depthwise conv lowered by im2col on an R x C array with one
    SRAM level and the os/ws/is mapping has exactly ``asic-systolic``'s (SCALE-Sim's) compute cycles."""
    k, c, oy, ox, fy, fx, s, dw = conv
    layer = im2col(Layer7("conv", (1, k, c, oy, ox, fy, fx), (s, s), depthwise=dw))
    m, kk, n = oy * ox, c * fy * fx, (1 if dw else k)
    assert layer.dims == (1, n, kk, 1, m, 1, 1) and layer.repeat == (k if dw else 1)
    res = search_layer(layer, _arch(*rc, dataflow), "latency", fixed=_os_ws_is(m, kk, n, *rc, dataflow))
    assert res.metrics["compute_cycles"] == gemm_cycles(m, kk, n, *rc, dataflow)


def _net():
    b = WorkloadBuilder("mix", (8, 16, 16))
    x = b.conv2d(b.input, 16, 3, padding=1, name="c3")
    x = b.conv2d(x, 16, 3, stride=2, padding=1, groups=16, name="dw")
    x = b.conv2d(x, 32, 1, stride=2, name="ds")
    b.conv2d(x, 32, 3, padding=1, groups=4, name="g4")
    return b.build()


def test_im2col_lowering_is_asic_systolic_gemm_table():
    """Every conv of a network (3x3, depthwise stride 2, 1x1 stride 2, grouped) lowers by im2col to
    exactly the (batch, M, K, N) rows ``asic-systolic`` prices."""
    w = _net()
    got = [(l.repeat, l.dims[OX], l.dims[C], l.dims[K]) for l in map(im2col, to_layers7(w))]
    t = lower(w)
    assert got == [(int(b), int(m), int(k), int(n)) for b, m, k, n in zip(t.batch, t.m, t.k, t.n)]


def test_gemm_layer_unchanged_by_im2col():
    """A GEMM-shaped layer is its own im2col lowering."""
    g = Layer7("fc", (1, 10, 512, 1, 7, 1, 1), repeat=3, kind="linear")
    assert im2col(g) is g


def test_model_im2col_same_macs_more_input_traffic():
    """``lowering=im2col`` keeps the MACs and loses the sliding-window reuse: a 3x3 conv moves more
    DRAM bytes than the loop-nest lowering; the default lowering is unchanged by the new knob."""
    b = WorkloadBuilder("c3", (16, 28, 28))
    b.conv2d(b.input, 32, 3, padding=1, name="c3")
    w = b.build()
    run = lambda **p: MappingModel(**FAST, **p).evaluate(w, {"rows": [0]}).totals  # noqa: E731
    nest, col, default = run(lowering="loopnest"), run(lowering="im2col"), run()
    assert float(col["macs"][0]) == float(nest["macs"][0])
    assert float(col["dram_bytes"][0]) > float(nest["dram_bytes"][0])
    assert float(default["energy_j"][0]) == float(nest["energy_j"][0])


def test_bad_lowering_is_input_error():
    """An unknown lowering is a DseInputError naming the allowed values."""
    from dse.errors import DseInputError

    with pytest.raises(DseInputError, match="im2col"):
        MappingModel(lowering="unroll").evaluate(_net(), {"rows": [0]})


def test_recorded_scalesim_cases_all_match():
    """All 108 recorded SCALE-Sim 3.0.0 cases (54 of them convolutions) are matched to the cycle by
    ``asic`` with im2col lowering and the os/ws/is mapping (the ``asic-im2col-scalesim-cycles`` claim)."""
    from costmodels.asic.im2col_scalesim import recorded_max_error

    assert recorded_max_error() == (0.0, 108, 54)


assert DIMS == ("B", "K", "C", "OY", "OX", "FY", "FX")
