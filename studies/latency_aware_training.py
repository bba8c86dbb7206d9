"""Latency-aware training of a small CNN on digits under 2PC (CrypTen and CrypTFlow2 profiles, WAN).

Question: does putting the predicted private-inference latency into the loss (PASNet, DAC 2023:
``CE + lambda * sum_g softmax(alpha_g) . LAT_g``, [PASNet23]) find networks that are much faster
under 2PC than the all-ReLU network at (almost) the same accuracy, and better ones at equal
latency than a ReLU-count regulariser (AutoReP, ICCV 2023: per-element masks with hysteresis and
``CE + mu * max(0, density - B)``, [AutoReP23])?

Setup: scikit-learn's digits (8x8, 10 classes, shipped inside the package: nothing is downloaded);
stratified train/val/test split 50/20/30 (split seed 0); a LeNet-style CNN (three 3x3 conv + BN +
ReLU, two 2x2 max-pools, FC-128 + ReLU, FC-10). BatchNorm folds into the convolutions at inference,
so the cost workload has no norm layers. Latency per sample comes from the MPC family
(:func:`costmodels.mpc.latency_table` and the registered ``mpc`` model), WAN 400 Mbit/s, 40 ms RTT.

Arms (each starts from the trained all-ReLU network of the same seed, then fine-tunes with the
same recipe and knowledge distillation from it):

* ``latency`` - PASNet softmax gates on every ReLU site, three-way: ReLU, trainable
  ``a x^2 + b x + c`` per channel (straight-through init) or the identity (the ReLU dropped, as in
  SNL / DeepReDuce), and on every max-pool (max vs avg, PASNet ``GatePool``), loss
  ``CE + lambda * T(p) / T_ref`` (:class:`dse.training.LatencyPenalty`), one run per protocol;
  after the search each gate keeps its arg-max branch.
* ``relu-count`` - AutoReP per-element masks with hysteresis, loss ``CE + mu * max(0, d - B)``;
  a dropped element goes to one replacement, run once for each replacement (polynomial, identity)
  that makes the all-replaced network cheaper than the all-ReLU one under the protocol (CrypTen:
  both; CrypTFlow2: identity only, its polynomial costs more than a ReLU); pools fixed to the cheaper
  kind under each protocol (avg for CrypTen, max for CrypTFlow2: an oracle choice in this arm's
  favour). Partially kept sites are priced exactly (their ReLU and replacement batches share rounds).

The operating point of each arm is chosen on the validation split; accuracies are test-split
means over seeds. Run: ``python studies/latency_aware_training.py [--quick]`` or
``dse study run studies/latency_aware_training.toml``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import workloads
from costmodels.mpc.training import mpc_costs
from dse.report import StudyOutput, markdown_table
from dse.study import script_main
from dse.training import LatencyPenalty, ReluCountPenalty, SiteCosts, bind_gates
from dse.training.fronts import configs_table, front_check, headline
from dse.training.loop import accuracy, fit, fork_map, random_shift

__all__ = ["run", "main", "digits_cnn_workload", "PUBLISHED", "TARGET", "PROTOCOLS"]

#: Optional dependencies imported inside run(): `dse study run` checks them before writing anything.
REQUIRES = ("torch",)

PROTOCOLS = ("crypten", "cryptflow2")
TARGET = {"speedup": 5.0, "acc_drop_pp": 1.0}
PUBLISHED = [
    {"quantity": "ReLU / polynomial latency per element (PASNet's loss table)", "paper": "≈453x",
     "source": "harveyp123/PASNet-DAC2023 models/gate_tmp.py: 1360*0.01*N+0.4 vs 3*0.01*N+0.2 [PASNet23]"},
    {"quantity": "PASNet-A ImageNet 2PC latency vs CryptGPU", "paper": "147x faster at 70.54% top-1",
     "source": "PASNet, DAC 2023, arXiv 2306.15513 abstract [PASNet23]"},
    {"quantity": "AutoReP CIFAR-10 at 12.9K ReLUs", "paper": "94.31% (+6.12% over SNL)",
     "source": "AutoReP, ICCV 2023, arXiv 2308.10134 abstract [AutoReP23]"},
    {"quantity": "SENet (ReLU -> identity by sensitivity) vs prior ReLU-reduction methods",
     "paper": "up to ~2x fewer ReLUs at similar accuracy; +2.32% at iso-ReLU on CIFAR-100",
     "source": "[SENet23] (ICLR 2023)"},
]
LETTERS = {"relu": "R", "poly": "P", "identity": "I", "max": "M", "avg": "A"}
_CTX: dict[str, Any] = {}  # inherited by forked workers


def digits_cnn_workload(pools: bool = True):
    """The study's CNN as a workload (zoo ``digits-cnn``; BN folded into conv biases): 4 ReLU sites
    and 2 max-pools (``pools=False``: stride-2 convolutions instead, for the bounds table)."""
    return workloads.load("digits-cnn", pools=int(bool(pools)))


def _net(seed: int):
    import torch
    from torch import nn

    torch.manual_seed(int(seed))
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
        nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(256, 128), nn.BatchNorm1d(128), nn.ReLU(), nn.Linear(128, 10))


def digits_split(split_seed: int = 0) -> dict[str, Any]:
    """Stratified 50/20/30 train/val/test split of scikit-learn's digits, standardised on train."""
    import torch
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32).reshape(-1, 1, 8, 8)
    Xtr, Xrest, ytr, yrest = train_test_split(X, y, test_size=0.5, random_state=split_seed, stratify=y)
    Xva, Xte, yva, yte = train_test_split(Xrest, yrest, test_size=0.6, random_state=split_seed, stratify=yrest)
    mu, sd = float(Xtr.mean()), float(Xtr.std())
    t = lambda a: torch.as_tensor((a - mu) / sd)  # noqa: E731
    return {"train": (t(Xtr), torch.as_tensor(ytr)), "val": (t(Xva), torch.as_tensor(yva)),
            "test": (t(Xte), torch.as_tensor(yte))}


def make_costs(workload, protocol: str, weights: str, network: str, linearise: bool = True,
               poly_degree: int = 2) -> SiteCosts:
    """Site costs under ``protocol`` (CrypTFlow2 needs the server's plaintext weights: ``public``);
    ReLU sites: relu / poly (degree ``poly_degree``) / identity (``linearise``), pools: max / avg."""
    return mpc_costs(workload, protocol=protocol, network=network, pools=True, linearise=linearise,
                     weights=weights if protocol == "crypten" else "public", poly_degree=int(poly_degree))


def _cheaper_pool(costs: SiteCosts) -> str:
    pools = [s for s, k in enumerate(costs.kinds) if k == "pool2d"]
    return "max" if costs.latency_s[pools, 0].sum() <= costs.latency_s[pools, 1].sum() else "avg"


def _uniform(costs: SiteCosts, act: str, pool: str) -> np.ndarray:
    return costs.onehot([act if k == "activation" else pool for k in costs.kinds])


def mask_replacements(costs: SiteCosts) -> list[str]:
    """Replacements for the ReLU-count arm: those whose all-replaced network (cheaper pools) is
    faster than the all-ReLU one under these costs."""
    pool = _cheaper_pool(costs)
    ref = float(costs.latency(_uniform(costs, "relu", pool)))
    opts = [o for o in costs.options[int(np.argmax([k == "activation" for k in costs.kinds]))][1:]]
    return [o for o in opts if float(costs.latency(_uniform(costs, o, pool))) < ref]


# -- one training job (runs in a worker) ---------------------------------------------------------

def _job(job: dict[str, Any]) -> list[dict[str, Any]]:
    import torch
    from torch import nn

    st, data, costs = _CTX["st"], _CTX["data"], _CTX["costs"]
    (Xtr, ytr), (Xva, yva), (Xte, yte) = data["train"], data["val"], data["test"]
    seed, kind = int(job["seed"]), job["kind"]
    net = _net(seed)
    common = dict(batch=st["batch"], seed=seed,
                  augment=(lambda b, g: random_shift(b, g, st["shift"])) if st["shift"] else None)
    if kind == "baseline":
        fit(net, Xtr, ytr, epochs=st["epochs"], lr=st["lr"], **common)
        state = {k: v.clone() for k, v in net.state_dict().items()}
        row = {"acc_val": accuracy(net, Xva, yva), "acc_test": accuracy(net, Xte, yte)}
        out = [{"method": "baseline", "param": 0.0, "protocol": p, "seed": seed, "replacement": "none", **row,
                **_price(costs[p], costs[p].onehot([0] * len(costs[p])), "max")} for p in PROTOCOLS]
        out[0]["state"] = state
        return out
    net.load_state_dict(_CTX["baselines"][seed])
    teacher = _net(seed)
    teacher.load_state_dict(_CTX["baselines"][seed])
    protocol, c = job["protocol"], costs[job["protocol"]]
    kd = dict(teacher=teacher, kd_weight=st["kd_weight"], kd_temperature=st["kd_temperature"])
    x0 = Xtr[:8]
    if kind == "latency":
        gates = bind_gates(net, c, example_input=x0)
        pen = LatencyPenalty(c, gates, weight=job["param"])
        fit(net, Xtr, ytr, epochs=st["search_epochs"], lr=st["finetune_lr"], extra_loss=pen,
            arch_params=gates.arch_parameters(), arch_lr=st["arch_lr"], **kd, **common)
        gates.freeze()
        pool = None
    else:
        pool = _cheaper_pool(c)
        if pool == "avg":
            for i, m in enumerate(net):
                if isinstance(m, nn.MaxPool2d):
                    net[i] = nn.AvgPool2d(2)
        act_opts = next(o for o, k in zip(c.options, c.kinds) if k == "activation")
        gates = bind_gates(net, gate="gate-ste", example_input=x0, seed=seed, threshold=st["threshold"],
                           options=act_opts, replacement=job["replacement"])
        pen = ReluCountPenalty(gates, job["param"], weight=st["mu"])
        fit(net, Xtr, ytr, epochs=st["search_epochs"], lr=st["finetune_lr"], extra_loss=pen,
            arch_params=gates.arch_parameters(), arch_lr=st["mask_lr"], **kd, **common)
        gates.freeze()
    fit(net, Xtr, ytr, epochs=st["finetune_epochs"], lr=st["finetune_lr"], **kd, **common)
    with torch.no_grad():
        probs = [g.probs().double().numpy() for g in gates]
    if pool is not None:  # mask gates cover the ReLU sites only; pools are fixed
        it = iter(probs)
        probs = [next(it) if k == "activation" else np.eye(2)[0 if pool == "max" else 1] for k in c.kinds]
    P = c.probs(probs)[1]  # (sites, options), shorter gate vectors padded with zeros
    row = {"method": kind, "param": float(job["param"]), "protocol": protocol, "seed": seed,
           "replacement": job.get("replacement", "gate"), "acc_val": accuracy(net, Xva, yva),
           "acc_test": accuracy(net, Xte, yte)}
    return [{**row, **_price(c, P, pool)}]


def _price(c: SiteCosts, P: np.ndarray, pool: str | None) -> dict[str, Any]:
    """Exact latency, kept ReLUs, and the choice per site: R/P/I (ReLU/poly/identity), m (a mask
    site partly kept), M/A (max/avg pool)."""
    P = np.asarray(P, dtype=np.float64)
    act = np.asarray([k == "activation" for k in c.kinds])
    choices = "".join(LETTERS[c.options[s][int(np.argmax(p))]] if np.max(p) == 1 else "m" for s, p in enumerate(P))
    return {"latency_s": float(c.latency(P, mode="exact")), "relus": float((P[act, 0] * c.elements[act]).sum()),
            "choices": choices, "keep": P[:, 0].tolist()}


def run_jobs(st: dict[str, Any], costs: dict[str, SiteCosts], data: dict[str, Any], seed0: int) -> list[dict]:
    seeds = [seed0 + i for i in range(int(st["seeds"]))]
    _CTX.update(st=st, costs=costs, data=data)
    base = [r for rows in fork_map(_job, [{"kind": "baseline", "seed": s} for s in seeds], st["workers"]) for r in rows]
    _CTX["baselines"] = {r["seed"]: r.pop("state") for r in base if "state" in r}
    jobs = [{"kind": "latency", "seed": s, "protocol": p, "param": float(lam)}
            for p in PROTOCOLS for lam in st["lambdas"] for s in seeds]
    jobs += [{"kind": "relu-count", "seed": s, "protocol": p, "param": float(b), "replacement": r}
             for p in PROTOCOLS for r in (st["mask_replacements"] or mask_replacements(costs[p]))
             for b in st["budgets"] for s in seeds]
    rest = [r for rows in fork_map(_job, jobs, st["workers"]) for r in rows]
    _CTX.clear()
    return base + rest


def _settings(quick: bool, **over: Any) -> dict[str, Any]:
    s = {"seeds": 1 if quick else 5,
         "epochs": 6 if quick else 40, "search_epochs": 3 if quick else 12, "finetune_epochs": 2 if quick else 12,
         "lambdas": [4.0] if quick else [0.5, 1.0, 2.0, 4.0, 10.0],
         "budgets": [0.0] if quick else [0.3, 0.1, 0.03, 0.0],
         "lr": 3e-3, "finetune_lr": 3e-3, "arch_lr": 0.05, "mask_lr": 0.05, "mu": 100.0, "threshold": 1e-3,
         "kd_weight": 0.9, "kd_temperature": 4.0, "batch": 32, "shift": 1, "workers": 2,
         "mask_replacements": None}  # None: mask_replacements(costs) per protocol
    s.update({k: v for k, v in over.items() if v is not None})
    return s


# -- analysis ---------------------------------------------------------------------------------------

def bounds_table(weights: str, network: str) -> pd.DataFrame:
    """Exhaustive best assignment of every site (relu/poly/identity x max/avg), with and without
    the max-pools; ``max_speedup_no_identity``: the same without the identity option. ``folded``:
    the same search with runs of linear layers folded into one (:func:`dse.training.collapse.
    collapse_linear`, DepthShrinker-style), best overall and best that keeps a non-linearity."""
    import itertools

    from dse import models
    from dse.training.collapse import is_linear, ranked_assignments

    model = models.get("mpc")()
    rows = []
    for pools in (True, False):
        w = digits_cnn_workload(pools)
        for p in PROTOCOLS:
            c = make_costs(w, p, weights, network)
            lat = lambda a: float(c.latency(c.onehot(a)))  # noqa: E731, B023 (used in this iteration only)
            best = min(itertools.product(*[range(len(o)) for o in c.options]), key=lat)
            best2 = min(itertools.product(range(2), repeat=len(c)), key=lat)
            pool = _cheaper_pool(c) if pools else "max"
            design = {"protocol": [p], "weights": [weights if p == "crypten" else "public"], "network": [network]}
            folded = ranked_assignments(w, lambda v: float(model.evaluate(v, design).numpy().totals["latency_s"][0]))  # noqa: B023
            nonlin = next(f for f in folded if not is_linear(f[1]))
            rows.append({"workload": w.name, "protocol": p, "all_relu_s": c.reference_s,
                         "all_poly_s": float(c.latency(_uniform(c, "poly", pool))),
                         "all_identity_s": float(c.latency(_uniform(c, "identity", pool))), "best_s": lat(best),
                         "best_choices": "".join(LETTERS[c.options[s][a]] for s, a in enumerate(best)),
                         "max_speedup": c.reference_s / lat(best), "max_speedup_no_identity": c.reference_s / lat(best2),
                         "max_speedup_folded": c.reference_s / folded[0][0],
                         "best_folded_choices": "".join(LETTERS[x] for x in folded[0][1]),
                         "max_speedup_folded_nonlinear": c.reference_s / nonlin[0],
                         "best_folded_nonlinear_choices": "".join(LETTERS[x] for x in nonlin[1])})
    return pd.DataFrame(rows)


def linear_classifier_accuracy(data: dict[str, Any]) -> dict[str, float]:
    """Best accuracy any all-linear network can reach on this split, as a multinomial logistic
    regression on the 64 pixels (a folded all-identity/avg-pool CNN is one 64 -> 10 linear map);
    L2 strength chosen on validation from a log grid."""
    from sklearn.linear_model import LogisticRegression

    flat = {k: (x.numpy().reshape(len(x), -1), y.numpy()) for k, (x, y) in data.items()}
    best = (-1.0, 0.0, 0.0)
    for C in (0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0):
        m = LogisticRegression(C=C, max_iter=5000).fit(*flat["train"])
        best = max(best, (m.score(*flat["val"]), m.score(*flat["test"]), C))
    return {"acc_val": 100 * best[0], "acc_test": 100 * best[1], "C": best[2]}


def plot_fronts(frame: pd.DataFrame, configs: pd.DataFrame):
    import matplotlib
    import matplotlib.ticker

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(PROTOCOLS), figsize=(11, 4.2))
    style = {("baseline", "none"): ("k", "*", "baseline (mean of seeds)"),
             ("latency", "gate"): ("tab:blue", "o", "latency-in-loss front (ReLU|poly|identity)"),
             ("relu-count", "poly"): ("tab:orange", "s", "ReLU-count front (-> poly)"),
             ("relu-count", "identity"): ("tab:red", "D", "ReLU-count front (-> identity)")}
    for ax, p in zip(axes, PROTOCOLS):
        for (m, r), (col, mk, label) in style.items():
            f = frame[(frame.protocol == p) & (frame.method == m) & (frame.replacement == r)]
            if not len(f):
                continue
            ax.scatter(f.latency_s, 100 * f.acc_test, s=10, color=col, marker=mk, alpha=0.35)
            c = configs[(configs.protocol == p) & (configs.method == m) & (configs.replacement == r)]
            c = c.sort_values(["latency_s", "acc_test"], ascending=[True, False])
            front = c[c.acc_test >= c.acc_test.cummax()]  # config means: max accuracy, min latency
            ax.plot(front.latency_s, front.acc_test, color=col, marker=mk, ms=9 if m == "baseline" else 6,
                    label=label, lw=1.2)
        base = configs[(configs.protocol == p) & (configs.method == "baseline")].iloc[0]
        ax.axvline(base.latency_s / TARGET["speedup"], color="grey", ls="--", lw=0.8,
                   label=f"{TARGET['speedup']:g}x lower latency")
        ax.axhline(base.acc_test - TARGET["acc_drop_pp"], color="grey", ls=":", lw=0.8,
                   label=f"-{TARGET['acc_drop_pp']:g} pp")
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.set_xlabel(f"predicted 2PC latency per sample (s), {p}, WAN")
        ax.set_ylabel("test accuracy (%)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def run(out: Path, *, quick: bool = False, seed: int = 0, weights: str = "shared", network: str = "wan",
        workers: int | None = None, seeds: int | None = None, epochs: int | None = None,
        lambdas: list[float] | None = None, budgets: list[float] | None = None, reuse_runs: str | None = None,
        **options: Any) -> dict[str, Any]:
    """Train all arms, write ``runs.csv``, ``configs.csv``, ``bounds.csv``, ``pareto.png`` and
    ``report.md`` into ``out``; return the headline numbers. ``reuse_runs``: an earlier
    ``runs.csv`` to re-analyse without training."""
    t0 = time.time()
    st = _settings(quick, workers=workers, seeds=seeds, epochs=epochs, lambdas=lambdas, budgets=budgets, **options)
    workload = digits_cnn_workload()
    costs = {p: make_costs(workload, p, weights, network) for p in PROTOCOLS}
    data = digits_split(0)
    if reuse_runs:
        frame = pd.read_csv(reuse_runs)
        if "replacement" not in frame:  # runs.csv from before linearisation: masks used the polynomial
            frame["replacement"] = frame.method.map({"baseline": "none", "latency": "gate"}).fillna("poly")
        st["seeds"] = int(frame.seed.nunique())
        st["reused_from"] = str(reuse_runs)
    else:
        frame = pd.DataFrame(run_jobs(st, costs, data, seed0=int(seed)))
        frame["keep"] = [";".join(f"{v:.4f}" for v in k) for k in frame.keep]
    configs = configs_table(frame)
    heads = headline(configs, PROTOCOLS, TARGET)
    fronts = front_check(configs, PROTOCOLS)
    bounds = bounds_table(weights, network)
    linear = linear_classifier_accuracy(data)
    elapsed = time.time() - t0
    with StudyOutput(out) as so:
        so.table("runs", frame)
        so.table("configs", configs)
        so.table("bounds", bounds)
        so.table("sites", pd.DataFrame([{"protocol": p, **r} for p, c in costs.items() for r in c.to_rows()]))
        so.figure("pareto", plot_fronts(frame, configs))
        so.markdown(_report(st, heads, configs, fronts, bounds, linear, costs, weights, network, elapsed, quick))
    return {"headline": heads.to_dict("records"), "fronts": fronts.to_dict("records"), "linear": linear,
            "elapsed_s": elapsed}


def _report(st, heads, configs, fronts, bounds, linear, costs, weights, network, elapsed, quick) -> str:
    cols = ["protocol", "method", "replacement", "param", "acc_test", "acc_std", "acc_val", "latency_s", "speedup",
            "relus", "choices"]
    repl = {p: ", ".join(sorted(set(configs[(configs.protocol == p) & (configs.method == "relu-count")].replacement)))
            for p in PROTOCOLS}
    ratio = {p: float(np.median(c.latency_s[c.mixed.sites, 0] / c.latency_s[c.mixed.sites, 1])) for p, c in costs.items()}
    per_elem = {p: float(np.median(c.mixed.linear_relu_s / c.mixed.linear_poly_s)) for p, c in costs.items()}
    pub = pd.DataFrame(PUBLISHED
                       + [{"quantity": f"ReLU / polynomial per element, bytes/BW + compute ({p}, {network})",
                           "paper": f"ours {r:.3g}x", "source": "mpc SiteTable of digits-cnn; compare PASNet's per-element "
                           "coefficients (its constants 0.4 / 0.2 per site stand in for rounds)"} for p, r in per_elem.items()]
                       + [{"quantity": f"ReLU / polynomial whole-site latency incl. rounds ({p}, {network})",
                           "paper": f"ours {r:.3g}x", "source": "dse.training.SiteCosts of digits-cnn"}
                          for p, r in ratio.items()])
    return "\n".join([
        "# Latency-aware training on digits under 2PC" + (" (quick mode)" if quick else ""), "",
        f"Runtime {elapsed:.0f} s, {st['workers']} worker processes, {st['seeds']} seed(s) per configuration."
        + (f" Re-analysed from `{st['reused_from']}` (no training in this run)." if st.get("reused_from") else ""),
        "`choices` per site in workload order: R/P/I = ReLU/polynomial/identity (linearised) site, m = partly "
        "kept (masks), M/A = max/avg pool.",
        "", "Replacement options per arm: latency-in-loss = a three-way softmax gate per ReLU site (ReLU, "
        "polynomial, identity; `replacement` = gate); ReLU-count = per-element masks, one run per replacement "
        "that makes the all-replaced network cheaper than the all-ReLU one: "
        + "; ".join(f"{p}: {r}" for p, r in repl.items()) + ".",
        "", "## Headline (operating point chosen on validation; test accuracy, mean over seeds)", "",
        f"Target: >= {TARGET['speedup']:g}x lower predicted latency than the all-ReLU network at <= "
        f"{TARGET['acc_drop_pp']:g} pp accuracy loss.", "", markdown_table(heads), "",
        "## Fronts at equal latency (latency-in-loss vs ReLU-count)", "",
        "For each ReLU-count configuration: the best latency-in-loss (or baseline) accuracy at no more latency, "
        "the margin (pp, positive = latency-in-loss better) and the standard error of that difference over "
        "seeds.", "", markdown_table(fronts), "",
        "## Best possible reduction for this network (cost model only, no training)", "",
        "Exhaustive over every site's options (ReLU/polynomial/identity, max/avg pool); `all_poly_s` / "
        "`all_identity_s` with the cheaper pools; `max_speedup_no_identity` without linearisation. The pool-free "
        "variant has stride-2 convolutions instead of max-pools. `folded`: the same search after folding every run "
        "of linear layers into one dense layer (DepthShrinker-style; one linear protocol step and one truncation "
        "per run), best overall and best with at least one non-linear site kept.", "", markdown_table(bounds), "",
        _linear_note(bounds, linear, configs), "",
        "## All configurations", "", markdown_table(configs[cols]), "",
        "## Published figures for context", "", markdown_table(pub), "",
        "## Assumed constants and settings", "",
        f"- Network `{network}` (mpc data/networks.csv: WAN 400 Mbit/s, 40 ms RTT; OpenCheetah throttle.sh); "
        f"weights `{weights}` for CrypTen, `public` for CrypTFlow2 (it needs the server's plaintext weights).",
        "- Polynomial: degree 2 (`a x^2 + b x + c` per channel, init `0.005 x^2 + x`, PASNet PolyAct). Identity "
        "(linearised ReLU): priced by the `mpc` model on the workload with the site's `fn` set to `identity` "
        "(" + ", ".join(f"{p}: {float(np.max(c.latency_s[c.mixed.sites, 2])):g} s per site" for p, c in costs.items())
        + "); the adjacent linear layers are not fused.",
        f"- Training: Adam lr {st['lr']} cosine, {st['epochs']} epochs, batch {st['batch']}, random shifts of up to "
        f"{st['shift']} px; search "
        f"{st['search_epochs']} epochs (gate lr {st['arch_lr']}, mask lr {st['mask_lr']}), fine-tune "
        f"{st['finetune_epochs']} epochs lr {st['finetune_lr']}, KD weight {st['kd_weight']} at T={st['kd_temperature']}.",
        f"- lambda values {st['lambdas']}; ReLU budgets (fraction kept) {st['budgets']}, mu={st['mu']}, "
        f"hysteresis t={st['threshold']} (AutoReP default 1e-3).",
        "- Latency is per sample (batch 1), online phase; CrypTen's dealer-made triples are not counted "
        "[CrypTen21; crypten 0.4.1, measured].", ""])


def _linear_note(bounds: pd.DataFrame, linear: dict[str, float], configs: pd.DataFrame) -> str:
    """What folding allows against the target: an all-linear network is one 64 -> 10 map, so its
    accuracy is at most that of the best linear classifier."""
    b = bounds[bounds.workload == "digits-cnn"].set_index("protocol")
    base = float(configs[configs.method == "baseline"].acc_test.iloc[0])
    parts = [f"{p}: {b.max_speedup_folded[p]:.2f}x all-linear ({b.best_folded_choices[p]}), "
             f"{b.max_speedup_folded_nonlinear[p]:.2f}x with a non-linearity kept "
             f"({b.best_folded_nonlinear_choices[p]})" for p in PROTOCOLS]
    return (f"Folded bounds: {'; '.join(parts)}. The best linear classifier on this split (logistic regression, "
            f"C = {linear['C']:g} chosen on validation) reaches {linear['acc_test']:.2f}% test accuracy against the "
            f"all-ReLU network's {base:.2f}% ({base - linear['acc_test']:.2f} pp lower): a configuration that needs the "
            f"all-linear network to reach {TARGET['speedup']:g}x cannot stay within {TARGET['acc_drop_pp']:g} pp.")


def _options(ap) -> None:
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--weights", default="shared", choices=("shared", "public"))
    ap.add_argument("--reuse-runs", default=None, help="re-analyse an earlier runs.csv (no training)")


def _show(res: dict[str, Any]) -> None:
    print(pd.DataFrame(res["headline"]).to_string(index=False))
    print(f"done in {res['elapsed_s']:.0f} s")


def main(argv: list[str] | None = None) -> int:
    return script_main("latency_aware_training", __doc__, run, argv, options=_options, show=_show)


if __name__ == "__main__":
    raise SystemExit(main())
