"""Sequence and graph blocks of the layer IR: fused attention, graph convolution, recurrent layers,
embeddings (re-exported by :mod:`workloads.ir`; same conventions and error fields)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from dse.errors import DseInputError

from .ir_base import Gemm, Layer, Shape
from .ir_layers import Activation, Linear, MatMul
from .ir_tensor import Reshape

__all__ = ["Attention", "Adjacency", "GraphConv", "Recurrent", "Embedding"]


@dataclass(frozen=True, kw_only=True)
class Attention(Layer):
    """Fused multi-head self-attention on ``(T, D)``: Q/K/V/O projections, scores, softmax, A·V.

    ``macs = 4·T·D² + 2·T²·D`` (projections plus QKᵀ and AV); ``softmax`` over ``heads·T·T``.
    :meth:`expand` gives the same block as primitive layers.
    """

    heads: int = 1
    bias: bool = True

    kind: ClassVar[str] = "attention"

    def _infer(self) -> Shape:
        if len(self.in_shape) != 2:
            self._bad("in_shapes", self.in_shapes, "one (T, D) shape")
        t, d = self.in_shape
        if self.heads < 1 or d % self.heads:
            self._bad("heads", self.heads, f"a divisor of the model width {d}")
        return self.in_shape

    @property
    def seq_len(self) -> int:
        return self.in_shape[0]

    @property
    def d_model(self) -> int:
        return self.in_shape[1]

    @property
    def head_dim(self) -> int:
        return self.d_model // self.heads

    @property
    def macs(self) -> int:
        t, d = self.in_shape
        return 4 * t * d * d + 2 * t * t * d

    @property
    def params(self) -> int:
        d = self.d_model
        return 4 * d * d + (4 * d if self.bias else 0)

    @property
    def nonlinear(self) -> int:
        return self.heads * self.seq_len * self.seq_len

    def gemms(self) -> tuple[Gemm, ...]:
        """Q, K, V, output projections (T x D by D x D) and per-head QKᵀ and A·V products."""
        t, d, h, hd = self.seq_len, self.d_model, self.heads, self.head_dim
        proj = Gemm(1, t, d, d)
        return (proj, proj, proj, Gemm(h, t, hd, t), Gemm(h, t, t, hd), proj)

    def expand(self) -> tuple[Layer, ...]:
        """The block as primitive layers (names prefixed with this layer's name)."""
        t, d, h, hd = self.seq_len, self.d_model, self.heads, self.head_dim
        p, g, src = self.name, self.group or self.name, self.inputs[0]
        x = self.in_shape
        q = Linear(name=f"{p}.q", in_shapes=(x,), inputs=(src,), out_features=d, bias=self.bias, group=g,
                   compression=self.compression)
        k = Linear(name=f"{p}.k", in_shapes=(x,), inputs=(src,), out_features=d, bias=self.bias, group=g,
                   compression=self.compression)
        v = Linear(name=f"{p}.v", in_shapes=(x,), inputs=(src,), out_features=d, bias=self.bias, group=g,
                   compression=self.compression)
        qh = Reshape(name=f"{p}.qh", in_shapes=((t, d),), inputs=(q.name,), shape=(h, t, hd), group=g)
        kt = Reshape(name=f"{p}.kt", in_shapes=((t, d),), inputs=(k.name,), shape=(h, hd, t), group=g)
        vh = Reshape(name=f"{p}.vh", in_shapes=((t, d),), inputs=(v.name,), shape=(h, t, hd), group=g)
        s = MatMul(name=f"{p}.scores", in_shapes=((h, t, hd), (h, hd, t)), inputs=(qh.name, kt.name), group=g)
        a = Activation(name=f"{p}.softmax", in_shapes=((h, t, t),), inputs=(s.name,), fn="softmax", group=g)
        av = MatMul(name=f"{p}.av", in_shapes=((h, t, t), (h, t, hd)), inputs=(a.name, vh.name), group=g)
        m = Reshape(name=f"{p}.merge", in_shapes=((h, t, hd),), inputs=(av.name,), shape=(t, d), group=g)
        o = Linear(name=f"{p}.out", in_shapes=((t, d),), inputs=(m.name,), out_features=d, bias=self.bias, group=g,
                   compression=self.compression)
        return (q, k, v, qh, kt, vh, s, a, av, m, o)

    def describe(self) -> str:
        return f"{self.heads} heads"


@dataclass(frozen=True)
class Adjacency:
    """A graph's adjacency split into partitions (ST-GCN spatial strategy: K edge lists).

    ``partitions[k]`` is a tuple of ``(dst, src)`` node pairs with a non-zero in ``A_k``.
    """

    num_nodes: int
    partitions: tuple[tuple[tuple[int, int], ...], ...]

    def __post_init__(self) -> None:
        if self.num_nodes < 1:
            raise DseInputError("adjacency.num_nodes", self.num_nodes, "an integer >= 1")
        if not self.partitions:
            raise DseInputError("adjacency.partitions", self.partitions, "at least one partition")
        for part in self.partitions:
            for i, j in part:
                if not (0 <= i < self.num_nodes and 0 <= j < self.num_nodes):
                    raise DseInputError("adjacency.edge", (i, j), f"node indices in [0, {self.num_nodes - 1}]")

    @property
    def num_partitions(self) -> int:
        return len(self.partitions)

    @property
    def nnz(self) -> int:
        return sum(len(p) for p in self.partitions)

    @property
    def density(self) -> float:
        return self.nnz / (self.num_partitions * self.num_nodes**2)

    def dense(self):
        import numpy as np

        a = np.zeros((self.num_partitions, self.num_nodes, self.num_nodes))
        for k, part in enumerate(self.partitions):
            for i, j in part:
                a[k, i, j] = 1.0
        return a


@dataclass(frozen=True, kw_only=True)
class GraphConv(Layer):
    """Spatial graph convolution on ``(C, T, V)`` (ST-GCN): ``Y = Σ_k A_k · X · W_k``.

    ``macs = K·C_in·C_out·T·V`` (feature transform) ``+ nnz(A)·C_out·T`` (aggregation).
    """

    out_channels: int
    adjacency: Adjacency
    bias: bool = True
    edge_importance: bool = False  # ST-GCN's learnable mask M (K x V x V), multiplied into A

    kind: ClassVar[str] = "graphconv"

    def _infer(self) -> Shape:
        if len(self.in_shape) != 3:
            self._bad("in_shapes", self.in_shapes, "one (C, T, V) shape")
        c, t, v = self.in_shape
        if v != self.adjacency.num_nodes:
            self._bad("adjacency", self.adjacency.num_nodes, f"{v} nodes (the input's V)")
        if self.out_channels < 1:
            self._bad("out_channels", self.out_channels, "an integer >= 1")
        return (self.out_channels, t, v)

    @property
    def transform_macs(self) -> int:
        c, t, v = self.in_shape
        return self.adjacency.num_partitions * c * self.out_channels * t * v

    @property
    def aggregate_macs(self) -> int:
        return self.adjacency.nnz * self.out_channels * self.in_shape[1]

    @property
    def macs(self) -> int:
        return self.transform_macs + self.aggregate_macs

    @property
    def params(self) -> int:
        k, c, v = self.adjacency.num_partitions, self.in_shape[0], self.adjacency.num_nodes
        return (k * c * self.out_channels + (k * self.out_channels if self.bias else 0)
                + (k * v * v if self.edge_importance else 0))

    def gemm(self) -> Gemm:
        c, t, v = self.in_shape
        return Gemm(1, t * v, c, self.adjacency.num_partitions * self.out_channels)

    def describe(self) -> str:
        return f"K={self.adjacency.num_partitions} nnz={self.adjacency.nnz}"


@dataclass(frozen=True, kw_only=True)
class Recurrent(Layer):
    """LSTM or GRU layer unrolled over ``T`` steps: ``(T, I) -> (T, H)`` (PyTorch parameterisation).

    ``macs = T·G·(I+H)·H`` with G = 4 gates (LSTM) or 3 (GRU); params ``G·(I·H + H·H + 2H)``.
    An LSTM may have a recurrent projection to ``proj`` units (LSTMP, Sak et al. 2014; PyTorch
    ``proj_size``): the recurrent input and the output are then ``proj`` wide, params
    ``4·(I·H + P·H + 2H) + H·P`` and macs ``T·(4·(I+P)·H + H·P)``. ``peephole`` adds the diagonal
    cell-to-gate weights of Sak et al. (3H params, 3H multiply-adds per step).
    """

    cell: str = "lstm"
    hidden: int = 1
    proj: int = 0
    peephole: bool = False

    kind: ClassVar[str] = "recurrent"

    def _infer(self) -> Shape:
        if self.cell not in ("lstm", "gru"):
            self._bad("cell", self.cell, "one of lstm, gru")
        if len(self.in_shape) != 2:
            self._bad("in_shapes", self.in_shapes, "one (T, I) shape")
        if self.hidden < 1:
            self._bad("hidden", self.hidden, "an integer >= 1")
        if self.proj < 0 or (self.proj and self.cell != "lstm"):
            self._bad("proj", self.proj, "0 (no projection) or, for an LSTM, an integer >= 1")
        if self.peephole and self.cell != "lstm":
            self._bad("peephole", self.peephole, "False for a GRU")
        return (self.in_shape[0], self.proj or self.hidden)

    @property
    def gates(self) -> int:
        return 4 if self.cell == "lstm" else 3

    @property
    def steps(self) -> int:
        return self.in_shape[0]

    @property
    def input_size(self) -> int:
        return self.in_shape[1]

    @property
    def recurrent_size(self) -> int:
        """Width of the state fed back each step (``proj`` for an LSTMP, else ``hidden``)."""
        return self.proj or self.hidden

    @property
    def macs(self) -> int:
        h, r = self.hidden, self.recurrent_size
        per_step = self.gates * (self.input_size + r) * h + self.proj * h + (3 * h if self.peephole else 0)
        return self.steps * per_step

    @property
    def params(self) -> int:
        h, r = self.hidden, self.recurrent_size
        return (self.gates * (self.input_size * h + r * h + 2 * h) + self.proj * h
                + (3 * h if self.peephole else 0))

    @property
    def nonlinear(self) -> int:
        # LSTM: 3 sigmoid + 2 tanh per unit; GRU: 2 sigmoid + 1 tanh
        return self.steps * self.hidden * (5 if self.cell == "lstm" else 3)

    def gemm(self) -> Gemm:
        """The gate product (one matrix-vector product per step); see :meth:`gemms`."""
        return Gemm(self.steps, 1, self.input_size + self.recurrent_size, self.gates * self.hidden)

    def gemms(self) -> tuple[Gemm, ...]:
        g = (self.gemm(),)
        return g + ((Gemm(self.steps, 1, self.hidden, self.proj),) if self.proj else ())

    def describe(self) -> str:
        extra = (f" p={self.proj}" if self.proj else "") + (" peephole" if self.peephole else "")
        return f"{self.cell} h={self.hidden}{extra}"


@dataclass(frozen=True, kw_only=True)
class Embedding(Layer):
    """Token-id lookup: ``(T,) -> (T, dim)``; a table of ``vocab x dim`` weights, no MACs."""

    vocab: int
    dim: int

    kind: ClassVar[str] = "embedding"

    def _infer(self) -> Shape:
        if len(self.in_shape) != 1:
            self._bad("in_shapes", self.in_shapes, "one (T,) shape of token ids")
        if self.vocab < 1 or self.dim < 1:
            self._bad("vocab", (self.vocab, self.dim), "vocab >= 1 and dim >= 1")
        return (self.in_shape[0], self.dim)

    @property
    def params(self) -> int:
        return self.vocab * self.dim
