"""How the ``mpc`` model reads per-layer compression (:mod:`workloads.compression`): the ring width.

The ring-based two-party protocols (``cryptflow2``, ``delphi``, ``cheetah``) price every
operation at the ring width ``l`` of their ``bits`` parameter (communication of OT-based
comparisons, truncations and HE-to-share conversions grows with ``l``; [CrypTFlow2-20]).
A quantised network needs no more than the widest exact integer accumulation: a dot product of
``K`` products of a ``w``-bit signed weight and an ``a``-bit activation fits in
``w + a + ceil(log2 K)`` bits, so when **every** weight layer declares both ``weight_bits`` and
``act_bits`` and the model's ``bits`` parameter is 0 (profile default), the ring is

    l = clip(max over weight layers of (w + a + ceil(log2 K)), 8, 64)

(an exact-arithmetic bound, no overflow for any input; the same reasoning sets SiRNN's per-layer
bit widths [SiRNN21]). A non-zero ``bits`` parameter always wins. Not read: ``crypten``
(a fixed 64-bit ring with 16 fractional bits, CrypTen's encoder), ``shamir`` / ``ssnet`` (a
fixed prime field), per-layer rings (the protocols here use one ring for the whole network), and
sparsity (the weights are the server's secret: skipping zeros would reveal the pruning mask, and
under HE-based linear layers a zero costs as much as any coefficient).
"""

from __future__ import annotations

import math
from typing import Any

from workloads.compression import compression_of, weight_layers

__all__ = ["ring_bits", "RING_PROTOCOLS"]

#: protocols whose cost depends on the ``bits`` parameter
RING_PROTOCOLS = ("cryptflow2", "delphi", "cheetah")


def _accumulation(layer: Any) -> int:
    gemms = layer.gemms()
    return max((int(g.k) for g in gemms), default=1)


def ring_bits(workload: Any) -> int:
    """The ring width a fully quantised workload needs (0 when any weight layer lacks bits)."""
    def build() -> int:
        need = 0
        for layer in weight_layers(workload):
            c = compression_of(layer)
            if c.weight_bits is None or c.act_bits is None:
                return 0
            need = max(need, c.weight_bits + c.act_bits + math.ceil(math.log2(max(1, _accumulation(layer)))))
        return min(64, max(8, need)) if need else 0

    return int(workload.memo("mpc.ring_bits", build))
