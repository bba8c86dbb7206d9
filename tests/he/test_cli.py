"""`dse whatif he ...` and `dse calibrate he ...` through the real CLI (subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def dse(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dse", *args], capture_output=True, text=True, cwd=ROOT, timeout=180,
                          check=False)


def test_whatif_he_interface():
    """The issue's stable interface: totals and per-layer counts in one JSON object."""
    r = dse("whatif", "he", "--workload", "stgcn3-256", "--set", "N=32768", "--set", "scale_bits=33",
            "--set", "first_bits=45", "--set", "levels=16", "--set", "security=128", "--set", "packing=ama-fused",
            "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    for key in ("latency_s", "rotations", "pt_mults", "ct_mults", "rescales", "bootstraps", "levels_used",
                "memory_bytes", "security_bits"):
        assert key in out["metrics"], key
    assert out["feasible"] and out["metrics"]["security_bits"] == 128
    gcn = [l for l in out["layers"] if l["kind"] == "graphconv"]
    assert len(gcn) == 3 and all("rotations" in l["metrics"] for l in gcn)


def test_whatif_he_trace_and_profile(tmp_path):
    """A CSV op trace is a workload; --profile picks a device; per-row latencies are the layers."""
    trace = tmp_path / "trace.csv"
    trace.write_text("op,n,limbs,count\nrotate,32768,10,4\nmul_plain,32768,10,32\n")
    r = dse("whatif", "he", "--workload", str(trace), "--set", "levels=9", "--profile", "openfhe-cpu", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert [l["kind"] for l in out["layers"]] == ["rotate", "mul_plain"]
    total = sum(l["metrics"]["latency_s"] for l in out["layers"])
    assert abs(out["metrics"]["latency_s"] - total) < 1e-12 and out["metrics"]["rotations"] == 4


def test_insecure_point_reports_reason():
    """N=8192 with 16 levels is infeasible with the security reason, not an error."""
    r = dse("whatif", "he", "--workload", "lenet5", "--set", "N=8192", "--set", "levels=16", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["feasible"] is False and "insecure" in out["reason"]


def test_bad_profile_is_one_line_error():
    """An unknown profile exits 2 with one line naming the field."""
    r = dse("whatif", "he", "--workload", "lenet5", "--profile", "nope")
    assert r.returncode == 2 and "profile" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_calibrate_requires_out():
    """`dse calibrate he` validates its own arguments (argparse usage error, exit 2)."""
    r = dse("calibrate", "he", "--backend", "tenseal")
    assert r.returncode == 2 and "--out" in r.stderr


def test_whatif_bootstrapped_networks_with_sparse_preset():
    """Issue 17 done-when: ResNet-20 and one BERT-base layer, bootstrapped, 128-bit sparse-secret preset, one whatif each."""
    for workload, extra in (("resnet20-cifar", ["--set", "act_degree=15"]), ("bert-base:layers=1", [])):
        r = dse("whatif", "he", "--workload", workload, "--set", "preset=lattigo-n16-h192", "--profile",
                "gpu-cheddar-a100", *extra, "--json")
        assert r.returncode == 0, r.stderr
        m = json.loads(r.stdout)["metrics"]
        assert json.loads(r.stdout)["feasible"]
        assert m["security_bits"] == 128 and m["log_qp_bits"] == 1546 and m["bootstraps"] >= 1
    bad = dse("whatif", "he", "--workload", "resnet20-cifar", "--set", "preset=lattigo-n99")
    assert bad.returncode == 2 and "preset" in bad.stderr and "Traceback" not in bad.stderr


def test_whatif_bootstrapped_networks_with_openfhe_preset():
    """The same done-when with OpenFHE's sparse-secret bootstrapping set (N=2^17, h=192, log2 QP 2312)."""
    for workload, extra in (("resnet20-cifar", ["--set", "act_degree=15"]), ("bert-base:layers=1", [])):
        r = dse("whatif", "he", "--workload", workload, "--set", "preset=openfhe-n17-h192", "--profile",
                "gpu-cheddar-a100", *extra, "--json")
        assert r.returncode == 0, r.stderr
        out = json.loads(r.stdout)
        m = out["metrics"]
        assert out["feasible"] and m["security_bits"] == 128 and m["log_qp_bits"] == 2312
        assert m["ring_degree"] == 131072 and m["bootstraps"] >= 1
