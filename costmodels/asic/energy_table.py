"""Accelergy-style energy reference table of the mapping-aware ``asic`` model.

``data/mapping_energy.csv`` holds one action per row (component, size, access width, pJ, node,
source): Horowitz (ISSCC 2014, Fig. 1.1.9, 45 nm) for multipliers, adders and 8 KB / 32 KB / 1 MB
SRAMs, and ZigZag 3.9.1's ``tpu_like`` example for register files and DRAM. Nothing in it was
fitted to a validation case. Derived quantities:

* ``mac_pj(bits, psum_bits)``: multiply at operand width ``bits`` + add at ``psum_bits``; the
  multiplier scales with the square of the width between Horowitz's 8-bit and 32-bit points
  (3.1 / 0.2 = 15.5 = 4^1.98), adders linearly between 8, 16 and 32 bits. Energies at 45 nm.
* ``fp16_mac_pj(psum_bits)``: FP16 multiply + floating-point add at the accumulator width
  (Horowitz's FP16 add 0.4 pJ and FP32 add 0.9 pJ; log-log between), 45 nm.
* ``sram_pj_per_bit(size_bytes)``: per-bit access energy, piecewise log-log interpolation between
  Horowitz's three SRAM points (extrapolated with the end slopes), 45 nm.
* ``size_ratio(old, new)``: how an SRAM's per-bit energy changes when a design-space knob resizes
  it (used to rescale an architecture file's own per-access costs).
"""

from __future__ import annotations

import itertools
import math
from functools import cache

from .tech import load_table

__all__ = ["fp16_mac_pj", "mac_pj", "rows", "size_ratio", "sram_pj_per_bit"]


def rows(component: str) -> list[tuple[float, float, float]]:
    """(size_bytes, width_bits, energy_pj) rows of one component, sorted by size then width."""
    out = [(float(r["size_bytes"]), float(r["width_bits"]), float(r["energy_pj"]))
           for r in load_table("mapping_energy") if r["component"] == component]
    return sorted(out)


def _loglog(x: float, pts: list[tuple[float, float]]) -> float:
    """Piecewise-linear interpolation of log(y) over log(x), end segments extrapolated."""
    lx = math.log(x)
    for (x0, y0), (x1, y1) in itertools.pairwise(pts):
        if lx <= math.log(x1) or (x1, y1) == pts[-1]:
            t = (lx - math.log(x0)) / (math.log(x1) - math.log(x0))
            return math.exp(math.log(y0) + t * (math.log(y1) - math.log(y0)))
    return pts[-1][1]  # pragma: no cover


@cache
def mac_pj(bits: int, psum_bits: int) -> float:
    """Integer MAC energy in pJ at 45 nm: multiply (``bits`` x ``bits``) + accumulate (``psum_bits``)."""
    (_, _, m8), (_, _, m32) = rows("mult")
    exp = math.log(m32 / m8) / math.log(4.0)
    mult = m8 * (bits / 8.0) ** exp
    adds = [(w, e) for _, w, e in rows("add")]
    add = _loglog(float(max(psum_bits, 1)), adds)
    return mult + add


@cache
def fp16_mac_pj(psum_bits: int) -> float:
    """FP16 MAC energy in pJ at 45 nm: FP16 multiply + float accumulate at ``psum_bits`` (16 or 32)."""
    (_, _, mult), = [r for r in rows("fmult") if r[1] == 16]
    adds = [(w, e) for _, w, e in rows("fadd")]
    return mult + _loglog(float(psum_bits), adds)


@cache
def sram_pj_per_bit(size_bytes: float) -> float:
    """SRAM access energy per bit (pJ, 45 nm) for a macro of ``size_bytes`` (Horowitz points)."""
    pts = [(s, e / w) for s, w, e in rows("sram")]
    return _loglog(max(float(size_bytes), 1.0), pts)


def size_ratio(old_bytes: float, new_bytes: float) -> float:
    """Factor on per-bit SRAM energy when a macro grows from ``old_bytes`` to ``new_bytes``."""
    return sram_pj_per_bit(new_bytes) / sram_pj_per_bit(old_bytes)
