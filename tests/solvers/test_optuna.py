"""OptunaSolver: batch ask/tell, objectives, constraints, seeds, storage, resume, workers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import optuna
import pytest
from optuna.trial import TrialState

import dse
from dse.errors import DseInputError
from dse.pareto import non_dominated
from solvers.optuna_search import OptunaSolver
from solvers.optuna_storage import LEASE_PREFIX, open_storage, sqlite_url
from tests.dse.toy_model import ToyModel

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("optuna_worker_script.py")
TWO = (("latency_s", "min"), ("energy_j", "min"))


class CountingToy(ToyModel):
    """Records the size of every evaluate call."""

    calls: list[int] = []

    def _evaluate(self, workload, design, xp):
        CountingToy.calls.append(design.n)
        return super()._evaluate(workload, design, xp)


def load(out: Path, name: str = "dse") -> optuna.Study:
    return optuna.load_study(study_name=name, storage=open_storage(sqlite_url(out)))


def test_registry_entry_point():
    assert dse.solvers.get("optuna") is OptunaSolver


def test_one_evaluate_call_per_batch(make_problem):
    CountingToy.calls = []
    r = OptunaSolver(n_trials=50, batch_size=16, sampler="tpe").solve(make_problem(model=CountingToy()))
    # 50 trials in batches of 16: 16+16+16+2; the final table re-evaluates all 50 in one call
    assert CountingToy.calls == [16, 16, 16, 2, 50]
    assert r.n_evals == 50 and len(r.table) == 50 and r.info["storage"] == "memory"
    assert sorted(r.table["number"]) == list(range(50))


@pytest.mark.parametrize("sampler", ["tpe", "nsga2", "random"])
def test_multi_objective_best_is_pareto_of_table(make_problem, sampler):
    r = OptunaSolver(n_trials=40, batch_size=8, sampler=sampler).solve(make_problem(TWO))
    feas = r.table[r.table["feasible"]]
    mask = non_dominated(feas[["latency_s", "energy_j"]].to_numpy())
    assert set(r.best["number"]) == set(feas["number"][mask])


def test_seeds_are_deterministic(make_problem):
    a = OptunaSolver(n_trials=24, batch_size=8, seed=3).solve(make_problem(TWO))
    b = OptunaSolver(n_trials=24, batch_size=8, seed=3).solve(make_problem(TWO))
    c = OptunaSolver(n_trials=24, batch_size=8, seed=4).solve(make_problem(TWO))
    cols = ["pes", "clock", "mode", "lanes"]
    assert a.table[cols].equals(b.table[cols])
    assert not a.table[cols].equals(c.table[cols])


def test_constraints_reach_optuna(make_problem, tmp_path):
    """Infeasible points and violated bounds are stored as Optuna constraints (> 0 = violated)."""
    p = make_problem((("latency_s", "max"),), bounds=(("latency_s", None, 1e-4),))
    r = OptunaSolver(n_trials=60, batch_size=10, sampler="tpe").solve(p, out_dir=tmp_path)
    study = load(tmp_path)
    trials = {t.number: t for t in study.get_trials(states=(TrialState.COMPLETE,))}
    for row in r.table.itertuples():
        c = trials[row.number].constraints
        assert set(c) == {"model", "bound:latency_s:0"}
        model_ok = not (row.pes < 2 or row.lanes > row.pes)  # toy rules
        assert (c["model"] > 0) == (not model_ok)
        assert c["bound:latency_s:0"] == pytest.approx((row.latency_s - 1e-4) / 1e-4)
        assert row.feasible == (model_ok and row.latency_s <= 1e-4)
    assert (r.best["latency_s"] <= 1e-4).all() and r.best["feasible"].all()
    # the constrained TPE concentrates on the feasible region
    assert r.table["feasible"][30:].mean() > r.table["feasible"][:10].mean()


def test_default_storage_is_sqlite_in_out_dir_and_resumes(make_problem, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "study"
    first = OptunaSolver(n_trials=20, batch_size=8).solve(make_problem(TWO), out_dir=out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["study"]
    assert {"study.db", "results.csv", "best.csv", "solve.json"} <= {p.name for p in out.iterdir()}
    second = OptunaSolver(n_trials=36, batch_size=8).solve(make_problem(TWO), out_dir=out)
    assert second.n_evals == 16 and len(second.table) == 36
    merged = second.table.set_index("number").loc[first.table["number"]]
    np.testing.assert_array_equal(merged["latency_s"], first.table["latency_s"])
    again = OptunaSolver(n_trials=36).solve(make_problem(TWO), out_dir=out)
    assert again.n_evals == 0 and len(again.table) == 36


def test_resume_with_another_problem_is_refused(make_problem, tmp_path):
    OptunaSolver(n_trials=4).solve(make_problem(TWO), out_dir=tmp_path)
    with pytest.raises(DseInputError, match="differs in: objectives"):
        OptunaSolver(n_trials=8).solve(make_problem(), out_dir=tmp_path)


def test_kill_and_resume(tmp_path):
    """SIGKILL while a batch is RUNNING; resuming fails+re-asks the stale trials, keeps every
    finished trial, and ends with exactly n_trials complete trials, none duplicated."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, str(SCRIPT), str(tmp_path), "40", "8", "4"], env=env, cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while not (tmp_path / "hung").exists():
        assert proc.poll() is None, proc.stderr.read().decode()
        assert time.time() < deadline, "worker never reached the hanging batch"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    before = load(tmp_path).get_trials()
    done_before = {t.number: t.values for t in before if t.state == TrialState.COMPLETE}
    running = {t.number: t.params for t in before if t.state == TrialState.RUNNING}
    assert len(done_before) == 24 and len(running) == 8  # 3 batches told, the 4th hung

    from tests.solvers.optuna_worker_script import problem

    r = OptunaSolver(n_trials=40, batch_size=8, sampler="random").solve(problem(), out_dir=tmp_path)
    stats = r.info["worker_stats"][0]
    assert sorted(stats["recovered"]) == sorted(running)
    after = load(tmp_path).get_trials()
    complete = [t for t in after if t.state == TrialState.COMPLETE]
    assert len(complete) == 40 and len({t.number for t in complete}) == 40
    for t in complete:
        if t.number in done_before:
            assert t.values == done_before[t.number]
    failed = [t for t in after if t.state == TrialState.FAIL]
    assert sorted(t.number for t in failed) == sorted(running)
    assert all(t.user_attrs.get("dse_stale") for t in failed)
    retries = {t.user_attrs["dse_retry_of"]: t.params for t in complete if "dse_retry_of" in t.user_attrs}
    assert retries == running  # the stale points were re-asked with the same parameters
    assert not [t for t in after if t.state in (TrialState.RUNNING, TrialState.WAITING)]


def test_two_worker_processes_record_every_trial_once(make_problem, tmp_path):
    r = OptunaSolver(n_trials=40, batch_size=4, sampler="tpe", workers=2).solve(make_problem(TWO), out_dir=tmp_path)
    stats = r.info["worker_stats"]
    assert [s["worker"] for s in stats] == [0, 1]
    a, b = (set(s["numbers"]) for s in stats)
    assert a and b and not (a & b)
    complete = [t for t in load(tmp_path).get_trials() if t.state == TrialState.COMPLETE]
    numbers = [t.number for t in complete]
    assert len(numbers) == len(set(numbers)) == 40
    assert set(numbers) == a | b
    assert set(r.table["number"]) == a | b
    over = set(stats[0]["over_budget"]) | set(stats[1]["over_budget"])
    failed = {t.number for t in load(tmp_path).get_trials() if t.state == TrialState.FAIL}
    assert failed == over


def test_two_separate_solver_processes_share_one_storage(tmp_path):
    """Like two machines: two `solve` processes on one storage URL split a budget of 32 trials."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    url = sqlite_url(tmp_path / "shared")
    procs = [subprocess.Popen([sys.executable, str(SCRIPT), str(tmp_path / f"w{i}"), "32", "4", "-", url],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1][-2000:] for o in outs]
    mine = [set(map(int, filter(None, o[0].strip().split(",")))) for o in outs]
    assert not (mine[0] & mine[1])
    study = optuna.load_study(study_name="dse", storage=open_storage(url))
    complete = {t.number for t in study.get_trials() if t.state == TrialState.COMPLETE}
    assert len(complete) == 32 and complete == mine[0] | mine[1]


def test_stale_trial_of_a_remote_worker_is_recovered(make_problem, tmp_path):
    """A RUNNING trial leased by a worker on another host that stopped updating its lease."""
    p = make_problem(TWO)
    OptunaSolver(n_trials=4).solve(p, out_dir=tmp_path)
    study = load(tmp_path)
    ghost = study.ask()
    ghost.suggest_int("lanes", 1, 8)
    lease = {"host": "elsewhere", "pid": 1, "start": "", "time": time.time() - 5000, "asking": False,
             "trials": [ghost._trial_id]}
    study._storage.set_study_system_attr(study._study_id, LEASE_PREFIX + "ghost", lease)
    r = OptunaSolver(n_trials=8, grace_s=600).solve(p, out_dir=tmp_path)
    assert r.info["worker_stats"][0]["recovered"] == [ghost.number]
    assert r.info["n_complete"] == 8


def test_bad_options(make_problem):
    with pytest.raises(DseInputError, match="workers"):
        OptunaSolver(workers=2).solve(make_problem())
    with pytest.raises(DseInputError, match="sampler"):
        OptunaSolver(sampler="cma").solve(make_problem())
    with pytest.raises(DseInputError, match="n_trials"):
        OptunaSolver(n_trials=0).solve(make_problem())
    with pytest.raises(DseInputError, match="storage"):
        OptunaSolver(storage="not-a-url").solve(make_problem())
