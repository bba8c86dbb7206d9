"""ADC resolution, array rows and cell bits: cost and accuracy from the same crossbar.

Question: once the functional crossbar quantises every partial sum with the ADC the cost model
prices (and the arrays suffer IR drop and device variation), is the cheapest ADC still free?

Setup: the digits CNN (conv3x3(16)-pool-64-10, scikit-learn digits, trained without noise), every
point of a grid over ``adc_bits`` x ``rows`` x ``cell_bits`` of the ``cim`` model (other knobs at
their defaults: 8-bit weights and inputs, 1-bit DAC, 128 columns, 8 columns per ADC, sigma 0.1).
Cost: ``CrossbarModel`` on the CNN's workload (energy, area). Accuracy: the same knobs in
``CrossbarSim`` (ADC range calibrated per layer on 100 validation images, IR drop with a 1.6 ohm
wire segment per cell, 100 kohm on-state), Monte Carlo device instances of the Notre Dame model,
the k-th percentile (k = 1) over the draws. The Pareto front is over (energy, area, -KPP).
Run: ``python studies/cim_adc_sweep.py [--quick]`` or ``dse study run studies/cim_adc_sweep.toml``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from costmodels.cim.codesign import sweep
from costmodels.cim.experiment import make_net
from costmodels.cim.network import accuracy
from costmodels.cim.train import load_digits, train
from dse.report import StudyOutput, markdown_table
from dse.study import script_main

__all__ = ["main", "run"]


def _grid(quick: bool) -> dict[str, list[int]]:
    if quick:
        return {"adc_bits": [2, 4, 8], "rows": [128], "cell_bits": [2]}
    return {"adc_bits": [2, 3, 4, 6, 8], "rows": [64, 128, 256], "cell_bits": [1, 2, 4]}


def run(out: Path, *, quick: bool = False, seed: int = 0, draws: int | None = None, images: int | None = None,
        epochs: int | None = None, sigma: float = 0.1, adc_range: str = "calibrated",
        k: float = 1.0) -> dict[str, Any]:
    """Train the CNN, sweep the grid, write the table, the front, two figures and the report."""
    t0 = time.time()
    draws = draws or (8 if quick else 30)
    images = images or (100 if quick else 150)
    epochs = epochs or (5 if quick else 15)
    data = load_digits(seed, image=True)
    net = train(make_net("cnn", seed), data["x_train"], data["y_train"], epochs=epochs, seed=seed)
    x, y = data["x_test"][:images], data["y_test"][:images]
    x_cal = data["x_val"][:100]
    log = out.parent / f".{out.name}.progress.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "w") as fh:
        def progress(i: int, p: dict[str, Any], q: Any) -> None:
            fh.write(f"{i} {p} kpp={q.value:.3f} mean={q.mean:.3f} t={time.time() - t0:.0f}s\n")
            fh.flush()

        df = sweep(net, x, y, _grid(quick), x_cal=x_cal, base={"sigma": sigma}, draws=draws, seed=seed + 7, k=k,
                   adc_range=adc_range, progress=progress)
    log.unlink(missing_ok=True)
    df = price(df, sigma)
    clean = float(accuracy(net, x, y))
    front = df[df.pareto].sort_values("energy_j")
    cheapest = df.loc[df.energy_j.idxmin()]
    best = df.loc[df.kpp.idxmax()]
    near = df[df.kpp >= df.kpp.max() - 0.05]
    good = near.loc[near.energy_j.idxmin()]
    good_isaac = near.loc[near.energy_isaac_j.idxmin()]
    head = {"points": len(df), "front": int(df.pareto.sum()), "clean_accuracy": clean,
            "cheapest_within_5pp": f"adc {good.adc_bits} rows {good.rows} cell {good.cell_bits}",
            "cheapest_within_5pp_energy_j": float(good.energy_j), "cheapest_within_5pp_kpp": float(good.kpp),
            "cheapest_within_5pp_isaac": f"adc {good_isaac.adc_bits} rows {good_isaac.rows} cell {good_isaac.cell_bits}",
            "cheapest_adc_bits": int(cheapest.adc_bits), "cheapest_kpp": float(cheapest.kpp),
            "best_kpp": float(best.kpp), "best_adc_bits": int(best.adc_bits),
            "kpp_adc2": float(df[df.adc_bits == df.adc_bits.min()].kpp.max()),
            "runtime_s": round(time.time() - t0, 1)}
    opts = dict(quick=quick, seed=seed, draws=draws, images=images, epochs=epochs, sigma=sigma,
                adc_range=adc_range, k=k)
    _write(out, df, front, head, opts)
    return head


def price(df: pd.DataFrame, sigma: float) -> pd.DataFrame:
    """Add the energy of every point with ISAAC's ADC and with the survey bound (the default
    ``energy_j`` uses the typical survey fit) and the Pareto front under ISAAC's ADC."""
    from costmodels.cim import CrossbarModel
    from costmodels.cim.network import to_workload
    from dse.pareto import non_dominated

    wl = to_workload(make_net("cnn"))
    pts = {c: df[c].tolist() for c in ("adc_bits", "rows", "cell_bits")}
    df = df.copy()
    for am, col in (("isaac", "energy_isaac_j"), ("survey", "energy_bound_j")):
        m = CrossbarModel(adc_model=am)
        met = m.evaluate(wl, m.space.design({**pts, "sigma": [sigma] * len(df)})).numpy()
        df[col] = np.asarray(met.totals["energy_j"], dtype=np.float64)
    df["pareto_isaac"] = non_dominated(np.column_stack([df.energy_isaac_j, df.area_m2, -df.kpp]))
    return df


def _write(out: Path, df: pd.DataFrame, front: pd.DataFrame, head: dict[str, Any], opts: dict[str, Any]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    for cb, mk in zip(sorted(df.cell_bits.unique()), "osd^"):
        part = df[df.cell_bits == cb]
        sc = ax.scatter(part.energy_j * 1e9, part.kpp, c=part.adc_bits, marker=mk, cmap="viridis",
                        label=f"cell_bits={cb}", vmin=df.adc_bits.min(), vmax=df.adc_bits.max())
    ax.plot(front.energy_j * 1e9, front.kpp, "r-", lw=0.8, alpha=0.6, label="Pareto (energy, area, KPP)")
    fig.colorbar(sc, ax=ax, label="adc_bits")
    ax.set_xscale("log")
    ax.set_xlabel("energy per inference (nJ)")
    ax.set_ylabel(f"KPP (k={opts['k']:g}) accuracy")
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    fig2, ax2 = plt.subplots(figsize=(5, 3.5))
    for rows, part in df.groupby("rows"):
        g = part.groupby("adc_bits").kpp.max()
        ax2.plot(g.index, g.values, marker="o", label=f"rows={rows}")
    ax2.set_xlabel("adc_bits")
    ax2.set_ylabel("best KPP over cell_bits")
    ax2.legend()
    ax2.grid(alpha=0.3)
    cols = ["adc_bits", "rows", "cell_bits", "energy_j", "energy_adc_j", "area_m2", "acc_mean", "kpp"]
    text = [
        "# ADC resolution vs accuracy and cost on the same crossbar\n",
        __doc__.split("\n\n")[1] + "\n",
        (f"{len(df)} points, {opts['draws']} device draws each on {opts['images']} test images; clean (float) "
         f"accuracy {head['clean_accuracy']:.3f}; ADC range `{opts['adc_range']}`; energy with the "
         "typical survey-fit ADC (`energy_j`, the default), ISAAC's ADC (`energy_isaac_j`) and the survey bound "
         f"(`energy_bound_j`); k = {opts['k']:g} (with fewer than 368 draws the KPP has no lower "
         "confidence bound).\n"),
        "## Headline\n",
        markdown_table(pd.DataFrame([head])),
        "\n## Pareto front (energy, area, KPP)\n",
        markdown_table(front[cols]),
        "\n## Pareto front with ISAAC's ADC energy\n",
        markdown_table(df[df.pareto_isaac].sort_values("energy_isaac_j")[cols + ["energy_isaac_j"]]),
        "\n## All points\n",
        markdown_table(df[cols + ["energy_isaac_j", "energy_bound_j", "latency_s", "kpp_lo", "kpp_hi", "feasible", "pareto"]]),
        "\nFiles: `sweep.csv`, `front.csv`, `kpp_vs_energy.png`, `kpp_vs_adc_bits.png`, `summary.json`.\n",
    ]
    with StudyOutput(out) as so:
        so.table("sweep", df)
        so.table("front", front)
        so.figure("kpp_vs_energy", fig)
        so.figure("kpp_vs_adc_bits", fig2)
        so.json("summary", {"headline": head, "options": opts})
        so.markdown("\n".join(text))


def main(argv: list[str] | None = None) -> int:
    def options(ap: Any) -> None:
        ap.add_argument("--draws", type=int, help="Monte Carlo device instances per point")
        ap.add_argument("--images", type=int, help="test images")
        ap.add_argument("--adc-range", dest="adc_range", choices=("full", "calibrated"))

    return script_main("cim_adc_sweep", __doc__, run, argv, options=options)


if __name__ == "__main__":
    raise SystemExit(main())
