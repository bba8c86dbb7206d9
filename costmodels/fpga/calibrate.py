"""Measure the CPU efficiency of BERT-base inference on this host (PyTorch), for the CPU profiles.

``measure()`` times one ``torch.nn.TransformerEncoderLayer(768, 12, 3072)`` (BERT-base layer) at
batch 1 and a 2048^3 SGEMM, and reports the achieved FP32 FLOP/s (MACs x 2) and the efficiency
against the host profile's peak (``data/baselines.csv``: ``host-epyc-2c``). The recorded run
(2 vCPU AMD EPYC Zen 4 at 2.596 GHz, torch 2.13.0+cpu, 2 threads):

    L=128: 15.9 ms, 117 GFLOP/s;  L=512: 66.9 ms, 120 GFLOP/s;  SGEMM 2048^3: 145 GFLOP/s

i.e. 0.71 of the 166.4 GFLOP/s peak for the layer (the ``eff_gemm`` of the CPU profiles) and 0.87
for a large SGEMM. Run ``python -m costmodels.fpga.calibrate`` to repeat it.
"""

from __future__ import annotations

import time

from .presets import baseline

__all__ = ["RECORDED", "layer_macs", "measure"]

#: the run quoted in the module docstring: seq_len -> (seconds per layer, FLOP/s)
RECORDED = {128: (15.89e-3, 117.2e9), 512: (66.94e-3, 120.3e9), "sgemm_flops": 144.9e9}


def layer_macs(seq_len: int, d: int = 768, ffn: int = 3072) -> int:
    """MACs of one BERT encoder layer: 4 L d^2 + 2 L^2 d + 2 L d ffn (workloads/ir.py Attention)."""
    return 4 * seq_len * d * d + 2 * seq_len * seq_len * d + 2 * seq_len * d * ffn


def measure(seq_lens: tuple[int, ...] = (128, 512), threads: int = 2, repeats: int = 5) -> dict:
    """Time the layer and an SGEMM with torch; returns FLOP/s and efficiencies."""
    import torch

    torch.manual_seed(0)
    torch.set_num_threads(threads)
    peak = baseline("host-epyc-2c").peak_flops
    layer = torch.nn.TransformerEncoderLayer(768, 12, 3072, batch_first=True).eval()
    out: dict = {"peak_flops": peak}
    with torch.inference_mode():
        for length in seq_lens:
            x = torch.randn(1, length, 768)
            layer(x)
            start = time.perf_counter()
            for _ in range(repeats):
                layer(x)
            sec = (time.perf_counter() - start) / repeats
            flops = 2.0 * layer_macs(length) / sec
            out[length] = {"seconds": sec, "flops": flops, "efficiency": flops / peak}
        a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
        a @ b
        start = time.perf_counter()
        for _ in range(3):
            a @ b
        sec = (time.perf_counter() - start) / 3
        out["sgemm"] = {"flops": 2.0 * 2048**3 / sec, "efficiency": 2.0 * 2048**3 / sec / peak}
    return out


if __name__ == "__main__":  # pragma: no cover
    import json

    print(json.dumps(measure(), indent=2))
