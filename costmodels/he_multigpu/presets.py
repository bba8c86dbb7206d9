"""GPU, interconnect and CKKS presets of the multi-GPU placement model (``data/*.toml``).

Every preset carries the ``source`` text of its data row. Units: bytes (B), seconds (s),
bytes per second (B/s), integer operations per second (op/s).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from costmodels.he.params import CkksParams as HeCkksParams
from costmodels.he.paramsets import paramset
from dse.datafiles import load_toml
from dse.errors import DseInputError

__all__ = [
    "CkksParams",
    "GpuProfile",
    "LinkProfile",
    "check",
    "ckks_defaults",
    "ckks_params",
    "from_paramset",
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
    """One GPU: memory capacity (B), peak HBM bandwidth (B/s), INT32 throughput (op/s), link, and
    the ``costmodels.he`` device profile that prices CKKS operations on it."""

    key: str
    name: str
    memory_bytes: float
    hbm_bytes_per_s: float
    int32_ops_per_s: float
    link: str
    source: str
    profile: str = ""


@dataclass(frozen=True)
class LinkProfile:
    """Interconnect: per-GPU per-direction bandwidth, fabric aggregate bandwidth (B/s), step latency (s)."""

    key: str
    name: str
    bytes_per_s: float
    fabric_bytes_per_s: float
    latency_s: float
    source: str


#: The CKKS parameter class is the he family's (one class for both models): N, L, dnum, K,
#: word size, bootstrap depth and return level; sizes by its ``ct_bytes`` / ``key_bytes``.
CkksParams = HeCkksParams


def ckks_params(*, logn: int = 16, limbs: int = 24, special_limbs: int = 8, dnum: int = 3, word_bytes: int = 8,
                user_levels: int = 9, boot_levels: int = 14, source: str = "") -> CkksParams:
    """This model's knob names as a :class:`costmodels.he.CkksParams` (hybrid key switching), checked."""
    return check(CkksParams(n=1 << int(logn), levels=int(limbs) - 1, dnum=int(dnum), keyswitch="hybrid",
                            k_fixed=int(special_limbs), word_bytes=int(word_bytes), boot_depth=int(boot_levels),
                            boot_return=int(user_levels), source=source), logn=int(logn), user_levels=int(user_levels))


def from_paramset(name: str) -> CkksParams:
    """A :mod:`costmodels.he` preset (``lattigo-n16-h192``...) as this model's parameter set."""
    ps = paramset(name)
    return ckks_params(logn=ps.ckks_params().logn, limbs=ps.levels + 1, special_limbs=ps.k_special, dnum=ps.dnum,
                       word_bytes=ps.word_bytes, user_levels=ps.user_levels, boot_levels=ps.boot_depth,
                       source=ps.source)


def check(p: CkksParams, *, logn: int | None = None, user_levels: int | None = None) -> CkksParams:
    """Validate a hybrid chain for this model (errors name this model's parameters)."""
    logn = p.logn if logn is None else logn
    user = p.user_levels if user_levels is None else user_levels
    if not 10 <= logn <= 17:
        raise DseInputError("logn", logn, "an integer in [10, 17]")
    if p.limbs < 2:
        raise DseInputError("limbs", p.limbs, "an integer >= 2")
    if not 1 <= p.dnum <= p.limbs:
        raise DseInputError("dnum", p.dnum, f"an integer in [1, limbs={p.limbs}]")
    if p.special_limbs < p.alpha:
        raise DseInputError("special_limbs", p.special_limbs,
                            f">= ceil(limbs/dnum) = {p.alpha} (hybrid key switching needs K >= alpha)")
    if user < 1 or user + p.boot_levels > p.limbs - 1:
        raise DseInputError("user_levels", user,
                            f"an integer >= 1 with user_levels + boot_levels <= limbs - 1 = {p.limbs - 1}")
    return p


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
    return ckks_params(**_load("ckks.toml")["params"])
