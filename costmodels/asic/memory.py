"""DRAM traffic and SRAM accesses of one GEMM on a systolic array, with on-chip reuse.

Fold order follows SCALE-Sim (``systolic_compute_*``): the column folds are the outer loop, the
row folds the inner loop. ``fr``/``fc`` are the row/column fold counts of :mod:`.systolic`
(OS: ``ceil(M/R)``, ``ceil(N/C)``; WS: ``ceil(K/R)``, ``ceil(N/C)``; IS: ``ceil(K/R)``,
``ceil(M/C)``). Per product (then times ``batch``):

===========  ===================================  =======================================
operand      DRAM traffic                         re-fetch when it does not fit
===========  ===================================  =======================================
ifmap        ``A`` unique elements, once if       ``x fc`` (OS, WS: re-streamed per column
             ``A*bits/8 <= ifmap_sram``           fold); IS keeps it stationary: once
filter       ``K*N`` (x (1-s_w) when skipping,    OS: the ``K x C`` tile per column fold is
             + index bits), once if it fits       re-read per row fold (``x fr``) unless it
                                                  fits; IS: whole matrix per column fold
                                                  (``x fc``); WS: stationary, once
ofmap        ``M*N`` outputs written once         WS/IS accumulate over ``fr`` row folds in the
                                                  ofmap SRAM; if the psum tile (``M x C`` for
                                                  WS, ``C x N`` for IS, at ``psum_bits``) does
                                                  not fit, ``2*fr - 2`` psum transfers spill
===========  ===================================  =======================================

SRAM accesses are the array-side reads/writes SCALE-Sim counts (verified in ``tests/asic``):
ifmap ``M*K_w*(1 if IS else fc)``, filter ``K_w*N*(1 if WS else fr (OS) / fc (IS))``, ofmap
``M*N*(1 if OS else fr)`` (psums at ``psum_bits`` for WS/IS, outputs at ``bits`` for OS).
A word on the array side is 8 bits (``8/bits`` packed values).

:func:`gemm_traffic` is the scalar reference of these rules (plain Python, one GEMM); the
vectorised model (:mod:`.arith`) is tested against it.
"""

from __future__ import annotations

import math

from .systolic import fold_dims

__all__ = ["gemm_traffic"]


def gemm_traffic(m: int, k: int, n: int, *, ifmap_elems: int, rows: int, cols: int, dataflow: str,
                 ifmap_sram: float, filter_sram: float, ofmap_sram: float, bits: int = 8,
                 psum_bits: int = 32, keep_w: float = 1.0, index_bits: int = 0) -> dict[str, float]:
    """DRAM bytes and SRAM bits of one product ``(M x K) @ (K x N)`` (rules in the table above).

    ``keep_w`` is the stored weight fraction (``1 - weight_sparsity`` for skipping PEs) and
    ``index_bits`` the index overhead per stored weight (0 unless skipping).
    """
    kw = math.ceil(k * keep_w * bits / 8)
    sr, sc, _ = fold_dims(m, kw, n, dataflow)
    fr, fc = math.ceil(sr / rows), math.ceil(sc / cols)
    wbits = bits + index_bits
    w_bytes = k * n * keep_w * wbits / 8
    a_bytes = ifmap_elems * bits / 8
    fits_a = a_bytes <= ifmap_sram
    if dataflow == "os":
        ifmap = a_bytes * (1 if fits_a else fc)
        weights = w_bytes * (1 if k * cols * keep_w * wbits / 8 <= filter_sram else fr)
        spill = 0.0
        sram = 8 * kw * (m * fc + n * fr * wbits / bits) + m * n * bits
    elif dataflow == "ws":
        ifmap = a_bytes * (1 if fits_a else fc)
        weights = w_bytes
        spill = 0.0 if m * cols * psum_bits / 8 <= ofmap_sram else 2 * (fr - 1)
        sram = 8 * kw * (m * fc + n * wbits / bits) + m * n * fr * psum_bits
    else:
        ifmap = a_bytes
        weights = w_bytes * (1 if w_bytes <= filter_sram else fc)
        spill = 0.0 if n * cols * psum_bits / 8 <= ofmap_sram else 2 * (fr - 1)
        sram = 8 * kw * (m + n * fc * wbits / bits) + m * n * fr * psum_bits
    outputs = m * n * (bits / 8 + spill * psum_bits / 8)
    return {"dram_bytes": ifmap + weights + outputs, "sram_bits": float(sram),
            "ifmap_bytes": ifmap, "weight_bytes": weights, "ofmap_bytes": outputs}
