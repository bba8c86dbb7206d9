"""Co-design search that trains: Optuna over (2PC protocol, polynomial degree, latency-penalty weight) with training inside.

Question: when the search proposes the protocol *and* trains the digits CNN for it (PASNet-style
latency-in-loss, [PASNet23]), is the (accuracy, latency) front better than the two-stage
baseline that first fixes the protocol by pricing the all-ReLU network, then trains? And how does
a gradient co-design (protocol relaxed to a softmax, learnt with the gates in one backward pass)
compare? Three fronts, one hypervolume each (docs/training.md, "Searches that train").

Trial (``train_trial``): the cost table of the proposed protocol (``costmodels.mpc.training.mpc_costs``,
ReLU sites relu/poly/identity, pools max/avg, the given network), softmax gates bound to the
pre-trained all-ReLU network, ``fit`` with ``CE/KD + lambda * T(p)/T_ref`` for ``search_epochs``
(validation accuracy reported after every epoch), gates frozen to their arg-max, ``finetune_epochs``
more; objectives: validation accuracy (max) and exact 2PC latency of the frozen network (min).
``protocol="joint"`` is the gradient arm (:class:`dse.training.joint.DesignMixture`).

This file is also a *trainer* of ``solvers.optuna_train`` (``prepare``/``train``; spec
``codesign_pi_train.toml``): the Optuna arm runs through it, with its median pruning over the
stored per-epoch accuracies, parallel workers and resume on ``study.db``, and every complete
trial's network saved in ``networks/`` with the design that priced it (``dse whatif`` re-prices
it; :func:`finetune_saved` fine-tunes it). The Optuna arm also searches the polynomial degree
(2, 3, 4: the gates train that degree, the mpc model prices it); the two-stage and gradient arms
use degree 2. Run ``python studies/codesign_pi.py [--quick] [--trials N] [--workers K]``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from latency_aware_training import LETTERS, _net, digits_cnn_workload, digits_split, make_costs  # noqa: E402

from dse.errors import DseInputError  # noqa: E402
from dse.pareto import hypervolume, non_dominated, reference_point  # noqa: E402
from dse.report import StudyOutput, markdown_table  # noqa: E402
from dse.study import script_main  # noqa: E402
from dse.training import LatencyPenalty, bind_gates  # noqa: E402
from dse.training.joint import DesignMixture  # noqa: E402
from dse.training.loop import accuracy, fit  # noqa: E402

__all__ = ["run", "main", "train_trial", "settings", "PROTOCOLS", "prepare", "train", "finetune_saved", "codesign"]

PROTOCOLS = ("crypten", "cryptflow2")


def settings(quick: bool, **over: Any) -> dict[str, Any]:
    s = {"pretrain_epochs": 6 if quick else 20, "search_epochs": 3 if quick else 6, "finetune_epochs": 2 if quick else 4,
         "trials": 6 if quick else 30, "lambdas": [0.5, 4.0] if quick else [0.25, 0.5, 1.0, 2.0, 4.0, 10.0, 20.0],
         "lambda_range": (0.1, 30.0), "lr": 3e-3, "arch_lr": 0.05, "batch": 64, "kd_weight": 0.9,
         "kd_temperature": 4.0, "warmup": 1, "mix_temperature": 1.0, "prune_margin_pp": 10.0, "network": "wan", "weights": "shared",
         "poly_degree": 2, "init_from": None, "init_gates": "reopen",
         "degrees": [2, 3, 4]}
    s.update({k: v for k, v in over.items() if v is not None})
    return s


OBJECTIVES = {"acc_val_pct": "max", "latency_s": "min"}


def prepare_ctx(st: dict[str, Any], seed: int = 0) -> dict[str, Any]:
    """Data split, per-protocol cost tables and the pre-trained all-ReLU network (state dict)."""
    data = digits_split(0)
    w = digits_cnn_workload()
    deg = int(st["poly_degree"])
    costs = {p: make_costs(w, p, st["weights"], st["network"], poly_degree=deg) for p in PROTOCOLS}
    net = _net(seed)
    fit(net, *data["train"], epochs=st["pretrain_epochs"], lr=st["lr"], batch=st["batch"], seed=seed)
    init = None
    if st.get("init_from"):
        from dse.training.saved import load_network

        init = load_network(st["init_from"])
    if st["init_gates"] not in ("reopen", "frozen"):
        raise DseInputError("params.init_gates", st["init_gates"], "reopen or frozen")
    return {"data": data, "costs": costs, "costs_by": {(p, st["network"], deg): c for p, c in costs.items()},
            "workload": w, "st": st, "state": {k: v.clone() for k, v in net.state_dict().items()}, "init": init,
            "base_acc_val": accuracy(net, *data["val"]), "base_acc_test": accuracy(net, *data["test"]), "seed": seed}


def train_trial(ctx: dict[str, Any], st: dict[str, Any], protocol: str, lam: float, report: Any = None, *,
                network: str | None = None, budget: float | None = None, degree: int | None = None) -> dict[str, Any]:
    """One inner training; ``report(epoch, acc_val)`` may raise to stop the trial (pruning).
    ``budget``: the penalty is ``lam * max(0, T - budget * T_ref) / T_ref`` (a latency budget).
    ``protocol="joint"``: gradient co-design, the protocol relaxed to a softmax over :data:`PROTOCOLS`
    learnt with the gates in the same backward pass (:class:`dse.training.joint.DesignMixture`),
    then fixed to its arg-max before the fine-tuning. ``degree``: the polynomial option's degree (cost
    table and trainable branch; default ``st["poly_degree"]``). With ``ctx["init"]`` (a saved trial
    network, ``init_from``) the trial starts from its weights instead of the all-ReLU network."""
    data, seed = ctx["data"], ctx["seed"]
    net_name = network or st["network"]
    deg = int(st["poly_degree"] if degree is None else degree)
    joint = protocol == "joint"
    c_all = {p: costs_for({**ctx, "st": st}, p, net_name, deg) for p in (PROTOCOLS if joint else (protocol,))}
    c = c_all[PROTOCOLS[0] if joint else protocol]
    (Xtr, ytr), (Xva, yva), (Xte, yte) = data["train"], data["val"], data["test"]
    net, teacher = _net(seed), _net(seed)
    net.load_state_dict(ctx["state"])
    teacher.load_state_dict(ctx["state"])
    kd = dict(teacher=teacher, kd_weight=st["kd_weight"], kd_temperature=st["kd_temperature"], batch=st["batch"],
              seed=seed)
    gates = bind_gates(net, c, example_input=Xtr[:8], poly_degree=deg)
    if ctx.get("init") is not None:
        _warm_start(net, gates, ctx["init"], reopen=st["init_gates"] == "reopen")
    if joint:
        pen: Any = DesignMixture(c_all, gates, weight=float(lam), temperature=st["mix_temperature"])
        arch = [*gates.arch_parameters(), *pen.parameters()]
    else:
        pen = LatencyPenalty(c, gates, weight=float(lam),
                             budget_s=None if budget is None else float(budget) * float(c.reference_s))
        arch = gates.arch_parameters()
    curve: list[float] = []

    def on_epoch(e: int) -> None:
        curve.append(100 * accuracy(net, Xva, yva))
        if report is not None:
            report(e, curve[-1])

    fit(net, Xtr, ytr, epochs=st["search_epochs"], lr=st["lr"], extra_loss=pen, arch_params=arch,
        arch_lr=st["arch_lr"], on_epoch=on_epoch, **kd)
    mix = {}
    if joint:
        protocol = pen.choice()
        mix = {"protocol_probs": "/".join(f"{float(v):.3f}" for v in pen.probs().detach())}
        c = c_all[protocol]
    gates.freeze()
    fit(net, Xtr, ytr, epochs=st["finetune_epochs"], lr=st["lr"], **kd)
    P, choices = _frozen(c, gates)
    return {"protocol": protocol, "penalty_weight": float(lam), "acc_val": 100 * accuracy(net, Xva, yva),
            "acc_test": 100 * accuracy(net, Xte, yte), "latency_s": float(c.latency(P, mode="exact")),
            "choices": choices, "curve": curve, "state": {k: v.clone() for k, v in net.state_dict().items()},
            "poly_degree": deg, **mix}


def _warm_start(net: Any, gates: Any, blob: dict[str, Any], *, reopen: bool) -> None:
    """Load a saved trial network into ``net`` (its gates bound). Polynomial coefficients of another
    degree are copied term by term (missing higher terms 0). ``reopen``: the gates' logits are kept
    but unfrozen, so the trial's search moves them again; else the saved site choices stay fixed."""
    import torch

    own = net.state_dict()
    src = dict(blob["state_dict"])
    missing = sorted(set(own) - set(src))
    if missing:
        raise DseInputError("params.init_from", missing[0], "a network saved by this trainer (same sites)")
    for k, v in src.items():
        if k in own and own[k].shape != v.shape and k.endswith("coeffs"):
            w = torch.zeros_like(own[k])
            n = min(w.shape[0], v.shape[0])
            w[:n] = v[:n]
            src[k] = w
    net.load_state_dict(src)
    if reopen:
        for g in gates:
            g.chosen.fill_(-1)
            g.alpha.requires_grad_(True)


# -- trainer protocol of solvers.optuna_train (``[study] trainer = "codesign_pi.py"``) ------------------
def prepare(params: dict[str, Any], seed: int) -> dict[str, Any]:
    """Trainer ``prepare``: ``params`` are :func:`settings` overrides plus ``quick``."""
    import torch

    torch.set_num_threads(1)
    params = dict(params)
    st = settings(bool(params.pop("quick", False)), **params)
    ctx = prepare_ctx(st, seed)
    ctx["st"] = st
    return ctx


def costs_for(ctx: dict[str, Any], protocol: str, network: str, degree: int = 2) -> Any:
    """Cached site costs of (protocol, network, polynomial degree)."""
    key = (protocol, network, int(degree))
    if key not in ctx["costs_by"]:
        ctx["costs_by"][key] = make_costs(ctx["workload"], protocol, ctx["st"]["weights"], network,
                                          poly_degree=int(degree))
    return ctx["costs_by"][key]


def train(ctx: dict[str, Any], design: dict[str, Any], report: Any = None) -> dict[str, Any]:
    """Trainer ``train``: design knobs ``protocol``, ``penalty_weight`` and optionally ``network``
    (lan/wan), ``latency_budget`` (fraction of the all-ReLU latency below which the penalty is 0) and
    ``poly_degree`` (degree of the trainable polynomial option, priced by the mpc model at that degree)."""
    st = ctx["st"]
    protocol, network = str(design["protocol"]), str(design.get("network", st["network"]))
    deg = int(design.get("poly_degree", st["poly_degree"]))
    r = train_trial(ctx, st, protocol, float(design["penalty_weight"]), report, network=network,
                    budget=design.get("latency_budget"), degree=deg)
    return {"metrics": {"acc_val_pct": r["acc_val"], "acc_test_pct": r["acc_test"], "latency_s": r["latency_s"]},
            "state": r["state"], "attrs": {"choices": r["choices"]},
            "pricing": pricing(ctx, protocol, network, r["choices"], deg)}


def pricing(ctx: dict[str, Any], protocol: str, network: str, choices: str, degree: int = 2) -> dict[str, Any]:
    """What ``dse whatif mpc`` needs to price the trained network again: the workload with each site
    set to its chosen option and the ``mpc`` design of the cost table that trained it."""
    from dse.training.collapse import assign

    names = {v: k for k, v in LETTERS.items()}
    weights = ctx["st"]["weights"] if protocol == "crypten" else "public"
    return {"model": "mpc", "params": {"poly_degree": int(degree), "bits": 0},
            "design": {"protocol": protocol, "parties": 2, "weights": weights, "network": network, "relu_keep": 1.0},
            "workload": assign(ctx["workload"], [names[c] for c in choices], poly_degree=int(degree))}


def finetune_saved(ctx: dict[str, Any], path: str | Path, epochs: int) -> dict[str, Any]:
    """Load a saved trial network (``networks/trial<N>.pt``), fine-tune it ``epochs`` more epochs with
    KD from the all-ReLU network (its site choices stay frozen) and price it again."""
    from dse.training.saved import load_network

    blob = load_network(path)
    st, design = ctx["st"], blob["pricing"]["design"]
    deg = int(blob["pricing"].get("params", {}).get("poly_degree", 2))
    c = costs_for(ctx, design["protocol"], design["network"], deg)
    (Xtr, ytr), (Xva, yva), (Xte, yte) = ctx["data"]["train"], ctx["data"]["val"], ctx["data"]["test"]
    net, teacher = _net(ctx["seed"]), _net(ctx["seed"])
    teacher.load_state_dict(ctx["state"])
    gates = bind_gates(net, c, example_input=Xtr[:8], poly_degree=deg)
    net.load_state_dict(blob["state_dict"])
    before = 100 * accuracy(net, Xva, yva)
    fit(net, Xtr, ytr, epochs=int(epochs), lr=st["lr"] / 3, teacher=teacher, kd_weight=st["kd_weight"],
        kd_temperature=st["kd_temperature"], batch=st["batch"], seed=ctx["seed"] + 1)
    P, choices = _frozen(c, gates)
    return {"acc_val_before": before, "acc_val": 100 * accuracy(net, Xva, yva), "acc_test": 100 * accuracy(net, Xte, yte),
            "latency_s": float(c.latency(P, mode="exact")), "choices": choices}


def _frozen(c: Any, gates: Any) -> tuple[np.ndarray, str]:
    import torch

    with torch.no_grad():
        P = c.probs([g.probs().double().numpy() for g in gates])[1]
    return P, "".join(LETTERS[c.options[s][int(np.argmax(p))]] for s, p in enumerate(P))


def codesign(out: Path, st: dict[str, Any], seed: int, workers: int = 1, storage: str | None = None) -> pd.DataFrame:
    """The Optuna outer loop through :mod:`solvers.optuna_train` with this file as the trainer
    (resumable on ``out/study.db``); returns every finished trial."""
    from solvers.optuna_train import run_train_study

    keys = ("pretrain_epochs", "search_epochs", "finetune_epochs", "network", "weights", "lr", "arch_lr")
    res = run_train_study(Path(__file__), params={k: st[k] for k in keys}, objectives=OBJECTIVES,
                          space={"protocol": list(PROTOCOLS), "penalty_weight": {"low": st["lambda_range"][0],
                                 "high": st["lambda_range"][1], "log": True}, "poly_degree": list(st["degrees"])},
                          options={"n_trials": int(st["trials"]), "workers": int(workers), "study_name": "codesign_pi",
                                   "prune_margin": float(st["prune_margin_pp"]), "prune_warmup": int(st["warmup"]),
                                   "sampler_options": {"n_startup_trials": 4}, "storage": storage},
                          seed=seed, out=Path(out))
    df = res["trials"].drop(columns=["acc_val", "acc_test"], errors="ignore")  # attrs of an older run's trials
    df = df.rename(columns={"number": "trial", "acc_val_pct": "acc_val", "acc_test_pct": "acc_test"})
    return df.assign(arm="codesign")


def two_stage(ctx: dict[str, Any], st: dict[str, Any]) -> tuple[str, pd.DataFrame]:
    """Stage 1: the protocol with the lowest all-ReLU latency (cost model only); stage 2: train each lambda."""
    ref = {p: float(c.reference_s) for p, c in ctx["costs"].items()}
    proto = min(ref, key=ref.get)
    rows = [{"arm": "two-stage", **train_trial(ctx, st, proto, lam)} for lam in st["lambdas"]]
    return proto, pd.DataFrame(rows).drop(columns=["curve", "state"])


def gradient_codesign(ctx: dict[str, Any], st: dict[str, Any]) -> pd.DataFrame:
    """Gradient co-design: for each lambda one training whose backward pass moves the gates and the
    protocol's softmax logits together (``train_trial(..., "joint", lam)``)."""
    rows = [{"arm": "gradient", **train_trial(ctx, st, "joint", lam)} for lam in st["lambdas"]]
    return pd.DataFrame(rows).drop(columns=["curve", "state"])


def _front(df: pd.DataFrame) -> pd.DataFrame:
    ok = df.dropna(subset=["acc_val", "latency_s"])
    F = np.stack([-ok.acc_val.to_numpy(), ok.latency_s.to_numpy()], axis=1)
    return ok.iloc[np.flatnonzero(non_dominated(F))].sort_values("latency_s")


def run(out: Path, *, quick: bool = False, seed: int = 0, trials: int | None = None, workers: int = 1) -> dict[str, Any]:
    import torch

    torch.set_num_threads(1)  # small CNN: one thread is fastest, and 2 shared cores oversubscribe badly
    t0 = time.perf_counter()
    st = settings(quick, trials=trials)
    ctx = prepare_ctx(st, seed)
    proto, base = two_stage(ctx, st)
    grad = gradient_codesign(ctx, st)
    co = codesign(Path(out), st, seed, workers=workers)
    fronts = {"two-stage": _front(base), "codesign": _front(co[co.state == "COMPLETE"]), "gradient": _front(grad)}
    allF = np.concatenate([np.stack([-f.acc_val.to_numpy(), f.latency_s.to_numpy()], 1) for f in fronts.values()])
    ref = reference_point(allF, margin=0.1)
    hv = {k: hypervolume(np.stack([-f.acc_val.to_numpy(), f.latency_s.to_numpy()], 1), ref) for k, f in fronts.items()}
    head = {"two_stage_protocol": proto, "hv_two_stage": hv["two-stage"], "hv_codesign": hv["codesign"],
            "hv_gradient": hv["gradient"],
            "trials": int(len(co)), "pruned": int((co.state == "PRUNED").sum()),
            "base_acc_val": 100 * ctx["base_acc_val"], "elapsed_s": time.perf_counter() - t0}
    runs = pd.concat([base, grad, co], ignore_index=True)
    with StudyOutput(out) as so:
        so.table("runs", runs)
        so.table("fronts", pd.concat([f.assign(front=k) for k, f in fronts.items()], ignore_index=True))
        so.figure("front", _plot(runs, fronts))
        so.markdown(_report(st, ctx, proto, fronts, hv, ref, head))
        so.json("headline", head)
    return head


def _plot(runs: pd.DataFrame, fronts: dict[str, pd.DataFrame], x: str = "latency_s",
          xlabel: str = "2PC latency per sample (s)", log_x: bool = True) -> Any:
    """Trials and fronts of the three arms: validation accuracy (%) against cost column ``x``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for (arm, marker), color in zip((("two-stage", "s"), ("codesign", "o"), ("gradient", "^")),
                                    ("tab:blue", "tab:red", "tab:green")):
        r = runs[(runs.arm == arm) & runs[x].notna()]
        ax.scatter(r[x], r.acc_val, marker=marker, color=color, alpha=0.4, label=f"{arm} trials")
        f = fronts[arm]
        ax.step(f[x], f.acc_val, where="post", color=color, label=f"{arm} front")
    if log_x:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("validation accuracy (%)")
    ax.legend(fontsize=8)
    return fig


def _report(st, ctx, proto, fronts, hv, ref, head) -> str:
    cols = ["protocol", "penalty_weight", "poly_degree", "acc_val", "acc_test", "latency_s", "choices"]
    return "\n".join([
        "# Co-design search that trains (digits CNN, 2PC)", "",
        f"All-ReLU pre-trained network: validation {100 * ctx['base_acc_val']:.2f}%, test "
        f"{100 * ctx['base_acc_test']:.2f}%. Two-stage baseline protocol (lowest all-ReLU latency, network "
        f"`{st['network']}`): `{proto}`.", "",
        "## Fronts (validation accuracy max, latency min)", "",
        "### Two-stage (protocol fixed, then trained for each lambda)", "", markdown_table(fronts["two-stage"][cols]), "",
        "### Co-design (Optuna over protocol x polynomial degree x lambda, training inside)", "", markdown_table(fronts["codesign"][cols]), "",
        "### Gradient co-design (gates and protocol softmax in one backward pass, one training per lambda)", "",
        markdown_table(fronts["gradient"][cols + ["protocol_probs"]]), "",
        f"Trials: {head['trials']} co-design ({head['pruned']} pruned by the median rule), {len(st['lambdas'])} "
        f"two-stage trainings, {len(st['lambdas'])} gradient co-design trainings.", "",
        "## Hypervolumes", "",
        f"Objectives (−validation accuracy in %, latency in s), common reference point {np.round(ref, 6).tolist()}: "
        f"two-stage **{hv['two-stage']:.4g}**, Optuna co-design **{hv['codesign']:.4g}**, gradient co-design "
        f"**{hv['gradient']:.4g}**.", "",
        "## Settings", "", f"`{st}`", "",
        "The gradient arm relaxes the protocol (a discrete choice) to a softmax; a continuous hardware knob (the "
        "link bandwidth, priced) in the same backward pass is studies/codesign_bw.py.", ""])


def _options(ap) -> None:
    ap.add_argument("--trials", type=int, default=None)
    ap.add_argument("--workers", type=int, default=None, help="worker processes sharing study.db")


def main(argv: list[str] | None = None) -> int:
    return script_main("codesign_pi", __doc__, run, argv, options=_options)


if __name__ == "__main__":
    raise SystemExit(main())
