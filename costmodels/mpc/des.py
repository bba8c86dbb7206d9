"""SimPy discrete-event model of the parties and their links, with its analytic twin.

Every layer ``l`` carries ``(rounds r_l, online bytes B_l, compute C_l)`` from the protocol profile
(:func:`costmodels.mpc.compiled.layer_costs`, ReLU sites mixed by ``keep``). A layer is split into
``chunks`` independent pieces (channel groups); a piece computes ``C_l / chunks`` on its party's
CPU (one core per party, a ``simpy.Resource``), then runs ``r_l`` rounds, each transmitting
``B_l / (r_l * chunks)`` bytes and waiting one RTT. Links:

* ``topology="shared"``: one medium of bandwidth BW carries every party's traffic (``tc`` on a
  loopback interface, the setting of OpenCheetah's LAN/WAN presets, [Cheetah22, code scripts/throttle.sh]);
* ``topology="mesh"``: each party has its own uplink of bandwidth BW and a round's bytes are split
  evenly over the ``n`` senders (all-to-all exchanges of CrypTen / Shamir), so contention appears
  only when independent layers send at the same time.

Scheduling: ``overlap=False`` runs layers strictly in topological order (the analytic model);
``overlap=True`` starts a layer as soon as its producers finish, so independent branches (a
ResNet shortcut conv and the main path) pipeline and contend for the links and CPUs.

Analytic twin: with ``chunks=1``, ``overlap=False``, ``topology="shared"`` the simulated latency
equals ``sum_l (r_l RTT + B_l / BW + C_l)`` = :class:`costmodels.mpc.MpcModel`'s ``latency_s``
(``tests/mpc/test_des.py``). The simulation is deterministic (no random draws).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np
import simpy

from dse.errors import DseInputError

from .compiled import layer_costs
from .presets import Network
from .presets import network as make_network

__all__ = ["DesResult", "LayerWork", "analytic_latency", "layer_work", "simulate", "simulate_work"]


@dataclass(frozen=True)
class LayerWork:
    """Per-layer arrays (L,): rounds, online bytes, compute seconds, and producer indices."""

    names: tuple[str, ...]
    rounds: np.ndarray
    nbytes: np.ndarray
    compute_s: np.ndarray
    producers: tuple[tuple[int, ...], ...]


def layer_work(workload, protocol: str = "crypten", parties: int = 2, weights: str = "shared",
               keep: float = 1.0, *, poly_degree: int = 2, bits: int = 0, batchnorm: str = "folded") -> LayerWork:
    """Rounds, bytes and compute of every layer with a fraction ``keep`` of each ReLU site kept."""
    if not 0.0 <= keep <= 1.0:
        raise DseInputError("keep", keep, "a fraction in [0, 1]")
    lc = layer_costs(workload, protocol, parties, weights, poly_degree=poly_degree, bits=bits, batchnorm=batchnorm)
    if lc.reason:
        raise DseInputError("protocol", protocol, lc.reason)
    mix = lc.fixed + keep * lc.relu + (1.0 - keep) * lc.poly
    rounds = lc.fixed[2] + np.maximum(lc.relu[2] * (keep > 0), lc.poly[2] * (keep < 1))
    index = {l.name: i for i, l in enumerate(workload.layers)}
    producers = tuple(tuple(index[n] for n in l.inputs if n in index) for l in workload.layers)
    return LayerWork(tuple(l.name for l in workload.layers), rounds, mix[0], mix[3], producers)


def analytic_latency(work: LayerWork, net: Network) -> np.ndarray:
    """Per-layer latency ``r RTT + B / BW + C`` (s), the twin of :func:`simulate_work`."""
    return work.rounds * net.rtt_s + work.nbytes / net.bytes_per_s + work.compute_s


@dataclass(frozen=True)
class DesResult:
    latency_s: float
    finish_s: np.ndarray        # (L,) completion time of each layer
    link_busy_s: float          # total transmission time over all links
    events: int


def simulate(model: Any, workload: Any, point: Mapping[str, Any], *, chunks: int = 1, overlap: bool = False,
             topology: str = "shared") -> DesResult:
    """The family's DES entry point (the template's ``simulate(model, workload, point)``): one design
    point of an :class:`~costmodels.mpc.MpcModel` (knob -> value; missing knobs take their defaults),
    priced with the model's fixed parameters (``poly_degree``, ``bits``, ``batchnorm``, and
    ``bandwidth``/``rtt`` for ``network=custom``). With ``chunks=1``, ``overlap=False``,
    ``topology="shared"`` it equals ``model.evaluate``'s ``latency_s`` (``tests/mpc/test_des.py``)."""
    p = {k.name: k.default for k in model.space}
    p.update(point)
    if p["network"] == "custom":
        net = Network("custom", 8.0 * float(model.param("bandwidth")), float(model.param("rtt")))  # B/s -> bit/s
    else:
        net = make_network(p["network"])
    work = layer_work(workload, p["protocol"], int(p["parties"]), p["weights"], float(p["relu_keep"]),
                      poly_degree=model.param("poly_degree"), bits=model.param("bits"),
                      batchnorm=model.param("batchnorm"))
    return simulate_work(work, net, parties=int(p["parties"]), chunks=chunks, overlap=overlap, topology=topology)


def simulate_work(work: LayerWork, net: Network, *, parties: int = 2, chunks: int = 1,
                  overlap: bool = False, topology: str = "shared") -> DesResult:
    """Simulate precomputed per-layer work (:func:`layer_work`) on network ``net``."""
    """Run the discrete-event model (see the module docstring)."""
    if topology not in ("shared", "mesh"):
        raise DseInputError("topology", topology, "shared or mesh")
    if chunks < 1:
        raise DseInputError("chunks", chunks, "an integer >= 1")
    env = simpy.Environment()
    n_links = 1 if topology == "shared" else parties
    links = [simpy.Resource(env, capacity=1) for _ in range(n_links)]
    cpus = [simpy.Resource(env, capacity=1) for _ in range(parties)]
    L = len(work.names)
    done = [env.event() for _ in range(L)]
    finish = np.zeros(L)
    stats = {"busy": 0.0, "events": 0}

    def send(nbytes: float, rtt_fraction: float = 1.0):
        """One message exchange: ``nbytes`` over the link(s), then one RTT of propagation (a
        fraction of one for the last round of a layer with fractional mean rounds)."""
        if topology == "shared":
            with links[0].request() as req:
                yield req
                yield env.timeout(nbytes / net.bytes_per_s)
                stats["busy"] += nbytes / net.bytes_per_s
        else:
            share = nbytes / parties
            parts = [env.process(_uplink(p, share)) for p in range(parties)]
            yield simpy.AllOf(env, parts)
        yield env.timeout(net.rtt_s * rtt_fraction)
        stats["events"] += 1

    def _uplink(p: int, nbytes: float):
        with links[p].request() as req:
            yield req
            yield env.timeout(nbytes / net.bytes_per_s)
            stats["busy"] += nbytes / net.bytes_per_s

    def piece(j: int):
        # profiles may give a mean round count (CrypTFlow2's separate batch norm: 2.5); the last
        # round then waits that fraction of an RTT, so the twin stays r RTT + B / BW + C exactly
        r = float(work.rounds[j])
        rounds = int(np.ceil(r - 1e-9)) if r > 0 else 0
        last = r - (rounds - 1) if rounds else 1.0
        c = work.compute_s[j] / chunks
        if c:
            reqs = [cpu.request() for cpu in cpus]  # every party computes its share
            yield simpy.AllOf(env, reqs)
            yield env.timeout(c)
            for cpu, req in zip(cpus, reqs):
                cpu.release(req)
        per_round = work.nbytes[j] / chunks / max(rounds, 1)
        for k in range(rounds):
            yield from send(per_round, last if k == rounds - 1 else 1.0)
        if rounds == 0 and work.nbytes[j]:
            yield from send(work.nbytes[j] / chunks)

    def layer(j: int):
        deps = [done[i] for i in work.producers[j]] if overlap else ([done[j - 1]] if j else [])
        if deps:
            yield simpy.AllOf(env, deps)
        yield simpy.AllOf(env, [env.process(piece(j)) for _ in range(chunks)])
        finish[j] = env.now
        done[j].succeed()

    for j in range(L):
        env.process(layer(j))
    env.run()
    return DesResult(float(finish.max()) if L else 0.0, finish, stats["busy"], stats["events"])
