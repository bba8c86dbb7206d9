"""The toy model of ``tests/dse/toy_model.py`` with an exact algebraic (MILP) form, for PyomoSolver tests.

latency = M * f_mode / (pes * clock) is a product, but its logarithm is linear in one-hot choices:
``log latency = log M + log(2) * slow - sum_p log(p) z_p - log(clock)``. With ``clock`` continuous
(``Float`` knob) or one-hot (a restricted value list) this is a MILP whose optimum equals the
exhaustive optimum. Feasibility rules of the toy: ``pes >= 2`` and ``lanes <= pes``.
"""

from __future__ import annotations

import math

from dse import Float
from tests.dse.toy_model import ToyModel


class AlgebraicToy(ToyModel):
    name = "toy-algebraic"
    capabilities = frozenset({"batch", "algebraic"})

    def build_pyomo(self, workload, space, objective, bounds):
        import pyomo.environ as pe

        if objective.metric != "latency_s":
            raise ValueError("AlgebraicToy optimises latency_s only")
        macs = float(sum(l.macs for l in workload.layers))
        m = pe.ConcreteModel()
        pes = [int(p) for p in space["pes"].grid() if p >= 2]           # feasibility: pes >= 2
        m.z = pe.Var(pes, within=pe.Binary)
        m.one_pes = pe.Constraint(expr=sum(m.z[p] for p in pes) == 1)
        modes = [int(c) for c in space["mode"].grid()]  # codes index the full choices
        m.w = pe.Var(modes, within=pe.Binary)
        m.one_mode = pe.Constraint(expr=sum(m.w[c] for c in modes) == 1)
        factor = {c: (2.0 if space["mode"].decode(c) == "slow" else 1.0) for c in modes}
        lanes = space["lanes"].grid()
        m.lanes = pe.Var(within=pe.Integers, bounds=(int(lanes.min()), int(lanes.max())))
        m.lanes_le_pes = pe.Constraint(expr=m.lanes <= sum(p * m.z[p] for p in pes))
        clock = space["clock"]
        if isinstance(clock, Float):
            m.log_clock = pe.Var(bounds=(math.log(clock.low), math.log(clock.high)))
            log_clock = m.log_clock
            clock_value = pe.Expression(expr=pe.exp(m.log_clock))
        else:
            values = [float(c) for c in clock.grid()]
            m.k = pe.Var(range(len(values)), within=pe.Binary)
            m.one_clock = pe.Constraint(expr=sum(m.k[i] for i in range(len(values))) == 1)
            log_clock = sum(math.log(c) * m.k[i] for i, c in enumerate(values))
            clock_value = pe.Expression(expr=sum(c * m.k[i] for i, c in enumerate(values)))
        m.clock_value = clock_value
        log_lat = (math.log(macs) + sum(math.log(factor[c]) * m.w[c] for c in modes)
                   - sum(math.log(p) * m.z[p] for p in pes) - log_clock)
        m.log_latency = pe.Expression(expr=log_lat)
        m.bounds = pe.ConstraintList()
        for b in bounds:
            if b.metric != "latency_s":
                raise ValueError("AlgebraicToy bounds latency_s only")
            if b.high is not None:
                m.bounds.add(m.log_latency <= math.log(b.high))
            if b.low is not None:
                m.bounds.add(m.log_latency >= math.log(b.low))
        m.obj = pe.Objective(expr=m.log_latency, sense=pe.minimize if objective.direction == "min" else pe.maximize)
        m.dse_knobs = {"pes": sum(p * m.z[p] for p in pes), "clock": m.clock_value,
                       "mode": sum(c * m.w[c] for c in modes), "lanes": m.lanes}
        m.dse_objective_transform = math.exp
        return m
