"""Study outputs a person reads: report.md counts, distinct front designs, human units, the plots'
panels and fronts, and "wrote" lines that list every file written."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from dse.pareto import non_dominated

SPEC = """
[study]
name = "t"
model = "asic-systolic"
workload = "resnet20-cifar"
solver = "sweep"
seed = 0
[space]
rows = [8, 16, 32, 64]
cols = [8, 16, 32]
dataflow = ["os", "ws", "is"]
bits = [8]
clock = [200e6]
dram_bw = [10e9]
weight_sparsity = [0.0]
act_sparsity = [0.0]
sparse_pe = ["dense"]
ifmap_sram = [65536]
filter_sram = [65536]
ofmap_sram = [65536]
[objectives]
latency_s = "min"
area_m2 = "min"
energy_j = "min"
[bounds]
area_m2 = { high = 1e-6 }
[solver]
keep = "pareto"
"""


def _dse(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dse", *args], capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("study")
    spec = tmp / "t.toml"
    spec.write_text(SPEC)
    out = tmp / "out"
    run = _dse("study", "run", str(spec), "--out", str(out), "--no-progress")
    assert run.returncode == 0, run.stderr
    return out, run.stdout


def test_wrote_line_lists_every_file_written(study):
    """The "wrote" line of `dse study run` and `dse report` names every file the command wrote."""
    out, stdout = study
    files = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert stdout.strip().splitlines()[-1] == f"wrote {out}/ ({', '.join(files)})"
    again = _dse("report", str(out))
    assert again.returncode == 0
    assert again.stdout.strip() == f"wrote {out}/ (breakdown.png, layers.csv, pareto.png, report.md)"


def test_report_counts_every_evaluated_point_and_shows_human_units(study):
    """A sweep that keeps only its front still reports all 36 grid points; values in ms / mm² / KiB."""
    out, _ = study
    md = (out / "report.md").read_text()
    results = pd.read_csv(out / "results.csv")
    assert len(results) < 36
    summary = json.loads((out / "summary.json").read_text())
    n_feasible = summary["info"]["n_feasible"]
    assert "- evaluated: 36 designs in " in md and f"feasible: {n_feasible} of 36" in md
    assert "latency (ms)" in md
    assert "area (mm²)" in md and "ifmap_sram=64 KiB" in md and "bound: area ≤ 1 mm²" in md


def test_front_table_has_no_duplicate_designs(tmp_path):
    """Repeated rows of one design in best.csv appear once in report.md's front table (and are counted)."""
    from dse.report import study_markdown

    summary = {"name": "d", "model": "asic-systolic", "workload": "w", "solver": "optuna", "wall_time_s": 1.0,
               "n_evals": 3, "objectives": {"latency_s": "min"}, "space": {"rows": "", "dataflow": ""}}
    best = pd.DataFrame({"rows": [8, 8, 16], "dataflow": ["os", "os", "ws"], "latency_s": [1e-3, 1e-3, 2e-3],
                         "feasible": [True] * 3})
    md = study_markdown(summary, best, best, {"rows": "1", "dataflow": "1", "latency_s": "s"})
    table = [l for l in md.splitlines() if l.startswith("| ") and "rows" not in l]
    assert len(table) == 2 and "2 distinct on the front; best.csv holds 3 rows, 1 of them repeated" in md
    assert "| 8 | os | 1 |" in md  # 1e-3 s shown as 1 ms under a "latency (ms)" header
    assert "latency (ms)" in md


def test_pareto_png_panels_claim_their_own_front(study):
    """Three objectives give three panels; each panel's line is the non-dominated front of that pair,
    the bound is drawn, points are coloured by dataflow, axes carry human units."""
    import matplotlib

    matplotlib.use("Agg")
    from dse.plots import _pareto_figure, column_units

    out, _ = study
    summary = json.loads((out / "summary.json").read_text())
    results = pd.read_csv(out / "results.csv")
    fig = _pareto_figure(summary, results, column_units(summary, results.columns))
    from dse.humanize import metric_label, scale_for

    axes = [a for a in fig.axes if a.get_visible()]
    feas = results["feasible"].to_numpy(bool)
    sc = {m: scale_for(results[m].to_numpy(float)[feas], u) for m, u in
          (("latency_s", "s"), ("area_m2", "m2"), ("energy_j", "J"))}
    assert sc["latency_s"].unit == "ms" and sc["area_m2"].unit == "mm²" and sc["energy_j"].unit in ("µJ", "mJ")
    lab = {m: metric_label(m, s) for m, s in sc.items()}
    assert [(a.get_xlabel(), a.get_ylabel()) for a in axes] == [
        (lab["latency_s"], lab["area_m2"]), (lab["latency_s"], lab["energy_j"]), (lab["area_m2"], lab["energy_j"])]
    for ax in axes:
        labels = ax.get_legend_handles_labels()[1]
        line = next(l for l in ax.get_lines() if l.get_label() == "front of this pair")
        xs, ys = line.get_xdata(), line.get_ydata()
        xl, yl = ax.get_xlabel().split(" (")[0], ax.get_ylabel().split(" (")[0]
        col = {"latency": ("latency_s", sc["latency_s"].factor), "area": ("area_m2", 1e6),
               "energy": ("energy_j", sc["energy_j"].factor)}
        pts = np.column_stack([results[col[xl][0]] * col[xl][1], results[col[yl][0]] * col[yl][1]])[feas]
        want = pts[non_dominated(pts)]
        np.testing.assert_allclose(sorted(zip(xs, ys)), sorted(map(tuple, want[np.argsort(want[:, 0])])))
        if "area" in (xl, yl):
            assert any(l.startswith("bound: area ≤ 1 mm²") for l in labels)
    assert any(l.startswith("dataflow=") for l in axes[0].get_legend_handles_labels()[1])
    for ax in axes:  # log axes never label their minor ticks (labels would run together)
        for axis in (ax.xaxis, ax.yaxis):
            if axis.get_scale() == "log":
                assert type(axis.get_minor_formatter()).__name__ == "NullFormatter"


def test_readme_sweep_runs_with_unnamed_knobs_at_defaults(tmp_path):
    """The README sweep (dataflow x rows) runs as written: 3 x 121 points, the other knobs listed at defaults."""
    run = _dse("sweep", "asic-systolic", "-w", "resnet18-cifar", "--grid", "dataflow=os,ws,is", "--range",
               "rows=8:128", "--objective", "latency_s", "--objective", "energy_j", "--out", str(tmp_path / "s"))
    assert run.returncode == 0, run.stderr
    assert "fixed at defaults" in run.stdout and "ifmap_sram=64KiB" in run.stdout
    assert json.loads((tmp_path / "s" / "summary.json").read_text())["info"]["grid_points"] == 363
