"""Joint gradient co-design with a continuous hardware knob: the 2PC link bandwidth and the ReLU gates in one backward pass.

Question: when the link between the two parties is provisioned for the network (bandwidth ``B``
costs ``kappa`` seconds of latency per Gbit/s: an assumed exchange rate, a study parameter), does
choosing ``B`` together with the network's activations beat fixing ``B`` first? Objective of every
arm: validation accuracy (max) and ``J = T(network, B) + kappa * B`` (s, min), with ``T`` the
CrypTen 2PC latency of the ``mpc`` model on a custom network (``rtt_s``, bandwidth ``B``).

Arms, from the same pre-trained all-ReLU digits CNN and the training recipe of ``codesign_pi.py``
(6 search epochs with KD and the cost in the loss, gates frozen, 4 fine-tune epochs):

* **two-stage**: stage 1 picks ``B`` on the grid minimising ``J`` of the all-ReLU network (cost
  model only); stage 2 trains the gates at that ``B`` for each penalty weight ``lambda``;
* **gradient co-design** (:class:`dse.training.joint.InverseKnob`): ``log B`` (projected onto the
  bounds) and the gate logits trained in one backward pass on ``CE/KD + lambda * J(p, B) / J_ref``;
  ``B`` rounded to the grid at the end, the network frozen and priced exactly at that ``B``;
* **Optuna co-design**: TPE over (``B`` log-uniform, rounded to the grid; ``lambda``) with the
  training inside every trial (this file is the trainer, :mod:`solvers.optuna_train`).

The latency of every site and option is affine in ``1/B`` (bytes / bandwidth + compute + rounds x
RTT), so two tables priced at the bounds give ``T(p, B)`` exactly (tested). Run
``python studies/codesign_bw.py [--quick] [--trials N] [--workers K]``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import codesign_pi as C  # noqa: E402
from latency_aware_training import LETTERS, _net  # noqa: E402

from dse.pareto import hypervolume, non_dominated, reference_point  # noqa: E402
from dse.report import StudyOutput, markdown_table  # noqa: E402
from dse.study import script_main  # noqa: E402
from dse.training import LatencyPenalty, bind_gates  # noqa: E402
from dse.training.joint import InverseKnob  # noqa: E402
from dse.training.loop import accuracy, fit  # noqa: E402

__all__ = ["run", "main", "bw_costs", "train_bw", "prepare", "train", "GRID_MBPS", "settings"]

GRID_MBPS = (10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0, 5000.0, 10000.0)  # provisioning tiers
OBJECTIVES = {"acc_val_pct": "max", "cost_s": "min"}


def settings(quick: bool, **over: Any) -> dict[str, Any]:
    s = C.settings(quick)
    s.update({"protocol": "crypten", "rtt_s": 0.04, "kappa_s_per_gbps": 1.0, "trials": 6 if quick else 40})
    s.update({k: v for k, v in over.items() if v is not None})
    return s


def bw_costs(ctx: dict[str, Any], mbps: float) -> Any:
    """Site costs (relu/poly/identity, max/avg) of the digits CNN under the study's protocol on a
    custom link of ``mbps`` Mbit/s and ``rtt_s`` (cached)."""
    from costmodels.mpc.presets import Network
    from costmodels.mpc.tables import latency_table, site_costs
    from dse.registry import make_model
    from dse.training.linearise import with_identity
    from dse.training.sites import SiteCosts, pool_alternatives

    st, w = ctx["st"], ctx["workload"]
    key = ("bw", st["protocol"], float(mbps), float(st["rtt_s"]))
    if key not in ctx["costs_by"]:
        bps, rtt = float(mbps) * 1e6, float(st["rtt_s"])
        weights = st["weights"] if st["protocol"] == "crypten" else "public"
        c = site_costs(latency_table(w, st["protocol"], 2, weights, Network("custom", bps, rtt)), w)
        model = make_model("mpc", {"poly_degree": 2, "bits": 0, "bandwidth": bps / 8, "rtt": rtt})
        design = {"protocol": st["protocol"], "parties": 2, "weights": weights, "network": "custom", "relu_keep": 1.0}
        c = with_identity(c, model, w, design)
        ctx["costs_by"][key] = c.merge(SiteCosts.from_model(model, w, design, pool_alternatives(w)), rtol=1e-9)
    return ctx["costs_by"][key]


def _cost(ctx: dict[str, Any], latency_s: float, mbps: float) -> float:
    return float(latency_s) + float(ctx["st"]["kappa_s_per_gbps"]) * float(mbps) / 1000.0


def stage1(ctx: dict[str, Any]) -> tuple[float, float]:
    """Grid bandwidth minimising J of the all-ReLU network, and that J (the common ``J_ref``)."""
    J = {b: _cost(ctx, bw_costs(ctx, b).reference_s, b) for b in GRID_MBPS}
    best = min(J, key=J.get)
    return best, J[best]


def train_bw(ctx: dict[str, Any], lam: float, mbps: float | None = None, report: Any = None) -> dict[str, Any]:
    """One inner training at bandwidth ``mbps``, or (``None``) with ``B`` learnt jointly (InverseKnob)."""
    st, seed = ctx["st"], ctx["seed"]
    (Xtr, ytr), (Xva, yva), (Xte, yte) = ctx["data"]["train"], ctx["data"]["val"], ctx["data"]["test"]
    _, j_ref = stage1(ctx)
    lo, hi = GRID_MBPS[0], GRID_MBPS[-1]
    net, teacher = _net(seed), _net(seed)
    net.load_state_dict(ctx["state"])
    teacher.load_state_dict(ctx["state"])
    kd = dict(teacher=teacher, kd_weight=st["kd_weight"], kd_temperature=st["kd_temperature"], batch=st["batch"], seed=seed)
    c_lo = bw_costs(ctx, lo if mbps is None else mbps)
    gates = bind_gates(net, c_lo, example_input=Xtr[:8])
    if mbps is None:
        kappa = float(st["kappa_s_per_gbps"]) / 1000.0  # s per Mbit/s
        pen: Any = InverseKnob(c_lo, bw_costs(ctx, hi), gates, low=lo, high=hi, weight=float(lam), price=kappa,
                               reference_s=j_ref)
        arch = [*gates.arch_parameters(), *pen.parameters()]
    else:
        pen = LatencyPenalty(c_lo, gates, weight=float(lam) * float(c_lo.reference_s) / j_ref)
        arch = gates.arch_parameters()
    curve: list[float] = []

    def on_epoch(e: int) -> None:
        curve.append(100 * accuracy(net, Xva, yva))
        if report is not None:
            report(e, curve[-1])

    fit(net, Xtr, ytr, epochs=st["search_epochs"], lr=st["lr"], extra_loss=pen, arch_params=arch,
        arch_lr=st["arch_lr"], on_epoch=on_epoch, **kd)
    learnt = None
    if mbps is None:
        learnt = float(pen.x().detach())
        mbps = pen.rounded(GRID_MBPS)
    gates.freeze()
    fit(net, Xtr, ytr, epochs=st["finetune_epochs"], lr=st["lr"], **kd)
    c = bw_costs(ctx, mbps)
    P, choices = C._frozen(c, gates)
    lat = float(c.latency(P, mode="exact"))
    return {"bandwidth_mbps": float(mbps), "learnt_mbps": learnt, "penalty_weight": float(lam),
            "acc_val": 100 * accuracy(net, Xva, yva), "acc_test": 100 * accuracy(net, Xte, yte), "latency_s": lat,
            "cost_s": _cost(ctx, lat, mbps), "choices": choices, "curve": curve,
            "state": {k: v.clone() for k, v in net.state_dict().items()}}


# -- trainer protocol (the Optuna arm) ----------------------------------------------------------------
def prepare(params: dict[str, Any], seed: int) -> dict[str, Any]:
    """Trainer ``prepare``: ``params`` are :func:`settings` overrides plus ``quick``."""
    import torch

    torch.set_num_threads(1)
    params = dict(params)
    st = settings(bool(params.pop("quick", False)), **params)
    ctx = C.prepare_ctx(st, seed)
    ctx["st"] = st
    return ctx


def train(ctx: dict[str, Any], design: dict[str, Any], report: Any = None) -> dict[str, Any]:
    """Trainer ``train``: knobs ``bandwidth_mbps`` (rounded to :data:`GRID_MBPS` in log scale) and ``penalty_weight``."""
    b = float(design["bandwidth_mbps"])
    b = float(min(GRID_MBPS, key=lambda g: abs(np.log(g) - np.log(b))))
    r = train_bw(ctx, float(design["penalty_weight"]), b, report)
    return {"metrics": {"acc_val_pct": r["acc_val"], "acc_test_pct": r["acc_test"], "latency_s": r["latency_s"],
                        "cost_s": r["cost_s"], "grid_mbps": b},
            "state": r["state"], "attrs": {"choices": r["choices"]}, "pricing": _pricing(ctx, b, r["choices"])}


def _pricing(ctx: dict[str, Any], mbps: float, choices: str) -> dict[str, Any]:
    from dse.training.collapse import assign

    st, names = ctx["st"], {v: k for k, v in LETTERS.items()}
    return {"model": "mpc", "params": {"poly_degree": 2, "bits": 0, "bandwidth": mbps * 1e6 / 8, "rtt": st["rtt_s"]},
            "design": {"protocol": st["protocol"], "parties": 2, "network": "custom", "relu_keep": 1.0,
                       "weights": st["weights"] if st["protocol"] == "crypten" else "public"},
            "workload": assign(ctx["workload"], [names[c] for c in choices])}


def _front(df: pd.DataFrame) -> pd.DataFrame:
    ok = df.dropna(subset=["acc_val", "cost_s"])
    F = np.stack([-ok.acc_val.to_numpy(), ok.cost_s.to_numpy()], axis=1)
    return ok.iloc[np.flatnonzero(non_dominated(F))].sort_values("cost_s")


def run(out: Path, *, quick: bool = False, seed: int = 0, trials: int | None = None, workers: int = 1) -> dict[str, Any]:
    import torch

    from solvers.optuna_train import run_train_study

    torch.set_num_threads(1)
    t0 = time.perf_counter()
    st = settings(quick, trials=trials)
    ctx = C.prepare_ctx(st, seed)
    ctx["st"] = st
    b1, j_ref = stage1(ctx)
    drop = ["curve", "state"]
    base = pd.DataFrame([{"arm": "two-stage", **train_bw(ctx, lam, b1)} for lam in st["lambdas"]]).drop(columns=drop)
    grad = pd.DataFrame([{"arm": "gradient", **train_bw(ctx, lam)} for lam in st["lambdas"]]).drop(columns=drop)
    keys = ("pretrain_epochs", "search_epochs", "finetune_epochs", "weights", "lr", "arch_lr", "rtt_s",
            "kappa_s_per_gbps", "protocol")
    res = run_train_study(Path(__file__), params={k: st[k] for k in keys}, objectives=OBJECTIVES,
                          space={"bandwidth_mbps": {"low": GRID_MBPS[0], "high": GRID_MBPS[-1], "log": True},
                                 "penalty_weight": {"low": st["lambda_range"][0], "high": st["lambda_range"][1], "log": True}},
                          options={"n_trials": int(st["trials"]), "workers": int(workers), "study_name": "codesign_bw",
                                   "prune_margin": float(st["prune_margin_pp"]), "prune_warmup": int(st["warmup"]),
                                   "sampler_options": {"n_startup_trials": 4}},
                          seed=seed, out=Path(out))
    co = res["trials"].rename(columns={"number": "trial", "acc_val_pct": "acc_val", "acc_test_pct": "acc_test"})
    co = co.assign(arm="codesign", bandwidth_mbps=co.get("grid_mbps"))
    fronts = {"two-stage": _front(base), "codesign": _front(co[co.state == "COMPLETE"]), "gradient": _front(grad)}
    allF = np.concatenate([np.stack([-f.acc_val.to_numpy(), f.cost_s.to_numpy()], 1) for f in fronts.values()])
    ref = reference_point(allF, margin=0.1)
    hv = {k: hypervolume(np.stack([-f.acc_val.to_numpy(), f.cost_s.to_numpy()], 1), ref) for k, f in fronts.items()}
    head = {"stage1_mbps": b1, "j_ref_s": j_ref, "hv_two_stage": hv["two-stage"], "hv_codesign": hv["codesign"],
            "hv_gradient": hv["gradient"], "trials": int(len(co)), "pruned": int((co.state == "PRUNED").sum()),
            "elapsed_s": time.perf_counter() - t0}
    runs = pd.concat([base, grad, co], ignore_index=True)
    cols = ["bandwidth_mbps", "penalty_weight", "acc_val", "acc_test", "latency_s", "cost_s", "choices"]
    with StudyOutput(out) as so:
        so.table("runs", runs)
        so.table("fronts", pd.concat([f.assign(front=k) for k, f in fronts.items()], ignore_index=True))
        so.figure("front", C._plot(runs, fronts, x="cost_s", xlabel="J = 2PC latency + price x bandwidth (s)",
                                           log_x=False))
        so.markdown("\n".join([
            "# Joint co-design of the 2PC link bandwidth and the activations (digits CNN, CrypTen)", "",
            f"J = latency + {st['kappa_s_per_gbps']} s per Gbit/s x B (assumed price), RTT {st['rtt_s']} s. "
            f"Stage 1 (all-ReLU network): B = {b1:g} Mbit/s, J = {j_ref:.4g} s.", "",
            "## Two-stage", "", markdown_table(fronts["two-stage"][cols]), "",
            "## Gradient co-design (log B and gates in one backward pass)", "",
            markdown_table(fronts["gradient"][cols + ["learnt_mbps"]]), "",
            "## Optuna co-design (B x lambda, training inside)", "", markdown_table(fronts["codesign"][cols]), "",
            f"Hypervolume of (-validation accuracy %, J s), reference {np.round(ref, 6).tolist()}: two-stage "
            f"**{hv['two-stage']:.4g}**, gradient **{hv['gradient']:.4g}**, Optuna **{hv['codesign']:.4g}** "
            f"({head['trials']} trials, {head['pruned']} pruned).", "", f"Settings: `{st}`", ""]))
        so.json("headline", head)
    return head


def _options(ap) -> None:
    ap.add_argument("--trials", type=int, default=None)
    ap.add_argument("--workers", type=int, default=None, help="worker processes sharing study.db")


def main(argv: list[str] | None = None) -> int:
    return script_main("codesign_bw", __doc__, run, argv, options=_options)


if __name__ == "__main__":
    raise SystemExit(main())
