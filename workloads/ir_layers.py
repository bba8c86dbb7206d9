"""Compute and normalisation layers of the layer IR: ``Conv2d``, ``Linear``, ``MatMul``,
``Activation``, ``Pool2d``, ``Norm`` (re-exported by :mod:`workloads.ir`; conventions there)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from .ir_base import ACTIVATIONS, Gemm, Layer, Shape, numel

__all__ = ["Activation", "Conv2d", "Linear", "MatMul", "Norm", "Pool2d"]


@dataclass(frozen=True, kw_only=True)
class Conv2d(Layer):
    """2-D convolution on ``(C, H, W)``; ``groups == C == out_channels`` is depthwise."""

    out_channels: int
    kernel: tuple[int, int]
    stride: tuple[int, int] = (1, 1)
    padding: tuple[int, int] = (0, 0)
    dilation: tuple[int, int] = (1, 1)
    groups: int = 1
    bias: bool = False

    kind: ClassVar[str] = "conv2d"

    def _infer(self) -> Shape:
        if len(self.in_shape) != 3:
            self._bad("in_shapes", self.in_shapes, "one (C, H, W) shape")
        c, h, w = self.in_shape
        for fname in ("kernel", "stride", "dilation"):
            v = getattr(self, fname)
            if len(v) != 2 or min(v) < 1:
                self._bad(fname, v, "two integers >= 1")
        if len(self.padding) != 2 or min(self.padding) < 0:
            self._bad("padding", self.padding, "two integers >= 0")
        if self.out_channels < 1:
            self._bad("out_channels", self.out_channels, "an integer >= 1")
        if self.groups < 1 or c % self.groups or self.out_channels % self.groups:
            self._bad("groups", self.groups, f"a divisor of in_channels={c} and out_channels={self.out_channels}")
        (kh, kw), (sh, sw), (ph, pw), (dh, dw) = self.kernel, self.stride, self.padding, self.dilation
        ho = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
        wo = (w + 2 * pw - dw * (kw - 1) - 1) // sw + 1
        return (self.out_channels, ho, wo)

    @property
    def in_per_group(self) -> int:
        return self.in_shape[0] // self.groups

    @property
    def macs(self) -> int:
        _, ho, wo = self.out_shape
        return self.out_channels * ho * wo * self.in_per_group * self.kernel[0] * self.kernel[1]

    @property
    def params(self) -> int:
        w = self.out_channels * self.in_per_group * self.kernel[0] * self.kernel[1]
        return w + (self.out_channels if self.bias else 0)

    def gemm(self) -> Gemm:
        _, ho, wo = self.out_shape
        return Gemm(self.groups, ho * wo, self.in_per_group * self.kernel[0] * self.kernel[1],
                    self.out_channels // self.groups)

    @property
    def is_depthwise(self) -> bool:
        return self.groups > 1 and self.groups == self.in_shape[0] == self.out_channels

    def describe(self) -> str:
        g = f" g{self.groups}" if self.groups > 1 else ""
        return f"{self.kernel[0]}x{self.kernel[1]}/{self.stride[0]}{g}"


@dataclass(frozen=True, kw_only=True)
class Linear(Layer):
    """Fully connected layer on the last axis: ``(..., K) -> (..., out_features)``; weights are K x N."""

    out_features: int
    bias: bool = True

    kind: ClassVar[str] = "linear"

    def _infer(self) -> Shape:
        if self.out_features < 1:
            self._bad("out_features", self.out_features, "an integer >= 1")
        return self.in_shape[:-1] + (self.out_features,)

    @property
    def in_features(self) -> int:
        return self.in_shape[-1]

    @property
    def rows(self) -> int:
        return numel(self.in_shape[:-1]) if len(self.in_shape) > 1 else 1

    @property
    def macs(self) -> int:
        return self.rows * self.in_features * self.out_features

    @property
    def params(self) -> int:
        return self.in_features * self.out_features + (self.out_features if self.bias else 0)

    def gemm(self) -> Gemm:
        return Gemm(1, self.rows, self.in_features, self.out_features)


@dataclass(frozen=True, kw_only=True)
class MatMul(Layer):
    """Batched matrix product ``a @ b`` with ``a: (..., M, K)``, ``b: (..., K, N)``.

    ``weights`` says which operand is a trained weight: ``"none"`` (activation x activation, e.g.
    attention scores), ``"a"`` or ``"b"``. A weight operand may omit the batch dimensions.
    """

    weights: str = "none"

    kind: ClassVar[str] = "matmul"
    arity: ClassVar[int] = 2

    def _infer(self) -> Shape:
        if self.weights not in ("none", "a", "b"):
            self._bad("weights", self.weights, "one of none, a, b")
        a, b = self.in_shapes
        if len(a) < 2 or len(b) < 2:
            self._bad("in_shapes", self.in_shapes, "operands with at least 2 dimensions")
        if a[-1] != b[-2]:
            self._bad("in_shapes", self.in_shapes, f"inner dimensions equal (a[-1]={a[-1]}, b[-2]={b[-2]})")
        ba, bb = a[:-2], b[:-2]
        if ba != bb and not (self.weights == "b" and not bb) and not (self.weights == "a" and not ba):
            self._bad("in_shapes", self.in_shapes, "equal batch dimensions (or a weight operand without them)")
        batch = ba if len(ba) >= len(bb) else bb
        return batch + (a[-2], b[-1])

    @property
    def batch(self) -> int:
        return numel(self.out_shape[:-2]) if len(self.out_shape) > 2 else 1

    def gemm(self) -> Gemm:
        a, b = self.in_shapes
        return Gemm(self.batch, a[-2], a[-1], b[-1])

    @property
    def macs(self) -> int:
        return self.gemm().macs

    @property
    def params(self) -> int:
        if self.weights == "none":
            return 0
        return numel(self.in_shapes[0] if self.weights == "a" else self.in_shapes[1])


@dataclass(frozen=True, kw_only=True)
class Activation(Layer):
    """Elementwise non-linearity (``softmax`` along the last axis; ``poly`` of ``degree``)."""

    fn: str = "relu"
    degree: int = 0

    kind: ClassVar[str] = "activation"

    def _infer(self) -> Shape:
        if self.fn not in ACTIVATIONS:
            self._bad("fn", self.fn, "one of " + ", ".join(ACTIVATIONS))
        if self.fn == "poly" and not 1 <= self.degree <= 1024:
            self._bad("degree", self.degree, "an integer in [1, 1024] for a polynomial")
        return self.in_shape

    @property
    def relus(self) -> int:
        return self.activations if self.fn in ("relu", "relu6") else 0

    @property
    def nonlinear(self) -> int:
        return 0 if self.fn == "identity" else self.activations

    @property
    def macs(self) -> int:
        return self.activations * self.degree if self.fn == "poly" else 0

    def describe(self) -> str:
        return f"poly{self.degree}" if self.fn == "poly" else self.fn


@dataclass(frozen=True, kw_only=True)
class Pool2d(Layer):
    """Max or average pooling on ``(C, H, W)``."""

    mode: str = "max"
    kernel: tuple[int, int] = (2, 2)
    stride: tuple[int, int] = (2, 2)
    padding: tuple[int, int] = (0, 0)

    kind: ClassVar[str] = "pool2d"

    def _infer(self) -> Shape:
        if self.mode not in ("max", "avg"):
            self._bad("mode", self.mode, "one of max, avg")
        if len(self.in_shape) != 3:
            self._bad("in_shapes", self.in_shapes, "one (C, H, W) shape")
        if min(self.kernel) < 1 or min(self.stride) < 1 or min(self.padding) < 0:
            self._bad("kernel", (self.kernel, self.stride, self.padding), "kernel, stride >= 1 and padding >= 0")
        if self.padding[0] * 2 > self.kernel[0] or self.padding[1] * 2 > self.kernel[1]:
            self._bad("padding", self.padding, "at most half the kernel")
        c, h, w = self.in_shape
        ho = (h + 2 * self.padding[0] - self.kernel[0]) // self.stride[0] + 1
        wo = (w + 2 * self.padding[1] - self.kernel[1]) // self.stride[1] + 1
        return (c, ho, wo)

    @property
    def window(self) -> int:
        return self.kernel[0] * self.kernel[1]

    @property
    def comparisons(self) -> int:
        """Pairwise max operations (max pooling), the unit MPC protocols pay for."""
        return self.activations * (self.window - 1) if self.mode == "max" else 0

    @property
    def nonlinear(self) -> int:
        return self.comparisons

    @property
    def macs(self) -> int:
        return self.activations * self.window if self.mode == "avg" else 0

    def describe(self) -> str:
        return f"{self.mode} {self.kernel[0]}x{self.kernel[1]}/{self.stride[0]}"


@dataclass(frozen=True, kw_only=True)
class Norm(Layer):
    """Batch norm (per channel, axis 0) or layer norm (last axis). Foldable at inference."""

    mode: str = "batch"

    kind: ClassVar[str] = "norm"

    def _infer(self) -> Shape:
        if self.mode not in ("batch", "layer"):
            self._bad("mode", self.mode, "one of batch, layer")
        return self.in_shape

    @property
    def channels(self) -> int:
        return self.in_shape[0] if self.mode == "batch" else self.in_shape[-1]

    @property
    def params(self) -> int:
        return 2 * self.channels

    @property
    def nonlinear(self) -> int:
        # layer norm needs an inverse square root per row; batch norm folds into a scale/shift
        return numel(self.in_shape[:-1]) if self.mode == "layer" else 0
