"""How each IR layer becomes CKKS operations (counts per level offset, depth, activations).

Packing (``slots`` values per ciphertext):

* images ``(C, H, W)``: channel (multiplexed) packing, ``slots // (H W)`` channels per ciphertext;
* skeleton tensors ``(C, T, V)`` of a workload with graph convolutions: :mod:`.gcn` layouts;
* anything else: values packed contiguously, ``ceil(numel / slots)`` ciphertexts.

Rules (sources in :mod:`.primitives` and :mod:`.gcn`): conv/linear/weight-matmul =
:func:`~.primitives.channel_mix` (depth 1, ``matvec`` = ``bsgs`` with hoisted baby steps or plain
``diagonal``); activation-activation matmul = E2DM (Jiang et al. CCS'18: ``3d + 5 sqrt(d)``
rotations and ``d`` ct-ct products per d x d tile, depth 3); non-polynomial activations =
polynomial of the ``act_degree`` knob (``poly`` layers keep their own degree); average pooling =
rotate-and-sum with the 1/window folded into the next linear layer (depth 0); max pooling =
``window-1`` polynomial max evaluations in ``ceil(log2 window)`` rounds; batch norm folds into the
previous linear layer (free); layer norm = rotate-and-sum mean/variance + inverse-sqrt polynomial;
residual add = ciphertext adds; reshape/concat/slice/embedding = free (client-side or relabelling).
Simplifications (documented in docs/he.md): strided convolutions are priced at input resolution
without compaction rotations; layout changes between layers are free.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from dse.errors import DseInputError
from workloads.graph import PARAM_PREFIX
from workloads.ir import (
    Activation,
    Add,
    Attention,
    Concat,
    Conv2d,
    Embedding,
    GraphConv,
    Layer,
    Linear,
    MatMul,
    Mul,
    Norm,
    Pool2d,
    Recurrent,
    Reshape,
    Slice,
    numel,
)

from .gcn import LINGCN_SHIPPED_KEEP, GraphLayout, graph_cts, lower_graphconv, site_levels
from .primitives import OpCounts, channel_mix, cts_for

__all__ = ["MATVEC_METHODS", "LayerOps", "LoweringConfig", "lower_workload", "parse_keep"]

MATVEC_METHODS = ("bsgs", "diagonal")
_POLY_FNS = ("relu", "relu6", "gelu", "silu", "sigmoid", "tanh", "hardswish")


@dataclass(frozen=True)
class LoweringConfig:
    slots: int
    packing: str = "ama"
    matvec: str = "bsgs"
    hoist_ratio: float = 1.0
    keep: tuple[int, ...] | None = None  # LinGCN kept nodes per graph activation site
    persons: int = 1


@dataclass
class LayerOps:
    """One layer lowered: fixed op counts plus a polynomial-activation part priced per design point."""

    name: str
    kind: str
    counts: OpCounts
    cts_in: float
    cts_out: float
    act_cts: float = 0.0      # polynomial evaluations (ciphertexts x polynomials)
    act_degree: int = 0       # fixed degree; 0 -> the act_degree knob
    act_seq: int = 0          # sequential polynomial rounds (depth multiplier)
    act_consumes: bool = True  # False: a linearised site fused into its neighbours (no level)
    inputs: tuple[int, ...] = field(default_factory=tuple)  # producer indices, -1 = network input
    signature: tuple = ()     # layers with equal signatures reuse the same rotation keys


def parse_keep(spec: str | None) -> tuple[int, ...] | None:
    """LinGCN linearisation: ``all`` (None), ``lingcn`` (the shipped mask) or ``"10,15,25,..."``."""
    if spec is None or str(spec).strip() in ("", "all"):
        return None
    if str(spec).strip() == "lingcn":
        return LINGCN_SHIPPED_KEEP
    try:
        keep = tuple(int(x) for x in str(spec).split(","))
    except ValueError:
        raise DseInputError("nonlinear_keep", spec, "all, lingcn, or comma-separated kept-node counts per site") from None
    if any(k < 0 for k in keep):
        raise DseInputError("nonlinear_keep", spec, "non-negative kept-node counts")
    return keep


def _graph_of(layers: tuple[Layer, ...]) -> GraphConv | None:
    return next((l for l in layers if isinstance(l, GraphConv)), None)


class _Lowerer:
    def __init__(self, workload, cfg: LoweringConfig):
        self.cfg = cfg
        self.gconv = _graph_of(workload.layers)
        nodes = self.gconv.adjacency.num_nodes if self.gconv else 0
        gpack = cfg.packing if self.gconv else "ama"
        self.glay = GraphLayout(gpack, cfg.slots, nodes, cfg.persons)
        self.site = 0

    def is_graph(self, shape: tuple[int, ...]) -> bool:
        return self.gconv is not None and len(shape) == 3 and shape[2] == self.glay.nodes

    def cts(self, shape: tuple[int, ...]) -> float:
        s = self.cfg.slots
        if self.is_graph(shape):
            return float(graph_cts(shape, self.glay)[1])
        if len(shape) == 3:
            return float(cts_for(shape[0], shape[1] * shape[2], s)[1])
        return float(math.ceil(numel(shape) / s))

    def mix(self, c_in: int, c_out: int, block: int, taps: int = 1, heads: int = 1) -> OpCounts:
        return channel_mix(c_in, c_out, block, self.cfg.slots, taps=taps, heads=heads, method=self.cfg.matvec,
                           hoist_ratio=self.cfg.hoist_ratio)

    # -- per kind -------------------------------------------------------------------------
    def conv(self, l: Conv2d) -> OpCounts:
        c, h, w = l.in_shape
        kh, kw = l.kernel
        if self.is_graph(l.in_shape) and kw == 1:
            block = self.glay.block(h)
            oc = self.mix(c // l.groups, l.out_channels // l.groups, block, taps=kh)
            times = l.groups * (1 if self.glay.flat else self.glay.nodes)
            out = _times(oc, times)
            out.plaintexts = oc.plaintexts * l.groups  # joints share the temporal kernel's diagonals
            return out
        block = h * w
        if l.is_depthwise:
            n = self.cts(l.in_shape)
            oc = OpCounts(depth=1)
            taps = kh * kw
            oc.add("rotate", n * (taps - 1)).add("mul_plain", n * taps).add("add", n * (taps - 1)).add("rescale", n)
            oc.rot_keys, oc.plaintexts, oc.temps = taps - 1, n * taps, 1.0
            return oc
        oc = self.mix(c // l.groups, l.out_channels // l.groups, block, taps=kh * kw)
        return _times(oc, l.groups)

    def matmul(self, l: MatMul) -> OpCounts:
        g = l.gemm()
        if l.weights == "b":
            return self.mix(g.k, g.n, g.m * g.batch)
        if l.weights == "a":
            return self.mix(g.k, g.m, g.n * g.batch)
        d = min(max(g.m, g.k, g.n), max(1, math.isqrt(self.cfg.slots)))
        tiles = g.batch * math.ceil(g.m / d) * math.ceil(g.n / d) * math.ceil(g.k / d)
        oc = OpCounts(depth=3)  # E2DM: mask (PMult), ct-ct product, mask (PMult)
        rot = 3 * d + 5 * math.isqrt(max(d - 1, 0)) + 5  # E2DM: 3d + 5*ceil(sqrt d) rotations
        oc.add("rotate", tiles * rot).add("mul_plain", tiles * 2 * d, 0).add("mul", tiles * d, 1)
        oc.add("relinearize", tiles * d, 1).add("add", tiles * 2 * d).add("rescale", tiles * (2 * d + 1))
        oc.rot_keys, oc.temps = rot, tiles * 2.0
        return oc

    def pool(self, l: Pool2d, ops: LayerOps) -> OpCounts:
        n = self.cts(l.in_shape)
        kh, kw = l.kernel
        oc = OpCounts(depth=0)
        if self.is_graph(l.in_shape) and not self.glay.flat and kw == self.glay.nodes:
            per = n / self.glay.nodes
            steps = math.ceil(math.log2(kh)) if kh > 1 else 0
            oc.add("add", per * (self.glay.nodes - 1) + per * steps).add("rotate", per * steps)
            oc.rot_keys = steps
        else:
            steps = (math.ceil(math.log2(kh)) if kh > 1 else 0) + (math.ceil(math.log2(kw)) if kw > 1 else 0)
            oc.add("rotate", n * steps).add("add", n * steps)
            oc.rot_keys = steps
        if l.mode == "max":
            ops.act_cts = n * (l.window - 1)
            ops.act_seq = math.ceil(math.log2(max(l.window, 2)))
        return oc

    def activation(self, l: Activation, ops: LayerOps) -> OpCounts:
        n = self.cts(l.in_shape)
        oc = OpCounts(depth=0)
        if l.fn == "identity":
            return oc
        ops.act_degree = l.degree if l.fn == "poly" else 0
        ops.act_seq = 2 if l.fn == "softmax" else 1
        ops.act_cts = n * ops.act_seq
        if l.fn == "softmax":
            steps = math.ceil(math.log2(max(l.in_shape[-1], 2)))
            oc.add("rotate", n * steps).add("add", n * steps)
            oc.rot_keys = steps
        if self.is_graph(l.in_shape):
            keep = self.cfg.keep
            kept = keep[self.site] if keep is not None and self.site < len(keep) else self.glay.nodes
            kept = min(kept, self.glay.nodes)
            if not self.glay.flat:
                ops.act_cts = n * kept / self.glay.nodes
            elif kept == 0:
                ops.act_cts = 0.0
            self.site += 1
        return oc

    def layer(self, l: Layer, ops: LayerOps) -> OpCounts:
        if isinstance(l, GraphConv):
            return lower_graphconv(l, self.glay, method=self.cfg.matvec, hoist_ratio=self.cfg.hoist_ratio)
        if isinstance(l, Conv2d):
            return self.conv(l)
        if isinstance(l, Linear):
            return self.mix(l.in_features, l.out_features, l.rows)
        if isinstance(l, MatMul):
            return self.matmul(l)
        if isinstance(l, Activation):
            return self.activation(l, ops)
        if isinstance(l, Pool2d):
            return self.pool(l, ops)
        n = self.cts(l.in_shape)
        if isinstance(l, Norm):
            if l.mode == "batch":
                return OpCounts()  # folded into the previous linear layer
            d = l.in_shape[-1]
            steps = 2 * math.ceil(math.log2(max(d, 2)))
            oc = OpCounts(depth=2)
            oc.add("rotate", n * steps).add("add", n * steps)
            for off in (0, 1):
                oc.add("mul", n, off).add("relinearize", n, off).add("rescale", n, off)
            oc.rot_keys = steps
            ops.act_cts, ops.act_seq = n, 1
            return oc
        if isinstance(l, Add):
            return OpCounts().add("add", n)
        if isinstance(l, Mul):
            return OpCounts(depth=1).add("mul", n).add("relinearize", n).add("rescale", n)
        if isinstance(l, Recurrent):
            steps, h = l.steps, l.hidden
            cell = self.mix(l.input_size + h, l.gates * h, 1)
            oc = _times(cell, steps)
            nh = math.ceil(h / self.cfg.slots)
            oc.add("mul", 3 * steps * nh).add("relinearize", 3 * steps * nh).add("rescale", 3 * steps * nh)
            oc.depth = 2 * steps
            ops.act_cts, ops.act_seq = steps * (l.gates + 1) * nh, 2 * steps
            return oc
        if isinstance(l, (Concat, Reshape, Slice, Embedding)):
            return OpCounts()
        raise DseInputError(f"layer {l.name}.kind", l.kind, "a layer kind the CKKS lowering supports")


def _times(oc: OpCounts, times: float) -> OpCounts:
    if times == 1:
        return oc
    out = OpCounts()
    out.extend(oc, times=times)
    out.rot_keys, out.depth, out.temps = oc.rot_keys, oc.depth, oc.temps * times
    return out


def lower_workload(workload, cfg: LoweringConfig) -> list[LayerOps]:
    """Lower every layer of ``workload`` (attention blocks expanded first)."""
    if any(isinstance(l, Attention) for l in workload.layers):
        workload = workload.flatten()
    low = _Lowerer(workload, cfg)
    index = {"input": -1}
    out: list[LayerOps] = []
    for i, l in enumerate(workload.layers):
        ops = LayerOps(l.name, l.kind, OpCounts(), low.cts(l.in_shape), low.cts(l.out_shape),
                       inputs=tuple(index[s] for s in l.inputs if not s.startswith(PARAM_PREFIX)),
                       signature=(type(l).__name__, l.in_shapes, l.out_shape, l.describe()))
        ops.counts = low.layer(l, ops)
        out.append(ops)
        index[l.name] = i
    if low.gconv is not None and cfg.keep is not None:
        consumes = site_levels(tuple(cfg.keep[:low.site]) + (low.glay.nodes,) * max(0, low.site - len(cfg.keep)),
                               low.glay.nodes)
        sites = [o for o, l in zip(out, workload.layers) if isinstance(l, Activation) and low.is_graph(l.in_shape)
                 and l.fn != "identity"]
        for o, c in zip(sites, consumes):
            o.act_consumes = c
    return out
