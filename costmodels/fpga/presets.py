"""Device tables of the FPGA family: boards, CPU/GPU baselines, energy constants.

Data live in ``data/boards.csv``, ``data/baselines.csv`` and ``data/energy.toml``; every row
carries a ``source``. A board's static power ``static_w`` is the measured idle power of the card
(shell loaded, no kernel) where a measurement exists (``static_basis = measured-idle``, U50 and the
U200/U250 family [XRT21]); elsewhere it is an assumption (``static_basis = assumed``) and the
models report it as a separate ``energy_static_j`` so a reader can drop it (``[V]`` verified, ``[P]`` paper abstract, ``[M]`` recalled/assumed, see
``docs/references.md``). Resource budgets apply the empirical utilisation cap of 0.75 used by
``fpga_board_info`` (routing congestion makes higher utilisation impractical; an assumption)
on top of the resources left after the platform shell [AMD-UG1702].
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

from dse.datafiles import load_csv, load_toml
from dse.errors import UnknownNameError

__all__ = ["Board", "Baseline", "UTIL_CAP", "boards", "board", "board_names", "baselines", "baseline",
           "baseline_names", "energy_constants", "mult_energy_j", "add_energy_j", "board_arrays"]

#: usable fraction of each resource after placement (empirical margin, docs/references.md) [V]
UTIL_CAP = 0.75


def _data(name: str):
    return resources.files("costmodels.fpga").joinpath("data").joinpath(name)


@dataclass(frozen=True)
class Board:
    """One FPGA board; ``*_budget`` = usable-after-shell x :data:`UTIL_CAP`."""

    name: str
    part: str
    dsp: int
    bram36: int
    uram: int
    lut: int
    ff: int
    dsp_usable: int
    bram36_usable: int
    uram_usable: int
    lut_usable: int
    clock_hz: float
    bw_bytes_per_s: float
    mem_kind: str
    static_w: float
    static_basis: str     # measured-idle | assumed (data/boards.csv ``static_source`` says which measurement)
    static_source: str
    source: str

    @property
    def static_sourced(self) -> bool:
        """True when the static (idle) board power is a measurement, not an assumption."""
        return self.static_basis != "assumed"

    @property
    def dsp_budget(self) -> float:
        return UTIL_CAP * self.dsp_usable

    @property
    def bram36_budget(self) -> float:
        return UTIL_CAP * self.bram36_usable

    @property
    def uram_budget(self) -> float:
        return UTIL_CAP * self.uram_usable

    @property
    def lut_budget(self) -> float:
        return UTIL_CAP * self.lut_usable


@dataclass(frozen=True)
class Baseline:
    """A CPU or GPU profile for padded batched GEMM inference (roofline with an efficiency)."""

    name: str
    kind: str
    peak_flops: float
    mem_bw_bytes_per_s: float
    eff_gemm: float
    overhead_s: float
    power_w: float
    source: str


@cache
def boards() -> tuple[Board, ...]:
    fields = Board.__dataclass_fields__
    return tuple(Board(**{k: _cast(fields[k].type, row[k]) for k in fields}) for row in load_csv(_data("boards.csv")))


@cache
def baselines() -> tuple[Baseline, ...]:
    fields = Baseline.__dataclass_fields__
    return tuple(Baseline(**{k: _cast(fields[k].type, row[k]) for k in fields})
                 for row in load_csv(_data("baselines.csv")))


def _cast(type_name: Any, value: Any) -> Any:
    t = str(type_name)
    if t == "int":
        return int(value)
    if t == "float":
        return float(value)
    return str(value)


def board_names() -> tuple[str, ...]:
    return tuple(b.name for b in boards())


def board(name: str) -> Board:
    for b in boards():
        if b.name == name:
            return b
    raise UnknownNameError("board", name, board_names())


def baseline_names() -> tuple[str, ...]:
    return tuple(b.name for b in baselines())


def baseline(name: str) -> Baseline:
    for b in baselines():
        if b.name == name:
            return b
    raise UnknownNameError("baseline", name, baseline_names())


def board_arrays(names: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Per-board columns as float arrays in the order of ``names`` (for code -> value lookups)."""
    rows = [board(n) for n in names]
    keys = ("dsp_budget", "bram36_budget", "uram_budget", "lut_budget", "clock_hz", "bw_bytes_per_s",
            "static_w")
    out = {k: np.array([float(getattr(r, k)) for r in rows]) for k in keys}
    out["dram_j_per_bit"] = np.array([energy_constants()["fpga"]["dram_hbm_j_per_bit" if r.mem_kind == "hbm"
                                                                 else "dram_ddr_j_per_bit"] for r in rows])
    return out


def energy_constants() -> dict[str, Any]:
    return load_toml(_data("energy.toml"))


def mult_energy_j(bits: Any) -> Any:
    """ASIC (45 nm) integer multiply energy at ``bits`` x ``bits``: power law through Horowitz's
    8-bit (0.2 pJ) and 32-bit (3.1 pJ) points. Works on numbers and arrays (numpy/torch)."""
    c = energy_constants()["arith_45nm"]
    expo = float(np.log(c["int32_mult_j"] / c["int8_mult_j"]) / np.log(4.0))
    return c["int8_mult_j"] * (bits / 8.0) ** expo


def add_energy_j(bits: Any) -> Any:
    """ASIC (45 nm) integer add energy: power law through 8-bit (0.03 pJ) and 32-bit (0.1 pJ)."""
    c = energy_constants()["arith_45nm"]
    expo = float(np.log(c["int32_add_j"] / c["int8_add_j"]) / np.log(4.0))
    return c["int8_add_j"] * (bits / 8.0) ** expo
