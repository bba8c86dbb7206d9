"""ASIC PE-array family: systolic timing (SCALE-Sim-exact), memory roofline, energy, sparsity,
mixed bit width, duty-cycled power, an energy-harvesting runtime, and the mapping-aware ``asic``
model with its vectorised mapping search (see ``docs/asic.md``)."""

from __future__ import annotations

from .arch import Arch, Memory
from .archfile import load_arch
from .eve import EveResult, Storage, Variant, analytic, pareto_variants, simulate
from .lowering import GemmTable, lower
from .mapping import Layer7, evaluate_mappings
from .mapping_search import Mapping, search_layer
from .memory import gemm_traffic
from .model import SystolicArrayModel
from .model_mapping import MappingModel
from .power import DutyCycle, duty_cycled_power
from .systolic import DATAFLOWS, gemm_cycles, gemm_sram_accesses
from .tech import Tech, area_scale, energy_scale, tech

__all__ = ["SystolicArrayModel", "MappingModel", "Arch", "Memory", "load_arch", "Layer7",
           "evaluate_mappings", "Mapping", "search_layer", "GemmTable", "lower", "DATAFLOWS", "gemm_cycles",
           "gemm_sram_accesses", "gemm_traffic", "Tech", "tech", "energy_scale", "area_scale",
           "DutyCycle", "duty_cycled_power", "Variant", "Storage", "EveResult", "simulate",
           "analytic", "pareto_variants"]
