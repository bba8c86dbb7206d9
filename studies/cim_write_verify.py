"""Selective write-verify (SWIM): accuracy vs fraction of weights verified, and programming time.

Question: if only a fraction of the weights is write-verified, chosen by SWIM's second-derivative
sensitivity, by magnitude or at random, how much accuracy is kept and how much programming time
is saved? Published: SWIM (Yan, Hu, Shi, DAC'22, arXiv 2202.08395) reaches accuracy comparable to
full write-verify with up to 10x programming speed-up; U-SWIM (arXiv 2401.05357) and TSB (only a
tiny shared block, < 0.4% of the weights, is verified; arXiv 2406.06544) follow the same line
[SWIM22].

Setup: the digits CNN (conv3x3(16)-pool-64-10; ``--arch mlp``: a 64-64-10 MLP) trained without
noise on scikit-learn's digits; a fine grid of verified fractions (1, 2, 3, 5, 7.5, 10, 15, 20, 25,
30, 40, 50, 75 %); Notre Dame device variation
(8-bit weights on 2-bit devices) at device sigma in {0.2, 0.3}; a verified weight keeps the
residual std of a normal truncated at the write-verify tolerance (sigma 0.1 -> 0.01, the SWIM
code's 10:1 ``dev_var``/``write_var`` ratio). Programming time comes from the crossbar cost model
(``verify_fraction`` knob, geometric write-verify iterations). A TSB-style point verifies one
whole layer (the output layer). Run: ``python studies/cim_write_verify.py [--quick]``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from costmodels.cim import CrossbarModel, constant, verified_sigma
from costmodels.cim.experiment import make_net, train_variant
from costmodels.cim.montecarlo import kpp, mc_accuracy
from costmodels.cim.network import accuracy, to_workload
from costmodels.cim.swim import block_mask, select, sensitivity, verified_weights
from costmodels.cim.train import load_digits
from dse.report import StudyOutput, markdown_table
from dse.study import script_main

__all__ = ["PUBLISHED", "main", "run"]

PUBLISHED = {"swim_speedup_max": 10.0, "swim_source": "Yan, Hu, Shi, DAC'22, arXiv 2202.08395 abstract [P]",
             "tsb_fraction_max": 0.004, "tsb_source": "Qin et al., arXiv 2406.06544 abstract [P]"}
METHODS = ("swim", "magnitude", "random")
#: verified fractions: fine below 20 % (the speed-up at <= 1 pp is read on this grid, not between
#: 20 % and 50 % as a coarse grid would force)
FINE_GRID = [0.0, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1.0]


def _program_time(net: Any, fractions: list[float], sigma: float) -> np.ndarray:
    """Crossbar-model programming time (s) of ``net`` for each verified fraction."""
    model = CrossbarModel()
    n = len(fractions)
    design = {"sigma": [sigma] * n, "verify_fraction": list(fractions)}
    return np.asarray(model.evaluate(to_workload(net), design).numpy().totals["program_time_s"])


def measure(*, quick: bool = False, seed: int = 0, sigmas: list[float] | None = None,
            fractions: list[float] | None = None, draws: int | None = None, epochs: int | None = None,
            arch: str = "cnn", methods: tuple[str, ...] = METHODS) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The measurement behind :func:`run`: one row per (sigma, method, fraction), plus the TSB-style
    layer row when every method is measured. ``methods`` lets a claim measure one selection rule
    (the rows of a method do not depend on the others)."""
    sigmas = list(sigmas or ([0.3] if quick else [0.2, 0.3]))
    fractions = list(fractions or ([0.0, 0.05, 1.0] if quick else FINE_GRID))
    draws = draws or (50 if quick else 300)
    epochs = epochs or (6 if quick else 40)
    tol = constant("wv_tolerance")
    data = load_digits(seed, image=arch != "mlp")
    net = train_variant(make_net(arch, seed), data["x_train"], data["y_train"], "none", epochs=epochs, seed=seed)
    clean = float(accuracy(net, data["x_test"], data["y_test"]))
    scores = {m: sensitivity(net, m, data["x_train"], data["y_train"]) for m in methods}
    rows = []
    for sigma in sigmas:
        times = _program_time(net, fractions, sigma)
        full_t = float(_program_time(net, [1.0], sigma)[0])
        for method in methods:
            for f, t_prog in zip(fractions, times):
                masks = select(scores[method], f, rng=np.random.default_rng(seed + 7), random=method == "random")
                rows.append(_evaluate(net, data, masks, sigma, tol, draws, seed, method, f, t_prog, full_t))
        if tuple(methods) == METHODS:
            tsb = block_mask(net, -1)
            f_tsb = float(sum(m.sum() for m in tsb) / net.n_weights)
            t_tsb = float(_program_time(net, [f_tsb], sigma)[0])
            rows.append(_evaluate(net, data, tsb, sigma, tol, draws, seed, "tsb-layer", f_tsb, t_tsb, full_t))
    info = {"clean": clean, "n_weights": net.n_weights, "sigmas": sigmas, "fractions": fractions, "draws": draws,
            "epochs": epochs, "tol": tol}
    return pd.DataFrame(rows), info


def run(out: Path, *, quick: bool = False, seed: int = 0, sigmas: list[float] | None = None,
        fractions: list[float] | None = None, draws: int | None = None, epochs: int | None = None,
        tolerance_pp: float = 1.0, arch: str = "cnn") -> dict[str, Any]:
    """Accuracy and programming time for each (sigma, method, fraction); see the module docstring."""
    t0 = time.time()
    results, info = measure(quick=quick, seed=seed, sigmas=sigmas, fractions=fractions, draws=draws,
                            epochs=epochs, arch=arch)
    sigmas, fractions, draws, epochs, tol = (info[k] for k in ("sigmas", "fractions", "draws", "epochs", "tol"))
    summary = _summary(results, tolerance_pp)
    head = {"clean_accuracy": info["clean"], "n_weights": info["n_weights"],
            "verified_sigma_at_0.1": float(verified_sigma(np.asarray(0.1), tol)),
            **{f"{r.method}_speedup_sigma{r.sigma:g}": r.speedup for r in summary.itertuples()},
            **{f"{r.method}_gap_closed_10pct_sigma{r.sigma:g}": r.gap_closed_at_10pct for r in summary.itertuples()},
            "published_swim_speedup_max": PUBLISHED["swim_speedup_max"], "runtime_s": round(time.time() - t0, 1)}
    _write(out, results, summary, head, dict(sigmas=sigmas, fractions=fractions, draws=draws, epochs=epochs,
                                             tolerance_pp=tolerance_pp, tol=tol, seed=seed, quick=quick, arch=arch))
    return head


def _evaluate(net: Any, data: dict, masks: list, sigma: float, tol: float, draws: int, seed: int,
              method: str, fraction: float, t_prog: float, full_t: float) -> dict[str, Any]:
    sampler = lambda ws, rng, n: verified_weights(net, masks, sigma, rng, n, tol=tol)
    acc = mc_accuracy(net, data["x_test"], data["y_test"], sampler, draws, seed=seed + 303)
    r = kpp(acc, 1.0)
    return {"sigma": sigma, "method": method, "fraction": fraction, "mean": r.mean, "mean_lo": r.mean_lo,
            "mean_hi": r.mean_hi, "kpp1": r.value, "program_time_s": t_prog, "speedup_vs_full": full_t / t_prog}


def _summary(results: pd.DataFrame, tol_pp: float) -> pd.DataFrame:
    """Per (sigma, method): smallest fraction within ``tol_pp`` points of full write-verify accuracy,
    its speed-up, and the share of the (no verify -> full verify) accuracy gap closed at 5% / 10%."""
    rows = []
    for (sigma, method), part in results[results.method.isin(METHODS)].groupby(["sigma", "method"]):
        full = float(part[part.fraction == 1.0]["mean"].iloc[0])
        none = float(part[part.fraction == 0.0]["mean"].iloc[0])
        ok = part[part["mean"] >= full - tol_pp / 100.0].sort_values("fraction")
        best = ok.iloc[0]

        def closed(f: float, part: pd.DataFrame = part, none: float = none, full: float = full) -> float:
            at = part[np.isclose(part.fraction, f)]
            return float((at["mean"].iloc[0] - none) / (full - none)) if len(at) and full > none else float("nan")

        rows.append({"sigma": sigma, "method": method, "full_verify_mean": full, "no_verify_mean": none,
                     "gap_closed_at_5pct": closed(0.05), "gap_closed_at_10pct": closed(0.1),
                     "fraction_needed": float(best.fraction), "mean_at_fraction": float(best["mean"]),
                     "speedup": float(best.speedup_vs_full)})
    return pd.DataFrame(rows)


def _write(out: Path, results: pd.DataFrame, summary: pd.DataFrame, head: dict, opts: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(opts["sigmas"]), figsize=(5 * len(opts["sigmas"]), 3.6), squeeze=False)
    for ax, sigma in zip(axes[0], opts["sigmas"]):
        part = results[results.sigma == sigma]
        for method, mk in zip(METHODS, "osd"):
            p = part[part.method == method].sort_values("fraction")
            ax.plot(np.maximum(p.fraction, 1e-3), p["mean"], marker=mk, label=method)
        t = part[part.method == "tsb-layer"]
        ax.plot(t.fraction, t["mean"], "k*", ms=10, label="TSB-style layer")
        ax.set_xscale("log")
        ax.set_xlabel("fraction of weights write-verified (0 shown at 1e-3)")
        ax.set_ylabel("mean test accuracy")
        ax.set_title(f"device sigma = {sigma:g}")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig2, ax2 = plt.subplots(figsize=(5, 3.5))
    p = results[(results.method == "swim") & (results.sigma == opts["sigmas"][-1])].sort_values("fraction")
    ax2.plot(p.fraction, p.speedup_vs_full, marker="o")
    ax2.set_xscale("log")
    ax2.set_yscale("log")
    ax2.set_xlabel("fraction write-verified")
    ax2.set_ylabel("programming speed-up vs full write-verify")
    ax2.grid(alpha=0.3)
    assumed = pd.DataFrame([
        {"constant": "write-verify tolerance", "value": f"{opts['tol']:g} (device range)", "source": "data/constants.csv wv_tolerance [M], SWIM code 10:1 ratio"},
        {"constant": "t_write / t_verify", "value": f"{constant('t_write'):g} s / {constant('t_verify'):g} s", "source": "data/constants.csv [M]"},
        {"constant": "write-verify iterations", "value": "1 / erf(tol / (sigma sqrt 2))", "source": "geometric retries (costmodels/cim/writeverify.py) [M]"},
        {"constant": "accuracy tolerance", "value": f"{opts['tolerance_pp']} pp of full write-verify", "source": "ours ('comparable accuracy')"},
        {"constant": "Monte Carlo draws", "value": str(opts["draws"]), "source": "ours"},
    ])
    best = summary[summary.method == "swim"]
    text = [
        "# Selective write-verify (SWIM) on a crossbar\n", __doc__.split("\n\n")[1] + "\n",
        (f"Clean test accuracy {head['clean_accuracy']:.4f}; {head['n_weights']} crossbar weights. A verified weight's "
         f"device error std: sigma 0.1 -> {head['verified_sigma_at_0.1']:.4f}.\n"),
        "## Fraction needed for accuracy within the tolerance of full write-verify\n", markdown_table(summary),
        "\n## Ours vs the papers\n",
        markdown_table(pd.DataFrame([
            {"quantity": "share of the accuracy gap closed by verifying 10% of the weights (SWIM / magnitude / random)",
             "ours": "; ".join(f"sigma={g:g}: " + " / ".join(f"{v:.0%}" for v in summary[summary.sigma == g].set_index("method").loc[list(METHODS), "gap_closed_at_10pct"])
                               for g in opts["sigmas"]),
             "published": "SWIM > magnitude > random (direction)", "source": PUBLISHED["swim_source"]},
            {"quantity": f"SWIM programming speed-up within {opts['tolerance_pp']:g} pp of full write-verify",
             "ours": ", ".join(f"{s:.1f}x (sigma={g:g})" for s, g in zip(best.speedup, best.sigma)),
             "published": "up to 10x", "source": PUBLISHED["swim_source"]},
            {"quantity": "verified fraction in TSB", "ours": f"{results[results.method == 'tsb-layer'].fraction.iloc[0]:.3f} (one layer)",
             "published": "< 0.004", "source": PUBLISHED["tsb_source"]}])),
        "\n## All points\n", markdown_table(results),
        "\n## Assumed constants\n", markdown_table(assumed),
        f"\nRun time {head['runtime_s']} s. Files: `wv_results.csv`, `wv_summary.csv`, `wv_accuracy.png`, `wv_speedup.png`.\n",
    ]
    with StudyOutput(out) as so:
        so.table("wv_results", results)
        so.table("wv_summary", summary)
        so.figure("wv_accuracy", fig)
        so.figure("wv_speedup", fig2)
        so.json("summary", {"headline": head, "options": opts, "published": PUBLISHED})
        so.markdown("\n".join(text))


def main(argv: list[str] | None = None) -> int:
    return script_main("cim_write_verify", __doc__, run, argv,
                       options=lambda ap: ap.add_argument("--arch", default="cnn", choices=("mlp", "cnn")))


if __name__ == "__main__":
    raise SystemExit(main())
