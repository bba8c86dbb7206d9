"""The MPC private-inference cost model (``dse whatif mpc ...``).

Per layer ``l`` and design point: bytes ``B_l``, offline bytes, rounds ``r_l`` and local compute
``C_l`` come from the protocol profile (:mod:`costmodels.mpc.compiled`), with a fraction
``relu_keep`` of every ReLU site kept and the rest replaced by a degree-``poly_degree``
polynomial; latency ``T_l = r_l * RTT + B_l / BW + C_l`` (LAN/WAN presets [Cheetah22, code scripts/throttle.sh]) with all traffic
sharing one link of bandwidth ``BW`` (``tc`` on loopback, as in OpenCheetah's presets).

Differentiable in ``relu_keep`` (bytes and compute are linear in it; rounds are piecewise
constant). For per-site keep fractions use :func:`costmodels.mpc.tables.latency_table`.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from dse import Categorical, CostModel, DesignSpace, Feasibility, Float, Int, Param
from dse.xp import constant

from .compiled import MAX_PARTIES, PROTOCOLS, WEIGHTS, config_index, cost_tensor
from .compression import ring_bits
from .gpu import DEVICES
from .lowering import BATCHNORM
from .presets import network
from .protocol_select import select

__all__ = ["AUTO", "NETWORK_CHOICES", "MpcModel"]

AUTO = "auto"  #: per-layer protocol selection (:mod:`costmodels.mpc.protocol_select`)

NETWORK_CHOICES = ("lan", "wan", "custom")


class MpcModel(CostModel):
    """MPC private inference: protocol profiles x parties x weight placement x network."""

    name = "mpc"
    version = "8"
    space = DesignSpace((
        Categorical("protocol", default="crypten", choices=(*PROTOCOLS, AUTO),
                    doc="crypten (n-party additive, CrypTen 0.4.1 counters), cryptflow2, delphi, "
                        "cheetah, iron, bolt, bumblebee (2-party, server holds weights), shamir / ssnet "
                        "(n >= 3), rep3 (3 parties), auto (per-layer choice by MILP, minimising latency)"),
        Int("parties", default=2, low=2, high=MAX_PARTIES, doc="number of computing parties"),
        Categorical("weights", default="shared", choices=WEIGHTS,
                    doc="shared: model weights secret-shared; public: known to the computing party"),
        Categorical("network", default="lan", choices=NETWORK_CHOICES,
                    doc="lan (3 Gbit/s, 0.3 ms), wan (400 Mbit/s, 40 ms), custom (params)"),
        Float("relu_keep", default=1.0, low=0.0, high=1.0,
              doc="fraction of every ReLU site kept as ReLU (rest -> polynomial)"),
    ))
    params = (
        Param("bandwidth", 1e9 / 8, "link bandwidth for network=custom, e.g. 1Gbps (stored in B/s)",
              unit="B/s", gt=0),
        Param("rtt", 1e-3, "round-trip time for network=custom, e.g. 5ms", unit="s", ge=0),
        Param("poly_degree", 2, "degree of the polynomial replacing dropped ReLUs (1..8)",
              integer=True, ge=1, le=8),
        Param("bits", 0, "ring bit width l of the 2-party HE/OT profiles (0 = profile default; "
              "shares live in 64-bit words)", integer=True, ge=8, le=64, special=(0,)),
        Param("batchnorm", "folded", "folded into the previous layer, or separate: an elementwise product "
              "with the model's scale vector plus its truncation, as SCI runs Athos-compiled models",
              choices=BATCHNORM),
        Param("device", "cpu", "local compute of rep3: cpu (CrypTen's measured CPU times as a proxy) or a GPU "
              "(CryptGPU-style fp64 block products at the datasheet FP64 rate and HBM bandwidth, gpu.py); "
              "other protocols ignore it", choices=DEVICES),
    )
    capabilities = frozenset({"batch", "grad"})
    metric_units: ClassVar[dict[str, str]] = {"latency_s": "s", "rounds": "1", "relus_kept": "1",
                                              "protocol_index": "1"}  # index into PROTOCOLS (per layer)
    param_units = {"bandwidth": "B/s", "rtt": "s", "bits": "bit"}
    grad_knobs = ("relu_keep",)
    grad_metric = "latency_s"
    example_workloads = ("resnet20-cifar",)
    example_params = ({}, {"bits": 32}, {"batchnorm": "separate"})

    # -- helpers -------------------------------------------------------------------------------
    def _ring_bits(self, workload) -> int:
        """The ``bits`` parameter, or (when 0) the ring a quantised workload needs (compression.py)."""
        return int(self.param("bits")) or ring_bits(workload)

    def network_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """Bytes per second and RTT for each ``network`` choice (custom from params)."""
        bw, rtt = [], []
        for name in NETWORK_CHOICES:
            if name == "custom":
                bw.append(float(self.param("bandwidth")))
                rtt.append(float(self.param("rtt")))
            else:
                net = network(name)
                bw.append(net.bytes_per_s)
                rtt.append(net.rtt_s)
        return np.asarray(bw), np.asarray(rtt)

    def effective_design(self, workload, point):
        """``bandwidth``/``rtt`` are the network preset's unless ``network=custom``."""
        out = super().effective_design(workload, point)
        if out.get("network", "custom") != "custom":
            net = network(out["network"])
            out["bandwidth"], out["rtt"] = net.bytes_per_s, net.rtt_s
        return out

    def _auto(self, workload, design, L: int):
        """Per-row arrays for ``protocol=auto`` rows: (3, 4, L) cost parts, (L,) protocol index,
        reason; one MILP per distinct (parties, weights, network) among those rows."""
        proto = np.asarray(design["protocol"]).astype(int)
        rows = np.flatnonzero(proto == len(PROTOCOLS))
        parts = np.zeros((design.n, 3, 4, L))
        pidx = np.tile(np.asarray([-1.0]), (design.n, L))
        why = [""] * design.n
        if not len(rows):
            return parts, pidx, why
        bw, rtt = self.network_arrays()
        parties = np.asarray(design["parties"]).astype(int)
        weights = np.asarray(design["weights"]).astype(int)
        net = np.asarray(design["network"]).astype(int)
        for key in sorted({(int(parties[r]), int(weights[r]), int(net[r])) for r in rows}):
            n, w, k = key
            sol = workload.memo(("mpc.auto", n, w, float(bw[k]), float(rtt[k]), self.param("poly_degree"),
                                 self._ring_bits(workload), self.param("batchnorm"), self.param("device")),
                                lambda n=n, w=w, k=k: select(workload, n, WEIGHTS[w], bandwidth_Bps=float(bw[k]),
                                                             rtt_s=float(rtt[k]), poly_degree=self.param("poly_degree"),
                                                             bits=self._ring_bits(workload),
                                                             batchnorm=self.param("batchnorm"),
                                                             device=self.param("device")))
            mine = [r for r in rows if (int(parties[r]), int(weights[r]), int(net[r])) == key]
            parts[mine] = np.stack([sol.fixed, sol.relu, sol.poly])
            pidx[mine] = [PROTOCOLS.index(p) if p else -1 for p in sol.protocols]
            for r in mine:
                why[r] = sol.reason
        return parts, pidx, why

    def _evaluate(self, workload, design, xp):
        table, reasons, sites = cost_tensor(workload, poly_degree=self.param("poly_degree"),
                                            bits=self._ring_bits(workload), batchnorm=self.param("batchnorm"),
                                            device=self.param("device"))
        like = design["relu_keep"]
        n_cfg, _, _, L = table.shape
        is_auto = design["protocol"] == len(PROTOCOLS)
        code = xp.where(is_auto, xp.zeros_like(design["protocol"]), design["protocol"])
        idx = config_index(code, design["parties"], design["weights"])
        idx = xp.astype(idx, xp.int64)
        t = constant(xp, table.reshape(n_cfg, 12 * L), like=like)
        sel = xp.reshape(xp.take(t, idx, axis=0), (-1, 3, 4, L))
        auto_parts, auto_idx, auto_why = self._auto(workload, design, L)
        if any(np.asarray(is_auto)):
            sel = xp.where(is_auto[:, None, None, None], constant(xp, auto_parts, like=like), sel)
        keep = xp.clip(like, 0.0, 1.0)[:, None] if hasattr(xp, "clip") else like[:, None]
        fixed, relu, poly = sel[:, 0], sel[:, 1], sel[:, 2]

        def mix(c):  # bytes / compute: linear in keep
            return fixed[:, c] + keep * relu[:, c] + (1.0 - keep) * poly[:, c]

        online, offline, compute = mix(0), mix(1), mix(3)
        zero = xp.zeros_like(relu[:, 2])
        rounds = fixed[:, 2] + xp.maximum(xp.where(keep > 0.0, relu[:, 2], zero),
                                          xp.where(keep < 1.0, poly[:, 2], zero))
        bw_np, rtt_np = self.network_arrays()
        net = xp.astype(design["network"], xp.int64)
        bw = xp.take(constant(xp, bw_np, like=like), net, axis=0)[:, None]
        rtt = xp.take(constant(xp, rtt_np, like=like), net, axis=0)[:, None]
        latency = rounds * rtt + online / bw + compute
        offline_latency = offline / bw
        site = constant(xp, sites, like=like)[None, :]

        f = Feasibility(xp, design.n, like=design["parties"])
        codes = np.asarray([reasons.index(r) for r in reasons])
        code_of = xp.take(constant(xp, codes, like=like, dtype=xp.int64), idx, axis=0)
        for c, text in enumerate(reasons):
            if text and reasons.index(text) == c:
                f.require(xp.logical_or(code_of != c, is_auto), text)
        for text in sorted({w for w in auto_why if w}):
            f.require(constant(xp, np.asarray([w != text for w in auto_why]), like=design["parties"], dtype=bool), text)
        fixed_idx = xp.astype(design["protocol"], xp.float64) if hasattr(xp, "float64") else design["protocol"]
        pidx = xp.where(is_auto[:, None], constant(xp, auto_idx, like=like),
                        fixed_idx[:, None] + xp.zeros_like(sel[:, 0, 0]))
        # a (protocol, parties, weights) combination the protocol does not define, or an auto row with
        # no protocol that fits, has no costs: NaN, not zeros (relus_kept is the network's, so it stays)
        auto_ok = constant(xp, np.asarray([not w for w in auto_why]), like=design["parties"], dtype=bool)
        exists = xp.where(is_auto, auto_ok, code_of == 0)[:, None]
        nan = constant(xp, np.asarray(np.nan), like=like)

        def cost(a):
            return xp.where(exists, a, nan)

        online, offline, rounds = cost(online), cost(offline), cost(rounds)
        latency, compute, offline_latency = cost(latency), cost(compute), cost(offline_latency)
        return self.make_metrics(
            totals={"comm_bytes": xp.sum(online, axis=1), "offline_comm_bytes": xp.sum(offline, axis=1),
                    "rounds": xp.sum(rounds, axis=1), "latency_s": xp.sum(latency, axis=1),
                    "compute_s": xp.sum(compute, axis=1), "offline_latency_s": xp.sum(offline_latency, axis=1),
                    "relus_kept": xp.sum(keep * site, axis=1)},
            layers={"comm_bytes": online, "offline_comm_bytes": offline, "rounds": rounds,
                    "latency_s": latency, "protocol_index": pidx},
            layer_names=tuple(l.name for l in workload.layers),
            layer_kinds=tuple(l.kind for l in workload.layers),
            feasibility=f,
        )
