"""The CKKS configuration space of the search, its samplers, and rule-based starting points.

Knobs (``costmodels.he`` names): log2 N in [13, 17]; chain length ``levels`` in [1, 40];
``scale_bits``, ``first_bits``, ``special_bits`` in [20, 60]; ``dnum`` in [1, 8] (hybrid key
switching only); ``act_degree`` in [2, 63] (networks with approximated activations only);
``matvec`` (BSGS or diagonal packing of linear layers); ``ring`` (standard or
conjugate-invariant). Bootstrap placement is not a knob: the cost model places bootstraps by a
shortest path over (layer, level) for every configuration (Orion's level DAG, docs/he.md).

:func:`rule_seeds` is the deterministic stand-in for FHE-Agent's expert global selection: for a
few activation degrees that meet the precision target it takes the scale that meets the target
at each N, and either EVA's rule (the whole depth in the chain, smallest secure N) or a
bootstrapping chain (bootstrap depth + the deepest layer, plus slack) at the smallest secure N.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from costmodels.he import get_profile, log_qp, max_log_qp, precision_bits, special_primes
from dse.space import DesignSpace

from .benchmarks import Benchmark
from .precision import activation_bits

__all__ = ["SearchSpace", "rule_seeds", "special_bits_for", "suggest", "trial_params"]

LOG_N = (13, 14, 15, 16, 17)


@dataclass(frozen=True)
class SearchSpace:
    """Ranges of the knobs for one benchmark (dnum and act_degree fixed when they do not apply)."""

    hybrid: bool
    approximated: bool
    levels: tuple[int, int] = (1, 40)
    bits: tuple[int, int] = (20, 60)
    dnum: tuple[int, int] = (1, 8)
    degree: tuple[int, int] = (2, 63)

    def design_space(self) -> DesignSpace:
        """These ranges as a restriction of the he model's :class:`~dse.space.DesignSpace`
        (``CkksModel.space``, same knob names; security fixed at 128 bits, dnum at 3 without hybrid
        key switching, act_degree at 2 without approximated activations). Every point
        :meth:`sample`, :meth:`grid`, :func:`suggest` and :func:`rule_seeds` produce lies in it
        (``tests/he_search/test_space_design.py``); docs/he_search.md says why the search itself
        is not (yet) a generic solver over it."""
        from costmodels.he import CkksModel

        return CkksModel.space.restrict({
            "N": {"low": 1 << LOG_N[0], "high": 1 << LOG_N[-1]},
            "levels": {"low": self.levels[0], "high": self.levels[1]},
            **{k: {"low": self.bits[0], "high": self.bits[1]} for k in ("scale_bits", "first_bits", "special_bits")},
            "dnum": {"low": self.dnum[0], "high": self.dnum[1]} if self.hybrid else [3],
            "act_degree": {"low": self.degree[0], "high": self.degree[1]} if self.approximated else [2],
            "security": [128],
            "ring": ["standard", "conjugate-invariant"],
            "matvec": ["bsgs", "diagonal"],
        })

    @classmethod
    def for_benchmark(cls, bench: Benchmark) -> SearchSpace:
        return cls(hybrid=get_profile(bench.profile).keyswitch == "hybrid", approximated=bench.approximated)

    def sample(self, rng: np.random.Generator, n: int) -> list[dict[str, Any]]:
        """``n`` uniform draws (the random-search baseline)."""
        out = []
        for _ in range(n):
            lo, hi = self.bits
            out.append({
                "N": 1 << int(rng.choice(LOG_N)), "levels": int(rng.integers(self.levels[0], self.levels[1] + 1)),
                "scale_bits": int(rng.integers(lo, hi + 1)), "first_bits": int(rng.integers(lo, hi + 1)),
                "special_bits": int(rng.integers(lo, hi + 1)),
                "dnum": int(rng.integers(self.dnum[0], self.dnum[1] + 1)) if self.hybrid else 3,
                "ring": str(rng.choice(["standard", "conjugate-invariant"])),
                "matvec": str(rng.choice(["bsgs", "diagonal"])),
                "act_degree": int(rng.integers(self.degree[0], self.degree[1] + 1)) if self.approximated else 2,
            })
        return out

    def grid(self) -> Iterator[dict[str, Any]]:
        """A coarse grid in nested order (N outermost), the grid-search baseline."""
        levels = range(2, self.levels[1] + 1, 3)
        scales = range(20, 61, 5)
        degrees = (3, 7, 15, 31, 63) if self.approximated else (2,)
        dnums = (2, 4, 8) if self.hybrid else (3,)
        for log_n in LOG_N:
            for lv in levels:
                for sc in scales:
                    for first in (min(60, sc + 10), 60):
                        for dn in dnums:
                            sp = special_bits_for("hybrid" if self.hybrid else "seal", lv, dn, first, sc)
                            for deg in degrees:
                                for ring in ("standard", "conjugate-invariant"):
                                    yield {"N": 1 << log_n, "levels": lv, "scale_bits": sc, "first_bits": first,
                                           "special_bits": sp, "dnum": dn, "ring": ring, "matvec": "bsgs",
                                           "act_degree": deg}


def suggest(trial: Any, space: SearchSpace) -> dict[str, Any]:
    """An Optuna trial's proposal as a configuration."""
    lo, hi = space.bits
    return {
        "N": 1 << trial.suggest_int("log_n", LOG_N[0], LOG_N[-1]),
        "levels": trial.suggest_int("levels", *space.levels),
        "scale_bits": trial.suggest_int("scale_bits", lo, hi),
        "first_bits": trial.suggest_int("first_bits", lo, hi),
        "special_bits": trial.suggest_int("special_bits", lo, hi),
        "dnum": trial.suggest_int("dnum", *space.dnum) if space.hybrid else 3,
        "ring": trial.suggest_categorical("ring", ["standard", "conjugate-invariant"]),
        "matvec": trial.suggest_categorical("matvec", ["bsgs", "diagonal"]),
        "act_degree": trial.suggest_int("act_degree", *space.degree, log=True) if space.approximated else 2,
    }


def trial_params(cfg: dict[str, Any], space: SearchSpace) -> dict[str, Any]:
    """The Optuna parameter dict that reproduces ``cfg`` (for ``enqueue_trial``)."""
    p = {"log_n": int(math.log2(cfg["N"])), "levels": cfg["levels"], "scale_bits": cfg["scale_bits"],
         "first_bits": cfg["first_bits"], "special_bits": cfg["special_bits"], "ring": cfg["ring"],
         "matvec": cfg["matvec"]}
    if space.hybrid:
        p["dnum"] = cfg["dnum"]
    if space.approximated:
        p["act_degree"] = cfg["act_degree"]
    return p


def special_bits_for(shape: str, levels: int, dnum: int, first: int, scale: int) -> int:
    """Smallest special-prime size meeting the key-switching noise rule (log2 P >= largest digit)."""
    if shape == "seal":
        return int(min(60, max(20, first)))
    alpha = math.ceil((levels + 1) / max(dnum, 1))
    k = math.ceil((levels + 1) / max(dnum, 1))
    return int(min(60, max(20, math.ceil((first + (alpha - 1) * scale) / k))))


def _min_degree(bench: Benchmark, input_range: float) -> int:
    for d in range(2, 64):
        if activation_bits(bench.activation, d, input_range) >= bench.precision_bits:
            return d
    return 63


def rule_seeds(bench: Benchmark, static: Any, space: SearchSpace, input_range: float = 8.0) -> list[dict[str, Any]]:
    """Deterministic starting configurations (module docstring), at most ~12, each 128-bit secure."""
    prof = get_profile(bench.profile)
    d0 = _min_degree(bench, input_range) if bench.approximated else 2
    degrees = sorted({d0, min(63, 2 * d0 + 1)}) if bench.approximated else [2]
    seeds: list[dict[str, Any]] = []
    for deg in degrees:
        delta = static.layer_depths(np.array([deg]))
        from costmodels.he import chain_increments

        inc, total = chain_increments(np, delta, static.net.parents)
        total, max_d = int(total[0]), int(inc.max())
        for log_n in LOG_N:
            n = 1 << log_n
            noise = float(np.asarray(precision_bits(n, 0.0)))  # = -log2(noise)
            scale = math.ceil(bench.precision_bits - noise) + 1
            first = min(60, scale + 10)
            if scale >= first:
                continue
            chains = [total] + [prof.boot.depth + max_d + extra for extra in (0, max_d, 2 * max_d)]
            for lv in chains:
                if lv > space.levels[1] or lv < 1:
                    continue
                dnums = [d for d in (1, 2, 3, 4, 6, 8) if space.dnum[0] <= d <= space.dnum[1]] if space.hybrid else [3]
                fits = False
                for dn in dnums:
                    if fits and dn > 2:
                        break  # the smallest digit count that fits (smallest keys) is enough
                    special = special_bits_for(prof.keyswitch, lv, dn, first, scale)
                    k = special_primes(lv, dn, prof.keyswitch)
                    if log_qp(first, scale, lv, special, k) > max_log_qp(n, 128):
                        continue
                    fits = True
                    for ring in ("conjugate-invariant", "standard"):
                        seeds.append({"N": n, "levels": lv, "scale_bits": scale, "first_bits": first,
                                      "special_bits": special, "dnum": dn, "ring": ring, "matvec": "bsgs",
                                      "act_degree": deg})
                if fits and lv == total:
                    break  # the chain holds the whole network: no need for bootstrapping chains at this N
    return seeds[:32]
