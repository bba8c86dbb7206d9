"""Tiny Shared Block (TSB): is a write-verified shared 1x1 block enough to close the accuracy gap?

Question: TSB (Qin et al., arXiv 2406.06544) inserts one small shared 1x1 convolution into the
backbone, write-verifies only that block (< 0.4 % of the weights) and reports an inference accuracy
gap (noise-free minus under-variation accuracy) over 20x smaller than its baselines. Does the idea
hold on a small ResNet?

Setup: the digits ResNet (conv3x3(16), two basic blocks of 16 channels, pool, dense; 11,920 weights)
on scikit-learn's digits; Notre Dame device variation (8-bit weights on 2-bit devices, device sigma
swept), write-verified weights at the residual sigma of the write-verify model (sigma 0.1 -> 0.01).
Arms (same seed and epochs): ``none`` (trained without noise, nothing verified); ``noise``
(Gaussian noise-injection training at the device sigma, nothing verified: the noise-aware baseline);
``tsb`` (backbone pre-trained for a third of the epochs, then a shared 16 x 16 1x1 block, identity
initialised, after every 3x3 convolution but the stem, trained jointly under noise with the block at
the verified sigma; only the block is verified at test time: 256 weights, 2.1 % of 12,176);
``tsb-frozen`` (the same block trained alone on the fully trained ``none`` backbone, which stays
frozen: the cheap-training reading of the paper). Accuracy: mean and 1st percentile over Monte Carlo
draws. Run: ``python studies/cim_tsb.py [--quick]``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from costmodels.cim import constant, verified_sigma, weight_sigma_factor
from costmodels.cim.experiment import make_net
from costmodels.cim.montecarlo import kpp, mc_accuracy
from costmodels.cim.network import Net, accuracy
from costmodels.cim.swim import verified_weights
from costmodels.cim.train import load_digits, train
from costmodels.cim.tsb import add_tsb, tsb_masks, tsb_slot
from dse.report import write_headline_study
from dse.study import script_main

__all__ = ["ARMS", "PUBLISHED", "main", "run"]

ARMS = ("none", "noise", "tsb", "tsb-frozen")
PUBLISHED = {"gap_improvement_min": 20.0, "verified_fraction_max": 0.004,
             "source": "Qin et al., arXiv 2406.06544, abstract [TSB24]"}


def _arms(data: dict, sigma: float, epochs: int, seed: int) -> dict[str, tuple[Net, list[np.ndarray] | None]]:
    x, y = data["x_train"], data["y_train"]
    f = float(weight_sigma_factor(8, 2))
    s_v = float(verified_sigma(np.asarray(sigma), constant("wv_tolerance")))
    net0 = make_net("resnet", seed)
    none = train(net0, x, y, epochs=epochs, seed=seed)
    noise = train(net0, x, y, epochs=epochs, seed=seed, kernel="cim-gaussian", kernel_params={"sigma": sigma * f})
    pre = add_tsb(train(net0, x, y, epochs=max(1, epochs // 3), seed=seed))
    slot = tsb_slot(pre)
    joint = [{"sigma": (s_v if i == slot else sigma) * f} for i in range(len(pre.weights()))]
    tsb = train(pre, x, y, epochs=epochs, seed=seed, kernel="cim-gaussian", per_weight=joint)
    frozen_net = add_tsb(none)
    alone = [{"sigma": (s_v if i == slot else sigma) * f, "trainable": i == slot} for i in range(len(pre.weights()))]
    frozen = train(frozen_net, x, y, epochs=epochs, seed=seed, kernel="cim-gaussian", per_weight=alone)
    return {"none": (none, None), "noise": (noise, None), "tsb": (tsb, tsb_masks(tsb)),
            "tsb-frozen": (frozen, tsb_masks(frozen))}


def run(out: Path, *, quick: bool = False, seed: int = 0, draws: int | None = None, epochs: int | None = None,
        sigmas: list[float] | None = None) -> dict[str, Any]:
    """Accuracy gap per arm and device sigma; see the module docstring."""
    t0 = time.time()
    draws = draws or (30 if quick else 300)
    epochs = epochs or (4 if quick else 15)
    sigmas = list(sigmas or ([0.2] if quick else [0.1, 0.2, 0.3]))
    tol = constant("wv_tolerance")
    data = load_digits(seed, image=True)
    rows = []
    for sigma in sigmas:
        for arm, (net, masks) in _arms(data, sigma, epochs, seed).items():
            m = masks or [np.zeros(w.shape, dtype=bool) for w in net.weights()]
            sampler = (lambda ws, rng, n, net=net, m=m, sigma=sigma:
                       verified_weights(net, m, sigma, rng, n, tol=tol))
            clean = float(accuracy(net, data["x_test"], data["y_test"]))
            r = kpp(mc_accuracy(net, data["x_test"], data["y_test"], sampler, draws, seed=seed + 31), 1.0)
            verified = float(sum(x.sum() for x in m) / net.n_weights)
            rows.append({"sigma": sigma, "arm": arm, "clean": clean, "mean": r.mean, "mean_lo": r.mean_lo,
                         "mean_hi": r.mean_hi, "kpp1": r.value, "gap_pp": 100 * (clean - r.mean),
                         "verified_fraction": verified, "weights": net.n_weights})
    res = pd.DataFrame(rows)
    gap = res.pivot(index="sigma", columns="arm", values="gap_pp")
    head: dict[str, Any] = {"verified_fraction_tsb": float(res[res.arm == "tsb"].verified_fraction.iloc[0])}
    for s in sigmas:
        head[f"gap_none_pp_sigma{s:g}"] = float(gap.loc[s, "none"])
        head[f"gap_noise_pp_sigma{s:g}"] = float(gap.loc[s, "noise"])
        head[f"gap_tsb_pp_sigma{s:g}"] = float(gap.loc[s, "tsb"])
        head[f"improvement_vs_none_sigma{s:g}"] = float(gap.loc[s, "none"] / max(gap.loc[s, "tsb"], 1e-9))
        head[f"improvement_vs_noise_sigma{s:g}"] = float(gap.loc[s, "noise"] / max(gap.loc[s, "tsb"], 1e-9))
    head["published_improvement_min"] = PUBLISHED["gap_improvement_min"]
    head["runtime_s"] = round(time.time() - t0, 1)
    _write(out, res, head, dict(draws=draws, epochs=epochs, sigmas=sigmas, seed=seed, quick=quick))
    return head


def _write(out: Path, res: pd.DataFrame, head: dict[str, Any], opts: dict[str, Any]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.5))
    for arm, mk in zip(ARMS, "osd^"):
        p = res[res.arm == arm]
        ax.plot(p.sigma, p.gap_pp, marker=mk, label=arm)
    ax.set_xlabel("device sigma")
    ax.set_ylabel("accuracy gap, clean - mean under variation (pp)")
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    note = (f"Published: gap over {PUBLISHED['gap_improvement_min']:g}x smaller than the baselines with < 0.4 % of the "
            f"weights verified ({PUBLISHED['source']}). {opts['draws']} draws per point.")
    write_headline_study(out, title="Tiny Shared Block (TSB): accuracy gap with only the shared block write-verified",
                         doc=__doc__ or "", note=note, head=head, results=res, results_name="tsb_results", fig=fig,
                         figure_name="tsb_gap", opts=opts)


def main(argv: list[str] | None = None) -> int:
    return script_main("cim_tsb", __doc__, run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
