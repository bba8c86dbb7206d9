"""CPU/GPU baselines pinned to measurements (HF benchmark on a TITAN RTX; this host's PyTorch)."""

from __future__ import annotations

import pytest

import workloads
from costmodels.fpga import baseline, batch_time_s, serve
from costmodels.fpga.calibrate import RECORDED, layer_macs
from costmodels.fpga.lowering import compile_stages
from workloads.distributions.lengths import parse_lengths


@pytest.fixture(scope="module")
def bert_stages():
    return compile_stages(workloads.load("bert-base"))


@pytest.mark.parametrize("length,measured_s", [(8, 0.006), (32, 0.006), (128, 0.018), (512, 0.088)])
def test_titan_rtx_profile_reproduces_hf_benchmark(bert_stages, length, measured_s):
    """Calibration, not validation (claims fpga-titan-rtx-*): eff_gemm and overhead of the TITAN RTX
    profile are fitted to these Hugging Face timings (PyTorch 1.4 FP32, bert-base-uncased, batch 8:
    6 / 6 / 18 / 88 ms at 8 / 32 / 128 / 512 tokens); the fit stays within 10 % of each."""
    t = float(batch_time_s(baseline("titan-rtx"), bert_stages, length, 8))
    assert t == pytest.approx(measured_s, rel=0.10)


def test_cpu_efficiency_is_the_recorded_host_measurement():
    """eff_gemm of the CPU profiles = recorded PyTorch BERT-layer FLOP/s / host FP32 peak (0.71)."""
    peak = baseline("host-epyc-2c").peak_flops
    for length in (128, 512):
        sec, flops = RECORDED[length]
        assert flops == pytest.approx(2 * layer_macs(length) / sec, rel=1e-3)
        assert flops / peak == pytest.approx(baseline("i7-5930k").eff_gemm, abs=0.02)


def test_serving_pads_to_the_batch_maximum(bert_stages):
    """Batch 1 has no padding; batch 8 on GLUE pads ~51% of token slots (dynamic padding)."""
    glue = parse_lengths("glue")
    one, eight = serve(baseline("titan-rtx"), bert_stages, glue, 1), serve(baseline("titan-rtx"), bert_stages, glue, 8)
    assert one.padding_fraction == 0.0 and 0.45 < eight.padding_fraction < 0.6
    assert eight.throughput_per_s > one.throughput_per_s
    assert one.energy_j == pytest.approx(baseline("titan-rtx").power_w * one.latency_s)
