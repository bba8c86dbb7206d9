"""Numpy stage tables of one ``fpga-transformer`` design point, for the discrete-event model.

The tables hold what a batch's stage times are built from: per physical stage ``p`` and support
length ``L_q`` the MAC work ``work[p, q]``, the pre-filter work ``pre[p, q]``, the MAC allocation
balanced at each length ``alloc[p, q]`` (its last column is the static allocation of the padded
design), the pre-filter lanes, the weight-streaming floor, the non-linear units' time and the clock. They come from the same
arrays as :meth:`TransformerAcceleratorModel._evaluate` (one point, numpy).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from dse.metrics import to_numpy
from dse.xp import namespace

__all__ = ["StageTables", "stage_tables"]


@dataclass(frozen=True)
class StageTables:
    support: np.ndarray   # (Q,) lengths
    probs: np.ndarray     # (Q,)
    work: np.ndarray      # (P, Q) MACs per request
    pre: np.ndarray       # (P, Q) pre-filter MACs per request
    alloc: np.ndarray     # (P, Q) MACs per stage balanced at each length
    lanes: np.ndarray     # (P,) pre-filter lanes
    t_mem: np.ndarray     # (P,) weight-streaming floor per request, s
    t_nl: np.ndarray      # (P, Q) busiest non-linear unit's time per request, s
    nl_elements: np.ndarray  # (3, P, Q) softmax / LayerNorm / GELU elements per request
    wbytes: np.ndarray    # (P,) weight bytes per stage
    bw_bytes_per_s: float
    clock_hz: float
    batch: int
    window: int

    @property
    def n_stages(self) -> int:
        return int(np.sum(self.work.sum(axis=1) > 0))

    def index(self, lengths: np.ndarray) -> np.ndarray:
        """Support indices of integer ``lengths``."""
        idx = np.searchsorted(self.support, lengths)
        if np.any(self.support[np.minimum(idx, len(self.support) - 1)] != lengths):
            raise ValueError("lengths outside the distribution's support")
        return idx

    def floor_times(self) -> np.ndarray:
        """``(P, Q)`` per-request time of the units the MAC allocation does not change: the
        pre-filter, the busiest non-linear unit and the weight streaming (0 where no work)."""
        t_pre = self.pre / (np.maximum(self.lanes, 1e-9)[:, None] * self.clock_hz)
        return np.maximum(np.maximum(t_pre, self.t_nl), self.t_mem[:, None]) * (self.work > 0)

    def nl_times(self, lanes: np.ndarray) -> np.ndarray:
        """``(P, Q)`` busiest non-linear unit's time per request with ``lanes`` ``(P,)`` per stage
        (the model's formula: passes x elements / lanes + depth, over the clock)."""
        from .nonlinear import UNITS

        t = [(u.passes * e / np.maximum(lanes, 1e-9)[:, None] + u.depth_cycles * (e > 0)) / self.clock_hz
             for u, e in zip(UNITS.values(), self.nl_elements)]
        return np.maximum(np.maximum(t[0], t[1]), t[2])

    def metrics(self, alloc: np.ndarray, schedule: str, *, t_nl: np.ndarray | None = None,
                t_mem: np.ndarray | None = None) -> dict[str, float]:
        """Analytic pipeline totals (throughput, latency, p99, bubble) of this point with the MAC
        allocation ``alloc`` ``(P, Q)`` per stage and length (e.g. a MILP's) instead of the model's
        rule; ``schedule`` ``padded`` uses the last column for every batch. ``t_nl`` / ``t_mem``
        replace the non-linear and weight-streaming times (another lane count or on-chip set)."""
        from dataclasses import replace

        from .pipeline import length_aware_metrics, padded_metrics

        if t_nl is not None or t_mem is not None:
            return replace(self, t_nl=self.t_nl if t_nl is None else t_nl,
                           t_mem=self.t_mem if t_mem is None else t_mem).metrics(alloc, schedule)
        q = np.arange(len(self.support))
        if schedule == "padded":
            alloc = np.repeat(alloc[:, -1:], len(q), axis=1)
        t_req = np.stack([self.request_times(q[i:i + 1], alloc[:, i])[:, 0] for i in q], axis=1)[None]
        cdf = np.cumsum(self.probs)
        batch = np.array([float(self.batch)])
        n_p = np.array([float(self.n_stages)])
        out = (padded_metrics(np, t_req, self.probs, cdf, batch, n_p) if schedule == "padded" else
               length_aware_metrics(np, t_req, self.probs, cdf, batch, n_p, float(self.window)))
        return {k: float(v[0]) for k, v in out.items() if k != "step_s"}

    def request_times(self, q: np.ndarray, alloc: np.ndarray) -> np.ndarray:
        """Stage times ``(P, n)`` of requests at support indices ``q`` on MAC allocation ``alloc``."""
        t_mac = self.work[:, q] / (np.maximum(alloc, 1.0)[:, None] * self.clock_hz)
        t_pre = self.pre[:, q] / (np.maximum(self.lanes, 1e-9)[:, None] * self.clock_hz)
        t = np.maximum(np.maximum(np.maximum(t_mac, t_pre), self.t_nl[:, q]), self.t_mem[:, None])
        return t * (self.work[:, q] > 0)


def stage_tables(model, workload, point: dict[str, Any]) -> StageTables:
    """Tables of design ``point`` (knob -> value; missing knobs take their defaults)."""
    design = model.coerce_design({key: [value] for key, value in point.items()})
    v = vars(model._core(workload, design, namespace(*design.values())))
    first = lambda key: to_numpy(v[key])[0]  # noqa: E731
    return StageTables(support=v["dist"].support.astype(np.int64), probs=v["dist"].probs,
                       work=first("work"), pre=first("pre"), alloc=first("alloc_by_len"),
                       lanes=first("lanes"), t_mem=first("t_mem"), t_nl=first("t_nl"),
                       nl_elements=np.stack([to_numpy(e)[0] for e in v["nl_elems"].values()]),
                       wbytes=first("wbytes"), bw_bytes_per_s=float(first("bw")), clock_hz=float(first("clock")),
                       batch=int(first("batch")), window=int(model.param("window")))
