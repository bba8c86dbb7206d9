"""Training studies (``[study] trainer = ...``): budget, pruning, parallel workers, kill and resume, outputs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

optuna = pytest.importorskip("optuna")
from optuna.trial import TrialState  # noqa: E402

from dse.errors import DseInputError  # noqa: E402
from dse.study import load_spec, run_study  # noqa: E402
from solvers.optuna_storage import open_storage, sqlite_url  # noqa: E402
from solvers.optuna_train import MedianRule, parse_space, run_train_study  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]

TRAINER = textwrap.dedent('''
    import time
    from pathlib import Path

    def prepare(params, seed):
        return dict(params)

    def train(ctx, design, report):
        x = float(design["x"])
        ctx["n"] = ctx.get("n", 0) + 1
        for e in range(3):
            report(e, 100.0 - 1000.0 * (x - 0.3) ** 2)   # accuracy-like curve, best at x = 0.3
            if ctx.get("flag") and ctx["n"] == 4 and not Path(ctx["flag"]).exists():
                Path(ctx["flag"]).write_text("hung")   # the first process hangs in its 4th trial
                time.sleep(3600)
            time.sleep(ctx.get("sleep", 0.0))
        return {"metrics": {"acc_pct": 100.0 - 1000.0 * (x - 0.3) ** 2, "cost_s": x}, "attrs": {"tag": "toy"}}
''')


def _spec(tmp: Path, n_trials: int = 8, *, workers: int = 1, params: str = "", prune: str = "none") -> Path:
    (tmp / "toy_trainer.py").write_text(TRAINER)
    spec = tmp / "toy.toml"
    spec.write_text(textwrap.dedent(f'''
        [study]
        name = "toy-train"
        trainer = "toy_trainer.py"
        seed = 0
        [params]
        {params}
        [space]
        x = {{low = 0.0, high = 1.0}}
        mode = "always"
        [objectives]
        acc_pct = "max"
        cost_s = "min"
        [solver]
        n_trials = {n_trials}
        workers = {workers}
        sampler = "random"
        prune = "{prune}"
        prune_margin = 5.0
    '''))
    return spec


def _trials(out: Path, name: str = "dse-train") -> list:
    return optuna.load_study(study_name=name, storage=open_storage(sqlite_url(out))).get_trials()


def test_spec_runs_and_writes_front_hypervolume_and_results(tmp_path):
    """`dse study run` of a trainer spec finishes n_trials, writes results/front/summary/report with a hypervolume."""
    out = run_study(load_spec(_spec(tmp_path, 6)), out=tmp_path / "out")
    for name in ("results.csv", "front.csv", "summary.json", "report.md", "front.png", "study.db"):
        assert (out / name).is_file(), name
    summary = json.loads((out / "summary.json").read_text())
    assert summary["info"]["n_complete"] == 6 and summary["hypervolume"] > 0
    import pandas as pd

    res = pd.read_csv(out / "results.csv")
    assert len(res) == 6 and set(res["mode"]) == {"always"} and (res.epochs_run == 3).all()
    assert "Hypervolume" in (out / "report.md").read_text()


def test_pruning_stops_trials_far_below_the_median(tmp_path):
    """With the median rule, trials whose curve is > margin below the completed median stop early (PRUNED)."""
    _spec(tmp_path)
    r = run_train_study(tmp_path / "toy_trainer.py", params={}, space={"x": {"low": 0.0, "high": 1.0}},
                        objectives={"acc_pct": "max", "cost_s": "min"},
                        options={"n_trials": 16, "sampler": "random", "prune_margin": 5.0, "prune_warmup": 1},
                        seed=1, out=tmp_path / "o")
    f = r["trials"]
    pruned = f[f.state == "PRUNED"]
    assert len(f) == 16 and len(pruned) >= 1
    assert (pruned.epochs_run < 3).all() and (abs(pruned.x - 0.3) > abs(f[f.state == "COMPLETE"].x - 0.3).min()).all()


def test_median_rule_threshold():
    """The median rule prunes only beyond `margin` below (max) or above (min) the completed median at that epoch."""

    class T:
        def __init__(self, curve):
            self.user_attrs, self.state = {"curve": curve}, TrialState.COMPLETE

    class S:
        def get_trials(self, deepcopy=False):
            return [T([90.0, 95.0]), T([92.0, 97.0]), T([10.0])]

    rule = MedianRule(S(), warmup=1, margin=10.0)
    rule(1, 86.5)  # median at epoch 1 = 96
    with pytest.raises(optuna.TrialPruned):
        rule(1, 85.0)
    MedianRule(S(), warmup=3, margin=10.0)(1, 0.0)  # before warm-up: never
    low = MedianRule(S(), warmup=1, margin=10.0, direction="min")
    low(1, 105.0)
    with pytest.raises(optuna.TrialPruned):
        low(1, 107.0)


def test_two_workers_share_the_budget_exactly(tmp_path):
    """Two worker processes on one SQLite storage finish exactly n_trials, each trial number trained once."""
    out = run_study(load_spec(_spec(tmp_path, 10, workers=2, params="sleep = 0.5")), out=tmp_path / "out")  # long enough that both start under load
    summary = json.loads((out / "summary.json").read_text())
    stats = summary["info"]["worker_stats"]
    a, b = (set(s["complete"]) for s in stats)
    assert a and b and not (a & b)
    done = [t for t in _trials(out) if t.state == TrialState.COMPLETE]
    assert len(done) == 10 and {t.number for t in done} == a | b
    over = {n for s in stats for n in s["over_budget"]}
    assert {t.number for t in _trials(out) if t.state == TrialState.FAIL} == over


def test_kill_mid_trial_and_resume_loses_and_duplicates_nothing(tmp_path):
    """SIGKILL of `dse study run` mid-trial; a rerun fails+re-asks that trial with the same design and ends
    with exactly n_trials finished trials, the earlier ones kept unchanged."""
    flag = tmp_path / "hung"
    spec = _spec(tmp_path, 8, params=f'flag = "{flag}"')
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "dse", "study", "run", str(spec), "--out", str(tmp_path / "out")],
                            env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while not flag.exists():
        assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
        assert time.time() < deadline, "trainer never reached the hanging trial"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    before = _trials(tmp_path / "out")
    running = {t.number: t.params for t in before if t.state == TrialState.RUNNING}
    done_before = {t.number: t.values for t in before if t.state == TrialState.COMPLETE}
    assert len(running) == 1 and len(done_before) == 3
    out = run_study(load_spec(spec), out=tmp_path / "out")
    after = _trials(out)
    finished = [t for t in after if t.state in (TrialState.COMPLETE, TrialState.PRUNED)]
    assert len(finished) == 8 and len({t.number for t in finished}) == 8
    failed = [t for t in after if t.state == TrialState.FAIL]
    assert [t.number for t in failed] == list(running) and failed[0].user_attrs.get("dse_stale")
    retries = {t.user_attrs["dse_retry_of"]: t.params for t in finished if "dse_retry_of" in t.user_attrs}
    assert retries == running
    assert not [t for t in after if t.state in (TrialState.RUNNING, TrialState.WAITING)]
    assert all(t.values == done_before[t.number] for t in finished if t.number in done_before)


@pytest.mark.parametrize("space, match", [
    ({"x": []}, "space.x"),
    ({"x": {"low": 1.0, "high": 0.5}}, "space.x"),
    ({"x": {"low": 0.0, "high": 1.0, "log": True}}, "space.x"),
    ({"x": {"low": 0.0}}, "space.x"),
    ({"x": 0.5}, "searched knob"),
])
def test_bad_space_is_one_input_error(space, match):
    """A malformed [space] entry raises DseInputError naming the knob."""
    with pytest.raises(DseInputError, match=match):
        parse_space(space)


def test_missing_objective_metric_and_bad_options_refused(tmp_path):
    """An objective the trainer does not return, or a bad solver option, raises DseInputError."""
    _spec(tmp_path)
    with pytest.raises(DseInputError, match="objectives"):
        run_train_study(tmp_path / "toy_trainer.py", params={}, space={"x": [0.1]}, objectives={"nope": "max"},
                        options={"n_trials": 1}, seed=0, out=tmp_path / "a")
    with pytest.raises(DseInputError, match="solver.prune"):
        run_train_study(tmp_path / "toy_trainer.py", params={}, space={"x": [0.1]}, objectives={"acc_pct": "max"},
                        options={"prune": "hyperband"}, seed=0, out=tmp_path / "b")
    with pytest.raises(DseInputError, match="solver"):
        run_train_study(tmp_path / "toy_trainer.py", params={}, space={"x": [0.1]}, objectives={"acc_pct": "max"},
                        options={"n_trails": 3}, seed=0, out=tmp_path / "c")


def test_cli_bad_train_spec_exits_2_and_writes_nothing(tmp_path):
    """`dse study run` of a trainer spec with a bad [space] or solver option exits 2, no traceback, no output folder."""
    spec = _spec(tmp_path)
    for old, new, field in (("x = {low = 0.0, high = 1.0}", "x = {low = 2.0, high = 1.0}", "space.x"),
                            ('prune = "none"', 'prune = "hyperband"', "solver.prune")):
        bad = tmp_path / f"bad_{field}.toml"
        bad.write_text(spec.read_text().replace(old, new))
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        r = subprocess.run([sys.executable, "-m", "dse", "study", "run", str(bad), "--out", str(tmp_path / "o")],
                           env=env, capture_output=True, text=True, timeout=120)
        assert r.returncode == 2 and field in r.stderr and "Traceback" not in r.stderr
        assert not (tmp_path / "o").exists()


def test_shipped_training_spec_parses():
    """studies/codesign_pi_train.toml is a valid training spec (trainer found, space and solver options accepted)."""
    from solvers.optuna_train import train_config

    spec = load_spec(ROOT / "studies" / "codesign_pi_train.toml")
    assert spec.trainer is not None and spec.trainer.name == "codesign_pi.py"
    assert {k.name for k in parse_space(spec.space)} == {"protocol", "network", "poly_degree", "penalty_weight", "latency_budget"}
    assert train_config(spec.solver_options, seed=0, out=Path("x"))["workers"] == 2


def test_rerun_of_a_finished_study_trains_nothing_and_a_larger_budget_continues(tmp_path):
    """Running the same spec again adds no trial; --n-trials larger continues the stored study up to the new budget."""
    spec = load_spec(_spec(tmp_path, 4))
    out = run_study(spec, out=tmp_path / "out")
    first = {t.number: t.values for t in _trials(out)}
    notes: list[str] = []
    run_study(spec, out=out, notify=notes.append)
    assert {t.number: t.values for t in _trials(out)} == first and any("resuming" in n for n in notes)
    run_study(spec, out=out, n_trials=6)
    after = _trials(out)
    assert len(after) == 6 and all(t.values == first[t.number] for t in after if t.number in first)
