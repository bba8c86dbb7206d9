"""Stable interface of issue 8 through a subprocess: ``dse whatif cim ... --json`` and ``dse kpp``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
KEYS = ("crossbars", "adc_conversions", "latency_s", "energy_j", "area_m2")


def dse(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dse", *args], capture_output=True, text=True, cwd=ROOT, timeout=300,
                          check=False)


def test_whatif_json_totals_and_layers():
    """The issue's command: totals and per-layer crossbars, ADC conversions, latency, energy, area;
    per-layer values sum to the totals."""
    r = dse("whatif", "cim", "--workload", "resnet20-cifar", "--set", "rows=128", "--set", "cols=128",
            "--set", "cell_bits=2", "--set", "adc_bits=6", "--set", "cols_per_adc=8", "--set", "sigma=0.1", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["feasible"] is True and out["design"]["sigma"] == 0.1
    for k in KEYS:
        assert out["metrics"][k] > 0
        assert sum(l["metrics"][k] for l in out["layers"]) == pytest.approx(out["metrics"][k])
    assert out["metrics"]["crossbars"] == 166  # 8 cells per weight on 128x128 (test_model counts)


def test_whatif_bad_inputs():
    """sigma < 0 exits 2 with a one-line error; cell_bits > weight_bits is infeasible with its reason."""
    r = dse("whatif", "cim", "--workload", "resnet20-cifar", "--set", "sigma=-0.1", "--json")
    assert r.returncode == 2 and "sigma" in r.stderr and "Traceback" not in r.stderr
    r = dse("whatif", "cim", "--workload", "resnet20-cifar", "--set", "cell_bits=4", "--set", "weight_bits=2", "--json")
    out = json.loads(r.stdout)
    assert out["feasible"] is False and out["reason"] == "cell_bits must not exceed weight_bits"


def test_kpp_command_reproducible(tmp_path):
    """``dse kpp`` trains, draws and prints KPP with its interval; the same seed gives the same
    numbers, and the saved weights evaluate identically."""
    pytest.importorskip("sklearn", reason="scikit-learn (digits data) not installed")
    pytest.importorskip("torch", reason="torch not installed: dse kpp trains the network")
    args = ("kpp", "--draws", "60", "--epochs", "3", "--sigma", "0.2", "--json")
    a = dse(*args, "--save", str(tmp_path / "net.npz"))
    assert a.returncode == 0, a.stderr
    ra = json.loads(a.stdout)
    assert ra["draws"] == 60 and 0 <= ra["kpp"] <= ra["mean"] <= 1
    b = dse("kpp", "--draws", "60", "--sigma", "0.2", "--json", "--weights", str(tmp_path / "net.npz"))
    assert b.returncode == 0, b.stderr
    rb = json.loads(b.stdout)
    assert (rb["kpp"], rb["mean"]) == (ra["kpp"], ra["mean"])


def test_kpp_bad_inputs():
    """Negative sigma and cell bits above weight bits are one-line errors with exit status 2."""
    for extra in (("--sigma", "-1"), ("--cell-bits", "4", "--weight-bits", "2")):
        r = dse("kpp", *extra)
        assert r.returncode == 2 and "allowed" in r.stderr and "Traceback" not in r.stderr
