"""KPP under crossbar device variation: no noise vs Gaussian vs right-censored Gaussian training.

Question: does training with right-censored Gaussian weight noise raise the k-th percentile
performance (KPP, k = 1) of a network on an NVCiM accelerator, as Yan et al. report (ICCAD'23,
arXiv 2307.15853: "up to 26% KPP improvement" over prior methods; [KPP23])?

Setup: scikit-learn's digits (8x8, 10 classes; stratified 55/15/30 train/val/test split), a
64-64-10 MLP (or a small CNN), 8-bit weights on 2-bit devices (Notre Dame model, sigma_w =
0.778 sigma max|W|), device sigma in {0.1, 0.2, 0.3}. For each sigma, the noise-injection
hyperparameters (training sigma multiplier; censor threshold and re-centring for the censored
noise) are chosen on the validation split by 1st-percentile accuracy (the paper's "found
automatically" step, here a small grid), then the chosen networks are evaluated on the test split
with ``draws`` Monte Carlo device instances; KPP comes with a distribution-free 95% interval.
Run: ``python studies/cim_kpp.py [--quick]`` or ``dse study run studies/cim_kpp.toml``.
"""

from __future__ import annotations

import itertools
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from costmodels.cim import weight_sigma_factor
from costmodels.cim.experiment import make_net, make_sampler, train_variant
from costmodels.cim.montecarlo import kpp, mc_accuracy
from costmodels.cim.network import accuracy
from costmodels.cim.train import load_digits
from dse.report import StudyOutput, markdown_table
from dse.study import script_main

__all__ = ["PUBLISHED", "main", "run"]

PUBLISHED = {"kpp_improvement_max": 0.26, "source": "Yan et al., ICCAD'23, arXiv 2307.15853 abstract [P]"}
ARMS = ("none", "gaussian", "rc-gaussian")


def _grid(quick: bool) -> dict[str, list[dict[str, Any]]]:
    mults = (1.0,) if quick else (1.0, 1.5)
    rc = ((1.0, True),) if quick else ((1.0, False), (2.0, False), (0.5, True), (1.0, True))
    return {"none": [{}],
            "gaussian": [{"mult": m} for m in mults],
            "rc-gaussian": [{"mult": m, "censor": c, "center": ct} for m, (c, ct) in itertools.product(mults, rc)]}


def run(out: Path, *, quick: bool = False, seed: int = 0, arch: str = "mlp",
        sigmas: list[float] | None = None, seeds: int | None = None, draws: int | None = None,
        val_draws: int | None = None, epochs: int | None = None, k: float = 1.0) -> dict[str, Any]:
    """Train the three arms per sigma and seed, pick hyperparameters on validation, report test KPP."""
    t_start = time.time()
    sigmas = list(sigmas or ([0.2] if quick else [0.1, 0.2, 0.3]))
    seeds = seeds or (1 if quick else 2)
    draws = draws or (100 if quick else 1000)
    val_draws = val_draws or (30 if quick else 200)
    epochs = epochs or (5 if quick else 30)
    factor = float(weight_sigma_factor(8, 2))
    data = load_digits(seed, image=arch != "mlp")
    grid = _grid(quick)
    cand_rows, rows, dists = [], [], {}
    for s_i in range(seeds):
        mseed = seed + s_i
        net0 = make_net(arch, mseed)
        trained_none = train_variant(net0, data["x_train"], data["y_train"], "none", epochs=epochs, seed=mseed)
        for sigma in sigmas:
            sampler = make_sampler("gaussian", sigma=sigma)
            best: dict[str, tuple[float, Any, dict]] = {}
            for arm, configs in grid.items():
                for cfg in configs:
                    net = trained_none if arm == "none" else train_variant(
                        net0, data["x_train"], data["y_train"], arm, train_sigma=cfg["mult"] * sigma * factor,
                        censor=cfg.get("censor", 1.0), center=cfg.get("center", False), epochs=epochs, seed=mseed)
                    val = kpp(mc_accuracy(net, data["x_val"], data["y_val"], sampler, val_draws, seed=mseed + 101), k)
                    cand_rows.append({"seed": mseed, "sigma": sigma, "training": arm, **cfg,
                                      "val_kpp": val.value, "val_mean": val.mean})
                    score = (val.value, val.mean)
                    if arm not in best or score > best[arm][0]:
                        best[arm] = (score, net, cfg)
            for arm in ARMS:
                _, net, cfg = best[arm]
                acc = mc_accuracy(net, data["x_test"], data["y_test"], sampler, draws, seed=mseed + 202)
                r = kpp(acc, k)
                dists[(mseed, sigma, arm)] = acc
                rows.append({"seed": mseed, "sigma": sigma, "training": arm,
                             "train_sigma": cfg.get("mult", 0.0) * sigma * factor, "censor": cfg.get("censor"),
                             "center": cfg.get("center"), "clean_accuracy": float(accuracy(net, data["x_test"], data["y_test"])),
                             "mean": r.mean, "kpp": r.value, "kpp_lo": r.lo, "kpp_hi": r.hi, "draws": r.n})
    results = pd.DataFrame(rows)
    summary = _summary(results)
    head = _headline(summary)
    head["runtime_s"] = round(time.time() - t_start, 1)
    _write(out, results, pd.DataFrame(cand_rows), summary, dists, head,
           dict(arch=arch, sigmas=sigmas, seeds=seeds, draws=draws, val_draws=val_draws, epochs=epochs, k=k,
                factor=factor, test_n=len(data["y_test"]), quick=quick, seed=seed))
    return head


def _summary(results: pd.DataFrame) -> pd.DataFrame:
    """Per sigma: KPP and mean per arm (mean over seeds), the differences, and whether the
    right-censored arm's KPP interval lies wholly above the Gaussian arm's (``rcg_beats_gauss``)."""
    g = results.groupby(["sigma", "training"])[["clean_accuracy", "mean", "kpp", "kpp_lo", "kpp_hi"]].mean() \
        .unstack("training")
    rows = []
    for sigma in g.index:
        kp = g.loc[sigma, "kpp"]
        rows.append({"sigma": sigma, **{f"kpp_{a}": kp[a] for a in ARMS},
                     **{f"kpp_lo_{a}": g.loc[sigma, "kpp_lo"][a] for a in ARMS},
                     **{f"kpp_hi_{a}": g.loc[sigma, "kpp_hi"][a] for a in ARMS},
                     **{f"mean_{a}": g.loc[sigma, "mean"][a] for a in ARMS},
                     "rcg_minus_gauss_pp": 100 * (kp["rc-gaussian"] - kp["gaussian"]),
                     "rcg_minus_none_pp": 100 * (kp["rc-gaussian"] - kp["none"]),
                     "rcg_over_gauss_rel": kp["rc-gaussian"] / kp["gaussian"] - 1.0,
                     "rcg_beats_gauss": bool(g.loc[sigma, "kpp_lo"]["rc-gaussian"] > g.loc[sigma, "kpp_hi"]["gaussian"])})
    return pd.DataFrame(rows)


def _headline(summary: pd.DataFrame) -> dict[str, Any]:
    """The paper's comparison first: right-censored vs Gaussian noise training, at every sigma."""
    head: dict[str, Any] = {}
    for r in summary.itertuples():
        head[f"rcg_minus_gauss_pp_sigma{r.sigma:g}"] = float(r.rcg_minus_gauss_pp)
        head[f"rcg_beats_gauss_sigma{r.sigma:g}"] = bool(r.rcg_beats_gauss)
    i = int(summary["rcg_minus_gauss_pp"].idxmax())
    head.update({"best_sigma": float(summary.sigma[i]),
                 "kpp_none": float(summary.kpp_none[i]), "kpp_gaussian": float(summary.kpp_gaussian[i]),
                 "kpp_rc_gaussian": float(summary["kpp_rc-gaussian"][i]),
                 "rcg_minus_gauss_pp": float(summary.rcg_minus_gauss_pp[i]),
                 "rcg_minus_none_pp": float(summary.rcg_minus_none_pp[i]),
                 "published_max_improvement_pct": 100 * PUBLISHED["kpp_improvement_max"]})
    return head


def _write(out: Path, results: pd.DataFrame, cands: pd.DataFrame, summary: pd.DataFrame,
           dists: dict, head: dict, opts: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.5))
    for arm, mk in zip(ARMS, "osd"):
        part = results[results.training == arm].groupby("sigma")
        m, lo, hi = part.kpp.mean(), part.kpp_lo.mean(), part.kpp_hi.mean()
        lo = lo.where(np.isfinite(lo), m)
        ax.errorbar(m.index, m.values, yerr=[m.values - lo.values, hi.values - m.values], marker=mk, capsize=3, label=arm)
    ax.set_xlabel("device sigma (device-range units)")
    ax.set_ylabel(f"KPP (k={opts['k']:g}) test accuracy")
    ax.legend()
    ax.grid(alpha=0.3)
    fig2, ax2 = plt.subplots(figsize=(5, 3.5))
    mid = opts["sigmas"][len(opts["sigmas"]) // 2]
    for arm in ARMS:
        acc = np.concatenate([v for (s, sg, a), v in dists.items() if sg == mid and a == arm])
        ax2.hist(acc, bins=30, alpha=0.5, label=arm)
    ax2.set_xlabel(f"test accuracy per device instance (sigma={mid:g})")
    ax2.set_ylabel("draws")
    ax2.legend()
    assumed = pd.DataFrame([
        {"constant": "weight/device bits", "value": "8 / 2", "source": "Notre Dame WEIGHT_BIT, DEVICE_BIT (NeFT_CIM config.py) [V]"},
        {"constant": "sigma_w factor", "value": f"{opts['factor']:.4f}", "source": "sqrt(sum 4^iD)/sum 2^iD [NeFT23, code]"},
        {"constant": "training", "value": f"Adam lr 3e-3, batch 64, {opts['epochs']} epochs", "source": "ours"},
        {"constant": "hyperparameter grid", "value": "train sigma x{1, 1.5}; censor 1, 2 / 0.5, 1 re-centred", "source": "ours (paper: automated search)"},
        {"constant": "Monte Carlo draws", "value": f"{opts['draws']} test, {opts['val_draws']} validation", "source": "paper: MC_times = 1000 (NeFT_CIM config.py)"},
    ])
    text = [
        "# KPP of noise-injection training under crossbar device variation\n",
        __doc__.split("\n\n")[1] + "\n",
        (f"Network `{opts['arch']}`, {opts['seeds']} seed(s), {opts['test_n']} test images, k = {opts['k']:g}. "
         "KPP is the order statistic X_(ceil(n k/100)); its 95% interval is distribution-free (binomial ranks).\n"),
        "## Test KPP by training arm (mean over seeds)\n",
        markdown_table(summary),
        "\n## Ours vs the paper\n",
        markdown_table(pd.DataFrame([
            {"quantity": "KPP gain of right-censored over Gaussian noise training (the paper's baseline), pp",
             "ours": "; ".join(f"sigma={r.sigma:g}: {r.rcg_minus_gauss_pp:+.1f} ({r.rcg_over_gauss_rel:+.1%}, "
                               f"{'intervals separate' if r.rcg_beats_gauss else 'within the 95% intervals'})"
                               for r in summary.itertuples()),
             "published": "up to 26% over prior methods", "source": PUBLISHED["source"]},
            {"quantity": "KPP gain of right-censored over no-noise training (not the paper's comparison), pp",
             "ours": "; ".join(f"sigma={r.sigma:g}: {r.rcg_minus_none_pp:+.1f}" for r in summary.itertuples()),
             "published": "-", "source": "-"}])),
        "\n## Per-seed test results\n", markdown_table(results),
        "\n## Assumed constants\n", markdown_table(assumed),
        (f"\nRun time {head['runtime_s']} s. Files: `kpp_results.csv`, `kpp_candidates.csv` (validation grid), "
         "`kpp_vs_sigma.png`, `kpp_hist.png`, `summary.json`.\n"),
    ]
    with StudyOutput(out) as so:
        so.table("kpp_results", results)
        so.table("kpp_candidates", cands)
        so.table("kpp_summary", summary)
        so.figure("kpp_vs_sigma", fig)
        so.figure("kpp_hist", fig2)
        so.json("summary", {"headline": head, "options": opts, "published": PUBLISHED})
        so.markdown("\n".join(text))


def main(argv: list[str] | None = None) -> int:
    return script_main("cim_kpp", __doc__, run, argv,
                       options=lambda ap: ap.add_argument("--arch", default="mlp", choices=("mlp", "cnn", "resnet")))


if __name__ == "__main__":
    raise SystemExit(main())
