"""CKKS bootstrapping as a composite of primitive operations, priced with a device profile.

Structure (Cheon-Han-Kim-Kim-Song 2018; Bossuat et al. Eurocrypt'21; OpenFHE's level budget):
ModRaise (one NTT-bound pass at the top level; with sparse-secret encapsulation, [BTH22], one key
switch back to the dense secret there) -> CoeffToSlot in ``cts_levels`` BSGS stages ->
conjugation split of real/imaginary parts -> EvalMod on 2 ciphertexts (cosine of degree
``evalmod_degree`` by BSGS-Chebyshev + ``double_angle`` squarings) -> SlotToCoeff in
``stc_levels`` stages. Stage s of a radix-2^r homomorphic DFT is a product with 2^(r+1)-1
diagonals, evaluated by BSGS with hoisted baby steps (bootstrapping consumes ~9-15
levels, e.g. [Lattigo] N16QP1546H192H32).

``latency = boot_scale x sum(count x t_op(N, limbs))``; a profile's ``boot_scale`` anchors the sum
to a measured bootstrap where one is published (bootstrap.csv), and is 1 (pure structure) otherwise.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

from dse.xp import namespace

from .opcost import BootConfig, Profile, op_latency
from .params import RING_DEGREES
from .primitives import bsgs_split, poly_eval_cost

DEFAULT_BOOT = BootConfig()

__all__ = ["bootstrap_latency", "bootstrap_ops", "bootstrap_rotation_keys"]


@lru_cache(maxsize=1 << 17)
def bootstrap_ops(slots: int, cfg: BootConfig = DEFAULT_BOOT, full_slots: int = 0) -> tuple[tuple[str, float, int], ...]:
    """(op, count, level offset below the top) of one bootstrap of a ``slots``-slot ciphertext.

    ``full_slots`` = N/2 (0: ``slots``). Full packing: after CoeffToSlot the real and imaginary
    parts fill two ciphertexts and EvalMod runs on both. Sparse packing (``slots < full_slots``):
    a partial sum of log2(full_slots / slots) rotations at the top level, then both parts share one
    ciphertext and EvalMod runs once ([OpenFHE22, code src/pke/lib/scheme/ckksrns/ckksrns-fhe.cpp]
    ``EvalBootstrap``, "sparsely packed case").
    """
    out: list[tuple[str, float, int]] = [("rescale", 1.0, 0)]  # ModRaise: NTT-bound pass at the top
    if cfg.encapsulation:  # sparse-to-dense key switch after ModRaise (the dense-to-sparse one before it
        out.append(("relinearize", 1.0, 0))  # runs on the bottom level's one or two limbs: left out)
    full = full_slots <= slots
    if not full:  # PartialSum: sum the N/(2 slots) copies the ModRaise leaves in the slots
        steps = float(max(0, int(math.log2(full_slots)) - int(math.log2(slots))))
        out.extend([("rotate", steps, 0), ("add", steps, 0)])
    log_slots = max(1, int(math.log2(slots)))

    def dft(levels: int, first_offset: int) -> None:
        per = [log_slots // levels + (1 if i < log_slots % levels else 0) for i in range(levels)]
        for s, bits in enumerate(b for b in per if b > 0):
            diags = 2 ** (bits + 1) - 1
            b, g = bsgs_split(diags, hoist_ratio=0.5)
            off = first_offset + s
            out.extend([("ks_modup", 1.0, off), ("rotate_hoisted", float(b - 1), off),
                        ("rotate", float(g - 1), off), ("mul_plain", float(diags), off),
                        ("add", float(diags - 1), off), ("rescale", 1.0, off)])

    dft(cfg.cts_levels, 0)
    mid = cfg.cts_levels
    out.extend([("conjugate", 1.0, mid), ("add", 2.0, mid)])
    poly = poly_eval_cost(cfg.evalmod_degree)
    mults = poly["ct_mults"] + cfg.double_angle
    if cfg.mod1_inv_degree > 0:
        inv = poly_eval_cost(cfg.mod1_inv_degree)
        mults += inv["ct_mults"]
        poly = {k: poly[k] + inv[k] for k in ("scalar_mults", "adds")} | {"ct_mults": poly["ct_mults"]}
    depth = max(1, cfg.evalmod_depth)
    cts = 2.0 if full else 1.0
    for j in range(depth):  # spread the multiplies evenly over the EvalMod levels, `cts` ciphertexts
        share = cts * mults / depth
        out.extend([("mul", share, mid + j), ("relinearize", share, mid + j), ("rescale", share, mid + j)])
    out.extend([("mul_plain", cts * poly["scalar_mults"], mid), ("add", cts * poly["adds"], mid)])
    dft(cfg.stc_levels, mid + depth + cfg.extra_levels)
    return tuple(out)


def bootstrap_rotation_keys(slots: int, cfg: BootConfig = DEFAULT_BOOT) -> int:
    """Distinct rotation amounts (Galois keys) bootstrapping needs, plus the conjugation key."""
    keys = 1
    for op, count, _ in bootstrap_ops(slots, cfg):
        if op in ("rotate", "rotate_hoisted"):
            keys += int(count)
    return keys


def bootstrap_latency(profile: Profile, n: Any, top_limbs: Any, *, dnum: Any = 1.0,
                      slots: Any = None) -> Any:
    """Seconds to bootstrap one ciphertext at ring degree ``n`` with an ``top_limbs``-limb chain.

    ``slots`` defaults to N/2 (full slots). Vectorised over ``n`` (a ring degree per point) and
    ``top_limbs``; levels below one limb are clipped (callers check ``top_limbs > depth``).
    """
    xp = namespace(n, top_limbs)
    cfg = profile.boot
    out = xp.zeros_like(top_limbs * n)
    for deg in RING_DEGREES:
        s_count = deg // 2
        total = xp.zeros_like(out)
        for op, count, off in _ops_for(slots, s_count, cfg):
            limbs = xp.maximum(top_limbs - off, xp.ones_like(top_limbs))
            total = total + count * op_latency(profile, op, deg + 0.0 * n, limbs, top_limbs=top_limbs, dnum=dnum)
        out = xp.where(n == deg, total, out)
    return profile.boot_scale * out


def _ops_for(slots: Any, default: int, cfg: BootConfig) -> tuple[tuple[str, float, int], ...]:
    s = default if slots is None else int(slots)
    return bootstrap_ops(s, cfg, default)
