"""JSON/TOML layer lists: one entry per layer, shapes inferred (format in ``docs/workloads.md``).

A file holds ``name`` (optional), ``input`` (the per-sample input shape), optional ``meta`` (a
table of free-form values) and ``layers``: a list of tables with ``kind``, an optional ``name``,
optional ``inputs`` (names of earlier layers or ``"input"``; default: the previous layer),
optional ``group`` and the kind's parameters. Malformed files raise one
:class:`~dse.errors.DseInputError` naming the file, the layer index and the field.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable

from dse.errors import DseInputError

from ..graph import Tensor, Workload, WorkloadBuilder
from ..ir import ACTIVATIONS, Adjacency

__all__ = ["load_layer_list", "layer_list_from_dict", "KINDS"]

_SHAPE = "a list of positive integers"

#: kind -> (required fields, optional fields with defaults)
KINDS: dict[str, tuple[tuple[str, ...], dict[str, Any]]] = {
    "conv2d": (("out_channels", "kernel"), {"stride": 1, "padding": 0, "dilation": 1, "groups": 1, "bias": False}),
    "linear": (("out_features",), {"bias": True}),
    "matmul": ((), {"weights": "none", "weight_shape": None}),
    "activation": (("fn",), {"degree": 0}),
    "poly": (("degree",), {}),
    "maxpool": (("kernel",), {"stride": None, "padding": 0}),
    "avgpool": (("kernel",), {"stride": None, "padding": 0}),
    "global_avgpool": ((), {}),
    "norm": ((), {"mode": "batch"}),
    "batchnorm": ((), {}),
    "layernorm": ((), {}),
    "add": ((), {}),
    "mul": ((), {}),
    "concat": ((), {"axis": 0}),
    "reshape": (("shape",), {}),
    "flatten": ((), {}),
    "slice": ((), {"axis": 0, "start": 0, "length": 1}),
    "attention": (("heads",), {"bias": True}),
    "graphconv": (("out_channels", "adjacency"), {"bias": True, "edge_importance": False}),
    "recurrent": (("hidden",), {"cell": "lstm", "proj": 0, "peephole": False}),
    "lstm": (("hidden",), {"proj": 0, "peephole": False}),
    "gru": (("hidden",), {}),
    "embedding": (("vocab", "dim"), {}),
    **{fn: ((), {}) for fn in ACTIVATIONS if fn != "poly"},
}
_ARITY = {"add": 2, "mul": 2, "matmul": 2}
_COMMON = ("kind", "name", "inputs", "group")


def load_layer_list(path: str | Path) -> Workload:
    """Read a ``.json`` or ``.toml`` layer list and build the workload."""
    path = Path(path)
    where = path.name
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DseInputError("workload", str(path), "a UTF-8 text layer list (.json or .toml)",
                            detail=f"byte {exc.start} is not UTF-8: a binary file?") from None
    except OSError as exc:
        raise DseInputError("workload", str(path), "a readable layer-list file", detail=str(exc)) from None
    try:
        if path.suffix.lower() == ".toml":
            import tomllib

            data = tomllib.loads(text)
        else:
            data = json.loads(text)
    except ValueError as exc:  # JSONDecodeError and TOMLDecodeError are ValueErrors
        raise DseInputError(where, "(file)", f"valid {path.suffix.lstrip('.').upper()}", detail=str(exc)) from None
    return layer_list_from_dict(data, default_name=path.stem, where=where)


def layer_list_from_dict(data: Any, default_name: str = "layers", where: str = "layer list") -> Workload:
    """Build a workload from the parsed document (``{"input": [...], "layers": [...]}``)."""
    if not isinstance(data, dict):
        raise DseInputError(where, type(data).__name__, "a table/object with 'input' and 'layers'")
    unknown = sorted(set(data) - {"name", "input", "layers", "meta", "compression"})
    if unknown:
        raise DseInputError(f"{where}: {unknown[0]}", data[unknown[0]],
                            "top-level keys name, input, layers, meta, compression")
    shape = data.get("input")
    if not isinstance(shape, list) or not shape or not all(_is_int(d) and d > 0 for d in shape):
        raise DseInputError(f"{where}: input", shape, _SHAPE + " (the per-sample input shape)")
    layers = data.get("layers")
    if not isinstance(layers, list) or not layers:
        raise DseInputError(f"{where}: layers", layers, "a non-empty list of layer tables")
    meta = data.get("meta", {})
    if not isinstance(meta, dict):
        raise DseInputError(f"{where}: meta", meta, "a table of values")
    name = data.get("name", default_name)
    if not isinstance(name, str) or not name:
        raise DseInputError(f"{where}: name", name, "a non-empty string")
    b = WorkloadBuilder(name, tuple(shape), source=f"layer list {where}", **meta)
    tensors: dict[str, Tensor] = {"input": b.input}
    prev = b.input
    groups: dict[str, str] = {}
    for i, entry in enumerate(layers):
        at = f"{where}: layers[{i}]"
        prev = _add(b, entry, at, tensors, prev)
        tensors[prev.name] = prev
        if isinstance(entry, dict) and entry.get("group"):
            if not isinstance(entry["group"], str):
                raise DseInputError(f"{at}.group", entry["group"], "a string")
            groups[prev.name] = entry["group"]
    w = b.build()
    if groups:
        w = Workload(w.name, w.input_shape, tuple(replace(l, group=groups[l.name]) if l.name in groups else l
                                                  for l in w.layers), w.meta, w.kind)
    if "compression" in data:  # {layer name or glob: {density, structure, weight_bits, ...}}
        from ..compression import apply_compression

        w = apply_compression(w, data["compression"], where=f"{where}: compression")
    return w


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _add(b: WorkloadBuilder, entry: Any, at: str, tensors: dict[str, Tensor], prev: Tensor) -> Tensor:
    if not isinstance(entry, dict):
        raise DseInputError(at, entry, "a table with a 'kind' field")
    kind = entry.get("kind")
    if kind not in KINDS:
        raise DseInputError(f"{at}.kind", kind, "one of " + ", ".join(sorted(KINDS)))
    required, optional = KINDS[kind]
    for key in entry:
        if key not in _COMMON and key not in required and key not in optional:
            allowed = ", ".join((*required, *optional, "name", "inputs", "group"))
            raise DseInputError(f"{at}.{key}", entry[key], f"a field of kind {kind}: {allowed}")
    for key in required:
        if key not in entry:
            raise DseInputError(f"{at}.{key}", "(missing)", f"a value (required for kind {kind})")
    name = entry.get("name")
    if name is not None and (not isinstance(name, str) or not name or name in tensors):
        raise DseInputError(f"{at}.name", name, "a non-empty string not used by an earlier layer (nor 'input')")
    inputs = _inputs(entry, at, tensors, prev, kind)
    p = {**optional, **{k: v for k, v in entry.items() if k not in _COMMON}}
    try:
        return _BUILD.get(kind, _build_activation)(b, kind, inputs, p, name)
    except DseInputError as exc:
        field = exc.field.split(".", 1)[-1] if exc.field.startswith("layer ") else exc.field
        raise DseInputError(f"{at}.{field}", exc.value, exc.allowed) from None
    except (TypeError, ValueError) as exc:
        raise DseInputError(at, {k: v for k, v in entry.items() if k != "kind"}, f"valid parameters for kind {kind}",
                            detail=str(exc)) from None


def _inputs(entry: dict, at: str, tensors: dict[str, Tensor], prev: Tensor, kind: str) -> list[Tensor]:
    names = entry.get("inputs")
    if names is None:
        if kind in ("add", "mul", "concat"):
            raise DseInputError(f"{at}.inputs", "(missing)", f"the names of the layers kind {kind} combines")
        return [prev]
    if isinstance(names, str):
        names = [names]
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise DseInputError(f"{at}.inputs", names, "a list of earlier layer names (or 'input')")
    for n in names:
        if n not in tensors:
            raise DseInputError(f"{at}.inputs", n, "'input' or the name of an earlier layer")
    want = _ARITY.get(kind, 0 if kind == "concat" else 1)
    if kind == "matmul" and entry.get("weights", "none") != "none":
        want = 1
    if want and len(names) != want:
        raise DseInputError(f"{at}.inputs", names, f"{want} layer name(s) for kind {kind}")
    return [tensors[n] for n in names]


def _adjacency(value: Any) -> Adjacency:
    if value in ("ntu", "ntu-rgbd", "ntu-rgb+d"):
        from ..zoo.gcn import ntu_adjacency

        return ntu_adjacency()
    if isinstance(value, dict) and set(value) == {"num_nodes", "partitions"}:
        parts = tuple(tuple((int(i), int(j)) for i, j in part) for part in value["partitions"])
        return Adjacency(int(value["num_nodes"]), parts)
    raise DseInputError("adjacency", value, "'ntu-rgbd' or {num_nodes = V, partitions = [[[dst, src], ...], ...]}")


def _build_activation(b: WorkloadBuilder, kind: str, xs: list[Tensor], p: dict, name: str | None) -> Tensor:
    fn = p.get("fn", kind)
    return b.act(xs[0], fn, degree=int(p.get("degree", 0)), name=name)


def _matmul(b: WorkloadBuilder, kind: str, xs: list[Tensor], p: dict, name: str | None) -> Tensor:
    weights = p["weights"]
    if weights == "none":
        if len(xs) != 2:
            raise DseInputError("inputs", len(xs), "2 layer names when weights = 'none'")
        return b.matmul(xs[0], xs[1], name=name)
    shape = p.get("weight_shape")
    if not isinstance(shape, list) or not all(_is_int(d) and d > 0 for d in shape):
        raise DseInputError("weight_shape", shape, _SHAPE + " (required when weights is 'a' or 'b')")
    w = b.weight(tuple(shape), f"{name or 'matmul'}.weight")
    return b.matmul(w, xs[0], weights="a", name=name) if weights == "a" else b.matmul(xs[0], w, weights="b", name=name)


def _shape(v: Any) -> tuple[int, ...]:
    if not isinstance(v, list) or not v or not all(_is_int(d) and d > 0 for d in v):
        raise DseInputError("shape", v, _SHAPE)
    return tuple(v)


_BUILD: dict[str, Callable[..., Tensor]] = {
    "conv2d": lambda b, k, xs, p, n: b.conv2d(xs[0], p["out_channels"], p["kernel"], stride=p["stride"],
                                              padding=p["padding"], dilation=p["dilation"], groups=p["groups"],
                                              bias=p["bias"], name=n),
    "linear": lambda b, k, xs, p, n: b.linear(xs[0], p["out_features"], bias=p["bias"], name=n),
    "matmul": _matmul,
    "poly": lambda b, k, xs, p, n: b.act(xs[0], "poly", degree=p["degree"], name=n),
    "maxpool": lambda b, k, xs, p, n: b.maxpool(xs[0], p["kernel"], p["stride"], p["padding"], name=n),
    "avgpool": lambda b, k, xs, p, n: b.avgpool(xs[0], p["kernel"], p["stride"], p["padding"], name=n),
    "global_avgpool": lambda b, k, xs, p, n: b.global_avgpool(xs[0], name=n),
    "norm": lambda b, k, xs, p, n: b.norm(xs[0], p["mode"], name=n),
    "batchnorm": lambda b, k, xs, p, n: b.norm(xs[0], "batch", name=n),
    "layernorm": lambda b, k, xs, p, n: b.norm(xs[0], "layer", name=n),
    "add": lambda b, k, xs, p, n: b.add(xs[0], xs[1], name=n),
    "mul": lambda b, k, xs, p, n: b.mul(xs[0], xs[1], name=n),
    "concat": lambda b, k, xs, p, n: b.concat(xs, axis=p["axis"], name=n),
    "reshape": lambda b, k, xs, p, n: b.reshape(xs[0], _shape(p["shape"]), name=n),
    "flatten": lambda b, k, xs, p, n: b.flatten(xs[0], name=n),
    "slice": lambda b, k, xs, p, n: b.slice(xs[0], p["axis"], p["start"], p["length"], name=n),
    "attention": lambda b, k, xs, p, n: b.attention(xs[0], p["heads"], bias=p["bias"], name=n),
    "graphconv": lambda b, k, xs, p, n: b.graph_conv(xs[0], p["out_channels"], _adjacency(p["adjacency"]),
                                                     bias=p["bias"], edge_importance=p["edge_importance"], name=n),
    "recurrent": lambda b, k, xs, p, n: b.recurrent(xs[0], p["hidden"], p["cell"], name=n, proj=p["proj"],
                                                    peephole=p["peephole"]),
    "lstm": lambda b, k, xs, p, n: b.recurrent(xs[0], p["hidden"], "lstm", name=n, proj=p["proj"],
                                               peephole=p["peephole"]),
    "gru": lambda b, k, xs, p, n: b.recurrent(xs[0], p["hidden"], "gru", name=n),
    "embedding": lambda b, k, xs, p, n: b.embedding(xs[0], p["vocab"], p["dim"], name=n),
}
