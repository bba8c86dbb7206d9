"""Bootstrappable CKKS parameter presets of published libraries (``data/paramsets.toml``).

A preset fixes N, the prime chain (bit sizes or the primes themselves), the key-switching primes,
the secret distribution and its Hamming weight, the bootstrapping structure and the levels left
after bootstrapping, each with its source. ``--set preset=lattigo-n16-h192`` makes the ``he``
model use it (it overrides N, levels, scale/first/special bits and dnum; log2(QP) is the exact sum
of the preset's primes). Hybrid key switching: K = number of P primes, dnum = ceil((L+1)/K).

Sparse-secret encapsulation ([BTH22]; Lattigo's ``EphemeralSecretWeight``, Cheddar's
``sparse_hamming_weight``): bootstrapping switches the ciphertext to a second, sparser secret
before ModRaise. The dense-to-sparse key is an RLWE sample under that sparse secret, so it is a
second lattice instance with its own (h, log2 QP): ``encapsulation_hamming`` and
``encapsulation_log_qp`` (or ``encapsulation_primes``, summed exactly). A preset is secure only
if both its main key and this key are certified by a security row (:meth:`ParamSet.problems`;
the ``he`` model applies the same check per design point).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from dse.datafiles import load_toml
from dse.errors import DseInputError

from .opcost import BootConfig
from .params import CkksParams
from .security import bound as secbound

__all__ = ["ParamSet", "encapsulation_reason", "paramset", "paramset_names"]

DATA = Path(__file__).parent / "data"


@dataclass(frozen=True)
class ParamSet:
    """One published parameter set (bit sizes in bits; ``levels`` = L rescale levels)."""

    name: str
    library: str
    n: int
    log_q: tuple[float, ...]
    log_p: tuple[float, ...]
    levels: int
    scale_bits: int
    secret: str
    hamming: int
    security: int
    user_levels: int
    boot: BootConfig
    word_bytes: int
    source: str
    first_override: float = 0.0
    encapsulation_hamming: int = 0  # 0: no sparse-secret encapsulation
    encapsulation_log_qp: float = 0.0  # log2 of the dense-to-sparse key's modulus, bits

    def encapsulation_problem(self, security: int | None = None) -> str:
        """Why the dense-to-sparse key is not certified at ``security`` bits (default: the preset's),
        or ``""`` (also when the preset has no encapsulation)."""
        if not self.encapsulation_hamming:
            return ""
        lam = self.security if security is None else int(security)
        top = secbound(self.n, lam, "sparse", self.encapsulation_hamming)
        if self.encapsulation_log_qp <= top:
            return ""
        return encapsulation_reason(self.encapsulation_hamming, self.encapsulation_log_qp)

    def problems(self) -> list[str]:
        """Everything that makes the preset insecure or malformed (empty when it is usable)."""
        enc = self.encapsulation_problem()
        return self.ckks_params().problems() + ([enc] if enc else [])

    @property
    def log_qp(self) -> float:
        """log2(QP): the exact sum of the prime bit sizes."""
        return float(sum(self.log_q) + sum(self.log_p))

    @property
    def k_special(self) -> int:
        return len(self.log_p)

    @property
    def dnum(self) -> int:
        """Key-switching digits: ceil((L+1) / K) with K special primes (hybrid, alpha = K)."""
        return math.ceil((self.levels + 1) / self.k_special)

    @property
    def first_bits(self) -> float:
        return float(self.first_override or self.log_q[0])

    @property
    def special_bits(self) -> float:
        return float(sum(self.log_p) / len(self.log_p))

    @property
    def boot_depth(self) -> int:
        return self.boot.depth

    def ckks_params(self) -> CkksParams:
        """The :class:`CkksParams` view (hybrid key switching, the preset's exact log2 QP)."""
        return CkksParams(n=self.n, levels=self.levels, scale_bits=self.scale_bits,
                          first_bits=round(self.first_bits), special_bits=round(self.special_bits),
                          dnum=self.dnum, keyswitch="hybrid", security=self.security, secret=self.secret,
                          hamming=self.hamming, log_qp_exact=self.log_qp, k_fixed=self.k_special,
                          word_bytes=self.word_bytes, boot_depth=self.boot_depth, source=self.source)

    def knobs(self) -> dict[str, float]:
        """Values of the ``he`` model's knobs this preset fixes."""
        return {"N": float(self.n), "levels": float(self.levels), "scale_bits": float(self.scale_bits),
                "first_bits": self.first_bits, "special_bits": self.special_bits, "dnum": float(self.dnum)}


def encapsulation_reason(hamming: int, log_qp: float) -> str:
    """The infeasibility text of an uncertified dense-to-sparse (encapsulation) key."""
    return (f"insecure: the sparse-secret encapsulation key (h={hamming}, log2(QP)={log_qp:.1f}) exceeds the "
            "maximum for N at the required security")


def _bits(primes: list[int]) -> tuple[float, ...]:
    return tuple(math.log2(p) for p in primes)


@lru_cache(maxsize=1)
def _table() -> dict[str, dict[str, Any]]:
    return load_toml(DATA / "paramsets.toml")


def paramset_names() -> tuple[str, ...]:
    return tuple(_table())


@lru_cache(maxsize=64)
def paramset(name: str) -> ParamSet:
    """The preset ``name`` (raises :class:`DseInputError` listing the presets when unknown)."""
    table = _table()
    if name not in table:
        raise DseInputError("preset", name, "one of " + ", ".join(table))
    d = table[name]
    log_q = _bits(d["primes_q"]) if "primes_q" in d else tuple(float(b) for b in d["log_q"])
    log_p = _bits(d["primes_p"]) if "primes_p" in d else tuple(float(b) for b in d["log_p"])
    boot = BootConfig(cts_levels=int(d["cts_levels"]), stc_levels=int(d["stc_levels"]),
                      evalmod_degree=int(d["evalmod_degree"]), double_angle=int(d["double_angle"]),
                      mod1_inv_degree=int(d.get("mod1_inv_degree", 0)), extra_levels=int(d.get("extra_levels", 0)),
                      encapsulation=bool(d.get("encapsulation_hamming", 0)))
    return ParamSet(name=name, library=d["library"], n=int(d["n"]), log_q=log_q, log_p=log_p,
                    levels=int(d.get("levels", len(log_q) - 1)), scale_bits=int(d["scale_bits"]),
                    secret=d["secret"], hamming=int(d["hamming"]), security=int(d["security"]),
                    user_levels=int(d["user_levels"]), boot=boot, word_bytes=int(d.get("word_bytes", 8)),
                    source=d["source"], first_override=float(d.get("first_bits", 0.0)),
                    encapsulation_hamming=int(d.get("encapsulation_hamming", 0)),
                    encapsulation_log_qp=(sum(_bits(d["encapsulation_primes"])) if "encapsulation_primes" in d
                                          else float(d.get("encapsulation_log_qp", 0.0))))
