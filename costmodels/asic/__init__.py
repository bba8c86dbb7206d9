"""ASIC PE-array family: systolic timing (SCALE-Sim-exact), memory roofline, energy, sparsity,
mixed bit width, duty-cycled power and an energy-harvesting runtime (see ``docs/asic.md``)."""

from __future__ import annotations

from .eve import EveResult, Storage, Variant, analytic, pareto_variants, simulate
from .lowering import GemmTable, lower
from .memory import gemm_traffic
from .model import SystolicArrayModel
from .power import DutyCycle, duty_cycled_power
from .systolic import DATAFLOWS, gemm_cycles, gemm_sram_accesses
from .tech import Tech, area_scale, energy_scale, tech

__all__ = ["SystolicArrayModel", "GemmTable", "lower", "DATAFLOWS", "gemm_cycles",
           "gemm_sram_accesses", "gemm_traffic", "Tech", "tech", "energy_scale", "area_scale",
           "DutyCycle", "duty_cycled_power", "Variant", "Storage", "EveResult", "simulate",
           "analytic", "pareto_variants"]
