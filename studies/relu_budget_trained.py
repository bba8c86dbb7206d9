"""Pyomo -> training: nested ReLU budgets chosen by the MILP from sensitivities measured by training.

Question: does the ReLU-budget MILP (``costmodels/mpc/relu_budget.py``, Pyomo + HiGHS) place the
ReLUs better when its per-channel sensitivities are *measured by training* rather than uniform
(today's ``relu_budget.py`` study), once one network is trained to serve every budget (AdaPI-style
nested masks, [AdaPI24])?

Per seed: the all-ReLU digits CNN is pre-trained; ``dse.training.nested.measure_sensitivity``
fine-tunes it once per ReLU site with that site replaced by the polynomial (validation
cross-entropy rise per removed ReLU) and ranks the channels of each site by ablation; the MILP
chooses, for the nested budgets, how many channels of each site stay ReLU (CrypTen 2PC, shared
weights, WAN; the rest become a trainable ``a x^2 + b x + c`` per channel), once with the measured
sensitivities (arm ``measured``) and once with uniform ones (arm ``uniform``: the same budget,
placed to minimise latency). Each arm then trains **one** network for all budgets (nested masks,
``fit_nested``: every batch under every budget, KD from the all-ReLU network) and reports
validation/test accuracy and the exact 2PC latency at each budget.

Run ``python studies/relu_budget_trained.py [--quick]``; writes ``sensitivity.csv``,
``allocations.csv``, ``runs.csv``, ``summary.csv``, ``budgets.png`` and ``report.md``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from latency_aware_training import _net, digits_cnn_workload, digits_split  # noqa: E402

from costmodels.mpc import latency_table  # noqa: E402
from costmodels.mpc.relu_budget import allocate  # noqa: E402
from dse.report import StudyOutput, markdown_table  # noqa: E402
from dse.study import script_main  # noqa: E402
from dse.training.loop import accuracy, fit  # noqa: E402
from dse.training.nested import bind_nested, fit_nested, measure_sensitivity, set_budget  # noqa: E402

__all__ = ["run", "main", "settings", "nested_masks", "one_seed"]

REQUIRES = ("torch", "sklearn", "pyomo")


def settings(quick: bool, **over: Any) -> dict[str, Any]:
    s = {"seeds": 1 if quick else 3, "pretrain_epochs": 6 if quick else 20, "sens_epochs": 1 if quick else 2,
         "nested_epochs": 4 if quick else 12, "budget_fractions": [0.02, 0.08, 0.25], "lr": 3e-3, "batch": 64,
         "protocol": "crypten", "weights": "shared", "network": "wan", "kd_weight": 0.9, "kd_temperature": 4.0}
    s.update({k: v for k, v in over.items() if v is not None})
    return s


def nested_masks(kept_units: np.ndarray, order: list[np.ndarray]) -> list[np.ndarray]:
    """Per site ``(K, C)`` keep masks: budget ``k`` keeps the ``kept_units[k, s]`` first channels of
    ``order[s]`` (most sensitive first), so the masks are nested when ``kept_units`` grows with ``k``."""
    K, S = kept_units.shape
    masks = []
    for s in range(S):
        m = np.zeros((K, len(order[s])), dtype=np.float32)
        for k in range(K):
            m[k, order[s][: int(kept_units[k, s])]] = 1.0
        masks.append(m)
    return masks


def one_seed(st: dict[str, Any], seed: int) -> dict[str, Any]:
    data = digits_split(0)
    (Xtr, ytr), (Xva, yva), (Xte, yte) = data["train"], data["val"], data["test"]
    net = _net(seed)
    fit(net, Xtr, ytr, epochs=st["pretrain_epochs"], lr=st["lr"], batch=st["batch"], seed=seed)
    base = {"acc_val": 100 * accuracy(net, Xva, yva), "acc_test": 100 * accuracy(net, Xte, yte)}
    t = time.perf_counter()
    sens = measure_sensitivity(net, data, epochs=st["sens_epochs"], lr=st["lr"] / 3, batch=st["batch"], seed=seed)
    sens_s = time.perf_counter() - t
    table = latency_table(digits_cnn_workload(), st["protocol"], 2, st["weights"], st["network"])
    budgets = np.round(np.asarray(st["budget_fractions"]) * table.total_relus)
    arms = {"measured": [np.asarray(c, float) for c in sens["channel"]], "uniform": None}
    rows, allocs = [], []
    for arm, sigma in arms.items():
        t = time.perf_counter()
        a = allocate(table, budgets, sigma)
        milp_s = time.perf_counter() - t
        order = [np.argsort(-s, kind="stable") for s in sigma] if sigma is not None else \
            [np.arange(c) for c in table.channels]
        masks = nested_masks(a.kept_units, order)
        student, teacher = _net(seed), _net(seed)
        student.load_state_dict(net.state_dict())
        teacher.load_state_dict(net.state_dict())
        acts = bind_nested(student, masks)
        t = time.perf_counter()
        fit_nested(student, acts, Xtr, ytr, epochs=st["nested_epochs"], lr=st["lr"] / 3, batch=st["batch"], seed=seed,
                   teacher=teacher, kd_weight=st["kd_weight"], kd_temperature=st["kd_temperature"])
        train_s = time.perf_counter() - t
        for k, b in enumerate(budgets):
            set_budget(acts, k)
            rows.append({"seed": seed, "arm": arm, "budget": int(b), "relus": float(a.relus[k]),
                         "latency_s": float(a.latency_s[k]), "comm_bytes": float(a.comm_bytes[k]),
                         "acc_val": 100 * accuracy(student, Xva, yva), "acc_test": 100 * accuracy(student, Xte, yte),
                         "milp_s": milp_s, "train_s": train_s})
            allocs.append({"seed": seed, "arm": arm, "budget": int(b),
                           **{f"kept[{n}]": int(u) for n, u in zip(table.sites, a.kept_units[k])}})
    sens_rows = [{"seed": seed, "site": n, "elements": int(e), "loss_per_relu": float(v), "ce_rise": float(d)}
                 for n, e, v, d in zip(table.sites, sens["elements"], sens["site"], sens["site_delta"])]
    return {"runs": rows, "allocs": allocs, "sens": sens_rows, "base": {"seed": seed, **base, "sens_s": sens_s}}


def run(out: Path, *, quick: bool = False, seed: int = 0, seeds: int | None = None) -> dict[str, Any]:
    import torch

    torch.set_num_threads(1)
    t0 = time.perf_counter()
    st = settings(quick, seeds=seeds)
    res = [one_seed(st, seed + i) for i in range(int(st["seeds"]))]
    runs = pd.DataFrame([r for x in res for r in x["runs"]])
    summary = (runs.groupby(["arm", "budget"], as_index=False)
               .agg(relus=("relus", "mean"), latency_s=("latency_s", "max"), acc_val=("acc_val", "mean"),
                    acc_test=("acc_test", "mean"), acc_test_std=("acc_test", "std")))
    base = pd.DataFrame([x["base"] for x in res])
    wide = summary.pivot(index="budget", columns="arm", values="acc_test")
    diff = runs.pivot_table(index=["seed", "budget"], columns="arm", values="acc_test")
    gain = (diff["measured"] - diff["uniform"]).groupby("budget").agg(["mean", "std", "count"])
    head = {"base_acc_test": float(base.acc_test.mean()), "elapsed_s": time.perf_counter() - t0,
            **{f"gain_pp@{int(b)}": float(gain.loc[b, "mean"]) for b in gain.index}}
    with StudyOutput(out) as so:
        so.table("runs", runs)
        so.table("summary", summary)
        so.table("allocations", pd.DataFrame([r for x in res for r in x["allocs"]]))
        so.table("sensitivity", pd.DataFrame([r for x in res for r in x["sens"]]))
        so.figure("budgets", _plot(summary))
        so.markdown(_report(st, base, summary, wide, gain, head))
        so.json("headline", head)
    return head


def _plot(summary: pd.DataFrame) -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for arm, marker in (("measured", "o"), ("uniform", "s")):
        r = summary[summary.arm == arm].sort_values("latency_s")
        ax.plot(r.latency_s, r.acc_test, marker=marker, label=f"MILP, {arm} sensitivity")
    ax.set_xlabel("2PC latency per sample (s), CrypTen WAN")
    ax.set_ylabel("test accuracy (%), one nested network")
    ax.legend(fontsize=8)
    return fig


def _report(st, base, summary, wide, gain, head) -> str:
    g = gain.reset_index()
    g["se"] = g["std"] / np.sqrt(g["count"])
    return "\n".join([
        "# Nested ReLU budgets from the MILP with measured sensitivities (digits CNN, CrypTen 2PC, WAN)", "",
        f"All-ReLU network: test {base.acc_test.mean():.2f}% (mean of {len(base)} seeds). Budgets "
        f"{st['budget_fractions']} of the ReLUs; one nested network per arm and seed.", "",
        "## Accuracy and latency at each budget", "", markdown_table(summary), "",
        "## Measured minus uniform sensitivity (test accuracy, pp; SE over seeds)", "", markdown_table(g), "",
        f"Settings: `{st}`. Elapsed {head['elapsed_s']:.0f} s.", ""])


def _options(ap) -> None:
    ap.add_argument("--seeds", type=int, default=None)


def main(argv: list[str] | None = None) -> int:
    return script_main("relu_budget_trained", __doc__, run, argv, options=_options)


if __name__ == "__main__":
    raise SystemExit(main())
