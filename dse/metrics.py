"""Metrics: the output of every cost model.

Arrays in SI base units with the unit in the name (``latency_s``, ``energy_j``, ``comm_bytes``,
``area_m2``, ``power_w``, ``memory_bytes``); dimensionless counts (``cycles``, ``rotations``) are
declared by the model with unit ``"1"``. ``totals`` hold shape ``(N,)``; ``layers`` hold shape
``(N, L)`` for the L rows of the workload's per-layer breakdown. Infeasible points carry a reason
code into ``reasons`` (code 0 = feasible).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

from .errors import DseError

__all__ = ["Metrics", "UNIT_SUFFIXES", "unit_of", "Feasibility", "to_numpy"]

#: Name suffix -> SI unit. A metric whose name ends with one of these must carry that unit.
UNIT_SUFFIXES: dict[str, str] = {
    "_per_s": "1/s",
    "_per_j": "1/J",
    "_per_w": "1/W",
    "_bytes_per_device": "B",
    "_s": "s",
    "_j": "J",
    "_w": "W",
    "_bytes": "B",
    "_m2": "m2",
    "_hz": "Hz",
    "_bits": "bit",
}


def unit_of(name: str, declared: Mapping[str, str] | None = None) -> str:
    """The unit implied by a metric name (suffix) or declared by its model."""
    for suffix, unit in UNIT_SUFFIXES.items():
        if name.endswith(suffix):
            return unit
    if declared and name in declared:
        return declared[name]
    raise DseError(f"metric {name!r} has no unit suffix ({', '.join(UNIT_SUFFIXES)}) and no declared unit")


def to_numpy(a: Any) -> np.ndarray:
    if hasattr(a, "detach"):
        return a.detach().cpu().numpy()
    return np.asarray(a)


@dataclass(frozen=True)
class Metrics:
    """Totals ``(N,)`` and per-layer ``(N, L)`` arrays plus a feasibility mask with reasons."""

    totals: Mapping[str, Any]
    layers: Mapping[str, Any] = field(default_factory=dict)
    layer_names: tuple[str, ...] = ()
    layer_kinds: tuple[str, ...] = ()
    feasible: Any = None
    reason: Any = None
    reasons: tuple[str, ...] = ("",)
    units: Mapping[str, str] = field(default_factory=dict)

    @property
    def n(self) -> int:
        first = next(iter(self.totals.values()))
        return int(first.shape[0])

    def reason_of(self, i: int) -> str | None:
        """The infeasibility reason of point ``i`` (None when feasible)."""
        code = int(to_numpy(self.reason)[i]) if self.reason is not None else 0
        return self.reasons[code] if code else None

    def reason_texts(self) -> list[str | None]:
        codes = to_numpy(self.reason) if self.reason is not None else np.zeros(self.n, int)
        return [self.reasons[c] if c else None for c in codes.tolist()]

    def numpy(self) -> Metrics:
        """A copy with every array converted to numpy (detached from autograd)."""
        return Metrics(
            totals={k: to_numpy(v) for k, v in self.totals.items()},
            layers={k: to_numpy(v) for k, v in self.layers.items()},
            layer_names=self.layer_names,
            layer_kinds=self.layer_kinds,
            feasible=to_numpy(self.feasible).astype(bool) if self.feasible is not None else np.ones(self.n, bool),
            reason=to_numpy(self.reason).astype(np.int64) if self.reason is not None else np.zeros(self.n, np.int64),
            reasons=self.reasons,
            units=dict(self.units),
        )

    def take(self, index: Any) -> Metrics:
        m = self.numpy()
        return Metrics(
            totals={k: v[index] for k, v in m.totals.items()},
            layers={k: v[index] for k, v in m.layers.items()},
            layer_names=m.layer_names,
            layer_kinds=m.layer_kinds,
            feasible=m.feasible[index],
            reason=m.reason[index],
            reasons=m.reasons,
            units=m.units,
        )

    def point(self, i: int) -> dict[str, Any]:
        """JSON-ready view of point ``i``: totals, per-layer rows, feasibility and reason."""
        m = self.numpy()
        totals = {k: _py(v[i]) for k, v in m.totals.items()}
        layers = []
        for j, name in enumerate(m.layer_names):
            kind = m.layer_kinds[j] if j < len(m.layer_kinds) else ""
            layers.append({"name": name, "kind": kind,
                           "metrics": {k: _py(v[i, j]) for k, v in m.layers.items()}})
        return {"metrics": totals, "layers": layers, "feasible": bool(m.feasible[i]),
                "reason": m.reason_of(i)}

    @staticmethod
    def concat(parts: list[Metrics]) -> Metrics:
        ps = [p.numpy() for p in parts]
        first = ps[0]
        # Reason tables may differ between chunks only if a model builds them dynamically;
        # remap every chunk's codes into one merged table.
        reasons: list[str] = [""]
        codes = []
        for p in ps:
            remap = np.array([_intern(reasons, r) for r in p.reasons], dtype=np.int64)
            codes.append(remap[p.reason])
        return Metrics(
            totals={k: np.concatenate([p.totals[k] for p in ps]) for k in first.totals},
            layers={k: np.concatenate([p.layers[k] for p in ps]) for k in first.layers},
            layer_names=first.layer_names,
            layer_kinds=first.layer_kinds,
            feasible=np.concatenate([p.feasible for p in ps]),
            reason=np.concatenate(codes),
            reasons=tuple(reasons),
            units=first.units,
        )


def _intern(table: list[str], reason: str) -> int:
    if reason == "":
        return 0
    if reason not in table:
        table.append(reason)
    return table.index(reason)


def _py(v: Any) -> Any:
    v = v.item() if hasattr(v, "item") else v
    if isinstance(v, float) and not np.isfinite(v):
        return None  # JSON has no inf/nan; infeasible points often carry inf
    return v


class Feasibility:
    """Accumulates infeasibility rules inside ``evaluate`` without Python ``if`` on arrays.

    >>> import numpy as np
    >>> f = Feasibility(np, 3)
    >>> f.require(np.array([True, False, True]), "rows must be >= 1")
    >>> f.require(np.array([True, True, False]), "buffer too small")
    >>> f.feasible.tolist(), f.reason.tolist(), f.reasons
    ([True, False, False], [0, 1, 2], ('', 'rows must be >= 1', 'buffer too small'))

    The first failing rule is the reason reported for a point.
    """

    def __init__(self, xp: Any, n: int, like: Any = None):
        self.xp = xp
        self._reasons: list[str] = [""]
        self.reason = xp.zeros(n, dtype=xp.int64) if like is None else xp.zeros_like(like, dtype=xp.int64)

    def require(self, ok: Any, reason: str) -> None:
        xp = self.xp
        code = _intern(self._reasons, reason)
        unset = self.reason == 0
        self.reason = xp.where(unset & ~xp.astype(ok, xp.bool), xp.asarray(code, dtype=xp.int64), self.reason)

    @property
    def feasible(self) -> Any:
        return self.reason == 0

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(self._reasons)
