"""Small shared pieces of the ``asic`` mapping search (result type, scoring, text, padding),
kept apart so that :mod:`.mapping_search` and :mod:`.mapping_share` do not import each other."""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from dse.accel import keep_batch_memory

from .arch import Arch
from .mapping import DIMS

__all__ = ["CHUNK", "LayerResult", "keep_freed_heap", "mapping_text"]

#: candidates per evaluation chunk (bounds peak memory: ~2 kB per candidate and chunk)
CHUNK = 8192


def keep_freed_heap() -> bool:
    """Keep freed heap between evaluation chunks (:func:`dse.accel.keep_batch_memory`): each chunk
    allocates and frees a few hundred arrays of up to a few hundred kB, and with glibc's defaults
    returning the heap to the OS and faulting it back in cost about as much CPU as the arithmetic
    (0.85 M vs 1.9 M evaluations/s on one core, ``benchmarks/asic_mapping.py``). Applied once per
    process when the mapping search is imported; ``DSE_ASIC_KEEP_HEAP=0`` (or
    ``DSE_KEEP_BATCH_MEMORY=0``) leaves the allocator alone. Returns whether the setting is in force."""
    if os.environ.get("DSE_ASIC_KEEP_HEAP", "1") == "0":
        return False
    return keep_batch_memory()


@dataclass(frozen=True)
class LayerResult:
    """Best mapping of one layer (per copy of the layer; the model multiplies by ``repeat``)."""

    metrics: dict[str, float]
    text: str
    feasible: bool
    reason: str
    evaluated: int
    #: candidates generated (``evaluated`` minus those pruned exactly)
    candidates: int = 0


def _pad(dims: np.ndarray, facs: np.ndarray, t: int) -> tuple[np.ndarray, np.ndarray]:
    pad = t - dims.shape[1]
    if pad <= 0:
        return dims, facs
    return (np.concatenate([dims, np.zeros((len(dims), pad), dtype=np.int64)], axis=1),
            np.concatenate([facs, np.ones((len(facs), pad))], axis=1))


def _score(out: dict[str, np.ndarray], objective: str) -> np.ndarray:
    if objective == "energy":
        s = out["energy_pj"] * (1 + 1e-12 * out["cycles"])
    elif objective == "latency":
        s = out["cycles"] * (1 + 1e-12 * out["energy_pj"])
    else:
        s = out["energy_pj"] * out["cycles"]
    return np.where(out["feasible"], s, np.inf)


def mapping_text(arch: Arch, sp: np.ndarray, tdim: np.ndarray, tfac: np.ndarray, bounds: np.ndarray) -> str:
    """``spatial D1:K32 D2:C32 | temporal C2 FY3 K2 OY56 | rf_128B@3 sram_2MB@4 dram@4``: the
    unrolling, the temporal loops innermost first, and how many of them each memory holds."""
    spatial = " ".join(f"D{a + 1}:" + "*".join(f"{DIMS[d]}{int(sp[a, d])}" for d in range(7) if sp[a, d] > 1)
                       for a in range(len(arch.sizes)) if (sp[a] > 1).any()) or "none"
    keep = [j for j in range(len(tfac)) if tfac[j] > 1]
    loops = " ".join(f"{DIMS[int(tdim[j])]}{int(tfac[j])}" for j in keep) or "none"
    alloc = " ".join(f"{m.name}@{sum(1 for j in keep if j < int(bounds[i]))}" for i, m in enumerate(arch.memories))
    return f"spatial {spatial} | temporal {loops} | {alloc}"
