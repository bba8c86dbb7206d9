"""ASIC PE-array family: systolic timing (SCALE-Sim-exact), memory roofline, energy, sparsity,
mixed bit width, duty-cycled power and an energy-harvesting runtime (see ``docs/asic.md``)."""

from __future__ import annotations

from .lowering import GemmTable, lower
from .model import SystolicArrayModel
from .systolic import DATAFLOWS, gemm_cycles, gemm_sram_accesses
from .tech import Tech, area_scale, energy_scale, tech

__all__ = ["SystolicArrayModel", "GemmTable", "lower", "DATAFLOWS", "gemm_cycles",
           "gemm_sram_accesses", "Tech", "tech", "energy_scale", "area_scale"]
