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


def test_poly_degree_knob_trains_and_prices_that_degree(ctx, tmp_path):
    """design poly_degree=4: the gates' polynomial branches have 5 coefficients, the cost table is the mpc model's at
    degree 4 (different from degree 2), and `dse whatif` on the saved pricing reproduces the trial's latency."""
    import os

    from dse.cli.whatif import whatif_result
    from dse.training.saved import save_network

    st = C.settings(True, **TINY)
    c2, c4 = C.costs_for({**ctx, "st": st}, "crypten", "wan", 2), C.costs_for({**ctx, "st": st}, "crypten", "wan", 4)
    poly = [s for s, k in enumerate(c2.kinds) if k == "activation"]
    assert (c4.latency_s[poly, 1] > c2.latency_s[poly, 1]).all()  # a degree-4 polynomial costs more rounds/bytes
    r = C.train({**ctx, "st": st}, {"protocol": "crypten", "penalty_weight": 10.0, "poly_degree": 4})
    coeffs = [v for k, v in r["state"].items() if k.endswith("coeffs")]
    assert coeffs and all(v.shape[0] == 5 for v in coeffs)
    assert r["pricing"]["params"]["poly_degree"] == 4
    path = save_network(tmp_path / "trial0000.pt", r["state"], design={"protocol": "crypten", "poly_degree": 4},
                        metrics=r["metrics"], pricing=r["pricing"], trial=0)
    import json

    args = json.loads(path.with_suffix(".json").read_text())["pricing"]["whatif_args"]
    sets = [tuple(a.split("=", 1)) for a in args[3:] if a != "--set"]
    cwd = os.getcwd()
    os.chdir(path.parent)
    try:
        out = whatif_result(args[0], args[2], sets)
    finally:
        os.chdir(cwd)
    assert out["metrics"]["latency_s"] == pytest.approx(r["metrics"]["latency_s"], rel=1e-9)


def test_init_from_starts_trials_from_the_saved_network(ctx, tmp_path):
    """A trial with a saved network in ctx["init"] starts from its weights: with init_gates="frozen" it keeps the saved
    site choices and its first-epoch accuracy is the saved network's after one more epoch, not a fresh start's."""
    from dse.training.saved import load_network, save_network

    st = C.settings(True, **TINY)
    r = C.train({**ctx, "st": st}, {"protocol": "crypten", "penalty_weight": 30.0})
    path = save_network(tmp_path / "trial0000.pt", r["state"], design={"protocol": "crypten"},
                        metrics=r["metrics"], pricing=r["pricing"], trial=0)
    frozen = {**ctx, "st": {**st, "init_gates": "frozen"}, "init": load_network(path)}
    f = C.train(frozen, {"protocol": "crypten", "penalty_weight": 0.1})  # weak penalty: a fresh start would keep ReLUs
    assert f["attrs"]["choices"] == r["attrs"]["choices"]
    assert f["metrics"]["latency_s"] == pytest.approx(r["metrics"]["latency_s"])
    fresh = C.train({**ctx, "st": st}, {"protocol": "crypten", "penalty_weight": 0.1})
    assert fresh["attrs"]["choices"] != r["attrs"]["choices"]
    reopened = {**ctx, "st": {**st, "init_gates": "reopen"}, "init": load_network(path)}
    g = C.train(reopened, {"protocol": "crypten", "penalty_weight": 0.1, "poly_degree": 3})  # other degree: coeffs copied
    assert len(g["attrs"]["choices"]) == 6


def test_spec_init_from_is_resolved_and_checked(tmp_path):
    """[study] init_from is resolved relative to the spec and handed to prepare as params['init_from']; a missing file,
    or init_from on a non-training spec, is a DseInputError."""
    from dse.errors import DseInputError
    from dse.study import load_spec

    root = Path(__file__).resolve().parents[2] / "studies"
    (tmp_path / "nets").mkdir()
    (tmp_path / "nets" / "trial0001.pt").write_bytes(b"x")
    body = (f'[study]\nname = "ft"\ntrainer = "{root / "codesign_pi.py"}"\ninit_from = "nets/trial0001.pt"\n'
            '[space]\nprotocol = ["crypten"]\npenalty_weight = 1.0\n[objectives]\nacc_val_pct = "max"\n')
    (tmp_path / "ft.toml").write_text(body)
    spec = load_spec(tmp_path / "ft.toml")
    assert spec.params["init_from"] == str((tmp_path / "nets" / "trial0001.pt").resolve())
    (tmp_path / "bad.toml").write_text(body.replace("trial0001", "trial0009"))
    with pytest.raises(DseInputError):
        load_spec(tmp_path / "bad.toml")
    (tmp_path / "script.toml").write_text('[study]\nname = "s"\nscript = "x.py"\ninit_from = "nets/trial0001.pt"\n')
    with pytest.raises(DseInputError):
        load_spec(tmp_path / "script.toml")
