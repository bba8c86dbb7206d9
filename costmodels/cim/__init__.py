"""Compute-in-memory crossbar family: cost model, device-variation models, Monte Carlo KPP,
write-verify (SWIM/TSB) and noise-injection training kernels. See ``docs/cim.md``."""

from __future__ import annotations

from . import accuracy_probe as _accuracy_probe  # noqa: F401  (registers the whatif accuracy probe)
from .mapping import MappedParts, compile_workload, pruned_shape
from .model import CrossbarModel, weight_sigma_factor
from .presets import DEVICES, constant, device
from .writeverify import (
    programming_energy,
    programming_time,
    speedup,
    verified_sigma,
    wv_iterations,
)

__all__ = [
    "DEVICES",
    "CrossbarModel",
    "MappedParts",
    "compile_workload",
    "constant",
    "device",
    "programming_energy",
    "programming_time",
    "pruned_shape",
    "speedup",
    "verified_sigma",
    "weight_sigma_factor",
    "wv_iterations",
]
