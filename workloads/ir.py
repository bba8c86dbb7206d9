"""Layer-graph IR (this module re-exports it): frozen dataclasses whose shapes are inferred and checked on construction.

Shapes exclude the batch dimension: images are ``(C, H, W)``, sequences ``(T, D)``, vectors
``(D,)``, skeleton graphs ``(C, T, V)`` (channels, frames, joints). Every layer derives

* ``out_shape``, ``activations`` (output elements),
* ``macs`` (multiply-accumulates for one sample), ``params`` (trainable weights incl. bias),
* ``relus`` (ReLU evaluations), ``nonlinear`` (non-linear scalar evaluations of any kind),
* ``gemm()``: the layer as ``(batch, M, K, N)`` matrix products, or ``None``;
  ``gemms()``: every matrix product of the layer (fused blocks have several).

Inputs named ``param:<name>`` (:data:`PARAM_PREFIX`) are trained weight operands, not activations;
``MatMul``, ``Add``, ``Mul`` and ``Concat`` count their elements as parameters (a ViT position
embedding is ``Add(x, param:pos_embedding)``).

Invalid layers raise :class:`~dse.errors.DseInputError` naming ``layer <name>.<field>``.
"""

from __future__ import annotations

from .ir_base import ACTIVATIONS, PARAM_PREFIX, Gemm, Layer, Shape, numel
from .ir_blocks import Adjacency, Attention, Embedding, GraphConv, Recurrent
from .ir_layers import Activation, Conv2d, Linear, MatMul, Norm, Pool2d
from .ir_tensor import Add, Concat, Mul, Reshape, Slice

__all__ = [
    "Shape", "Gemm", "Layer", "Conv2d", "Linear", "MatMul", "Activation", "Pool2d", "Norm",
    "Add", "Mul", "Concat", "Reshape", "Attention", "Adjacency", "GraphConv", "Recurrent",
    "Embedding", "Slice", "ACTIVATIONS", "LAYER_KINDS", "PARAM_PREFIX", "numel",
]

LAYER_KINDS: dict[str, type[Layer]] = {
    cls.kind: cls
    for cls in (Conv2d, Linear, MatMul, Activation, Pool2d, Norm, Add, Mul, Concat, Reshape,
                Attention, GraphConv, Recurrent, Embedding, Slice)
}
