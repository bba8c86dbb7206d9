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


def test_cryptgpu_relu_counted_from_code():
    """Per element: A2B replicate 3 x 8 B; ripple 8 AND gates on 16 bits (2 packed replicates of
    3 x 2 B each = 12 B) = 96 B; select 16 AND gates and sign 2 on 1 bit (0.75 B each) = 13.5 B;
    mixed_mul: bit-share replicate 24 B, OT 5 words = 40 B, three replicates (scale truncation,
    x and a) 72 B, output truncation 24 B. Rounds 1 + 16 + 32 + 4 + 1 + 2 + 1 + 2 + 1 = 60."""
    from costmodels.mpc.cryptgpu import CryptGPU, relu_cost

    assert relu_cost(1000) == (1000 * (24 + 96 + 13.5 + 24 + 40 + 72 + 24), 60)
    c = CryptGPU("cpu").relu(1000, n=3, shared=True)
    assert (c.online_bytes, c.rounds) == (293_500, 60)


def test_cryptgpu_linear_and_pool():
    """Shared weights (replicated at load): replicate the input, truncate the output (3 x 8 B each,
    1 round each); public weights: truncation only; average pool: a public division = truncation."""
    from costmodels.mpc.cryptgpu import CryptGPU

    p = CryptGPU("v100")
    s = p.linear(256, 288, 512, 147_456, "model", n=3, shared=True)
    assert (s.online_bytes, s.rounds) == (24 * 256 + 24 * 512, 2)
    assert s.compute_s > gpu_profile("v100").linear_s(147_456, True)
    pub = p.linear(256, 288, 512, 147_456, "model", n=3, shared=False)
    assert (pub.online_bytes, pub.rounds) == (24 * 512, 1)
    assert (p.avgpool(100, n=3, shared=True).online_bytes, p.avgpool(100, n=3, shared=True).rounds) == (2400, 1)
    sq = p.poly(100, 2, n=3, shared=True)  # square: replicate + truncation; 2 coefficient truncations
    assert (sq.online_bytes, sq.rounds) == (24 * 100 * 4, 3)


def test_cryptgpu_is_three_party_only():
    m = MpcModel().evaluate(_conv_net(), {"protocol": ["cryptgpu", "cryptgpu"], "parties": [2, 3]})
    assert np.isnan(float(m.totals["comm_bytes"][0])) and float(m.totals["comm_bytes"][1]) > 0


def test_cryptgpu_batchnorm_two_products():
    """A separate batch norm on 2 x 4 x 4 = 32 elements: two products, each replicating the 32
    activations and the 2 per-channel factors and truncating: 2 x 24 x (32 + 2 + 32) B, 6 rounds."""
    b = WorkloadBuilder("bn", (2, 4, 4))
    b.norm(b.input)
    wl = b.build()
    from costmodels.mpc.compiled import layer_costs

    lc = layer_costs(wl, "cryptgpu", 3, "shared", batchnorm="separate")
    assert lc.fixed[0, 0] == 2 * 24 * (32 + 2 + 32) and lc.fixed[2, 0] == 6
