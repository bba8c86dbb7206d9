"""OptunaSolver on a real PostgreSQL server started by the test (Debian package `postgresql`,
installed by `.ci/setup_postgres.sh`); skipped with the reason only where the binaries are absent."""

from __future__ import annotations

import optuna
import pytest
from optuna.trial import TrialState

from solvers.optuna_search import OptunaSolver
from solvers.optuna_storage import open_storage

from .pg_server import postgres_server, why_unavailable

TWO = (("latency_s", "min"), ("energy_j", "min"))


@pytest.fixture(scope="module")
def pg_url():
    reason = why_unavailable()
    if reason:
        print(f"\nPostgreSQL test skipped: {reason}")
        pytest.skip(reason)
    with postgres_server() as url:
        yield url


def test_two_workers_share_a_postgres_study_and_resume(make_problem, pg_url, tmp_path):
    p = make_problem(TWO)
    r = OptunaSolver(n_trials=40, batch_size=4, sampler="tpe", workers=2, storage=pg_url,
                     study_name="pg-study").solve(p, out_dir=tmp_path)
    assert r.info["storage"].startswith("postgresql")
    a, b = (set(s["numbers"]) for s in r.info["worker_stats"])
    assert a and b and not (a & b)
    study = optuna.load_study(study_name="pg-study", storage=open_storage(pg_url))
    complete = [t.number for t in study.get_trials() if t.state == TrialState.COMPLETE]
    assert len(complete) == len(set(complete)) == 40 and set(complete) == a | b
    assert not (tmp_path / "study.db").exists()  # the URL was used, not the default SQLite file

    more = OptunaSolver(n_trials=52, batch_size=4, storage=pg_url, study_name="pg-study").solve(p)
    assert more.n_evals == 12 and len(more.table) == 52


def test_training_study_two_workers_share_a_postgres_storage(pg_url, tmp_path):
    """A training study (trainer spec) on PostgreSQL: two workers finish exactly n_trials, none trained twice,
    and a rerun with a larger budget continues the same study."""
    from solvers.optuna_train import run_train_study

    from .test_optuna_train import _spec

    _spec(tmp_path)
    args = dict(params={"sleep": 0.3}, space={"x": {"low": 0.0, "high": 1.0}},
                objectives={"acc_pct": "max", "cost_s": "min"}, seed=0)
    opts = {"sampler": "random", "storage": pg_url, "study_name": "pg-train", "prune": "none"}
    r = run_train_study(tmp_path / "toy_trainer.py", options={**opts, "n_trials": 8, "workers": 2},
                        out=tmp_path / "o", **args)
    assert r["info"]["storage"].startswith("postgresql")
    a, b = (set(s["complete"]) for s in r["info"]["worker_stats"])
    assert a and b and not (a & b)
    study = optuna.load_study(study_name="pg-train", storage=open_storage(pg_url))
    done = [t.number for t in study.get_trials() if t.state == TrialState.COMPLETE]
    assert len(done) == 8 and set(done) == a | b
    assert not (tmp_path / "o" / "study.db").exists()

    run_train_study(tmp_path / "toy_trainer.py", options={**opts, "n_trials": 11, "workers": 1},
                    out=tmp_path / "o2", **args)
    study = optuna.load_study(study_name="pg-train", storage=open_storage(pg_url))
    assert sum(t.state == TrialState.COMPLETE for t in study.get_trials()) == 11
