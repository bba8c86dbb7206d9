"""Pooling operators of the ONNX importer (:mod:`.onnx_import`): MaxPool, AveragePool,
GlobalAveragePool, GlobalMaxPool and ReduceMean over the spatial axes, as ``pool2d`` layers."""

from __future__ import annotations

from typing import Any

from ..graph import Tensor
from ..ir import Pool2d

__all__ = ["PoolOps"]


class PoolOps:
    """Mixed into the converter: ``self.act_in``, ``self.bad``, ``self.const``, ``self.b`` and
    ``self.layer_name`` come from it."""

    def _pool(self, node: Any, a: dict[str, Any], mode: str) -> Tensor:
        x = self.act_in(node, node.input[0])
        k = tuple(a.get("kernel_shape", ()))
        if len(k) != 2 or len(x.shape) != 3:
            raise self.bad(node, "kernel_shape", k, "a 2-D pooling window on a (C, H, W) tensor")
        if any(v != 1 for v in a.get("dilations", (1, 1))):
            raise self.bad(node, "dilations", a.get("dilations"), "1")
        s = tuple(a.get("strides", (1, 1)))
        pad = self.padding(node, a, x.shape[1:], k, s, (1, 1))
        out = self.b.add_layer(Pool2d, [x], f"{mode}pool", self.layer_name(node), mode=mode, kernel=k, stride=s,
                               padding=pad)
        if a.get("ceil_mode", 0) and self.shapes.get(node.output[0]):
            self.check_shape(node, out)  # ceil_mode is fine whenever it does not change the size
        return out

    def op_MaxPool(self, node: Any, a: dict[str, Any]) -> Tensor:
        return self._pool(node, a, "max")

    def op_AveragePool(self, node: Any, a: dict[str, Any]) -> Tensor:
        return self._pool(node, a, "avg")

    def op_GlobalAveragePool(self, node: Any, a: dict[str, Any]) -> Tensor:
        x = self.act_in(node, node.input[0])
        if len(x.shape) != 3:
            raise self.bad(node, "input shape", x.shape, "(C, H, W)")
        return self.b.global_avgpool(x, name=self.layer_name(node))

    def op_GlobalMaxPool(self, node: Any, a: dict[str, Any]) -> Tensor:
        x = self.act_in(node, node.input[0])
        if len(x.shape) != 3:
            raise self.bad(node, "input shape", x.shape, "(C, H, W)")
        return self.b.maxpool(x, x.shape[1:], stride=x.shape[1:], name=self.layer_name(node))  # type: ignore[arg-type]

    def op_ReduceMean(self, node: Any, a: dict[str, Any]) -> Tensor:
        """A mean over the spatial axes (what ``torch.onnx.export``'s default exporter writes for
        ``AdaptiveAvgPool2d(1)`` / ``x.mean((2, 3))``) is a global average pool."""
        x = self.act_in(node, node.input[0])
        axes = a.get("axes")
        if axes is None and len(node.input) > 1 and node.input[1]:
            v = self.const(node.input[1])
            if v is None:
                raise self.bad(node, "axes", node.input[1], "constant axes")
            axes = [int(i) for i in v.reshape(-1)]
        rank = len(x.shape) + 1
        axes = sorted(int(i) % rank for i in axes or ())
        if len(x.shape) != 3 or axes != [2, 3]:
            raise self.bad(node, "axes", axes, "the spatial axes [2, 3] of an (N, C, H, W) tensor (a global average pool)")
        y = self.b.global_avgpool(x, name=self.layer_name(node))
        if not int(a.get("keepdims", 1)):
            y = self.b.reshape(y, (x.shape[0],), name=self.layer_name(node) + "_squeeze")
        return y
