"""Workloads: a checked DAG of IR layers, and a builder that infers shapes as it goes."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Sequence

from dse.errors import DseInputError, UnknownNameError

from .ir import (
    ACTIVATIONS,
    PARAM_PREFIX,
    Activation,
    Add,
    Adjacency,
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
    Shape,
    Slice,
    numel,
)

__all__ = ["Workload", "WorkloadBuilder", "Tensor", "PARAM_PREFIX"]



@dataclass(frozen=True)
class Workload:
    """A network: named input shape, layers in topological order, free-form metadata.

    Construction checks that names are unique, every input refers to ``"input"`` or an earlier
    layer, and each layer's ``in_shapes`` equal its producers' ``out_shape``.
    """

    name: str
    input_shape: Shape
    layers: tuple[Layer, ...]
    meta: tuple[tuple[str, Any], ...] = ()
    kind: str = field(default="network")

    def __post_init__(self) -> None:
        if not self.layers:
            raise DseInputError(f"workload {self.name}.layers", 0, "at least one layer")
        shapes: dict[str, Shape] = {"input": tuple(self.input_shape)}
        for layer in self.layers:
            if layer.name in shapes:
                raise DseInputError(f"workload {self.name}.layers", layer.name, "unique layer names (and not 'input')")
            for src, shp in zip(layer.inputs, layer.in_shapes):
                if src.startswith(PARAM_PREFIX):
                    continue  # a weight operand (MatMul with weights="a"/"b"), not an activation
                if src not in shapes:
                    raise DseInputError(f"layer {layer.name}.inputs", src, "'input' or the name of an earlier layer")
                if shapes[src] != tuple(shp):
                    raise DseInputError(f"layer {layer.name}.in_shapes", tuple(shp),
                                        f"{shapes[src]} (the output shape of {src})")
            shapes[layer.name] = layer.out_shape
        object.__setattr__(self, "_memo", {})

    # -- lookups -----------------------------------------------------------------------------
    def __iter__(self) -> Iterator[Layer]:
        return iter(self.layers)

    def __len__(self) -> int:
        return len(self.layers)

    def layer(self, name: str) -> Layer:
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise UnknownNameError(f"layer of {self.name}", name, [l.name for l in self.layers])

    def of_kind(self, *kinds: str) -> list[Layer]:
        return [l for l in self.layers if l.kind in kinds]

    @property
    def output_shape(self) -> Shape:
        return self.layers[-1].out_shape

    def info(self, key: str, default: Any = None) -> Any:
        return dict(self.meta).get(key, default)

    def memo(self, key: Any, build: Callable[[], Any]) -> Any:
        """Per-workload cache for derived arrays (cost models compile a workload once)."""
        memo = self._memo  # type: ignore[attr-defined]
        if key not in memo:
            memo[key] = build()
        return memo[key]

    # -- totals --------------------------------------------------------------------------------
    @property
    def macs(self) -> int:
        return sum(l.macs for l in self.layers)

    @property
    def params(self) -> int:
        return sum(l.params for l in self.layers)

    @property
    def relus(self) -> int:
        return sum(l.relus for l in self.layers)

    @property
    def activations(self) -> int:
        return sum(l.activations for l in self.layers)

    def with_compression(self, spec: Any) -> Workload:
        """A copy whose weight layers carry ``spec`` (layer name/glob -> compression table, or a
        sidecar file path); see :func:`workloads.compression.apply_compression`."""
        from .compression import apply_compression, load_sidecar

        if isinstance(spec, (str, bytes)) or hasattr(spec, "__fspath__"):
            spec = load_sidecar(spec)  # type: ignore[arg-type]
        return apply_compression(self, spec)

    @property
    def compressed(self) -> bool:
        """True when any layer carries a compression."""
        return any(getattr(l, "compression", None) is not None for l in self.layers)

    def flatten(self) -> Workload:
        """The same network with fused blocks (``Attention``) expanded into primitive layers."""
        out: list[Layer] = []
        rename: dict[str, str] = {}
        for layer in self.layers:
            layer = _rewire(layer, rename)
            if isinstance(layer, Attention):
                parts = layer.expand()
                out.extend(parts)
                rename[layer.name] = parts[-1].name
            else:
                out.append(layer)
        return Workload(self.name, self.input_shape, tuple(out), self.meta, self.kind)

    def table(self):
        """One row per layer: name, kind, shapes, MACs, params, activations, ReLUs."""
        import pandas as pd

        rows = [{"name": l.name, "kind": l.kind, "detail": l.describe(),
                 "in_shape": "x".join(map(str, l.in_shape)), "out_shape": "x".join(map(str, l.out_shape)),
                 "macs": l.macs, "params": l.params, "activations": l.activations, "relus": l.relus}
                for l in self.layers]
        if self.compressed:  # one more column, only for a compressed network
            for row, l in zip(rows, self.layers):
                row["compression"] = l.compression.describe() if l.compression is not None else ""
        return pd.DataFrame(rows)

    def summary(self) -> dict[str, Any]:
        return {"name": self.name, "layers": len(self.layers), "input_shape": list(self.input_shape),
                "macs": self.macs, "params": self.params, "relus": self.relus,
                "activations": self.activations}

    def __hash__(self) -> int:
        return hash((self.name, self.input_shape, len(self.layers), self.macs))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Workload) and (self.name, self.input_shape, self.layers) == (
            other.name, other.input_shape, other.layers)


def _rewire(layer: Layer, rename: dict[str, str]) -> Layer:
    if not any(i in rename for i in layer.inputs):
        return layer
    from dataclasses import replace

    return replace(layer, inputs=tuple(rename.get(i, i) for i in layer.inputs))


@dataclass(frozen=True)
class Tensor:
    """A handle on a value inside a :class:`WorkloadBuilder` (the producing layer and its shape)."""

    name: str
    shape: Shape


def _pair(v: int | Sequence[int], field_name: str) -> tuple[int, int]:
    if isinstance(v, int):
        return (v, v)
    v = tuple(int(x) for x in v)
    if len(v) != 2:
        raise DseInputError(field_name, v, "an integer or a pair of integers")
    return v  # type: ignore[return-value]


class WorkloadBuilder:
    """Builds a :class:`Workload` layer by layer; each call checks shapes and returns a Tensor.

    >>> b = WorkloadBuilder("tiny", (3, 32, 32))
    >>> x = b.relu(b.conv2d(b.input, 16, 3, padding=1))
    >>> b.build().relus
    16384
    """

    def __init__(self, name: str, input_shape: Shape, **meta: Any):
        self.name = name
        self.input = Tensor("input", tuple(int(d) for d in input_shape))
        self.meta = meta
        self._layers: list[Layer] = []
        self._names: set[str] = {"input"}
        self._counts: dict[str, int] = {}
        self._scope: list[str] = []

    # -- naming ------------------------------------------------------------------------------
    @contextlib.contextmanager
    def scope(self, prefix: str) -> Iterator[None]:
        """Prefix layer names (and set the group label) inside a ``with`` block."""
        self._scope.append(prefix)
        try:
            yield
        finally:
            self._scope.pop()

    @property
    def group(self) -> str:
        return ".".join(self._scope)

    def _name(self, base: str, name: str | None) -> str:
        if name is None:
            key = (self.group, base)
            n = self._counts.get(str(key), 0)
            self._counts[str(key)] = n + 1
            name = f"{base}{n}"
        full = ".".join(self._scope + [name]) if self._scope else name
        while full in self._names:
            n = self._counts.get(full, 1)
            self._counts[full] = n + 1
            full = f"{full}_{n}"
        return full

    def add_layer(self, cls: type[Layer], inputs: Sequence[Tensor], base: str, name: str | None = None,
                  **kwargs: Any) -> Tensor:
        layer = cls(name=self._name(base, name), in_shapes=tuple(t.shape for t in inputs),
                    inputs=tuple(t.name for t in inputs), group=self.group, **kwargs)
        self._layers.append(layer)
        self._names.add(layer.name)
        return Tensor(layer.name, layer.out_shape)

    # -- layers ----------------------------------------------------------------------------------
    def conv2d(self, x: Tensor, out_channels: int, kernel: int | Sequence[int], stride: int | Sequence[int] = 1,
               padding: int | Sequence[int] | str = 0, dilation: int | Sequence[int] = 1, groups: int = 1,
               bias: bool = False, name: str | None = None) -> Tensor:
        k = _pair(kernel, "kernel")
        d = _pair(dilation, "dilation")
        if padding == "same":
            p = ((d[0] * (k[0] - 1)) // 2, (d[1] * (k[1] - 1)) // 2)
        else:
            p = _pair(padding, "padding")  # type: ignore[arg-type]
        return self.add_layer(Conv2d, [x], "conv", name, out_channels=int(out_channels), kernel=k,
                              stride=_pair(stride, "stride"), padding=p, dilation=d, groups=int(groups),
                              bias=bool(bias))

    def linear(self, x: Tensor, out_features: int, bias: bool = True, name: str | None = None) -> Tensor:
        return self.add_layer(Linear, [x], "linear", name, out_features=int(out_features), bias=bias)

    def matmul(self, a: Tensor, b: Tensor, weights: str = "none", name: str | None = None) -> Tensor:
        return self.add_layer(MatMul, [a, b], "matmul", name, weights=weights)

    def weight(self, shape: Shape, name: str) -> Tensor:
        """A named weight operand for :meth:`matmul` with ``weights='b'`` (not a layer)."""
        return Tensor(f"{PARAM_PREFIX}{name}", tuple(shape))

    def act(self, x: Tensor, fn: str = "relu", degree: int = 0, name: str | None = None) -> Tensor:
        if fn not in ACTIVATIONS:
            raise DseInputError("fn", fn, "one of " + ", ".join(ACTIVATIONS))
        return self.add_layer(Activation, [x], fn if fn != "poly" else f"poly{degree}", name, fn=fn, degree=degree)

    def relu(self, x: Tensor, name: str | None = None) -> Tensor:
        return self.act(x, "relu", name=name)

    def maxpool(self, x: Tensor, kernel: int, stride: int | None = None, padding: int = 0,
                name: str | None = None) -> Tensor:
        return self.add_layer(Pool2d, [x], "maxpool", name, mode="max", kernel=_pair(kernel, "kernel"),
                              stride=_pair(stride or kernel, "stride"), padding=_pair(padding, "padding"))

    def avgpool(self, x: Tensor, kernel: int, stride: int | None = None, padding: int = 0,
                name: str | None = None) -> Tensor:
        return self.add_layer(Pool2d, [x], "avgpool", name, mode="avg", kernel=_pair(kernel, "kernel"),
                              stride=_pair(stride or kernel, "stride"), padding=_pair(padding, "padding"))

    def global_avgpool(self, x: Tensor, name: str | None = None) -> Tensor:
        _, h, w = x.shape
        return self.add_layer(Pool2d, [x], "avgpool", name, mode="avg", kernel=(h, w), stride=(h, w))

    def norm(self, x: Tensor, mode: str = "batch", name: str | None = None) -> Tensor:
        return self.add_layer(Norm, [x], "bn" if mode == "batch" else "ln", name, mode=mode)

    def add(self, a: Tensor, b: Tensor, name: str | None = None) -> Tensor:
        return self.add_layer(Add, [a, b], "add", name)

    def mul(self, a: Tensor, b: Tensor, name: str | None = None) -> Tensor:
        return self.add_layer(Mul, [a, b], "mul", name)

    def concat(self, xs: Sequence[Tensor], axis: int = 0, name: str | None = None) -> Tensor:
        return self.add_layer(Concat, list(xs), "concat", name, axis=axis)

    def reshape(self, x: Tensor, shape: Shape, name: str | None = None) -> Tensor:
        return self.add_layer(Reshape, [x], "reshape", name, shape=tuple(int(d) for d in shape))

    def flatten(self, x: Tensor, name: str | None = None) -> Tensor:
        return self.reshape(x, (numel(x.shape),), name=name or "flatten")

    def attention(self, x: Tensor, heads: int, bias: bool = True, name: str | None = None) -> Tensor:
        return self.add_layer(Attention, [x], "attn", name, heads=int(heads), bias=bias)

    def graph_conv(self, x: Tensor, out_channels: int, adjacency: Adjacency, bias: bool = True,
                   name: str | None = None, edge_importance: bool = False) -> Tensor:
        return self.add_layer(GraphConv, [x], "gcn", name, out_channels=int(out_channels),
                              adjacency=adjacency, bias=bias, edge_importance=bool(edge_importance))

    def recurrent(self, x: Tensor, hidden: int, cell: str = "lstm", name: str | None = None,
                  proj: int = 0, peephole: bool = False) -> Tensor:
        return self.add_layer(Recurrent, [x], cell, name, cell=cell, hidden=int(hidden), proj=int(proj),
                              peephole=bool(peephole))

    def slice(self, x: Tensor, axis: int = 0, start: int = 0, length: int = 1, name: str | None = None) -> Tensor:
        return self.add_layer(Slice, [x], "slice", name, axis=int(axis), start=int(start), length=int(length))

    def embedding(self, x: Tensor, vocab: int, dim: int, name: str | None = None) -> Tensor:
        return self.add_layer(Embedding, [x], "embed", name, vocab=int(vocab), dim=int(dim))

    # -- result ---------------------------------------------------------------------------------
    def build(self) -> Workload:
        return Workload(self.name, self.input.shape, tuple(self._layers),
                        tuple(sorted(self.meta.items())))
