"""Protocol constants and network presets, loaded from ``data/*.csv`` (every row has a source)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from dse.datafiles import load_csv
from dse.errors import DseInputError, UnknownNameError

__all__ = ["DATA", "NETWORKS", "PROFILE_USERS", "Network", "boards", "compute_profile", "constant", "constants",
           "network"]

DATA = Path(__file__).with_name("data")


def _rows(name: str) -> list[dict[str, str]]:
    return load_csv(DATA / name)


#: measured compute constants (``data/compute_profile.csv``, written by
#: ``benchmarks/mpc_compute_profile.py``) and the protocol profiles that read each one
PROFILE_USERS: dict[str, tuple[str, ...]] = {
    "compute_s_per_mac": ("crypten",),
    "compute_s_per_mac_public": ("crypten",),
    "compute_s_per_word": ("crypten", "shamir"),  # shamir: CrypTen's per-word time as a proxy
    "he_pmult_s_per_coeff_limb": ("cryptflow2", "delphi", "cheetah", "iron", "bolt", "bumblebee"),
}


def compute_profile() -> dict[str, float]:
    """``{key: seconds}`` of the rows of ``data/compute_profile.csv`` the model reads (``used=1``)."""
    return {row["key"]: float(row["value"]) for row in _rows("compute_profile.csv") if row["used"] == "1"}


@cache
def constants() -> dict[str, dict[str, float]]:
    """``{protocol: {key: value}}`` from ``data/protocols.csv`` (values in the row's unit), with the
    measured compute times of ``data/compute_profile.csv`` filled in for the profiles that read them
    (:data:`PROFILE_USERS`)."""
    out: dict[str, dict[str, float]] = {}
    for row in _rows("protocols.csv"):
        out.setdefault(row["protocol"], {})[row["key"]] = float(row["value"])
    prof = compute_profile()
    for key, users in PROFILE_USERS.items():
        for proto in users:
            out.setdefault(proto, {})[key] = prof[key]
    return out


def constant(protocol: str, key: str) -> float:
    table = constants()
    if protocol not in table or key not in table[protocol]:
        raise UnknownNameError(f"{protocol} constant", key, sorted(table.get(protocol, {})))
    value = table[protocol][key]
    if math.isnan(value):
        raise ValueError(f"{protocol}.{key} is not set (NaN) in data/protocols.csv")
    return value


@dataclass(frozen=True)
class Network:
    """A link between the parties: ``bandwidth_bps`` (bit/s) shared by all traffic, ``rtt_s``."""

    name: str
    bandwidth_bps: float
    rtt_s: float
    source: str = "user-defined"

    def __post_init__(self) -> None:
        if not self.bandwidth_bps > 0:
            raise DseInputError("bandwidth", self.bandwidth_bps, "a bandwidth > 0 bit/s")
        if not self.rtt_s >= 0:
            raise DseInputError("rtt", self.rtt_s, "a round-trip time >= 0 s")

    @property
    def bytes_per_s(self) -> float:
        return self.bandwidth_bps / 8.0

    def latency(self, rounds: float, nbytes: float, compute_s: float = 0.0) -> float:
        """``rounds * RTT + bytes / bandwidth + compute`` (per-layer latency; docs/mpc.md)."""
        return rounds * self.rtt_s + nbytes / self.bytes_per_s + compute_s


@cache
def _network_rows() -> dict[str, Network]:
    return {r["name"]: Network(r["name"], float(r["bandwidth_bps"]), float(r["rtt_s"]), r["source"])
            for r in _rows("networks.csv")}


NETWORKS = ("lan", "wan")


def network(name: str, *, bandwidth_bps: float | None = None, rtt_s: float | None = None) -> Network:
    """A preset (``lan``, ``wan``) or ``custom`` with ``bandwidth_bps`` and ``rtt_s``."""
    if name == "custom":
        if bandwidth_bps is None or rtt_s is None:
            raise DseInputError("network", name, "custom needs bandwidth (bit/s) and rtt (s)")
        return Network("custom", float(bandwidth_bps), float(rtt_s))
    rows = _network_rows()
    if name not in rows:
        raise UnknownNameError("network", name, [*rows, "custom"])
    return rows[name]


@cache
def boards() -> dict[str, dict[str, float | str]]:
    """FPGA boards (``data/fpga_boards.csv``): LUT, DSP, BRAM36, clock, PCIe bandwidth."""
    out: dict[str, dict[str, float | str]] = {}
    for r in _rows("fpga_boards.csv"):
        out[r["board"]] = {k: (r[k] if k in ("board", "source") else float(r[k])) for k in r}
    return out
