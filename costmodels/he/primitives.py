"""Packing primitives: operation counts of the building blocks every lowering uses.

* :func:`bsgs_split` - baby-step giant-step split of a diagonal matrix-vector product
  (Halevi-Shoup 2018 with hoisted baby steps; cost ``(b-1)`` hoisted + ``ceil(d/b)-1`` plain
  rotations, the split minimising their weighted sum).
* :func:`channel_mix` - a (c_out x c_in) channel-mixing product on channel-packed ciphertexts with
  ``taps`` spatial/temporal offsets: dense layers (block=1), Gazelle/Orion-style conv with channel
  (multiplexed) packing (block=H*W, taps=kh*kw), CryptoGCN's per-joint convs (block=T*persons).
* :func:`poly_eval_cost` - Paterson-Stockmeyer / BSGS-Chebyshev evaluation of a degree-d
  polynomial (depth ceil(log2(d+1)); baby powers T_1..T_k, giant powers T_2k, T_4k, ...;
  Bossuat et al. Eurocrypt'21 §4 / Lee et al. 2020). Degree 2 is one square whose coefficients are
  folded into neighbouring linear layers (CryptoNets, CryptoGCN, LinGCN convention): depth 1.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

__all__ = ["OpCounts", "bsgs_split", "channel_mix", "cts_for", "poly_eval_cost", "poly_eval_cost_xp"]


@dataclass
class OpCounts:
    """Operation counts of one lowered step: ``ops[(op, level_offset)] -> count``.

    ``level_offset`` is how many levels below the layer's entry level the op runs. ``depth`` is the
    levels consumed, ``rot_keys`` the distinct rotation amounts (Galois keys) it needs,
    ``plaintexts`` the encoded weight plaintexts and ``temps`` extra live ciphertexts (hoisted copies).
    """

    ops: dict = field(default_factory=lambda: defaultdict(float))
    depth: int = 0
    rot_keys: int = 0
    plaintexts: float = 0.0
    temps: float = 0.0

    def add(self, op: str, count: float, offset: int = 0) -> OpCounts:
        if count:
            self.ops[(op, offset)] += float(count)
        return self

    def extend(self, other: OpCounts, offset: int = 0, times: float = 1.0) -> OpCounts:
        """Append ``other`` run ``times`` times, ``offset`` levels below this step's entry."""
        for (op, off), c in other.ops.items():
            self.ops[(op, off + offset)] += c * times
        self.depth = max(self.depth, offset + other.depth)
        self.rot_keys += other.rot_keys
        self.plaintexts += other.plaintexts * times
        self.temps = max(self.temps, other.temps * times)
        return self

    def count(self, *ops: str) -> float:
        return sum(c for (op, _), c in self.ops.items() if op in ops)


def bsgs_split(d: int, *, hoist_ratio: float = 1.0, n_in: int = 1, n_out: int = 1, taps: int = 1) -> tuple[int, int]:
    """(baby b, giant g) minimising ``n_in (taps b - 1) h + n_out (g - 1)`` with ``b g >= d``.

    ``h`` (``hoist_ratio``) is the cost of a hoisted rotation relative to a plain one. Ties go to
    the larger baby step. For a 64x64 mat-vec (h = 1): b = g = 8, 14 rotations.
    """
    if d <= 1:
        return 1, max(d, 1)
    best = None
    cands = {1, d} | {2**k for k in range(int(math.log2(d)) + 2)}
    r = math.sqrt(d * n_out / max(n_in * taps * hoist_ratio, 1e-12))
    cands |= {max(1, int(r) + j) for j in (-1, 0, 1, 2)}
    for b in sorted(c for c in cands if 1 <= c <= d):
        g = math.ceil(d / b)
        cost = n_in * (taps * b - 1) * hoist_ratio + n_out * (g - 1)
        if best is None or cost < best[0] - 1e-12 or (abs(cost - best[0]) <= 1e-12 and b > best[1]):
            best = (cost, b, g)
    return best[1], best[2]


def cts_for(channels: int, block: int, slots: int) -> tuple[int, int]:
    """(channels per ciphertext, ciphertexts) for ``channels`` blocks of ``block`` values."""
    if block >= slots:
        per_channel = math.ceil(block / slots)
        return 1, channels * per_channel
    cpc = slots // block
    return cpc, math.ceil(channels / cpc)


def channel_mix(c_in: int, c_out: int, block: int, slots: int, *, taps: int = 1, heads: int = 1,
                method: str = "bsgs", hoist_ratio: float = 1.0) -> OpCounts:
    """Counts of ``heads`` (c_out x c_in) channel-mixing products sharing one input (depth 1).

    Channels are blocks of ``block`` slots, at most ``slots // block`` per ciphertext, spread
    evenly over the ``n_i`` input / ``n_o`` output ciphertexts (``per_in = ceil(c_in/n_i)``,
    ``per_out = ceil(c_out/n_o)``). Each (input ct, output ct) tile has ``dg = min(per_in, per_out)``
    generalised diagonals (hybrid diagonal method; when per_in > per_out, ``ceil(log2(per_in/dg))``
    rotate-and-sum steps fold the partial sums). Per diagonal and tap one plaintext multiply.

    * ``method="bsgs"``: baby rotations of each input (taps x b - 1, hoisted, shared by all heads
      and output tiles), giant rotations per output ct (g - 1);
    * ``method="diagonal"``: every input rotation plain (taps x dg - 1 per input ct), no giant step.
    """
    cpc, n_i = cts_for(c_in, block, slots)
    _, n_o = cts_for(c_out, block, slots)
    per_in = math.ceil(c_in / n_i) if cpc > 1 else 1  # channels balanced over the ciphertexts
    per_out = math.ceil(c_out / n_o) if cpc > 1 else 1
    dg = max(1, min(per_in, per_out))
    fold = math.ceil(math.log2(per_in / dg)) if per_in > dg else 0
    oc = OpCounts(depth=1)
    if method == "bsgs" and dg * taps > 1:
        b, g = bsgs_split(dg, hoist_ratio=hoist_ratio, n_in=n_i, n_out=n_o * heads, taps=taps)
        baby = taps * b - 1
        oc.add("ks_modup", n_i if baby else 0).add("rotate_hoisted", n_i * baby)
        oc.add("rotate", heads * n_o * (g - 1 + fold))
        oc.rot_keys = baby + (g - 1) + fold
        oc.temps = n_i * baby
    else:
        baby = taps * dg - 1
        oc.add("rotate", n_i * baby + heads * n_o * fold)
        oc.rot_keys = baby + fold
        oc.temps = n_i * min(baby, 1)
    pmults = heads * n_i * n_o * dg * taps
    oc.add("mul_plain", pmults).add("add", pmults - heads * n_o + heads * n_o * fold)
    oc.add("rescale", heads * n_o)
    oc.plaintexts = pmults
    return oc


def poly_eval_cost(degree: int) -> dict[str, int]:
    """ct-ct multiplies, scalar/plain multiplies, adds and depth of one degree-``degree`` polynomial."""
    d = int(degree)
    if d <= 0:
        return {"ct_mults": 0, "scalar_mults": 0, "adds": 0, "depth": 0}
    if d == 1:
        return {"ct_mults": 0, "scalar_mults": 1, "adds": 1, "depth": 1}
    if d == 2:
        return {"ct_mults": 1, "scalar_mults": 0, "adds": 0, "depth": 1}
    depth = math.ceil(math.log2(d + 1))
    k = 2 ** math.ceil(depth / 2)
    baby = k - 1
    giant = max(0, math.ceil(math.log2((d + 1) / k)) - 1)
    combine = math.ceil((d + 1) / k) - 1
    return {"ct_mults": baby + giant + combine, "scalar_mults": d, "adds": d, "depth": depth}


def poly_eval_cost_xp(xp: Any, degree: Any) -> dict[str, Any]:
    """:func:`poly_eval_cost` vectorised over a float array of degrees (>= 1)."""
    d = degree
    depth = xp.ceil(xp.log2(d + 1.0))
    k = 2.0 ** xp.ceil(depth / 2.0)
    giant = xp.maximum(xp.ceil(xp.log2((d + 1.0) / k)) - 1.0, xp.zeros_like(d))
    mults = (k - 1.0) + giant + (xp.ceil((d + 1.0) / k) - 1.0)
    two = d == 2.0
    low = d <= 1.0  # degree 1: one scalar multiply, no ct-ct product
    one = xp.ones_like(d)
    mults = xp.where(two, one, xp.where(low, 0.0 * d, mults))
    return {"ct_mults": mults, "scalar_mults": xp.where(two, 0.0 * d, d),
            "adds": xp.where(two | low, 0.0 * d + xp.where(low, one, 0.0 * d), d),
            "depth": xp.where(two | low, one, depth)}
