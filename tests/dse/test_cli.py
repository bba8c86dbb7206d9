"""End-to-end CLI tests through a subprocess: output shapes, exit codes, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Runs the real CLI with the toy model registered in-process (it is not an installed entry point).
TOY_MAIN = (
    f"import sys; sys.path.insert(0, {str(ROOT)!r}); from tests.dse.toy_model import ToyModel; "
    "from dse import models; models.register('toy', ToyModel); from dse.cli import main; "
    "raise SystemExit(main(sys.argv[1:]))"
)


def dse(*args: str, toy: bool = False, cwd: Path | None = None) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-c", TOY_MAIN, *args] if toy else [sys.executable, "-m", "dse", *args]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd or ROOT, timeout=120)


def test_help():
    """`dse --help` lists the commands."""
    r = dse("--help")
    assert r.returncode == 0
    for cmd in ("models", "workloads", "show", "whatif", "sweep", "study", "report", "calibrate"):
        assert cmd in r.stdout


def test_models_json():
    """`dse models --json` prints one JSON object with models, solvers and kernels."""
    r = dse("models", "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert {"models", "solvers", "kernels"} <= set(data)
    assert all({"name", "available"} <= set(m) for m in data["models"])


def test_workloads_json_has_published_relu_count():
    """The zoo listing reports ResNet-18 CIFAR's 557,056 ReLUs [AutoReP23, code models_snl/]."""
    r = dse("workloads", "--json")
    assert r.returncode == 0, r.stderr
    rows = {row["name"]: row for row in json.loads(r.stdout)}
    assert rows["resnet18-cifar"]["relus"] == 557_056


def test_show_table():
    """`dse show` prints a layer table and a totals line."""
    r = dse("show", "resnet20-cifar")
    assert r.returncode == 0, r.stderr
    assert "layer1.0.conv0" in r.stdout and "272,474 params" in r.stdout


def test_whatif_json_shape():
    """whatif --json prints exactly one JSON object with the documented keys."""
    r = dse("whatif", "toy", "--workload", "resnet20-cifar", "--set", "pes=128", "--set", "clock=200MHz",
            "--set", "mode=slow", "--json", toy=True)
    assert r.returncode == 0, r.stderr
    lines = [l for l in r.stdout.splitlines() if l.strip()]
    assert len(lines) == 1
    obj = json.loads(lines[0])
    assert set(obj) == {"model", "workload", "design", "metrics", "layers", "feasible", "reason"}
    assert obj["design"]["clock"] == 2e8 and obj["design"]["mode"] == "slow"
    assert obj["feasible"] is True and obj["reason"] is None
    assert len(obj["layers"]) == 73 and set(obj["layers"][0]) == {"name", "kind", "metrics"}
    total = sum(l["metrics"]["latency_s"] for l in obj["layers"])
    assert total == pytest.approx(obj["metrics"]["latency_s"])


def test_whatif_infeasible_point_is_an_answer():
    """An infeasible design is reported (feasible false + reason), not an error."""
    r = dse("whatif", "toy", "-w", "resnet20-cifar", "--set", "pes=1", "--json", toy=True)
    assert r.returncode == 0
    obj = json.loads(r.stdout)
    assert obj["feasible"] is False and obj["reason"] == "pes must be >= 2"


@pytest.mark.parametrize("args,needle", [
    (("whatif", "nosuch", "-w", "resnet20-cifar"), "model: got 'nosuch'"),
    (("whatif", "toy", "-w", "nonet"), "workload: got 'nonet'"),
    (("whatif", "toy", "-w", "resnet20-cifar", "--set", "pes=3"), "pes: got '3'"),
    (("whatif", "toy", "-w", "resnet20-cifar", "--set", "bogus=1"), "got 'bogus'"),
    (("whatif", "toy", "-w", "resnet20-cifar", "--set", "clock=fast"), "clock: got 'fast'"),
    (("whatif", "toy", "-w", "resnet20-cifar", "--set", "noequals"), "--set: got 'noequals'"),
    (("whatif", "toy"), "required: --workload"),
    (("show", "missing.onnx"), "workload: got 'missing.onnx'"),
    (("study", "run", "missing.toml"), "spec: got 'missing.toml'"),
    (("report", "/nonexistent-dir"), "DIR: got '/nonexistent-dir'"),
])
def test_bad_input_one_line_exit_2(args, needle):
    """Bad input: one line on stderr naming the field, exit status 2, no traceback."""
    r = dse(*args, toy=True)
    assert r.returncode == 2, (r.stdout, r.stderr)
    err = r.stderr.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    assert needle in err


def test_malformed_study_spec(tmp_path):
    """A spec with a bad objective direction names the field."""
    spec = tmp_path / "s.toml"
    spec.write_text('[study]\nmodel = "toy"\nworkload = "resnet20-cifar"\n[objectives]\nlatency_s = "lowest"\n')
    r = dse("study", "run", str(spec), toy=True)
    assert r.returncode == 2 and "objectives.latency_s: got 'lowest'" in r.stderr
