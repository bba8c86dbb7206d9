"""ST-GCN skeleton action recognition on NTU-RGB+D (25 joints, spatial partition strategy).

Graph: the 25 NTU joints and 24 bones of ST-GCN's ``graph.py`` (layout ``ntu-rgb+d``, centre joint
21), split by the *spatial* strategy of Yan et al., AAAI 2018, Sec. 3.6 into three partitions:
the root (self loops), neighbours closer to the centre (centripetal) and farther from it
(centrifugal): 25 + 24 + 24 = 73 non-zeros of 3 x 25 x 25.

A block (Yan et al. Fig. 3 / ``net/st_gcn.py``): spatial graph conv (1x1 conv to K·C_out channels
with bias, aggregation by the K adjacency matrices, optional learnable edge-importance mask) →
BN → act → temporal conv (kernel 9x1, stride s, padding 4, bias) → BN, plus a residual (none in
the first block, identity when shapes agree, else 1x1 conv stride s + BN), then act. The network
ends with global average pooling and a 1x1 conv / FC to the classes.

* ``stgcn-ntu``: CryptoGCN's released 6-block model (``ranran0523/CryptoGCN``
  ``native/examples/params``, [CryptoGCN22]): channels 3→64→64→128→128→256→256, temporal stride 2
  at the channel increases (300 → 75 frames), edge importance per block, FC 256→60, x²
  activations.
* ``stgcn3-256``: LinGCN's shipped "STGCN-3-256" (``harveyp123/LinGCN-Neurips23``
  ``Model_3layers_2``, [LinGCN23]): 3→128→256 (stride 2)→256, 256 frames, FC 256→60.

Shapes are per skeleton: NTU clips hold up to two persons (``meta persons=2``); the published
models run both through the network and average the logits, so a cost model multiplies by
``workload.info("persons")``. The input data-BN of ST-GCN (2·V·C parameters) is folded into the
input and not modelled.
"""

from __future__ import annotations

from functools import cache

from ..graph import Tensor, Workload, WorkloadBuilder
from ..ir import Adjacency
from . import register
from .common import activation, check_act, require

__all__ = ["ntu_adjacency", "NTU_BONES", "NTU_CENTER"]

#: NTU-RGB+D bones, 1-based joint pairs (ST-GCN ``graph.py`` layout ``ntu-rgb+d``)
NTU_BONES = ((1, 2), (2, 21), (3, 21), (4, 3), (5, 21), (6, 5), (7, 6), (8, 7), (9, 21), (10, 9),
             (11, 10), (12, 11), (13, 1), (14, 13), (15, 14), (16, 15), (17, 1), (18, 17), (19, 18),
             (20, 19), (22, 23), (23, 8), (24, 25), (25, 12))
#: centre joint (0-based), joint 21 "spine" in 1-based numbering
NTU_CENTER = 20


@cache
def ntu_adjacency(num_joints: int = 25) -> Adjacency:
    """The 3-partition spatial-strategy adjacency of the NTU skeleton, pairs as (dst, src)."""
    edges = [(i - 1, j - 1) for i, j in NTU_BONES]
    nbrs: dict[int, list[int]] = {v: [] for v in range(num_joints)}
    for i, j in edges:
        nbrs[i].append(j)
        nbrs[j].append(i)
    hops = {NTU_CENTER: 0}
    frontier = [NTU_CENTER]
    while frontier:  # breadth-first hop distance to the centre
        nxt = []
        for v in frontier:
            for u in nbrs[v]:
                if u not in hops:
                    hops[u] = hops[v] + 1
                    nxt.append(u)
        frontier = nxt
    root, closer, farther = [], [], []
    for dst in range(num_joints):
        root.append((dst, dst))
        for src in sorted(nbrs[dst]):
            (closer if hops[src] < hops[dst] else farther).append((dst, src))
    return Adjacency(num_joints, (tuple(root), tuple(closer), tuple(farther)))


def stgcn_block(b: WorkloadBuilder, x: Tensor, c_out: int, stride: int, residual: bool, act: str,
                degree: int, kernel_t: int, edge_importance: bool) -> Tensor:
    """One ST-GCN block on ``(C, T, V)``."""
    c_in = x.shape[0]
    y = b.graph_conv(x, c_out, ntu_adjacency(x.shape[2]), edge_importance=edge_importance, name="gcn")
    y = activation(b, b.norm(y, name="tcn_bn1"), act, degree, name="act1")
    y = b.conv2d(y, c_out, (kernel_t, 1), stride=(stride, 1), padding=((kernel_t - 1) // 2, 0), bias=True,
                 name="tcn")
    y = b.norm(y, name="tcn_bn2")
    if residual:
        if c_in == c_out and stride == 1:
            y = b.add(y, x, name="residual")
        else:
            r = b.norm(b.conv2d(x, c_out, 1, stride=(stride, 1), bias=True, name="residual_conv"), name="residual_bn")
            y = b.add(y, r, name="residual")
    return activation(b, y, act, degree, name="act2")


def _stgcn(name: str, channels: tuple[int, ...], strides: tuple[int, ...], frames: int, classes: int,
           act: str, degree: int, kernel_t: int, edge_importance: bool, source: str) -> Workload:
    check_act(name, act, degree)
    require(name, "frames", frames, frames >= 1, "an integer >= 1")
    require(name, "kernel_t", kernel_t, kernel_t >= 1 and kernel_t % 2 == 1, "an odd integer >= 1")
    b = WorkloadBuilder(name, (3, frames, 25), dataset="ntu-rgb+d", persons=2, source=source)
    x = b.input
    for i, (c, s) in enumerate(zip(channels, strides)):
        with b.scope(f"block{i}"):
            x = stgcn_block(b, x, c, s, i > 0, act, degree, kernel_t, edge_importance)
    x = b.flatten(b.global_avgpool(x))
    b.linear(x, classes, name="fcn")
    return b.build()


def _block_spec(name: str, blocks: int, channels: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    try:
        chans = tuple(int(c) for c in str(channels).replace("-", " ").replace("/", " ").split())
    except ValueError:
        chans = ()
    if len(chans) != blocks or min(chans, default=0) < 1:
        raise_bad = f"{blocks} positive widths separated by '-' (e.g. 64-64-128-128-256-256)"
        from dse.errors import DseInputError

        raise DseInputError(f"workload {name}.channels", channels, raise_bad)
    strides = tuple(2 if i > 0 and c > chans[i - 1] else 1 for i, c in enumerate(chans))
    return chans, strides


@register("stgcn-ntu", source="CryptoGCN (Ran et al. NeurIPS 2022) released 6-block ST-GCN, "
                              "ranran0523/CryptoGCN native/examples/params [CryptoGCN22]",
          blocks=6, channels="64-64-128-128-256-256", frames=300, classes=60, act="poly", degree=2,
          kernel_t=9, edge_importance=True)
def stgcn_ntu(blocks: int, channels: str, frames: int, classes: int, act: str, degree: int, kernel_t: int,
              edge_importance: bool) -> Workload:
    """ST-GCN for NTU-RGB+D 60 (25 joints, 3 partitions); stride 2 where the width grows."""
    chans, strides = _block_spec("stgcn-ntu", blocks, channels)
    return _stgcn("stgcn-ntu", chans, strides, frames, classes, act, degree, kernel_t, edge_importance,
                  "CryptoGCN NeurIPS 2022")


@register("stgcn3-256", source="LinGCN (Peng et al. NeurIPS 2023) shipped STGCN-3-256, "
                               "harveyp123/LinGCN-Neurips23 Model_3layers_2 [LinGCN23]",
          frames=256, classes=60, act="poly", degree=2, kernel_t=9, edge_importance=True)
def stgcn3_256(frames: int, classes: int, act: str, degree: int, kernel_t: int, edge_importance: bool) -> Workload:
    """LinGCN's 3-block ST-GCN: 3→128→256 (temporal stride 2)→256 on 256 frames."""
    return _stgcn("stgcn3-256", (128, 256, 256), (1, 2, 1), frames, classes, act, degree, kernel_t,
                  edge_importance, "LinGCN NeurIPS 2023")
