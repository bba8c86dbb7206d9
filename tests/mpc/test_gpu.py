"""GPU compute profile of rep3 (CryptGPU setting): the device parameter and its row lookup."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from costmodels.mpc.gpu import DEVICES, gpu_profile
from costmodels.mpc.model import MpcModel
from costmodels.mpc.protocols import Rep3
from dse.errors import DseInputError
from workloads.graph import WorkloadBuilder

ROOT = Path(__file__).resolve().parents[2]


def _conv_net():
    b = WorkloadBuilder("toy", (4, 8, 8))
    b.relu(b.conv2d(b.input, 8, 3, padding=1))
    return b.build()


def test_device_rows_and_lookup():
    """cpu first, then the GPUs of data/gpu_profiles.csv; an unknown device names the field."""
    assert DEVICES[0] == "cpu" and {"v100", "a100"} <= set(DEVICES)
    with pytest.raises(DseInputError, match="device"):
        gpu_profile("tpu")


def test_gpu_linear_time_hand_derived():
    """1e9 shared-weight MACs on a V100: 3 local products x 16 fp64 block products x 2 FLOP
    / 7.8e12 FLOP/s = 12.31 ms; with a public operand one product: 4.10 ms."""
    v100 = gpu_profile("v100")
    assert v100.linear_s(1e9, shared=True) == pytest.approx(3 * 16 * 2 * 1e9 / 7.8e12)
    assert v100.linear_s(1e9, shared=True) == pytest.approx(12.3077e-3, rel=1e-4)
    assert v100.linear_s(1e9, shared=False) == pytest.approx(4.1026e-3, rel=1e-4)
    # an elementwise ring op moves 24 B over 900 GB/s
    assert v100.word_s == pytest.approx(24 / 900e9)


def test_rep3_device_changes_compute_only():
    """Same bytes and rounds on cpu and v100; compute of a linear layer follows the profile."""
    cpu, gpu = Rep3("cpu"), Rep3("v100")
    a = cpu.linear(256, 288, 512, 147_456, "model", n=3, shared=True)
    g = gpu.linear(256, 288, 512, 147_456, "model", n=3, shared=True)
    assert (a.online_bytes, a.rounds) == (g.online_bytes, g.rounds)
    words = 512 * 7  # one reshare (3 words) and one truncation (4 words) per output
    assert g.compute_s == pytest.approx(gpu_profile("v100").linear_s(147_456, True) + words * 24 / 900e9)
    assert g.compute_s < a.compute_s


def test_model_device_param_only_touches_rep3():
    wl = _conv_net()
    pts = {"protocol": ["rep3", "crypten"], "parties": [3, 3], "weights": ["shared", "shared"]}
    cpu = MpcModel().evaluate(wl, pts)
    gpu = MpcModel(device="a100").evaluate(wl, pts)
    np.testing.assert_allclose(gpu.totals["comm_bytes"], cpu.totals["comm_bytes"])
    assert float(gpu.totals["compute_s"][0]) < float(cpu.totals["compute_s"][0])
    assert float(gpu.totals["compute_s"][1]) == pytest.approx(float(cpu.totals["compute_s"][1]))


def test_bad_device_exit_2():
    cmd = [sys.executable, "-m", "dse", "whatif", "mpc", "--workload", "resnet20-cifar",
           "--set", "protocol=rep3", "--set", "parties=3", "--set", "device=tpu", "--json"]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=120, check=False)
    assert out.returncode == 2
    assert "device" in out.stderr and "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1
