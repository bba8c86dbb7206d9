"""CPU/GPU baselines pinned to measurements (HF benchmark on a TITAN RTX; this host's PyTorch)."""

from __future__ import annotations

import numpy as np
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


def test_sorted_windows_order_statistics_match_sampling():
    """The sorted-window batch-maximum pmfs equal a seeded Monte Carlo of sorted windows (mean
    longest length per batch position within 1 %); window 1 reduces to plain batch padding."""
    from costmodels.fpga.baselines import sorted_batch_pmfs
    from workloads.distributions.lengths import parse_lengths

    dist = parse_lengths("glue")
    pmf = sorted_batch_pmfs(dist, 4, 8)
    assert np.allclose(pmf.sum(axis=1), 1.0)
    rng = np.random.default_rng(7)
    draws = np.sort(rng.choice(dist.support, size=(20000, 32), p=dist.probs), axis=1)
    mc = draws[:, 3::4].mean(axis=0)                          # longest of each sorted batch of 4
    assert np.allclose(pmf @ dist.support, mc, rtol=0.01)
    assert np.allclose(sorted_batch_pmfs(dist, 8, 1)[0], dist.max_of(8), atol=1e-12)


def test_sorted_batches_serve_faster_than_padded_batches():
    """Under the FPGA's batching rule (sorted windows of 128 batches) the TITAN RTX profile at
    batch 8 pads ~1 % instead of ~51 % and serves more requests per second."""
    from workloads.distributions.lengths import parse_lengths

    st, dist = compile_stages(workloads.load("bert-base")), parse_lengths("glue")
    plain = serve(baseline("titan-rtx"), st, dist, 8, "batch")
    fair = serve(baseline("titan-rtx"), st, dist, 8, "sorted", window=128)
    assert fair.padding_fraction < 0.02 < 0.5 < plain.padding_fraction
    assert fair.throughput_per_s > plain.throughput_per_s
