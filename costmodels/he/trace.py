"""Evaluate an HE operation trace (``workloads.importers.optrace.HeTrace``) additively.

Each row costs ``count x t_op(n, limbs)`` under the profile (CryptOracle's additive model,
[CryptOracle26]); ``bootstrap`` rows use :func:`~.bootstrap.bootstrap_latency` with the
chain ``max(trace limbs, L+1)``. The design's N is not used (rows carry their own ring degree);
its bit sizes and dnum set the hybrid digit size and the security check, where log2(QP) uses
the trace's largest ring degree and limb count.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dse.xp import constant

from .bootstrap import bootstrap_latency
from .opcost import ciphertext_bytes, op_latency, switching_key_bytes
from .params import log_qp, precision_bits, security_bits, special_primes
from .security import effective_hamming

__all__ = ["evaluate_trace", "trace_arrays"]

_COUNTED = {"rotations": ("rotate",), "pt_mults": ("mul_plain",), "ct_mults": ("mul",), "rescales": ("rescale",),
            "bootstraps": ("bootstrap",)}


def trace_arrays(trace: Any) -> dict[str, np.ndarray]:
    def build() -> dict[str, np.ndarray]:
        rows = trace.rows
        return {"n": np.array([r.n for r in rows], float), "limbs": np.array([r.limbs for r in rows], float),
                "count": np.array([r.count for r in rows], float), "op": np.array([r.op for r in rows])}
    return trace.memo("he.trace", build)


def evaluate_trace(model: Any, trace: Any, design: Any, k: dict[str, Any], prof: Any, xp: Any):
    """Metrics of ``trace`` per design point; per-row values in ``layers`` (one row = one layer)."""
    t = trace_arrays(trace)
    like = k["N"]
    n_row = constant(xp, t["n"], like=like)[None, :]
    l_row = constant(xp, t["limbs"], like=like)[None, :]
    cnt = constant(xp, t["count"], like=like)[None, :]
    max_limbs = float(t["limbs"].max())
    n_max = float(t["n"].max())
    top = xp.maximum(k["levels"] + 1.0, xp.zeros_like(k["levels"]) + max_limbs)[:, None]
    dnum = k["dnum"][:, None]
    lat = xp.zeros_like(top * n_row)
    for op in sorted(set(t["op"].tolist())):
        mask = constant(xp, (t["op"] == op).astype(float), like=like)[None, :]
        if op == "bootstrap":
            unit = bootstrap_latency(prof, n_row + 0.0 * top, top + 0.0 * n_row, dnum=dnum)
        else:
            unit = op_latency(prof, op, n_row, l_row, top_limbs=top, dnum=dnum)
        lat = lat + mask * cnt * unit
    zeros = xp.zeros_like(lat)
    layers: dict[str, Any] = {"latency_s": lat}
    for metric, ops in _COUNTED.items():
        mask = np.isin(t["op"], ops).astype(float) * t["count"]
        layers[metric] = zeros + constant(xp, mask, like=like)[None, :]
    layers["he_ops"] = layers["rotations"] + layers["pt_mults"] + layers["ct_mults"]
    drops = np.isin(t["op"], ("rescale", "mod_switch")) & (t["count"] > 0)
    after = np.where(drops, t["limbs"] - 1, t["limbs"])
    layers["levels_used"] = zeros + constant(xp, drops.astype(float) * t["count"], like=like)[None, :]
    layers["memory_bytes"] = zeros + constant(xp, 2.0 * np.asarray(ciphertext_bytes(t["n"], t["limbs"], prof.word_bytes)),
                                              like=like)[None, :]
    totals = {name: xp.sum(v, axis=1) for name, v in layers.items() if name not in ("memory_bytes", "levels_used")}
    totals["levels_used"] = xp.zeros_like(k["N"]) + float(max_limbs - after.min())
    uses = set(t["op"].tolist())
    n_keys = float(("relinearize" in uses) + ("rotate" in uses) * int((t["op"] == "rotate").sum())
                   + ("conjugate" in uses))
    levels_top = top[:, 0] - 1.0
    totals["memory_bytes"] = xp.max(layers["memory_bytes"], axis=1) + n_keys * switching_key_bytes(
        n_max + 0.0 * levels_top, top[:, 0], k["dnum"], prof.keyswitch, prof.word_bytes)
    totals["client_s"] = zeros[:, 0]
    # security of the trace's own chain: q0 + (max_limbs - 1) rescale primes + K special primes
    levels_trace = xp.zeros_like(k["N"]) + (max_limbs - 1.0)
    kspecial = special_primes(levels_trace, k["dnum"], prof.keyswitch)
    logqp = log_qp(k["first_bits"], k["scale_bits"], levels_trace, k["special_bits"], kspecial)
    n_trace = xp.zeros_like(k["N"]) + n_max
    secret, h = model.secret()
    totals["security_bits"] = security_bits(n_trace, logqp, secret=secret, hamming=h)
    totals["precision_bits"] = precision_bits(n_trace, k["scale_bits"], effective_hamming(n_trace, secret, h))
    totals["log_qp_bits"] = logqp
    feas = model._feasibility(xp, design, k, n_trace, logqp)
    names = tuple(r.name for r in trace.rows)
    return model.make_metrics(totals=totals, layers=layers, layer_names=names,
                              layer_kinds=tuple(r.op for r in trace.rows), feasibility=feas)
