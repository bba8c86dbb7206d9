"""Architecture description of the mapping-aware ``asic`` model.

An :class:`Arch` is a PE array of up to three spatial dimensions and a list of memories, innermost
first. Each memory serves some operands (``I`` inputs, ``W`` weights, ``O`` outputs / partial
sums); an operand's *chain* is the memories that serve it, in file order (register file -> SRAM
-> DRAM). ``served_dims`` are the array dimensions one instance of the memory spans: ``[]`` is one
instance per PE (a register file), all dimensions is one instance shared by the array (ZigZag's
``served_dimensions`` convention). Sizes and bandwidths are in bits and bits/cycle *per instance*;
``r_cost_pj`` / ``w_cost_pj`` are per access of ``r_bw`` / ``w_bw`` bits (ZigZag's ``r_cost`` /
``w_cost``); omitted costs come from :mod:`.energy_table` by ``kind`` and size.

The engine's own format is TOML (``data/arch/*.toml``)::

    name = "tpu-like"
    clock_hz = 1e9
    [array]
    sizes = [32, 32]           # D1, D2 (up to three)
    mac_pj = 0.04              # optional; else Horowitz MAC at the operand precision
    noc_pj_per_bit = 0.0       # optional array-network energy per bit between per-PE and shared memories
    systolic = "ws"            # optional: os/ws/is systolic array, SCALE-Sim fill/drain per fold
    [precision]
    I = 8
    W = 8
    O = 24                     # partial sums
    O_final = 8
    # format = "fp16"          # optional: FP16 operands (I = W = 16, O = 16 or 32), Horowitz FP MAC
    [[memory]]
    name = "rf_w"  ; kind = "rf" ; size_bits = 1024 ; r_bw = 8 ; w_bw = 8
    operands = ["W"] ; served_dims = [] ; r_cost_pj = 0.095 ; w_cost_pj = 0.095

ZigZag 3.x hardware YAML is read by :mod:`.zigzag_io` into the same :class:`Arch`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from dse.errors import DseInputError

from .energy_table import sram_pj_per_bit

__all__ = ["OPERANDS", "PRESETS", "Arch", "Memory", "arch_from_dict"]

OPERANDS = ("I", "W", "O")
KINDS = ("rf", "sram", "dram")
DATA = Path(__file__).with_name("data") / "arch"
PRESETS = tuple(sorted(p.stem for p in DATA.glob("*.toml")))


@dataclass(frozen=True)
class Memory:
    """One memory level (sizes in bits, bandwidths in bits/cycle, costs in pJ per access)."""

    name: str
    kind: str
    size_bits: float
    r_bw: float
    w_bw: float
    r_cost_pj: float
    w_cost_pj: float
    operands: tuple[str, ...]
    served_dims: tuple[int, ...]
    double_buffer: bool = False
    rw_port: bool = False
    r_table: bool = False  # r_cost_pj came from the energy table (node-scaled by Arch.at_node), not the file
    w_table: bool = False

    @property
    def r_pj_per_bit(self) -> float:
        return self.r_cost_pj / self.r_bw

    @property
    def w_pj_per_bit(self) -> float:
        return self.w_cost_pj / self.w_bw


@dataclass(frozen=True)
class Arch:
    """A PE array, its memories (innermost first) and operand precisions (bits)."""

    name: str
    sizes: tuple[int, ...]
    memories: tuple[Memory, ...]
    bits: dict[str, int]
    mac_pj: float | None = None
    clock_hz: float = 1e9
    source: str = ""
    systolic: str = ""  # "", "os", "ws" or "is": the stationary operand of a systolic array
    number: str = "int"  # operand format: "int" (I/W bits) or "fp16" (I = W = 16, float accumulate)
    noc_pj_per_bit: float = 0.0  # array-network energy per bit crossing between a per-PE and a shared memory

    @property
    def n_pe(self) -> int:
        n = 1
        for s in self.sizes:
            n *= s
        return n

    def chain(self, op: str) -> tuple[int, ...]:
        """Indices of the memories serving ``op``, innermost first."""
        return tuple(i for i, m in enumerate(self.memories) if op in m.operands)

    def instances(self, m: Memory) -> int:
        """Number of physical instances of memory ``m`` (one per unserved array position)."""
        n = 1
        for d, s in enumerate(self.sizes):
            if d not in m.served_dims:
                n *= s
        return n

    def key(self) -> tuple:
        return (self.sizes, self.memories, tuple(sorted(self.bits.items())), self.mac_pj, self.systolic, self.number,
                self.noc_pj_per_bit)

    def at_node(self, node_nm: float, vdd: float) -> Arch:
        """A copy whose energy-table costs are moved to ``node_nm`` / ``vdd`` (Stillmaker & Baas,
        :func:`.energy_table.node_factor`): the MAC when the file gives no ``mac_pj`` and every
        register-file/SRAM cost the file left out. Costs written in the file are used verbatim
        (they are the file's own node's) and DRAM is never scaled (off-chip). Returns ``self`` when
        nothing changes (e.g. 45 nm / 0.9 V for Horowitz rows, or a file with every cost given)."""
        from .energy_table import fp16_mac_pj, mac_pj, node_factor, row_node_nm

        mems = list(self.memories)
        for i, m in enumerate(mems):
            if m.kind == "dram" or not (m.r_table or m.w_table):
                continue
            f = node_factor(row_node_nm(m.kind), node_nm, vdd)
            mems[i] = replace(m, r_cost_pj=m.r_cost_pj * f if m.r_table else m.r_cost_pj,
                              w_cost_pj=m.w_cost_pj * f if m.w_table else m.w_cost_pj, r_table=False, w_table=False)
        mac = self.mac_pj
        if mac is None:
            f = node_factor(row_node_nm("mult"), node_nm, vdd)
            if f != 1.0:
                b = self.bits
                mac = (fp16_mac_pj(b["O"]) if self.number == "fp16" else mac_pj(max(b["I"], b["W"]), b["O"])) * f
        if tuple(mems) == self.memories and mac == self.mac_pj:
            return self
        return replace(self, memories=tuple(mems), mac_pj=mac)

    def with_knobs(self, *, sizes: tuple[int, ...] | None = None, glb_bits: float | None = None,
                   top_bw: float | None = None, bits: int | None = None) -> Arch:
        """A copy with the array resized, the largest shared on-chip memory resized (its per-bit
        energy rescaled by :func:`.energy_table.size_ratio`), the top memory's bandwidth and the
        I/W precision changed (a file's own MAC energy rescaled by the Horowitz MAC curve)."""
        mems = list(self.memories)
        if glb_bits is not None:
            shared = [i for i, m in enumerate(mems) if m.kind == "sram" and len(m.served_dims) == len(self.sizes)]
            if shared:
                i = max(shared, key=lambda j: mems[j].size_bits)
                m = mems[i]
                r = sram_pj_per_bit(glb_bits / 8) / sram_pj_per_bit(m.size_bits / 8)
                mems[i] = replace(m, size_bits=float(glb_bits), r_cost_pj=m.r_cost_pj * r, w_cost_pj=m.w_cost_pj * r)
        if top_bw is not None:
            mems[-1] = replace(mems[-1], r_bw=float(top_bw), w_bw=float(top_bw),
                               r_cost_pj=mems[-1].r_pj_per_bit * top_bw, w_cost_pj=mems[-1].w_pj_per_bit * top_bw)
        b = dict(self.bits)
        mac = self.mac_pj
        if bits is not None and self.number != "int":
            raise DseInputError("bits", bits, f"0 (as the architecture): {self.name} has {self.number} operands")
        if bits is not None:
            b["I"] = b["W"] = int(bits)
            b["O_final"] = int(bits)
            if mac is not None:  # rescale the file's MAC energy along the Horowitz MAC curve
                from .energy_table import mac_pj

                mac *= mac_pj(int(bits), b["O"]) / mac_pj(max(self.bits["I"], self.bits["W"]), b["O"])
        return replace(self, sizes=tuple(sizes) if sizes is not None else self.sizes, memories=tuple(mems), bits=b,
                       mac_pj=mac)


def _need(d: dict, key: str, where: str, allowed: str) -> Any:
    if key not in d:
        raise DseInputError(f"{where}.{key}", "(missing)", allowed)
    return d[key]


def _num(d: dict, key: str, where: str, low: float = 0.0, default: Any = None) -> float:
    v = d.get(key, default)
    if v is None:
        raise DseInputError(f"{where}.{key}", "(missing)", f"a number > {low:g}")
    try:
        x = float(v)
    except (TypeError, ValueError):
        raise DseInputError(f"{where}.{key}", v, f"a number > {low:g}") from None
    if not x > low:
        raise DseInputError(f"{where}.{key}", v, f"a number > {low:g}")
    return x


def _default_cost(kind: str, size_bits: float, bw: float) -> float:
    """pJ per access of ``bw`` bits from the energy table when a file gives no cost (at the table
    rows' own nodes; :meth:`Arch.at_node` moves them to the model's ``node_nm``)."""
    from .energy_table import dram_pj_per_bit, rf_pj_per_bit

    if kind == "dram":
        return dram_pj_per_bit() * bw
    if kind == "rf":
        return rf_pj_per_bit(size_bits) * bw
    return sram_pj_per_bit(size_bits / 8) * bw


def arch_from_dict(d: dict, where: str = "arch") -> Arch:
    """Validate the engine's own architecture format (see the module docstring)."""
    known = {"name", "clock_hz", "array", "precision", "memory", "source"}
    for k in d:
        if k not in known:
            raise DseInputError(f"{where}.{k}", "(unknown key)", "one of " + ", ".join(sorted(known)))
    arr = _need(d, "array", where, "an [array] table with sizes = [D1, D2, D3]")
    sizes = arr.get("sizes")
    if not isinstance(sizes, list) or not 1 <= len(sizes) <= 3 or not all(isinstance(s, int) and s >= 1 for s in sizes):
        raise DseInputError(f"{where}.array.sizes", sizes, "a list of 1 to 3 integers >= 1")
    prec = dict(_need(d, "precision", where, "a [precision] table with I, W, O (and O_final) bits"))
    number = prec.pop("format", "int")
    if number not in ("int", "fp16"):
        raise DseInputError(f"{where}.precision.format", number, "int or fp16")
    for k in prec:
        if k not in ("I", "W", "O", "O_final"):
            raise DseInputError(f"{where}.precision.{k}", "(unknown key)", "one of I, W, O, O_final, format")
    bits = {}
    for op in ("I", "W", "O", "O_final"):
        v = prec.get(op, prec.get("O") if op == "O_final" else None)
        if not isinstance(v, int) or not 1 <= v <= 64:
            raise DseInputError(f"{where}.precision.{op}", v, "an integer number of bits in [1, 64] (I, W in [1, 16])")
        bits[op] = v
    for op in ("I", "W"):
        if bits[op] > 16:
            raise DseInputError(f"{where}.precision.{op}", bits[op], "1 to 16 bits")
        if number == "fp16" and bits[op] != 16:
            raise DseInputError(f"{where}.precision.{op}", bits[op], "16 (format = fp16)")
    if number == "fp16" and bits["O"] not in (16, 32):
        raise DseInputError(f"{where}.precision.O", bits["O"], "16 or 32 (fp16 accumulates in FP16 or FP32)")
    mems = []
    raw = _need(d, "memory", where, "a list of [[memory]] tables, innermost first")
    for i, m in enumerate(raw):
        w = f"{where}.memory[{i}]"
        kind = m.get("kind", "sram")
        if kind not in KINDS:
            raise DseInputError(f"{w}.kind", kind, "one of " + ", ".join(KINDS))
        ops = m.get("operands")
        if not isinstance(ops, list) or not ops or any(o not in OPERANDS for o in ops):
            raise DseInputError(f"{w}.operands", ops, "a non-empty list of I, W, O")
        served = m.get("served_dims", list(range(len(sizes))))
        if not isinstance(served, list) or any(not isinstance(s, int) or not 0 <= s < len(sizes) for s in served):
            raise DseInputError(f"{w}.served_dims", served, f"a list of array dimension indices in [0, {len(sizes) - 1}]")
        size = _num(m, "size_bits", w, default=1e18 if kind == "dram" else None)
        r_bw = _num(m, "r_bw", w)
        w_bw = _num(m, "w_bw", w, default=r_bw)
        r_cost = m.get("r_cost_pj", _default_cost(kind, size, r_bw))
        w_cost = m.get("w_cost_pj", _default_cost(kind, size, w_bw))
        for key, val in (("r_cost_pj", r_cost), ("w_cost_pj", w_cost)):
            if not isinstance(val, (int, float)) or val < 0:
                raise DseInputError(f"{w}.{key}", val, "a number >= 0 (pJ per access)")
        known_m = {"name", "kind", "size_bits", "r_bw", "w_bw", "r_cost_pj", "w_cost_pj", "operands",
                   "served_dims", "double_buffer", "rw_port"}
        for k in m:
            if k not in known_m:
                raise DseInputError(f"{w}.{k}", "(unknown key)", "one of " + ", ".join(sorted(known_m)))
        mems.append(Memory(str(m.get("name", f"mem{i}")), kind, size, r_bw, w_bw, float(r_cost), float(w_cost),
                           tuple(ops), tuple(sorted(served)), bool(m.get("double_buffer", False)),
                           bool(m.get("rw_port", False)), "r_cost_pj" not in m, "w_cost_pj" not in m))
    for k in arr:
        if k not in ("sizes", "mac_pj", "systolic", "noc_pj_per_bit"):
            raise DseInputError(f"{where}.array.{k}", "(unknown key)", "one of mac_pj, noc_pj_per_bit, sizes, systolic")
    arch = Arch(str(d.get("name", where)), tuple(sizes), tuple(mems), bits,
                float(arr["mac_pj"]) if "mac_pj" in arr else None,
                _num(d, "clock_hz", where, default=1e9), str(d.get("source", "")), _systolic(arr, where), number,
                _num(arr, "noc_pj_per_bit", f"{where}.array") if "noc_pj_per_bit" in arr else 0.0)
    check_arch(arch, where)
    return arch


def _systolic(arr: dict, where: str) -> str:
    v = arr.get("systolic", "")
    if v not in ("", "os", "ws", "is"):
        raise DseInputError(f"{where}.array.systolic", v, "os, ws or is (the stationary operand), or absent")
    return str(v)


def check_arch(arch: Arch, where: str) -> None:
    """Every operand has a chain ending in one top memory shared by the whole array, and every
    memory holds at least one element of each operand it serves (the smallest tile of any
    mapping)."""
    for m in arch.memories:
        need = sum(arch.bits[op] for op in m.operands)
        if m.size_bits < need:
            raise DseInputError(f"{where}.memory.{m.name}.size_bits", m.size_bits,
                                f">= {need} bits (one element of each of {', '.join(m.operands)})")
    for op in OPERANDS:
        ch = arch.chain(op)
        if not ch:
            raise DseInputError(f"{where}.memory", f"no memory serves {op}", "every operand I, W, O in some memory's operands")
        top = arch.memories[ch[-1]]
        if len(top.served_dims) != len(arch.sizes):
            raise DseInputError(f"{where}.memory.{top.name}.served_dims", list(top.served_dims),
                                f"the outermost memory of {op} must serve every array dimension")
