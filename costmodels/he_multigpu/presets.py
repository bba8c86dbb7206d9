"""GPU, interconnect and CKKS presets of the multi-GPU placement model (``data/*.toml``).

Every preset carries the ``source`` text of its data row. Units: bytes (B), seconds (s),
bytes per second (B/s), integer operations per second (op/s).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from costmodels.he.opcost import ciphertext_bytes, switching_key_bytes
from costmodels.he.paramsets import paramset
from dse.datafiles import load_toml
from dse.errors import DseInputError

__all__ = [
    "CkksParams",
    "Constants",
    "GpuProfile",
    "LinkProfile",
    "ckks_defaults",
    "constants",
    "gpu",
    "gpu_names",
    "link",
    "link_names",
]

_DATA = Path(__file__).with_name("data")


def _load(name: str) -> dict[str, Any]:
    return load_toml(_DATA / name)


@dataclass(frozen=True)
class GpuProfile:
    """One GPU: memory capacity (B), peak HBM bandwidth (B/s), INT32 throughput (op/s)."""

    key: str
    name: str
    memory_bytes: float
    hbm_bytes_per_s: float
    int32_ops_per_s: float
    link: str
    source: str


@dataclass(frozen=True)
class LinkProfile:
    """Interconnect: per-GPU per-direction bandwidth, fabric aggregate bandwidth (B/s), step latency (s)."""

    key: str
    name: str
    bytes_per_s: float
    fabric_bytes_per_s: float
    latency_s: float
    source: str


@dataclass(frozen=True)
class CkksParams:
    """CKKS parameter set: N = 2^logn, ``limbs`` = L+1 at the top, K special primes, dnum digits."""

    logn: int = 16
    limbs: int = 24
    special_limbs: int = 8
    dnum: int = 3
    word_bytes: int = 8
    user_levels: int = 9
    boot_levels: int = 14
    source: str = ""

    @property
    def n(self) -> int:
        return 1 << self.logn

    @property
    def slots(self) -> int:
        return self.n // 2

    @property
    def alpha(self) -> int:
        """Limbs per key-switching digit, ceil((L+1)/dnum) (he.md s3)."""
        return -(-self.limbs // self.dnum)

    def key_bytes(self) -> float:
        """One switching key: dnum * 2 * (L+1+K) * N * w bytes -- :func:`costmodels.he.switching_key_bytes`."""
        return float(switching_key_bytes(np.float64(self.n), np.float64(self.limbs), np.float64(self.dnum), "hybrid",
                                         self.word_bytes, k_special=np.float64(self.special_limbs)))

    def ct_bytes(self, limbs: Any) -> Any:
        """A ciphertext with ``limbs`` primes: 2 * limbs * N * w bytes -- :func:`costmodels.he.ciphertext_bytes`."""
        return ciphertext_bytes(self.n, limbs, self.word_bytes)

    @staticmethod
    def from_paramset(name: str) -> CkksParams:
        """A :mod:`costmodels.he` preset (``lattigo-n16-h192``...) as this model's parameter set."""
        ps = paramset(name)
        return CkksParams(logn=int(ps.n).bit_length() - 1, limbs=ps.levels + 1, special_limbs=ps.k_special,
                          dnum=ps.dnum, word_bytes=ps.word_bytes, user_levels=ps.user_levels,
                          boot_levels=ps.boot_depth, source=ps.source).check()

    def check(self) -> CkksParams:
        if not 10 <= self.logn <= 17:
            raise DseInputError("logn", self.logn, "an integer in [10, 17]")
        if self.limbs < 2:
            raise DseInputError("limbs", self.limbs, "an integer >= 2")
        if not 1 <= self.dnum <= self.limbs:
            raise DseInputError("dnum", self.dnum, f"an integer in [1, limbs={self.limbs}]")
        if self.special_limbs < self.alpha:
            raise DseInputError("special_limbs", self.special_limbs,
                                f">= ceil(limbs/dnum) = {self.alpha} (hybrid key switching needs K >= alpha)")
        if self.user_levels < 1 or self.user_levels + self.boot_levels > self.limbs - 1:
            raise DseInputError("user_levels", self.user_levels,
                                f"an integer >= 1 with user_levels + boot_levels <= limbs - 1 = {self.limbs - 1}")
        return self


@dataclass(frozen=True)
class Constants:
    """Bootstrapping, GPU-kernel and lowering constants (``data/ckks.toml``)."""

    boot_hmult_equivalents: float
    hbm_efficiency: float
    int32_ops_per_modmul: float
    kernel_launch_s: float
    gelu_degree: int
    exp_squarings: int
    inverse_iterations: int


def gpu_names() -> tuple[str, ...]:
    return tuple(_load("gpus.toml"))


def link_names() -> tuple[str, ...]:
    return tuple(_load("links.toml"))


def gpu(key: str) -> GpuProfile:
    table = _load("gpus.toml")
    if key not in table:
        raise DseInputError("gpu", key, "one of " + ", ".join(table))
    return GpuProfile(key=key, **table[key])


def link(key: str) -> LinkProfile:
    table = _load("links.toml")
    if key not in table:
        raise DseInputError("link", key, "one of " + ", ".join(table))
    return LinkProfile(key=key, **table[key])


def ckks_defaults() -> CkksParams:
    return CkksParams(**_load("ckks.toml")["params"])


def constants() -> Constants:
    d = _load("ckks.toml")
    return Constants(
        boot_hmult_equivalents=float(d["bootstrap"]["hmult_equivalents"]),
        hbm_efficiency=float(d["gpu"]["hbm_efficiency"]),
        int32_ops_per_modmul=float(d["gpu"]["int32_ops_per_modmul"]),
        kernel_launch_s=float(d["gpu"]["kernel_launch_s"]),
        gelu_degree=int(d["lowering"]["gelu_degree"]),
        exp_squarings=int(d["lowering"]["exp_squarings"]),
        inverse_iterations=int(d["lowering"]["inverse_iterations"]),
    )
