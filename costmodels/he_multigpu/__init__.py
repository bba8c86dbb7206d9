"""Multi-GPU placement of CKKS networks: analytic model, SimPy twin, presets.

AEGIS-style (arXiv 2604.03425) token x feature x limb placement of a network under CKKS on G GPUs
linked by NVLink/PCIe, priced per GPU by the ``he`` model (one GPU model: G = 1 is ``he``); see
``docs/he_multigpu.md``.
"""

from __future__ import annotations

from .lowering import Compiled, compile_workload, resequence
from .model import MAX_GPUS, PLACEMENTS, MultiGpuTransformerModel
from .placement import MeshResult, mesh_candidates, mesh_costs
from .presets import (
    CkksParams,
    GpuProfile,
    LinkProfile,
    ckks_defaults,
    gpu,
    link,
)

__all__ = [
    "MAX_GPUS",
    "PLACEMENTS",
    "CkksParams",
    "Compiled",
    "GpuProfile",
    "LinkProfile",
    "MeshResult",
    "MultiGpuTransformerModel",
    "ckks_defaults",
    "compile_workload",
    "gpu",
    "link",
    "mesh_candidates",
    "mesh_costs",
    "resequence",
]
