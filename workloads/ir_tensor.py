"""Tensor-plumbing layers of the layer IR: elementwise ``Add``/``Mul``, ``Concat``, ``Reshape``,
``Slice`` (re-exported by :mod:`workloads.ir`; same conventions and error fields)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from .ir_base import PARAM_PREFIX, Layer, Shape, numel


@dataclass(frozen=True, kw_only=True)
class Add(Layer):
    """Elementwise sum of two equal-shaped tensors (residual connections).

    A second operand that is a weight (``param:`` input, e.g. a bias or a position embedding) may
    broadcast to the first (same rank, sizes equal or 1); its elements count as parameters.
    """

    kind: ClassVar[str] = "add"
    arity: ClassVar[int] = 2

    def _infer(self) -> Shape:
        a, b = self.in_shapes
        if a != b:
            broadcast = (len(a) == len(b) and all(db in (1, da) for da, db in zip(a, b))
                         and self.inputs[1].startswith(PARAM_PREFIX))
            if not broadcast:
                self._bad("in_shapes", self.in_shapes,
                          "two equal shapes (or a param: second operand broadcastable to the first)")
        return a

    @property
    def params(self) -> int:
        return self.param_operand_elements


@dataclass(frozen=True, kw_only=True)
class Mul(Layer):
    """Elementwise product with broadcasting of the second operand (e.g. squeeze-excite scales)."""

    kind: ClassVar[str] = "mul"
    arity: ClassVar[int] = 2

    def _infer(self) -> Shape:
        a, b = self.in_shapes
        if len(a) != len(b) or any(db not in (1, da) for da, db in zip(a, b)):
            self._bad("in_shapes", self.in_shapes, "a second operand broadcastable to the first")
        return a

    @property
    def macs(self) -> int:
        return self.activations

    @property
    def params(self) -> int:
        return self.param_operand_elements


@dataclass(frozen=True, kw_only=True)
class Concat(Layer):
    """Concatenation along ``axis`` of two or more tensors."""

    axis: int = 0

    kind: ClassVar[str] = "concat"
    arity: ClassVar[int] = 0  # variadic

    def _infer(self) -> Shape:
        shapes = self.in_shapes
        if len(shapes) < 2:
            self._bad("in_shapes", shapes, "two or more shapes")
        rank = len(shapes[0])
        ax = self.axis % rank
        for s in shapes:
            if len(s) != rank or any(d != d0 for i, (d, d0) in enumerate(zip(s, shapes[0])) if i != ax):
                self._bad("in_shapes", shapes, f"equal shapes except along axis {self.axis}")
        return tuple(sum(s[ax] for s in shapes) if i == ax else d for i, d in enumerate(shapes[0]))

    @property
    def params(self) -> int:
        return self.param_operand_elements  # e.g. a ViT class token


@dataclass(frozen=True, kw_only=True)
class Reshape(Layer):
    """Reshape (flatten) keeping the element count."""

    shape: Shape = ()

    kind: ClassVar[str] = "reshape"

    def _infer(self) -> Shape:
        if not self.shape or numel(self.shape) != numel(self.in_shape):
            self._bad("shape", self.shape, f"a shape with {numel(self.in_shape)} elements")
        return self.shape


@dataclass(frozen=True, kw_only=True)
class Slice(Layer):
    """``length`` consecutive entries starting at ``start`` along ``axis`` (e.g. a class token)."""

    axis: int = 0
    start: int = 0
    length: int = 1

    kind: ClassVar[str] = "slice"

    def _infer(self) -> Shape:
        rank = len(self.in_shape)
        if not -rank <= self.axis < rank:
            self._bad("axis", self.axis, f"an axis in [{-rank}, {rank - 1}]")
        ax = self.axis % rank
        size = self.in_shape[ax]
        if self.start < 0 or self.length < 1 or self.start + self.length > size:
            self._bad("length", (self.start, self.length), f"start >= 0, length >= 1, start + length <= {size}")
        return tuple(self.length if i == ax else d for i, d in enumerate(self.in_shape))

    def describe(self) -> str:
        return f"axis {self.axis} [{self.start}:{self.start + self.length}]"
