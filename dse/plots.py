"""Study reports: ``dse report DIR`` turns a study folder into PNG plots and ``report.md``.

Reads ``summary.json``, ``results.csv`` and ``best.csv`` written by :func:`dse.study.run_study`,
re-evaluates the best design for its per-layer breakdown (``layers.csv``), and draws

* ``pareto.png`` – every evaluated point in each pair of objectives (one panel per pair), in human
  units (ms, mm², µJ: the scale picked from the data), coloured by the main categorical knob,
  infeasible points as grey crosses, metric bounds as dashed lines, and in each panel the
  non-dominated front *of that pair*; with three or more objectives the points of the full
  front are ringed. A single objective plots the running best against the evaluation count;
* ``breakdown.png`` – the per-layer share of the first objective for the best design.
"""

from __future__ import annotations

import json
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import DseInputError
from .humanize import Scale, metric_label, scale_for
from .report import StudyOutput

__all__ = ["column_units", "pareto_mask", "write_report"]


def pareto_mask(values: np.ndarray) -> np.ndarray:
    """Non-dominated rows of ``values`` (minimisation on every column)."""
    from .pareto import pareto_mask as fast

    return fast(values)


def _read(out: Path) -> tuple[dict[str, Any], pd.DataFrame, pd.DataFrame]:
    try:
        summary = json.loads((out / "summary.json").read_text())
        results = pd.read_csv(out / "results.csv")
        best = pd.read_csv(out / "best.csv")
    except FileNotFoundError as exc:
        raise DseInputError("DIR", str(out), "a study output folder with summary.json, results.csv, best.csv",
                            detail=f"missing {Path(exc.filename).name}") from None
    return summary, results, best


def column_units(summary: dict[str, Any], columns: Any) -> dict[str, str]:
    """SI unit of every knob and metric column (from the model's space and metric names)."""
    from .metrics import unit_of
    from .registry import models

    units: dict[str, str] = {}
    try:
        cls = models.get(summary["model"])
    except Exception:  # noqa: BLE001 - a report of an unavailable model still draws, unit-less
        cls = None
    for c in columns:
        if cls is not None and c in cls.space:
            units[c] = cls.space[c].unit
            continue
        try:
            units[c] = unit_of(c, cls.metric_units if cls is not None else None)
        except Exception:  # noqa: BLE001, S112 - not a metric (feasible, reason, number...)
            continue
    return units


def knob_columns(summary: dict[str, Any], results: pd.DataFrame) -> list[str]:
    return [k for k in summary.get("space", {}) if k in results]


def main_category(summary: dict[str, Any], results: pd.DataFrame) -> str | None:
    """The categorical knob to colour points by: the first text knob the study let take 2..10 values
    (even when the rows kept show only one of them)."""
    for k in knob_columns(summary, results):
        col = results[k]
        if pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
            continue
        allowed = str(summary["space"].get(k, ""))
        n = len(allowed[len("one of "):].split(",")) if allowed.startswith("one of ") else col.nunique()
        if 2 <= n <= 10:
            return k
    return None


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


def _best_phrase(objectives: list[tuple[str, str]]) -> str:
    words = [f"{'lowest' if d == 'min' else 'highest'} {metric_label(m, Scale(1, '')).strip()}" for m, d in objectives]
    if len(words) == 1:
        return f"best = {words[0]}"
    return "best = Pareto front (no design better in all of: " + ", ".join(words) + ")"


def _axis(ax: Any, which: str, values: np.ndarray) -> None:
    """Log scale when the data span more than 10x, labelled with plain numbers at 1-2-5 (fewer
    on wide spans) and no minor-tick labels, so tick labels never run together."""
    from matplotlib import ticker

    v = values[np.isfinite(values) & (values > 0)]
    axis = ax.xaxis if which == "x" else ax.yaxis
    if len(v) and v.min() > 0 and v.max() / v.min() > 10 and np.all(values[np.isfinite(values)] > 0):
        (ax.set_xscale if which == "x" else ax.set_yscale)("log")
        decades = np.log10(v.max() / v.min())
        subs = (1.0, 2.0, 5.0) if decades <= 2 else (1.0, 3.0) if decades <= 4 else (1.0,)
        axis.set_major_locator(ticker.LogLocator(base=10, subs=subs))
        axis.set_major_formatter(ticker.FuncFormatter(lambda x, _: f"{x:g}"))
        axis.set_minor_formatter(ticker.NullFormatter())
    else:
        axis.set_major_locator(ticker.MaxNLocator(6))
    if which == "x":
        ax.tick_params(axis="x", labelrotation=0)


def _bound_lines(ax: Any, which: str, metric: str, bounds: dict[str, Any], scale: Scale) -> None:
    b = bounds.get(metric) or {}
    for side, sym in (("low", "≥"), ("high", "≤")):
        if b.get(side) is None:
            continue
        v = float(scale([b[side]])[0])
        label = f"bound: {metric_label(metric, Scale(1, '')).strip()} {sym} {v:.4g} {scale.unit}".rstrip()
        (ax.axvline if which == "x" else ax.axhline)(v, ls="--", c="tab:red", lw=1, label=label)


def _scatter(ax: Any, x: np.ndarray, y: np.ndarray, feas: np.ndarray, cats: pd.Series | None, cat_name: str | None,
             legend: bool) -> None:
    if cats is None:
        ax.scatter(x[feas], y[feas], s=9, c="0.55", label="feasible" if legend else None)
    else:
        for i, value in enumerate(sorted(cats[feas].astype(str).unique())):
            sel = feas & (cats.astype(str).to_numpy() == value)
            ax.scatter(x[sel], y[sel], s=9, color=f"C{i}", label=f"{cat_name}={value}" if legend else None)
    bad = ~feas & np.isfinite(x) & np.isfinite(y)
    if bad.any():
        ax.scatter(x[bad], y[bad], s=9, c="0.75", marker="x", label="infeasible" if legend else None)
    missing = int(np.sum(~(np.isfinite(x) & np.isfinite(y))))
    if missing and legend:
        ax.scatter([], [], s=9, c="0.75", marker="x", label=f"{missing} without this metric (not drawn)")


def _pareto_figure(summary: dict[str, Any], results: pd.DataFrame, units: dict[str, str]) -> Any:
    import matplotlib.pyplot as plt

    objectives = list(summary["objectives"].items())
    bounds = summary.get("bounds", {}) or {}
    feas = results["feasible"].astype(bool).to_numpy() if "feasible" in results else np.ones(len(results), bool)
    cat = main_category(summary, results)
    cats = results[cat] if cat else None
    scales = {m: scale_for(results[m].to_numpy(float)[feas] if feas.any() else results[m].to_numpy(float),
                           units.get(m, "1")) for m, _ in objectives}
    title = f"{summary['name']}: {summary['model']} on {summary['workload']}\n{_best_phrase(objectives)}"
    evaluated = int((summary.get("info") or {}).get("grid_points", len(results)))
    if evaluated > len(results):
        title += f"\n(the {len(results):,} rows kept of {evaluated:,} evaluated)"
    if len(objectives) == 1:
        (m, d), sc = objectives[0], scales[objectives[0][0]]
        fig, ax = plt.subplots(figsize=(6.4, 4.6))
        vals = sc(results[m].to_numpy(float))
        vals_f = np.where(feas, vals, np.nan)
        run = (np.fmin if d == "min" else np.fmax).accumulate(np.nan_to_num(vals_f, nan=np.inf if d == "min" else -np.inf))
        n = np.arange(1, len(vals) + 1)
        _scatter(ax, n.astype(float), vals, feas, cats, cat, True)
        ax.plot(n, np.where(np.isfinite(run), run, np.nan), "-", c="k", lw=1.2, label="best so far")
        _bound_lines(ax, "y", m, bounds, sc)
        ax.set_xlabel("evaluation")
        from matplotlib import ticker

        ax.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))
        ax.set_ylabel(metric_label(m, sc))
        _axis(ax, "y", vals)
        ax.legend(fontsize=7)
        ax.set_title(title, fontsize=9)
        return fig
    pairs = list(combinations(range(len(objectives)), 2))
    cols = min(3, len(pairs))
    rows = -(-len(pairs) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(5.0 * cols, 4.3 * rows), squeeze=False)
    signs = np.array([1.0 if d == "min" else -1.0 for _, d in objectives])
    allv = results[[m for m, _ in objectives]].to_numpy(float)
    ok = feas & np.all(np.isfinite(allv), axis=1)
    full_front = np.zeros(len(results), bool)
    if ok.any():
        full_front[np.flatnonzero(ok)] = pareto_mask(allv[ok] * signs)
    for p, (i, j) in enumerate(pairs):
        ax = axes[p // cols][p % cols]
        mx, my = objectives[i][0], objectives[j][0]
        x, y = scales[mx](results[mx].to_numpy(float)), scales[my](results[my].to_numpy(float))
        _scatter(ax, x, y, feas, cats, cat, p == 0)
        if ok.any():
            pts = np.column_stack([x, y])[ok]
            front = pts[pareto_mask(pts * signs[[i, j]])]
            front = front[np.argsort(front[:, 0])]
            pair = "Pareto front" if len(objectives) == 2 else "front of this pair"
            ax.plot(front[:, 0], front[:, 1], "-", c="k", lw=1.2, label=pair)
            if len(objectives) > 2:
                ax.scatter(x[full_front], y[full_front], s=40, facecolors="none", edgecolors="k", lw=0.8,
                           label=f"on the {len(objectives)}-objective front")
        _bound_lines(ax, "x", mx, bounds, scales[mx])
        _bound_lines(ax, "y", my, bounds, scales[my])
        ax.set_xlabel(metric_label(mx, scales[mx]))
        ax.set_ylabel(metric_label(my, scales[my]))
        _axis(ax, "x", x)
        _axis(ax, "y", y)
        if ax.get_legend_handles_labels()[1]:
            ax.legend(fontsize=7)
    for p in range(len(pairs), rows * cols):
        axes[p // cols][p % cols].set_visible(False)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def _breakdown_figure(layers: pd.DataFrame, metric: str, unit: str) -> Any:
    import matplotlib.pyplot as plt

    top = layers.nlargest(min(30, len(layers)), metric)[::-1]
    sc = scale_for(top[metric].to_numpy(float), unit)
    fig, ax = plt.subplots(figsize=(6.4, max(3, 0.22 * len(top))))
    ax.barh(top["layer"], sc(top[metric]), color="tab:blue")
    ax.set_xlabel(f"{metric_label(metric, sc)} of the best design, per layer")
    ax.set_title(f"largest {len(top)} of {len(layers)} layers", fontsize=9)
    ax.tick_params(axis="y", labelsize=7)
    return fig


def write_report(out: str | Path) -> Path:
    """Draw ``pareto.png`` (+ ``breakdown.png``, ``layers.csv``) and write ``report.md`` in ``out``."""
    out = Path(out)
    summary, results, best = _read(out)
    objectives = list(summary["objectives"].items())
    layers = _best_layers(summary, best)
    import matplotlib

    matplotlib.use("Agg")
    from .report import study_markdown

    units = column_units(summary, list(results.columns) + (list(layers.columns) if layers is not None else []))
    with StudyOutput(out) as files:
        files.figure("pareto", _pareto_figure(summary, results, units))
        if layers is not None:
            metric = objectives[0][0] if objectives[0][0] in layers else next(c for c in layers.columns if c not in ("layer", "kind"))
            files.table("layers", layers)
            files.figure("breakdown", _breakdown_figure(layers, metric, units.get(metric, "1")))
        files.markdown(study_markdown(summary, results, best, units, has_breakdown=layers is not None))
    return out
