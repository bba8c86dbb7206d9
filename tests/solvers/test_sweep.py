"""SweepSolver: exhaustive grid, chunked Pareto filter, top-k, bounds, outputs, determinism guard."""

from __future__ import annotations

import numpy as np
import pytest

import dse
from dse.errors import DseError, DseInputError, UnknownNameError
from dse.pareto import non_dominated
from solvers.sweep import SweepSolver, grid_points
from tests.dse.toy_model import ToyModel

TWO = (("latency_s", "min"), ("energy_j", "min"))


def test_registry_entry_point():
    assert dse.solvers.get("sweep") is SweepSolver


def test_keep_all_covers_grid_and_marks_the_front(make_problem):
    p = make_problem(TWO, space={"clock": {"low": 1e8, "high": 4e8}})
    r = SweepSolver(grid_sizes={"clock": 5}).solve(p)
    size = p.space.size({"clock": 5})
    assert r.n_evals == size == len(r.table) == 11 * 5 * 2 * 8
    np.testing.assert_array_equal(r.table["grid_index"], np.arange(size))
    feas = r.table["feasible"].to_numpy()
    F = r.table[["latency_s", "energy_j"]].to_numpy()
    expected = np.zeros(size, bool)
    expected[feas] = non_dominated(F[feas])
    np.testing.assert_array_equal(r.table["pareto"].to_numpy(), expected)
    assert r.best["pareto"].all() and len(r.best) == expected.sum()
    assert r.info["n_feasible"] == feas.sum()
    # toy feasibility rules: pes >= 2 and lanes <= pes (tests/dse/toy_model.py)
    assert r.info["infeasible"]["pes must be >= 2"] == 5 * 2 * 8
    assert r.info["hypervolume"] > 0


def test_grid_points_match_grid_design(make_problem):
    space = make_problem().space
    sizes = {"clock": 7}
    idx = np.array([0, 5, 17, 300, space.size(sizes) - 1])
    got = grid_points(space, idx, sizes)
    for i, j in enumerate(idx):
        ref = space.grid_design(int(j), int(j) + 1, sizes)
        assert all(got[k][i] == ref[k][0] for k in space.names)


@pytest.mark.parametrize("objectives", [TWO, (("latency_s", "min"),), (("latency_s", "max"), ("energy_j", "min"))])
def test_chunked_pareto_equals_keep_all(make_problem, objectives):
    """Bounded-memory mode (small odd chunks, front merged chunk by chunk) = the full table's front."""
    p = make_problem(objectives, bounds=(("latency_s", 2e-4, None),))
    full = SweepSolver(grid_sizes={"clock": 13}, keep="all", chunk=10**6).solve(p)
    lean = SweepSolver(grid_sizes={"clock": 13}, keep="pareto", chunk=997).solve(p)
    assert set(lean.best["grid_index"]) == set(full.best["grid_index"])
    assert len(lean.table) == lean.info["front_size"] < len(full.table)
    assert lean.info["infeasible"] == full.info["infeasible"]
    assert "latency_s < 0.0002" in full.info["infeasible"]


def test_top_k_rows_are_the_k_best(make_problem):
    p = make_problem(TWO)
    full = SweepSolver(grid_sizes={"clock": 9}, keep="all").solve(p)
    lean = SweepSolver(grid_sizes={"clock": 9}, keep="pareto", top_k=25, chunk=500).solve(p)
    feas = full.table[full.table["feasible"]].sort_values(["latency_s", "grid_index"])
    assert set(feas["grid_index"][:25]) <= set(lean.table["grid_index"])
    assert len(lean.table) <= 25 + lean.info["front_size"]


def test_large_space_keeps_only_the_front(make_problem):
    """~1.06e6 points in bounded memory: the table holds the front, not a million rows."""
    p = make_problem(TWO)
    r = SweepSolver(grid_sizes={"clock": 6000}, chunk=65536).solve(p, progress=True)
    assert r.n_evals == 11 * 6000 * 2 * 8
    assert len(r.table) == r.info["front_size"] < 5000
    assert r.info["kept"] == "pareto+top_k"


def test_single_objective_best_are_the_minimisers(make_problem):
    p = make_problem(space={"clock": [2e8, 4e8]})
    r = SweepSolver().solve(p)
    feas = r.table[r.table["feasible"]]
    assert (r.best["latency_s"] == feas["latency_s"].min()).all()
    assert len(r.best) == (feas["latency_s"] == feas["latency_s"].min()).sum()  # ties kept (lanes)


def test_writes_only_inside_out_dir(make_problem, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "run"
    SweepSolver(grid_sizes={"clock": 3}).solve(make_problem(TWO), out_dir=out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
    assert sorted(p.name for p in out.iterdir()) == ["best.csv", "results.csv", "solve.json"]
    from solvers.base import SolveResult

    back = SolveResult.load(out)
    assert back.info["solver"] == "sweep" and len(back.best) > 0


def test_bad_options():
    with pytest.raises(UnknownNameError, match="sweep solver option"):
        SweepSolver(chunks=5)


def test_bad_inputs(make_problem):
    p = make_problem()
    with pytest.raises(DseInputError, match="max_points"):
        SweepSolver(max_points=10).solve(p)
    with pytest.raises(UnknownNameError):
        SweepSolver(grid_sizes={"nope": 3}).solve(p)
    with pytest.raises(DseInputError, match="keep"):
        SweepSolver(keep="some").solve(p)
    with pytest.raises(DseInputError, match="objective"):
        SweepSolver().solve(make_problem((("no_such_metric", "min"),)))


class NoisyToy(ToyModel):
    """Breaks the determinism contract on purpose."""

    name = "toy-noisy"
    _calls = 0

    def _evaluate(self, workload, design, xp):
        m = super()._evaluate(workload, design, xp)
        NoisyToy._calls += 1
        totals = dict(m.totals)
        totals["latency_s"] = totals["latency_s"] * (1 + 1e-6 * NoisyToy._calls)
        return type(m)(totals, m.layers, m.layer_names, m.layer_kinds, m.feasible, m.reason, m.reasons, m.units)


def test_non_deterministic_model_is_caught(make_problem):
    with pytest.raises(DseError, match="deterministic"):
        SweepSolver(keep="pareto", chunk=100, grid_sizes={"clock": 3}).solve(make_problem(model=NoisyToy()))
