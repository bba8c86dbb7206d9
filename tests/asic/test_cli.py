"""The stable interface of issue 3 through a subprocess:
``dse whatif asic-systolic --workload W --set rows=R --set cols=C --set dataflow=... --json``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import workloads
from costmodels.asic import gemm_cycles, lower

ROOT = Path(__file__).resolve().parents[2]


def dse(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dse", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)


@pytest.mark.parametrize("dataflow", ["os", "ws", "is"])
def test_whatif_json_per_layer_cycles(dataflow):
    """One JSON object; totals cycles/latency_s/energy_j/utilization; every layer has SCALE-Sim's
    compute cycles (closed form, checked against SCALE-Sim in test_systolic) and stall_cycles."""
    r = dse("whatif", "asic-systolic", "--workload", "resnet18-cifar", "--set", "rows=16",
            "--set", "cols=8", "--set", f"dataflow={dataflow}", "--set", "ifmap_sram=64KiB",
            "--set", "clock=200MHz", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["model"] == "asic-systolic" and out["feasible"] is True and out["reason"] is None
    assert out["design"]["ifmap_sram"] == 65536 and out["design"]["dataflow"] == dataflow
    for key in ("cycles", "latency_s", "energy_j", "utilization"):
        assert out["metrics"][key] > 0
    t = lower(workloads.load("resnet18-cifar"))
    assert [l["name"] for l in out["layers"]] == list(t.names)
    for i, layer in enumerate(out["layers"]):
        assert layer["metrics"]["cycles"] == t.batch[i] * gemm_cycles(int(t.m[i]), int(t.k[i]), int(t.n[i]), 16, 8, dataflow)
        assert layer["metrics"]["stall_cycles"] >= 0
    assert out["metrics"]["cycles"] == sum(l["metrics"]["cycles"] for l in out["layers"])


@pytest.mark.parametrize("setting,fragment", [
    ("rows=0", "rows"), ("dataflow=xs", "dataflow"), ("bits=3", "bits"), ("ifmap_sram=lots", "ifmap_sram"),
])
def test_bad_knob_exit_2_one_line(setting, fragment):
    """Zero rows, unknown dataflow, bit width 3, unparsable size: exit 2, one line, no traceback."""
    r = dse("whatif", "asic-systolic", "--workload", "resnet20-cifar", "--set", setting, "--json")
    assert r.returncode == 2
    assert fragment in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
