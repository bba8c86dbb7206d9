"""Compression read from an ONNX graph (:mod:`.onnx_import`): QDQ quantisation and stored zeros.

* ``QuantizeLinear`` / ``DequantizeLinear`` (the QDQ format of ONNX Runtime's static quantiser):
  on a weight initializer they are folded into the constant (so ``Conv``/``Gemm``/``MatMul`` see
  a weight) and the layer's ``weight_bits`` is the width of the quantised integer type
  (``int8``/``uint8`` 8, ``int4``/``uint4`` 4, ``int16``/``uint16`` 16); on an activation they are
  pass-throughs and the consuming layer's ``act_bits`` is that width.
* Sparsity: a weight stored in the file (not as external data: that stays unread) whose entries
  are exactly zero gives ``density = nonzeros / size``; ``structure`` is ``filter`` when every
  zero lies in an all-zero output filter/feature, ``channel`` when every zero lies in an all-zero
  input channel/feature, else ``unstructured`` (block and pattern structure are not inferred:
  declare them in a sidecar). An all-zero tensor (a placeholder) is not read as sparsity.
* A sidecar ``<stem>.compression.toml|json`` next to the model overrides, field by field, what
  the graph says (format: :func:`workloads.compression.load_sidecar`).

Not read: the integer-operator formats (``QLinearConv``, ``QLinearMatMul``, ``ConvInteger``,
``MatMulInteger``) raise the importer's unsupported-op error; convert them to QDQ or use a sidecar.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..compression import Compression

__all__ = ["QuantOps", "INT_BITS", "apply_sidecar"]

#: ONNX TensorProto data types of quantised integers -> bits
INT_BITS = {2: 8, 3: 8, 4: 16, 5: 16, 6: 32, 12: 32, 21: 4, 22: 4}  # UINT8 INT8 UINT16 INT16 INT32 UINT32 UINT4 INT4
#: their saturation ranges (QuantizeLinear clips to these)
INT_RANGE = {2: (0, 255), 3: (-128, 127), 4: (0, 65535), 5: (-32768, 32767), 6: (-2**31, 2**31 - 1),
             12: (0, 2**32 - 1), 21: (0, 15), 22: (-8, 7)}


class QuantOps:
    """Mixed into the converter (``self.const``, ``self.consts``, ``self.values``, ``self.act_in``
    come from it); records per-layer weight/activation bits and weight zero patterns."""

    def _qinit(self) -> None:
        if not hasattr(self, "qbits"):
            self.qbits: dict[str, int] = {}      # tensor name -> bits of its quantised integers
            self.layer_weights: dict[str, tuple[str, str, int, int]] = {}  # layer -> (weight, act, out axis, in axis)

    def _dtype_bits(self, name: str, a: dict[str, Any]) -> int:
        if name in self.consts:
            return INT_BITS.get(int(self.consts[name].data_type), 8)
        if "output_dtype" in a:
            return INT_BITS.get(int(a["output_dtype"]), 8)
        return 8  # ONNX default: uint8 when no zero point is given

    def _broadcast(self, v: Any, rank: int, axis: int) -> np.ndarray:
        v = np.asarray(v, dtype=np.float64)
        if v.ndim == 1 and v.size > 1:
            shape = [1] * rank
            shape[axis % rank] = -1
            return v.reshape(shape)
        return v

    def op_QuantizeLinear(self, node: Any, a: dict[str, Any]) -> Any:
        self._qinit()
        zp = node.input[2] if len(node.input) > 2 and node.input[2] else ""
        bits = self._dtype_bits(zp, a) if zp else self._dtype_bits("", a)
        self.qbits[node.output[0]] = bits
        x = node.input[0]
        if self.is_const(x):
            v = np.asarray(self.const(x), dtype=np.float64)
            axis = int(a.get("axis", 1))
            scale = self._broadcast(self.const(node.input[1]), v.ndim, axis)
            z = self._broadcast(self.const(zp), v.ndim, axis) if zp else 0.0
            dtype = int(self.consts[zp].data_type) if zp in self.consts else int(a.get("output_dtype", 2))
            lo, hi = INT_RANGE.get(dtype, (0, 255))
            self.values[node.output[0]] = np.clip(np.round(v / scale) + z, lo, hi)
            return None
        return self.act_in(node, x)

    def op_DequantizeLinear(self, node: Any, a: dict[str, Any]) -> Any:
        self._qinit()
        x = node.input[0]
        zp = node.input[2] if len(node.input) > 2 and node.input[2] else ""
        self.qbits[node.output[0]] = self.qbits.get(x) or self._dtype_bits(x if x in self.consts else zp, a)
        if self.is_const(x):
            v = np.asarray(self.const(x), dtype=np.float64)
            axis = int(a.get("axis", 1))
            scale = self._broadcast(self.const(node.input[1]), v.ndim, axis)
            z = self._broadcast(self.const(zp), v.ndim, axis) if zp else 0.0
            self.values[node.output[0]] = (v - z) * scale
            return None
        return self.act_in(node, x)

    def note_layer(self, node: Any, out: Any) -> None:
        """Remember which weight and activation tensors feed the layer ``out`` (conv/gemm/matmul)."""
        self._qinit()
        op = node.op_type
        if op == "Conv":
            self.layer_weights[out.name] = (node.input[1], node.input[0], 0, 1)
        elif op in ("Gemm", "MatMul") and len(node.input) > 1 and self.is_const(node.input[1]):
            trans = op == "Gemm" and bool(self.attrs(node).get("transB", 0))
            self.layer_weights[out.name] = (node.input[1], node.input[0], 0 if trans else 1, 1 if trans else 0)

    def _stored(self, name: str) -> np.ndarray | None:
        """The weight's values when the file holds them (None for external data)."""
        from onnx import TensorProto

        if name in self.consts and self.consts[name].data_location == TensorProto.EXTERNAL:
            return None
        v = self.const(name)
        return None if v is None else np.asarray(v)

    def compressions(self) -> dict[str, Compression]:
        """Layer name -> compression found in the graph (only layers with something to say)."""
        self._qinit()
        out: dict[str, Compression] = {}
        for layer, (w, x, o_ax, i_ax) in self.layer_weights.items():
            fields: dict[str, Any] = {}
            if w in self.qbits:
                fields["weight_bits"] = self.qbits[w]
            if x in self.qbits:
                fields["act_bits"] = self.qbits[x]
            v = self._stored(w)
            if v is not None and v.size and v.ndim >= 2:
                live = v != 0
                nnz = int(live.sum())
                if 0 < nnz < v.size:
                    fields["density"] = nnz / v.size
                    fields["structure"] = _structure(live, o_ax, i_ax)
            if fields:
                out[layer] = Compression(**fields)
        return out


def _structure(live: np.ndarray, out_axis: int, in_axis: int) -> str:
    """``filter`` / ``channel`` when all zeros sit in all-zero output / input slices, else unstructured."""
    for axis, name in ((out_axis, "filter"), (in_axis, "channel")):
        other = tuple(i for i in range(live.ndim) if i != axis)
        alive = live.any(axis=other)
        shape = [1] * live.ndim
        shape[axis] = -1
        if np.array_equal(live, np.broadcast_to(alive.reshape(shape), live.shape)):
            return name
    return "unstructured"


def apply_sidecar(workload: Any, model_path: Path) -> Any:
    """``workload`` with ``<stem>.compression.toml|json`` (next to the model) merged in, if present."""
    from ..compression import apply_compression, load_sidecar

    for suffix in (".compression.toml", ".compression.json"):
        side = model_path.with_name(model_path.stem + suffix)
        if side.is_file():
            workload = apply_compression(workload, load_sidecar(side), where=side.name, merge=True)
    return workload
