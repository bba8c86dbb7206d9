"""A deliberately small cost model used to test the engine itself (not a product model)."""

from __future__ import annotations

from dse import Categorical, Constraint, CostModel, DesignSpace, Feasibility, Float, Int, Param, Pow2
from dse.xp import constant


class ToyModel(CostModel):
    """latency = sum over layers of MACs / (pes * clock) * mode factor; energy = MACs * e_mac."""

    name = "toy"
    version = "1"
    space = DesignSpace(
        (
            Pow2("pes", default=64, low=1, high=1024),
            Float("clock", default=2e8, low=1e7, high=1e9, unit="Hz", log=True),
            Categorical("mode", default="fast", choices=("fast", "slow")),
            Int("lanes", default=1, low=1, high=8),
        ),
        constraints=(Constraint("lanes_le_pes", lambda d, xp: d["lanes"] <= d["pes"], "lanes must not exceed pes"),),
    )
    params = (Param("e_mac", 1e-12, "energy per MAC in J", parse=float),)
    capabilities = frozenset({"batch", "grad"})
    metric_units = {"macs": "1"}
    grad_knobs = ("clock",)
    example_workloads = ("resnet20-cifar",)

    def _evaluate(self, workload, design, xp):
        macs = workload.memo("toy.macs", lambda: [l.macs for l in workload.layers])
        m = constant(xp, macs, like=design["clock"])[None, :]
        pes = xp.astype(design["pes"], xp.float64)[:, None]
        factor = xp.where(design.eq("mode", "slow"), 2.0, 1.0)[:, None]
        lat = m / (pes * design["clock"][:, None]) * factor
        f = Feasibility(xp, design.n, like=design["pes"])
        f.require(design["pes"] >= 2, "pes must be >= 2")
        return self.make_metrics(
            totals={"latency_s": xp.sum(lat, axis=1), "energy_j": xp.sum(m, axis=1) * self.param("e_mac") + 0 * lat[:, 0],
                    "macs": xp.sum(m, axis=1) + 0 * lat[:, 0]},
            layers={"latency_s": lat},
            layer_names=tuple(l.name for l in workload.layers),
            layer_kinds=tuple(l.kind for l in workload.layers),
            feasibility=f,
        )
