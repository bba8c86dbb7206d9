"""studies/codesign_pi.py: per-epoch reports can stop a trial; the trainer-driven Optuna loop resumes without lost
or duplicated trials; a saved network is priced again by `dse whatif` and fine-tuned by a later run."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")
optuna = pytest.importorskip("optuna")
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "studies"))
import codesign_pi as C  # noqa: E402

TINY = dict(pretrain_epochs=1, search_epochs=2, finetune_epochs=1, lambdas=[1.0], warmup=1)


@pytest.fixture(scope="module")
def ctx():
    import torch

    torch.set_num_threads(1)
    return C.prepare_ctx(C.settings(True, **TINY))


def test_reports_every_search_epoch_and_can_stop(ctx):
    """train_trial calls report once per search epoch with the validation accuracy; an exception there stops training."""
    st = C.settings(True, **TINY)
    seen = []
    r = C.train_trial(ctx, st, "crypten", 2.0, lambda e, a: seen.append((e, a)))
    assert [e for e, _ in seen] == [0, 1] and r["curve"] == [a for _, a in seen]
    assert r["latency_s"] > 0 and len(r["choices"]) == 6

    def stop(e, a):
        raise optuna.TrialPruned()

    with pytest.raises(optuna.TrialPruned):
        C.train_trial(ctx, st, "crypten", 2.0, stop)


def test_latency_budget_leaves_cheap_networks_unpenalised(ctx):
    """With latency_budget = 1 (the all-ReLU latency) the penalty is zero: the gates keep the all-ReLU network's cost."""
    st = C.settings(True, **TINY)
    r = C.train_trial(ctx, st, "crypten", 30.0, budget=1.0)
    strong = C.train_trial(ctx, st, "crypten", 30.0)
    assert strong["latency_s"] < r["latency_s"]


def test_resume_after_kill_no_lost_or_duplicate(tmp_path):
    """A RUNNING trial left by a dead worker becomes FAIL and is re-asked; a rerun ends with `trials` finished, each once;
    every complete trial's network is saved with the design and latency that priced it."""
    st = C.settings(True, **TINY, trials=2)
    first = C.codesign(tmp_path, st, seed=0)
    assert len(first) == 2
    study = optuna.load_study(study_name="codesign_pi", storage=f"sqlite:///{tmp_path / 'study.db'}")
    ghost = study.ask()  # a trial a killed process never finished (its lease names no live worker)
    ghost.suggest_categorical("protocol", list(C.PROTOCOLS))
    again = C.codesign(tmp_path, {**st, "trials": 3}, seed=0)
    assert len(again) == 3 and again.trial.is_unique and set(first.trial) <= set(again.trial)
    states = [t.state for t in optuna.load_study(study_name="codesign_pi",
                                                 storage=f"sqlite:///{tmp_path / 'study.db'}").trials]
    assert states.count(optuna.trial.TrialState.FAIL) == 1 and optuna.trial.TrialState.RUNNING not in states
    import torch

    done = again[again.state == "COMPLETE"]
    saved = sorted(p.name for p in (tmp_path / "networks").glob("*.pt"))
    assert saved == [f"trial{n:04d}.pt" for n in sorted(done.trial)]
    blob = torch.load(tmp_path / "networks" / saved[0], weights_only=False)
    row = done.sort_values("trial").iloc[0]
    assert blob["pricing"]["design"]["protocol"] == row.protocol and blob["metrics"]["latency_s"] == row.latency_s


def test_saved_network_repriced_by_whatif_and_finetuned(ctx, tmp_path):
    """`dse whatif` on a saved trial's workload file and design gives the latency the trial reported (rel 1e-9);
    finetune_saved loads the network with its frozen choices and keeps them (same latency)."""
    import json
    import os

    from dse.cli.whatif import whatif_result
    from dse.training.saved import save_network

    st = C.settings(True, **TINY)
    r = C.train({**ctx, "st": st}, {"protocol": "crypten", "penalty_weight": 10.0})
    path = save_network(tmp_path / "networks" / "trial0000.pt", r["state"], design={"protocol": "crypten"},
                        metrics=r["metrics"], pricing=r["pricing"], trial=0)
    meta = json.loads(path.with_suffix(".json").read_text())
    args = meta["pricing"]["whatif_args"]
    sets = [tuple(a.split("=", 1)) for a in args[3:] if a != "--set"]
    cwd = os.getcwd()
    os.chdir(path.parent)
    try:
        out = whatif_result(args[0], args[2], sets)
    finally:
        os.chdir(cwd)
    assert out["metrics"]["latency_s"] == pytest.approx(r["metrics"]["latency_s"], rel=1e-9)
    ft = C.finetune_saved({**ctx, "st": st}, path, epochs=1)
    assert ft["choices"] == r["attrs"]["choices"] and ft["latency_s"] == pytest.approx(r["metrics"]["latency_s"])
    assert ft["acc_val_before"] == pytest.approx(r["metrics"]["acc_val_pct"])
