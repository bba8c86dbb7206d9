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
* ``node_factor(row_nm, node_nm, vdd)``: dynamic-energy factor that moves a table row from its own
  node (the ``node_nm`` column, at 0.9 V) to ``node_nm``/``vdd``, by Stillmaker & Baas 2017
  (:func:`.tech.energy_scale`, the same coefficients ``asic-systolic`` uses). MAC, register-file
  and SRAM energies take it; DRAM does not (off-chip: its energy is the DRAM device's and the
  interface's, not the accelerator's node), see :func:`dram_pj_per_bit`.
* ``fp16_pe_area_um2(psum_bits)``: FP16 multiplier + floating-point adder area from Horowitz's
  Fig. 1.1.9 area column (45 nm; ``data/arith_area.csv``, read from Kim et al. 2023's reproduction
  of the figure).
"""

from __future__ import annotations

import itertools
import math
from functools import cache

from .tech import Tech, area_scale, energy_scale, load_table

__all__ = ["dram_pj_per_bit", "fp16_mac_pj", "fp16_pe_area_um2", "mac_pj", "node_factor", "pe_area_leak",
           "rf_pj_per_bit", "row_node_nm", "rows", "size_ratio", "sram_pj_per_bit"]


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


#: supply voltage of every table row (Horowitz's table is 45 nm / 0.9 V; ZigZag's tpu_like rows
#: state no voltage and are taken at the same 0.9 V)
ROW_VDD = 0.9


@cache
def row_node_nm(component: str) -> float:
    """The node (nm) at which the table's ``component`` rows were given (one node per component)."""
    nodes = {float(r["node_nm"]) for r in load_table("mapping_energy") if r["component"] == component}
    if len(nodes) != 1:  # pragma: no cover - a data-file error
        raise ValueError(f"mapping_energy.csv: component {component} has rows at several nodes {sorted(nodes)}")
    return nodes.pop()


@cache
def node_factor(row_nm: float, node_nm: float, vdd: float) -> float:
    """Dynamic-energy factor from a row given at ``row_nm`` / 0.9 V to ``node_nm`` / ``vdd``
    (Stillmaker & Baas 2017 via :func:`.tech.energy_scale`; 1 when node and voltage are the row's)."""
    if node_nm == row_nm and vdd == ROW_VDD:
        return 1.0
    return energy_scale(node_nm, vdd) / energy_scale(row_nm, ROW_VDD)


def rf_pj_per_bit(size_bits: float, node_nm: float | None = None, vdd: float = ROW_VDD) -> float:
    """Register-file access energy per bit (pJ): the table row of the nearest size, at its own node
    (28 nm, ZigZag's tpu_like) or moved to ``node_nm`` / ``vdd``."""
    pts = rows("rf")
    size, width, e = min(pts, key=lambda r: abs(r[0] * 8 - size_bits))
    row = row_node_nm("rf")
    return e / width * (1.0 if node_nm is None else node_factor(row, node_nm, vdd))


def dram_pj_per_bit() -> float:
    """DRAM access energy per bit (pJ). Not node-scaled: the energy is spent in the DRAM device and
    the off-chip interface, whose technology is not the accelerator's ``node_nm``."""
    (_, w, e), = rows("dram")
    return e / w


@cache
def fp16_pe_area_um2(psum_bits: int) -> float:
    """Area (um^2, 45 nm) of one FP16 MAC's arithmetic: FP16 multiplier + floating-point adder at the
    accumulator width (16 or 32 bits; Horowitz ISSCC'14 Fig. 1.1.9 areas 1640, 1360 and 4184 um^2)."""
    area = {(r["component"], int(r["width_bits"])): float(r["area_um2"]) for r in load_table("arith_area")}
    mult = area[("fmult", 16)]
    adds = {w: a for (c, w), a in area.items() if c == "fadd"}
    if psum_bits not in adds:
        raise ValueError(f"fp16 accumulator of {psum_bits} bits: the table has {sorted(adds)}")
    return mult + adds[psum_bits]


def pe_area_leak(number: str, psum_bits: int, t: Tech) -> tuple[float, float]:
    """Area (m^2) and leakage (W) of one PE at ``t``'s node and voltage.

    ``int``: :class:`.tech.Tech`'s Aladdin PE (40 nm 8-bit multiplier, 32-bit adder, 48 register
    bits), whatever the operand width (a precision-scalable array is sized once; see docs/asic.md).
    ``fp16``: Horowitz's FP16 multiplier + FP adder at ``psum_bits`` (:func:`fp16_pe_area_um2`, 45 nm,
    scaled by the Stillmaker area table) + the same 48 Aladdin register bits; leakage = that area x
    the Aladdin multiplier's leakage density at the node (W/m^2, the basis of ``Tech.pe_leak_w``).
    """
    if number != "fp16":
        return t.pe_area_m2, t.pe_leak_w
    comp = {r["name"]: r for r in load_table("components")}
    mult = comp["multiplier"]
    a40 = area_scale(t.node_nm, from_nm=40.0)
    l40 = energy_scale(t.node_nm, t.vdd, ref_nm=40.0, ref_vdd=t.vdd)
    reg = 48 * float(comp["register"]["area_um2"]) * 1e-12 * a40
    area = fp16_pe_area_um2(psum_bits) * 1e-12 * area_scale(t.node_nm, from_nm=45.0) + reg
    density = float(mult["leak_w"]) * l40 / (float(mult["area_um2"]) * 1e-12 * a40)
    return area, area * density
