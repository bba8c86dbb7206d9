"""GradientSolver: projected Adam over relaxed knobs, enumeration of the rest, rows equal whatif."""

from __future__ import annotations

import numpy as np
import pytest

import dse
import workloads
from dse import Categorical, CostModel, DesignSpace, Feasibility, Float, Int
from dse.errors import DseInputError
from solvers import Objective, Problem
from solvers.gradient import GradientSolver
from solvers.sweep import SweepSolver

pytest.importorskip("torch")


class Bowl(CostModel):
    """latency = 1 + (x - 3.3)^2 + 0.5 (n - 6.4)^2 + offset(mode): interior optimum off the grid."""

    name = "bowl"
    version = "1"
    space = DesignSpace((
        Float("x", default=9.0, low=0.0, high=10.0),
        Int("n", default=1, low=1, high=16),
        Categorical("mode", default="a", choices=("a", "b")),
    ))
    capabilities = frozenset({"batch", "grad"})
    grad_knobs = ("x", "n")

    def _evaluate(self, workload, design, xp):
        x, n = design["x"], xp.astype(design["n"], xp.float64)
        lat = 1.0 + (x - 3.3) ** 2 + 0.5 * (n - 6.4) ** 2 + xp.where(design.eq("mode", "b"), 0.25, 0.0)
        return self.make_metrics(totals={"latency_s": lat}, layers={}, layer_names=(), layer_kinds=(),
                                 feasibility=Feasibility(xp, design.n, like=x))


@pytest.fixture(scope="module")
def w():
    return workloads.load("digits-cnn")


def test_registered():
    """The solver is the `gradient` entry of the dse.solvers group."""
    assert dse.solvers.get("gradient") is GradientSolver


def test_interior_optimum_beats_grid(w):
    """On a bowl with its minimum off the grid, the gradient solver finds x=3.3, n=6, mode a: no worse than a fine sweep."""
    prob = Problem(Bowl(), w, (Objective("latency_s"),))
    res = GradientSolver(steps=300, starts=3, seed=1).solve(prob)
    best = res.best.iloc[0]
    assert best["mode"] == "a" and best["n"] == 6 and abs(best["x"] - 3.3) < 1e-3
    sweep = SweepSolver(grid_sizes={"x": 101}, keep="all").solve(prob)
    assert best["latency_s"] <= sweep.best["latency_s"].min() + 1e-9
    assert set(res.table["n"]) <= set(range(1, 17))  # rounded to the Int lattice


@pytest.mark.parametrize("model,spec,relax", [
    ("mpc", {"protocol": ["crypten", "cryptflow2"], "network": ["lan", "wan"]}, ()),
    ("cim", {"adc_bits": [4, 6], "rows": [128]}, ()),
])
def test_matches_sweep_optimum_on_small_spaces(w, model, spec, relax):
    """On small restricted spaces of the mpc and cim models, the gradient optimum equals the sweep optimum (to 1e-6)."""
    m = dse.models.get(model)()
    space = m.space.restrict({**{k.name: [k.default] for k in m.space.knobs if k.name not in m.grad_knobs
                                 and k.name not in spec}, **spec})
    prob = Problem(m, w, (Objective("latency_s"),), space=space)
    g = GradientSolver(steps=150, starts=2).solve(prob)
    s = SweepSolver(keep="all").solve(prob)
    g_best, s_best = g.best["latency_s"].min(), s.best["latency_s"].min()
    assert g_best <= s_best * (1 + 1e-6)


def test_rows_equal_whatif(monkeypatch):
    """dse.testing.check_search_matches_whatif passes with the gradient solver as the search (mpc model)."""
    import dse.testing as T

    def rows(model, workload, space, seed):
        prob = Problem(model, workload, (Objective("latency_s"),), space=space, seed=seed)
        return {"gradient": GradientSolver(steps=20, starts=2, seed=seed).solve(prob).table}

    monkeypatch.setattr(T, "_search_rows", rows)
    T.check_search_matches_whatif(dse.models.get("mpc")(), workloads.load("digits-cnn"), seed=0, draws=2)


def test_bad_inputs(w):
    """Two objectives, a model without grad, or an unknown option are rejected with DSE errors."""
    with pytest.raises(DseInputError):
        GradientSolver().solve(Problem(Bowl(), w, (Objective("latency_s"), Objective("latency_s", "max"))))
    with pytest.raises(DseInputError):
        GradientSolver().solve(Problem(dse.models.get("asic-systolic")(), w, (Objective("latency_s"),)))
    with pytest.raises(dse.errors.UnknownNameError):
        GradientSolver(step=3)
    assert np.isfinite(GradientSolver(steps=0).solve(Problem(Bowl(), w, (Objective("latency_s"),))).best["latency_s"]).all()


def test_interior_optimum_under_a_bound_on_cim(w):
    """cim, min energy s.t. latency <= 100 us: the optimum ADC rate is interior; the gradient solver matches or beats a 101-point sweep."""
    m = dse.models.get("cim")()
    spec = {k.name: [k.default] for k in m.space.knobs if k.name not in ("adc_rate", "adc_bits", "rows")}
    spec.update(adc_bits=[4, 6], rows=[64, 128])
    from solvers import Bound

    prob = Problem(m, w, (Objective("energy_j"),), space=m.space.restrict(spec), bounds=(Bound("latency_s", high=1e-4),))
    g = GradientSolver(steps=400, starts=3).solve(prob).best
    s = SweepSolver(keep="all", grid_sizes={"adc_rate": 101}).solve(prob).best
    lo, hi = m.space["adc_rate"].low, m.space["adc_rate"].high
    assert lo < g["adc_rate"].iloc[0] < hi and g["latency_s"].iloc[0] <= 1e-4
    assert g["energy_j"].iloc[0] <= s["energy_j"].iloc[0]


def test_enumeration_guard_before_materialising(w):
    """A space whose enumerated grid exceeds max_combinations fails fast with DseInputError (the full cim space: ~1.9e11)."""
    with pytest.raises(DseInputError, match="max_combinations"):
        GradientSolver().solve(Problem(dse.models.get("cim")(), w, (Objective("energy_j"),)))
