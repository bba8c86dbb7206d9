"""How a layer becomes MPC operations (protocol-independent).

Each layer of a :class:`workloads.Workload` lowers to a tuple of :class:`Op`:

* ``linear(x, w, y, macs, operand)``: a conv / fully connected / matmul with ``x`` input elements,
  ``w`` second-operand elements, ``y`` outputs. ``operand="model"`` means the second operand is a
  model weight (secret-shared or public by the ``weights`` knob); ``"secret"`` means both operands
  are activations (attention ``Q K^T``, ``A V``);
* ``relu(k)``: ``k`` ReLUs (an *activation site*, replaceable by a polynomial); ``relu6`` is a
  site of cost two ReLUs;
* ``poly(k, degree)``: a polynomial activation with public coefficients;
* ``maxpool(outputs, window)``, ``avgpool(outputs)``;
* ``mul(k)``: elementwise product of two secret tensors;
* ``softmax(rows, width)``, ``layernorm(rows, width)``, ``nonlin(k, fn)`` for
  sigmoid/tanh/gelu/silu/hardswish.

Batch norm is folded into the preceding linear layer (inference) by default; with
``batchnorm="separate"`` it is priced the way SCI runs models compiled by Athos (EzPC
``SCI/src/library_fixed_uniform.cpp``: ``ElemWiseActModelVectorMult`` is an elementwise product with
the model's scale vector -- a HE ``elemwise_product`` under SCI_HE -- followed by ``ScaleDown``): a
``linear`` op with ``x = y =`` the elements and the per-channel scale and shift as weights.
add/concat/reshape are local; embeddings are treated as public look-ups (no cost).
"""

from __future__ import annotations

from dataclasses import dataclass

from workloads.ir import numel

__all__ = ["BATCHNORM", "Op", "fused_truncation", "lower_layer", "lower_workload", "site_layers"]

#: how batch norm is priced: folded into the previous linear layer, or a separate scaling layer
BATCHNORM = ("folded", "separate")


@dataclass(frozen=True)
class Op:
    name: str
    args: tuple = ()
    site: bool = False  # a ReLU activation site (replaceable)
    #: shape for HE packing: ("conv", C, H, W, M, fh, fw, stride, pad_rows, pad_cols),
    #: ("bn", C, H, W) or ("matmul", batch, m, n, k) for ``batch`` products of an ``m x n`` activation
    #: with an ``n x k`` operand; empty when unknown (ideal packing)
    geom: tuple = ()


def _conv_geom(layer) -> tuple:
    if layer.kind != "conv2d" or getattr(layer, "groups", 1) != 1 or len(layer.in_shape) != 3:
        return ()
    c, h, w = layer.in_shape
    (fh, fw), (sh, sw), (ph, pw) = layer.kernel, layer.stride, layer.padding
    if sh != sw:
        return ()
    return ("conv", c, h, w, layer.out_channels, fh, fw, sh, 2 * ph, 2 * pw)


def _linear(x: int, w: int, y: int, macs: int, operand: str = "model", geom: tuple = ()) -> Op:
    return Op("linear", (x, w, y, macs, operand), geom=geom)


def _weight_elems(layer) -> int:
    """Weight elements of the Beaver opening (the bias is added locally, no communication)."""
    if not getattr(layer, "bias", False):
        return layer.params
    if layer.kind == "conv2d":
        return layer.params - layer.out_channels
    if layer.kind == "linear":
        return layer.params - layer.out_features
    if layer.kind == "graphconv":
        return layer.params - layer.adjacency.num_partitions * layer.out_channels
    return layer.params


def lower_layer(layer, batchnorm: str = "folded") -> tuple[Op, ...]:
    """The operations of one layer (per sample)."""
    kind = layer.kind
    if kind in ("conv2d", "linear", "graphconv"):
        geom = _conv_geom(layer)
        if layer.kind == "linear":
            k = layer.in_features
            geom = ("matmul", 1, numel(layer.in_shape) // k, k, layer.out_features)
        return (_linear(numel(layer.in_shape), _weight_elems(layer), layer.activations, layer.macs, geom=geom),)
    if kind == "matmul":
        a, b = layer.in_shapes
        if layer.weights == "none":
            return (_linear(numel(a), numel(b), layer.activations, layer.macs, "secret"),)
        act, wt = (b, a) if layer.weights == "a" else (a, b)
        return (_linear(numel(act), numel(wt), layer.activations, layer.macs),)
    if kind == "activation":
        k = layer.activations
        if layer.fn in ("relu", "relu6"):
            return (Op("relu", (k * (2 if layer.fn == "relu6" else 1),), site=True),)
        if layer.fn == "poly":
            return (Op("poly", (k, layer.degree)),)
        if layer.fn == "identity":
            return ()
        if layer.fn == "softmax":
            width = layer.out_shape[-1]
            return (Op("softmax", (k // width, width)),)
        return (Op("nonlin", (k, layer.fn)),)
    if kind == "pool2d":
        if layer.mode == "max":
            return (Op("maxpool", (layer.activations, layer.kernel[0] * layer.kernel[1])),)
        return (Op("avgpool", (layer.activations,)),)
    if kind == "norm":
        if layer.mode == "layer":
            width = layer.in_shape[-1]
            return (Op("layernorm", (numel(layer.in_shape) // width, width)),)
        if batchnorm == "separate":
            k = numel(layer.in_shape)
            op = _linear(k, 2 * layer.in_shape[0], k, k)
            geom = ("bn", *layer.in_shape) if len(layer.in_shape) == 3 else ()
            return (Op(op.name, op.args, geom=geom),)
        return ()
    if kind == "mul":
        return (Op("mul", (layer.activations,)),)
    if kind == "attention":
        t, d, h = layer.seq_len, layer.d_model, layer.heads
        dh = d // h
        return (
            _linear(t * d, 3 * d * d, 3 * t * d, 3 * t * d * d, geom=("matmul", 1, t, d, 3 * d)),  # Q, K, V
            _linear(t * d, t * d, h * t * t, t * t * d, "secret", geom=("matmul", h, t, dh, t)),  # Q K^T
            Op("softmax", (h * t, t)),
            _linear(h * t * t, t * d, t * d, t * t * d, "secret", geom=("matmul", h, t, t, dh)),  # A V
            _linear(t * d, d * d, t * d, t * d * d, geom=("matmul", 1, t, d, d)),  # output projection
        )
    if kind == "recurrent":
        steps, h = layer.steps, layer.hidden
        x = steps * (layer.input_size + h)
        ops = [_linear(x, layer.params, steps * layer.gates * h, layer.macs)]
        if layer.cell == "lstm":
            ops += [Op("nonlin", (3 * steps * h, "sigmoid")), Op("nonlin", (2 * steps * h, "tanh")),
                    Op("mul", (3 * steps * h,))]
        else:
            ops += [Op("nonlin", (2 * steps * h, "sigmoid")), Op("nonlin", (steps * h, "tanh")),
                    Op("mul", (3 * steps * h,))]
        return tuple(ops)
    return ()  # add, concat, reshape, embedding: local


def lower_workload(workload, batchnorm: str = "folded") -> list[tuple[Op, ...]]:
    return workload.memo(("mpc.lowering", batchnorm), lambda: [lower_layer(l, batchnorm) for l in workload.layers])


def site_layers(workload) -> list[int]:
    """Indices of layers holding a ReLU activation site."""
    return [i for i, ops in enumerate(lower_workload(workload)) if any(o.site for o in ops)]


_PASS = ("add",)  # local layers a deferred truncation passes through


def _is_identity(layer) -> bool:
    return layer.kind == "activation" and getattr(layer, "fn", "") == "identity"


def fused_truncation(workload, batchnorm: str = "folded") -> tuple[list[bool], list[bool]]:
    """Where a compiler moves a linear layer's scale-down into the following ReLU (EzPC Athos
    ``IRBuilderCSF.py`` ``doTruncation``; SCI/OpenCheetah ``Relu(..., doTruncation)``).

    Returns ``(deferred, fused)`` per layer: ``deferred[j]`` when layer ``j`` is linear and every
    path from it through folded batch norms and adds ends in an activation site (a ReLU, or a site
    rewritten to ``identity``); ``fused[j]`` when the site ``j`` receives such a deferred
    truncation: one truncation of its elements, fused into the ReLU (MSB known), stand-alone for
    a polynomial or an identity. The cost of the scale-down thus sits in the site's layer, so
    rewriting a site never changes another layer's price."""
    ops = lower_workload(workload, batchnorm)
    layers = workload.layers
    index = {l.name: i for i, l in enumerate(layers)}
    consumers: list[list[int]] = [[] for _ in layers]
    for i, l in enumerate(layers):
        for src in getattr(l, "inputs", ()) or ():
            if src in index:
                consumers[index[src]].append(i)

    def passes(i: int) -> bool:
        return layers[i].kind in _PASS or (layers[i].kind == "norm" and not ops[i])

    def ends_in_relu(i: int, seen: set[int]) -> set[int] | None:
        """Sites reached from layer ``i``'s output, or None when some path ends elsewhere."""
        out: set[int] = set()
        if not consumers[i]:
            return None
        for c in consumers[i]:
            if c in seen:
                continue
            seen.add(c)
            if (any(o.site for o in ops[c]) and len(ops[c]) == 1) or _is_identity(layers[c]):
                out.add(c)
            elif passes(c):
                sub = ends_in_relu(c, seen)
                if sub is None:
                    return None
                out |= sub
            else:
                return None
        return out

    deferred = [False] * len(layers)
    fused = [False] * len(layers)
    for j, layer_ops in enumerate(ops):
        if len(layer_ops) == 1 and layer_ops[0].name == "linear":
            sites = ends_in_relu(j, set())
            if sites:
                deferred[j] = True
                for s in sites:
                    fused[s] = True
    return deferred, fused
