"""Benchmarks of the CKKS configuration search and Orion's shipped configurations (data/*.toml)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from dse.datafiles import load_toml
from dse.errors import DseInputError

from .precision import approximated_layers, searchable_workload, with_layer_degrees

__all__ = ["Benchmark", "OrionConfig", "benchmark", "benchmark_names", "orion_config"]

_DATA = Path(__file__).with_name("data")


def _load(name: str) -> dict[str, Any]:
    return load_toml(_DATA / name)


@dataclass(frozen=True)
class OrionConfig:
    """One Orion YAML: rescale chain ``log_q`` (q0 first), key-switching primes, scale, ring."""

    key: str
    log_n: int
    log_q: tuple[int, ...]
    log_p: tuple[int, ...]
    log_scale: int
    ring: str
    act_degrees: tuple[int, ...]
    source: str
    boot_log_p: tuple[int, ...] = ()

    def design(self, profile_keyswitch: str, boot_depth: int) -> dict[str, Any]:
        """The configuration as ``costmodels.he`` knobs.

        With bootstrapping (``boot_log_p`` given) the chain also holds the bootstrap's levels
        (``boot_depth`` of the profile, every level at the scale bits, as the he model prices
        it) and the special primes are the bootstrapping ones. Hybrid key switching: dnum is the
        smallest digit count whose ceil((L+1)/dnum) special primes fit in Orion's P list.
        """
        levels = len(self.log_q) - 1 + (boot_depth if self.boot_log_p else 0)
        k_target = len(self.boot_log_p or self.log_p)
        dnum = max(1, math.ceil((levels + 1) / k_target)) if profile_keyswitch == "hybrid" else 3
        return {"N": 1 << self.log_n, "levels": levels, "scale_bits": self.log_scale, "first_bits": self.log_q[0],
                "special_bits": max(self.boot_log_p or self.log_p), "dnum": dnum, "ring": self.ring,
                "matvec": "bsgs", "act_degree": 2}


@dataclass(frozen=True)
class Benchmark:
    """A network, the device profile that ranks configurations, and the search constraints."""

    key: str
    workload: str
    profile: str
    orion: str
    precision_bits: float
    memory_budget_bytes: float
    activation: str
    source: str

    def base_workload(self) -> Any:
        import workloads

        return workloads.load(self.workload)

    def search_workload(self) -> Any:
        """Approximated activations exposed to the ``act_degree`` knob (x^2 stays exact)."""
        return _search_workload(self.workload, self.activation)

    @property
    def approximated(self) -> bool:
        return self.activation != "exact"

    def orion_workload(self) -> Any:
        """The network with Orion's own activation polynomial(s) on every approximated layer."""
        cfg = orion_config(self.orion)
        base = self.base_workload()
        names = approximated_layers(base)
        if not names or list(cfg.act_degrees) == [2]:
            return base
        return with_layer_degrees(base, {n: cfg.act_degrees for n in names})


@cache
def _search_workload(spec: str, fn: str) -> Any:
    import workloads

    wl = workloads.load(spec)
    return wl if fn == "exact" else searchable_workload(wl, fn)


def benchmark_names() -> tuple[str, ...]:
    return tuple(_load("benchmarks.toml"))


def benchmark(key: str) -> Benchmark:
    table = _load("benchmarks.toml")
    if key not in table:
        raise DseInputError("benchmark", key, "one of " + ", ".join(table))
    row = dict(table[key])
    return Benchmark(key=key, workload=row["workload"], profile=row["profile"], orion=row["orion"],
                     precision_bits=float(row["precision_bits"]), memory_budget_bytes=float(row["memory_budget_bytes"]),
                     activation=row["activation"], source=row["source"])


def orion_config(key: str) -> OrionConfig:
    table = _load("orion_configs.toml")
    if key not in table:
        raise DseInputError("orion config", key, "one of " + ", ".join(table))
    r = table[key]
    return OrionConfig(key=key, log_n=int(r["log_n"]), log_q=tuple(r["log_q"]), log_p=tuple(r["log_p"]),
                       log_scale=int(r["log_scale"]), ring=r["ring"], act_degrees=tuple(r["act_degrees"]),
                       source=r["source"], boot_log_p=tuple(r.get("boot_log_p", ())))
