"""Systolic-array DSE: Optuna multi-objective search vs the exhaustive sweep (ground truth).

Objectives (all minimised): ``latency_s``, ``energy_j``, ``area_m2`` of ``asic-systolic`` for
ResNet-18 (ImageNet) and MobileNetV2. Knobs: array rows and columns, dataflow, the three SRAM
sizes and the operand bit width; DRAM bandwidth (10 GB/s), clock (200 MHz), 45 nm, dense PEs are
fixed. The reduced space is small enough to sweep exhaustively (``dse.solvers.get("sweep")``),
which gives the true Pareto front; Optuna (``dse.solvers.get("optuna")``, NSGA-II, batch ask/tell)
then runs with several seeds, and the study reports the hypervolume of the front found after
``n`` trials relative to the true one, and how many trials reach it within 1%.

Hypervolume is computed on objectives normalised by the true front's ideal and nadir points, with
the reference point at 1.1 (``dse.pareto.hypervolume``, exact for 3 objectives). Bit width is a
knob but accuracy is not an objective here, so the front prefers the lowest bit width offered.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

import dse
import workloads
from dse.pareto import hypervolume, non_dominated
from dse.report import StudyOutput, markdown_table
from dse.study import script_main
from solvers.base import Objective, Problem

OBJECTIVES = ("latency_s", "energy_j", "area_m2")
FIXED = {"dram_bw": [10e9], "clock": [200e6], "weight_sparsity": [0.0], "act_sparsity": [0.0],
         "sparse_pe": ["dense"]}


def reduced_space(model, quick: bool):
    sizes = [8, 16, 32, 64, 128] if quick else [4, 8, 16, 32, 64, 128, 256]
    srams = [16384, 131072, 1048576] if quick else [8192, 32768, 131072, 524288]
    spec = {"rows": sizes, "cols": sizes, "dataflow": ["os", "ws", "is"], "ifmap_sram": srams,
            "filter_sram": srams, "ofmap_sram": srams, "bits": [4, 8], **FIXED}
    return model.space.restrict(spec)


def _normalise(F: np.ndarray, ideal: np.ndarray, nadir: np.ndarray) -> np.ndarray:
    return (F - ideal) / np.where(nadir > ideal, nadir - ideal, 1.0)


def hv_curve(trials: pd.DataFrame, ideal, nadir, checkpoints) -> list[float]:
    """Normalised hypervolume of the feasible trials among the first ``n`` (by trial number)."""
    t = trials.sort_values("number")
    F = _normalise(t[list(OBJECTIVES)].to_numpy(float), ideal, nadir)
    ok = t["feasible"].to_numpy(bool) if "feasible" in t else np.ones(len(t), bool)
    ref = np.full(len(OBJECTIVES), 1.1)
    return [hypervolume(F[:n][ok[:n]], ref) if ok[:n].any() else 0.0 for n in checkpoints]


def study_workload(name: str, *, quick: bool, seeds: list[int], n_trials: int, batch: int) -> tuple[list[dict], dict]:
    model = dse.get_model("asic-systolic")
    w = workloads.load(name)
    space = reduced_space(model, quick)
    problem = Problem(model, w, tuple(Objective(o) for o in OBJECTIVES), space=space)
    sweep = dse.solvers.get("sweep")(keep="all").solve(problem)
    table = sweep.table[sweep.table["feasible"].astype(bool)]
    F = table[list(OBJECTIVES)].to_numpy(float)
    front = F[non_dominated(F)]
    ideal, nadir = front.min(axis=0), front.max(axis=0)
    true_hv = hypervolume(_normalise(front, ideal, nadir), np.full(len(OBJECTIVES), 1.1))
    checkpoints = sorted({int(c) for c in np.unique(np.geomspace(batch, n_trials, 12).round())} | {n_trials})
    rows = []
    for seed in seeds:
        res = dse.solvers.get("optuna")(n_trials=n_trials, batch_size=batch, sampler="nsga2", seed=seed).solve(problem)
        curve = hv_curve(res.table, ideal, nadir, checkpoints)
        for n, hv in zip(checkpoints, curve):
            rows.append({"workload": name, "seed": seed, "trials": n, "hv_ratio": hv / true_hv,
                         "optuna_wall_s": res.wall_time_s})
    within = pd.DataFrame(rows).query("hv_ratio >= 0.99").groupby("seed")["trials"].min()
    info = {"workload": name, "space_points": int(sweep.n_evals), "true_front_points": int(len(front)),
            "sweep_wall_s": float(sweep.wall_time_s), "true_hv_normalised": float(true_hv),
            "trials_to_1pct_median": float(within.median()) if len(within) == len(seeds) else None,
            "seeds_reaching_1pct": int(len(within)), "seeds": len(seeds), "n_trials": n_trials,
            "front_dataflows": ",".join(sorted(set(sweep.table.loc[sweep.table["pareto"].eq(True), "dataflow"].astype(str)))) if "pareto" in sweep.table else ""}
    return rows, info


def run(out: Path, *, quick: bool = False, seed: int = 0, **options) -> dict:
    """Writes asic_dse.csv, asic_dse_summary.csv, asic_dse.png and report.md into ``out``."""
    names = options.get("workloads", ("resnet18-imagenet",) if quick else ("resnet18-imagenet", "mobilenetv2"))
    seeds = [seed + i for i in range(1 if quick else 3)]
    n_trials = int(options.get("n_trials", 192 if quick else 1024))
    batch = int(options.get("batch_size", 16 if quick else 32))
    curves, infos = [], []
    for name in names:
        rows, info = study_workload(name, quick=quick, seeds=seeds, n_trials=n_trials, batch=batch)
        curves += rows
        infos.append(info)
    df, summary = pd.DataFrame(curves), pd.DataFrame(infos)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for (name, s), g in df.groupby(["workload", "seed"]):
        ax.plot(g.trials, g.hv_ratio, marker=".", label=f"{name} seed {s}")
    ax.axhline(0.99, color="k", ls="--", lw=0.8, label="within 1% of the true front")
    ax.set(xscale="log", xlabel="Optuna trials (NSGA-II)", ylabel="hypervolume / exhaustive-sweep hypervolume",
           title="Optuna vs exhaustive sweep (latency, energy, area)")
    ax.legend(fontsize=7)
    head = {r["workload"]: {"space_points": r["space_points"], "trials_to_1pct_median": r["trials_to_1pct_median"],
                            "seeds_reaching_1pct": r["seeds_reaching_1pct"]} for r in infos}
    report = f"""# Systolic-array DSE: Optuna vs exhaustive sweep

Model `asic-systolic` (45 nm, 200 MHz, 10 GB/s DRAM, dense PEs); objectives latency, energy, area
(all minimised). Space: rows x cols x dataflow x three SRAM sizes x bit width {{4, 8}}
(`studies/asic_dse.py: reduced_space`). Ground truth: every point evaluated by the sweep solver.
Optuna: NSGA-II, batch ask/tell of {batch} trials, {n_trials} trials, seeds {seeds}.

{markdown_table(summary)}

Hypervolume on objectives normalised to the true front (ideal 0, nadir 1, reference 1.1).
`trials_to_1pct_median`: median over seeds of the first trial count whose front reaches 99% of
the true hypervolume (None when some seed never did within the budget).

## Hypervolume ratio vs trials

{markdown_table(df)}
"""
    with StudyOutput(out) as o:
        o.table("asic_dse.csv", df)
        o.table("asic_dse_summary.csv", summary)
        o.figure("asic_dse.png", fig)
        o.markdown(report)
        o.json("headline.json", head)
    return head


def main(argv: list[str] | None = None) -> int:
    return script_main("asic_dse", __doc__, run, argv,
                       options=lambda ap: ap.add_argument("--n-trials", type=int, default=None))


if __name__ == "__main__":
    raise SystemExit(main())
