"""Stage 1 of the search: closed-form checks that prune a configuration without the cost model.

Vectorised over candidate configurations (dicts of arrays with the ``costmodels.he`` knob names):

1. **security**: log2(QP) = q0 + L * scale + K * special <= max log2(QP)(N, 128) (HE-standard
   table, :func:`costmodels.he.max_log_qp`; K from :func:`costmodels.he.special_primes`);
2. **first prime**: q0 bits > scale bits;
3. **precision**: rescale precision (:func:`costmodels.he.precision_bits`) and the activation
   approximation precision (:mod:`.precision`) both >= the target;
4. **key-switching noise**: the special modulus covers the largest key-switching digit,
   log2 P >= log2 Q_digit (Han & Ki, CT-RSA 2020 hybrid key switching: the key-switch error is
   ~ Q_digit / P times the fresh noise, so P >= Q_digit keeps it below the rescale error). Hybrid:
   Q_digit = q0 + (alpha - 1) * scale bits with alpha = ceil((L+1)/dnum), P = K * special bits;
   SEAL-shaped (one special prime, one prime per digit): special bits >= q0 bits. The he model
   does not check this; the search does (for every method alike);
5. **depth vs chain**: the whole network fits in the chain (no bootstrap), or the chain can
   bootstrap (L > bootstrap depth) and every layer's depth increment fits in what a bootstrap
   leaves (L - bootstrap depth). Per-layer depths come from the he lowering
   (:func:`costmodels.he.compile_network`) plus the activation polynomial depth at the degree.

The same conditions are enforced by the cost model, so stage 1 never prunes a configuration the
model would accept (test ``test_static_never_prunes_model_feasible``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from costmodels.he import (
    LoweringConfig,
    chain_increments,
    compile_network,
    get_profile,
    log_qp,
    max_log_qp,
    poly_eval_cost_xp,
    precision_bits,
    special_primes,
)

from .precision import activation_bits_xp

__all__ = ["STATIC_REASONS", "StaticChecker", "StaticResult", "keyswitch_noise_ok"]

STATIC_REASONS = ("insecure (log2 QP above the 128-bit bound for N)", "first prime not larger than the scale",
                  "rescale precision below target", "activation approximation precision below target",
                  "key-switching noise: special modulus P smaller than the largest digit",
                  "network depth does not fit the chain and the chain cannot bootstrap it")


def keyswitch_noise_ok(shape: str, levels: Any, dnum: Any, first_bits: Any, scale_bits: Any,
                       special_bits: Any) -> Any:
    """log2 P >= log2 of the largest key-switching digit (rule 4 of the module docstring)."""
    levels, dnum = np.asarray(levels, float), np.asarray(dnum, float)
    first, scale, special = (np.asarray(v, float) for v in (first_bits, scale_bits, special_bits))
    if shape == "seal":
        return special >= first
    alpha = np.ceil((levels + 1.0) / np.maximum(dnum, 1.0))
    k = special_primes(levels, dnum, shape)
    return k * special >= first + (alpha - 1.0) * scale


@dataclass(frozen=True)
class StaticResult:
    ok: np.ndarray            # (P,) bool
    reason: np.ndarray        # (P,) int, 0 = ok, else 1 + index into STATIC_REASONS
    depth: np.ndarray         # (P,) total multiplicative depth
    max_layer_depth: np.ndarray
    bottleneck: np.ndarray    # (P,) index of the layer with the largest depth increment
    log_qp: np.ndarray
    precision_bits: np.ndarray

    def reason_text(self, i: int) -> str | None:
        code = int(self.reason[i])
        return STATIC_REASONS[code - 1] if code else None


class StaticChecker:
    """Stage-1 checks for one benchmark workload under one device profile."""

    def __init__(self, workload: Any, *, profile: str, target_bits: float, activation: str,
                 input_range: float = 8.0):
        prof = get_profile(profile)
        self.shape, self.boot_depth = prof.keyswitch, prof.boot.depth
        self.target, self.activation, self.input_range = float(target_bits), activation, float(input_range)
        self.net = compile_network(workload, LoweringConfig(slots=4096))

    def layer_depths(self, act_degree: np.ndarray) -> np.ndarray:
        """``(P, layers)`` levels each layer consumes at the knob degree (workload degrees override)."""
        net = self.net
        deg_knob = np.asarray(act_degree, dtype=float)[:, None]
        deg = np.where(net.act_degree[None, :] > 0, net.act_degree[None, :], deg_knob)
        poly = poly_eval_cost_xp(np, np.maximum(deg, 1.0))["depth"]
        active = (net.act_cts > 0).astype(float)[None, :]
        return net.depth[None, :] + net.act_consumes[None, :] * net.act_seq[None, :] * poly * active

    def check(self, cfg: Mapping[str, Any]) -> StaticResult:
        f = {k: np.asarray(cfg[k], dtype=float) for k in ("N", "levels", "scale_bits", "first_bits",
                                                          "special_bits", "dnum", "act_degree")}
        k_sp = special_primes(f["levels"], f["dnum"], self.shape)
        lqp = log_qp(f["first_bits"], f["scale_bits"], f["levels"], f["special_bits"], k_sp)
        prec = precision_bits(f["N"], f["scale_bits"])
        act = activation_bits_xp(np, self.activation, f["act_degree"], self.input_range)
        delta, total = chain_increments(np, self.layer_depths(f["act_degree"]), self.net.parents)
        max_d = delta.max(axis=1) if delta.shape[1] else np.zeros(len(total))
        usable = f["levels"] - self.boot_depth
        depth_ok = (total <= f["levels"]) | ((usable >= 1) & (usable >= max_d))
        ks_ok = keyswitch_noise_ok(self.shape, f["levels"], f["dnum"], f["first_bits"], f["scale_bits"],
                                   f["special_bits"])
        checks = [lqp <= max_log_qp(f["N"], 128), f["first_bits"] > f["scale_bits"], prec >= self.target,
                  act >= self.target, ks_ok, depth_ok]
        reason = np.zeros(len(total), dtype=int)
        for code, ok in enumerate(checks, start=1):
            reason = np.where((reason == 0) & ~ok, code, reason)
        bottleneck = delta.argmax(axis=1) if delta.shape[1] else np.zeros(len(total), int)
        return StaticResult(reason == 0, reason, total, max_d, bottleneck, lqp, prec)
