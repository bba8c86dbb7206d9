"""A toy roofline cost model: the smallest complete plug-in (a template, not a validated model).

Per layer ``l`` of a network workload, with ``M_l`` multiply-accumulates and ``B_l`` bytes moved
from DRAM (its weights plus its output activations, ``bytes_per_value`` bytes each):

* compute time ``M_l / (pes * clock)`` (one MAC per processing element per cycle);
* memory time ``B_l / bandwidth``;
* latency ``max(compute, memory)``: the roofline bound (attainable rate = min(peak compute,
  operational intensity x bandwidth)) [Roofline09];
* energy ``M_l * e_mac + B_l * e_dram_byte``.

The energy constants are illustrative 45 nm orders of magnitude from the energy table of
[Horowitz14] (8-bit multiply 0.2 pJ plus a 32-bit add 0.1 pJ; a 64-bit DRAM access 1.3-2.6 nJ,
so about 0.2-0.3 nJ per byte); nothing here is calibrated or validated against a chip. A design whose
largest layer's weights exceed the on-chip buffer is infeasible (masked with a reason, not raised).

Units: seconds, joules, bytes, hertz, bytes per second (SI).

References: [Roofline09] S. Williams, A. Waterman, D. Patterson, "Roofline: an insightful visual
performance model for multicore architectures", Commun. ACM 52(4), 2009.
[Horowitz14] M. Horowitz, "Computing's energy problem (and what we can do about it)", ISSCC 2014.
"""

from __future__ import annotations

from typing import Any

from dse import CostModel, DesignSpace, Feasibility, Float, Metrics, Param, Pow2
from dse.space import Design
from dse.xp import constant

__all__ = ["RooflineModel"]


class RooflineModel(CostModel):
    """Roofline latency and MAC + DRAM energy of a network on ``pes`` MAC units (a toy template)."""

    name = "toy-roofline"
    version = "1"
    space = DesignSpace((
        Pow2("pes", default=256, low=16, high=4096, doc="MAC units (one MAC per cycle each)"),
        Float("clock", default=5e8, low=1e8, high=2e9, unit="Hz", log=True, doc="clock frequency"),
        Float("bandwidth", default=1e10, low=1e9, high=1e11, unit="B/s", log=True, doc="DRAM bandwidth"),
        Pow2("buffer_bytes", default=65536, low=4096, high=1 << 20, unit="B", doc="on-chip weight buffer"),
    ))
    params = (
        Param("bytes_per_value", 1.0, "bytes per weight or activation (> 0)", unit="B", gt=0),
        Param("e_mac", 0.3e-12, "energy per MAC in J (> 0)", unit="J", gt=0),
        Param("e_dram_byte", 0.25e-9, "DRAM energy per byte in J (> 0)", unit="J", gt=0),
    )
    capabilities = frozenset({"batch", "grad"})
    metric_units = {"compute_bound_layers": "1"}
    grad_knobs = ("clock", "bandwidth")
    example_workloads = ("resnet20-cifar",)
    example_params = ({}, {"bytes_per_value": 2.0})

    def _evaluate(self, workload: Any, design: Design, xp: Any) -> Metrics:
        macs, moved, weights = workload.memo("toy-roofline.layers", lambda: (
            [float(l.macs) for l in workload.layers],
            [float(l.params + l.activations) for l in workload.layers],
            [float(l.params) for l in workload.layers]))
        bpv = self.param("bytes_per_value")
        like = design["clock"]
        m = constant(xp, macs, like=like)[None, :]
        b = constant(xp, moved, like=like)[None, :] * bpv
        rate = xp.astype(design["pes"], xp.float64)[:, None] * design["clock"][:, None]
        compute = m / rate
        memory = b / design["bandwidth"][:, None]
        latency = xp.maximum(compute, memory)
        energy = m * self.param("e_mac") + b * self.param("e_dram_byte") + 0 * latency
        f = Feasibility(xp, design.n, like=like)
        f.require(xp.astype(design["buffer_bytes"], xp.float64) >= max(weights, default=0.0) * bpv,
                  "a layer's weights exceed the on-chip buffer (buffer_bytes)")
        return self.make_metrics(
            totals={"latency_s": xp.sum(latency, axis=1), "energy_j": xp.sum(energy, axis=1),
                    "dram_bytes": xp.sum(b + 0 * latency, axis=1),
                    "compute_bound_layers": xp.sum(xp.astype(compute >= memory, xp.float64), axis=1)},
            layers={"latency_s": latency, "energy_j": energy},
            layer_names=tuple(l.name for l in workload.layers),
            layer_kinds=tuple(l.kind for l in workload.layers),
            feasibility=f,
        )
