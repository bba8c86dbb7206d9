"""Fit a :class:`~.opcost.Profile`'s constants to measured latencies (non-negative least squares).

A measurement row is a composite of operations (``"mul+relinearize"`` for OpenFHE's EvalMult)
at one ``(n, limbs)`` point. Operations are grouped; a group shares one coefficient triple.

* ``mode="full"``: each group gets ``(theta_B, theta_M, theta_C)`` fitted on relative error
  (rows weighted by ``1/t``), so a 50 us op counts as much as a 50 ms one;
* ``mode="scale"``: each group gets one factor ``s_g`` multiplying a base profile's coefficients
  (for sources with one point per op, e.g. HEaaN at N=2^16 only).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import nnls

from dse.errors import DseInputError

from .opcost import FEATURE_OPS, Profile, keyswitch_geometry, op_latency, op_work

__all__ = ["Measurement", "fit_coeffs", "parse_ops", "predict", "relative_errors"]


@dataclass(frozen=True)
class Measurement:
    """``ops`` (op -> count) measured together at (n, limbs) took ``latency_s`` seconds."""

    ops: tuple[tuple[str, float], ...]
    n: int
    limbs: int
    latency_s: float
    top_limbs: int = 0  # 0 -> limbs
    dnum: int = 1
    label: str = ""

    @property
    def top(self) -> int:
        return self.top_limbs or self.limbs


def parse_ops(text: str) -> tuple[tuple[str, float], ...]:
    """``"mul+relinearize"`` or ``"2*rotate+add"`` -> ((op, count), ...)."""
    out = []
    for part in text.split("+"):
        count, _, op = part.strip().rpartition("*")
        op = op.strip()
        if op not in FEATURE_OPS:
            raise DseInputError("op", op, "one of " + ", ".join(FEATURE_OPS))
        out.append((op, float(count) if count else 1.0))
    return tuple(out)


def _work(m: Measurement, op: str, shape: str) -> tuple[float, float]:
    limbs = np.asarray(float(m.limbs))
    alpha, k, beta = keyswitch_geometry(limbs, np.asarray(float(m.top)), float(m.dnum), shape)
    b, w = op_work(op, np.asarray(float(m.n)), limbs, alpha=alpha, k=k, beta=beta)
    return float(b), float(w)


def fit_coeffs(rows: Sequence[Measurement], groups: Mapping[str, str], shape: str, *, mode: str = "full",
               base: Profile | None = None) -> dict[str, tuple[float, float, float]]:
    """Per-op coefficient triples fitted to ``rows``; ops map to groups via ``groups``."""
    names = sorted(set(groups.values()))
    used = {groups[op] for m in rows for op, _ in m.ops}
    empty = [g for g in names if g not in used]
    if empty:
        raise DseInputError("profile groups", ",".join(empty), "groups that have at least one measurement")
    width = 3 if mode == "full" else 1
    if mode == "scale" and base is None:
        raise DseInputError("mode", mode, "full, or scale with a base profile")
    a = np.zeros((len(rows), width * len(names)))
    t = np.array([m.latency_s for m in rows])
    for r, m in enumerate(rows):
        for op, count in m.ops:
            g = names.index(groups[op])
            if mode == "full":
                b, w = _work(m, op, shape)
                a[r, 3 * g:3 * g + 3] += count * np.array([b, w, 1.0])
            else:
                a[r, g] += count * float(op_latency(base, op, np.asarray(float(m.n)), np.asarray(float(m.limbs)),
                                                    top_limbs=np.asarray(float(m.top)), dnum=float(m.dnum)))
    scale = a.max(axis=0)
    scale[scale == 0] = 1.0
    sol, _ = nnls((a / scale) / t[:, None], np.ones_like(t), maxiter=2000)
    sol = sol / scale
    out: dict[str, tuple[float, float, float]] = {}
    for op in FEATURE_OPS:
        g = names.index(groups[op])
        if mode == "full":
            out[op] = tuple(float(x) for x in sol[3 * g:3 * g + 3])  # type: ignore[assignment]
        else:
            out[op] = tuple(float(x) * float(sol[g]) for x in base.theta(op))  # type: ignore[union-attr, assignment]
    return out


def predict(profile: Profile, m: Measurement) -> float:
    """Predicted latency (s) of a measurement row under ``profile``."""
    n, l, top = (np.asarray(float(v)) for v in (m.n, m.limbs, m.top))
    return float(sum(c * op_latency(profile, op, n, l, top_limbs=top, dnum=float(m.dnum)) for op, c in m.ops))


def relative_errors(profile: Profile, rows: Sequence[Measurement]) -> np.ndarray:
    """(predicted - measured) / measured for each row."""
    return np.array([(predict(profile, m) - m.latency_s) / m.latency_s for m in rows])
