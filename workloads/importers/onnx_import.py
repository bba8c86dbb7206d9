"""ONNX graphs as workloads (via the ``onnx`` package and its shape inference).

The leading dimension of every tensor is the batch and is dropped (the IR is per sample).
Weights must be initializers (or ``Constant`` nodes); only their shapes are read (external data
files are left unread). Supported operators:

==============================  =============================================================
ONNX                            IR
==============================  =============================================================
Conv (2-D; group, strides,      ``conv2d`` (asymmetric pads only when an equivalent symmetric
pads, dilations, auto_pad)      padding gives the same output shape)
Gemm, MatMul                    ``linear`` when the right operand is a 2-D initializer, else
                                ``matmul`` (``weights="a"`` for an initializer left operand)
Relu, Gelu, Sigmoid, Tanh,      ``activation`` (Softmax along the last axis only; Clip(0, 6)
Softmax, HardSwish, Clip        is ``relu6``, Clip(0, inf) is ``relu``)
MaxPool, AveragePool,           ``pool2d``
GlobalAveragePool/MaxPool,
ReduceMean over axes (2, 3)
BatchNormalization,             ``norm`` (``batch`` / ``layer``; LayerNorm on the last axis)
LayerNormalization
Add, Sub, Mul, Div, Concat      ``add`` / ``mul`` / ``concat``; an initializer operand becomes a
                                ``param:`` weight operand (a bias, a scale)
Flatten (axis 1), Reshape,      ``reshape`` (a transpose is a layout change: same elements)
Transpose (batch axis fixed)
Identity, Dropout, Constant     pass-through / constant
QuantizeLinear,                 folded into a weight / pass-through on an activation; the bits
DequantizeLinear                and stored zeros become the layer's compression (:mod:`.onnx_quant`)
==============================  =============================================================

Anything else raises one :class:`~dse.errors.DseInputError` naming the node and its op.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from dse.errors import DseInputError

from ..graph import Tensor, Workload, WorkloadBuilder
from ..ir import numel
from .onnx_pool import PoolOps
from .onnx_quant import QuantOps, apply_sidecar

__all__ = ["load_onnx", "onnx_to_workload", "SUPPORTED_OPS"]

SUPPORTED_OPS = ("Conv", "Gemm", "MatMul", "Relu", "Gelu", "Sigmoid", "Tanh", "Softmax", "HardSwish", "Clip",
                 "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "ReduceMean", "BatchNormalization",
                 "LayerNormalization", "Add", "Sub", "Mul", "Div", "Concat", "Flatten", "Reshape", "Transpose",
                 "Identity", "Dropout", "Constant", "QuantizeLinear", "DequantizeLinear")
_ACTS = {"Relu": "relu", "Gelu": "gelu", "Sigmoid": "sigmoid", "Tanh": "tanh", "Softmax": "softmax",
         "HardSwish": "hardswish"}


def _onnx() -> Any:
    try:
        import onnx
    except ImportError:  # pragma: no cover - onnx is a test/runtime extra
        raise DseInputError("workload", "*.onnx", "an installed 'onnx' package (pip install onnx)") from None
    return onnx


def load_onnx(path: str | Path) -> Workload:
    """Read an ``.onnx`` file, run ONNX shape inference, and convert it to a :class:`Workload`.

    Weights stored as external data (``onnx.save(..., save_as_external_data=True)``, every model
    over 2 GB) are not read: layer shapes come from the initializers' ``dims``. Only a small
    constant that decides a shape (a ``Reshape`` target, ``ReduceMean`` axes) is read, on demand.
    """
    onnx = _onnx()
    path = Path(path)
    try:
        model = onnx.load(str(path), load_external_data=False)
    except Exception as exc:  # noqa: BLE001 - any parse failure is bad input
        raise DseInputError("workload", str(path), "a readable ONNX model", detail=_short(exc)) from None
    return apply_sidecar(onnx_to_workload(model, name=path.stem, base_dir=path.parent), path)


def onnx_to_workload(model: Any, name: str = "onnx", base_dir: str | Path | None = None) -> Workload:
    """Convert an in-memory ``onnx.ModelProto`` (shape inference is applied here); ``base_dir``
    is where external-data files live (for the few constants whose values are needed)."""
    onnx = _onnx()
    try:
        model = onnx.shape_inference.infer_shapes(model)
    except Exception as exc:  # noqa: BLE001
        raise DseInputError("onnx model", name, "a model ONNX shape inference accepts", detail=_short(exc)) from None
    return _Converter(model, name, base_dir).run()


def _short(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__


def _dims(type_proto: Any) -> tuple[int | None, ...] | None:
    t = type_proto.tensor_type
    if not t.HasField("shape"):
        return None
    return tuple(d.dim_value if d.HasField("dim_value") else None for d in t.shape.dim)


class _Converter(PoolOps, QuantOps):
    def __init__(self, model: Any, name: str, base_dir: str | Path | None = None):
        from onnx import numpy_helper

        self.np = numpy_helper
        self.graph = model.graph
        self.name = name
        self.base_dir = Path(base_dir) if base_dir is not None else Path(".")
        self.consts: dict[str, Any] = {t.name: t for t in self.graph.initializer}
        self.values: dict[str, Any] = {}
        self.shapes: dict[str, tuple[int | None, ...] | None] = {}
        for vi in list(self.graph.value_info) + list(self.graph.input) + list(self.graph.output):
            self.shapes[vi.name] = _dims(vi.type)
        self.env: dict[str, Tensor] = {}
        self.index = 0

    # -- helpers -------------------------------------------------------------------------------
    def bad(self, node: Any, what: str, value: object, allowed: str) -> DseInputError:
        return DseInputError(f"onnx node {self.label(node)}.{what}", value, allowed)

    def label(self, node: Any) -> str:
        return f"{node.name or '#' + str(self.index)} ({node.op_type})"

    def const(self, name: str) -> Any | None:
        if name in self.values:
            return self.values[name]
        if name in self.consts:
            self.values[name] = self.np.to_array(self._tensor_data(self.consts[name]))
            return self.values[name]
        return None

    def _tensor_data(self, t: Any) -> Any:
        """``t`` with its data: an external-data tensor is read from its file (only this one)."""
        from onnx import TensorProto
        from onnx.external_data_helper import load_external_data_for_tensor

        if t.data_location != TensorProto.EXTERNAL:
            return t
        copy = TensorProto()
        copy.CopyFrom(t)
        try:
            load_external_data_for_tensor(copy, str(self.base_dir))
        except Exception as exc:  # noqa: BLE001 - a missing/short data file is bad input
            raise DseInputError(f"onnx model {self.name}.initializer {t.name}", "external data",
                                "its external-data file next to the model (its value decides a shape)",
                                detail=_short(exc)) from None
        copy.data_location = TensorProto.DEFAULT
        return copy

    def is_const(self, name: str) -> bool:
        return name in self.consts or name in self.values

    def const_shape(self, name: str) -> tuple[int, ...]:
        if name in self.consts:
            return tuple(int(d) for d in self.consts[name].dims)
        return tuple(int(d) for d in self.values[name].shape)

    def act_in(self, node: Any, name: str) -> Tensor:
        if name not in self.env:
            raise self.bad(node, "inputs", name, "a tensor computed from the graph input (weights as initializers)")
        return self.env[name]

    def param(self, name: str, rank: int) -> Tensor:
        """A weight operand, its shape left-padded with 1s (or stripped of a batch 1) to ``rank``."""
        shape = self.const_shape(name)
        if len(shape) == rank + 1 and shape[0] == 1:
            shape = shape[1:]
        shape = (1,) * (rank - len(shape)) + shape
        return self.b.weight(tuple(max(1, d) for d in shape), re.sub(r"\W", "_", name))

    def attrs(self, node: Any) -> dict[str, Any]:
        from onnx import helper

        return {a.name: helper.get_attribute_value(a) for a in node.attribute}

    # -- conversion -----------------------------------------------------------------------------
    def run(self) -> Workload:
        inputs = [i for i in self.graph.input if i.name not in self.consts]
        if len(inputs) != 1:
            raise DseInputError(f"onnx model {self.name}.inputs", [i.name for i in inputs],
                                "exactly one graph input that is not an initializer")
        inp = inputs[0]
        dims = _dims(inp.type)
        if dims is None or len(dims) < 2 or any(d is None or d < 1 for d in dims[1:]):
            raise DseInputError(f"onnx model {self.name}.input {inp.name}", dims,
                                "a shape (batch, ...) with known positive sizes after the batch dimension")
        self.b = WorkloadBuilder(self.name, tuple(int(d) for d in dims[1:]), source="onnx")
        self.env[inp.name] = self.b.input
        for index, node in enumerate(self.graph.node):
            self.index = index
            handler = getattr(self, f"op_{node.op_type}", None)
            if handler is None:
                raise DseInputError(f"onnx node {self.label(node)}", node.op_type,
                                    "a supported op: " + ", ".join(SUPPORTED_OPS))
            out = handler(node, self.attrs(node))
            if out is not None:
                self.check_shape(node, out)
                self.env[node.output[0]] = out
                if node.op_type in ("Conv", "Gemm", "MatMul"):
                    self.note_layer(node, out)
        if not self.b._layers:
            raise DseInputError(f"onnx model {self.name}.nodes", 0, "at least one computing node")
        found = self.compressions()
        if found:
            from ..compression import apply_compression

            return apply_compression(self.b.build(), found, where=f"onnx model {self.name}")
        return self.b.build()

    def check_shape(self, node: Any, out: Tensor) -> None:
        want = self.shapes.get(node.output[0])
        if want and all(d is not None for d in want[1:]) and tuple(want[1:]) != out.shape:
            raise self.bad(node, "output shape", out.shape, f"{tuple(want[1:])} (what ONNX shape inference gives)")

    def layer_name(self, node: Any) -> str:
        return re.sub(r"[^\w.\-]", "_", node.name) if node.name else f"{node.op_type.lower()}{self.index}"

    # -- ops -------------------------------------------------------------------------------------
    def op_Constant(self, node: Any, a: dict[str, Any]) -> None:
        if "value" not in a:
            raise self.bad(node, "attribute", sorted(a), "a 'value' tensor attribute")
        self.values[node.output[0]] = self.np.to_array(a["value"])

    def op_Identity(self, node: Any, a: dict[str, Any]) -> Tensor | None:
        if self.is_const(node.input[0]):
            self.values[node.output[0]] = self.const(node.input[0])
            return None
        return self.act_in(node, node.input[0])

    op_Dropout = op_Identity

    def op_Conv(self, node: Any, a: dict[str, Any]) -> Tensor:
        x = self.act_in(node, node.input[0])
        if not self.is_const(node.input[1]):
            raise self.bad(node, "weights", node.input[1], "an initializer")
        w = self.const_shape(node.input[1])
        if len(w) != 4:
            raise self.bad(node, "weights", w, "a 2-D convolution kernel (O, I/groups, kh, kw)")
        k = tuple(a.get("kernel_shape", w[2:]))
        s = tuple(a.get("strides", (1, 1)))
        d = tuple(a.get("dilations", (1, 1)))
        pad = self.padding(node, a, x.shape[1:], k, s, d)
        return self.b.conv2d(x, w[0], k, stride=s, padding=pad, dilation=d, groups=int(a.get("group", 1)),
                             bias=len(node.input) > 2 and bool(node.input[2]), name=self.layer_name(node))

    def padding(self, node: Any, a: dict[str, Any], hw: tuple[int, ...], k: tuple, s: tuple, d: tuple) -> tuple:
        auto = a.get("auto_pad", b"NOTSET")
        auto = auto.decode() if isinstance(auto, bytes) else auto
        if auto in ("SAME_UPPER", "SAME_LOWER"):
            totals = [max((-(-h // st) - 1) * st + (kk - 1) * dd + 1 - h, 0) for h, kk, st, dd in zip(hw, k, s, d)]
        elif auto == "VALID":
            totals = [0, 0]
        else:
            p = tuple(a.get("pads", (0, 0, 0, 0)))
            if p[0] == p[2] and p[1] == p[3]:
                return (p[0], p[1])
            totals = [p[0] + p[2], p[1] + p[3]]
        pads = []
        for h, kk, st, dd, tot in zip(hw, k, s, d, totals):
            want = (h + tot - dd * (kk - 1) - 1) // st + 1
            fit = [q for q in (tot // 2, (tot + 1) // 2) if (h + 2 * q - dd * (kk - 1) - 1) // st + 1 == want]
            if not fit:
                raise self.bad(node, "pads", a.get("pads", auto), "symmetric padding (or one with the same output size)")
            pads.append(fit[0])
        return tuple(pads)

    def op_Gemm(self, node: Any, a: dict[str, Any]) -> Tensor:
        if a.get("transA", 0):
            raise self.bad(node, "transA", 1, "0 (the activation is the left operand)")
        x = self.act_in(node, node.input[0])
        if not self.is_const(node.input[1]):
            if a.get("transB", 0):
                raise self.bad(node, "transB", 1, "0 when both operands are activations")
            return self.b.matmul(x, self.act_in(node, node.input[1]), name=self.layer_name(node))
        w = self.const_shape(node.input[1])
        out = w[0] if a.get("transB", 0) else w[1]
        return self.b.linear(x, out, bias=len(node.input) > 2 and bool(node.input[2]), name=self.layer_name(node))

    def op_MatMul(self, node: Any, a: dict[str, Any]) -> Tensor:
        left, right = node.input[0], node.input[1]
        if self.is_const(right) and not self.is_const(left):
            w = self.const_shape(right)
            x = self.act_in(node, left)
            if len(w) == 2:
                return self.b.linear(x, w[1], bias=False, name=self.layer_name(node))
            return self.b.matmul(x, self.b.weight(w, re.sub(r"\W", "_", right)), weights="b", name=self.layer_name(node))
        if self.is_const(left):
            wa = self.b.weight(self.const_shape(left), re.sub(r"\W", "_", left))
            return self.b.matmul(wa, self.act_in(node, right), weights="a", name=self.layer_name(node))
        return self.b.matmul(self.act_in(node, left), self.act_in(node, right), name=self.layer_name(node))

    def _act(self, node: Any, fn: str) -> Tensor:
        return self.b.act(self.act_in(node, node.input[0]), fn, name=self.layer_name(node))

    def op_Relu(self, node: Any, a: dict[str, Any]) -> Tensor:
        return self._act(node, "relu")

    def op_Gelu(self, node: Any, a: dict[str, Any]) -> Tensor:
        return self._act(node, "gelu")

    def op_Sigmoid(self, node: Any, a: dict[str, Any]) -> Tensor:
        return self._act(node, "sigmoid")

    def op_Tanh(self, node: Any, a: dict[str, Any]) -> Tensor:
        return self._act(node, "tanh")

    def op_HardSwish(self, node: Any, a: dict[str, Any]) -> Tensor:
        return self._act(node, "hardswish")

    def op_Softmax(self, node: Any, a: dict[str, Any]) -> Tensor:
        x = self.act_in(node, node.input[0])
        axis = int(a.get("axis", -1))
        if axis not in (-1, len(x.shape)):  # ONNX rank = ours + 1
            raise self.bad(node, "axis", axis, "the last axis (-1)")
        return self._act(node, "softmax")

    def op_Clip(self, node: Any, a: dict[str, Any]) -> Tensor:
        lo, hi = a.get("min"), a.get("max")
        for i, key in ((1, "lo"), (2, "hi")):
            if len(node.input) > i and node.input[i]:
                v = self.const(node.input[i])
                if v is None:
                    raise self.bad(node, "min" if i == 1 else "max", node.input[i], "a constant")
                if key == "lo":
                    lo = float(v)
                else:
                    hi = float(v)
        if lo == 0 and hi == 6:
            return self._act(node, "relu6")
        if lo == 0 and (hi is None or hi == float("inf")):
            return self._act(node, "relu")
        raise self.bad(node, "range", (lo, hi), "Clip(0, 6) (ReLU6) or Clip(0, inf) (ReLU)")

    def op_BatchNormalization(self, node: Any, a: dict[str, Any]) -> Tensor:
        return self.b.norm(self.act_in(node, node.input[0]), "batch", name=self.layer_name(node))

    def op_LayerNormalization(self, node: Any, a: dict[str, Any]) -> Tensor:
        x = self.act_in(node, node.input[0])
        if int(a.get("axis", -1)) not in (-1, len(x.shape)):
            raise self.bad(node, "axis", a.get("axis"), "the last axis (-1)")
        return self.b.norm(x, "layer", name=self.layer_name(node))

    def _binary(self, node: Any, kind: str) -> Tensor:
        names = list(node.input[:2])
        consts = [self.is_const(n) for n in names]
        if all(consts):
            raise self.bad(node, "inputs", names, "at least one computed (non-constant) operand")
        if consts[0]:
            names.reverse()  # activation first; a constant second operand becomes a weight operand
        x = self.act_in(node, names[0])
        y = self.param(names[1], len(x.shape)) if self.is_const(names[1]) else self.act_in(node, names[1])
        if kind == "mul" and not self.is_const(names[1]) and _broadcasts(x.shape, y.shape) is False:
            x, y = y, x
        fn = self.b.add if kind == "add" else self.b.mul
        return fn(x, y, name=self.layer_name(node))

    def op_Add(self, node: Any, a: dict[str, Any]) -> Tensor:
        return self._binary(node, "add")

    op_Sub = op_Add

    def op_Mul(self, node: Any, a: dict[str, Any]) -> Tensor:
        return self._binary(node, "mul")

    op_Div = op_Mul

    def op_Concat(self, node: Any, a: dict[str, Any]) -> Tensor:
        axis = int(a.get("axis", 0))
        first = next((self.env[n] for n in node.input if n in self.env), None)
        if first is None:
            raise self.bad(node, "inputs", list(node.input), "at least one computed operand")
        if axis == 0:
            raise self.bad(node, "axis", axis, "a non-batch axis")
        xs = [self.param(n, len(first.shape)) if self.is_const(n) else self.act_in(node, n) for n in node.input]
        return self.b.concat(xs, axis=axis - 1 if axis > 0 else axis, name=self.layer_name(node))

    def op_Flatten(self, node: Any, a: dict[str, Any]) -> Tensor:
        if int(a.get("axis", 1)) != 1:
            raise self.bad(node, "axis", a.get("axis"), "1 (keep the batch dimension)")
        x = self.act_in(node, node.input[0])
        return self.b.reshape(x, (numel(x.shape),), name=self.layer_name(node))

    def op_Reshape(self, node: Any, a: dict[str, Any]) -> Tensor:
        x = self.act_in(node, node.input[0])
        known = self.shapes.get(node.output[0])
        if known and len(known) >= 2 and all(d is not None and d > 0 for d in known[1:]):
            shape = tuple(int(d) for d in known[1:])
        else:
            target = self.const(node.input[1])
            if target is None:
                raise self.bad(node, "shape", node.input[1], "a constant target shape")
            full = [1, *x.shape]
            dims = [full[i] if (int(v) == 0 and not a.get("allowzero", 0)) else int(v) for i, v in enumerate(target)]
            if dims.count(-1) == 1:
                rest = numel(tuple(d for d in dims if d != -1))
                dims[dims.index(-1)] = numel(tuple(full)) // max(rest, 1)
            if not dims or dims[0] != 1:
                raise self.bad(node, "shape", [int(v) for v in target], "a reshape that keeps the batch dimension first")
            shape = tuple(dims[1:])
        return self.b.reshape(x, shape, name=self.layer_name(node))

    def op_Transpose(self, node: Any, a: dict[str, Any]) -> Tensor:
        x = self.act_in(node, node.input[0])
        perm = list(a.get("perm", reversed(range(len(x.shape) + 1))))
        if perm[0] != 0:
            raise self.bad(node, "perm", perm, "a permutation that keeps the batch axis first")
        full = (1, *x.shape)
        return self.b.reshape(x, tuple(full[p] for p in perm[1:]), name=self.layer_name(node))


def _broadcasts(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    return len(a) == len(b) and all(db in (1, da) for da, db in zip(a, b))
