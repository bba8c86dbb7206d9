"""Per-layer compression of a workload: weight sparsity and its structure, bit widths, block-circulant weights.

A :class:`Compression` rides on a weight layer (``Layer.compression``; ``None`` = uncompressed) and
says how its *trained weights* are stored, so every hardware family prices the same compressed
network ([ZhangADMM18]/[ADMMNN19] pruning + quantisation, [ERNN19]/[FTRANS20] block-circulant
weights, [PatDNN20] pattern pruning). Fields (defaults = uncompressed):

==================  ===========================================================================
``density``         kept fraction of the layer's weights, in (0, 1]
``structure``       which weights are removed: ``unstructured`` (any), ``filter`` (whole output
                    filters / output features), ``channel`` (whole input channels / features),
                    ``block`` (``block`` tiles of the (outputs, inputs) weight matrix),
                    ``pattern`` (a fixed pattern of entries per conv kernel, conv2d only)
``block``           tile shape (outputs, inputs) for ``structure="block"`` (ignored otherwise)
``weight_bits``     stored weight precision in bits (``None``: the hardware model's own)
``act_bits``        precision of the layer's input activations (``None``: the model's own)
``circulant``       block size ``b`` of block-circulant weights (1 = dense): each ``b x b`` block
                    is a circulant matrix defined by ``b`` numbers ([ERNN19, Sec. 3])
==================  ===========================================================================

Which family reads which field (the rule and its source live in each family's
``compression.py``): ``asic`` (filter/channel pruning shrinks the layer, other sparsity gates
zero-weight MACs, bits set a precision-scalable array's MAC width), ``cim`` (filter/channel
pruning removes crossbar columns/rows, weight/activation bits set cell slices and input steps),
``fpga-transformer`` (block-circulant linear layers cost FFTs), ``fpga-dataflow`` (per-layer bits),
``mpc`` (the ring width that quantised linear layers need, for the ring-based 2PC protocols).

Files: a ``compression`` table (``{"layer or glob": {field: value}}``, optional ``"*"`` default) in
a JSON/TOML layer list, or a sidecar ``<model>.compression.toml|json`` next to an ONNX file
(:func:`load_sidecar`). Bad values raise one-line :class:`~dse.errors.DseInputError`.
"""

from __future__ import annotations

import fnmatch
import math
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, Mapping

from dse.errors import DseInputError

__all__ = ["Compression", "STRUCTURES", "UNCOMPRESSED", "compression_of", "parse_compression", "apply_compression",
           "load_sidecar", "weight_layers", "storage_bits"]

STRUCTURES = ("unstructured", "filter", "channel", "block", "pattern")
#: layer kinds whose trained weights a compression may describe
WEIGHT_KINDS = ("conv2d", "linear", "matmul", "attention", "recurrent", "graphconv", "embedding")


@dataclass(frozen=True)
class Compression:
    """How one layer's weights are compressed (see the module docstring; defaults = uncompressed)."""

    density: float = 1.0
    structure: str = "unstructured"
    block: tuple[int, int] = (4, 4)
    weight_bits: int | None = None
    act_bits: int | None = None
    circulant: int = 1

    def __post_init__(self) -> None:
        d = self.density
        if isinstance(d, bool) or not isinstance(d, (int, float)) or not (0.0 < float(d) <= 1.0) or math.isnan(d):
            raise DseInputError("compression.density", d, "a kept fraction in (0, 1]")
        object.__setattr__(self, "density", float(d))
        if self.structure not in STRUCTURES:
            raise DseInputError("compression.structure", self.structure, "one of " + ", ".join(STRUCTURES))
        blk = tuple(self.block) if isinstance(self.block, (list, tuple)) else (self.block,)
        if len(blk) != 2 or not all(_posint(v) for v in blk):
            raise DseInputError("compression.block", self.block, "two integers >= 1 (outputs, inputs)")
        object.__setattr__(self, "block", (int(blk[0]), int(blk[1])))
        for name in ("weight_bits", "act_bits"):
            v = getattr(self, name)
            if v is not None and not (_posint(v) and 1 <= v <= 32):
                raise DseInputError(f"compression.{name}", v, "an integer in [1, 32] (or absent: the model's own)")
        if not (_posint(self.circulant) and self.circulant <= 4096):
            raise DseInputError("compression.circulant", self.circulant, "an integer block size in [1, 4096] (1 = dense)")

    def describe(self) -> str:
        """Short text, e.g. ``kept 0.3 filter, w4 a8, circ 8``."""
        parts = []
        if self.is_sparse:
            parts.append(f"kept {self.density:.3g} {self.structure}")
        bits = " ".join(f"{k}{v}" for k, v in (("w", self.weight_bits), ("a", self.act_bits)) if v is not None)
        if bits:
            parts.append(bits)
        if self.circulant > 1:
            parts.append(f"circ {self.circulant}")
        return ", ".join(parts)

    @property
    def is_sparse(self) -> bool:
        return self.density < 1.0

    @property
    def is_identity(self) -> bool:
        return self == UNCOMPRESSED


def _posint(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 1


UNCOMPRESSED = Compression()


def compression_of(layer: Any) -> Compression:
    """The layer's compression (``UNCOMPRESSED`` when it carries none)."""
    c = getattr(layer, "compression", None)
    return UNCOMPRESSED if c is None else c


def weight_layers(workload: Any) -> list[Any]:
    """Layers that hold trained weights (a compression may sit on these only)."""
    return [l for l in workload.layers if l.kind in WEIGHT_KINDS and l.params > 0]


def check_layer(layer: Any, c: Compression) -> None:
    """Reject a compression the layer cannot carry (one-line error naming the layer)."""
    where = f"layer {layer.name}.compression"
    if c.is_identity:
        return
    if layer.kind not in WEIGHT_KINDS or layer.params <= 0:
        raise DseInputError(where, layer.kind, "a weight layer (" + ", ".join(WEIGHT_KINDS) + ")")
    if c.structure == "pattern" and layer.kind != "conv2d":
        raise DseInputError(f"{where}.structure", "pattern", "unstructured/filter/channel/block on a non-conv layer")
    if c.circulant > 1 and layer.kind not in ("linear", "matmul", "attention", "recurrent", "conv2d"):
        raise DseInputError(f"{where}.circulant", c.circulant, "1 on a layer without a weight matrix")


def parse_compression(value: Any, where: str = "compression") -> Compression:
    """A :class:`Compression` from a table ``{density, structure, block, weight_bits, act_bits, circulant}``."""
    if isinstance(value, Compression):
        return value
    if not isinstance(value, Mapping):
        raise DseInputError(where, value, "a table of " + ", ".join(f.name for f in fields(Compression)))
    known = {f.name for f in fields(Compression)}
    for key in value:
        if key not in known:
            raise DseInputError(f"{where}.{key}", value[key], "fields " + ", ".join(sorted(known)))
    try:
        return Compression(**dict(value))
    except DseInputError as exc:
        raise DseInputError(f"{where}.{exc.field.split('.', 1)[-1]}", exc.value, exc.allowed) from None


def apply_compression(workload: Any, spec: Mapping[str, Any], where: str = "compression", *,
                      merge: bool = False) -> Any:
    """A copy of ``workload`` whose weight layers carry the compressions of ``spec``.

    ``spec`` maps a layer name or an ``fnmatch`` glob to a table or :class:`Compression`; ``"*"``
    is the default of every weight layer; an exact name beats a glob, a longer glob a shorter one.
    A key that matches no weight layer is an error (a typo would otherwise be silently ignored).
    ``merge``: a table's fields override the layer's existing compression field by field (a
    sidecar on top of what an ONNX graph says) instead of replacing it.
    """
    if not isinstance(spec, Mapping):
        raise DseInputError(where, spec, "a table: layer name or glob -> compression table")
    parsed = {str(k): parse_compression(v, f"{where}.{k}") for k, v in spec.items()}
    tables = {str(k): dict(v) for k, v in spec.items() if isinstance(v, Mapping)}
    wl = weight_layers(workload)
    names = {l.name for l in wl}
    for key in parsed:
        if key != "*" and not any(fnmatch.fnmatchcase(n, key) for n in names):
            raise DseInputError(f"{where}.{key}", key, "a weight layer name or glob of " + workload.name
                                + " (" + ", ".join(sorted(names)[:8]) + ("..." if len(names) > 8 else "") + ")")
    out = []
    for layer in workload.layers:
        if layer.name in names:
            keys = [k for k in parsed if k == layer.name or fnmatch.fnmatchcase(layer.name, k)]
            if keys:
                best = max(keys, key=lambda k: (k == layer.name, k != "*", len(k)))
                c = parsed[best]
                old = getattr(layer, "compression", None)
                if merge and old is not None and best in tables:
                    c = parse_compression({**{f.name: getattr(old, f.name) for f in fields(Compression)},
                                           **tables[best]}, f"{where}.{best}")
                check_layer(layer, c)
                layer = replace(layer, compression=None if c.is_identity else c)
        out.append(layer)
    return replace(workload, layers=tuple(out))  # a fresh Workload: checks re-run, empty memo


def load_sidecar(path: str | Path) -> dict[str, Any]:
    """The ``{layer: table}`` mapping of a compression sidecar file (``.toml`` or ``.json``).

    The file holds either the mapping itself or ``{"layers": {...}}``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DseInputError("compression file", str(path), "a readable UTF-8 .toml/.json file", detail=str(exc)) from None
    try:
        if path.suffix.lower() == ".toml":
            import tomllib

            data = tomllib.loads(text)
        elif path.suffix.lower() == ".json":
            import json

            data = json.loads(text)
        else:
            raise DseInputError("compression file", str(path), "a .toml or .json file")
    except ValueError as exc:
        if isinstance(exc, DseInputError):
            raise
        raise DseInputError("compression file", path.name, f"valid {path.suffix.lstrip('.').upper()}",
                            detail=str(exc).splitlines()[0] if str(exc) else "") from None
    if isinstance(data, dict) and set(data) == {"layers"}:
        data = data["layers"]
    if not isinstance(data, dict):
        raise DseInputError(f"compression file {path.name}", type(data).__name__, "a table of layer -> compression")
    return data


def storage_bits(workload: Any, default_bits: int = 32) -> tuple[float, float]:
    """(dense, compressed) weight storage in bits over the weight layers: dense = ``default_bits``
    per weight; compressed = ``params * density / circulant * bits`` (index storage not counted)."""
    dense = comp = 0.0
    for layer in weight_layers(workload):
        c = compression_of(layer)
        bits = c.weight_bits if c.weight_bits is not None else default_bits
        dense += layer.params * default_bits
        comp += layer.params * c.density / c.circulant * bits
    return dense, comp
