"""Compile a workload into per-layer cost arrays for every (protocol, parties, weights).

For each layer the cost splits into three parts, each a 4-vector (online bytes, offline bytes,
rounds, compute seconds): ``fixed`` (everything but the ReLU sites), ``relu`` (the site's ReLUs,
all kept) and ``poly`` (the same elements replaced by the polynomial). A fraction ``keep`` of a
site's elements as ReLU costs ``fixed + keep * relu + (1 - keep) * poly`` in bytes and compute;
the ReLU and polynomial batches run side by side, so the site's rounds are
``max(relu rounds if keep > 0, poly rounds if keep < 1)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dse.errors import UnknownNameError

from .cryptgpu import CryptGPU
from .lowering import fused_truncation, lower_workload
from .protocols import Cost, CrypTen, Protocol, Rep3, Shamir, SSNet
from .protocols_2pc import Cheetah, CrypTFlow2, Delphi
from .transformer_2pc import Bolt, BumbleBee, Iron

__all__ = [
    "COMPONENTS",
    "MAX_PARTIES",
    "PROTOCOLS",
    "WEIGHTS",
    "LayerCosts",
    "cost_tensor",
    "layer_costs",
    "make_protocol",
]

PROTOCOLS = ("crypten", "cryptflow2", "delphi", "cheetah", "shamir", "ssnet", "rep3", "iron", "bolt", "bumblebee",
             "cryptgpu")
MAX_PARTIES = 8
WEIGHTS = ("shared", "public")
COMPONENTS = ("online_bytes", "offline_bytes", "rounds", "compute_s")
_CLASSES = {"crypten": CrypTen, "cryptflow2": CrypTFlow2, "delphi": Delphi, "cheetah": Cheetah,
            "shamir": Shamir, "ssnet": SSNet, "rep3": Rep3, "iron": Iron, "bolt": Bolt, "bumblebee": BumbleBee,
            "cryptgpu": CryptGPU}
_BITS = ("cryptflow2", "delphi", "cheetah", "iron", "bolt", "bumblebee")  #: profiles with a ring width


def make_protocol(name: str, bits: int = 0, device: str = "cpu") -> Protocol:
    """A protocol profile by name (``bits`` overrides the bit width of OT/GC profiles; ``device``
    the local compute profile of ``rep3``, :mod:`costmodels.mpc.gpu`)."""
    if name not in _CLASSES:
        raise UnknownNameError("protocol", name, PROTOCOLS)
    cls = _CLASSES[name]
    if name in ("rep3", "cryptgpu"):
        return cls(device)
    return cls(bits) if name in _BITS else cls()


@dataclass(frozen=True)
class LayerCosts:
    """Arrays of shape ``(4, L)`` (components x layers) for one protocol configuration."""

    fixed: np.ndarray
    relu: np.ndarray
    poly: np.ndarray
    site_elems: np.ndarray  # (L,) ReLUs per layer (0 for non-site layers)
    reason: str             # empty when the configuration is supported


def _layer_costs(workload, protocol: str, parties: int, weights: str, poly_degree: int,
                 bits: int, batchnorm: str = "folded", device: str = "cpu") -> LayerCosts:
    proto = make_protocol(protocol, bits, device)
    ops = lower_workload(workload, batchnorm)
    L = len(ops)
    fixed, relu, poly = (np.zeros((4, L)) for _ in range(3))
    sites = np.zeros(L)
    reason = proto.feasible(parties, weights)
    if not reason:
        shared = weights == "shared"
        deferred, fused = (fused_truncation(workload, batchnorm) if proto.fuses_truncation
                           else ([False] * L, [False] * L))
        for j, layer_ops in enumerate(ops):
            f = r = p = Cost()
            if fused[j] and not layer_ops:  # an identity site: the deferred scale-down alone
                f = proto.trunc(float(workload.layers[j].activations))  # type: ignore[attr-defined]
            for op in layer_ops:
                if op.site:
                    k = op.args[0]
                    sites[j] += k
                    r = r + proto.op_cost(op, parties, shared)
                    p = p + proto.replacement(k, poly_degree, parties, shared)
                    if fused[j]:  # the producer's deferred scale-down: fused, or stand-alone
                        r = r + proto.relu_trunc(k)  # type: ignore[attr-defined]
                        p = p + proto.trunc(k)  # type: ignore[attr-defined]
                elif op.name == "linear" and proto.fuses_truncation:  # 2PC HE: packing + fusion
                    f = f + proto.linear(*op.args, n=parties, shared=shared,  # type: ignore[call-arg]
                                         truncate=not deferred[j], geom=op.geom)
                else:
                    f = f + proto.op_cost(op, parties, shared)
            fixed[:, j], relu[:, j], poly[:, j] = f.as_tuple(), r.as_tuple(), p.as_tuple()
        for a in (fixed, relu, poly):  # whole bytes per layer and branch (online, offline)
            a[:2] = np.ceil(a[:2])
    else:
        for j, layer_ops in enumerate(ops):
            sites[j] = sum(op.args[0] for op in layer_ops if op.site)
    return LayerCosts(fixed, relu, poly, sites, reason)


def layer_costs(workload, protocol: str = "crypten", parties: int = 2, weights: str = "shared",
                *, poly_degree: int = 2, bits: int = 0, batchnorm: str = "folded",
                device: str = "cpu") -> LayerCosts:
    """Per-layer costs of ``workload`` under one configuration (memoised on the workload);
    ``batchnorm``: ``folded`` or ``separate`` (:data:`~.lowering.BATCHNORM`); ``device``: local
    compute profile of ``rep3`` (``cpu`` or a GPU of :mod:`costmodels.mpc.gpu`)."""
    device = device if protocol in ("rep3", "cryptgpu") else "cpu"
    key = ("mpc.layer_costs", protocol, int(parties), weights, int(poly_degree), int(bits), batchnorm, device)
    return workload.memo(key, lambda: _layer_costs(workload, protocol, int(parties), weights,
                                                   int(poly_degree), int(bits), batchnorm, device))


def cost_tensor(workload, *, poly_degree: int = 2, bits: int = 0, batchnorm: str = "folded", device: str = "cpu"):
    """All configurations at once: ``(table, reasons, sites)`` where ``table`` has shape
    ``(P * (MAX_PARTIES - 1) * 2, 3, 4, L)`` indexed by ``(protocol, parties - 2, weights)``,
    ``reasons`` lists the infeasibility text per configuration ('' when supported)."""

    def build():
        tabs, reasons = [], []
        sites = None
        for proto in PROTOCOLS:
            for n in range(2, MAX_PARTIES + 1):
                for w in WEIGHTS:
                    lc = layer_costs(workload, proto, n, w, poly_degree=poly_degree, bits=bits,
                                     batchnorm=batchnorm, device=device)
                    tabs.append(np.stack([lc.fixed, lc.relu, lc.poly]))
                    reasons.append(lc.reason)
                    sites = lc.site_elems
        return np.stack(tabs), tuple(reasons), sites

    return workload.memo(("mpc.cost_tensor", int(poly_degree), int(bits), batchnorm, device), build)


def config_index(protocol_code, parties, weights_code):
    """Row of :func:`cost_tensor` for (protocol code, parties, weights code); works on arrays."""
    return (protocol_code * (MAX_PARTIES - 1) + (parties - 2)) * len(WEIGHTS) + weights_code
