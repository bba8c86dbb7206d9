"""Base types of the layer IR: shapes, :class:`Gemm`, the :class:`Layer` base class and helpers.

The bottom of the IR's import order: :mod:`workloads.ir_layers`, :mod:`workloads.ir_tensor` and
:mod:`workloads.ir_blocks` import this module and nothing imports them back; :mod:`workloads.ir`
re-exports all of them (conventions in its docstring).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

from dse.errors import DseInputError

from .compression import Compression

__all__ = ["ACTIVATIONS", "PARAM_PREFIX", "Gemm", "Layer", "Shape", "numel"]

#: Inputs named ``param:<name>`` are weight operands, not produced by a layer.
PARAM_PREFIX = "param:"

Shape = tuple[int, ...]
ACTIVATIONS = ("relu", "relu6", "gelu", "silu", "sigmoid", "tanh", "hardswish", "softmax",
               "poly", "identity")


def numel(shape: Shape) -> int:
    return math.prod(shape)


def _pair(v: int | tuple[int, int]) -> tuple[int, int]:
    return (v, v) if isinstance(v, int) else (int(v[0]), int(v[1]))


@dataclass(frozen=True)
class Gemm:
    """``batch`` independent products of an (M x K) by (K x N) matrix."""

    batch: int
    m: int
    k: int
    n: int

    @property
    def macs(self) -> int:
        return self.batch * self.m * self.k * self.n


@dataclass(frozen=True, kw_only=True)
class Layer:
    """Base layer: a name, the producers of its inputs and their shapes, an optional group label."""

    name: str
    in_shapes: tuple[Shape, ...]
    inputs: tuple[str, ...] = ("input",)
    group: str = ""
    #: how the layer's trained weights are compressed (:mod:`workloads.compression`); None: not at all
    compression: Compression | None = None

    kind: ClassVar[str] = "layer"
    arity: ClassVar[int] = 1

    def __post_init__(self) -> None:
        if not self.name:
            raise DseInputError("layer.name", self.name, "a non-empty string")
        if self.arity and len(self.in_shapes) != self.arity:
            self._bad("in_shapes", self.in_shapes, f"{self.arity} input shape(s)")
        for s in self.in_shapes:
            if not s or any((not isinstance(d, int)) or d <= 0 for d in s):
                self._bad("in_shapes", self.in_shapes, "shapes of positive integers")
        if len(self.inputs) != len(self.in_shapes):
            self._bad("inputs", self.inputs, f"{len(self.in_shapes)} producer name(s)")
        out = tuple(int(d) for d in self._infer())
        if not out or any(d <= 0 for d in out):
            self._bad("out_shape", out, "positive sizes (check kernel, stride and padding)")
        object.__setattr__(self, "_out", out)
        if self.compression is not None:
            from .compression import check_layer

            check_layer(self, self.compression)

    def _bad(self, fieldname: str, value: object, allowed: str) -> None:
        raise DseInputError(f"layer {self.name}.{fieldname}", value, allowed)

    # -- to override ----------------------------------------------------------------------
    def _infer(self) -> Shape:
        return self.in_shapes[0]

    @property
    def macs(self) -> int:
        return 0

    @property
    def params(self) -> int:
        return 0

    @property
    def nonlinear(self) -> int:
        return 0

    def gemm(self) -> Gemm | None:
        return None

    def gemms(self) -> tuple[Gemm, ...]:
        """Every matrix product of the layer; the default is ``gemm()`` alone (if any)."""
        g = self.gemm()
        return (g,) if g is not None else ()

    # -- derived ---------------------------------------------------------------------------
    @property
    def in_shape(self) -> Shape:
        return self.in_shapes[0]

    @property
    def out_shape(self) -> Shape:
        return self._out  # type: ignore[attr-defined]

    @property
    def activations(self) -> int:
        return numel(self.out_shape)

    @property
    def relus(self) -> int:
        return 0

    @property
    def param_operand_elements(self) -> int:
        """Elements of the weight operands among the inputs (names starting with ``param:``)."""
        return sum(numel(s) for n, s in zip(self.inputs, self.in_shapes) if n.startswith(PARAM_PREFIX))

    def describe(self) -> str:
        return ""
