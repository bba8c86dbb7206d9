"""Study reports: ``dse report DIR`` turns a study folder into PNG plots and ``report.md``.

Reads ``summary.json``, ``results.csv`` and ``best.csv`` written by :func:`dse.study.run_study`,
re-evaluates the best design for its per-layer breakdown (``layers.csv``), and draws

* ``pareto.png`` – the first two objectives of every evaluated point, feasible/infeasible, with
  the non-dominated front (single objective: the running best against evaluation count);
* ``breakdown.png`` – the per-layer share of the first objective for the best design.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import DseInputError
from .report import StudyOutput, markdown_table

__all__ = ["write_report", "pareto_mask"]


def pareto_mask(values: np.ndarray) -> np.ndarray:
    """Non-dominated rows of ``values`` (minimisation on every column). O(n^2/chunk) memory-safe."""
    try:
        from .pareto import pareto_mask as fast  # provided by the solvers work; same semantics

        return fast(values)
    except ImportError:  # pragma: no cover - fallback while dse.pareto is absent
        n = len(values)
        keep = np.ones(n, bool)
        for i in range(n):
            if keep[i]:
                dominated = np.all(values[i] <= values, axis=1) & np.any(values[i] < values, axis=1)
                keep &= ~dominated
        return keep


def _read(out: Path) -> tuple[dict[str, Any], pd.DataFrame, pd.DataFrame]:
    try:
        summary = json.loads((out / "summary.json").read_text())
        results = pd.read_csv(out / "results.csv")
        best = pd.read_csv(out / "best.csv")
    except FileNotFoundError as exc:
        raise DseInputError("DIR", str(out), "a study output folder with summary.json, results.csv, best.csv",
                            detail=f"missing {Path(exc.filename).name}") from None
    return summary, results, best


def _best_layers(summary: dict[str, Any], best: pd.DataFrame) -> pd.DataFrame | None:
    """Per-layer metrics of the first best design, re-evaluated from the spec in summary.json."""
    if best.empty:
        return None
    from workloads import load as load_workload

    from .registry import make_model

    model = make_model(summary["model"], summary.get("params", {}), field="summary.params")
    row = best.iloc[0]
    values = {k.name: [row[k.name]] for k in model.space if k.name in row}
    metrics = model.evaluate(load_workload(summary["workload"]), model.space.design(values)).numpy()
    if not metrics.layers:
        return None
    frame = pd.DataFrame({"layer": metrics.layer_names,
                          "kind": metrics.layer_kinds or [""] * len(metrics.layer_names)})
    for k, v in metrics.layers.items():
        frame[k] = v[0]
    return frame


def write_report(out: str | Path) -> Path:
    out = Path(out)
    summary, results, best = _read(out)
    objectives = list(summary["objectives"].items())
    layers = _best_layers(summary, best)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with StudyOutput(out) as files:
        fig, ax = plt.subplots(figsize=(6, 4.5))
        feas = results["feasible"].astype(bool) if "feasible" in results else pd.Series(True, index=results.index)
        if len(objectives) >= 2:
            (mx, dx), (my, dy) = objectives[0], objectives[1]
            ax.scatter(results.loc[feas, mx], results.loc[feas, my], s=8, c="0.6", label="feasible")
            if (~feas).any():
                ax.scatter(results.loc[~feas, mx], results.loc[~feas, my], s=8, c="tab:red", marker="x",
                           alpha=0.4, label="infeasible")
            if feas.any():
                pts = results.loc[feas, [mx, my]].to_numpy(float)
                signs = np.array([1 if dx == "min" else -1, 1 if dy == "min" else -1])
                front = pts[pareto_mask(pts * signs)]
                front = front[np.argsort(front[:, 0])]
                ax.plot(front[:, 0], front[:, 1], "o-", c="tab:blue", ms=4, label="Pareto front")
            ax.set_xlabel(mx)
            ax.set_ylabel(my)
            for col, setter in ((mx, ax.set_xscale), (my, ax.set_yscale)):
                if results[col].min() > 0 and results[col].max() / max(results[col].min(), 1e-300) > 10:
                    setter("log")
        else:
            (m, d) = objectives[0]
            vals = results[m].where(feas).to_numpy(float)
            run = np.fmin.accumulate(np.nan_to_num(vals, nan=np.inf)) if d == "min" else np.fmax.accumulate(np.nan_to_num(vals, nan=-np.inf))
            ax.plot(np.arange(1, len(vals) + 1), vals, ".", c="0.6", label="evaluated")
            ax.plot(np.arange(1, len(vals) + 1), run, "-", c="tab:blue", label="best so far")
            ax.set_xlabel("evaluation")
            ax.set_ylabel(m)
        ax.set_title(f"{summary['name']}: {summary['model']} on {summary['workload']}")
        ax.legend(fontsize=8)
        files.figure("pareto", fig)

        if layers is not None:
            metric = objectives[0][0] if objectives[0][0] in layers else [c for c in layers.columns if c not in ("layer", "kind")][0]
            files.table("layers", layers)
            top = layers.nlargest(min(30, len(layers)), metric)[::-1]
            fig, ax = plt.subplots(figsize=(6, max(3, 0.22 * len(top))))
            ax.barh(top["layer"], top[metric], color="tab:blue")
            ax.set_xlabel(f"{metric} (best design, per layer)")
            ax.tick_params(axis="y", labelsize=7)
            files.figure("breakdown", fig)

        md = [f"# Study {summary['name']}", ""]
        if summary.get("description"):
            md += [summary["description"], ""]
        md += [f"- model: `{summary['model']}` v{summary.get('model_version', '?')}, params {summary.get('params', {})}",
               f"- workload: `{summary['workload']}`",
               f"- solver: `{summary['solver']}` {summary.get('solver_options', {})}",
               "- objectives: " + ", ".join(f"{m} ({d})" for m, d in objectives),
               f"- evaluations: {summary['n_evals']:,} in {summary['wall_time_s']:.2f} s",
               f"- feasible: {int(feas.sum()):,} of {len(results):,}", ""]
        scalars = {k: v for k, v in summary.get("info", {}).items() if isinstance(v, (str, int, float, bool))}
        if scalars:
            md += ["Solver info: " + ", ".join(f"{k}={v}" for k, v in scalars.items()), ""]
        knobs = [k for k in summary.get("space", {}) if k in best and results[k].nunique() > 1]
        metric_cols = [m for m, _ in objectives] + [m for m in summary.get("bounds", {}) if m not in summary["objectives"]]
        shown = best[[c for c in knobs + metric_cols if c in best]].drop_duplicates()
        md += [f"## Best designs ({len(best)} on the front; all columns in best.csv)", "",
               markdown_table(shown.head(20)), "",
               "![Pareto](pareto.png)", ""]
        if layers is not None:
            md += ["![Per-layer breakdown](breakdown.png)", ""]
        files.markdown("\n".join(md))
    return out
