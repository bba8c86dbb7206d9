"""SimPy model of the coarse-grained synchronous pipeline (the twin of :mod:`.pipeline`).

A stream of requests with lengths drawn from the model's length distribution (seeded) is cut into
batches of ``B``. Each of the ``P`` physical stages is a SimPy process; a conductor process opens
a step, every stage works on the batch it holds for that batch's stage time, and the step closes
when all stages are done (``AllOf``), then every batch moves one stage on (lock-step, as in the
DAC'22 timing diagram).

* ``padded``: batches in arrival order; a batch runs at its longest request on the static
  allocation (the one made for the longest supported length).
* ``length-aware``: windows of ``window`` batches are ranked by the critical-path rank
  ``P(v_i, s) = W(v_i, s) + max_{succ} P(v_j, s)`` (computed literally on the chain of stages,
  largest first), cut into batches of neighbours, and each batch runs at its requests' own
  lengths on the allocation balanced for its longest request.

Measured in steady state (steps with every stage occupied): throughput, mean and p99 latency
(from a batch's first step to its last), and the bubble fraction ``1 - useful / busy`` where
``useful`` is the stage time the requests need at their true lengths.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np
import simpy

from .tables import StageTables

__all__ = ["DesResult", "simulate", "simulate_tables", "upward_rank"]


@dataclass(frozen=True)
class DesResult:
    throughput_per_s: float
    latency_s: float
    latency_p99_s: float
    bubble_fraction: float
    n_requests: int


def upward_rank(stage_times: np.ndarray) -> np.ndarray:
    """Critical-path rank of each request on a chain of stages (HEFT upward rank).

    ``stage_times``: ``(P, n)`` weights ``W(v_p, s)``; returns ``P(v_0, s)`` per request from
    ``P(v_sink) = W(v_sink)`` and ``P(v_p) = W(v_p) + P(v_{p+1})`` (one successor per stage).
    """
    rank = stage_times[-1].copy()
    for p in range(stage_times.shape[0] - 2, -1, -1):
        rank = stage_times[p] + rank
    return rank


def _batches(tables: StageTables, lengths: np.ndarray, schedule: str) -> tuple[np.ndarray, np.ndarray]:
    """Per batch: stage times ``(n_batches, P)`` and useful times ``(n_batches, P)``."""
    b = tables.batch
    q = tables.index(lengths)
    static = tables.alloc[:, -1]
    times, useful = [], []
    if schedule == "padded":
        for i in range(0, len(q) - b + 1, b):
            qb = q[i:i + b]
            times.append(b * tables.request_times(np.array([qb.max()]), static)[:, 0])
            useful.append(tables.request_times(qb, static).sum(axis=1))
        return np.array(times), np.array(useful)
    if schedule != "length-aware":
        raise ValueError(f"unknown schedule {schedule!r}")
    span, limit = b * tables.window, len(q) - len(q) % b
    for w in range(0, limit, span):
        qw = q[w:min(w + span, limit)]   # the last window may be partial
        rank = upward_rank(tables.request_times(qw, tables.alloc[:, -1]))
        qw = qw[np.argsort(-rank, kind="stable")]
        for i in range(0, len(qw), b):
            qb = qw[i:i + b]
            t = tables.request_times(qb, tables.alloc[:, qb.max()]).sum(axis=1)
            times.append(t)
            useful.append(t)
    return np.array(times), np.array(useful)


def simulate(model: Any, workload: Any, point: Mapping[str, Any], *, n_requests: int = 4096, seed: int = 0,
             lengths: np.ndarray | None = None) -> DesResult:
    """The family's DES entry point (the template's ``simulate(model, workload, point)``): one design
    point of a :class:`~costmodels.fpga.TransformerAcceleratorModel` (knob -> value; missing knobs
    take their defaults) on ``n_requests`` seeded requests (or the given ``lengths``). Agrees with
    ``model.evaluate`` at a constant length (``tests/fpga/test_des.py``)."""
    schedule = point.get("schedule", model.space["schedule"].default)
    return simulate_tables(model.tables(workload, dict(point)), schedule, n_requests=n_requests, seed=seed,
                           lengths=lengths)


def simulate_tables(tables: StageTables, schedule: str, *, n_requests: int = 4096, seed: int = 0,
                    lengths: np.ndarray | None = None) -> DesResult:
    """Run the lock-step pipeline of precomputed stage tables on ``n_requests`` requests (or the
    given ``lengths``); ``schedule``: ``padded`` or ``length-aware``."""
    if lengths is None:
        rng = np.random.default_rng(seed)
        lengths = rng.choice(tables.support, size=int(n_requests), p=tables.probs)
    active = tables.work.sum(axis=1) > 0
    times, useful = _batches(tables, np.asarray(lengths, dtype=np.int64), schedule)
    times, useful = times[:, active], useful[:, active]
    n_batches, n_stages = times.shape
    if n_batches < n_stages + 1:
        raise ValueError(f"need at least {n_stages + 1} batches, got {n_batches}")

    env = simpy.Environment()
    step_log: list[tuple[float, float, int]] = []  # (start, end, newest batch index)

    def stage(p: int, go: list, done: list):
        while True:
            step, batch = yield go[p].get()
            yield env.timeout(times[batch, p])
            done[p].put(step)

    go = [simpy.Store(env) for _ in range(n_stages)]
    done = [simpy.Store(env) for _ in range(n_stages)]
    for p in range(n_stages):
        env.process(stage(p, go, done))

    def conductor():
        for step in range(n_batches + n_stages - 1):
            start = env.now
            busy = [(p, step - p) for p in range(n_stages) if 0 <= step - p < n_batches]
            for p, batch in busy:
                go[p].put((step, batch))
            yield simpy.AllOf(env, [done[p].get() for p, _ in busy])
            step_log.append((start, env.now, step))

    env.process(conductor())
    env.run()

    starts = np.array([s for s, _, _ in step_log])
    ends = np.array([e for _, e, _ in step_log])
    entry = starts[:n_batches]                                 # batch i enters at step i
    exit_ = ends[n_stages - 1:n_stages - 1 + n_batches]        # and leaves after step i + P - 1
    latency = exit_ - entry
    full = np.arange(n_stages - 1, n_batches)                  # steps with every stage occupied
    dur = ends[full] - starts[full]
    used = sum(useful[full - p, p].sum() for p in range(n_stages))
    steady = latency[n_stages - 1:n_batches - n_stages + 1] if n_batches > 2 * n_stages else latency
    return DesResult(
        throughput_per_s=float(tables.batch * len(full) / dur.sum()),
        latency_s=float(steady.mean()),
        latency_p99_s=float(np.quantile(steady, 0.99)),
        bubble_fraction=float(max(0.0, 1.0 - used / (n_stages * dur.sum()))),
        n_requests=int(n_batches * tables.batch),
    )
