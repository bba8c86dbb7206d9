"""Energy, area and leakage constants of a PE array, and their scaling across technology nodes.

Every number comes from ``costmodels/asic/data/*.csv`` (each row has a ``source`` column):

* arithmetic at 45 nm / 0.9 V from Horowitz (ISSCC 2014): int8 multiply 0.2 pJ, int32 multiply
  3.1 pJ, int8/16/32 add 0.03/0.05/0.1 pJ. Multiplier energy scales with the square of the width
  (the two Horowitz points give 3.1/0.2 = 15.5 = 4^1.98), so ``E_mult(b) = 0.2 pJ * (b/8)^2``;
* the memory ladder from Eyeriss (Chen et al., ISCA 2016), normalised to one 16-bit MAC:
  RF 1x, PE-to-PE 2x, global buffer 6x, DRAM 200x per 16-bit word. The 16-bit MAC is anchored on
  Horowitz: ``E_mult(16) + E_add(16) = 0.8 + 0.05 = 0.85 pJ`` (the int16 multiply is the quadratic
  interpolation above), so DRAM costs 200 * 0.85 / 16 = 10.6 pJ/bit and the global buffer
  0.32 pJ/bit (ZigZag's ``tpu_like`` uses 11 pJ/bit and 0.2 pJ/bit; [ZigZag21; zigzag-dse 3.9.1 tpu_like.yaml]). The 6x
  global-buffer cost is for Eyeriss' 108 kB buffer; an SRAM of ``S`` bytes costs
  ``(S / 108 kB)^0.45`` times that per bit, the exponent fitted to ZigZag's ``eyeriss_like``
  SRAMs (8 kB 10 pJ, 64 kB 20 pJ, 1 MB 100 pJ per access: 10x for 128x capacity);
* technology scaling from Stillmaker & Baas (Integration 2017): energy factor
  ``a*Vdd^2 + b*Vdd + c`` per node, linearly interpolated between tabulated nodes (the method of
  Accelergy's ``hwcomponents``), and their area table; DRAM energy is off-chip and not scaled;
* PE area and leakage from the Aladdin 40 nm component table (Shao et al., ISCA 2014): 8-bit
  multiplier (32-bit entry scaled by (8/32)^2), 32-bit accumulator adder, 48 register bits;
* SRAM area from a 0.37 um^2 45 nm 6T bitcell (Nii et al., ISQED 2013) at an assumed 70% array
  efficiency; SRAM leakage per area is assumed equal to the Aladdin multiplier's leakage density.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from dse.datafiles import load_csv
from dse.errors import DseInputError

__all__ = ["Tech", "tech", "energy_scale", "area_scale", "load_table", "NODES_NM"]

DATA = Path(__file__).with_name("data")


@cache
def load_table(name: str) -> tuple[dict[str, str], ...]:
    """Rows of ``data/<name>.csv`` as dicts (every file has a ``source`` column)."""
    return tuple(load_csv(DATA / f"{name}.csv"))


def _by(name: str, key: str) -> dict[str, dict[str, str]]:
    return {r[key]: r for r in load_table(name)}


def _scaling_rows() -> list[tuple[float, float, float, float, float]]:
    rows = [(float(r["node_nm"]), float(r["energy_a"]), float(r["energy_b"]), float(r["energy_c"]),
             float(r["area_from_45nm"])) for r in load_table("tech_scaling")]
    return sorted(rows, reverse=True)  # 130 nm ... 7 nm


NODES_NM = tuple(r[0] for r in _scaling_rows())


def _interp(node_nm: float, column: int, vdd: float | None = None) -> float:
    rows = _scaling_rows()
    if not rows[-1][0] <= node_nm <= rows[0][0]:
        raise DseInputError("node_nm", node_nm, f"a technology node in [{rows[-1][0]:g}, {rows[0][0]:g}] nm")

    def value(r):
        if vdd is None:
            return r[column]
        return r[1] * vdd * vdd + r[2] * vdd + r[3]

    for hi, lo in zip(rows, rows[1:]):
        if lo[0] <= node_nm <= hi[0]:
            w = (hi[0] - node_nm) / (hi[0] - lo[0])
            return value(hi) * (1 - w) + value(lo) * w
    return value(rows[-1])


def energy_scale(node_nm: float, vdd: float, *, ref_nm: float = 45.0, ref_vdd: float = 0.9) -> float:
    """Dynamic-energy factor of (node, Vdd) relative to (45 nm, 0.9 V) (Stillmaker & Baas 2017)."""
    if not 0.3 <= vdd <= 1.5:
        raise DseInputError("vdd", vdd, "a supply voltage in [0.3, 1.5] V")
    return _interp(node_nm, 0, vdd) / _interp(ref_nm, 0, ref_vdd)


def area_scale(node_nm: float, *, from_nm: float = 45.0) -> float:
    """Area factor from ``from_nm`` to ``node_nm`` (Stillmaker & Baas 2017 area table)."""
    return _interp(node_nm, 4) / _interp(from_nm, 4)


@dataclass(frozen=True)
class Tech:
    """Per-event energies (J), areas (m^2) and leakage (W) at one node and supply voltage."""

    node_nm: float
    vdd: float
    e_mult8_j: float  # one 8-bit multiply
    e_acc_j: float  # one 32-bit accumulate (an accumulator of w bits costs w/32 of it: Horowitz
    # adds are about linear in width, 0.03/0.05/0.1 pJ for 8/16/32 bit)
    e_mac16_j: float  # Eyeriss 1x anchor
    e_rf_bit_j: float
    e_pe_bit_j: float
    e_glb_bit_j: float
    e_dram_bit_j: float
    pe_area_m2: float
    pe_leak_w: float
    sram_area_per_bit_m2: float
    sram_leak_per_bit_w: float
    sram_ref_bytes: float  # capacity at which an SRAM access costs e_glb_bit (Eyeriss GLB)
    sram_size_exp: float  # e_sram_bit(S) = e_glb_bit * (S / sram_ref_bytes) ** sram_size_exp


@lru_cache(maxsize=64)
def tech(node_nm: float = 45.0, vdd: float = 0.9) -> Tech:
    """The :class:`Tech` constants at ``node_nm`` and ``vdd`` (cached)."""
    e = {k: float(r["value"]) for k, r in _by("energy_45nm", "name").items()}
    lad = {k: float(r["relative_energy"]) for k, r in _by("eyeriss_ladder", "level").items()}
    comp = _by("components", "name")
    s = energy_scale(node_nm, vdd, ref_nm=e["node_ref"], ref_vdd=e["vdd_ref"])
    pj = 1e-12
    mult8 = e["mult_int8"] * pj
    mac16 = (e["mult_int8"] * 4.0 + e["add_int16"]) * pj
    # Aladdin (40 nm) components -> node
    a40 = area_scale(node_nm, from_nm=40.0)
    l40 = energy_scale(node_nm, vdd, ref_nm=40.0, ref_vdd=vdd)
    mult, add, reg = comp["multiplier"], comp["adder"], comp["register"]
    q = (8.0 / float(mult["width_bits"])) ** 2
    pe_area = (float(mult["area_um2"]) * q + float(add["area_um2"]) + 48 * float(reg["area_um2"])) * 1e-12
    pe_leak = float(mult["leak_w"]) * q + float(add["leak_w"])
    leak_density = float(mult["leak_w"]) / (float(mult["area_um2"]) * 1e-12)  # W/m^2 at 40 nm
    cell = float(comp["sram_bitcell"]["area_um2"]) * 1e-12 / float(comp["sram_array_efficiency"]["area_um2"])
    sram_bit_area = cell * area_scale(node_nm, from_nm=float(comp["sram_bitcell"]["node_nm"]))
    return Tech(
        node_nm=node_nm, vdd=vdd,
        e_mult8_j=mult8 * s, e_acc_j=e["add_int32"] * pj * s, e_mac16_j=mac16 * s,
        e_rf_bit_j=lad["rf"] * mac16 / 16 * s, e_pe_bit_j=lad["pe"] * mac16 / 16 * s,
        e_glb_bit_j=lad["glb"] * mac16 / 16 * s, e_dram_bit_j=lad["dram"] * mac16 / 16,
        pe_area_m2=pe_area * a40, pe_leak_w=pe_leak * l40,
        sram_area_per_bit_m2=sram_bit_area,
        sram_leak_per_bit_w=leak_density * cell * area_scale(40.0, from_nm=45.0) * l40,
        sram_ref_bytes=e["sram_ref_bytes"], sram_size_exp=e["sram_size_exp"],
    )
