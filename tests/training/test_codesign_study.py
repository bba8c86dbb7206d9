"""studies/codesign_pi.py: per-epoch reports can stop a trial; the Optuna loop resumes without lost or duplicated trials."""

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
    return C.prepare(C.settings(True, **TINY))


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


def test_resume_after_kill_no_lost_or_duplicate(ctx, tmp_path):
    """A RUNNING trial left by a kill becomes FAIL; a rerun asks until `trials` are finished, each counted once."""
    st = C.settings(True, **TINY, trials=2)
    first = C.codesign(tmp_path, ctx, st, seed=0)
    assert len(first) == 2
    study = optuna.load_study(study_name="codesign_pi", storage=f"sqlite:///{tmp_path / 'study.db'}")
    study.ask()  # a trial the killed process never finished
    again = C.codesign(tmp_path, ctx, {**st, "trials": 3}, seed=0)
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
    assert blob["design"]["protocol"] == row.protocol and blob["design"]["latency_s"] == row.latency_s


def test_median_rule_prunes_only_far_below_median():
    """The median rule prunes at margin+ below the completed trials' median at that epoch, not above it."""

    class T:
        def __init__(self, curve):
            self.user_attrs, self.state = {"curve": curve}, optuna.trial.TrialState.COMPLETE

    class S:
        def get_trials(self, deepcopy=False):
            return [T([90.0, 95.0]), T([92.0, 97.0]), T([10.0])]

    rule = C._MedianRule(S(), warmup=1, margin=10.0)
    rule(1, 86.5)  # median at epoch 1 = 96, 96 - 10 = 86 -> kept
    with pytest.raises(optuna.TrialPruned):
        rule(1, 85.0)
