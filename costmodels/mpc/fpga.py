"""Performance model of an FPGA garbling engine for GC ReLUs (PolyMPCNet / RRNet setting).

A ReLU at bit width ``l`` is ``3 l`` AND gates (derived from the measured emp half-gates circuit
sizes, [HalfGates15; SCI GC/, measured], see ``data/fpga_engine.csv``); XORs are free. Half-gates garbling costs 4 AES
calls per AND (2 to evaluate) and emits 32 B per AND. An engine holds ``cores`` pipelined AES-128
cores (one block per cycle each) at the board clock, so it garbles ``cores / 4`` ANDs per cycle.
Garbled tables leave the card over PCIe (or the SoC host link). Per layer (activation site) of
``k`` ReLUs on one engine:

    t = launch + max(3 l k * 4 / (cores * f),  32 * 3 l k / BW_pcie)      (streamed: overlap)

How many cores and engines fit a board follows from its LUT/FF/BRAM/DSP budget times the
utilisation cap (0.75, an empirical margin: docs/references.md). The per-core resources are
assumptions (the [PolyMPCNet22]/[RRNet23] engines' details are not public) and are data, not code.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np

from dse.datafiles import load_csv
from dse.errors import DseInputError, UnknownNameError

from .presets import DATA, boards

__all__ = ["GarblingEngine", "and_gates_per_relu", "engine_constants", "engines_on_board", "max_cores"]


@cache
def engine_constants() -> dict[str, float]:
    return {r["key"]: float(r["value"]) for r in load_csv(DATA / "fpga_engine.csv")}


def and_gates_per_relu(bits: int) -> float:
    """AND gates of one GC ReLU (add shares, sign, mux, re-mask) at bit width ``bits``."""
    return engine_constants()["and_per_relu_per_bit"] * bits


def _board(name: str) -> dict:
    table = boards()
    if name not in table:
        raise UnknownNameError("board", name, list(table))
    return table[name]


def _engine_resources(cores: int) -> dict[str, float]:
    c = engine_constants()
    return {"lut": cores * c["aes_core_lut"] + c["engine_overhead_lut"],
            "ff": cores * c["aes_core_ff"],
            "bram36": cores * c["aes_core_bram36"] + c["engine_overhead_bram36"],
            "dsp": cores * c["aes_core_dsp"]}


def engines_on_board(board: str, cores: int) -> int:
    """How many engines of ``cores`` AES cores fit ``board`` under its utilisation cap."""
    b = _board(board)
    need = _engine_resources(cores)
    fits = [math.floor(b["util_cap"] * b[k] / v) for k, v in need.items() if v > 0]
    return max(0, min(fits))


def max_cores(board: str) -> int:
    """Largest AES-core count of a single engine that fits ``board``."""
    lo, hi = 0, 1
    while engines_on_board(board, hi) >= 1:
        lo, hi = hi, hi * 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if engines_on_board(board, mid) >= 1 else (lo, mid)
    return lo


@dataclass(frozen=True)
class GarblingEngine:
    """One garbling engine: ``cores`` AES cores on ``board`` (clock and host link from the board)."""

    board: str = "u250"
    cores: int = 64
    clock_hz: float | None = None

    def __post_init__(self) -> None:
        _board(self.board)
        if self.cores < 1:
            raise DseInputError("cores", self.cores, "an integer >= 1")
        if engines_on_board(self.board, self.cores) < 1:
            raise DseInputError("cores", self.cores, f"at most {max_cores(self.board)} AES cores on {self.board}")

    @property
    def clock(self) -> float:
        return float(self.clock_hz or _board(self.board)["clock_hz"])

    @property
    def ands_per_s(self) -> float:
        return self.cores * self.clock / engine_constants()["aes_per_and_garble"]

    def garble_s(self, relus, bits: int = 32):
        """Seconds to garble and ship ``relus`` ReLUs (scalar or array) on this engine."""
        c = engine_constants()
        ands = np.asarray(relus, dtype=float) * and_gates_per_relu(bits)
        compute = ands / self.ands_per_s
        transfer = ands * c["bytes_per_and"] / _board(self.board)["pcie_bytes_per_s"]
        out = np.where(ands > 0, c["launch_s"] + np.maximum(compute, transfer), 0.0)
        return out if out.ndim else float(out)

    def resources(self) -> dict[str, float]:
        return _engine_resources(self.cores)
