"""Zero-space fault tolerance: stuck-at faults with and without MSB duplication in the same cells.

Question: a weight on ``ceil(W/D)`` cells usually leaves its top cell empty (trained weights are
small); if that cell stores a copy of the most significant data cell and the two copies vote,
how much accuracy survives stuck-at faults, at no extra area?

Setup: the digits CNN (conv3x3(16)-pool-64-10) trained without noise; 8-bit weights on four 2-bit
cells of a differential pair. Arms: ``unprotected-8b`` (all four cells carry data), ``unprotected-6b``
(6-bit weights on three cells: the quantisation cost alone) and ``msb-dup`` (6-bit data in three
cells, the fourth a copy of the third, voted by the smaller digit; see
``costmodels.cim.variation.msb_duplicated_weights``). Faults per cell, SA0 : SA1 = 1.75 : 9.04
(the measured RRAM defect rates of Chen et al., IEEE Trans. Computers 2015, as used by the
stuck-at fault-tolerance literature; only the ratio is taken), total rate swept. Accuracy: mean and
1st-percentile (KPP) over Monte Carlo draws.
Run: ``python studies/cim_fault_tolerance.py [--quick]``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from costmodels.cim.experiment import make_net, train_variant
from costmodels.cim.montecarlo import kpp, mc_accuracy
from costmodels.cim.network import accuracy
from costmodels.cim.train import load_digits
from costmodels.cim.variation import msb_duplicated_weights, stuck_at_weights
from dse.report import write_headline_study
from dse.study import script_main

__all__ = ["ARMS", "main", "run"]

ARMS = ("unprotected-8b", "unprotected-6b", "msb-dup")
SA0_SHARE = 1.75 / (1.75 + 9.04)


def _sampler(arm: str, rate: float) -> Any:
    r0, r1 = rate * SA0_SHARE, rate * (1 - SA0_SHARE)
    if arm == "unprotected-8b":
        return lambda ws, rng, n: [stuck_at_weights(w, r0, r1, rng, n, weight_bits=8, cell_bits=2) for w in ws]
    if arm == "unprotected-6b":
        return lambda ws, rng, n: [stuck_at_weights(w, r0, r1, rng, n, weight_bits=6, cell_bits=2) for w in ws]
    return lambda ws, rng, n: [msb_duplicated_weights(w, r0, r1, rng, n, weight_bits=8, cell_bits=2) for w in ws]


def run(out: Path, *, quick: bool = False, seed: int = 0, draws: int | None = None, epochs: int | None = None,
        rates: list[float] | None = None) -> dict[str, Any]:
    """Accuracy vs total stuck-at rate for the three arms; see the module docstring."""
    t0 = time.time()
    draws = draws or (40 if quick else 400)
    epochs = epochs or (5 if quick else 20)
    rates = list(rates or ([0.0, 0.02] if quick else [0.0, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1]))
    data = load_digits(seed, image=True)
    net = train_variant(make_net("cnn", seed), data["x_train"], data["y_train"], "none", epochs=epochs, seed=seed)
    clean = float(accuracy(net, data["x_test"], data["y_test"]))
    rows = []
    for rate in rates:
        for arm in ARMS:
            acc = mc_accuracy(net, data["x_test"], data["y_test"], _sampler(arm, rate), draws, seed=seed + 11)
            r = kpp(acc, 1.0)
            rows.append({"rate": rate, "arm": arm, "mean": r.mean, "mean_lo": r.mean_lo, "mean_hi": r.mean_hi,
                         "kpp1": r.value, "kpp1_lo": r.lo, "kpp1_hi": r.hi})
    res = pd.DataFrame(rows)
    wide = res.pivot(index="rate", columns="arm", values="mean")
    at = max(r for r in rates if r <= 0.02)
    head = {"clean_accuracy": clean, "rate": at,
            **{f"mean_{a}": float(wide.loc[at, a]) for a in ARMS},
            "gain_pp": float(100 * (wide.loc[at, "msb-dup"] - wide.loc[at, "unprotected-8b"])),
            "runtime_s": round(time.time() - t0, 1)}
    _write(out, res, head, dict(draws=draws, epochs=epochs, rates=rates, seed=seed, quick=quick))
    return head


def _write(out: Path, res: pd.DataFrame, head: dict[str, Any], opts: dict[str, Any]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.5))
    for arm, mk in zip(ARMS, "osd"):
        p = res[res.arm == arm]
        ax.errorbar(np.maximum(p.rate, 1e-4), p["mean"], yerr=[p["mean"] - p.mean_lo, p.mean_hi - p["mean"]],
                    marker=mk, capsize=2, label=f"{arm} mean")
        ax.plot(np.maximum(p.rate, 1e-4), p.kpp1, ls=":", marker=mk, alpha=0.6, label=f"{arm} KPP k=1")
    ax.set_xscale("log")
    ax.set_xlabel("stuck-at rate per cell (0 shown at 1e-4)")
    ax.set_ylabel("test accuracy")
    ax.legend(fontsize=6)
    ax.grid(alpha=0.3)
    note = (f"Clean accuracy {head['clean_accuracy']:.4f}; {opts['draws']} draws per point.")
    write_headline_study(out, title="Zero-space fault tolerance (MSB duplication) under stuck-at faults",
                         doc=__doc__ or "", note=note, head=head, results=res, results_name="fault_results", fig=fig,
                         figure_name="fault_accuracy", opts=opts)


def main(argv: list[str] | None = None) -> int:
    return script_main("cim_fault_tolerance", __doc__, run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
