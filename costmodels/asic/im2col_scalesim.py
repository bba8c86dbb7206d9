"""``asic`` with ``lowering=im2col`` against SCALE-Sim 3.0.0's recorded cycles, convolutions included.

SCALE-Sim lowers a convolution to a GEMM by im2col (``M`` = output pixels, ``K`` = window
``FY*FX*C``, ``N`` = filters) and folds the flattened ``K`` and ``M`` onto array axes. The ``asic``
model expresses this with :func:`.layers7.im2col` and an ``R x C`` array with one SRAM level whose
``systolic`` flag adds SCALE-Sim's fill/drain per fold (:func:`.mapping._systolic_overhead`); the
os/ws/is dataflow is the fixed mapping of :func:`systolic_mapping`. :func:`recorded_max_error`
prices every case of ``tests/asic/data/scalesim_goldens.json`` (12 layers, 3x3 and strided
convolutions, depthwise ``DP`` layers and GEMMs, on 3 arrays x os/ws/is) this way.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from dse.claims import repo_file

from .arch import Arch, arch_from_dict
from .layers7 import im2col
from .mapping import DIMS, Layer7
from .mapping_search import Mapping, search_layer

__all__ = ["recorded_max_error", "scalesim_arch", "systolic_mapping"]

_K, _C, _OX = DIMS.index("K"), DIMS.index("C"), DIMS.index("OX")


@lru_cache(maxsize=64)
def scalesim_arch(rows: int, cols: int, dataflow: str) -> Arch:
    """An ``rows x cols`` systolic array, one SRAM level (unbounded, wide) over DRAM, 8-bit."""
    big = {"size_bits": 1 << 40, "r_bw": 1 << 20, "operands": ["I", "W", "O"]}
    return arch_from_dict({"array": {"sizes": [rows, cols], "systolic": dataflow},
                           "precision": {"I": 8, "W": 8, "O": 32, "O_final": 8},
                           "memory": [{"name": "sram", **big}, {"name": "dram", "kind": "dram", **big}]}, "scalesim")


def systolic_mapping(layer: Layer7, rows: int, cols: int, dataflow: str) -> Mapping:
    """SCALE-Sim's os/ws/is loop nest of a GEMM-shaped layer ``(M x K) @ (K x N)`` (``OX = M``,
    ``C = K``, ``K = N``): os rows M, columns N, time K; ws rows K, columns N, time M; is rows K,
    columns M, time N; the fold of the array's rows is the inner outer loop."""
    n, kk, m = layer.dims[_K], layer.dims[_C], layer.dims[_OX]

    def ceil(a: int, b: int) -> int:
        return -(-a // b)

    if dataflow == "os":
        sp, inner, outer = ((0, _OX, min(rows, m)), (1, _K, min(cols, n))), (_C, kk), [(_OX, ceil(m, rows)), (_K, ceil(n, cols))]
    elif dataflow == "ws":
        sp, inner, outer = ((0, _C, min(rows, kk)), (1, _K, min(cols, n))), (_OX, m), [(_C, ceil(kk, rows)), (_K, ceil(n, cols))]
    else:
        sp, inner, outer = ((0, _C, min(rows, kk)), (1, _OX, min(cols, m))), (_K, n), [(_C, ceil(kk, rows)), (_OX, ceil(m, cols))]
    return Mapping(sp, tuple(x for x in [inner, *outer] if x[1] > 1))


def case_layer(case: dict[str, Any]) -> Layer7:
    """The loop nest of one recorded SCALE-Sim case (a ``DP`` conv is one 1-channel conv per channel)."""
    L = case["layer"]
    if case["kind"] == "gemm":
        return Layer7(L["name"], (1, L["n"], L["k"], 1, L["m"], 1, 1), kind="gemm")
    s = L["stride"]
    oh = -(-(L["ifmap_h"] - L["filt_h"] + s) // s)  # SCALE-Sim topology_utils output size
    ow = -(-(L["ifmap_w"] - L["filt_w"] + s) // s)
    dp = "DP" in L["name"]
    return Layer7(L["name"], (1, L["filters"], 1 if dp else L["channels"], oh, ow, L["filt_h"], L["filt_w"]), (s, s),
                  repeat=L["channels"] if dp else 1)


def case_cycles(case: dict[str, Any]) -> int:
    """Compute cycles of one SCALE-Sim layer (one ``DP`` channel) by ``asic`` with im2col lowering."""
    layer = im2col(case_layer(case))
    res = search_layer(layer, scalesim_arch(case["rows"], case["cols"], case["dataflow"]), "latency",
                       fixed=systolic_mapping(layer, case["rows"], case["cols"], case["dataflow"]))
    return int(res.metrics["compute_cycles"])


def recorded_max_error(path: str = "tests/asic/data/scalesim_goldens.json") -> tuple[float, int, int]:
    """(max |ours - SCALE-Sim Total Cycles|, cases, of which convolutions) over the recorded runs."""
    worst, n, conv = 0, 0, 0
    for rec in json.loads(repo_file(path).read_text())["records"]:
        for case, res in zip(rec["scalesim_cases"], rec["results"]):
            ours = case_cycles(case)
            for s in res["layers"]:
                worst = max(worst, abs(ours - int(s["total_cycles"])))
            n += 1
            conv += case["kind"] == "conv"
    return float(worst), n, conv
