"""Read ZigZag 3.x hardware and mapping YAML (and the engine's own YAML/TOML) for ``asic``.

Hardware (``zigzag/inputs/hardware/*.yaml``): ``memories`` (innermost first) with ``size``
(bits), ``r_cost``/``w_cost`` (pJ per access), ``operands`` (``I1`` inputs, ``I2`` weights,
``O``), ``ports`` (the widest read/write ``bandwidth_max`` is taken; a ``read_write`` port is one
shared port) and ``served_dimensions``; ``operational_array`` with ``unit_energy``, ``dimensions``,
``sizes``. Operand precisions are not in ZigZag's hardware file (they come with its workload):
8-bit I/W, 16-bit partial sums, 8-bit final outputs are assumed, as ZigZag's ONNX parser does
for quantised ResNet-18 (``operational_array.input_precision`` sets I/W when given). Not supported
(rejected naming the file and key): in-memory compute (``is_imc``, ``adc_resolution``...), more
than three array dimensions (``ascend_like``, ``edge_tpu_like``, ``meta_prototype``), CACTI cost
extraction (``auto_cost_extraction: True``), operand links other than ``I1->I, I2->W``;
``systolic_dimensions`` is accepted and ignored (ZigZag's cost model does not charge fill/drain
either); ``force_double_buffering`` sets ``double_buffer``.

Mapping (``zigzag/inputs/mapping/*.yaml``): a list of entries ``name`` (a layer name of the
workload, or ``default``), ``spatial_mapping`` (``D1: ["K, 32"]``, several loops per dimension
allowed), optional ``temporal_ordering`` (``[[OX, 112], ...]`` innermost first, fixing the
temporal loops) and ``memory_operand_links`` (only the default ``O: O, W: I2, I: I1``). Entries
named after operator types ZigZag maps separately (``Add``, ``Pooling``) are ignored: those layers
do not run on the array here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dse.errors import DseInputError

from .arch import Arch, Memory, arch_from_dict, check_arch
from .mapping import DIMS
from .mapping_search import Mapping

__all__ = ["MappingTable", "read_mapping", "read_zigzag_hardware", "read_zigzag_or_own_yaml"]

_OPS = {"I1": "I", "I2": "W", "O": "O"}
_ZZ_TOP = {"name", "memories", "operational_array"}
_IGNORED_ENTRIES = {"Add", "Pooling"}
_ZZ_ARRAY = {"unit_energy", "unit_area", "dimensions", "sizes", "systolic_dimensions", "input_precision"}
_ZZ_MEM = {"size", "r_cost", "w_cost", "area", "latency", "operands", "ports", "served_dimensions",
           "auto_cost_extraction", "force_double_buffering"}


def _yaml(path: Path) -> Any:
    import yaml

    try:
        return yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise DseInputError(str(path), "(not valid YAML)", "a YAML file", detail=str(exc).splitlines()[0]) from None


def read_zigzag_or_own_yaml(path: Path) -> Arch:
    d = _yaml(path)
    if isinstance(d, dict) and "memories" in d:
        return read_zigzag_hardware(d, str(path))
    if isinstance(d, dict) and "memory" in d:
        return arch_from_dict(d, str(path))
    raise DseInputError(str(path), "(no 'memories' or 'memory' key)", "a ZigZag 3.x hardware YAML or an engine architecture")


def read_zigzag_hardware(d: dict, where: str) -> Arch:
    for k in d:
        if k not in _ZZ_TOP:
            raise DseInputError(f"{where}: {k}", "(unsupported key)", "ZigZag keys " + ", ".join(sorted(_ZZ_TOP)))
    oa = d.get("operational_array")
    if not isinstance(oa, dict):
        raise DseInputError(f"{where}: operational_array", oa, "a table with unit_energy, dimensions, sizes")
    for k in oa:
        if k not in _ZZ_ARRAY:
            raise DseInputError(f"{where}: operational_array.{k}", oa[k], "a digital MAC array (keys "
                                + ", ".join(sorted(_ZZ_ARRAY)) + "); in-memory compute is not supported")
    prec = oa.get("input_precision", [8, 8])
    if not (isinstance(prec, list) and len(prec) == 2 and all(isinstance(b, int) and 1 <= b <= 16 for b in prec)):
        raise DseInputError(f"{where}: operational_array.input_precision", prec, "[I bits, W bits], each 1..16")
    dims, sizes = oa.get("dimensions"), oa.get("sizes")
    if not isinstance(dims, list) or not isinstance(sizes, list) or len(dims) != len(sizes) or not 1 <= len(dims) <= 3:
        raise DseInputError(f"{where}: operational_array.sizes", sizes, "1 to 3 sizes matching dimensions")
    mems_raw = d["memories"]
    if not isinstance(mems_raw, dict) or not mems_raw:
        raise DseInputError(f"{where}: memories", mems_raw, "a mapping of memory name -> description")
    mems = []
    names = list(mems_raw)
    for idx, (name, m) in enumerate(mems_raw.items()):
        w = f"{where}: memories.{name}"
        for k in m:
            if k not in _ZZ_MEM:
                raise DseInputError(f"{w}.{k}", m[k], "memory keys " + ", ".join(sorted(_ZZ_MEM)))
        if m.get("auto_cost_extraction"):
            raise DseInputError(f"{w}.auto_cost_extraction", True, "False with explicit r_cost/w_cost (no CACTI here)")
        ops = m.get("operands", [])
        bad = [o for o in ops if o not in _OPS]
        if not ops or bad:
            raise DseInputError(f"{w}.operands", ops, "a list of I1, I2, O")
        served = m.get("served_dimensions", [])
        if any(s not in dims for s in served):
            raise DseInputError(f"{w}.served_dimensions", served, "a subset of " + ", ".join(dims))
        r_bw = w_bw = 0.0
        rw = False
        for port in m.get("ports", []):
            bw = float(port.get("bandwidth_max", port.get("bandwidth_min", 0)))
            kind = port.get("type", "")
            if kind not in ("read", "write", "read_write"):
                raise DseInputError(f"{w}.ports.type", kind, "read, write or read_write")
            if kind in ("read", "read_write"):
                r_bw = max(r_bw, bw)
            if kind in ("write", "read_write"):
                w_bw = max(w_bw, bw)
            rw = rw or kind == "read_write"
        if not r_bw > 0 or not w_bw > 0:
            raise DseInputError(f"{w}.ports", "(no read or write bandwidth)", "read and write ports with bandwidth_max > 0")
        try:
            size = float(m["size"])
            r_cost, w_cost = float(m.get("r_cost", 0)), float(m.get("w_cost", 0))
        except (KeyError, TypeError, ValueError):
            raise DseInputError(f"{w}.size", m.get("size"), "a size in bits and numeric r_cost/w_cost") from None
        kind = "dram" if idx == len(names) - 1 else ("rf" if not served else "sram")
        mems.append(Memory(str(name), kind, size, r_bw, w_bw, r_cost, w_cost, tuple(_OPS[o] for o in ops),
                           tuple(sorted(dims.index(s) for s in served)), bool(m.get("force_double_buffering", False)), rw))
    arch = Arch(str(d.get("name", where)), tuple(int(s) for s in sizes), tuple(mems),
                {"I": prec[0], "W": prec[1], "O": 16, "O_final": 8}, float(oa.get("unit_energy", 0.0)) or None,
                1e9, f"ZigZag hardware file {where}")
    check_arch(arch, where)
    return arch


class MappingTable:
    """Per-layer fixed mappings: ``get(layer_name)`` gives the named entry or ``default``."""

    def __init__(self, entries: dict[str, Mapping]):
        self.entries = entries

    def get(self, name: str) -> Mapping | None:
        return self.entries.get(name, self.entries.get("default"))

    def __hash__(self) -> int:
        return hash(tuple(sorted(self.entries.items(), key=lambda kv: kv[0])))


def _loop(item: Any, where: str) -> tuple[int, int]:
    if isinstance(item, str):
        parts = [p.strip() for p in item.split(",")]
    elif isinstance(item, (list, tuple)):
        parts = list(item)
    else:
        parts = []
    if len(parts) != 2 or str(parts[0]) not in DIMS:
        raise DseInputError(where, item, "a loop 'DIM, factor' with DIM one of " + ", ".join(DIMS))
    try:
        f = int(parts[1])
    except (TypeError, ValueError):
        raise DseInputError(where, item, "an integer factor >= 1") from None
    if f < 1:
        raise DseInputError(where, item, "an integer factor >= 1")
    return DIMS.index(str(parts[0])), f


def read_mapping(spec: str) -> MappingTable:
    """A ZigZag mapping YAML, or a TOML file with ``[[mapping]]`` entries of the same keys."""
    path = Path(spec)
    if not path.is_file():
        raise DseInputError("mapping", spec, "an existing .yaml (ZigZag 3.x) or .toml mapping file")
    if path.suffix == ".toml":
        import tomllib

        try:
            raw = tomllib.loads(path.read_text()).get("mapping")
        except tomllib.TOMLDecodeError as exc:
            raise DseInputError(str(path), "(not valid TOML)", "a TOML mapping file", detail=str(exc)) from None
    else:
        raw = _yaml(path)
    if not isinstance(raw, list) or not raw:
        raise DseInputError(f"{path}", "(no list of mapping entries)", "a list of {name, spatial_mapping, ...} entries")
    entries: dict[str, Mapping] = {}
    for i, e in enumerate(raw):
        w = f"{path}: [{i}]"
        if not isinstance(e, dict) or "name" not in e:
            raise DseInputError(f"{w}.name", e, "an entry with a name (a layer name or default)")
        if e["name"] in _IGNORED_ENTRIES:
            continue
        allowed = {"name", "spatial_mapping", "temporal_ordering", "memory_operand_links"}
        for k in e:
            if k not in allowed:
                raise DseInputError(f"{w}.{k}", "(unsupported key)", "one of " + ", ".join(sorted(allowed)))
        links = e.get("memory_operand_links", {"O": "O", "W": "I2", "I": "I1"})
        if dict(links) != {"O": "O", "W": "I2", "I": "I1"}:
            raise DseInputError(f"{w}.memory_operand_links", links, "the default {O: O, W: I2, I: I1}")
        sm = e.get("spatial_mapping")
        spatial = None
        if sm is not None:
            if not isinstance(sm, dict):
                raise DseInputError(f"{w}.spatial_mapping", sm, "a table D1: [\"K, 32\"], ...")
            spatial = []
            for dim, loops in sm.items():
                if not (isinstance(dim, str) and dim.startswith("D") and dim[1:].isdigit() and 1 <= int(dim[1:]) <= 3):
                    raise DseInputError(f"{w}.spatial_mapping.{dim}", dim, "D1, D2 or D3")
                for item in loops if isinstance(loops, list) and not isinstance(loops[0], (int,)) else [loops]:
                    d, f = _loop(item, f"{w}.spatial_mapping.{dim}")
                    spatial.append((int(dim[1:]) - 1, d, f))
            spatial = tuple(spatial)
        to = e.get("temporal_ordering")
        temporal = tuple(_loop(x, f"{w}.temporal_ordering") for x in to) if to else None
        entries[str(e["name"])] = Mapping(spatial, temporal)
    return MappingTable(entries)
