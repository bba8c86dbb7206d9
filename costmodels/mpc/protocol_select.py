"""Per-layer protocol selection (``protocol=auto``): a MILP choosing, for every layer, one of the
protocols that can run it, with the cost of converting the shared representation at each edge
where the protocol changes, minimising latency (or bytes).

Variables: ``x[l, p]`` binary (layer ``l`` runs protocol ``p``), ``y[e, p, q] in [0, 1]`` (edge
``e = (i, j)`` goes from ``p`` to ``q``), one per allowed pair (``p == q`` or a priced conversion),
with the transportation constraints ``sum_q y[e, p, q] = x[i, p]`` and ``sum_p y[e, p, q] =
x[j, q]`` (with binary ``x`` the single pair chosen carries 1; a pair with no priced conversion has
no ``y``, so it is forbidden). Objective: ``sum x * c[l, p] + sum y * k[e, p, q]`` with ``c`` the
layer's cost under ``p`` (all ReLUs kept: fixed + ReLU part) and ``k`` the conversion of the
edge's tensor. (This replaced ``y >= x[i, p] + x[j, q] - 1`` plus pairwise bans: the same optimum
with a tighter relaxation and ~5x fewer rows on ResNet-50.) Solved with HiGHS (:mod:`solvers.highs`); :func:`enumerate_selection`
solves the same problem by brute force for small networks.

Weights: with 2 parties and ``weights="public"`` the model owner is the server (CrypTFlow2, DELPHI,
Cheetah keep its weights private); CrypTen's own "public" weights would be known to the client too,
so in a mix CrypTen is priced with secret-shared weights (the server shares them).

Representations and conversions per element (:mod:`.blocks`; OT flavour: silent OT when Cheetah
is on either side, else IKNP):

* ``crypten`` (Z_2^64), ``cryptflow2``/``cheetah`` (Z_2^l, l = 37), ``delphi`` (field, ~41 bits),
  ``shamir``/``ssnet`` (Shamir, 128-bit field), ``rep3`` (3-party replicated Z_2^64);
* CrypTen (3 parties) -> rep3: each party sends its additive share to one neighbour (3 words);
  rep3 -> CrypTen: local (drop one of the two shares);
* Z_2^64 -> Z_2^l: local reduction (0); Z_2^l -> Z_2^64: the wrap bit of the two shares (a
  millionaire on ``l`` bits) and its B2A into 64 bits (SCI ``XTProtocol`` zero extension);
  Z_2^l <-> Z_2^l: none; ring <-> field: a wrap (millionaire on the source width) and a B2A into
  the destination width; shamir <-> ssnet: none; additive <-> Shamir: not priced (forbidden);
* ``cryptgpu`` holds CrypTen's representation between operations (3-out-of-3 additive Z_2^64,
  replicated inside each operation): cryptgpu <-> crypten is local, cryptgpu -> rep3 as CrypTen's.

Device rule (``device``): the 3-party replicated-sharing candidates (``rep3``, ``cryptgpu``) run
their local compute on ``device`` (a GPU profile of :mod:`.gpu`, as CryptGPU and Piranha do);
every other candidate (the 2PC HE/OT protocols, CrypTen, Shamir/SSNet) is priced on the CPU, since
those protocols' implementations run on CPUs.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass

import numpy as np

from . import blocks
from .compiled import PROTOCOLS, layer_costs
from .presets import constant
from .protocols import Cost

__all__ = ["Selection", "conversion", "enumerate_selection", "select"]

_WIDTH = {"crypten": 64, "delphi": 41}
_FAMILY = {"crypten": "ring", "cryptflow2": "ring", "cheetah": "ring", "delphi": "field",
           "shamir": "shamir", "ssnet": "shamir", "rep3": "replicated",
           "iron": "ring", "bolt": "ring", "bumblebee": "ring", "cryptgpu": "replicated"}
#: CryptGPU keeps 3-out-of-3 additive Z_2^64 shares between operations (it replicates on demand,
#: inside each operation: cryptgpu.py), CrypTen's 3-party representation: conversions as CrypTen's
_SAME_AS = {"cryptgpu": "crypten"}
_SILENT = ("cheetah", "bumblebee")  #: profiles on silent OT (conversions use Ferret next to them)


def _width(p: str, bits: int) -> int:
    if p in ("cryptflow2", "cheetah", "iron", "bolt", "bumblebee"):
        return int(bits or constant(p, "bits"))
    return _WIDTH.get(p, 128)


def conversion(a: str, b: str, elements: float, bits: int = 0) -> Cost | None:
    """Cost of moving ``elements`` shared values from protocol ``a``'s representation to ``b``'s
    (None: no priced conversion)."""
    a, b = _SAME_AS.get(a, a), _SAME_AS.get(b, b)
    if a == b or elements == 0:
        return Cost()
    fa, fb = _FAMILY[a], _FAMILY[b]
    if "replicated" in (fa, fb):  # 3-party Z_2^64: additive -> replicated = each party sends its
        if {a, b} != {"rep3", "crypten"}:  # share to one neighbour; replicated -> additive is local
            return None
        return Cost(elements * 3 * 8.0, 0.0, 1, 0.0) if b == "rep3" else Cost()
    if fa == "shamir" or fb == "shamir":
        return Cost() if fa == fb else None
    wa, wb = _width(a, bits), _width(b, bits)
    if fa == fb == "ring" and wb <= wa:
        return Cost()  # reduction mod 2^wb is local
    ot = blocks.flavour("ferret" if a in _SILENT or b in _SILENT else "iknp")
    blk = blocks.millionaire(ot, wa) + blocks.b2a(ot, wb)
    return Cost(elements * blk.bytes, 0.0, blk.rounds, 0.0)


@dataclass(frozen=True)
class Selection:
    """Chosen protocol per layer (``None`` entries when infeasible), the objective value, the
    per-layer cost arrays of the mix (``(4, L)``: bytes, offline bytes, rounds, compute, with
    conversions charged to the consuming layer), and ``reason`` when no mix exists."""

    protocols: tuple[str | None, ...]
    objective: float
    fixed: np.ndarray
    relu: np.ndarray
    poly: np.ndarray
    reason: str = ""
    method: str = "milp"
    wall_s: float = 0.0


def _edges(workload) -> list[tuple[int, int, float]]:
    index = {l.name: i for i, l in enumerate(workload.layers)}
    out = []
    for j, l in enumerate(workload.layers):
        for src in getattr(l, "inputs", ()) or ():
            if src in index:
                i = index[src]
                out.append((i, j, float(math.prod(workload.layers[i].out_shape))))
    return out


def _problem(workload, parties, weights, bandwidth_Bps, rtt_s, objective, candidates, poly_degree, bits,
             batchnorm, device="cpu"):
    """Candidate protocols, their layer costs (P, L) in objective units, the per-protocol cost
    arrays and the edge conversion table, or a reason. ``device`` is the local compute of the
    3-party replicated candidates (``rep3``, ``cryptgpu``); every other candidate is priced on the
    CPU (:func:`~.compiled.layer_costs` applies that rule)."""
    names, tabs, reasons = [], [], []
    for p in candidates:
        # CrypTen's "public" weights are known to every party; next to server-held-weight
        # protocols (2 parties) it must keep the server's weights private: secret-shared weights
        w = "shared" if (p == "crypten" and parties == 2 and weights == "public") else weights
        try:
            lc = layer_costs(workload, p, parties, w, poly_degree=poly_degree, bits=bits, batchnorm=batchnorm,
                             device=device)
        except NotImplementedError as exc:
            reasons.append(f"{p}: {exc}")
            continue
        if lc.reason:
            reasons.append(lc.reason)
            continue
        names.append(p)
        tabs.append(lc)

    def value(c: np.ndarray) -> np.ndarray:  # c: (4, ...) components
        if objective == "bytes":
            return c[0]
        return c[2] * rtt_s + c[0] / bandwidth_Bps + c[3]

    cost = np.array([value(t.fixed + t.relu) for t in tabs]) if tabs else np.zeros((0, 0))
    edges = _edges(workload)
    conv: dict[tuple[int, int, int], tuple[float, Cost]] = {}
    for e, (_i, _j, elems) in enumerate(edges):
        for a, pa in enumerate(names):
            for b, pb in enumerate(names):
                c = conversion(pa, pb, elems, bits)
                if c is not None and a != b:
                    conv[e, a, b] = (float(value(np.array(c.as_tuple()))), c)
    return names, tabs, cost, edges, conv, reasons


def _assemble(names, tabs, edges, conv, choice, objective_value, method, t0) -> Selection:
    L = tabs[0].fixed.shape[1]
    fixed = np.stack([tabs[choice[j]].fixed[:, j] for j in range(L)], axis=1)
    relu = np.stack([tabs[choice[j]].relu[:, j] for j in range(L)], axis=1)
    poly = np.stack([tabs[choice[j]].poly[:, j] for j in range(L)], axis=1)
    for e, (i, j, _n) in enumerate(edges):
        a, b = choice[i], choice[j]
        if a != b:
            fixed[:, j] += np.array(conv[e, a, b][1].as_tuple())
    return Selection(tuple(names[c] for c in choice), float(objective_value), fixed, relu, poly,
                     "", method, time.perf_counter() - t0)


def _infeasible(L: int, why: str, method: str, t0: float) -> Selection:
    z = np.zeros((4, L))
    return Selection((None,) * L, math.inf, z, z, z, why, method, time.perf_counter() - t0)


def select(workload, parties: int = 2, weights: str = "public", *, bandwidth_Bps: float, rtt_s: float,
           objective: str = "latency", candidates: tuple[str, ...] = PROTOCOLS, poly_degree: int = 2,
           bits: int = 0, batchnorm: str = "folded", device: str = "cpu", time_limit_s: float = 30.0) -> Selection:
    """Per-layer protocol choice by MILP (HiGHS). ``objective``: ``latency`` (s) or ``bytes``;
    ``device``: compute profile of the replicated-sharing candidates (``cpu`` or a GPU of
    :mod:`.gpu`); the 2PC and CrypTen/Shamir candidates always run on the CPU."""
    import pyomo.environ as pyo

    from solvers.highs import open_highs, run

    t0 = time.perf_counter()
    L = len(workload.layers)
    names, tabs, cost, edges, conv, reasons = _problem(workload, parties, weights, bandwidth_Bps, rtt_s,
                                                       objective, candidates, poly_degree, bits, batchnorm,
                                                       device)
    if not names:
        return _infeasible(L, "no protocol can run this network: " + "; ".join(reasons), "milp", t0)
    P = len(names)
    scale = max(float(cost.max()), 1e-30)
    m = pyo.ConcreteModel()
    m.x = pyo.Var(range(L), range(P), domain=pyo.Binary)
    m.one = pyo.Constraint(range(L), rule=lambda m, j: sum(m.x[j, p] for p in range(P)) == 1)
    # edge flows: y[e, a, b] for every allowed pair (same protocol, or a priced conversion); its
    # marginals are the two layers' choices, so with binary x exactly one pair carries 1 and a pair
    # without a priced conversion (no y) cannot be chosen
    keys = [(e, a, b) for e in range(len(edges)) for a in range(P) for b in range(P) if a == b or (e, a, b) in conv]
    m.y = pyo.Var(range(len(keys)), domain=pyo.NonNegativeReals, bounds=(0, 1))
    out: dict[tuple[int, int], list[int]] = {}
    into: dict[tuple[int, int], list[int]] = {}
    for k, (e, a, b) in enumerate(keys):
        out.setdefault((e, a), []).append(k)
        into.setdefault((e, b), []).append(k)
    ea = [(e, a) for e in range(len(edges)) for a in range(P)]
    m.src = pyo.Constraint(range(len(ea)), rule=lambda m, k: sum(m.y[q] for q in out.get(ea[k], ()))
                           == m.x[edges[ea[k][0]][0], ea[k][1]])
    m.dst = pyo.Constraint(range(len(ea)), rule=lambda m, k: sum(m.y[q] for q in into.get(ea[k], ()))
                           == m.x[edges[ea[k][0]][1], ea[k][1]])
    priced = [k for k, key in enumerate(keys) if key[1] != key[2] and conv[key][0] != 0.0]
    m.obj = pyo.Objective(expr=sum(m.x[j, p] * (cost[p, j] / scale) for j in range(L) for p in range(P))
                          + sum(m.y[k] * (conv[keys[k]][0] / scale) for k in priced))
    opt = open_highs(time_limit_s=time_limit_s, mip_gap=1e-9)
    # HiGHS's presolve spent ~3 s of a 3.5 s 3-party ResNet-50 solve (tiny scaled conversion costs)
    # for no reduction worth it: the transportation relaxation already solves at the root node
    opt.highs_options = {"presolve": "off"}
    res = run(opt, m)
    if not res.loaded:
        return _infeasible(L, f"no feasible protocol mix (HiGHS: {res.status})", "milp", t0)
    choice = _canonical(cost, edges, conv, [max(range(P), key=lambda p: pyo.value(m.x[j, p])) for j in range(L)])
    obj = _objective(cost, edges, conv, choice)
    return _assemble(names, tabs, edges, conv, choice, obj, "milp", t0)


def _canonical(cost, edges, conv, choice) -> list[int]:
    """Among equal-cost answers, prefer the earlier candidate per layer: move a layer to an earlier
    protocol while that changes the objective by no more than 1e-12 of the largest layer cost
    (its own cost and its edges' conversions), until no move applies. Makes the per-layer labels
    independent of the solver's path through ties (the totals are unchanged)."""
    choice = list(choice)
    tol = 1e-12 * max(float(np.abs(cost).max()), 1e-300)
    touching: list[list[int]] = [[] for _ in choice]
    for e, (i, j, _n) in enumerate(edges):
        touching[i].append(e)
        touching[j].append(e)

    def local(j: int, p: int) -> float:
        total = float(cost[p, j])
        for e in touching[j]:
            i, k, _n = edges[e]
            a, b = (p, choice[k]) if i == j else (choice[i], p)
            if a != b:
                if (e, a, b) not in conv:
                    return math.inf
                total += conv[e, a, b][0]
        return total

    changed = True
    while changed:
        changed = False
        for j in range(len(choice)):
            here = local(j, choice[j])
            for q in range(choice[j]):
                if local(j, q) <= here + tol:
                    choice[j] = q
                    changed = True
                    break
    return choice


def _objective(cost, edges, conv, choice) -> float:
    total = float(sum(cost[choice[j], j] for j in range(len(choice))))
    for e, (i, j, _n) in enumerate(edges):
        a, b = choice[i], choice[j]
        if a != b:
            if (e, a, b) not in conv:
                return math.inf
            total += conv[e, a, b][0]
    return total


def enumerate_selection(workload, parties: int = 2, weights: str = "public", *, bandwidth_Bps: float,
                        rtt_s: float, objective: str = "latency", candidates: tuple[str, ...] = PROTOCOLS,
                        poly_degree: int = 2, bits: int = 0, batchnorm: str = "folded",
                        device: str = "cpu") -> Selection:
    """The same problem by brute force over all ``P^L`` assignments (small networks only)."""
    t0 = time.perf_counter()
    L = len(workload.layers)
    names, tabs, cost, edges, conv, reasons = _problem(workload, parties, weights, bandwidth_Bps, rtt_s,
                                                       objective, candidates, poly_degree, bits, batchnorm,
                                                       device)
    if not names:
        return _infeasible(L, "no protocol can run this network: " + "; ".join(reasons), "enumerate", t0)
    if len(names) ** L > 2_000_000:
        raise ValueError(f"enumeration of {len(names)}^{L} assignments is too large")
    best, best_choice = math.inf, None
    for choice in itertools.product(range(len(names)), repeat=L):
        v = _objective(cost, edges, conv, choice)
        if v < best:
            best, best_choice = v, choice
    if best_choice is None:
        return _infeasible(L, "no feasible protocol mix", "enumerate", t0)
    choice = _canonical(cost, edges, conv, best_choice)
    return _assemble(names, tabs, edges, conv, choice, _objective(cost, edges, conv, choice), "enumerate", t0)
