"""he-multigpu interface: `dse whatif` JSON (issue 5 Interface) and the AEGIS study in quick mode."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_whatif_json_has_the_interface_totals():
    """`dse whatif he-multigpu --workload bert-base --set seq_len=2048 --set gpus=4 --set placement=hybrid --json`."""
    cmd = [sys.executable, "-m", "dse", "whatif", "he-multigpu", "--workload", "bert-base", "--set", "seq_len=2048",
           "--set", "gpus=4", "--set", "placement=hybrid", "--set", "memory_budget=10TB", "--json"]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    res = json.loads(out.stdout)
    for k in ("latency_s", "comm_bytes", "memory_bytes_per_device", "scaling_efficiency"):
        assert k in res["metrics"] and res["metrics"][k] >= 0
    assert res["feasible"] is True
    assert 0.5 < res["metrics"]["scaling_efficiency"] <= 1.0


def test_whatif_reports_limb_infeasibility():
    """More GPUs than limbs: still exit 0, feasible false, reason names limb partitioning."""
    cmd = [sys.executable, "-m", "dse", "whatif", "he-multigpu", "--workload", "bert-base", "--set", "gpus=32",
           "--set", "placement=limb", "--set", "seq_len=2048", "--set", "memory_budget=1TB", "--json"]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    res = json.loads(out.stdout)
    assert res["feasible"] is False and "limb partitioning" in res["reason"]


def test_aegis_study_quick(tmp_path):
    """The study writes CSV + PNG + report.md; its comparison table holds the model's headline numbers
    (the published AEGIS figures they are compared with are claims he_multigpu-aegis-*)."""
    sys.path.insert(0, str(ROOT / "studies"))
    try:
        import aegis_multigpu
    finally:
        sys.path.pop(0)
    head = aegis_multigpu.run(tmp_path, quick=True)
    for f in ("results.csv", "comparison.csv", "des_check.csv", "aegis_multigpu.png", "report.md"):
        assert (tmp_path / f).exists(), f
    cmp = pd.read_csv(tmp_path / "comparison.csv").set_index("quantity")["ours"]
    assert cmp["speedup"] == pytest.approx(head["speedup"], rel=1e-9)
    assert cmp["scaling efficiency"] == pytest.approx(head["scaling_efficiency"], rel=1e-9)
    assert cmp["FFN comm vs best single placement"] == pytest.approx(head["ffn_comm_reduction"], rel=1e-9)
    assert head["speedup"] == pytest.approx(head["scaling_efficiency"] * 4, rel=1e-9)
    des = pd.read_csv(tmp_path / "des_check.csv")
    off = des[des.overlap == "off"]
    assert (off.des_vs_analytic.abs() < 1e-9).all()
    assert head["hybrid_feasible"]
    assert head["total_comm_reduction"] <= 0.0


def test_pays_off_verdict_follows_the_mesh():
    """A one-axis hybrid mesh with no latency gain is reported as not paying off; a 2x2 mesh with a gain as paying off."""
    import sys

    import pandas as pd

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "studies"))
    try:
        import aegis_multigpu
    finally:
        sys.path.pop(0)
    rows = pd.DataFrame([
        {"gpu": "x", "mesh": "4x1x1", "latency_gain_vs_fastest_single": 0.0, "fastest_single": "token",
         "ffn_comm_reduction": 0.0, "attention_comm_reduction": 0.065, "attention_best_single": "replicate"},
        {"gpu": "y", "mesh": "2x2x1", "latency_gain_vs_fastest_single": -0.04, "fastest_single": "replicate",
         "ffn_comm_reduction": -0.6, "attention_comm_reduction": -0.3, "attention_best_single": "replicate"}])
    text = aegis_multigpu.pays_off(rows).splitlines()
    assert "does not pay off" in text[0] and "+6.5%" in text[0]
    assert "pays off" in text[1] and "does not" not in text[1]
