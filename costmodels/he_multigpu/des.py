"""SimPy twin of ``he-multigpu``: devices, a shared link, and chunked compute/collective overlap.

Each of the G devices runs the layers in order. Layer work on device (a, b, c) of the
G_t x G_f x G_l mesh is its exact share: ciphertexts of the layer input are dealt to token groups
(``divmod``), limbs to limb groups, heads to feature groups, so devices differ by at most one
unit per axis (the analytic model charges the busiest one). A layer's communication
(``mesh_costs``: limb all-gathers, K/V all-gather, all-reduce) is one collective that starts when
every device has finished the matching compute and holds the link (a SimPy ``Resource`` of
capacity 1, so collectives of consecutive layers queue).

* ``overlap`` off: compute the whole layer, collective, next layer (bulk-synchronous). The
  finishing time equals the analytic ``latency_s`` exactly (test ``test_des_matches_analytic``).
* ``overlap`` on: the layer is cut into ``chunks`` equal pieces; piece i's collective runs while
  the devices compute piece i+1 (AEGIS's reordered polynomial operators), and piece i of the next
  layer waits only for piece i of this layer. Pipelines therefore continue across layers, which
  the analytic per-layer estimate max(C, M) + min(C, M)/chunks does not capture.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import simpy

from .model import _ARRAYS, first_poly_bytes
from .placement import mesh_costs

__all__ = ["DesResult", "LayerPlan", "plan", "simulate"]


@dataclass(frozen=True)
class LayerPlan:
    """What the DES runs: per-layer device loads ``(G, L)`` and collective times ``(L,)`` (s)."""

    device_compute_s: np.ndarray
    comm_s: np.ndarray
    mesh: tuple[int, int, int]
    chunks: int
    analytic_latency_s: float
    overlap: bool


@dataclass(frozen=True)
class DesResult:
    latency_s: float
    analytic_latency_s: float
    device_busy_s: np.ndarray
    link_busy_s: float
    events: int


def _deal(units: float, parts: int) -> np.ndarray:
    """Shares of ``units`` dealt over ``parts`` holders, as fractions (first holders get one more)."""
    u = max(round(units), 1)
    q, r = divmod(u, parts)
    counts = np.array([q + 1 if i < r else q for i in range(parts)], dtype=float)
    return counts / u


def plan(model: Any, workload: Any, point: dict[str, Any]) -> LayerPlan:
    """The layer plan of one design point (the mesh the analytic model chose for it)."""
    design = model.space.design({k: [v] for k, v in point.items()})
    metrics = model.evaluate(workload, design).numpy()
    gt, gf, gl = (int(metrics.totals[k][0]) for k in ("mesh_token", "mesh_feature", "mesh_limb"))
    comp = model.compiled(workload, int(design["seq_len"][0]))
    arr = {name: np.asarray(getattr(comp, name), dtype=float)[None, :] for name in _ARRAYS}
    arr["key_bytes"] = np.array([comp.key_bytes])
    overlap = design.eq("overlap", "on")
    one = np.ones(1)
    r = mesh_costs(np, arr, gt * one, gf * one, gl * one, poly_bytes=first_poly_bytes(model),
                   top_limbs=float(model.ckks().limbs), link=model.link_profile(), chunks=model.param("chunks"),
                   overlap=overlap, budget_bytes=model.budget_bytes(), all_weights=model.param("weights") == "all",
                   like=design["gpus"])
    L = len(comp.names)
    loads = np.zeros((gt * gf * gl, L))
    for j in range(L):
        st = _deal(max(comp.cts_in[j], 1.0), gt)
        sl = _deal(max(comp.entry_limbs[j], 1.0), gl)
        if comp.split[j]:
            sf = _deal(comp.heads[j], gf) if comp.heads[j] > 0 else np.full(gf, 1.0 / gf)
        else:
            sf = np.ones(gf)
        dev = 0
        for a in range(gt):
            for bb in range(gf):
                for c in range(gl):
                    loads[dev, j] = comp.seconds[j] * st[a] * sf[bb] * sl[c]
                    dev += 1
    return LayerPlan(loads, r.comm_s[0].copy(), (gt, gf, gl), int(model.param("chunks")),
                     float(metrics.totals["latency_s"][0]), bool(overlap[0]))


def simulate(model: Any, workload: Any, point: dict[str, Any]) -> DesResult:
    """Run the SimPy twin for one design point (deterministic: no random draws)."""
    lp = plan(model, workload, point)
    g, n_layers = lp.device_compute_s.shape
    k = lp.chunks if lp.overlap else 1
    env = simpy.Environment()
    link = simpy.Resource(env, capacity=1)
    # ready[j][i]: piece i of layer j has been communicated (inputs of layer j+1, piece i)
    ready = [[env.event() for _ in range(k)] for _ in range(n_layers)]
    done = [[[env.event() for _ in range(k)] for _ in range(n_layers)] for _ in range(g)]
    busy = np.zeros(g)
    link_busy = [0.0]
    count = [0]

    def device(d: int):
        for j in range(n_layers):
            for i in range(k):
                if j > 0:
                    yield ready[j - 1][i] if lp.overlap else ready[j - 1][k - 1]
                t = lp.device_compute_s[d, j] / k
                busy[d] += t
                yield env.timeout(t)
                done[d][j][i].succeed()
                count[0] += 1

    def collective(j: int, i: int):
        yield simpy.AllOf(env, [done[d][j][i] for d in range(g)])
        if not lp.overlap and i < k - 1:
            ready[j][i].succeed()
            return
        with link.request() as req:
            yield req
            t = lp.comm_s[j] / k if lp.overlap else lp.comm_s[j]
            link_busy[0] += t
            yield env.timeout(t)
        ready[j][i].succeed()

    for d in range(g):
        env.process(device(d))
    for j in range(n_layers):
        for i in range(k):
            env.process(collective(j, i))
    env.run()
    return DesResult(float(env.now), lp.analytic_latency_s, busy, link_busy[0], count[0])
