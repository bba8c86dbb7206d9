"""Study outputs written all-or-nothing: CSV tables, PNG figures, a markdown report, JSON.

:class:`StudyOutput` stages every file in a temporary folder next to ``out_dir`` and moves them
into place only when the ``with`` block ends without an error, so an interrupted or failing study
never leaves a half-written table. Figures use matplotlib's Agg backend (no display needed).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["StudyOutput", "markdown_table", "atomic_write_text", "csv_text", "study_markdown", "written_since"]


def csv_text(frame: pd.DataFrame) -> str:
    """``frame`` as CSV with whole-number float columns written as integers (``1568631``, not
    ``1568631.0``): counts, cycles and byte totals read as what they are. NaN stays empty."""
    out = frame.copy()
    for c in out.columns:
        col = out[c]
        if pd.api.types.is_float_dtype(col):
            v = col.to_numpy(float)
            fin = np.isfinite(v)
            if fin.any() and not np.isinf(v).any() and np.all(v[fin] == np.round(v[fin])) and np.all(np.abs(v[fin]) < 2**53):
                out[c] = col.astype("Int64")
    return out.to_csv(index=False)


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and an atomic rename.

    A path that exists and is not a regular file (``/dev/null``, a FIFO, a terminal) is written in
    place: renaming over it would replace the device with a file.
    """
    path = Path(path)
    if path.exists() and not path.is_file() and not path.is_dir():
        with open(path, "w") as fh:
            fh.write(text)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class StudyOutput:
    """Collects a study's files and commits them to ``out_dir`` atomically (file by file rename)."""

    def __init__(self, out_dir: str | Path):
        self.out_dir = Path(out_dir)
        self.files: list[Path] = []
        self._stage: Path | None = None

    def __enter__(self) -> StudyOutput:
        self.out_dir.parent.mkdir(parents=True, exist_ok=True)
        self._stage = Path(tempfile.mkdtemp(prefix=f".{self.out_dir.name}.", dir=self.out_dir.parent))
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        assert self._stage is not None
        try:
            if exc_type is None:
                self.out_dir.mkdir(parents=True, exist_ok=True)
                for staged in sorted(self._stage.iterdir()):
                    os.replace(staged, self.out_dir / staged.name)
                self.files = [self.out_dir / p.name for p in self.files]
        finally:
            shutil.rmtree(self._stage, ignore_errors=True)

    def _path(self, name: str) -> Path:
        if self._stage is None:
            raise RuntimeError("use StudyOutput as a context manager")
        p = self._stage / name
        self.files.append(p)
        return p

    def table(self, name: str, frame: pd.DataFrame) -> Path:
        path = self._path(name if name.endswith(".csv") else f"{name}.csv")
        path.write_text(csv_text(frame))
        return path

    def figure(self, name: str, fig: Any) -> Path:
        path = self._path(name if name.endswith(".png") else f"{name}.png")
        fig.savefig(path, dpi=120, bbox_inches="tight")
        import matplotlib.pyplot as plt

        plt.close(fig)
        return path

    def markdown(self, text: str, name: str = "report.md") -> Path:
        path = self._path(name)
        path.write_text(text)
        return path

    def json(self, name: str, obj: Any) -> Path:
        path = self._path(name if name.endswith(".json") else f"{name}.json")
        path.write_text(json.dumps(obj, indent=2, default=_jsonable))
        return path


def write_headline_study(out: str | Path, *, title: str, doc: str, note: str, head: dict[str, Any],
                         results: pd.DataFrame, results_name: str, fig: Any, figure_name: str,
                         opts: dict[str, Any]) -> None:
    """The four files of a headline-and-sweep study, written atomically: ``<results_name>.csv``,
    ``<figure_name>.png``, ``summary.json`` (headline and options) and ``report.md`` (title, the
    docstring's second and third paragraphs, ``note``, the headline row and every point)."""
    paras = doc.split("\n\n")
    text = [
        f"# {title}\n", paras[1] + "\n", paras[2] + "\n", note + "\n",
        "## Headline\n", markdown_table(pd.DataFrame([head])),
        "\n## All points\n", markdown_table(results),
        f"\nFiles: `{results_name}.csv`, `{figure_name}.png`, `summary.json`.\n",
    ]
    with StudyOutput(out) as so:
        so.table(results_name, results)
        so.figure(figure_name, fig)
        so.json("summary", {"headline": head, "options": opts})
        so.markdown("\n".join(text))


def _jsonable(o: Any) -> Any:
    if hasattr(o, "item"):
        return o.item()
    if hasattr(o, "tolist"):
        return o.tolist()
    return str(o)


def markdown_table(frame: pd.DataFrame, floatfmt: str = ".4g") -> str:
    """A GitHub-flavoured markdown table (no optional ``tabulate`` dependency)."""
    cols = list(frame.columns)

    def fmt(v: Any) -> str:
        if isinstance(v, float) and v != v:  # NaN: an empty cell
            return ""
        if isinstance(v, float):
            return format(v, floatfmt)
        return str(v)

    lines = ["| " + " | ".join(map(str, cols)) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for row in frame.itertuples(index=False):
        lines.append("| " + " | ".join(fmt(v) for v in row) + " |")
    return "\n".join(lines) + "\n"


def written_since(out_dir: str | Path, t0: float) -> list[str]:
    """Names of the files in ``out_dir`` written at or after ``t0`` (``time.time()``), sorted:
    what a command's "wrote" line lists."""
    out = Path(out_dir)
    if not out.is_dir():
        return []
    return sorted(p.name for p in out.iterdir()
                  if p.is_file() and not p.name.startswith(".") and p.stat().st_mtime >= t0 - 1e-3)


def _human_cells(frame: pd.DataFrame, units: dict[str, str], knobs: list[str]) -> pd.DataFrame:
    """Knob cells as human quantities (``64 KiB``); each metric column on one scale from its data,
    the unit in the header (``latency (ms)``); whole counts as integers."""
    from .humanize import count, metric_label, quantity, scale_for

    shown = pd.DataFrame(index=frame.index)
    for c in frame.columns:
        unit = units.get(c, "1")
        col = frame[c]
        if c in knobs or not pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
            shown[c] = [quantity(v, unit) if isinstance(v, (int, float, np.integer, np.floating)) else str(v)
                        for v in col]
            continue
        sc = scale_for(col.to_numpy(float), unit)
        vals = sc(col.to_numpy(float))
        shown[metric_label(c, sc)] = [count(v) if unit in ("1", "B") and sc.factor == 1 else
                                      ("n/a" if not np.isfinite(v) else f"{v:.4g}") for v in vals]
    return shown


def study_markdown(summary: dict[str, Any], results: pd.DataFrame, best: pd.DataFrame, units: dict[str, str], *,
                   has_breakdown: bool = False) -> str:
    """``report.md`` of a search study: what was searched, how many designs were evaluated (all of
    them, not only the rows kept in results.csv), and the distinct designs on the front in human
    units."""
    from .humanize import Scale, metric_label, quantity

    objectives = list(summary["objectives"].items())
    info = summary.get("info", {}) or {}
    knobs = [k for k in summary.get("space", {}) if k in results]
    feas = results["feasible"].astype(bool) if "feasible" in results else pd.Series(True, index=results.index)
    # a sweep may keep only its front rows (grid_points counts them all); a resumed study's
    # results.csv holds every trial while n_evals counts this run's
    evaluated = int(info.get("grid_points", len(results)))
    this_run = int(summary.get("n_evals", evaluated))
    n_feasible = int(info.get("n_feasible", int(feas.sum())))
    words = [f"{'lowest' if d == 'min' else 'highest'} {metric_label(m, Scale(1, '')).strip()}" for m, d in objectives]
    md = [f"# Study {summary['name']}", ""]
    if summary.get("description"):
        md += [summary["description"], ""]
    md += [f"- model: `{summary['model']}` v{summary.get('model_version', '?')}"
           + (", parameters " + ", ".join(f"{k}={v}" for k, v in summary["params"].items()) if summary.get("params") else ""),
           f"- workload: `{summary['workload']}`",
           f"- solver: `{summary['solver']}` " + ", ".join(f"{k}={v}" for k, v in summary.get("solver_options", {}).items()),
           "- objectives: " + ", ".join(words) + (" (Pareto front)" if len(words) > 1 else "")]
    for metric, b in (summary.get("bounds") or {}).items():
        parts = [f"≥ {quantity(b['low'], units.get(metric, '1'))}" if b.get("low") is not None else "",
                 f"≤ {quantity(b['high'], units.get(metric, '1'))}" if b.get("high") is not None else ""]
        md.append(f"- bound: {metric_label(metric, Scale(1, '')).strip()} " + " and ".join(p for p in parts if p))
    run = (f" ({this_run:,} in this run, {summary['wall_time_s']:.3g} s)" if this_run != evaluated
           else f" in {summary['wall_time_s']:.3g} s")
    md.append(f"- evaluated: {evaluated:,} designs{run}; feasible: {n_feasible:,} of {evaluated:,}")
    if len(results) < evaluated:
        md.append(f"- results.csv keeps {len(results):,} of the {evaluated:,} rows ({info.get('kept', 'a subset')})")
    fixed = [k for k in knobs if results[k].nunique() == 1]
    if fixed:
        md.append("- fixed: " + ", ".join(f"{k}={quantity(results[k].iloc[0], units.get(k, '1'))}" for k in fixed))
    md.append("")
    varying = [k for k in knobs if k not in fixed]
    distinct = best.drop_duplicates(subset=[k for k in knobs if k in best]) if knobs else best
    metric_cols = [m for m, _ in objectives] + [m for m in summary.get("bounds", {}) if m not in summary["objectives"]]
    repeats = len(best) - len(distinct)
    md += [f"## Best designs ({len(distinct)} distinct on the front"
           + (f"; best.csv holds {len(best)} rows, {repeats} of them repeated evaluations" if repeats else "")
           + "; all columns in best.csv)", ""]
    if len(distinct):
        md += [markdown_table(_human_cells(distinct[[c for c in varying + metric_cols if c in distinct]].head(20),
                                           units, knobs)), ""]
        if len(distinct) > 20:
            md += [f"(first 20 of {len(distinct)})", ""]
    else:
        md += ["No feasible design.", ""]
    md += ["![Pareto](pareto.png)", ""]
    if has_breakdown:
        md += ["![Per-layer breakdown](breakdown.png)", ""]
    return "\n".join(md)
