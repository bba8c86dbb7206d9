"""How a transformer workload becomes pipeline stages whose cost is a function of sequence length.

A stage's multiply-accumulates at sequence length ``L`` are ``lin*L + const + quad*L^2`` (dense
attention), where

* ``lin``   - MACs per token of every token-wise product: Q/K/V/output projections (4 d^2 for a
  fused :class:`~workloads.ir.Attention`), FFN linears, weight MatMuls;
* ``const`` - MACs independent of ``L`` (e.g. the pooler on the [CLS] token);
* ``quad``  - MACs per L^2 of the activation-activation products: QK^T and A.V, i.e. ``2 d`` for
  an attention block of width ``d`` (``Attention.macs = 4 T d^2 + 2 T^2 d``, workloads/ir.py).

Stages follow the workload's group labels (``encoder{i}`` in the zoo's ``bert-base``): one stage
per top-level group (``granularity="layer"``, the DAC'22 design: one encoder layer per stage), or
three per group with attention (``"sublayer"``: ``.qkv`` projections, ``.attn`` score/AV core,
``.ffn`` output projection + feed-forward). Layers without a group join a ``pre``/``post`` stage.
Stages without MACs (embedding look-ups) are dropped. Non-transformer layers (conv, recurrent)
count as ``const``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dse.errors import DseInputError

from .compression import circulant_attention, circulant_linear

__all__ = ["StageTable", "compile_stages", "GRANULARITIES"]

GRANULARITIES = ("layer", "sublayer")


@dataclass(frozen=True)
class StageTable:
    """Per-stage coefficients (numpy arrays of length S) of a compiled workload."""

    names: tuple[str, ...]
    lin: np.ndarray       # MACs per token
    const: np.ndarray     # MACs per sequence
    quad: np.ndarray      # MACs per L^2 (dense attention core)
    width: np.ndarray     # activation width entering the stage (elements per token)
    attn_d: np.ndarray    # summed width of the attention blocks (K/V buffer width), 0 if none
    heads: np.ndarray     # summed attention heads
    weights: np.ndarray   # weight parameters held by the stage
    ref_len: int          # the workload's own sequence length
    smax: np.ndarray      # softmax rows per token (heads): elements = smax * L * E(L)
    ln_tok: np.ndarray    # LayerNorm elements per token (sum of normalised widths)
    act_tok: np.ndarray   # GELU/tanh elements per token
    act_const: np.ndarray  # activation elements per sequence (e.g. the pooler's tanh)

    @property
    def n(self) -> int:
        return len(self.names)

    def macs(self, length: float, *, attention: str = "dense", topk: float = 0.0) -> np.ndarray:
        """MACs per stage for one sequence of ``length`` tokens (numpy; for checks and studies)."""
        exact = self.quad * length * (min(topk, length) if attention == "sparse" else length)
        return self.lin * length + self.const + exact


class _Acc:
    def __init__(self, name: str):
        self.name = name
        self.lin = self.const = self.quad = self.attn_d = self.heads = self.weights = 0.0
        self.smax = self.ln_tok = self.act_tok = self.act_const = 0.0
        self.width = 0.0

    def touch_width(self, w: float) -> None:
        if not self.width:
            self.width = float(w)

    @property
    def has_work(self) -> bool:
        return (self.lin + self.const + self.quad) > 0


def _seq_len(workload) -> int:
    t = workload.info("seq_len")
    if t:
        return int(t)
    for layer in workload.layers:
        if layer.kind == "attention":
            return int(layer.in_shape[0])
    shape = workload.input_shape
    return int(shape[0]) if shape else 1


def _part(layer, granularity: str) -> str:
    """Sub-stage of a layer at ``sublayer`` granularity."""
    if granularity == "layer":
        return ""
    leaf = layer.name.rsplit(".", 1)[-1]
    if layer.kind == "attention":
        return "attn"
    if layer.kind == "linear" and leaf in ("q", "k", "v"):
        return "qkv"
    if layer.kind in ("matmul", "activation") and leaf in ("scores", "softmax", "av"):
        return "attn"
    return "ffn"


def compile_stages(workload, granularity: str = "layer") -> StageTable:
    """Group ``workload``'s layers into pipeline stages (see the module docstring)."""
    if granularity not in GRANULARITIES:
        raise DseInputError("granularity", granularity, "one of " + ", ".join(GRANULARITIES))
    t = float(_seq_len(workload))
    groups: dict[str, dict[str, _Acc]] = {}
    order: list[tuple[str, str]] = []
    seen_group = False
    for layer in workload.layers:
        top = layer.group.split(".")[0] if layer.group else ("post" if seen_group else "pre")
        seen_group = seen_group or bool(layer.group)
        if layer.kind not in ("attention", "norm", "activation") and not layer.macs and not layer.params:
            continue  # reshapes, residual adds, slices: no work, no weights
        part = _part(layer, granularity)
        if layer.kind == "attention" and granularity == "sublayer":
            _stage(groups, order, top, "qkv")  # keep qkv -> attn -> ffn order
        acc = _stage(groups, order, top, part)
        _accumulate(acc, layer, t, groups, order, top, granularity)
    stages = [groups[g][p] for g, p in order if groups[g][p].has_work]
    if not stages:
        raise DseInputError(f"workload {workload.name}", "no multiply-accumulates",
                            "a network with linear/attention layers")
    col = lambda key: np.array([getattr(s, key) for s in stages], dtype=np.float64)  # noqa: E731
    return StageTable(tuple(s.name for s in stages), col("lin"), col("const"), col("quad"), col("width"),
                      col("attn_d"), col("heads"), col("weights"), int(t), col("smax"), col("ln_tok"),
                      col("act_tok"), col("act_const"))


def _stage(groups, order, top: str, part: str) -> _Acc:
    bucket = groups.setdefault(top, {})
    if part not in bucket:
        bucket[part] = _Acc(f"{top}.{part}" if part else top)
        order.append((top, part))
    return bucket[part]


def _accumulate(acc: _Acc, layer, t: float, groups, order, top: str, granularity: str) -> None:
    kind = layer.kind
    shape = layer.in_shape
    tokenwise = len(shape) == 2 and shape[0] == t
    if kind == "attention":
        d = float(layer.d_model)
        circ = circulant_attention(layer)  # block-circulant projections (compression.py)
        qkv = _stage(groups, order, top, "qkv") if granularity == "sublayer" else acc
        out = _stage(groups, order, top, "ffn") if granularity == "sublayer" else acc
        qkv.touch_width(d)
        acc.touch_width(d)
        qkv.lin += 3 * d * d if circ is None else circ[0]
        out.lin += d * d if circ is None else circ[1]
        acc.quad += 2 * d
        acc.attn_d += d
        acc.heads += float(layer.heads)
        acc.smax += float(layer.heads)
        qkv.weights += 3 * d * d + (3 * d if layer.bias else 0) if circ is None else circ[2]
        out.weights += d * d + (d if layer.bias else 0) if circ is None else circ[3]
        return
    circ_lin = circulant_linear(layer, t) if kind == "linear" and tokenwise else None
    if circ_lin is not None:  # FFT-based block-circulant product instead of the dense one
        acc.touch_width(shape[-1])
        acc.lin += circ_lin[0]
        acc.weights += circ_lin[1]
        return
    acc.weights += float(layer.params)
    if kind in ("norm", "activation"):
        _nonlinear(acc, layer, t)
        return
    if kind in ("linear",) or (kind == "matmul" and layer.weights != "none"):
        if tokenwise:
            acc.touch_width(shape[-1])
            acc.lin += layer.macs / t
        else:
            acc.const += layer.macs
        return
    if kind == "matmul":
        g = layer.gemm()
        n_t = sum(1 for dim in (g.m, g.k, g.n) if dim == t)
        if n_t >= 2:
            acc.quad += layer.macs / (t * t)
            if layer.name.endswith("scores"):
                acc.attn_d += float(g.batch * g.k)
                acc.heads += float(g.batch)
        elif n_t == 1:
            acc.lin += layer.macs / t
        else:
            acc.const += layer.macs
        return
    if layer.macs:
        acc.const += layer.macs


def _nonlinear(acc: _Acc, layer, t: float) -> None:
    """Element counts of a norm / activation layer (softmax rows, LayerNorm and GELU elements)."""
    shape = tuple(int(x) for x in layer.in_shape)
    elements = float(np.prod(shape)) if shape else 0.0
    n_t = sum(1 for dim in shape if dim == t)
    leaf = layer.name.rsplit(".", 1)[-1]
    if "softmax" in leaf and n_t >= 2:
        acc.smax += elements / (t * t)
    elif layer.kind == "norm" and n_t >= 1:
        acc.ln_tok += elements / t
    elif layer.kind == "norm":
        acc.act_const += elements
    elif n_t >= 1:
        acc.act_tok += elements / t
    else:
        acc.act_const += elements
