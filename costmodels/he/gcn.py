"""Graph-convolution lowering for ST-GCN under CKKS: CryptoGCN's AMA format, a naive packed A·X
baseline, and LinGCN's fused operator with node-wise (structural) linearisation.

Layouts [CryptoGCN22; LinGCN23]:

* ``ama`` (CryptoGCN, NeurIPS'22): one ciphertext group per joint; slots hold persons x channels
  x frames, channel blocks of ``T*persons`` slots. The 1x1 graph conv per partition mixes channels
  inside each joint's ciphertexts (:func:`~.primitives.channel_mix`, K partitions sharing the
  input's baby-step rotations); the aggregation ``sum_k A_k X W_k`` multiplies neighbour joints'
  ciphertexts by plaintext scalars -- ``nnz(A)`` plaintext multiplies per output channel group and
  **no rotations**. Two levels (conv, aggregation).
* ``naive`` (the conventional *feature-wise* packing, as the HE-GCN papers of CryptoGCN's group call
  it, e.g. G-HEMP MLSys'26 "traditional feature-wise packing"): the tensor flattened in memory
  order (NCHW), so all joints of a channel share a ciphertext (channel blocks of ``V*T*persons``
  slots), and ``A_k X`` is a generic, sparsity-unaware plaintext-ciphertext product: the diagonal
  method on the block-diagonal ``I_(T*persons*channels) (x) A_k`` acting on the whole ciphertext.
  Its node blocks do not wrap around inside a ciphertext, so the matrix has ``2V-1`` non-zero
  cyclic diagonals (offsets ``-(V-1) .. V-1``): per partition and ciphertext ``2(V-1)`` (hoisted)
  rotations and ``2V-1`` plaintext multiplies (the masks fold into the diagonals). Two levels.
* ``naive-cyclic``: the same layout priced as if every node block were a cyclic V-vector (V-1
  rotations, V plaintext multiplies per partition and ciphertext) -- a lower bound on the
  feature-wise baseline (the count this module used before 2026-11; kept for comparison).
* ``ama-fused`` (LinGCN, NeurIPS'23 "finer operator fusion"): ``(sum_k A_k[v,u] W_k)`` is folded
  into one plaintext matrix per joint pair, so conv + aggregation take **one level**; baby-step
  rotations once per input joint, giant steps once per output joint, plaintext multiplies per
  non-zero joint pair of the union adjacency.

LinGCN's structural linearisation keeps a non-linearity on ``keep[s]`` of the V nodes at graph
activation site ``s``; with the structural constraint every node keeps the same number of
non-linear sites, so the activation depth is ``E = ceil(sum(keep) / V)`` levels ([LinGCN23]: the
shipped STGCN-3-256 keeps [10, 15, 25, 25, 25, 0] of 150 gates -> 4 effective layers instead of 6).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from workloads.ir import Adjacency, GraphConv

from .primitives import OpCounts, channel_mix, cts_for

__all__ = [
    "GCN_PACKINGS",
    "FLAT_PACKINGS",
    "LINGCN_SHIPPED_KEEP",
    "GraphLayout",
    "graph_cts",
    "lower_graphconv",
    "naive_diagonals",
    "node_offsets",
    "site_levels",
]

GCN_PACKINGS = ("ama", "ama-fused", "naive", "naive-cyclic")
#: feature-wise (flattened) layouts
FLAT_PACKINGS = ("naive", "naive-cyclic")
#: LinGCN's shipped STGCN-3-256: kept nodes per non-linear site (harveyp123/LinGCN-Neurips23 log.txt)
LINGCN_SHIPPED_KEEP = (10, 15, 25, 25, 25, 0)


@dataclass(frozen=True)
class GraphLayout:
    """Where a (C, T, V) skeleton tensor lives: packing, slots, joints and persons per sample."""

    packing: str
    slots: int
    nodes: int
    persons: int = 1

    @property
    def flat(self) -> bool:
        """True for the feature-wise layouts (all joints of a channel in one block)."""
        return self.packing in FLAT_PACKINGS

    def block(self, frames: int) -> int:
        """Slots per channel block: T*persons (AMA, per joint) or V*T*persons (feature-wise)."""
        base = frames * self.persons
        return base * self.nodes if self.flat else base


def graph_cts(shape: tuple[int, ...], lay: GraphLayout) -> tuple[int, int]:
    """(ciphertexts per joint group, total ciphertexts) of a (C, T, V) tensor."""
    c, t, v = shape
    _, n = cts_for(c, lay.block(t), lay.slots)
    if lay.flat:
        return n, n
    return n, v * n


def naive_diagonals(nodes: int, packing: str = "naive") -> int:
    """Non-zero cyclic diagonals of the feature-wise ``A·X`` per partition: ``2V-1`` for node blocks
    packed side by side in a ciphertext (offsets ``-(V-1)..V-1``), ``V`` for the cyclic idealisation."""
    return nodes if packing == "naive-cyclic" else 2 * nodes - 1


def node_offsets(adj: Adjacency) -> list[set[int]]:
    """Per partition, the distinct node offsets ``(src - dst) mod V`` of its non-zeros."""
    return [{(j - i) % adj.num_nodes for i, j in part} for part in adj.partitions]


def _scaled(oc: OpCounts, times: float, offset: int = 0) -> OpCounts:
    out = OpCounts()
    out.extend(oc, offset=offset, times=times)
    out.rot_keys = oc.rot_keys
    out.temps = oc.temps * times
    return out


def lower_graphconv(layer: GraphConv, lay: GraphLayout, *, method: str = "bsgs", hoist_ratio: float = 1.0) -> OpCounts:
    """Operation counts of one ST-GCN spatial graph convolution ``sum_k A_k X W_k``."""
    c, t, v = layer.in_shape
    co = layer.out_channels
    adj = layer.adjacency
    k = adj.num_partitions
    block = lay.block(t)
    if lay.flat:
        w = channel_mix(c, co, block, lay.slots, heads=k, method=method, hoist_ratio=hoist_ratio)
        _, n_out = cts_for(co, block, lay.slots)
        agg = OpCounts(depth=1)
        hoisted = method == "bsgs"
        diags = naive_diagonals(v, lay.packing)
        for _ in range(k):  # dense diagonal method over the node dimension, per partition
            agg.add("ks_modup", n_out if hoisted else 0).add("rotate_hoisted" if hoisted else "rotate", n_out * (diags - 1))
            agg.add("mul_plain", n_out * diags).add("add", n_out * (diags - 1))
            agg.plaintexts += n_out * diags
        agg.add("add", n_out * (k - 1)).add("rescale", n_out)
        agg.rot_keys = diags - 1
        agg.temps = n_out * diags
        out = OpCounts()
        out.extend(w).extend(agg, offset=1)
        out.rot_keys = w.rot_keys + agg.rot_keys
        out.temps = max(w.temps, agg.temps)
        return out
    per_joint = channel_mix(c, co, block, lay.slots, heads=k if lay.packing == "ama" else 1, method=method,
                            hoist_ratio=hoist_ratio)
    n_c_out = cts_for(co, block, lay.slots)[1]
    if lay.packing == "ama":
        nnz = adj.nnz
        agg = OpCounts(depth=1)
        agg.add("mul_plain", nnz * n_c_out).add("add", (nnz - v) * n_c_out).add("rescale", v * n_c_out)
        agg.plaintexts = nnz * n_c_out
        out = _scaled(per_joint, v)
        out.plaintexts = per_joint.plaintexts  # the same W_k diagonals serve every joint
        out.extend(agg, offset=1)
        return out
    # ama-fused: one plaintext matrix per joint pair of the union adjacency
    pairs = len({(i, j) for part in adj.partitions for i, j in part})
    pm = per_joint.count("mul_plain")
    out = _scaled(per_joint, v)
    extra = (pairs - v) * pm
    out.add("mul_plain", extra).add("add", extra)
    out.plaintexts = pairs * per_joint.plaintexts  # one folded matrix per joint pair
    return out


def site_levels(keep: tuple[int, ...], nodes: int) -> list[bool]:
    """Which activation sites consume a level under structural linearisation.

    ``E = ceil(sum(keep)/nodes)`` sites do (the ones keeping the most nodes, earliest first on
    ties); a site with no kept node never does.
    """
    effective = math.ceil(sum(keep) / nodes) if nodes else 0
    order = sorted(range(len(keep)), key=lambda s: (-keep[s], s))
    chosen = {s for s in order[:effective] if keep[s] > 0}
    return [s in chosen for s in range(len(keep))]
