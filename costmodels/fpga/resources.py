"""FPGA resource formulas (DSP, LUT, BRAM18/36, URAM), vectorised over design arrays.

Sources ([FINN-R18], verified in ``Xilinx/finn``
``src/finn/custom_op/fpgadataflow/{matrixvectoractivation.py, hls/matrixvectoractivation_hls.py}``):

* BRAM: weight memory of depth ``omega`` and width ``w`` bits in simple-dual-port RAMB18s with the
  aspect ratios 1x16K, 2x8K, 4x4K, 9x2K, 18x1K, 36x512 (UG573 Table 1-10), exactly FINN's
  ``bram_estimation`` (which returns RAMB18 counts); one BRAM36 = two BRAM18.
* URAM: ``ceil(w/72) * ceil(omega/4096)`` (FINN ``uram_estimation``).
* LUT of a matrix-vector unit with ``P`` PEs and ``Q`` SIMD lanes:
  ``300 + 1.1 * P * (mult + addertree + acc)`` with ``mult = Q * (2*ceil((W+A)/6) - 1) * (W+A)``
  when the multipliers are built from LUTs (0 on DSPs), ``addertree = (W+A) * (2Q - 1)`` and the
  accumulator width ``acc = W + A + ceil(log2 MW)`` (FINN-R; the reference's "crude" formula).
* DSP per MAC: one DSP48E2 (27x18 multiplier) per MAC up to 18 bits; two INT8 MACs share one
  DSP48E2 (Xilinx WP486, [M]); wider operands take ``ceil(bits/18)^2`` DSPs (partial products).

All functions take the array namespace ``xp`` first and broadcast over their array arguments.
"""

from __future__ import annotations

from typing import Any

__all__ = ["dsp_per_mac", "bram18_sdp", "bram36_sdp", "uram_blocks", "lut_mvau", "lut_topk",
           "BRAM18_BITS", "BRAM36_BITS", "URAM_BITS"]

BRAM18_BITS = 18 * 1024
BRAM36_BITS = 36 * 1024
URAM_BITS = 288 * 1024


def dsp_per_mac(xp: Any, bits: Any) -> Any:
    """DSP48E2 slices per multiply-accumulate unit at operand width ``bits``."""
    wide = xp.ceil(bits / 18.0) ** 2
    return xp.where(bits <= 8, 0.5 * xp.ones_like(wide), xp.where(bits <= 18, xp.ones_like(wide), wide))


def bram18_sdp(xp: Any, width: Any, depth: Any) -> Any:
    """RAMB18 count for a memory ``width`` bits wide and ``depth`` words deep (FINN's table)."""
    c = xp.ceil
    w1 = c(depth / 16384.0)
    w2 = c(depth / 8192.0)
    w4 = c(depth / 4096.0) * c(width / 4.0)
    w9 = c(depth / 2048.0) * c(width / 9.0)
    w18 = c(depth / 1024.0) * c(width / 18.0)
    w36 = c(depth / 512.0) * c(width / 36.0)
    out = xp.where(width <= 1, w1, xp.where(width <= 2, w2, xp.where(width <= 4, w4, xp.where(
        width <= 9, w9, xp.where((width <= 18) | (depth > 512), w18, w36)))))
    return xp.where((width <= 0) | (depth <= 0), xp.zeros_like(out), out)


def bram36_sdp(xp: Any, width: Any, depth: Any) -> Any:
    """BRAM36 blocks (two RAMB18 each) for a ``width`` x ``depth`` memory."""
    return xp.ceil(bram18_sdp(xp, width, depth) / 2.0)


def uram_blocks(xp: Any, width: Any, depth: Any) -> Any:
    """UltraRAM blocks (72 bits x 4096 words each) for a ``width`` x ``depth`` memory."""
    out = xp.ceil(width / 72.0) * xp.ceil(depth / 4096.0)
    return xp.where((width <= 0) | (depth <= 0), xp.zeros_like(out), out)


def lut_mvau(xp: Any, pe: Any, simd: Any, wbits: Any, abits: Any, mw: Any, *, lut_mult: bool) -> Any:
    """LUTs of a FINN matrix-vector unit (``lut_mult``: multipliers in LUTs, else on DSPs)."""
    wa = wbits + abits
    mult = simd * (2.0 * xp.ceil(wa / 6.0) - 1.0) * wa if lut_mult else 0.0 * wa
    addertree = wa * (2.0 * simd - 1.0)
    acc = wa + xp.ceil(xp.log2(xp.maximum(mw, 2.0 * xp.ones_like(mw))))
    return 300.0 + 1.1 * pe * (mult + addertree + acc)


def lut_topk(xp: Any, lanes: Any, k: Any, score_bits: Any, index_bits: Any) -> Any:
    """LUTs of ``lanes`` insertion sorters keeping the ``k`` largest scores of a stream.

    Each of the ``k`` cells compares an incoming score with its own (``score_bits`` LUTs, one per
    bit of a carry-chain comparator) and muxes score + index (``score_bits + index_bits`` LUTs);
    the structure is the standard systolic insertion sorter [M: sizing assumed, not from FINN].
    """
    return lanes * k * (2.0 * score_bits + index_bits)
