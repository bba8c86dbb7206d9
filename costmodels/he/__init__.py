"""CKKS homomorphic-encryption cost model family (issue 4). See docs/he.md.

Reusable pieces (for searches and multi-GPU models): :mod:`.params` (security, chains, EVA's
smallest N), :mod:`.opcost` (per-op latency from work counts), :mod:`.presets` (device profiles),
:mod:`.bootstrap`, :mod:`.primitives` / :mod:`.lowering` / :mod:`.gcn` (op counts per layer),
:mod:`.levels` (level accounting, bootstrap placement), :class:`CkksModel`.
"""

from __future__ import annotations

from .bootstrap import bootstrap_latency, bootstrap_ops, bootstrap_rotation_keys
from .compile import CompiledNetwork, compile_network, compile_variants
from .gcn import GCN_PACKINGS, LINGCN_SHIPPED_KEEP, GraphLayout, lower_graphconv, site_levels
from .levels import Placement, chain_increments, place_bootstraps
from .lowering import LayerOps, LoweringConfig, lower_workload, parse_keep
from .model import CkksModel
from .opcost import (
    FEATURE_OPS,
    TRACE_OPS,
    BootConfig,
    Profile,
    ciphertext_bytes,
    op_latency,
    op_work,
    plaintext_bytes,
    switching_key_bytes,
)
from .params import (
    RING_DEGREES,
    SECURITY_LEVELS,
    CkksParams,
    log_qp,
    max_log_qp,
    precision_bits,
    security_bits,
    slots,
    smallest_ring,
    special_primes,
)
from .presets import DEFAULT_PROFILE, builtin_names, get_profile, load_profile_json, profile_to_dict
from .primitives import OpCounts, bsgs_split, channel_mix, poly_eval_cost, poly_eval_cost_xp

__all__ = [
    "DEFAULT_PROFILE",
    "FEATURE_OPS",
    "GCN_PACKINGS",
    "LINGCN_SHIPPED_KEEP",
    "RING_DEGREES",
    "SECURITY_LEVELS",
    "TRACE_OPS",
    "BootConfig",
    "CkksModel",
    "CkksParams",
    "CompiledNetwork",
    "GraphLayout",
    "LayerOps",
    "LoweringConfig",
    "OpCounts",
    "Placement",
    "Profile",
    "bootstrap_latency",
    "bootstrap_ops",
    "bootstrap_rotation_keys",
    "bsgs_split",
    "builtin_names",
    "calibrate_main",
    "chain_increments",
    "channel_mix",
    "ciphertext_bytes",
    "compile_network",
    "compile_variants",
    "get_profile",
    "load_profile_json",
    "log_qp",
    "lower_graphconv",
    "lower_workload",
    "max_log_qp",
    "op_latency",
    "op_work",
    "parse_keep",
    "place_bootstraps",
    "plaintext_bytes",
    "poly_eval_cost",
    "poly_eval_cost_xp",
    "precision_bits",
    "profile_to_dict",
    "security_bits",
    "site_levels",
    "slots",
    "smallest_ring",
    "special_primes",
    "switching_key_bytes",
]


def calibrate_main(argv: list[str] | None = None) -> int:
    """``dse calibrate he ...`` entry point (imports tenseal only when run)."""
    from .calibrate import main

    return main(argv)
